"""A real Playwright trace, chunked by item: only the failed item's chunk is kept, and it
holds neither the password nor what was typed into a sensitive field."""

from __future__ import annotations

import uuid
import zipfile
from pathlib import Path

import pytest

from clerk._config import WebSettings
from clerk._secrets import REDACTOR
from clerk._selectors import SelectorBook
from clerk.audit._trace import ItemTracer
from clerk.web import BrowserHost, WebPage
from tests.audit_helpers import find_secrets

pytestmark = pytest.mark.web

PAGE = """<form><input name=name><input name=iban><input id=pw type=password><input id=pw2 type=password></form>"""
SELECTORS = """app: demo
selectors:
  form.name: {css: "input[name=name]"}
  form.iban: {css: "input[name=iban]", sensitive: true}
  login.password: {css: "#pw", sensitive: true}
  other.password: {css: "#pw2"}
"""


def test_only_the_failed_items_trace_is_kept_and_it_is_masked(tmp_path: Path) -> None:
    secret, iban = f"pw-{uuid.uuid4().hex[:10]}", f"DE44 {uuid.uuid4().int % 10**8:08d}"
    REDACTOR.register(secret)
    (tmp_path / "demo.yaml").write_text(SELECTORS)
    host = BrowserHost(WebSettings())
    try:
        web = WebPage(host.new_page(), SelectorBook.load(tmp_path, "demo"), 5000)
        web.page.set_content(PAGE)
        tracer = ItemTracer(tmp_path / "traces", "failed")
        tracer.attach("demo", web)
        web.fill("login.password", secret)  # the login, in the run's chunk: no failure, so dropped
        tracer.next_item("row-00002")
        web.fill("form.name", "ACME Supplies")
        web.fill("form.iban", iban)
        web.fill("other.password", secret)  # a password field nobody marked sensitive
        assert web.value("form.iban") == iban
        tracer.mark_failed()
        tracer.next_item("row-00003")
        web.fill("form.name", "Globex")  # succeeded: dropped
        tracer.close()
    finally:
        host.close()
    kept = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "traces").rglob("*") if p.is_file())
    assert kept == ["traces/row-00002/demo-trace.zip"]
    trace = tmp_path / kept[0]
    assert find_secrets([trace], [secret, iban]) == []
    text = zipfile.ZipFile(trace).read("trace.trace").decode()
    assert "ACME Supplies" in text and "Globex" not in text  # what is not sensitive stays as evidence
    assert text.count("[redacted]") >= 3
