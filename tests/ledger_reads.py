"""Reading a work-item ledger from a test while a run may still be creating it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


def query_ledger(path: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` on the ledger at ``path``, read-only; none while the run has not
    yet created the file or its tables."""
    if not path.exists():
        return []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
        try:
            return list(db.execute(sql, args).fetchall())
        except sqlite3.OperationalError as err:
            if "no such table" in str(err):
                return []
            raise
