"""Fixtures shared by every test tier. Markers are declared in pyproject.toml."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from clerk._ledger_db import create_ledger_engine, parse_url

CHECKOUT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def checkout() -> Path:
    """The project folder: config/, selectors/ and bots/ of this checkout."""
    return CHECKOUT


@pytest.fixture(scope="session")
def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# ---------------------------------------------------------------------------- the shared ledger
SANDBOX_URL = "postgresql://clerk_ledger@127.0.0.1:5432/clerk_ledger"


def admin_engine() -> sa.Engine:
    url = os.environ.get("CLERK_TEST_LEDGER_URL", SANDBOX_URL)
    return create_ledger_engine(parse_url(url))


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A ledger URL on the sandbox's PostgreSQL (sandbox/ledger-db-up.sh), in a fresh schema
    dropped afterwards. An unreachable database fails the test: it is never skipped."""
    base = os.environ.get("CLERK_TEST_LEDGER_URL", SANDBOX_URL)
    schema = f"test_{uuid.uuid4().hex[:12]}"
    engine = admin_engine()
    try:
        with engine.begin() as db:
            db.execute(sa.text(f"CREATE SCHEMA {schema}"))
    except sa.exc.OperationalError as err:
        pytest.fail(f"no PostgreSQL ledger database at {base}: run sandbox/ledger-db-up.sh and "
                    f". sandbox/credentials.sh (CLERK_LEDGER_PASSWORD) first ({err.orig})")
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as db:
            db.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()
