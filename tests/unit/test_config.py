"""Settings: layered sources with recorded origins, typed values, and no secrets in files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from clerk import ConfigError
from clerk._config import Settings, find_project_dir, load_settings

DEFAULT = """
[clerk]
data_dir = "var"

[web]
headless = true
timeout_s = 20
slowmo_ms = 0

[retry]
attempts = 3

[run]
screenshots = "on"

[apps.ledgersmb]
url = "http://127.0.0.1:5762"
company = "acme"

[bots.invoice_entry]
app = "ledgersmb"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "default.toml").write_text(DEFAULT, encoding="utf-8")
    return tmp_path


def write_env_file(project: Path, name: str, text: str) -> None:
    (project / "config" / f"{name}.toml").write_text(text, encoding="utf-8")


def settings_of(project: Path, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
    return load_settings(project, overrides or None, environ or {})


# ---------------------------------------------------------------------------- layering
def test_defaults_from_the_file_and_from_code(project: Path) -> None:
    settings = settings_of(project)
    assert settings.project_dir == project
    assert settings.data_dir == project / "var"
    assert settings.recordings_dir == project / "recordings"  # code default
    assert settings.selectors_dir == project / "selectors"
    assert settings.web.headless is True
    assert settings.web.timeout == dt.timedelta(seconds=20)
    assert settings.web.viewport_width == 1280
    assert settings.retry.attempts == 3
    assert settings.run.max_consecutive_failures == 3
    assert settings.app("ledgersmb") == {"url": "http://127.0.0.1:5762", "company": "acme"}
    assert settings.bot("invoice_entry") == {"app": "ledgersmb"}
    assert settings.bot("unknown_bot") == {}
    assert settings.sources["web.timeout_s"] == "config/default.toml"


def test_without_a_browser_key_the_browser_is_debians_chromium(project: Path) -> None:
    # a slots dataclass's class attribute is a member descriptor, not the field's default
    assert settings_of(project).web.browser == "/usr/bin/chromium"


def test_each_layer_overrides_the_one_below_and_the_source_is_recorded(project: Path) -> None:
    write_env_file(project, "staging", '[web]\ntimeout_s = 10\nslowmo_ms = 5\nheadless = false\n'
                                       '[apps.ledgersmb]\nurl = "http://staging:5762"\n')
    environ = {"CLERK_ENV": "staging", "CLERK_WEB__SLOWMO_MS": "50", "CLERK_WEB__HEADLESS": "true",
               "CLERK_APPS__LEDGERSMB__COMPANY": "staging_co"}
    settings = settings_of(project, environ, **{"web.headless": False})
    assert settings.web.timeout == dt.timedelta(seconds=10)  # staging file over default
    assert settings.web.slowmo_ms == 50  # environment over staging file
    assert settings.web.headless is False  # command line over environment
    assert settings.app("ledgersmb") == {"url": "http://staging:5762", "company": "staging_co"}
    assert settings.sources["web.timeout_s"] == "config/staging.toml"
    assert settings.sources["web.slowmo_ms"] == "environment"
    assert settings.sources["web.headless"] == "command line"
    assert settings.sources["apps.ledgersmb.url"] == "config/staging.toml"
    assert settings.sources["apps.ledgersmb.company"] == "environment"
    assert settings.sources["retry.attempts"] == "config/default.toml"


def test_cli_overrides_of_none_leave_the_value_alone(project: Path) -> None:
    settings = settings_of(project, {"CLERK_WEB__SLOWMO_MS": "7"}, **{"web.slowmo_ms": None, "web.headless": None})
    assert settings.web.slowmo_ms == 7
    assert settings.sources["web.slowmo_ms"] == "environment"


def test_environment_values_are_read_as_toml_scalars(project: Path) -> None:
    settings = settings_of(project, {
        "CLERK_WEB__HEADLESS": "false", "CLERK_WEB__TIMEOUT_S": "2.5",
        "CLERK_WEB__BROWSER": "/opt/chromium/chrome",  # not TOML: kept as text
        "CLERK_RUN__SCREENSHOTS": '"failures"',
    })
    assert settings.web.headless is False
    assert settings.web.timeout == dt.timedelta(seconds=2.5)
    assert settings.web.browser == "/opt/chromium/chrome"
    assert settings.run.screenshots == "failures"


def test_variables_without_a_section_are_not_settings(project: Path) -> None:
    settings = settings_of(project, {"CLERK_LEDGERSMB_PASSWORD": "Admin123!", "CLERK_ENV_X": "1", "HOME": "/root"})
    assert "Admin123!" not in repr(settings.as_dict())
    assert "environment" not in settings.sources.values()


def test_clerk_env_naming_a_missing_file(project: Path) -> None:
    with pytest.raises(ConfigError, match=r"config/prod.toml: configuration file not found"):
        settings_of(project, {"CLERK_ENV": "prod"})


def test_a_file_that_is_not_toml_is_named(project: Path) -> None:
    write_env_file(project, "broken", "[web\nheadless = true\n")
    with pytest.raises(ConfigError, match=r"broken.toml: "):
        settings_of(project, {"CLERK_ENV": "broken"})


def test_relative_and_absolute_folders(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    settings = settings_of(project, {"CLERK_CLERK__DATA_DIR": f'"{elsewhere}"',
                                     "CLERK_CLERK__RECORDINGS_DIR": "audit"})
    assert settings.data_dir == elsewhere
    assert settings.recordings_dir == project / "audit"


def test_as_dict_is_plain_data_for_the_manifest(project: Path) -> None:
    data = settings_of(project).as_dict()
    assert data["web"]["timeout"] == 20.0
    assert data["retry"]["wait_initial"] == 3.0  # clerk's default (clerk/defaults.toml)
    assert data["apps"]["ledgersmb"]["company"] == "acme"
    assert isinstance(data["data_dir"], str)


def test_settings_are_frozen(project: Path) -> None:
    settings = settings_of(project)
    with pytest.raises(AttributeError):
        settings.web.headless = False  # type: ignore[misc]


def test_unknown_app_section(project: Path) -> None:
    with pytest.raises(ConfigError, match=r"no \[apps.gnucash\] section"):
        settings_of(project).app("gnucash")


# ---------------------------------------------------------------------------- secrets are refused
@pytest.mark.parametrize("key", ["password", "db_password", "Passwd", "api_key", "secret", "session_token"])
def test_a_secret_looking_key_in_a_file_is_refused(project: Path, key: str) -> None:
    write_env_file(project, "leaky", f'[apps.ledgersmb]\n{key} = "hunter22"\n')
    with pytest.raises(ConfigError) as caught:
        settings_of(project, {"CLERK_ENV": "leaky"})
    assert f"apps.ledgersmb.{key}" in str(caught.value)
    assert "looks like a secret" in str(caught.value)
    assert "hunter22" not in str(caught.value)


def test_a_secret_looking_key_through_the_environment_is_refused_too(project: Path) -> None:
    with pytest.raises(ConfigError, match="apps.ledgersmb.password looks like a secret"):
        settings_of(project, {"CLERK_APPS__LEDGERSMB__PASSWORD": "hunter22"})


def test_the_shipped_configuration_loads_and_holds_no_secrets(checkout: Path) -> None:
    settings = load_settings(checkout, None, {})
    assert "ledgersmb" in settings.apps
    assert settings.sources, "the sources of the values are recorded"


# ---------------------------------------------------------------------------- bad values
@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ('[web]\ntimeout_s = "soon"\n', "web.timeout_s must be a number of seconds, got 'soon'"),
        ("[web]\ntimeout_s = -1\n", "web.timeout_s must be a number of seconds, got -1"),
        ("[web]\ntimeout_s = true\n", "web.timeout_s must be a number of seconds"),
        ('[retry]\nwait_max_s = "1m"\n', "retry.wait_max_s must be a number of seconds"),
        ('[run]\nscreenshots = "always"\n', "run.screenshots must be one of on, failures, got 'always'"),
        ('[run]\nmax_consecutive_failures = "three"\n', "run.max_consecutive_failures"),
        ('[retry]\nattempts = "many"\n', "retry.attempts"),
        ('[web]\nslowmo_ms = "slow"\n', "web.slowmo_ms"),
        ('[web]\nheadless = "no"\n', "web.headless"),
        ("[web]\nheadless = 0\n", "web.headless"),
        ("[retry]\nattempts = 2.5\n", "retry.attempts"),
        ("[web]\nviewport_width = true\n", "web.viewport_width"),
    ],
)
def test_wrong_types_are_config_errors_naming_the_key(project: Path, toml: str, words: str) -> None:
    write_env_file(project, "typo", toml)
    with pytest.raises(ConfigError) as caught:
        settings_of(project, {"CLERK_ENV": "typo"})
    assert words in str(caught.value)
    assert caught.value.exit_code == 2


def test_a_wrongly_typed_environment_value_is_a_config_error(project: Path) -> None:
    with pytest.raises(ConfigError, match="web.timeout_s"):
        settings_of(project, {"CLERK_WEB__TIMEOUT_S": "twenty"})


# ---------------------------------------------------------------------------- finding the project
def test_find_project_dir(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "clerk.toml").write_text("", encoding="utf-8")
    nested = project / "bots" / "invoice_entry"
    nested.mkdir(parents=True)
    assert find_project_dir(nested) == project
    monkeypatch.setenv("CLERK_HOME", str(project / "bots" / ".."))
    assert find_project_dir(Path("/")) == project
