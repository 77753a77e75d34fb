"""the newest trigger time a capped catch-up skipped

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import waterwheel.db.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("trigger") as batch_op:
        batch_op.add_column(
            sa.Column(
                "catchup_skipped_through",
                waterwheel.db.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("trigger") as batch_op:
        batch_op.drop_column("catchup_skipped_through")
