"""Processes that race for the same references through the ledger, as coordinators or
workers on several machines would. Each one opens a run of the same input, waits for the
start line on stdin, then claims every reference; what it wins it "enters" (a line in its
own file, the stand-in for the application) and settles done."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

BOT = "race_bot"

RACER = """
import sys
from pathlib import Path
from clerk._ledger import IllegalTransition, ItemLocked, ItemState, Ledger
url, entries, references = sys.argv[1], Path(sys.argv[2]), sys.argv[3].split(",")
ledger = Ledger(url)
run, _ = ledger.open_run("race_bot", "same.xlsx", "same-sha", entries.parent / "recordings")
print("ready", flush=True)
sys.stdin.readline()  # the starting gun: every racer is connected and has its run
with entries.open("a") as out:
    for reference in references:
        try:
            ledger.claim("race_bot", reference, run.id)
        except (ItemLocked, IllegalTransition):
            continue
        out.write(reference + "\\n")
        out.flush()
        try:  # a broken claim lets another racer take the item meanwhile: it was entered twice all the same
            ledger.settle("race_bot", reference, run.id, ItemState.DONE, app_ref=reference)
        except IllegalTransition:
            pass
ledger.finish_run(run.id, "completed", {})
ledger.close()
"""


def race(url: str, folder: Path, references: list[str], racers: int) -> Counter[str]:
    """Start ``racers`` processes at once on ``references``; how often each was entered."""
    folder.mkdir(parents=True, exist_ok=True)
    files = [folder / f"entries-{n}.txt" for n in range(racers)]
    processes = [subprocess.Popen([sys.executable, "-c", RACER, url, str(path), ",".join(references)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for path in files]
    try:
        for process in processes:
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        codes = [process.wait(timeout=300) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    pipe.close()
    assert codes == [0] * racers, f"a racer failed: exit codes {codes}"
    return Counter(line for path in files if path.exists() for line in path.read_text().split())
