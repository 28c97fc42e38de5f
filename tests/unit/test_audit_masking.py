"""Desktop screenshots are masked by black boxes; log records are scrubbed by the patcher."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from loguru import logger
from PIL import Image, PngImagePlugin

from clerk._config import Settings, load_settings
from clerk._errors import ConfigError
from clerk._secrets import REDACTOR
from clerk.audit import AuditSettings, mask_regions


@dataclass
class Region:
    x: int
    y: int
    width: int
    height: int


def test_mask_regions_paints_black_boxes_clipped_to_the_image(tmp_path: Path) -> None:
    path = tmp_path / "desktop.png"
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "typed: hunter2")
    Image.new("RGB", (200, 100), "white").save(path, pnginfo=info)
    painted = mask_regions(path, [(10, 10, 30, 20), Region(180, 90, 50, 50), (500, 500, 10, 10)])
    assert painted == 2
    with Image.open(path) as image:
        assert image.getpixel((10, 10)) == (0, 0, 0) and image.getpixel((39, 29)) == (0, 0, 0)
        assert image.getpixel((40, 30)) == (255, 255, 255) and image.getpixel((9, 9)) == (255, 255, 255)
        assert image.getpixel((199, 99)) == (0, 0, 0)
        assert "Comment" not in image.info
    assert b"hunter2" not in path.read_bytes()


def test_the_patcher_scrubs_records_before_any_sink_sees_them() -> None:
    import clerk._logging  # noqa: F401 - installs the patcher

    secret = f"s3cr3t-{uuid.uuid4().hex[:8]}"
    REDACTOR.register(secret)
    seen: list[str] = []
    sink = logger.add(lambda message: seen.append(f"{message.record['message']} {message.record['extra']}"),
                      format="{message}")  # a careless sink that scrubs nothing itself
    try:
        logger.bind(field=f"x{secret}x").info("password is {}", secret)
    finally:
        logger.remove(sink)
    assert seen and secret not in seen[0] and "[redacted]" in seen[0]


def test_audit_settings(tmp_path: Path) -> None:
    def settings(**audit: object) -> Settings:
        return Settings(project_dir=tmp_path, data_dir=tmp_path, recordings_dir=tmp_path, selectors_dir=tmp_path,
                        audit=audit)

    assert AuditSettings.of(settings()).traces == "retries"  # recording every attempt slows every action (ADR 0012)
    assert AuditSettings.of(load_settings(tmp_path, environ={})).traces == "retries"  # clerk/defaults.toml
    assert AuditSettings.of(settings(retention_days=0)).retention is None
    with pytest.raises(ConfigError, match="audit.traces"):
        AuditSettings.of(settings(traces="sometimes"))
    with pytest.raises(ConfigError, match="unknown key"):
        AuditSettings.of(settings(trace="all"))
    with pytest.raises(ConfigError, match="retention_days"):
        AuditSettings.of(settings(retention_days="90d"))
