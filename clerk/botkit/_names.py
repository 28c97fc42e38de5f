"""The selector names a bot's code uses, found without running it.

Every string literal that looks like a logical name (dotted: ``ap.add.vendor``) and is passed
to a WebPage or desktop method that takes a selector name counts as used. Names built at run
time (f-strings, variables) are not seen; the live check (``clerk selectors check``) covers
those screens.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

# methods of clerk.web.WebPage and clerk.desktop's driver whose first argument is a selector name
_NAME_FIRST = frozenset({
    "click", "fill", "press", "check", "hover", "download", "value", "text", "attribute", "texts", "table",
    "count", "is_visible", "wait", "replacing", "find", "find_window", "wait_window", "wait_gone", "keys",
    "menu", "locate", "click_image", "activate",
})
_ALL_NAMES = frozenset({"wait_any", "preflight"})  # every positional argument is a name
_NAME_KEYWORDS = frozenset({"on"})  # web.evaluate(script, on="ticket.rows")
_LOGICAL_NAME = re.compile(r"^[A-Za-z_][\w-]*(\.[\w-]+)+$")


@dataclass(frozen=True, slots=True)
class NameUse:
    name: str
    path: Path
    line: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def used_names(files: list[Path]) -> list[NameUse]:
    """Every logical name passed to a selector-taking method in ``files``, in file order."""
    found: list[NameUse] = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                found += [NameUse(name, path, line) for name, line in _names_in(node)]
    return sorted(found, key=lambda use: (str(use.path), use.line))


def _names_in(call: ast.Call) -> list[tuple[str, int]]:
    assert isinstance(call.func, ast.Attribute)
    method = call.func.attr
    candidates: list[ast.expr] = []
    if method in _ALL_NAMES:
        candidates += call.args
    elif method in _NAME_FIRST and call.args:
        candidates.append(call.args[0])
    candidates += [k.value for k in call.keywords if k.arg in _NAME_KEYWORDS]
    return [(c.value, c.lineno) for c in candidates
            if isinstance(c, ast.Constant) and isinstance(c.value, str) and _LOGICAL_NAME.match(c.value)]
