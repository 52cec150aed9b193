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
def termination_as_cancel(enabled: bool = True) -> Iterator[TerminationRequest]:
    """Within the block, a termination signal raises :class:`Terminated` (the run cleans up as on a cancel); on
    leaving the block the signal is delivered again with its default action, so the process still ends as asked.

    Only where ``enabled`` (the caller's say: a command-line run such as ``qgis_process``, never a desktop
    application, whose batch dialog and Python console run algorithms on the thread that serves its windows), in
    the main thread, and for signals at their default action. A second signal during the clean-up ends the process
    at once; one that comes while the handlers are being put back ends it as soon as they are.
    """
    request = TerminationRequest()
    if not enabled or threading.current_thread() is not threading.main_thread():
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
        # held back while the default actions are put back: a handler run here would raise past the clean-up
        masking = hasattr(signal, "pthread_sigmask") and bool(ours)
        if masking:
            signal.pthread_sigmask(signal.SIG_BLOCK, ours)
        for number in ours:
            signal.signal(number, signal.SIG_DFL)
        if masking:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, ours)  # one that came meanwhile now ends the process
        if request.signal_number is not None:
            os.kill(os.getpid(), request.signal_number)
