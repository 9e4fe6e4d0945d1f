"""Actions: the tools agents use, and running one."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.actions import schemas
from frontdesk.actions.models import Action
from frontdesk.audit import service as audit_service
from frontdesk.auth.context import AuthContext
from frontdesk.errors import Conflict, ValidationFailed
from frontdesk.kit import ssrf, templates
from frontdesk.kit.pagination import Pagination, paginate
from frontdesk.settings import get_settings
from frontdesk.tenancy.scope import WorkspaceScope

EXCERPT = 4000


def to_schema(action: Action) -> schemas.Action:
    return schemas.Action.model_validate(action)


def _check_url(data: schemas.ActionCreate) -> None:
    """A URL without placeholders is checked now; a templated one when it runs."""
    if data.type == "custom_http" and "{{" not in str(data.config["url"]):
        ssrf.validate_url_field(
            str(data.config["url"]), "config.url", get_settings().allow_private_urls
        )


async def _unique_name(
    session: AsyncSession, scope: WorkspaceScope, name: str, except_id: uuid.UUID | None = None
) -> None:
    stmt = scope.apply(select(Action.id), Action).where(Action.name == name)
    existing = await session.scalar(stmt)
    if existing is not None and existing != except_id:
        raise Conflict(f"An action named {name} exists already", "ACTION_NAME_TAKEN")


async def create(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, data: schemas.ActionCreate
) -> Action:
    _check_url(data)
    await _unique_name(session, scope, data.name)
    action = Action(workspace_id=scope.workspace_id, **data.model_dump())
    session.add(action)
    await session.flush()
    await audit_service.record(session, auth, "action.create", "action", action.id)
    return action


async def list_actions(
    session: AsyncSession, scope: WorkspaceScope, pagination: Pagination, type_: str | None = None
) -> tuple[list[Action], int]:
    stmt = scope.apply(select(Action), Action)
    if type_:
        stmt = stmt.where(Action.type == type_)
    return await paginate(session, stmt.order_by(Action.created_at.desc(), Action.id), pagination)


async def get(session: AsyncSession, scope: WorkspaceScope, action_id: uuid.UUID) -> Action:
    return await scope.get(session, Action, action_id, "action")


async def get_many(
    session: AsyncSession, scope: WorkspaceScope, ids: list[uuid.UUID]
) -> list[Action]:
    if not ids:
        return []
    rows = (
        await session.scalars(scope.apply(select(Action), Action).where(Action.id.in_(ids)))
    ).all()
    found = {a.id for a in rows}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ValidationFailed(
            f"Unknown actions: {', '.join(missing)}", details={"action_ids": missing}
        )
    return list(rows)


async def replace(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    action_id: uuid.UUID,
    data: schemas.ActionUpdate,
) -> Action:
    action = await get(session, scope, action_id)
    _check_url(data)
    await _unique_name(session, scope, data.name, action.id)
    action.name, action.type = data.name, data.type
    action.description, action.config = data.description, data.config
    await session.flush()
    await audit_service.record(session, auth, "action.update", "action", action.id)
    return action


async def delete(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, action_id: uuid.UUID
) -> None:
    from frontdesk.agents import service as agent_service  # agents import actions

    action = await get(session, scope, action_id)
    await agent_service.forget_target(session, "action", action.id)
    await session.delete(action)
    await session.flush()
    await audit_service.record(session, auth, "action.delete", "action", action_id)


def tool_parameters(action: Action) -> dict[str, Any]:
    """The JSON schema of the arguments the model gives when it calls this action."""
    config = action.config
    if action.type == "custom_http":
        props = {
            v["key"]: {"type": "string", "description": v.get("description", "")}
            for v in config.get("variables", [])
        }
        required = [v["key"] for v in config.get("variables", []) if v.get("required", True)]
        return {"type": "object", "properties": props, "required": required}
    if action.type == "extract_info":
        return {
            "type": "object",
            "properties": {config["identifier"]: _value_schema(config)},
            "required": [config["identifier"]],
        }
    if action.type == "live_transfer" and config.get("phonebook_id"):
        return {
            "type": "object",
            "properties": {
                "destination": {
                    "type": "string",
                    "description": "Who to transfer to: the name of a phone book entry",
                }
            },
        }
    if action.type == "send_sms":
        names = [n for n in templates.names(str(config.get("message", ""))) if n != "contact_name"]
        props = {n: {"type": "string"} for n in names}
        return {"type": "object", "properties": props, "required": names}
    if action.type == "real_time_booking":
        return {
            "type": "object",
            "properties": {
                "start": {
                    "type": "string",
                    "description": "The slot to book, YYYY-MM-DD HH:MM in the calendar's time "
                    "zone; leave out to get the free slots",
                },
                "date": {"type": "string", "description": "YYYY-MM-DD: free slots of that day"},
                "title": {"type": "string", "description": "What the meeting is about"},
            },
        }
    return {"type": "object", "properties": {}}


def _value_schema(config: Mapping[str, Any]) -> dict[str, Any]:
    kind = config.get("kind", "text")
    if kind == "number":
        return {"type": "number"}
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "choice":
        return {"type": "string", "enum": list(config.get("choices") or [])}
    return {"type": "string", "description": config.get("condition", "")}


async def run_custom_http(
    http: httpx.AsyncClient, config: Mapping[str, Any], values: Mapping[str, Any]
) -> tuple[bool, dict[str, Any], str | None]:
    """Fill the request templates, send it through the SSRF guard, and report the answer."""
    url, missing = templates.render(str(config["url"]), values)
    headers = {k: templates.render(v, values)[0] for k, v in (config.get("headers") or {}).items()}
    body = None
    if config.get("body"):
        body, more = templates.render(str(config["body"]), values)
        missing += more
    if missing:
        return False, {"missing_variables": missing}, f"missing values for {', '.join(missing)}"
    try:
        await ssrf.check_url(url, get_settings().allow_private_urls)
        response = await http.request(
            config.get("method", "POST"),
            url,
            content=body.encode() if body is not None else None,
            headers={"Content-Type": "application/json", **headers} if body else headers,
            timeout=float(config.get("failure_timeout", 10)),
        )
    except ssrf.UnsafeURL as exc:
        return False, {}, f"refused: {exc}"
    except httpx.TimeoutException:
        return False, {}, f"timed out after {config.get('failure_timeout', 10)} s"
    except httpx.HTTPError as exc:
        return False, {}, f"{type(exc).__name__}: {exc}"
    text = response.text[:EXCERPT]
    try:
        parsed: Any = json.loads(text)
    except ValueError:
        parsed = text
    ok = 200 <= response.status_code < 300
    result = {"status_code": response.status_code, "body": parsed}
    return ok, result, None if ok else f"HTTP {response.status_code}"


async def _dry_run(
    session: AsyncSession, action: Action, values: Mapping[str, Any]
) -> tuple[bool, dict[str, Any], str | None]:
    """What a transfer, a text or a booking would do, without doing it."""
    from frontdesk.actions import booking
    from frontdesk.engine.tools import transfer_target

    if action.type == "live_transfer":
        number, why = await transfer_target(session, action, values.get("destination"))
        return (
            number is not None,
            {"transfer_to": number, "message": action.config.get("message")},
            why,
        )
    if action.type == "send_sms":
        body, missing = templates.render(str(action.config.get("message", "")), values)
        if missing:
            return False, {"missing_variables": missing}, f"give values for {', '.join(missing)}"
        to = action.config.get("phone_number") or values.get("phone_number")
        return True, {"to": to, "body": body, "sent": False}, None
    calendar = booking.Calendar.of(action)
    now = datetime.now(UTC)
    if values.get("start"):
        start = booking.parse_start(str(values["start"]), calendar)
        if start is None:
            return False, {}, f"'{values['start']}' is not a date and time like 2026-03-02 10:30"
        free = await booking.free_slots(
            session, action, now, start.astimezone(calendar.zone).date()
        )
        return True, {"available": start in free, "starts_at": calendar.local(start)}, None
    offered = await booking.offer(session, action, now, None)
    return offered.ok, offered.result, offered.error


async def run(
    session: AsyncSession,
    scope: WorkspaceScope,
    action_id: uuid.UUID,
    data: schemas.RunRequest,
    http: httpx.AsyncClient,
) -> schemas.RunResult:
    """Run an action once, outside a conversation: an HTTP call is made; a transfer, a text or
    a booking is a dry run (what would happen)."""
    action = await get(session, scope, action_id)
    values = {v.key: v.value for v in data.variables}
    started = time.perf_counter()
    error: str | None
    if action.type == "custom_http":
        ok, result, error = await run_custom_http(http, action.config, values)
    elif action.type == "end_call":
        ok, result, error = True, {"end": True, "message": action.config.get("message")}, None
    elif action.type == "extract_info":
        identifier = action.config["identifier"]
        if identifier in values:
            ok, result, error = True, {identifier: values[identifier]}, None
        else:
            ok, result, error = False, {}, f"give a value for {identifier}"
    else:
        ok, result, error = await _dry_run(session, action, values)
    return schemas.RunResult(
        action_id=action.id,
        name=action.name,
        type=action.type,
        ok=ok,
        result=result,
        error=error,
        duration_ms=round((time.perf_counter() - started) * 1000, 1),
    )
