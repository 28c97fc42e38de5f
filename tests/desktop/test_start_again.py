"""A window that is gone is brought back by the configured start command, or the run stops."""

from __future__ import annotations

import datetime as dt
import os
import shlex
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from clerk import FatalError
from clerk.desktop import Desktop
from clerk.desktop._launch import StartCommand
from clerk.desktop._wait import wait_for

from .conftest import TK_APP, WINDOW_AT

pytestmark = pytest.mark.desktop
GRACE = dt.timedelta(seconds=2)  # how long a gone window may take to come back by itself
GONE_WITHIN = dt.timedelta(seconds=60)  # bounds the wait for a killed window to go; it times nothing


def _start_tk(folder: Path, title: str) -> StartCommand:
    """A start command that starts the Tk window in the background and returns, as
    sandbox/gnucash-up.sh does for GnuCash; the window's pid goes to folder/tk.pid."""
    app = shlex.join([sys.executable, str(TK_APP), title, *map(str, WINDOW_AT)])
    return StartCommand(argv=("sh", "-c", f"{app} >/dev/null & echo $! > tk.pid"),
                        timeout=dt.timedelta(seconds=30), cwd=folder)


def test_a_window_that_is_gone_is_started_again(tmp_path: Path, make_desktop: Callable[..., Desktop]) -> None:
    title = f"clerk-test-{uuid.uuid4().hex[:8]}"
    desktop = make_desktop(tmp_path, title, start=_start_tk(tmp_path, title), timeout=GRACE)
    pids: list[int] = []
    try:
        for _ in range(2):  # not running at first; then killed, as a crash would
            desktop.preflight("app")
            assert desktop.find_window("app") is not None
            pids.append(int((tmp_path / "tk.pid").read_text()))
            os.kill(pids[-1], signal.SIGKILL)
            # not desktop.wait_gone: its timeout is the short GRACE, and a busy X server may take longer
            wait_for(lambda: desktop.find_window("app") is None, GONE_WITHIN, "the killed window going")
    finally:
        for pid in pids:
            _kill_if_alive(pid)
    assert len(set(pids)) == 2


def test_a_window_that_comes_back_by_itself_is_not_started_twice(
        tmp_path: Path, make_desktop: Callable[..., Desktop]) -> None:
    title = f"clerk-test-{uuid.uuid4().hex[:8]}"
    never = StartCommand(argv=("sh", "-c", "echo started twice; exit 3"), timeout=dt.timedelta(seconds=30), cwd=tmp_path)
    desktop = make_desktop(tmp_path, title, start=never, timeout=dt.timedelta(seconds=30))
    back = threading.Timer(0.5, subprocess.run, (_start_tk(tmp_path, title).argv,), {"cwd": tmp_path, "check": True})
    back.start()  # the window is being replaced: it comes back on its own a moment later
    try:
        desktop.preflight("app")
    finally:
        back.join()
        _kill_if_alive(int((tmp_path / "tk.pid").read_text()))


def test_without_a_start_command_a_gone_window_stops_the_run(
        tmp_path: Path, make_desktop: Callable[..., Desktop]) -> None:
    desktop = make_desktop(tmp_path, f"clerk-test-{uuid.uuid4().hex[:8]}")
    with pytest.raises(FatalError, match=r"no window matches 'app' .*set start_command in \[apps.tkapp\]"):
        desktop.preflight("app")


def test_a_start_command_that_fails_stops_the_run_with_its_output(
        tmp_path: Path, make_desktop: Callable[..., Desktop]) -> None:
    failing = StartCommand(argv=("sh", "-c", "echo cannot open the book >&2; exit 3"),
                           timeout=dt.timedelta(seconds=30), cwd=tmp_path)
    desktop = make_desktop(tmp_path, f"clerk-test-{uuid.uuid4().hex[:8]}", start=failing, timeout=GRACE)
    with pytest.raises(FatalError, match=r"failed \(exit code 3\): cannot open the book"):
        desktop.preflight("app")


def test_a_start_command_whose_window_never_comes_stops_the_run(
        tmp_path: Path, make_desktop: Callable[..., Desktop]) -> None:
    quiet = StartCommand(argv=("true",), timeout=dt.timedelta(seconds=1), cwd=tmp_path)
    desktop = make_desktop(tmp_path, f"clerk-test-{uuid.uuid4().hex[:8]}", start=quiet, timeout=GRACE)
    with pytest.raises(FatalError, match="was started, but no window matches 'app'"):
        desktop.preflight("app")


def _kill_if_alive(pid: int) -> None:
    """The Tk window was started by `sh`, which is gone: it is no child of ours to wait for."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
