"""Small synthetic inputs for the error matrix (tests/ERROR_MATRIX.md), built with geopandas and rasterio.

Shared by tests/qgis/test_error_matrix.py (processing.run) and tests/headless/test_error_matrix_headless.py
(qgis_process). Everything is made in a temporary folder: nothing here depends on ../shared.
"""

from __future__ import annotations

import hashlib
import os
from typing import Dict, Iterable

import numpy as np

CRS = "EPSG:3067"  # ETRS89 / TM35FIN, metres
X0, Y0 = 400_000.0, 7_500_000.0
PIXEL = 250.0
SIZE = 40  # raster cells per side: 10 km


def _points(path: str, xy, columns: Dict[str, list], crs: str = CRS) -> str:
    import geopandas as gpd
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame(columns, geometry=[Point(x, y) for x, y in xy], crs=CRS)
    if crs != CRS:
        frame = frame.to_crs(crs)
    # an empty frame has no geometry type to infer: give the schema, as a layer made in QGIS has one
    schema = None
    if len(frame) == 0:
        schema = {"geometry": "Point", "properties": {k: "float" if k != "name" else "str" for k in columns}}
    frame.to_file(path, driver="GPKG", layer=os.path.splitext(os.path.basename(path))[0], schema=schema)
    return path


def _raster(path: str, bands: np.ndarray, names, nodata=-9999.0, crs: str = CRS) -> str:
    import rasterio
    from rasterio.transform import from_origin

    bands = np.asarray(bands, dtype=np.float32)
    profile = dict(
        driver="GTiff",
        width=bands.shape[2],
        height=bands.shape[1],
        count=bands.shape[0],
        dtype="float32",
        crs=crs,
        transform=from_origin(X0, Y0 + SIZE * PIXEL, PIXEL, PIXEL),
        nodata=nodata,
    )
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(bands)
        for i, name in enumerate(names, start=1):
            dst.set_band_description(i, name)
    return path


def build(folder: str) -> Dict[str, str]:
    """Write every input of the matrix into ``folder``; returns name -> path."""
    import geopandas as gpd
    from shapely.geometry import box

    rng = np.random.default_rng(7)
    paths: Dict[str, str] = {}
    n = 36
    xy = np.column_stack([X0 + rng.uniform(500, 9500, n), Y0 + rng.uniform(500, 9500, n)])
    cu = np.round(np.exp(rng.normal(3, 0.8, n)), 2)
    pb = np.round(np.exp(rng.normal(2, 0.6, n)), 2)
    # text, NULL, '<DL' strings and negative below-detection codes, all in one field (as lab tables deliver them)
    messy = [str(v) for v in cu]
    messy[0], messy[1], messy[2], messy[3], messy[4] = "<5", None, "n.d.", "-5", ""
    base = {"Cu": cu.tolist(), "Pb": pb.tolist(), "name": [f"s{i}" for i in range(n)]}
    paths["samples"] = _points(os.path.join(folder, "samples.gpkg"), xy, base)
    paths["messy"] = _points(os.path.join(folder, "messy.gpkg"), xy, {**base, "Cu_raw": messy})
    negative = cu.copy()
    negative[:6] = -5.0  # a lab's "below detection" code
    paths["negative"] = _points(os.path.join(folder, "negative.gpkg"), xy, {**base, "Cu": negative.tolist()})
    paths["textonly"] = _points(os.path.join(folder, "textonly.gpkg"), xy, {"name": base["name"]})
    paths["empty"] = _points(os.path.join(folder, "empty.gpkg"), np.zeros((0, 2)), {"Cu": [], "Pb": [], "name": []})
    paths["one"] = _points(os.path.join(folder, "one.gpkg"), xy[:1], {"Cu": [12.0], "Pb": [3.0], "name": ["s0"]})
    paths["identical"] = _points(os.path.join(folder, "identical.gpkg"), xy, {**base, "Cu": [10.0] * n})
    dup = np.vstack([xy[: n // 2], xy[: n // 2]])
    paths["duplicates"] = _points(
        os.path.join(folder, "duplicates.gpkg"), dup, {"Cu": cu.tolist(), "Pb": pb.tolist(), "name": base["name"]}
    )
    paths["geographic"] = _points(os.path.join(folder, "geographic.gpkg"), xy, base, crs="EPSG:4326")
    paths["deposits"] = _points(
        os.path.join(folder, "deposits.gpkg"),
        [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)],
        {"name": ["a", "b", "c"]},
    )
    paths["deposits_4326"] = _points(
        os.path.join(folder, "deposits_4326.gpkg"),
        [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)],
        {"name": ["a", "b", "c"]},
        crs="EPSG:4326",
    )
    paths["deposits_outside"] = _points(
        os.path.join(folder, "deposits_outside.gpkg"),
        [(X0 - 50_000, Y0), (X0 + 5000, Y0 + 90_000)],
        {"name": ["far west", "far north"]},
    )
    paths["deposits_empty"] = _points(os.path.join(folder, "deposits_empty.gpkg"), np.zeros((0, 2)), {"name": []})
    area = gpd.GeoDataFrame({"id": [1]}, geometry=[box(X0 + 1000, Y0 + 1000, X0 + 9000, Y0 + 9000)], crs=CRS)
    paths["mask_4326"] = os.path.join(folder, "mask_4326.gpkg")
    area.to_crs("EPSG:4326").to_file(paths["mask_4326"], driver="GPKG")
    far = gpd.GeoDataFrame({"id": [1]}, geometry=[box(X0 + 90_000, Y0, X0 + 95_000, Y0 + 5000)], crs=CRS)
    paths["mask_outside"] = os.path.join(folder, "mask_outside.gpkg")
    far.to_file(paths["mask_outside"], driver="GPKG")

    # rasters: 40 x 40 cells of 250 m; a smooth high near the deposits so that every method has structure
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    hill = np.exp(-(((xx - 8) ** 2 + (yy - 31) ** 2) / 40.0)) + np.exp(-(((xx - 20) ** 2 + (yy - 15) ** 2) / 30.0))
    noise = rng.lognormal(0, 0.3, (2, SIZE, SIZE))
    bands = np.stack([20 + 200 * hill, 5 + 40 * hill]) * noise
    paths["raster"] = _raster(os.path.join(folder, "elements.tif"), bands, ["Cu", "Pb"])
    holes = bands.copy()
    holes[:, 5:12, 5:12] = -9999.0  # a nodata hole
    holes[0, 30:33, 20:25] = np.nan  # NaN cells as well
    paths["holes"] = _raster(os.path.join(folder, "holes.tif"), holes, ["Cu", "Pb"])
    paths["oneband"] = _raster(os.path.join(folder, "oneband.tif"), bands[:1], ["Cu"])
    paths["constant"] = _raster(os.path.join(folder, "constant.tif"), np.full((2, SIZE, SIZE), 10.0), ["Cu", "Pb"])
    paths["allnodata"] = _raster(os.path.join(folder, "allnodata.tif"), np.full((2, SIZE, SIZE), -9999.0), ["Cu", "Pb"])
    paths["geographic_raster"] = _geographic_raster(os.path.join(folder, "geographic.tif"), bands)
    paths["huge"] = _huge_raster(os.path.join(folder, "huge.tif"))
    # a regular file used as a folder: writing "<file>/out.tif" fails even for root (permission bits do not)
    paths["not_a_folder"] = os.path.join(folder, "regular_file")
    with open(paths["not_a_folder"], "w") as handle:
        handle.write("not a folder\n")
    return paths


def _geographic_raster(path: str, bands: np.ndarray) -> str:
    """The same bands in EPSG:4326 over the same ground (its north-west corner), cells of 0.0075 degrees."""
    import rasterio
    from pyproj import Transformer
    from rasterio.transform import from_origin

    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(X0, Y0 + SIZE * PIXEL)
    profile = dict(
        driver="GTiff",
        width=SIZE,
        height=SIZE,
        count=2,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(lon - 0.01, lat + 0.01, 0.0075, 0.0075),
        nodata=-9999.0,
    )
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(bands.astype(np.float32))
        dst.set_band_description(1, "Cu")
        dst.set_band_description(2, "Pb")
    return path


def _huge_raster(path: str) -> str:
    """A 200,000 x 200,000 cell GeoTIFF of a few kilobytes: sparse tiles, nothing written."""
    import rasterio
    from rasterio.transform import from_origin

    profile = dict(
        driver="GTiff",
        width=200_000,
        height=200_000,
        count=1,
        dtype="float32",
        crs=CRS,
        transform=from_origin(X0, Y0 + 200_000 * 1.0, 1.0, 1.0),
        nodata=-9999.0,
        tiled=True,
        blockxsize=512,
        blockysize=512,
        sparse_ok=True,
        compress="deflate",
        BIGTIFF="YES",
    )
    with rasterio.open(path, "w", **profile) as dst:
        dst.set_band_description(1, "Cu")
    return path


def digest(paths: Iterable[str]) -> Dict[str, str]:
    """SHA-256 of every input file, so a test can show that inputs were not modified."""
    result = {}
    for path in paths:
        with open(path, "rb") as handle:
            result[path] = hashlib.sha256(handle.read()).hexdigest()
    return result
