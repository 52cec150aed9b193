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
from typing import Callable, Iterator, List, Optional

from .errors import Cancelled, Terminated

ProgressCallback = Optional[Callable[[float], None]]
CancelCallback = Optional[Callable[[], bool]]


def report(progress: ProgressCallback, fraction: float) -> None:
    """Call ``progress`` with ``fraction`` clipped to [0, 1], if a callback is given."""
    if progress is not None:
        progress(min(1.0, max(0.0, float(fraction))))


def check_cancelled(is_cancelled: CancelCallback) -> None:
    """Raise :class:`Terminated` when the process was asked to end (in the main thread, inside
    :func:`termination_as_cancel`, before its run deferred the signal), else :class:`Cancelled` when the caller
    asked to stop."""
    pending = termination_pending()
    if pending is not None:
        raise Terminated(pending)
    if is_cancelled is not None and is_cancelled():
        raise Cancelled("cancelled by the user")


def termination_pending() -> Optional[str]:
    """The name of the termination signal the innermost :func:`termination_as_cancel` received and has not
    deferred, in the main thread (None otherwise)."""
    if not _OPEN or threading.current_thread() is not threading.main_thread():
        return None
    request = _OPEN[-1]
    if request.signal_number is None or request.deferred:
        return None
    return signal.Signals(request.signal_number).name


#: what a process is asked to end by: a service manager or ``kill`` (SIGTERM), a closed terminal (SIGHUP)
TERMINATION_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


@dataclass
class TerminationRequest:
    """Which termination signal arrived inside :func:`termination_as_cancel` (None: none).

    ``deferred``: the run is past the point where it can stop cleanly (its outputs are being put in place, or it is
    ending): a signal from then on is only recorded, and ends the process when the block closes.
    """

    signal_number: Optional[int] = None
    deferred: bool = False

    @property
    def received(self) -> bool:
        return self.signal_number is not None


#: the requests whose handlers are installed, innermost last (main thread only)
_OPEN: List[TerminationRequest] = []


def defer_termination() -> None:
    """From here until its block closes, a termination signal ends the run without interrupting it.

    For work that must not be cut half way and is quick to finish: putting a group of outputs in place, where a
    signal between two renames would leave some new files beside some old ones. Nothing outside a block.
    """
    if _OPEN and threading.current_thread() is threading.main_thread():
        _OPEN[-1].deferred = True


@contextmanager
def termination_as_cancel(
    enabled: bool = True,
    announce: Optional[Callable[[str], None]] = None,
    on_request: Optional[Callable[[], None]] = None,
) -> Iterator[TerminationRequest]:
    """Within the block, a termination signal is a cancel: the handler records it and calls ``on_request`` (the
    algorithms pass their feedback's ``cancel``, which every check of the run sees), and the run's next
    :func:`check_cancelled` raises :class:`Terminated` (the run cleans up as on a cancel). On leaving the block
    the signal is delivered again with its default action, so the process still ends as asked.

    The handler never raises: an exception raised from a signal handler lands wherever the interpreter is, for
    example in a library's Python code called back from compiled code that cannot pass it on (rasterio's check of
    a nodata value printed it as ignored and failed the write with a wrong message), or between creating a
    temporary file and the ``try`` that removes it.

    Only where ``enabled`` (the caller's say: a command-line run such as ``qgis_process``, never a desktop
    application, whose batch dialog and Python console run algorithms on the thread that serves its windows), in
    the main thread, and for signals at their default action. A second signal during the clean-up ends the process
    at once; one that comes while the handlers are being put back ends it as soon as they are.

    Once ``request.deferred`` is set (by the caller as its run ends, or by :func:`defer_termination`), a signal is
    recorded only (no check raises it); ``announce(signal name)`` is called before the process ends by it, so that the
    user still reads why.
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
        if not request.deferred and on_request is not None:
            try:
                on_request()
            except Exception:  # noqa: BLE001 - the next check of the run still sees the request
                pass

    for number in ours:
        signal.signal(number, on_signal)
    if ours:
        _OPEN.append(request)
    try:
        yield request
    finally:
        # held back while the default actions are put back: a handler run here would raise past the clean-up
        request.deferred = True
        masking = hasattr(signal, "pthread_sigmask") and bool(ours)
        if masking:
            signal.pthread_sigmask(signal.SIG_BLOCK, ours)
        for number in ours:
            signal.signal(number, signal.SIG_DFL)
        if ours and _OPEN and _OPEN[-1] is request:
            _OPEN.pop()
        if request.signal_number is not None and announce is not None:
            try:
                announce(signal.Signals(request.signal_number).name)
            except Exception:  # noqa: BLE001 - the process ends as asked even if the message cannot be given
                pass
        if masking:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, ours)  # one that came meanwhile now ends the process
        if request.signal_number is not None:
            os.kill(os.getpid(), request.signal_number)
