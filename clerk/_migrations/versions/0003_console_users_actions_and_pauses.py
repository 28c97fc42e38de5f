"""The web console's tables: its users, the actions they took, and the jobs they paused.

- ``console_users``: a name, a role (operator or auditor) and an argon2id password hash.
- ``console_actions``: who did what to which job or run, and when (never deleted).
- ``job_pauses``: a job listed here does not fire on its schedule until it is resumed.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_users",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
    )
    op.create_table(
        "console_actions",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("user_name", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "job_pauses",
        sa.Column("job", sa.Text, primary_key=True),
        sa.Column("paused_by", sa.Text, nullable=False),
        sa.Column("paused_at", sa.Text, nullable=False),
    )
    op.create_index("run_items_by_reference", "run_items", ["reference"])
    op.create_index("items_by_app_ref", "items", ["app_ref"])
