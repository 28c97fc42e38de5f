"""Opening a run in the web console: time of its pages, by the run's size, as ratios.

    .venv/bin/python bench/bench_console.py [ITEMS ...]          (default: 100 1000 10000)

Builds one finished run per size in a fresh SQLite ledger (rows written in bulk), each
with a sealed recording of one screenshot per item (tests.audit_helpers.make_run), signs
an auditor in through Starlette's test client, and times GET /runs/RUN (the first page of
50 items, counts by status, the recording's verification) opened cold (the verdict
computed: every file hashed) and again (the verdict kept: the folder only stat'ed), and
GET /runs/RUN?page=LAST. Medians of 7 requests after one warm-up.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from loguru import logger

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from argon2 import PasswordHasher
from starlette.testclient import TestClient

from clerk._config import load_settings
from clerk._ledger import Ledger, RunStatus
from clerk._ledger_schema import run_items
from clerk.webconsole._accounts import Accounts, Role
from clerk.webconsole._app import build_app
from clerk.webconsole._cli import open_console
from clerk.webconsole._console import Console
from clerk.webconsole._verdicts import Verdicts
from tests.audit_helpers import make_run

_REPEATS = 7


def _run_of(ledger: Ledger, engine: object, project: Path, size: int) -> str:
    run, _ = ledger.open_run("invoice_entry", f"/in/{size}.xlsx", f"sha-{size}", project / "recordings" / "invoice_entry")
    rows = [{"run_id": run.id, "row": row, "reference": f"v|N-{row}", "status": "failed" if row % 50 == 0 else "done",
             "app_ref": str(row), "message": "entered", "shots": ""} for row in range(2, size + 2)]
    with engine.begin() as db:  # type: ignore[attr-defined]
        db.execute(run_items.insert(), rows)
    ledger.finish_run(run.id, RunStatus.COMPLETED, {"done": size})
    make_run(project, run_id=run.id, items=size, shots=1, failed=(), unique_shots=False)
    return run.id


def _median_ms(client: TestClient, path: str, console: Console | None = None) -> float:
    """``console``: forget its verdicts before each request (a cold open)."""
    client.get(path)
    times = []
    for _ in range(_REPEATS):
        if console is not None:
            console.verdicts = Verdicts()
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200 and "verification" in response.text and ">intact<" in response.text
    return statistics.median(times) * 1000


def _sign_in(client: TestClient) -> None:
    page = client.get("/login").text
    token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    signed = client.post("/login", data={"name": "aud1", "password": "bench-auditor-pass", "csrf": token},
                         follow_redirects=False)
    assert signed.status_code == 303, signed.text


def main(sizes: list[int]) -> None:
    logger.remove()
    project = Path(tempfile.mkdtemp(prefix="bench-console-"))
    try:
        (project / "config").mkdir()
        shutil.copy(PROJECT / "config" / "default.toml", project / "config")
        config, console = open_console(load_settings(project))
        console.accounts = Accounts(console.accounts._engine, PasswordHasher(time_cost=1, memory_cost=1024))
        console.accounts.add("aud1", Role.AUDITOR, "bench-auditor-pass")
        ledger = Ledger(project / "var" / "ledger.sqlite3")
        runs = {size: _run_of(ledger, console.accounts._engine, project, size) for size in sizes}
        ledger.close()
        with TestClient(build_app(config, console), base_url="http://127.0.0.1") as client:
            _sign_in(client)
            cold = {size: _median_ms(client, f"/runs/{run}", console) for size, run in runs.items()}
            first = {size: _median_ms(client, f"/runs/{run}") for size, run in runs.items()}
            last = {size: _median_ms(client, f"/runs/{run}?page={(size + 49) // 50}") for size, run in runs.items()}
        base = sizes[0]
        print("| items | first page, verified ms | ratio | first page, verdict kept ms | ratio | cold / kept "
              "| last page ms | ratio |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for size in sizes:
            print(f"| {size} | {cold[size]:.1f} | {cold[size] / cold[base]:.2f} | {first[size]:.1f} | "
                  f"{first[size] / first[base]:.2f} | {cold[size] / first[size]:.1f} | {last[size]:.1f} | "
                  f"{last[size] / last[base]:.2f} |")
    finally:
        shutil.rmtree(project, ignore_errors=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 1000, 10000])
