"""One thing verification found wrong, naming the exact file or event."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Problem(StrEnum):
    FILE_CHANGED = "file changed"
    FILE_DELETED = "file deleted"
    FILE_ADDED = "file added"
    FILE_SWAPPED = "file swapped"
    EVENT_EDITED = "event edited"
    EVENT_DELETED = "event deleted"
    EVENT_INSERTED = "event inserted"
    EVENT_REORDERED = "event reordered"
    MANIFEST_EDITED = "manifest edited"
    BAD_SIGNATURE = "signature does not match"
    NOT_SIGNED = "not signed"
    NOT_SEALED = "not sealed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """``where`` is a path inside the run folder, e.g. ``shots/row-00002/01-ledgersmb-posted.png``
    or ``events.jsonl:17`` (line 17)."""

    problem: Problem
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem.value}: {self.detail}"
