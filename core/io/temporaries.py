"""Temporary files beside an output: named for their host and process, so what a killed run left can be found and
removed.

A name is ``.partial-<host>-<pid>@<start>-<random>…`` where ``<start>`` is when the process started (clock ticks
since boot, from ``/proc/<pid>/stat``; absent where there is no ``/proc``): after a restart, or in a container whose
run is always process 1, the same process id soon belongs to another process, and only the start time tells that
the files are not its. Names without it (an older version's) are judged by the process id alone.
"""

from __future__ import annotations

import importlib
import os
import re
import socket
import sys
from typing import Any, Dict, List, Optional

#: the prefix of every temporary file and backup this package writes
PREFIX = ".partial-"


#: what a backup's name holds after the transaction token: ``<token>.old~<original name>``
BACKUP_MARK = ".old~"


_OWNED = re.compile(r"^\.partial-(?P<host>.+)-(?P<pid>\d+)(?:@(?P<start>\d+))?-(?P<rand>[A-Za-z0-9_]{8})(?P<rest>.*)$")


def host_tag() -> str:
    """This machine's name as it appears in temporary file names (letters, digits, '.', '_' and '-')."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", socket.gethostname() or "localhost")


def temporary_prefix() -> str:
    """``.partial-<host>-<pid>@<start>-`` (``.partial-<host>-<pid>-`` where the start time cannot be read): what
    this process's temporary files start with."""
    start = _start_ticks(os.getpid())
    return f"{PREFIX}{host_tag()}-{os.getpid()}{'' if start is None else f'@{start}'}-"


def _remove_partial(tmp: str) -> None:
    for leftover in (tmp, tmp + ".aux.xml"):
        _remove_quietly(leftover)


def _remove_quietly(path: str) -> None:
    try:
        if os.path.lexists(path):
            os.remove(path)
    except OSError:
        pass


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
        if not match or match.group("host") != host or _owner_alive(match):
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


def _owner_alive(match: "re.Match[str]") -> bool:
    """Whether the process that named a temporary may still run: its id is alive and, where the name records its
    start time, the process with that id now started then (not a later process given the same id)."""
    pid = int(match.group("pid"))
    if not _alive(pid):
        return False
    recorded = match.group("start")
    if recorded is None:
        return True
    now = _start_ticks(pid)
    return now is None or now == int(recorded)


def _start_ticks(pid: int) -> Optional[int]:
    """When process ``pid`` started, in clock ticks since boot (field 22 of ``/proc/<pid>/stat``); None where it
    cannot be read (no ``/proc``: Windows, macOS)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            text = handle.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()  # after the command name, which may hold spaces and ')'
    try:
        return int(fields[19])  # field 22 of the line; field 3 (the state) is fields[0]
    except (IndexError, ValueError):
        return None


def _alive(pid: int) -> bool:
    if pid <= 0:
        return True  # not a process id we wrote: leave it
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return _alive_on_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    except OSError:
        return True
    return True


def _alive_on_windows(pid: int) -> bool:
    """Whether ``pid`` runs, asked of Windows itself. Never ``os.kill(pid, 0)`` there: signal 0 is
    ``CTRL_C_EVENT``, so it would send Ctrl+C to the process group ``pid`` (cancelling a qgis_process run in the
    same console) instead of asking, and every temporary would look alive."""
    try:
        _winapi: Any = importlib.import_module("_winapi")  # typed for Windows only
    except ImportError:  # pragma: no cover - CPython on Windows always has it
        return True
    synchronize, still_running = 0x00100000, 0x00000102  # SYNCHRONIZE access; WAIT_TIMEOUT
    try:
        handle = _winapi.OpenProcess(synchronize, False, pid)
    except OSError as exc:
        return getattr(exc, "winerror", None) != 87  # ERROR_INVALID_PARAMETER: no such process; else (denied) alive
    try:
        return bool(_winapi.WaitForSingleObject(handle, 0) == still_running)
    finally:
        _winapi.CloseHandle(handle)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
