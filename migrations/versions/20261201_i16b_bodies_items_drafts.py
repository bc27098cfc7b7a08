"""bodies with short names, meetings without a time, agenda items with PDF bilag

Revision ID: 20261201_i16b
Revises: 20261201_i13
Create Date: 2026-12-01 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "20261201_i16b"
down_revision: str | None = "20261201_i13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("body", schema=None) as batch_op:
        batch_op.add_column(sa.Column("short_name", sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=True))
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("has_time", sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
    with op.batch_alter_table("agenda_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachment_files", sa.JSON(), server_default="[]",
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("agenda_item", schema=None) as batch_op:
        batch_op.drop_column("attachment_files")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_column("has_time")
    with op.batch_alter_table("body", schema=None) as batch_op:
        batch_op.drop_column("short_name")
