"""What each kind of node does. A handler gets the run's data and the node's checked
configuration and returns its output and, for a node with several, the output to follow. In a
test run (`dry_run`) nothing outside the run changes: a node that would change something says
what it would do instead."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.actions import schemas as action_schemas
from frontdesk.actions import service as action_service
from frontdesk.conversations import service as conversation_service
from frontdesk.conversations.models import Conversation
from frontdesk.crm import contacts as contact_service
from frontdesk.crm import schemas as crm_schemas
from frontdesk.crm.models import Contact
from frontdesk.errors import AppError
from frontdesk.kit import ssrf, templates
from frontdesk.notifications.models import Notification
from frontdesk.settings import Settings
from frontdesk.telephony import sms as texts
from frontdesk.tenancy.models import Membership, Workspace
from frontdesk.tenancy.scope import WorkspaceScope, system_scope
from frontdesk.workflows import conditions
from frontdesk.workflows.models import Workflow, WorkflowExecution


class NodeFailed(Exception):
    """A node could not do its work: the execution fails with this message."""


@dataclass
class RunContext:
    session: AsyncSession
    http: httpx.AsyncClient
    settings: Settings
    workflow: Workflow
    execution: WorkflowExecution
    data: dict[str, Any]
    dry_run: bool = False
    live: list[dict[str, Any]] = field(default_factory=list)  # published after the commit

    @property
    def scope(self) -> WorkspaceScope:
        return system_scope(self.workflow.workspace_id)

    def render(self, template: str) -> str:
        """`{{contact.name}}`, `{{message.content}}`, `{{nodes.n1.status_code}}`: values from
        the run's data; unknown ones stay as written."""
        names = templates.names(template)
        values = {name: _text(conditions.resolve(self.data, name)) for name in names}
        return templates.render(template, {k: v for k, v in values.items() if v is not None})[0]

    async def conversation(self) -> Conversation:
        found = conditions.resolve(self.data, "conversation.id") or conditions.resolve(
            self.data, "call.conversation_id"
        )
        conversation = None
        if found:
            conversation = await self.session.scalar(
                self.scope.apply(select(Conversation), Conversation).where(
                    Conversation.id == _uuid(found)
                )
            )
        if conversation is None:
            raise NodeFailed("this workflow's data has no conversation (conversation.id)")
        return conversation

    async def contact(self) -> Contact:
        found = (
            conditions.resolve(self.data, "contact.id")
            or conditions.resolve(self.data, "conversation.contact_id")
            or conditions.resolve(self.data, "call.contact_id")
            or conditions.resolve(self.data, "deal.contact_id")
        )
        contact = None
        if found:
            contact = await self.session.scalar(
                self.scope.apply(select(Contact), Contact).where(Contact.id == _uuid(found))
            )
        if contact is None:
            raise NodeFailed("this workflow's data has no contact (contact.id)")
        return contact


Outcome = tuple[dict[str, Any], str | None]
Handler = Callable[[RunContext, dict[str, Any]], Awaitable[Outcome]]


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return str(value)


async def condition(ctx: RunContext, config: dict[str, Any]) -> Outcome:
    result = conditions.evaluate(config["tree"], ctx.data)
    return {"result": result}, "true" if result else "false"


async def send_webhook(ctx: RunContext, config: dict[str, Any]) -> Outcome:
    url, method = config["url"], config.get("method", "POST")
    if config.get("body") is not None:
        body = ctx.render(config["body"])
    else:
        payload = {k: v for k, v in ctx.data.items() if k != "nodes"}
        body = json.dumps(
            {
                "workflow": {"id": str(ctx.workflow.id), "name": ctx.workflow.name},
                "execution_id": str(ctx.execution.id),
                "trigger": ctx.workflow.trigger_type,
                "data": payload,
            },
            default=str,
        )
    headers = {k: ctx.render(v) for k, v in (config.get("headers") or {}).items()}
    if not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = "application/json"
    headers["User-Agent"] = "Frontdesk-Workflows"
    if ctx.dry_run:
        return {"would": f"{method} {url}", "body": body[:2000]}, None
    timeout = float(config.get("timeout_seconds", 10))
    try:
        await ssrf.check_url(url, ctx.settings.allow_private_urls)
        response = await ctx.http.request(
            method,
            url,
            content=body.encode(),
            headers=headers,
            timeout=timeout,
            follow_redirects=False,
        )
    except ssrf.UnsafeURL as exc:
        raise NodeFailed(f"will not call {url}: {exc}") from None
    except httpx.TimeoutException:
        raise NodeFailed(f"{url} did not answer within {timeout:g} seconds") from None
    except httpx.HTTPError as exc:
        raise NodeFailed(f"could not reach {url}: {type(exc).__name__}") from None
    if response.status_code >= 400:
        raise NodeFailed(f"{url} answered HTTP {response.status_code}")
    return {"status_code": response.status_code, "body": response.text[:2000]}, None


async def add_tag(ctx: RunContext, config: dict[str, Any]) -> Outcome:
    tag = ctx.render(config["tag"])[:50]
    if config.get("target") == "contact":
        contact = await ctx.contact()
        if ctx.dry_run:
            return {"would": f"tag contact {contact.id} '{tag}'"}, None
        if tag not in (contact.tags or []):
            await contact_service.update_system(
                ctx.session, contact, crm_schemas.ContactUpdate(tags=[*(contact.tags or []), tag])
            )
        return {"contact_id": str(contact.id), "tag": tag}, None
    conversation = await ctx.conversation()
    if ctx.dry_run:
        return {"would": f"tag conversation {conversation.id} '{tag}'"}, None
    try:
        await conversation_service.add_tag(ctx.session, None, ctx.scope, conversation.id, tag)
    except AppError as exc:
        raise NodeFailed(exc.message) from None
    return {"conversation_id": str(conversation.id), "tag": tag}, None


async def assign(ctx: RunContext, config: dict[str, Any]) -> Outcome:
    conversation = await ctx.conversation()
    member = _uuid(config.get("member_id")) if config.get("member_id") else None
    if ctx.dry_run:
        who = f"member {member}" if member else "the AI"
        return {"would": f"give conversation {conversation.id} to {who}"}, None
    try:
        await conversation_service.assign(ctx.session, None, ctx.scope, conversation.id, member)
    except AppError as exc:
        raise NodeFailed(exc.message) from None
    return {"conversation_id": str(conversation.id), "member_id": config.get("member_id")}, None


async def set_lead_status(ctx: RunContext, config: dict[str, Any]) -> Outcome:
    contact = await ctx.contact()
    status = config["status"]
    if ctx.dry_run:
        return {"would": f"set contact {contact.id}'s lead status to {status}"}, None
    previous = contact.lead_status
    await contact_service.update_system(
        ctx.session, contact, crm_schemas.ContactUpdate(lead_status=status)
    )
    return {"contact_id": str(contact.id), "from": previous, "to": status}, None


async def send_message(ctx: RunContext, config: dict[str, Any]) -> Outcome:
    conversation = await ctx.conversation()
    content = ctx.render(config["content"])
    if ctx.dry_run:
        return {"would": f"send in conversation {conversation.id}", "content": content}, None
    try:
        message = await conversation_service.add_agent_line(
            ctx.session, conversation, content, "workflow"
        )
    except AppError as exc:  # a text to a number that opted out
        raise NodeFailed(exc.message) from None
    return {"message_id": str(message.id), "content": content}, None


async def notify(ctx: RunContext, config: dict[str, Any]) -> Outcome:
    title, body = ctx.render(config["title"]), ctx.render(config.get("body") or "") or None
    stmt = select(Membership).where(
        Membership.workspace_id == ctx.workflow.workspace_id,
        Membership.status == "active",
        Membership.user_id.is_not(None),
    )
    if config.get("members"):
        stmt = stmt.where(Membership.id.in_([_uuid(m) for m in config["members"]]))
    members = list((await ctx.session.scalars(stmt)).all())
    if ctx.dry_run:
        return {"would": f"notify {len(members)} member(s)", "title": title, "body": body}, None
    for member in members:
        assert member.user_id is not None
        ctx.session.add(
            Notification(
                workspace_id=ctx.workflow.workspace_id,
                user_id=member.user_id,
                type="workflow.notify",
                title=title[:300],
                body=body,
                resource_type="workflow",
                resource_id=str(ctx.workflow.id),
                data={"execution_id": str(ctx.execution.id)},
            )
        )
    await ctx.session.flush()
    ctx.live.append(
        {
            "event": "notification.created",
            "data": {"type": "workflow.notify", "title": title, "body": body},
        }
    )
    return {"notified": len(members), "title": title}, None


async def run_action(ctx: RunContext, config: dict[str, Any]) -> Outcome:
    try:
        action = await action_service.get(ctx.session, ctx.scope, uuid.UUID(config["action_id"]))
    except AppError:
        raise NodeFailed(f"action {config['action_id']} no longer exists") from None
    values = {k: ctx.render(v) for k, v in (config.get("variables") or {}).items()}
    if action.type == "send_sms":
        return await _text_contact(ctx, action.config, values, config.get("phone_number"))
    if ctx.dry_run:
        return {"would": f"run action {action.name} ({action.type})", "variables": values}, None
    result = await action_service.run(
        ctx.session,
        ctx.scope,
        action.id,
        action_schemas.RunRequest(
            variables=[action_schemas.RunVariable(key=k, value=v) for k, v in values.items()]
        ),
        ctx.http,
    )
    if not result.ok:
        raise NodeFailed(f"action {action.name}: {result.error}")
    return {"action": action.name, "result": result.result}, None


async def _text_contact(
    ctx: RunContext, config: dict[str, Any], values: dict[str, str], to: str | None
) -> Outcome:
    contact = None if to else await ctx.contact()
    number = to or (contact.phone_number if contact else None)
    if not number:
        raise NodeFailed("the contact has no phone number to text")
    merged = {**values, **({"contact_name": contact.name} if contact and contact.name else {})}
    body, missing = templates.render(str(config.get("message", "")), merged)
    if missing:
        raise NodeFailed(f"the text needs values for {', '.join(missing)}")
    if ctx.dry_run:
        return {"would": f"text {number}", "body": body}, None
    workspace = await ctx.session.get_one(Workspace, ctx.workflow.workspace_id)
    try:
        sms = await texts.queue(ctx.session, workspace, number, body, contact=contact)
    except AppError as exc:
        raise NodeFailed(exc.message) from None
    return {"sms_id": str(sms.id), "to": number, "body": sms.body}, None


async def end(ctx: RunContext, config: dict[str, Any]) -> Outcome:
    return {}, None


HANDLERS: dict[str, Handler] = {
    "condition": condition,
    "send_webhook": send_webhook,
    "add_tag": add_tag,
    "assign": assign,
    "set_lead_status": set_lead_status,
    "send_message": send_message,
    "notify": notify,
    "run_action": run_action,
    "end": end,
}
# Nodes that change something outside the run: reported as "would do" in a test run.
SIDE_EFFECTS = frozenset(HANDLERS) - {"condition", "end"}
