"""CNN on a GPU (#22): training samples/s, and tiled prediction of a GeoTIFF against the time to read it.

Training: the estimator's own fit on a synthetic 30-band stack (60,000 labelled cells on a GPU), one epoch's steady cost
timed between the log lines of its first and last epochs (the split, calibration and start-up left out); each
setting is measured with the batches made on the device (the GPU's default) and cut on the host (the CPU's way,
which every GPU run used before), and on the CPU for reference, all in the same run.

Prediction: a SIZE x SIZE x 30 float32 GeoTIFF (tiled, DEFLATE, as the plugin writes rasters) is read window by
window through the reader `predict` uses (core.io.windows.StackWindowReader); that read, alone, is the reference.
Then a 5-network ensemble predicts the same file tile by tile with that reader, writing probability and
uncertainty GeoTIFFs as `predict` does (its core path without QGIS, which the GPU machine lacks). The goal: the
prediction within 2x of the read. Needs torch, numpy, scipy and rasterio; no QGIS. Usage (repository root), as run for the README:
    python bench/bench_gpu.py --device cuda --size 0 --epochs 4 --out training.json     (training)
    python bench/bench_gpu.py --device cuda --size 10000 --batches 0 --mc 20 --no-halo-read     (prediction)
and `--pretrain-epochs 4` times masked-band pre-training too (patches made on the device and on the host);
or `BENCH=gpu make bench` (sizes from BENCH_GPU_SIZE). Without a GPU it runs on the CPU, which only tests it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from typing import Any, Dict, List

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_cnn import _import_cnn, _sync  # noqa: E402  (the plugin package, through build/plugins or a link)

BANDS = 30
NAMES = [f"b{i:02d}" for i in range(1, BANDS + 1)]


def synthetic_stack(size: int, labelled: int, seed: int = 0):
    """(BANDS, size, size) bands, a smooth signal in the first; ``labelled`` cells labelled by that signal."""
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    bands = rng.normal(size=(BANDS, size, size)).astype(np.float32)
    bands[0] += 3 * ndimage.gaussian_filter(rng.normal(size=(size, size)), 6).astype(np.float32) * 6
    labels = np.full((size, size), np.nan)
    cells = rng.choice(size * size, labelled, replace=False)
    r, c = np.divmod(cells, size)
    labels[r, c] = (bands[0, r, c] > np.quantile(bands[0], 0.6)).astype(float)
    return bands, labels


def epoch_rate(cnn: Any, bands, labels, epochs: int, **settings) -> tuple:
    """Labelled training samples per second of one epoch in steady state (validation included): the time between
    the first epoch's log line and the last one's, over the epochs between; and the cells an epoch visits."""
    stamps: List[float] = []

    def log(message: str) -> None:
        if message.startswith("epoch "):
            _sync(settings["device"])
            stamps.append(time.perf_counter())

    model = cnn.PatchCNN(epochs=epochs, early_stopping=False, barren_ratio=0.0, seed=0, **settings)
    model.fit(bands, labels, band_names=NAMES, log=log)
    cells = model.metadata_["metrics"]["split"]["train_cells"]
    return cells * (len(stamps) - 1) / (stamps[-1] - stamps[0]), cells, (stamps[-1] - stamps[0]) / (len(stamps) - 1)


def training_rates(
    cnn: Any, device: str, size: int, labelled: int, batches: List[int], epochs: int
) -> List[Dict[str, Any]]:
    """Samples/s for each batch size with the batches made on the device, with and without the mean teacher, and
    (for reference, same run) made on the host as before, and on the CPU."""
    from geochem_prospector.core.learning import training

    bands, labels = synthetic_stack(size, labelled)
    epoch_rate(cnn, bands[:, :128, :128], labels[:128, :128], 2, device=device, batch_size=256)  # warm-up
    chosen = training.batches_for
    rows = []
    cases = [(device, "device", b, ss) for ss in (False, True) for b in batches]
    cases += [(device, "host", b, False) for b in batches[:2]]
    if device != "cpu":
        cases += [("cpu", "host", b, False) for b in batches[:2]]
    for dev, where, batch, semi in cases:
        training.batches_for = training.DeviceBatches if where == "device" else training.HostBatches
        try:
            rate, cells, per_epoch = epoch_rate(
                cnn, bands, labels, epochs, device=dev, batch_size=batch, semi_supervised=semi, ensemble=1
            )
        finally:
            training.batches_for = chosen
        rows.append(
            dict(
                device=dev,
                batches=where,
                batch=batch,
                semi_supervised=semi,
                train_cells=cells,
                epoch_s=per_epoch,
                samples_per_s=rate,
            )
        )
        print(
            f"training on {dev}, batches made on the {where}, batch {batch}, mean teacher {semi}: "
            f"{rate:,.0f} labelled samples/s ({cells} cells, {per_epoch:.2f} s an epoch)",
            flush=True,
        )
    return rows


def pretraining_rates(cnn: Any, device: str, size: int, batches: List[int], epochs: int) -> List[Dict[str, Any]]:
    """Masked-band pre-training samples/s for each batch size, patches made on the device and (same run) on the
    host: the time between the first and last pre-training epochs' log lines over the epochs between (each
    epoch draws PRETRAIN_CELLS valid cells)."""
    from geochem_prospector.core.learning import training

    bands, labels = synthetic_stack(size, 2_000)
    chosen, rows = training.batches_for, []
    for where in ("device", "host"):
        for batch in batches:
            stamps: List[float] = []

            def log(message: str, stamps: List[float] = stamps) -> None:
                if message.startswith("pre-training epoch "):
                    _sync(device)
                    stamps.append(time.perf_counter())

            training.batches_for = training.DeviceBatches if where == "device" else training.HostBatches
            try:
                cnn.PatchCNN(epochs=1, pretrain_epochs=epochs, seed=0, device=device, batch_size=batch).fit(
                    bands, labels, band_names=NAMES, log=log
                )
            finally:
                training.batches_for = chosen
            rate = training.PRETRAIN_CELLS * (len(stamps) - 1) / (stamps[-1] - stamps[0])
            rows.append(dict(device=device, batches=where, batch=batch, samples_per_s=rate))
            print(
                f"pre-training on {device}, patches made on the {where}, batch {batch}: {rate:,.0f} samples/s",
                flush=True,
            )
    return rows


def write_raster(path: str, size: int) -> None:
    """The SIZE x SIZE x 30 evidence GeoTIFF, written 512 rows at a time through the plugin's own writer."""
    import rasterio
    from rasterio.windows import Window

    from geochem_prospector.core.grid import GridSpec
    from geochem_prospector.core.io.windows import open_geotiff_writer

    grid = GridSpec(500000.0, 7500000.0, 50.0, size, size, rasterio.crs.CRS.from_epsg(32635).to_wkt())
    rng = np.random.default_rng(1)
    dst = open_geotiff_writer(path, grid, NAMES)
    try:
        for r0 in range(0, size, 512):
            rows = min(512, size - r0)
            block = rng.normal(size=(BANDS, rows, size)).astype(np.float32)
            dst.write(block, window=Window(0, r0, size, rows))
    finally:
        dst.close()


def prediction_against_read(
    cnn: Any, device: str, size: int, tile: int, tmp: str, mc_samples: List[int], halo_read: bool = True
) -> Dict[str, Any]:
    import rasterio
    import torch

    from geochem_prospector.core.grid import GridSpec
    from geochem_prospector.core.io.windows import StackWindowReader, open_geotiff_writer, write_window

    path = os.path.join(tmp, "evidence.tif")
    t = time.perf_counter()
    write_raster(path, size)
    t_write = time.perf_counter() - t
    with rasterio.open(path) as src:
        grid = GridSpec(src.bounds.left, src.bounds.top, src.res[0], src.width, src.height, src.crs.to_wkt())
    selection = [(path, b) for b in range(1, BANDS + 1)]
    bands, labels = synthetic_stack(200, 4000, seed=2)
    model = cnn.PatchCNN(epochs=3, ensemble=5, device=device, seed=0).fit(bands, labels, band_names=NAMES)
    halo = model.config_.field // 2
    out: Dict[str, Any] = {"size": size, "tile": tile, "input_gb": BANDS * size * size * 4 / 1e9, "write_s": t_write}

    def read_all(with_halo: bool) -> float:
        reader = StackWindowReader(selection, grid)
        h = halo if with_halo else 0
        t = time.perf_counter()
        for r0 in range(0, size, tile):
            for c0 in range(0, size, tile):
                reader(r0 - h, min(r0 + tile, size) + h, c0 - h, min(c0 + tile, size) + h)
        reader.close()
        return time.perf_counter() - t

    out["read_s"] = read_all(False)
    out["read_with_halo_s"] = read_all(True) if halo_read else float("nan")
    for mc in mc_samples:
        reader = StackWindowReader(selection, grid)
        dst_p = open_geotiff_writer(os.path.join(tmp, f"p{mc}.tif"), grid, ["prospectivity"])
        dst_u = open_geotiff_writer(os.path.join(tmp, f"u{mc}.tif"), grid, ["uncertainty"]) if mc else None

        def write(r0: int, c0: int, prob, std, score=None, dst_p=dst_p, dst_u=dst_u) -> None:
            write_window(dst_p, r0, c0, prob, -9999.0)
            if dst_u is not None and std is not None:
                write_window(dst_u, r0, c0, std, -9999.0)

        if device.startswith("cuda"):
            torch.cuda.reset_peak_memory_stats()
        t = time.perf_counter()
        times = model.predict_tiled(reader, size, size, write, tile=tile, device=device, mc_samples=mc)
        _sync(device)
        dst_p.close()
        if dst_u is not None:
            dst_u.close()
        elapsed = time.perf_counter() - t
        out[f"predict_mc{mc}_s"] = elapsed
        out[f"predict_mc{mc}_times"] = times.line() if times is not None else ""
        if device.startswith("cuda"):
            out[f"predict_mc{mc}_peak_gpu_gb"] = torch.cuda.max_memory_allocated() / 1e9
        print(
            f"{size}x{size}x{BANDS} ({out['input_gb']:.1f} GB) on {device}, {tile}-cell tiles, 5 networks, MC {mc}: "
            f"predict {elapsed:.1f} s = {elapsed / out['read_s']:.2f}x the read alone ({out['read_s']:.1f} s; "
            f"{out['read_with_halo_s']:.1f} s with the tiles' halos); {out[f'predict_mc{mc}_times']}",
            flush=True,
        )
    return out


def main(argv: List[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="auto")
    parser.add_argument("--size", type=int, default=int(os.environ.get("BENCH_GPU_SIZE", "1500")))
    parser.add_argument("--train-size", type=int, default=1024, help="the training stack's rows and columns")
    parser.add_argument("--labelled", type=int, default=0, help="labelled cells (0: 60,000 on a GPU, 8,000 on the CPU)")
    parser.add_argument("--batches", default="", help="batch sizes (default 64,256,1024,4096; 64,256 on the CPU)")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--tile", type=int, default=0, help="0: 2048 on a GPU, 512 on the CPU")
    parser.add_argument("--mc", default="0,20", help="MC-dropout samples of each timed prediction")
    parser.add_argument("--no-halo-read", action="store_true", help="skip the reference read with the halos")
    parser.add_argument("--pretrain-epochs", type=int, default=0, help="time masked-band pre-training (>= 3 epochs)")
    parser.add_argument("--out", default="")
    args = parser.parse_args(argv if argv is not None else (sys.argv[1:] if __name__ == "__main__" else []))
    cnn = _import_cnn()
    import torch

    device = cnn.resolve_device(args.device)
    result: Dict[str, Any] = {"device": device, "torch": torch.__version__, "cpu_threads": torch.get_num_threads()}
    if device.startswith("cuda"):
        result["card"] = torch.cuda.get_device_name(0)
    print(json.dumps(result), flush=True)
    gpu = device.startswith("cuda")
    batches = [int(b) for b in (args.batches or ("64,256,1024,4096" if gpu else "64,256")).split(",") if b != "0"]
    args.labelled = args.labelled or (60_000 if gpu else 8_000)
    if batches:  # --batches 0: prediction only
        result["training"] = training_rates(cnn, device, args.train_size, args.labelled, batches, args.epochs)
    if args.pretrain_epochs >= 2 and batches:
        result["pretraining"] = pretraining_rates(cnn, device, args.train_size, batches, args.pretrain_epochs)
    tile = args.tile or (2048 if device.startswith("cuda") else 512)
    if args.size > 0:  # --size 0: training only
        with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
            mc = [int(m) for m in args.mc.split(",")]
            result["prediction"] = prediction_against_read(
                cnn, device, args.size, tile, tmp, mc, halo_read=not args.no_halo_read
            )
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
