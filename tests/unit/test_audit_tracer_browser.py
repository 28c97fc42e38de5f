"""A real Playwright trace, chunked by item: only the failed item's chunk is kept, and
what is typed into a password or sensitive field is never traced at all, so neither
the kept trace nor Playwright's scratch files (which a killed run leaves behind) hold it."""

from __future__ import annotations

import json
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def traced_page(tmp_path: Path, traces: str) -> Iterator[tuple[ItemTracer, WebPage]]:
    """A page of PAGE in a real browser, traced as ``traces`` says; browser and scratch gone after."""
    (tmp_path / "demo.yaml").write_text(SELECTORS)
    tracer = ItemTracer(tmp_path / "traces", traces)
    host = BrowserHost(WebSettings(), artifacts_dir=tracer.scratch)
    try:
        web = WebPage(host.new_page(), SelectorBook.load(tmp_path, "demo"), 5000)
        web.page.set_content(PAGE)
        tracer.attach("demo", web)
        yield tracer, web
    finally:
        host.close()
        tracer.dispose()


def test_only_the_failed_items_trace_is_kept_and_no_secret_is_ever_traced(tmp_path: Path) -> None:
    secret, iban = f"pw-{uuid.uuid4().hex[:10]}", f"DE44 {uuid.uuid4().int % 10**8:08d}"
    REDACTOR.register(secret)
    with traced_page(tmp_path, "failed") as (tracer, web):
        web.fill("login.password", secret)  # the login, in the run's chunk: no failure, so dropped
        tracer.next_item("row-00002")
        web.fill("form.name", "ACME Supplies")
        web.fill("form.iban", iban)
        web.fill("other.password", "typed-" + secret[3:])  # a password field nobody marked sensitive
        assert web.value("form.iban") == iban
        web.fill("form.name", "ACME Supplies Ltd")
        tracer.mark_failed()
        assert list(tracer.scratch.glob("*.trace"))  # Playwright writes its chunks here, not in TMPDIR
        assert find_secrets([tracer.scratch], [secret, iban, "typed-" + secret[3:]]) == []
        tracer.next_item("row-00003")
        web.fill("form.name", "Globex")  # succeeded: dropped
        tracer.close()
    assert not (tmp_path / ".playwright").exists()
    kept = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert kept == ["demo.yaml", "traces/row-00002/demo-trace.zip"]
    trace = zipfile.ZipFile(tmp_path / kept[1])
    assert find_secrets([tmp_path / kept[1]], [secret, iban, "typed-" + secret[3:]]) == []
    pieces = sorted(n for n in trace.namelist() if n.endswith(".trace"))
    assert pieces == ["2-trace.trace", "3-trace.trace", "4-trace.trace", "trace.trace"]  # set aside 3 times
    text = "".join(trace.read(name).decode() for name in pieces)
    assert '"value":"ACME Supplies"' in text and '"value":"ACME Supplies Ltd"' in text  # evidence stays
    assert "Globex" not in text
    calls = [json.loads(line) for line in text.splitlines() if '"type":"before"' in line]
    touched = {(c["method"], c["params"].get("selector")) for c in calls}
    assert ("fill", "input[name=name]") in touched
    assert not touched & {(method, selector) for method in ("fill", "inputValue")
                          for selector in ("input[name=iban]", "#pw", "#pw2")}  # never called while tracing


def test_a_kept_trace_of_pieces_opens_in_the_trace_viewer_format(tmp_path: Path) -> None:
    with traced_page(tmp_path, "all") as (tracer, web):
        tracer.next_item("row-00002")
        web.fill("form.name", "first")
        web.fill("login.password", "not traced")
        web.fill("form.name", "second")
        tracer.close()
    trace = zipfile.ZipFile(tmp_path / "traces" / "row-00002" / "demo-trace.zip")
    names = set(trace.namelist())
    assert {"trace.trace", "trace.network", "2-trace.trace", "2-trace.network"} <= names
    first, second = trace.read("trace.trace").decode(), trace.read("2-trace.trace").decode()
    assert '"value":"first"' in first and '"value":"second"' in second
    assert "not traced" not in first + second


def test_with_retries_only_an_items_attempts_after_a_failure_are_traced(tmp_path: Path) -> None:
    """traces = "retries": nothing is recorded until an attempt fails and the item is tried
    again; that retry's trace is kept when the item failed, and a first-time success or a
    failure that was never retried leaves no trace (its screenshots are its evidence)."""
    with traced_page(tmp_path, "retries") as (tracer, web):
        tracer.next_item("row-00002")
        web.fill("form.name", "first attempt")
        tracer.mark_failed()
        tracer.retrying()
        web.fill("form.name", "second attempt")
        web.fill("login.password", "never traced")
        web.fill("form.name", "after the password")
        tracer.next_item("row-00003")
        web.fill("form.name", "refused at once")
        tracer.mark_failed()  # a business error: not retried
        tracer.next_item("row-00004")
        web.fill("form.name", "went in")
        tracer.close()
    kept = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "traces").rglob("*") if p.is_file())
    assert kept == ["traces/row-00002/demo-trace.zip"]
    trace = zipfile.ZipFile(tmp_path / kept[0])
    text = "".join(trace.read(n).decode() for n in trace.namelist() if n.endswith(".trace"))
    assert '"value":"second attempt"' in text and '"value":"after the password"' in text
    assert "first attempt" not in text and "never traced" not in text and "refused at once" not in text


def test_with_retries_a_session_whose_items_succeed_records_nothing(tmp_path: Path) -> None:
    """traces = "retries": Playwright's ``tracing.start`` opens a chunk of its own; left open,
    it recorded every action of the session into the scratch folder and kept every call's
    stack in the driver until the context closed (the driver's memory grew with each item)."""
    with traced_page(tmp_path, "retries") as (tracer, web):
        tracer.next_item("row-00002")
        web.fill("form.name", "went in at once")
        assert web.value("form.name") == "went in at once"
        recorded = "".join(p.read_text() for p in tracer.scratch.glob("*.trace"))
        assert "went in at once" not in recorded and '"method":"fill"' not in recorded
        assert web.page.context._impl_obj._connection._tracing_count == 0  # no call stacks sent to the driver
        tracer.close()
    assert not (tmp_path / "traces").exists() or not any((tmp_path / "traces").rglob("*.zip"))
