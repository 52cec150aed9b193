"""Outputs as one transaction: every file written to a temporary beside its destination, read back, then all
committed together; the previous files (and their sidecars) are restored on any failure.

A run writes ``.partial-<host>-<pid>-<random><ext>`` beside each output. When the group ends normally each new
file is verified again, then, output by output, the previous file and its sidecars (``.aux.xml``, ``.ovr``...) are
moved aside to ``.partial-<host>-<pid>-<random>.old~<name>`` and the new file renamed into place. If any step fails,
the new files placed so far are removed and every previous file is renamed back; on success the backups are
removed. A run killed half way leaves its files with its host and process id in their names: the next run that
writes in that folder removes the temporaries of dead processes of this host (and puts back a previous file whose
new one never arrived), and never touches those of a live process or of another host.

Every error raised while writing names the output parameter and the real output path, never a temporary file.
"""

from __future__ import annotations

import contextvars
import os
import re
import sqlite3
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from ..callbacks import ProgressCallback, defer_termination
from ..errors import Cancelled, InputError, ProspectorError
from .destinations import _unwritable, check_output_folder
from .inputs import output_sidecars
from .temporaries import (
    _OWNED,
    BACKUP_MARK,
    PREFIX,
    _current_umask,
    _remove_partial,
    _remove_quietly,
    clean_stale_temporaries,
    temporary_prefix,
)
from .verify import default_verifier, verify_raster

#: GDAL messages that mean a write failed (they rarely name the file)
_WRITE_FAILURE = re.compile(
    r"No space left|Disk quota|[Ww]rite (error|failed)|IO error writing|Failed to write|WriteEncoded|"
    r"[Ff]ile write failed|Seek error|disk is full|Read-only file system",
)


@dataclass
class _Pending:
    tmp: str
    path: str
    parameter: str
    size: int = -1  # bytes when it was read back
    backups: List[Tuple[str, str]] = field(default_factory=list)  # (original, backup)
    placed: bool = False
    folder: "Optional[_Folder]" = None  # the output folder as it was when the temporary was made


class _Folder:
    """An output folder held open while its temporaries exist: if it is renamed or removed during the run, the
    error says so, and the temporaries are removed where the folder went (through the open folder: Linux), not
    left hidden in it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.identity = _identity(path)
        self.fd = -1
        if os.unlink in os.supports_dir_fd and hasattr(os, "O_DIRECTORY"):
            try:
                self.fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
            except OSError:
                self.fd = -1

    def moved(self) -> bool:
        """Whether the folder is no longer at its path (removed, or renamed and maybe another put there)."""
        return self.identity is not None and _identity(self.path) != self.identity

    def remove(self, tmp: str) -> None:
        """Remove a temporary (and its GDAL sidecar) by name in the folder, wherever the folder is now."""
        _remove_partial(tmp)
        if self.fd >= 0:
            for name in (os.path.basename(tmp), os.path.basename(tmp) + ".aux.xml"):
                try:
                    os.unlink(name, dir_fd=self.fd)
                except OSError:
                    pass

    def close(self) -> None:
        if self.fd >= 0:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = -1

    def gone(self, name: str) -> str:
        """The message when the folder moved while ``name`` was written into it."""
        return (
            f"the folder '{self.path}' was renamed or removed while '{name}' was written into it; nothing was "
            "written. Put the folder back (or choose another folder) and run again."
        )


def _identity(path: str) -> Optional[Tuple[int, int]]:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


def _discard(item: "_Pending") -> None:
    """Remove an output's temporary and let go of its folder."""
    if item.folder is not None:
        item.folder.remove(item.tmp)
        item.folder.close()
    else:
        _remove_partial(item.tmp)


#: the output group open in this thread / task, if any (see :func:`output_group`)
_GROUP: "contextvars.ContextVar[Optional[List[_Pending]]]" = contextvars.ContextVar("output_group", default=None)


@contextmanager
def output_group() -> Iterator[None]:
    """All outputs written inside the block appear together, or none does, and the previous files stay.

    Inside the block :func:`atomic_output` keeps each finished (and verified) temporary file beside its
    destination; when the block ends normally they are committed together (see the module docstring). If the
    block raises, or any output cannot be committed, every temporary is removed and every previous file is
    where it was, byte for byte, with its sidecars.
    """
    pending: List[_Pending] = []
    token = _GROUP.set(pending)
    try:
        yield
    except BaseException:
        for item in pending:
            _discard(item)
        raise
    finally:
        _GROUP.reset(token)
    commit(pending)


def commit(pending: Sequence[_Pending]) -> None:
    """Check every temporary is still as it was read back, then move the previous files aside and the new ones
    in; undo everything on failure. Two runs committing into the same folder take turns (a lock on the open folder,
    where the system has one), so that outputs of one run are never found beside those of the other."""
    # a termination signal from here on ends the process once the group is in place: cut between two renames it
    # would leave some new files beside some old ones
    defer_termination()
    try:
        with _folders_locked(pending):
            _commit(pending)
    except BaseException:
        for item in pending:  # a failure while waiting for the folder's lock: _commit discarded nothing yet
            _discard(item)
        raise


@contextmanager
def _folders_locked(pending: Sequence[_Pending]) -> Iterator[None]:
    """An exclusive ``flock`` on each output folder of ``pending`` (held open by its :class:`_Folder`), taken in the
    order of their paths so that two runs never wait for each other; nothing where ``fcntl`` is missing (Windows,
    where a file open in another run cannot be replaced anyway)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    chosen: Dict[str, int] = {}
    for item in pending:
        if item.folder is not None and item.folder.fd >= 0:
            chosen.setdefault(item.folder.path, item.folder.fd)
    locked = []
    try:
        for path in sorted(chosen):
            if _lock(fcntl, chosen[path]):
                locked.append(chosen[path])
        yield
    finally:
        for fd in locked:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            except OSError:
                pass


#: seconds a commit waits for another run's commit into the same folder (renames: normally milliseconds)
LOCK_WAIT_S = 30.0


def _lock(fcntl: Any, fd: int) -> bool:
    """Take an exclusive lock on ``fd``, waiting at most :data:`LOCK_WAIT_S` (a run hung on a lost network drive
    must not hold every later run); False where it cannot be had (a file system without locks, or the wait ran
    out): the commit goes on as before."""
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        except OSError:
            return False


def _commit(pending: Sequence[_Pending]) -> None:
    try:
        for item in pending:
            _verified(item)
        for item in pending:
            _place(item)
    except BaseException as exc:
        kept = _roll_back(pending)
        for item in pending:
            _discard(item)
        moved = next((item for item in pending if item.folder is not None and item.folder.moved()), None)
        if moved is not None and moved.folder is not None:
            raise InputError(moved.folder.gone(os.path.basename(moved.path)), moved.parameter) from None
        if isinstance(exc, ProspectorError):
            if kept:
                raise InputError(f"{_message_of(exc)} {kept}", exc.parameter) from None
            raise
        raise
    for item in pending:
        for _, backup in item.backups:
            _remove_quietly(backup)
        if item.folder is not None:
            item.folder.close()


def _message_of(exc: ProspectorError) -> str:
    text = str(exc)
    prefix = f"{exc.parameter}: " if exc.parameter else ""
    return text[len(prefix) :] if prefix and text.startswith(prefix) else text


def _verified(item: _Pending) -> None:
    if not os.path.isfile(item.tmp) or os.path.getsize(item.tmp) != item.size:
        raise InputError(
            f"the file written for '{item.path}' disappeared or changed before it could be put in place; nothing "
            "was replaced. Check that no other program cleans or writes in the folder.",
            item.parameter,
        )


def _place(item: _Pending) -> None:
    path = item.path
    if os.path.isdir(path) and not os.path.islink(path):
        raise InputError(f"'{path}' is a folder; give the output a file name. Nothing was replaced.", item.parameter)
    token = _backup_token(item.tmp)
    for original in [path, *output_sidecars(path)]:
        if os.path.lexists(original):
            backup = token + os.path.basename(original)
            try:
                os.rename(original, backup)
            except OSError as exc:
                raise InputError(
                    f"cannot replace '{original}' ({exc.strerror or exc}); nothing was replaced and the previous "
                    "outputs are kept. Check that the file is not read-only, locked or open in another program.",
                    item.parameter,
                ) from None
            item.backups.append((original, backup))
    try:
        os.rename(item.tmp, path)
    except OSError as exc:
        raise InputError(
            f"cannot write '{path}' ({exc.strerror or exc}); nothing was replaced and the previous outputs are "
            "kept. Check the folder's permissions and free space.",
            item.parameter,
        ) from None
    item.placed = True


def _backup_token(tmp: str) -> str:
    """``<folder>/.partial-<host>-<pid>-<random>.old~`` for a temporary ``.partial-<host>-<pid>-<random><ext>``."""
    name = os.path.basename(tmp)
    match = _OWNED.match(name)
    stem = name[: len(name) - len(match.group("rest"))] if match else os.path.splitext(name)[0]
    return os.path.join(os.path.dirname(tmp), stem + BACKUP_MARK)


def _roll_back(pending: Sequence[_Pending]) -> str:
    """Undo what was placed, newest first; '' or a sentence naming the backups that could not be put back."""
    stuck: List[str] = []
    for item in reversed(pending):
        if item.placed:
            try:
                os.remove(item.path)
            except OSError:
                pass
            item.placed = False
        for original, backup in reversed(item.backups):
            try:
                os.rename(backup, original)
            except OSError:
                stuck.append(f"'{original}' is kept as '{backup}'")
        item.backups.clear()
    return ("The previous file could not be put back: " + "; ".join(stuck) + ".") if stuck else ""


@contextmanager
def atomic_output(
    path: str,
    parameter: str = "OUTPUT",
    verify: Optional[Callable[[str], None]] = None,
    read_back_progress: ProgressCallback = None,
) -> Iterator[str]:
    """Yield a temporary path beside ``path``; it replaces ``path`` only once written, verified and committed.

    If the body raises (an error or a cancellation) the temporary file is removed and whatever was at ``path``
    is left untouched. ``parameter`` names the output in error messages; every write error (an ``OSError``, a
    GDAL error, a failed read-back) becomes an :class:`InputError` naming ``parameter`` and ``path``.
    ``verify(tmp)`` reads the finished file back (default: by extension, see :func:`default_verifier`; a GeoTIFF's
    read back reports to ``read_back_progress``, tile by tile, a third of a large raster's write). Inside
    :func:`output_group` the rename waits for the group to end.
    """
    directory = check_output_folder(path, parameter)
    clean_stale_temporaries(directory)
    suffix = os.path.splitext(path)[1]
    try:
        fd, tmp = tempfile.mkstemp(prefix=temporary_prefix(), suffix=suffix, dir=directory)
    except OSError as exc:
        raise InputError(_unwritable(directory, exc), parameter) from None
    os.close(fd)
    folder = _Folder(directory)
    verify = verify if verify is not None else default_verifier(path)
    if read_back_progress is not None and verify is verify_raster:
        verify = partial(verify_raster, progress=read_back_progress)
    errors = _GdalErrors.start()
    try:
        try:
            yield tmp
        finally:
            failures = errors.stop()
        if failures:
            raise InputError(_cannot_write(path, _scrub("; ".join(failures[:3]), tmp, path)), parameter)
        os.chmod(tmp, 0o666 & ~_current_umask())  # mkstemp makes 0600; outputs get the usual permissions
        _fsync(tmp, path, parameter)
        _checked(verify, tmp, path, parameter)
    except (ProspectorError, Cancelled, KeyboardInterrupt, MemoryError) as exc:
        folder.remove(tmp)
        folder.close()
        if isinstance(exc, ProspectorError) and folder.moved():
            raise InputError(folder.gone(os.path.basename(path)), parameter) from None
        raise
    except BaseException as exc:
        folder.remove(tmp)
        folder.close()
        if _is_write_error(exc, tmp):
            if folder.moved():
                raise InputError(folder.gone(os.path.basename(path)), parameter) from None
            reason = "; ".join(failures[:3]) if failures else _reason(exc)  # GDAL's own words first: why it failed
            raise InputError(_cannot_write(path, _scrub(reason, tmp, path)), parameter) from None
        raise
    item = _Pending(tmp, path, parameter, os.path.getsize(tmp), folder=folder)
    group = _GROUP.get()
    if group is not None:
        group.append(item)
    else:
        commit([item])


def _cannot_write(path: str, reason: str) -> str:
    return (
        f"cannot write '{path}' ({reason}); nothing was replaced. Free disk space, or choose another folder or drive."
    )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _scrub(text: str, tmp: str, path: str) -> str:
    """``text`` with the temporary file's name replaced by the output's."""
    return text.replace(tmp, path).replace(os.path.basename(tmp), os.path.basename(path))


def _is_write_error(exc: BaseException, tmp: str) -> bool:
    """An exception that comes from writing the output (not from reading inputs or from a bug)."""
    if isinstance(exc, (OSError, sqlite3.Error)):
        return True
    module = type(exc).__module__ or ""
    if module.startswith(("rasterio", "fiona", "pyogrio")):
        return True
    return os.path.basename(tmp) in str(exc)


def _checked(verify: Optional[Callable[[str], None]], tmp: str, path: str, parameter: str) -> None:
    if verify is None:
        return
    errors = _GdalErrors.start()
    try:
        verify(tmp)
        failures = errors.stop()
    except Exception as exc:  # the driver's own error, a zip error, a count mismatch: all mean "not as written"
        errors.stop()
        reason = _scrub(_reason(exc), tmp, path)
        raise InputError(
            f"the file written for '{path}' could not be read back ({reason}); nothing was replaced. Free disk "
            "space, or choose another folder or drive.",
            parameter,
        ) from None
    if failures:
        raise InputError(
            f"the file written for '{path}' could not be read back ({_scrub('; '.join(failures[:3]), tmp, path)}); "
            "nothing was replaced. Free disk space, or choose another folder or drive.",
            parameter,
        )


def _fsync(tmp: str, path: str, parameter: str) -> None:
    """Flush the file to the disk, so that a full disk or a lost network drive shows up now, not later."""
    try:
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise InputError(_cannot_write(path, exc.strerror or str(exc)), parameter) from None


class _GdalErrors:
    """GDAL failures (CE_Failure and worse) reported in this thread between ``start()`` and ``stop()``.

    One error handler per thread is pushed while any output is open; each output keeps the failures that
    mean a failed write (see ``_WRITE_FAILURE``) or name its temporary file. Without the GDAL Python bindings
    nothing is collected, and the read-back still catches a broken file.
    """

    _local = threading.local()

    def __init__(self, first: int) -> None:
        self.first = first

    @classmethod
    def start(cls) -> "_GdalErrors":
        state = cls._local
        if getattr(state, "depth", 0) == 0:
            state.messages = []
            state.pushed = _push_handler(state.messages)
        state.depth = getattr(state, "depth", 0) + 1
        return cls(len(state.messages))

    def stop(self) -> List[str]:
        state = self._local
        found = [m for m in state.messages[self.first :] if _WRITE_FAILURE.search(m) or PREFIX in m]
        found = list(dict.fromkeys(found))  # GDAL repeats itself; each message once
        state.depth -= 1
        if state.depth == 0 and state.pushed:
            _pop_handler()
            state.pushed = False
        return found


def _push_handler(messages: List[str]) -> bool:
    try:
        from osgeo import gdal
    except ImportError:  # pragma: no cover - the bindings come with GDAL and QGIS
        return False

    def handler(err_class: int, err_no: int, message: str) -> None:
        if err_class >= gdal.CE_Failure:
            messages.append(str(message))

    gdal.PushErrorHandler(handler)
    return True


def _pop_handler() -> None:
    from osgeo import gdal

    gdal.PopErrorHandler()


def write_bytes(
    path: str, data: bytes, parameter: str = "OUTPUT", verify: Optional[Callable[[str], None]] = None
) -> str:
    """Write ``data`` atomically; the file on disk must have exactly ``len(data)`` bytes before it is committed."""
    expected = len(data)

    def check(tmp: str) -> None:
        size = os.path.getsize(tmp)
        if size != expected:
            raise ValueError(f"{size} bytes on disk, {expected} written")
        chosen = verify if verify is not None else default_verifier(path)
        if chosen is not None:
            chosen(tmp)

    with atomic_output(path, parameter, verify=check) as tmp:
        with open(tmp, "wb") as handle:
            handle.write(data)
    return path


def write_text(path: str, text: str, parameter: str = "OUTPUT") -> str:
    """Write UTF-8 text atomically (newlines as given), checked by size like :func:`write_bytes`."""
    return write_bytes(path, text.encode("utf-8"), parameter)
