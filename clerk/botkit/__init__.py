"""Tools for people who write and look after bots: ``clerk check``, ``clerk selectors check``,
``clerk new bot`` and ``clerk confirm``."""

from __future__ import annotations

from clerk.botkit._cli import COMMANDS

__all__ = ["COMMANDS"]
