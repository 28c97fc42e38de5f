"""Framework and bot code synchronizes on what applications, the ledger and the broker
show, never on a timer: no ``time.sleep`` (or ``sleep`` imported from time), and no
``force=True`` that clicks past what the page says."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    sleeps = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
              and node.module == "time" for alias in node.names if alias.name == "sleep"}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        called = node.func
        if (isinstance(called, ast.Attribute) and called.attr == "sleep" and isinstance(called.value, ast.Name)
                and called.value.id == "time") or (isinstance(called, ast.Name) and called.id in sleeps):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: sleep")
        if any(k.arg == "force" and isinstance(k.value, ast.Constant) and k.value.value is True for k in node.keywords):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: force=True")
    return found


def test_no_code_of_clerk_or_its_bots_waits_on_a_timer_or_forces_a_click() -> None:
    files = sorted([*(ROOT / "clerk").rglob("*.py"), *(ROOT / "bots").rglob("*.py")])
    assert len(files) > 50
    assert [o for path in files for o in offences(path)] == []
