"""The runner at rest, and how soon a fired job starts work (issue 13, target 8).

    . sandbox/credentials.sh && .venv/bin/python bench/bench_runner_idle.py [MINUTES] [TRIALS]

Starts `python runner.py schedule` on a schedule of 20 invoice_entry jobs, each with its own
empty inbox and the cron "* * * * *" (every job fires every minute and finds nothing: the
busiest an idle runner gets), calendar off, in a fresh data folder. Then:

1. at rest: for MINUTES (10 by default) it reads the runner's process tree from /proc every
   5 s: CPU time used (user + system, the runner and its children) and resident memory;
2. fire to first browser action: TRIALS times (3 by default), a one-invoice workbook is
   dropped into one job's inbox 20 to 45 s before the next minute (clear of the fires of
   the minute before, which a loaded machine may make a few seconds late); at that minute the job
   fires and runs the bot in a child process. The delay runs from the scheduled fire time
   (the minute) to the run's log record "logging in to ledgersmb", written once Chromium is
   up and its page made, just before the first page opens (read from the run's
   events.jsonl); the journal's "fired" entry and the manifest's start time split it up.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from openpyxl import Workbook

CHECKOUT = Path(__file__).resolve().parents[1]
JOBS = 20
PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")
SAMPLE_S = 5.0


def schedule_text(inbox_root: Path) -> str:
    jobs = "".join(f'\n[jobs.job{n:02d}]\nbot = "invoice_entry"\ncron = "* * * * *"\ninbox = "{inbox_root}/job{n:02d}"\n'
                   for n in range(1, JOBS + 1))
    return '[defaults]\ntimezone = "UTC"\ncalendar = false\nsettle_s = 1\ntimeout_s = 900\n' + jobs


def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def tree_usage(root: int) -> tuple[float, float, float]:
    """CPU seconds (user + system, with the children already reaped), RSS summed and its
    anonymous part, in MB."""
    cpu, rss, anon = 0.0, 0, 0
    for pid in process_tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            rss += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
            anon += sum(int(line.split()[1]) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
                           if line.startswith("Anonymous:")) * 1024
        except OSError:
            continue
        cpu += sum(int(value) for value in fields[11:15]) / TICK  # utime stime cutime cstime
    return cpu, rss / 1e6, anon / 1e6


def journal(data: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    try:
        with sqlite3.connect(data / "runner.sqlite3", timeout=30) as db:
            return db.execute(sql, args).fetchall()
    except sqlite3.OperationalError:  # not created yet
        return []


def wait_for(what: str, check, timeout: float) -> object:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise SystemExit(f"gave up waiting for {what}")


def at_rest(runner: int, minutes: float) -> dict[str, float]:
    cpu0, rss0, anon0 = tree_usage(runner)
    started, samples = time.monotonic(), []
    while time.monotonic() - started < minutes * 60:
        time.sleep(SAMPLE_S)
        samples.append(tree_usage(runner))
        print(f"{time.monotonic() - started:.0f} s: CPU {samples[-1][0] - cpu0:.2f} s, RSS {samples[-1][1]:.0f} MB,"
              f" anonymous {samples[-1][2]:.0f} MB, load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    elapsed = time.monotonic() - started
    cpu1, rss1, anon1 = samples[-1]
    return {"seconds": elapsed, "cpu": cpu1 - cpu0, "rss0": rss0, "rss1": rss1, "rss_max": max(s[1] for s in samples),
            "anon0": anon0, "anon1": anon1, "anon_max": max(s[2] for s in samples)}


def drop_invoice(inbox: Path, number: str) -> None:
    book = Workbook()
    book.active.append(["Vendor", "Invoice Number", "Invoice Date", "Due Date", "Amount", "Account", "Description"])
    book.active.append(["Globex Telecom LLC", number, dt.datetime(2026, 11, 10), dt.datetime(2026, 12, 10),
                        "42.25", "5780", "runner benchmark"])
    partial = inbox.parent / f".{number}.xlsx"
    book.save(partial)
    partial.rename(inbox / f"{number}.xlsx")


def first_browser_action(events: Path) -> dt.datetime:
    for line in events.read_text().splitlines():
        record = json.loads(line)["record"]
        if record["message"].startswith("logging in to "):  # the browser is up; its first page opens next
            return dt.datetime.fromtimestamp(record["time"]["timestamp"], dt.UTC)
    raise SystemExit(f"{events}: no record of the first browser action")


def one_fire(data: Path, recordings: Path, inboxes: Path, job: str, prefix: str) -> dict[str, float]:
    while not 15 <= dt.datetime.now(dt.UTC).second <= 40:  # clear of this minute's fires, settled before the next
        time.sleep(1)
    due = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    drop_invoice(inboxes / job, f"{prefix}{job}")
    ended = wait_for(f"{job}'s run", lambda: journal(data, "SELECT run_id FROM journal WHERE job=? AND event='run_ended'",
                                                    job), 900)
    run_id = str(ended[0][0])  # type: ignore[index]
    fired = dt.datetime.fromisoformat(str(journal(data, "SELECT at FROM journal WHERE job=? AND event='fired' "
                                                        "ORDER BY seq LIMIT 1", job)[0][0]))
    folder = recordings / "invoice_entry" / run_id
    manifest = json.loads((folder / "run.json").read_text())
    started = dt.datetime.fromisoformat(manifest["started_at"])
    shown = first_browser_action(folder / "events.jsonl")
    times = {"fired": (fired - due).total_seconds(), "run started": (started - due).total_seconds(),
             "first browser action": (shown - due).total_seconds(), "load": os.getloadavg()[0]}
    print(f"{job}: due {due:%H:%M:%S}, " + ", ".join(f"{k} {v:+.1f}" for k, v in times.items()), file=sys.stderr,
          flush=True)
    return times


def main(minutes: float, trials: int) -> None:
    prefix = f"R{uuid.uuid4().hex[:6].upper()}-"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data, recordings, inboxes = folder / "var", folder / "rec", folder / "inbox"
        for n in range(1, JOBS + 1):
            (inboxes / f"job{n:02d}").mkdir(parents=True)
        schedule = folder / "schedule.toml"
        schedule.write_text(schedule_text(inboxes))
        env = os.environ | {"CLERK_CLERK__DATA_DIR": f'"{data}"', "CLERK_CLERK__RECORDINGS_DIR": f'"{recordings}"'}
        log = (folder / "runner.log").open("wb")
        runner = subprocess.Popen([sys.executable, str(CHECKOUT / "runner.py"), "--project", str(CHECKOUT), "schedule",
                                   "--schedule", str(schedule)], env=env, cwd=folder, stdout=log,
                                  stderr=subprocess.STDOUT)
        try:
            wait_for("the runner to start", lambda: runner.poll() is not None or journal(
                data, "SELECT 1 FROM journal WHERE event='runner_started'"), 300)
            if runner.poll() is not None:
                raise SystemExit((folder / "runner.log").read_text())
            print(f"runner pid {runner.pid} started, {JOBS} jobs; load {os.getloadavg()[0]:.1f}", file=sys.stderr)
            rest = at_rest(runner.pid, minutes)
            fires = [one_fire(data, recordings, inboxes, f"job{n:02d}", prefix) for n in range(1, trials + 1)]
        finally:
            runner.send_signal(signal.SIGTERM)
            runner.wait(timeout=300)
    print(f"\n| the runner at rest, {JOBS} jobs firing every minute, {rest['seconds'] / 60:.0f} min | value |")
    print("|---|---:|")
    print(f"| CPU time used (runner and children) | {rest['cpu']:.1f} s ({100 * rest['cpu'] / rest['seconds']:.2f}% "
          "of one core) |")
    print(f"| RSS at the start / end / highest | {rest['rss0']:.0f} / {rest['rss1']:.0f} / {rest['rss_max']:.0f} MB |")
    print(f"| anonymous memory at the start / end / highest | {rest['anon0']:.0f} / {rest['anon1']:.0f} / "
          f"{rest['anon_max']:.0f} MB |")
    print(f"\n| seconds after the scheduled fire time (median of {trials}) | fired (journal, whole seconds) "
          "| run's manifest started | first browser action |")
    print("|---|---:|---:|---:|")
    medians = {key: statistics.median(fire[key] for fire in fires) for key in ("fired", "run started",
                                                                               "first browser action")}
    print(f"| one invoice dropped in an inbox | {medians['fired']:.1f} | {medians['run started']:.1f} "
          f"| {medians['first browser action']:.1f} |")
    print("\nloads at the fires: " + ", ".join(f"{fire['load']:.1f}" for fire in fires))


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(float(arguments[0]) if arguments else 10, int(arguments[1]) if len(arguments) > 1 else 3)
