"""Workflows: the time from a customer's message to the first node of the workflow it triggers,
on `frontdesk serve` (API, job worker and scheduler in one process), SQLite and PostgreSQL, with
and without Redis.

    .venv/bin/python bench/workflows.py [--samples 200] [--databases sqlite,postgresql]
        [--redis both|yes|no] [--poll-seconds S]

A chat agent on the scripted model and a workflow triggered by `message_received` with the
keyword "urgent", whose first node is `send_webhook` to a loopback receiver. Each sample posts a
customer message containing the keyword and waits for the webhook before the next one, so the
figure is latency, not throughput. The latency is from just before the message's POST to the
webhook's arrival at the receiver. The parts come from the server's own timestamps: the
message's `created_at`, the execution's `created_at` (the fan-out job wrote it) and
`executed_at` (the `workflows.run` job started it), and the first node's `started_at`. The
worker polls every
`FRONTDESK_WORKER_POLL_SECONDS` (the default unless `--poll-seconds` is given); commits that
enqueue jobs wake it at once in-process, and through Redis across processes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m

import httpx  # noqa: E402
from tests.fixtures.receiver import Receiver  # noqa: E402

from bench.common import BIN, database, free_port, machine, process, sign_up_sync, table  # noqa: E402

REDIS = os.environ.get("FRONTDESK_BENCH_REDIS", "redis://127.0.0.1:6379/0")
TARGET_MS = 200.0
WARMUP = 3  # messages first, not counted (first connections, first imports)
PER_CONVERSATION = 10  # messages posted to one conversation before the next is used


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def _ts(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _setup(http: httpx.Client, hook: str, conversations: int) -> tuple[str, list[str]]:
    """A user, a scripted chat agent, the workflow and `conversations` conversations; returns
    the workflow's id and the conversations' ids."""
    http.headers.update(sign_up_sync(http))
    agent = http.post(
        "/v1/agents", json={"name": "A", "type": "chat", "llm": {"provider": "scripted"}}
    )
    agent.raise_for_status()
    workflow = http.post(
        "/v1/workflows",
        json={
            "name": "W",
            "trigger_type": "message_received",
            "trigger_config": {"keywords": ["urgent"]},
            "nodes": [{"id": "hook", "type": "send_webhook", "config": {"url": hook}}],
            "edges": [],
        },
    )
    workflow.raise_for_status()
    ids = []
    for _ in range(conversations):
        created = http.post("/v1/conversations", json={"agent_id": agent.json()["id"]})
        created.raise_for_status()
        ids.append(str(created.json()["id"]))
    return str(workflow.json()["id"]), ids


def _measure(base: str, samples: int) -> dict[str, list[float]]:
    """Posts `samples` (+ warm-up) messages one at a time; the latencies and their parts, ms."""
    receiver = Receiver().start()
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            total = WARMUP + samples
            workflow, conversations = _setup(http, receiver.url, -(-total // PER_CONVERSATION))
            time.sleep(2)  # the conversations' own events fan out before the first sample
            sent: list[tuple[float, float]] = []  # (before the POST, POST answered)
            for n in range(total):
                conversation = conversations[n // PER_CONVERSATION]
                expected = len(receiver.received) + 1
                started = time.time()
                response = http.post(
                    f"/v1/conversations/{conversation}/messages",
                    json={"content": f"This is urgent, number {n}"},
                )
                answered = time.time()
                response.raise_for_status()
                deadline = started + 30
                while len(receiver.received) < expected:
                    if time.time() > deadline:
                        raise RuntimeError(f"message {n}: no webhook within 30 s")
                    time.sleep(0.001)
                sent.append((started, answered))
            parts: dict[str, list[float]] = {
                "total": [],
                "post": [],
                "post_to_stored": [],
                "stored_to_queued": [],
                "queued_to_executed": [],
                "executed_to_node": [],
                "stored_to_node": [],
                "node_to_arrival": [],
            }
            for n, ((started, answered), hit) in enumerate(
                zip(sent, receiver.received, strict=True)
            ):
                if n < WARMUP:
                    continue
                body = json.loads(hit.body)
                execution = http.get(f"/v1/workflows/{workflow}/executions/{body['execution_id']}")
                execution.raise_for_status()
                detail: dict[str, Any] = execution.json()
                entry = detail["log"][0]
                stored = _ts(body["data"]["message"]["created_at"])
                queued = _ts(detail["created_at"])
                executed = _ts(detail["executed_at"])
                node = _ts(entry["started_at"])
                parts["total"].append((hit.at - started) * 1000)
                parts["post"].append((answered - started) * 1000)
                parts["post_to_stored"].append((stored - started) * 1000)
                parts["stored_to_queued"].append((queued - stored) * 1000)
                parts["queued_to_executed"].append((executed - queued) * 1000)
                parts["executed_to_node"].append((node - executed) * 1000)
                parts["stored_to_node"].append((node - stored) * 1000)
                parts["node_to_arrival"].append((hit.at - node) * 1000)
            return parts
    finally:
        receiver.stop()


def _run(kind: str, redis: bool, samples: int, poll: float | None, tmp: str) -> dict[str, Any]:
    port = free_port()
    with database(kind) as url:
        env = {
            "FRONTDESK_DATABASE_URL": url,
            "FRONTDESK_DATA_DIR": f"{tmp}/{kind}-{'redis' if redis else 'plain'}",
            "FRONTDESK_ALLOW_PRIVATE_URLS": "true",
            "FRONTDESK_RATE_LIMIT": "100000000/hour",
            "FRONTDESK_LOG_LEVEL": "warning",
            "FRONTDESK_REDIS_URL": REDIS if redis else "",  # empty: none
        }
        if poll is not None:
            env["FRONTDESK_WORKER_POLL_SECONDS"] = str(poll)
        base = f"http://127.0.0.1:{port}"
        command = [str(BIN / "frontdesk"), "serve", "--port", str(port)]
        with process(command, env, f"{base}/health"):
            return _measure(base, samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--redis", choices=["both", "yes", "no"], default="both")
    parser.add_argument(
        "--poll-seconds",
        type=float,
        default=None,
        help="FRONTDESK_WORKER_POLL_SECONDS for the server (default: the server's own)",
    )
    args = parser.parse_args()
    os.environ.pop("FRONTDESK_WORKER_POLL_SECONDS", None)  # the server's default unless given
    redis_modes = {"both": (False, True), "yes": (True,), "no": (False,)}[args.redis]
    poll = "default" if args.poll_seconds is None else f"{args.poll_seconds:g} s"
    rows = []
    parts_rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.databases.split(","):
            for redis in redis_modes:
                result = _run(kind, redis, args.samples, args.poll_seconds, tmp)
                label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(kind, kind)
                name = f"{label}, {'Redis' if redis else 'no Redis'}"
                total = result["total"]
                p95 = _pct(total, 0.95)
                rows.append(
                    [
                        name,
                        f"{statistics.median(total):.1f}",
                        f"{p95:.1f}",
                        f"{max(total):.1f}",
                        f"{statistics.median(result['stored_to_node']):.1f} / "
                        f"{_pct(result['stored_to_node'], 0.95):.1f}",
                        "met" if p95 < TARGET_MS else "**not met**",
                    ]
                )
                parts_rows.append(
                    [
                        name,
                        *(
                            f"{statistics.median(result[key]):.1f} / {_pct(result[key], 0.95):.1f}"
                            for key in (
                                "post_to_stored",
                                "stored_to_queued",
                                "queued_to_executed",
                                "executed_to_node",
                                "node_to_arrival",
                                "post",
                            )
                        ),
                    ]
                )
    print(
        f"machine: {machine()}; embedded `frontdesk serve`, worker poll {poll}; "
        f"{args.samples} samples per row, one at a time"
    )
    print(
        table(
            [
                "configuration",
                "median ms",
                "p95 ms",
                "max ms",
                "stored → first node, median / p95 ms",
                f"p95 < {TARGET_MS:.0f} ms",
            ],
            rows,
        )
    )
    print()
    print("parts, median / p95 ms:")
    print(
        table(
            [
                "configuration",
                "POST sent → message stored",
                "stored → execution queued (fan-out)",
                "queued → run started",
                "run started → node started",
                "node started → webhook arrived",
                "POST answered (reply included)",
            ],
            parts_rows,
        )
    )


if __name__ == "__main__":
    main()
