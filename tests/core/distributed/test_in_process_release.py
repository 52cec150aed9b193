"""In this process, the readers the tasks open are closed when the run ends: an input left open keeps a file lock on
Windows, and a GDAL dataset outliving QGIS's GDAL crashed QGIS on exit (seen as a segfault closing the test run)."""

import os

import numpy as np
import pytest

from geochem_prospector.core.distributed.runner import run_tasks
from geochem_prospector.core.distributed.tasks import stack_reader
from geochem_prospector.core.errors import Cancelled
from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.io.rasters import write_geotiff


def open_descriptors_to(path):
    """What the kernel says this process has open on ``path`` (/proc/self/fd: independent of our bookkeeping)."""
    target = os.path.realpath(path)
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.path.realpath(os.readlink(f"/proc/self/fd/{fd}")) == target:
                found.append(fd)
        except OSError:
            pass  # closed while listing
    return found


def read_window(path, grid, r0, r1):
    return stack_reader([(path, 1)], grid)(r0, r1, 0, grid.width)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to see open files")
def test_an_in_process_run_closes_its_inputs_also_when_cancelled(tmp_path):
    grid = GridSpec(0.0, 1000.0, 100.0, 10, 10, "EPSG:32634")
    path = str(tmp_path / "band.tif")
    values = np.arange(100, dtype=np.float32).reshape(1, 10, 10)
    write_geotiff(path, values, grid, ["v"])
    got = {}
    tasks = [(r, (path, grid, r, r + 5)) for r in (0, 5)]

    def consume(key, block):
        got[key] = block
        assert open_descriptors_to(path), "the reader is open while the run goes on"

    run_tasks(None, read_window, tasks, consume)
    assert np.array_equal(np.concatenate([got[0], got[5]], axis=1), values)
    assert open_descriptors_to(path) == []

    calls = []
    with pytest.raises(Cancelled):
        run_tasks(None, read_window, tasks, lambda k, b: calls.append(k), is_cancelled=lambda: bool(calls))
    assert open_descriptors_to(path) == []
