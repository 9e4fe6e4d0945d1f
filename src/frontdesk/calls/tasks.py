"""After a call: its analysis (summary, sentiment, emotions, key phrases, lead fields), its cost,
the `call.analyzed` event, and the call posted to the agent's `external_webhook_url`."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from frontdesk.agents.models import Agent
from frontdesk.analysis.tasks import analyze_conversation, deliver
from frontdesk.calls import service as call_service
from frontdesk.calls.models import Call
from frontdesk.conversations.models import Conversation, Message
from frontdesk.crm.models import Contact
from frontdesk.events import service as event_service
from frontdesk.jobs import service as job_service
from frontdesk.jobs.registry import WEBHOOK_RETRY, JobContext, RetryPolicy, job_handler

WEBHOOK_JOB = "calls.external_webhook"
# USD per minute of call; override any with FRONTDESK_VOICE_PRICES='{"tts.elevenlabs": 0.08}'.
VOICE_PRICES: dict[str, float] = {
    "stt.local": 0.0,
    "stt.deepgram": 0.0058,
    "stt.openai": 0.003,
    "tts.local": 0.0,
    "tts.espeak": 0.0,
    "tts.elevenlabs": 0.10,
    "tts.cartesia": 0.04,
    "tts.openai": 0.015,
    "telephony.twilio.inbound": 0.0085,
    "telephony.twilio.outbound": 0.014,
    "telephony.simulated": 0.0,
    "telephony.web": 0.0,
}


def cost_of(call: Call, messages: list[Message], prices: dict[str, float]) -> dict[str, Any]:
    """The call's cost: per-minute rates of its speech and telephony providers plus the
    language model's tokens."""
    table = {**VOICE_PRICES, **prices}
    minutes = Decimal(call.duration or 0) / 60
    voice = (call.extra or {}).get("voice", {})
    telephony = (
        f"telephony.{call.provider}.{call.direction}"
        if call.provider == "twilio"
        else f"telephony.{call.provider}"
    )
    parts = {
        "stt": Decimal(str(table.get(f"stt.{voice.get('stt', 'local')}", 0.0))) * minutes,
        "tts": Decimal(str(table.get(f"tts.{voice.get('tts', 'local')}", 0.0))) * minutes,
        "telephony": Decimal(str(table.get(telephony, 0.0))) * minutes,
        "llm": sum(
            (Decimal(str((m.ai_metadata or {}).get("cost", "0"))) for m in messages),
            Decimal(0),
        ),
    }
    total = sum(parts.values(), Decimal(0)).quantize(Decimal("0.000001"))
    return {
        "total": total,
        "parts": {k: str(v.quantize(Decimal("0.000001"))) for k, v in parts.items()},
        "minutes": str(minutes.quantize(Decimal("0.01"))),
    }


@job_handler(call_service.ANALYZE_JOB, retry=RetryPolicy((30, 300, 1800)), timeout=300)
async def analyze_call(ctx: JobContext, payload: dict[str, Any]) -> None:
    call_id = uuid.UUID(payload["call_id"])
    async with ctx.sessionmaker() as session:
        call = await session.get(Call, call_id)
        if call is None:
            return
        conversation = (
            await session.get(Conversation, call.conversation_id) if call.conversation_id else None
        )
        messages: list[Message] = []
        if conversation is not None:
            result, lead_fields = await analyze_conversation(ctx, session, conversation)
            call.summary = result.summary
            call.sentiment = result.sentiment
            call.key_phrases = result.key_phrases
            call.emotions = result.emotions
            call.analysis = {
                "method": result.method,
                "scores": result.scores,
                "lead_fields": lead_fields,
                "analyzed_at": ctx.now().isoformat().replace("+00:00", "Z"),
            }
            messages = list(
                (
                    await session.scalars(
                        select(Message).where(Message.conversation_id == conversation.id)
                    )
                ).all()
            )
        cost = cost_of(call, messages, ctx.settings.voice_prices)
        call.cost = cost["total"]
        call.cost_breakdown = {"parts": cost["parts"], "minutes": cost["minutes"]}
        await session.flush()
        await event_service.emit(
            session,
            call.workspace_id,
            "call.analyzed",
            call_service.to_schema(call).model_dump(mode="json"),
            contact_id=call.contact_id,
        )
        agent = await session.get(Agent, call.agent_id) if call.agent_id else None
        if agent is not None and agent.external_webhook_url:
            await job_service.enqueue(
                session,
                WEBHOOK_JOB,
                {"call_id": str(call.id), "url": agent.external_webhook_url},
                unique_key=f"call-webhook:{call.id}",
                workspace_id=call.workspace_id,
            )
        await session.commit()


async def webhook_document(session: Any, call: Call) -> dict[str, Any]:
    """What an agent's `external_webhook_url` receives after a call (the post-call payload:
    status, lead, call, executed_actions)."""
    contact = await session.get(Contact, call.contact_id) if call.contact_id else None
    agent = await session.get(Agent, call.agent_id) if call.agent_id else None
    body = call_service.to_schema(call).model_dump(mode="json")
    return {
        "status": "completed" if call.status == "completed" else call.status,
        "error_message": call.end_call_reason if call.status != "completed" else None,
        "lead": {
            "name": contact.name if contact else call.lead_name,
            "phone_number": (contact.phone_number if contact else None)
            or (call.phone_number_from if call.direction == "inbound" else call.phone_number_to),
            "email": contact.email if contact else None,
        },
        "call": {
            **body,
            "call_id": str(call.id),
            "model_id": str(call.agent_id) if call.agent_id else None,
            "timezone": agent.timezone if agent else None,
        },
        "executed_actions": {r["name"]: r for r in call.executed_actions or [] if "name" in r},
    }


@job_handler(WEBHOOK_JOB, retry=WEBHOOK_RETRY, timeout=60)
async def post_call_to_agent_webhook(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.sessionmaker() as session:
        call = await session.get(Call, uuid.UUID(payload["call_id"]))
        if call is None:
            return
        document = await webhook_document(session, call)
    await deliver(ctx, payload["url"], document)
