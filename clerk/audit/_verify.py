"""``clerk audit verify``: is the run exactly as it was sealed?

It names each file that changed, went missing, appeared or was swapped with another,
each event that was edited, deleted, inserted or moved, and an edited manifest.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clerk.audit._chain import EVENTS_FILE, EventLines, check_chain
from clerk.audit._digest import HMAC_KEY_VARIABLE, hmac_key
from clerk.audit._finding import Finding, Problem
from clerk.audit._manifest import (
    MANIFEST_FILE,
    file_hashes,
    manifest_digest,
    manifest_signature,
    read_manifest,
)


@dataclass(slots=True)
class Verification:
    folder: Path
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    signature: str = "unsigned"  # valid | invalid | unsigned | unchecked
    files: int = 0
    events: int = 0

    @property
    def intact(self) -> bool:
        return not self.findings

    def add(self, problem: Problem, where: str, detail: str) -> None:
        self.findings.append(Finding(problem=problem, where=where, detail=detail))


def verify_run(folder: Path, *, key: bytes | None = None, require_signature: bool = False,
               allow_unsigned: bool = False) -> Verification:
    """Check a sealed run folder. ``key`` defaults to CLERK_AUDIT_HMAC_KEY.

    Where a key is configured, runs are expected to be signed: an unsigned run fails
    (anyone can rewrite a run and re-seal it without a signature) unless
    ``allow_unsigned``. ``require_signature`` fails unsigned and unchecked runs anywhere.

    Example:
        result = verify_run(Path("recordings/invoice_entry/20261123-103817-396afa"))
        result.intact  # True
    """
    result = Verification(folder=folder)
    try:
        manifest = read_manifest(folder)
    except ValueError:
        result.add(Problem.MANIFEST_EDITED, MANIFEST_FILE, "not valid JSON any more")
        return result
    seal = manifest.get("seal")
    if not manifest or not isinstance(seal, dict):
        missing = "the manifest is missing" if not manifest else "the manifest has no seal"
        result.add(Problem.NOT_SEALED, MANIFEST_FILE, f"{missing}: the run is still running, was interrupted "
                                                      "before its end, or the manifest was replaced")
        return result
    if manifest_digest(manifest) != seal.get("manifest_sha256"):
        result.add(Problem.MANIFEST_EDITED, MANIFEST_FILE, "its content no longer matches the digest sealed with it")
    expect = _SignatureRule(key=hmac_key() if key is None else key, required=require_signature,
                            allow_unsigned=allow_unsigned and not require_signature)
    _check_signature(result, manifest, seal, expect)
    sealed = manifest.get("files") or {}
    actual = file_hashes(folder)
    result.files = len(actual)
    chain_broken = _check_events(result, folder, manifest.get("events") or {})
    _check_files(result, sealed, actual, skip={EVENTS_FILE} if chain_broken else set())
    _check_steps(result, manifest, actual)
    return result


@dataclass(frozen=True, slots=True, kw_only=True)
class _SignatureRule:
    key: bytes | None  # configured here: runs are expected to be signed with it
    required: bool  # --require-signature: unsigned or unchecked fails, key or not
    allow_unsigned: bool  # --allow-unsigned: an unsigned run passes although a key is configured


def _check_signature(result: Verification, manifest: dict[str, Any], seal: dict[str, Any],
                     rule: _SignatureRule) -> None:
    signature = seal.get("hmac_sha256")
    if not signature:
        result.signature = "unsigned"
        _check_unsigned(result, rule)
    elif rule.key is None:
        result.signature = "unchecked"
        result.notes.append(f"signed, but {HMAC_KEY_VARIABLE} is not set here: the signature was not checked")
        if rule.required:
            result.add(Problem.BAD_SIGNATURE, MANIFEST_FILE, "cannot check the signature without the key")
    elif hmac.compare_digest(manifest_signature(manifest, rule.key), str(signature)):
        result.signature = "valid"
        result.notes.append("signature valid (HMAC-SHA256)")
    else:
        result.signature = "invalid"
        result.add(Problem.BAD_SIGNATURE, MANIFEST_FILE, "the HMAC signature does not match: the manifest was "
                                                         "altered, or the key is not the one the run was signed with")


def _check_unsigned(result: Verification, rule: _SignatureRule) -> None:
    if rule.required:
        result.add(Problem.NOT_SIGNED, MANIFEST_FILE, "the run is not signed, and a signature is required")
    elif rule.key is not None and not rule.allow_unsigned:
        result.add(Problem.NOT_SIGNED, MANIFEST_FILE,
                   f"{HMAC_KEY_VARIABLE} is set here, so runs are expected to be signed, but this one carries no "
                   "signature: it was made without the key, or it was rewritten and re-sealed with its signature "
                   "removed. Only if you know it was made without the key, check it with --allow-unsigned")
    elif rule.key is not None:
        result.notes.append("not signed, accepted with --allow-unsigned: the digests show edits, but not a run "
                            "rewritten and re-sealed by someone who knows the scheme")
    else:
        result.notes.append("not signed: the digests show edits, but not a run re-sealed by someone who knows "
                            f"the scheme; set {HMAC_KEY_VARIABLE} when running bots to sign runs")


def _check_events(result: Verification, folder: Path, sealed: dict[str, Any]) -> bool:
    """Walk the chain; True when it is broken (so the file digest adds nothing)."""
    path = folder / EVENTS_FILE
    if not path.is_file():
        return False  # reported as a deleted file
    chain = check_chain(EventLines(path))
    result.events = chain.count
    result.findings.extend(chain.findings)
    count, head = sealed.get("count"), sealed.get("head")
    if chain.findings or (chain.count, chain.head) == (count, head):
        return bool(chain.findings)
    where = f"{EVENTS_FILE}:{chain.count + 1}"
    if isinstance(count, int) and chain.count < count:
        result.add(Problem.EVENT_DELETED, where, f"the last {count - chain.count} event(s) were deleted "
                                                 f"(sealed with {count}, the file has {chain.count})")
    elif isinstance(count, int) and chain.count > count:
        result.add(Problem.EVENT_INSERTED, f"{EVENTS_FILE}:{count + 1}",
                   f"{chain.count - count} event(s) were added after the run was sealed")
    else:
        result.add(Problem.EVENT_EDITED, EVENTS_FILE, "the chain was rewritten: it no longer ends where it was sealed")
    return True


def _check_files(result: Verification, sealed: dict[str, str], actual: dict[str, str], skip: set[str]) -> None:
    added = {path: digest for path, digest in actual.items() if path not in sealed}
    for path, digest in sorted(sealed.items()):
        if path in skip:
            continue
        if path not in actual:
            moved = [p for p, d in added.items() if d == digest]
            detail = f"its content is now at {moved[0]}" if moved else "it was sealed with the run"
            result.add(Problem.FILE_DELETED, path, detail)
        elif actual[path] != digest:
            origins = [p for p, d in sealed.items() if d == actual[path] and p != path]
            if origins:
                result.add(Problem.FILE_SWAPPED, path, f"it now holds the content sealed as {origins[0]}")
            else:
                result.add(Problem.FILE_CHANGED, path, "its content changed since the run was sealed")
    for path, digest in sorted(added.items()):
        copies = [p for p, d in sealed.items() if d == digest]
        copy = f" (a copy of {copies[0]})" if copies else ""
        result.add(Problem.FILE_ADDED, path, f"not part of the sealed run{copy}")


def _check_steps(result: Verification, manifest: dict[str, Any], actual: dict[str, str]) -> None:
    """Each screenshot against the hash its step event committed to when it was taken."""
    reported = {f.where for f in result.findings}
    for item in manifest.get("items") or []:
        for step in item.get("steps") or []:
            shot, digest = step.get("shot"), step.get("sha256")
            if shot and digest and shot in actual and actual[shot] != digest and shot not in reported:
                result.add(Problem.FILE_CHANGED, shot, f"differs from the screenshot taken at step "
                                                       f"{step.get('name')!r} (event {step.get('seq')})")
                reported.add(shot)
