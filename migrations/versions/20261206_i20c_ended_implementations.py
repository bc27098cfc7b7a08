"""ended implementations and their successors; origins as dated master data

Carry-over never deletes an implementation: when its cluster ceases, the row ends (ended_on)
and implementation_succession links it to the row that continues it in each successor area.
origin_rule holds where an agreement may come from on a day (loaded from approval_rules.yaml).

Revision ID: 20261206_i20c
Revises: 20261206_i22
Create Date: 2026-12-06 04:52:19.561673
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "20261206_i20c"
down_revision: str | None = "20261206_i22"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "implementation_succession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("predecessor_id", sa.Integer(), nullable=False),
        sa.Column("successor_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["predecessor_id"],
            ["implementation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["successor_id"],
            ["implementation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("predecessor_id", "successor_id"),
    )
    with op.batch_alter_table("implementation_succession", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_implementation_succession_predecessor_id"),
            ["predecessor_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_implementation_succession_successor_id"), ["successor_id"], unique=False
        )

    with op.batch_alter_table("implementation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_on", sa.Date(), nullable=True))

    op.create_table(
        "origin_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("first_state", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", "valid_from"),
    )
    with op.batch_alter_table("origin_rule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_origin_rule_key"), ["key"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("origin_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_origin_rule_key"))
    op.drop_table("origin_rule")

    with op.batch_alter_table("implementation", schema=None) as batch_op:
        batch_op.drop_column("ended_on")

    with op.batch_alter_table("implementation_succession", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_implementation_succession_successor_id"))
        batch_op.drop_index(batch_op.f("ix_implementation_succession_predecessor_id"))

    op.drop_table("implementation_succession")
