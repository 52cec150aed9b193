"""The small synthetic scene the headless learning tests (traincnn, trainmodel, the plugin without torch) train
on."""

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


def traincnn_parameters(tmp_path, name="", **changes):
    """qgis_process parameters of a tiny traincnn run on the scene's ev.tif and labels.tif (5 x 5 patches, 2 epochs,
    on the CPU): model{name}.pt and report{name}.html in ``tmp_path``; ``changes`` add or replace parameters."""
    return {
        "INPUT_RASTERS": str(tmp_path / "ev.tif"),
        "LABELS": str(tmp_path / "labels.tif"),
        "PATCH_SIZE": 5,
        "EPOCHS": 2,
        "BATCH_SIZE": 32,
        "DEVICE": "cpu",
        "OUTPUT_MODEL": str(tmp_path / f"model{name}.pt"),
        "OUTPUT_REPORT": str(tmp_path / f"report{name}.html"),
        **changes,
    }
