"""Modules imported when first used, so the plugin loads (and says what is missing) without them.

QGIS builds for Windows and macOS may lack scipy; a module-level ``from scipy import ndimage`` would then stop the
whole plugin from loading, and no step could tell the user what to install (``canExecute``, see
:mod:`core.dependencies`). ``ndimage = lazy_module("scipy.ndimage")`` behaves like the module once used.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable


class _LazyModule:
    """Stands for a module; the first attribute read imports it."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported when used>"


def lazy_module(name: str) -> Any:
    """A stand-in for module ``name`` that imports it on first use."""
    return _LazyModule(name)


def lazy_function(module: str, name: str) -> Callable[..., Any]:
    """A stand-in for ``module.name`` (a function or class to call) that imports the module on first call."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"{module}.{name}, imported when first called."
    return call
