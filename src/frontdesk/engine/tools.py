"""The agent's actions as tools during a conversation or call: each run has a time-out, and a
failure is told to the model and recorded, never fatal."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.actions import booking
from frontdesk.actions import service as action_service
from frontdesk.actions.models import Action
from frontdesk.conversations.models import Conversation
from frontdesk.crm.models import Contact, PhonebookEntry
from frontdesk.kit import templates
from frontdesk.llm import base as llm
from frontdesk.telephony import sms

DEFAULT_TOOL_TIMEOUT = 10.0
TOOL_TYPES = (
    "custom_http",
    "extract_info",
    "end_call",
    "live_transfer",
    "send_sms",
    "real_time_booking",
)
_DESCRIPTIONS = {
    "live_transfer": "Transfer the customer to a person. {condition}",
    "send_sms": "Send the customer a text message. {condition}",
    "real_time_booking": (
        "Book an appointment. Without `start` it lists free slots; with `start` "
        "(YYYY-MM-DD HH:MM, in the calendar's time zone) it books that slot. {condition}"
    ),
    "end_call": "End the conversation or call. {condition}",
}


@dataclass
class ToolContext:
    session: AsyncSession
    http: httpx.AsyncClient
    conversation: Conversation
    contact: Contact | None


def specs(actions: list[Action]) -> list[llm.ToolSpec]:
    out = []
    for action in actions:
        if action.type not in TOOL_TYPES:
            continue
        condition = action.config.get("condition") or action.config.get("transfer_condition") or ""
        default = _DESCRIPTIONS.get(action.type, f"{action.type} action. {{condition}}")
        description = action.description or default.format(condition=condition).strip()
        out.append(llm.ToolSpec(action.name, description, action_service.tool_parameters(action)))
    return out


async def run(ctx: ToolContext, action: Action, call: llm.ToolCall) -> tuple[str, dict[str, Any]]:
    """Run one tool call; returns what to tell the model and the record of the run."""
    started = time.perf_counter()
    ok: bool = False
    result: dict[str, Any] = {}
    error: str | None = None
    timeout = float(action.config.get("failure_timeout", DEFAULT_TOOL_TIMEOUT))
    try:
        async with asyncio.timeout(timeout + 1):
            ok, result, error = await _HANDLERS[action.type](ctx, action, call.arguments)
    except TimeoutError:
        error = f"timed out after {timeout:g} s"
    record = {
        "id": call.id,
        "action_id": str(action.id),
        "name": action.name,
        "type": action.type,
        "arguments": call.arguments,
        "ok": ok,
        "result": result,
        "error": error,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    }
    told = json.dumps({"ok": ok, "result": result, "error": error})[:4000]
    return told, record


Outcome = tuple[bool, dict[str, Any], str | None]


async def _custom_http(ctx: ToolContext, action: Action, args: dict[str, Any]) -> Outcome:
    values = {**(ctx.conversation.custom_variables or {}), **args}
    return await action_service.run_custom_http(ctx.http, action.config, values)


async def _extract_info(ctx: ToolContext, action: Action, args: dict[str, Any]) -> Outcome:
    identifier = action.config["identifier"]
    value = args.get(identifier)
    if value is None:
        return False, {}, f"no value for {identifier}"
    ctx.conversation.custom_variables = {
        **(ctx.conversation.custom_variables or {}),
        identifier: value,
    }
    return True, {identifier: value}, None


async def _end_call(ctx: ToolContext, action: Action, args: dict[str, Any]) -> Outcome:
    return True, {"end": True}, None


async def transfer_target(
    session: AsyncSession, action: Action, destination: str | None
) -> tuple[str | None, str | None]:
    """The number a live transfer goes to, and why not when there is none."""
    config = action.config
    if config.get("phone_number"):
        return str(config["phone_number"]), None
    phonebook_id = config.get("phonebook_id")
    if not phonebook_id:
        return None, "the action has no number or phone book"
    entries = list(
        (
            await session.scalars(
                select(PhonebookEntry)
                .where(PhonebookEntry.phonebook_id == uuid.UUID(str(phonebook_id)))
                .order_by(PhonebookEntry.created_at)
            )
        ).all()
    )
    if not entries:
        return None, "the phone book is empty"
    if destination:
        wanted = destination.strip().lower()
        for entry in entries:
            labels = {entry.name or "", entry.transfer_condition or "", entry.phone_number}
            if wanted in {label.strip().lower() for label in labels if label}:
                return entry.phone_number, None
        return None, f"no phone book entry called {destination!r}"
    return entries[0].phone_number, None


async def _live_transfer(ctx: ToolContext, action: Action, args: dict[str, Any]) -> Outcome:
    number, why = await transfer_target(ctx.session, action, args.get("destination"))
    if number is None:
        return False, {}, why
    message = action.config.get("message")
    if ctx.conversation.channel == "voice":
        if ctx.conversation.extra.get("call_direction") == "web":
            return False, {}, "a browser call cannot be transferred to a phone"
        # The call is handed over once the message has been spoken (the voice session does it).
        return True, {"transfer_to": number, "message": message}, None
    # A chat goes to the people of the inbox instead.
    ctx.conversation.status = "pending"
    return True, {"handed_to_people": True, "number": number, "message": message}, None


async def _send_sms(ctx: ToolContext, action: Action, args: dict[str, Any]) -> Outcome:
    values = {**(ctx.conversation.custom_variables or {}), **args}
    if ctx.contact is not None:
        values.setdefault("contact_name", ctx.contact.name)
    body, missing = templates.render(str(action.config.get("message", "")), values)
    if missing:
        return False, {"missing_variables": missing}, f"missing values for {', '.join(missing)}"
    to = action.config.get("phone_number") or (ctx.contact.phone_number if ctx.contact else None)
    if not to:
        return False, {}, "there is no number to text: the customer's is unknown"
    return await sms.send(ctx.session, ctx.http, ctx.conversation, ctx.contact, to, body)


async def _booking(ctx: ToolContext, action: Action, args: dict[str, Any]) -> Outcome:
    now = datetime.now(UTC)
    start = args.get("start")
    if not start:
        day = _day(args.get("date"))
        offered = await booking.offer(ctx.session, action, now, day)
        return offered.ok, offered.result, offered.error
    done = await booking.book(
        ctx.session,
        action,
        str(start),
        now,
        ctx.contact,
        ctx.conversation.id,
        args.get("title"),
    )
    return done.ok, done.result, done.error


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


_HANDLERS = {
    "custom_http": _custom_http,
    "extract_info": _extract_info,
    "end_call": _end_call,
    "live_transfer": _live_transfer,
    "send_sms": _send_sms,
    "real_time_booking": _booking,
}
