"""core.evidence.stack.write_stack on a local Dask cluster of 2 workers: the written stack is bit-identical to the
in-process one for the same tile size (every kind of source: line distance, density and intersections, lithology
classes and contacts, points, a reprojected raster, a mask), the bands are checked against independent references
(shapely distances, gdalwarp), sources travel small (a raster as its path, lines as their segments), a worker killed
mid-run still leaves a complete, identical stack, and an existing tcp:// cluster whose worker runs threads gives
the same stack."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest
from shapely.geometry import LineString, MultiLineString, Point

from geochem_prospector.core.distributed.runner import TaskRunner
from geochem_prospector.core.errors import Cancelled
from geochem_prospector.core.evidence.geometry import window_centres
from geochem_prospector.core.evidence.lines import LineEvidence
from geochem_prospector.core.evidence.points import PointEvidence
from geochem_prospector.core.evidence.polygons import PolygonEvidence
from geochem_prospector.core.evidence.rasters import RasterEvidence
from geochem_prospector.core.evidence.stack import write_stack
from geochem_prospector.core.grid import GridSpec
from tests.core.evidence.helpers import CRS, gdalwarp
from tests.core.evidence.test_classes_rasters import lithology, source_raster
from tests.helpers import free_port, run_killing_a_worker

pytest.importorskip("distributed", reason="Dask's distributed scheduler (python3-distributed) is not installed")

GRID = GridSpec(400_000.0, 7_506_000.0, 100.0, 60, 60, CRS)  # 6 x 6 km, 16 tiles of 16 cells


def faults():
    rng = np.random.default_rng(3)
    lines = []
    for _ in range(12):
        x0, y0 = rng.uniform([399_000, 7_499_000], [407_000, 7_507_000])
        angle = rng.uniform(0, np.pi)
        length = rng.uniform(1_000, 6_000)
        lines.append(LineString([(x0, y0), (x0 + length * np.cos(angle), y0 + length * np.sin(angle))]))
    return lines


def sources(tmp_path, grid=GRID):
    polygons, rocks = lithology()
    xy = np.random.default_rng(5).uniform([400_000, 7_500_000], [406_000, 7_506_000], (9, 2))
    return [
        LineEvidence("faults", faults(), grid, density_radius=350.0, intersections_band=True),
        PolygonEvidence("lithology", polygons, rocks, ["granite", "schist", "quartzite"], grid, True, "rock"),
        PointEvidence("intrusions", xy),
        RasterEvidence("magnetics", source_raster(str(tmp_path / "src.tif")), grid, "bilinear"),
    ]


MASK = [Point(403_000, 7_503_000).buffer(2_600, 32)]


def raw(path):
    import rasterio

    with rasterio.open(path) as src:
        return src.read(), src.descriptions, src.units, src.transform, src.nodata, src.tags(), src.tags(1)


def same_stack(a, b):
    return a[0].dtype == b[0].dtype and a[0].tobytes() == b[0].tobytes() and a[1:] == b[1:]


def test_evidence_on_two_workers_is_bit_identical(cluster, tmp_path):
    evidence = sources(tmp_path)
    here, there = str(tmp_path / "here.tif"), str(tmp_path / "there.tif")
    write_stack(here, GRID, evidence, MASK, provenance={"algorithm": "test"}, tile=16)
    fractions = []
    write_stack(there, GRID, evidence, MASK, provenance={"algorithm": "test"}, tile=16, runner=cluster,
                progress=fractions.append)  # fmt: skip
    a, b = raw(here), raw(there)
    assert same_stack(a, b)
    assert len(fractions) == 16 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    data, names = a[0].astype(np.float64), a[1]
    assert names[:3] == ("faults:distance_m", "faults:density_km_per_km2", "faults:intersection_distance_m")
    # independent references: shapely's distance to the faults at every cell inside the mask, gdalwarp's bilinear
    centres = window_centres(GRID, 0, GRID.height, 0, GRID.width)
    inside = np.array([MASK[0].contains(Point(x, y)) for x, y in centres]).reshape(GRID.height, GRID.width)
    assert 0.4 < inside.mean() < 0.9 and (data[:, ~inside] == -9999).all()
    union = MultiLineString(faults())
    brute = np.array([union.distance(Point(x, y)) for x, y in centres]).reshape(inside.shape)
    np.testing.assert_allclose(data[0][inside], brute[inside], rtol=1e-6, atol=1e-2)
    gdal = gdalwarp(str(tmp_path / "w.tif"), str(tmp_path / "src.tif"), GRID, "bilinear")
    magnetics = names.index("magnetics:tmi")
    ok = inside & np.isfinite(gdal)
    np.testing.assert_allclose(data[magnetics][ok], gdal[ok], rtol=1e-4, atol=1e-3)
    for source in evidence:
        if isinstance(source, RasterEvidence):
            source.close()


def test_a_raster_source_travels_as_its_path(tmp_path):
    source = RasterEvidence("magnetics", source_raster(str(tmp_path / "src.tif")), GRID, "bilinear")
    source.window(GRID, 0, 16, 0, 16)  # the dataset is open here
    payload = pickle.dumps(source)
    assert len(payload) < 4096 and b"src.tif" in payload
    copy = pickle.loads(payload)
    assert copy._ds is None
    assert copy.window(GRID, 0, 16, 0, 16).tobytes() == source.window(GRID, 0, 16, 0, 16).tobytes()
    source.close()
    copy.close()


def test_a_line_source_travels_as_its_segments():
    """What a worker receives of a line layer is its segments (not the half-cell density pieces, one per 50 m of
    line here), and the copy computes every band bit for bit as the original."""
    lines = faults()
    source = LineEvidence("faults", lines, GRID, density_radius=350.0, intersections_band=True)
    segments = source.index.segments
    assert len(source.pieces) > 20 * len(segments)
    payload = pickle.dumps(source)
    assert len(payload) < 2 * segments.nbytes + 8192  # the segments, the crossings and the band table
    copy = pickle.loads(payload)
    for window in ((0, 60, 0, 60), (7, 23, 40, 59)):
        assert copy.window(GRID, *window).tobytes() == source.window(GRID, *window).tobytes()


def test_cancel_on_the_cluster_writes_nothing(cluster, tmp_path):
    seen = []
    out = tmp_path / "cancelled.tif"
    with pytest.raises(Cancelled):
        write_stack(str(out), GRID, sources(tmp_path)[:3], tile=8, runner=cluster, progress=seen.append,
                    is_cancelled=lambda: len(seen) >= 3)  # fmt: skip
    assert len(seen) == 3 and not out.exists() and os.listdir(tmp_path) == ["src.tif"]


def test_a_worker_killed_mid_run_is_replaced_and_the_stack_is_complete(tmp_path):
    grid = GridSpec(400_000.0, 7_506_000.0, 50.0, 120, 120, CRS)  # 225 tiles of 8 cells
    evidence = sources(tmp_path, grid)
    here, there = str(tmp_path / "here.tif"), str(tmp_path / "there.tif")
    write_stack(here, grid, evidence, MASK, tile=8)
    run_killing_a_worker(
        lambda runner, progress: write_stack(there, grid, evidence, MASK, tile=8, runner=runner, progress=progress)
    )
    assert same_stack(raw(here), raw(there))


@pytest.fixture
def tcp_cluster(tmp_path):
    """A `dask-scheduler` and one `dask-worker` with 4 threads, started as a user starts them (the plugin on the
    worker's PYTHONPATH); yields the scheduler's address."""
    import subprocess
    import sys
    import time

    from distributed import Client

    from tests.conftest import PLUGINS, REPO

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([PLUGINS, REPO]), "PROJ_DATA": "/usr/share/proj"}
    cli = "distributed.cli.dask_"
    started = [
        subprocess.Popen([sys.executable, "-m", cli + "scheduler", "--host", "127.0.0.1", "--port", str(port),
                          "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]  # fmt: skip
    try:
        started.append(
            subprocess.Popen([sys.executable, "-m", cli + "worker", address, "--nthreads", "4", "--no-dashboard",
                              "--local-directory", str(tmp_path / "worker")], env=env, cwd=str(tmp_path),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while True:
            try:
                with Client(address, timeout=5, set_as_default=False) as client:
                    if client.scheduler_info()["workers"]:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the dask-scheduler / dask-worker pair did not start within 120 s")
            time.sleep(1)
        yield address
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(30)


def test_evidence_on_an_existing_tcp_cluster_with_threads_is_bit_identical(tcp_cluster, tmp_path):
    """``tcp://`` as a user's cluster: a separate scheduler and a worker running 4 tasks at once in threads, which
    share the worker's copy of the sources. (A raster source reads one window at a time, as GDAL requires of a
    dataset; this small run passed without that lock too, so it does not prove a race would show.)"""
    evidence = sources(tmp_path)
    here, there = str(tmp_path / "here.tif"), str(tmp_path / "there.tif")
    write_stack(here, GRID, evidence, MASK, tile=8)
    with TaskRunner(tcp_cluster) as runner:
        assert runner.workers() == 1 and sum(runner.client.nthreads().values()) == 4
        write_stack(there, GRID, evidence, MASK, tile=8, runner=runner)
    assert same_stack(raw(here), raw(there))


def test_a_raster_source_written_again_before_a_worker_opens_it_is_refused(tmp_path):
    """A worker opens the raster by its path: written again after the run checked it (another run writing the
    same file), the copy refuses to read it, naming the parameter, rather than give tiles of the new file beside
    tiles of the old. Left alone, the copy reads what the original reads (the test above)."""
    import shutil

    from geochem_prospector.core.errors import InputError

    path = source_raster(str(tmp_path / "src.tif"))
    source = RasterEvidence("magnetics", path, GRID, "bilinear", parameter="CONTINUOUS_RASTERS")
    copy = pickle.loads(pickle.dumps(source))  # as a worker receives it
    shutil.copyfile(path, str(tmp_path / "new.tif"))
    with open(str(tmp_path / "new.tif"), "ab") as handle:
        handle.write(b"\0" * 16)  # a file of another size
    os.replace(str(tmp_path / "new.tif"), path)
    with pytest.raises(InputError, match=r"^CONTINUOUS_RASTERS: '.*src\.tif' was replaced or written again"):
        copy.window(GRID, 0, 16, 0, 16)
    source.window(GRID, 0, 16, 0, 16)  # in this process the file opened at the start is still read
    source.close()
    copy.close()
