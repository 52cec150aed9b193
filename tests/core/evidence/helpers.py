"""Independent references for the evidence tests: GDAL's own command-line tools on files written by geopandas."""

from __future__ import annotations

import subprocess
from typing import Optional, Sequence

import numpy as np

from geochem_prospector.core.grid import GridSpec

CRS = "EPSG:3067"


def _frame(geometries, columns: Optional[dict] = None, crs: str = CRS):
    import geopandas as gpd

    return gpd.GeoDataFrame(columns or {"id": list(range(len(geometries)))}, geometry=list(geometries), crs=crs)


def write_lines(path: str, lines: Sequence, crs: str = CRS) -> str:
    _frame(lines, crs=crs).to_file(path, driver="GPKG")
    return path


def write_points(path: str, xy: np.ndarray, crs: str = CRS) -> str:
    from shapely.geometry import Point

    _frame([Point(x, y) for x, y in xy], crs=crs).to_file(path, driver="GPKG")
    return path


def write_polygons(path: str, polygons: Sequence, classes: Sequence[str], crs: str = CRS) -> str:
    _frame(polygons, {"rock": list(classes)}, crs).to_file(path, driver="GPKG")
    return path


def grid_args(grid: GridSpec) -> list:
    return [
        "-te", str(grid.xmin), str(grid.ymin), str(grid.xmax), str(grid.ymax),
        "-tr", str(grid.pixel_size), str(grid.pixel_size),
    ]  # fmt: skip


def run(args: Sequence[str]) -> None:
    subprocess.run(list(args), check=True, capture_output=True, text=True)


def read(path: str) -> np.ndarray:
    import rasterio

    with rasterio.open(path) as src:
        return src.read(masked=True).astype(np.float64).filled(np.nan).squeeze()


def rasterize_vector(
    path: str, vector: str, grid: GridSpec, all_touched: bool = False, where: Optional[str] = None
) -> str:
    """gdal_rasterize: 1 on the features (optionally those matching ``where``), 0 elsewhere, Byte."""
    args = ["gdal_rasterize", "-q", "-burn", "1", "-init", "0", "-ot", "Byte", *grid_args(grid)]
    if all_touched:
        args.append("-at")
    if where:
        args += ["-where", where]
    run([*args, vector, path])
    return path


def gdal_proximity(path: str, burned: str) -> np.ndarray:
    """gdal_proximity.py distances (georeferenced units) to the cells holding 1."""
    run(["gdal_proximity.py", "-q", burned, path, "-values", "1", "-distunits", "GEO", "-ot", "Float32"])
    return read(path)


def gdalwarp(path: str, source: str, grid: GridSpec, method: str, crs: str = CRS) -> np.ndarray:
    run(["gdalwarp", "-q", "-overwrite", "-r", method, "-t_srs", crs, "-dstnodata", "nan", *grid_args(grid),
         "-ot", "Float32", source, path])  # fmt: skip
    return read(path)
