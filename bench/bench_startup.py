"""Start-up of the clerk command against a bare `python -c "import playwright.sync_api"`.

    .venv/bin/python bench/bench_startup.py [ROUNDS] [--base OTHER_CHECKOUT]

Each command runs in a fresh interpreter, the commands interleaved round by round so that a
busy machine slows each alike; the table shows each one's median wall time and its ratio
to the bare import. `clerk run` is measured to the point just before its browser starts:
without credentials it imports the engine, the bot and Playwright, reads its input, then
stops with exit code 2 at the missing login. With ``--base`` the same commands also run
against another checkout of clerk (PYTHONPATH), e.g. main before a change.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
ROW = "Globex Telecom LLC,INV-1,2026-11-15,2026-12-15,123.45,5780,Phone bill\n"


def commands(invoices: Path) -> dict[str, list[str]]:
    clerk = [sys.executable, "-c", "from clerk.cli import main; main()", "--project", str(CHECKOUT)]
    return {
        "python -c 'import playwright.sync_api'": [sys.executable, "-c", "import playwright.sync_api"],
        "clerk --help": [*clerk, "--help"],
        "clerk run (to the browser start)": [*clerk, "run", "invoice_entry", "--input", str(invoices)],
    }


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, cwd=env["HOME"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main(rounds: int, base: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        invoices = Path(tmp) / "invoices.csv"
        invoices.write_text("Vendor,Invoice Number,Invoice Date,Due Date,Amount,Account,Description\n" + ROW)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp,
               "CLERK_CLERK__DATA_DIR": f'"{tmp}/var"', "CLERK_CLERK__RECORDINGS_DIR": f'"{tmp}/rec"'}
        checkouts = {"": env} | ({f" [{base.name}]": env | {"PYTHONPATH": str(base)}} if base else {})
        runs: dict[str, list[float]] = {}
        for _ in range(rounds):
            for label, argv in commands(invoices).items():
                for suffix, checkout_env in checkouts.items():
                    if label.startswith("python") and suffix:
                        continue
                    seconds = timed(argv, checkout_env)
                    print(f"{label}{suffix}: {seconds:.2f} s", file=sys.stderr)
                    runs.setdefault(label + suffix, []).append(seconds)
    print(f"load average {os.getloadavg()[0]:.1f} at the end; median of {rounds} rounds\n")
    bare = statistics.median(next(iter(runs.values())))
    print("| command | wall time | ratio to the bare import |")
    print("|---|---:|---:|")
    for label, times in runs.items():
        print(f"| {label} | {statistics.median(times):.2f} s | {statistics.median(times) / bare:.2f} |")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    other = Path(arguments[arguments.index("--base") + 1]) if "--base" in arguments else None
    numbers = [a for a in arguments if a.isdigit()]
    main(int(numbers[0]) if numbers else 5, other)
