"""Audit evidence: sealed, verifiable, reviewable run recordings.

A run's folder (``recordings/<bot>/<run>/``) is sealed at the end of the run: the
manifest ``run.json`` lists the SHA-256 of every file, the events form a hash chain,
and the manifest is digested and, with ``CLERK_AUDIT_HMAC_KEY`` set, signed.
``clerk audit verify|report|export|prune`` work on sealed runs.

The names are imported on first use (PEP 562): `clerk --help` and `clerk run` need none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clerk._lazy import lazy_names

if TYPE_CHECKING:
    from clerk.audit._export import ExportRefused, export_run
    from clerk.audit._finding import Finding, Problem
    from clerk.audit._masking import mask_regions
    from clerk.audit._prune import PruneDecision, apply_prune, parse_age, plan_prune
    from clerk.audit._report import write_report
    from clerk.audit._runs import find_run, run_folders
    from clerk.audit._seal import seal_run
    from clerk.audit._settings import AuditSettings
    from clerk.audit._verify import Verification, verify_run

_LAZY = {
    "ExportRefused": "clerk.audit._export",
    "export_run": "clerk.audit._export",
    "Finding": "clerk.audit._finding",
    "Problem": "clerk.audit._finding",
    "mask_regions": "clerk.audit._masking",
    "PruneDecision": "clerk.audit._prune",
    "apply_prune": "clerk.audit._prune",
    "parse_age": "clerk.audit._prune",
    "plan_prune": "clerk.audit._prune",
    "write_report": "clerk.audit._report",
    "find_run": "clerk.audit._runs",
    "run_folders": "clerk.audit._runs",
    "seal_run": "clerk.audit._seal",
    "AuditSettings": "clerk.audit._settings",
    "Verification": "clerk.audit._verify",
    "verify_run": "clerk.audit._verify",
}

__all__ = [
    "AuditSettings", "ExportRefused", "Finding", "Problem", "PruneDecision", "Verification", "apply_prune",
    "export_run", "find_run", "mask_regions", "parse_age", "plan_prune", "run_folders", "seal_run",
    "verify_run", "write_report",
]


__getattr__ = lazy_names(__name__, _LAZY)
