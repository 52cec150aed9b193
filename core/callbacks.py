"""Progress and cancellation hooks shared by long-running core functions.

Core functions accept ``progress(fraction)`` (0..1) and ``is_cancelled()``
callables, so the Processing algorithms can pass ``feedback.setProgress`` and
``feedback.isCanceled`` without the core knowing about QGIS. A command-line run
asked to end (SIGTERM) is turned into a cancel first, so its temporaries go with it.
"""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

from .errors import Cancelled, Terminated

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


#: what a process is asked to end by: a service manager or ``kill`` (SIGTERM), a closed terminal (SIGHUP)
TERMINATION_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


@dataclass
class TerminationRequest:
    """Which termination signal arrived inside :func:`termination_as_cancel` (None: none)."""

    signal_number: Optional[int] = None

    @property
    def received(self) -> bool:
        return self.signal_number is not None


@contextmanager
def termination_as_cancel() -> Iterator[TerminationRequest]:
    """Within the block, a termination signal raises :class:`Terminated` (the run cleans up as on a cancel); on
    leaving the block the signal is delivered again with its default action, so the process still ends as asked.

    Only in the main thread and only for signals at their default action (a command-line run such as
    ``qgis_process``): an application that handles them itself, or a run on a worker thread (QGIS desktop), is left
    as it is. A second signal during the clean-up ends the process at once.
    """
    request = TerminationRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return
    ours = [number for number in TERMINATION_SIGNALS if signal.getsignal(number) is signal.SIG_DFL]

    def on_signal(number: int, _frame: object) -> None:
        for each in ours:
            signal.signal(each, signal.SIG_DFL)
        request.signal_number = number
        raise Terminated(signal.Signals(number).name)

    for number in ours:
        signal.signal(number, on_signal)
    try:
        yield request
    finally:
        for number in ours:
            signal.signal(number, signal.SIG_DFL)
        if request.signal_number is not None:
            os.kill(os.getpid(), request.signal_number)
