"""A job paused in the console does not fire on its schedule; users are added from the CLI."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from clerk._config import load_settings
from clerk._recording import sha256_of
from clerk.cli import cli
from clerk.scheduler._alerts import Alerter
from clerk.scheduler._child import ChildResult
from clerk.scheduler._jobs import JobWorker
from clerk.scheduler._journal import Event, Journal, journal_path
from clerk.scheduler._launch import ChildOutcome
from clerk.scheduler._settings import AlertSettings
from clerk.scheduler._spec import JobSpec, default_schedule_path, load_schedule
from clerk.webconsole._accounts import Accounts, Role
from tests.console.conftest import Seeded, second_console, sign_in


class _Launcher:
    """Counts the runs a job starts (and ends each at once)."""

    def __init__(self) -> None:
        self.started = 0

    def run(self, *_args: object) -> None:
        self.started += 1
        raise RuntimeError("no real run in this test")


def _worker(seeded: Seeded) -> tuple[JobWorker, Journal, _Launcher]:
    settings = load_settings(seeded.project)
    inbox = settings.data_dir / "inbox" / "invoices"
    inbox.mkdir(parents=True)
    (inbox / "march.csv").write_text("vendor,invoice_number\nGlobex,DEMO-9\n")
    launcher = _Launcher()
    journal = Journal(journal_path(settings.data_dir))
    worker = JobWorker(schedule=load_schedule(default_schedule_path(settings), settings), settings=settings, bots={},
                       journal=journal, alerter=Alerter(AlertSettings()), launcher=launcher,  # type: ignore[arg-type]
                       stopping=threading.Event())
    return worker, journal, launcher


def test_a_paused_job_does_not_fire_until_resumed(seeded: Seeded) -> None:
    worker, journal, launcher = _worker(seeded)
    seeded.console.pauses.pause("invoices", by="ops1")
    worker.fire("invoices")
    skipped = journal.last("invoices", Event.SKIPPED, Event.FIRED)
    assert skipped is not None and skipped.event is Event.SKIPPED and "paused by ops1" in skipped.detail
    assert launcher.started == 0
    seeded.console.pauses.resume("invoices")
    worker.fire("invoices")
    assert launcher.started == 1


def test_run_now_fires_a_paused_job(seeded: Seeded) -> None:
    worker, journal, launcher = _worker(seeded)
    seeded.console.pauses.pause("invoices", by="ops1")
    worker.fire("invoices", asked_by="ops1")
    assert launcher.started == 1
    fired = journal.last("invoices", Event.FIRED)
    assert fired is not None and "run now by ops1" in fired.detail


def test_user_add_reads_the_password_from_stdin_never_an_argument(seeded: Seeded) -> None:
    result = CliRunner().invoke(cli, ["--project", str(seeded.project), "console", "user", "add", "aud2", "--role",
                                      "auditor"], input="a-long-auditor-password\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "a-long-auditor-password" not in result.output
    accounts = Accounts(seeded.console.accounts._engine)
    user = accounts.check("aud2", "a-long-auditor-password")
    assert user is not None and user.role is Role.AUDITOR
    assert accounts.check("aud2", "a-long-auditor-passwore") is None
    short = CliRunner().invoke(cli, ["--project", str(seeded.project), "console", "user", "add", "x", "--role",
                                     "operator"], input="short\n")
    assert short.exit_code != 0 and accounts.user("x") is None


class _FinishedLauncher:
    """Ends every run at once as a child reporting run ``run_id`` would (no bot, no app)."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.asked: list[tuple[str, Path | None, bool]] = []

    def run(self, spec: JobSpec, input_path: Path | None, *, skip_invalid: bool = False) -> ChildOutcome:
        self.asked.append((spec.name, input_path, skip_invalid))
        return ChildOutcome(result=ChildResult(run_id=self.run_id, outcome="succeeded", counts={"done": 1}), pid=1,
                            returncode=0, timed_out=False, killed=False, duration=dt.timedelta(seconds=1))


@pytest.fixture
def ledgersmb_login(monkeypatch: pytest.MonkeyPatch) -> None:
    """invoice_entry's credentials, as a console that starts it has them (no app is reached here)."""
    monkeypatch.setenv("CLERK_LEDGERSMB_USER", "clerk-test")
    monkeypatch.setenv("CLERK_LEDGERSMB_PASSWORD", "not-used-by-this-test")


@pytest.mark.usefixtures("ledgersmb_login")
def test_run_now_needs_only_its_own_bots_credentials(seeded: Seeded) -> None:
    schedule = seeded.project / "config" / "schedule.toml"
    schedule.write_text(schedule.read_text() + '[jobs.plan_change]\nbot = "plan_change"\ninterval_s = 900\n'
                        'queue = "PlanChanges"\n')  # RT's credentials are not set
    with second_console(seeded) as client:
        operations = client.app.state.console.operations  # type: ignore[attr-defined]
        worker, journal, _ = _worker(seeded)
        launcher = _FinishedLauncher(seeded.run_id)
        worker.launcher = launcher  # type: ignore[assignment]
        operations._worker = worker
        csrf = sign_in(client, "ops1")
        assert client.post("/actions/jobs/invoices/run", data={"csrf": csrf}).status_code == 303
        assert "invoices started by ops1" in client.get("/").text
        operations.wait(60)
        assert [name for name, _, _ in launcher.asked] == ["invoices"]
        fired = journal.last("invoices", Event.FIRED)
        assert fired is not None and "run now by ops1" in fired.detail
        assert client.post("/actions/jobs/plan_change/run", data={"csrf": csrf}).status_code == 303
        refused = client.get("/").text
        assert "not done" in refused and "CLERK_RT_USER" in refused and len(launcher.asked) == 1


@pytest.mark.usefixtures("ledgersmb_login")
def test_a_rerun_from_the_console_is_in_the_runners_journal_with_who_asked(seeded: Seeded) -> None:
    source = seeded.project / "march.xlsx"
    source.write_bytes(b"the run's input")
    with sqlite3.connect(seeded.project / "var" / "ledger.sqlite3") as db:
        db.execute("UPDATE runs SET input_sha256 = ? WHERE id = ?", (sha256_of(source), seeded.run_id))
    worker, journal, _ = _worker(seeded)
    launcher = _FinishedLauncher("20990101-000000-rerun1")
    worker.launcher = launcher  # type: ignore[assignment]
    seeded.console.operations._worker = worker
    csrf = sign_in(seeded.client, "ops1")
    assert seeded.client.post(f"/actions/runs/{seeded.run_id}/rerun", data={"csrf": csrf}).status_code == 303
    seeded.console.operations.wait(60)
    assert launcher.asked == [("invoices", source, True)]
    entries = [(e.event, e.run_id, e.detail) for e in reversed(journal.entries("invoices"))]
    asked = f"rerun of {seeded.run_id}'s failed items by ops1"
    assert [(event, run_id) for event, run_id, _ in entries] == [
        (Event.FIRED, None), (Event.RUN_STARTED, None), (Event.RUN_ENDED, "20990101-000000-rerun1"), (Event.IDLE, None)]
    assert entries[0][2] == asked and entries[1][2] == asked and entries[2][2].endswith(f"({asked})")
