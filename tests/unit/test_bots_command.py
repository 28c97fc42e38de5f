"""``clerk bots`` lists every bot, also when one of them is broken."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.unit.test_registry import make_project


def install_broken_bot(site: Path) -> None:
    """A distribution installed in ``site`` whose ``aaa_broken`` bot raises when imported."""
    (site / "acme_broken").mkdir(parents=True)
    (site / "acme_broken" / "__init__.py").write_text("", encoding="utf-8")
    (site / "acme_broken" / "bot.py").write_text('raise RuntimeError("the vendor list moved")\n', encoding="utf-8")
    dist_info = site / "acme_broken-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-broken\nVersion: 0.1\n", encoding="utf-8")
    (dist_info / "entry_points.txt").write_text("[clerk.bots]\naaa_broken = acme_broken.bot:BOT\n", encoding="utf-8")


def clerk(project: Path, site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "clerk", "--project", str(project), *args],
                          capture_output=True, text=True, env=env, timeout=120, check=False)


def clerk_bots(project: Path, site: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return clerk(project, site, "bots", *options)


def test_a_bot_that_fails_to_import_is_listed_with_its_error_and_the_others_still_are(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install_broken_bot(site)
    project = make_project(tmp_path / "project")
    (project / "bots" / "zz_broken").mkdir()
    (project / "bots" / "zz_broken" / "bot.py").write_text("import no_such_module\n", encoding="utf-8")

    listed = clerk_bots(project, site)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    lines = {line.split()[0]: line for line in listed.stdout.splitlines()}
    assert sorted(lines) == ["aaa_broken", "checkout_bot", "invoice_entry", "plan_change", "zz_broken"]
    assert "BROKEN: entry point acme_broken.bot:BOT of acme-broken cannot be imported: " \
           "RuntimeError: the vendor list moved" in lines["aaa_broken"]
    assert "BROKEN:" in lines["zz_broken"] and "ModuleNotFoundError: No module named 'no_such_module'" in lines["zz_broken"]
    assert "a bot of the project folder" in lines["checkout_bot"] and "BROKEN" not in lines["checkout_bot"]
    assert "LedgerSMB" in lines["invoice_entry"]

    checked = clerk_bots(project, site, "--check")
    assert checked.returncode == 2
    assert checked.stdout == listed.stdout


def test_check_passes_when_every_bot_loads(tmp_path: Path) -> None:
    checked = clerk_bots(make_project(tmp_path / "project"), tmp_path / "empty-site", "--check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "BROKEN" not in checked.stdout


def test_run_help_lists_the_bots_beside_a_broken_one_and_running_the_broken_one_says_why(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install_broken_bot(site)
    project = make_project(tmp_path / "project")

    helped = clerk(project, site, "run", "--help")
    assert helped.returncode == 0, helped.stdout + helped.stderr
    section = helped.stdout.split("Commands:")[1]
    assert re.findall(r"^  (\S+)", section, re.MULTILINE) == ["aaa_broken", "checkout_bot", "invoice_entry",
                                                              "plan_change"]
    text = " ".join(section.split())  # as one line, whatever the wrapping
    assert ("aaa_broken BROKEN: entry point acme_broken.bot:BOT of acme-broken cannot be imported: "
            "RuntimeError: the vendor list moved checkout_bot a bot of the project folder invoice_entry") in text

    ran = clerk(project, site, "run", "aaa_broken", "--input", str(tmp_path / "in.csv"))
    assert ran.returncode == 2
    assert "cannot be imported: RuntimeError: the vendor list moved" in ran.stderr


def test_a_bot_that_exits_while_imported_is_listed_as_broken_and_the_others_still_are(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    (project / "bots" / "aa_exits").mkdir()
    (project / "bots" / "aa_exits" / "bot.py").write_text(
        'import sys\nsys.exit("no licence file")\n', encoding="utf-8")

    listed = clerk_bots(project, tmp_path / "empty-site")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    lines = {line.split()[0]: line for line in listed.stdout.splitlines()}
    assert sorted(lines) == ["aa_exits", "checkout_bot", "invoice_entry", "plan_change"]
    assert "BROKEN:" in lines["aa_exits"] and "SystemExit: no licence file" in lines["aa_exits"]
    assert "BROKEN" not in lines["checkout_bot"]
