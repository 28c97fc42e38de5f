#!/usr/bin/env bash
# Stop what ledger-db-up.sh started: the PostgreSQL cluster, only if that script started it
# (LedgerSMB shares the cluster). The clerk_ledger database and role are kept.
set -uo pipefail
STATE=/run/clerk-ledger-db
if [ -f "$STATE/started-postgres" ] && [ "${KEEP_POSTGRES:-0}" != 1 ]; then
  read -r ver cluster < "$STATE/started-postgres"
  pg_ctlcluster "$ver" "$cluster" stop && echo "[ledger-db-down] postgresql $ver/$cluster stopped"
  rm -f "$STATE/started-postgres"
else
  echo "[ledger-db-down] PostgreSQL was not started by ledger-db-up.sh: left running"
fi
