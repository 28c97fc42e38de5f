"""Opening a run in the web console: time of its first page, by the run's size, as ratios.

    .venv/bin/python bench/bench_console.py [ITEMS ...]          (default: 100 1000 10000)

Builds one finished run per size in a fresh SQLite ledger (rows written in bulk), signs
an auditor in through Starlette's test client, and times GET /runs/RUN (the first page
of 50 items, counts by status, verification of its recording) and GET /runs/RUN?page=LAST.
Medians of 7 requests after one warm-up.
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

_REPEATS = 7


def _run_of(ledger: Ledger, engine: object, project: Path, size: int) -> str:
    run, _ = ledger.open_run("invoice_entry", f"/in/{size}.xlsx", f"sha-{size}", project / "recordings" / "invoice_entry")
    rows = [{"run_id": run.id, "row": row, "reference": f"v|N-{row}", "status": "failed" if row % 50 == 0 else "done",
             "app_ref": str(row), "message": "entered", "shots": ""} for row in range(2, size + 2)]
    with engine.begin() as db:  # type: ignore[attr-defined]
        db.execute(run_items.insert(), rows)
    ledger.finish_run(run.id, RunStatus.COMPLETED, {"done": size})
    return run.id


def _median_ms(client: TestClient, path: str) -> float:
    client.get(path)
    times = []
    for _ in range(_REPEATS):
        started = time.perf_counter()
        assert client.get(path).status_code == 200
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


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
            client.post("/login", data={"name": "aud1", "password": "bench-auditor-pass"})
            first = {size: _median_ms(client, f"/runs/{run}") for size, run in runs.items()}
            last = {size: _median_ms(client, f"/runs/{run}?page={(size + 49) // 50}") for size, run in runs.items()}
        base = sizes[0]
        print("| items | first page ms | ratio | last page ms | ratio |")
        print("|---:|---:|---:|---:|---:|")
        for size in sizes:
            print(f"| {size} | {first[size]:.1f} | {first[size] / first[base]:.2f} | {last[size]:.1f} | "
                  f"{last[size] / last[base]:.2f} |")
    finally:
        shutil.rmtree(project, ignore_errors=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 1000, 10000])
