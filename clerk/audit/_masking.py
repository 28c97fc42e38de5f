"""Black out regions of a saved screenshot, for drivers that cannot mask while capturing
(desktop screenshots of the whole display)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol


class Box(Protocol):
    x: int
    y: int
    width: int
    height: int


def mask_regions(png_path: Path, boxes: Iterable[Box | tuple[int, int, int, int]]) -> int:
    """Paint each box (``x, y, width, height`` in image pixels) solid black, in place.

    The image is rewritten without any metadata, so nothing of the original survives
    in text chunks. Boxes reaching past the edges are clipped. Returns how many boxes
    covered part of the image.

    Example:
        mask_regions(Path("shots/row-00002/01-gnucash-bill.png"), [(40, 120, 300, 24)])
    """
    from PIL import Image, ImageDraw

    with Image.open(png_path) as original:
        image = original.convert("RGB")
    draw = ImageDraw.Draw(image)
    painted = 0
    for box in boxes:
        x, y, width, height = _xywh(box)
        left, top = max(x, 0), max(y, 0)
        right, bottom = min(x + width, image.width), min(y + height, image.height)
        if right > left and bottom > top:
            draw.rectangle((left, top, right - 1, bottom - 1), fill="black")
            painted += 1
    tmp = png_path.with_name(png_path.name + ".tmp")
    image.save(tmp, format="PNG")
    tmp.replace(png_path)
    return painted


def _xywh(box: Any) -> tuple[int, int, int, int]:
    if isinstance(box, tuple | list):
        x, y, width, height = box
    else:
        x, y, width, height = box.x, box.y, box.width, box.height
    return int(x), int(y), int(width), int(height)
