"""The `frontdesk` command."""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from frontdesk import __version__
from frontdesk.kit import collector
from frontdesk.settings import Settings, SettingsError, get_settings

app = typer.Typer(
    help="Frontdesk: AI agents for a business's chats and phone calls.", no_args_is_help=True
)
console = Console(stderr=True)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

T = TypeVar("T")

Host = Annotated[str, typer.Option(help="Interface to listen on")]
Port = Annotated[int, typer.Option(help="TCP port", min=1, max=65535)]


@app.callback()
def _started(ctx: typer.Context) -> None:
    # The servers settle the collector once they have started (the app's lifespan, the worker).
    if ctx.invoked_subcommand not in ("serve", "api", "worker"):
        collector.settle()


def _settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from None


async def _on_engine(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    from frontdesk.db.engine import create_engine

    engine = create_engine(settings)
    try:
        return await work(engine)
    finally:
        await engine.dispose()


def _at_head(settings: Settings) -> bool:
    from frontdesk.db.migrate import at_head

    try:
        return asyncio.run(_on_engine(settings, at_head))
    except Exception:  # noqa: BLE001 (migrating says what is wrong, e.g. no database server)
        return False


def _run_migrations(settings: Settings) -> None:
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from frontdesk.db.migrate import upgrade

    try:
        asyncio.run(_on_engine(settings, upgrade))
    except (OSError, RuntimeError, SQLAlchemyError) as exc:
        # The driver's own words ("file is not a database"), without SQLAlchemy's wrapping.
        reason = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        console.print(f"[red]error:[/red] migrations failed: {escape(str(reason))}")
        raise typer.Exit(1) from None


def _migrate_beside(settings: Settings, module: str) -> None:
    """Migrate in a child process while this one imports `module` (the application, which uvicorn
    then finds loaded): on a new database the start takes the longer of the two, not their sum.
    In turn where processes cannot fork."""
    if _at_head(settings):
        importlib.import_module(module)
        return
    if not hasattr(os, "fork") or threading.active_count() > 1:
        _run_migrations(settings)
        importlib.import_module(module)
        return
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            _run_migrations(settings)
            code = 0
        except typer.Exit as exc:
            code = exc.exit_code
        except BaseException:
            console.print_exception()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    try:
        importlib.import_module(module)
    finally:
        _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise typer.Exit(1)  # the child said why


def _serve(host: str, port: int, reload: bool, workers: int = 1, embedded: bool = False) -> None:
    import uvicorn

    from frontdesk.logging import configure_logging

    # Read again by the app factory in the server process (and by reload children).
    os.environ["FRONTDESK_EMBEDDED_WORKER"] = "true" if embedded else "false"
    get_settings.cache_clear()
    settings = _settings()
    if "public_url" not in settings.model_fields_set:
        # Unset: this server's own address (links, Media Streams of the simulated network).
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        os.environ["FRONTDESK_PUBLIC_URL"] = f"http://{shown}:{port}"
        get_settings.cache_clear()
        settings = _settings()
    configure_logging(settings)
    if reload or workers > 1:
        _run_migrations(settings)
        collector.settle()  # this process only supervises the ones that serve
    else:
        _migrate_beside(settings, "frontdesk.app")
    # uvicorn shuts down gracefully on SIGTERM, then re-raises it; a clean stop exits 0.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
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
def chat(
    agent_id: Annotated[str, typer.Argument(help="The agent to talk to")],
) -> None:
    """Talk to an agent in the terminal, replies streamed as they are written."""
    import uuid

    settings = _settings()
    _run_migrations(settings)
    try:
        agent = uuid.UUID(agent_id)
    except ValueError:
        console.print(f"[red]error:[/red] '{agent_id}' is not an agent id")
        raise typer.Exit(2) from None
    asyncio.run(_chat(settings, agent))


async def _chat(settings: Settings, agent_id: object) -> None:
    import uuid

    from frontdesk.agents.models import Agent
    from frontdesk.conversations import schemas as conversation_schemas
    from frontdesk.conversations import service as conversation_service
    from frontdesk.db.engine import create_engine, create_sessionmaker
    from frontdesk.engine import turn
    from frontdesk.errors import AppError
    from frontdesk.jobs.runtime import outbound_http
    from frontdesk.tenancy.scope import system_scope

    assert isinstance(agent_id, uuid.UUID)
    engine = create_engine(settings)
    http = outbound_http(settings.allow_private_urls)
    out = Console()
    try:
        async with create_sessionmaker(engine)() as session:
            agent = await session.get(Agent, agent_id)
            if agent is None:
                console.print("[red]error:[/red] no agent with this id")
                raise typer.Exit(1)
            scope = system_scope(agent.workspace_id)
            conversation, greeting = await conversation_service.create(
                session, None, scope, conversation_schemas.ConversationCreate(agent_id=agent.id)
            )
            await session.commit()
            out.print(f"[bold]{agent.name}[/bold] (Ctrl-D to leave)")
            for message in greeting:
                out.print(f"[cyan]{agent.name}:[/cyan] {message.content}")
            while True:
                try:
                    text = await asyncio.to_thread(input, "you: ")
                except EOFError:
                    break
                if not text.strip():
                    continue
                await conversation_service.add_customer_message(
                    session, conversation, conversation_schemas.MessageCreate(content=text)
                )
                out.print(f"[cyan]{agent.name}:[/cyan] ", end="")
                ended = False
                try:
                    async for item in turn.respond(session, http, conversation):
                        if isinstance(item, turn.Token):
                            out.print(item.text, end="", markup=False, highlight=False)
                        else:
                            await conversation_service.finish_reply(
                                session, conversation, item.message, item.ended
                            )
                            ended = item.ended
                except AppError as exc:
                    out.print(f"\n[red]{exc.message}[/red]")
                    await session.rollback()
                    continue
                out.print()
                await session.commit()
                if ended:
                    break
            await conversation_service.end(session, conversation, "human_goodbye")
            await session.commit()
    finally:
        await http.aclose()
        await engine.dispose()


from frontdesk.calls.cli import call as call_command  # noqa: E402 - after the helpers it uses
from frontdesk.knowledge.cli import app as kb_app  # noqa: E402 - after the helpers it uses

app.add_typer(kb_app, name="kb")
app.command(name="call")(call_command)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    try:
        app()
    except SettingsError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        sys.exit(2)
