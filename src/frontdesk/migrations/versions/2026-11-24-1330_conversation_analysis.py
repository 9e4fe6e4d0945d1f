"""conversation_analysis

Revision ID: 994526937389
Revises: c4aba7fa0a4d
Create Date: 2026-11-24 13:30:33.720435
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "994526937389"
down_revision: str | None = "c4aba7fa0a4d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sentiment", sa.String(length=10), nullable=True))
        batch_op.add_column(
            sa.Column(
                "key_phrases",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default=sa.text("'[]'"),  # existing conversations: no phrases yet
            )
        )
        batch_op.add_column(
            sa.Column(
                "analysis",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("analysis")
        batch_op.drop_column("key_phrases")
        batch_op.drop_column("sentiment")
