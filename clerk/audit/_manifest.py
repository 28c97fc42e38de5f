"""The sealed manifest, ``run.json``: what ran, on what, with which outcome, and the
SHA-256 of every file of the run, digested and optionally signed.

The digest (``seal.manifest_sha256``) covers the canonical JSON of everything but the
``seal`` entry; the HMAC (``seal.hmac_sha256``, with the key from CLERK_AUDIT_HMAC_KEY)
covers the same bytes. Without a key the digest only shows edits made without
recomputing it; with a key nobody without the key can re-seal an altered run.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from clerk._secrets import REDACTOR
from clerk.audit._digest import canonical, plain_json, sha256_hex, sha256_of, sign

MANIFEST_FILE = "run.json"
_SECRET_WORDS = ("password", "passwd", "secret", "token", "api_key", "hmac")
_TRANSIENT = (".tmp", ".unscrubbed.zip")


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def manifest_digest(manifest: Mapping[str, Any]) -> str:
    return sha256_hex(canonical(_unsealed(manifest)))


def manifest_signature(manifest: Mapping[str, Any], key: bytes) -> str:
    return sign(key, canonical(_unsealed(manifest)))


def _unsealed(manifest: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in manifest.items() if k != "seal"}


def write_sealed(folder: Path, manifest: Mapping[str, Any], key: bytes | None) -> dict[str, Any]:
    """Write ``manifest`` with its seal (digest, and signature when there is a key)."""
    body = plain_json(_unsealed(manifest))
    sealed = {**body, "seal": {
        "algorithm": "sha256 over canonical JSON without 'seal'",
        "manifest_sha256": manifest_digest(body),
        "hmac_sha256": manifest_signature(body, key) if key else None,
    }}
    path = folder / MANIFEST_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(sealed, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return sealed


def file_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` except the manifest, by POSIX relative path."""
    hashes = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and relative != MANIFEST_FILE and not relative.endswith(_TRANSIENT):
            hashes[relative] = sha256_of(path)
    return hashes


def git_revision(project_dir: Path) -> dict[str, Any] | None:
    """The commit of the project checkout and whether it has uncommitted changes (None: no git)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(project_dir), *args], capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": dirty}


def config_as_used(settings_dict: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The settings without anything secret, and their SHA-256 (canonical JSON)."""
    clean = _without_secrets(plain_json(settings_dict))
    return clean, sha256_hex(canonical(clean))


def _without_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_secrets(v) for k, v in value.items()
                if not any(word in str(k).lower() for word in _SECRET_WORDS)}
    if isinstance(value, list):
        return [_without_secrets(v) for v in value]
    return REDACTOR.scrub(value) if isinstance(value, str) else value
