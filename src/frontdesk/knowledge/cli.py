"""`frontdesk kb ingest` and `frontdesk kb search`: knowledge bases from the terminal."""

from __future__ import annotations

import asyncio
import mimetypes
import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from frontdesk.settings import Settings

app = typer.Typer(help="Knowledge bases: ingest documents, search them.", no_args_is_help=True)
console = Console(stderr=True)


def _kb_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        console.print(f"[red]error:[/red] '{value}' is not a knowledge base id")
        raise typer.Exit(2) from None


@app.command()
def ingest(
    kb_id: Annotated[str, typer.Argument(help="The knowledge base")],
    paths: Annotated[list[Path], typer.Argument(help="Files (PDF, DOCX, TXT, MD, HTML)")],
) -> None:
    """Add files to a knowledge base and process them here, with a progress bar."""
    from frontdesk.cli import _run_migrations, _settings

    settings = _settings()
    _run_migrations(settings)
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        console.print(f"[red]error:[/red] no such file: {', '.join(missing)}")
        raise typer.Exit(2)
    failed = asyncio.run(_ingest(settings, _kb_id(kb_id), paths))
    raise typer.Exit(1 if failed else 0)


async def _ingest(settings: Settings, kb_id: uuid.UUID, paths: list[Path]) -> int:
    from frontdesk.db.engine import create_engine, create_sessionmaker
    from frontdesk.errors import AppError
    from frontdesk.knowledge import parsing, service, tasks
    from frontdesk.knowledge.models import KnowledgeBase, KnowledgeSource
    from frontdesk.storage.service import close_storage
    from frontdesk.tenancy.scope import system_scope

    engine = create_engine(settings)
    maker = create_sessionmaker(engine)
    failed = 0
    try:
        async with maker() as session:
            kb = await session.get(KnowledgeBase, kb_id)
            if kb is None:
                console.print("[red]error:[/red] no knowledge base with this id")
                raise typer.Exit(1)
            await service.get(session, system_scope(kb.workspace_id), kb_id)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("chunks"),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            for path in paths:
                task = progress.add_task(path.name[:40], total=None)
                async with maker() as session:
                    kb = await session.get_one(KnowledgeBase, kb_id)
                    try:
                        source = await service.add_file(
                            session,
                            None,
                            kb,
                            path.name,
                            mimetypes.guess_type(path.name)[0],
                            path.read_bytes(),
                        )
                    except AppError as exc:
                        progress.update(
                            task, description=f"{path.name[:40]} [red]{exc.message}[/red]"
                        )
                        failed += 1
                        continue
                    await session.commit()
                    source_id, generation = source.id, source.generation

                def report(done: int, total: int, task: object = task) -> None:
                    progress.update(task, completed=done, total=total)  # type: ignore[arg-type]

                try:
                    await tasks.ingest_source(
                        maker,
                        None,
                        source_id,
                        generation,
                        allow_private=settings.allow_private_urls,
                        max_bytes=settings.max_upload_bytes,
                        limits=parsing.Limits(
                            settings.max_document_pages, settings.max_unpacked_bytes
                        ),
                        progress=report,
                    )
                except Exception as exc:  # noqa: BLE001 - recorded on the source and shown
                    await tasks.fail_source(maker, source_id, generation, tasks.describe(exc))
                async with maker() as session:
                    done = await session.get_one(KnowledgeSource, source_id)
                    if done.status == "failed":
                        failed += 1
                        progress.update(
                            task, description=f"{path.name[:40]} [red]{done.error}[/red]"
                        )
                    else:
                        progress.update(task, description=f"{path.name[:40]} [green]done[/green]")
    finally:
        await close_storage()
        await engine.dispose()
    return failed


@app.command()
def search(
    kb_id: Annotated[str, typer.Argument(help="The knowledge base")],
    query: Annotated[str, typer.Argument(help="What to look for")],
    limit: Annotated[int, typer.Option(min=1, max=50)] = 5,
    mode: Annotated[str, typer.Option(help="hybrid, vector or keyword")] = "hybrid",
    threshold: Annotated[float | None, typer.Option(min=0, max=1)] = None,
) -> None:
    """Search a knowledge base and print the passages with their scores."""
    from frontdesk.cli import _settings

    if mode not in ("hybrid", "vector", "keyword"):
        console.print("[red]error:[/red] --mode is one of hybrid, vector, keyword")
        raise typer.Exit(2)
    asyncio.run(_search(_settings(), _kb_id(kb_id), query, limit, mode, threshold))


async def _search(
    settings: Settings, kb_id: uuid.UUID, query: str, limit: int, mode: str, threshold: float | None
) -> None:
    from frontdesk.db.engine import create_engine, create_sessionmaker
    from frontdesk.knowledge import search as search_service
    from frontdesk.knowledge.models import KnowledgeBase

    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            kb = await session.get(KnowledgeBase, kb_id)
            if kb is None:
                console.print("[red]error:[/red] no knowledge base with this id")
                raise typer.Exit(1)
            hits = await search_service.search(
                session,
                [kb],
                query,
                mode=mode,
                limit=limit,
                threshold=threshold if threshold is not None else kb.threshold,
            )
    finally:
        await engine.dispose()
    table = Table("score", "source", "page", "passage")
    for hit in hits:
        passage = hit.content if len(hit.content) < 300 else hit.content[:297] + "..."
        table.add_row(f"{hit.score:.3f}", hit.source, str(hit.page or ""), passage)
    Console().print(table)
