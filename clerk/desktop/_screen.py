"""What the display shows: screenshots with black boxes over masked regions, and image
templates found on screen with OpenCV, for the few controls that have no keyboard path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from clerk._errors import ApplicationError, ConfigError, SelectorFailed

if TYPE_CHECKING:
    from PIL.Image import Image


@dataclass(frozen=True, slots=True)
class Region:
    """A rectangle in screen pixels."""

    x: int
    y: int
    width: int
    height: int

    @property
    def box(self) -> tuple[int, int, int, int]:
        return self.x, self.y, self.x + self.width, self.y + self.height


@dataclass(frozen=True, slots=True)
class Match:
    """Where a template was found, and how sure the match is (0..1)."""

    region: Region
    score: float

    @property
    def center(self) -> tuple[int, int]:
        return self.region.x + self.region.width // 2, self.region.y + self.region.height // 2


def grab(display: str, region: Region | None = None) -> Image:
    """The screen (or one region of it) as a PIL image.

    Raises:
        ApplicationError: the display cannot be read.
    """
    from PIL import ImageGrab

    try:
        image = ImageGrab.grab(bbox=region.box if region else None, xdisplay=display)
    except OSError as err:
        raise ApplicationError(f"cannot take a screenshot of display {display}: {err}") from err
    return image.convert("RGB")


def save_masked(image: Image, path: Path, masks: list[Region]) -> None:
    """Save ``image`` as PNG with every mask region painted black."""
    from PIL import ImageDraw

    if masks:
        draw = ImageDraw.Draw(image)
        for mask in masks:
            draw.rectangle((mask.x, mask.y, mask.x + mask.width - 1, mask.y + mask.height - 1), fill="black")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG")


def locate(image: Image, template_path: Path, confidence: float, *, origin: tuple[int, int] = (0, 0),
           name: str = "") -> Match:
    """Find ``template_path`` exactly once in ``image`` with at least ``confidence``.

    ``origin`` is the screen position of the image's top-left corner (when the image
    is one window's region), so the match comes back in screen coordinates.

    Raises:
        ConfigError: the template file is missing or unreadable.
        SelectorFailed: no match reaches ``confidence``, or more than one does.

    Example:
        locate(grab(":77", window_region), images / "ok-button.png", 0.9).center
    """
    import cv2
    import numpy as np

    template = cv2.imread(str(template_path), cv2.IMREAD_GRAYSCALE)
    if template is None:
        raise ConfigError(f"{name}: image template {template_path} is missing or not an image")
    haystack = cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2GRAY)
    height, width = template.shape[:2]
    if haystack.shape[0] < height or haystack.shape[1] < width:
        raise SelectorFailed(f"{name}: the searched region is smaller than the template {template_path.name}")
    scores = cv2.matchTemplate(haystack, template, cv2.TM_CCOEFF_NORMED)
    peaks = _peaks(scores, confidence, width, height)
    if not peaks:
        best = float(scores.max()) if scores.size else 0.0
        raise SelectorFailed(f"{name}: {template_path.name} is not on screen "
                             f"(best match {best:.2f}, needs {confidence:.2f})")
    if len(peaks) > 1:
        where = ", ".join(f"({origin[0] + x}, {origin[1] + y})" for x, y, _ in peaks[:5])
        raise SelectorFailed(f"{name}: {template_path.name} matches {len(peaks)} places: {where}")
    x, y, score = peaks[0]
    return Match(Region(origin[0] + x, origin[1] + y, width, height), score)


def _peaks(scores: object, confidence: float, width: int, height: int) -> list[tuple[int, int, float]]:
    """Local best matches at least ``confidence``, at least half a template apart."""
    import numpy as np

    array = np.asarray(scores)
    ys, xs = np.nonzero(array >= confidence)
    candidates = sorted(((int(x), int(y), float(array[y, x])) for x, y in zip(xs, ys, strict=True)),
                        key=lambda c: -c[2])
    kept: list[tuple[int, int, float]] = []
    for x, y, score in candidates:
        if all(abs(x - kx) >= width // 2 or abs(y - ky) >= height // 2 for kx, ky, _ in kept):
            kept.append((x, y, score))
    return kept
