"""Cold start: from launching `frontdesk serve` to `/health` answering, median of N runs, on a
fresh data directory (migrations run) and on an already migrated one (SQLite).

    .venv/bin/python bench/cold_start.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import tempfile
import time

import httpx

from bench.common import BIN, free_port, machine, median, table


def _start(data_dir: str) -> float:
    port = free_port()
    env = {**os.environ, "FRONTDESK_DATA_DIR": data_dir, "FRONTDESK_LOG_LEVEL": "warning"}
    env.pop("FRONTDESK_DATABASE_URL", None)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(BIN / "frontdesk"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=0.5).status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise RuntimeError("frontdesk serve exited")
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    fresh, warm = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.runs):
            fresh.append(_start(f"{tmp}/fresh-{n}"))
        _start(f"{tmp}/warm")
        for _ in range(args.runs):
            warm.append(_start(f"{tmp}/warm"))
    print(f"machine: {machine()}; {args.runs} runs each, seconds")
    print(
        table(
            ["data directory", "median", "min", "max"],
            [
                [
                    "new (creates the database)",
                    f"{median(fresh):.2f}",
                    f"{min(fresh):.2f}",
                    f"{max(fresh):.2f}",
                ],
                [
                    "existing (migrated)",
                    f"{median(warm):.2f}",
                    f"{min(warm):.2f}",
                    f"{max(warm):.2f}",
                ],
            ],
        )
    )


if __name__ == "__main__":
    main()
