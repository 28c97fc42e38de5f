"""The web console's failed sign-ins, so the throttle outlives a restart and holds across
several console processes sharing the ledger.

- ``console_sign_in_failures``: per key (``user:NAME`` or ``address:IP``), how many
  sign-ins failed in a row and when the last one did (seconds since the epoch).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_sign_in_failures",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_at", sa.Float, nullable=False),
    )
