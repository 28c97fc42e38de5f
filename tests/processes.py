"""Process trees from /proc, so a test can crash the browser of one run and nobody else's."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from pathlib import Path


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, children first."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # it ended while we looked
        parent = int(stat.rsplit(")", 1)[1].split()[1])  # the name in parentheses may hold spaces
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(0), []):
            found.append(child)
            todo.append(child)
    return found


def is_chromium(pid: int) -> bool:
    return _exe(pid).startswith("/usr/lib/chromium/")


def is_playwright_driver(pid: int) -> bool:
    return _exe(pid).endswith("/playwright/driver/node")


def kill_below(pid: int, which: Callable[[int], bool], spare: AbstractSet[int] = frozenset()) -> list[int]:
    """SIGKILL every process below ``pid`` that ``which`` picks, except ``spare``, as the OOM
    killer would."""
    killed = []
    for child in descendants(pid):
        if child not in spare and which(child):
            try:
                os.kill(child, signal.SIGKILL)
                killed.append(child)
            except ProcessLookupError:
                pass
    return killed


def _exe(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return ""  # ended, or not ours to read
