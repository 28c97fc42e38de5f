#!/usr/bin/env bash
# A PostgreSQL database for clerk's shared ledger, on 127.0.0.1 only (Debian's postgresql,
# the same cluster LedgerSMB uses): the role and database `clerk_ledger`. Idempotent; as root.
#
#   bash sandbox/ledger-db-up.sh     # then: . sandbox/credentials.sh
#   bash sandbox/ledger-db-down.sh   # stops the cluster only if this script started it
#
# The password comes from CLERK_LEDGER_PASSWORD (sandbox/credentials.sh sets the sandbox's);
# config holds only the URL without it: [ledger] url = "postgresql://clerk_ledger@127.0.0.1:5432/clerk_ledger"
set -euo pipefail
cd "$(dirname "$0")"
. ./credentials.sh
. ./postgres.sh
ROLE=clerk_ledger
DB=clerk_ledger
STATE=/run/clerk-ledger-db
log() { echo "[ledger-db-up] $*" >&2; }
psql_pg() { su postgres -s /bin/sh -c "psql -X -q -v ON_ERROR_STOP=1 $*"; }

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
mkdir -p "$STATE"
export DEBIAN_FRONTEND=noninteractive

postgres_up "$STATE"

psql_pg "-v role=$ROLE" <<SQL
\\set pw '$(printf '%s' "$CLERK_LEDGER_PASSWORD" | sed "s/'/''/g")'
SELECT format(CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role')
                   THEN 'ALTER ROLE %I LOGIN PASSWORD %L' ELSE 'CREATE ROLE %I LOGIN PASSWORD %L' END,
              :'role', :'pw') \\gexec
SQL
if ! psql_pg "-tAc \"SELECT 1 FROM pg_database WHERE datname = '$DB'\"" | grep -q 1; then
  log "creating database $DB (owner $ROLE)"
  psql_pg "-c 'CREATE DATABASE $DB OWNER $ROLE'"
fi
PGPASSWORD="$CLERK_LEDGER_PASSWORD" psql -X -q -h 127.0.0.1 -p "$PGPORT" -U "$ROLE" -d "$DB" -tAc 'SELECT 1' >/dev/null || {
  log "cannot log in as $ROLE on 127.0.0.1:$PGPORT"; exit 1; }
echo "ledger: postgresql://$ROLE@127.0.0.1:$PGPORT/$DB (password: CLERK_LEDGER_PASSWORD from sandbox/credentials.sh)"
