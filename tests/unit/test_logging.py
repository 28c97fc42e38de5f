"""A password logged by mistake never reaches the console or the run's JSON-lines log."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

import pytest
from loguru import logger

from clerk._logging import RunLog, configure_console
from clerk._secrets import REDACTOR, load_credentials


@pytest.fixture
def password() -> str:
    """A password as a real one may look: quotes, a backslash and a non-ASCII letter."""
    value = f'Pa"ss\\wörd-{uuid.uuid4().hex[:8]}'
    load_credentials("ledgersmb", {"CLERK_LEDGERSMB_USER": "admin", "CLERK_LEDGERSMB_PASSWORD": value})
    assert value in REDACTOR.values
    return value


def log_mistakes(password: str, run_id: str) -> None:
    """Every way a careless bot might leak the password into a log."""
    log = logger.bind(run_id=run_id, bot="invoice_entry", item="row-00002")
    log.info("logging in with {}", password)
    log.warning(f"f-string with the password {password} inside")
    log.bind(typed_into=password).info("filled the password field")
    try:
        secret_local = password  # noqa: F841 - diagnose=False must not show locals
        raise RuntimeError(f"LedgerSMB refused {password!r}")
    except RuntimeError:
        log.exception("login failed")
    try:
        try:
            raise ValueError(password)
        except ValueError as inner:
            raise ConnectionError("while sending the form") from inner
    except ConnectionError:
        log.opt(exception=True).error("chained")


def test_the_console_never_shows_a_registered_secret(password: str) -> None:
    console = io.StringIO()
    configure_console("DEBUG", stream=console)
    log_mistakes(password, "run-console")
    text = console.getvalue()
    assert "login failed" in text and "Traceback" in text and "ValueError" in text
    for spelling in (password, repr(password)[1:-1]):
        assert spelling not in text
    assert "logging in with [redacted]" in text
    assert "f-string with the password [redacted] inside" in text
    assert "RuntimeError: LedgerSMB refused '[redacted]'" in text
    assert "ValueError: [redacted]" in text
    assert "\x1b[" not in text  # no colour codes when writing to a stream


def test_the_run_log_never_holds_a_registered_secret(password: str, tmp_path: Path) -> None:
    path = tmp_path / "run" / "events.jsonl"
    run_log = RunLog(path, "run-file")
    try:
        log_mistakes(password, "run-file")
    finally:
        run_log.close()
    text = path.read_text(encoding="utf-8")
    records = [json.loads(line) for line in text.splitlines()]
    assert len(records) == 5
    shown = repr(password)[1:-1]
    escaped = [json.dumps(s, ensure_ascii=ascii_only)[1:-1] for s in (password, shown) for ascii_only in (True, False)]
    for spelling in (password, shown, *escaped):
        assert spelling not in text
    assert records[2]["record"]["extra"]["typed_into"] == "[redacted]"
    assert records[3]["record"]["exception"]["value"] == "LedgerSMB refused '[redacted]'"
    assert "Traceback" in records[3]["text"]


def test_the_run_log_keeps_only_its_own_run(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    run_log = RunLog(path, "run-a")
    try:
        logger.bind(run_id="run-a").info("mine")
        logger.bind(run_id="run-b").info("another run's")
        logger.info("not bound to any run")
        with logger.contextualize(run_id="run-a"):
            logger.debug("mine, through the context")
    finally:
        run_log.close()
    logger.bind(run_id="run-a").info("after closing")
    messages = [json.loads(line)["record"]["message"] for line in path.read_text().splitlines()]
    assert messages == ["mine", "mine, through the context"]
