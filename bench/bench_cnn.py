"""CNN speed: training samples/s, dense prediction cells/s, dense vs naive per-patch, peak memory of tiled prediction.

Runs on plain numpy arrays with only torch + numpy (+ scipy): no QGIS, no rasterio, so it also runs on a GPU
machine. Usage (from the repository root):
    python bench/bench_cnn.py [--device cpu|cuda|auto] [--bands 30] [--large 10000] [--tile 512]
The large-raster run happens in a child process so that its peak memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from types import SimpleNamespace

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def _import_cnn():
    """geochem_prospector.core.learning (estimator, network, patches), through build/plugins or a temporary package link to this checkout."""
    try:
        from geochem_prospector.core.learning import estimator, network, patches
    except ImportError:
        link_dir = tempfile.mkdtemp(prefix="gp-bench-")
        os.symlink(REPO, os.path.join(link_dir, "geochem_prospector"))
        sys.path.insert(0, link_dir)
        from geochem_prospector.core.learning import estimator, network, patches
    return SimpleNamespace(
        PatchCNN=estimator.PatchCNN,
        resolve_device=network.resolve_device,
        extract_patches=patches.extract_patches,
        normalise=patches.normalise,
        pad_halo=patches.pad_halo,
    )


def _synthetic(bands: int, size: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(bands, size, size)).astype(np.float32)
    yy, xx = np.mgrid[0:size, 0:size]
    x[0] += 2 * np.sin(yy / 9.0) * np.cos(xx / 7.0)
    labels = np.full((size, size), np.nan)
    r, c = rng.integers(0, size, 3000), rng.integers(0, size, 3000)
    labels[r, c] = (x[0, r, c] > 0.8).astype(float)
    return x, labels


def _sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def bench_main(args) -> dict:
    cnn = _import_cnn()
    import torch

    device = cnn.resolve_device(args.device)
    out = {"device": device, "torch": torch.__version__, "threads": torch.get_num_threads()}
    if device.startswith("cuda"):
        out["card"] = torch.cuda.get_device_name(0)
    bands, labels = _synthetic(args.bands, 256)
    model = cnn.PatchCNN(
        patch_size=args.patch, epochs=args.epochs, batch_size=args.batch, seed=0, device=device, semi_supervised=False
    )
    model.fit(bands, labels)  # warm-up (imports, kernels), then the timed run
    t = time.perf_counter()
    model.fit(bands, labels)
    _sync(device)
    elapsed = time.perf_counter() - t
    meta = model.metadata_
    samples = meta["metrics"]["split"]["train_cells"] * meta["metrics"]["epochs_run"]
    out["train_samples_per_s"] = samples / elapsed
    print(
        f"training: {samples} patch samples ({args.bands} bands, {args.patch}x{args.patch}) in {elapsed:.2f} s "
        f"= {samples / elapsed:,.0f} samples/s on {device}",
        flush=True,
    )

    # dense vs naive per-patch at equal output: every cell of a size x size raster
    size = args.compare
    grid_bands = np.random.default_rng(1).normal(size=(args.bands, size, size)).astype(np.float32)
    rows, cols = np.divmod(np.arange(size * size), size)
    model.predict_proba(grid_bands[:, :64, :64], device=device)  # warm-up
    t = time.perf_counter()
    dense = model.predict_proba(grid_bands, device=device, tile=args.tile)
    _sync(device)
    t_dense = time.perf_counter() - t
    t = time.perf_counter()
    naive = model.predict_proba_cells(grid_bands, rows, cols, device=device, batch=args.naive_batch)[:, 1]
    _sync(device)
    t_naive = time.perf_counter() - t
    diff = float(np.nanmax(np.abs(naive.reshape(size, size) - dense)))
    out.update(
        dense_cells_per_s=size * size / t_dense,
        naive_cells_per_s=size * size / t_naive,
        dense_speedup=t_naive / t_dense,
        dense_vs_naive_max_abs_diff=diff,
    )
    print(
        f"{size}x{size} cells: dense {t_dense:.2f} s ({size * size / t_dense:,.0f} cells/s), naive per-patch "
        f"{t_naive:.2f} s ({size * size / t_naive:,.0f} cells/s): dense is {t_naive / t_dense:.0f}x faster, "
        f"max |difference| {diff:.1e}",
        flush=True,
    )
    # the literal sliding window: one patch per forward pass, timed on a sample of cells
    pick = np.random.default_rng(2).choice(size * size, min(300, size * size), replace=False)
    median, scale = model._norm()
    padded = cnn.pad_halo(cnn.normalise(grid_bands, median, scale), args.patch // 2)
    net = model.nets_[0].to(device).eval()
    t = time.perf_counter()
    with torch.no_grad():
        for k in pick:
            x = torch.as_tensor(cnn.extract_patches(padded, rows[k : k + 1], cols[k : k + 1], args.patch))
            torch.softmax(net(x.to(device)).flatten(1), 1).cpu()
    _sync(device)
    per_cell = (time.perf_counter() - t) / pick.size
    out.update(window1_cells_per_s=1 / per_cell, dense_speedup_vs_window1=per_cell * size * size / t_dense)
    print(
        f"one patch per pass (sliding window, {pick.size} cells timed): {1 / per_cell:,.0f} cells/s: dense is "
        f"{per_cell * size * size / t_dense:.0f}x faster",
        flush=True,
    )
    t = time.perf_counter()
    model.predict_uncertainty(grid_bands, mc_samples=20, device=device, tile=args.tile)
    _sync(device)
    t_mc = time.perf_counter() - t
    out["dense_mc20_cells_per_s"] = size * size / t_mc
    print(f"dense + 20 MC-dropout samples: {size * size / t_mc:,.0f} cells/s", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.pt")
        model.save(path)
        cmd = [
            sys.executable,
            os.path.abspath(__file__),
            "--large-child",
            path,
            "--device",
            device,
            "--large",
            str(args.large),
            "--bands",
            str(args.bands),
            "--tile",
            str(args.tile),
        ]
        child = subprocess.run(cmd, capture_output=True, text=True)
        if child.returncode != 0:
            print(child.stderr[-3000:])
            raise SystemExit("large-raster child failed")
        large = json.loads(child.stdout.strip().splitlines()[-1])
    out.update(large)
    print(
        f"large raster {args.large}x{args.large}x{args.bands} ({large['input_gb']:.1f} GB as float32) in "
        f"{args.tile}-cell tiles: {large['seconds']:.0f} s, {large['cells_per_s']:,.0f} cells/s, peak RSS "
        f"{large['peak_rss_gb']:.2f} GB"
        + (f", peak GPU {large['peak_gpu_gb']:.2f} GB" if "peak_gpu_gb" in large else ""),
        flush=True,
    )
    return out


def large_child(args) -> None:
    """Predict a synthetic raster generated window by window (never held in memory); print JSON stats."""
    cnn = _import_cnn()
    import torch

    model = cnn.PatchCNN.load(args.large_child)
    n, size = args.bands, args.large
    count = [0, 0.0]

    def read(r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        rng = np.random.default_rng((r0 + 1000) * 1_000_003 + c0 + 1000)
        window = rng.standard_normal((n, r1 - r0, c1 - c0), dtype=np.float32)
        window[:, : max(0, -r0)] = np.nan
        window[:, :, : max(0, -c0)] = np.nan
        window[:, max(0, size - r0) :] = np.nan
        window[:, :, max(0, size - c0) :] = np.nan
        return window

    def write(r0: int, c0: int, prob: np.ndarray, std) -> None:
        count[0] += prob.size
        count[1] += float(np.nansum(prob))

    device = cnn.resolve_device(args.device)
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    t = time.perf_counter()
    model.predict_tiled(read, size, size, write, tile=args.tile, device=device, mc_samples=0)
    _sync(device)
    seconds = time.perf_counter() - t
    stats = {
        "cells": count[0],
        "seconds": seconds,
        "cells_per_s": count[0] / seconds,
        "input_gb": n * size * size * 4 / 1e9,
        "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9,
    }
    if device.startswith("cuda"):
        stats["peak_gpu_gb"] = torch.cuda.max_memory_allocated() / 1e9
    print(json.dumps(stats))


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    p.add_argument("--bands", type=int, default=30)
    p.add_argument("--patch", type=int, default=9)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--compare", type=int, default=200, help="side of the raster for dense vs naive")
    p.add_argument("--naive-batch", type=int, default=256, help="patches per batch in the naive per-patch pass")
    p.add_argument("--tile", type=int, default=512)
    p.add_argument(
        "--large",
        type=int,
        default=int(os.environ.get("BENCH_CNN_LARGE", "3000")),
        help="side of the large synthetic raster (10000 for the 10k x 10k x 30 check)",
    )
    p.add_argument("--large-child", default=None, help=argparse.SUPPRESS)
    args, _ = p.parse_known_args(argv)
    return args


def main(argv=None) -> None:
    args = parse(argv if argv is not None else [])
    if args.large_child:
        large_child(args)
    else:
        bench_main(args)


if __name__ == "__main__":
    main(sys.argv[1:])
