"""approval noted index (issue 25): the status matrix finds the approvals with a meeting, a
decision or a note through a partial index instead of scanning every approval

Revision ID: 20261206_i25
Revises: 20261206_i23
Create Date: 2026-12-06 14:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261206_i25"
down_revision: str | None = "20261206_i23"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# as domain.model.noted_condition("") on 6 December 2026: a migration keeps its own copy
NOTED = ("COALESCE(meeting_date, decided_on) IS NOT NULL OR COALESCE(protocol_ref, comment, "
         "certainty, certainty_source) IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.create_index("ix_approval_noted", ["id"], unique=False,
                              sqlite_where=sa.text(NOTED), postgresql_where=sa.text(NOTED))


def downgrade() -> None:
    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.drop_index("ix_approval_noted")
