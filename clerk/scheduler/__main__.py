"""``python -m clerk.scheduler REQUEST.json``: one run, in a child process of the runner.

Internal: the runner starts this (see _launch.py and _child.py). To run the scheduler
itself, use ``python runner.py`` or ``clerk schedule``.
"""

from __future__ import annotations

import sys

from clerk.scheduler._child import main

sys.exit(main(sys.argv[1:]))
