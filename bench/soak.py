"""Soak: the scaled shape under a steady mixed load for a long time, each process's memory sampled.

    .venv/bin/python -m bench.soak [--minutes 30] [--apis 2] [--workers 2] [--chats 6]

Two `frontdesk api` and two `frontdesk worker` processes on a fresh PostgreSQL database and Redis.
The load, spread over the APIs: `--chats` customers each posting a message every second to a
scripted chat agent (a webhook subscribed to every message event, delivered to a loopback
receiver); an SSE client on each API that reconnects every minute; a new conversation per
customer every 20 messages; contacts created, searched and deleted; a campaign of three calls on
the simulated phone network every five minutes (`--campaign-every`; the callees speak synthesized
audio to the API's media stream). Every 15 s the resident memory (RSS, from /proc) of each
process is recorded.

The figures per process: RSS after the warm-up (the first 5 minutes, while caches fill), at the
end, and the slope of a least-squares line through the samples after the warm-up, in MB per hour;
with it the requests made and the errors seen.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m

import httpx  # noqa: E402
from tests.fixtures.receiver import Receiver  # noqa: E402

from bench.common import BIN, database, free_port, machine, process, sign_up, table  # noqa: E402

REDIS = os.environ.get("FRONTDESK_BENCH_REDIS", "redis://127.0.0.1:6379/0")
SAMPLE_SECONDS = 15.0
SCENARIOS = [{"match": "+1415555040?", "scenario": "hang_up_after", "seconds": 8}]
ALWAYS = {"start": "00:00", "end": "23:59", "days": [1, 2, 3, 4, 5, 6, 7]}


@dataclass
class Counts:
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    events: int = 0
    campaigns: int = 0

    async def send(self, request: Any) -> httpx.Response | None:
        """The response to an awaited request, or None (recorded) when the connection failed."""
        try:
            return self.check(await request)
        except httpx.TransportError as exc:
            self.requests += 1
            self.errors.append(f"{time.strftime('%H:%M:%S')} {type(exc).__name__}: {exc}")
            return None

    def check(self, response: httpx.Response) -> httpx.Response:
        self.requests += 1
        if response.status_code >= 400:
            self.errors.append(
                f"{response.request.method} {response.url.path}: "
                f"{response.status_code} {response.text[:200]}"
            )
        return response


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def slope_per_hour(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) samples, in MB per hour."""
    n = len(samples)
    if n < 2:
        return 0.0
    mean_t = sum(t for t, _ in samples) / n
    mean_m = sum(m for _, m in samples) / n
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    cov = sum((t - mean_t) * (m - mean_m) for t, m in samples)
    return cov / var * 3600 if var else 0.0


async def _setup(http: httpx.AsyncClient, hook: str) -> tuple[dict[str, str], str, str]:
    headers = await sign_up(http)
    chat = await http.post(
        "/v1/agents",
        headers=headers,
        json={"name": "Chat", "type": "chat", "llm": {"provider": "scripted"}},
    )
    chat.raise_for_status()
    caller = await http.post(
        "/v1/agents",
        headers=headers,
        json={
            "name": "Caller",
            "type": "outbound",
            "greeting_message": "Hi, this is Sam.",
            "llm": {"provider": "scripted", "script": [{"match": ".*", "reply": "Thanks!"}]},
            "is_recording": False,
        },
    )
    caller.raise_for_status()
    webhook = await http.post(
        "/v1/webhooks",
        headers=headers,
        json={"url": hook, "events": ["message.received", "message.sent", "call.ended"]},
    )
    webhook.raise_for_status()
    return headers, str(chat.json()["id"]), str(caller.json()["id"])


async def _customer(
    http: list[httpx.AsyncClient],
    headers: dict[str, str],
    agent: str,
    n: int,
    until: float,
    counts: Counts,
) -> None:
    sent = 0
    path = ""
    while time.monotonic() < until:
        api = http[(n + sent) % len(http)]
        if sent % 20 == 0 or not path:
            created = await counts.send(
                api.post("/v1/conversations", headers=headers, json={"agent_id": agent})
            )
            if created is None or created.status_code != 201:
                await asyncio.sleep(1.0)
                continue
            path = f"/v1/conversations/{created.json()['id']}/messages"
        await counts.send(api.post(path, headers=headers, json={"content": f"Question {sent}"}))
        sent += 1
        if sent % 10 == 0:
            await counts.send(api.get("/v1/conversations?limit=20", headers=headers))
        await asyncio.sleep(1.0)


async def _crm(
    http: list[httpx.AsyncClient], headers: dict[str, str], until: float, counts: Counts
) -> None:
    n = 0
    while time.monotonic() < until:
        api = http[n % len(http)]
        n += 1
        created = await counts.send(
            api.post(
                "/v1/contacts",
                headers=headers,
                json={"first_name": f"Soak{n}", "phone_number": f"+14155550{100 + n % 100}"},
            )
        )
        await counts.send(api.get(f"/v1/contacts?search=Soak{n}", headers=headers))
        if created is not None and created.status_code == 201:
            await counts.send(api.delete(f"/v1/contacts/{created.json()['id']}", headers=headers))
        await asyncio.sleep(2.0)


async def _listener(
    api: httpx.AsyncClient, headers: dict[str, str], until: float, counts: Counts
) -> None:
    while time.monotonic() < until:
        with contextlib.suppress(httpx.HTTPError, TimeoutError):
            async with asyncio.timeout(min(60.0, max(1.0, until - time.monotonic()))):
                async with api.stream("GET", "/v1/events/stream", headers=headers) as response:
                    counts.check(response)
                    async for line in response.aiter_lines():
                        if line.startswith("data: "):
                            counts.events += 1


async def _campaigns(
    http: list[httpx.AsyncClient],
    headers: dict[str, str],
    agent: str,
    until: float,
    counts: Counts,
    every: float,
) -> None:
    while time.monotonic() < until - 60:
        api = http[counts.campaigns % len(http)]
        created = await counts.send(
            api.post(
                "/v1/campaigns",
                headers=headers,
                json={
                    "name": f"Soak {counts.campaigns}",
                    "agent_id": agent,
                    "phone_numbers": [f"+141555504{i:02d}" for i in range(3)],
                    "max_concurrent_calls": 2,
                    "calling_hours": ALWAYS,
                },
            )
        )
        if created is not None and created.status_code == 201:
            await counts.send(
                api.post(f"/v1/campaigns/{created.json()['id']}/launch", headers=headers)
            )
            counts.campaigns += 1
        await asyncio.sleep(max(0.0, min(every, until - 60 - time.monotonic())))


async def _sample(
    pids: dict[str, int], began: float, until: float, samples: dict[str, list[tuple[float, float]]]
) -> None:
    while True:
        now = time.monotonic()
        for name, pid in list(pids.items()):
            try:
                samples[name].append((now - began, rss_mb(pid)))
            except OSError:
                print(f"{name} (pid {pid}) exited after {now - began:.0f} s", flush=True)
                del pids[name]
        if now >= until:
            return
        await asyncio.sleep(min(SAMPLE_SECONDS, max(0.0, until - now)))


async def _soak(
    bases: list[str],
    pids: dict[str, int],
    receiver: Receiver,
    minutes: float,
    chats: int,
    every: float,
) -> tuple[dict[str, list[tuple[float, float]]], Counts]:
    counts = Counts()
    limits = httpx.Limits(max_connections=chats + 8)
    http = [httpx.AsyncClient(base_url=b, timeout=60, limits=limits) for b in bases]
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in pids}
    try:
        headers, chat, caller = await _setup(http[0], receiver.url)
        began = time.monotonic()
        until = began + minutes * 60
        await asyncio.gather(
            _sample(pids, began, until, samples),
            *(_customer(http, headers, chat, n, until, counts) for n in range(chats)),
            _crm(http, headers, until, counts),
            *(_listener(api, headers, until, counts) for api in http),
            _campaigns(http, headers, caller, until, counts, every),
        )
    finally:
        for client in http:
            await client.aclose()
    return samples, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--warmup-minutes", type=float, default=5)
    parser.add_argument("--apis", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chats", type=int, default=6, help="customers, a message a second each")
    parser.add_argument(
        "--campaign-every", type=float, default=300, help="seconds between campaigns of 3 calls"
    )
    parser.add_argument("--samples", help="write every sample to this JSON file")
    parser.add_argument("--logs", type=Path, help="keep each process's output in this folder")
    args = parser.parse_args()
    if args.logs:
        args.logs.mkdir(parents=True, exist_ok=True)
    receiver = Receiver().start()
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            database("postgresql") as url,
            ExitStack() as stack,
        ):
            scenarios = Path(tmp) / "scenarios.json"
            scenarios.write_text(json.dumps(SCENARIOS))
            ports = [free_port() for _ in range(args.apis)]
            env = {
                "FRONTDESK_DATABASE_URL": url,
                "FRONTDESK_DATA_DIR": f"{tmp}/data",
                "FRONTDESK_REDIS_URL": REDIS,
                "FRONTDESK_SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
                "FRONTDESK_ALLOW_PRIVATE_URLS": "true",
                "FRONTDESK_RATE_LIMIT": "100000000/hour",
                "FRONTDESK_LOG_LEVEL": "warning",
                "FRONTDESK_PUBLIC_URL": f"http://127.0.0.1:{ports[0]}",
                "FRONTDESK_SIMULATED_SCENARIOS": str(scenarios),
                "FRONTDESK_DATABASE_POOL_SIZE": "5",
                "FRONTDESK_DATABASE_MAX_OVERFLOW": "10",
            }
            bases, pids = [], {}
            for n, port in enumerate(ports, 1):
                base = f"http://127.0.0.1:{port}"
                command = [str(BIN / "frontdesk"), "api", "--port", str(port)]
                log = args.logs / f"api-{n}.log" if args.logs else None
                pids[f"api {n}"] = stack.enter_context(
                    process(command, env, f"{base}/health", log)
                ).pid
                bases.append(base)
            for n in range(1, args.workers + 1):
                log = args.logs / f"worker-{n}.log" if args.logs else None
                worker = stack.enter_context(
                    process([str(BIN / "frontdesk"), "worker"], env, log=log)
                )
                pids[f"worker {n}"] = worker.pid
            samples, counts = asyncio.run(
                _soak(bases, pids, receiver, args.minutes, args.chats, args.campaign_every)
            )
    finally:
        receiver.stop()
    if args.samples:
        Path(args.samples).write_text(json.dumps(samples))
    warm = args.warmup_minutes * 60
    rows = []
    for name, series in samples.items():
        after = [(t, m) for t, m in series if t >= warm] or series
        half = [(t, m) for t, m in after if t >= (after[0][0] + after[-1][0]) / 2]
        rows.append(
            [
                name,
                f"{series[0][1]:.0f}",
                f"{after[0][1]:.0f}",
                f"{series[-1][1]:.0f}",
                f"{max(m for _, m in series):.0f}",
                f"{slope_per_hour(after):+.1f}",
                f"{slope_per_hour(half):+.1f}",
            ]
        )
    print(
        f"machine: {machine()}; PostgreSQL + Redis; {args.minutes:g} minutes, {args.chats} chat "
        f"customers at 1 message/s, SSE clients, CRM writes, {counts.campaigns} campaigns of 3 "
        f"calls; {counts.requests} requests, {len(counts.errors)} errors, {counts.events} live "
        f"events received, {len(receiver.received)} webhooks delivered"
    )
    print(
        table(
            [
                "process",
                "RSS at start MB",
                f"after {args.warmup_minutes:g} min MB",
                "at the end MB",
                "peak MB",
                "slope after warm-up MB/h",
                "slope, second half MB/h",
            ],
            rows,
        )
    )
    for error in counts.errors[:10]:
        print("error:", error)


if __name__ == "__main__":
    main()
