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


def load_geology(grid, mask) -> Dict[str, object]:
    """The geology bands of ``prospector:evidence`` on ``grid`` through its core, as ``scripts/demo.py`` asks for
    them: distance to the faults (m), one band per lithological class of GENERALI_1 (1 inside, 0 outside) and the
    distance to the contacts between classes (m); NaN off ``mask``."""
    import geopandas as gpd
    from shapely.geometry import box

    from geochem_prospector.core.evidence.lines import LineEvidence
    from geochem_prospector.core.evidence.polygons import PolygonEvidence, choose_classes, class_label
    from geochem_prospector.core.evidence.stack import evidence_window

    crs = grid.crs_wkt
    faults = gpd.read_file(os.path.join(SAMPLES, "faults.gpkg")).to_crs(crs)
    lithology = gpd.read_file(os.path.join(SAMPLES, "lithology.gpkg")).to_crs(crs)
    lithology = lithology[lithology.intersects(box(grid.xmin, grid.ymin, grid.xmax, grid.ymax))]
    labels = [class_label(v) for v in lithology["GENERALI_1"]]
    classes = choose_classes(labels, [], 20, "GENERALI_1")
    sources = [
        LineEvidence("faults", list(faults.geometry), grid),
        PolygonEvidence("lithology", list(lithology.geometry), labels, classes, grid, True, "GENERALI_1"),
    ]
    bands = evidence_window(sources, grid, 0, grid.height, 0, grid.width)
    bands = np.where(mask, bands, np.nan).astype(np.float32)
    return {"bands": bands, "names": [b.name for s in sources for b in s.bands]}
