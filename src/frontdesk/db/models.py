"""Every model module, imported so the metadata is complete (Alembic, schema checks)."""

from frontdesk.actions import models as action_models
from frontdesk.agents import models as agent_models
from frontdesk.analytics import rollups as analytics_models
from frontdesk.audit import models as audit_models
from frontdesk.auth import models as auth_models
from frontdesk.calls import models as call_models
from frontdesk.campaigns import models as campaign_models
from frontdesk.channels import models as channel_models
from frontdesk.conversations import models as conversation_models
from frontdesk.crm import models as crm_models
from frontdesk.db.base import Base
from frontdesk.events import models as event_models
from frontdesk.jobs import models as job_models
from frontdesk.jobs import scheduler as scheduler_models
from frontdesk.kit import idempotency
from frontdesk.knowledge import models as knowledge_models
from frontdesk.notifications import models as notification_models
from frontdesk.telephony import models as telephony_models
from frontdesk.tenancy import models as tenancy_models
from frontdesk.webhooks import models as webhook_models
from frontdesk.workflows import models as workflow_models

metadata = Base.metadata

__all__ = [
    "action_models",
    "agent_models",
    "analytics_models",
    "conversation_models",
    "audit_models",
    "auth_models",
    "call_models",
    "campaign_models",
    "channel_models",
    "crm_models",
    "event_models",
    "idempotency",
    "job_models",
    "knowledge_models",
    "metadata",
    "notification_models",
    "scheduler_models",
    "telephony_models",
    "tenancy_models",
    "webhook_models",
    "workflow_models",
]
