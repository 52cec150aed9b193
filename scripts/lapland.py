"""The bundled GTK Central Lapland sample on a grid: interpolated till geochemistry, magnetics, deposit cells and the
study-area mask (shared by the comparison benchmark and the validation scripts)."""

import os
import sys
from typing import Dict

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SAMPLES = os.path.join(REPO, "resources", "sample_data")
sys.path.insert(0, os.path.join(REPO, "build", "plugins"))
os.environ.setdefault("PROJ_DATA", "/usr/share/proj")

ELEMENTS = "Al Ba Ca Co Cr Cu Fe K La Li Mg Mn Ni P Sc Sr Th Ti V Y Zn Zr".split()


def load_gtk(pixel: float = 500.0) -> Dict[str, object]:
    """Interpolated till geochemistry (log10 IDW), magnetics on the same grid, deposit cells, study-area mask."""
    import geopandas as gpd

    from geochem_prospector.core.grid import GridSpec
    from geochem_prospector.core.interpolation.idw import idw_grid
    from geochem_prospector.core.io.rasters import rasterize_mask, read_stack
    from geochem_prospector.core.io.values import substitute_nonpositive

    till = gpd.read_file(os.path.join(SAMPLES, "till_geochemistry.gpkg"))
    area = gpd.read_file(os.path.join(SAMPLES, "study_area.gpkg")).to_crs(till.crs)
    deposits = gpd.read_file(os.path.join(SAMPLES, "deposits.gpkg")).to_crs(till.crs)
    deposits = deposits[deposits["in_study_area"].astype(bool)]
    grid = GridSpec.from_extent(*area.total_bounds, pixel_size=pixel, crs_wkt=till.crs.to_wkt())
    mask = rasterize_mask(list(area.geometry), grid)
    xy = np.column_stack([till.geometry.x, till.geometry.y])
    values = np.column_stack([substitute_nonpositive(till[e].to_numpy(dtype=float))[0] for e in ELEMENTS])
    geo = idw_grid(xy, values, grid, neighbors=12, mask=mask, log_transform=True)
    geo = np.log10(geo).astype(np.float32)
    mag = read_stack([os.path.join(SAMPLES, "magnetics_tmi_nT.tif")], reference=grid, resampling="average").bands
    mag = np.where(mask, mag, np.nan).astype(np.float32)
    rows, cols = grid.rowcol(deposits.geometry.x.to_numpy(), deposits.geometry.y.to_numpy())
    return {
        "grid": grid,
        "mask": mask,
        "geo": geo,
        "mag": mag,
        "dep_rows": rows,
        "dep_cols": cols,
        "names": ELEMENTS,
    }
