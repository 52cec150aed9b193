"""The small synthetic scene the machine-learning algorithm tests (traincnn, trainmodel, predict, comparemodels)
share: a 36 x 32 grid of 100 m cells in EPSG:3067 with element, magnetics and label rasters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import ndimage

from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.io.rasters import write_geotiff

CRS = 'PROJCS["ETRS89 / TM35FIN(E,N)",GEOGCS["ETRS89",DATUM["European_Terrestrial_Reference_System_1989",SPHEROID["GRS 1980",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",27],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1],AUTHORITY["EPSG","3067"]]'
GRID = GridSpec(3_400_000.0 - 3_000_000, 7_500_000.0, 100.0, 36, 32, CRS)


def write_scene(folder: Path) -> Path:
    """Writes elements.tif (Cu: a smooth signal, Ni: noise; a nodata corner), mag.tif (noise) and labels.tif (250
    random cells, 1 where the signal exceeds 0.5, else 0; nodata elsewhere) into ``folder``; returns it."""
    rng = np.random.default_rng(0)
    signal = ndimage.gaussian_filter(rng.normal(size=(GRID.height, GRID.width)), 2) * 5
    elements = np.stack([signal + 50, rng.normal(size=signal.shape) + 10]).astype(np.float32)
    elements[:, :2, :3] = np.nan
    write_geotiff(str(folder / "elements.tif"), elements, GRID, ["Cu", "Ni"])
    write_geotiff(str(folder / "mag.tif"), rng.normal(size=(1, *signal.shape)), GRID, ["tmi"])
    labels = np.full(signal.shape, np.nan)
    r, c = rng.integers(0, GRID.height, 250), rng.integers(0, GRID.width, 250)
    labels[r, c] = (signal[r, c] > 0.5).astype(float)
    write_geotiff(str(folder / "labels.tif"), labels[None], GRID, ["label"], nodata=-1)
    return folder


def training_parameters(
    data: Path, tmp_path: Path, name: str = "model", rasters: tuple[str, ...] = ("elements",), **changes: object
) -> dict[str, object]:
    """Parameters of a traincnn / trainmodel run on the scene in ``data``: INPUT_RASTERS the scene's rasters named in
    ``rasters`` (elements.tif by default), LABELS its labels.tif, OUTPUT_MODEL {name}.pt and OUTPUT_REPORT
    {name}.html in ``tmp_path``; ``changes`` add or replace parameters."""
    return {
        "INPUT_RASTERS": [str(data / f"{raster}.tif") for raster in rasters],
        "LABELS": str(data / "labels.tif"),
        "OUTPUT_MODEL": str(tmp_path / f"{name}.pt"),
        "OUTPUT_REPORT": str(tmp_path / f"{name}.html"),
        **changes,
    }
