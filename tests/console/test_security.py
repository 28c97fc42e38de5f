"""The console's security rules, each checked so that removing the rule fails a test."""

from __future__ import annotations

import os
import re

import pytest
from loguru import logger
from starlette.routing import Route

from clerk._secrets import REDACTOR
from clerk.webconsole._throttle import LoginThrottle
from tests.console.conftest import PASSWORDS, Seeded, csrf_in, second_console, sign_in, try_sign_in


def _concrete(path: str, seeded: Seeded) -> str:
    return (path.replace("{run_id}", seeded.run_id).replace("{job}", "invoices").replace("{bot}", "invoice_entry")
            .replace("{path:path}", seeded.shot))


def test_every_route_but_the_login_refuses_an_unauthenticated_request(seeded: Seeded) -> None:
    routes = [r for r in seeded.client.app.routes if isinstance(r, Route) and r.path != "/login"]  # type: ignore[attr-defined]
    assert len(routes) == 12  # a new route is covered here by construction
    for route in routes:
        path = _concrete(route.path, seeded)
        for method in sorted(route.methods or {"GET"}):
            if method == "HEAD":
                continue
            response = seeded.client.request(method, path + ("?ref=Globex%7CDEMO-1001" if "history" in path else ""))
            if method == "GET":
                assert (response.status_code, response.headers.get("location")) == (303, "/login"), path
                assert seeded.run_id not in response.text
            else:
                assert response.status_code == 401, path
    assert seeded.console.pauses.all() == {}


def test_a_forged_or_stale_cookie_is_no_session(seeded: Seeded) -> None:
    seeded.client.cookies.set("clerk_console", "eyJ1c2VyIjogIm9wczEifQ==.forged.signature")
    assert seeded.client.get("/runs").status_code == 303


def test_session_cookie_is_httponly_and_samesite_strict(seeded: Seeded) -> None:
    response = try_sign_in(seeded.client, "ops1", PASSWORDS["ops1"])
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("clerk_console=")
    assert re.search(r";\s*httponly", cookie, re.IGNORECASE) and re.search(r";\s*samesite=strict", cookie, re.IGNORECASE)
    assert PASSWORDS["ops1"] not in cookie


def test_an_auditor_sees_everything_and_is_refused_every_action(seeded: Seeded) -> None:
    csrf = sign_in(seeded.client, "aud1")
    assert seeded.client.get(f"/runs/{seeded.run_id}").status_code == 200
    assert seeded.client.get(f"/files/{seeded.shot}").status_code == 200
    for path in ("/actions/jobs/invoices/pause", "/actions/jobs/invoices/run", "/actions/jobs/invoices/resume",
                 f"/actions/runs/{seeded.run_id}/rerun"):
        response = seeded.client.post(path, data={"csrf": csrf})
        assert response.status_code == 403, path
    assert seeded.console.pauses.all() == {}
    assert seeded.console.accounts.actions() == []
    assert "Rerun failed items" not in seeded.client.get(f"/runs/{seeded.run_id}").text


def test_an_operators_action_needs_the_sessions_csrf_token(seeded: Seeded) -> None:
    csrf = sign_in(seeded.client, "ops1")
    for sent in ({}, {"csrf": "x" * len(csrf)}):
        assert seeded.client.post("/actions/jobs/invoices/pause", data=sent).status_code == 403
    assert seeded.console.pauses.all() == {}
    response = seeded.client.post("/actions/jobs/invoices/pause", data={"csrf": csrf})
    assert response.status_code == 303
    assert seeded.console.pauses.all()["invoices"].paused_by == "ops1"
    done = seeded.console.accounts.actions()
    assert [(a.user, a.action, a.target) for a in done] == [("ops1", "pause", "invoices")]
    assert "paused by ops1" in seeded.client.get("/").text
    assert seeded.client.post("/actions/jobs/invoices/resume", data={"csrf": csrf}).status_code == 303
    assert seeded.console.pauses.all() == {}


def test_signing_out_needs_the_token_and_ends_the_session(seeded: Seeded) -> None:
    csrf = sign_in(seeded.client, "ops1")
    assert seeded.client.post("/logout").status_code == 403  # a cross-site form cannot sign people out
    assert seeded.client.post("/logout", data={"csrf": csrf}).status_code == 303
    assert seeded.client.get("/").status_code == 303


def test_signing_in_needs_the_login_pages_token(seeded: Seeded) -> None:
    """A cross-site form cannot sign a victim's browser into an attacker's account."""
    login = {"name": "ops1", "password": PASSWORDS["ops1"]}
    assert seeded.client.post("/login", data=login).status_code == 403
    token = csrf_in(seeded.client.get("/login").text)
    assert seeded.client.get("/favicon.ico").status_code == 303  # as a browser asks: the token stays
    assert seeded.client.post("/login", data={**login, "csrf": "x" * len(token)}).status_code == 403
    assert seeded.client.get("/").status_code == 303  # not signed in
    assert seeded.client.post("/login", data={**login, "csrf": token}).status_code == 303
    assert csrf_in(seeded.client.get("/").text) != token  # signing in gives the session a new token


@pytest.mark.parametrize("path", [
    "..%2Fvar%2Fledger.sqlite3", "%2E%2E/var/ledger.sqlite3", "invoice_entry/..%2F..%2Fconfig%2Fdefault.toml",
    "%2Fetc%2Fpasswd", "invoice_entry", "link-out/default.toml", "invoice_entry/link-file",
])
def test_files_are_served_only_from_inside_the_recordings_folder(seeded: Seeded, path: str) -> None:
    recordings = seeded.project / "recordings"
    (recordings / "link-out").symlink_to(seeded.project / "config")
    (recordings / "invoice_entry" / "link-file").symlink_to(seeded.project / "config" / "default.toml")
    sign_in(seeded.client, "aud1")
    assert seeded.client.get(f"/files/{seeded.shot}").status_code == 200
    response = seeded.client.get(f"/files/{path}")
    assert response.status_code == 404
    assert "[clerk]" not in response.text and "root:" not in response.text


def test_repeated_failed_logins_are_slowed_down(seeded: Seeded) -> None:
    for _ in range(3):
        assert try_sign_in(seeded.client, "ops1", "wrong-guess-000").status_code == 401
    refused = try_sign_in(seeded.client, "ops1", PASSWORDS["ops1"])
    assert refused.status_code == 429 and "try again" in refused.text
    assert seeded.client.get("/").status_code == 303  # still signed out


def test_the_throttle_outlives_a_restart_and_holds_across_two_consoles(seeded: Seeded) -> None:
    for _ in range(3):
        assert try_sign_in(seeded.client, "ops1", "wrong-guess-000").status_code == 401
    with second_console(seeded) as other:  # a restart, or a second console over the same ledger
        refused = try_sign_in(other, "ops1", PASSWORDS["ops1"])
        assert refused.status_code == 429 and "try again" in refused.text
        assert other.get("/").status_code == 303


def test_the_throttle_doubles_the_wait_and_forgets_after_success(seeded: Seeded) -> None:
    now = [1000.0]
    throttle = LoginThrottle(seeded.console.throttle.engine, free=2, base=2.0, longest=60.0, clock=lambda: now[0])
    throttle.failed("user:a")
    throttle.failed("user:a")
    assert throttle.wait_left("user:a") == 2.0
    throttle.failed("user:a")
    assert throttle.wait_left("user:a", "address:x") == 4.0
    now[0] += 4.0
    assert throttle.wait_left("user:a") == 0.0
    throttle.succeeded("user:a")
    throttle.failed("user:a")
    assert throttle.wait_left("user:a") == 0.0


def test_nothing_shown_or_logged_carries_a_secret(seeded: Seeded) -> None:
    secret = "s3cr3t-" + os.urandom(6).hex()
    REDACTOR.register(secret)
    from clerk._ledger import Ledger
    ledger = Ledger(seeded.project / "var" / "ledger.sqlite3")
    try:
        ledger.record_result(seeded.run_id, 3, reference="Globex|DEMO-1002", status="failed", app_ref=None,
                             message=f"login refused for password {secret}")
    finally:
        ledger.close()
    logged: list[str] = []
    sink = logger.add(lambda message: logged.append(str(message)), level="DEBUG")
    try:
        try_sign_in(seeded.client, "ops1", "a-wrong-password-xyz")
        sign_in(seeded.client, "ops1")
        page = seeded.client.get(f"/runs/{seeded.run_id}").text
    finally:
        logger.remove(sink)
    assert secret not in page and "login refused for password" in page
    assert logged and not any("a-wrong-password-xyz" in line or PASSWORDS["ops1"] in line for line in logged)
    stored = seeded.console.accounts._engine  # the hash, never the password, is kept
    with stored.connect() as db:
        hashes = [row[0] for row in db.exec_driver_sql("SELECT password_hash FROM console_users")]
    assert all(h.startswith("$argon2id$") and PASSWORDS["ops1"] not in h for h in hashes)


def test_pages_carry_strict_security_headers(seeded: Seeded) -> None:
    response = seeded.client.get("/login")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
