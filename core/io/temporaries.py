"""Temporary files beside an output: named for their host and process, so what a killed run left can be found and removed."""

from __future__ import annotations

import os
import re
import socket
from typing import Dict, List

#: the prefix of every temporary file and backup this package writes
PREFIX = ".partial-"


#: what a backup's name holds after the transaction token: ``<token>.old~<original name>``
BACKUP_MARK = ".old~"


_OWNED = re.compile(r"^\.partial-(?P<host>.+)-(?P<pid>\d+)-(?P<rand>[A-Za-z0-9_]{8})(?P<rest>.*)$")


def host_tag() -> str:
    """This machine's name as it appears in temporary file names (letters, digits, '.', '_' and '-')."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", socket.gethostname() or "localhost")


def temporary_prefix() -> str:
    """``.partial-<host>-<pid>-``: what this process's temporary files start with."""
    return f"{PREFIX}{host_tag()}-{os.getpid()}-"


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


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
