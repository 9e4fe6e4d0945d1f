"""After a conversation ends: summary, sentiment and key phrases; lead fields extracted into the
contact; a dated line in the contact's memory; the result posted to the agent's webhook."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy import select

from frontdesk.actions.models import Action
from frontdesk.agents import service as agent_service
from frontdesk.agents.models import Agent
from frontdesk.analysis import classic
from frontdesk.conversations.models import Conversation, Message
from frontdesk.crm import contacts as contact_service
from frontdesk.crm import memory as memory_service
from frontdesk.crm.models import Contact
from frontdesk.crm.schemas import ContactUpdate
from frontdesk.jobs import service as job_service
from frontdesk.jobs.registry import WEBHOOK_RETRY, JobContext, RetryPolicy, job_handler
from frontdesk.kit import ssrf
from frontdesk.llm import base as llm
from frontdesk.llm import registry
from frontdesk.tenancy.scope import system_scope

log = structlog.get_logger("frontdesk.analysis")
ANALYZE_JOB = "conversations.analyze"  # enqueued by conversations.service.end
WEBHOOK_JOB = "agents.external_webhook"
CONTACT_FIELDS = {
    "name",
    "first_name",
    "last_name",
    "email",
    "phone_number",
    "company_name",
    "lead_status",
    "qualification_score",
}
LLM_ANALYSIS_SCHEMA = {
    "type": "object",
    "properties": {
        "summary": {"type": "string"},
        "sentiment": {"type": "string", "enum": ["positive", "neutral", "negative"]},
        "key_phrases": {"type": "array", "items": {"type": "string"}},
        "emotions": {"type": "array", "items": {"type": "string", "enum": list(classic.EMOTIONS)}},
    },
    "required": ["summary", "sentiment", "key_phrases", "emotions"],
    "additionalProperties": False,
}


def transcript(messages: list[Message]) -> str:
    lines = []
    for m in messages:
        if m.sender_type == "user":
            lines.append(f"human: {m.content}")
        elif m.sender_type in ("agent", "member"):
            lines.append(f"bot: {m.content}")
    return "\n".join(lines)


async def _llm_analysis(provider: llm.Provider, text: str) -> classic.Analysis | None:
    completion = await llm.complete(
        provider,
        llm.Request(
            messages=[
                llm.Message(
                    "system",
                    "Summarise this customer conversation in two sentences, judge the customer's "
                    "sentiment, list up to five key phrases and up to three of the customer's "
                    "emotions. Answer in JSON.",
                ),
                llm.Message("user", text[-12000:]),
            ],
            temperature=0,
            max_tokens=400,
            json_schema=LLM_ANALYSIS_SCHEMA,
        ),
    )
    try:
        data = json.loads(completion.text)
        return classic.Analysis(
            summary=str(data["summary"])[:1000],
            sentiment=data["sentiment"]
            if data["sentiment"] in ("positive", "neutral", "negative")
            else "neutral",
            key_phrases=[str(p) for p in data.get("key_phrases", [])][:5],
            emotions=[e for e in data.get("emotions", []) if e in classic.EMOTIONS][:3],
            scores={},
            method=f"llm:{completion.model}",
        )
    except (ValueError, KeyError, TypeError):
        return None


async def _extract(provider: llm.Provider, actions: list[Action], text: str) -> dict[str, Any]:
    """Values for the agent's extract_info actions, from the whole conversation."""
    fields = [a for a in actions if a.type == "extract_info"]
    if not fields or not text:
        return {}
    properties: dict[str, Any] = {}
    for action in fields:
        schema: dict[str, Any] = {"type": "string"}
        kind = action.config.get("kind", "text")
        if kind == "number":
            schema = {"type": "number"}
        elif kind == "boolean":
            schema = {"type": "boolean"}
        elif kind == "choice":
            schema = {"type": "string", "enum": [*action.config.get("choices", []), ""]}
        properties[action.config["identifier"]] = schema
    hints = "\n".join(
        f"- {a.config['identifier']}: {a.config.get('condition') or a.description or ''}"
        for a in fields
    )
    completion = await llm.complete(
        provider,
        llm.Request(
            messages=[
                llm.Message(
                    "system",
                    "Extract these fields from the conversation; use an empty string when it "
                    f"does not say.\n{hints}",
                ),
                llm.Message("user", text[-8000:]),
            ],
            temperature=0,
            max_tokens=300,
            json_schema={"type": "object", "properties": properties, "required": list(properties)},
        ),
    )
    try:
        data = json.loads(completion.text)
    except ValueError:
        return {}
    return {k: v for k, v in data.items() if k in properties and v not in ("", None)}


async def _apply_lead_fields(
    session: Any, contact: Contact, values: dict[str, Any]
) -> dict[str, Any]:
    updates = {k: v for k, v in values.items() if k in CONTACT_FIELDS}
    extra = {k: v for k, v in values.items() if k not in CONTACT_FIELDS}
    applied: dict[str, Any] = {}
    for key, value in updates.items():
        try:
            data = ContactUpdate.model_validate({key: value})
        except ValidationError:
            continue  # the model's guess is not a valid value for this field
        try:
            await contact_service.update_system(session, contact, data)
            applied[key] = value
        except Exception as exc:  # a clash with another contact: keep the conversation's copy
            log.info("lead_field_not_applied", field=key, reason=str(exc))
    if extra:
        contact.extra = {**(contact.extra or {}), **extra}
        applied.update(extra)
    return applied


async def analyze_conversation(
    ctx: JobContext, session: Any, conversation: Conversation
) -> tuple[classic.Analysis, dict[str, Any]]:
    """Summary, sentiment, key phrases and emotions of a conversation (the agent's model when it
    is an OpenAI-compatible one, else the classic analyses); the agent's extract_info values
    written into the contact; a dated summary appended to the contact's memory. Stores the
    analysis on the conversation and returns it with the extracted lead fields."""
    messages = list(
        (
            await session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation.id)
                .order_by(Message.created_at, Message.id)
            )
        ).all()
    )
    agent = await session.get(Agent, conversation.agent_id) if conversation.agent_id else None
    customer = [m.content for m in messages if m.sender_type == "user"]
    replies = [m.content for m in messages if m.sender_type in ("agent", "member")]
    text = transcript(messages)
    result: classic.Analysis | None = None
    provider: llm.Provider | None = None
    if agent is not None:
        provider = registry.provider_for(agent.llm or {}, agent_service.api_key_of(agent))
        if (agent.llm or {}).get("provider") == "openai" and customer:
            result = await _llm_analysis(provider, text)
    if result is None:
        # CPU work (VADER, YAKE): off the event loop, which may be carrying live calls.
        result = await asyncio.to_thread(
            classic.analyze, customer, replies, (agent.language if agent else "en")
        )
    lead_fields: dict[str, Any] = {}
    scope = system_scope(conversation.workspace_id)
    if agent is not None and provider is not None:
        action_ids = await agent_service.action_ids(session, agent.id)
        actions = list(
            (await session.scalars(select(Action).where(Action.id.in_(action_ids)))).all()
        )
        values = await _extract(provider, actions, text)
        contact = (
            await session.get(Contact, conversation.contact_id) if conversation.contact_id else None
        )
        lead_fields = await _apply_lead_fields(session, contact, values) if contact else values
        if contact is not None and customer:
            await memory_service.append(
                session, scope, agent.id, contact.id, result.summary, ctx.now()
            )
    conversation.summary = result.summary
    conversation.sentiment = result.sentiment
    conversation.key_phrases = result.key_phrases
    conversation.analysis = {
        "method": result.method,
        "scores": result.scores,
        "emotions": result.emotions,
        "lead_fields": lead_fields,
        "analyzed_at": ctx.now().isoformat().replace("+00:00", "Z"),
    }
    return result, lead_fields


@job_handler(ANALYZE_JOB, retry=RetryPolicy((30, 300, 1800)), timeout=300)
async def analyze(ctx: JobContext, payload: dict[str, Any]) -> None:
    conversation_id = uuid.UUID(payload["conversation_id"])
    async with ctx.sessionmaker() as session:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            return
        await analyze_conversation(ctx, session, conversation)
        agent = await session.get(Agent, conversation.agent_id) if conversation.agent_id else None
        if agent is not None and agent.external_webhook_url:
            await job_service.enqueue(
                session,
                WEBHOOK_JOB,
                {"conversation_id": str(conversation.id), "url": agent.external_webhook_url},
                unique_key=f"agent-webhook:{conversation.id}",
                workspace_id=conversation.workspace_id,
            )
        await session.commit()


@job_handler(WEBHOOK_JOB, retry=WEBHOOK_RETRY, timeout=60)
async def post_to_agent_webhook(ctx: JobContext, payload: dict[str, Any]) -> None:
    """POST the ended conversation to the agent's `external_webhook_url`."""
    from frontdesk.conversations import service as conversation_service

    async with ctx.sessionmaker() as session:
        conversation = await session.get(Conversation, uuid.UUID(payload["conversation_id"]))
        if conversation is None:
            return
        document = await conversation_service.webhook_document(session, conversation)
    await deliver(ctx, payload["url"], document)


async def deliver(ctx: JobContext, url: str, document: dict[str, Any]) -> None:
    """POST a document to an agent's `external_webhook_url`; a failure raises, so the job is
    retried on the webhook schedule. An unsafe URL is dropped (retrying would not help)."""
    try:
        await ssrf.check_url(url, ctx.settings.allow_private_urls)
        response = await ctx.http.post(
            url, json=document, timeout=ctx.settings.webhook_timeout_seconds
        )
    except ssrf.UnsafeURL as exc:
        log.warning("agent_webhook_refused", url=url, reason=str(exc))
        return
    if not 200 <= response.status_code < 300:
        raise RuntimeError(f"the agent webhook answered HTTP {response.status_code}")
