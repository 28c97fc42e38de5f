"""Alembic's entry point: migrates the connection that clerk._ledger_db.upgrade hands over."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("the ledger is migrated by clerk itself (clerk._ledger_db.upgrade), not by the alembic CLI")
context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
