"""Evidence, predict and train on large synthetic inputs in this process and on a local Dask cluster (issue #20).

Evidence: write_stack of a synthetic scene (EVIDENCE_SIZE x EVIDENCE_SIZE cells of 25 m: random faults with
distance, density within 1 km and distance to intersections; random points; a 40 m magnetic raster resampled
bilinearly; a disc mask) in tiles of 512, each mode in its own process, with wall time, the cluster's start, peak
memory of the driver and of every worker; the two stacks are compared pixel for pixel (they must be bit-identical).

Prediction: a SIZE x SIZE x 30 float32 raster (bench_predict_large's writer), a small 9-cell-patch model, tiles of
512 (halo 4); each mode runs in its own Python process, writing a GeoTIFF through the algorithm's window writer, and
reports its wall time and peak resident memory, and on Dask every worker's peak (VmHWM). The two outputs are
compared pixel for pixel (they must be bit-identical). Training: fit_windows on the same raster with a label raster
of scattered labelled cells, patches read window by window; its peak memory is set against the raster's size.

Usage (the issue's size is 20,000; on a 2-core machine use a smaller one and say so):
    BENCH_DISTRIBUTED_SIZE=20000 BENCH_DISTRIBUTED_WORKERS=2 .venv/bin/python bench/run.py distributed
Defaults: size 3000, 2 workers; BENCH_DISTRIBUTED_PREDICT=0 skips the prediction, BENCH_DISTRIBUTED_TRAIN=0 the
training, BENCH_DISTRIBUTED_EVIDENCE=0 the evidence; BENCH_DISTRIBUTED_EVIDENCE_SIZE (default 4000) sizes the
evidence grid. BENCH_TMP puts the large temporary files on another disk.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TILE = 512


def _peak_gb() -> float:
    """This process's peak resident memory. Linux's VmHWM belongs to the process's own memory map; ru_maxrss survives
    fork + exec, so a bench child reported the parent's peak whenever that was higher (2.58 GB for every driver of the
    20,000² run, whose parent had written the raster)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e9
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9


def _cpu_s() -> float:
    """CPU seconds (user + system) this process has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _grid(path):
    import rasterio

    from geochem_prospector.core.grid import GridSpec

    with rasterio.open(path) as src:
        t = src.transform
        return GridSpec(t.c, t.f, t.a, src.width, src.height, src.crs.to_wkt()), src.count


def child_predict(evidence: str, model_path: str, out: str, scheduler: str) -> dict:
    """One prediction run (in its own process): the algorithm's path, minus QGIS."""
    import torch

    from geochem_prospector.core.distributed.runner import TaskRunner
    from geochem_prospector.core.distributed.tasks import DistributedTiles
    from geochem_prospector.core.io.windows import StackWindowReader, open_geotiff_writer, write_window
    from geochem_prospector.core.learning.estimator import PatchCNN

    grid, count = _grid(evidence)
    selection = [(evidence, b) for b in range(1, count + 1)]
    model = PatchCNN.load(model_path)
    started = time.perf_counter()
    workers = {}
    with TaskRunner(scheduler) as runner:
        ready = time.perf_counter()
        reader = StackWindowReader(selection, grid)
        runs = model if runner.in_process else DistributedTiles(runner, model_path, selection, grid)
        dst = open_geotiff_writer(out, grid, ["prospectivity"])
        try:
            runs.predict_tiled(
                reader, grid.height, grid.width, lambda r0, c0, p, s: write_window(dst, r0, c0, p, -9999.0),
                tile=TILE, device="cpu", mc_samples=0,
            )  # fmt: skip
        finally:
            dst.close()
            reader.close()
        if not runner.in_process:
            workers = runner.client.run(_peak_gb)
    return {
        "wall_s": time.perf_counter() - started,
        "start_s": ready - started,
        "driver_peak_gb": _peak_gb(),
        "workers_peak_gb": sorted(workers.values()),
        "torch_threads": torch.get_num_threads(),
    }


def child_train(evidence: str, labels: str, scheduler: str) -> dict:
    from geochem_prospector.core.distributed.runner import TaskRunner
    from geochem_prospector.core.learning.estimator import PatchCNN
    from geochem_prospector.core.learning.streaming import fit_windows

    grid, count = _grid(evidence)
    selection = [(evidence, b) for b in range(1, count + 1)]
    model = PatchCNN(patch_size=9, epochs=2, seed=0, device="cpu", ensemble=1)
    started = time.perf_counter()
    workers = {}
    lines = []
    with TaskRunner(scheduler) as runner:
        fit_windows(model, selection, grid, [(labels, 1)], runner=runner, window=TILE * 2, log=lines.append)
        if not runner.in_process:
            workers = runner.client.run(_peak_gb)
    return {
        "wall_s": time.perf_counter() - started,
        "driver_peak_gb": _peak_gb(),
        "workers_peak_gb": sorted(workers.values()),
        "log": [line for line in lines if "patches read" in line or "labelled cells" in line],
    }


#: the evidence scene: cell size (m), faults, points, density radius (m)
EVIDENCE_PIXEL, EVIDENCE_FAULTS, EVIDENCE_POINTS, EVIDENCE_RADIUS = 25.0, 3000, 200, 1000.0


def write_evidence_scene(folder: str, size: int, seed: int = 2) -> None:
    """Faults (segments, .npy), points (.npy) and a 40 m one-band magnetic raster over a ``size``² grid of 25 m."""
    import rasterio
    from rasterio.transform import from_origin

    rng = np.random.default_rng(seed)
    extent = size * EVIDENCE_PIXEL
    start = rng.uniform(0, extent, (EVIDENCE_FAULTS, 2))
    angle = rng.uniform(0, np.pi, EVIDENCE_FAULTS)
    length = rng.uniform(500.0, 8000.0, EVIDENCE_FAULTS)
    end = start + np.column_stack([np.cos(angle), np.sin(angle)]) * length[:, None]
    np.save(os.path.join(folder, "faults.npy"), np.column_stack([start, end]))
    np.save(os.path.join(folder, "points.npy"), rng.uniform(0, extent, (EVIDENCE_POINTS, 2)))
    n = int(np.ceil(extent / 40.0)) + 2
    yy, xx = np.mgrid[0:n, 0:n]
    data = (np.sin(xx / 37.0) * 300 + np.cos(yy / 23.0) * 200 + xx * 0.05).astype(np.float32)
    with rasterio.open(
        os.path.join(folder, "magnetics.tif"), "w", driver="GTiff", width=n, height=n, count=1, dtype="float32",
        crs="EPSG:3067", transform=from_origin(-40.0, extent + 40.0, 40.0, 40.0), tiled=True, compress="deflate",
    ) as dst:  # fmt: skip
        dst.write(data, 1)
        dst.set_band_description(1, "tmi")


def child_evidence(folder: str, size: str, out: str, scheduler: str) -> dict:
    """One evidence run (in its own process): sources built as the algorithm builds them, then write_stack."""
    from shapely.geometry import LineString, Point

    from geochem_prospector.core.distributed.runner import TaskRunner
    from geochem_prospector.core.evidence.lines import LineEvidence
    from geochem_prospector.core.evidence.points import PointEvidence
    from geochem_prospector.core.evidence.rasters import RasterEvidence
    from geochem_prospector.core.evidence.stack import write_stack
    from geochem_prospector.core.grid import GridSpec

    n = int(size)
    extent = n * EVIDENCE_PIXEL
    grid = GridSpec(0.0, extent, EVIDENCE_PIXEL, n, n, "EPSG:3067")
    started = time.perf_counter()
    segments = np.load(os.path.join(folder, "faults.npy"))
    sources = [
        LineEvidence("faults", [LineString([(a, b), (c, d)]) for a, b, c, d in segments], grid, EVIDENCE_RADIUS, True),
        PointEvidence("intrusions", np.load(os.path.join(folder, "points.npy"))),
        RasterEvidence("magnetics", os.path.join(folder, "magnetics.tif"), grid, "bilinear"),
    ]
    mask = [Point(extent / 2, extent / 2).buffer(0.48 * extent, 64)]
    prepared = time.perf_counter()
    workers, workers_cpu = {}, {}
    with TaskRunner(scheduler) as runner:
        ready = time.perf_counter()
        write_stack(out, grid, sources, mask, tile=TILE, runner=runner)
        if not runner.in_process:
            workers = runner.client.run(_peak_gb)
            workers_cpu = runner.client.run(_cpu_s)
    sources[2].close()
    return {
        "cpu_s": _cpu_s() + sum(workers_cpu.values()),
        "wall_s": time.perf_counter() - started,
        "prepare_s": prepared - started,
        "start_s": ready - prepared,
        "driver_peak_gb": _peak_gb(),
        "workers_peak_gb": sorted(workers.values()),
        "bands": sum(len(s.bands) for s in sources),
    }


def same_stacks(a: str, b: str) -> bool:
    """Every band's pixels, byte for byte, and the band names."""
    import rasterio
    from rasterio.windows import Window

    with rasterio.open(a) as x, rasterio.open(b) as y:
        if x.descriptions != y.descriptions or x.count != y.count:
            return False
        for r0 in range(0, x.height, 1024):
            w = Window(0, r0, x.width, min(1024, x.height - r0))
            if x.read(window=w).tobytes() != y.read(window=w).tobytes():
                return False
    return True


def bench_evidence(tmp: str, workers: int) -> bool:
    """Evidence in this process and on ``local:workers``; prints the comparison, returns whether they are equal."""
    size = int(os.environ.get("BENCH_DISTRIBUTED_EVIDENCE_SIZE", "4000"))
    started = time.perf_counter()
    write_evidence_scene(tmp, size)
    print(f"evidence scene {size} x {size} cells of {EVIDENCE_PIXEL:g} m: {EVIDENCE_FAULTS} faults (distance, density "
          f"within {EVIDENCE_RADIUS:g} m, intersections), {EVIDENCE_POINTS} points, a 40 m raster, a disc mask; "
          f"written in {time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
    runs = {}
    for scheduler in ("", f"local:{workers}"):
        out = os.path.join(tmp, f"evidence_{scheduler.replace(':', '_') or 'here'}.tif")
        runs[scheduler] = _child("evidence", tmp, str(size), out, scheduler)
        runs[scheduler]["out"] = out
    here, there = runs[""], runs[f"local:{workers}"]
    tiles = (-(-size // TILE)) ** 2
    equal = same_stacks(here["out"], there["out"])
    print(f"evidence, {here['bands']} bands, tiles of {TILE} ({tiles} tiles), sources prepared in "
          f"{here['prepare_s']:.1f} s (in the driver, both modes):")  # fmt: skip
    print(f"  in-process : {here['wall_s']:7.1f} s  {size * size / here['wall_s']:>12,.0f} cells/s  "
          f"{(here['wall_s'] - here['prepare_s']) / tiles:.2f} s/tile  CPU {here['cpu_s']:.0f} s  "
          f"peak {here['driver_peak_gb']:.2f} GB")  # fmt: skip
    print(f"  local:{workers}    : {there['wall_s']:7.1f} s  {size * size / there['wall_s']:>12,.0f} cells/s  "
          f"CPU {there['cpu_s']:.0f} s (driver and workers)  "
          f"(cluster start {there['start_s']:.1f} s)  driver peak {there['driver_peak_gb']:.2f} GB, workers' "
          f"peaks {', '.join(f'{w:.2f}' for w in there['workers_peak_gb'])} GB")  # fmt: skip
    print(f"  stacks bit-identical: {equal}", flush=True)
    for run in runs.values():
        os.remove(run["out"])
    return equal


def write_labels(path: str, size: int, n: int = 4000, seed: int = 1) -> None:
    """A label raster: nodata except ``n`` scattered cells, 1 where the first band is high, else 0."""
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    rng = np.random.default_rng(seed)
    rows, cols = rng.integers(0, size, n), rng.integers(0, size, n)
    profile = dict(driver="GTiff", width=size, height=size, count=1, dtype="float32", crs="EPSG:3067", nodata=-1.0,
                   transform=from_origin(300000.0, 7500000.0 + size * 100.0, 100.0, 100.0), tiled=True,
                   blockxsize=512, blockysize=512, compress="deflate", BIGTIFF="YES")  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        for r0 in range(0, size, 512):
            h = min(512, size - r0)
            block = np.full((h, size), -1.0, np.float32)
            inside = (rows >= r0) & (rows < r0 + h)
            block[rows[inside] - r0, cols[inside]] = (cols[inside] % 2).astype(np.float32)
            dst.write(block, 1, window=Window(0, r0, size, h))


def same_pixels(a: str, b: str) -> bool:
    import rasterio
    from rasterio.windows import Window

    with rasterio.open(a) as x, rasterio.open(b) as y:
        for r0 in range(0, x.height, 1024):
            h = min(1024, x.height - r0)
            w = Window(0, r0, x.width, h)
            if x.read(1, window=w).tobytes() != y.read(1, window=w).tobytes():
                return False
    return True


def _child(*args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(REPO, "build", "plugins"), HERE]))
    env.setdefault("PROJ_DATA", "/usr/share/proj")
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), *args], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-3000:])
        raise SystemExit(f"bench child {args[0]} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    from bench_predict_large import BANDS, train_model, write_evidence

    size = int(os.environ.get("BENCH_DISTRIBUTED_SIZE", "3000"))
    workers = int(os.environ.get("BENCH_DISTRIBUTED_WORKERS", "2"))
    tmp = tempfile.mkdtemp(prefix="bench-distributed-", dir=os.environ.get("BENCH_TMP"))
    predict = os.environ.get("BENCH_DISTRIBUTED_PREDICT", "1") != "0"
    train = os.environ.get("BENCH_DISTRIBUTED_TRAIN", "1") != "0"
    try:
        if os.environ.get("BENCH_DISTRIBUTED_EVIDENCE", "1") != "0" and not bench_evidence(tmp, workers):
            raise SystemExit("the Dask evidence stack differs from the in-process one")
        if not (predict or train):
            return
        evidence, model, labels = (os.path.join(tmp, n) for n in ("evidence.tif", "model.pt", "labels.tif"))
        started = time.perf_counter()
        write_evidence(evidence, size)
        write_labels(labels, size)
        gb = os.path.getsize(evidence) / 1e9
        print(f"evidence {size} x {size} x {BANDS}: {gb:.2f} GB in {time.perf_counter() - started:.0f} s; "
              f"{os.cpu_count()} CPUs", flush=True)  # fmt: skip
        train_model(model)
        runs = {}
        for scheduler in ("", f"local:{workers}") if predict else ():
            out = os.path.join(tmp, f"prob_{scheduler.replace(':', '_') or 'here'}.tif")
            runs[scheduler] = _child("predict", evidence, model, out, scheduler)
            runs[scheduler]["out"] = out
        if runs:
            here, there = runs[""], runs[f"local:{workers}"]
            tiles = (-(-size // TILE)) ** 2
            equal = same_pixels(here["out"], there["out"])
            print(f"predict, tiles of {TILE} + halo 4 ({tiles} tiles), torch threads {here['torch_threads']}:")
            print(f"  in-process : {here['wall_s']:7.1f} s  {size * size / here['wall_s']:>12,.0f} cells/s  "
                  f"{here['wall_s'] / tiles:.2f} s/tile  peak {here['driver_peak_gb']:.2f} GB")  # fmt: skip
            print(f"  local:{workers}    : {there['wall_s']:7.1f} s  {size * size / there['wall_s']:>12,.0f} cells/s  "
                  f"(cluster start {there['start_s']:.1f} s)  driver peak {there['driver_peak_gb']:.2f} GB, workers' "
                  f"peaks {', '.join(f'{w:.2f}' for w in there['workers_peak_gb'])} GB "
                  f"({'under' if max(there['workers_peak_gb']) < 2 else 'OVER'} the 2 GB goal)")  # fmt: skip
            print(f"  outputs bit-identical: {equal}", flush=True)
        for scheduler in ("", f"local:{workers}") if train else ():
            t = _child("train", evidence, labels, scheduler)
            peak = max([t["driver_peak_gb"], *t["workers_peak_gb"]])
            print(f"train (fit_windows, 2 epochs) {scheduler or 'in-process'}: {t['wall_s']:.0f} s, driver peak "
                  f"{t['driver_peak_gb']:.2f} GB, workers {', '.join(f'{w:.2f}' for w in t['workers_peak_gb']) or '-'}"
                  f" GB; largest process {peak / gb:.2f} x the raster's {gb:.2f} GB; {' | '.join(t['log'])}",
                  flush=True)  # fmt: skip
        if runs and not equal:
            raise SystemExit("the Dask prediction differs from the in-process one")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "predict":
        print(json.dumps(child_predict(*sys.argv[2:6])))
    elif len(sys.argv) > 1 and sys.argv[1] == "evidence":
        print(json.dumps(child_evidence(*sys.argv[2:6])))
    elif len(sys.argv) > 1 and sys.argv[1] == "train":
        print(json.dumps(child_train(*sys.argv[2:5])))
    else:
        main()
