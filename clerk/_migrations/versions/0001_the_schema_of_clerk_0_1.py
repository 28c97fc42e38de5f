"""The ledger as clerk 0.1 made it, before migrations: created only where it is missing.

A ledger made by clerk 0.1 has these tables and no ``alembic_version``; this revision
leaves it as it is, and the revisions after it upgrade it in place.

Revision ID: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TABLES = (
    """CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, bot TEXT NOT NULL, input_path TEXT NOT NULL, input_sha256 TEXT NOT NULL,
    status TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, recording_dir TEXT NOT NULL,
    pid INTEGER NOT NULL, host TEXT NOT NULL, counts TEXT NOT NULL DEFAULT '{}',
    dry_run INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX IF NOT EXISTS runs_by_input ON runs (bot, input_sha256, status)",
    """CREATE TABLE IF NOT EXISTS items (
    bot TEXT NOT NULL, reference TEXT NOT NULL, state TEXT NOT NULL, run_id TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, app_ref TEXT, message TEXT NOT NULL DEFAULT '',
    last_error TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (bot, reference))""",
    """CREATE TABLE IF NOT EXISTS item_history (
    bot TEXT NOT NULL, reference TEXT NOT NULL, run_id TEXT NOT NULL, at TEXT NOT NULL,
    from_state TEXT, to_state TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '')""",
    """CREATE TABLE IF NOT EXISTS run_items (
    run_id TEXT NOT NULL, row INTEGER NOT NULL, reference TEXT, status TEXT NOT NULL,
    app_ref TEXT, message TEXT NOT NULL DEFAULT '', shots TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, row))""",
)


def upgrade() -> None:
    for statement in _TABLES:
        op.execute(statement)
