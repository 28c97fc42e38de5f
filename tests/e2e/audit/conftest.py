"""One real invoice_entry run against the sandbox's LedgerSMB, shared by the audit tests.

The input has a good row and a row that fails with an application error. The failure is
deterministic and fast: the run uses a copy of the selectors in which the account
option also matches 5780--Telephone, so for any other account the strict locator finds
two options and fails at once (SelectorFailed, retried, then failed), before anything
is posted. A dry run with ``traces = "all"`` adds a trace that records the login, so the
secrets search has a real password fill to look at.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.workbooks import write_workbook

PROJECT = Path(__file__).resolve().parents[3]
SANDBOX_PASSWORD = "Admin123!"  # the sandbox's seeded login, public test data


@dataclass
class Run:
    returncode: int
    console: Path  # stdout and stderr of the command, as an operator would have logged them
    folder: Path | None


@dataclass
class AuditedRuns:
    root: Path
    env: dict[str, str]
    prefix: str
    hmac_key: str
    input: Path
    entry: Run  # the real run: row 2 done, row 3 failed
    dry: Run  # a dry run tracing everything, login included

    def clerk(self, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "clerk", *args], env={**self.env, **extra_env}, cwd=self.root,
                              capture_output=True, text=True, timeout=300, check=False)

    @property
    def secrets(self) -> list[str]:
        return [SANDBOX_PASSWORD, self.hmac_key]


def _invoice(prefix: str, n: int, account: str) -> list[object]:
    return ["Globex Telecom LLC", f"{prefix}{n:03d}", dt.datetime(2026, 10, n + 1), f"2026-11-{n + 1:02d}",
            f"{100 + n}.25", account, f"clerk audit e2e {prefix}{n:03d}"]


def _selectors_with_a_broken_account_option(target: Path) -> Path:
    shutil.copytree(PROJECT / "bots" / "selectors", target)  # CLERK_CLERK__SELECTORS_DIR: searched first
    path = target / "ledgersmb.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["selectors"]["ap.add.account_option"]["name_pattern"] = "^({account}|5780)--"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return target


def _run(runs: AuditedRuns, name: str, *args: str, **extra_env: str) -> Run:
    before = set((runs.root / "recordings").glob("*/*"))
    done = runs.clerk("-v", *args, **extra_env)
    console = runs.root / "logs" / f"{name}.log"
    console.parent.mkdir(exist_ok=True)
    console.write_text(done.stdout + done.stderr, encoding="utf-8")
    new = sorted(set((runs.root / "recordings").glob("*/*")) - before)
    folders = [p for p in new if p.is_dir()]
    return Run(done.returncode, console, folders[0] if len(folders) == 1 else None)


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> AuditedRuns:
    root = tmp_path_factory.mktemp("audit-e2e")
    prefix = f"AU{uuid.uuid4().hex[:8].upper()}-"
    hmac_key = f"audit-key-{uuid.uuid4().hex}"
    env = {name: value for name, value in os.environ.items() if not name.startswith("CLERK_")}
    env.update({
        "CLERK_HOME": str(PROJECT), "CLERK_LEDGERSMB_USER": "admin", "CLERK_LEDGERSMB_PASSWORD": SANDBOX_PASSWORD,
        "CLERK_CLERK__DATA_DIR": str(root / "var"), "CLERK_CLERK__RECORDINGS_DIR": str(root / "recordings"),
        "CLERK_CLERK__SELECTORS_DIR": str(_selectors_with_a_broken_account_option(root / "selectors")),
        "CLERK_AUDIT_HMAC_KEY": hmac_key, "CLERK_RETRY__ATTEMPTS": "2", "CLERK_RETRY__WAIT_INITIAL_S": "0.2",
    })
    path = write_workbook(root / "invoices.xlsx", [_invoice(prefix, 1, "5780"), _invoice(prefix, 2, "5610")])
    runs = AuditedRuns(root=root, env=env, prefix=prefix, hmac_key=hmac_key, input=path,
                       entry=Run(-1, root, None), dry=Run(-1, root, None))
    runs.entry = _run(runs, "entry", "run", "invoice_entry", "--input", str(path))
    dry_input = write_workbook(root / "dry.xlsx", [_invoice(prefix, 3, "5780")])
    runs.dry = _run(runs, "dry", "run", "invoice_entry", "--dry-run", "--input", str(dry_input),
                    CLERK_AUDIT__TRACES="all")
    return runs
