"""Where a signing key is configured, a run without a signature does not pass as intact.

Anyone who knows the scheme can rewrite a run and re-seal it without the key: the chain
and the digests are plain SHA-256. Only the signature tells such a run from a real one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from clerk._recording import sha256_of
from clerk.audit import Problem, verify_run, write_report
from clerk.audit._chain import EVENTS_FILE, ChainHead, read_events
from clerk.audit._manifest import file_hashes, read_manifest, write_sealed
from clerk.cli import cli
from tests.audit_helpers import make_run, png_bytes

KEY = "the-signing-key"
SHOT = "shots/row-00003/02-ledgersmb-step-2.png"  # the failure screenshot of row 3


def forge_without_the_key(folder: Path) -> None:
    """Replace the failure screenshot, call the failed item done, and re-seal everything
    consistently with clerk's own writers, leaving the signature out."""
    (folder / SHOT).write_bytes(png_bytes("all went well"))
    digest = sha256_of(folder / SHOT)
    head, lines = ChainHead(), []
    for event in read_events(folder / EVENTS_FILE):
        body = {k: v for k, v in event.items() if k not in ("seq", "prev", "hash")}
        step = body.get("record", {}).get("extra", {}).get("audit_step")
        if isinstance(step, dict) and step.get("shot") == SHOT:
            step.update(sha256=digest, action="checkpoint", outcome="ok")
        lines.append(json.dumps(head.link(body)))
    (folder / EVENTS_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    manifest = read_manifest(folder)
    for item in manifest["items"]:
        item.update(status="done", message="entered")
        for step in item["steps"]:
            if step.get("shot") == SHOT:
                step.update(sha256=digest, action="checkpoint", outcome="ok")
    manifest.update(outcome="succeeded", counts={"done": 3},
                    events={"file": EVENTS_FILE, "count": head.seq, "head": head.hash}, files=file_hashes(folder))
    write_sealed(folder, manifest, None)


@pytest.fixture
def forged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CLERK_AUDIT_HMAC_KEY", KEY)
    run = make_run(tmp_path)
    assert verify_run(run.folder).signature == "valid"
    forge_without_the_key(run.folder)
    return run.folder


def test_the_forgery_is_perfect_apart_from_the_signature(forged: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLERK_AUDIT_HMAC_KEY")
    result = verify_run(forged)
    assert result.intact and result.signature == "unsigned"  # nothing but a key can tell


def test_with_a_key_configured_a_run_without_signature_fails(forged: Path) -> None:
    result = verify_run(forged)
    assert [(f.problem, f.where) for f in result.findings] == [(Problem.NOT_SIGNED, "run.json")]
    assert "--allow-unsigned" in result.findings[0].detail and result.signature == "unsigned"


def test_allow_unsigned_accepts_it_and_says_so(forged: Path) -> None:
    result = verify_run(forged, allow_unsigned=True)
    assert result.intact and result.signature == "unsigned"
    assert any("accepted with --allow-unsigned" in note for note in result.notes)
    assert not verify_run(forged, allow_unsigned=True, require_signature=True).intact


def test_a_run_whose_signature_was_removed_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLERK_AUDIT_HMAC_KEY", KEY)
    folder = make_run(tmp_path).folder
    manifest = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    manifest["seal"]["hmac_sha256"] = None
    (folder / "run.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert [f.problem for f in verify_run(folder).findings] == [Problem.NOT_SIGNED]
    del manifest["seal"]["hmac_sha256"]
    (folder / "run.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert [f.problem for f in verify_run(folder).findings] == [Problem.NOT_SIGNED]


def test_the_cli_fails_it_unless_allowed(forged: Path) -> None:
    runner = CliRunner()
    refused = runner.invoke(cli, ["audit", "verify", str(forged)])
    assert refused.exit_code == 1
    assert "run.json: not signed: CLERK_AUDIT_HMAC_KEY is set here" in refused.output
    allowed = runner.invoke(cli, ["audit", "verify", str(forged), "--allow-unsigned"])
    assert allowed.exit_code == 0, allowed.output
    assert "intact (" in allowed.output and "not signed)" in allowed.output and "--allow-unsigned" in allowed.output
    both = runner.invoke(cli, ["audit", "verify", str(forged), "--allow-unsigned", "--require-signature"])
    assert both.exit_code == 2 and "contradict" in both.output
    export = runner.invoke(cli, ["audit", "export", str(forged), "--output", str(forged.parent / "x.zip")])
    assert export.exit_code == 1 and not (forged.parent / "x.zip").exists()


def test_the_report_says_it_is_not_signed(forged: Path) -> None:
    page = write_report(forged, forged.parent / "report.html").read_text(encoding="utf-8")
    assert "NOT INTACT" in page and "not signed: CLERK_AUDIT_HMAC_KEY is set here" in page
    allowed = write_report(forged, forged.parent / "allowed.html", allow_unsigned=True).read_text(encoding="utf-8")
    assert "Verified intact" in allowed and "accepted with --allow-unsigned" in allowed
    runner = CliRunner()
    done = runner.invoke(cli, ["audit", "report", str(forged), "--output", str(forged.parent / "cli.html")])
    assert done.exit_code == 0 and "NOT INTACT" in (forged.parent / "cli.html").read_text(encoding="utf-8")


def test_an_unsigned_run_passes_where_no_key_is_configured(tmp_path: Path) -> None:
    result = verify_run(make_run(tmp_path).folder)
    assert result.intact and result.signature == "unsigned"
