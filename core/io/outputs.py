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
import io
import os
import re
import socket
import sqlite3
import tempfile
import threading
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from ..errors import Cancelled, InputError, ProspectorError
from .inputs import files_behind, output_sidecars

#: the prefix of every temporary file and backup this package writes
PREFIX = ".partial-"
#: what a backup's name holds after the transaction token: ``<token>.old~<original name>``
BACKUP_MARK = ".old~"

_OWNED = re.compile(r"^\.partial-(?P<host>.+)-(?P<pid>\d+)-(?P<rand>[A-Za-z0-9_]{8})(?P<rest>.*)$")
#: GDAL messages that mean a write failed (they rarely name the file)
_WRITE_FAILURE = re.compile(
    r"No space left|Disk quota|[Ww]rite (error|failed)|IO error writing|Failed to write|WriteEncoded|"
    r"[Ff]ile write failed|Seek error|disk is full|Read-only file system",
)


def host_tag() -> str:
    """This machine's name as it appears in temporary file names (letters, digits, '.', '_' and '-')."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", socket.gethostname() or "localhost")


def temporary_prefix() -> str:
    """``.partial-<host>-<pid>-``: what this process's temporary files start with."""
    return f"{PREFIX}{host_tag()}-{os.getpid()}-"


@dataclass
class _Pending:
    tmp: str
    path: str
    parameter: str
    size: int = -1  # bytes when it was read back
    backups: List[Tuple[str, str]] = field(default_factory=list)  # (original, backup)
    placed: bool = False


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
            _remove_partial(item.tmp)
        raise
    finally:
        _GROUP.reset(token)
    commit(pending)


def commit(pending: Sequence[_Pending]) -> None:
    """Check every temporary is still as it was read back, then move the previous files aside and the new ones
    in; undo everything on failure."""
    try:
        for item in pending:
            _verified(item)
        for item in pending:
            _place(item)
    except BaseException as exc:
        kept = _roll_back(pending)
        for item in pending:
            _remove_partial(item.tmp)
        if isinstance(exc, ProspectorError):
            if kept:
                raise InputError(f"{_message_of(exc)} {kept}", exc.parameter) from None
            raise
        raise
    for item in pending:
        for _, backup in item.backups:
            _remove_quietly(backup)


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


def _remove_partial(tmp: str) -> None:
    for leftover in (tmp, tmp + ".aux.xml"):
        _remove_quietly(leftover)


def _remove_quietly(path: str) -> None:
    try:
        if os.path.lexists(path):
            os.remove(path)
    except OSError:
        pass


@contextmanager
def atomic_output(
    path: str, parameter: str = "OUTPUT", verify: Optional[Callable[[str], None]] = None
) -> Iterator[str]:
    """Yield a temporary path beside ``path``; it replaces ``path`` only once written, verified and committed.

    If the body raises (an error or a cancellation) the temporary file is removed and whatever was at ``path``
    is left untouched. ``parameter`` names the output in error messages; every write error (an ``OSError``, a
    GDAL error, a failed read-back) becomes an :class:`InputError` naming ``parameter`` and ``path``.
    ``verify(tmp)`` reads the finished file back (default: by extension, see :func:`default_verifier`). Inside
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
    verify = verify if verify is not None else default_verifier(path)
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
    except (ProspectorError, Cancelled, KeyboardInterrupt, MemoryError):
        _remove_partial(tmp)
        raise
    except BaseException as exc:
        _remove_partial(tmp)
        if _is_write_error(exc, tmp):
            raise InputError(_cannot_write(path, _scrub(_reason(exc), tmp, path)), parameter) from None
        raise
    item = _Pending(tmp, path, parameter, os.path.getsize(tmp))
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


# ---- GDAL errors: logged by GDAL, not raised by rasterio; collected per thread while an output is written ------


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


# ---- read-back checks -------------------------------------------------------------------------------------------


def default_verifier(path: str) -> Optional[Callable[[str], None]]:
    """How to read an output back, from its extension: GeoTIFF (every block), GeoPackage (every layer), model
    (.pt: a zip archive); None for the rest (their writers check the size, see :func:`write_bytes`)."""
    extension = os.path.splitext(path)[1].lower()
    if extension in (".tif", ".tiff"):
        return verify_raster
    if extension == ".gpkg":
        return verify_vector
    if extension == ".pt":
        return verify_zip
    return None


def verify_raster(path: str) -> None:
    """Open a raster and read every block of every band (one block at a time: bounded memory)."""
    import rasterio

    with rasterio.open(path) as src:
        if src.count < 1 or src.width < 1 or src.height < 1:
            raise ValueError("the raster has no cells")
        for band in range(1, src.count + 1):
            for _, window in src.block_windows(band):
                src.read(band, window=window)


def verify_vector(path: str, layer: Optional[str] = None, features: Optional[int] = None) -> None:
    """Open every layer of a vector file and count its features; with ``features``, the count must match."""
    import fiona

    layers = [layer] if layer else fiona.listlayers(path)
    if not layers:
        raise ValueError("the file has no layer")
    for name in layers:
        with fiona.open(path, layer=name) as collection:
            count = len(collection)
        if features is not None and name == (layer or name) and count != features:
            raise ValueError(f"layer '{name}' has {count} features, {features} were written")


def verify_zip(path: str) -> None:
    """A model file is a zip archive (torch.save): it must open and every member's checksum must match."""
    with zipfile.ZipFile(path) as archive:
        bad = archive.testzip()
    if bad is not None:
        raise ValueError(f"member '{bad}' is damaged")


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


def buffer_bytes(write: Callable[[io.BytesIO], None]) -> bytes:
    """What ``write(buffer)`` writes into an in-memory buffer (for writers that only take a file object)."""
    buffer = io.BytesIO()
    write(buffer)
    return buffer.getvalue()


# ---- what a killed run leaves ---------------------------------------------------------------------------------


def clean_stale_temporaries(directory: str) -> List[str]:
    """Remove the temporaries left in ``directory`` by dead processes of this host; returns what was touched.

    A backup (``…old~<name>``) of a dead process is put back where ``<name>`` is missing (the run died between
    moving the previous file aside and putting the new one in), else removed. Files of live processes, of
    other hosts, and names this package did not make are left alone.
    """
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    host = host_tag()
    touched: List[str] = []
    groups: Dict[str, List[str]] = {}
    for name in names:
        match = _OWNED.match(name)
        if not match or match.group("host") != host or _alive(int(match.group("pid"))):
            continue
        rest = match.group("rest")
        if rest.startswith(BACKUP_MARK):
            groups.setdefault(name[: len(name) - len(rest) + len(BACKUP_MARK)], []).append(name)
            continue
        _remove_quietly(os.path.join(directory, name))
        touched.append(name)
    for token, members in groups.items():
        main = min(members, key=len)  # '<name>' before '<name>.aux.xml'
        restore = not os.path.lexists(os.path.join(directory, main[len(token) :]))
        for name in members:
            backup, original = os.path.join(directory, name), os.path.join(directory, name[len(token) :])
            try:
                if restore and not os.path.lexists(original):
                    os.rename(backup, original)
                else:
                    os.remove(backup)
                touched.append(name)
            except OSError:
                pass
    return touched


def _alive(pid: int) -> bool:
    if pid <= 0:
        return True  # not a process id we wrote: leave it
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    except OSError:
        return True
    return True


# ---- checks before any work -----------------------------------------------------------------------------------


def check_output_folder(path: str, parameter: str = "OUTPUT") -> str:
    """The folder of ``path``, after proving a file can be created there; else :class:`InputError`.

    The proof is a real temporary file, not ``os.access``: permission bits say nothing for root, and a
    read-only mount, a full disk or a path under a regular file only show up when writing.
    """
    directory = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise InputError(f"'{directory}' is a file, not a folder; choose an existing folder.", parameter)
    if not os.path.isdir(directory):
        raise InputError(f"the folder '{directory}' does not exist; choose an existing folder.", parameter)
    try:
        fd, probe = tempfile.mkstemp(prefix=".probe-", dir=directory)
    except OSError as exc:
        raise InputError(_unwritable(directory, exc), parameter) from None
    os.close(fd)
    os.remove(probe)
    return directory


def _unwritable(directory: str, exc: OSError) -> str:
    return f"cannot write in the folder '{directory}' ({exc.strerror or exc}); choose a folder you can write to."


def _key(path: str) -> str:
    return os.path.normcase(os.path.realpath(path.split("|")[0]))


def check_output_paths(outputs: Mapping[str, str], inputs: Mapping[str, str]) -> None:
    """Refuse, before any work, outputs that would touch a file behind an input, overwrite each other, stand
    where a folder is, or cannot be written.

    ``outputs`` and ``inputs`` map parameter names to file paths (empty values are skipped). Behind an input
    lie the file itself, its sidecars (``.aux.xml``, ``.ovr``, ``.prj``, ``.qml``, a shapefile's ``.dbf``...)
    and, for a VRT, every source file (see :func:`~.inputs.files_behind`). An output is also refused when one
    of its own sidecars, which the commit moves aside, is such a file.
    """
    behind: Dict[str, Tuple[str, str, str]] = {}  # key -> (input parameter, input path, how it relates)
    for name, path in inputs.items():
        if not path:
            continue
        for file, relation in files_behind(path):
            behind.setdefault(_key(file), (name, path, relation))
    seen_outputs: Dict[str, str] = {}
    for name, path in outputs.items():
        if not path:
            continue
        k = _key(path)
        if k in behind:
            raise InputError(_overwrite_message(path, *behind[k]), name)
        for sidecar in output_sidecars(path):
            if _key(sidecar) in behind:
                input_name, input_path, _ = behind[_key(sidecar)]
                raise InputError(
                    f"writing '{path}' would move aside its sidecar '{sidecar}', which is the input {input_name} "
                    f"('{input_path}') or a file behind it; choose another file name.",
                    name,
                )
        if k in seen_outputs:
            raise InputError(f"the same file as {seen_outputs[k]} ('{path}'); give each output its own file.", name)
        seen_outputs[k] = name
        plain = path.split("|")[0]
        if os.path.isdir(plain):
            raise InputError(f"'{plain}' is a folder; give the output a file name.", name)
        check_output_folder(plain, name)


def _overwrite_message(path: str, input_name: str, input_path: str, relation: str) -> str:
    if relation == "input":
        return f"the output would overwrite an input ({input_name}: '{input_path}'); choose another file name."
    return (
        f"the output would overwrite '{path.split('|')[0]}', {relation} of the input {input_name} ('{input_path}'); "
        "choose another file name."
    )


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
