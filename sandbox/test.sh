#!/usr/bin/env bash
# Set up everything (all sandbox apps) and run the whole test suite, e2e tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash sandbox/setup.sh ledgersmb rt gnucash ledger-db rabbitmq
# shellcheck source=credentials.sh
. sandbox/credentials.sh
export DISPLAY="${DISPLAY:-:77}" XAUTHORITY="${XAUTHORITY:-/var/lib/gnucash-peer/empty.Xauthority}"
# pytest exits 5 when it collected no test: with set -e that fails the run too.
.venv/bin/pytest -p no:cacheprovider "$@"
