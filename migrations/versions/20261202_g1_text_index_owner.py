"""text index owner (search by parts); agenda items keep numbers the clerk set

Each text-index row names the body whose item or letter it is. An agenda item records whether
the clerk gave its number (kept when the agenda is reordered).

Revision ID: 20261202_g1
Revises: 20261201_i16a
Create Date: 2026-12-02 01:24:34.466611
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261202_g1"
down_revision: str | None = "20261201_i16a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ITEM_BODY = ("SELECT m.body_id FROM agenda_item AS a JOIN meeting AS m ON m.id = a.meeting_id "
              "WHERE a.id = {item}")


def upgrade() -> None:
    # add_column and create_index only: SQLite alters in place, so the full-text table's
    # triggers on text_index stay
    with op.batch_alter_table("text_index", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_body_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_text_index_owner_body_id"), ["owner_body_id"], unique=False
        )
    _backfill_owners()
    with op.batch_alter_table("agenda_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("custom_number", sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    _backfill_custom_numbers()


def _backfill_owners() -> None:
    """Rows indexed before: an item belongs to its meeting's body, a document to its
    addressee or to the body of its meeting or item."""
    op.execute("UPDATE text_index SET owner_body_id = ("
               + _ITEM_BODY.format(item="text_index.ref_id")
               + ") WHERE kind = 'agenda_item'")
    op.execute(
        "UPDATE text_index SET owner_body_id = (SELECT COALESCE(d.recipient_body_id, "
        "(SELECT m.body_id FROM meeting AS m WHERE m.id = d.meeting_id), ("
        + _ITEM_BODY.format(item="d.agenda_item_id")
        + ")) FROM stored_document AS d WHERE d.id = text_index.ref_id) "
        "WHERE kind = 'document'")


def _backfill_custom_numbers() -> None:
    """Items made before: a number off its place in the order (seed 004's lone item 18) was
    the clerk's; items numbered 1..N in order were numbered by the system."""
    op.execute(
        "UPDATE agenda_item SET custom_number = (number <> (SELECT COUNT(*) FROM agenda_item "
        "AS b WHERE b.meeting_id = agenda_item.meeting_id AND b.number <= agenda_item.number))")


def downgrade() -> None:
    with op.batch_alter_table("agenda_item", schema=None) as batch_op:
        batch_op.drop_column("custom_number")
    op.drop_index(op.f("ix_text_index_owner_body_id"), table_name="text_index")
    # a plain DROP COLUMN (SQLite >= 3.35): a batch copy would drop the full-text triggers
    op.execute("ALTER TABLE text_index DROP COLUMN owner_body_id")
