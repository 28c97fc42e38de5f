"""The sealed manifest, ``run.json``: what ran, on what, with which outcome, and the
SHA-256 of every file of the run, digested and optionally signed.

The digest (``seal.manifest_sha256``) covers the canonical JSON of everything but the
``seal`` entry; the HMAC (``seal.hmac_sha256``, with the key from CLERK_AUDIT_HMAC_KEY)
covers the same bytes. Without a key the digest only shows edits made without
recomputing it; with a key nobody without the key can re-seal an altered run.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

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


def write_sealed(folder: Path, manifest: Mapping[str, Any], key: bytes | None,
                 streamed: Mapping[str, Iterable[Any]] | None = None) -> dict[str, Any]:
    """Write ``manifest`` with its seal (digest, and signature when there is a key); return the seal.

    Each list of ``streamed`` (a run's items) is written and hashed one element at a time,
    never held whole, so sealing a run of many rows needs no more memory than one of few.
    The keys are written in sorted order, the order the digest reads them in, and the seal last.
    """
    lists = dict(streamed or {})
    body = plain_json({k: v for k, v in _unsealed(manifest).items() if k not in lists})
    seal = _SealSink(key)
    path = folder / MANIFEST_FILE
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write("{")
        for n, name in enumerate(sorted([*body, *lists])):
            handle.write(f"{',' if n else ''}\n  {json.dumps(name)}: ")
            seal.update(f"{',' if n else '{'}{json.dumps(name, ensure_ascii=False)}:".encode())
            if name in lists:
                _write_list(handle, seal, lists[name])
            else:
                handle.write(_indented(body[name]))
                seal.update(canonical(body[name]))
        seal.update(b"}" if body or lists else b"{}")
        fields = seal.fields()
        handle.write(f"{',' if body or lists else ''}\n  \"seal\": {_indented(fields)}\n}}")
    tmp.replace(path)
    return fields


def _indented(value: Any) -> str:
    """``value`` as JSON indented to stand under a top-level key."""
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")


def _write_list(handle: TextIO, seal: _SealSink, elements: Iterable[Any]) -> None:
    handle.write("[")
    seal.update(b"[")
    for n, element in enumerate(elements):
        plain = plain_json(element)
        handle.write(f"{',' if n else ''}\n    {json.dumps(plain, ensure_ascii=False)}")
        seal.update(b"," + canonical(plain) if n else canonical(plain))
    handle.write("\n  ]")
    seal.update(b"]")


class _SealSink:
    """The manifest's canonical JSON, fed piece by piece into its digest and signature."""

    def __init__(self, key: bytes | None) -> None:
        self._digest = hashlib.sha256()
        self._mac = hmac.new(key, digestmod=hashlib.sha256) if key else None

    def update(self, data: bytes) -> None:
        self._digest.update(data)
        if self._mac is not None:
            self._mac.update(data)

    def fields(self) -> dict[str, Any]:
        return {"algorithm": "sha256 over canonical JSON without 'seal'",
                "manifest_sha256": self._digest.hexdigest(),
                "hmac_sha256": self._mac.hexdigest() if self._mac is not None else None}


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
