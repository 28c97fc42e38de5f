"""A job paused in the console does not fire on its schedule; users are added from the CLI."""

from __future__ import annotations

import threading

from click.testing import CliRunner

from clerk._config import load_settings
from clerk.cli import cli
from clerk.scheduler._alerts import Alerter
from clerk.scheduler._jobs import JobWorker
from clerk.scheduler._journal import Event, Journal, journal_path
from clerk.scheduler._settings import AlertSettings
from clerk.scheduler._spec import default_schedule_path, load_schedule
from clerk.webconsole._accounts import Accounts, Role
from tests.console.conftest import Seeded


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
