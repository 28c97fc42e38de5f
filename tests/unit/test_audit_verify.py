"""``clerk audit verify`` names every kind of tampering, and says an untouched run is intact."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from clerk.audit import Problem, verify_run
from clerk.audit._digest import canonical, sha256_hex
from clerk.cli import cli
from tests.audit_helpers import SyntheticRun, make_run, png_bytes

SHOT_A = "shots/row-00002/01-ledgersmb-step-1.png"
SHOT_B = "shots/row-00004/02-ledgersmb-step-2.png"


@pytest.fixture
def run(tmp_path: Path) -> SyntheticRun:
    return make_run(tmp_path)


def found(run: SyntheticRun) -> list[tuple[Problem, str]]:
    return [(f.problem, f.where) for f in verify_run(run.folder).findings]


def test_an_untouched_run_is_intact(run: SyntheticRun) -> None:
    result = verify_run(run.folder)
    assert result.intact and result.findings == []
    assert result.files == 8 and result.events == 10  # 6 shots, a trace, events.jsonl
    assert result.signature == "unsigned"


def test_a_changed_screenshot(run: SyntheticRun) -> None:
    (run.folder / SHOT_A).write_bytes(png_bytes("edited"))
    assert found(run) == [(Problem.FILE_CHANGED, SHOT_A)]


def test_a_deleted_screenshot(run: SyntheticRun) -> None:
    (run.folder / SHOT_A).unlink()
    assert found(run) == [(Problem.FILE_DELETED, SHOT_A)]


def test_an_added_screenshot(run: SyntheticRun) -> None:
    extra = run.folder / "shots/row-00002/03-ledgersmb-step-3.png"
    extra.write_bytes(png_bytes("planted"))
    assert found(run) == [(Problem.FILE_ADDED, "shots/row-00002/03-ledgersmb-step-3.png")]


def test_swapped_screenshots(run: SyntheticRun) -> None:
    a, b = run.folder / SHOT_A, run.folder / SHOT_B
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    result = verify_run(run.folder)
    assert [(f.problem, f.where) for f in result.findings] == [(Problem.FILE_SWAPPED, SHOT_A),
                                                               (Problem.FILE_SWAPPED, SHOT_B)]
    assert SHOT_B in result.findings[0].detail and SHOT_A in result.findings[1].detail


def test_a_renamed_screenshot(run: SyntheticRun) -> None:
    (run.folder / SHOT_A).rename(run.folder / "shots/row-00002/09-ledgersmb-other.png")
    result = verify_run(run.folder)
    assert [(f.problem, f.where) for f in result.findings] == [
        (Problem.FILE_DELETED, SHOT_A), (Problem.FILE_ADDED, "shots/row-00002/09-ledgersmb-other.png")]
    assert "now at shots/row-00002/09-ledgersmb-other.png" in result.findings[0].detail


def _edit_events(run: SyntheticRun, change) -> None:  # type: ignore[no-untyped-def]
    path = run.folder / "events.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    change(lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_an_edited_event(run: SyntheticRun) -> None:
    def edit(lines: list[str]) -> None:
        event = json.loads(lines[3])
        event["record"]["message"] = "working on row 33"
        lines[3] = json.dumps(event)

    _edit_events(run, edit)
    assert found(run) == [(Problem.EVENT_EDITED, "events.jsonl:4")]


def test_a_deleted_event(run: SyntheticRun) -> None:
    _edit_events(run, lambda lines: lines.pop(4))
    assert found(run) == [(Problem.EVENT_DELETED, "events.jsonl:5")]


def test_the_last_events_deleted(run: SyntheticRun) -> None:
    _edit_events(run, lambda lines: lines.__delitem__(slice(-2, None)))
    result = verify_run(run.folder)
    assert [(f.problem, f.where) for f in result.findings] == [(Problem.EVENT_DELETED, "events.jsonl:9")]
    assert "the last 2 event(s)" in result.findings[0].detail


def test_an_inserted_event(run: SyntheticRun) -> None:
    def insert(lines: list[str]) -> None:
        forged = json.loads(lines[2])
        forged["record"]["message"] = "the manager approved row 3"
        lines.insert(3, json.dumps(forged))

    _edit_events(run, insert)
    assert found(run) == [(Problem.EVENT_INSERTED, "events.jsonl:4")]


def test_reordered_events(run: SyntheticRun) -> None:
    def swap(lines: list[str]) -> None:
        lines[5], lines[6] = lines[6], lines[5]

    _edit_events(run, swap)
    assert found(run) == [(Problem.EVENT_REORDERED, "events.jsonl:6"), (Problem.EVENT_REORDERED, "events.jsonl:7")]


def test_an_edited_manifest(run: SyntheticRun) -> None:
    path = run.folder / "run.json"
    manifest = json.loads(path.read_text())
    manifest["items"][1]["status"] = "done"
    path.write_text(json.dumps(manifest, indent=2))
    assert found(run) == [(Problem.MANIFEST_EDITED, "run.json")]


def test_a_manifest_resealed_without_the_key_fails_the_signature(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLERK_AUDIT_HMAC_KEY", "the-signing-key")
    run = make_run(tmp_path)
    assert verify_run(run.folder).signature == "valid"
    path = run.folder / "run.json"
    manifest = json.loads(path.read_text())
    manifest["outcome"] = "succeeded"
    body = {k: v for k, v in manifest.items() if k != "seal"}
    manifest["seal"]["manifest_sha256"] = sha256_hex(canonical(body))  # a forger who knows the scheme
    path.write_text(json.dumps(manifest))
    result = verify_run(run.folder)
    assert [(f.problem, f.where) for f in result.findings] == [(Problem.BAD_SIGNATURE, "run.json")]
    assert verify_run(run.folder, key=b"another key").signature == "invalid"


def test_a_signed_run_checked_without_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLERK_AUDIT_HMAC_KEY", "the-signing-key")
    run = make_run(tmp_path)
    monkeypatch.delenv("CLERK_AUDIT_HMAC_KEY")
    result = verify_run(run.folder)
    assert result.intact and result.signature == "unchecked"
    assert not verify_run(run.folder, require_signature=True).intact


def test_a_step_screenshot_replaced_and_the_manifest_reforged_is_still_found(run: SyntheticRun) -> None:
    (run.folder / SHOT_A).write_bytes(png_bytes("replaced"))
    path = run.folder / "run.json"
    manifest = json.loads(path.read_text())
    manifest["files"][SHOT_A] = sha256_hex((run.folder / SHOT_A).read_bytes())
    body = {k: v for k, v in manifest.items() if k != "seal"}
    manifest["seal"]["manifest_sha256"] = sha256_hex(canonical(body))
    path.write_text(json.dumps(manifest))
    assert found(run) == [(Problem.FILE_CHANGED, SHOT_A)]  # the step event committed to the original


def test_an_unsealed_run(run: SyntheticRun) -> None:
    path = run.folder / "run.json"
    manifest = json.loads(path.read_text())
    del manifest["seal"]
    path.write_text(json.dumps(manifest))
    assert found(run) == [(Problem.NOT_SEALED, "run.json")]
    path.unlink()
    assert found(run) == [(Problem.NOT_SEALED, "run.json")]


def test_the_cli_says_intact_or_names_the_file(run: SyntheticRun, tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["audit", "verify", str(run.folder)])
    assert ok.exit_code == 0 and "intact" in ok.output
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "default.toml").write_text('[clerk]\nrecordings_dir = "recordings"\n')
    by_id = runner.invoke(cli, ["--project", str(tmp_path), "audit", "verify", run.folder.name])
    assert by_id.exit_code == 0 and "intact" in by_id.output
    (run.folder / SHOT_B).unlink()
    bad = runner.invoke(cli, ["audit", "verify", str(run.folder)])
    assert bad.exit_code == 1
    assert f"{SHOT_B}: file deleted" in bad.output


def test_a_copied_run_verifies_anywhere(run: SyntheticRun, tmp_path: Path) -> None:
    copy = shutil.copytree(run.folder, tmp_path / "elsewhere" / "deeper" / run.folder.name)
    assert verify_run(copy).intact
