"""Authenticated read throughput: `GET /v1/auth/me` with an API key (authentication, rate limit,
one indexed read) on one `frontdesk api` process, SQLite and PostgreSQL, against a bare
Starlette endpoint returning constant JSON, all measured with wrk on loopback in the same run.
Two more references (bench/bare_app.py) show where the budget goes: the constant from a bare
FastAPI route, and the bare Starlette endpoint making the API-key read itself.

    .venv/bin/python bench/auth_me.py [--duration 10] [--rounds 3] [--connections 32]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import httpx

from bench.common import BIN, database, free_port, machine, median, process, run_wrk, table


def _prepare(url: str) -> dict[str, str]:
    with httpx.Client(base_url=url) as http:
        account = {"email": "bench@example.com", "password": "a-long-password"}
        http.post("/v1/auth/register", json={**account, "first_name": "B", "last_name": "M"})
        token = http.post("/v1/auth/login", json=account).json()["token"]
        key = http.post(
            "/v1/api-keys", headers={"Authorization": f"Bearer {token}"}, json={"name": "bench"}
        ).json()["key"]
    return {"Authorization": f"Bearer {key}"}


def _uvicorn(target: str, port: int) -> list[str]:
    return [
        str(BIN / "uvicorn"),
        target,
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def _wait(url: str, headers: dict[str, str]) -> None:
    for _ in range(200):
        try:
            if httpx.get(url, headers=headers, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float, float]]] = {}
    env = {
        "FRONTDESK_RATE_LIMIT": "100000000/hour",
        "FRONTDESK_LOG_LEVEL": "warning",
        "FRONTDESK_ENV": "production",
    }

    def measure(name: str, url: str, headers: dict[str, str]) -> None:
        results.setdefault(name, []).append(run_wrk(url, headers, args.duration, args.connections))

    with (
        tempfile.TemporaryDirectory() as tmp,
        database("sqlite") as sqlite_url,
        database("postgresql") as pg_url,
    ):
        bare_port, fastapi_port, read_port = free_port(), free_port(), free_port()
        bare = f"http://127.0.0.1:{bare_port}/v1/auth/me"
        fastapi = f"http://127.0.0.1:{fastapi_port}/v1/auth/me"
        with (
            process(_uvicorn("bench.bare_app:app", bare_port), {}, bare),
            process(_uvicorn("bench.bare_app:fastapi_app", fastapi_port), {}, fastapi),
        ):
            for name, db in (("frontdesk, SQLite", sqlite_url), ("frontdesk, PostgreSQL", pg_url)):
                port = free_port()
                server = [str(BIN / "frontdesk"), "api", "--port", str(port)]
                server_env = {
                    **env,
                    "FRONTDESK_DATABASE_URL": db,
                    "FRONTDESK_DATA_DIR": f"{tmp}/{port}",
                }
                with process(server, server_env, f"http://127.0.0.1:{port}/health"):
                    url = f"http://127.0.0.1:{port}"
                    headers = _prepare(url)
                    run_wrk(f"{url}/v1/auth/me", headers, 2, args.connections)  # warm-up
                    run_wrk(bare, {}, 2, args.connections)
                    for _ in range(args.rounds):
                        measure(name, f"{url}/v1/auth/me", headers)
                        measure("bare Starlette", bare, {})
                        measure("bare FastAPI route (dependency, response model)", fastapi, {})
                if db == pg_url:
                    # The read alone, on the database and key the PostgreSQL run just used.
                    reader = f"http://127.0.0.1:{read_port}/v1/auth/me"
                    with process(
                        _uvicorn("bench.bare_app:read_app", read_port),
                        {"BENCH_DATABASE_URL": db},
                        None,
                    ):
                        _wait(reader, headers)
                        run_wrk(reader, headers, 2, args.connections)
                        for _ in range(args.rounds):
                            measure(
                                "bare Starlette + the API-key read (SQLAlchemy, asyncpg)",
                                reader,
                                headers,
                            )
    bare_rps = median([r[0] for r in results["bare Starlette"]])
    rows = []
    for name, runs in results.items():
        rps = median([r[0] for r in runs])
        rows.append(
            [
                name,
                f"{rps:,.0f}",
                f"{median([r[1] for r in runs]):.2f}",
                f"{median([r[2] for r in runs]):.2f}",
                f"{rps / bare_rps:.0%}",
            ]
        )
    print(
        f"machine: {machine()}; wrk -t1 -c{args.connections} -d{args.duration}s, "
        f"{args.rounds} rounds, medians"
    )
    print(table(["target", "requests/s", "p50 ms", "p99 ms", "vs bare"], rows))


if __name__ == "__main__":
    main()
