"""Exceptions raised by the core.

Every error a user can cause is a :class:`ProspectorError`; the Processing
algorithms turn it into a ``QgsProcessingException`` with the same message.
Messages name the offending parameter and say what to do.
"""

from __future__ import annotations


class ProspectorError(ValueError):
    """Base class of every expected, user-facing error."""

    def __init__(self, message: str, parameter: str | None = None) -> None:
        self.parameter = parameter
        super().__init__(f"{parameter}: {message}" if parameter else message)


class InputError(ProspectorError):
    """Input data that cannot be used (empty, wrong type, no valid values...)."""


class GridTooLargeError(ProspectorError):
    """The requested output grid would not fit in the memory budget."""


class ModelFileError(ProspectorError):
    """A model file that is corrupt, foreign, or unsafe to open."""


class Cancelled(Exception):
    """Raised inside core loops when the caller's ``is_cancelled()`` returns True."""


class Terminated(BaseException):
    """Raised by :func:`~.callbacks.check_cancelled` in the main thread once the process was asked to end
    (SIGTERM, SIGHUP) inside :func:`~.callbacks.termination_as_cancel`; a ``BaseException`` like
    ``KeyboardInterrupt``, so that no ``except Exception`` on the way swallows it, while every clean-up
    (``finally``, ``with``) runs."""
