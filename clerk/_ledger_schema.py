"""The ledger's tables as the code reads and writes them (the newest migration's shape).

The migrations in ``clerk/_migrations`` create and change these tables; this module only
describes them, so one set of queries runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa

SCHEMA_REVISION = "0005"  # the head of clerk/_migrations; a unit test keeps the two equal

metadata = sa.MetaData()

runs = sa.Table(
    "runs", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("bot", sa.Text, nullable=False),
    sa.Column("input_path", sa.Text, nullable=False),
    sa.Column("input_sha256", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("started_at", sa.Text, nullable=False),
    sa.Column("ended_at", sa.Text),
    sa.Column("recording_dir", sa.Text, nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("host", sa.Text, nullable=False),
    sa.Column("counts", sa.Text, nullable=False, server_default="{}"),
    sa.Column("dry_run", sa.Integer, nullable=False, server_default="0"),
    sa.Column("heartbeat", sa.Float),  # seconds since the epoch, by the database's clock
)

items = sa.Table(
    "items", metadata,
    sa.Column("bot", sa.Text, primary_key=True),
    sa.Column("reference", sa.Text, primary_key=True),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("run_id", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("app_ref", sa.Text),
    sa.Column("message", sa.Text, nullable=False, server_default=""),
    sa.Column("last_error", sa.Text),
    sa.Column("updated_at", sa.Text, nullable=False),
    sa.Column("held_until", sa.Float),  # a worker elsewhere may still be entering it until then (database clock)
    sa.Column("held_by", sa.Text),  # that worker, as "host:pid"
)

item_history = sa.Table(
    "item_history", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("bot", sa.Text, nullable=False),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("run_id", sa.Text, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("from_state", sa.Text),
    sa.Column("to_state", sa.Text, nullable=False),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
)

run_items = sa.Table(
    "run_items", metadata,
    sa.Column("run_id", sa.Text, primary_key=True),
    sa.Column("row", sa.Integer, primary_key=True),
    sa.Column("reference", sa.Text),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("app_ref", sa.Text),
    sa.Column("message", sa.Text, nullable=False, server_default=""),
    sa.Column("shots", sa.Text, nullable=False, server_default=""),
)

console_users = sa.Table(
    "console_users", metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
)

console_actions = sa.Table(
    "console_actions", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("user_name", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
)

console_sign_in_failures = sa.Table(
    "console_sign_in_failures", metadata,
    sa.Column("key", sa.Text, primary_key=True),  # user:NAME or address:IP
    sa.Column("failures", sa.Integer, nullable=False),  # in a row
    sa.Column("last_at", sa.Float, nullable=False),  # seconds since the epoch
)

job_pauses = sa.Table(
    "job_pauses", metadata,
    sa.Column("job", sa.Text, primary_key=True),
    sa.Column("paused_by", sa.Text, nullable=False),
    sa.Column("paused_at", sa.Text, nullable=False),
)
