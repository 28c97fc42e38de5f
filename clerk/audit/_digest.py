"""Digests for the audit trail: canonical JSON, SHA-256 of files, the HMAC signature.

Canonical JSON (sorted keys, no spaces, UTF-8) makes a digest independent of how a
file was indented, so a reader can re-serialize what it parsed and get the same bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

from clerk._recording import sha256_of
from clerk._secrets import REDACTOR

HMAC_KEY_VARIABLE = "CLERK_AUDIT_HMAC_KEY"
GENESIS = "0" * 64  # the "previous hash" of a run's first event

__all__ = [
    "GENESIS",
    "HMAC_KEY_VARIABLE",
    "canonical",
    "hmac_key",
    "plain_json",
    "sha256_hex",
    "sha256_of",
    "sign",
]


def plain_json(value: Any) -> Any:
    """``value`` as JSON types only (dates and paths become strings)."""
    return json.loads(json.dumps(value, default=str))


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hmac_key(environ: dict[str, str] | None = None) -> bytes | None:
    """The signing key from ``CLERK_AUDIT_HMAC_KEY``, registered for redaction; None when unset."""
    value = (os.environ if environ is None else environ).get(HMAC_KEY_VARIABLE, "")
    if not value:
        return None
    REDACTOR.register(value)
    return value.encode()


def sign(key: bytes, data: bytes) -> str:
    return hmac.new(key, data, hashlib.sha256).hexdigest()
