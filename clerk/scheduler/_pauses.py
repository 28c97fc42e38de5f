"""Paused jobs: a job listed in the ledger's ``job_pauses`` does not fire on its schedule.

The list lives in the ledger, not in the runner's memory, so a pause made in the web
console reaches a runner on this machine or any other that shares the ledger, and
outlives a restart. "Run now" still works on a paused job: it is an explicit request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from clerk._ledger_schema import job_pauses


@dataclass(frozen=True, slots=True)
class Pause:
    job: str
    paused_by: str
    paused_at: str


class JobPauses:
    """The paused jobs in the ledger reached through ``engine``.

    Example:
        JobPauses(engine).pause("invoice_entry", by="ops1")
    """

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def pause(self, job: str, *, by: str) -> None:
        with self._engine.begin() as db:
            db.execute(job_pauses.delete().where(job_pauses.c.job == job))
            db.execute(job_pauses.insert().values(job=job, paused_by=by,
                                                  paused_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))

    def resume(self, job: str) -> bool:
        """Returns whether the job was paused."""
        with self._engine.begin() as db:
            return db.execute(job_pauses.delete().where(job_pauses.c.job == job)).rowcount > 0

    def all(self) -> dict[str, Pause]:
        with self._engine.connect() as db:
            rows = db.execute(sa.select(job_pauses)).mappings().all()
        return {row["job"]: Pause(row["job"], row["paused_by"], row["paused_at"]) for row in rows}

    def get(self, job: str) -> Pause | None:
        return self.all().get(job)
