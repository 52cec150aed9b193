"""Progress and cancellation hooks shared by long-running core functions.

Core functions accept ``progress(fraction)`` (0..1) and ``is_cancelled()``
callables, so the Processing algorithms can pass ``feedback.setProgress`` and
``feedback.isCanceled`` without the core knowing about QGIS.
"""

from __future__ import annotations

from typing import Callable, Optional

from .errors import Cancelled

ProgressCallback = Optional[Callable[[float], None]]
CancelCallback = Optional[Callable[[], bool]]


def report(progress: ProgressCallback, fraction: float) -> None:
    """Call ``progress`` with ``fraction`` clipped to [0, 1], if a callback is given."""
    if progress is not None:
        progress(min(1.0, max(0.0, float(fraction))))


def check_cancelled(is_cancelled: CancelCallback) -> None:
    """Raise :class:`Cancelled` when the caller asked to stop."""
    if is_cancelled is not None and is_cancelled():
        raise Cancelled("cancelled by the user")
