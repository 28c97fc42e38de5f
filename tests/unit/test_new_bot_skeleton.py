"""``clerk new bot NAME --app APP`` writes the skeleton package, and refuses to overwrite or to
take a name that is not a Python name."""

from __future__ import annotations

from pathlib import Path

import pytest

from clerk.cli import main


def test_it_writes_a_package_and_refuses_to_overwrite_it(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["new", "bot", "acme_orders", "--app", "order_desk", "--into", str(tmp_path)])
    assert exit_.value.code == 0
    folder = tmp_path / "acme_orders"
    assert {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} == {
        "pyproject.toml", "README.md", "acme_orders/__init__.py", "acme_orders/bot.py", "acme_orders/model.py",
        "acme_orders/screens.py", "acme_orders/selectors/order_desk.yaml", "acme_orders/defaults.toml",
        "acme_orders/sample.csv", "dev/order_desk/index.html", "tests/test_acme_orders.py"}
    assert 'acme_orders = "acme_orders.bot:BOT"' in (folder / "pyproject.toml").read_text()
    assert "class OrderDesk(WebApp):" in (folder / "acme_orders" / "screens.py").read_text()
    assert "CLERK_ORDER_DESK_USER" in (folder / "tests" / "test_acme_orders.py").read_text()
    for text in (p.read_text() for p in folder.rglob("*") if p.is_file()):
        assert "__NAME__" not in text and "__APP" not in text and "__CLASS__" not in text
    with pytest.raises(SystemExit) as again:
        main(["new", "bot", "acme_orders", "--app", "order_desk", "--into", str(tmp_path)])
    assert again.value.code == 2
    assert "already exists" in capsys.readouterr().err


def test_a_name_that_is_not_a_python_name_is_refused(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["new", "bot", "Acme-Orders", "--app", "shop", "--into", str(tmp_path)])
    assert exit_.value.code == 2
    assert "'Acme-Orders' must be lower case letters, digits and _" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
