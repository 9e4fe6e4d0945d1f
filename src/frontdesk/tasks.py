"""Imports every module that registers job handlers, schedules or event subscribers."""

from frontdesk.analysis import tasks as analysis_tasks
from frontdesk.analytics import rollups as analytics_rollups
from frontdesk.calls import dialer as call_dialer
from frontdesk.calls import tasks as call_tasks
from frontdesk.campaigns import dialing as campaign_dialing
from frontdesk.channels import sms as sms_channel
from frontdesk.conversations import tasks as conversation_tasks
from frontdesk.crm import gdpr as gdpr_tasks
from frontdesk.crm import imports as import_tasks
from frontdesk.events import tasks as event_tasks
from frontdesk.jobs import tasks as job_tasks
from frontdesk.knowledge import retriever as knowledge_retriever
from frontdesk.knowledge import tasks as knowledge_tasks
from frontdesk.notifications import service as notification_subscriber
from frontdesk.storage import tasks as storage_tasks
from frontdesk.telephony import sms as sms_delivery
from frontdesk.webhooks import tasks as webhook_tasks
from frontdesk.workflows import runner as workflow_runner
from frontdesk.workflows import triggers as workflow_triggers

__all__ = [
    "analysis_tasks",
    "analytics_rollups",
    "call_dialer",
    "call_tasks",
    "campaign_dialing",
    "conversation_tasks",
    "event_tasks",
    "gdpr_tasks",
    "import_tasks",
    "job_tasks",
    "knowledge_retriever",
    "knowledge_tasks",
    "notification_subscriber",
    "sms_channel",
    "sms_delivery",
    "storage_tasks",
    "webhook_tasks",
    "workflow_runner",
    "workflow_triggers",
]
