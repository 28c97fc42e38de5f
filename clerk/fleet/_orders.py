"""What goes over the queue: an item's order to a worker, and its outcome back.

An order carries the row's raw values, not the parsed item, so any bot's items travel as
plain JSON (kombu's JSON keeps dates, datetimes and decimals); the worker parses the row
with the bot's own schema and checks it comes to the same reference. The run's survey
verdict on the item travels with it, so no worker searches the application again for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from clerk._bot import Bot
from clerk._errors import ConfigError
from clerk._items import WorkItem, parse_items
from clerk._outcome import ItemResult, ItemStatus
from clerk._sighting import Sighting
from clerk.inputs import SourceRow, Table


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemOrder:
    run_id: str
    bot: str
    target: str  # the bot's main application, which picks the bot's target on the worker
    recording_dir: str  # the run's folder in the shared recordings folder
    params: Mapping[str, Any]
    row: int
    values: Mapping[str, Any]
    file: str
    headers: Mapping[str, str]
    reference: str
    sighting: Mapping[str, Any] | None = None  # the run's survey verdict (Sighting.as_message), if any

    @classmethod
    def of(cls, bot: Bot[Any], run_id: str, recording_dir: Path, params: Mapping[str, Any],
           item: WorkItem[Any], sighting: Sighting | None = None) -> ItemOrder:
        return cls(run_id=run_id, bot=bot.name, target=bot.main_app, recording_dir=str(recording_dir),
                   params=dict(params), row=item.row.number, values=dict(item.row.values), file=item.file,
                   headers=dict(item.headers), reference=item.reference or "",
                   sighting=sighting.as_message() if sighting is not None else None)

    def survey_verdict(self) -> Sighting | None:
        return Sighting.from_message(self.sighting) if self.sighting is not None else None

    def as_message(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> ItemOrder:
        return cls(**message)

    def work_item(self, bot: Bot[Any]) -> WorkItem[Any]:
        """The item as the run parsed it.

        Raises:
            ConfigError: the row parses differently here (the worker runs other code).
        """
        row = SourceRow.of_values(self.row, self.values)
        table = Table(path=Path(self.file), headers=(), columns=dict(self.headers), rows=[row])
        [item] = parse_items(table, bot.schema, bot.reference)
        if not item.valid or item.reference != self.reference:
            raise ConfigError(f"row {self.row} of {self.file} reads as {item.reference!r} on this worker, "
                              f"not {self.reference!r}: the worker runs a different version of bot {self.bot}")
        return item


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemOutcome:
    result: ItemResult
    stop_reason: str = ""  # the item's error stops the run
    events: list[dict[str, Any]] = field(default_factory=list)

    def as_message(self) -> dict[str, Any]:
        result = asdict(self.result)
        result["status"] = self.result.status.value
        return {"result": result, "stop_reason": self.stop_reason, "events": self.events}

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> ItemOutcome:
        result = dict(message["result"])
        result["status"] = ItemStatus(result["status"])
        return cls(result=ItemResult(**result), stop_reason=str(message.get("stop_reason", "")),
                   events=list(message.get("events", [])))
