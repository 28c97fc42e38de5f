"""Where a timed run's wall time went, read back from its recording's events.jsonl.

Used by bench_workers.py. Every event carries its time, so one run splits into: start-up
(process start to the first event), login, preflight and survey (to "phase: entering
items"), the first item (to the first item settled), the items after it (the steady
pace: the time between the first and the last item settled, per item), and sealing and
exit. On Celery it also shows how long the run took to send its first item (it first
counts the workers) and how long a worker sat between settling one item and taking its
next (the broker's hand-over: acknowledge, deliver, start the task).
"""

from __future__ import annotations

import json
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

_SETTLED = re.compile(r"^row (\d+): ")
_TAKEN = re.compile(r"^row (\d+) \(.*\) taken by worker ")
_SENT = re.compile(r"^row \d+ sent to queue ")
_ENTERING = "phase: entering items"


@dataclass(frozen=True, slots=True)
class Timeline:
    start_up: float
    before_items: float  # login, preflight, survey
    to_first_sent: float | None  # Celery: from "entering items" to the first item sent
    first_item: float  # from "entering items" to the first item settled
    per_item: float  # the steady pace after the first item (all workers together)
    hand_over: float | None  # Celery: a worker's median time from settling an item to taking its next
    seal_and_exit: float

    def cells(self) -> list[str]:
        def seconds(value: float | None, digits: int = 1) -> str:
            return "–" if value is None else f"{value:.{digits}f} s"

        return [seconds(self.start_up), seconds(self.before_items), seconds(self.to_first_sent),
                seconds(self.first_item), seconds(self.per_item, 2), seconds(self.hand_over, 3),
                seconds(self.seal_and_exit)]


HEADERS = ["start-up", "login, preflight, survey", "to the first item sent", "first item",
           "per item after the first", "worker hand-over (median)", "seal and exit"]


def newest_run(recordings: Path) -> Path:
    return max((p for p in recordings.glob("*/*") if (p / "events.jsonl").is_file()), key=lambda p: p.name)


def timeline(run_folder: Path, started: float, ended: float) -> Timeline:
    """``started``/``ended``: the run's process start and exit (time.time())."""
    events = [json.loads(line)["record"] for line in (run_folder / "events.jsonl").read_text().splitlines()]
    at = [(e["time"]["timestamp"], e["message"], e["extra"].get("worker", "")) for e in events]
    entering = next(t for t, message, _ in at if message.startswith(_ENTERING))
    settled: dict[str, float] = {}  # row -> when the run knew (the last "row N: ..." of it, the run's own)
    for t, message, _ in at:
        if (found := _SETTLED.match(message)) is not None:
            settled[found.group(1)] = t
    times = sorted(settled.values())
    sent = [t for t, message, _ in at if _SENT.match(message)]
    return Timeline(
        start_up=at[0][0] - started, before_items=entering - at[0][0],
        to_first_sent=(sent[0] - entering) if sent else None,
        first_item=times[0] - entering,
        per_item=(times[-1] - times[0]) / max(len(times) - 1, 1),
        hand_over=_hand_over(at), seal_and_exit=ended - times[-1])


def _hand_over(at: list[tuple[float, str, str]]) -> float | None:
    """Per worker, from an item settled there to the next item taken there."""
    by_worker: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for t, message, worker in at:
        if worker and (_SETTLED.match(message) or _TAKEN.match(message)):
            by_worker[worker].append((t, "settled" if _SETTLED.match(message) else "taken"))
    gaps = [b[0] - a[0] for marks in by_worker.values() for a, b in pairwise(marks)
            if (a[1], b[1]) == ("settled", "taken")]
    return statistics.median(gaps) if gaps else None
