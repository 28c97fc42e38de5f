"""The ledger's cost per item on SQLite and on the sandbox's PostgreSQL, in one run.

    . sandbox/credentials.sh; .venv/bin/python bench/bench_ledger.py [ITEMS]

Per backend: one process doing claim + settle + record_result for ITEMS new references
(the ledger work of one item), and four processes racing for the same ITEMS references
(tests/ledger/racers.py). Prints items per second and the PostgreSQL / SQLite ratio.
PostgreSQL runs in a schema of its own in clerk_ledger, dropped afterwards.
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clerk._ledger import ItemState, Ledger
from clerk._ledger_db import create_ledger_engine, parse_url
from tests.ledger.racers import race

PG = "postgresql://clerk_ledger@127.0.0.1:5432/clerk_ledger"


def one_process(url: str, items: int) -> float:
    ledger = Ledger(url)
    try:
        run, _ = ledger.open_run("bench", "bench.xlsx", uuid.uuid4().hex, Path("recordings"))
        started = time.perf_counter()
        for n in range(items):
            reference = f"bench-{n}"
            ledger.claim("bench", reference, run.id)
            ledger.settle("bench", reference, run.id, ItemState.DONE, app_ref=str(n))
            ledger.record_result(run.id, n + 2, reference=reference, status="done", app_ref=str(n), message="")
        return items / (time.perf_counter() - started)
    finally:
        ledger.close()


def racing(url: str, items: int, folder: Path) -> float:
    Ledger(url).close()  # migrate first: the race measures claims, not the schema
    started = time.perf_counter()
    entered = race(url, folder, [f"race-{n}" for n in range(items)], 4)
    assert sorted(entered.values()) == [1] * items, "a reference was entered twice or lost"
    return items / (time.perf_counter() - started)


def main(items: int) -> None:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_ledger_engine(parse_url(PG))
    with admin.begin() as db:
        db.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            urls = {"sqlite": f"sqlite:///{folder / 'a.sqlite3'}",
                    "postgresql": f"{PG}?options=-csearch_path%3D{schema}"}
            solo = {name: one_process(url, items) for name, url in urls.items()}
            urls = {"sqlite": f"sqlite:///{folder / 'b.sqlite3'}", "postgresql": urls["postgresql"]}
            raced = {name: racing(url, items, folder / name) for name, url in urls.items()}
    finally:
        with admin.begin() as db:
            db.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
    print(f"| {items} items | SQLite | PostgreSQL | PostgreSQL / SQLite |")
    print("|---|---:|---:|---:|")
    for label, figures in (("one process: items/s", solo), ("four racing processes: items/s", raced)):
        print(f"| {label} | {figures['sqlite']:.0f} | {figures['postgresql']:.0f} | "
              f"{figures['postgresql'] / figures['sqlite']:.2f} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
