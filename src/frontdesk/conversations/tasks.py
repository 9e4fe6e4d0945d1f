"""Chats that went quiet end by themselves after the workspace's idle time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import select

from frontdesk.conversations import service as conversation_service
from frontdesk.conversations.models import Conversation
from frontdesk.jobs.registry import JobContext, job_handler
from frontdesk.jobs.scheduler import periodic
from frontdesk.tenancy.models import Workspace

log = structlog.get_logger("frontdesk.conversations")
CLOSE_IDLE_JOB = "conversations.close_idle"
BATCH = 500


@job_handler(CLOSE_IDLE_JOB, timeout=300)
async def close_idle(ctx: JobContext, payload: dict[str, Any]) -> None:
    now = ctx.now()
    async with ctx.sessionmaker() as session:
        rows = await session.execute(
            select(Conversation, Workspace.conversation_idle_minutes)
            .join(Workspace, Workspace.id == Conversation.workspace_id)
            .where(
                Conversation.status.in_(("active", "pending")),
                Conversation.channel.in_(("web_chat", "api", "sms")),
                Workspace.conversation_idle_minutes > 0,
            )
            .order_by(Conversation.last_message_at)
            .limit(BATCH * 4)
        )
        closed = 0
        for conversation, minutes in rows.all():
            last = conversation.last_message_at or conversation.created_at
            if last <= now - timedelta(minutes=minutes):
                await conversation_service.end(session, conversation, "idle_timeout")
                closed += 1
                if closed >= BATCH:
                    break
        await session.commit()
    if closed:
        log.info("idle_conversations_closed", count=closed)


periodic(CLOSE_IDLE_JOB, "* * * * *", CLOSE_IDLE_JOB)
