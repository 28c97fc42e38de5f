"""``python -m clerk`` is the ``clerk`` command."""

from clerk.cli import main

main()
