"""One agent turn: build the prompt, stream the model with the agent's actions as tools, run the
tools it asks for (with time-outs; a failure is told to the model, never fatal), and store the
reply with its tokens, cost and latency."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.actions import service as action_service
from frontdesk.actions.models import Action
from frontdesk.agents import service as agent_service
from frontdesk.agents.models import Agent
from frontdesk.conversations import search as message_search
from frontdesk.conversations.models import Conversation, Message
from frontdesk.crm import memory as memory_service
from frontdesk.crm.models import Contact
from frontdesk.engine import prompt, tools
from frontdesk.errors import Conflict
from frontdesk.llm import base as llm
from frontdesk.llm import registry
from frontdesk.tenancy.scope import system_scope

MAX_TOOL_ROUNDS = 3

# A line of the history: sender_type, content.
Line = Row[str, str]


@dataclass
class Token:
    text: str


@dataclass
class Done:
    message: Message
    ended: bool = False
    transfer_to: str | None = None


@dataclass
class _Turn:
    text: list[str] = field(default_factory=list)
    usage: llm.Usage = field(default_factory=llm.Usage)
    model: str = ""
    first_token_ms: float | None = None  # from the turn's start: the engine's work and the model's
    model_first_token_ms: float | None = None  # from asking the model: the model's own
    executed: list[dict[str, Any]] = field(default_factory=list)
    end: bool = False
    handover: bool = False  # a live transfer: to a number (a call) or to people (a chat)
    transfer_to: str | None = None  # a call to hand over once the reply has been spoken
    stopped: bool = False


@dataclass
class Prepared:
    """What a turn reads before the model is asked: the agent, the prompt with its history and
    knowledge, the actions as tools, and the provider."""

    started: float
    question: str
    knowledge: prompt.Knowledge
    messages: list[llm.Message]
    missing: list[str]
    contact: Contact | None
    actions: list[Action]
    provider: llm.Provider
    settings: dict[str, Any]
    channel: str
    ahead: _Ahead | None = None


@dataclass
class _Ahead:
    """The first round's model stream, asked before the turn is generated."""

    asked: float
    stream: AsyncIterator[llm.Delta]
    first: asyncio.Future[llm.Delta]

    async def deltas(self) -> AsyncIterator[llm.Delta]:
        try:
            yield await self.first
        except StopAsyncIteration:
            return
        async for delta in self.stream:
            yield delta

    async def close(self) -> None:
        if not self.first.done():
            self.first.cancel()
            await asyncio.wait([self.first])
        close = getattr(self.stream, "aclose", None)
        if close is not None:
            await close()


async def prepare(
    session: AsyncSession,
    conversation: Conversation,
    prompt_override: str | None = None,
    incoming: Message | None = None,
    linked: agent_service.Linked | None = None,
) -> Prepared:
    """Read what the reply to the conversation needs, in the caller's transaction. `incoming`
    is the customer's message when it is not stored yet: the reply answers it. `linked` is the
    conversation's agent with its links, when the caller has read them."""
    started = time.perf_counter()
    if linked is None:
        if conversation.agent_id is None:
            raise Conflict(
                "This conversation has no agent to answer it", "CONVERSATION_WITHOUT_AGENT"
            )
        linked = await agent_service.with_links(session, conversation.agent_id)
    agent, links = linked.agent, linked.links
    scope = system_scope(conversation.workspace_id)
    contact = (
        await session.get(Contact, conversation.contact_id) if conversation.contact_id else None
    )
    past: list[prompt.Said] = [*await _recent(session, conversation.id)]
    if incoming is not None:
        past = [*past[1 - prompt.HISTORY_MESSAGES :], incoming]
    values = prompt.variables(agent, conversation, contact)
    memories = (
        await memory_service.read_for_contact(session, scope, agent.id, contact.id)
        if contact is not None
        else []
    )
    question = await _question(session, conversation.id, past)
    knowledge = await _knowledge(session, agent, question, links["knowledge_base"])
    system, missing = prompt.system_prompt(
        agent, values, memories, knowledge, prompt_override, conversation.channel
    )
    actions = await action_service.get_many(session, scope, links["action"])
    return Prepared(
        started=started,
        question=question,
        knowledge=knowledge,
        messages=[llm.Message("system", system), *prompt.history(past)],
        missing=missing,
        contact=contact,
        actions=actions,
        provider=registry.provider_for(agent.llm or {}, agent_service.api_key_of(agent)),
        settings=agent.llm or {},
        channel=conversation.channel,
    )


async def _question(
    session: AsyncSession, conversation_id: uuid.UUID, past: list[prompt.Said]
) -> str:
    """The customer's last words: in the history read, or older than its window."""
    question = next((m.content for m in reversed(past) if m.sender_type == "user"), None)
    if question is not None:
        return question
    older = await session.scalar(
        select(Message.content)
        .where(Message.conversation_id == conversation_id, Message.sender_type == "user")
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )
    return older or ""


async def _knowledge(
    session: AsyncSession, agent: Agent, question: str, knowledge_base_ids: list[uuid.UUID]
) -> prompt.Knowledge:
    """What every registered retriever found for the question."""
    knowledge = prompt.Knowledge()
    for retriever in prompt.RETRIEVERS:
        found = await retriever(session, agent, question, knowledge_base_ids)
        knowledge.passages.extend(found.passages)
        knowledge.sources.extend(found.sources)
        if found.consulted:
            knowledge.consulted = True
            knowledge.no_answer_message = knowledge.no_answer_message or found.no_answer_message
    return knowledge


def _request(prepared: Prepared, messages: list[llm.Message]) -> llm.Request:
    settings = prepared.settings
    return llm.Request(
        messages=messages,
        model=settings.get("model"),
        temperature=float(settings.get("temperature", 0.3)),
        max_tokens=min(
            int(settings.get("max_tokens", 256)),
            prompt.CHANNEL_MAX_TOKENS.get(prepared.channel, 1 << 30),
        ),
        tools=tools.specs(prepared.actions),
    )


def ask_ahead(prepared: Prepared) -> None:
    """Ask the model now, while the caller stores what the turn answers: `generate` reads the
    answer. A prepared turn whose canned reply needs no model is left alone. The caller closes
    it (`close_ahead`) if `generate` never runs."""
    if prepared.ahead is not None or _canned(prepared):
        return
    stream = prepared.provider.stream(_request(prepared, prepared.messages))
    first = asyncio.ensure_future(anext(stream))
    # A failure is read by `generate`; one nobody reads is not reported as lost.
    first.add_done_callback(lambda f: f.cancelled() or f.exception())
    prepared.ahead = _Ahead(time.perf_counter(), stream, first)


async def close_ahead(prepared: Prepared) -> None:
    if prepared.ahead is not None:
        ahead, prepared.ahead = prepared.ahead, None
        await ahead.close()


def _canned(prepared: Prepared) -> str | None:
    """Nothing in the knowledge answers a request for facts: the no-answer text instead of
    letting the model invent an answer."""
    knowledge = prepared.knowledge
    if knowledge.found_nothing and prompt.asks_for_information(prepared.question):
        return knowledge.no_answer_message
    return None


async def adopt(
    session: AsyncSession, conversation: Conversation, prepared: Prepared
) -> Conversation:
    """The conversation and the prepared turn's rows in `session`, for a turn prepared in a
    transaction that has since ended (a streamed reply): no statement is run."""
    if prepared.contact is not None:
        prepared.contact = await session.merge(prepared.contact, load=False)
    prepared.actions = [await session.merge(a, load=False) for a in prepared.actions]
    return await session.merge(conversation, load=False)


async def respond(
    session: AsyncSession,
    http: httpx.AsyncClient,
    conversation: Conversation,
    prompt_override: str | None = None,
    stop: asyncio.Event | None = None,
) -> AsyncIterator[Token | Done]:
    """Generate and store the agent's reply to the conversation as it stands. When `stop` is
    set (a caller talked over the agent), generation ends early and what was made is stored."""
    prepared = await prepare(session, conversation, prompt_override)
    # End the transaction before the model thinks (seconds, with tools): no lock or connection
    # is held meanwhile (on SQLite a writing transaction blocks every other writer). What the
    # caller added so far, the customer's message, is kept even if the model then fails.
    await session.commit()
    async for item in generate(session, http, conversation, prepared, stop):
        yield item


async def generate(
    session: AsyncSession,
    http: httpx.AsyncClient,
    conversation: Conversation,
    prepared: Prepared,
    stop: asyncio.Event | None = None,
) -> AsyncIterator[Token | Done]:
    """Stream the model on a prepared turn, run the tools it asks for, and add the reply to
    `session` (flushed, for the caller to commit). Call it outside the transaction that
    prepared the turn: the model may think for seconds."""
    messages = list(prepared.messages)
    by_name = {a.name: a for a in prepared.actions}
    tool_context = tools.ToolContext(session, http, conversation, prepared.contact)
    turn = _Turn()
    canned = _canned(prepared)
    if canned:
        turn.text.append(canned)
        turn.model = "knowledge:no-answer"
        turn.first_token_ms = round((time.perf_counter() - prepared.started) * 1000, 1)
        yield Token(canned)
    for _ in range(0 if canned else MAX_TOOL_ROUNDS + 1):
        if stop is not None and stop.is_set():
            turn.stopped = True
            break
        calls: list[llm.ToolCall] = []
        round_text: list[str] = []
        # Closed at once when the caller closes this turn: the model stops generating.
        answer = _model_round(prepared, messages, turn, stop, calls, round_text)
        async with aclosing(answer) as said:
            async for token in said:
                yield token
        if not calls or turn.stopped:
            break
        messages.append(llm.Message("assistant", "".join(round_text), tool_calls=calls))
        async with aclosing(_run_tools(tool_context, by_name, calls, turn, messages)) as said:
            async for token in said:
                yield token
        if turn.end or turn.handover:
            break  # the conversation is ending or going to a person: the model is not asked again

    await close_ahead(prepared)  # a stop before the first round
    message = _reply(conversation, prepared, turn)
    session.add(message)
    if turn.executed:
        conversation.executed_actions = [*(conversation.executed_actions or []), *turn.executed]
    await session.flush()
    yield Done(message, ended=turn.end, transfer_to=turn.transfer_to)


async def _model_round(
    prepared: Prepared,
    messages: list[llm.Message],
    turn: _Turn,
    stop: asyncio.Event | None,
    calls: list[llm.ToolCall],
    round_text: list[str],
) -> AsyncGenerator[Token, None]:
    """One answer of the model: its text as tokens (also into `round_text`), the tools it asks
    for into `calls`, its usage and first-token times into `turn`."""
    ahead, prepared.ahead = prepared.ahead, None
    if ahead is not None:  # the first round, asked before
        asked, stream = ahead.asked, ahead.deltas()
    else:
        asked = time.perf_counter()
        stream = prepared.provider.stream(_request(prepared, messages))
    try:
        async for delta in stream:
            if stop is not None and stop.is_set():
                turn.stopped = True
                break
            if delta.text:
                if turn.first_token_ms is None:
                    now = time.perf_counter()
                    turn.first_token_ms = round((now - prepared.started) * 1000, 1)
                    turn.model_first_token_ms = round((now - asked) * 1000, 1)
                round_text.append(delta.text)
                turn.text.append(delta.text)
                yield Token(delta.text)
            calls.extend(delta.tool_calls)
            if delta.usage is not None:
                turn.usage.prompt_tokens += delta.usage.prompt_tokens
                turn.usage.completion_tokens += delta.usage.completion_tokens
                turn.usage.estimated = turn.usage.estimated or delta.usage.estimated
            if delta.model:
                turn.model = delta.model
    finally:
        # A stop leaves the stream unfinished: close it so the model stops generating.
        close = getattr(stream, "aclose", None)
        if close is not None:
            await close()
        if ahead is not None:
            await ahead.close()


async def _run_tools(
    context: tools.ToolContext,
    by_name: dict[str, Action],
    calls: list[llm.ToolCall],
    turn: _Turn,
    messages: list[llm.Message],
) -> AsyncGenerator[Token, None]:
    """Run the tools the model asked for, their results into `messages` for its next round;
    yields the words said while a tool runs, and an ending action's own words."""
    for call in calls:
        action = by_name.get(call.name)
        filler = action.config.get("speech_while_waiting") if action is not None else None
        if filler:
            # Said while the tool runs (on a call: spoken at once), so nobody waits in silence.
            spoken = (" " if turn.text else "") + str(filler) + " "
            turn.text.append(spoken)
            yield Token(spoken)
        if action is None:
            told = json.dumps({"ok": False, "error": f"no tool named {call.name}"})
        else:
            told, record = await tools.run(context, action, call)
            turn.executed.append(record)
            turn.end = turn.end or (action.type == "end_call" and record["ok"])
            if action.type == "live_transfer" and record["ok"]:
                turn.handover = True
                turn.transfer_to = record["result"].get("transfer_to")
        messages.append(llm.Message("tool", told, tool_call_id=call.id))
    if turn.end or turn.handover:
        # The action's own words close the reply when the model wrote none.
        end_message = next(
            (by_name[c.name].config.get("message") for c in calls if c.name in by_name), None
        )
        if end_message and not turn.text:
            turn.text.append(end_message)
            yield Token(end_message)


def _reply(conversation: Conversation, prepared: Prepared, turn: _Turn) -> Message:
    """The agent's message for what the turn said and did."""
    provider = prepared.provider
    model = turn.model or prepared.settings.get("model") or provider.name
    latency_ms = round((time.perf_counter() - prepared.started) * 1000, 1)
    text = "".join(turn.text)
    return Message(
        id=uuid.uuid4(),
        conversation_id=conversation.id,
        workspace_id=conversation.workspace_id,
        sender_type="agent",
        content=text.strip(),
        search_text=message_search.index_text(text),
        attachments=[],
        ai_metadata={
            "model": model,
            "provider": provider.name,
            "tokens_used": turn.usage.total,
            "prompt_tokens": turn.usage.prompt_tokens,
            "completion_tokens": turn.usage.completion_tokens,
            "usage_estimated": turn.usage.estimated,
            "cost": str(registry.cost(model, turn.usage)),
            "latency_ms": latency_ms,
            "first_token_ms": turn.first_token_ms,
            "model_first_token_ms": turn.model_first_token_ms,
            "sources": prepared.knowledge.sources,
            "knowledge_consulted": prepared.knowledge.consulted,
            "unknown_variables": prepared.missing,
            "executed_actions": [r["name"] for r in turn.executed],
            **({"interrupted": True} if turn.stopped else {}),
        },
        response_ms=latency_ms,
    )


async def _recent(session: AsyncSession, conversation_id: uuid.UUID) -> list[Line]:
    """The conversation's last messages, oldest first: as many as the prompt's history holds,
    with the columns the prompt reads."""
    newest = (
        await session.execute(
            select(Message.sender_type, Message.content)
            .where(Message.conversation_id == conversation_id)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(prompt.HISTORY_MESSAGES)
        )
    ).all()
    return list(newest)[::-1]


async def suggest(session: AsyncSession, conversation: Conversation) -> str:
    """A draft reply for a human member: the agent's prompt and the conversation, no tools."""
    if conversation.agent_id is None:
        return ""
    agent = await session.get_one(Agent, conversation.agent_id)
    contact = (
        await session.get(Contact, conversation.contact_id) if conversation.contact_id else None
    )
    past = await _recent(session, conversation.id)
    system, _ = prompt.system_prompt(
        agent,
        prompt.variables(agent, conversation, contact),
        [],
        prompt.Knowledge(),
        channel=conversation.channel,
    )
    system += "\n\nDraft the next reply for a human colleague to send. Reply with the draft only."
    provider = registry.provider_for(agent.llm or {}, agent_service.api_key_of(agent))
    settings = agent.llm or {}
    completion = await llm.complete(
        provider,
        llm.Request(
            messages=[llm.Message("system", system), *prompt.history(past)],
            model=settings.get("model"),
            temperature=float(settings.get("temperature", 0.3)),
            max_tokens=min(
                int(settings.get("max_tokens", 256)),
                prompt.CHANNEL_MAX_TOKENS.get(conversation.channel, 1 << 30),
            ),
        ),
    )
    return completion.text.strip()
