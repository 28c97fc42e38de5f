"""Two runners, as on two machines (two project folders, two data directories), share one
PostgreSQL ledger: one schedules, the other waits; SIGKILL the first and the second takes
over within a minute, firing each period of an interval job once, never twice."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import sqlite3
from pathlib import Path

import sqlalchemy as sa

from clerk._ledger_db import create_ledger_engine, parse_url
from clerk.scheduler._journal import journal_path
from tests.e2e.runner.conftest import (
    Project,
    RunnerProcess,
    invoice_rows,
    wait_until,
    workbook_bytes,
)
from tests.ledgersmb_db import ap_invoice_numbers

INTERVAL_S = 20
TICK_BOT = '''"""Test-only bot: each pass over its "queue" finds one item, named after the run, and
enters it into an application that only says yes; it shows the scheduler fired."""

from __future__ import annotations

from pathlib import Path

from clerk import App, Bot, ItemSchema, RowReader, RunContext
from clerk.inputs._table import SourceRow, Table


class Nothing:
    def __init__(self, env: object) -> None: ...
    def start(self) -> None: ...
    def reset(self) -> None: ...
    def close(self) -> None: ...
    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"not a screen")


def one_item(ctx: RunContext) -> Table:
    return Table(path=Path("tick"), headers=("ref",), columns={"ref": "ref"},
                 rows=[SourceRow.of_values(2, {"ref": ctx.run_id}, cells=(ctx.run_id,))])


def parse(row: RowReader) -> str:
    return row.text("ref")


BOT = Bot(name="tick", description="one item per fire", apps={"nothing": App(session=Nothing, kind="desktop",
                                                                              login=False)},
          schema=ItemSchema(columns={"ref": ("ref",)}, required=("ref",), parse=parse),
          reference=lambda ref: ref, find=lambda ctx, ref: None, enter=lambda ctx, ref: "T-" + ref[-6:],
          live_source=one_item)
'''


def machine(root: Path, pg_url: str) -> Project:
    project = Project(root)
    (root / "bots" / "tick").mkdir()
    (root / "bots" / "tick" / "__init__.py").write_text("")
    (root / "bots" / "tick" / "bot.py").write_text(TICK_BOT)
    with (root / "config" / "default.toml").open("a", encoding="utf-8") as config:
        config.write('\n[apps.nothing]\nnote = "the tick bot\'s application"\n')
    project.env.update({"CLERK_LEDGER__URL": pg_url, "CLERK_LEDGER__LEASE_S": "10"})
    project.env["CLERK_LEDGER_PASSWORD"] = os.environ.get("CLERK_LEDGER_PASSWORD", "")
    project.schedule(f'[jobs.tick]\nbot = "tick"\nqueue = "ticks"\ninterval_s = {INTERVAL_S}\n',
                     misfire_grace_time_s=INTERVAL_S - 1)
    return project


def fires(project: Project) -> list[dt.datetime]:
    """When the runner of ``project`` fired the tick job (its journal)."""
    path = journal_path(project.data)
    if not path.exists():
        return []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        if db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='journal'").fetchone() is None:
            return []  # the runner has created the file but not yet its table
        rows = db.execute("SELECT at FROM journal WHERE job='tick' AND event='fired' ORDER BY seq").fetchall()
    return [dt.datetime.fromisoformat(at) for (at,) in rows]


def tick_runs(pg_url: str) -> list[tuple[str, str, dt.datetime]]:
    """The tick bot's runs in the shared ledger: id, status, start."""
    engine = create_ledger_engine(parse_url(pg_url))
    try:
        with engine.connect() as db:
            if not sa.inspect(db).has_table("runs"):
                return []
            rows = db.execute(sa.text("SELECT id, status, started_at FROM runs WHERE bot='tick' ORDER BY started_at"))
            return [(r.id, r.status, dt.datetime.fromisoformat(r.started_at)) for r in rows]
    finally:
        engine.dispose()


def latest_fire_done(project: Project, pg_url: str) -> bool:
    """The runner's latest fire has made its run, and that run completed: the next fire is
    most of a period away, so a SIGTERM now cannot meet a run that is just starting."""
    runs, fired = tick_runs(pg_url), fires(project)
    return bool(runs and fired) and runs[-1][1] == "completed" and runs[-1][2] >= fired[-1]


def too_close(times: list[dt.datetime]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Neighbouring times less than half an interval apart: one period fired (or ran) twice.
    Fires are stamped when recorded, so on a busy machine two periods can be 19 s apart."""
    ordered = sorted(times)
    return [(a, b) for a, b in itertools.pairwise(ordered) if (b - a).total_seconds() < INTERVAL_S / 2]


def test_the_standby_takes_over_and_no_period_fires_twice(tmp_path: Path, pg_url: str) -> None:
    first, second = machine(tmp_path / "machine-a", pg_url), machine(tmp_path / "machine-b", pg_url)
    active = RunnerProcess(first, "active")
    standby: RunnerProcess | None = None
    try:
        active.wait_for("this runner schedules now", timeout=120)
        standby = RunnerProcess(second, "standby")
        standby.wait_for("standby:", timeout=120)
        wait_until(lambda: len([r for r in tick_runs(pg_url) if r[1] != "running"]) >= 2, 240,
                   "two runs fired by the first runner")
        active.kill()  # SIGKILL: no goodbye, its database session simply ends
        killed_at = dt.datetime.now(dt.UTC)
        standby.wait_for("this runner schedules now", timeout=60)
        took_over_in = dt.datetime.now(dt.UTC) - killed_at
        wait_until(lambda: len(fires(second)) >= 2 and latest_fire_done(second, pg_url), 300,
                   "two fires by the runner that took over, the last one's run completed")
        assert standby.stop() == 0, standby.output
    finally:
        if active.process.poll() is None:
            active.kill()
        if standby is not None and standby.process.poll() is None:
            standby.kill()
    all_fires = sorted(fires(first) + fires(second))
    assert too_close(all_fires) == [], f"a period fired twice: {all_fires}"
    runs = tick_runs(pg_url)
    assert too_close([run[2] for run in runs]) == [], f"two runs in one period: {runs}"
    assert len(fires(second)) >= 2 and len(runs) >= 3, (runs, all_fires)
    assert {run[1] for run in runs} == {"completed"}, runs
    assert took_over_in < dt.timedelta(minutes=1)


def item_states(pg_url: str, prefix: str) -> list[str]:
    engine = create_ledger_engine(parse_url(pg_url))
    try:
        with engine.connect() as db:
            if not sa.inspect(db).has_table("items"):
                return []
            return [str(r[0]) for r in db.execute(sa.text("SELECT state FROM items WHERE reference LIKE :p"),
                                                  {"p": f"%{prefix}%"})]
    finally:
        engine.dispose()


def test_the_standby_finishes_the_file_the_killed_runner_was_posting_each_invoice_once(
        tmp_path: Path, pg_url: str, prefix: str) -> None:
    shared = tmp_path / "shared"  # the inbox both machines mount
    job = (f'[jobs.invoices]\nbot = "invoice_entry"\ninterval_s = 10\ninbox = "{shared}/inbox"\n'
           f'processed = "{shared}/processed"\nfailed = "{shared}/failed"\n')
    first, second = machine(tmp_path / "machine-a", pg_url), machine(tmp_path / "machine-b", pg_url)
    for project in (first, second):
        project.schedule(job)
    active = RunnerProcess(first, "active")
    standby: RunnerProcess | None = None
    try:
        active.wait_for("this runner schedules now", timeout=120)
        standby = RunnerProcess(second, "standby")
        standby.wait_for("standby:", timeout=120)
        (shared / "inbox").mkdir(parents=True, exist_ok=True)
        part = shared / "inbox" / ".invoices.xlsx.part"
        part.write_bytes(workbook_bytes(tmp_path, invoice_rows(prefix, range(1, 5))))
        part.rename(shared / "inbox" / "invoices.xlsx")
        wait_until(lambda: item_states(pg_url, prefix).count("done") >= 1 or active.process.poll() is not None, 600,
                   "the first invoice posted by the active runner")
        assert active.process.poll() is None, active.output
        active.kill()  # mid-file: its run dies with it (PR_SET_PDEATHSIG)
        standby.wait_for("this runner schedules now", timeout=60)
        wait_until(lambda: (shared / "processed" / "invoices.xlsx").exists()
                   or (shared / "failed" / "invoices.xlsx").exists(), 900, "the file finished by the runner that took over")
        assert standby.stop() == 0, standby.output
    finally:
        if active.process.poll() is None:
            active.kill()
        if standby is not None and standby.process.poll() is None:
            standby.kill()
    assert (shared / "processed" / "invoices.xlsx").exists(), standby.output if standby else ""
    assert ap_invoice_numbers(prefix) == [f"{prefix}{n:03d}" for n in range(1, 5)]  # each posted once
    assert sorted(item_states(pg_url, prefix)) == ["done"] * 4
