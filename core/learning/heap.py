"""glibc's heap kept between the tiles of a prediction, so their buffers are not page-faulted in afresh.

Every tile allocates and frees the same buffers (the window, the activations, the MC-dropout samples: tens of MB).
glibc maps blocks above its mmap threshold (dynamic, at most 32 MiB) with ``mmap`` and unmaps them when freed, and
returns the top of the heap to the system once more than its trim threshold (at most 64 MiB) is free: either way
the next tile touches fresh pages, and the kernel zeroes each of them in a page fault. On the 2-core development
machine that was 2-18 million faults for a 10,000 x 10,000 x 30 prediction; with both thresholds raised (through
glibc's environment variables), a 4,000^2 ``qgis_process`` prediction took 0.46 M faults instead of 2.2-2.4 M and
44 CPU-s instead of 57-61, at the same peak memory (``bench/results/2026-12-03-predict-quiet/sweeps.txt``).

:func:`kept_heap` raises them while a prediction runs and sets them back to the ceilings the dynamic rule reaches
afterwards, returning what is free to the system. It acts only in the process's main thread (``qgis_process``,
scripts): the thresholds are process-wide, and a QGIS desktop task or a Dask worker runs in another thread of a
process that does other work, where other threads' heaps also gained less (in a second thread, tiles of 512:
0.20 -> 0.11 faults a cell; 320: 0.11 either way; same file). Elsewhere (not glibc, or another thread) it changes
nothing.

While it acts, threads started then also allocate from the main heap (``M_ARENA_MAX`` 1): the read-ahead thread
(:func:`..io.windows.prefetched_tiles`) otherwise reads every window into an arena of its own, which the main
thread frees into and which keeps what it was given: at 4,000^2 x 30 with 20 MC-dropout samples through
``qgis_process``, peak RSS 2.95 GB with a second arena against 2.05-2.11 GB with one, and 14.3-14.9 s against
15.3-15.5 s (pairs in one run, load 1-2). Afterwards the limit is glibc's default
again (``mallopt`` cannot unset it).
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from contextlib import contextmanager
from typing import Any, Iterator, Optional

#: mallopt parameters (glibc's malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
#: while predicting: blocks up to this size come from the heap ...
KEPT_MMAP_THRESHOLD = 256 * 2**20
#: ... and this much free memory stays in it
KEPT_TRIM_THRESHOLD = 1024 * 2**20
#: afterwards: the largest values glibc's dynamic thresholds take on 64-bit systems (DEFAULT_MMAP_THRESHOLD_MAX and
#: twice it), which a process that has freed buffers of tens of MB has reached anyway
AFTER_MMAP_THRESHOLD = 32 * 2**20
AFTER_TRIM_THRESHOLD = 64 * 2**20
#: ... and glibc's default limit of arenas on 64-bit systems, 8 per CPU (mallopt cannot unset it)
ARENAS_PER_CPU = 8


def glibc() -> Optional[Any]:
    """The process's C library when it is glibc (it has ``mallopt`` and ``malloc_trim``), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)  # the C library already loaded into this process
        libc.gnu_get_libc_version  # noqa: B018 (only glibc has it)
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
    except (OSError, AttributeError):
        return None
    return libc


@contextmanager
def kept_heap() -> Iterator[bool]:
    """Within the block, freed memory stays in glibc's heap for reuse (see the module docstring); yields whether the
    thresholds were changed (glibc, main thread). Afterwards they are the dynamic rule's ceilings and free memory
    is returned to the system."""
    libc = glibc() if threading.current_thread() is threading.main_thread() else None
    if libc is None:
        yield False
        return
    libc.mallopt(M_MMAP_THRESHOLD, KEPT_MMAP_THRESHOLD)
    libc.mallopt(M_TRIM_THRESHOLD, KEPT_TRIM_THRESHOLD)
    libc.mallopt(M_ARENA_MAX, 1)
    try:
        yield True
    finally:
        libc.mallopt(M_MMAP_THRESHOLD, AFTER_MMAP_THRESHOLD)
        libc.mallopt(M_TRIM_THRESHOLD, AFTER_TRIM_THRESHOLD)
        libc.mallopt(M_ARENA_MAX, ARENAS_PER_CPU * (os.cpu_count() or 1))
        libc.malloc_trim(0)
