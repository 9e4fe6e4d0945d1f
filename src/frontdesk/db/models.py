"""Every model module, imported so the metadata is complete (Alembic, schema checks)."""

from frontdesk.audit import models as audit_models
from frontdesk.auth import models as auth_models
from frontdesk.db.base import Base
from frontdesk.kit import idempotency
from frontdesk.telephony import models as telephony_models
from frontdesk.tenancy import models as tenancy_models

metadata = Base.metadata

__all__ = [
    "audit_models",
    "auth_models",
    "idempotency",
    "metadata",
    "telephony_models",
    "tenancy_models",
]
