"""The outbound dialer's own cost: recipients scheduled per second for a 10^5-recipient campaign
(the dispatcher claiming recipients and creating their calls, nothing dialed), and the time from a
call ending (its slot freeing up) to the next call being started, on running servers.

    .venv/bin/python -m bench.dialer [--recipients 100000] [--schedule 20000] [--calls 60]

The first figure runs the dispatcher in-process against each database: a workspace with room for
every call, a campaign allowing 1,000 at once, and after each dispatch the calls it started are
marked ended in bulk, so the next one has room again. The second starts `frontdesk serve`
(SQLite) and `frontdesk api` + `frontdesk worker` with Redis (PostgreSQL) with a campaign of one
call at a time on the simulated network, every number answering and hanging up at once; the gap
is the next call's `created_at` minus the previous one's `end_time`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from bench.common import BIN, database, free_port, machine, process, sign_up, table

ALWAYS = {"start": "00:00", "end": "23:59", "days": [1, 2, 3, 4, 5, 6, 7]}


def _numbers(count: int, offset: int = 0) -> list[str]:
    # Valid US numbers across many area codes (the recipients' time zones vary with them).
    areas = [212, 213, 305, 312, 415, 512, 617, 702, 808, 907]
    return [f"+1{areas[n % 10]}{2000000 + n // 10 + offset:07d}" for n in range(count)]


async def _schedule(url: str, data_dir: str, recipients: int, schedule: int) -> dict[str, float]:
    os.environ.update({"FRONTDESK_DATABASE_URL": url, "FRONTDESK_DATA_DIR": data_dir})
    from sqlalchemy import update

    from frontdesk.agents.models import Agent
    from frontdesk.calls import dialer
    from frontdesk.calls.models import Call
    from frontdesk.campaigns import service as campaign_service
    from frontdesk.campaigns.models import Campaign
    from frontdesk.db.engine import create_engine, create_sessionmaker
    from frontdesk.db.migrate import upgrade
    from frontdesk.settings import get_settings
    from frontdesk.tenancy.models import Workspace

    get_settings.cache_clear()
    engine = create_engine(get_settings())
    await upgrade(engine)
    maker = create_sessionmaker(engine)
    async with maker() as session:
        workspace = Workspace(name="bench", llm={}, voice={}, voice_secrets={}, concurrency=10_000)
        session.add(workspace)
        await session.flush()
        agent = Agent(
            workspace_id=workspace.id,
            name="Sam",
            type="outbound",
            llm={"provider": "scripted"},
            voice={},
            max_duration={},
            custom_variables={},
            theme={},
        )
        session.add(agent)
        await session.flush()
        campaign = Campaign(
            workspace_id=workspace.id,
            name="bench",
            agent_id=agent.id,
            status="draft",
            timezone="UTC",
            calling_hours=ALWAYS,
            max_concurrent_calls=1000,
            retry={"max_attempts": 1, "retry_after_minutes": 60, "on": []},
            custom_variables={},
            recipient_count=0,
            timezones=[],
        )
        session.add(campaign)
        await session.flush()
        started = time.perf_counter()
        people = [(n, None, None, None) for n in _numbers(recipients)]
        await campaign_service.add_recipients(session, campaign, people)
        added_seconds = time.perf_counter() - started
        campaign.status, campaign.launched_at = "active", datetime.now().astimezone()
        await session.commit()
        workspace_id, campaign_id = workspace.id, campaign.id
    scheduled, rounds = 0, []
    began = time.perf_counter()
    while scheduled < schedule:
        async with maker() as session:
            t0 = time.perf_counter()
            count = await dialer.dispatch_family(session, workspace_id)
            await session.commit()
            rounds.append((count, time.perf_counter() - t0))
            await session.execute(
                update(Call)
                .where(Call.campaign_id == campaign_id, Call.status == "initiated")
                .values(status="completed")
            )
            await session.commit()
        if count == 0:
            break
        scheduled += count
    elapsed = time.perf_counter() - began
    await engine.dispose()
    per_round = [seconds / count for count, seconds in rounds if count]
    return {
        "added_per_second": recipients / added_seconds,
        "scheduled": scheduled,
        "scheduled_per_second": scheduled / elapsed,
        "ms_per_recipient": statistics.median(per_round) * 1000,
    }


async def _gaps(base: str, calls: int) -> list[float]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        headers = await sign_up(http)
        agent = (
            await http.post(
                "/v1/agents",
                headers=headers,
                json={
                    "name": "Sam",
                    "type": "outbound",
                    "llm": {"provider": "scripted"},
                    "is_recording": False,
                    "voice": {"voicemail_detection": False},
                },
            )
        ).json()
        created = await http.post(
            "/v1/campaigns",
            headers=headers,
            json={
                "name": "gaps",
                "agent_id": agent["id"],
                "calling_hours": ALWAYS,
                "phone_numbers": [f"+1415555{n:04d}" for n in range(2000, 2000 + calls)],
                "max_concurrent_calls": 1,
            },
        )
        campaign = created.json()["id"]
        await http.post(f"/v1/campaigns/{campaign}/launch", headers=headers)
        deadline = time.monotonic() + 30 + calls * 5
        while time.monotonic() < deadline:
            stats = (await http.get(f"/v1/campaigns/{campaign}/stats", headers=headers)).json()
            if stats["status"] == "completed":
                break
            await asyncio.sleep(1)
        items = (
            await http.get(f"/v1/calls?campaign_id={campaign}&limit=100", headers=headers)
        ).json()["items"]
    items.sort(key=lambda c: c["created_at"])
    gaps = []
    for previous, following in zip(items, items[1:], strict=False):
        ended = datetime.fromisoformat(previous["end_time"])
        gaps.append(
            (datetime.fromisoformat(following["created_at"]) - ended).total_seconds() * 1000
        )
    return gaps


def _run_gaps(kind: str, calls: int, tmp: str) -> list[float]:
    scenarios = Path(tmp) / "scenarios.json"
    # Every number answers at once and hangs up after half a second: the call ends in the API
    # process (its media session), which wakes the dialer wherever it runs.
    scenarios.write_text(
        json.dumps(
            [
                {
                    "match": "*",
                    "scenario": "hang_up_after",
                    "seconds": 0.5,
                    "ring_seconds": 0.05,
                    "lines": ["Hi."],
                }
            ]
        )
    )
    port = free_port()
    with database(kind) as url:
        env = {
            "FRONTDESK_DATABASE_URL": url,
            "FRONTDESK_DATA_DIR": f"{tmp}/{kind}",
            "FRONTDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "FRONTDESK_SIMULATED_SCENARIOS": str(scenarios),
            "FRONTDESK_LOG_LEVEL": "warning",
        }
        health = f"http://127.0.0.1:{port}/health"
        if kind == "sqlite":
            command = [str(BIN / "frontdesk"), "serve", "--port", str(port)]
            with process(command, env, health):
                return asyncio.run(_gaps(f"http://127.0.0.1:{port}", calls))
        env["FRONTDESK_REDIS_URL"] = "redis://127.0.0.1:6379/14"
        with process([str(BIN / "frontdesk"), "api", "--port", str(port)], env, health):
            with process([str(BIN / "frontdesk"), "worker"], env):
                return asyncio.run(_gaps(f"http://127.0.0.1:{port}", calls))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--schedule", type=int, default=20_000)
    parser.add_argument("--calls", type=int, default=60)
    args = parser.parse_args()
    rows: list[list[Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("postgresql", "sqlite"):
            with database(kind) as url:
                result = asyncio.run(
                    _schedule(url, f"{tmp}/{kind}-schedule", args.recipients, args.schedule)
                )
            rows.append(
                [
                    f"schedule, {kind}, {args.recipients:,}-recipient campaign",
                    f"{result['scheduled_per_second']:,.0f} recipients/s",
                    f"{result['ms_per_recipient']:.2f} ms each ({result['scheduled']:,} scheduled)",
                    f"recipients added at {result['added_per_second']:,.0f}/s",
                ]
            )
        for kind in ("sqlite", "postgresql"):
            gaps = _run_gaps(kind, args.calls, tmp)
            shape = "serve" if kind == "sqlite" else "api + worker, Redis"
            rows.append(
                [
                    f"slot free -> next call, {kind} ({shape})",
                    f"p50 {statistics.median(gaps):.0f} ms",
                    f"p95 {_pct(gaps, 0.95):.0f} ms",
                    f"{len(gaps)} gaps, max {max(gaps):.0f} ms",
                ]
            )
    print(f"machine: {machine()}")
    print(table(["what", "rate / median", "per recipient / p95", "notes"], rows))


if __name__ == "__main__":
    main()
