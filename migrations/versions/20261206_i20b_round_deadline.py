"""a fixed approval deadline belongs to the round it was given for

An agreement's fixed deadline names its round; a later round computes its deadlines from its
own start day (or gets a new fixed deadline when it starts). A deadline given before this
change was given when the agreement was created, for its first round.

Revision ID: 20261206_i20b
Revises: 20261202_g1
Create Date: 2026-12-06 05:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261206_i20b"
down_revision: str | None = "20261202_g1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agreement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approval_deadline_round", sa.Integer(), nullable=True))
    op.execute("UPDATE agreement SET approval_deadline_round = 1 "
               "WHERE approval_deadline IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("agreement", schema=None) as batch_op:
        batch_op.drop_column("approval_deadline_round")
