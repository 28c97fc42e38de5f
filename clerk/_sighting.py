"""What a run's survey of the application saw of one item, before any item was entered.

A bot with a ``survey`` looks up a whole batch in one go (one search instead of one per
item). The verdict stands in for the item's own lookup only while nothing can have
changed it since: the ledger has never seen the item claimed, and this claim has not
written anything yet. Every other item is looked up on its own (clerk._engine).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clerk._bot import Found


@dataclass(frozen=True, slots=True)
class Sighting:
    """The survey's verdict on one item: found in the application (as ``found``), or absent."""

    found: Found | None

    def as_message(self) -> dict[str, Any]:
        found = self.found
        return {"found": found is not None, "app_ref": found.app_ref if found else "",
                "detail": found.detail if found else ""}

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> Sighting:
        if not message.get("found"):
            return cls(None)
        return cls(Found(app_ref=str(message["app_ref"]), detail=str(message.get("detail", ""))))
