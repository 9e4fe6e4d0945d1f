"""Authenticated read throughput: `GET /v1/auth/me` with an API key (authentication, rate limit,
one indexed read) on one `frontdesk serve` process, SQLite and PostgreSQL, against a bare
Starlette endpoint returning constant JSON, all measured with wrk on loopback in the same run.

    .venv/bin/python bench/auth_me.py [--duration 10] [--rounds 3] [--connections 32]
"""

from __future__ import annotations

import argparse
import tempfile

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
    bare_port = free_port()
    bare = [
        str(BIN / "uvicorn"),
        "bench.bare_app:app",
        "--port",
        str(bare_port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    with (
        tempfile.TemporaryDirectory() as tmp,
        database("sqlite") as sqlite_url,
        database("postgresql") as pg_url,
    ):
        targets = {}
        for name, db in (("frontdesk, SQLite", sqlite_url), ("frontdesk, PostgreSQL", pg_url)):
            targets[name] = (db, free_port())
        with process(bare, {}, f"http://127.0.0.1:{bare_port}/v1/auth/me"):
            for name, (db, port) in targets.items():
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
                    run_wrk(f"http://127.0.0.1:{bare_port}/v1/auth/me", {}, 2, args.connections)
                    for _ in range(args.rounds):
                        results.setdefault(name, []).append(
                            run_wrk(f"{url}/v1/auth/me", headers, args.duration, args.connections)
                        )
                        results.setdefault("bare Starlette", []).append(
                            run_wrk(
                                f"http://127.0.0.1:{bare_port}/v1/auth/me",
                                {},
                                args.duration,
                                args.connections,
                            )
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
