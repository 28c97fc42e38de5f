"""Serving evidence: only regular files inside the recordings folder, nothing else."""

from __future__ import annotations

from pathlib import Path


def evidence_file(recordings: Path, relative: str) -> Path | None:
    """The file at ``relative`` under ``recordings``, or None when it is not a regular file
    there: ``..`` parts, an absolute path, or a symbolic link anywhere on the way that
    leads outside (the path is resolved before it is checked)."""
    if not relative or "\x00" in relative or Path(relative).is_absolute():
        return None
    root = recordings.resolve()
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root) or candidate == root or not candidate.is_file():
        return None
    return candidate


def relative_to_recordings(recordings: Path, path: Path | str) -> str | None:
    """``path`` as the console's file routes name it, or None when it is outside ``recordings``."""
    root = recordings.resolve()
    resolved = Path(path).resolve()
    return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else None
