"""A command imports only what it uses: `clerk --help` neither Playwright nor the ledger,
`clerk run` not the scheduler (APScheduler) nor the Celery fleet. Each case runs in a
fresh interpreter, because this test process has imported everything already."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import json, sys
from clerk.cli import main
try:
    main(sys.argv[1:])
except SystemExit as done:
    code = done.code
print(json.dumps({"code": code, "modules": sorted({name.split(".")[0] for name in sys.modules})}))
"""

HEAVY = {"playwright", "sqlalchemy", "alembic", "openpyxl", "apscheduler", "celery", "kombu", "loguru", "rich",
         "numpy", "PIL", "yaml", "starlette", "uvicorn", "jinja2", "argon2"}


def loaded_by(argv: list[str], project: Path, env: dict[str, str]) -> tuple[int, set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, "--project", str(project), *argv], capture_output=True,
                          text=True, env=env, check=False, timeout=120)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["code"], set(report["modules"])


@pytest.fixture
def bare_env(tmp_path: Path) -> dict[str, str]:
    """No credentials, so that `clerk run` stops at its configuration before any browser starts."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "CLERK_CLERK__DATA_DIR": f'"{tmp_path / "var"}"',
            "CLERK_CLERK__RECORDINGS_DIR": f'"{tmp_path / "recordings"}"'}


def test_help_imports_no_heavy_library(checkout: Path, bare_env: dict[str, str]) -> None:
    code, modules = loaded_by(["--help"], checkout, bare_env)
    assert code == 0
    assert modules & HEAVY == set()


def test_run_imports_no_scheduler(checkout: Path, bare_env: dict[str, str], tmp_path: Path) -> None:
    invoices = tmp_path / "invoices.csv"
    invoices.write_text("Vendor,Invoice Number,Invoice Date,Due Date,Amount,Account,Description\n"
                        "Globex Telecom LLC,INV-1,2026-11-15,2026-12-15,123.45,5780,Phone bill\n")
    code, modules = loaded_by(["run", "invoice_entry", "--input", str(invoices)], checkout, bare_env)
    assert code == 2  # no credentials: a configuration error, after the bot and the engine were imported
    assert "playwright" in modules  # the probe did reach the run
    assert modules & {"apscheduler", "celery", "kombu", "tzlocal"} == set()
