"""Verification verdicts kept between page opens, so an unchanged run is not hashed again.

A verdict is reused only while the run folder looks exactly as when it was computed: the
same files, each with the same size, modification time, inode and change time. The
change time (ctime) is set by the kernel on every write or ``touch``, and cannot be set
back by a user, so a file edited and given its old mtime is still seen as changed. Any
difference, in any file (the manifest and its seal included), recomputes the verdict
with ``clerk audit verify``'s own code.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from clerk.audit._verify import Verification, verify_run

_KEPT = 256  # verdicts of this many run folders are kept, the least recently opened dropped


def folder_fingerprint(folder: Path) -> str:
    """A digest of every entry's path and stat (never its content) under ``folder``."""
    digest = hashlib.sha256()
    _add_entries(digest.update, str(folder), "")
    return digest.hexdigest()


def _add_entries(add: Callable[[bytes], object], path: str, prefix: str) -> None:
    with os.scandir(path) as found:
        entries = sorted(found, key=lambda entry: entry.name)
    for entry in entries:
        info = entry.stat(follow_symlinks=False)
        add(f"{prefix}{entry.name}\0{info.st_mode}\0{info.st_size}\0{info.st_mtime_ns}\0"
            f"{info.st_ctime_ns}\0{info.st_ino}\n".encode("utf-8", "surrogateescape"))
        if entry.is_dir(follow_symlinks=False):
            _add_entries(add, entry.path, f"{prefix}{entry.name}/")


class Verdicts:
    """Example:
        Verdicts().of(Path("recordings/invoice_entry/20261123-103817-396afa")).intact
    """

    def __init__(self, verify: Callable[[Path], Verification] = verify_run, kept: int = _KEPT) -> None:
        self._verify = verify
        self._kept = kept
        self._known: OrderedDict[Path, tuple[str, Verification]] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, folder: Path) -> Verification:
        """The folder's verification: reused when nothing in it changed, else computed again."""
        fingerprint = folder_fingerprint(folder)
        with self._lock:
            known = self._known.get(folder)
            if known is not None and known[0] == fingerprint:
                self._known.move_to_end(folder)
                return known[1]
        verdict = self._verify(folder)
        if fingerprint == folder_fingerprint(folder):  # nothing changed while it was hashed
            with self._lock:
                self._known[folder] = (fingerprint, verdict)
                self._known.move_to_end(folder)
                while len(self._known) > self._kept:
                    self._known.popitem(last=False)
        return verdict
