"""Credentials come from the environment or the keyring, and never show themselves."""

from __future__ import annotations

import uuid

import pytest
from keyring.errors import KeyringLocked

from clerk import ConfigError
from clerk._secrets import REDACTOR, Redactor, Secret, env_names, load_credentials


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_env_names() -> None:
    assert env_names("ledgersmb") == ("CLERK_LEDGERSMB_USER", "CLERK_LEDGERSMB_PASSWORD")
    assert env_names("rt") == ("CLERK_RT_USER", "CLERK_RT_PASSWORD")


def test_credentials_from_the_environment_are_registered_for_redaction() -> None:
    password = unique("pw")
    credentials = load_credentials("ledgersmb", {"CLERK_LEDGERSMB_USER": "admin", "CLERK_LEDGERSMB_PASSWORD": password})
    assert credentials.app == "ledgersmb" and credentials.user == "admin"
    assert credentials.password.reveal() == password
    assert password in REDACTOR.values
    assert password not in repr(credentials)


def test_the_environment_is_read_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLERK_RT_USER", "agent")
    monkeypatch.setenv("CLERK_RT_PASSWORD", unique("pw"))
    assert load_credentials("rt").user == "agent"


def test_a_missing_password_names_the_variable_and_the_keyring_entry() -> None:
    with pytest.raises(ConfigError) as caught:
        load_credentials("ledgersmb", {"CLERK_LEDGERSMB_USER": "admin"})
    message = str(caught.value)
    assert "CLERK_LEDGERSMB_PASSWORD" in message
    assert "service 'clerk/ledgersmb', name 'admin'" in message
    assert caught.value.exit_code == 2


def test_a_missing_user_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="set the environment variable CLERK_GNUCASH_USER"):
        load_credentials("gnucash", {"CLERK_GNUCASH_PASSWORD": unique("pw")})


def test_an_empty_variable_counts_as_missing() -> None:
    with pytest.raises(ConfigError, match="CLERK_LEDGERSMB_PASSWORD"):
        load_credentials("ledgersmb", {"CLERK_LEDGERSMB_USER": "admin", "CLERK_LEDGERSMB_PASSWORD": ""})


def test_the_keyring_is_the_fallback(fake_keyring) -> None:
    password = unique("kr")
    fake_keyring.set_password("clerk/ledgersmb", "user", "admin")
    fake_keyring.set_password("clerk/ledgersmb", "admin", password)
    credentials = load_credentials("ledgersmb", {})
    assert (credentials.user, credentials.password.reveal()) == ("admin", password)
    assert password in REDACTOR.values
    assert fake_keyring.lookups == [("clerk/ledgersmb", "user"), ("clerk/ledgersmb", "admin")]


def test_the_environment_wins_over_the_keyring(fake_keyring) -> None:
    fake_keyring.set_password("clerk/rt", "user", "keyring-user")
    fake_keyring.set_password("clerk/rt", "env-user", "keyring-password")
    credentials = load_credentials("rt", {"CLERK_RT_USER": "env-user", "CLERK_RT_PASSWORD": "env-password"})
    assert (credentials.user, credentials.password.reveal()) == ("env-user", "env-password")
    assert ("clerk/rt", "user") not in fake_keyring.lookups


def test_a_user_from_the_environment_with_the_password_in_the_keyring(fake_keyring) -> None:
    fake_keyring.set_password("clerk/rt", "agent", "from-keyring")
    assert load_credentials("rt", {"CLERK_RT_USER": "agent"}).password.reveal() == "from-keyring"


def test_a_locked_keyring_is_reported_as_a_missing_credential(fake_keyring, monkeypatch) -> None:
    def locked(service: str, username: str) -> str:
        raise KeyringLocked("the collection is locked")

    monkeypatch.setattr(fake_keyring, "get_password", locked)
    with pytest.raises(ConfigError, match="CLERK_LEDGERSMB_PASSWORD"):
        load_credentials("ledgersmb", {"CLERK_LEDGERSMB_USER": "admin"})


def test_secret_never_shows_its_value() -> None:
    secret = Secret("Admin123!")
    assert repr(secret) == str(secret) == f"{secret}" == "Secret('********')"
    assert "Admin123!" not in repr([secret, {"password": secret}])
    assert secret.reveal() == "Admin123!"


def test_the_redactor_scrubs_every_registered_value() -> None:
    redactor = Redactor()
    redactor.register("Admin123!")
    redactor.register("Agent123!")
    text = "login admin/Admin123! then agent/Agent123! and Admin123! again"
    assert redactor.scrub(text) == "login admin/[redacted] then agent/[redacted] and [redacted] again"
    assert redactor.scrub("nothing secret") == "nothing secret"


def test_the_longest_value_is_scrubbed_first() -> None:
    redactor = Redactor()
    redactor.register("abc")
    redactor.register("abcdef")
    assert redactor.scrub("xabcdefx abc") == "x[redacted]x [redacted]"


def test_very_short_values_are_not_registered() -> None:
    redactor = Redactor()
    redactor.register("ab")
    redactor.register("")
    assert redactor.values == frozenset()
    assert redactor.scrub("a table about abs") == "a table about abs"


@pytest.mark.parametrize("password", ['pa"ss\\word', "tab\tbed", "naïve-ünïcode", "line\nbreak"])
def test_values_are_scrubbed_where_a_serialized_sink_escapes_them(password: str) -> None:
    import json

    redactor = Redactor()
    redactor.register(password)
    for text in (json.dumps({"message": password}), json.dumps({"message": password}, ensure_ascii=False)):
        assert json.loads(redactor.scrub(text))["message"] == "[redacted]"
    shown = f"refused {password!r}"
    assert redactor.scrub(shown) == "refused '[redacted]'"
    assert json.loads(redactor.scrub(json.dumps({"message": shown})))["message"] == "refused '[redacted]'"
