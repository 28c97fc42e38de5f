"""A run on another machine holds its items while its lease is renewed, and loses them once
it stops renewing it (SIGKILL). The other machine is a process with a host name of its own
(a UTS namespace, ``unshare --uts``), so this process cannot see its pid: only the lease
in the shared PostgreSQL ledger tells."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clerk._ledger import ItemLocked, Ledger

BOT, REF = "invoice_entry", "acme|LEASE-1"
LEASE = dt.timedelta(seconds=10)

HOLDER = f"""
import datetime as dt, socket, sys
from pathlib import Path
from clerk._ledger import Ledger
ledger = Ledger(sys.argv[1], lease=dt.timedelta(seconds={LEASE.total_seconds()}))
run, _ = ledger.open_run("{BOT}", "b.xlsx", "sha-b", Path(sys.argv[2]))
ledger.claim("{BOT}", "{REF}", run.id)
print(run.id, socket.gethostname(), flush=True)
sys.stdin.read()  # hold the item, renewing the lease, until killed
"""


def test_an_item_held_on_another_machine_is_taken_over_after_its_lease(pg_url: str, tmp_path: Path) -> None:
    command = ["unshare", "--uts", "sh", "-c", 'hostname machine-b && exec "$0" "$@"',
               sys.executable, "-c", HOLDER, pg_url, str(tmp_path / "recordings")]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as holder:
        assert holder.stdout is not None
        owner, host = holder.stdout.readline().split()
        assert host == "machine-b"
        ledger = Ledger(pg_url, lease=LEASE)
        try:
            mine, _ = ledger.open_run(BOT, "a.xlsx", "sha-a", tmp_path / "recordings")
            with pytest.raises(ItemLocked, match=f"run {owner} .*on machine-b"):
                ledger.claim(BOT, REF, mine.id)
            holder.send_signal(signal.SIGKILL)
            holder.wait()
            with pytest.raises(ItemLocked):  # dead, but nothing here can know before the lease runs out
                ledger.claim(BOT, REF, mine.id)
            before = take_over(ledger, mine.id)
            assert before.run_id == owner
            assert ledger.item(BOT, REF).run_id == mine.id  # type: ignore[union-attr]
            assert ledger.history(BOT, REF) == [(None, "in_progress", owner),
                                                ("in_progress", "in_progress", mine.id)]
        finally:
            ledger.close()


def take_over(ledger: Ledger, run_id: str, timeout: float = 120) -> object:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return ledger.claim(BOT, REF, run_id)
        except ItemLocked:
            assert time.monotonic() < deadline, "the lease of the killed run never ran out"
            time.sleep(0.5)  # polls the ledger until the lease has run out
