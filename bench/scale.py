"""Scaling out: chat throughput with 1, 2 and 4 `frontdesk api` processes (and `frontdesk worker`
processes beside them) on one PostgreSQL database and one Redis.

    .venv/bin/python bench/scale.py [--apis 1,2,4] [--workers 1] [--seconds 20]
        [--conversations 32]

Each configuration gets a fresh database. A scripted chat agent answers; a webhook subscribed to
`message.received` and `message.sent` goes to a loopback receiver. `--conversations` clients each
post customer messages one after the other (POST and its reply) for `--seconds`, spread round-robin
over the API processes. The figures: exchanges answered per second, their latency, and the
webhook deliveries per second from the first message until the last delivery arrived (the workers'
fan-out and deliveries keeping up). The load generator runs on the same machine, so on a small
machine it competes with the processes it measures.

Every process may open 30 PostgreSQL connections (a pool of 10 and 20 more under load), so 4 APIs
and 2 workers can pass PostgreSQL's default `max_connections` of 100: requests then fail with
500 ("too many clients already"). Hence one worker by default.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m

import httpx  # noqa: E402
from tests.fixtures.receiver import Receiver  # noqa: E402

from bench.common import BIN, database, free_port, machine, process, sign_up, table  # noqa: E402

REDIS = os.environ.get("FRONTDESK_BENCH_REDIS", "redis://127.0.0.1:6379/0")
WARMUP_SECONDS = 3.0


async def _setup(base: str, hook: str) -> tuple[dict[str, str], str]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        headers = await sign_up(http)
        agent = await http.post(
            "/v1/agents",
            headers=headers,
            json={"name": "A", "type": "chat", "llm": {"provider": "scripted"}},
        )
        agent.raise_for_status()
        webhook = await http.post(
            "/v1/webhooks",
            headers=headers,
            json={"url": hook, "events": ["message.received", "message.sent"]},
        )
        webhook.raise_for_status()
        return headers, str(agent.json()["id"])


async def _client(
    http: list[httpx.AsyncClient],
    headers: dict[str, str],
    agent_id: str,
    offset: int,
    start: float,
    until: float,
    latencies: list[float],
) -> int:
    """One customer: a conversation, then messages until `until`; returns the messages posted."""
    created = await http[offset % len(http)].post(
        "/v1/conversations", headers=headers, json={"agent_id": agent_id}
    )
    created.raise_for_status()
    path = f"/v1/conversations/{created.json()['id']}/messages"
    posted = 0
    n = offset
    while time.monotonic() < until:
        n += 1
        started = time.monotonic()
        response = await http[n % len(http)].post(
            path, headers=headers, json={"content": f"Question {n}"}
        )
        response.raise_for_status()
        posted += 1
        if started >= start:
            latencies.append((time.monotonic() - started) * 1000)
    return posted


async def _load(
    bases: list[str], receiver: Receiver, seconds: float, conversations: int
) -> dict[str, float]:
    headers, agent_id = await _setup(bases[0], receiver.url)
    limits = httpx.Limits(max_connections=conversations, max_keepalive_connections=conversations)
    clients = [httpx.AsyncClient(base_url=b, timeout=60, limits=limits) for b in bases]
    try:
        began = time.monotonic()
        start = began + WARMUP_SECONDS
        until = start + seconds
        latencies: list[float] = []
        first_hook = len(receiver.received)
        posted = sum(
            await asyncio.gather(
                *(
                    _client(clients, headers, agent_id, n, start, until, latencies)
                    for n in range(conversations)
                )
            )
        )
        answered = time.monotonic()
        expected = first_hook + 2 * posted  # the message and its reply
        deadline = answered + 120
        while len(receiver.received) < expected:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{expected - len(receiver.received)} webhooks missing")
            await asyncio.sleep(0.05)
        drained = time.monotonic()
    finally:
        for client in clients:
            await client.aclose()
    ordered = sorted(latencies)
    return {
        "exchanges_per_s": len(latencies) / seconds,
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "hooks_per_s": 2 * posted / (drained - began),
        "lag": drained - answered,
    }


def _run(apis: int, workers: int, seconds: float, conversations: int, tmp: str) -> dict[str, float]:
    receiver = Receiver().start()
    try:
        with database("postgresql") as url, ExitStack() as stack:
            env = {
                "FRONTDESK_DATABASE_URL": url,
                "FRONTDESK_DATA_DIR": f"{tmp}/scale-{apis}",
                "FRONTDESK_REDIS_URL": REDIS,
                "FRONTDESK_SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
                "FRONTDESK_ALLOW_PRIVATE_URLS": "true",
                "FRONTDESK_RATE_LIMIT": "100000000/hour",
                "FRONTDESK_LOG_LEVEL": "warning",
            }
            bases = []
            for _ in range(apis):
                port = free_port()
                base = f"http://127.0.0.1:{port}"
                command = [str(BIN / "frontdesk"), "api", "--port", str(port)]
                stack.enter_context(process(command, env, f"{base}/health"))
                bases.append(base)
            for _ in range(workers):
                stack.enter_context(process([str(BIN / "frontdesk"), "worker"], env))
            return asyncio.run(_load(bases, receiver, seconds, conversations))
    finally:
        receiver.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apis", default="1,2,4")
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--conversations", type=int, default=32)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for apis in (int(n) for n in args.apis.split(",")):
            result = _run(apis, args.workers, args.seconds, args.conversations, tmp)
            rows.append(
                [
                    str(apis),
                    str(args.workers),
                    f"{result['exchanges_per_s']:.1f}",
                    f"{result['p50']:.1f}",
                    f"{result['p99']:.1f}",
                    f"{result['hooks_per_s']:.1f}",
                    f"{result['lag']:.2f}",
                ]
            )
    print(
        f"machine: {machine()}; PostgreSQL + Redis; {args.conversations} concurrent customers "
        f"for {args.seconds:g} s after {WARMUP_SECONDS:g} s of warm-up"
    )
    print(
        table(
            [
                "API processes",
                "worker processes",
                "exchanges/s",
                "p50 ms",
                "p99 ms",
                "webhook deliveries/s",
                "last webhook after the load, s",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
