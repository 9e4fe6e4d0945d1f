"""Shared helpers for the benchmarks: processes, databases, wrk, tables."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
POSTGRES = os.environ.get("FRONTDESK_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A fresh database URL: a temporary SQLite file or a new PostgreSQL database."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    name = f"frontdesk_bench_{uuid.uuid4().hex[:8]}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(f"{POSTGRES}/postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def process(
    args: list[str],
    env: dict[str, str],
    health: str | None = None,
    log: Path | None = None,
    startup: float = 60,
) -> Iterator[subprocess.Popen[bytes]]:
    """A process started with `env`, ready once `health` answers; its output goes to `log`."""
    out = log.open("ab") if log is not None else subprocess.DEVNULL
    proc = subprocess.Popen(args, env={**os.environ, **env}, stdout=out, stderr=out)
    try:
        if health:
            deadline = time.time() + startup
            while True:
                try:
                    if httpx.get(health, timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"{args[0]} did not start")
                time.sleep(0.05)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        if log is not None and not isinstance(out, int):
            out.close()


def need_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("wrk is needed: apt-get install wrk")
    return wrk


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(value: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s)", value)
    if not match:
        raise ValueError(value)
    return float(match.group(1)) * _UNITS[match.group(2)]


def run_wrk(
    url: str, headers: dict[str, str], seconds: int, connections: int
) -> tuple[float, float, float]:
    """Requests per second, p50 and p99 latency in ms."""
    args = [need_wrk(), "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for key, value in headers.items():
        args += ["-H", f"{key}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{errors.group(1)} failed requests:\n{out}")
    return rps, p50, p99


def median(values: list[float]) -> float:
    return statistics.median(values)


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}"


def _new_account() -> dict[str, str]:
    return {"email": f"{uuid.uuid4().hex[:8]}@example.com", "password": "a-long-password"}


async def sign_up(http: httpx.AsyncClient) -> dict[str, str]:
    """A new owner (and workspace) on the server behind `http`: its bearer headers."""
    account = _new_account()
    registered = await http.post(
        "/v1/auth/register", json={**account, "first_name": "Bench", "last_name": "Owner"}
    )
    registered.raise_for_status()
    token = (await http.post("/v1/auth/login", json=account)).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def sign_up_sync(http: httpx.Client) -> dict[str, str]:
    """`sign_up` for a blocking client."""
    account = _new_account()
    registered = http.post(
        "/v1/auth/register", json={**account, "first_name": "Bench", "last_name": "Owner"}
    )
    registered.raise_for_status()
    token = http.post("/v1/auth/login", json=account).json()["token"]
    return {"Authorization": f"Bearer {token}"}
