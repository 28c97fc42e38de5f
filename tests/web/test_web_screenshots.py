"""Screenshots are evidence, and must never show a password or a field marked sensitive."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.web

PASSWORD = "Admin123!Admin123!"
TOKEN = "tok-9f8e7d6c5b4a"
BLACK = (0, 0, 0)


def region(image: Image.Image, box: dict[str, float], inset: int = 2) -> Image.Image:
    """The pixels of an element's bounding box, a little inside its edges."""
    left, top = int(box["x"]) + inset, int(box["y"]) + inset
    right, bottom = int(box["x"] + box["width"]) - inset, int(box["y"] + box["height"]) - inset
    return image.convert("RGB").crop((left, top, right, bottom))


def colours(image: Image.Image) -> set[tuple[int, int, int]]:
    return {colour for _, colour in image.getcolors(maxcolors=1 << 20)}  # type: ignore[union-attr]


@pytest.fixture
def filled_login(open_page):
    web = open_page("login.html")
    web.fill("login.user", "admin")
    web.fill("login.password", PASSWORD)
    web.fill("login.token", TOKEN)
    return web


def test_password_and_sensitive_fields_are_black_in_the_screenshot(filled_login, tmp_path: Path) -> None:
    web = filled_login
    path = tmp_path / "shots" / "01-login.png"
    web.screenshot(path)
    with Image.open(path) as shot:
        for name in ("login.password", "login.token"):
            box = web.find(name).bounding_box()
            assert box is not None
            assert colours(region(shot, box)) == {BLACK}, f"{name} is visible in the screenshot"
        user = region(shot, web.find("login.user").bounding_box())
        assert len(colours(user)) > 2, "the user field should be shown as it is"


def test_without_the_mask_the_secrets_would_show(filled_login, tmp_path: Path) -> None:
    """Guards the test above: a plain screenshot of the same fields is not black."""
    web = filled_login
    path = tmp_path / "plain.png"
    web.page.screenshot(path=path, full_page=True)
    with Image.open(path) as shot:
        for name in ("login.password", "login.token"):
            assert colours(region(shot, web.find(name).bounding_box())) != {BLACK}


def test_a_screenshot_creates_its_folder_and_the_page_keeps_working(filled_login, tmp_path: Path) -> None:
    web = filled_login
    path = tmp_path / "deep" / "er" / "shot.png"
    web.screenshot(path)
    assert path.stat().st_size > 0
    assert web.value("login.password") == PASSWORD  # masking drew over the picture, not the page


def test_a_jpeg_screenshot_is_masked_too(filled_login, tmp_path: Path) -> None:
    """`[run] screenshot_format = "jpeg"`: the masks are drawn before the picture is encoded, so
    the secret fields are black up to JPEG's rounding, and the user field still shows."""
    web = filled_login
    path = tmp_path / "shots" / "01-login.jpg"
    web.screenshot(path)
    with Image.open(path) as shot:
        assert shot.format == "JPEG"
        for name in ("login.password", "login.token"):
            box = web.find(name).bounding_box()
            assert box is not None
            assert max(max(colour) for colour in colours(region(shot, box, inset=4))) <= 24, f"{name} shows"
        assert len(colours(region(shot, web.find("login.user").bounding_box()))) > 2
