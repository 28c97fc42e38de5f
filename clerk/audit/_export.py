"""``clerk audit export``: one zip holding a sealed run, to verify on another machine."""

from __future__ import annotations

import zipfile
from pathlib import Path

from clerk.audit._verify import Verification, verify_run


class ExportRefused(Exception):
    """The run does not verify; exporting it would pass on altered evidence."""

    def __init__(self, verification: Verification) -> None:
        super().__init__(f"{verification.folder} does not verify ({len(verification.findings)} finding(s))")
        self.verification = verification


def export_run(folder: Path, target: Path, *, report: Path | None = None, allow_unsigned: bool = False) -> Path:
    """Zip the run folder as ``<run id>/...`` (plus the HTML report beside it, if given).
    ``allow_unsigned`` as for verify_run.

    Raises:
        ExportRefused: the run does not verify as it is.

    Example:
        export_run(Path("recordings/invoice_entry/20261123-103817-396afa"), Path("run.zip"))
    """
    verification = verify_run(folder, allow_unsigned=allow_unsigned)
    if not verification.intact:
        raise ExportRefused(verification)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zipped.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
        if report is not None and report.is_file():
            zipped.write(report, report.name)  # a derived view, outside the sealed folder
    tmp.replace(target)
    return target
