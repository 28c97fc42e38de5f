#!/usr/bin/env bash
# Stop what ledger-db-up.sh started: the PostgreSQL cluster, only if that script started it
# (LedgerSMB shares the cluster). The clerk_ledger database and role are kept.
set -uo pipefail
. "$(dirname "$0")/postgres.sh"
log() { echo "[ledger-db-down] $*"; }

postgres_down /run/clerk-ledger-db
