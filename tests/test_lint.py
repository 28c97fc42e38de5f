"""ruff, as CI runs it: the whole checkout is clean, and no module under bots/ may import
Playwright (bots drive browsers through clerk.web and selector names)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ruff(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", *args],
                          cwd=ROOT, input=stdin, capture_output=True, text=True, check=False)


def test_ruff_passes() -> None:
    done = ruff(".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_bot_importing_playwright_is_refused() -> None:
    for line in ("from playwright.sync_api import Page", "import playwright"):
        done = ruff("--stdin-filename", "bots/plan_change/probe.py", "-", stdin=f"{line}\n\nprint(Page)\n")
        assert "TID251 `playwright` is banned: bots do not import Playwright" in done.stdout, done.stdout


def test_the_framework_may_import_playwright() -> None:
    done = ruff("--stdin-filename", "clerk/web/probe.py", "-", stdin="from playwright.sync_api import Page\n\nPage\n")
    assert "TID251" not in done.stdout, done.stdout
