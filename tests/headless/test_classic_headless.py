"""prospector:trainmodel then prospector:predict through qgis_process.bin: QGIS's own Python trains with the
scikit-learn it finds, writes the safe model file, and predict reads it like a CNN's."""

import numpy as np
import rasterio
from scipy import ndimage

from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.io.rasters import write_geotiff


def signal_scene(tmp_path, seed=0, width=30, height=28):
    """ev.tif (a smooth Cu signal and Ni noise) and labels.tif (200 cells: 1 where the signal is above 0.5)."""
    rng = np.random.default_rng(seed)
    grid = GridSpec(400_000.0, 7_500_000.0, 200.0, width, height, rasterio.crs.CRS.from_epsg(3067).to_wkt())
    signal = ndimage.gaussian_filter(rng.normal(size=(grid.height, grid.width)), 2) * 5
    write_geotiff(str(tmp_path / "ev.tif"), np.stack([signal, rng.normal(size=signal.shape)]), grid, ["Cu", "Ni"])
    labels = np.full(signal.shape, np.nan)
    r, c = rng.integers(0, grid.height, 200), rng.integers(0, grid.width, 200)
    labels[r, c] = (signal[r, c] > 0.5).astype(float)
    write_geotiff(str(tmp_path / "labels.tif"), labels[None], grid, ["label"], nodata=-1)
    return grid, signal, labels


def test_trainmodel_and_predict_headless(qgis_process, tmp_path):
    grid, signal, labels = signal_scene(tmp_path)

    code, result, log = qgis_process(
        "prospector:trainmodel",
        {
            "INPUT_RASTERS": str(tmp_path / "ev.tif"),
            "LABELS": str(tmp_path / "labels.tif"),
            "METHOD": "1",  # gradient boosting
            "N_ESTIMATORS": 20,
            "WINDOW": 3,
            "OUTPUT_MODEL": str(tmp_path / "model.pt"),
            "OUTPUT_REPORT": str(tmp_path / "report.html"),
        },
    )
    assert code == 0, log
    assert "Feature importances" in (tmp_path / "report.html").read_text()
    code, result, log = qgis_process(
        "prospector:predict",
        {
            "INPUT_RASTERS": str(tmp_path / "ev.tif"),
            "MODEL": str(tmp_path / "model.pt"),
            "OUTPUT": str(tmp_path / "p.tif"),
        },
    )
    assert code == 0, log
    with rasterio.open(tmp_path / "p.tif") as src:
        prob = src.read(1, masked=True)
    assert prob.count() == grid.width * grid.height and 0 <= prob.min() and prob.max() <= 1
    inside = signal > 0.5
    assert prob[inside].mean() > prob[~inside].mean() + 0.2  # it learned the signal
