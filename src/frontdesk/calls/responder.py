"""The voice pipeline's responder for a call: the conversation engine, with each turn stored in
the call's conversation and each agent message cut down to what the caller heard."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.conversations import schemas as conversation_schemas
from frontdesk.conversations import service as conversation_service
from frontdesk.conversations.models import Conversation
from frontdesk.engine import turn
from frontdesk.errors import AppError
from frontdesk.voice.stage import log

MAX_CALLER_TEXT = 10_000
TROUBLE = "Sorry, I'm having trouble answering right now. Could you try again in a moment?"


class EngineResponder:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        http: httpx.AsyncClient,
        conversation_id: uuid.UUID,
        prompt_override: str | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.http = http
        self.conversation_id = conversation_id
        self.prompt_override = prompt_override
        self._messages: dict[int, asyncio.Future[uuid.UUID | None]] = {}
        self._ends: set[int] = set()
        self._transfers: dict[int, str] = {}

    def _slot(self, reply_id: int) -> asyncio.Future[uuid.UUID | None]:
        return self._messages.setdefault(reply_id, asyncio.get_running_loop().create_future())

    async def reply(self, reply_id: int, text: str, stop: asyncio.Event) -> AsyncIterator[str]:
        slot = self._slot(reply_id)
        message_id: uuid.UUID | None = None
        try:
            async with self.sessionmaker() as session:
                conversation = await session.get_one(Conversation, self.conversation_id)
                await conversation_service.add_customer_message(
                    session,
                    conversation,
                    conversation_schemas.MessageCreate(content=text[:MAX_CALLER_TEXT]),
                )
                if stop.is_set():
                    await session.commit()
                    return
                spoken = False
                try:
                    async for item in turn.respond(
                        session, self.http, conversation, self.prompt_override, stop=stop
                    ):
                        if isinstance(item, turn.Token):
                            spoken = True
                            yield item.text
                        else:
                            await conversation_service.finish_reply(
                                session, conversation, item.message, ended=False
                            )
                            message_id = item.message.id
                            if item.ended:
                                self._ends.add(reply_id)
                            if item.transfer_to:
                                self._transfers[reply_id] = item.transfer_to
                except AppError as exc:
                    # The model is down: the caller hears an apology rather than silence.
                    log.warning("voice_reply_failed", code=exc.code, error=exc.message)
                    if spoken:
                        raise
                    message = await conversation_service.add_agent_line(
                        session, conversation, TROUBLE, "error"
                    )
                    message_id = message.id
                    yield TROUBLE
                await session.commit()
        finally:
            if not slot.done():
                slot.set_result(message_id)

    async def said(self, reply_id: int, text: str, reason: str) -> None:
        slot = self._slot(reply_id)
        message_id: uuid.UUID | None = None
        try:
            async with self.sessionmaker() as session:
                conversation = await session.get_one(Conversation, self.conversation_id)
                message = await conversation_service.add_agent_line(
                    session, conversation, text, reason
                )
                message_id = message.id
                await session.commit()
        finally:
            if not slot.done():
                slot.set_result(message_id)

    async def caller_said(self, text: str) -> None:
        async with self.sessionmaker() as session:
            conversation = await session.get_one(Conversation, self.conversation_id)
            await conversation_service.add_customer_message(
                session,
                conversation,
                conversation_schemas.MessageCreate(content=text[:MAX_CALLER_TEXT]),
            )
            await session.commit()

    async def heard(self, reply_id: int, text: str, interrupted: bool) -> None:
        slot = self._messages.pop(reply_id, None)
        message_id = await slot if slot is not None else None
        if message_id is None:
            return
        try:
            async with self.sessionmaker() as session:
                await conversation_service.revise_to_heard(session, message_id, text, interrupted)
                await session.commit()
        except Exception as exc:  # the transcript keeps the generated text instead
            log.warning("heard_not_stored", error=repr(exc))

    def wants_end(self, reply_id: int) -> bool:
        return reply_id in self._ends

    def transfer_to(self, reply_id: int) -> str | None:
        return self._transfers.get(reply_id)
