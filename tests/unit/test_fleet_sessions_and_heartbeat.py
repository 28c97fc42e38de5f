"""Which runs a worker's sessions serve, and what a heartbeat file says about a worker."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from clerk._config import load_settings
from clerk._secrets import Credentials, Secret
from clerk.fleet import load_fleet_settings
from clerk.fleet._orders import ItemOrder
from clerk.fleet._status import Heartbeat, fleet_state, fleet_view, heartbeat_folder
from clerk.fleet._worker import SessionKey


def order(run_id: str, target: str = "ledgersmb") -> ItemOrder:
    return ItemOrder(run_id=run_id, bot="invoice_entry", target=target, recording_dir="/r", params={}, row=2,
                     values={}, file="f.xlsx", headers={}, reference="X")


def test_another_run_with_the_same_settings_and_credentials_keeps_the_sessions(checkout: Path) -> None:
    settings = load_settings(checkout)
    login = {"ledgersmb": Credentials("ledgersmb", "admin", Secret("pw"))}
    key = SessionKey.of(order("run-1"), settings, login)
    assert SessionKey.of(order("run-2"), load_settings(checkout), dict(login)) == key
    assert "pw" not in repr(key)  # the password only as part of a digest


def test_other_app_settings_credentials_or_target_open_new_sessions(checkout: Path) -> None:
    settings = load_settings(checkout)
    login = {"ledgersmb": Credentials("ledgersmb", "admin", Secret("pw"))}
    key = SessionKey.of(order("run-1"), settings, login)
    moved = load_settings(checkout, {"apps.ledgersmb.url": "http://elsewhere:5762"})
    assert SessionKey.of(order("run-2"), moved, login) != key
    other_password = {"ledgersmb": Credentials("ledgersmb", "admin", Secret("changed"))}
    assert SessionKey.of(order("run-2"), settings, other_password) != key
    assert SessionKey.of(order("run-2", target="gnucash"), settings, login) != key


def write_beat(folder: Path, name: str, at: dt.datetime, *, queue: str = "clerk", working: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps({
        "worker": name, "host": "h1", "pid": 41, "queue": queue, "working": working, "every_s": 10.0,
        "at": at.isoformat()}))


def test_a_worker_is_gone_once_its_heartbeat_is_three_beats_old(checkout: Path, tmp_path: Path) -> None:
    fleet = load_fleet_settings(checkout, {"CLERK_CELERY__BROKER_URL": "amqp://nobody@127.0.0.1:1/x"})
    folder = heartbeat_folder(tmp_path)
    now = dt.datetime.now(dt.UTC)
    write_beat(folder, "clerk-1@h1", now - dt.timedelta(seconds=5), working="run R row 2 (A-1)")
    write_beat(folder, "clerk-2@h1", now - dt.timedelta(seconds=31))
    write_beat(folder, "clerk-3@h1", now, queue="other")  # another fleet's worker
    write_beat(folder, "clerk-4@h1", now - dt.timedelta(days=2))  # long gone: forgotten
    state = fleet_state(fleet, folder)
    assert [(w.name, w.answering, w.working) for w in state.workers] == [
        ("clerk-1@h1", True, ("run R row 2 (A-1)",)), ("clerk-2@h1", False, ())]
    assert state.waiting is None and "cannot reach the broker" in state.problem
    assert not (folder / "clerk-4@h1.json").exists()
    assert fleet_view(state) is not None


def test_a_heartbeat_says_what_is_in_hand_and_goes_away_with_a_clean_stop(tmp_path: Path) -> None:
    beat = Heartbeat(tmp_path, worker="clerk-9@h", queue="q", every=dt.timedelta(seconds=30))
    beat.start()
    beat.working_on("run R row 3 (B)")
    written = json.loads(beat.path.read_text())
    assert (written["worker"], written["pid"], written["working"]) == ("clerk-9@h", os.getpid(), "run R row 3 (B)")
    beat.stop()
    assert not beat.path.exists()
