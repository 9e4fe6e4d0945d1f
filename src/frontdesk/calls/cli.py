"""`frontdesk call AGENT_ID --wav input.wav`: a local call through the whole voice pipeline,
from a file, the quickest way to hear an agent."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from frontdesk.settings import Settings

console = Console(stderr=True)


def call(
    agent_id: Annotated[str, typer.Argument(help="The agent to call")],
    wav: Annotated[Path, typer.Option("--wav", help="What the caller says (a 16-bit WAV file)")],
    out_dir: Annotated[
        Path, typer.Option("--out-dir", help="Where the agent's audio and the transcript go")
    ] = Path("."),
) -> None:
    """Call an agent with a WAV file as the caller; writes the agent's audio and the transcript."""
    from frontdesk.cli import _run_migrations, _settings
    from frontdesk.voice import audio

    try:
        agent = uuid.UUID(agent_id)
    except ValueError:
        console.print(f"[red]error:[/red] '{agent_id}' is not an agent id")
        raise typer.Exit(2) from None
    try:
        pcm, rate = audio.read_wav(wav)
    except (OSError, ValueError, EOFError) as exc:
        console.print(f"[red]error:[/red] cannot read {wav}: {exc}")
        raise typer.Exit(2) from None
    settings = _settings()
    _run_migrations(settings)
    out_dir.mkdir(parents=True, exist_ok=True)
    raise typer.Exit(asyncio.run(_call(settings, agent, pcm, rate, out_dir)))


def _report(finished: Any, transport: Any, out_dir: Path) -> None:
    """Write the agent's audio and the transcript; show both and each turn's latency."""
    from frontdesk.voice import audio

    agent_wav = out_dir / f"call-{finished.id}-agent.wav"
    audio.write_wav(agent_wav, bytes(transport.agent), transport.out_rate)
    transcript = out_dir / f"call-{finished.id}-transcript.txt"
    transcript.write_text((finished.transcript or "") + "\n")
    out = Console()
    out.print(finished.transcript or "(nothing was said)")
    columns = {
        "turn": "turn",
        "latency_ms": "latency ms",
        "endpointing_ms": "end of speech",
        "stt_ms": "stt",
        "llm_first_token_ms": "llm 1st token",
        "first_sentence_ms": "1st sentence",
        "tts_first_audio_ms": "tts 1st audio",
    }
    table = Table(*columns.values())
    for turn in finished.turns or []:
        table.add_row(*(str(turn.get(k)) for k in columns))
    out.print(table)
    console.print(
        f"ended: {finished.end_call_reason}; agent audio {agent_wav}, transcript {transcript}"
    )


async def _call(
    settings: Settings, agent_id: uuid.UUID, pcm: bytes, rate: int, out_dir: Path
) -> int:
    from frontdesk.agents.models import Agent
    from frontdesk.calls import live
    from frontdesk.calls import service as call_service
    from frontdesk.calls.models import Call
    from frontdesk.db.engine import create_engine, create_sessionmaker
    from frontdesk.errors import AppError
    from frontdesk.jobs.runtime import outbound_http
    from frontdesk.tenancy.scope import system_scope
    from frontdesk.voice.transports.file import FileTransport

    engine = create_engine(settings)
    http = outbound_http(settings.allow_private_urls)
    try:
        maker = create_sessionmaker(engine)
        async with maker() as session:
            agent = await session.get(Agent, agent_id)
            if agent is None:
                console.print("[red]error:[/red] no agent with this id")
                return 1
            try:
                created = await call_service.open_call(
                    session,
                    system_scope(agent.workspace_id),
                    agent,
                    direction="inbound",
                    provider="local",
                    contact=None,
                )
            except AppError as exc:
                console.print(f"[red]error:[/red] {exc.message}")
                return 1
            await session.commit()
            call_id = created.id
        transport = FileTransport(pcm, rate)
        console.print(f"[bold]{agent.name}[/bold]: call {call_id} ({len(pcm) / 2 / rate:.1f} s)")
        await live.run_call(
            SimpleNamespace(sessionmaker=maker, http=http), call_id, transport, transport.run
        )
        async with maker() as session:
            finished = await session.get_one(Call, call_id)
        _report(finished, transport, out_dir)
        if finished.status == "failed":
            console.print(f"[red]the call failed:[/red] {finished.end_detail}")
            return 1
        return 0
    finally:
        await http.aclose()
        await engine.dispose()
