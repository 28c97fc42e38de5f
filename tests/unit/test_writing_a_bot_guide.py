"""docs/writing-a-bot.md cannot rot: every file it shows is, byte for byte, what ``clerk new bot``
writes (and tests/test_new_bot.py installs and runs that package), and the bot it teaches
stays small."""

from __future__ import annotations

import re
from pathlib import Path

from clerk.botkit._skeleton import skeleton_files

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "writing-a-bot.md"
_SHOWN = re.compile(r"<!-- file: (?P<path>\S+) -->\n```\w*\n(?P<text>.*?)```\n", re.DOTALL)


def shown_files() -> dict[str, str]:
    return {m["path"]: m["text"] for m in _SHOWN.finditer(GUIDE.read_text(encoding="utf-8"))}


def test_every_file_the_guide_shows_is_what_clerk_new_writes() -> None:
    written = skeleton_files("acme_orders", "orderdesk")
    shown = shown_files()
    assert len(shown) == 6
    for path, text in shown.items():
        assert text == written[path], f"docs/writing-a-bot.md shows an outdated {path}"


def test_the_guide_shows_all_of_the_bots_python_and_it_is_at_most_60_lines() -> None:
    written = skeleton_files("acme_orders", "orderdesk")
    python = {path for path, text in written.items() if path.startswith("acme_orders/") and path.endswith(".py") and text}
    assert python <= set(shown_files())
    lines = sum(1 for path in python for line in written[path].splitlines() if line.strip())
    assert lines <= 60
    assert f"Its Python is {lines} lines" in GUIDE.read_text(encoding="utf-8")
