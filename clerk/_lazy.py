"""Public names imported on first use (PEP 562), so that a command loads only what it runs."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(package: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``package``: each name in ``names`` is imported from its module
    when first asked for, then kept in the package like an ordinary import.

    Example:
        __getattr__ = lazy_names(__name__, {"run_runner": "clerk.scheduler._runner"})
    """
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return __getattr__
