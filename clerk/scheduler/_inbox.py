"""Inbox folders: a file dropped into ``inbox/<job>/`` is worked exactly once.

Life of a file::

    inbox/<job>/x.xlsx ──take──> inbox/<job>/.working/x.xlsx ──run──> processed/<job>/x.xlsx
                                                                  └──> failed/<job>/x.xlsx (+ x.error.txt)

Taking is an atomic rename, so a file is never worked twice, and a file left in
``.working`` by a crash is worked again on the next fire: the ledger then resumes its
run. A file is taken only once it is complete: its name is not a temporary one and its
size and modification time stayed the same across two polls ``settle`` apart.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from clerk._results import default_output_path
from clerk.scheduler._spec import InboxSpec

INPUT_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".tsv")
_TEMPORARY = re.compile(r"^(\.|~\$|~)|\.(tmp|temp|part|partial|crdownload|download|swp|lock)$|#$", re.IGNORECASE)
_RESULTS = re.compile(r"\.results\.xlsx(\.tmp)?$", re.IGNORECASE)
_INCOMPLETE_WORKBOOK_WAIT = 60.0  # seconds a workbook that is not yet a valid zip may take to arrive


def is_temporary(name: str) -> bool:
    """Names that copy tools, editors and browsers use while a file is still being written."""
    return bool(_TEMPORARY.search(name))


@dataclass(frozen=True, slots=True)
class _Seen:
    size: int
    mtime_ns: int
    since: float  # clock reading when this size and time were first seen


class Inbox:
    """The folders of one inbox job. ``clock`` is monotonic seconds (injectable for tests)."""

    def __init__(self, spec: InboxSpec, clock: Callable[[], float] = time.monotonic) -> None:
        self.spec = spec
        self._clock = clock
        self._seen: dict[Path, _Seen] = {}
        for folder in (spec.folder, spec.working, spec.processed, spec.failed):
            folder.mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------------ finding work
    def interrupted(self) -> list[Path]:
        """Files taken earlier whose work did not finish (a crash, a stop, a run to retry)."""
        return _inputs_in(self.spec.working)

    def is_empty(self) -> bool:
        """Nothing to work: no interrupted file and no file at all, complete or arriving."""
        return not self.interrupted() and not _inputs_in(self.spec.folder)

    def poll(self) -> tuple[list[Path], int]:
        """The files that are complete now, oldest first, and how many others are still arriving."""
        now = self._clock()
        ready: list[Path] = []
        present = set()
        for path in _inputs_in(self.spec.folder):
            present.add(path)
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            seen = self._seen.get(path)
            if seen is None or (seen.size, seen.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
                self._seen[path] = _Seen(stat.st_size, stat.st_mtime_ns, now)
                continue
            stable_for = now - seen.since
            if stable_for >= self.spec.settle.total_seconds() and (
                    _looks_complete(path) or stable_for >= _INCOMPLETE_WORKBOOK_WAIT):
                ready.append(path)
        self._seen = {p: s for p, s in self._seen.items() if p in present}
        return ready, len(present) - len(ready)

    def take(self, path: Path) -> Path | None:
        """Move a complete file into ``.working``; None when a file of that name is still being worked."""
        target = self.spec.working / path.name
        if target.exists():
            return None
        os.replace(path, target)
        self._seen.pop(path, None)
        return target

    # ------------------------------------------------------------------ settling
    @staticmethod
    def results_of(working_file: Path) -> Path:
        return default_output_path(working_file)

    def finish(self, working_file: Path, *, failed: bool) -> Path:
        """Move the file and its results workbook to processed/ or failed/. Returns the file's new
        path; a name that is already taken there gets a time stamp. The results go first: whoever
        sees the file arrive there (an operator, a script) finds its results beside it."""
        folder = self.spec.failed if failed else self.spec.processed
        target = _free_name(folder, working_file)
        results = self.results_of(working_file)
        if results.exists():
            _move(results, default_output_path(target))
        _move(working_file, target)
        return target

    @staticmethod
    def explain(moved_file: Path, text: str) -> Path:
        """Write why the file failed beside it: ``<name>.error.txt``."""
        path = moved_file.with_name(f"{moved_file.stem}.error.txt")
        path.write_text(text.rstrip() + "\n", encoding="utf-8")
        return path


def _inputs_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir()
             if p.is_file() and not is_temporary(p.name) and not _RESULTS.search(p.name)]
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))


def _looks_complete(path: Path) -> bool:
    """A workbook is a zip file; until its central directory is written it is not one."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return zipfile.is_zipfile(path)
    return True


def _free_name(folder: Path, source: Path) -> Path:
    target = folder / source.name
    if not target.exists() and not default_output_path(target).exists():
        return target
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for n in range(1, 1000):
        suffix = f".{stamp}" if n == 1 else f".{stamp}-{n}"
        target = folder / f"{source.stem}{suffix}{source.suffix}"
        if not target.exists():
            return target
    raise FileExistsError(f"no free name for {source.name} in {folder}")


def _move(source: Path, target: Path) -> None:
    try:
        os.replace(source, target)
    except OSError:
        shutil.move(str(source), str(target))  # another file system: copy, then remove
