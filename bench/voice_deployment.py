"""Concurrent calls the whole deployment holds on this machine, with the local models.

    .venv/bin/python -m bench.voice_deployment [--ns 1,2,4,6,8] [--api-processes 2]

The scaled shape on one machine: `frontdesk api --workers 2` (two API processes on one port, the
kernel spreading connections between them), one `frontdesk worker`, PostgreSQL and Redis. For each
N a campaign dials N numbers at once on the simulated phone network; each callee (in the worker)
speaks three synthesized sentences, waiting for the agent's answer after each, over the same
Media Streams WebSocket Twilio uses. The agent's side is the whole product: the VAD, local speech
recognition (Whisper tiny.en), the engine with a scripted model (transcripts, messages and events
stored), the local voice (Piper), playout with marks, the recording, the analysis afterwards.

The figures per N: calls completed with every turn answered, the most calls live at once, and the
agent's response latency (caller's end of speech to the agent's first audio, as stored on each
call). The deployment holds N calls when every call completes and the median latency stays
within 1.5x that of one call.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m

import httpx  # noqa: E402

from bench.common import BIN, database, free_port, machine, process, sign_up, table  # noqa: E402

REDIS = os.environ.get("FRONTDESK_BENCH_REDIS", "redis://127.0.0.1:6379/0")
LINES = [
    "Hello, who is this?",
    "What time do you open on Saturday?",
    "Great, thank you very much. Goodbye.",
]
SCRIPT = [
    {"match": "saturday|open", "reply": "We open at nine in the morning on Saturdays."},
    {"match": "bye|thank", "reply": "You're welcome, goodbye!"},
    {"match": ".*", "reply": "This is Sam from Bright Smile Dental."},
]
ALWAYS = {"start": "00:00", "end": "23:59", "days": [1, 2, 3, 4, 5, 6, 7]}


def most_at_once(calls: list[dict[str, Any]]) -> int:
    moments = []
    for call in calls:
        if call.get("start_time") and call.get("end_time"):
            moments.append((datetime.fromisoformat(call["start_time"]), 1))
            moments.append((datetime.fromisoformat(call["end_time"]), -1))
    live = peak = 0
    for _, change in sorted(moments, key=lambda m: (m[0], m[1])):
        live += change
        peak = max(peak, live)
    return peak


async def _setup(http: httpx.AsyncClient) -> tuple[dict[str, str], str]:
    headers = await sign_up(http)
    agent = await http.post(
        "/v1/agents",
        headers=headers,
        json={
            "name": "Sam",
            "type": "outbound",
            "greeting_message": "Hi, this is Sam from Bright Smile Dental.",
            "llm": {"provider": "scripted", "script": SCRIPT},
            "allowed_idle_time_seconds": 30,
        },
    )
    agent.raise_for_status()
    workspace = await http.patch("/v1/workspace", headers=headers, json={"concurrency": 500})
    workspace.raise_for_status()
    return headers, str(agent.json()["id"])


async def _round(
    http: httpx.AsyncClient,
    headers: dict[str, str],
    agent: str,
    n: int,
    offset: int,
    verbose: bool = False,
) -> dict[str, Any]:
    numbers = [f"+1415555{offset + i:04d}" for i in range(n)]
    created = await http.post(
        "/v1/campaigns",
        headers=headers,
        json={
            "name": f"N={n}",
            "agent_id": agent,
            "phone_numbers": numbers,
            "max_concurrent_calls": n,
            "calling_hours": ALWAYS,
        },
    )
    created.raise_for_status()
    campaign = created.json()["id"]
    (await http.post(f"/v1/campaigns/{campaign}/launch", headers=headers)).raise_for_status()
    deadline = time.monotonic() + 300 + 10 * n
    while time.monotonic() < deadline:
        stats = (await http.get(f"/v1/campaigns/{campaign}/stats", headers=headers)).json()
        if stats["status"] in ("completed", "cancelled"):
            break
        await asyncio.sleep(1.0)
    calls = (await http.get(f"/v1/calls?campaign_id={campaign}&limit=100", headers=headers)).json()[
        "items"
    ]
    full = [(await http.get(f"/v1/calls/{c['id']}", headers=headers)).json() for c in calls]
    answered = [
        c
        for c in full
        if c["status"] == "completed"
        and sum(line.startswith("bot:") for line in (c["transcript"] or "").splitlines())
        >= len(LINES)  # the greeting answers the first line, then an answer to every other
    ]
    if verbose and full:
        print(f"N={n}, a transcript:\n{full[0]['transcript']}", file=sys.stderr)
    p50s = [c["latency"]["p50_ms"] for c in full if c["latency"]["p50_ms"] is not None]
    p95s = [c["latency"]["p95_ms"] for c in full if c["latency"]["p95_ms"] is not None]
    return {
        "n": n,
        "completed": len(answered),
        "calls": len(full),
        "at_once": most_at_once(full),
        "median": statistics.median(p50s) if p50s else None,
        "p95": max(p95s) if p95s else None,
        "statuses": sorted({c["status"] for c in full}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ns", default="1,2,4,6,8")
    parser.add_argument("--api-processes", type=int, default=2)
    parser.add_argument("--logs", type=Path, help="keep the processes' output in this folder")
    parser.add_argument("--verbose", action="store_true", help="print a transcript per round")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp, database("postgresql") as url, ExitStack() as stack:
        scenarios = Path(tmp) / "scenarios.json"
        scenarios.write_text(json.dumps([{"match": "+1415555????", "lines": LINES}]))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            "FRONTDESK_DATABASE_URL": url,
            "FRONTDESK_DATA_DIR": f"{tmp}/data",
            "FRONTDESK_REDIS_URL": REDIS,
            "FRONTDESK_SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "FRONTDESK_RATE_LIMIT": "100000000/hour",
            "FRONTDESK_LOG_LEVEL": "warning",
            "FRONTDESK_PUBLIC_URL": base,
            "FRONTDESK_SIMULATED_SCENARIOS": str(scenarios),
            "FRONTDESK_WORKER_POLL_SECONDS": "0.2",
        }
        command = [str(BIN / "frontdesk"), "api", "--port", str(port)]
        command += ["--workers", str(args.api_processes)]
        logs = Path(tmp)
        if args.logs:
            args.logs.mkdir(parents=True, exist_ok=True)
            logs = args.logs
        stack.enter_context(process(command, env, f"{base}/health", logs / "api.log", startup=180))
        stack.enter_context(
            process([str(BIN / "frontdesk"), "worker"], env, log=logs / "worker.log")
        )

        async def run() -> None:
            async with httpx.AsyncClient(base_url=base, timeout=60) as http:
                headers, agent = await _setup(http)
                await _round(http, headers, agent, 1, 9000)  # loads the models everywhere
                offset = 2000
                for n in (int(v) for v in args.ns.split(",")):
                    rows.append(await _round(http, headers, agent, n, offset, args.verbose))
                    offset += n

        asyncio.run(run())
    base_median = rows[0]["median"] if rows and rows[0]["n"] == 1 else None
    held = 0
    body = []
    for row in rows:
        ok = (
            row["completed"] == row["n"]
            and row["median"] is not None
            and base_median is not None
            and row["median"] <= 1.5 * base_median
        )
        if ok:
            held = max(held, row["n"])
        body.append(
            [
                str(row["n"]),
                f"{row['completed']}/{row['n']}",
                str(row["at_once"]),
                f"{row['median']:.0f}" if row["median"] is not None else "-",
                f"{row['p95']:.0f}" if row["p95"] is not None else "-",
                ", ".join(row["statuses"]),
                "ok" if ok else "over",
            ]
        )
    print(
        f"machine: {machine()}; `frontdesk api --workers {args.api_processes}` + 1 worker, "
        "PostgreSQL + Redis; local Whisper tiny.en, scripted model, Piper voice"
    )
    print(
        table(
            [
                "N calls",
                "completed, every turn answered",
                "most live at once",
                "response latency, median of the calls' p50 ms",
                "worst call p95 ms",
                "statuses",
                "",
            ],
            body,
        )
    )
    print(f"calls the deployment holds (all complete, median within 1.5x of one call): {held}")


if __name__ == "__main__":
    main()
