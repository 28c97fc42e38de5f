"""Process trees from /proc, so a test can crash the browser of one run and nobody else's."""

from __future__ import annotations

import os
import signal
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
    try:
        return os.readlink(f"/proc/{pid}/exe").startswith("/usr/lib/chromium/")
    except OSError:
        return False


def kill_chromium_below(pid: int, spare: set[int] | frozenset[int] = frozenset()) -> list[int]:
    """SIGKILL every Chromium process below ``pid`` except ``spare``, as the OOM killer would."""
    killed = []
    for child in descendants(pid):
        if child not in spare and is_chromium(child):
            try:
                os.kill(child, signal.SIGKILL)
                killed.append(child)
            except ProcessLookupError:
                pass
    return killed
