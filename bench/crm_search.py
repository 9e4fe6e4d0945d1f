"""Contact search latency at 10^5 and 10^6 contacts (PostgreSQL) and 10^5 (SQLite), through the
same code as `GET /v1/contacts?search=` (a page of 20 and the total), and CSV import rows/s.

    .venv/bin/python -m bench.crm_search [--sizes 100000,1000000] [--queries 200]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from bench.common import database, machine, table
from frontdesk.crm import contacts as contact_service
from frontdesk.crm import imports as import_service
from frontdesk.crm import search
from frontdesk.crm.models import Contact, ContactImport
from frontdesk.db.engine import create_engine, create_sessionmaker
from frontdesk.db.migrate import upgrade
from frontdesk.kit.pagination import Pagination
from frontdesk.settings import Settings
from frontdesk.tenancy.models import Workspace
from frontdesk.tenancy.scope import system_scope

FIRST = [
    "José",
    "Ann",
    "Siobhán",
    "Björk",
    "Dmitri",
    "Mei",
    "Olu",
    "Léa",
    "Ahmed",
    "Sara",
    "Jean-Luc",
    "Zoë",
    "Ivan",
    "Aiko",
    "Liam",
    "Noor",
    "Mateo",
    "Ana",
    "Kofi",
    "Elif",
]
LAST = [
    "O'Brien",
    "Álvarez",
    "Smith",
    "Guðmundsdóttir",
    "Petrov",
    "Wang",
    "Adeyemi",
    "Dubois",
    "Khan",
    "Rossi",
    "Müller",
    "Nakamura",
    "García",
    "Kowalski",
    "Nguyen",
    "Silva",
    "Haddad",
    "Jensen",
    "Okafor",
    "Yılmaz",
]
COMPANIES = ["Acme", "Bikes Ltd", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne"]


def _contact(n: int, workspace_id: uuid.UUID, now: datetime) -> Contact:
    first, last = FIRST[n % len(FIRST)], LAST[(n // len(FIRST)) % len(LAST)]
    contact = Contact(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        name=f"{first} {last} {n}",
        first_name=first,
        last_name=f"{last} {n}",
        email=f"user{n}@{COMPANIES[n % 8].lower().replace(' ', '')}.example",
        phone_number=f"+1415{n:07d}"[:12],
        company_name=COMPANIES[n % 8],
        tags=[],
        extra={},
        lead_status="new" if n % 3 else "qualified",
        created_at=now,
        updated_at=now,
    )
    contact.search_text = search.search_text(contact)
    return contact


def _record(contact: Contact, columns: list[str]) -> tuple[object, ...]:
    """A row for COPY, in `columns` order (JSON as text, `metadata` is the `extra` attribute)."""
    values: list[object] = []
    for name in columns:
        value = getattr(contact, "extra" if name == "metadata" else name)
        values.append(json.dumps(value) if isinstance(value, dict | list) else value)
    return tuple(values)


async def _load(url: str, data_dir: str, size: int) -> uuid.UUID:
    engine = create_engine(Settings(database_url=url, data_dir=Path(data_dir)))
    await upgrade(engine)
    maker = create_sessionmaker(engine)
    async with maker() as session:
        workspace = Workspace(name="bench", llm={}, voice={})
        session.add(workspace)
        await session.commit()
        workspace_id = workspace.id
    now = datetime.now(UTC)
    columns = [c.name for c in Contact.__table__.columns if c.name != "search_vector"]
    batch = 20_000
    if url.startswith("postgresql"):
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
        try:
            for start in range(0, size, batch):
                records = [
                    _record(_contact(n, workspace_id, now), columns)
                    for n in range(start, min(size, start + batch))
                ]
                await conn.copy_records_to_table("contacts", records=records, columns=columns)
            await conn.execute("ANALYZE contacts")
        finally:
            await conn.close()
    else:
        from sqlalchemy import insert

        async with maker() as session:
            for start in range(0, size, batch):
                rows = []
                for n in range(start, min(size, start + batch)):
                    c = _contact(n, workspace_id, now)
                    rows.append({a.key: getattr(c, a.key) for a in Contact.__mapper__.column_attrs})
                await session.execute(insert(Contact), rows)
            await session.commit()
    await engine.dispose()
    return workspace_id


async def _queries(
    url: str, data_dir: str, workspace_id: uuid.UUID, size: int, count: int
) -> list[float]:
    engine = create_engine(Settings(database_url=url, data_dir=Path(data_dir)))
    maker = create_sessionmaker(engine, readonly=True)
    scope = system_scope(workspace_id)
    rng = random.Random(7)
    queries = []
    for _ in range(count):
        n = rng.randrange(size)
        kind = rng.randrange(6)
        if kind == 0:
            queries.append(f"{LAST[(n // len(FIRST)) % len(LAST)]} {n}")
        elif kind == 1:
            queries.append(FIRST[n % len(FIRST)][:3] + " " + str(n))
        elif kind == 2:
            queries.append(f"user{n}@")
        elif kind == 3:
            queries.append(f"+1 415 {n:07d}"[:14])
        elif kind == 4:
            queries.append(f"zzzz{n}")
        else:
            queries.append(f"{FIRST[n % len(FIRST)]} {LAST[(n // len(FIRST)) % len(LAST)]} {n}")
    timings = []
    async with maker() as session:
        for q in queries[:10]:
            await contact_service.list_contacts(session, scope, Pagination(20, 0), search_query=q)
        for q in queries:
            started = time.perf_counter()
            await contact_service.list_contacts(session, scope, Pagination(20, 0), search_query=q)
            timings.append((time.perf_counter() - started) * 1000)
    await engine.dispose()
    return timings


async def _import_rate(url: str, data_dir: str, rows: int) -> float:
    engine = create_engine(Settings(database_url=url, data_dir=Path(data_dir)))
    await upgrade(engine)
    maker = create_sessionmaker(engine)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "email", "phone", "company", "status"])
    for n in range(rows):
        email = "broken" if n % 20 == 0 else f"imp{n}@example.com"
        writer.writerow([f"Imported {n}", email, "", "Acme", "new"])
    async with maker() as session:
        workspace = Workspace(name="import", llm={}, voice={})
        session.add(workspace)
        await session.flush()
        job = ContactImport(
            workspace_id=workspace.id,
            on_duplicate="update",
            content=out.getvalue().encode(),
            errors=[],
        )
        session.add(job)
        await session.commit()
        started = time.perf_counter()
        await import_service.run_import(session, job)
        await session.commit()
        elapsed = time.perf_counter() - started
    await engine.dispose()
    return rows / elapsed


def _pct(sorted_values: list[float], q: float) -> float:
    return sorted_values[max(0, int(len(sorted_values) * q) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--import-rows", type=int, default=10_000)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        plan = [("postgresql", s) for s in sizes] + [("sqlite", min(sizes))]
        for kind, size in plan:
            with database(kind) as url:
                workspace_id = asyncio.run(_load(url, tmp, size))
                timings = sorted(asyncio.run(_queries(url, tmp, workspace_id, size, args.queries)))
                rows.append(
                    [
                        f"search, {kind}, {size:,} contacts",
                        f"{statistics.median(timings):.1f}",
                        f"{_pct(timings, 0.95):.1f}",
                        f"{_pct(timings, 0.99):.1f}",
                    ]
                )
        for kind in ("postgresql", "sqlite"):
            with database(kind) as url:
                rate = asyncio.run(_import_rate(url, tmp, args.import_rows))
                rows.append(
                    [
                        f"CSV import, {kind}, {args.import_rows:,} rows",
                        f"{rate:,.0f} rows/s",
                        "",
                        "",
                    ]
                )
    print(f"machine: {machine()}; {args.queries} queries per size (page of 20 + total)")
    print(table(["what", "p50 ms", "p95 ms", "p99 ms"], rows))


if __name__ == "__main__":
    main()
