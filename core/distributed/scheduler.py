"""Scheduler strings and the Dask client behind them.

``''`` runs in this process (the default, nothing to install); ``'local:N'`` starts a local cluster of ``N``
single-threaded worker processes for the run; ``'tcp://host:port'`` connects to an existing cluster
(``dask-scheduler`` / ``dask-worker``). Dask (``dask.distributed``) is imported only when a scheduler is asked for,
so the plugin loads and runs without it.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import multiprocessing.spawn
import os
import re
from dataclasses import dataclass
from typing import Any, Iterator, Optional, Tuple

from ..dependencies import find_module, python_executable
from ..errors import InputError

#: seconds to wait for an existing scheduler before saying it cannot be reached
CONNECT_TIMEOUT_S = 10.0
#: the largest local cluster accepted (a typo such as local:200 would start 200 processes)
MAX_LOCAL_WORKERS = 256

DASK_HINT = (
    "install Dask's distributed scheduler into the Python that QGIS uses (Debian/Ubuntu: `sudo apt install "
    'python3-dask python3-distributed`; elsewhere `python -m pip install "distributed"`), or leave SCHEDULER '
    "empty to run in this process."
)

_FORMAT = "use '' (empty: in this process), 'local:N' (N worker processes on this computer) or 'tcp://host:port'"


@dataclass(frozen=True)
class Scheduler:
    """A parsed scheduler string: ``kind`` is ``''`` (in-process), ``'local'`` or ``'tcp'``."""

    kind: str = ""
    workers: int = 0
    address: str = ""

    @property
    def in_process(self) -> bool:
        return self.kind == ""

    def describe(self) -> str:
        if self.kind == "local":
            return f"a local Dask cluster of {self.workers} worker process(es)"
        if self.kind == "tcp":
            return f"the Dask cluster at {self.address}"
        return "this process"


def parse_scheduler(text: Optional[str], parameter: str = "SCHEDULER") -> Scheduler:
    """``''`` / ``'local:N'`` / ``'tcp://host:port'`` to a :class:`Scheduler`; anything else raises
    :class:`InputError` naming ``parameter`` and the accepted forms."""
    value = (text or "").strip()
    if not value:
        return Scheduler()
    local = re.fullmatch(r"local\s*:\s*(\d+)", value, re.IGNORECASE)
    if local:
        workers = int(local.group(1))
        if not 1 <= workers <= MAX_LOCAL_WORKERS:
            raise InputError(
                f"'{value}': the number of local workers must be between 1 and {MAX_LOCAL_WORKERS}.", parameter
            )
        return Scheduler("local", workers)
    remote = re.fullmatch(r"tcp://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})", value)
    if remote:
        if not 0 < int(remote.group(2)) < 65536:
            raise InputError(f"'{value}': the port must be between 1 and 65535.", parameter)
        return Scheduler("tcp", 0, value)
    raise InputError(f"'{value}' is not a scheduler; {_FORMAT} (e.g. local:4, tcp://10.0.0.5:8786).", parameter)


def dask_available() -> bool:
    """Whether ``dask.distributed`` can be imported (without importing it)."""
    return find_module("distributed") is not None and find_module("dask") is not None


def check_dask(scheduler: Scheduler, parameter: str = "SCHEDULER") -> Tuple[bool, str]:
    """``(True, '')`` when ``scheduler`` can run here, else ``(False, message)`` (for ``canExecute``)."""
    if scheduler.in_process or dask_available():
        return True, ""
    return False, f"{parameter}: running on {scheduler.describe()} needs Dask, which is not installed; {DASK_HINT}"


class _DlInfo(ctypes.Structure):
    _fields_ = [
        ("dli_fname", ctypes.c_char_p),
        ("dli_fbase", ctypes.c_void_p),
        ("dli_sname", ctypes.c_char_p),
        ("dli_saddr", ctypes.c_void_p),
    ]


def global_blas() -> Optional[str]:
    """The library that provides ``sgemm_`` in this process's global symbol scope, or None (Linux only).

    ``qgis_process`` and the QGIS program link the system BLAS (``libblas.so.3``) themselves, so it also answers
    PyTorch's BLAS calls in QGIS (last-bit differences from a plain Python process); workers started with it
    preloaded compute exactly as QGIS does.
    """
    if not os.path.exists("/proc/self/maps"):
        return None
    try:
        scope = ctypes.CDLL(None)
        address = ctypes.cast(scope.sgemm_, ctypes.c_void_p).value
        libdl = ctypes.CDLL(ctypes.util.find_library("dl") or "libc.so.6")
        info = _DlInfo()
        if not address or not libdl.dladdr(ctypes.c_void_p(address), ctypes.byref(info)) or not info.dli_fname:
            return None
    except (AttributeError, OSError):
        return None
    path = os.fsdecode(info.dli_fname)
    return path if os.path.isabs(path) and os.path.isfile(path) else None


@contextlib.contextmanager
def _worker_environment() -> Iterator[None]:
    """Local workers are spawned with the Python QGIS embeds (inside QGIS ``sys.executable`` is the QGIS program)
    and with this process's global BLAS preloaded (:func:`global_blas`); both restored afterwards."""
    before = multiprocessing.spawn.get_executable()
    python = python_executable()
    if python:
        multiprocessing.spawn.set_executable(python)
    preload_before = os.environ.get("LD_PRELOAD")
    blas = global_blas()
    if blas and blas not in (preload_before or "").split():
        os.environ["LD_PRELOAD"] = " ".join(filter(None, [preload_before, blas]))
    try:
        yield
    finally:
        if before:
            multiprocessing.spawn.set_executable(before)
        if preload_before is None:
            os.environ.pop("LD_PRELOAD", None)
        else:
            os.environ["LD_PRELOAD"] = preload_before


@contextlib.contextmanager
def dask_client(scheduler: Scheduler, parameter: str = "SCHEDULER") -> Iterator[Any]:
    """A ``distributed.Client`` for ``scheduler`` (a local cluster lives as long as the context)."""
    ok, message = check_dask(scheduler, parameter)
    if not ok:
        raise InputError(message.split(": ", 1)[1], parameter)
    if scheduler.in_process:
        raise ValueError("an in-process scheduler has no Dask client")
    from distributed import Client, LocalCluster

    if scheduler.kind == "tcp":
        try:
            client = Client(scheduler.address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise InputError(
                f"cannot reach the Dask scheduler at {scheduler.address} ({exc}); check that `dask-scheduler` runs "
                "there and the port is open, or leave SCHEDULER empty to run in this process.",
                parameter,
            ) from None
        try:
            yield client
        finally:
            client.close()
        return
    with _worker_environment():
        cluster = LocalCluster(
            n_workers=scheduler.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            # the workers' own log reaches the user's console (qgis_process): at ERROR it showed tracebacks of
            # heartbeats to a scheduler already closed ("Scheduler was unaware of this worker") after runs that
            # succeeded; task errors reach the user through the client, naming the parameter
            silence_logs=logging.CRITICAL,
        )
        try:
            client = Client(cluster, set_as_default=False)
            try:
                yield client
            finally:
                client.close()
        finally:
            cluster.close()
