"""``clerk console``: a small self-hosted web app over the ledger, the schedule and the recordings."""

from __future__ import annotations

from clerk.webconsole._accounts import Accounts, Role
from clerk.webconsole._app import ConsoleConfig, build_app

__all__ = ["Accounts", "ConsoleConfig", "Role", "build_app"]
