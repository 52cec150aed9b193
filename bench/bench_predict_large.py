"""Peak memory of `prospector:predict` on a large multi-band GeoTIFF, run through qgis_process as a user would.

The synthetic evidence raster (SIZE x SIZE x 30 bands of float32 noise, tiled, uncompressed) is written window by
window, a small model with the same band names is trained on a separate little stack, and qgis_process predicts the
whole raster under /usr/bin/time, whose maximum resident set size is the figure (QGIS itself included). The goal in
the issue is under 4 GB for 10,000 x 10,000 x 30 (12 GB of input). Usage:
    BENCH_PREDICT_SIZE=10000 .venv/bin/python bench/run.py predict_large     (default size 2000)
Set BENCH_TMP to put the (large) temporary files on another disk.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Optional

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "scripts"))
BANDS = 30
NAMES = [f"b{i:02d}" for i in range(1, BANDS + 1)]


def write_evidence(path: str, size: int, seed: int = 0) -> None:
    """A size x size x 30 float32 GeoTIFF of noise, written in row blocks so it is never held in memory."""
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    profile = dict(
        driver="GTiff",
        width=size,
        height=size,
        count=BANDS,
        dtype="float32",
        crs="EPSG:3067",
        transform=from_origin(300000.0, 7500000.0 + size * 100.0, 100.0, 100.0),
        nodata=-9999.0,
        tiled=True,
        blockxsize=512,
        blockysize=512,
        interleave="band",
        BIGTIFF="YES",
    )
    rng = np.random.default_rng(seed)
    with rasterio.open(path, "w", **profile) as dst:
        for i, name in enumerate(NAMES, start=1):
            dst.set_band_description(i, name)
        for r0 in range(0, size, 512):
            h = min(512, size - r0)
            dst.write(rng.standard_normal((BANDS, h, size), dtype=np.float32), window=Window(0, r0, size, h))


def train_model(path: str) -> None:
    from bench_cnn import _import_cnn, _synthetic

    cnn = _import_cnn()
    bands, labels = _synthetic(BANDS, 128)
    model = cnn.PatchCNN(patch_size=9, epochs=1, seed=0, device="cpu", semi_supervised=False)
    model.fit(bands, labels, band_names=NAMES)
    model.save(path)


def timed_predict(qp, tmp: str, parameters: list, log: Optional[list] = None) -> tuple:
    """(wall seconds, peak RSS GB, CPU seconds, minor page faults) of one ``qgis_process.bin run prospector:predict``
    with ``parameters`` (KEY=value strings), measured by /usr/bin/time; exits with its stderr if the run fails.
    ``log``, when given, receives the run's log lines."""
    args = ["/usr/bin/time", "-f", "%M %e %U %S %R", "-o", os.path.join(tmp, "time.txt"), "qgis_process.bin", "run"]
    args += ["prospector:predict", "--json", "--", *parameters]
    proc = subprocess.run(args, env=qp.env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-3000:])
        raise SystemExit("qgis_process prospector:predict failed")
    reported = json.loads(proc.stdout)  # the run reported its results
    if log is not None:
        log.extend(str(line) for line in (reported.get("log") or {}).get("info", []))
    with open(os.path.join(tmp, "time.txt")) as f:
        max_kb, seconds, user, system, faults = f.read().split()[-5:]
    return float(seconds), int(max_kb) * 1024 / 1e9, float(user) + float(system), int(faults)


def main() -> None:
    from demo import QgisProcess

    size = int(os.environ.get("BENCH_PREDICT_SIZE", "2000"))
    tmp = tempfile.mkdtemp(prefix="bench-predict-", dir=os.environ.get("BENCH_TMP"))
    try:
        evidence, model, prob = (os.path.join(tmp, n) for n in ("evidence.tif", "model.pt", "prob.tif"))
        started = time.perf_counter()
        write_evidence(evidence, size)
        gb = os.path.getsize(evidence) / 1e9
        print(
            f"evidence raster {size} x {size} x {BANDS}: {gb:.1f} GB written in {time.perf_counter() - started:.0f} s"
        )
        train_model(model)
        seconds, peak_gb, _, _ = timed_predict(
            QgisProcess(),
            tmp,
            [f"INPUT_RASTERS={evidence}", f"MODEL={model}", "DEVICE=cpu", "MC_SAMPLES=0", f"OUTPUT={prob}"],
        )
        cells = size * size
        print(
            f"qgis_process prospector:predict: {float(seconds):.0f} s ({cells / float(seconds):,.0f} cells/s), peak "
            f"RSS {peak_gb:.2f} GB = {peak_gb / gb:.2f} x the input ({'under' if peak_gb < 4 else 'OVER'} the 4 GB "
            "goal)",
            flush=True,
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
