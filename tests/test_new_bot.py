"""``clerk new bot``: the package it writes, outside this repository, installs with a plain
``pip install`` next to a plain install of clerk, passes ``clerk check``, and runs with
``clerk run NAME --input FILE`` from another folder with its own selectors and defaults,
against the local copy of the application it brings. Its own test passes too."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import sysconfig
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from clerk.botkit._skeleton import new_bot
from tests.test_packaging import _copy_checkout
from tests.workbooks import read_results

pytestmark = pytest.mark.web


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return new_bot("acme_orders", "orderdesk", tmp_path_factory.mktemp("elsewhere"))


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, package: Path) -> Path:
    """A fresh venv with a non-editable clerk and the new package; dependencies from this one."""
    root = tmp_path_factory.mktemp("installed")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "_test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python")]
    for source in (_copy_checkout(root / "clerk-src"), package):
        subprocess.run([*pip, "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", str(source)],
                       check=True, capture_output=True, text=True)
    return venv


@pytest.fixture
def app_url(package: Path) -> Iterator[str]:
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(package / "dev" / "orderdesk"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def clerk(venv: Path, folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CLERK_")}
    return subprocess.run([str(venv / "bin" / "clerk"), *args], cwd=folder, env={**clean, **env},
                          capture_output=True, text=True, check=False, timeout=300)


def test_the_new_package_passes_clerk_check_and_runs_from_any_folder(venv: Path, package: Path, app_url: str,
                                                                     tmp_path: Path) -> None:
    login = {"CLERK_ORDERDESK_USER": "demo", "CLERK_ORDERDESK_PASSWORD": "demo"}
    missing = clerk(venv, tmp_path, "check", "acme_orders")
    assert missing.returncode == 2 and "CLERK_ORDERDESK_USER" in missing.stdout
    checked = clerk(venv, tmp_path, "check", "acme_orders", **login)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "acme_orders: ok" in checked.stdout

    orders = tmp_path / "orders.csv"
    orders.write_text("Reference,Quantity\nORD-1,3\nORD-2,12\n", encoding="utf-8")
    done = clerk(venv, tmp_path, "run", "acme_orders", "--input", str(orders), CLERK_APPS__ORDERDESK__URL=app_url,
                 CLERK_CLERK__DATA_DIR=str(tmp_path / "var"), **login)
    assert done.returncode == 0, done.stdout + done.stderr
    results = read_results(tmp_path / "orders.results.xlsx")
    assert [(r["status"], r["order_number"]) for r in results] == [("done", "N-1"), ("done", "N-2")]
    assert not (package / "var").exists()  # nothing written into the package


def test_the_new_packages_own_test_passes(venv: Path, package: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CLERK_")}
    run = subprocess.run([str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                         cwd=package, env=clean, capture_output=True, text=True, check=False, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
