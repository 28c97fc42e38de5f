"""An exported run verifies on another path (as a zip, or unpacked); an altered export does not."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from clerk._errors import ConfigError
from clerk.audit import ExportRefused, export_run, verify_run
from clerk.audit._runs import opened
from clerk.cli import cli
from tests.audit_helpers import SyntheticRun, make_run, png_bytes


@pytest.fixture
def run(tmp_path: Path) -> SyntheticRun:
    return make_run(tmp_path / "machine-a")


def test_export_then_verify_the_zip_and_the_unpacked_copy_elsewhere(run: SyntheticRun, tmp_path: Path) -> None:
    runner = CliRunner()
    archive = tmp_path / "handover" / "run.zip"
    done = runner.invoke(cli, ["audit", "export", str(run.folder), "--output", str(archive)])
    assert done.exit_code == 0, done.output
    names = zipfile.ZipFile(archive).namelist()
    assert f"{run.folder.name}/run.json" in names and f"{run.folder.name}.report.html" in names
    auditor = tmp_path / "machine-b"
    auditor.mkdir()
    moved = Path(shutil.move(archive, auditor / "from-ops.zip"))
    shutil.rmtree(tmp_path / "machine-a")  # the original is gone: only the export is left
    checked = runner.invoke(cli, ["audit", "verify", str(moved)])
    assert checked.exit_code == 0 and "intact" in checked.output, checked.output
    assert f"{run.folder.name}.report.html is outside the sealed run folder" in checked.output
    zipfile.ZipFile(moved).extractall(auditor / "unpacked")
    assert verify_run(auditor / "unpacked" / run.folder.name).intact
    assert runner.invoke(cli, ["audit", "verify", str(auditor / "unpacked" / run.folder.name)]).exit_code == 0


def test_an_altered_export_fails_and_names_the_file(run: SyntheticRun, tmp_path: Path) -> None:
    archive = export_run(run.folder, tmp_path / "run.zip")
    altered = tmp_path / "altered.zip"
    victim = f"{run.folder.name}/shots/row-00003/02-ledgersmb-step-2.png"
    with zipfile.ZipFile(archive) as original, zipfile.ZipFile(altered, "w") as copy:
        for name in original.namelist():
            copy.writestr(name, png_bytes("nothing to see") if name == victim else original.read(name))
    result = CliRunner().invoke(cli, ["audit", "verify", str(altered)])
    assert result.exit_code == 1
    assert "shots/row-00003/02-ledgersmb-step-2.png: file changed" in result.output


def test_a_tampered_run_is_not_exported(run: SyntheticRun, tmp_path: Path) -> None:
    (run.folder / "shots/row-00002/01-ledgersmb-step-1.png").unlink()
    with pytest.raises(ExportRefused):
        export_run(run.folder, tmp_path / "run.zip")
    assert not (tmp_path / "run.zip").exists()
    result = CliRunner().invoke(cli, ["audit", "export", str(run.folder), "--output", str(tmp_path / "r.zip")])
    assert result.exit_code == 1 and "not exported" in result.output


def test_a_zip_with_unsafe_names_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("run/run.json", "{}")
        zipped.writestr("../outside.txt", "x")
    with pytest.raises(ConfigError, match="unsafe"), opened(str(archive), tmp_path):
        pass
