"""prospector:pseudolabel through qgis_process.bin: self-training on the bundled magnetics and deposits."""

import csv
import os
import shutil

import numpy as np
import rasterio

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(REPO, "resources", "sample_data")


def test_self_training_runs_headless(qgis_process, tmp_path):
    magnetics = shutil.copy(os.path.join(SAMPLES, "magnetics_tmi_nT.tif"), tmp_path)  # QGIS writes .aux.xml beside it
    out, conf, summary = tmp_path / "labels.tif", tmp_path / "conf.tif", tmp_path / "summary.csv"
    code, result, log = qgis_process(
        "prospector:pseudolabel",
        {
            "INPUT_RASTERS": magnetics,
            "LABELS": os.path.join(SAMPLES, "deposits.gpkg"),
            "MASK": os.path.join(SAMPLES, "study_area.gpkg"),
            "METHOD": 2,
            "POSITIVE_RADIUS": 500,
            "NEGATIVE_BUFFER": 2000,
            "ITERATIONS": 3,
            "SEED": 1,
            "OUTPUT": str(out),
            "OUTPUT_CONFIDENCE": str(conf),
            "OUTPUT_SUMMARY": str(summary),
        },
    )
    assert code == 0, log
    assert result["results"]["OUTPUT"] == str(out)
    with rasterio.open(out) as src:
        assert src.crs.to_epsg() == 3067 and src.res == (200.0, 200.0) and src.nodata == 255
        labels = src.read(1)
    rows = list(csv.reader(summary.open()))
    counts = {int(r[0]): int(r[4]) for r in rows[1:] if r and r[0].isdigit()}
    assert counts == {c: int((labels == c).sum()) for c in (0, 1)}
    assert 0 < counts[1] < counts[0]  # positives stay the minority
    with rasterio.open(conf) as src:
        c = src.read(1, masked=True)
    assert np.all((c.compressed() >= 0) & (c.compressed() <= 1))
