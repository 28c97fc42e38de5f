# Debian's PostgreSQL cluster, shared by LedgerSMB and clerk's ledger database: sourced by
# ledgersmb-up/-down.sh and ledger-db-up/-down.sh. Each caller passes its own state folder,
# so its down script stops the cluster only if its up script was the one that started it.
#
#   . ./postgres.sh
#   postgres_up "$STATE"      # sets PGVER, PGCLUSTER, PGPORT; as root
#   postgres_down "$STATE"    # KEEP_POSTGRES=1 leaves it running
# The caller defines log().

postgres_up() {
  local state="$1" listen
  if ! dpkg -s postgresql >/dev/null 2>&1; then
    log "installing postgresql"
    apt-get install -y --no-install-recommends postgresql >/dev/null 2>&1 || {
      apt-get update >/dev/null && apt-get install -y --no-install-recommends postgresql >/dev/null; }
  fi
  PGVER="$(pg_lsclusters -h 2>/dev/null | awk 'NR==1{print $1}')"
  if [ -z "$PGVER" ]; then
    PGVER="$(ls /usr/lib/postgresql | sort -n | tail -1)"
    log "creating PostgreSQL cluster $PGVER/main"
    pg_createcluster "$PGVER" main >/dev/null
  fi
  PGCLUSTER="$(pg_lsclusters -h | awk 'NR==1{print $2}')"
  PGPORT="$(pg_lsclusters -h | awk 'NR==1{print $3}')"
  listen="$(pg_conftool -s "$PGVER" "$PGCLUSTER" show listen_addresses 2>/dev/null || echo localhost)"
  case "$listen" in localhost|127.0.0.1|"'localhost'") ;; *)
    log "refusing: the cluster listens on $listen; the sandbox keeps PostgreSQL on loopback"; return 1 ;;
  esac
  if ! pg_lsclusters -h | awk 'NR==1{print $4}' | grep -q online; then
    log "starting PostgreSQL $PGVER/$PGCLUSTER on localhost:$PGPORT"
    pg_ctlcluster "$PGVER" "$PGCLUSTER" start
    echo "$PGVER $PGCLUSTER" > "$state/started-postgres"
  fi
}

postgres_down() {
  local state="$1" ver cluster
  if [ -f "$state/started-postgres" ] && [ "${KEEP_POSTGRES:-0}" != 1 ]; then
    read -r ver cluster < "$state/started-postgres"
    pg_ctlcluster "$ver" "$cluster" stop && log "postgresql $ver/$cluster stopped"
    rm -f "$state/started-postgres"
  else
    log "PostgreSQL was not started from $state: left running"
  fi
}
