#!/usr/bin/env bash
# The demo: set up everything, then post the sample workbook's invoices into the
# sandbox LedgerSMB and say where the results workbook and the recordings are.
# Run it twice: the second run finds every invoice already present and posts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash sandbox/setup.sh ledgersmb
# shellcheck source=credentials.sh
. sandbox/credentials.sh
status=0
.venv/bin/clerk run invoice_entry --input samples/invoices.xlsx --output var/demo/invoices.results.xlsx || status=$?
echo
echo "The AP transactions are in LedgerSMB: http://127.0.0.1:5762/login.pl (company acme; the sandbox login is in sandbox/credentials.sh), AP > Search."
exit "$status"
