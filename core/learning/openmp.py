"""PyTorch's OpenMP threads wait passively unless the user chose otherwise.

PyTorch's CPU operators run on an OpenMP thread pool (its bundled GNU libgomp), whose threads by default spin for a
while at every barrier before they sleep. A small network trains as thousands of short parallel regions, so when
the cores are busy with other work (a QGIS desktop rendering, other processes, a shared server) a spinning thread
holds a core while the thread it waits for cannot run. On the 2-core development machine at load 3-5, six epochs of
the demo-sized network took 24-37 s with two spinning threads against 3-6 s with passive waiting and 2-3.5 s with
one thread (``bench/bench_openmp.py``). libgomp reads ``OMP_WAIT_POLICY`` once, when it is loaded, and one libgomp
serves the whole process: pykdtree (the neighbour searches) loads it when the plugin loads, and PyTorch then uses
the same. So the plugin package calls :func:`prefer_passive_waiting` first thing on import; in QGIS desktop an
OpenMP runtime loaded earlier by another plugin keeps its own setting. The variable stays set in the process and
the processes it starts (Dask workers, and also other tools QGIS runs), where passive waiting costs a wake-up of a
few microseconds per parallel region at most.
"""

from __future__ import annotations

import os
import sys

#: the environment variable libgomp (and other OpenMP runtimes) read at start-up
WAIT_POLICY = "OMP_WAIT_POLICY"
#: whether :func:`prefer_passive_waiting` set it in this process (so a tool starting other builds can unset it)
set_here = False


def prefer_passive_waiting() -> bool:
    """Sets ``OMP_WAIT_POLICY=PASSIVE`` when it is unset and PyTorch is not loaded yet (later it would not be
    read); returns whether it set it. A value the user set is kept."""
    global set_here
    if WAIT_POLICY in os.environ or "torch" in sys.modules:
        return False
    os.environ[WAIT_POLICY] = "PASSIVE"
    set_here = True
    return True
