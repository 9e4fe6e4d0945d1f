"""workspace_idle_minutes

Revision ID: 0ff19fc82855
Revises: 994526937389
Create Date: 2026-11-24 13:31:36.736720
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0ff19fc82855"
down_revision: str | None = "994526937389"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "conversation_idle_minutes", sa.Integer(), server_default="30", nullable=False
            )
        )


def downgrade() -> None:

    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("conversation_idle_minutes")
