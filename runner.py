"""The clerk command, runnable from a checkout: ``python runner.py run invoice_entry --input FILE``."""

from clerk.cli import main

if __name__ == "__main__":
    main()
