#!/usr/bin/env bash
# Put sandbox apps back to their freshly seeded state: everything the bots and the
# tests entered is dropped, and the up script seeds the app again and starts it.
#
#   bash sandbox/reset.sh                     # LedgerSMB only
#   bash sandbox/reset.sh ledgersmb rt gnucash
set -euo pipefail
cd "$(dirname "$0")"
APPS=("${@:-ledgersmb}")
log() { echo "[reset] $*" >&2; }

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }

for app in "${APPS[@]}"; do
  case "$app" in
    ledgersmb)
      # Keep PostgreSQL running: dropdb needs it. Login roles are cluster-wide and stay.
      KEEP_POSTGRES=1 bash ledgersmb-down.sh >/dev/null
      su postgres -c "dropdb --if-exists ${LSMB_COMPANY:-acme}"
      ;;
    rt)
      bash rt-down.sh >/dev/null
      rm -f /var/lib/request-tracker5/peers-seeded /var/lib/dbconfig-common/sqlite3/request-tracker5/rtdb
      ;;
    gnucash)
      bash gnucash-down.sh >/dev/null
      rm -f /var/lib/gnucash-peer/acme.gnucash
      ;;
    *) echo "unknown sandbox app: $app (ledgersmb, rt or gnucash)" >&2; exit 2 ;;
  esac
  log "$app: data dropped; seeding and starting it again"
  bash "$app-up.sh" >/dev/null
done
log "reset: ${APPS[*]}"
