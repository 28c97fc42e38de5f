"""clerk as an installed package: a plain (non-editable) ``pip install .`` of clerk next to a
user's own bot package, used from a project folder elsewhere.

The wheel is built from a copy of the checkout and installed into a fresh virtual
environment whose dependencies come from the test's own environment (a ``.pth`` line),
so nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.workbooks import read_results

REPO = Path(__file__).resolve().parent.parent

USER_PYPROJECT = """
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "acme-bots"
version = "1.0"
dependencies = ["clerk"]

[project.entry-points."clerk.bots"]
notebook_entry = "acme_bots.notebook_entry.bot:BOT"

[tool.setuptools.packages.find]
include = ["acme_bots*"]

[tool.setuptools.package-data]
acme_bots = ["*/defaults.toml", "*/selectors/*.yaml"]
"""

USER_BOT = '''"""notebook_entry: rows of a CSV into a JSON notebook, the smallest application there is."""

from __future__ import annotations

import json
from pathlib import Path

from clerk import App, AppEnv, Bot, Found, ItemSchema, Param, RowReader, RunContext

from .model import Note


class Notebook:
    def __init__(self, env: AppEnv) -> None:
        self.path = Path(str(env.settings["path"]))
        self.selectors_dir = str(env.selectors_dir)

    def start(self) -> None:
        if not self.path.exists():
            self.path.write_text("{}", encoding="utf-8")

    def reset(self) -> None: ...

    def screenshot(self, path: Path) -> None: ...

    def close(self) -> None: ...

    def read(self) -> dict[str, str]:
        return dict(json.loads(self.path.read_text(encoding="utf-8")))

    def write(self, key: str, text: str) -> None:
        self.path.write_text(json.dumps({**self.read(), key: text, "selectors": self.selectors_dir}), encoding="utf-8")


def find(ctx: RunContext, note: Note) -> Found | None:
    return Found(app_ref=note.ref) if note.ref in ctx.app(Notebook).read() else None


def enter(ctx: RunContext, note: Note) -> str:
    ctx.app(Notebook).write(note.ref, f"{ctx.bot_settings['greeting']} {note.text}")
    return note.ref


BOT = Bot(
    name="notebook_entry",
    description="Notes from a CSV into a JSON notebook",
    apps={"notebook": App(session=Notebook, kind="desktop", login=False)},
    schema=ItemSchema(columns={"ref": (), "text": ()}, required=("ref", "text"),
                      parse=lambda row: Note(ref=row.text("ref"), text=row.text("text"))),
    reference=lambda note: note.ref,
    find=find,
    enter=enter,
    params=(Param(name="greeting", help="What every note starts with"),),
)
'''

USER_MODEL = '''from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Note:
    ref: str
    text: str
'''

USER_DEFAULTS = '[apps.notebook]\npath = "notebook.json"\n\n[bots.notebook_entry]\ngreeting = "hello"\n'

PROJECT_BOT = '''from __future__ import annotations

from clerk import App, Bot, ItemSchema

from .words import DESCRIPTION

BOT = Bot(name="local_bot", description=DESCRIPTION, apps={"none": App(session=print, kind="desktop", login=False)},
          schema=ItemSchema(columns={}, required=(), parse=lambda row: row), reference=str,
          find=lambda ctx, item: None, enter=lambda ctx, item: "")
'''


def _copy_checkout(target: Path) -> Path:
    """clerk's sources as a pip user would get them, without this checkout's build leftovers."""
    target.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, target / name)
    for name in ("clerk", "bots"):
        shutil.copytree(REPO / name, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return target


def _user_package(target: Path) -> Path:
    package = target / "acme_bots" / "notebook_entry"
    (package / "selectors").mkdir(parents=True)
    (target / "pyproject.toml").write_text(USER_PYPROJECT, encoding="utf-8")
    (target / "acme_bots" / "__init__.py").write_text("", encoding="utf-8")
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "bot.py").write_text(USER_BOT, encoding="utf-8")
    (package / "model.py").write_text(USER_MODEL, encoding="utf-8")
    (package / "defaults.toml").write_text(USER_DEFAULTS, encoding="utf-8")
    (package / "selectors" / "notebook.yaml").write_text("selectors: {}\n", encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh venv holding a non-editable clerk and the user's bot package."""
    root = tmp_path_factory.mktemp("installed")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "_test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python")]
    for source in (_copy_checkout(root / "clerk-src"), _user_package(root / "acme-src")):
        subprocess.run([*pip, "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", str(source)],
                       check=True, capture_output=True, text=True)
    yield venv


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A user's project folder: a clerk.toml that says only what differs, and one bot of its own."""
    (tmp_path / "clerk.toml").write_text('[bots.notebook_entry]\ngreeting = "hi"\n', encoding="utf-8")
    local = tmp_path / "bots" / "local_bot"
    local.mkdir(parents=True)
    (local / "bot.py").write_text(PROJECT_BOT, encoding="utf-8")
    (local / "words.py").write_text('DESCRIPTION = "a bot of the project folder"\n', encoding="utf-8")
    (tmp_path / "notes.csv").write_text("ref,text\nN-1,first note\nN-2,second note\n", encoding="utf-8")
    return tmp_path


def clerk(venv: Path, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLERK_")}
    return subprocess.run([str(venv / "bin" / "clerk"), *args], cwd=project, env=env, capture_output=True, text=True,
                          check=False, timeout=120)


def test_clerk_finds_its_own_bots_the_users_package_and_the_project_folder(venv: Path, project: Path) -> None:
    listed = clerk(venv, project, "bots")
    assert listed.returncode == 0, listed.stderr
    names = [line.split()[0] for line in listed.stdout.splitlines()]
    assert names == ["invoice_entry", "local_bot", "notebook_entry", "plan_change"]
    assert "a bot of the project folder" in listed.stdout  # its relative import worked


def test_nothing_installed_is_a_top_level_bots_package(venv: Path, project: Path) -> None:
    site = next((venv / "lib").glob("python*/site-packages"))
    assert not (site / "bots").exists()
    assert (site / "clerk_bots" / "selectors" / "ledgersmb.yaml").is_file()  # selectors travel with the bots
    assert (site / "clerk" / "defaults.toml").is_file()
    probe = subprocess.run([str(venv / "bin" / "python"), "-c", "import bots"], cwd=venv, capture_output=True,
                           text=True, check=False)
    assert "No module named 'bots'" in probe.stderr


def test_the_users_bot_runs_with_its_own_defaults_selectors_and_parameters(venv: Path, project: Path) -> None:
    done = clerk(venv, project, "run", "notebook_entry", "--input", "notes.csv", "--greeting", "dear")
    assert done.returncode == 0, done.stdout + done.stderr
    notes = json.loads((project / "notebook.json").read_text(encoding="utf-8"))  # [apps.notebook] path, a package default
    assert notes["N-1"] == "dear first note"  # the command line beats clerk.toml's "hi" and the package's "hello"
    assert Path(notes["selectors"]).parts[-3:] == ("acme_bots", "notebook_entry", "selectors")
    assert "site-packages" in notes["selectors"]
    assert [row["status"] for row in read_results(project / "notes.results.xlsx")] == ["done", "done"]
    rerun = clerk(venv, project, "run", "notebook_entry", "--input", "notes.csv")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert [row["status"] for row in read_results(project / "notes.results.xlsx")] == ["already_present"] * 2


def test_the_project_config_layers_over_the_package_defaults(venv: Path, project: Path) -> None:
    done = clerk(venv, project, "run", "notebook_entry", "--input", "notes.csv")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "hi first note" in (project / "notebook.json").read_text(encoding="utf-8")


def test_clerks_own_bot_runs_from_any_folder_up_to_its_credentials(venv: Path, project: Path) -> None:
    (project / "invoices.csv").write_text("vendor,invoice_number,invoice_date,due_date,amount,account,description\n"
                                          "Globex,INV-1,2026-11-15,2026-12-15,12.50,5780,Phone\n", encoding="utf-8")
    done = clerk(venv, project, "run", "invoice_entry", "--input", "invoices.csv")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "CLERK_LEDGERSMB_USER" in done.stderr


def test_every_package_folder_is_in_the_package_list() -> None:
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    on_disk = {".".join(init.parent.relative_to(REPO).parts) for root in ("clerk", "bots")
               for init in (REPO / root).rglob("__init__.py")}
    assert {name.replace("bots", "clerk_bots", 1) if name.startswith("bots") else name for name in on_disk} == listed
