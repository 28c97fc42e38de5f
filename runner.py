"""The unattended runner: ``python runner.py`` starts the scheduler (like ``clerk schedule``).

With arguments it is the clerk command, e.g. ``python runner.py run invoice_entry --input FILE``.
"""

from __future__ import annotations

import sys

from clerk.cli import main

if __name__ == "__main__":
    main(sys.argv[1:] or ["schedule"])
