"""The shared ledger's tests use the ``pg_url`` fixture of tests/conftest.py: a schema of
their own in the sandbox's PostgreSQL database ``clerk_ledger``."""
