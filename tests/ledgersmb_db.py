"""The sandbox LedgerSMB's company database (``acme``), read by e2e tests as the postgres user:
what the application really holds, whatever its screens say."""

from __future__ import annotations

import subprocess


def psql(sql: str) -> list[list[str]]:
    """Run SQL in the company database; the rows as lists of text."""
    command = "psql -X -q -v ON_ERROR_STOP=1 -tA -F '\t' -d acme"
    done = subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", command],
                          input=sql, check=True, capture_output=True, text=True)
    return [line.split("\t") for line in done.stdout.splitlines() if line]


def ap_invoice_numbers(prefix: str) -> list[str]:
    """Invoice numbers of LedgerSMB's ap table starting with ``prefix``, one entry per row."""
    return [row[0] for row in psql(f"SELECT invnumber FROM ap WHERE invnumber LIKE '{prefix}%' ORDER BY invnumber")]
