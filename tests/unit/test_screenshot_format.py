"""`[run] screenshot_format`: web pages may be shot as JPEG (about half the time of a PNG);
a desktop application's shots stay PNG, whose regions clerk masks itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from clerk import ConfigError
from clerk._config import load_settings
from clerk._recording import Recording


def test_the_format_is_png_unless_jpeg_is_asked_for(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "default.toml").write_text("[run]\n")
    assert load_settings(tmp_path, environ={}).run.screenshot_format == "png"
    (tmp_path / "config" / "default.toml").write_text('[run]\nscreenshot_format = "jpeg"\n')
    assert load_settings(tmp_path, environ={}).run.screenshot_format == "jpeg"
    (tmp_path / "config" / "default.toml").write_text('[run]\nscreenshot_format = "webp"\n')
    with pytest.raises(ConfigError, match="run.screenshot_format must be one of png, jpeg"):
        load_settings(tmp_path, environ={})


def test_shots_of_both_formats_are_numbered_and_listed_in_order(tmp_path: Path) -> None:
    recording = Recording(tmp_path / "run")
    first = recording.shot_path("row-00002", "ledgersmb", "form filled", ".jpg")
    first.write_bytes(b"jpeg")
    second = recording.shot_path("row-00002", "gnucash", "bill saved")
    second.write_bytes(b"png")
    assert (first.name, second.name) == ("01-ledgersmb-form-filled.jpg", "02-gnucash-bill-saved.png")
    assert recording.shots_of("row-00002") == [first, second]

