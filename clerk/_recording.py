"""The run's folder in the audit trail: ``recordings/<bot>/<run>/``.

It holds ``run.json`` (the manifest), ``events.jsonl`` (every log record of the run, as a
hash chain), ``shots/<item>/<nn>-<app>-<step>.png`` (or ``.jpg``) and ``traces/<item>/<app>-trace.zip``
for failed items. Files are numbered, never overwritten, so a resumed run adds to the
trail instead of replacing it. At the end of the run clerk.audit seals the folder: the
manifest then lists the SHA-256 of every file (``clerk audit verify`` checks them).
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import re
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from clerk import __version__

SHOT_SUFFIXES = (".png", ".jpg")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Recording:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.shots = folder / "shots"
        self.events = folder / "events.jsonl"
        self.manifest = folder / "run.json"
        self.shots.mkdir(parents=True, exist_ok=True)

    def shot_path(self, item_key: str, app: str, step: str, suffix: str = ".png") -> Path:
        """The next screenshot's file; ``suffix`` (.png or .jpg) also tells the page its format."""
        folder = self.shots / item_key
        folder.mkdir(parents=True, exist_ok=True)
        number = len(self.shots_of(item_key)) + 1
        slug = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-") or "step"
        return folder / f"{number:02d}-{app}-{slug}{suffix}"

    def shots_of(self, item_key: str) -> list[Path]:
        return sorted(path for path in (self.shots / item_key).glob("*") if path.suffix in SHOT_SUFFIXES)

    def write_manifest(self, fields: Mapping[str, Any]) -> None:
        current = json.loads(self.manifest.read_text()) if self.manifest.is_file() else {}
        current.pop("seal", None)  # any change breaks the seal; clerk.audit seals again at the run's end
        current.update(fields)
        current.setdefault("clerk_version", __version__)
        current.setdefault("host", socket.gethostname())
        current.setdefault("user", getpass.getuser())
        current["updated_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        tmp = self.manifest.with_suffix(".tmp")
        tmp.write_text(json.dumps(current, indent=2, default=str), encoding="utf-8")
        tmp.replace(self.manifest)
