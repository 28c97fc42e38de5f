"""Alembic migrations of the ledger, for SQLite and PostgreSQL alike (see clerk._ledger_db)."""
