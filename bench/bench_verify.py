"""Verifying a long run: time per event and peak memory, as ratios to the smallest run.

    .venv/bin/python bench/bench_verify.py [ROWS ...]          (default: 10000 100000 300000)

Builds sealed synthetic runs of refused rows (one warning event per row, as a workbook
refused row by row leaves it; see tests.audit_helpers.make_refused_run), then runs
``verify_run`` on each in a fresh interpreter: CPU time, then tracemalloc's peak of
a second verification. Two shapes per size: every row listed as an item in the manifest (the real
case), and the same events with only ten items listed, which isolates the events.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loguru import logger

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from tests.audit_helpers import make_refused_run

_MEASURE = """
import json, sys, time, tracemalloc
from pathlib import Path
from clerk.audit import verify_run
folder = Path(sys.argv[1])
started = time.process_time()
result = verify_run(folder)
cpu = time.process_time() - started
tracemalloc.start()
verify_run(folder)
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"intact": result.intact, "events": result.events, "cpu": cpu, "peak": peak}))
"""


def measure(folder: Path) -> dict[str, float]:
    """verify_run in a fresh interpreter: CPU seconds (untraced), then the peak of the
    memory Python allocated during a second, traced verification (tracemalloc)."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(folder)], cwd=PROJECT, capture_output=True,
                          text=True, check=True)
    figures: dict[str, float] = json.loads(done.stdout)
    assert figures["intact"], f"{folder} does not verify"
    return figures


def main(sizes: list[int]) -> None:
    logger.remove()
    rows = []
    with tempfile.TemporaryDirectory() as root:
        for size in sizes:
            for shape, items in (("all items", None), ("10 items", 10)):
                built = time.perf_counter()
                folder = make_refused_run(Path(root) / f"{size}-{items}", rows=size, items=items)
                built = time.perf_counter() - built
                events_mb = (folder / "events.jsonl").stat().st_size / 1e6
                manifest_mb = (folder / "run.json").stat().st_size / 1e6
                figures = measure(folder)
                added_mb = figures["peak"] / 1e6
                rows.append((size, shape, events_mb, manifest_mb, figures["cpu"], added_mb, built))
                print(f"  {size:>7} {shape}: built in {built:.0f} s, verified in {figures['cpu']:.2f} s CPU, "
                      f"+{added_mb:.0f} MB", file=sys.stderr)
    print(f"peak memory of the bench itself: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB",
          file=sys.stderr)
    print("| events | manifest lists | events.jsonl | run.json | CPU | per event | ratio | peak memory | ratio |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for shape in ("all items", "10 items"):
        same = [r for r in rows if r[1] == shape]
        base = same[0]
        for size, _, events_mb, manifest_mb, cpu, added_mb, _ in same:
            per_event = cpu / size
            print(f"| {size:,} | {shape} | {events_mb:.0f} MB | {manifest_mb:.1f} MB | {cpu:.2f} s "
                  f"| {per_event * 1e6:.0f} µs | {per_event / (base[4] / base[0]):.2f} "
                  f"| {added_mb:.1f} MB | {added_mb / base[5]:.1f} |")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [10_000, 100_000, 300_000])
