"""One call with the local models, end to end: the caller's questions (spoken by the local voice)
go through the VAD, Whisper tiny.en, SmolLM2 on llama.cpp and the Piper voice; per turn, the time
from the caller's last word to the agent's first audio, and where it goes.

    .venv/bin/python -m bench.voice_local [--turns 6]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
from pathlib import Path
from types import SimpleNamespace

from bench.common import machine, table

QUESTIONS = [
    "What are your opening hours?",
    "Do you take new patients?",
    "How much is a cleaning?",
    "Where can I park?",
    "Can I book an appointment for Friday?",
    "Do you accept my insurance?",
]
PROMPT = (
    "You are Ava, the receptionist of Bright Smile Dental. We are open Monday to Friday, nine "
    "to five. A cleaning costs eighty dollars. Parking is free behind the building. Answer in "
    "one short sentence."
)
STAGES = (
    "endpointing_ms",
    "stt_ms",
    "llm_first_token_ms",
    "first_sentence_ms",
    "tts_first_audio_ms",
    "playout_ms",
)


async def _run(turns: int) -> list[dict[str, float]]:
    from frontdesk.agents.models import Agent
    from frontdesk.calls import live
    from frontdesk.calls import service as call_service
    from frontdesk.calls.models import Call
    from frontdesk.db.engine import create_engine, create_sessionmaker
    from frontdesk.db.migrate import upgrade
    from frontdesk.jobs.runtime import outbound_http
    from frontdesk.llm import base as llm
    from frontdesk.llm.registry import local_provider
    from frontdesk.settings import get_settings
    from frontdesk.tenancy.models import Workspace
    from frontdesk.tenancy.scope import system_scope
    from frontdesk.voice import audio
    from frontdesk.voice.stt.local import LocalSTT
    from frontdesk.voice.transports.file import FileTransport
    from frontdesk.voice.tts.local import PiperTTS

    settings = get_settings()
    engine = create_engine(settings)
    await upgrade(engine)
    maker = create_sessionmaker(engine)
    tts = PiperTTS(variation=0.0)  # the same caller audio on every run
    caller = audio.silence(3000, 16000)
    for question in QUESTIONS[:turns]:
        spoken = b"".join([chunk async for chunk in tts.synthesize(question)])
        caller += audio.resample(spoken, tts.sample_rate, 16000) + audio.silence(9000, 16000)
    # Loaded before the call, as a running server has them: the first turn is not a cold start.
    LocalSTT.warm_up()
    await llm.complete(local_provider(), llm.Request([llm.Message("user", "Hi")], max_tokens=4))
    async with maker() as db:
        workspace = Workspace(name="Bench", llm={}, voice={}, voice_secrets={})
        db.add(workspace)
        await db.flush()
        agent = Agent(
            workspace_id=workspace.id,
            name="Ava",
            type="inbound",
            prompt=PROMPT,
            greeting_message="Bright Smile Dental, this is Ava.",
            llm={"provider": "local", "temperature": 0, "max_tokens": 48},
            voice={"initial_pause_seconds": 0.2},
            max_duration={},
            custom_variables={},
            theme={},
            patience_level="low",
            min_words_to_interrupt=2,
            allowed_idle_time_seconds=120,
        )
        db.add(agent)
        await db.flush()
        call = await call_service.open_call(
            db,
            system_scope(workspace.id),
            agent,
            direction="inbound",
            provider="local",
            contact=None,
        )
        await db.commit()
    transport = FileTransport(caller, 16000, wait_after_seconds=15)
    http = outbound_http(settings.allow_private_urls)
    await live.run_call(
        SimpleNamespace(sessionmaker=maker, http=http), call.id, transport, transport.run
    )
    async with maker() as db:
        finished = await db.get_one(Call, call.id)
        print(finished.transcript)
        result = list(finished.turns)
    await http.aclose()
    await engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FRONTDESK_DATA_DIR"] = str(Path(tmp) / "data")
        os.environ.pop("FRONTDESK_DATABASE_URL", None)
        turns = asyncio.run(_run(args.turns))
    print(machine())
    rows = [
        [str(t["turn"]), f"{t['latency_ms']:.0f}", *(f"{t[s] or 0:.0f}" for s in STAGES)]
        for t in turns
    ]
    medians = [statistics.median(t[s] or 0 for t in turns) for s in ("latency_ms", *STAGES)]
    rows.append(["median", *(f"{m:.0f}" for m in medians)])
    print(
        table(
            [
                "turn",
                "caller's last word -> agent audio ms",
                "end-of-speech silence",
                "STT",
                "LLM first token",
                "rest of first sentence",
                "TTS first audio",
                "to the wire",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
