"""Fixtures shared by every test tier. Markers are declared in pyproject.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def checkout() -> Path:
    """The project folder: config/, selectors/ and bots/ of this checkout."""
    return CHECKOUT
