"""Find runs: by id under the recordings folder, by path, or inside an exported zip."""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from clerk._errors import ConfigError
from clerk.audit._manifest import MANIFEST_FILE


@dataclass(slots=True)
class OpenedRun:
    folder: Path
    ignored: list[str] = field(default_factory=list)  # zip members outside the run's folder


def run_folders(recordings_dir: Path) -> list[Path]:
    """Every run folder: ``recordings/<bot>/<run>/`` holding a run.json."""
    if not recordings_dir.is_dir():
        return []
    return sorted(p.parent for p in recordings_dir.glob(f"*/*/{MANIFEST_FILE}"))


def find_run(reference: str, recordings_dir: Path) -> Path:
    """A run folder from a path (the folder or its run.json) or a run id.

    Raises:
        ConfigError: nothing matches, or the id is ambiguous.
    """
    path = Path(reference)
    if path.name == MANIFEST_FILE and path.is_file():
        return path.parent
    if path.is_dir():
        return path
    matches = [folder for folder in run_folders(recordings_dir) if folder.name == reference]
    matches += [folder for folder in recordings_dir.glob(f"*/{reference}") if folder.is_dir() and folder not in matches]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ConfigError(f"no run {reference!r}: give a run folder, an exported zip, "
                          f"or a run id under {recordings_dir}")
    raise ConfigError(f"run id {reference!r} is ambiguous: {', '.join(str(m) for m in matches)}")


@contextmanager
def opened(reference: str, recordings_dir: Path) -> Iterator[OpenedRun]:
    """The run folder to read; an exported zip is unpacked into a temporary folder first."""
    path = Path(reference)
    if path.is_file() and zipfile.is_zipfile(path):
        with tempfile.TemporaryDirectory(prefix="clerk-audit-") as tmp:
            yield _unpack(path, Path(tmp))
        return
    yield OpenedRun(find_run(reference, recordings_dir))


def _unpack(archive: Path, target: Path) -> OpenedRun:
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
        for name in names:
            parts = PurePosixPath(name).parts
            if PurePosixPath(name).is_absolute() or ".." in parts or "\\" in name:
                raise ConfigError(f"{archive}: refusing the unsafe member name {name!r}")
        roots = sorted({str(PurePosixPath(n).parent) for n in names if PurePosixPath(n).name == MANIFEST_FILE})
        if len(roots) != 1:
            raise ConfigError(f"{archive}: expected one run (one {MANIFEST_FILE}), found {len(roots)}")
        root = roots[0]
        prefix = "" if root == "." else root + "/"
        zipped.extractall(target, members=[n for n in names if n.startswith(prefix)])
    ignored = sorted(n for n in names if not n.startswith(prefix) and not n.endswith("/"))
    return OpenedRun(target / root if prefix else target, ignored)
