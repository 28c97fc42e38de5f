"""Leases for runs on many machines; an explicit order for the item history.

- ``runs.heartbeat``: the database's clock (seconds since the epoch) when the run's
  process last said it was alive; another machine takes its items over once it is older
  than the lease.
- ``item_history.seq``: SQLite's hidden rowid ordered the history; PostgreSQL has none, so
  the table is rebuilt with an explicit key, old rows keeping their order.
- an index for "the items a run holds".

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_COLUMNS = "bot, reference, run_id, at, from_state, to_state, detail"


def upgrade() -> None:
    op.add_column("runs", sa.Column("heartbeat", sa.Float, nullable=True))
    op.create_table(
        "item_history_seq",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("bot", sa.Text, nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("run_id", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("from_state", sa.Text),
        sa.Column("to_state", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
    )
    order = "rowid" if op.get_bind().dialect.name == "sqlite" else "at"
    op.execute(f"INSERT INTO item_history_seq ({_COLUMNS}) SELECT {_COLUMNS} FROM item_history ORDER BY {order}")
    op.drop_table("item_history")
    op.rename_table("item_history_seq", "item_history")
    op.create_index("item_history_by_item", "item_history", ["bot", "reference"])
    op.create_index("items_by_run", "items", ["run_id", "state"])
