"""Cold start: from launching `frontdesk serve` to `/health` answering, median of N runs, on a
fresh data directory (migrations run) and on an already migrated one (SQLite).

    .venv/bin/python bench/cold_start.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import tempfile
import time

from bench.common import BIN, free_port, machine, median, table


def _healthy(port: int) -> bool:
    """`GET /health` answered 200, asked over a bare socket: polling with an HTTP client library
    costs the machine enough CPU to slow the start it measures."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return sock.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


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
            if _healthy(port):
                return time.perf_counter() - started
            if proc.poll() is not None:
                raise RuntimeError("frontdesk serve exited")
            time.sleep(0.005)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    # As `make run` does before it starts the server.
    subprocess.run([str(BIN / "python"), "-m", "compileall", "-q", "src"], check=True, stdout=-3)
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
