#!/usr/bin/env bash
# Set up clerk on a fresh Debian 12 machine, as root: system packages, the Python
# environment (.venv) and the sandbox applications the bots work against.
#
#   bash sandbox/setup.sh                   # LedgerSMB only (enough for invoice_entry)
#   bash sandbox/setup.sh ledgersmb rt gnucash
#   bash sandbox/setup.sh ledger-db rabbitmq  # the shared ledger and the Celery broker (more than one machine)
#
# Idempotent: a second run only checks and starts what is not running.
set -euo pipefail
cd "$(dirname "$0")/.."
APPS=("${@:-ledgersmb}")
log() { echo "[setup] $*" >&2; }

[ "$(id -u)" = 0 ] || { echo "run as root (the sandbox installs Debian packages)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

apt_install() {   # install only what is missing; refresh the package lists once if needed
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
    apt-get update >/dev/null && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
}

# Debian's chromium: Playwright drives it; `playwright install` downloads nothing here.
apt_install python3 python3-venv python3-pip python3-tk chromium fonts-dejavu-core ca-certificates sqlite3

if [ ! -x .venv/bin/python ]; then
  log "creating .venv"
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import clerk, pytest" 2>/dev/null || [ pyproject.toml -nt .venv/.installed ]; then
  log "pip install -e .[test]"
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -e ".[test]"
  touch .venv/.installed
fi

for app in "${APPS[@]}"; do
  log "starting the sandbox app: $app"
  bash "sandbox/$app-up.sh" >/dev/null
done
log "ready: .venv, ${APPS[*]}"
