"""How long a worker of a run coordinated elsewhere may still be entering an item it claimed.

- ``items.held_until``: seconds since the epoch by the database's clock; NULL for claims
  of a run's own sessions. Until then no other run takes the item over, even once the
  claiming run has ended (its worker is stopped by the item time limit at the latest).
- ``items.held_by``: that worker as ``host:pid``, so a hold dies with a worker process
  known to be gone (on the machine that checks).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("held_until", sa.Float, nullable=True))
    op.add_column("items", sa.Column("held_by", sa.Text, nullable=True))
