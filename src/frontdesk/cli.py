"""The `frontdesk` command."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Annotated

import typer
from rich.console import Console

from frontdesk import __version__
from frontdesk.settings import Settings, SettingsError, get_settings

app = typer.Typer(
    help="Frontdesk: AI agents for a business's chats and phone calls.", no_args_is_help=True
)
console = Console(stderr=True)

Host = Annotated[str, typer.Option(help="Interface to listen on")]
Port = Annotated[int, typer.Option(help="TCP port", min=1, max=65535)]


def _settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


async def _migrate(settings: Settings) -> None:
    from frontdesk.db.engine import create_engine
    from frontdesk.db.migrate import upgrade

    engine = create_engine(settings)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def _run_migrations(settings: Settings) -> None:
    try:
        asyncio.run(_migrate(settings))
    except (OSError, RuntimeError) as exc:
        console.print(f"[red]error:[/red] migrations failed: {exc}")
        raise typer.Exit(1) from None


def _serve(host: str, port: int, reload: bool, workers: int = 1, embedded: bool = False) -> None:
    import uvicorn

    from frontdesk.logging import configure_logging

    # Read again by the app factory in the server process (and by reload children).
    os.environ["FRONTDESK_EMBEDDED_WORKER"] = "true" if embedded else "false"
    get_settings.cache_clear()
    settings = _settings()
    configure_logging(settings)
    _run_migrations(settings)
    uvicorn.run(
        "frontdesk.app:app_factory",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        workers=None if reload else workers,
        access_log=False,
        log_config=None,
        proxy_headers=True,
        lifespan="on",
    )


@app.command()
def serve(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    reload: Annotated[bool, typer.Option(help="Restart on code changes")] = False,
) -> None:
    """Run the API, the job worker and the scheduler in one process (migrates first)."""
    _serve(host, port, reload, embedded=True)


@app.command()
def api(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    workers: Annotated[int, typer.Option(help="Processes", min=1, max=64)] = 1,
) -> None:
    """Run the HTTP API only (migrates first)."""
    _serve(host, port, False, workers)


@app.command()
def worker() -> None:
    """Run the job worker and the scheduler only (several may run against one PostgreSQL)."""
    from frontdesk.jobs.runtime import run_worker
    from frontdesk.logging import configure_logging

    settings = _settings()
    configure_logging(settings)
    _run_migrations(settings)
    asyncio.run(run_worker(settings))


@app.command()
def migrate() -> None:
    """Apply database migrations."""
    settings = _settings()
    _run_migrations(settings)
    console.print("database is up to date")


@app.command("create-user")
def create_user(
    email: Annotated[str, typer.Option(prompt=True)],
    first_name: Annotated[str, typer.Option(prompt=True)],
    last_name: Annotated[str, typer.Option(prompt=True)],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    workspace_name: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Create a user and the workspace they own, from the terminal."""
    from pydantic import ValidationError

    from frontdesk.auth.schemas import RegisterRequest
    from frontdesk.errors import AppError

    settings = _settings()
    _run_migrations(settings)
    try:
        data = RegisterRequest(
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            workspace_name=workspace_name,
        )
    except ValidationError as exc:
        for err in exc.errors():
            console.print(f"[red]error:[/red] {'.'.join(map(str, err['loc']))}: {err['msg']}")
        raise typer.Exit(2) from None
    try:
        user_id, workspace_id = asyncio.run(_create_user(settings, data))
    except AppError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from None
    console.print(f"created user {user_id} owning workspace {workspace_id}")


async def _create_user(settings: Settings, data: object) -> tuple[str, str]:
    from frontdesk.auth import service as auth_service
    from frontdesk.auth.schemas import RegisterRequest
    from frontdesk.db.engine import create_engine, create_sessionmaker

    assert isinstance(data, RegisterRequest)
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            user, membership = await auth_service.register(
                session, data, auth_service.ClientInfo(ip=None, user_agent="frontdesk-cli")
            )
            await session.commit()
            return str(user.id), str(membership.workspace_id)
    finally:
        await engine.dispose()


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    try:
        app()
    except SettingsError as exc:
        console.print(f"[red]error:[/red] {exc}")
        sys.exit(2)
