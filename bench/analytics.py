"""Analytics at size: the overview and calls figures over 30 days of a workspace with 10^5
conversations, 10^6 messages and 10^5 calls on PostgreSQL, computed live and from the daily
rollups (finished days rolled up, today live).

    .venv/bin/python -m bench.analytics [--conversations 100000] [--calls 100000] [--runs 30]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bench.common import database, machine, table
from frontdesk.agents.models import Agent
from frontdesk.analytics import queries, rollups
from frontdesk.analytics.periods import Period
from frontdesk.db.engine import create_engine, create_sessionmaker
from frontdesk.db.migrate import upgrade
from frontdesk.settings import Settings
from frontdesk.tenancy.models import Workspace

TIMEZONE = "Europe/Berlin"


async def _load(url: str, data_dir: str, conversations: int, calls: int) -> uuid.UUID:
    engine = create_engine(Settings(database_url=url, data_dir=Path(data_dir)))
    await upgrade(engine)
    async with create_sessionmaker(engine)() as session:
        workspace = Workspace(name="bench", timezone=TIMEZONE, llm={}, voice={})
        session.add(workspace)
        await session.flush()
        agents = [
            Agent(workspace_id=workspace.id, name=n, type="chat", llm={"provider": "scripted"})
            for n in ("Ava", "Ben")
        ]
        session.add_all(agents)
        await session.commit()
        ids = (workspace.id, agents[0].id, agents[1].id)
    await engine.dispose()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            """
            INSERT INTO conversations (id, workspace_id, agent_id, channel, status, tags,
                custom_variables, metadata, executed_actions, sentiment, key_phrases, rating,
                unread_count, message_count, ended_at, created_at, updated_at)
            SELECT gen_random_uuid(), $1::uuid, CASE WHEN g % 2 = 0 THEN $2::uuid ELSE $3::uuid END,
                (ARRAY['web_chat','api','sms','voice'])[g % 4 + 1],
                CASE WHEN g % 5 = 0 THEN 'active' ELSE 'ended' END, '[]', '{}', '{}', '[]',
                (ARRAY['positive','neutral','negative',NULL])[g % 4 + 1],
                '["billing issue"]', CASE WHEN g % 3 = 0 THEN g % 5 + 1 END, 0, 10,
                t + interval '5 minutes', t, t
            FROM (SELECT g, now() - random() * interval '30 days' AS t
                  FROM generate_series(1, $4::int) g) s
            """,
            *ids,
            conversations,
        )
        await conn.execute(
            """
            INSERT INTO messages (id, conversation_id, workspace_id, sender_type, content,
                search_text, attachments, ai_metadata, response_ms, created_at, updated_at)
            SELECT gen_random_uuid(), c.id, c.workspace_id,
                CASE WHEN n % 2 = 0 THEN 'user' ELSE 'agent' END, 'hello there', 'hello there',
                '[]',
                CASE WHEN n % 2 = 1 THEN jsonb_build_object('latency_ms', 100 + n * 10,
                    'tokens_used', 50, 'cost', '0.0001', 'model', 'small') END,
                CASE WHEN n % 2 = 1 THEN 100 + n * 10 END,
                c.created_at + n * interval '10 seconds', c.created_at
            FROM conversations c, generate_series(1, 10) n
            """
        )
        await conn.execute(
            """
            INSERT INTO calls (id, workspace_id, agent_id, direction, provider, status,
                end_call_reason, duration, cost, sentiment, emotions, key_phrases,
                executed_actions, prompt_variables, cost_breakdown, latency, turns, metadata,
                phone_number_to, created_at, updated_at)
            SELECT gen_random_uuid(), $1::uuid, CASE WHEN g % 2 = 0 THEN $2::uuid ELSE $3::uuid END,
                (ARRAY['inbound','outbound','web'])[g % 3 + 1], 'simulated',
                (ARRAY['completed','completed','completed','failed','no_answer','busy'])[g % 6 + 1],
                CASE WHEN g % 6 < 3 THEN (ARRAY['human_goodbye','agent_goodbye'])[g % 2 + 1] END,
                CASE WHEN g % 6 < 3 THEN 30 + g % 300 ELSE 0 END, 0.12,
                CASE WHEN g % 6 < 3 THEN (ARRAY['positive','negative'])[g % 2 + 1] END,
                '[]', '[]', '[]', '{}', '{}', '{}', '[]', '{}', '+14155550123', t, t
            FROM (SELECT g, now() - random() * interval '30 days' AS t
                  FROM generate_series(1, $4::int) g) s
            """,
            *ids,
            calls,
        )
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return ids[0]


async def _time(maker: Any, runs: int, work: Callable[[Any], Awaitable[Any]]) -> list[float]:
    timings = []
    async with maker() as session:
        await work(session)  # warm
        for _ in range(runs):
            started = time.perf_counter()
            await work(session)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def _stats(label: str, timings: list[float]) -> list[str]:
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    return [label, f"{statistics.median(timings):.1f}", f"{p95:.1f}", "100"]


async def _run(url: str, data_dir: str, args: argparse.Namespace) -> list[list[str]]:
    started = time.perf_counter()
    workspace_id = await _load(url, data_dir, args.conversations, args.calls)
    print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)
    engine = create_engine(Settings(database_url=url, data_dir=Path(data_dir)))
    maker = create_sessionmaker(engine, readonly=True)
    today = datetime.now(UTC).date()
    f = queries.Filters(workspace_id, Period(today - timedelta(days=29), today, TIMEZONE))
    rows = []
    for name, work in (
        ("overview, live", lambda s: queries.overview(s, f)),
        ("calls, live", lambda s: queries.calls(s, f)),
    ):
        rows.append(_stats(name, await _time(maker, args.runs, work)))
        print(rows[-1], flush=True)
    started = time.perf_counter()
    async with create_sessionmaker(engine)() as session:
        rolled = await rollups.roll_up(session, workspace_id, TIMEZONE)
        await session.commit()
    print(f"rolled up {rolled} days in {time.perf_counter() - started:.1f} s", flush=True)
    for name, work in (
        ("overview, rollups + today live", lambda s: rollups.overview(s, f)),
        ("calls, rollups + today live", lambda s: rollups.calls(s, f)),
    ):
        rows.append(_stats(name, await _time(maker, args.runs, work)))
        print(rows[-1], flush=True)
    await engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    print(machine())
    print(
        f"{args.conversations} conversations, {args.conversations * 10} messages, "
        f"{args.calls} calls over 30 days; PostgreSQL"
    )
    with tempfile.TemporaryDirectory() as data_dir, database("postgresql") as url:
        rows = asyncio.run(_run(url, data_dir, args))
    print(table(["figure (30 days)", "median ms", "p95 ms", "target p95 ms"], rows))


if __name__ == "__main__":
    main()
