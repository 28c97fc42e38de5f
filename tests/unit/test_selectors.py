"""Selector files: validated when they load, resolved by logical name, errors that say where."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from clerk import ConfigError
from clerk._selectors import SelectorBook

GOOD = """
app: shop
selectors:
  login.user:      {css: "input[name=login]"}
  login.password:  {css: "input[name=password]", sensitive: true}
  login.submit:    {role: button, name: Login, exact: true}
  menu.entry:      {role: treeitem, name: "{entry}", exact: true}
  account.menu:    {css: "#AP_amount_1_menu"}
  account.option:  {role: option, name_pattern: "^{account}--", within: account.menu}
  search.row:      {xpath: "//tr[td='{number}']"}
  editor.body:     {css: body, frame: iframe.cke_wysiwyg_frame}
  error.heading:   {text: "Error!", exact: true, note: "heading of the error page"}
  vendor.field:    {label: Vendor}
  results.total:   {css: "table.report tr", has_text: Total}
  secret.of.user:  {css: "#token-{user}", sensitive: true}
"""


def write_book(tmp_path: Path, text: str, app: str = "shop") -> Path:
    folder = tmp_path / "selectors"
    folder.mkdir(exist_ok=True)
    (folder / f"{app}.yaml").write_text(text, encoding="utf-8")
    return folder


def load(tmp_path: Path, text: str, app: str = "shop") -> SelectorBook:
    return SelectorBook.load(write_book(tmp_path, text, app), app)


class Recorder:
    """Stands in for a Playwright Page/Locator/FrameLocator and records how it was scoped."""

    def __init__(self, path: tuple[Any, ...] = ()) -> None:
        self.path = path

    def _step(self, *step: Any) -> Recorder:
        return Recorder((*self.path, step))

    def locator(self, selector: str) -> Recorder:
        return self._step("locator", selector)

    def frame_locator(self, selector: str) -> Recorder:
        return self._step("frame", selector)

    def get_by_role(self, role: str, *, name: Any = None, exact: Any = None) -> Recorder:
        return self._step("role", role, name, exact)

    def get_by_text(self, text: str, *, exact: Any = None) -> Recorder:
        return self._step("text", text, exact)

    def get_by_label(self, text: str, *, exact: Any = None) -> Recorder:
        return self._step("label", text, exact)

    def filter(self, *, has_text: str) -> Recorder:
        return self._step("filter", has_text)


def steps(book: SelectorBook, name: str, **params: Any) -> tuple[Any, ...]:
    return book.locator(Recorder(), name, **params).path  # type: ignore[arg-type, attr-defined]


# ---------------------------------------------------------------------------- loading and resolving
def test_a_good_file_loads(tmp_path: Path) -> None:
    book = load(tmp_path, GOOD)
    assert book.app == "shop"
    assert "login.submit" in book.names() and book.names() == sorted(book.names())
    assert book.spec("login.password").sensitive
    assert not book.spec("login.user").sensitive
    assert book.spec("menu.entry").placeholders == {"entry"}
    # a templated sensitive selector cannot be masked without its values
    assert book.sensitive_names() == ["login.password"]


def test_each_strategy_resolves_to_the_matching_playwright_call(tmp_path: Path) -> None:
    book = load(tmp_path, GOOD)
    assert steps(book, "login.user") == (("locator", "input[name=login]"),)
    assert steps(book, "login.submit") == (("role", "button", "Login", True),)
    assert steps(book, "search.row", number="INV-1") == (("locator", "xpath=//tr[td='INV-1']"),)
    assert steps(book, "editor.body") == (("frame", "iframe.cke_wysiwyg_frame"), ("locator", "body"))
    assert steps(book, "error.heading") == (("text", "Error!", True),)
    assert steps(book, "vendor.field") == (("label", "Vendor", None),)
    assert steps(book, "results.total") == (("locator", "table.report tr"), ("filter", "Total"))


def test_within_scopes_and_name_pattern_placeholders_are_regex_escaped(tmp_path: Path) -> None:
    book = load(tmp_path, GOOD)
    (menu, (kind, role, pattern, exact)) = steps(book, "account.option", account="5780.1")
    assert menu == ("locator", "#AP_amount_1_menu")
    assert (kind, role, exact) == ("role", "option", None)
    assert isinstance(pattern, re.Pattern) and pattern.pattern == r"^5780\.1--"
    assert pattern.search("5780.1--Telephone") and not pattern.search("5780x1--Telephone")
    # plain name placeholders are filled as they are
    assert steps(book, "menu.entry", entry="A.P") == (("role", "treeitem", "A.P", True),)


def test_a_missing_placeholder_value_names_the_app_the_selector_and_the_placeholder(tmp_path: Path) -> None:
    book = load(tmp_path, GOOD)
    with pytest.raises(ConfigError, match=r"shop: selector 'account.option' needs a value for \{account\}"):
        book.locator(Recorder(), "account.option")  # type: ignore[arg-type]


def test_an_unknown_name_names_the_app_and_the_name(tmp_path: Path) -> None:
    book = load(tmp_path, GOOD)
    with pytest.raises(ConfigError) as caught:
        book.locator(Recorder(), "login.pasword")  # type: ignore[arg-type]
    assert str(caught.value).startswith("shop: no selector named 'login.pasword'")
    assert str(book.path) in str(caught.value)
    assert caught.value.exit_code == 2


# ---------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("{css: a, colour: red}", "unknown field(s) colour"),
        ("{css: a, xpath: //a}", "needs exactly one of css, xpath, role, text, label"),
        ("{role: button, text: Save}", "needs exactly one of"),
        ("{exact: true}", "needs exactly one of"),
        ("{}", "needs exactly one of"),
        ("{css: a, name: Save}", "name/name_pattern/exact only go with role, text or label"),
        ("{role: option, name: A, name_pattern: ^A}", "give either name or name_pattern, not both"),
        ('"input[name=x]"', "each selector must be a name with a mapping of fields"),
        ("[css, a]", "each selector must be a name with a mapping of fields"),
    ],
)
def test_malformed_specs_name_the_app_file_and_logical_name(tmp_path: Path, entry: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, f"selectors:\n  ok.one: {{css: a}}\n  bad.one: {entry}\n")
    message = str(caught.value)
    assert "shop.yaml: bad.one: " in message
    assert words in message


def test_unknown_within_names_the_selector_and_the_missing_parent(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"shop.yaml: row.cell: 'within' names unknown selector 'row.tabel'"):
        load(tmp_path, "selectors:\n  row.table: {css: table}\n  row.cell: {css: td, within: row.tabel}\n")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "expected a top-level 'selectors:' mapping"),
        ("- css: a\n", "expected a top-level 'selectors:' mapping"),
        ("selectors:\n  - {css: a}\n", "expected a top-level 'selectors:' mapping"),
        ("selectors: {a: {css: b}\n", "not valid YAML"),
    ],
)
def test_unusable_files(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(words)):
        load(tmp_path, text)


def test_a_missing_file_names_the_app(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^nowhere: selector file .*nowhere.yaml not found"):
        SelectorBook.load(tmp_path, "nowhere")


# ---------------------------------------------------------------------------- the project's own files
_WEB_STRATEGIES = {"css", "xpath", "role", "text", "label"}
_DESKTOP_STRATEGIES = {"window", "window_pattern", "keys", "menu", "field", "image", "region"}


def _is_desktop_file(path: Path) -> bool:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("selectors") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        return False  # malformed: let the web loader say why
    keys = {key for spec in entries.values() if isinstance(spec, dict) for key in spec}
    return bool(keys & _DESKTOP_STRATEGIES) and not keys & _WEB_STRATEGIES


def _project_selector_files() -> list[Path]:
    return sorted((Path(__file__).resolve().parents[2] / "bots" / "selectors").glob("*.yaml"))


def test_the_real_ledgersmb_selectors_validate(checkout: Path) -> None:
    book = SelectorBook.load(checkout / "bots" / "selectors", "ledgersmb")
    assert {"login.user", "login.password", "main.pane", "ap.add.post", "ap.search.results"} <= set(book.names())
    assert "login.password" in book.sensitive_names()


def _web_selector_files() -> list[Path]:
    return [path for path in _project_selector_files() if not _is_desktop_file(path)]


@pytest.mark.parametrize("path", _web_selector_files(), ids=lambda p: p.name)
def test_every_web_selector_file_of_the_project_validates(path: Path) -> None:
    book = SelectorBook.load(path.parent, path.stem)
    assert book.names(), f"{path.name} defines no selectors"
    for name in book.names():
        book.spec(name)


_NAME_IN_CODE = re.compile(
    r"\bweb\.(?:click|fill|press|check|value|text|attribute|texts|table|count|is_visible|wait|find|replacing)"
    r"\(\s*\"([a-z0-9_.]+)\""
)
_NAMES_IN_CALL = re.compile(r"\b(?:wait_any|navigate)\(([^)]*)\)")
_QUOTED_NAME = re.compile(r"\"([a-z0-9_]+\.[a-z0-9_.]+)\"")


def _names_used_in(source: str) -> set[str]:
    names = set(_NAME_IN_CODE.findall(source))
    for arguments in _NAMES_IN_CALL.findall(source):
        names |= set(_QUOTED_NAME.findall(arguments))
    return names


def test_every_logical_name_used_by_the_bots_exists(checkout: Path) -> None:
    """A typo in a selector name should fail here, not halfway through a run."""
    known: set[str] = set()
    for path in _web_selector_files():
        known |= set(SelectorBook.load(path.parent, path.stem).names())
    used: dict[str, set[str]] = {}
    for source in (checkout / "bots").rglob("*.py"):
        for name in _names_used_in(source.read_text(encoding="utf-8")):
            used.setdefault(name, set()).add(str(source.relative_to(checkout)))
    assert used, "found no web.<action>(\"name\") calls in bots/"
    unknown = {name: sorted(files) for name, files in used.items() if name not in known}
    assert not unknown, f"selector names used in bots/ but defined in no selectors/*.yaml: {unknown}"


# ---------------------------------------------------------------------------- fallbacks
FALLBACKS = """
selectors:
  form.save:
    - {css: "button#save"}
    - {role: button, name: Save, exact: true, note: "after the 2.3 redesign"}
  form.token:
    - {css: "#token"}
    - {label: Token, sensitive: true}
  form.row: {css: tr, within: form.save}
"""


def test_a_name_may_list_fallbacks_in_the_order_they_are_tried(tmp_path: Path) -> None:
    book = load(tmp_path, FALLBACKS)
    assert [s.describe() for s in book.alternatives("form.save")] == [
        'css "button#save"', 'role "button" name "Save" exact True']
    assert [l.path for l in book.locators(Recorder(), "form.save")] == [  # type: ignore[arg-type, attr-defined]
        (("locator", "button#save"),), (("role", "button", "Save", True),)]
    assert steps(book, "form.save") == (("locator", "button#save"),)  # the first spec comes first
    assert book.sensitive_names() == ["form.token"]  # a sensitive fallback masks the name


@pytest.mark.parametrize(
    ("entry", "words"),
    [("[]", "each selector must be a name with a mapping of fields"),
     ("[{css: a}, {css: b, colour: red}]", "bad.one (fallback 1): unknown field(s) colour"),
     ("[{css: a}, b]", "bad.one (fallback 1): each selector must be")],
)
def test_a_malformed_fallback_names_its_place(tmp_path: Path, entry: str, words: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(words)):
        load(tmp_path, f"selectors:\n  bad.one: {entry}\n")
