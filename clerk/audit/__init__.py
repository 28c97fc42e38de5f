"""Audit evidence: sealed, verifiable, reviewable run recordings.

A run's folder (``recordings/<bot>/<run>/``) is sealed at the end of the run: the
manifest ``run.json`` lists the SHA-256 of every file, the events form a hash chain,
and the manifest is digested and, with ``CLERK_AUDIT_HMAC_KEY`` set, signed.
``clerk audit verify|report|export|prune`` work on sealed runs.
"""

from __future__ import annotations

from clerk.audit._export import ExportRefused, export_run
from clerk.audit._finding import Finding, Problem
from clerk.audit._masking import mask_regions
from clerk.audit._prune import PruneDecision, apply_prune, parse_age, plan_prune
from clerk.audit._report import write_report
from clerk.audit._runs import find_run, run_folders
from clerk.audit._seal import seal_run
from clerk.audit._settings import AuditSettings
from clerk.audit._verify import Verification, verify_run

__all__ = [
    "AuditSettings", "ExportRefused", "Finding", "Problem", "PruneDecision", "Verification", "apply_prune",
    "export_run", "find_run", "mask_regions", "parse_age", "plan_prune", "run_folders", "seal_run",
    "verify_run", "write_report",
]
