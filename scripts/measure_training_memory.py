"""Peak memory of traincnn's training on a raster larger than a budget (#20): the whole-stack fit against the
window-by-window fits (labelled cells; positive-unlabelled with pre-training and point labels; the windows read
on a local Dask cluster of 2 workers). Each run is a fresh process; the figure is its peak resident memory
(ru_maxrss) minus its resident memory once numpy, torch and rasterio are imported and a tiny fit has run.

    .venv/bin/python scripts/measure_training_memory.py [SIZE] [BANDS] [FOLDER]

(MODES=1,3 in the environment: those runs only, counted from 0.) GDAL's block cache counts in a process's memory:
set GDAL_CACHEMAX (MB) to see the training's own memory. Prints one line per run. Nothing here is timed: the machine these figures come from was shared.
"""

import os
import resource
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def make(folder: str, size: int, bands: int) -> None:
    import numpy as np

    from geochem_prospector.core.grid import GridSpec
    from geochem_prospector.core.io.rasters import write_geotiff

    rng = np.random.default_rng(0)
    grid = GridSpec(500000.0, 7000000.0, 100.0, size, size, None)
    stack = rng.normal(size=(bands, size, size)).astype(np.float32)
    write_geotiff(os.path.join(folder, "ev.tif"), stack, grid, [f"b{i}" for i in range(bands)])
    labels = np.full((size, size), np.nan, np.float32)
    r, c = rng.integers(0, size, 2000), rng.integers(0, size, 2000)
    labels[r, c] = (stack[0, r, c] > 0.5).astype(np.float32)
    write_geotiff(os.path.join(folder, "labels.tif"), labels[None], grid, ["label"], nodata=-1)


def run(mode: str, folder: str, size: int, bands: int) -> dict:
    import numpy as np

    from geochem_prospector.core.grid import GridSpec
    from geochem_prospector.core.io.windows import StackWindowReader
    from geochem_prospector.core.learning.estimator import PatchCNN
    from geochem_prospector.core.learning.streaming import PointLabels, fit_windows

    settings = dict(patch_size=7, epochs=1, batch_size=64, seed=0, device="cpu", width=8, hidden=16)
    warm = np.random.default_rng(1).normal(size=(bands, 40, 40)).astype(np.float32)
    warm_labels = np.zeros((40, 40))
    warm_labels[::3, ::3] = 1
    PatchCNN(**settings).fit(warm, warm_labels)  # imports and first-use allocations, before the baseline
    base = rss_mib()
    grid = GridSpec(500000.0, 7000000.0, 100.0, size, size, None)
    selection = [(os.path.join(folder, "ev.tif"), b + 1) for b in range(bands)]
    label_sel = [(os.path.join(folder, "labels.tif"), 1)]
    extra = {}
    if mode == "whole stack":
        reader = StackWindowReader(selection, grid)
        stack = reader(0, size, 0, size)
        labels = StackWindowReader(label_sel, grid, "LABELS")(0, size, 0, size)[0]
        reader.close()
        PatchCNN(**settings).fit(stack, labels)
    elif mode == "window by window":
        fit_windows(PatchCNN(**settings), selection, grid, label_sel, window=1024)
    elif mode == "window by window, PU + pre-training, point labels":
        labels = StackWindowReader(label_sel, grid, "LABELS")(0, size, 0, size)[0]
        rows, cols = np.nonzero(np.isfinite(labels))
        points = PointLabels(rows, cols, labels[rows, cols].astype(np.float64))
        del labels
        fit_windows(PatchCNN(**settings, training="pu", pretrain_epochs=1), selection, grid, points, window=1024)
    elif mode == "window by window on local:2":
        from geochem_prospector.core.distributed.runner import TaskRunner

        with TaskRunner("local:2") as runner:
            runner.client.run(lambda: __import__("torch"))  # workers' baseline after imports
            before = runner.client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
            fit_windows(PatchCNN(**settings), selection, grid, label_sel, runner=runner, window=1024)
            after = runner.client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        extra = {"worker_peak_mib": sorted(round(v) for v in after.values()),
                 "worker_baseline_mib": sorted(round(v) for v in before.values())}  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"mode": mode, "baseline_mib": round(base), "peak_above_baseline_mib": round(peak - base), **extra}


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
    bands = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    folder = sys.argv[3] if len(sys.argv) > 3 else tempfile.mkdtemp(prefix="trainmem-")
    if not os.path.exists(os.path.join(folder, "ev.tif")):
        make(folder, size, bands)
    print(f"raster {bands} x {size} x {size} float32 = {bands * size * size * 4 / 2**20:.0f} MiB", flush=True)
    modes = ("whole stack", "window by window", "window by window, PU + pre-training, point labels",
             "window by window on local:2")  # fmt: skip
    chosen = os.environ.get("MODES")  # e.g. MODES=1,2,3: those runs only
    for mode in [modes[int(i)] for i in chosen.split(",")] if chosen else modes:
        code = f"import sys; sys.argv = ['x']; import measure_training_memory as m, json; print(json.dumps(m.run({mode!r}, {folder!r}, {size}, {bands})))"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": os.pathsep.join([os.path.join(HERE, "build", "plugins"), os.path.dirname(os.path.abspath(__file__))])})  # fmt: skip
        lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
        print(lines[-1] if lines else f"{mode}: failed\n{out.stderr[-2000:]}", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(HERE, "build", "plugins"))
    main()
