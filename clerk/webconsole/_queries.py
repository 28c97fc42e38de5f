"""The console's reads from the ledger: pages of runs, of a run's items, of items across runs.

Every list is read one page at a time (LIMIT/OFFSET in the database), so a run of
thousands of items opens as fast as one of ten.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from clerk._ledger import RunRecord, RunStatus
from clerk._ledger_schema import item_history, items, run_items, runs
from clerk.scheduler._status import outcome_of

PAGE = 50
_SCANNED_FOR_OUTCOME = 5000  # runs looked at when filtering by outcome (computed, not stored)


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Any]
    number: int  # from 1
    more: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class RunFilter:
    bot: str = ""
    outcome: str = ""
    day: dt.date | None = None  # the run started that day (UTC)


def _run(row: Mapping[Any, Any]) -> RunRecord:
    return RunRecord(
        id=row["id"], bot=row["bot"], input_path=row["input_path"], input_sha256=row["input_sha256"],
        status=RunStatus(row["status"]), started_at=row["started_at"], ended_at=row["ended_at"],
        recording_dir=row["recording_dir"], pid=row["pid"], host=row["host"], counts=json.loads(row["counts"]),
        heartbeat=row["heartbeat"])


class Reads:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def _rows(self, query: sa.Executable) -> list[sa.RowMapping]:
        with self._engine.connect() as db:
            return list(db.execute(query).mappings())

    def runs(self, where: RunFilter, page: int) -> Page:
        query = sa.select(runs).order_by(runs.c.started_at.desc())
        if where.bot:
            query = query.where(runs.c.bot == where.bot)
        if where.day:
            query = query.where(runs.c.started_at.startswith(where.day.isoformat(), autoescape=True))
        if where.outcome:
            found = [run for run in map(_run, self._rows(query.limit(_SCANNED_FOR_OUTCOME)))
                     if outcome_of(run) == where.outcome]
            chunk = found[(page - 1) * PAGE: page * PAGE + 1]
        else:
            chunk = [_run(r) for r in self._rows(query.offset((page - 1) * PAGE).limit(PAGE + 1))]
        return Page(chunk[:PAGE], page, len(chunk) > PAGE)

    def recent_runs(self, since: dt.datetime) -> list[RunRecord]:
        return [_run(r) for r in self._rows(sa.select(runs).where(runs.c.started_at >= since.isoformat())
                                            .order_by(runs.c.started_at.desc()).limit(200))]

    def unresolved(self, run_id: str) -> int:
        """How many items this run last held are still failed (a rerun that entered them clears them)."""
        query = sa.select(sa.func.count()).select_from(items).where(items.c.run_id == run_id,
                                                                    items.c.state == "failed")
        with self._engine.connect() as db:
            return int(db.execute(query).scalar_one())

    def bots(self) -> list[str]:
        return [r["bot"] for r in self._rows(sa.select(runs.c.bot).distinct().order_by(runs.c.bot))]

    def run(self, run_id: str) -> RunRecord | None:
        found = self._rows(sa.select(runs).where(runs.c.id == run_id))
        return _run(found[0]) if found else None

    def run_items(self, run_id: str, page: int, status: str = "") -> Page:
        query = sa.select(run_items).where(run_items.c.run_id == run_id)
        if status:
            query = query.where(run_items.c.status == status)
        rows = self._rows(query.order_by(run_items.c.row).offset((page - 1) * PAGE).limit(PAGE + 1))
        return Page(rows[:PAGE], page, len(rows) > PAGE)

    def run_counts(self, run_id: str) -> dict[str, int]:
        rows = self._rows(sa.select(run_items.c.status, sa.func.count().label("n"))
                          .where(run_items.c.run_id == run_id).group_by(run_items.c.status))
        return {str(r["status"]): int(r["n"]) for r in rows}

    def items(self, text: str, page: int) -> Page:
        """Items whose reference contains ``text`` (any case) or whose application id is ``text``."""
        query = sa.select(items).order_by(items.c.updated_at.desc())
        if text:
            query = query.where(sa.or_(items.c.reference.ilike(f"%{_escape(text)}%", escape="\\"),
                                       items.c.app_ref == text))
        rows = self._rows(query.offset((page - 1) * PAGE).limit(PAGE + 1))
        return Page(rows[:PAGE], page, len(rows) > PAGE)

    def item(self, bot: str, reference: str) -> sa.RowMapping | None:
        found = self._rows(sa.select(items).where(items.c.bot == bot, items.c.reference == reference))
        return found[0] if found else None

    def history(self, bot: str, reference: str) -> list[sa.RowMapping]:
        return self._rows(sa.select(item_history).where(item_history.c.bot == bot,
                                                        item_history.c.reference == reference)
                          .order_by(item_history.c.seq))

    def results_of(self, bot: str, reference: str) -> list[sa.RowMapping]:
        """The item's row in every run of its bot, newest run first (with its evidence folder)."""
        return self._rows(sa.select(run_items, runs.c.started_at).join(runs, runs.c.id == run_items.c.run_id)
                          .where(runs.c.bot == bot, run_items.c.reference == reference)
                          .order_by(runs.c.started_at.desc()))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
