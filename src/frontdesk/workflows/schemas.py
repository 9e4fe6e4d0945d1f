from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from croniter import croniter
from pydantic import AfterValidator, Field, StringConstraints, model_validator

from frontdesk.crm.schemas import LeadStatus
from frontdesk.kit.phone import PhoneNumber as E164
from frontdesk.kit.schemas import Input, Schema
from frontdesk.tenancy.schemas import TimeZone

TriggerType = Literal[
    "conversation_started",
    "message_received",
    "conversation_ended",
    "call_ended",
    "lead_status_changed",
    "contact_created",
    "deal_stage_changed",
    "schedule",
]
NodeType = Literal[
    "condition",
    "send_webhook",
    "add_tag",
    "assign",
    "set_lead_status",
    "send_message",
    "notify",
    "run_action",
    "delay",
    "end",
]
NODE_TYPES: tuple[str, ...] = NodeType.__args__  # type: ignore[attr-defined]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Channel = Literal["web_chat", "voice", "sms", "api"]


def _cron(value: str) -> str:
    if not croniter.is_valid(value):
        raise ValueError(f"'{value}' is not a cron expression such as '0 9 * * 1-5'")
    return value


# -- triggers -----------------------------------------------------------------------------------


class ConversationTrigger(Input):
    agent_id: uuid.UUID | None = None
    channel: Channel | None = None


class MessageTrigger(ConversationTrigger):
    # Any of these, as whole words in any case; none: every customer message.
    keywords: Annotated[list[Short], Field(max_length=50)] = Field(default_factory=list)


class CallTrigger(Input):
    agent_id: uuid.UUID | None = None
    direction: Literal["inbound", "outbound", "web"] | None = None
    status: Annotated[list[Short], Field(max_length=20)] | None = None


class LeadTrigger(Input):
    from_: LeadStatus | None = Field(default=None, alias="from")
    to: LeadStatus | None = None


class ContactTrigger(Input):
    pass


class DealTrigger(Input):
    stage: Short | None = None


class ScheduleTrigger(Input):
    cron: Annotated[str, StringConstraints(max_length=100), AfterValidator(_cron)]
    timezone: TimeZone | None = None  # the workspace's, else UTC


TRIGGERS: dict[str, type[Input]] = {
    "conversation_started": ConversationTrigger,
    "message_received": MessageTrigger,
    "conversation_ended": ConversationTrigger,
    "call_ended": CallTrigger,
    "lead_status_changed": LeadTrigger,
    "contact_created": ContactTrigger,
    "deal_stage_changed": DealTrigger,
    "schedule": ScheduleTrigger,
}

# -- nodes --------------------------------------------------------------------------------------


class ConditionNode(Input):
    """`if`: the expression as text; or the same as JSON in `condition`."""

    if_: Annotated[str, StringConstraints(max_length=2000)] | None = Field(default=None, alias="if")
    condition: dict[str, Any] | None = None
    # Shown in responses; a workflow sent back as it was read carries it, and it is recomputed.
    tree: dict[str, Any] | None = Field(default=None, description="Read only: the parsed condition")

    @model_validator(mode="after")
    def one_form(self) -> ConditionNode:
        if (self.if_ is None) == (self.condition is None):
            raise ValueError("give the condition as text in 'if' or as JSON in 'condition'")
        return self


class WebhookNode(Input):
    url: Annotated[str, StringConstraints(max_length=2048)]
    method: Literal["POST", "PUT", "PATCH"] = "POST"
    headers: Annotated[
        dict[Short, Annotated[str, StringConstraints(max_length=2000)]], Field(max_length=20)
    ] = Field(default_factory=dict)
    # A template; without one the body is the workflow's data as JSON.
    body: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    timeout_seconds: Annotated[float, Field(gt=0, le=30)] = 10


class TagNode(Input):
    tag: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    target: Literal["conversation", "contact"] = "conversation"


class AssignNode(Input):
    member_id: uuid.UUID | None  # null hands the conversation back to the AI


class LeadStatusNode(Input):
    status: LeadStatus


class MessageNode(Input):
    content: Text  # a template: {{contact.name}}, {{message.content}}, ...


class NotifyNode(Input):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    body: Annotated[str, StringConstraints(max_length=5000)] | None = None
    # Members to notify (membership ids); none: every active member.
    members: Annotated[list[uuid.UUID], Field(max_length=100)] | None = None


class ActionNode(Input):
    action_id: uuid.UUID
    variables: Annotated[
        dict[Short, Annotated[str, StringConstraints(max_length=5000)]], Field(max_length=50)
    ] = Field(default_factory=dict)
    phone_number: E164 | None = None  # a send_sms action: whom to text (default the contact)


class DelayNode(Input):
    seconds: Annotated[int, Field(ge=0, le=30 * 86400)] = 0
    minutes: Annotated[int, Field(ge=0, le=30 * 1440)] = 0
    hours: Annotated[int, Field(ge=0, le=30 * 24)] = 0
    days: Annotated[int, Field(ge=0, le=30)] = 0

    @property
    def total_seconds(self) -> int:
        return self.seconds + 60 * self.minutes + 3600 * self.hours + 86400 * self.days

    @model_validator(mode="after")
    def bounded(self) -> DelayNode:
        if not 0 < self.total_seconds <= 30 * 86400:
            raise ValueError("a delay waits between 1 second and 30 days")
        return self


class EndNode(Input):
    pass


NODES: dict[str, type[Input]] = {
    "condition": ConditionNode,
    "send_webhook": WebhookNode,
    "add_tag": TagNode,
    "assign": AssignNode,
    "set_lead_status": LeadStatusNode,
    "send_message": MessageNode,
    "notify": NotifyNode,
    "run_action": ActionNode,
    "delay": DelayNode,
    "end": EndNode,
}
# The named outputs of nodes with several; the others have one, unnamed.
OUTPUTS: dict[str, tuple[str, ...]] = {"condition": ("true", "false")}


class Node(Input):
    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
    type: str
    config: dict[str, Any] = Field(default_factory=dict)
    name: Annotated[str, StringConstraints(max_length=200)] | None = None


class Edge(Input):
    source: str
    target: str
    output: str | None = None


class WorkflowCreate(Input):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    enabled: bool = True
    trigger_type: TriggerType
    trigger_config: dict[str, Any] = Field(default_factory=dict)
    nodes: Annotated[list[Node], Field(min_length=1, max_length=100)]
    edges: Annotated[list[Edge], Field(max_length=300)] = Field(default_factory=list)


class WorkflowUpdate(Input):
    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    enabled: bool | None = None
    trigger_type: TriggerType | None = None
    trigger_config: dict[str, Any] | None = None
    nodes: Annotated[list[Node], Field(min_length=1, max_length=100)] | None = None
    edges: Annotated[list[Edge], Field(max_length=300)] | None = None


class Workflow(Schema):
    id: uuid.UUID
    name: str
    description: str | None
    enabled: bool
    trigger_type: TriggerType
    trigger_config: dict[str, Any]
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


class TestRun(Input):
    test_data: dict[str, Any] = Field(default_factory=dict, alias="testData")


class Execution(Schema):
    id: uuid.UUID
    workflow_id: uuid.UUID
    status: Literal["queued", "running", "waiting", "success", "failed", "stopped"]
    triggered_by: str
    test: bool
    depth: int
    error: str | None
    execution_time_ms: float | None
    executed_at: datetime | None
    finished_at: datetime | None
    created_at: datetime


class ExecutionDetail(Execution):
    trigger_data: dict[str, Any]
    log: list[dict[str, Any]]
