"""Small synthetic inputs for the error matrix (tests/ERROR_MATRIX.md), built with geopandas and rasterio.

Shared by tests/qgis/test_error_matrix.py (processing.run) and tests/headless/test_error_matrix_headless.py
(qgis_process). Everything is made in a temporary folder: nothing here depends on ../shared.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import shutil
import socket
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional
from urllib.parse import unquote, urlparse

import numpy as np

CRS = "EPSG:3067"  # ETRS89 / TM35FIN, metres
X0, Y0 = 400_000.0, 7_500_000.0
PIXEL = 250.0
SIZE = 40  # raster cells per side: 10 km


def _mercator_ratio(x: Optional[float] = None, y: Optional[float] = None) -> float:
    """Web Mercator metres in one ground metre at (x, y) in EPSG:3857 (default: the test grid's centre, 67.6° N),
    measured as a user would check it: 1 km steps east-west and north-south in EPSG:3857 against pyproj's geodesic
    distances on the WGS 84 ellipsoid, the ratio farther from 1."""
    from pyproj import Geod, Transformer

    if x is None or y is None:
        x, y = Transformer.from_crs(CRS, "EPSG:3857", always_xy=True).transform(X0 + 5000, Y0 + 5000)
    lons, lats = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True).transform(
        [x - 500, x + 500, x, x], [y, y, y - 500, y + 500]
    )
    geod = Geod(ellps="WGS84")
    ratios = [1000.0 / geod.inv(lons[i], lats[i], lons[i + 1], lats[i + 1])[2] for i in (0, 2)]
    return max(ratios, key=lambda r: abs(r - 1.0))


MERCATOR_RATIO = _mercator_ratio()  # about 2.62
TROPICS_X0, TROPICS_Y0 = 2_700_000.0, 2_400_000.0  # north-west corner of a Web Mercator raster at about 21° N
WIDE_CELL = 10_000.0  # a Web Mercator raster of 40 x 40 cells of 10 km (3.8 km on the ground) around the test grid


def _wide_corner() -> tuple:
    """North-west corner of the wide Web Mercator raster: the test grid's centre, 20 cells west and north."""
    from pyproj import Transformer

    cx, cy = Transformer.from_crs(CRS, "EPSG:3857", always_xy=True).transform(X0 + 5000, Y0 + 5000)
    return cx - 20 * WIDE_CELL, cy + 20 * WIDE_CELL


def _geodesic_cell_km2(row: int) -> float:
    """Ground area of the wide raster's cell in column 20 of ``row``, by pyproj's geodesic polygon area on WGS 84
    (the reference for the cell areas evaluate reports)."""
    from pyproj import Geod, Transformer

    x0, y0 = _wide_corner()
    x, y = x0 + 20 * WIDE_CELL, y0 - row * WIDE_CELL
    lons, lats = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True).transform(
        [x, x + WIDE_CELL, x + WIDE_CELL, x], [y, y, y - WIDE_CELL, y - WIDE_CELL]
    )
    return abs(Geod(ellps="WGS84").polygon_area_perimeter(lons, lats)[0]) / 1e6


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


def _raster(path: str, bands: np.ndarray, names, nodata: Optional[float] = -9999.0, crs: str = CRS) -> str:
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


def _points_without_geometry(path: str, count: int) -> str:
    """A point layer in :data:`CRS` whose ``count`` features have a Cu value and no geometry, as Create points layer
    from table leaves X/Y fields it cannot read as numbers (geopandas would make an untyped layer of them)."""
    from osgeo import ogr, osr

    srs = osr.SpatialReference()
    srs.SetFromUserInput(CRS)
    source = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    layer = source.CreateLayer("points", srs, ogr.wkbPoint)
    layer.CreateField(ogr.FieldDefn("Cu", ogr.OFTReal))
    for i in range(count):
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("Cu", 10.0 + i)
        layer.CreateFeature(feature)
    source = None  # closes the file
    return path


def build(folder: str) -> Dict[str, str]:
    """Write every input of the matrix into ``folder``; returns name -> path."""
    import geopandas as gpd
    from rasterio import open as rasterio_open
    from shapely.geometry import Point, box

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
    # names and class words a spreadsheet would run as formulas (CSV injection)
    paths["deposits_formula"] = _points(
        os.path.join(folder, "deposits_formula.gpkg"),
        [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)],
        {"name": ['=HYPERLINK("http://example.org","a")', "+1+1", "@SUM(A1)"], "kind": ["=cmd|' /C calc'!A0"] * 3},
    )
    paths["deposits_dup"] = _points(
        os.path.join(folder, "deposits_dup.gpkg"),
        [(X0 + 2000, Y0 + 2000), (X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000)],
        {"name": ["a", "a again", "b"]},
    )
    # a GeoPackage of two point layers, the first not the deposits: a bare path reads the first
    paths["deposits_two_layers"] = os.path.join(folder, "two_layers.gpkg")
    for layer, points in (("a_prospects", [(X0 + 3000, Y0 + 3000)]), ("deposits", [(X0 + 2000, Y0 + 2000)])):
        frame = gpd.GeoDataFrame({"name": ["p"]}, geometry=[Point(*xy) for xy in points], crs=CRS)
        frame.to_file(paths["deposits_two_layers"], driver="GPKG", layer=layer)
    paths["messy_cu"] = _points(os.path.join(folder, "messy_cu.gpkg"), xy, {**base, "Cu": messy})
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
    # the outline's longitudes and latitudes in a file that declares the metric CRS (sweep 31a)
    in_degrees = gpd.GeoDataFrame({"id": [1]}, geometry=[box(26.02, 67.61, 26.2, 67.69)], crs=CRS)
    paths["mask_degrees_as_metres"] = os.path.join(folder, "mask_degrees_as_metres.gpkg")
    in_degrees.to_file(paths["mask_degrees_as_metres"], driver="GPKG")
    # what Create points layer from table makes of X/Y written with decimal commas: features without geometry
    paths["points_all_empty"] = _points_without_geometry(os.path.join(folder, "points_all_empty.gpkg"), 8)
    far = gpd.GeoDataFrame({"id": [1]}, geometry=[box(X0 + 90_000, Y0, X0 + 95_000, Y0 + 5000)], crs=CRS)
    paths["mask_outside"] = os.path.join(folder, "mask_outside.gpkg")
    far.to_file(paths["mask_outside"], driver="GPKG")
    # a study area twice the rasters': the grid and as much again to the east, where no evidence was mapped
    span = SIZE * PIXEL
    wide = gpd.GeoDataFrame({"id": [1]}, geometry=[box(X0, Y0, X0 + 2 * span, Y0 + span)], crs=CRS)
    paths["mask_twice_the_grid"] = os.path.join(folder, "mask_twice_the_grid.gpkg")
    wide.to_file(paths["mask_twice_the_grid"], driver="GPKG")

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
    # a probability map whose cells beyond the study area were written as 0 without a nodata value (review 36)
    zero_filled = (bands[:1] / bands[0].max()).copy()
    zero_filled[:, :, : SIZE // 3] = 0.0
    paths["map_zero_filled"] = _raster(os.path.join(folder, "map_zero_filled.tif"), zero_filled, ["p"], nodata=None)
    # a geological map's codes 1-4 as prospector:evidence writes a CATEGORICAL_RASTERS band (KIND=categorical)
    paths["rock_codes"] = _raster(os.path.join(folder, "rock_codes.tif"), 1 + (xx // 10 + yy // 20)[None] % 4, ["rock"])
    with rasterio_open(paths["rock_codes"], "r+") as dst:
        dst.update_tags(1, KIND="categorical")
    # Pb nodata over the whole MASK (mask_4326: 1-9 km from the corner), values outside it
    pb_hole = bands.copy()
    pb_hole[1, 3:37, 3:37] = -9999.0
    paths["raster_pb_hole"] = _raster(os.path.join(folder, "pb_hole.tif"), pb_hole, ["Cu", "Pb"])
    # the same evidence in ppb instead of ppm (another laboratory's units): beyond the model's training range
    paths["raster_other_units"] = _raster(os.path.join(folder, "elements_ppb.tif"), bands * 1000, ["Cu", "Pb"])
    paths["constant"] = _raster(os.path.join(folder, "constant.tif"), np.full((2, SIZE, SIZE), 10.0), ["Cu", "Pb"])
    paths["allnodata"] = _raster(os.path.join(folder, "allnodata.tif"), np.full((2, SIZE, SIZE), -9999.0), ["Cu", "Pb"])
    paths["geographic_raster"] = _geographic_raster(os.path.join(folder, "geographic.tif"), bands)
    paths["huge"] = _huge_raster(os.path.join(folder, "huge.tif"))
    # files we did not write: a truncated GeoTIFF and a GeoPackage that is not one
    with open(paths["raster"], "rb") as handle:
        head = handle.read(600)
    paths["corrupt_raster"] = os.path.join(folder, "truncated.tif")
    with open(paths["corrupt_raster"], "wb") as handle:
        handle.write(head)
    paths["corrupt_vector"] = os.path.join(folder, "corrupt.gpkg")
    with open(paths["corrupt_vector"], "wb") as handle:
        handle.write(b"SQLite format 3\x00" + bytes(range(256)) * 8)
    # a regular file used as a folder: writing "<file>/out.tif" fails even for root (permission bits do not)
    paths["not_a_folder"] = os.path.join(folder, "regular_file")
    with open(paths["not_a_folder"], "w") as handle:
        handle.write("not a folder\n")
    # labels for traincnn: a sparse label raster on the evidence grid, point labels with a class field
    labels = np.full((1, SIZE, SIZE), -1.0)
    labels[0, ::3, ::3] = (hill[::3, ::3] > 0.3).astype(float)
    paths["label_raster"] = _raster(os.path.join(folder, "labels.tif"), labels, ["label"], nodata=-1.0)
    paths["label_raster_coarse"] = _coarse_labels(os.path.join(folder, "labels_coarse.tif"), labels)
    paths["labels_empty"] = _points(os.path.join(folder, "labels_empty.gpkg"), np.zeros((0, 2)), {"cls": []})
    paths["labels_outside"] = _points(
        os.path.join(folder, "labels_outside.gpkg"), [(X0 - 50_000, Y0), (X0 + 5000, Y0 + 90_000)], {"cls": [1, 0]}
    )
    # the label raster's labelled cells as points (cell centres, class in cls), in EPSG:4326
    rows, cols = np.nonzero(labels[0] >= 0)
    centres = [(X0 + (c + 0.5) * PIXEL, Y0 + (SIZE - r - 0.5) * PIXEL) for r, c in zip(rows, cols)]
    paths["label_points_4326"] = _points(
        os.path.join(folder, "label_points_4326.gpkg"),
        centres,
        {"cls": labels[0, rows, cols].astype(int).tolist()},
        crs="EPSG:4326",
    )
    # the same points in EPSG:3067, and a second point in six of their cells (two of another class): a pixel too
    # coarse for the points
    seconds = [(x + 60, y + 60) for x, y in centres[:6]]
    crowded = labels[0, rows, cols].astype(int).tolist()
    paths["label_points_crowded"] = _points(
        os.path.join(folder, "label_points_crowded.gpkg"),
        centres + seconds,
        {"cls": crowded + crowded[:4] + [1 - v for v in crowded[4:6]]},
    )
    paths.update(_model_files(folder, bands, labels[0]))
    paths.update(_files_behind_inputs(folder, bands))
    paths.update(_number_inputs(folder, xy, cu, base, bands))
    paths.update(_evidence_inputs(folder))
    paths.update(_messy_inputs(folder, xy, cu, bands))
    paths.update(_learning_inputs(folder, bands))
    paths.update(_sweep_inputs(folder, xy, cu, pb, bands))
    paths.update(_sweep_file_inputs(folder, xy, cu, pb, bands))
    paths.update(_sweep3_inputs(folder, bands))
    paths.update(_sweep4b_inputs(folder, xy, base, bands, labels[0]))
    paths.update(_sweep4a_inputs(folder, xy, cu, pb, bands))
    paths.update(_sweep5a_inputs(folder))
    paths.update(_sweep5b_inputs(folder, xy, base))
    paths.update(_sweep6a_inputs(folder, xy, base))
    paths.update(_sweep6b_inputs(folder, bands))
    paths.update(_sweep6m_inputs(folder, xy, base))
    paths.update(_sweep7a_inputs(folder, bands))
    paths.update(_sweep7b_inputs(folder, bands, labels[0]))
    paths.update(_sweep8b_inputs(folder, xy, base, bands))
    paths.update(_sweep8a_inputs(folder))
    paths.update(_stop37_inputs(folder, bands))
    paths.update(_stop38_inputs(folder))
    paths.update(_sweep9a_inputs(folder, bands))
    paths.update(_sweep9b_inputs(folder, bands))
    paths.update(_sweep10a_inputs(folder, bands))
    paths.update(_sweep10b_inputs(folder, xy, base))
    paths.update(_sweep11b_inputs(folder, bands))
    paths.update(_sweep11a_inputs(folder, xy, base, bands))
    paths.update(_sweep12b_inputs(folder, xy, base))
    paths.update(_database_deposit_inputs(folder))
    paths.update(_sweep12a_inputs(folder))
    paths.update(_sweep13a_inputs(folder, bands, labels))
    paths.update(_sweep13b_inputs(folder, xy, base, bands))
    paths.update(_sweep14b_inputs(folder, xy, base))
    paths.update(_sweep15a_inputs(folder, xy, base))
    paths.update(_sweep16a_inputs(folder, bands))
    paths.update(_sweep17a_inputs(folder, xy, base))
    paths.update(_sweep17b_inputs(folder, bands))
    paths.update(_sweep17c_inputs(folder))
    paths.update(_sweep18c_inputs(folder))
    paths.update(_sweep18a_inputs(folder, paths["model"]))
    paths.update(_sweep19_inputs(folder, labels))
    paths.update(_sweep20a_inputs(folder))
    paths.update(_sweep21a_inputs(folder, bands))
    paths.update(_sweep21b_inputs(folder))
    paths.update(_sweep22b_inputs(folder, bands))
    paths.update(_sweep22a_inputs(folder, xy, cu, bands, pb))
    paths.update(_sweep23a_inputs(folder))
    paths.update(_sweep24b_inputs(folder, bands))
    paths.update(_sweep25b_inputs(folder, xy, cu, bands))
    paths.update(_sweep27c_inputs(folder, xy, cu, pb, bands))
    paths.update(_stop49_inputs(folder, bands))
    paths.update(_sweep32b_inputs(folder, xy, cu, pb, bands))
    odd_name = os.path.join(folder, "Cu \"raw\" 'ä' медь #1 & 50% (%20).tif")  # sweep 32c: every odd character at once
    shutil.copyfile(paths["raster"], odd_name)
    paths["raster_odd_name"] = odd_name
    one_class = np.where(labels >= 0, 1.0, -1.0)  # the label raster's labelled cells all mineralised
    paths["labels_one_class"] = _raster(os.path.join(folder, "labels_one_class.tif"), one_class, ["label"], nodata=-1.0)
    return paths


def _sweep32b_inputs(folder: str, xy, cu, pb, bands) -> Dict[str, str]:
    """Files as they arrive broken or unusual (sweep 32b): 0-byte files, a shapefile without its .shx, Excel's
    'Unicode text' (UTF-16, tabs), a NetCDF of two variables (GDAL's multidimensional API) and a VRT whose source
    file is gone."""
    import geopandas as gpd
    from osgeo import gdal, osr
    from shapely.geometry import Point

    join = os.path.join
    paths: Dict[str, str] = {}
    for key, name in (("zero_gpkg", "zero.gpkg"), ("zero_tif", "zero.tif")):
        paths[key] = join(folder, name)
        open(paths[key], "wb").close()
    three = [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)]
    paths["deposits_no_shx"] = join(folder, "deposits_no_shx.shp")
    gpd.GeoDataFrame({"name": ["a", "b", "c"]}, geometry=[Point(p) for p in three], crs=CRS).to_file(
        paths["deposits_no_shx"]
    )
    os.remove(join(folder, "deposits_no_shx.shx"))
    paths["samples_utf16"] = join(folder, "samples_unicode_text.txt")
    with open(paths["samples_utf16"], "w", encoding="utf-16", newline="") as handle:
        handle.write("x\ty\tCuivre_\u00e9\r\n" + "".join(f"{x}\t{y}\t{c}\r\n" for (x, y), c in zip(xy, cu)))
    paths["samples_utf16_uri"] = (
        f"delimitedtext://file://{paths['samples_utf16']}?delimiter=%5Ct&xField=x&yField=y&crs={CRS}"
    )
    paths["netcdf_two"] = join(folder, "cu_pb.nc")
    dataset = gdal.GetDriverByName("netCDF").CreateMultiDimensional(paths["netcdf_two"])
    root = dataset.GetRootGroup()
    rows, columns = root.CreateDimension("y", None, None, SIZE), root.CreateDimension("x", None, None, SIZE)
    double = gdal.ExtendedDataType.Create(gdal.GDT_Float64)
    root.CreateMDArray("x", [columns], double).Write(X0 + (np.arange(SIZE) + 0.5) * PIXEL)
    root.CreateMDArray("y", [rows], double).Write(Y0 + SIZE * PIXEL - (np.arange(SIZE) + 0.5) * PIXEL)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(3067)
    for k, name in enumerate(("Cu", "Pb")):
        array = root.CreateMDArray(name, [rows, columns], gdal.ExtendedDataType.Create(gdal.GDT_Float32))
        array.Write(np.asarray(bands[k], dtype=np.float32))
        array.SetSpatialRef(srs)
    del array, root, dataset  # closes the file
    paths["netcdf_cu"] = f'NETCDF:"{paths["netcdf_two"]}":Cu'
    gone = _raster(join(folder, "gone.tif"), bands, ["Cu", "Pb"])
    paths["vrt_gone_source"] = join(folder, "missing_source.vrt")
    gdal.BuildVRT(paths["vrt_gone_source"], [gone]).FlushCache()
    os.remove(gone)
    return paths


#: a mine grid: a local engineering CRS (no EPSG code, tied to no place on Earth), as a mine's survey keeps it
MINE_GRID = (
    'LOCAL_CS["Kittila mine grid",LOCAL_DATUM["Kittila mine grid datum",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],'
    'AXIS["Easting",EAST],AXIS["Northing",NORTH]]'
)
#: the samples of _sweep11a_inputs straddle the antimeridian: longitudes from 179.5 east to 179.9 west, centred on
#: 179.8° E (UTM zone 60, EPSG:32660)
ANTIMERIDIAN_WEST, ANTIMERIDIAN_SPAN = 179.5, 0.6


#: the south-west corner of elements_nad83.tif (NAD83 / UTM 12N, Utah)
NAD83_X0, NAD83_Y0 = 420_000.0, 4_500_000.0
#: (longitude as written, row) of the deposits on cu_across_180.tif: the first east of 180° (on the raster at 180.171)
DEPOSITS_ACROSS_180 = ((-179.829, 12), (179.754, 6))


def deposit_values_across_180(params: Dict[str, object]) -> None:
    """Both deposits are used, each with the value of the cell rasterio's index gives at its longitude on the
    raster (-179.829 + 360 = 180.171 for the first)."""
    import csv

    import rasterio

    with open(str(params["OUTPUT_TABLE"]), newline="", encoding="utf-8") as handle:
        rows = {r["name"]: r for r in csv.DictReader(handle) if r["kind"] == "deposit"}
    with rasterio.open(str(params["INPUT_RASTER"])) as src:
        band = src.read(1)
        for name, (lon, row) in zip(("east of 180", "west of 180"), DEPOSITS_ACROSS_180):
            r, c = src.index(lon % 360.0, 65.2 - (row + 0.5) * 0.2 / 24)
            assert rows[name]["status"] == "used", rows[name]
            assert abs(float(rows[name]["value"]) - float(band[r, c])) < 1e-3 * float(band[r, c]), (rows[name], r, c)


def grid_around_the_points_across_180(params: Dict[str, object]) -> None:
    """The grid holds the Chukotka samples (their bounds in EPSG:32660 by pyproj) and is no larger than they need
    (under 40 km wide: they span 0.6° of longitude, 28 km at 65° N)."""
    import geopandas as gpd
    import rasterio

    x0, y0, x1, y1 = gpd.read_file(str(params["POINTS"][0])).to_crs("EPSG:32660").total_bounds  # type: ignore[index]
    with rasterio.open(str(params["OUTPUT"])) as src:
        b = src.bounds
        assert src.crs.to_epsg() == 32660
    assert b.left <= x0 and x1 <= b.right and b.bottom <= y0 and y1 <= b.top, (b, (x0, y0, x1, y1))
    assert b.right - b.left < 40_000 and b.top - b.bottom < 40_000, b


def _sweep11a_inputs(folder: str, xy, base, bands) -> Dict[str, str]:
    """Places on Earth and CRSs exploration companies have (sweep 11a): the matrix's samples, deposits and element
    raster in a mine grid (MINE_GRID: mine-grid numbers, the test grid's corner at 0, 0), and the samples moved to
    Chukotka, across the antimeridian, in EPSG:4326 (longitudes 179.5 to 180 and -180 to -179.9, 65.0-65.2° N)."""
    import geopandas as gpd
    import rasterio
    import rasterio.crs
    from pyproj import Transformer
    from rasterio.transform import from_origin
    from shapely.geometry import Point

    paths: Dict[str, str] = {}
    local = np.asarray(xy) - (X0, Y0)
    for key, name, points, columns in (
        ("samples_mine_grid", "samples_mine_grid.gpkg", local, base),
        ("deposits_mine_grid", "deposits_mine_grid.gpkg", [(2000, 2000), (5000, 6000), (8000, 3000)],
         {"name": ["a", "b", "c"]}),
    ):  # fmt: skip
        paths[key] = os.path.join(folder, name)
        frame = gpd.GeoDataFrame(columns, geometry=[Point(x, y) for x, y in points], crs=MINE_GRID)
        frame.to_file(paths[key], driver="GPKG", layer=os.path.splitext(name)[0])
    paths["elements_mine_grid"] = os.path.join(folder, "elements_mine_grid.tif")
    profile = dict(driver="GTiff", width=SIZE, height=SIZE, count=2, dtype="float32", nodata=-9999.0)
    with rasterio.open(
        paths["elements_mine_grid"],
        "w",
        crs=rasterio.crs.CRS.from_wkt(MINE_GRID),
        transform=from_origin(0.0, SIZE * PIXEL, PIXEL, PIXEL),
        **profile,
    ) as dst:
        dst.write(np.asarray(bands, dtype=np.float32))
        dst.set_band_description(1, "Cu")
        dst.set_band_description(2, "Pb")
    # the matrix's label raster (built before) in the mine grid
    with rasterio.open(os.path.join(folder, "labels.tif")) as src:
        label_profile, label_values = src.profile, src.read()
    label_profile.update(
        crs=rasterio.crs.CRS.from_wkt(MINE_GRID), transform=from_origin(0.0, SIZE * PIXEL, PIXEL, PIXEL)
    )
    paths["labels_mine_grid"] = os.path.join(folder, "labels_mine_grid.tif")
    with rasterio.open(paths["labels_mine_grid"], "w", **label_profile) as dst:
        dst.write(label_values)
        dst.set_band_description(1, "label")
    # the 36 samples spread over 0.6° of longitude across 180° (the outermost at exactly 179.5° E and 179.9° W) and
    # 0.2° of latitude
    unit = (np.asarray(xy) - (X0, Y0)) / (SIZE * PIXEL)
    lon = ANTIMERIDIAN_WEST + ANTIMERIDIAN_SPAN * unit[:, 0]
    lon[0], lon[1] = ANTIMERIDIAN_WEST, ANTIMERIDIAN_WEST + ANTIMERIDIAN_SPAN
    lon = np.where(lon > 180.0, lon - 360.0, lon)
    lat = 65.0 + 0.2 * unit[:, 1]
    paths["samples_antimeridian"] = os.path.join(folder, "samples_chukotka.gpkg")
    gpd.GeoDataFrame(base, geometry=[Point(a, b) for a, b in zip(lon, lat)], crs="EPSG:4326").to_file(
        paths["samples_antimeridian"], driver="GPKG", layer="samples_chukotka"
    )
    # Cu over Chukotka as a raster in EPSG:4326 written across the antimeridian (179.5 to 180.5° E, 65.0-65.2° N,
    # 120 x 24 cells of 1/120°), two highs; a deposit on each, one east of 180° written as its longitude there
    # (-179.829, on the raster at 180.171) and one west of it (179.754)
    yy, xx = np.mgrid[0:24, 0:120]
    hill = np.exp(-((xx - 80) ** 2 + (yy - 12) ** 2) / 60.0) + np.exp(-((xx - 30) ** 2 + (yy - 6) ** 2) / 40.0)
    cu180 = (20 + 200 * hill) * np.random.default_rng(3).lognormal(0, 0.2, hill.shape)
    paths["cu_across_180"] = os.path.join(folder, "cu_across_180.tif")
    with rasterio.open(
        paths["cu_across_180"],
        "w",
        driver="GTiff",
        width=120,
        height=24,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(179.5, 65.2, 1 / 120, 0.2 / 24),
        nodata=-9999.0,
    ) as dst:
        dst.write(cu180.astype(np.float32), 1)
        dst.set_band_description(1, "Cu")
    paths["deposits_across_180"] = os.path.join(folder, "deposits_across_180.gpkg")
    gpd.GeoDataFrame(
        {"name": ["east of 180", "west of 180"]},
        geometry=[Point(lon, 65.2 - (row + 0.5) * 0.2 / 24) for lon, row in DEPOSITS_ACROSS_180],
        crs="EPSG:4326",
    ).to_file(paths["deposits_across_180"], driver="GPKG", layer="deposits_across_180")
    # Utah: the element raster in NAD83 / UTM 12N (EPSG:26912, the test grid's corner at 420,000, 4,500,000) and the
    # deposits in NAD27 / UTM 12N (EPSG:26712, an old claim map's), placed by pyproj's best usable transformation
    nad83 = os.path.join(folder, "elements_nad83.tif")
    with rasterio.open(
        nad83,
        "w",
        crs="EPSG:26912",
        transform=from_origin(NAD83_X0, NAD83_Y0 + SIZE * PIXEL, PIXEL, PIXEL),
        **profile,
    ) as dst:
        dst.write(np.asarray(bands, dtype=np.float32))
        dst.set_band_description(1, "Cu")
        dst.set_band_description(2, "Pb")
    paths["elements_nad83"] = nad83
    east27, north27 = Transformer.from_crs("EPSG:26912", "EPSG:26712", always_xy=True).transform(
        [NAD83_X0 + 2000, NAD83_X0 + 5000, NAD83_X0 + 8000], [NAD83_Y0 + 2000, NAD83_Y0 + 6000, NAD83_Y0 + 3000]
    )
    paths["deposits_nad27"] = os.path.join(folder, "deposits_nad27.gpkg")
    gpd.GeoDataFrame(
        {"name": ["a", "b", "c"]}, geometry=[Point(x, y) for x, y in zip(east27, north27)], crs="EPSG:26712"
    ).to_file(paths["deposits_nad27"], driver="GPKG", layer="deposits_nad27")
    # the deposits as a shapefile from a mine's GIS: a transverse Mercator on KKJ (Finland's old datum), its .prj in
    # ESRI WKT naming the datum 'D_Unknown', as an export that lost it writes it (no EPSG code, no TOWGS84)
    kkj = (
        "+proj=tmerc +lat_0=0 +lon_0=25 +k=1 +x_0=0 +y_0=-7000000 +ellps=intl "
        "+towgs84=-96.062,-82.428,-121.753,4.801,0.345,-1.376,1.496 +units=m +no_defs"
    )
    east, north = Transformer.from_crs(CRS, kkj, always_xy=True).transform(
        [X0 + 2000, X0 + 5000, X0 + 8000], [Y0 + 2000, Y0 + 6000, Y0 + 3000]
    )
    paths["deposits_datum_unknown"] = os.path.join(folder, "deposits_datum_unknown.shp")
    gpd.GeoDataFrame({"name": ["a", "b", "c"]}, geometry=[Point(x, y) for x, y in zip(east, north)]).to_file(
        paths["deposits_datum_unknown"]
    )
    with open(os.path.join(folder, "deposits_datum_unknown.prj"), "w", encoding="ascii") as handle:
        handle.write(
            'PROJCS["Kittila_Mine_TM",GEOGCS["GCS_Unknown",DATUM["D_Unknown",SPHEROID["International_1924",'
            '6378388.0,297.0]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],'
            'PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",0.0],PARAMETER["False_Northing",-7000000.0],'
            'PARAMETER["Central_Meridian",25.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],'
            'UNIT["Meter",1.0]]'
        )
    return paths


def _database_deposit_inputs(folder: str) -> Dict[str, str]:
    """The matrix's three deposits in degrees, rounded as a mineral-occurrence database rounds them: to whole
    degrees (all three on 25° E, 68° N, 40 km from the element raster) and to 0.01° (on the raster, each moved up to
    560 m north-south, two cells of 250 m); and with the third's latitude and longitude swapped, the others right."""
    from pyproj import Transformer

    deposits = [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)]
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(*zip(*deposits))
    paths: Dict[str, str] = {}
    paths["deposits_one_swapped"] = _points_in(
        os.path.join(folder, "deposits_one_swapped.gpkg"), [(lon[0], lat[0]), (lon[1], lat[1]), (lat[2], lon[2])],
        {"name": ["a", "b", "c"]}, "EPSG:4326",
    )  # fmt: skip
    for name, digits in (("deposits_whole_degrees", 0), ("deposits_hundredths", 2)):
        paths[name] = _points_in(
            os.path.join(folder, f"{name}.gpkg"), [(round(x, digits), round(y, digits)) for x, y in zip(lon, lat)],
            {"name": ["a", "b", "c"]}, "EPSG:4326",
        )  # fmt: skip
    return paths


def _sweep12b_inputs(folder: str, xy, base) -> Dict[str, str]:
    """Exploration data as the field and the database deliver it (sweep 12b): the matrix's samples with their
    coordinates slipped as exports slip them, an element every sample of which is below detection, and an element
    analysed in the western quarter of a survey only."""
    paths: Dict[str, str] = {}
    swapped = np.column_stack([xy[:, 1], xy[:, 0]])  # the x field holding northings, as a CSV's columns mixed up
    paths["samples_swapped"] = _points(os.path.join(folder, "samples_swapped.gpkg"), swapped, base)
    prefixed = np.column_stack([35_000_000 + xy[:, 0], xy[:, 1]])  # '35 400603': the zone in front of the easting
    paths["samples_zone_prefix"] = _points(os.path.join(folder, "samples_zone_prefix.gpkg"), prefixed, base)
    # in UTM zone 35S (Zambia, 12.6° S) without the false northing: northings of -1.4 million
    south = np.column_stack([xy[:, 0], xy[:, 1] - Y0 + 8_600_000 - 10_000_000])
    frame_south = {**base}
    paths["samples_south_no_false_northing"] = _points_in(
        os.path.join(folder, "samples_south_no_false_northing.gpkg"), south, frame_south, "EPSG:32735"
    )
    paths["samples_all_below_detection"] = _points(
        os.path.join(folder, "samples_all_below_detection.gpkg"), xy, {**base, "Au": ["<5"] * len(xy)}
    )
    # 144 samples on a 12 x 12 grid of 833 m (jittered) over the matrix's 10 km, Au analysed in the 3 western
    # columns only (the rest NULL, as an element added to the package part way through a survey)
    rng = np.random.default_rng(12)
    cols, rows = np.meshgrid(np.arange(12), np.arange(12))
    grid_xy = np.column_stack(
        [X0 + (cols.ravel() + 0.5) * 10_000 / 12, Y0 + (rows.ravel() + 0.5) * 10_000 / 12]
    ) + rng.uniform(-150, 150, (144, 2))
    cu = np.round(np.exp(rng.normal(3, 0.8, 144)), 2)
    au = [float(np.round(np.exp(rng.normal(1, 1)), 3)) if c < 3 else None for c in cols.ravel()]
    paths["samples_au_west"] = _points(
        os.path.join(folder, "samples_au_west.gpkg"), grid_xy, {"Cu": cu.tolist(), "Au": au}
    )
    # certified standards and blanks left among the samples, at the sites of the samples they followed, as a
    # laboratory export keeps them (an id and a QC-type field)
    qc_xy = np.vstack([xy, xy[:4], xy[4:8]])
    paths["samples_qaqc"] = _points(
        os.path.join(folder, "samples_qaqc.gpkg"),
        qc_xy,
        {
            "Cu": base["Cu"] + [709.0] * 4 + [1.0] * 4,
            "Pb": base["Pb"] + [1100.0] * 4 + [0.5] * 4,
            "sample_id": [f"KT26-{i:04d}" for i in range(len(xy))] + ["OREAS-45d"] * 4 + ["BLK"] * 4,
            "qc_type": ["ROUTINE"] * len(xy) + ["STD"] * 4 + ["BLK"] * 4,
        },
    )
    # a laboratory's own standard under its own name ('GTK-1'), after the samples of 4 sites and at their places
    paths["samples_lab_standard"] = _points(
        os.path.join(folder, "samples_lab_standard.gpkg"),
        np.vstack([xy, xy[:4]]),
        {
            "Cu": base["Cu"] + [48.0] * 4,
            "Pb": base["Pb"] + [21.0] * 4,
            "sample_id": [f"KT26-{i:04d}" for i in range(len(xy))] + ["GTK-1"] * 4,
        },
    )
    # a national mineral-occurrence database's points: the matrix's three deposits and two occurrences, of three
    # commodities in a field 'Commodity', as the user wants gold
    paths["deposits_commodities"] = _points(
        os.path.join(folder, "deposits_commodities.gpkg"),
        [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000), (X0 + 7000, Y0 + 8000),
         (X0 + 3000, Y0 + 8500)],
        {"name": ["a", "b", "c", "d", "e"], "Commodity": ["gold", "gold", "iron", "graphite", "gold"]},
    )  # fmt: skip
    # the same points as occurrences of one mineral system: iron, gold and copper of an IOCG belt (as GTK's are)
    paths["deposits_iocg"] = _points(
        os.path.join(folder, "deposits_iocg.gpkg"),
        [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000), (X0 + 7000, Y0 + 8000),
         (X0 + 3000, Y0 + 8500)],
        {"name": ["a", "b", "c", "d", "e"], "Commodity": ["gold", "gold", "iron", "copper", "Cu, Au"]},
    )  # fmt: skip
    # Cu reported in % for every third sample (another laboratory's certificate) with a unit column, the rest ppm
    in_percent = np.arange(len(xy)) % 3 == 0
    paths["samples_units_mixed"] = _points(
        os.path.join(folder, "samples_units_mixed.gpkg"),
        xy,
        {
            **base,
            "Cu": [v / 10_000 if p else v for v, p in zip(base["Cu"], in_percent)],
            "unit": ["%" if p else "ppm" for p in in_percent],
        },
    )
    # till and the B-horizon soil above it at the same 36 sites, in one layer with a 'medium' field (the soil's Cu
    # at 40 % of the till's, as media hold elements at their own levels)
    paths["samples_two_media"] = _points(
        os.path.join(folder, "samples_two_media.gpkg"),
        np.vstack([xy, xy]),
        {
            "Cu": base["Cu"] + [round(0.4 * v, 2) for v in base["Cu"]],
            "Pb": base["Pb"] * 2,
            "medium": ["till"] * len(xy) + ["B horizon"] * len(xy),
        },
    )
    # a soil grid of 500 m over the matrix's 10 km (21 x 21) with an infill of 25 m over its central kilometre
    # (41 x 41): most samples in the infill, whose spacing is the median's
    regional = np.arange(0.0, 10_001.0, 500.0)
    infill = np.arange(0.0, 1001.0, 25.0) + 4500.0
    nested = np.vstack(
        [
            np.column_stack([a.ravel(), b.ravel()])
            for a, b in (np.meshgrid(regional, regional), np.meshgrid(infill, infill))
        ]
    )
    nested = np.unique(nested, axis=0) + [X0, Y0]
    rng_nested = np.random.default_rng(121)
    paths["samples_infill"] = _points(
        os.path.join(folder, "samples_infill.gpkg"),
        nested,
        {"Cu": np.round(np.exp(rng_nested.normal(3, 0.5, len(nested))), 2).tolist()},
    )
    # gold by two methods: the western half of the samples reported to <5, the eastern half to <0.5 (ppb)
    rng_au = np.random.default_rng(122)
    gold = np.exp(rng_au.normal(1.0, 1.2, len(xy)))
    limit = np.where(xy[:, 0] < np.median(xy[:, 0]), 5.0, 0.5)
    paths["samples_two_limits"] = _points(
        os.path.join(folder, "samples_two_limits.gpkg"),
        xy,
        {**base, "Au": [f"<{d:g}" if v < d else f"{v:.2f}" for v, d in zip(gold, limit)]},
    )
    # the matrix's deposits in a lat/lon table whose columns were mixed up (the latitude as x), beside the element
    # raster in EPSG:3067; and the Utah deposits (on elements_nad83.tif) with their western longitudes positive
    from pyproj import Transformer

    deposits = [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)]
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(*zip(*deposits))
    paths["deposits_latlon_swapped"] = _points_in(
        os.path.join(folder, "deposits_latlon_swapped.gpkg"), list(zip(lat, lon)), {"name": ["a", "b", "c"]},
        "EPSG:4326",
    )  # fmt: skip
    lon, lat = Transformer.from_crs("EPSG:26912", "EPSG:4326", always_xy=True).transform(
        [NAD83_X0 + 2000, NAD83_X0 + 5000, NAD83_X0 + 8000], [NAD83_Y0 + 2000, NAD83_Y0 + 6000, NAD83_Y0 + 3000]
    )
    paths["deposits_utah_east"] = _points_in(
        os.path.join(folder, "deposits_utah_east.gpkg"), [(-x, y) for x, y in zip(lon, lat)],
        {"name": ["a", "b", "c"]}, "EPSG:4326",
    )  # fmt: skip
    return paths


def _points_in(path: str, xy, columns: Dict[str, list], crs: str) -> str:
    """Points at coordinates ``xy`` given in ``crs`` (not reprojected from the matrix's CRS, as :func:`_points`)."""
    import geopandas as gpd
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame(columns, geometry=[Point(x, y) for x, y in xy], crs=crs)
    frame.to_file(path, driver="GPKG", layer=os.path.splitext(os.path.basename(path))[0])
    return path


#: the study area of _sweep12a_inputs's mask_cells.gpkg, cut into 10 x 6 cells: 60 polygons, one run each when
#: Processing iterates over them
MASK_CELLS = (10, 6)


#: the matrix's three faults (as in ``_sweep11b_inputs``)
_SWEEP15A_FAULTS = [
    [(X0 + 500, Y0 + 500), (X0 + 9500, Y0 + 9000)],
    [(X0 + 500, Y0 + 8000), (X0 + 9000, Y0 + 1500)],
    [(X0 + 5000, Y0 + 200), (X0 + 5200, Y0 + 9800)],
]


def _sweep15a_inputs(folder: str, xy, base) -> Dict[str, str]:
    """Sweep 15a, science the earlier sweeps noted and left: ``samples_field_duplicates.gpkg``, the matrix's 36
    samples and a field duplicate at each of the first six sites (the same place), its Cu and Pb 100 times the
    sample's (a nugget effect, as field duplicates of gold or of a coarse till fraction differ);
    ``faults_sheets.gpkg``, the matrix's three faults with the first digitised on two map sheets that overlap (one
    piece to 60 % of its length, the other from 40 %: a shared stretch of 20 % with other vertices)."""
    dup = list(range(6))
    sxy = np.vstack([xy, np.asarray(xy)[dup]])
    cu = list(base["Cu"]) + [100.0 * base["Cu"][i] for i in dup]
    pb = list(base["Pb"]) + [100.0 * base["Pb"][i] for i in dup]
    import geopandas as gpd
    from shapely.geometry import LineString

    faults = _SWEEP15A_FAULTS
    first = LineString(faults[0])
    # the first fault on two map sheets that overlap: one piece to 60 % of its length, the other from 40 %
    sheets = [
        [faults[0][0], first.interpolate(0.6, normalized=True).coords[0]],
        [first.interpolate(0.4, normalized=True).coords[0], faults[0][1]],
    ]
    path = os.path.join(folder, "faults_sheets.gpkg")
    gpd.GeoDataFrame(
        {"sheet": ["Q4312", "Q4321", "Q4312", "Q4312"]},
        geometry=[LineString(c) for c in [*sheets, faults[1], faults[2]]],
        crs=CRS,
    ).to_file(path, driver="GPKG", layer="faults_sheets")
    return {
        "faults_sheets": path,
        "samples_field_duplicates": _points(
            os.path.join(folder, "samples_field_duplicates.gpkg"), sxy, {"Cu": cu, "Pb": pb}
        ),
    }


def _fault_redrawn(fault, offsets) -> List[tuple]:
    """``fault`` (two end points) redrawn with other vertices: at 0, 1/4, 1/2, 3/4 and 1 of its length, each
    ``offsets[k]`` metres off it across (to its left)."""
    (ax, ay), (bx, by) = fault
    length = float(np.hypot(bx - ax, by - ay))
    nx, ny = -(by - ay) / length, (bx - ax) / length
    return [
        (ax + f * (bx - ax) + o * nx, ay + f * (by - ay) + o * ny) for f, o in zip([0, 0.25, 0.5, 0.75, 1], offsets)
    ]


#: sweep 16a: the first fault redrawn with other vertices up to 15 m off it (crossing it twice), and a distinct
#: fault parallel to it 300 m away (more than a cell of 250 m)
_SWEEP16A_REDRAWN = _fault_redrawn(_SWEEP15A_FAULTS[0], [12, 15, -10, 15, -8])
_SWEEP16A_PARALLEL = _fault_redrawn(_SWEEP15A_FAULTS[0], [300] * 5)


def _sweep17a_copy_in_pieces() -> List[List[tuple]]:
    """Sweep 17a: the first matrix fault redrawn up to 15 m off it (`_SWEEP16A_REDRAWN`) and cut into 20 pieces of
    619 m each (under three cells of 250 m), as a GPS-traced or tile-clipped copy of a fault comes."""
    from shapely.geometry import LineString
    from shapely.ops import substring

    copy = LineString(_SWEEP16A_REDRAWN)
    return [list(substring(copy, copy.length * k / 20, copy.length * (k + 1) / 20).coords) for k in range(20)]


#: sweep 17a: field names holding a right-to-left override (U+202E), as a name pasted from a web page or a
#: spreadsheet can carry it: 'Cu\u202e(mpp)' shows as 'Cu)ppm(' and reverses what follows it on a terminal's line
BIDI_CU, BIDI_TEXT = "Cu\u202e(mpp)", "Pb\u202e"


def _sweep17a_inputs(folder: str, xy, base) -> Dict[str, str]:
    """Sweep 17a, what sweep 16 noted and left: ``faults_copy_in_pieces.gpkg``, the matrix's three faults and a
    copy of the first redrawn up to 15 m off it in 20 short features (each under three cells long);
    ``samples_bidi_names.gpkg``, the matrix's samples with Cu under a name holding U+202E (:data:`BIDI_CU`) and
    a text field of 'n.d.' under another (:data:`BIDI_TEXT`)."""
    import geopandas as gpd
    from shapely.geometry import LineString

    path = os.path.join(folder, "faults_copy_in_pieces.gpkg")
    lines = [*_SWEEP15A_FAULTS, *_sweep17a_copy_in_pieces()]
    gpd.GeoDataFrame(
        {"source": ["GTK 1:200k"] * 3 + ["GPS trace 2021"] * 20},
        geometry=[LineString(c) for c in lines],
        crs=CRS,
    ).to_file(path, driver="GPKG", layer="faults_copy_in_pieces")
    bidi = {BIDI_CU: base["Cu"], "Pb": base["Pb"], BIDI_TEXT: ["n.d."] * len(xy), "name": base["name"]}
    return {
        "faults_copy_in_pieces": path,
        "samples_bidi_names": _points(os.path.join(folder, "samples_bidi_names.gpkg"), xy, bidi),
    }


def _sweep17b_inputs(folder: str, bands) -> Dict[str, str]:
    """Sweep 17b: ``elements_quarter_cells.tif``, the matrix's Cu and Pb at a quarter of the cell (62.5 m, each
    250 m cell's values in its 4 x 4 fine cells), as evidence resampled to a finer grid gives them: each feature
    vector 16 times."""
    import rasterio
    from rasterio.transform import from_origin

    fine = np.repeat(np.repeat(np.asarray(bands, dtype=np.float32), 4, axis=1), 4, axis=2)
    path = os.path.join(folder, "elements_quarter_cells.tif")
    profile = dict(
        driver="GTiff",
        width=fine.shape[2],
        height=fine.shape[1],
        count=2,
        dtype="float32",
        crs=CRS,
        transform=from_origin(X0, Y0 + SIZE * PIXEL, PIXEL / 4, PIXEL / 4),
        nodata=-9999.0,
    )
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(fine)
        dst.set_band_description(1, "Cu")
        dst.set_band_description(2, "Pb")
    return {"elements_quarter_cells": path}


def _sweep19_inputs(folder: str, labels: np.ndarray) -> Dict[str, str]:
    """After sweep 19a: ``confidence_off_labels.tif``, a confidence of 0.5 on every cell of the label raster's grid
    but its labelled cells, which are nodata (a confidence raster made with other labels)."""
    confidence = np.where(labels >= 0, -9999.0, 0.5)
    return {"confidence_off_labels": _raster(os.path.join(folder, "confidence_off_labels.tif"), confidence, ["conf"])}


#: sweep 23a's river: a 400 m band each side of a bend across the matrix's grid (a floodplain's river outline)
RIVER_23A = ((X0 - 100, Y0 + 3_130), (X0 + 4_070, Y0 + 5_020), (X0 + 10_100, Y0 + 6_310))


def _stop49_inputs(folder: str, bands) -> Dict[str, str]:
    """Stop 49: ``magnetics_corner.tif``, a survey over the grid's western 6 of 40 columns (1.5 km, west of every
    deposit), nodata elsewhere; ``stack_corner.tif``, the element raster's first band and that survey as a stack."""
    corner = np.asarray(bands[0], dtype=np.float32).copy()
    corner[:, 6:] = np.nan
    paths = {"magnetics_corner": _raster(os.path.join(folder, "magnetics_corner.tif"), [corner], ["tmi"], nodata=None)}
    both = np.stack([np.asarray(bands[0], dtype=np.float32), corner])
    paths["stack_corner"] = _raster(os.path.join(folder, "stack_corner.tif"), both, ["Cu", "corner:tmi"], nodata=None)
    return paths


def _sweep24b_inputs(folder: str, bands) -> Dict[str, str]:
    """Sweep 24b: ``deposits_unplaced.gpkg``, the three deposits and two without coordinates ('d' NULL, 'e' an empty
    point); ``elements_100km_east.tif``, the element raster 100 km east (another study area's evidence under the
    model's band names); ``elements_west_half.tif``, its west half; ``cu_grid.asc``, Cu as an ESRI ASCII grid without its .prj; ``magnetics_line.tif``, a single
    flight line of Cu as 'magnetics': one row of 80 cells of 125 m,
    125 m high, lying across the matrix grid between two rows of its cell centres (its top 60 m below the centres
    of row 19, its bottom 65 m above those of row 20)."""
    import rasterio
    from rasterio.transform import from_origin

    path = os.path.join(folder, "magnetics_line.tif")
    top = Y0 + SIZE * PIXEL - 19 * PIXEL - PIXEL / 2 - 60.0
    line = np.repeat(np.asarray(bands[0], dtype=np.float32)[19], 2).reshape(1, 2 * SIZE)
    with rasterio.open(path, "w", driver="GTiff", width=2 * SIZE, height=1, count=1, dtype="float32", crs=CRS,
                       transform=from_origin(X0, top, PIXEL / 2, PIXEL / 2), nodata=-9999.0) as dst:  # fmt: skip
        dst.write(line, 1)
        dst.set_band_description(1, "tmi")
    # the matrix's three deposits and two records of a national database without a place: a NULL geometry and an
    # empty point, written with OGR (geopandas writes no empty point)
    from osgeo import ogr, osr

    nowhere = os.path.join(folder, "deposits_unplaced.gpkg")
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(3067)
    dataset = ogr.GetDriverByName("GPKG").CreateDataSource(nowhere)
    layer = dataset.CreateLayer("deposits_unplaced", srs, ogr.wkbPoint)
    layer.CreateField(ogr.FieldDefn("name", ogr.OFTString))
    places = [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)]
    for name, wkt in [
        *((n, f"POINT ({x} {y})") for n, (x, y) in zip("abc", places)),
        ("d", None),
        ("e", "POINT EMPTY"),
    ]:
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("name", name)
        if wkt:
            feature.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        layer.CreateFeature(feature)
    dataset = layer = None
    # the element raster 100 km east, its bands named as the model's: evidence of another study area
    east = os.path.join(folder, "elements_100km_east.tif")
    profile = dict(driver="GTiff", width=SIZE, height=SIZE, count=2, dtype="float32", crs=CRS, nodata=-9999.0,
                   transform=from_origin(X0 + 100_000, Y0 + SIZE * PIXEL, PIXEL, PIXEL))  # fmt: skip
    with rasterio.open(east, "w", **profile) as dst:
        dst.write(np.asarray(bands, dtype=np.float32)[:2])
        dst.descriptions = ("Cu", "Pb")
    # Cu as an ESRI ASCII grid without its .prj (as a contractor's .asc arrives): a raster with no CRS
    ascii_grid = os.path.join(folder, "cu_grid.asc")
    with rasterio.open(ascii_grid, "w", driver="AAIGrid", width=SIZE, height=SIZE, count=1, dtype="float32",
                       nodata=-9999.0, transform=from_origin(X0, Y0 + SIZE * PIXEL, PIXEL, PIXEL)) as dst:  # fmt: skip
        dst.write(np.asarray(bands, dtype=np.float32)[0], 1)
    for side in (ascii_grid[:-4] + ".prj", ascii_grid + ".aux.xml"):
        if os.path.exists(side):
            os.remove(side)
    # the element raster's west half (20 of its 40 columns), its bands named as the model's
    west = os.path.join(folder, "elements_west_half.tif")
    profile.update(width=SIZE // 2, transform=from_origin(X0, Y0 + SIZE * PIXEL, PIXEL, PIXEL))
    with rasterio.open(west, "w", **profile) as dst:
        dst.write(np.asarray(bands, dtype=np.float32)[:2, :, : SIZE // 2])
        dst.descriptions = ("Cu", "Pb")
    # the whole grid, its east half nodata (a survey flown over half the area, written on the full grid)
    half_nodata = os.path.join(folder, "elements_east_nodata.tif")
    profile.update(width=SIZE)
    values = np.asarray(bands, dtype=np.float32)[:2].copy()
    values[:, :, SIZE // 2 :] = profile["nodata"]
    with rasterio.open(half_nodata, "w", **profile) as dst:
        dst.write(values)
        dst.descriptions = ("Cu", "Pb")
    return {
        "magnetics_line": path,
        "deposits_unplaced": nowhere,
        "raster_100km_east": east,
        "raster_asc": ascii_grid,
        "raster_elements_west": west,
        "raster_elements_east_nodata": half_nodata,
    }


def _sweep25b_inputs(folder: str, xy, cu, bands) -> Dict[str, str]:
    """Sweep 25b, real-world sample tables (a laboratory export, QA/QC rows, odd values) on the matrix's samples:
    ``samples_with_standards.gpkg`` (the 36 samples and 4 OREAS-501d standards at 5,000 ppm Cu on sample sites,
    named by 'SampleID'); ``samples_bdl.gpkg`` ('Cu_txt': 6 values 'bdl' beside '<5'; 'Cu_nolimit': 'bdl' and no
    limit); ``samples_eight.gpkg`` (the first 8 samples); ``samples_five.gpkg`` (Cu 100 amid four of 10-13); ``samples_degrees_in_metres.gpkg`` (the samples' positions
    as longitudes and latitudes, 24.6-24.9 E and 67.6-67.7 N, in a layer that says EPSG:32635, UTM metres);
    ``samples_nugget.gpkg`` (one Cu at 10^4 x the median); ``samples_zeros.gpkg`` (8 Cu values 0); and rasters:
    ``au_censored.tif`` (Au: 60 % of the cells 0.5, the substitute of '<1', 36 % between 0.5 and 1, 4 % 1-8 ppb)
    recorded by interpolate with the detection limit 1, ``au_two_limits.tif`` the same with limits 0.2 and 1 (two
    campaigns), and ``cu_flat.tif`` (5 ppm with 0.1 % noise); ``samples_older_limit.gpkg`` (Cu measured down to 2,
    every sixth sample '<60', an older laboratory's) and ``cu_older_limit.tif`` (its grid, limits 60, lowest 2)."""
    import rasterio

    rng = np.random.default_rng(25)
    names = [f"S{i:03d}" for i in range(len(xy))]
    standards = [tuple(xy[i]) for i in (3, 9, 15, 21)]
    paths = {
        "samples_with_standards": _points(
            os.path.join(folder, "samples_with_standards.gpkg"),
            [tuple(p) for p in xy] + standards,
            {"SampleID": names + ["OREAS-501d"] * 4, "Cu": list(cu) + [5000.0] * 4},
        )
    }
    bdl = [str(v) for v in cu]
    bdl[:6] = ["bdl"] * 6
    bdl[6:8] = ["<5", "<5"]
    nolimit = [str(v) for v in cu]
    nolimit[:6] = ["bdl"] * 6
    paths["samples_bdl"] = _points(
        os.path.join(folder, "samples_bdl.gpkg"), xy, {"Cu_txt": bdl, "Cu_nolimit": nolimit, "name": names}
    )
    paths["samples_eight"] = _points(os.path.join(folder, "samples_eight.gpkg"), xy[:8], {"Cu": list(cu[:8])})
    # five samples: a high one in the middle of four low ones 4 km away (no neighbour predicts another)
    five = [(X0 + 5000, Y0 + 5000)] + [(X0 + 5000 + dx, Y0 + 5000 + dy) for dx in (-4000, 4000) for dy in (-4000, 4000)]
    paths["samples_five"] = _points(
        os.path.join(folder, "samples_five.gpkg"), five, {"Cu": [100.0, 10.0, 12.0, 11.0, 13.0]}
    )
    degrees = np.column_stack([24.6 + (xy[:, 0] - X0) / 33_000, 67.6 + (xy[:, 1] - Y0) / 100_000])
    paths["samples_degrees_in_metres"] = _points_in(
        os.path.join(folder, "samples_degrees_in_metres.gpkg"), degrees, {"Cu": list(cu)}, "EPSG:32635"
    )
    nugget = cu.copy()
    nugget[0] = float(np.median(cu)) * 1e4
    paths["samples_nugget"] = _points(os.path.join(folder, "samples_nugget.gpkg"), xy, {"Cu": list(nugget)})
    zeros = [f"{v:.3f}" for v in cu]  # a text field, as laboratory tables come
    zeros[:8] = ["0"] * 8  # 'not analysed' written as 0 in a table that writes below detection as '<x'
    zeros[8:11] = ["<5"] * 3
    paths["samples_zeros"] = _points(os.path.join(folder, "samples_zeros.gpkg"), xy, {"Cu": zeros})
    below = cu.copy()
    below[:8] = 0.0  # 0 as the table's only way to write below detection (the Lapland till's Ni, Co and Zr)
    paths["samples_zeros_only"] = _points(os.path.join(folder, "samples_zeros_only.gpkg"), xy, {"Cu": list(below)})
    cells = SIZE * SIZE
    au = np.concatenate([np.full(960, 0.5), rng.uniform(0.5, 1.0, 576), rng.uniform(1.0, 8.0, cells)])[:cells]
    for key, limits in (("au_censored", "1"), ("au_two_limits", "0.2,1")):
        path = _raster(os.path.join(folder, f"{key}.tif"), rng.permutation(au).reshape(1, SIZE, SIZE), ["Au"])
        with rasterio.open(path, "r+") as dst:
            dst.update_tags(1, detection_limits=limits)
        paths[key] = path
    flat = 5 * (1 + 0.001 * rng.standard_normal((1, SIZE, SIZE)))
    paths["cu_flat"] = _raster(os.path.join(folder, "cu_flat.tif"), flat, ["Cu"])
    # an older laboratory's '<60' among values measured down to 2 ppm: the samples and their grid, as interpolate
    # records it (limits 60, lowest measured value)
    measured = np.round(np.exp(rng.normal(np.log(10), 0.7, len(xy))), 1).clip(2, None)
    older = [f"{v:g}" for v in measured]
    older[::6] = ["<60"] * len(older[::6])
    paths["samples_older_limit"] = _points(
        os.path.join(folder, "samples_older_limit.gpkg"), xy, {"SampleID": names, "Cu": older}
    )
    grid = np.exp(rng.normal(np.log(10), 0.5, (1, SIZE, SIZE)))
    path = _raster(os.path.join(folder, "cu_older_limit.tif"), grid, ["Cu"])
    with rasterio.open(path, "r+") as dst:
        dst.update_tags(1, detection_limits="60", lowest_measured="2")
    paths["cu_older_limit"] = path
    return paths


def _sweep27c_inputs(folder: str, xy, cu, pb, bands) -> Dict[str, str]:
    """Sweep 27c, loose ends a user meets: ``samples_not_analysed.gpkg``, the matrix samples with text fields as a
    laboratory table writes them: 'Cu' with 4 'n.d.', 2 'ND', 1 'n.a.' and 1 '-' (no result), 'Pb' with 2 'N/A',
    and 'SampleID'; ``labels_commodity_lists.gpkg``, three deposits whose 'cls' lists their commodities in other
    orders and spellings ('Au, Cu', 'Cu,Au', 'cu / au') and four 'barren' points; ``magnetics_picture_rgba.tif``, the
    matrix's picture of a map with an alpha band (red, green, blue, alpha bytes, as a map exported with transparency);
    ``survey_bundle.zip``, the matrix's samples and deposits as shapefiles and its element raster in one zip, named
    by their GDAL paths ``samples_vsizip``, ``deposits_vsizip``, ``raster_vsizip`` ('/vsizip/<zip>/samples.shp');
    ``elements_5km.tif`` and ``labels_5km.tif``, a national survey's grid of 16 x 16 cells of 5 km."""
    import rasterio
    from rasterio.transform import from_origin as origin

    cu_text = [f"{v:g}" for v in cu]
    cu_text[:8] = ["n.d."] * 4 + ["ND"] * 2 + ["n.a.", "-"]
    pb_text = [f"{v:g}" for v in pb]
    pb_text[10:12] = ["N/A", "N/A"]
    names = [f"S{i:03d}" for i in range(len(xy))]
    deposits = [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)]
    barren = [(X0 + 9000, Y0 + 9000), (X0 + 1000, Y0 + 9000), (X0 + 9000, Y0 + 500), (X0 + 500, Y0 + 5000)]
    paths = {
        "samples_not_analysed": _points(
            os.path.join(folder, "samples_not_analysed.gpkg"), xy, {"SampleID": names, "Cu": cu_text, "Pb": pb_text}
        ),
        "labels_commodity_lists": _points(
            os.path.join(folder, "labels_commodity_lists.gpkg"),
            deposits + barren,
            {"cls": ["Au, Cu", "Cu,Au", "cu / au", "barren", "barren", "barren", "barren"]},
        ),
        "raster_rgba": os.path.join(folder, "magnetics_picture_rgba.tif"),
    }
    # the matrix's samples, deposits and element raster in one zip, as a survey is downloaded: the shapefiles written
    # into a folder that is removed once they are zipped (every row's input folder holds the zip alone)
    import shutil
    import zipfile

    import geopandas as gpd

    unzipped = os.path.join(folder, "survey_bundle")
    os.makedirs(unzipped)
    for key in ("samples", "deposits"):
        gpd.read_file(os.path.join(folder, f"{key}.gpkg")).to_file(os.path.join(unzipped, f"{key}.shp"))
    paths["survey_zip"] = os.path.join(folder, "survey_bundle.zip")
    with zipfile.ZipFile(paths["survey_zip"], "w") as archive:
        archive.write(os.path.join(folder, "elements.tif"), "elements.tif")
        for name in sorted(os.listdir(unzipped)):
            archive.write(os.path.join(unzipped, name), name)
    shutil.rmtree(unzipped)
    for key, member in (("samples", "samples.shp"), ("deposits", "deposits.shp"), ("raster", "elements.tif")):
        paths[f"{key}_vsizip"] = f"/vsizip/{paths['survey_zip']}/{member}"
    # a national survey's grid: 16 x 16 cells of 5 km (80 km a side), Cu and Pb, and labels on every second cell
    rng = np.random.default_rng(27)
    coarse = np.exp(rng.normal(3, 0.6, (2, 16, 16))).astype(np.float32)
    profile = dict(driver="GTiff", width=16, height=16, dtype="float32", crs=CRS, nodata=-9999.0,
                   transform=origin(X0, Y0 + 16 * 5000, 5000, 5000))  # fmt: skip
    paths["raster_5km"] = os.path.join(folder, "elements_5km.tif")
    with rasterio.open(paths["raster_5km"], "w", count=2, **profile) as dst:
        dst.write(coarse)
        dst.descriptions = ("Cu", "Pb")
    label_5km = np.full((1, 16, 16), -1.0, dtype=np.float32)
    label_5km[0, ::2, ::2] = (coarse[0, ::2, ::2] > np.median(coarse[0])).astype(np.float32)
    paths["label_raster_5km"] = os.path.join(folder, "labels_5km.tif")
    with rasterio.open(paths["label_raster_5km"], "w", count=1, **{**profile, "nodata": -1.0}) as dst:
        dst.write(label_5km)
    picture = (np.asarray(bands[0], dtype=np.float64) / np.nanmax(bands[0]) * 255).astype(np.uint8)
    with rasterio.open(paths["raster_rgba"], "w", driver="GTiff", width=SIZE, height=SIZE, count=4, dtype="uint8",
                       crs=CRS, transform=origin(X0, Y0 + SIZE * PIXEL, PIXEL, PIXEL), photometric="RGB",
                       alpha="YES") as dst:  # fmt: skip
        dst.write(np.stack([picture, 255 - picture, picture // 2, np.full_like(picture, 255)]))
    return paths


def _sweep23a_inputs(folder: str) -> Dict[str, str]:
    """Sweep 23a: ``river_outline.gpkg``, one polygon whose 'unit' is 'river' (the river of RIVER_23A buffered by
    400 m): a polygon layer of one class, as a river or an intrusion is mapped."""
    import geopandas as gpd
    from shapely.geometry import LineString

    path = os.path.join(folder, "river_outline.gpkg")
    river = LineString(RIVER_23A).buffer(400.0)
    gpd.GeoDataFrame({"unit": ["river"]}, geometry=[river], crs=CRS).to_file(path, driver="GPKG", layer="river_outline")
    xy = _triangle_samples_23a()
    cu = 20 + xy[:, 0] / 1000 - X0 / 1000
    triangle = _points(os.path.join(folder, "samples_triangle.gpkg"), [tuple(p) for p in xy], {"Cu": list(cu)})
    return {"river_outline": path, "samples_triangle": triangle}


def _triangle_samples_23a() -> np.ndarray:
    """Sweep 23a: 40 samples over the south-west half of the matrix's 10 km square (x + y under 10 km from its
    corner), as a survey that covers part of its bounding box (the Jura's, the Meuse floodplain's)."""
    rng = np.random.default_rng(23)
    xy = rng.uniform(0, 10_000, (200, 2))
    return xy[xy.sum(axis=1) < 10_000][:40] + (X0, Y0)


def _sweep22a_inputs(folder: str, xy, cu, bands, pb) -> Dict[str, str]:
    """Sweep 22a, a survey in a local grid in kilometres (the Jura data: 0.6-5.7 km, no EPSG code): the matrix's
    samples with their coordinates in km from the grid's corner (0.5-9.5), ``samples_km_in_metre_crs.gpkg`` given
    the matrix's CRS in metres (every distance read 1,000 times too small) and ``samples_km_no_crs.gpkg`` with none
    (srs_id 0). And an anomaly where no sample is (the Meuse floodplain's third-ranked area, across the river from
    the survey): ``elements_hot_west.tif``, the matrix raster with its highest values in a block of 6 x 6 cells in
    the west half (1.25-2.75 km from the west edge), and ``samples_east.gpkg``, the matrix's samples east of the
    middle (over 2 km from that block). ``elements_smooth.tif``: Cu and Pb log-uniform trends across the grid."""
    from osgeo import ogr

    hot = np.array(bands, dtype=np.float64)
    hot[:, 17:23, 5:11] = hot.max(axis=(1, 2))[:, None, None] * 3.0
    east = np.asarray(xy)[:, 0] > X0 + 5000
    # and a smooth trend, log-uniform (no outlier): Tukey's fences (log10 Q3 + 1.5 IQR) lie above every cell
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] / (SIZE - 1)
    smooth = np.stack([10 ** (1 + xx), 10 ** (0.5 + yy)])

    km = (np.asarray(xy, dtype=np.float64) - (X0, Y0)) / 1000.0
    rows = [(f"POINT ({x} {y})", {"Cu": float(v)}) for (x, y), v in zip(km, cu)]
    return {
        "samples_km_in_metre_crs": _points(
            os.path.join(folder, "samples_km_in_metre_crs.gpkg"), [tuple(p) for p in km], {"Cu": list(cu)}
        ),
        "samples_km_no_crs": _ogr_layer(
            os.path.join(folder, "samples_km_no_crs.gpkg"), ogr.wkbPoint, {"Cu": ogr.OFTReal}, rows, crs=None
        ),
        "elements_hot_west": _raster(os.path.join(folder, "elements_hot_west.tif"), hot, ["Cu", "Pb"]),
        "elements_smooth": _raster(os.path.join(folder, "elements_smooth.tif"), smooth, ["Cu", "Pb"]),
        "samples_east": _points(
            os.path.join(folder, "samples_east.gpkg"),
            [tuple(p) for p in np.asarray(xy)[east]],
            {"Cu": list(np.asarray(cu)[east]), "Pb": list(np.asarray(pb)[east])},
        ),
    }


def _sweep21a_inputs(folder: str, bands) -> Dict[str, str]:
    """Sweep 21a, a regional survey's few test points (the Kola data: two points in one smelter area, a 5 km grid):
    ``deposits_two_below_median.gpkg``, two deposits on the cells at the 27th and 29th percentile of the matrix's Cu
    band, both below its median but not far (two random cells average that low about one time in six);
    ``deposits_neighbours.gpkg``, the three deposits of the matrix with a fourth on the cell east of the first, so
    that the two lie on neighbouring cells."""
    order = np.argsort(np.asarray(bands[0], dtype=np.float64), axis=None)
    rows, cols = np.unravel_index(order[[int(0.27 * order.size), int(0.29 * order.size)]], bands[0].shape)
    two = [(X0 + (c + 0.5) * PIXEL, Y0 + (SIZE - r - 0.5) * PIXEL) for r, c in zip(rows, cols)]
    first = (X0 + 2000 + PIXEL / 2, Y0 + 2000 + PIXEL / 2)  # the centre of the first deposit's cell
    neighbours = [first, (first[0] + PIXEL, first[1]), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)]
    return {
        "deposits_two_below_median": _points(
            os.path.join(folder, "deposits_two_below_median.gpkg"), two, {"name": ["p27", "p29"]}
        ),
        "deposits_neighbours": _points(
            os.path.join(folder, "deposits_neighbours.gpkg"), neighbours, {"name": ["a", "a-east", "b", "c"]}
        ),
    }


def _sweep21b_inputs(folder: str) -> Dict[str, str]:
    """Sweep 21b: ``sweep21b/oneband_21b.tif``, a one-band float raster with no statistics anywhere (no
    ``.aux.xml``), alone in its folder, given where the workflow model takes vector layers: computing its statistics
    would write ``oneband_21b.tif.aux.xml`` beside it."""
    sub = os.path.join(folder, "sweep21b")
    os.makedirs(sub, exist_ok=True)
    values = np.linspace(1.0, 50.0, SIZE * SIZE, dtype=np.float32).reshape(1, SIZE, SIZE)
    return {"oneband_21b": _raster(os.path.join(sub, "oneband_21b.tif"), values, ["Cu"])}


#: the centres of the matrix raster's two hills (columns 8 and 20, rows 31 and 15): map coordinates
HILLS_22B = ((X0 + 8.5 * PIXEL, Y0 + (SIZE - 31.5) * PIXEL), (X0 + 20.5 * PIXEL, Y0 + (SIZE - 15.5) * PIXEL))


def _sweep22b_inputs(folder: str, bands) -> Dict[str, str]:
    """Sweep 22b: ``faults_one_crossing.gpkg``, two faults crossing once; ``fault_single.gpkg``, one fault;
    ``samples_one_per_hill.gpkg``, one sample on the first hill of the matrix raster, three on the second and two
    away from both (Cu and Pb fields); ``plateau.tif``, the matrix raster with a 20 x 15-cell block of Cu (19 % of
    the cells) set to one value, its 75th percentile (a fill or an interpolation plateau above the median): C-A over
    the curve with the plateau put the weak level 0.3 % under it (53.26 under 53.44)."""
    import geopandas as gpd
    from shapely.geometry import LineString

    paths: Dict[str, str] = {}
    cross = [
        LineString([(X0 + 1000, Y0 + 1000), (X0 + 9000, Y0 + 7000)]),
        LineString([(X0 + 1000, Y0 + 8000), (X0 + 8000, Y0 + 2000)]),
    ]
    for key, geoms in (("faults_one_crossing", cross), ("fault_single", cross[:1])):
        paths[key] = os.path.join(folder, f"{key}.gpkg")
        gpd.GeoDataFrame({"id": list(range(len(geoms)))}, geometry=geoms, crs=CRS).to_file(paths[key], driver="GPKG")
    (ax, ay), (bx, by) = HILLS_22B
    xy = [(ax, ay), (bx, by), (bx + PIXEL, by), (bx, by - PIXEL), (X0 + 9000, Y0 + 9000), (X0 + 9500, Y0 + 500)]
    paths["samples_one_per_hill"] = _points(
        os.path.join(folder, "samples_one_per_hill.gpkg"),
        xy,
        {"Cu": [200.0, 210.0, 190.0, 180.0, 20.0, 22.0], "Pb": [40.0, 42.0, 38.0, 36.0, 5.0, 6.0]},
    )
    plateau = np.array(bands, dtype=float)
    plateau[0, 5:25, 20:35] = np.percentile(plateau[0], 75)
    paths["plateau"] = _raster(os.path.join(folder, "plateau.tif"), plateau, ["Cu", "Pb"])
    return paths


def _sweep20a_inputs(folder: str) -> Dict[str, str]:
    """Sweep 20a: ``national_study_area.gpkg``, a 10 km square study area (EPSG:3067) in the south-west corner of
    ``national.tif``: about 4,500 of its 30 M cells of 150 m."""
    import geopandas as gpd
    from shapely.geometry import box

    path = os.path.join(folder, "national_study_area.gpkg")
    area = gpd.GeoDataFrame({"id": [1]}, geometry=[box(X0 + 1000, Y0 + 1000, X0 + 11_000, Y0 + 11_000)], crs=CRS)
    area.to_file(path, driver="GPKG")
    return {"national_study_area": path}


def _sweep18c_inputs(folder: str) -> Dict[str, str]:
    """Sweep 18c (national grids): ``national.tif``, 6,000 x 5,000 cells (30 M, Finland at 150 m) of one band in a
    few kilobytes (sparse tiles, as ``huge.tif``): PU bagging's estimate (64 bytes a cell, 1.8 GiB) fits a laptop,
    label spreading's with 100 neighbours (3.3 KB a cell, about 94 GiB) fits none."""
    return {"national": _huge_raster(os.path.join(folder, "national.tif"), 6000, 5000, 150.0)}


def _sweep17c_inputs(folder: str) -> Dict[str, str]:
    """Sweep 17c (parameters in combination, as mistyped): a text file given where a raster goes."""
    path = os.path.join(folder, "notes.txt")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("magnetics: ask the contractor for the levelled grid\n")
    return {"notes_txt": path}


def _sweep18a_copies_alternating() -> List[List[tuple]]:
    """Sweep 18a: the first matrix fault cut into 20 pieces of 619 m and its copy redrawn up to 15 m off it
    (`_SWEEP16A_REDRAWN`) cut half a piece further on (21 pieces), in the order the pieces follow each other along
    the fault: the two copies alternate in the layer, as two GPS-traced or tile-clipped copies merged and sorted."""
    from shapely.geometry import LineString
    from shapely.ops import substring

    first, copy = LineString(_SWEEP15A_FAULTS[0]), LineString(_SWEEP16A_REDRAWN)
    at = [0.0, *(copy.length * (k + 0.5) / 20 for k in range(20)), copy.length]
    pieces = [substring(first, first.length * k / 20, first.length * (k + 1) / 20) for k in range(20)]
    pieces += [substring(copy, s, e) for s, e in zip(at[:-1], at[1:])]
    pieces.sort(key=lambda p: first.project(p.interpolate(0.5, normalized=True)))
    return [list(p.coords) for p in pieces]


def _sweep18a_inputs(folder: str, model: str) -> Dict[str, str]:
    """Sweep 18a, what sweep 17 noted and left: ``faults_copies_alternating.gpkg``, the first matrix fault and its
    redrawn copy both in pieces that alternate in the layer (:func:`_sweep18a_copies_alternating`), then the matrix's
    two other faults; ``model_folder.pt``, an empty folder named like a model file; the tiny ``model`` renamed to
    ``model_renamed.zip`` (as a mail filter renames it) and compressed to ``model.pt.gz``."""
    import gzip
    import shutil

    import geopandas as gpd
    from shapely.geometry import LineString

    path = os.path.join(folder, "faults_copies_alternating.gpkg")
    lines = [*_sweep18a_copies_alternating(), *_SWEEP15A_FAULTS[1:]]
    gpd.GeoDataFrame(
        {"source": ["merged tiles"] * (len(lines) - 2) + ["GTK 1:200k"] * 2},
        geometry=[LineString(c) for c in lines],
        crs=CRS,
    ).to_file(path, driver="GPKG", layer="faults_copies_alternating")
    model_folder = os.path.join(folder, "model_folder.pt")  # a folder named like a model file
    os.makedirs(model_folder, exist_ok=True)
    renamed, packed = os.path.join(folder, "model_renamed.zip"), os.path.join(folder, "model.pt.gz")
    shutil.copyfile(model, renamed)
    with open(model, "rb") as source, gzip.open(packed, "wb") as target:
        shutil.copyfileobj(source, target)
    return {
        "faults_copies_alternating": path,
        "model_folder": model_folder,
        "model_renamed_zip": renamed,
        "model_gzip": packed,
    }


def _sweep16a_inputs(folder: str, bands) -> Dict[str, str]:
    """Sweep 16a, what sweep 15 noted and left: ``faults_digitised_twice.gpkg``, the matrix's three faults, the
    first redrawn by another compilation with other vertices up to 15 m off it (a tenth of a cell is 25 m; the copy
    crosses the original twice), and a distinct fault parallel to the first 300 m away (more than a cell);
    ``samples_traverse_east_west.gpkg`` and ``samples_traverse_north_south.gpkg``, 121 samples every 250 m on one
    exactly east-west (north-south) line of 30 km, a traverse along a road; ``elements_with_units.tif``, the
    matrix's Cu and Pb bands with their units recorded (ppm and ppb), as interpolate writes them."""
    import geopandas as gpd
    from shapely.geometry import LineString

    path = os.path.join(folder, "faults_digitised_twice.gpkg")
    lines = [*_SWEEP15A_FAULTS, _SWEEP16A_REDRAWN, _SWEEP16A_PARALLEL]
    gpd.GeoDataFrame(
        {"source": ["GTK 1:200k", "GTK 1:200k", "GTK 1:200k", "company 2019", "GTK 1:200k"]},
        geometry=[LineString(c) for c in lines],
        crs=CRS,
    ).to_file(path, driver="GPKG", layer="faults_digitised_twice")
    # a traverse along a road: 121 samples every 250 m on one exactly east-west line, and the same north-south
    along = np.arange(121) * 250.0
    wave = {"Cu": (50 + 10 * np.sin(along / 1500.0)).round(2).tolist()}
    import rasterio

    with_units = _raster(os.path.join(folder, "elements_with_units.tif"), bands, ["Cu", "Pb"])
    with rasterio.open(with_units, "r+") as dst:
        dst.units = ("ppm", "ppb")
    return {
        "elements_with_units": with_units,
        "faults_digitised_twice": path,
        "samples_traverse_east_west": _points(
            os.path.join(folder, "samples_traverse_east_west.gpkg"),
            np.column_stack([X0 + along, np.full(121, Y0 + 5000)]),
            wave,
        ),
        "samples_traverse_north_south": _points(
            os.path.join(folder, "samples_traverse_north_south.gpkg"),
            np.column_stack([np.full(121, X0 + 5000), Y0 + along]),
            wave,
        ),
    }


def _sweep14b_inputs(folder: str, xy, base) -> Dict[str, str]:
    """Sweep 14b, outputs as a GIS user uses them afterwards: ``samples_numbered.gpkg``, the matrix's samples as a
    laboratory table holds them (Cu of the five highest ten times higher, so that they are listed), each with its
    sample number (``sample_no``, 'TILL-0001'), a laboratory number (``lab_no``, integer, NULL for the sample of the
    highest Cu), the date it was taken (``taken``), the sampler's note in a field ``Level`` (named like a column
    of the high-value samples' table, case aside) and the place as WKT text in a field ``geom`` (a database
    export's, named like a GeoPackage's usual geometry column; this layer's is ``shape``); ``cu_speckled.tif``, Cu log-normal in every cell on its own (no
    spatial structure), whose anomalous cells touch at corners as often as along edges."""
    from osgeo import ogr

    cu = np.asarray(base["Cu"], dtype=float)
    top = np.argsort(cu)[-5:]
    cu[top] *= 10  # five samples far above the raster's levels: listed, whatever its thresholds
    fields = {
        "sample_no": ogr.OFTString,
        "lab_no": ogr.OFTInteger,
        "taken": ogr.OFTDate,
        "Level": ogr.OFTString,
        "geom": ogr.OFTString,
        "Cu": ogr.OFTReal,
        "Pb": ogr.OFTReal,
    }
    rows = [
        (
            f"POINT ({x} {y})",
            {
                "sample_no": f"TILL-{i + 1:04d}",
                "lab_no": None if i == int(np.argmax(base["Cu"])) else 26000 + i,
                "taken": f"2025-07-{1 + i % 28:02d}",
                "Level": "B horizon" if i % 2 else "C horizon",
                "geom": f"POINT ({x:.1f} {y:.1f})",
                "Cu": float(cu[i]),
                "Pb": base["Pb"][i],
            },
        )
        for i, (x, y) in enumerate(xy)
    ]
    # Cu without spatial structure (each cell drawn on its own, as a nearest-sample grid of a sparse survey looks):
    # its anomalous cells join one another at corners as often as along edges
    speckled = np.exp(np.random.default_rng(14).normal(3, 0.8, (1, SIZE, SIZE)))
    return {
        "samples_numbered": _ogr_layer(
            os.path.join(folder, "samples_numbered.gpkg"), ogr.wkbPoint, fields, rows, options=["GEOMETRY_NAME=shape"]
        ),
        "cu_speckled": _raster(os.path.join(folder, "cu_speckled.tif"), speckled, ["Cu"]),
    }


def _sweep13b_inputs(folder: str, xy, base, bands) -> Dict[str, str]:
    """Sweep 13b, statistics as real surveys produce them, from the matrix's Cu band: ``cu_three_values.tif``, Cu
    as three values (1 below its median, 2 to its 80th percentile, 3 above: 20 % of the cells), as a band of a few
    distinct values (a class raster, values rounded to the detection limit's step) comes; ``cu_below_detection_70.tif``,
    Cu and Pb with Cu's lowest 70 % of the cells set to 2.5, a detection-limit substitute, as a grid of values
    below detection comes; ``cu_three_units.tif``, Cu in ppm, in % and in ppb (three proportional bands);
    ``samples_au_four.gpkg``, the matrix's samples with Au analysed in four of them, spread over the area (NULL in
    the others), as a few check analyses come; ``samples_traverse.gpkg``, 25 samples every 375 m on one line across
    the area (a traverse), Cu a smooth wave of 40-60 ppm."""
    cu = np.asarray(bands[0], dtype=np.float64)
    median, p80 = np.percentile(cu, [50, 80])
    three = np.where(cu < median, 1.0, np.where(cu < p80, 2.0, 3.0))
    # below a detection limit at the 70th percentile, every such cell given the substitute 2.5 (half a limit of 5)
    censored = np.where(cu <= np.percentile(cu, 70), 2.5, cu)
    line = np.linspace(X0 + 500, X0 + 9500, 25)  # one traverse east-west, a sample every 375 m
    traverse = {"Cu": (50 + 10 * np.sin((line - X0) / 1500.0)).round(2).tolist()}
    au = [None] * len(xy)
    for i in (0, 7, 20, 33):
        au[i] = base["Cu"][i]
    return {
        "samples_traverse": _points(
            os.path.join(folder, "samples_traverse.gpkg"), np.column_stack([line, np.full(25, Y0 + 5000)]), traverse
        ),
        "samples_au_four": _points(os.path.join(folder, "samples_au_four.gpkg"), xy, {**base, "Au": au}),
        "cu_three_values": _raster(os.path.join(folder, "cu_three_values.tif"), three[None], ["Cu"]),
        "cu_below_detection_70": _raster(
            os.path.join(folder, "cu_below_detection_70.tif"), np.stack([censored, bands[1]]), ["Cu", "Pb"]
        ),
        # one element three times: in ppm, in % and in ppb, as a database export repeats a column in other units
        "cu_three_units": _raster(
            os.path.join(folder, "cu_three_units.tif"),
            np.stack([cu, cu / 1e4, cu * 1e3]),
            ["Cu_ppm", "Cu_pct", "Cu_ppb"],
        ),
    }


def _sweep12a_inputs(folder: str) -> Dict[str, str]:
    """Sweep 12a, the paths a QGIS power user takes: inputs for batches, iterations and the Python console."""
    import geopandas as gpd
    from shapely.geometry import box

    paths: Dict[str, str] = {}
    columns, rows = MASK_CELLS
    width, height = 8000.0 / columns, 8000.0 / rows
    cells = [
        box(X0 + 1000 + i * width, Y0 + 1000 + j * height, X0 + 1000 + (i + 1) * width, Y0 + 1000 + (j + 1) * height)
        for j in range(rows)
        for i in range(columns)
    ]
    frame = gpd.GeoDataFrame({"cell": list(range(1, len(cells) + 1))}, geometry=cells, crs=CRS)
    paths["mask_cells"] = os.path.join(folder, "mask_cells.gpkg")
    frame.to_file(paths["mask_cells"], driver="GPKG", layer="mask_cells")
    return paths


#: a band, deposit or map name as long as a description may be: 300 characters, spaces between the words
LONG_NAME = ("Kittilän malminetsintä " * 14)[:300]
#: a band name with Hebrew letters and a RIGHT-TO-LEFT OVERRIDE (U+202E), which reverses what follows it
RTL_NAME = "נחושת \u202eCu"


def _sweep13a_inputs(folder: str, bands, labels) -> Dict[str, str]:
    """Sweep 13a, files that come from elsewhere: a trainmodel file from a newer plugin (format version one above
    this one's), the matrix's bands as another program names them (upper case; no descriptions), and bands named
    with right-to-left text and with 300 characters."""
    import shutil
    import zipfile

    import torch

    paths: Dict[str, str] = {}
    raw = torch.load(os.path.join(folder, "model_forest.pt"), weights_only=True)
    raw["format_version"] += 1
    paths["model_forest_newer"] = os.path.join(folder, "model_forest_newer.pt")
    torch.save(raw, paths["model_forest_newer"])
    # the test model with one more entry, named to climb out of the archive's folder where it would be unpacked
    paths["model_entry_escapes"] = os.path.join(folder, "model_entry_escapes.pt")
    shutil.copyfile(os.path.join(folder, "model.pt"), paths["model_entry_escapes"])
    with zipfile.ZipFile(paths["model_entry_escapes"], "a") as archive:
        inside = archive.namelist()[0].split("/")[0]
        archive.writestr(f"{inside}/../../evil.txt", b"written by a crafted model file")
    # Cu by two methods, both described 'Cu' (the first three times the second, as a total digestion against
    # aqua regia), and Pb: which Cu a model trained on one means cannot be told
    cu_other = np.where(bands[0] == -9999, -9999, bands[0] * 3.0)
    paths["raster_cu_twice"] = _raster(
        os.path.join(folder, "elements_cu_twice.tif"), np.stack([cu_other, bands[0], bands[1]]), ["Cu", "Cu", "Pb"]
    )
    # a label confidence in percent (87.5 on every labelled cell of the label raster), as another program writes one
    paths["confidence_percent"] = _raster(
        os.path.join(folder, "confidence_percent.tif"), np.where(labels >= 0, 87.5, -1.0), ["confidence %"], -1.0
    )
    paths["raster_upper_case"] = _raster(os.path.join(folder, "elements_upper_case.tif"), bands[::-1], ["PB", "CU"])
    paths["raster_no_descriptions"] = _raster(os.path.join(folder, "elements_no_descriptions.tif"), bands, [])
    # a logistic regression trained on the bands without descriptions (the model knows them as 'band 1', 'band 2'),
    # and another raster without descriptions holding the same bands the other way round (Pb first)
    from geochem_prospector.core.classic.learner import ClassicLearner

    unnamed = ["elements_no_descriptions:band 1", "elements_no_descriptions:band 2"]
    learner = ClassicLearner("logistic").fit(bands, np.where(labels[0] < 0, np.nan, labels[0]), unnamed)
    paths["model_unnamed_bands"] = learner.save(os.path.join(folder, "model_unnamed_bands.pt"))
    paths["raster_swapped_no_descriptions"] = _raster(
        os.path.join(folder, "elements_swapped_no_descriptions.tif"), bands[::-1], []
    )
    paths["raster_rtl_names"] = _raster(os.path.join(folder, "elements_rtl_names.tif"), bands, [RTL_NAME, "Pb"])
    paths["raster_long_name"] = _raster(os.path.join(folder, "cu_long_name.tif"), bands[:1], [LONG_NAME])
    return paths


def every_iteration_loaded_styled(iterated: str) -> Callable[[Dict[str, object]], None]:
    """Run the row's parameters as the dialog's "Iterate over this layer" (the green loop beside ``iterated``) does:
    QGIS's own executeIterating, one run per feature of ``iterated`` on a one-feature memory layer, each output to
    be opened, then its handleAlgorithmResults, which loads every run's layers at the end; each must have been
    styled, named and placed by the plugin (its run recorded on the layer), not left as QGIS's grey default."""

    def check(params: Dict[str, object]) -> None:
        from processing.gui.AlgorithmExecutor import executeIterating
        from processing.gui.Postprocessing import handleAlgorithmResults
        from qgis.core import (
            QgsApplication,
            QgsProcessingContext,
            QgsProcessingFeedback,
            QgsProcessingOutputLayerDefinition,
            QgsProject,
        )

        from geochem_prospector.algorithms.layers import RUN_PROPERTY

        project = QgsProject.instance()
        before = set(project.mapLayers())
        alg = QgsApplication.processingRegistry().createAlgorithmById("prospector:interpolate")
        folder = os.path.join(os.path.dirname(str(params["OUTPUT"])), "iterations")
        os.makedirs(folder, exist_ok=True)
        context = QgsProcessingContext()
        context.setProject(project)
        feedback = QgsProcessingFeedback()
        parameters = {
            **{k: v for k, v in params.items() if not k.startswith("OUTPUT")},
            "OUTPUT": QgsProcessingOutputLayerDefinition(os.path.join(folder, "grid.tif"), project),
        }
        try:
            assert executeIterating(alg, parameters, iterated, context, feedback)
            handleAlgorithmResults(alg, context, feedback, False)
            loaded = [project.mapLayer(i) for i in set(project.mapLayers()) - before]
            columns, rows = MASK_CELLS
            assert len(loaded) == columns * rows, len(loaded)
            plain = sorted(layer.source() for layer in loaded if not layer.customProperty(RUN_PROPERTY))
            assert not plain, f"{len(plain)} of {len(loaded)} layers loaded without the plugin's style: {plain[:3]}"
        finally:
            project.removeMapLayers(list(set(project.mapLayers()) - before))

    return check


def refused_in_a_model(alg: str, name: str, value: object, error: str) -> Callable[[Dict[str, object]], None]:
    """Run the row's parameters as a step of a graphical model, ``name`` wired to a model input (text, as the
    modeler offers a text input for an option or a number) given ``value``, the step's outputs as the model's: the
    model must be refused with ``error`` (a regex) and write no output. QGIS checks a model's own inputs, not the
    values it hands its steps, so the step must check them itself."""

    def check(params: Dict[str, object]) -> None:
        import re

        import processing
        from qgis.core import (
            QgsProcessingContext,
            QgsProcessingException,
            QgsProcessingFeedback,
            QgsProcessingModelAlgorithm,
            QgsProcessingModelChildAlgorithm,
            QgsProcessingModelOutput,
            QgsProcessingModelParameter,
            QgsProcessingParameterString,
        )
        from qgis.core import QgsProcessingModelChildParameterSource as Source

        model = QgsProcessingModelAlgorithm("one_step", "tests")
        model.addModelParameter(
            QgsProcessingParameterString("value_in", "value"), QgsProcessingModelParameter("value_in")
        )
        child = QgsProcessingModelChildAlgorithm(f"prospector:{alg}")
        child.setChildId(alg)
        folder = os.path.join(os.path.dirname(str(params["OUTPUT"])), "model")
        os.makedirs(folder, exist_ok=True)
        outputs, inputs = {}, {"value_in": str(value)}
        for key, given in params.items():
            if key.startswith("OUTPUT"):
                output = QgsProcessingModelOutput(key.lower())
                output.setChildOutputName(key)
                output.setChildId(alg)
                outputs[key.lower()] = output
                inputs[f"{alg}:{key.lower()}"] = os.path.join(folder, os.path.basename(str(given)))
            elif key != name:
                child.addParameterSources(key, [Source.fromStaticValue(given)])
        child.addParameterSources(name, [Source.fromModelParameter("value_in")])
        child.setModelOutputs(outputs)
        model.addChildAlgorithm(child)

        class Errors(QgsProcessingFeedback):  # the step's message reaches the log; the model says "Error encountered…"
            said: List[str] = []

            def reportError(self, text, fatalError=False):  # noqa: N802, N803 (QGIS API names)
                self.said.append(text)
                super().reportError(text, fatalError)

        feedback = Errors()
        try:
            processing.run(model, inputs, context=QgsProcessingContext(), feedback=feedback)
        except QgsProcessingException:
            assert any(re.search(error, text, re.MULTILINE) for text in feedback.said), feedback.said
        else:
            raise AssertionError(f"the model ran with {name}={value!r}")
        assert not os.listdir(folder), os.listdir(folder)

    return check


def refused_in_a_batch_row(alg: str, error: str, **changes) -> Callable[[Dict[str, object]], None]:
    """Run the row's parameters, ``changes`` made (a file name: that file of the matrix's inputs), as the
    batch dialog runs a row: ``alg.run()`` on a fresh context, which leaves out the checks processing.run and
    qgis_process make first (the dialog checks each cell alone, and any text passes for a layer). The row must be
    refused with ``error`` (a regex, matched against the messages the run reported) and write no output."""

    def check(params: Dict[str, object]) -> None:
        import re

        from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingFeedback

        class Errors(QgsProcessingFeedback):
            said: List[str] = []

            def reportError(self, text, fatalError=False):  # noqa: N802, N803 (QGIS API names)
                self.said.append(text)
                super().reportError(text, fatalError)

        folder = os.path.join(os.path.dirname(str(params["OUTPUT"])), "batch_row")
        os.makedirs(folder, exist_ok=True)
        inputs = os.path.dirname(str(params.get("INPUT") or params.get("INPUT_RASTER") or ""))
        given = {k: os.path.join(inputs, v) if isinstance(v, str) else v for k, v in changes.items()}
        row = {
            k: os.path.join(folder, os.path.basename(str(v))) if k.startswith("OUTPUT") else v
            for k, v in params.items()
        }
        feedback = Errors()
        alg_instance = QgsApplication.processingRegistry().createAlgorithmById(f"prospector:{alg}")
        context = QgsProcessingContext()
        try:
            _, ok = alg_instance.run({**row, **given}, context, feedback)
        finally:
            context.temporaryLayerStore().removeAllMapLayers()
        assert not ok, f"the batch row ran with {changes}"
        assert any(re.search(error, text, re.MULTILINE) for text in feedback.said), feedback.said
        assert not os.listdir(folder), os.listdir(folder)

    return check


def same_named_in_the_project(
    alg: str, name: str, files: List[str], warning: str
) -> Callable[[Dict[str, object]], None]:
    """Run the row's parameters with ``name`` given as a layer name, as the Python console gives it, in a project
    holding copies of ``files`` (of the matrix's inputs, beside the row's input) as layers all named 'evidence'; the
    log must say which one QGIS read (``warning``, a regex)."""

    def check(params: Dict[str, object]) -> None:
        import re

        import processing
        from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject, QgsRasterLayer

        class Lines(QgsProcessingFeedback):
            said: List[str] = []

            def pushWarning(self, text):  # noqa: N802 (QGIS API name)
                self.said.append(text)
                super().pushWarning(text)

        import shutil

        project = QgsProject.instance()
        inputs = os.path.dirname(str(params["INPUT_RASTER"]))
        folder = os.path.join(os.path.dirname(str(params["OUTPUT_REPORT"])), "project")  # QGIS writes .aux.xml there
        os.makedirs(folder, exist_ok=True)
        layers = [QgsRasterLayer(shutil.copy(os.path.join(inputs, f), folder), "evidence") for f in files]
        project.addMapLayers(layers)
        context = QgsProcessingContext()
        context.setProject(project)
        feedback = Lines()
        try:
            processing.run(f"prospector:{alg}", {**params, name: "evidence"}, context=context, feedback=feedback)
        finally:
            project.removeMapLayers([layer.id() for layer in layers])
            context.temporaryLayerStore().removeAllMapLayers()
        assert any(re.search(warning, text) for text in feedback.said), feedback.said

    return check


def provenance_names_the_files(params: Dict[str, object]) -> None:
    """Run the row's parameters as the dialog gives them, its layers as the ids of project layers (INPUT with only
    its selected features, as the dialog's 'Selected features only' gives it): the output's provenance, read back
    with rasterio, names each layer's file (and the selection), not the ids of a session long closed."""
    import json

    import processing
    import rasterio
    from qgis.core import (
        QgsProcessingContext,
        QgsProcessingFeatureSourceDefinition,
        QgsProcessingFeedback,
        QgsProject,
        QgsVectorLayer,
    )

    project = QgsProject.instance()
    samples = QgsVectorLayer(str(params["INPUT"]), "samples", "ogr")
    mask = QgsVectorLayer(str(params["MASK"]), "study area", "ogr")
    project.addMapLayers([samples, mask])
    samples.selectByIds(list(range(1, 21)))
    context = QgsProcessingContext()
    context.setProject(project)
    output = os.path.join(os.path.dirname(str(params["OUTPUT"])), "from_the_dialog.tif")
    given = {
        **params,
        "INPUT": QgsProcessingFeatureSourceDefinition(samples.id(), True),
        "MASK": mask.id(),
        "OUTPUT": output,
    }
    try:
        processing.run("prospector:interpolate", given, context=context, feedback=QgsProcessingFeedback())
    finally:
        project.removeMapLayers([samples.id(), mask.id()])
        context.temporaryLayerStore().removeAllMapLayers()
    with rasterio.open(output) as src:
        recorded = json.loads(src.tags()["GEOCHEM_PROSPECTOR_PROVENANCE"])["parameters"]
    assert recorded["INPUT"] == f"{params['INPUT']} (selected features only)", recorded["INPUT"]
    assert recorded["MASK"] == params["MASK"], recorded["MASK"]


def _sweep10a_inputs(folder: str, bands) -> Dict[str, str]:
    """Files a row moves away while the run reads them (sweep 10a), each alone in its own folder: the matrix's
    element raster (bands Cu and Pb)."""
    own = os.path.join(folder, "moved_during_run")
    os.makedirs(own, exist_ok=True)
    replaced, newer = os.path.join(folder, "replaced_during_run"), os.path.join(folder, "replaced_during_run_new")
    os.makedirs(replaced, exist_ok=True)
    os.makedirs(newer, exist_ok=True)
    return {
        "raster_moved_during_run": _raster(os.path.join(own, "elements.tif"), bands, ["Cu", "Pb"]),
        "raster_replaced_during_run": _raster(os.path.join(replaced, "elements.tif"), bands, ["Cu", "Pb"]),
        # the same bands written again by another run meanwhile: Cu and Pb doubled
        "raster_replacement": _raster(os.path.join(newer, "elements.tif"), bands * 2, ["Cu", "Pb"]),
    }


def replaced_before(module: str, function: str, key: str, replacement: str):
    """A ``prepare`` (processing.run only: it wraps ``module.function`` in this process, predict's hand-over of the
    tiles to the Dask workers or traincnn's second pass over the windows): the file of input ``key`` is replaced by
    ``replacement`` (renamed over it, as a step writing the same output again does) once the run has checked (or
    read) it and before the next read; the file is put back after."""

    def prepare(d: Dict[str, str], params: Dict[str, object]):
        import importlib
        import shutil

        tasks = importlib.import_module(module)
        real = getattr(tasks, function)
        with open(d[key], "rb") as handle:
            original = handle.read()

        def replace_then_run(*args, **kwargs):
            shutil.copyfile(d[replacement], d[key] + ".new")
            os.replace(d[key] + ".new", d[key])
            return real(*args, **kwargs)

        setattr(tasks, function, replace_then_run)

        def undo() -> None:
            setattr(tasks, function, real)
            with open(d[key] + ".old", "wb") as handle:
                handle.write(original)
            os.replace(d[key] + ".old", d[key])

        return undo

    return prepare


def moved_after_the_model_is_read(key: str):
    """A ``prepare`` (processing.run only: it wraps predict's model loading in this process): the file of input
    ``key`` is renamed right after predict has read its model, after QGIS has checked and opened the layer and
    before the step reads the raster, as a user tidying the folder or a sync client does during a run; it is
    renamed back after the run."""

    def prepare(d: Dict[str, str], params: Dict[str, object]):
        import geochem_prospector.core.learning.classic_file as predict  # predict imports load_model from it per run

        real = predict.load_model

        def load_then_move(*args, **kwargs):
            model = real(*args, **kwargs)
            os.rename(d[key], d[key] + ".moved")
            return model

        predict.load_model = load_then_move

        def undo() -> None:
            predict.load_model = real
            if os.path.exists(d[key] + ".moved"):
                os.rename(d[key] + ".moved", d[key])

        return undo

    return prepare


#: the matrix's three deposits and four barren points (as in sweep 8a's label layers)
_DEPOSITS_10B = [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)]
_BARREN_10B = [(X0 + 9000, Y0 + 9000), (X0 + 1000, Y0 + 9000), (X0 + 9000, Y0 + 500), (X0 + 500, Y0 + 5000)]


#: how the French and Russian locales write 1250.5: the C library's narrow no-break space between thousands
#: (glibc's fr_FR and ru_RU), a decimal comma
def french_number(value: float) -> str:
    return f"{value:,.2f}".replace(",", "\u202f").replace(".", ",")


def _sweep10b_inputs(folder: str, xy, base) -> Dict[str, str]:
    """Tables as laboratories in other countries write them (sweep 10b): the matrix's 36 samples with `Cu_fr`, Cu x
    100 as text the way a French or Russian spreadsheet exports it (thousands grouped by narrow no-break spaces,
    decimal comma: '2\u202f008,50'); and with gold fields whose names state their unit in Russian and Chinese
    notation: 'Au, мг/т' (milligrams a tonne, ppb), 'Au(×10⁻⁹)' and 'Cu/10⁻⁶' (the mass fraction, as Chinese
    geochemical tables head their columns), 'Cu, г/т' (grams a tonne)."""
    from osgeo import ogr

    cu = np.asarray(base["Cu"], dtype=float)
    rings = [
        f"POLYGON (({X0 + a} {Y0}, {X0 + a + 2500} {Y0}, {X0 + a + 2500} {Y0 + 10000}, {X0 + a} {Y0 + 10000}, "
        f"{X0 + a} {Y0}))"
        for a in (0, 2500, 5000, 7500)
    ]
    return {
        # a Turkish geological map: granite typed 'granit' and, in capitals, 'GRANİT' (the dotted capital İ)
        "lithology_turkish": _ogr_layer(
            os.path.join(folder, "lithology_turkish.gpkg"),
            ogr.wkbPolygon,
            {"kaya": ogr.OFTString},
            [(ring, {"kaya": rock}) for ring, rock in zip(rings, ("granit", "GRANİT", "şist", "granit"))],
        ),
        # a flag field kept in Russian ('да' yes, 'нет' no) and one in Turkish ('evet', 'hayır', 'HAYIR' in capitals)
        **{
            f"labels_{language}": _ogr_layer(
                os.path.join(folder, f"labels_{language}.gpkg"),
                ogr.wkbPoint,
                {"cls": ogr.OFTString},
                [(f"POINT ({x} {y})", {"cls": v}) for (x, y), v in zip(_DEPOSITS_10B + _BARREN_10B, words)],
            )
            for language, words in (
                ("russian", ["да", "да", "Да", "нет", "нет", "НЕТ", "нет"]),
                ("turkish", ["evet", "Evet", "EVET", "hayır", "HAYIR", "hayır", "Hayır"]),
                # a 0 / 1 field exported as text where the comma is the decimal mark
                ("decimal_comma", ["1,0", "1,0", "1,0", "0,0", "0,0", "0,0", "0,0"]),
            )
        },
        "samples_french_numbers": _points(
            os.path.join(folder, "samples_french_numbers.gpkg"),
            xy,
            {**base, "Cu_fr": [french_number(v) for v in cu * 100]},
        ),
        "samples_units_ru_cn": _points(
            os.path.join(folder, "samples_units_ru_cn.gpkg"),
            xy,
            {
                **base,
                "Au, мг/т": (cu * 3).tolist(),
                "Au(×10⁻⁹)": (cu * 3).tolist(),
                "Cu/10⁻⁶": cu.tolist(),
                "Cu, г/т": cu.tolist(),
            },
        ),
    }


def _sweep11b_inputs(folder: str, bands) -> Dict[str, str]:
    """Geological maps and stacks as surveys publish them (sweep 11b), over the matrix's 10 km grid:
    `lithology_ids.gpkg`, twelve strips with `rock` (granite, gabbro, schist, four strips each) and `polygon_id`
    (101 to 112, one per polygon, as an OBJECTID); `lithology_sliver.gpkg`, granite west of 4,998 m and schist
    east of 5,000 m (a 2 m sliver between them, as digitised maps leave them); `lithology_apart.gpkg`, granite west
    of 4 km and schist east of 6 km (2 km of unmapped ground between them: 20 % of the grid); and
    `elements_plus_mag.tif`, the matrix's Cu and Pb bands and a third band 'mag' (Cu x 2), the element stack rebuilt
    with one more layer."""
    import geopandas as gpd
    import rasterio
    from shapely.geometry import box

    def lithology(name: str, geometries, columns) -> str:
        path = os.path.join(folder, f"{name}.gpkg")
        gpd.GeoDataFrame(columns, geometry=geometries, crs=CRS).to_file(path, driver="GPKG", layer=name)
        return path

    strips = [box(X0 + 10_000 * i / 12, Y0, X0 + 10_000 * (i + 1) / 12, Y0 + 10_000) for i in range(12)]
    paths = {
        "lithology_ids": lithology(
            "lithology_ids",
            strips,
            {"rock": [("granite", "gabbro", "schist")[i // 4] for i in range(12)], "polygon_id": list(range(101, 113))},
        ),
        "lithology_sliver": lithology(
            "lithology_sliver",
            [box(X0, Y0, X0 + 4_998, Y0 + 10_000), box(X0 + 5_000, Y0, X0 + 10_000, Y0 + 10_000)],
            {"rock": ["granite", "schist"]},
        ),
        "lithology_apart": lithology(
            "lithology_apart",
            [box(X0, Y0, X0 + 4_000, Y0 + 10_000), box(X0 + 6_000, Y0, X0 + 10_000, Y0 + 10_000)],
            {"rock": ["granite", "schist"]},
        ),
    }
    from shapely.geometry import LineString

    faults = [
        LineString([(X0 + 500, Y0 + 500), (X0 + 9500, Y0 + 9000)]),
        LineString([(X0 + 500, Y0 + 8000), (X0 + 9000, Y0 + 1500)]),
        LineString([(X0 + 5000, Y0 + 200), (X0 + 5200, Y0 + 9800)]),
    ]  # the matrix's faults, the first twice more (once drawn the other way), as merged map sheets leave them
    repeated = [*faults, faults[0], LineString(list(faults[0].coords)[::-1])]
    paths["faults_repeated"] = os.path.join(folder, "faults_repeated.gpkg")
    gpd.GeoDataFrame({"id": list(range(5))}, geometry=repeated, crs=CRS).to_file(
        paths["faults_repeated"], driver="GPKG", layer="faults_repeated"
    )
    paths["faults_typed"] = os.path.join(folder, "faults_typed.gpkg")
    gpd.GeoDataFrame(
        {"fault_type": ["thrust", "normal", "thrust"], "name": ["Kolari thrust", "Muonio fault", "Äkäs thrust"]},
        geometry=faults,
        crs=CRS,
    ).to_file(paths["faults_typed"], driver="GPKG", layer="faults_typed")
    for survey, band in (("survey_a", 0), ("survey_b", 1)):  # two surveys' grids, each delivered as 'mag.tif'
        os.makedirs(os.path.join(folder, survey), exist_ok=True)
        paths[f"mag_{survey}"] = _raster(os.path.join(folder, survey, "mag.tif"), bands[band : band + 1], ["tmi"])
    path = os.path.join(folder, "elements_plus_mag.tif")
    with rasterio.open(os.path.join(folder, "elements.tif")) as src:
        profile = {**src.profile, "count": 3}
        data = src.read()
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.concatenate([data, data[:1] * 2]))
        for i, name in enumerate(("Cu", "Pb", "mag"), start=1):
            dst.set_band_description(i, name)
    paths["raster_plus_mag"] = path
    return paths


def _sweep9b_inputs(folder: str, bands) -> Dict[str, str]:
    """Outputs of the plugin fed back in (sweep 9b), as predict and anomalies write them (provenance record and band
    names), from the matrix's Cu and Pb bands: predict's prospectivity classes (1 low, 2 moderate, 3 high by Cu's
    terciles) and uncertainty (Pb scaled to 0-0.5), and anomalies' classes raster (Cu, Pb and the index, 0
    background to 3 strong by quartiles)."""
    import json

    import rasterio
    from rasterio.transform import from_origin

    def tagged(name: str, values: np.ndarray, descriptions, algorithm: str, dtype: str, nodata: float) -> str:
        path = os.path.join(folder, name)
        profile = dict(driver="GTiff", width=SIZE, height=SIZE, count=len(values), dtype=dtype, crs=CRS)
        with rasterio.open(
            path, "w", transform=from_origin(X0, Y0 + SIZE * PIXEL, PIXEL, PIXEL), nodata=nodata, **profile
        ) as dst:
            dst.write(np.asarray(values).astype(dtype))
            for i, description in enumerate(descriptions, start=1):
                dst.set_band_description(i, description)
            dst.update_tags(GEOCHEM_PROSPECTOR_PROVENANCE=json.dumps({"algorithm": algorithm}))
        return path

    def levels(band: np.ndarray, edges) -> np.ndarray:
        return np.digitize(band, np.nanpercentile(band, edges))

    cu, pb = bands[0], bands[1]
    index = (cu / np.nanmax(cu) + pb / np.nanmax(pb)) / 2
    return {
        "classes_from_predict": tagged(
            "prospectivity_classes_made.tif",
            [1 + levels(cu, [33.3, 66.7])],
            ["prospectivity class"],
            "prospector:predict",
            "uint8",
            0,
        ),
        "uncertainty_from_predict": tagged(
            "uncertainty_made.tif",
            [0.5 * pb / np.nanmax(pb)],
            ["uncertainty"],
            "prospector:predict",
            "float32",
            -1,
        ),
        "anomaly_classes_made": tagged(
            "anomaly_classes_made.tif",
            [levels(b, [25, 50, 75]) for b in (cu, pb, index)],
            ["Cu", "Pb", "index"],
            "prospector:anomalies",
            "uint8",
            255,
        ),
    }


def _stop37_inputs(folder: str, bands) -> Dict[str, str]:
    """A geophysics grid as exported with cells of 99.93 x 100 m (the Lapland survey grids: 681 columns over
    68,050 m): the matrix's Cu band on such a grid."""
    import rasterio
    from rasterio.transform import from_origin

    path = os.path.join(folder, "mag_not_square.tif")
    profile = dict(driver="GTiff", width=SIZE, height=SIZE, count=1, dtype="float32", crs=CRS, nodata=-9999.0)
    with rasterio.open(
        path, "w", transform=from_origin(X0, Y0 + SIZE * 100, 99.926578560939788, 100), **profile
    ) as dst:
        dst.write(bands[0].astype(np.float32), 1)
    return {"raster_not_square": path}


def _stop38_inputs(folder: str) -> Dict[str, str]:
    """anomalies' OUTPUT_POINTS as it writes them (a GeoPackage layer 'high_value_samples' with its provenance
    record), at the matrix's deposit points; and a Cu raster over two rock types (two log-normal populations)."""
    import geopandas as gpd
    from shapely.geometry import Point

    from geochem_prospector.core.io.vectors import write_vector

    points = [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)]
    frame = gpd.GeoDataFrame({"Cu": [80.0, 95.0, 120.0]}, geometry=[Point(p) for p in points], crs=CRS)
    path = os.path.join(folder, "high_value_samples.gpkg")
    write_vector(path, frame, "high_value_samples", {"algorithm": "prospector:anomalies"}, "OUTPUT_POINTS")
    # Cu over two rock types: the western 60 % of the columns around 10 ppm, the eastern 40 % around 300 ppm
    rng = np.random.default_rng(38)
    east = np.arange(SIZE)[None, :] >= int(0.6 * SIZE)
    cu = 10 ** (np.where(east, 2.5, 1.0) + rng.normal(0, 0.15, (SIZE, SIZE)))
    two = _raster(os.path.join(folder, "cu_two_rock_types.tif"), cu[None], ["Cu"])
    return {"high_value_samples": path, "cu_two_rock_types": two}


#: a folder as users' computers have them: non-ASCII letters, an emoji, spaces and # % & , ; ' = ( ) [ ]
ODD_FOLDER = os.path.join("Työt", "Kittilä 2026 #1 (50% & co), [v2]; 'x'=y", "Кола 🪨")


def _sweep9a_inputs(folder: str, bands) -> Dict[str, str]:
    """A VRT whose source file is missing (moved, or not copied with it), and a tiled, compressed GeoTIFF of the
    matrix's bands whose last tile is damaged (the first tiles read, the last one does not)."""
    from osgeo import gdal

    paths: Dict[str, str] = {}
    paths["vrt_missing_source"] = os.path.join(folder, "stack_missing_source.vrt")
    with open(paths["vrt_missing_source"], "w", encoding="utf-8") as handle:
        handle.write(_vrt_xml("never_copied.tif", 2))
    damaged = _raster(os.path.join(folder, "damaged_tile.tif"), bands, ["Cu", "Pb"])
    options = ["TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16", "COMPRESS=DEFLATE"]
    copy = gdal.Translate(damaged + ".tmp", damaged, format="GTiff", creationOptions=options)
    del copy  # closed: written
    os.replace(damaged + ".tmp", damaged)
    dataset = gdal.Open(damaged)
    band = dataset.GetRasterBand(2)
    offset, size = (int(band.GetMetadataItem(f"BLOCK_{k}_2_2", "TIFF")) for k in ("OFFSET", "SIZE"))
    dataset = band = None
    with open(damaged, "r+b") as handle:  # past the deflate header: the tile no longer inflates
        handle.seek(offset + 2)
        handle.write(b"\xff" * (size - 4))
    paths["raster_damaged_tile"] = damaged
    return paths


def _sweep8a_inputs(folder: str) -> Dict[str, str]:
    """Files and names as users' computers have them (sweep 8a): the matrix's samples in a folder and file named
    with non-ASCII letters, an emoji and the characters # % & , ; ' = ( ) [ ]; label points whose class words were
    typed in several capitalisations, with trailing and no-break spaces ('mineralised\u00a0', 'Mineralised',
    'MINERALISED'; 'barren', 'Barren ', 'BARREN', 'barren\u00a0'); the Latin-1 label points and lithology again,
    but with a .cpg file saying UTF-8 (a file re-saved by one program and described by another); and the label
    points as a CSV written in Windows-1252 (';'-separated), given as a delimitedtext URI without and with
    'encoding=windows-1252'; a lithology of four strips 2.5 km wide, 'granite', 'Granite ', 'schist', 'granite'
    from west to east (one rock typed two ways); the matrix's samples and deposits in a folder 'Kola%20survey',
    named as a web download leaves it; the samples as a CSV whose columns 'cu' (Pb's values) and 'Cu' repeat a
    name up to capitals; and the samples as a Windows-1252 CSV whose copper column is 'Cu_µg/g'."""
    import shutil

    from osgeo import ogr

    paths: Dict[str, str] = {}
    odd = os.path.join(folder, ODD_FOLDER)
    os.makedirs(odd)
    paths["samples_odd_path"] = os.path.join(odd, "näytteet 🪨 #1.gpkg")
    shutil.copy(os.path.join(folder, "samples.gpkg"), paths["samples_odd_path"])
    import geopandas as gpd

    samples = gpd.read_file(os.path.join(folder, "samples.gpkg"))
    paths["samples_case_columns"] = os.path.join(folder, "samples_case_columns.csv")
    with open(paths["samples_case_columns"], "w", encoding="utf-8") as handle:
        handle.write("x,y,cu,Cu\n")  # 'cu' from one laboratory run, 'Cu' from another (here Pb and Cu)
        for point, pb, cu in zip(samples.geometry, samples["Pb"], samples["Cu"]):
            handle.write(f"{point.x},{point.y},{pb},{cu}\n")
    paths["samples_case_columns_uri"] = (
        f"delimitedtext://file://{paths['samples_case_columns']}?delimiter=,&xField=x&yField=y&crs={CRS}"
    )
    paths["samples_1252_csv"] = os.path.join(folder, "samples_1252.csv")
    with open(paths["samples_1252_csv"], "w", encoding="cp1252") as handle:
        handle.write("x;y;Cu_µg/g;Pb\n")  # the micro sign: one byte in Windows-1252, not UTF-8
        for point, cu, pb in zip(samples.geometry, samples["Cu"], samples["Pb"]):
            handle.write(f"{point.x};{point.y};{cu};{pb}\n")
    paths["samples_1252_csv_uri"] = (
        f"delimitedtext://file://{paths['samples_1252_csv']}?delimiter=;&xField=x&yField=y&crs={CRS}"
    )
    escaped = os.path.join(folder, "Kola%20survey")
    os.makedirs(escaped)
    for key in ("samples", "deposits"):
        paths[f"{key}_escaped_folder"] = os.path.join(escaped, f"{key}.gpkg")
        shutil.copy(os.path.join(folder, f"{key}.gpkg"), paths[f"{key}_escaped_folder"])
    deposits = [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)]
    barren = [(X0 + 9000, Y0 + 9000), (X0 + 1000, Y0 + 9000), (X0 + 9000, Y0 + 500), (X0 + 500, Y0 + 5000)]
    words = ["mineralised\u00a0", "Mineralised", "MINERALISED", "barren", "Barren ", "BARREN", "barren\u00a0"]
    paths["labels_cases"] = _ogr_layer(
        os.path.join(folder, "labels_cases.gpkg"),
        ogr.wkbPoint,
        {"cls": ogr.OFTString},
        [(f"POINT ({x} {y})", {"cls": v}) for (x, y), v in zip(deposits + barren, words)],
    )
    classes = ["malmi ä", "malmi ö", "malmi ä"] + ["barren"] * 4
    paths["labels_cpg_utf8"] = _latin1_shapefile(
        os.path.join(folder, "labels_cpg_utf8.shp"), ogr.wkbPoint, "luokka",
        [(f"POINT ({x} {y})", k) for (x, y), k in zip(deposits + barren, classes)],
    )  # fmt: skip
    rings = [
        f"POLYGON (({X0 + a} {Y0}, {X0 + a + 2500} {Y0}, {X0 + a + 2500} {Y0 + 10000}, {X0 + a} {Y0 + 10000}, "
        f"{X0 + a} {Y0}))"
        for a in (0, 2500, 5000, 7500)
    ]
    paths["lithology_cpg_utf8"] = _latin1_shapefile(
        os.path.join(folder, "lithology_cpg_utf8.shp"), ogr.wkbPolygon, "rock",
        list(zip(rings, ("Kivi ä", "Kivi ö", "gabbro", "Kivi ä"))),
    )  # fmt: skip
    paths["lithology_cases"] = _ogr_layer(
        os.path.join(folder, "lithology_cases.gpkg"),
        ogr.wkbPolygon,
        {"rock": ogr.OFTString},
        [(ring, {"rock": rock}) for ring, rock in zip(rings, ("granite", "Granite ", "schist", "granite"))],
    )
    for key in ("labels_cpg_utf8", "lithology_cpg_utf8"):
        with open(os.path.splitext(paths[key])[0] + ".cpg", "w") as handle:
            handle.write("UTF-8")
    paths["labels_1252_csv"] = os.path.join(folder, "luokat_1252.csv")
    with open(paths["labels_1252_csv"], "w", encoding="cp1252") as handle:
        handle.write("x;y;luokka\n" + "".join(f"{x};{y};{k}\n" for (x, y), k in zip(deposits + barren, classes)))
    uri = f"delimitedtext://file://{paths['labels_1252_csv']}?delimiter=;&xField=x&yField=y&crs={CRS}"
    paths["labels_1252_csv_uri"] = uri
    paths["labels_1252_csv_encoding_uri"] = uri.replace("?", "?encoding=windows-1252&")
    return paths


def _sweep8b_inputs(folder: str, xy, base, bands) -> Dict[str, str]:
    """Numbers as nature and laboratories make them (sweep 8b): the matrix's 36 samples with a total-magnetic-
    intensity anomaly in nT (about half the values negative, from -2,950 to 16,060 as the Lapland survey's grid
    holds; real values, not below-detection codes), and with Cu x 1e-9 beside Cu; the matrix's element raster with
    a band of magnetics beside Cu and Pb (60 x Cu less its median, in nT: half the cells below 0); Cu as float64,
    25 cells holding the largest float64 (no nodata tag); Pb as signed bytes (int8, nodata -128); Cu with
    Geosoft's dummy -1e32 in 25 cells, no nodata tag; Cu with the lowest float32 in 25 cells, its nodata tag
    -3.40282e+38; a map of the Cu band upside down (low values prospective)."""
    import rasterio

    rng = np.random.default_rng(88)
    paths: Dict[str, str] = {}
    n = len(xy)
    magnetics = np.round(np.sort(rng.normal(0, 1500, n)), 1)
    magnetics[-1], magnetics[0] = 16_060.9, -2_953.8
    magnetics = rng.permutation(magnetics)
    paths["samples_magnetics"] = _points(
        os.path.join(folder, "samples_magnetics.gpkg"), xy, {**base, "mag_nT": magnetics.tolist()}
    )
    # Cu x 1e-9 (values of 1e-8, a variogram of 1e-16, as fractions are) beside Cu in ppm
    paths["samples_fractions"] = _points(
        os.path.join(folder, "samples_fractions.gpkg"), xy, {**base, "Cu_frac": (np.array(base["Cu"]) * 1e-9).tolist()}
    )
    # the matrix's Cu and Pb bands and a magnetic anomaly in nT beside them, half its cells negative
    magnetic_band = np.round(60.0 * (bands[0] - np.median(bands[0])), 1)
    paths["raster_magnetics"] = _raster(
        os.path.join(folder, "elements_magnetics.tif"),
        np.stack([bands[0], bands[1], magnetic_band]),
        ["Cu", "Pb", "mag_nT"],
    )
    # Cu as float64, 25 cells holding 1.797e308 (the largest float64, a fill a program left without a nodata tag):
    # beyond what the float32 stack can hold
    filled = bands[0].astype(np.float64)
    filled[5:10, 5:10] = np.finfo(np.float64).max
    with rasterio.open(os.path.join(folder, "raster_f64.tif"), "w", **_profile_of(paths["raster_magnetics"], 1)) as dst:
        dst.write(filled[None])
        dst.set_band_description(1, "Cu")
    paths["raster_float64_fill"] = os.path.join(folder, "raster_f64.tif")
    # signed bytes (int8, GDAL 3.6's PIXELTYPE=SIGNEDBYTE): Pb less its median, -127 to 127, a hole of 25 cells
    # holding the nodata value -128
    signed = np.clip(np.round(3.0 * (bands[1] - np.median(bands[1]))), -127, 127)
    signed[5:10, 5:10] = -128
    with rasterio.open(
        os.path.join(folder, "pb_int8.tif"),
        "w",
        **{**_profile_of(paths["raster_magnetics"], 1), "dtype": "int8", "nodata": -128},
    ) as dst:
        dst.write(signed.astype(np.int8)[None])
        dst.set_band_description(1, "Pb")
    paths["raster_int8"] = os.path.join(folder, "pb_int8.tif")
    # Geosoft's float dummy, -1e32, in a 5 x 5 hole of the Cu band, without a nodata tag (a grid exported from Oasis)
    dummy = bands[:1].copy()
    dummy[0, 5:10, 5:10] = -1e32
    paths["raster_geosoft_dummy"] = _raster(os.path.join(folder, "cu_geosoft_dummy.tif"), dummy, ["Cu"], nodata=None)
    # the lowest float32 (-3.4028235e38) in a 5 x 5 hole of the Cu band, its nodata tag written with six digits,
    # -3.40282e+38, as ENVI headers and some exports write it
    lowest = bands[:1].copy()
    lowest[0, 5:10, 5:10] = -np.finfo(np.float32).max
    paths["raster_nodata_six_digits"] = _raster(
        os.path.join(folder, "cu_nodata_six_digits.tif"), lowest, ["Cu"], nodata=-3.40282e38
    )
    # a map whose low values are the prospective ones: the Cu band upside down (its largest value less each cell)
    paths["prospectivity_inverted"] = _raster(
        os.path.join(folder, "prospectivity_inverted.tif"), bands[:1].max() - bands[:1], ["score"]
    )
    return paths


def _profile_of(path: str, count: int) -> dict:
    """The profile of the raster at ``path`` as float64 of ``count`` bands and no nodata value."""
    import rasterio

    with rasterio.open(path) as src:
        return {**src.profile, "dtype": "float64", "count": count, "nodata": None}


def _sweep7b_inputs(folder: str, bands: np.ndarray, labels: np.ndarray) -> Dict[str, str]:
    """Inputs of sweep 7b (long runs): a random forest of trainmodel's (ClassicLearner, 3 x 3 window features) on
    the matrix's Cu and Pb bands and label raster, for predict on Dask workers."""
    from geochem_prospector.core.classic.learner import ClassicLearner

    forest = ClassicLearner("random_forest", window=3, n_estimators=10, seed=1)
    forest.fit(bands, np.where(labels < 0, np.nan, labels), ["elements:Cu", "elements:Pb"])
    return {"model_forest": forest.save(os.path.join(folder, "model_forest.pt"))}


def _sweep4a_inputs(folder: str, xy, cu, pb, bands) -> Dict[str, str]:
    """Inputs of sweep 4a (coordinates, fields and vector geometry): element fields named as laboratory exports
    name them, their unit after a colon, a comma or a micro sign; a raster whose band names hold a comma and a
    trailing space (the fields gridded as they were)."""
    paths: Dict[str, str] = {}
    fields = {"Cu (ppm)": cu.tolist(), "Au:ppb": pb.tolist(), "Ni_\u00b5g/g": (cu / 2).tolist(), "Zn,ppm": pb.tolist()}
    paths["samples_odd_names"] = _points(os.path.join(folder, "samples_odd_names.gpkg"), xy, fields)
    odd = np.stack([bands[0], bands[1], bands[0] * 0.5])
    paths["raster_odd_names"] = _raster(
        os.path.join(folder, "elements_odd_names.tif"), odd, ["Zn,ppm", "Zn ppm ", "Au:ppb"]
    )
    paths["raster_space_names"] = _raster(
        os.path.join(folder, "elements_space_names.tif"), bands, ["Zn ppm", "Zn ppm "]
    )
    # the 36 samples and a copy of them 100 km east: two surveyed blocks, nothing between
    two = np.vstack([xy, xy + [100_000.0, 0.0]])
    paths["samples_two_clusters"] = _points(
        os.path.join(folder, "samples_two_clusters.gpkg"), two, {"Cu": cu.tolist() * 2, "Pb": pb.tolist() * 2}
    )
    from osgeo import ogr

    # faults with a NULL and an empty geometry among two good lines
    lines = [f"LINESTRING ({X0 + a} {Y0 + b}, {X0 + c} {Y0 + d})" for a, b, c, d in FAULTS_4A]
    paths["faults_null_empty"] = _ogr_layer(
        os.path.join(folder, "faults_null_empty.gpkg"),
        ogr.wkbLineString,
        {"id": ogr.OFTInteger},
        [(lines[0], {"id": 1}), (None, {"id": 2}), ("LINESTRING EMPTY", {"id": 3}), (lines[1], {"id": 4})],
    )
    box = "POLYGON (({a} {b}, {c} {b}, {c} {d}, {a} {d}, {a} {b}))"
    granite, schist = (box.format(a=X0 + a, b=Y0, c=X0 + c, d=Y0 + 10_000) for a, c in (GRANITE_4A, SCHIST_4A))
    paths["lithology_overlap"] = _ogr_layer(
        os.path.join(folder, "lithology_overlap.gpkg"),
        ogr.wkbPolygon,
        {"rock": ogr.OFTString},
        [(granite, {"rock": "granite"}), (schist, {"rock": "schist"})],
    )  # 2 km wide overlap, schist the later polygon
    west, east = (box.format(a=X0 + a, b=Y0, c=X0 + c, d=Y0 + 10_000) for a, c in ((0, 5000), (5000, 10_000)))
    stray = f"LINESTRING ({X0} {Y0}, {X0 + 10_000} {Y0 + 10_000}), POINT ({X0 + 1000} {Y0 + 1000})"
    paths["lithology_collection"] = _ogr_layer(
        os.path.join(folder, "lithology_collection.gpkg"),
        ogr.wkbUnknown,
        {"rock": ogr.OFTString},
        [(west, {"rock": "granite"}), (f"GEOMETRYCOLLECTION ({east}, {stray})", {"rock": "schist"})],
    )  # the schist a collection of its polygon, a diagonal line across the map and a point, as overlays leave them
    three = [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)]  # the matrix's deposits
    paths["deposits_same_name"] = _points(
        os.path.join(folder, "deposits_same_name.gpkg"), three, {"name": ["a", "a", "b"]}
    )
    paths["deposits_zm"] = _ogr_layer(
        os.path.join(folder, "deposits_zm.gpkg"),
        ogr.wkbPointZM,
        {"name": ogr.OFTString},
        [(f"POINT ZM ({x} {y} 250 7)", {"name": n}) for (x, y), n in zip(three, "abc")],
    )  # a drill collar's elevation (Z) and a measure (M) with each deposit
    return paths


def _sweep5b_inputs(folder: str, xy, base) -> Dict[str, str]:
    """Inputs of sweep 5b (parameters at their limits): the samples with a survey field that holds one survey, and
    the matrix's second deposit alone."""
    n = len(base["name"])
    path = os.path.join(folder, "samples_one_survey.gpkg")
    return {
        "samples_one_survey": _points(path, xy, {**base, "survey": ["till 2019"] * n}),
        "deposits_one": _points(os.path.join(folder, "deposits_one.gpkg"), [(X0 + 5000, Y0 + 6000)], {"name": ["b"]}),
    }


def _sweep6a_inputs(folder: str, xy, base) -> Dict[str, str]:
    """Inputs of sweep 6a (layers as QGIS hands them over): the samples, deposits and faults with their metre
    coordinates (EPSG:3067) in files that declare EPSG:4326, as a scratch or text layer made without a CRS is given
    QGIS's default one and then saved."""
    import geopandas as gpd
    from shapely.geometry import LineString, Point

    paths: Dict[str, str] = {}
    deposits = [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)]
    faults = [LineString([(X0 + 500, Y0 + 500), (X0 + 9500, Y0 + 9000)])]
    for key, frame in (
        ("samples_metres_as_degrees", gpd.GeoDataFrame(base, geometry=[Point(x, y) for x, y in xy])),
        (
            "deposits_metres_as_degrees",
            gpd.GeoDataFrame({"name": ["a", "b", "c"]}, geometry=[Point(*p) for p in deposits]),
        ),
        ("faults_metres_as_degrees", gpd.GeoDataFrame({"id": [0]}, geometry=faults)),
    ):
        paths[key] = os.path.join(folder, f"{key}.gpkg")
        frame.set_crs("EPSG:4326").to_file(paths[key], driver="GPKG")
    return paths


def _sweep6m_inputs(folder: str, xy, base) -> Dict[str, str]:
    """A project GeoPackage a user keeps their layers in: the matrix's deposits and a geology polygon, two layers;
    the matrix's samples and one more at 0, 0 (a QC standard without coordinates), with the first sample's values."""
    import geopandas as gpd
    from shapely.geometry import Point, box

    stray = os.path.join(folder, "samples_stray.gpkg")
    values = {k: list(v) + [v[0]] for k, v in base.items()}
    points = [Point(x, y) for x, y in xy] + [Point(0.0, 0.0)]
    gpd.GeoDataFrame(values, geometry=points, crs=CRS).to_file(stray, driver="GPKG")

    path = os.path.join(folder, "project.gpkg")
    deposits = [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000)]
    gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[Point(*p) for p in deposits], crs=CRS).to_file(
        path, driver="GPKG", layer="deposits"
    )
    geology = gpd.GeoDataFrame({"rock": ["granite"]}, geometry=[box(X0, Y0, X0 + 5000, Y0 + 5000)], crs=CRS)
    geology.to_file(path, driver="GPKG", layer="geology")
    return {"project_gpkg": path, "samples_stray": stray}


def _sweep7a_inputs(folder: str, bands) -> Dict[str, str]:
    """Deposits and labels as geologists keep them: the matrix's three deposits in a GeoPackage layer of type
    GEOMETRY, the second kept as its mine's footprint (a polygon of 2 x 2 cells) beside the other two as points;
    label points whose class field was typed by hand ('1', 'yes', 'Y' for the three deposits; 'barren', '0', 'N',
    '0' for four barren points; NULL and a blank for two more); fifty shafts of one mine within a square kilometre
    beside three deposits apart; ten deposits whose status field says occurrence, prospect, past producer or
    mine; ten label points whose numeric class field holds -1 (scikit-learn's 'unlabelled') for two; and the
    matrix's element raster as a prospectivity map whose provenance records the three deposits as the points its
    model was trained on (as predict writes it for a model trained on pseudolabel's labels of them)."""
    import json

    import rasterio
    from osgeo import ogr
    from shapely.geometry import box

    from geochem_prospector.core.evaluation.deposits import training_points_record

    paths: Dict[str, str] = {}
    deposits = [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)]
    (ax, ay), (bx, by), (cx, cy) = deposits
    footprint = box(bx - 250, by - 250, bx + 250, by + 250).wkt  # the open pit's outline, 2 x 2 cells
    paths["deposits_mixed"] = _ogr_layer(
        os.path.join(folder, "deposits_mixed.gpkg"),
        ogr.wkbUnknown,
        {"name": ogr.OFTString, "cls": ogr.OFTString},
        [
            (f"POINT ({ax} {ay})", {"name": "a", "cls": "1"}),
            (footprint, {"name": "b open pit", "cls": "1"}),
            (f"POINT ({cx} {cy})", {"name": "c", "cls": "1"}),
        ],
    )
    barren = [(X0 + 9000, Y0 + 9000), (X0 + 1000, Y0 + 9000), (X0 + 9000, Y0 + 500), (X0 + 500, Y0 + 5000)]
    unknown = [(X0 + 1500, Y0 + 7000), (X0 + 7000, Y0 + 8000)]
    paths["labels_flags"] = _ogr_layer(
        os.path.join(folder, "labels_flags.gpkg"),
        ogr.wkbPoint,
        {"cls": ogr.OFTString},
        [
            (f"POINT ({x} {y})", {"cls": v})
            for (x, y), v in zip(deposits + barren + unknown, ["1", "yes", "Y", "barren", "0", "N", "0", None, " "])
        ],
    )
    rng = np.random.default_rng(3)  # fifty shafts of one mine within a square kilometre, and three deposits apart
    shafts = [(X0 + 2500 + dx, Y0 + 2500 + dy) for dx, dy in rng.uniform(0, 1000, (50, 2))]
    apart = [(X0 + 8000, Y0 + 3000), (X0 + 5000, Y0 + 8000), (X0 + 8500, Y0 + 8500)]
    names = [f"Kaivos shaft {i + 1}" for i in range(50)] + ["c", "d", "e"]
    paths["deposits_camp"] = _points(os.path.join(folder, "deposits_camp.gpkg"), shafts + apart, {"name": names})
    kept = [(X0 + 1500 + 2500 * (i % 3), Y0 + 8500 - 3000 * (i // 3)) for i in range(7)]
    status = ["occurrence", "prospect", "past producer", "mine", "occurrence", "mine", "prospect", "occurrence"]
    paths["deposits_status"] = _points(
        os.path.join(folder, "deposits_status.gpkg"), deposits + kept, {"status": status + ["prospect", "mine"]}
    )
    spread = [(X0 + 1000 + 800 * i, Y0 + 1000 + 1700 * (i % 5)) for i in range(10)]
    paths["labels_minus_one"] = _points(
        os.path.join(folder, "labels_minus_one.gpkg"),
        spread,
        {"v": [1.0, 0.0, -1.0, 1.0, 0.0, -1.0, 1.0, 0.0, 0.0, 0.0]},
    )
    paths["prospectivity_trained"] = os.path.join(folder, "prospectivity_trained.tif")
    with rasterio.open(os.path.join(folder, "elements.tif")) as src:  # the matrix's element raster
        profile, values, crs_wkt = src.profile, src.read(), src.crs.to_wkt()
    record = {
        "algorithm": "prospector:predict",
        "mineralised_points": training_points_record(deposits, crs_wkt, "deposits"),
    }
    with rasterio.open(paths["prospectivity_trained"], "w", **{**profile, "count": 1}) as dst:
        dst.write(values[:1])
        dst.set_band_description(1, "prospectivity")
        dst.update_tags(GEOCHEM_PROSPECTOR_PROVENANCE=json.dumps(record))
    return paths


def _sweep6b_inputs(folder: str, bands) -> Dict[str, str]:
    """Inputs of sweep 6b (rasters as survey contractors deliver them), from the matrix's Cu and Pb bands: a
    greyscale picture of Cu (bytes 1-255) with an alpha band, transparent over the 7 x 7-cell hole (an image export's
    mask); a VRT of Cu (float32, nodata -9999) and Pb stored as int16 hundredths (scale 0.01, nodata -32768), bands of
    two data types; Cu as a Surfer 7 grid whose CRS lies in a side file (.aux.xml); the element raster inside a zip;
    Cu with its columns running east to west (a negative pixel width)."""
    import rasterio
    from osgeo import gdal
    from rasterio.transform import from_origin

    paths: Dict[str, str] = {}
    transform = from_origin(X0, Y0 + SIZE * PIXEL, PIXEL, PIXEL)
    grey = np.clip(np.round(bands[0] / bands[0].max() * 254) + 1, 1, 255).astype(np.uint8)
    alpha = np.full((SIZE, SIZE), 255, dtype=np.uint8)
    alpha[5:12, 5:12] = 0
    grey[5:12, 5:12] = 0
    paths["raster_alpha"] = os.path.join(folder, "cu_picture_alpha.tif")
    profile = dict(driver="GTiff", width=SIZE, height=SIZE, dtype="uint8", crs=CRS, transform=transform)
    with rasterio.open(paths["raster_alpha"], "w", count=2, photometric="MINISBLACK", alpha="YES", **profile) as dst:
        dst.write(np.stack([grey, alpha]))
        dst.set_band_description(1, "Cu")
    hundredths = np.round(bands[1] * 100).astype(np.int16)
    hundredths[20:25, 30:35] = -32768
    pb_path = os.path.join(folder, "pb_hundredths.tif")
    with rasterio.open(pb_path, "w", count=1, nodata=-32768, **{**profile, "dtype": "int16"}) as dst:
        dst.write(hundredths[None])
        dst.scales, dst.offsets = (0.01,), (0.0,)
    cu_path = _raster(os.path.join(folder, "cu_float32.tif"), bands[:1], ["Cu"])
    paths["raster_mixed_types"] = os.path.join(folder, "cu_float_pb_int16.vrt")
    vrt = gdal.BuildVRT(paths["raster_mixed_types"], [cu_path, pb_path], separate=True)
    vrt.GetRasterBand(1).SetDescription("Cu")
    vrt.GetRasterBand(2).SetDescription("Pb")
    vrt = None  # written on close
    # the picture without its alpha: 0 in the hole, and a nodata value of -9999, which no byte can hold
    paths["raster_byte_nodata_beyond"] = os.path.join(folder, "cu_picture_nodata_9999.tif")
    with rasterio.open(paths["raster_byte_nodata_beyond"], "w", count=1, **profile) as dst:
        dst.write(grey[None])
        dst.set_band_description(1, "Cu")
    byte = gdal.Open(paths["raster_byte_nodata_beyond"], gdal.GA_Update)  # as gdal_edit.py -a_nodata -9999 does
    byte.GetRasterBand(1).SetNoDataValue(-9999)
    byte = None  # written on close
    # Cu as a Surfer 7 grid, which holds no CRS: the one assigned to it (gdal_edit.py -a_srs, as QGIS's Assign
    # Projection runs it) goes to the side file cu_surfer.grd.aux.xml
    paths["raster_surfer_crs_aside"] = os.path.join(folder, "cu_surfer.grd")
    gdal.Translate(paths["raster_surfer_crs_aside"], cu_path, format="GS7BG")
    previous = gdal.GetConfigOption("GDAL_PAM_ENABLED")
    gdal.SetConfigOption("GDAL_PAM_ENABLED", "YES")
    surfer = gdal.Open(paths["raster_surfer_crs_aside"], gdal.GA_Update)
    surfer.SetProjection(rasterio.crs.CRS.from_string(CRS).to_wkt())
    surfer = None  # the side file is written on close
    gdal.SetConfigOption("GDAL_PAM_ENABLED", previous)
    assert "<SRS" in open(paths["raster_surfer_crs_aside"] + ".aux.xml", encoding="utf-8").read()
    # the matrix's element raster inside a zip, as surveys are downloaded (QGIS opens it as /vsizip/…/elements.tif)
    import zipfile

    paths["raster_zip"] = os.path.join(folder, "elements_download.zip")
    with zipfile.ZipFile(paths["raster_zip"], "w") as archive:
        archive.write(os.path.join(folder, "elements.tif"), "elements.tif")
    paths["raster_east_to_west"] = os.path.join(folder, "cu_east_to_west.tif")
    east_to_west = rasterio.Affine(-PIXEL, 0, X0 + SIZE * PIXEL, 0, -PIXEL, Y0 + SIZE * PIXEL)
    profile.update(dtype="float32", transform=east_to_west)
    with rasterio.open(paths["raster_east_to_west"], "w", count=1, nodata=-9999.0, **profile) as dst:
        dst.write(bands[:1, :, ::-1].astype(np.float32))
    return paths


def _coarse_labels(path: str, labels: np.ndarray) -> str:
    """The label raster on cells of 2 x PIXEL (another grid): its 7 x 7 labelled cells cover 196 evidence cells."""
    import rasterio
    from rasterio.transform import from_origin

    coarse = labels[:, ::2, ::2].astype(np.float32)
    profile = dict(driver="GTiff", width=SIZE // 2, height=SIZE // 2, count=1, dtype="float32", crs=CRS,
                   transform=from_origin(X0, Y0 + SIZE * PIXEL, 2 * PIXEL, 2 * PIXEL), nodata=-1.0)  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(coarse)
    return path


def _evidence_inputs(folder: str) -> Dict[str, str]:
    """Faults (crossing lines), none, or far away; lithology with a 3-class field and a 300-value field."""
    import geopandas as gpd
    from shapely.geometry import LineString, Polygon, box

    paths: Dict[str, str] = {}
    lines = [
        LineString([(X0 + 500, Y0 + 500), (X0 + 9500, Y0 + 9000)]),
        LineString([(X0 + 500, Y0 + 8000), (X0 + 9000, Y0 + 1500)]),
        LineString([(X0 + 5000, Y0 + 200), (X0 + 5200, Y0 + 9800)]),
    ]
    collapsed = LineString([(X0 + 3000, Y0 + 3000), (X0 + 3000, Y0 + 3000)])  # a fault snapped to one point
    for key, geoms in (
        ("faults", lines),
        ("faults_far", [LineString([(X0 + 90_000, Y0), (X0 + 95_000, Y0)])]),
        ("faults_zero", [*lines, collapsed]),
        # a vertex that is not a number (a broken export): GEOS failed on it where lines cross (review 36)
        ("faults_nan", [*lines, LineString([(X0 + 2000, Y0 + 6000), (np.nan, np.nan), (X0 + 8000, Y0 + 6500)])]),
    ):
        paths[key] = os.path.join(folder, f"{key}.gpkg")
        gpd.GeoDataFrame({"id": list(range(len(geoms)))}, geometry=geoms, crs=CRS).to_file(paths[key], driver="GPKG")
    paths["faults_empty"] = os.path.join(folder, "faults_empty.gpkg")
    gpd.GeoDataFrame({"id": []}, geometry=[], crs=CRS).to_file(
        paths["faults_empty"], driver="GPKG", schema={"geometry": "LineString", "properties": {"id": "int"}}
    )
    strips = [box(X0 + 10_000 * i / 300, Y0, X0 + 10_000 * (i + 1) / 300, Y0 + 10_000) for i in range(300)]
    rocks = ["granite", "gabbro", "schist"]
    frame = gpd.GeoDataFrame(
        {"rock": [rocks[i * 3 // 300] for i in range(300)], "unit": [f"unit {i}" for i in range(300)]},
        geometry=strips,
        crs=CRS,
    )
    paths["lithology"] = os.path.join(folder, "lithology.gpkg")
    frame.to_file(paths["lithology"], driver="GPKG")
    # one more polygon with a vertex that is not a number: contacts were refused as 'no polygons touch' (review 36)
    broken = Polygon([(X0 + 100, Y0 + 100), (X0 + 900, Y0 + 100), (np.nan, np.nan), (X0 + 100, Y0 + 900)])
    paths["lithology_nan"] = os.path.join(folder, "lithology_nan.gpkg")
    gpd.GeoDataFrame(
        {"rock": [*frame["rock"], "granite"], "unit": [*frame["unit"], "unit 300"]},
        geometry=[*strips, broken],
        crs=CRS,
    ).to_file(paths["lithology_nan"], driver="GPKG")
    return paths


def _latin1_shapefile(path: str, geometry_type: int, field: str, rows: list) -> str:
    """A shapefile whose text is written in ISO-8859-1 and whose encoding is then undeclared (.cpg removed), as old
    GIS software leaves them. GDAL recodes on writing unless SHAPE_ENCODING is '' (which QGIS sets once it has
    opened a shapefile), so it is set here for the write and restored: the bytes must be Latin-1 whatever ran
    before (checked)."""
    from osgeo import gdal, ogr, osr

    before = gdal.GetConfigOption("SHAPE_ENCODING")
    gdal.SetConfigOption("SHAPE_ENCODING", "ISO-8859-1")
    try:
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(int(CRS.split(":")[1]))
        dataset = ogr.GetDriverByName("ESRI Shapefile").CreateDataSource(path)
        name = os.path.splitext(os.path.basename(path))[0]
        layer = dataset.CreateLayer(name, srs, geometry_type, ["ENCODING=ISO-8859-1"])
        layer.CreateField(ogr.FieldDefn(field, ogr.OFTString))
        for wkt, value in rows:
            feature = ogr.Feature(layer.GetLayerDefn())
            feature.SetField(field, value)
            feature.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
            layer.CreateFeature(feature)
        dataset = None
    finally:
        gdal.SetConfigOption("SHAPE_ENCODING", before)
    stem = os.path.splitext(path)[0]
    os.remove(stem + ".cpg")  # the encoding is no longer declared
    with open(stem + ".dbf", "rb") as handle:
        assert "ä".encode("latin-1") in handle.read(), "the shapefile's text was not written in Latin-1"
    return path


def _ogr_layer(
    path: str, geometry_type: int, fields: Dict[str, int], rows: list, crs: Optional[str] = CRS, options=()
) -> str:
    """A GeoPackage layer written with OGR as other software writes them: (WKT or None, {field: value}) rows; a
    None value is NULL. OGR keeps what geopandas cannot write: curves, NULL geometries, no CRS (srs_id 0,
    'Undefined geographic SRS')."""
    from osgeo import ogr, osr

    srs = None
    if crs:
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(int(crs.split(":")[1]))
    dataset = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    layer = dataset.CreateLayer(os.path.splitext(os.path.basename(path))[0], srs, geometry_type, list(options))
    for name, kind in fields.items():
        layer.CreateField(ogr.FieldDefn(name, kind))
    for geometry, values in rows:
        feature = ogr.Feature(layer.GetLayerDefn())
        for name, value in values.items():
            if value is None:
                feature.SetFieldNull(name)
            else:
                feature.SetField(name, value)
        if geometry is not None:
            feature.SetGeometry(ogr.CreateGeometryFromWkt(geometry))
        layer.CreateFeature(feature)
    dataset = None
    return path


def _learning_inputs(folder: str, bands: np.ndarray) -> Dict[str, str]:
    """Evidence rasters as a geologist brings them to the learning steps (feat/quality): the element bands stored as
    int16 counts of 0.1 with a GDAL scale (and nodata -32768), and the reference for them that `gdal_translate
    -unscale` writes (float32 in the bands' own units)."""
    import subprocess

    import rasterio

    paths: Dict[str, str] = {}
    counts = np.round(np.asarray(bands) * 10)
    counts[:, :2, :2] = -32768
    path = _raster(os.path.join(folder, "scaled.tif"), counts, ["Cu", "Pb"], nodata=-32768)
    with rasterio.open(path) as src:  # as int16: the float32 file's values are whole numbers within its range
        profile, data = src.profile, src.read()
    profile.update(dtype="int16")
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data.astype(np.int16))
        dst.descriptions = ("Cu", "Pb")
        dst.scales, dst.offsets = (0.1, 0.1), (0.0, 0.0)
    paths["raster_scaled"] = path
    import geopandas as gpd
    from shapely.geometry import Point

    sites = [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)]
    paths["deposits_polygons"] = os.path.join(folder, "deposits_polygons.gpkg")
    gpd.GeoDataFrame({"name": ["a", "b", "c"]}, geometry=[Point(p).buffer(300) for p in sites], crs=CRS).to_file(
        paths["deposits_polygons"], driver="GPKG"
    )  # deposits drawn as their outlines
    paths["deposits_one_cluster"] = _points(
        os.path.join(folder, "deposits_one_cluster.gpkg"),
        [(X0 + 5000 + dx, Y0 + 6000 + dy) for dx, dy in ((0, 0), (300, 0), (0, 300), (300, 300))],
        {"name": ["a", "b", "c", "d"]},
    )  # one prospect's showings, 300 m apart: one cluster within CLUSTER_DISTANCE 500
    # the label raster's labelled cells as points whose class field holds deposit types, no barren word
    with rasterio.open(os.path.join(folder, "labels.tif")) as src:
        labels = src.read(1)
    rows, cols = np.nonzero(labels >= 0)
    centres = [(X0 + (c + 0.5) * PIXEL, Y0 + (SIZE - r - 0.5) * PIXEL) for r, c in zip(rows, cols)]
    kinds = np.where(labels[rows, cols] >= 1, "Au", "Cu").tolist()
    paths["labels_deposit_types"] = _points(os.path.join(folder, "labels_deposit_types.gpkg"), centres, {"kind": kinds})
    # one row of the element rasters (a profile line exported as a raster): narrower than any patch
    paths["raster_one_row"] = _raster(os.path.join(folder, "one_row.tif"), np.asarray(bands)[:, :1, :], ["Cu", "Pb"])
    paths["raster_unscaled"] = os.path.join(folder, "unscaled_by_gdal.tif")
    subprocess.run(["gdal_translate", "-q", "-unscale", "-ot", "Float32", path, paths["raster_unscaled"]], check=True)
    return paths


def predicted_like_the_unscaled_raster(params: Dict[str, object]) -> None:
    """predict's map of the scaled int16 raster equals the model's in-memory prediction on the reference
    `gdal_translate -unscale` wrote (the bands in their own units), nodata where the raster has none."""
    import rasterio

    from geochem_prospector.core.learning.estimator import PatchCNN

    reference = str(params["INPUT_RASTERS"][0]).replace("scaled.tif", "unscaled_by_gdal.tif")  # type: ignore[index]
    with rasterio.open(reference) as src:
        bands = src.read(masked=True).astype(np.float32).filled(np.nan)
    expected = PatchCNN.load(str(params["MODEL"])).predict_proba(bands, device="cpu", tile=1000)
    with rasterio.open(written_path(str(params["OUTPUT"]))) as src:
        prob = src.read(1, masked=True).filled(np.nan)
    assert np.isnan(expected[:2, :2]).all()
    np.testing.assert_allclose(prob, expected, atol=1e-5)


def _messy_inputs(folder: str, xy, cu, bands) -> Dict[str, str]:
    """Inputs as messy real data delivers them (feat/robust): a missing-data code (-9999) in an element field,
    points without geometry, arcs (CompoundCurve faults, a CurvePolygon mask), a self-intersecting lithology
    polygon, a raster without CRS, fractional label values."""
    from osgeo import ogr

    paths: Dict[str, str] = {}
    fill = cu.copy()
    fill[:3] = -9999.0  # 'not analysed', as databases export it
    rows = [(f"POINT ({x} {y})", {"Cu": float(v)}) for (x, y), v in zip(xy, fill)]
    paths["fill_code"] = _ogr_layer(os.path.join(folder, "fill_code.gpkg"), ogr.wkbPoint, {"Cu": ogr.OFTReal}, rows)
    over = [f"{v:g}" for v in cu]
    for i in np.argsort(cu)[-3:]:  # the three highest results, above the laboratory's upper limit of 200
        over[i] = ">200"
    rows = [(f"POINT ({x} {y})", {"Cu": v}) for (x, y), v in zip(xy, over)]
    paths["over_limit"] = _ogr_layer(os.path.join(folder, "over_limit.gpkg"), ogr.wkbPoint, {"Cu": ogr.OFTString}, rows)
    rows = [(f"POINT ({x} {y})", {"Cu": float(v)}) for (x, y), v in zip(xy, cu)]
    rows[0], rows[1] = (None, {"Cu": 999.0}), ("POINT EMPTY", {"Cu": 999.0})
    paths["no_geometry"] = _ogr_layer(os.path.join(folder, "no_geometry.gpkg"), ogr.wkbPoint, {"Cu": ogr.OFTReal}, rows)
    curve = (
        f"COMPOUNDCURVE (({X0 + 500} {Y0 + 500}, {X0 + 3000} {Y0 + 3000}), "
        f"CIRCULARSTRING ({X0 + 3000} {Y0 + 3000}, {X0 + 6000} {Y0 + 5000}, {X0 + 9000} {Y0 + 3000}))"
    )
    paths["faults_curve"] = _ogr_layer(
        os.path.join(folder, "faults_curve.gpkg"), ogr.wkbCompoundCurve, {"id": ogr.OFTInteger}, [(curve, {"id": 1})]
    )
    disc = (
        f"CURVEPOLYGON (CIRCULARSTRING ({X0 + 1000} {Y0 + 5000}, {X0 + 5000} {Y0 + 9000}, {X0 + 9000} {Y0 + 5000}, "
        f"{X0 + 5000} {Y0 + 1000}, {X0 + 1000} {Y0 + 5000}))"
    )
    paths["mask_curve"] = _ogr_layer(
        os.path.join(folder, "mask_curve.gpkg"), ogr.wkbCurvePolygon, {"id": ogr.OFTInteger}, [(disc, {"id": 1})]
    )
    bowtie = f"POLYGON (({X0} {Y0}, {X0 + 10000} {Y0 + 10000}, {X0 + 10000} {Y0}, {X0} {Y0 + 10000}, {X0} {Y0}))"
    inner = f"POLYGON (({X0} {Y0 + 4000}, {X0 + 3000} {Y0 + 4000}, {X0 + 3000} {Y0 + 6000}, {X0} {Y0 + 6000}, {X0} {Y0 + 4000}))"
    paths["lithology_bowtie"] = _ogr_layer(
        os.path.join(folder, "lithology_bowtie.gpkg"),
        ogr.wkbPolygon,
        {"rock": ogr.OFTString},
        [(bowtie, {"rock": "granite"}), (inner, {"rock": "gabbro"})],
    )
    paths["raster_no_crs"] = _raster(os.path.join(folder, "no_crs.tif"), bands, ["Cu", "Pb"], crs=None)
    whole = np.round(np.linspace(-118, 309, bands[0].size)).reshape(bands[0].shape)  # nT, as an Int16 survey has them
    paths["magnetics_whole"] = _raster(os.path.join(folder, "mag_tmi.tif"), whole[None], ["tmi"])
    # deposits rasterised by their id field (gdal_rasterize -a id), as a user makes a label raster: ids 1 to 8
    sites = [(X0 + 1100 + 1000 * i, Y0 + 1100 + 1000 * ((3 * i) % 8)) for i in range(8)]
    with_ids = _ogr_layer(
        os.path.join(folder, "deposits_with_ids.gpkg"),
        ogr.wkbPoint,
        {"id": ogr.OFTInteger},
        [(f"POINT ({x} {y})", {"id": i + 1}) for i, (x, y) in enumerate(sites)],
    )
    paths["deposit_ids"] = os.path.join(folder, "deposit_ids.tif")
    subprocess.run(
        ["gdal_rasterize", "-q", "-a", "id", "-init", "0", "-a_nodata", "255", "-ot", "Byte", "-te", str(X0), str(Y0),
         str(X0 + SIZE * PIXEL), str(Y0 + SIZE * PIXEL), "-tr", str(PIXEL), str(PIXEL), with_ids,
         paths["deposit_ids"]],
        check=True,
    )  # fmt: skip
    shifted = os.path.join(folder, "no_crs_shifted.tif")
    paths["raster_no_crs_shifted"] = _raster(shifted, bands, ["Cu", "Pb"], crs=None)
    import rasterio
    from rasterio.transform import from_origin

    with rasterio.open(shifted, "r+") as dst:  # another grid: half a raster to the east
        dst.transform = from_origin(X0 + SIZE * PIXEL / 2, Y0 + SIZE * PIXEL, PIXEL, PIXEL)
    zone = f"POLYGON (({X0 + 1000} {Y0 + 1000}, {X0 + 4000} {Y0 + 1000}, {X0 + 4000} {Y0 + 4000}, {X0 + 1000} {Y0 + 1000}))"
    paths["faults_polygon"] = _ogr_layer(
        os.path.join(folder, "faults_polygon.gpkg"), ogr.wkbPolygon, {"id": ogr.OFTInteger}, [(zone, {"id": 1})]
    )
    import geopandas as gpd
    from shapely.geometry import Point

    deposits = [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)]
    paths["deposits_no_crs"] = os.path.join(folder, "deposits_no_crs.shp")
    gpd.GeoDataFrame({"name": ["a", "b", "c"]}, geometry=[Point(p) for p in deposits]).to_file(
        paths["deposits_no_crs"], driver="ESRI Shapefile"
    )  # no CRS: no .prj beside it
    paths["deposits_undefined_srs"] = _ogr_layer(
        os.path.join(folder, "deposits_undefined_srs.gpkg"),
        ogr.wkbPoint,
        {"name": ogr.OFTString},
        [(f"POINT ({x} {y})", {"name": n}) for (x, y), n in zip(deposits, "abc")],
        crs=None,
    )
    paths["faults_undefined_srs"] = _ogr_layer(
        os.path.join(folder, "faults_undefined_srs.gpkg"),
        ogr.wkbLineString,
        {"id": ogr.OFTInteger},
        [(f"LINESTRING ({X0 + 500} {Y0 + 500}, {X0 + 9000} {Y0 + 9000})", {"id": 1})],
        crs=None,
    )
    paths["samples_undefined_srs"] = _ogr_layer(
        os.path.join(folder, "samples_undefined_srs.gpkg"),
        ogr.wkbPoint,
        {"Cu": ogr.OFTReal},
        [(f"POINT ({x} {y})", {"Cu": float(v)}) for (x, y), v in zip(xy, cu)],
        crs=None,
    )
    grades = [0.0, 1.0, 0.5, 1.0, 0.0, 1.0]  # a grade field: three values over six points, one a fraction
    paths["deposits_fractions"] = _points(
        os.path.join(folder, "deposits_fractions.gpkg"),
        [(X0 + 1000 + 1500 * i, Y0 + 2000 + 1000 * i) for i in range(len(grades))],
        {"name": [f"d{i}" for i in range(len(grades))], "grade": grades},
    )
    return paths


def _sweep_inputs(folder: str, xy, cu, pb, bands) -> Dict[str, str]:
    """Inputs as a new user brings them to the steps after the samples (feat/sweep): CSV files written with
    decimal commas (read without saying so, their coordinates are text: a table without geometry), a line and a
    mask shapefile without .prj, a lithology whose class field is partly NULL, deposits whose class field is all
    NULL, a rotated raster, and a raster with nodata on every deposit's cell."""
    import geopandas as gpd
    import rasterio
    from affine import Affine
    from osgeo import ogr
    from rasterio.transform import from_origin
    from shapely.geometry import LineString, box

    paths: Dict[str, str] = {}
    comma = lambda v: f"{v}".replace(".", ",")  # noqa: E731
    paths["samples_csv_comma"] = os.path.join(folder, "samples_comma.csv")
    with open(paths["samples_csv_comma"], "w", encoding="utf-8") as handle:
        handle.write("x;y;Cu;Pb\n")
        handle.writelines(f"{comma(x)};{comma(y)};{comma(c)};{comma(p)}\n" for (x, y), c, p in zip(xy, cu, pb))
    deposits = [(X0 + 2000.5, Y0 + 2000.5), (X0 + 5000.5, Y0 + 6000.5), (X0 + 8000.5, Y0 + 3000.5)]
    paths["deposits_csv_comma"] = os.path.join(folder, "deposits_comma.csv")
    with open(paths["deposits_csv_comma"], "w", encoding="utf-8") as handle:
        handle.write("x;y;name\n" + "".join(f"{comma(x)};{comma(y)};{n}\n" for (x, y), n in zip(deposits, "abc")))
    for key in ("samples_csv_comma", "deposits_csv_comma"):  # as the Data Source Manager's defaults read them
        paths[f"{key}_uri"] = f"delimitedtext://file://{paths[key]}?delimiter=;&xField=x&yField=y&crs={CRS}"
    paths["faults_no_crs"] = os.path.join(folder, "faults_no_crs.shp")
    gpd.GeoDataFrame(
        {"id": [1, 2]},
        geometry=[
            LineString([(X0 + 500, Y0 + 500), (X0 + 9500, Y0 + 9000)]),
            LineString([(X0 + 500, Y0 + 8000), (X0 + 9000, Y0 + 1500)]),
        ],
    ).to_file(paths["faults_no_crs"], driver="ESRI Shapefile")  # no CRS: no .prj beside it
    paths["mask_no_crs"] = os.path.join(folder, "mask_no_crs.shp")
    gpd.GeoDataFrame({"id": [1]}, geometry=[box(X0 + 1000, Y0 + 1000, X0 + 9000, Y0 + 9000)]).to_file(
        paths["mask_no_crs"], driver="ESRI Shapefile"
    )
    strips = [f"POLYGON (({X0 + a} {Y0}, {X0 + a + 2500} {Y0}, {X0 + a + 2500} {Y0 + 10000}, {X0 + a} {Y0 + 10000}, "
              f"{X0 + a} {Y0}))" for a in (0, 2500, 5000, 7500)]  # fmt: skip
    paths["lithology_nulls"] = _ogr_layer(
        os.path.join(folder, "lithology_nulls.gpkg"),
        ogr.wkbPolygon,
        {"rock": ogr.OFTString},
        [(w, {"rock": r}) for w, r in zip(strips, ["granite", None, "gabbro", None])],
    )  # two strips mapped but not classified
    paths["deposits_null_class"] = _points(
        os.path.join(folder, "deposits_null_class.gpkg"), deposits, {"name": ["a", "b", "c"], "cls": [None] * 3}
    )
    paths["raster_rotated"] = os.path.join(folder, "rotated.tif")
    profile = dict(driver="GTiff", width=SIZE, height=SIZE, count=2, dtype="float32", crs=CRS, nodata=-9999.0,
                   transform=from_origin(X0, Y0 + SIZE * PIXEL, PIXEL, PIXEL) * Affine.rotation(15))  # fmt: skip
    with rasterio.open(paths["raster_rotated"], "w", **profile) as dst:
        dst.write(np.asarray(bands, dtype=np.float32))
        dst.descriptions = ("Cu", "Pb")
    holes = np.asarray(bands, dtype=np.float32).copy()
    for x, y in deposits:
        row, col = int((Y0 + SIZE * PIXEL - y) // PIXEL), int((x - X0) // PIXEL)
        holes[:, row - 1 : row + 2, col - 1 : col + 2] = -9999.0
    paths["raster_holes_at_deposits"] = _raster(os.path.join(folder, "holes_at_deposits.tif"), holes, ["Cu", "Pb"])
    paths["samples_elsewhere"] = _points(  # the samples of a survey 90 km to the east, with a Cu field only
        os.path.join(folder, "samples_elsewhere.gpkg"), xy + [90_000.0, 0.0], {"Cu": list(cu)}
    )
    return paths


def _sweep_file_inputs(folder: str, xy, cu, pb, bands) -> Dict[str, str]:
    """Files as a geologist has them (sweep of file formats): a CSV of samples given by its path (read as a table:
    OGR does not know its X and Y columns), label points whose class field is a Y / N flag, a lithology shapefile
    in Latin-1 without its .cpg (two rock names differing only in 'ä' / 'ö' then read alike), and a bottom-up
    GeoTIFF (positive y resolution, rows south to north)."""
    import rasterio
    from osgeo import ogr
    from rasterio.transform import Affine

    paths: Dict[str, str] = {}
    paths["samples_csv_path"] = os.path.join(folder, "samples_xy.csv")
    with open(paths["samples_csv_path"], "w", encoding="utf-8") as handle:
        handle.write("X,Y,Cu,Pb\n" + "".join(f"{x},{y},{c},{p}\n" for (x, y), c, p in zip(xy, cu, pb)))
    deposits = [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)]
    barren = [(X0 + 9000, Y0 + 9000), (X0 + 1000, Y0 + 9000), (X0 + 9000, Y0 + 500), (X0 + 500, Y0 + 5000)]
    paths["labels_yn"] = _points(
        os.path.join(folder, "labels_yn.gpkg"), deposits + barren, {"flag": ["Y"] * 3 + ["N"] * 4}
    )
    rings = [
        f"POLYGON (({X0 + a} {Y0}, {X0 + a + 2500} {Y0}, {X0 + a + 2500} {Y0 + 10000}, {X0 + a} {Y0 + 10000}, "
        f"{X0 + a} {Y0}))"
        for a in (0, 2500, 5000, 7500)
    ]
    paths["lithology_latin1"] = _latin1_shapefile(
        os.path.join(folder, "lithology_latin1.shp"), ogr.wkbPolygon, "rock",
        list(zip(rings, ("Kivi ä", "Kivi ö", "gabbro", "Kivi ä"))),
    )  # fmt: skip
    paths["labels_latin1"] = _latin1_shapefile(
        os.path.join(folder, "labels_latin1.shp"), ogr.wkbPoint, "luokka",
        [(f"POINT ({x} {y})", k) for (x, y), k in zip(deposits + barren, ["malmi ä", "malmi ö", "malmi ä"] + ["barren"] * 4)],
    )  # fmt: skip
    paths["raster_bottom_up"] = os.path.join(folder, "bottomup.tif")
    profile = dict(driver="GTiff", width=SIZE, height=SIZE, count=2, dtype="float32", crs=CRS, nodata=-9999.0,
                   transform=Affine(PIXEL, 0, X0, 0, PIXEL, Y0))  # fmt: skip
    with rasterio.open(paths["raster_bottom_up"], "w", **profile) as dst:
        dst.write(np.asarray(bands, dtype=np.float32)[:, ::-1, :])
        dst.descriptions = ("Cu", "Pb")
    return paths


#: a State Plane grid in US survey feet (NAD83 / Texas Central ftUS): 40 x 40 cells of 750 ft
FEET_CRS, FEET_X0, FEET_Y0, FEET_PIXEL = "EPSG:2277", 2_300_000.0, 10_000_000.0, 750.0
US_FOOT = 1200.0 / 3937.0  # metres in a US survey foot


def _sweep3_inputs(folder: str, bands) -> Dict[str, str]:
    """Inputs of the third sweep: the evidence, faults, lithology and deposits of a study area in a CRS in US survey
    feet; label points whose class fields are dates; a lithology classed by mapping date; an element raster with
    zeros (a C-A fractal needs logarithms)."""
    import geopandas as gpd
    import rasterio
    from osgeo import ogr
    from rasterio.transform import from_origin
    from shapely.geometry import LineString, Point, box

    paths: Dict[str, str] = {}
    paths["raster_ft"] = os.path.join(folder, "elements_ft.tif")
    profile = dict(driver="GTiff", width=SIZE, height=SIZE, count=2, dtype="float32", crs=FEET_CRS, nodata=-9999.0,
                   transform=from_origin(FEET_X0, FEET_Y0 + SIZE * FEET_PIXEL, FEET_PIXEL, FEET_PIXEL))  # fmt: skip
    with rasterio.open(paths["raster_ft"], "w", **profile) as dst:
        dst.write(np.asarray(bands, dtype=np.float32))
        dst.descriptions = ("Cu", "Pb")
    paths["raster_ft_no_crs"] = os.path.join(folder, "elements_ft_no_crs.tif")  # its CRS given in QGIS only
    with rasterio.open(paths["raster_ft_no_crs"], "w", **{**profile, "crs": None}) as dst:
        dst.write(np.asarray(bands, dtype=np.float32))
        dst.descriptions = ("Cu", "Pb")
    x, y = FEET_X0, FEET_Y0
    faults = [LineString([(x, y + 5000), (x + 30000, y + 25000)]), LineString([(x + 15000, y), (x + 15000, y + 30000)])]
    paths["faults_ft"] = os.path.join(folder, "faults_ft.gpkg")
    gpd.GeoDataFrame({"id": [1, 2]}, geometry=faults, crs=FEET_CRS).to_file(paths["faults_ft"], driver="GPKG")
    paths["lithology_ft"] = os.path.join(folder, "lithology_ft.gpkg")
    gpd.GeoDataFrame(
        {"rock": ["granite", "schist"]},
        geometry=[box(x, y, x + 12000, y + 30000), box(x + 12000, y, x + 30000, y + 30000)],
        crs=FEET_CRS,
    ).to_file(paths["lithology_ft"], driver="GPKG")
    deposits = [(x + 6000, y + 22500), (x + 15000, y + 18750), (x + 24000, y + 6000)]
    paths["deposits_ft"] = os.path.join(folder, "deposits_ft.gpkg")
    gpd.GeoDataFrame({"name": ["a", "b", "c"]}, geometry=[Point(p) for p in deposits], crs=FEET_CRS).to_file(
        paths["deposits_ft"], driver="GPKG"
    )
    points = [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)]
    points += [(X0 + 9000, Y0 + 9000), (X0 + 1000, Y0 + 9000), (X0 + 9000, Y0 + 500), (X0 + 500, Y0 + 5000)]
    paths["labels_dated"] = _ogr_layer(
        os.path.join(folder, "labels_dated.gpkg"),
        ogr.wkbPoint,
        {"cls": ogr.OFTInteger, "found": ogr.OFTDate, "logged": ogr.OFTDateTime},
        [
            (
                f"POINT ({px} {py})",
                {"cls": int(i < 3), "found": f"{2001 + i}-01-01", "logged": f"{2001 + i}-01-01T12:00:00"},
            )
            for i, (px, py) in enumerate(points)
        ],
    )  # each point found in another year: read as classes, seven mineralised classes
    strips = [f"POLYGON (({X0 + a} {Y0}, {X0 + a + 2500} {Y0}, {X0 + a + 2500} {Y0 + 10000}, {X0 + a} {Y0 + 10000}, "
              f"{X0 + a} {Y0}))" for a in (0, 2500, 5000, 7500)]  # fmt: skip
    paths["lithology_dated"] = _ogr_layer(
        os.path.join(folder, "lithology_dated.gpkg"),
        ogr.wkbPolygon,
        {"mapped": ogr.OFTDate},
        [(w, {"mapped": f"{1990 + i % 2}-05-01"}) for i, w in enumerate(strips)],
    )
    rng = np.random.default_rng(11)
    many = np.column_stack([X0 + rng.uniform(0, 10_000, 6000), Y0 + rng.uniform(0, 10_000, 6000)])
    paths["samples_6000"] = os.path.join(folder, "samples_6000.gpkg")
    gpd.GeoDataFrame(
        {"Cu": np.round(np.exp(rng.normal(3, 0.8, 6000)), 2)},
        geometry=gpd.points_from_xy(many[:, 0], many[:, 1]),
        crs=CRS,
    ).to_file(paths["samples_6000"], driver="GPKG")  # a dense survey: more than kriging's 5000 for one system
    zeros = np.asarray(bands, dtype=np.float32).copy()
    zeros[0, :5, :] = 0.0  # Cu of a lab that writes below-detection as 0
    paths["raster_zeros"] = _raster(os.path.join(folder, "zeros.tif"), zeros, ["Cu", "Pb"])
    # a classified geology map with a colour table, and a screenshot-like picture of a magnetic map (red, green,
    # blue bytes), on the test grid
    from rasterio.enums import ColorInterp
    from rasterio.transform import from_origin as origin

    grid = dict(driver="GTiff", width=SIZE, height=SIZE, crs=CRS, dtype="uint8",
                transform=origin(X0, Y0 + SIZE * PIXEL, PIXEL, PIXEL))  # fmt: skip
    paths["raster_paletted"] = os.path.join(folder, "geology_classes.tif")
    with rasterio.open(paths["raster_paletted"], "w", count=1, **grid) as dst:
        dst.write((np.arange(SIZE * SIZE).reshape(SIZE, SIZE) // 400 % 4).astype(np.uint8), 1)
        dst.write_colormap(
            1, {0: (255, 255, 190, 255), 1: (127, 201, 127, 255), 2: (190, 174, 212), 3: (253, 192, 134)}
        )
    paths["raster_rgb"] = os.path.join(folder, "magnetics_picture.tif")
    with rasterio.open(paths["raster_rgb"], "w", count=3, photometric="RGB", **grid) as dst:
        picture = (np.asarray(bands[0], dtype=np.float64) / np.nanmax(bands[0]) * 255).astype(np.uint8)
        dst.write(np.stack([picture, 255 - picture, picture // 2]))
        dst.colorinterp = (ColorInterp.red, ColorInterp.green, ColorInterp.blue)
    return paths


def _sweep5a_inputs(folder: str) -> Dict[str, str]:
    """Inputs of sweep 5a (whole workflow on new districts): the Kola C-horizon soil samples' Cu (605 samples, UTM
    zone 35N; tests/data/kola/chorizon_cu.csv), whose raw-value variogram is almost pure nugget (94 % of the sill)
    while that of log values is not (50 %); the Jura topsoil's 259 samples (Cd, Zn) in Swiss LV95 (EPSG:2056), one
    survey on a 250 m grid with nested close pairs (tests/data/jura/jura_pred.csv); a GeoPackage holding two line
    layers, faults and dykes, across the test grid."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import LineString

    table = pd.read_csv(os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "kola", "chorizon_cu.csv"))
    path = os.path.join(folder, "kola_chorizon_cu.gpkg")
    frame = gpd.GeoDataFrame(
        table[["ID", "Cu"]], geometry=gpd.points_from_xy(table["XCOO"], table["YCOO"]), crs="EPSG:32635"
    )
    frame.to_file(path, driver="GPKG", layer="kola_chorizon_cu")
    jura = pd.read_csv(os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "jura", "jura_pred.csv"))
    jura_path = os.path.join(folder, "jura_lv95.gpkg")
    gpd.GeoDataFrame(
        jura[["Cd", "Zn"]], geometry=gpd.points_from_xy(jura["x_lv95"], jura["y_lv95"]), crs="EPSG:2056"
    ).to_file(jura_path, driver="GPKG", layer="jura_lv95")
    structure = os.path.join(folder, "structure.gpkg")  # two line layers in one GeoPackage, as a GIS keeps them
    gpd.GeoDataFrame(
        {"name": ["F1"]}, geometry=[LineString([(X0 + 1000, Y0 + 500), (X0 + 9000, Y0 + 9500)])], crs=CRS
    ).to_file(structure, driver="GPKG", layer="faults")
    gpd.GeoDataFrame(
        {"name": ["D1"]}, geometry=[LineString([(X0 + 500, Y0 + 5000), (X0 + 9500, Y0 + 5000)])], crs=CRS
    ).to_file(structure, driver="GPKG", layer="dykes")
    # a second survey's GeoPackage with a 'faults' layer too, a dot in its name, its faults given by layer number
    region = os.path.join(folder, "region.v2.gpkg")
    gpd.GeoDataFrame(
        {"name": ["R1"]}, geometry=[LineString([(X0 + 500, Y0 + 9000), (X0 + 9500, Y0 + 1000)])], crs=CRS
    ).to_file(region, driver="GPKG", layer="contacts")
    gpd.GeoDataFrame(
        {"name": ["F2"]}, geometry=[LineString([(X0 + 5000, Y0 + 500), (X0 + 5000, Y0 + 9500)])], crs=CRS
    ).to_file(region, driver="GPKG", layer="faults")
    return {"kola_chorizon_cu": path, "jura_lv95": jura_path, "structure_faults": structure + "|layername=faults",
            "structure_dykes": structure + "|layername=dykes", "region_faults": region + "|layerid=1"}  # fmt: skip


def _band_distances_to_structure_layers(params: Dict[str, object]) -> None:
    """Layers of multi-layer GeoPackages give bands named for layer and file, 'faults (structure)', each the
    distance to its own lines (a shapely brute force at every cell centre): two layers of one file, and a 'faults'
    layer of a second file whose name holds dots, given by its layer number."""
    import geopandas as gpd
    import rasterio
    from shapely.geometry import Point

    with rasterio.open(str(params["OUTPUT"])) as src:
        names = list(src.descriptions)
        t = src.transform
        bands = {n: src.read(i + 1) for i, n in enumerate(names)}
    structure, region = (str(params["LINES"][i]).split("|")[0] for i in (0, 2))  # type: ignore[index]
    for path, layer in ((structure, "faults"), (structure, "dykes"), (region, "faults")):
        line = gpd.read_file(path, layer=layer).geometry.iloc[0]
        stem = os.path.splitext(os.path.basename(path))[0]
        band = bands[f"{layer} ({stem}):distance_m"]
        rows, cols = np.mgrid[0 : band.shape[0], 0 : band.shape[1]]
        xs, ys = t * (cols.ravel() + 0.5, rows.ravel() + 0.5)
        expected = np.array([line.distance(Point(x, y)) for x, y in zip(xs, ys)]).reshape(band.shape)
        np.testing.assert_allclose(band, expected, atol=0.01)


def _sweep4b_inputs(folder: str, xy, base, bands, labels) -> Dict[str, str]:
    """Inputs of sweep 4b (rasters, CRSs and models): the samples, faults, deposits and element raster in Web
    Mercator (EPSG:3857, as tiles are downloaded) over the same Lapland ground, 67.6° N, where its metres are 2.6
    ground metres; the element raster in Web Mercator at 21° N (7 % off)."""
    import geopandas as gpd
    import rasterio
    from pyproj import Transformer
    from rasterio.transform import from_origin
    from shapely.geometry import LineString

    paths: Dict[str, str] = {}
    gx, gy = np.meshgrid(np.linspace(500, 9500, 6), np.linspace(500, 9500, 6))  # 36 samples centred on the grid
    regular = np.column_stack([X0 + gx.ravel(), Y0 + gy.ravel()])
    paths["samples_3857"] = _points(os.path.join(folder, "samples_3857.gpkg"), regular, base, crs="EPSG:3857")
    paths["deposits_3857"] = _points(
        os.path.join(folder, "deposits_3857.gpkg"),
        [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)],
        {"name": ["a", "b", "c"]},
        crs="EPSG:3857",
    )
    paths["faults_3857"] = os.path.join(folder, "faults_3857.gpkg")
    lines = [LineString([(X0 + 500, Y0 + 500), (X0 + 9500, Y0 + 9000)])]
    gpd.GeoDataFrame({"id": [0]}, geometry=lines, crs=CRS).to_crs("EPSG:3857").to_file(paths["faults_3857"])
    x, y = Transformer.from_crs(CRS, "EPSG:3857", always_xy=True).transform(X0, Y0 + SIZE * PIXEL)
    cell = PIXEL * MERCATOR_RATIO  # 250 m on the ground
    mercator = dict(driver="GTiff", width=SIZE, height=SIZE, count=2, dtype="float32", crs="EPSG:3857",
                    nodata=-9999.0, transform=from_origin(x, y, cell, cell))  # fmt: skip
    tropics = {**mercator, "transform": from_origin(TROPICS_X0, TROPICS_Y0, PIXEL, PIXEL)}
    wide = {**mercator, "transform": from_origin(*_wide_corner(), WIDE_CELL, WIDE_CELL)}
    for key, name, profile in (("raster_3857", "elements_3857.tif", mercator),
                               ("raster_3857_tropics", "elements_3857_21n.tif", tropics),
                               ("raster_3857_wide", "elements_3857_wide.tif", wide)):  # fmt: skip
        paths[key] = os.path.join(folder, name)
        with rasterio.open(paths[key], "w", **profile) as dst:
            dst.write(np.asarray(bands, dtype=np.float32))
            dst.descriptions = ("Cu", "Pb")
    # a geophysics stack whose first two bands are both described 'tmi' (a field survey and its levelled copy) and
    # whose third has no description
    dup = np.stack([bands[0], np.asarray(bands[0]) * 0.9 + 5.0, np.asarray(bands[1])])
    paths["raster_dup_names"] = _raster(os.path.join(folder, "geophysics_dup.tif"), dup, ["tmi", "tmi", ""])
    # a favourability map in four classes (Byte, 1 low to 4 high, 0 nodata): the Cu quartiles of the test grid
    cu = np.asarray(bands[0], dtype=np.float64)
    classes = (1 + np.searchsorted(np.quantile(cu, [0.25, 0.5, 0.75]), cu, side="right")).astype(np.uint8)
    paths["raster_classes"] = os.path.join(folder, "favourability_classes.tif")
    byte = dict(driver="GTiff", width=SIZE, height=SIZE, count=1, dtype="uint8", crs=CRS, nodata=0,
                transform=from_origin(X0, Y0 + SIZE * PIXEL, PIXEL, PIXEL))  # fmt: skip
    with rasterio.open(paths["raster_classes"], "w", **byte) as dst:
        dst.write(classes, 1)
    # a second survey covering the west half of the grid only (20 of its 40 columns)
    paths["raster_west_half"] = os.path.join(folder, "magnetics_west_half.tif")
    west = dict(driver="GTiff", width=SIZE // 2, height=SIZE, count=1, dtype="float32", crs=CRS, nodata=-9999.0,
                transform=from_origin(X0, Y0 + SIZE * PIXEL, PIXEL, PIXEL))  # fmt: skip
    with rasterio.open(paths["raster_west_half"], "w", **west) as dst:
        dst.write(np.asarray(bands[1], dtype=np.float32)[:, : SIZE // 2], 1)
        dst.set_band_description(1, "tmi")
    # the tiny test model, trained as traincnn trains it: knowing its grid (250 m cells in EPSG:3067)
    import pyproj

    from geochem_prospector.core.learning.estimator import PatchCNN

    grid = dict(xmin=X0, ymax=Y0 + SIZE * PIXEL, pixel_size=PIXEL, width=SIZE, height=SIZE,
                crs_wkt=pyproj.CRS.from_user_input(CRS).to_wkt())  # fmt: skip
    fast = dict(patch_size=5, epochs=1, batch_size=64, seed=1, device="cpu", semi_supervised=False)
    paths["model_with_grid"] = (
        PatchCNN(**fast)
        .fit(bands, np.where(labels < 0, np.nan, labels), ["elements:Cu", "elements:Pb"], grid=grid)
        .save(os.path.join(folder, "model_with_grid.pt"))
    )
    return paths


def _brute_distance_m(t, shape, geometries) -> np.ndarray:
    """Distance in metres from every cell centre of a grid in US survey feet to the nearest of ``geometries``."""
    from shapely.geometry import Point

    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    cx, cy = t.c + (cols + 0.5) * t.a, t.f + (rows + 0.5) * t.e
    feet = np.array(
        [[min(g.distance(Point(a, b)) for g in geometries) for a, b in zip(rx, ry)] for rx, ry in zip(cx, cy)]
    )
    return feet * US_FOOT


def evidence_in_metres_on_a_grid_in_feet(params: Dict[str, object]) -> None:
    """On a grid in US survey feet the distance bands hold metres, as their names (…distance_m) and unit say: equal
    to a brute-force distance in feet × 0.3048006 within a centimetre; the density band holds km per km², its
    median over the cells near the faults within 10 % of a brute-force count (the length of the faults inside each
    cell's circle of DENSITY_RADIUS feet, both in metres). Before, both were in feet: distances 3.28 times too
    large and densities 3.28 times too small."""
    import geopandas as gpd
    import rasterio
    from shapely.geometry import Point

    with rasterio.open(str(params["OUTPUT"])) as src:
        names, t = list(src.descriptions), src.transform
        bands = {n: src.read(i) for i, n in enumerate(names, 1)}
        assert src.tags(names.index("faults_ft:distance_m") + 1)["UNIT"] == "m"
    faults = list(gpd.read_file(str(params["LINES"][0])).geometry)
    deposits = list(gpd.read_file(str(params["POINTS"][0])).geometry)
    shape = bands["faults_ft:distance_m"].shape
    np.testing.assert_allclose(bands["faults_ft:distance_m"], _brute_distance_m(t, shape, faults), atol=0.01)
    np.testing.assert_allclose(bands["deposits_ft:distance_m"], _brute_distance_m(t, shape, deposits), atol=0.01)
    radius = float(params["DENSITY_RADIUS"])
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    cx, cy = t.c + (cols + 0.5) * t.a, t.f + (rows + 0.5) * t.e
    length = np.array(
        [[sum(g.intersection(Point(a, b).buffer(radius, 64)).length for g in faults) for a, b in zip(rx, ry)]
         for rx, ry in zip(cx, cy)]
    )  # fmt: skip
    expected = (length * US_FOOT / 1000.0) / (np.pi * (radius * US_FOOT) ** 2 / 1e6)
    near = expected > 0
    ratio = np.median(bands["faults_ft:density_km_per_km2"][near] / expected[near])
    assert 0.9 < ratio < 1.1, ratio
    with rasterio.open(str(params["OUTPUT"])) as src:
        assert src.crs is not None and src.crs.to_epsg() == 2277, src.crs


def anomaly_areas_in_km2_on_a_grid_in_feet(params: Dict[str, object]) -> None:
    """On a grid in US survey feet area_km2 is the cells × (750 ft × 0.3048006 m/ft)² in km² and deposit_km the
    distance to the nearest deposit in km (brute force with shapely, in feet, converted). Before, feet were taken
    for metres: areas 10.8 times and distances 3.28 times too large."""
    import geopandas as gpd

    areas = gpd.read_file(written_path(str(params["OUTPUT_ANOMALIES"])))
    deposits = list(gpd.read_file(str(params["DEPOSITS"])).geometry)
    assert len(areas), "no anomaly area"
    cell_km2 = (FEET_PIXEL * US_FOOT) ** 2 / 1e6
    np.testing.assert_allclose(areas["area_km2"], areas["cells"] * cell_km2, rtol=1e-9)
    km = [min(g.distance(p) for p in deposits) * US_FOOT / 1000.0 for g in areas.geometry]
    np.testing.assert_allclose(areas["deposit_km"], km, rtol=1e-6, atol=1e-9)
    assert areas["deposit_km"].max() > 0, "every area holds a deposit: the distance is not checked"


def geojson_areas_written(params: Dict[str, object]) -> None:
    """The ranked anomalies written as GeoJSON (the format the refusal of .shp recommends), upper-case extension
    kept: one feature per area, with its rank; before, "Unexpected error …: the GeoJSON format does not have
    layers"."""
    import geopandas as gpd

    path = str(params["OUTPUT_ANOMALIES"])
    assert path.endswith(".GeoJSON") and os.path.isfile(path), path
    areas = gpd.read_file(path)
    assert len(areas) > 0 and sorted(areas["rank"]) == list(range(1, len(areas) + 1)), areas


def _saved_to_geopackage(d: Dict[str, str], p: Dict[str, object]) -> Dict[str, object]:
    """OUTPUT_CONTOURS as QGIS's 'Save to GeoPackage…' writes it: a table inside a GeoPackage."""
    folder = os.path.dirname(str(p["OUTPUT_CONTOURS"]))
    return {**p, "OUTPUT_CONTOURS": f"ogr:dbname='{folder}/results.gpkg' table=\"contours\" (geom)"}


def band_names_of_dates_as_iso(params: Dict[str, object]) -> None:
    """A lithology classed by a date field gives bands named by ISO dates ('lithology_dated:1990-05-01'), not by
    PyQt's 'PyQt5.QtCore.QDate(1990, 5, 1)'."""
    import rasterio

    with rasterio.open(str(params["OUTPUT"])) as src:
        names = list(src.descriptions)
    assert "lithology_dated:1990-05-01" in names and "lithology_dated:1991-05-01" in names, names
    assert not any("QDate" in str(n) for n in names), names


def band_named_for_the_csv_file(params: Dict[str, object]) -> None:
    """A layer given as a URI has no layer name: its band is named for its file ('deposits:distance_m'), not
    ':distance_m'."""
    import rasterio

    with rasterio.open(str(params["OUTPUT"])) as src:
        names = list(src.descriptions)
    assert "deposits:distance_m" in names, names
    assert not any(str(n).startswith(":") for n in names), names


def _assert_brute_force_idw(params: Dict[str, object], sxy: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The written grid equals a brute-force IDW of ``values`` at ``sxy`` (8 nearest samples, power 2, on log10
    values: the matrix's interpolate settings); returns the grid."""
    import rasterio

    logs = np.log10(values)
    with rasterio.open(str(params["OUTPUT"])) as src:
        grid, t = src.read(1), src.transform
    rows, cols = np.mgrid[0 : grid.shape[0], 0 : grid.shape[1]]
    cx, cy = t.c + (cols.ravel() + 0.5) * t.a, t.f + (rows.ravel() + 0.5) * t.e
    d = np.hypot(sxy[None, :, 0] - cx[:, None], sxy[None, :, 1] - cy[:, None])
    near = np.argsort(d, axis=1)[:, :8]
    dn = np.take_along_axis(d, near, axis=1)
    w = 1.0 / dn**2
    expected = 10 ** ((w * logs[near]).sum(axis=1) / w.sum(axis=1))
    np.testing.assert_allclose(grid.ravel(), expected, rtol=1e-5)
    return grid


def units_from_russian_and_chinese_field_names(params: Dict[str, object]) -> None:
    """Each band keeps the unit its field's name states in Russian or Chinese notation, not UNITS' ppm: gold in
    mg/t and x 1e-9 is in ppb, 1000 times less than a legend in ppm would say."""
    import rasterio

    with rasterio.open(str(params["OUTPUT"])) as src:
        units = list(src.units)
    assert units == ["мг/т", "×10⁻⁹", "10⁻⁶", "г/т"], units


def percentile_thresholds(params: Dict[str, object]) -> None:
    """The Cu and Pb thresholds are numpy's 90th, 95th and 97.5th percentiles of the raster's cells (read with
    rasterio, nodata out): '90;95;97,5' was read with its decimal comma."""
    import csv

    import rasterio

    with open(str(params["OUTPUT_TABLE"]), newline="", encoding="utf-8") as handle:
        rows = {row["element"]: row for row in csv.DictReader(handle)}
    with rasterio.open(str(params["INPUT_RASTER"])) as src:
        for i, name in enumerate(src.descriptions, start=1):
            cells = src.read(i, masked=True).compressed()
            expected = np.percentile(cells, [90, 95, 97.5])
            got = [float(rows[name][level]) for level in ("weak", "moderate", "strong")]
            np.testing.assert_allclose(got, expected, rtol=1e-5)


def classes_at_the_given_limits(params: Dict[str, object]) -> None:
    """The class raster is 1 below 0.3, 2 from 0.3 and 3 from 0.7 of the written probabilities (numpy on the
    probability raster read with rasterio): the limits typed '0,3;0,7' or '30%,70%' were read as 0.3 and 0.7."""
    import rasterio

    with rasterio.open(str(params["OUTPUT"])) as src:
        probability = src.read(1, masked=True)
    with rasterio.open(str(params["OUTPUT_CLASSES"])) as src:
        classes = src.read(1, masked=True)
    expected = 1 + (probability >= np.float32(0.3)).astype(int) + (probability >= np.float32(0.7)).astype(int)
    assert not classes.mask[~probability.mask].any()
    np.testing.assert_array_equal(classes.compressed(), expected.compressed())
    assert len(np.unique(expected.compressed())) >= 2


def barren_points_labelled_barren(params: Dict[str, object]) -> None:
    """Pseudolabel's label raster holds 0 (barren) at the four points whose flag says no, 1 at the three deposits:
    the cells under them read with rasterio."""
    import rasterio

    with rasterio.open(str(params["OUTPUT"])) as src:
        labels = src.read(1)
        cells = [src.index(x, y) for x, y in _DEPOSITS_10B + _BARREN_10B]
    assert [int(labels[r, c]) for r, c in cells] == [1, 1, 1, 0, 0, 0, 0], [labels[r, c] for r, c in cells]


def idw_of_numbers_grouped_by_spaces(params: Dict[str, object]) -> None:
    """The grid equals a brute-force IDW of `Cu_fr` read by hand (narrow no-break spaces out, the decimal comma a
    point): every sample, the 25 of 36 above 1,000 included, which were skipped as text before."""
    import geopandas as gpd

    frame = gpd.read_file(str(params["INPUT"]))
    text = frame["Cu_fr"].astype(str)
    values = text.str.replace("\u202f", "", regex=False).str.replace(",", ".", regex=False).astype(float).to_numpy()
    assert (values > 1000).sum() > 5
    sxy = np.column_stack([frame.geometry.x, frame.geometry.y])
    grid = _assert_brute_force_idw(params, sxy, values)
    assert grid.max() > 1000


def idw_checked_one_at_a_time_at_a_subset(params: Dict[str, object]) -> None:
    """IDW over every sample (NEIGHBORS 0) of 6,000: each IDW power's cross-validation leaves out one sample at a
    time at 3,000 of them (a 10-fold check would cost 6,000 x 5,400 distances a fold and power); no kriging row."""
    import csv

    with open(os.path.join(os.path.dirname(str(params["OUTPUT"])), "cv.csv"), newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(r["method"] == "idw" for r in rows)
    assert all(r["scheme"] == "leave-one-out at 3,000 of 6,000 samples" and r["n"] == "3000" for r in rows)
    assert all(float(r["rmse"]) > 0 for r in rows)


def idw_without_fill_codes(params: Dict[str, object]) -> None:
    """The grid equals a brute-force IDW of the samples read with geopandas, the -9999 codes left out; before the
    fix they were 4999.5 ppm."""
    import geopandas as gpd

    frame = gpd.read_file(str(params["INPUT"]))
    frame = frame[frame["Cu"] != -9999.0]
    sxy = np.column_stack([frame.geometry.x, frame.geometry.y])
    grid = _assert_brute_force_idw(params, sxy, frame["Cu"].to_numpy(dtype=float))
    assert grid.max() < 1000.0


def idw_with_over_limit_values_at_their_limit(params: Dict[str, object]) -> None:
    """The grid equals a brute-force IDW of every sample read with geopandas, '>200' as 200; before, those three
    (the survey's highest) were skipped as text, and the grid stayed below the next highest sample."""
    import geopandas as gpd

    frame = gpd.read_file(str(params["INPUT"]))
    text = frame["Cu"].astype(str)
    values = text.str.replace(">", "", regex=False).astype(float).to_numpy()
    sxy = np.column_stack([frame.geometry.x, frame.geometry.y])
    grid = _assert_brute_force_idw(params, sxy, values)
    assert grid.max() > values[~text.str.startswith(">").to_numpy()].max()


def distance_to_curved_fault(params: Dict[str, object]) -> None:
    """The fault band equals the exact distance to the true arc (centre X0 + 6000, Y0 + 1750, radius 3250 m: through
    the CIRCULARSTRING's three points, by hand) and the straight part, within 1 m (QGIS draws arcs in 1° steps,
    at most 0.2 m off here)."""
    import rasterio

    with rasterio.open(str(params["OUTPUT"])) as src:
        names = list(src.descriptions)
        band = next(i for i, n in enumerate(names, 1) if n and n.startswith("faults_curve:") and "distance" in n)
        values, t = src.read(band), src.transform
    rows, cols = np.mgrid[0 : values.shape[0], 0 : values.shape[1]]
    px, py = t.c + (cols + 0.5) * t.a - X0, t.f + (rows + 0.5) * t.e - Y0
    cx, cy, r = 6000.0, 1750.0, 3250.0
    angle = np.arctan2(py - cy, px - cx)
    a0 = np.arctan2(3000.0 - cy, 9000.0 - cx)  # the arc runs from this angle (east end) to pi - a0 (west end)
    on_arc = (angle >= a0) & (angle <= np.pi - a0)
    ends = np.minimum(np.hypot(px - 3000.0, py - 3000.0), np.hypot(px - 9000.0, py - 3000.0))
    arc = np.where(on_arc, np.abs(np.hypot(px - cx, py - cy) - r), ends)
    t_seg = np.clip(((px - 500.0) * 2500.0 + (py - 500.0) * 2500.0) / (2 * 2500.0**2), 0.0, 1.0)
    straight = np.hypot(px - (500.0 + t_seg * 2500.0), py - (500.0 + t_seg * 2500.0))
    np.testing.assert_allclose(values, np.minimum(arc, straight), atol=1.0)


def _number_inputs(folder: str, xy, cu, base, bands) -> Dict[str, str]:
    """Numbers as tables and rasters write them (see the 'numbers as meant' rows): element fields as text with
    thousands separators or decimal commas, values beyond float32, and a raster holding -9999 in a block of
    cells without a nodata tag."""
    paths: Dict[str, str] = {}
    ppm = np.round(cu * 100) + 0.5  # about 400 to 20,000 (cu * 100, and a half): most need a thousands separator
    text = {
        "Cu_txt": [f"{v:,}" for v in ppm],  # '1,250.5' and '850.3': the point decides, commas are thousands
        "Cu_int": [f"{int(v):,}" for v in ppm],  # '1,250' and '850' only: ambiguous
        "Cu_dec": [f"{v:.2f}".replace(".", ",") for v in cu],  # '20,09': decimal commas
    }
    paths["thousands"] = _points(os.path.join(folder, "thousands.gpkg"), xy, {**base, **text})
    paths["thousands_cu"] = _points(os.path.join(folder, "thousands_cu.gpkg"), xy, {**base, "Cu": text["Cu_txt"]})
    beyond = cu.copy()
    beyond[:2] = 1e39  # a fill code no float32 band can hold
    paths["beyond_float32"] = _points(os.path.join(folder, "beyond_float32.gpkg"), xy, {**base, "Cu": beyond.tolist()})
    paths["all_beyond_float32"] = _points(
        os.path.join(folder, "all_beyond_float32.gpkg"), xy, {**base, "Cu": [1e39] * len(cu)}
    )
    fill = bands.copy()
    fill[0, 5:12, 5:12] = -9999.0  # 49 of Cu's 1,600 cells, and the file does not say it is nodata
    paths["fill_no_nodata"] = _raster(os.path.join(folder, "fill.tif"), fill, ["Cu", "Pb"], nodata=None)
    return paths


def _files_behind_inputs(folder: str, bands: np.ndarray) -> Dict[str, str]:
    """Inputs that rest on more than one file: a CSV read through a URI, a shapefile and its parts, a VRT with a
    source relative to it, a raster with statistics beside it, and a GeoTIFF named like an overview file."""
    import geopandas as gpd
    from shapely.geometry import Point

    paths: Dict[str, str] = {}
    deposits = [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)]
    paths["deposits_csv"] = os.path.join(folder, "deposits.csv")
    with open(paths["deposits_csv"], "w", encoding="utf-8") as handle:
        handle.write("x,y,name\n" + "".join(f"{x},{y},{n}\n" for (x, y), n in zip(deposits, "abc")))
    paths["deposits_csv_uri"] = (
        f"delimitedtext://file://{paths['deposits_csv']}?delimiter=,&xField=x&yField=y&crs={CRS}"
    )
    frame = gpd.GeoDataFrame({"name": ["a", "b", "c"]}, geometry=[Point(x, y) for x, y in deposits], crs=CRS)
    paths["deposits_shp"] = os.path.join(folder, "deposits_shp.shp")
    frame.to_file(paths["deposits_shp"], driver="ESRI Shapefile")
    paths["deposits_dbf"] = os.path.join(folder, "deposits_shp.dbf")
    paths["deposits_layername"] = os.path.join(folder, "deposits.gpkg") + "|layername=deposits"
    paths["vrt_source"] = _raster(os.path.join(folder, "vrt_source.tif"), bands, ["Cu", "Pb"])
    paths["vrt"] = os.path.join(folder, "stack.vrt")
    with open(paths["vrt"], "w", encoding="utf-8") as handle:
        handle.write(_vrt_xml("vrt_source.tif", bands.shape[0]))
    paths["styled"] = _raster(os.path.join(folder, "styled.tif"), bands, ["Cu", "Pb"])
    paths["styled_aux"] = paths["styled"] + ".aux.xml"
    with open(paths["styled_aux"], "w", encoding="utf-8") as handle:
        handle.write(
            '<PAMDataset><PAMRasterBand band="1"><Metadata><MDI key="STATISTICS_MEAN">1</MDI>'
            "</Metadata></PAMRasterBand></PAMDataset>\n"
        )
    paths["overview_named"] = _raster(os.path.join(folder, "prior.tif.ovr"), bands, ["Cu", "Pb"])
    paths["overview_owner"] = os.path.join(folder, "prior.tif")
    return paths


def _vrt_xml(source: str, count: int) -> str:
    """A VRT over ``source`` (named relative to the VRT), band by band, as gdalbuildvrt writes one."""
    import pyproj

    bands = "".join(
        f'<VRTRasterBand dataType="Float32" band="{i}"><NoDataValue>-9999</NoDataValue>'
        f"<Description>{'Cu' if i == 1 else 'Pb'}</Description><SimpleSource>"
        f'<SourceFilename relativeToVRT="1">{source}</SourceFilename><SourceBand>{i}</SourceBand>'
        f'<SrcRect xOff="0" yOff="0" xSize="{SIZE}" ySize="{SIZE}"/>'
        f'<DstRect xOff="0" yOff="0" xSize="{SIZE}" ySize="{SIZE}"/></SimpleSource></VRTRasterBand>'
        for i in range(1, count + 1)
    )
    return (
        f'<VRTDataset rasterXSize="{SIZE}" rasterYSize="{SIZE}"><SRS>{pyproj.CRS(CRS).to_wkt()}</SRS>'
        f"<GeoTransform>{X0}, {PIXEL}, 0, {Y0 + SIZE * PIXEL}, 0, {-PIXEL}</GeoTransform>{bands}</VRTDataset>\n"
    )


def _model_files(folder: str, bands: np.ndarray, labels: np.ndarray) -> Dict[str, str]:
    """A tiny trained model for predict, and the model files we did not write: junk, truncated, another band set,
    and a pickle that would create ``crafted_marker`` when unpickled without ``weights_only``."""
    from geochem_prospector.core.learning.estimator import PatchCNN

    paths: Dict[str, str] = {}
    labels = np.where(labels < 0, np.nan, labels)
    fast = dict(patch_size=5, epochs=1, batch_size=64, seed=1, device="cpu", semi_supervised=False)
    paths["model"] = (
        PatchCNN(**fast).fit(bands, labels, ["elements:Cu", "elements:Pb"]).save(os.path.join(folder, "model.pt"))
    )
    paths["model_other_bands"] = (
        PatchCNN(**fast)
        .fit(bands, labels, ["gravity:bouguer", "magnetics:tmi"])
        .save(os.path.join(folder, "model_other_bands.pt"))
    )
    paths["model_junk"] = os.path.join(folder, "model_junk.pt")
    with open(paths["model_junk"], "wb") as handle:
        handle.write(np.random.default_rng(3).bytes(4096))
    with open(paths["model"], "rb") as handle:
        whole = handle.read()
    paths["model_truncated"] = os.path.join(folder, "model_truncated.pt")
    with open(paths["model_truncated"], "wb") as handle:
        handle.write(whole[: len(whole) // 2])
    # never created by the tests: its existence after a run means the crafted file ran code
    paths["crafted_marker"] = os.path.join(folder, "crafted_marker")
    paths["model_crafted"] = crafted_model(os.path.join(folder, "model_crafted.pt"), paths["crafted_marker"])
    paths["model_crafted_legacy"] = crafted_model(
        os.path.join(folder, "model_crafted_legacy.pt"), paths["crafted_marker"], legacy=True
    )
    paths.update(_malformed_models(folder, paths["model"]))
    return paths


def _malformed_models(folder: str, good: str) -> Dict[str, str]:
    """The tiny model changed in one place each (metadata or a tensor), and a zip bomb made from it."""
    import math

    import torch

    def nan_median(meta, weights):
        meta["normalisation"]["median"][0] = math.nan  # what a constant band's NaN statistics would give

    def positive_class(meta, weights):
        meta["positive_class"] = 7

    def grid_text(meta, weights):
        meta["grid"]["pixel_size"] = "250 m"

    def reversed_range(meta, weights):
        meta["band_range"][0] = meta["band_range"][0][::-1]  # highest first: predict's range check would misread it

    def integer_weights(meta, weights):
        weights["member0.fc.weight"] = weights["member0.fc.weight"].to(torch.int64)

    paths = {}
    for key, change in (
        ("model_nan_normalisation", nan_median),
        ("model_positive_class", positive_class),
        ("model_grid_text", grid_text),
        ("model_integer_weights", integer_weights),
        ("model_reversed_range", reversed_range),
    ):
        paths[key] = malformed_model(good, os.path.join(folder, f"{key}.pt"), change)
    paths["model_bomb"] = zip_bomb(good, os.path.join(folder, "model_bomb.pt"))
    return paths


def malformed_model(good: str, path: str, change: Callable[[Dict[str, object], Dict[str, object]], None]) -> str:
    """``good`` read back safely, ``change(metadata, weights)`` applied, saved as ``path`` as torch.save writes."""
    import json

    import torch

    raw = torch.load(good, weights_only=True)
    metadata = json.loads(raw["metadata"])
    change(metadata, raw["weights"])
    raw["metadata"] = json.dumps(metadata)
    torch.save(raw, path)
    return path


def zip_bomb(good: str, path: str, size: int = 1024**3) -> str:
    """``good`` with its first tensor's data (``data/0``) replaced by ``size`` zero bytes, deflated: ~1 MB per GiB.
    Written in 1 MiB pieces, so making it allocates no more than that."""
    import zipfile

    chunk = bytes(1024**2)
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            if not info.filename.endswith("/data/0"):
                dst.writestr(info, src.read(info.filename))
                continue
            entry = zipfile.ZipInfo(info.filename)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(entry, "w", force_zip64=True) as handle:
                for start in range(0, size, len(chunk)):
                    handle.write(chunk[: size - start])
    return path


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


def _huge_raster(path: str, width: int = 200_000, height: int = 200_000, pixel: float = 1.0) -> str:
    """A ``width`` x ``height`` cell GeoTIFF (one band, Cu) of a few kilobytes: sparse tiles, nothing written."""
    import rasterio
    from rasterio.transform import from_origin

    profile = dict(
        driver="GTiff",
        width=width,
        height=height,
        count=1,
        dtype="float32",
        crs=CRS,
        transform=from_origin(X0, Y0 + height * pixel, pixel, pixel),
        nodata=-9999.0,
        tiled=True,
        blockxsize=512,
        blockysize=512,
        sparse_ok=True,
        compress="deflate",
        BIGTIFF="IF_SAFER",
    )
    with rasterio.open(path, "w", **profile) as dst:
        dst.set_band_description(1, "Cu")
    return path


def crafted_model(path: str, marker: str, legacy: bool = False) -> str:
    """A model file (right format tag) whose pickle calls ``open(marker, "w")`` when unpickled unsafely: a torch
    zip archive, or (``legacy``) the older non-zip torch format, which torch.load reads by another path."""
    import builtins

    import torch

    from geochem_prospector.core.learning.model_file import FORMAT

    class Payload:
        def __reduce__(self):
            return (builtins.open, (marker, "w"))

    payload = {"format": FORMAT, "format_version": 1, "metadata": "{}", "weights": Payload()}
    torch.save(payload, path, _use_new_zipfile_serialization=not legacy)
    return path


def digest(paths: Iterable[str]) -> Dict[str, str]:
    """SHA-256 of every input file, so a test can show that inputs were not modified."""
    result = {}
    for path in paths:
        with open(path, "rb") as handle:
            result[path] = hashlib.sha256(handle.read()).hexdigest()
    return result


def archive_file(value: object) -> Optional[str]:
    """The archive a file inside an archive is read from ('/vsizip//data/x.zip/a.tif' -> '/data/x.zip'), for the
    checks that inputs stay untouched; None for anything else."""
    if not isinstance(value, str) or not value.startswith("/vsi"):
        return None
    path = "/" + value.split("|")[0].split("/", 2)[2].lstrip("/")
    while path not in ("/", "") and not os.path.isfile(path):
        path = os.path.dirname(path)
    return path if os.path.isfile(path) else None


def hashed_inputs(params: Dict[str, object]) -> List[str]:
    """The files of a row's parameters to hash before and after the run: every value (or list item) that is a file,
    and the archive of a file inside one, given as its '/vsizip/…' path or as a layer on it."""
    paths = []
    for value in params.values():
        for item in value if isinstance(value, list) else [value]:
            source = item.source() if hasattr(item, "source") and callable(item.source) else item
            if isinstance(item, str) and os.path.isfile(item):
                paths.append(item)
            elif archive_file(source):
                paths.append(str(archive_file(source)))
    return paths


def input_file(value: object) -> Optional[str]:
    """The file a parameter value names: a path, ``path|layername=…``, ``provider://file:///path?…``, or the
    archive of a ``/vsizip/…`` path."""
    if not isinstance(value, str) or not value:
        return None
    if archive_file(value):
        return archive_file(value)
    text = value.split("://", 1)[1] if value.split("://", 1)[0].isalpha() and "://" in value else value
    if text.startswith("file:"):
        text = unquote(urlparse(text).path)
    text = text.split("|")[0]
    return text if os.path.isfile(text) else None


def input_folders(params: Dict[str, object]) -> List[str]:
    """The folders of every input (not the outputs): everything in them must be unchanged after a run."""
    folders = set()
    for key, value in params.items():
        if key.startswith("OUTPUT"):
            continue
        for item in value if isinstance(value, list) else [value]:
            path = input_file(item)
            if path:
                folders.add(os.path.dirname(os.path.abspath(path)))
    return sorted(folders)


def folder_digest(folders: Iterable[str]) -> Dict[str, str]:
    """SHA-256 of every file in the folders, by path: names and bytes (a new sidecar shows as a new name)."""
    result = {}
    for folder in folders:
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                with open(path, "rb") as handle:
                    result[path] = hashlib.sha256(handle.read()).hexdigest()
    return result


@contextmanager
def output_folder(case: "Case", data: Dict[str, str], tmp_path: str) -> Iterator[str]:
    """Where a row's outputs go: a fresh folder, a path under a regular file, /proc, or a small tmpfs (filled by
    the row's ``prepare``) mounted for the row and unmounted after it."""
    import pytest

    if case.outputs_in == "file":
        yield data["not_a_folder"]
    elif case.outputs_in == "/proc":
        yield "/proc"
    elif case.outputs_in == "small disk":
        mount = os.path.join(tmp_path, "disk")
        os.mkdir(mount)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", mount], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs for the full-disk row (needs root): {done.stderr.decode()}")
        try:
            yield mount
        finally:
            subprocess.run(["umount", "-l", mount], capture_output=True)
    else:
        yield tmp_path


def fill_disk(d: Dict[str, str], params: Dict[str, object]) -> None:
    """Fill the output folder's file system to the last byte (the old outputs are already there)."""
    fill_file_system(os.path.dirname(str(params["OUTPUT"])))


def fill_file_system(folder: str) -> None:
    """Write zeros into ``folder`` until its file system is full."""
    fd = os.open(os.path.join(folder, "filler"), os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)


def immutable(key: str):
    """Make the (old) file at output ``key`` immutable (chattr +i); undone after the row."""

    def prepare(d: Dict[str, str], params: Dict[str, object]):
        import pytest

        path = str(params[key])
        if subprocess.run(["chattr", "+i", path], capture_output=True).returncode != 0:
            pytest.skip("chattr +i is not permitted here (needs root on a file system with attributes)")
        return lambda: subprocess.run(["chattr", "-i", path], capture_output=True)

    return prepare


def folder_at(key: str):
    """A folder where output ``key`` goes (its old file removed first)."""

    def prepare(d: Dict[str, str], params: Dict[str, object]) -> None:
        path = str(params[key])
        if os.path.exists(path):
            os.remove(path)
        os.mkdir(path)

    return prepare


def killed_runs_left_temporaries(d: Dict[str, str], params: Dict[str, object]):
    """Temporaries beside the output as runs leave them: of a dead process of this host (removed by the run),
    of a live one (this test process) and of another host (both kept)."""
    folder = os.path.dirname(str(params["OUTPUT"]))
    host = "".join(c if c.isalnum() or c in "._-" else "_" for c in socket.gethostname())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = f".partial-{host}-{child.pid}-deadbeef.tif"
    kept = [f".partial-{host}-{os.getpid()}-aliveabc.tif", f".partial-elsewhere.example-{child.pid}-otherhst.tif"]
    for name in [dead, dead + ".aux.xml", *kept]:
        with open(os.path.join(folder, name), "w") as handle:
            handle.write("left by a run\n")

    def check() -> None:
        names = os.listdir(folder)
        assert dead not in names and dead + ".aux.xml" not in names, names
        assert all(name in names for name in kept), names
        for name in kept:
            os.remove(os.path.join(folder, name))

    return check


def reused_process_id_left_temporaries(d: Dict[str, str], params: Dict[str, object]):
    """Sweep 10a: a run killed before a restart left a temporary and a backup of the previous grid (its new grid
    never arrived), named for a process id that now belongs to a live process (here this test process) started at
    another time; and the live process's own temporary. The run removes the first, puts the grid back from the
    backup and replaces it, and keeps the live process's file."""
    folder = os.path.dirname(str(params["OUTPUT"]))
    host = "".join(c if c.isalnum() or c in "._-" else "_" for c in socket.gethostname())
    with open(f"/proc/{os.getpid()}/stat") as handle:
        ticks = int(handle.read().rsplit(")", 1)[1].split()[19])  # when this process started (field 22)
    stale = f".partial-{host}-{os.getpid()}@{ticks - 1}-reusedid"
    own = f".partial-{host}-{os.getpid()}@{ticks}-runsnow1.tif"
    for name in (stale + ".tif", stale + ".old~other.tif", own):
        with open(os.path.join(folder, name), "w") as handle:
            handle.write("left by a run\n")

    def check() -> None:
        names = os.listdir(folder)
        assert stale + ".tif" not in names and stale + ".old~other.tif" not in names, names
        assert "other.tif" in names and own in names, names  # the backup put back, the live run's file kept
        for name in ("other.tif", own):
            os.remove(os.path.join(folder, name))

    return check


def output_folder_renamed_while_writing(d: Dict[str, str], params: Dict[str, object]):
    """Sweep 10a (processing.run only: it wraps the choice of read-back check in this process, called right after
    the first temporary is made): the output folder is renamed just as the step starts writing into it, as a user
    tidying folders or a sync client does. After the run: the temporary must not be left in the renamed folder;
    the folder is renamed back."""
    import geochem_prospector.core.io.outputs as outputs

    folder = os.path.dirname(str(params["OUTPUT"]))
    moved = folder + " (renamed)"
    real = outputs.default_verifier

    def rename_then_choose(path: str):
        if os.path.isdir(folder):
            os.rename(folder, moved)
        return real(path)

    outputs.default_verifier = rename_then_choose

    def undo() -> None:
        outputs.default_verifier = real
        left = sorted(os.listdir(moved)) if os.path.isdir(moved) else []
        if os.path.isdir(moved):
            for name in left:
                os.remove(os.path.join(moved, name))
            os.rmdir(moved)
        os.makedirs(folder, exist_ok=True)
        assert not left, f"left in the renamed folder: {left}"

    return undo


def put_old_outputs(paths: Iterable[str]) -> None:
    """Files where the outputs will go, as left by an earlier run."""
    for path in paths:
        with open(path, "w") as handle:
            handle.write("an earlier run's output\n")


# ---- the matrix ------------------------------------------------------------------------------------------------

ALGS = ("interpolate", "anomalies", "pseudolabel", "evaluate", "traincnn", "predict", "evidence")


def outputs_for(alg: str, folder: str) -> Dict[str, str]:
    """Every destination parameter of ``alg``, as files in ``folder``."""
    join = os.path.join
    return {
        "interpolate": {"OUTPUT": join(folder, "grid.tif")},
        "anomalies": {
            "OUTPUT": join(folder, "classes.tif"),
            "OUTPUT_CONTOURS": join(folder, "contours.gpkg"),
            "OUTPUT_ANOMALIES": join(folder, "areas.gpkg"),
            "OUTPUT_TABLE": join(folder, "thresholds.csv"),
        },
        "pseudolabel": {
            "OUTPUT": join(folder, "labels.tif"),
            "OUTPUT_CONFIDENCE": join(folder, "confidence.tif"),
            "OUTPUT_SUMMARY": join(folder, "summary.json"),
        },
        "evaluate": {"OUTPUT_REPORT": join(folder, "report.html"), "OUTPUT_TABLE": join(folder, "table.csv")},
        "traincnn": {"OUTPUT_MODEL": join(folder, "model.pt"), "OUTPUT_REPORT": join(folder, "training.html")},
        "predict": {
            "OUTPUT": join(folder, "prospectivity.tif"),
            "OUTPUT_UNCERTAINTY": join(folder, "uncertainty.tif"),
            "OUTPUT_CLASSES": join(folder, "prospectivity_classes.tif"),
        },
        "evidence": {"OUTPUT": join(folder, "evidence.tif"), "OUTPUT_TABLE": join(folder, "bands.csv")},
        "trainmodel": {"OUTPUT_MODEL": join(folder, "classic.pt"), "OUTPUT_REPORT": join(folder, "classic.html")},
        "comparemodels": {"OUTPUT_REPORT": join(folder, "compare.html"), "OUTPUT_TABLE": join(folder, "compare.csv")},
        # the graphical model's outputs are named '<step>:<output>' (sweep 21b)
        "prospectivity_workflow": {
            "anomalies:anomaly_contours": join(folder, "contours.gpkg"),
            "anomalies:ranked_anomalies": join(folder, "anomalies.gpkg"),
            "pseudolabel:pseudolabels": join(folder, "labels.tif"),
            "traincnn:training_report": join(folder, "training.html"),
            "predict:prospectivity": join(folder, "prospectivity.tif"),
            "evaluate:evaluation_report": join(folder, "evaluation.html"),
            "evaluate:evaluation_table": join(folder, "evaluation.csv"),
            "comparemodels:comparison_report": join(folder, "comparison.html"),
            "comparemodels:comparison_table": join(folder, "comparison.csv"),
        },
    }[alg]


def base_params(alg: str, d: Dict[str, str]) -> Dict[str, object]:
    """A run of ``alg`` that succeeds; each case changes one thing."""
    return {
        "interpolate": {"INPUT": d["samples"], "FIELDS": ["Cu", "Pb"], "PIXEL_SIZE": 500, "NEIGHBORS": 8},
        "anomalies": {"INPUT_RASTER": d["raster"], "METHOD": 0, "MIN_CELLS": 2},
        "pseudolabel": {
            "INPUT_RASTERS": [d["raster"]],
            "LABELS": d["deposits"],
            "POSITIVE_RADIUS": 300,
            "NEGATIVE_BUFFER": 1000,
            "BAGS": 5,
            "SEED": 1,
        },
        "evaluate": {"INPUT_RASTER": d["raster"], "DEPOSITS": d["deposits"], "ITERATIONS": 20},
        # tiny: 5 x 5 patches, three epochs of a few batches (the PATCH_SIZE minimum is 5)
        "traincnn": {
            "INPUT_RASTERS": [d["raster"]],
            "LABELS": d["label_raster"],
            "PATCH_SIZE": 5,
            "EPOCHS": 3,  # progress 33 %, 67 %, 100 %: a cancel at 50 % lands inside the last epoch
            "ENSEMBLE": 1,
            "BATCH_SIZE": 32,
            "SEED": 1,
            "DEVICE": "cpu",
            "SEMI_SUPERVISED": False,
        },
        # 16-cell tiles: 9 tiles over the 40 x 40 grid, so a cancel lands between tiles
        "predict": {
            "INPUT_RASTERS": [d["raster"]],
            "MODEL": d["model"],
            "DEVICE": "cpu",
            "MC_SAMPLES": 2,
            "TILE_SIZE": 16,
        },
        "evidence": {
            "REFERENCE_RASTER": d["raster"],
            "LINES": [d["faults"]],
            "INTERSECTIONS": True,
            "POLYGONS": d["lithology"],
            "CLASS_FIELD": "rock",
            "CONTINUOUS_RASTERS": [d["raster"]],
        },
        "trainmodel": {"INPUT_RASTERS": [d["raster"]], "LABELS": d["label_raster"], "METHOD": 2},
        # logistic regression and a tiny CNN, 2 folds of the 3 deposits (each its own cluster)
        "comparemodels": {
            "INPUT_RASTERS": [d["raster"]],
            "DEPOSITS": d["deposits"],
            "LEARNERS": [2],
            "FOLDS": 2,
            "CLUSTER_DISTANCE": 500,
            "NEGATIVES": 50,
            "PATCH_SIZE": 5,
            "EPOCHS": 1,
            "ENSEMBLE": 1,
            "ITERATIONS": 20,
        },
        # the shipped graphical model on the matrix's points, deposits and geology (its rows are refusals)
        "prospectivity_workflow": {
            "samples": d["samples"],
            "elements": ["Cu"],
            "study_area": d["lithology"],
            "training_deposits": d["deposits"],
            "heldout_deposits": d["deposits"],
            "pixel_size": 500,
        },
    }[alg]


@dataclass
class Case:
    """One row of the matrix: what to change, and what must happen."""

    case: str
    alg: str
    change: Callable[[Dict[str, str], Dict[str, object]], Dict[str, object]]
    error: Optional[str] = None  # regex the QgsProcessingException must match; None = the run must succeed
    warning: Optional[str] = None  # regex one log line must match
    outputs_in: Optional[str] = None  # key of ``d`` holding the output folder (default: a fresh folder)
    cancel_at: Optional[float] = None  # cancel when progress reaches this (0 = before the first step)
    old_outputs: bool = False  # put files at the output paths first: a failed run must leave them as they were
    inputs: List[str] = field(default_factory=list)  # keys of ``d`` to hash (default: every path in params)
    never_created: List[str] = field(default_factory=list)  # keys of ``d`` that must not exist after the run
    check: Optional[Callable[[Dict[str, object]], None]] = None  # asserts on the outputs of a run that succeeded
    # after the old outputs are in place: set the scene (fill the disk, lock a file); may return a callable run
    # after the run (checks, undo)
    prepare: Optional[Callable[[Dict[str, str], Dict[str, object]], Optional[Callable[[], object]]]] = None
    headless: bool = True  # False: the row needs a layer object, which a qgis_process command line cannot give
    # regex no log line may match (the in-process run's log includes the Python warnings it raised: numpy's
    # RuntimeWarning, which qgis_process prints to its log)
    not_in_log: Optional[str] = None

    @property
    def id(self) -> str:
        return f"{self.case}-{self.alg}"


def _written_with_default_extensions(params: Dict[str, object]) -> None:
    """As QGIS's own algorithms: 'areas' is written as areas.gpkg and 'classes' as classes.tif, nothing bare."""
    areas, classes = str(params["OUTPUT_ANOMALIES"]), str(params["OUTPUT"])
    assert os.path.isfile(areas + ".gpkg") and os.path.isfile(classes + ".tif")
    assert not os.path.exists(areas) and not os.path.exists(classes)


def written_path(path: str) -> str:
    """The file an output parameter value became: itself, or with the default extension QGIS adds (.gpkg, .tif)."""
    if os.path.splitext(os.path.basename(path))[1]:
        return path
    return next((path + ext for ext in (".gpkg", ".tif") if os.path.isfile(path + ext)), path)


def _set(**changes):
    """Change parameters; a value (or list item) naming an input of ``build`` becomes its path."""

    def resolve(d, v):
        if isinstance(v, list):
            return [resolve(d, item) for item in v]
        return d[v] if isinstance(v, str) and v in d else v

    return lambda d, p: {**p, **{k: resolve(d, v) for k, v in changes.items()}}


def _outputs_and(**changes):
    """The row's outputs and only the inputs ``changes`` gives (read as :func:`_set` reads them): a step run on
    other inputs than the matrix's usual ones."""
    given = _set(**changes)
    return lambda d, p: given(d, {k: v for k, v in p.items() if k.startswith("OUTPUT")})


def no_live_formula(parameters: Dict[str, object]) -> None:
    """No cell of any CSV output starts as a spreadsheet formula would (=, +, -, @), unless it is a number."""
    import csv

    tables = [p for k, p in parameters.items() if k.startswith("OUTPUT") and str(p).endswith(".csv")]
    assert tables, "the row writes no CSV"
    for path in tables:
        with open(str(path), newline="", encoding="utf-8") as handle:
            cells = [cell for row in csv.reader(handle) for cell in row]
        live = [c for c in cells if c[:1] in ("=", "+", "-", "@") and not _is_number(c)]
        assert not live, f"{path}: {live}"
        assert any(c.startswith("'=") or c.startswith("'+") or c.startswith("'@") for c in cells), path


def units_from_odd_field_names(params: Dict[str, object]) -> None:
    """Each band keeps its field's name and the unit the name states, after a colon or a comma too ('Au:ppb' in
    ppb, not UNITS' ppm); 'Ni_\u00b5g/g' keeps its own spelling of ppm."""
    import rasterio

    with rasterio.open(str(params["OUTPUT"])) as src:
        names, units = list(src.descriptions), list(src.units)
    assert names == ["Au:ppb", "Ni_\u00b5g/g", "Zn,ppm", "Cu (ppm)"], names
    assert units == ["ppb", "\u00b5g/g", "ppm", "ppm"], units


#: sweep 4a's faults (x0, y0, x1, y1 from X0, Y0) and lithology boxes (x from X0 to x1, the full height)
FAULTS_4A = ((1000, 1000, 9000, 8000), (2000, 9000, 8000, 500))
GRANITE_4A, SCHIST_4A = (0, 6000), (4000, 10_000)


def _cell_centres(src):
    rows, cols = np.mgrid[0 : src.height, 0 : src.width]
    t = src.transform
    return t.c + (cols + 0.5) * t.a, t.f + (rows + 0.5) * t.e


def distance_to_the_good_faults(params: Dict[str, object]) -> None:
    """NULL and empty geometries are passed over: the distance band equals shapely's distance to the two lines."""
    import rasterio
    from shapely.geometry import LineString, MultiLineString, Point

    faults = MultiLineString([LineString([(X0 + a, Y0 + b), (X0 + c, Y0 + d)]) for a, b, c, d in FAULTS_4A])
    with rasterio.open(str(params["OUTPUT"])) as src:
        band = list(src.descriptions).index("faults_null_empty:distance_m") + 1
        values, (x, y) = src.read(band), _cell_centres(src)
    expected = np.vectorize(lambda px, py: faults.distance(Point(px, py)))(x, y)
    np.testing.assert_allclose(values, expected, atol=0.01)


def later_class_wins_in_the_overlap(params: Dict[str, object]) -> None:
    """Where granite (first) and schist (later) overlap, the cell is schist only, as the warning says."""
    import rasterio

    with rasterio.open(str(params["OUTPUT"])) as src:
        names = list(src.descriptions)
        granite, schist = (src.read(names.index(f"lithology_overlap:{c}") + 1) for c in ("granite", "schist"))
        x, _ = _cell_centres(src)
    x = x - X0
    np.testing.assert_array_equal(schist, ((x > SCHIST_4A[0]) & (x < SCHIST_4A[1])).astype(np.float32))
    np.testing.assert_array_equal(granite, ((x > GRANITE_4A[0]) & (x < SCHIST_4A[0])).astype(np.float32))


def classes_of_the_polygons_only(params: Dict[str, object]) -> None:
    """The schist band holds the cells of its polygon, not the diagonal line nor the point of its collection."""
    import rasterio

    with rasterio.open(str(params["OUTPUT"])) as src:
        names = list(src.descriptions)
        granite, schist = (src.read(names.index(f"lithology_collection:{c}") + 1) for c in ("granite", "schist"))
        x, _ = _cell_centres(src)
    np.testing.assert_array_equal(schist, (x - X0 > 5000).astype(np.float32))
    np.testing.assert_array_equal(granite, (x - X0 < 5000).astype(np.float32))


def _deposit_rows(params: Dict[str, object]) -> List[List[str]]:
    import csv

    with open(str(params["OUTPUT_TABLE"]), newline="", encoding="utf-8") as handle:
        return [row for row in csv.reader(handle) if row and row[0] == "deposit"]


def deposits_told_apart_by_feature(params: Dict[str, object]) -> None:
    """Two deposits named 'a' are listed with their feature numbers (the attribute table's), 'b' as it is."""
    assert [row[1] for row in _deposit_rows(params)] == ["a (feature 1)", "a (feature 2)", "b"]


def deposits_with_z_and_m_used_as_points(params: Dict[str, object]) -> None:
    """Deposits with Z and M are used where they lie: each row the raster's value at the point (rasterio)."""
    import rasterio

    rows = _deposit_rows(params)
    three = [(X0 + 2000, Y0 + 2000), (X0 + 5000, Y0 + 6000), (X0 + 8000, Y0 + 3000)]
    with rasterio.open(str(params["INPUT_RASTER"])) as src:
        expected = [float(v[0]) for v in src.sample(three, indexes=1)]
    assert [row[1] for row in rows] == ["a", "b", "c"] and all(row[-1] == "used" for row in rows), rows
    np.testing.assert_allclose([float(row[5]) for row in rows], expected, rtol=1e-6)


#: the matrix's samples' extent (EPSG:3067, 24.64-24.88 E, 67.60-67.69 N) given in degrees, a little inside it
EXTENT_4326 = (24.66, 24.86, 67.61, 67.68)


def grid_on_the_extent_given_in_degrees(params: Dict[str, object]) -> None:
    """An EXTENT in EPSG:4326 gives the grid over the box of its corners in the samples' CRS (pyproj's
    transform_bounds), grown to whole cells of 500 m at the right and bottom."""
    import rasterio
    from pyproj import Transformer

    xmin, ymin, xmax, ymax = Transformer.from_crs("EPSG:4326", CRS, always_xy=True).transform_bounds(
        EXTENT_4326[0], EXTENT_4326[2], EXTENT_4326[1], EXTENT_4326[3], densify_pts=21
    )
    with rasterio.open(str(params["OUTPUT"])) as src:
        t, width, height = src.transform, src.width, src.height
    assert abs(t.c - xmin) < 1e-3 and abs(t.f - ymax) < 1e-3, (t, xmin, ymax)
    assert (width, height) == (int(np.ceil((xmax - xmin) / 500)), int(np.ceil((ymax - ymin) / 500))), (width, height)


def thresholds_of_bands_named_with_comma_and_space(params: Dict[str, object]) -> None:
    """BANDS 'Zn,ppm;Zn ppm' chose the bands 'Zn,ppm' and 'Zn ppm ' (not 'Zn', 'ppm', 'Zn ppm'), and only them."""
    import csv

    with open(str(params["OUTPUT_TABLE"]), newline="", encoding="utf-8") as handle:
        elements = [row["element"] for row in csv.DictReader(handle)]
    assert elements == ["Zn,ppm", "Zn ppm ", "index"], elements


#: one deposit entered twice (same place, same class): labelled once, nothing lost (sweep 24b; before: "LABELS: 2 of
#: 3 labelled points share a cell of 250 m with another point (1 cell holds more than one) … 1 label was lost")
_ONE_LABEL_LOST = (
    r"LABELS: 1 of 3 labelled points repeat another point's place and class exactly \(the same site recorded twice, "
    r"as database exports hold them\): each place is labelled once, so nothing is lost"
)

#: a constant band: named, with why GDAL printed ERROR 5 when QGIS opened it
_ONE_VALUE = r"band 'Cu' of 'constant.tif' holds one value \(10\) .*no evidence.*ERROR 5"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _same_as_input(output: str, input_key: str):
    return lambda d, p: {**p, output: d[input_key]}


CASES: List[Case] = [
    # ---- empty layer -----------------------------------------------------------------------------------------
    Case("empty layer", "interpolate", _set(INPUT="empty"), error=r"^INPUT: .*no point features"),
    Case(
        "empty raster (all nodata)", "anomalies", _set(INPUT_RASTER="allnodata"), error=r"^INPUT_RASTER: .*valid cells"
    ),
    Case("empty layer", "pseudolabel", _set(LABELS="deposits_empty"), error=r"^LABELS: .*no point features"),
    Case("empty layer", "evaluate", _set(DEPOSITS="deposits_empty"), error=r"^DEPOSITS: .*no features"),
    # ---- no numeric fields / field missing ----------------------------------------------------------------------
    Case("no numeric fields", "interpolate", _set(FIELDS=["name"]), error=r"^FIELDS: .*'name' has no numeric"),
    Case(
        "layer with only text fields",
        "interpolate",
        _set(INPUT="textonly", FIELDS=["name"]),
        error=r"^FIELDS: .*no numeric",
    ),
    Case("field missing", "interpolate", _set(FIELDS=["Au"]), error=r"^FIELDS: .*Au"),
    Case(
        "several fields as one value 'Cu,Pb'",
        "interpolate",
        _set(FIELDS=["Cu,Pb"]),
        error=r"^FIELDS: Cu,Pb not found .* repeat FIELDS \(FIELDS=Cu FIELDS=Pb\) or separate them with semicolons "
        r"\(FIELDS='Cu;Pb'\)",
    ),
    Case(
        "identifier or flag field as an element",
        "interpolate",
        _set(FIELDS=["Cu", "fid"]),
        error=r"^FIELDS: fid is an identifier, date or quality flag, not element",
    ),
    Case("field missing", "anomalies", _set(BANDS="Cu,Au"), error=r"^BANDS: band\(s\) Au not found"),
    Case(
        "smallest anomaly larger than every area",
        "anomalies",
        _set(MIN_CELLS=100000),
        warning=r"MIN_CELLS: no anomaly area has 100000 cells or more at the weak level of the index, so "
        r"OUTPUT_ANOMALIES is empty; the largest has \d+\. Lower MIN_CELLS",
    ),
    Case(
        "band chooser and band names both given",
        "anomalies",
        _set(ELEMENT_BANDS=[1], BANDS="Cu"),
        error=r"ELEMENT_BANDS and BANDS both choose bands",
    ),
    Case("field missing", "pseudolabel", _set(LABEL_FIELD="class"), error=r"LABEL_FIELD"),
    Case("field missing", "evaluate", _set(NAME_FIELD="nope"), error=r"NAME_FIELD"),
    Case(
        "field missing",
        "traincnn",
        _set(LABELS="labels_outside", LABEL_FIELD="class"),
        error=r"^LABEL_FIELD: class not found in the layer",
    ),
    # ---- text, NULL, '<DL' and negative below-detection values ---------------------------------------------------
    Case(
        "text/NULL/<DL values",
        "interpolate",
        _set(INPUT="messy", FIELDS=["Cu_raw"]),
        warning=r"Cu_raw: \d+ of 36 samples skipped",
    ),
    Case(
        "negative below-detection",
        "interpolate",
        _set(INPUT="negative", FIELDS=["Cu"], LOG_TRANSFORM=True),
        warning=r"Cu: 6 of 36 values below detection \(limits 5\) set to 0.5 x the detection limit",
    ),
    Case(
        "heavily censored",
        "interpolate",
        _set(INPUT="negative", FIELDS=["Cu"], METHOD=1, CENSORED_SHARE=0.1),
        warning=r"Cu: heavily censored: 17 % of the values are at or below detection .*normal scores",
    ),
    Case(
        "survey table without survey field",
        "interpolate",
        lambda d, p: {**p, "OUTPUT_SURVEYS": os.path.join(os.path.dirname(p["OUTPUT"]), "surveys.csv")},
        error=r"^OUTPUT_SURVEYS: the levelling table needs SURVEY_FIELD",
    ),
    Case(
        "text/NULL/<DL values",
        "anomalies",
        lambda d, p: {
            **p,
            "INPUT": d["messy_cu"],
            "OUTPUT_POINTS": os.path.join(os.path.dirname(p["OUTPUT"]), "points.gpkg"),
        },
        warning=r"Cu: \d+ of 36 samples skipped",
    ),
    Case(
        "text/NULL/<DL values",
        "pseudolabel",
        _set(LABELS="messy", LABEL_FIELD="Cu_raw"),
        error=r"^LABEL_FIELD: 'Cu_raw' has \d+ different values for \d+ points .*not classes",
    ),
    # ---- one sample / all identical / duplicates -----------------------------------------------------------------
    Case("one sample", "interpolate", _set(INPUT="one")),
    Case("one sample", "pseudolabel", _set(LABELS="one", POSITIVE_RADIUS=0)),
    Case("one sample", "evaluate", _set(DEPOSITS="one")),
    Case(
        "all identical",
        "interpolate",
        _set(INPUT="identical", FIELDS=["Cu"]),
        warning=r"Cu: every sample holds the same value \(10\), so its band is 10 everywhere",
    ),
    Case(
        "all identical",
        "anomalies",
        _set(INPUT_RASTER="constant"),
        error=r"^INPUT_RASTER: band 'Cu' has the same value \(10\) .*; leave it out of the element bands "
        r"\(ELEMENT_BANDS\) or check how it was made\.",
    ),
    Case("all identical", "pseudolabel", _set(INPUT_RASTERS=["constant"]), warning=_ONE_VALUE),
    Case("all identical", "evaluate", _set(INPUT_RASTER="constant"), warning=_ONE_VALUE),
    Case("all identical", "trainmodel", _set(INPUT_RASTERS=["constant"]), warning=_ONE_VALUE),
    Case(
        "duplicate coordinates",
        "interpolate",
        _set(INPUT="duplicates"),
        warning=r"INPUT: the 36 samples lie at 18 sites: samples sharing a site",
    ),
    Case("duplicate coordinates", "pseudolabel", _set(LABELS="deposits_dup"), warning=_ONE_LABEL_LOST),
    Case("duplicate coordinates", "evaluate", _set(DEPOSITS="deposits_dup")),
    *[
        Case(
            "GeoPackage with several layers",
            alg,
            _set(**{key: "deposits_two_layers"}),
            warning=rf"{key}: 'two_layers\.gpkg' holds 2 layers \(a_prospects, deposits\); the first, 'a_prospects', "
            r"was read\. To read another, choose it in the layer list or give 'two_layers\.gpkg\|layername=deposits'",
        )
        for alg, key in (("pseudolabel", "LABELS"), ("evaluate", "DEPOSITS"))
    ],
    # ---- CRS -----------------------------------------------------------------------------------------------------
    Case(
        "geographic CRS, metre pixel",
        "interpolate",
        _set(INPUT="geographic"),
        error=r"^INPUT: .*geographic CRS.*Reproject",
    ),
    Case(
        "geographic CRS, metre pixel",
        "anomalies",
        _set(INPUT_RASTER="geographic_raster"),
        error=r"^INPUT_RASTER: .*geographic CRS",
    ),
    Case(
        "geographic CRS, metre pixel",
        "pseudolabel",
        _set(INPUT_RASTERS=["geographic_raster"]),
        error=r"^INPUT_RASTERS: .*projected CRS",
    ),
    Case(
        "geographic CRS, metre pixel",
        "evaluate",
        _set(INPUT_RASTER="geographic_raster", DEPOSITS="deposits_4326"),
        warning=r"geographic CRS: cells differ in area",
    ),
    Case("different CRSs", "interpolate", _set(MASK="mask_4326")),
    Case("different CRSs", "anomalies", _set(MASK="mask_4326", DEPOSITS="deposits_4326")),
    Case("different CRSs", "pseudolabel", _set(LABELS="deposits_4326", MASK="mask_4326")),
    Case("different CRSs", "evaluate", _set(DEPOSITS="deposits_4326", MASK="mask_4326")),
    # ---- deposits outside the raster or mask ---------------------------------------------------------------------
    Case("deposits outside", "anomalies", _set(DEPOSITS="deposits_outside")),
    Case("deposits outside", "pseudolabel", _set(LABELS="deposits_outside"), error=r"^LABELS: .*overlap"),
    Case("deposits outside", "evaluate", _set(DEPOSITS="deposits_outside"), error=r"^DEPOSITS: none of the 2"),
    Case("mask outside", "interpolate", _set(MASK="mask_outside"), error=r"^MASK: .*do not cover"),
    Case("mask outside", "anomalies", _set(MASK="mask_outside"), error=r"^MASK: .*do not cover"),
    Case("mask outside", "pseudolabel", _set(MASK="mask_outside"), error=r"^MASK: .*do not cover"),
    Case("mask outside", "evaluate", _set(MASK="mask_outside"), error=r"^MASK: .*do not cover"),
    # ---- rasters: nodata holes and NaN, one band -----------------------------------------------------------------
    Case("nodata holes and NaN", "anomalies", _set(INPUT_RASTER="holes")),
    Case("nodata holes and NaN", "pseudolabel", _set(INPUT_RASTERS=["holes"])),
    Case("nodata holes and NaN", "evaluate", _set(INPUT_RASTER="holes")),
    Case("one-band raster", "anomalies", _set(INPUT_RASTER="oneband")),
    Case("one-band raster", "pseudolabel", _set(INPUT_RASTERS=["oneband"])),
    Case("one-band raster", "evaluate", _set(INPUT_RASTER="oneband", BAND=2), error=r"^BAND: band 2 does not exist"),
    Case(
        "band 0",
        "evaluate",
        _set(INPUT_RASTER="oneband", BAND=0),
        error=r"^BAND: band 0 does not exist; the raster has 1\. Bands are numbered from 1\.$",
    ),
    # ---- files we did not write: corrupt or truncated ------------------------------------------------------------
    Case(
        "corrupt file",
        "interpolate",
        _set(INPUT="corrupt_vector"),
        error=r"Could not load source layer for INPUT:",  # QGIS's own check, before the algorithm runs
    ),
    Case(
        "corrupt file",
        "anomalies",
        _set(INPUT_RASTER="corrupt_raster"),
        error=r"^INPUT_RASTER: cannot read raster .*truncated or corrupt",
    ),
    Case(
        "corrupt file",
        "pseudolabel",
        _set(INPUT_RASTERS=["corrupt_raster"]),
        error=r"^INPUT_RASTERS: cannot read raster .*truncated or corrupt",
    ),
    Case(
        "corrupt file", "evaluate", _set(DEPOSITS="corrupt_vector"), error=r"Could not load source layer for DEPOSITS:"
    ),
    Case(
        "corrupt file",
        "traincnn",
        _set(INPUT_RASTERS=["corrupt_raster"]),
        error=r"^INPUT_RASTERS: cannot read raster .*truncated or corrupt",
    ),
    Case(
        "corrupt file",
        "predict",
        _set(INPUT_RASTERS=["corrupt_raster"]),
        error=r"^INPUT_RASTERS: cannot read raster .*truncated or corrupt",
    ),
    # ---- model files we did not write: junk, truncated, another band set, code on load -------------------------
    Case("model file corrupt", "predict", _set(MODEL="model_junk"), error=r"^MODEL: .*not a GeoChem Prospector model"),
    Case("model file truncated", "predict", _set(MODEL="model_truncated"), error=r"^MODEL: .*damaged"),
    Case(
        "model file from another band set",
        "predict",
        _set(MODEL="model_other_bands"),
        error=r"^INPUT_RASTERS: band\(s\) gravity:bouguer, magnetics:tmi needed by the model are not among",
    ),
    Case(
        "evidence band all nodata inside the mask",
        "predict",
        _set(INPUT_RASTERS=["raster_pb_hole"], MASK="mask_4326"),
        error=r"^INPUT_RASTERS: no cell has a value in every band \(inside the mask\): the model's band\(s\) "
        r"elements:Pb have no value there\. Check each raster's nodata value and extent \(and the MASK\)\.",
    ),
    Case(
        "evidence in other units than the training's",
        "predict",
        _set(INPUT_RASTERS=["raster_other_units"]),
        warning=r"INPUT_RASTERS: the evidence lies beyond what the model was trained on in 2 of 2 bands: 'elements:Cu' "
        r"100\.0 % of its cells \(values [\d,.]+ to [\d,.]+; trained on [\d.]+ to [\d.]+\); 'elements:Pb' 100\.0 %",
    ),
    Case(
        "model file crafted to run code on load",
        "predict",
        _set(MODEL="model_crafted"),
        error=r"^MODEL: .*unsafe to load",
        never_created=["crafted_marker"],
    ),
    Case(
        "model file crafted to run code on load (legacy torch format)",
        "predict",
        _set(MODEL="model_crafted_legacy"),
        error=r"^MODEL: .*unsafe to load",
        never_created=["crafted_marker"],
    ),
    # ---- labels for training: none, or none on the rasters ---------------------------------------------------------
    Case(
        "empty layer", "traincnn", _set(LABELS="labels_empty", LABEL_FIELD="cls"), error=r"^LABELS: .*no point features"
    ),
    Case(
        "empty label raster (all nodata)",
        "traincnn",
        _set(LABELS="allnodata"),
        error=r"^LABELS: positive-unlabelled training needs at least two cells labelled 1 \(mineralised\) with "
        r"evidence values \(found 0\)\. Check that LABELS marks deposits with 1",
    ),
    Case(
        "empty label raster (all nodata), labelled-cell training",
        "traincnn",
        _set(LABELS="allnodata", TRAINING=0),
        error=r"^LABELS: at least two classes are needed .*found \[\] in 0 cells",
    ),
    Case(
        "labels miss the rasters",
        "traincnn",
        _set(LABELS="labels_outside", LABEL_FIELD="cls"),
        error=r"^LABELS: no labelled point .* lies on the evidence rasters; check that the points overlap the rasters",
    ),
    # trainmodel reads labels as traincnn does; its point labels failed with an AttributeError (found testing as a user)
    Case(
        "empty layer",
        "trainmodel",
        _set(LABELS="labels_empty", LABEL_FIELD="cls"),
        error=r"^LABELS: .*no point features",
    ),
    Case(
        "labels miss the rasters",
        "trainmodel",
        _set(LABELS="labels_outside", LABEL_FIELD="cls"),
        error=r"^LABELS: no labelled point .* lies on the evidence rasters; check that the points overlap the rasters",
    ),
    *[
        Case(
            "label points sharing cells",
            alg,
            _set(LABELS="label_points_crowded", LABEL_FIELD="cls"),
            warning=r"LABELS: 12 of \d+ labelled points share a cell of 250 m with another point \(6 cells hold more "
            r"than one; in 2 of them the classes differ and the higher class was kept\), and a cell holds one label, "
            r"so 6 labels were lost \(\d+ labelled cells remain\)\. Use evidence rasters with a finer PIXEL_SIZE",
        )
        for alg in ("pseudolabel", "traincnn", "trainmodel")
    ],
    *[
        Case(
            "label raster on another grid",
            alg,
            _set(LABELS="label_raster_coarse"),
            warning=r"LABELS: the label raster is on another grid than the evidence rasters \(CRS, cell size or "
            r"origin\), so each evidence cell took the label of the nearest label cell: 49 labelled cells in the "
            r"raster, 196 on the evidence grid",
        )
        for alg in ("traincnn", "trainmodel")
    ],
    Case("different CRSs", "trainmodel", _set(LABELS="label_points_4326", LABEL_FIELD="cls")),
    Case("different CRSs", "traincnn", _set(LABELS="label_points_4326", LABEL_FIELD="cls")),
    *[
        Case(
            "nodata holes and NaN",
            alg,
            _set(INPUT_RASTERS=["holes"]),
            warning=r"LABELS: 6 of 196 labelled cells have no value in band\(s\) 'holes:Cu' \(6\), 'holes:Pb' \(4\) "
            r"\(nodata there\), so training leaves them out and sees 190\.",
        )
        for alg in ("traincnn", "trainmodel")
    ],
    Case(
        "nodata holes and NaN",
        "predict",
        _set(INPUT_RASTERS=["holes"]),
        warning=r"Evidence within the training range in every band \(the lowest and highest value of the training",
    ),
    Case("one-band raster", "traincnn", _set(INPUT_RASTERS=["oneband"])),
    Case(
        "one-band raster",
        "predict",
        _set(INPUT_RASTERS=["oneband"]),
        error=r"^INPUT_RASTERS: band\(s\) elements:Pb needed by the model are not among the inputs \(oneband:Cu\); add "
        r"the rasters the model was trained on \(bands are matched by name",
    ),
    Case(
        "geographic CRS, metre pixel",
        "traincnn",
        _set(INPUT_RASTERS=["geographic_raster"]),
        error=r"^INPUT_RASTERS: 'geographic' is in a geographic CRS \(EPSG:4326, degrees\).*Warp",
    ),
    Case(
        "geographic CRS, metre pixel",
        "predict",
        _set(INPUT_RASTERS=["geographic_raster"]),
        error=r"^INPUT_RASTERS: 'geographic' is in a geographic CRS \(EPSG:4326, degrees\).*Warp",
    ),
    # ---- too large for memory: estimated and refused before any allocation -----------------------------------------
    Case("grid too large", "interpolate", _set(PIXEL_SIZE=0.01), error=r"^PIXEL_SIZE: .*cells.*larger pixel size"),
    Case("grid too large", "anomalies", _set(INPUT_RASTER="huge"), error=r"^INPUT_RASTER: .*GiB"),
    Case("grid too large", "pseudolabel", _set(INPUT_RASTERS=["huge"]), error=r"^INPUT_RASTERS: .*GiB"),
    Case("grid too large", "evaluate", _set(INPUT_RASTER="huge"), error=r"^INPUT_RASTER: .*GiB"),
    Case("grid too large", "traincnn", _set(INPUT_RASTERS=["huge"]), error=r"^INPUT_RASTERS: .*GiB"),
    # ---- CSV tables safe to open (CSV injection) -----------------------------------------------------------------
    Case(
        "formula in a name",
        "evaluate",
        _set(DEPOSITS="deposits_formula", NAME_FIELD="name"),
        check=no_live_formula,
    ),
    Case(
        "formula in a name",
        "pseudolabel",
        lambda d, p: {
            **p,
            "LABELS": d["deposits_formula"],
            "LABEL_FIELD": "kind",
            "OUTPUT_SUMMARY": os.path.splitext(str(p["OUTPUT_SUMMARY"]))[0] + ".csv",
        },
        check=no_live_formula,
    ),
]
for _alg in ALGS:
    CASES += [
        Case("cancel at start", _alg, lambda d, p: p, error=r"Cancelled by the user", cancel_at=0.0),
        Case("cancel midway", _alg, lambda d, p: p, error=r"Cancelled by the user", cancel_at=50.0),
        Case("cancel late", _alg, lambda d, p: p, error=r"Cancelled by the user", cancel_at=85.0),
        Case(
            "output folder not writable",
            _alg,
            lambda d, p: p,
            error=r"OUTPUT\w*: .*is a file, not a folder",
            outputs_in="file",
        ),
        Case(
            "output folder read-only (/proc)",
            _alg,
            lambda d, p: p,
            error=r"OUTPUT\w*: cannot write in the folder '/proc'",
            outputs_in="/proc",
        ),
    ]
CASES += [
    Case("output equals input", "interpolate", _same_as_input("OUTPUT", "samples"), error=r"^OUTPUT: .*input"),
    Case("output equals input", "anomalies", _same_as_input("OUTPUT", "raster"), error=r"^OUTPUT: .*input"),
    Case("output equals input", "pseudolabel", _same_as_input("OUTPUT_CONFIDENCE", "raster"), error=r"input"),
    Case(
        "output equals input", "evaluate", _same_as_input("OUTPUT_TABLE", "deposits"), error=r"^OUTPUT_TABLE: .*input"
    ),
    Case(
        "output equals input",
        "traincnn",
        _same_as_input("OUTPUT_REPORT", "label_raster"),
        error=r"^OUTPUT_REPORT: .*input",
    ),
    Case("output equals input", "predict", _same_as_input("OUTPUT", "model"), error=r"^OUTPUT: .*input \(MODEL: "),
    Case(
        "unsupported output format, old outputs kept",
        "anomalies",
        lambda d, p: {**p, "OUTPUT_ANOMALIES": p["OUTPUT_ANOMALIES"].replace(".gpkg", ".shp")},
        error=r"^OUTPUT_ANOMALIES: cannot write '\.shp' files",
        old_outputs=True,
    ),
    Case(
        "unsupported output format",
        "anomalies",
        lambda d, p: {**p, "OUTPUT_ANOMALIES": p["OUTPUT_ANOMALIES"].replace(".gpkg", ".shp")},
        error=r"^OUTPUT_ANOMALIES: cannot write '\.shp' files \(a shapefile is several files .* save as \.gpkg",
    ),
    Case(
        "outputs without an extension",
        "anomalies",
        lambda d, p: {**p, "OUTPUT_ANOMALIES": p["OUTPUT_ANOMALIES"][: -len(".gpkg")], "OUTPUT": p["OUTPUT"][:-4]},
        check=_written_with_default_extensions,
    ),
    Case(
        "two outputs, one file",
        "anomalies",
        lambda d, p: {**p, "OUTPUT_ANOMALIES": p["OUTPUT_CONTOURS"]},
        error=r"^OUTPUT_\w+: .*same file",
    ),
    # ---- numbers as meant (feat/numbers) ------------------------------------------------------------------------
    Case(
        "thousands separators",
        "interpolate",
        _set(INPUT="thousands", FIELDS=["Cu_txt"]),
        warning=r"Cu_txt: comma read as thousands separator in \d+ values \(e\.g\. '\d+,\d{3}\.5' = \d+\.5\), "
        r"as the field writes decimals with a point",
    ),
    Case(
        "thousands separators, ambiguous",
        "interpolate",
        _set(INPUT="thousands", FIELDS=["Cu_int"]),
        warning=r"Cu_int: comma read as thousands separator in (\d+) values .*; \1 of 36 values are ambiguous "
        r"\(e\.g\. '\d+,\d{3}' = \d+\): nothing else in the field shows",
    ),
    Case(
        "decimal commas",
        "interpolate",
        _set(INPUT="thousands", FIELDS=["Cu_dec"]),
        warning=r"Cu_dec: comma read as "
        r"decimal comma in 36 values \(e\.g\. '\d+,\d\d' = [\d.]+\), as the field writes decimals with a comma",
    ),
    Case(
        "thousands separators",
        "anomalies",
        lambda d, p: {
            **p,
            "INPUT": d["thousands_cu"],
            "OUTPUT_POINTS": os.path.join(os.path.dirname(p["OUTPUT"]), "points.gpkg"),
        },
        warning=r"Cu: comma read as thousands separator in \d+ values",
    ),
    Case(
        "beyond float32",
        "interpolate",
        _set(INPUT="beyond_float32", FIELDS=["Cu"]),
        warning=r"Cu: 2 of 36 values are beyond the float32 range of the output rasters \(±3\.4e38, e\.g\. 1e\+39, "
        r"1e\+39\) and were left out as missing",
    ),
    Case(
        "beyond float32, every value",
        "interpolate",
        _set(INPUT="all_beyond_float32", FIELDS=["Cu"]),
        error=r"^FIELDS: field 'Cu' has no values within the float32 range of the output rasters \(36 of 36",
    ),
    *[
        Case(
            "fill value without nodata tag",
            alg,
            # anomalies: an index of Pb only (logarithms of -9999 are refused: the next row)
            {
                "anomalies": _set(INPUT_RASTER="fill_no_nodata", ASSOCIATION="Pb"),
                "evaluate": _set(INPUT_RASTER="fill_no_nodata"),
            }.get(alg, _set(INPUT_RASTERS=["fill_no_nodata"])),
            # no ^: qgis_process --json quotes each log line
            warning=rf"{parameter}: band 'Cu' of 'fill\.tif' has no nodata value, but 49 of its 1,600 cells "
            r"\(3\.1 %\) hold -9999, far below its other values \([\d.]+ to [\d.]+\): .*gdal_edit\.py -a_nodata -9999 ",
        )
        for alg, parameter in (
            ("anomalies", "INPUT_RASTER"),
            ("evaluate", "INPUT_RASTER"),
            ("pseudolabel", "INPUT_RASTERS"),
            ("traincnn", "INPUT_RASTERS"),
            ("predict", "INPUT_RASTERS"),
        )
    ],
    Case(
        "fill value without nodata tag, in the index",
        "anomalies",
        _set(INPUT_RASTER="fill_no_nodata"),
        error=r"^INPUT_RASTER: the integrated index needs positive concentrations .*, but band 'Cu' goes down to "
        r"-9999; if that marks missing data, set the raster's nodata value",
    ),
]
# ---- malformed model files (feat/models) -------------------------------------------------------------------------
CASES += [
    Case(
        "model: NaN normalisation",
        "predict",
        _set(MODEL="model_nan_normalisation"),
        error=r"^MODEL: 'model_nan_normalisation\.pt' is not a usable model file: normalisation\.median\[0\] is NaN, "
        r"but it must be a finite number; train a new model with prospector:traincnn or prospector:trainmodel\.",
    ),
    Case(
        "model: training range reversed",
        "predict",
        _set(MODEL="model_reversed_range"),
        error=r"^MODEL: 'model_reversed_range\.pt' is not a usable model file: band_range\[0\] must be \[lowest, "
        r"highest\] \(or both null for an empty band\); train a new model",
    ),
    Case(
        "model: positive class not among classes",
        "predict",
        _set(MODEL="model_positive_class"),
        error=r"^MODEL: 'model_positive_class\.pt' is not a usable model file: positive_class is 7, but it must be "
        r"one of the classes \(0, 1\); train a new model with prospector:traincnn or prospector:trainmodel\.",
    ),
    Case(
        "model: text in the grid",
        "predict",
        _set(MODEL="model_grid_text"),
        error=r"^MODEL: 'model_grid_text\.pt' is not a usable model file: grid\.pixel_size is '250 m', but it must be "
        r"a finite number greater than 0; train a new model",
    ),
    Case(
        "model: integer weights",
        "predict",
        _set(MODEL="model_integer_weights"),
        error=r"^MODEL: 'model_integer_weights\.pt' is not a usable model file: weights 'member0\.fc\.weight' hold "
        r"int64 numbers, but weights must be floating point; train a new model",
    ),
    Case(
        "model: zip bomb",
        "predict",
        _set(MODEL="model_bomb"),
        error=r"^MODEL: 'model_bomb\.pt' is refused unread: entry '[^']*/data/0' unpacks to 1\.0 GiB from [\d,]+\.\d KiB "
        r"\(\d[\d,]*:1\)\. .*a zip bomb\); train a new model with prospector:traincnn or prospector:trainmodel\.",
    ),
]

# ---- outputs commit together, inputs untouched (feat/outputs) -------------------------------------------------


def _raster_layer_in(path: str, crs: str):
    """A raster layer whose CRS is set in QGIS (Layer Properties › Source), as a user fixes a file without one."""
    from qgis.core import QgsCoordinateReferenceSystem, QgsRasterLayer

    layer = QgsRasterLayer(path, os.path.splitext(os.path.basename(path))[0])
    layer.setCrs(QgsCoordinateReferenceSystem(crs))
    assert layer.isValid() and layer.crs().authid() == crs
    return layer


def _layer_object(key: str, uri_key: str):
    """The parameter given as a layer object (as the desktop passes a project layer), e.g. a delimited text
    layer whose source is ``file:///….csv?delimiter=,…``."""

    def change(d: Dict[str, str], p: Dict[str, object]) -> Dict[str, object]:
        from qgis.core import QgsVectorLayer

        uri = d[uri_key].split("://", 1)[1]
        layer = QgsVectorLayer(uri, "deposits", "delimitedtext")
        assert layer.isValid() and layer.source().startswith("file:")
        return {**p, key: layer}

    return change


CASES += [
    Case(
        "later output cannot replace its previous file (immutable), old outputs kept",
        "anomalies",
        lambda d, p: p,
        error=r"^OUTPUT_TABLE: cannot replace '.*thresholds\.csv' \(Operation not permitted\); nothing was replaced",
        old_outputs=True,
        prepare=immutable("OUTPUT_TABLE"),
    ),
    Case(
        "later output path is a folder, old outputs kept",
        "anomalies",
        lambda d, p: p,
        error=r"^OUTPUT_TABLE: '.*thresholds\.csv' is a folder; give the output a file name",
        old_outputs=True,
        prepare=folder_at("OUTPUT_TABLE"),
    ),
    Case(
        "disk full while writing, old output kept",
        "interpolate",
        lambda d, p: p,
        error=r"^OUTPUT: (cannot write|the file written for) '.*grid\.tif'.*No space left on device",
        outputs_in="small disk",
        old_outputs=True,
        prepare=fill_disk,
    ),
    Case(
        "temporaries of a killed run are cleaned, a live run's kept",
        "interpolate",
        lambda d, p: p,
        prepare=killed_runs_left_temporaries,
    ),
    Case(
        "temporaries of a killed run whose process id a later process has (restart, container)",
        "interpolate",
        lambda d, p: p,
        prepare=reused_process_id_left_temporaries,
    ),
    Case(
        "input raster renamed while the run reads it",
        "predict",
        _set(INPUT_RASTERS=["raster_moved_during_run"]),
        error=r"^INPUT_RASTERS: '.*elements\.tif' was moved, renamed or deleted while the run read it",
        prepare=moved_after_the_model_is_read("raster_moved_during_run"),
        headless=False,
    ),
    Case(
        "output folder renamed while the step writes into it",
        "interpolate",
        lambda d, p: p,
        error=r"^OUTPUT: the folder '.*' was renamed or removed while 'grid\.tif' was written into it; nothing was "
        r"written\. Put the folder back \(or choose another folder\) and run again\.",
        prepare=output_folder_renamed_while_writing,
        headless=False,
    ),
    Case(
        "input raster replaced while Dask workers read it",
        "predict",
        _set(INPUT_RASTERS=["raster_replaced_during_run"], SCHEDULER="local:1"),
        error=r"^INPUT_RASTERS: '.*elements\.tif' was replaced or written again while the run read it \(it is read "
        r"tile by tile, and it is no longer the file the run checked at the start\); nothing was written\.",
        prepare=replaced_before(
            "geochem_prospector.core.distributed.tasks",
            "predict_tiles",
            "raster_replaced_during_run",
            "raster_replacement",
        ),
        headless=False,
    ),
    Case(
        "evidence raster written again between the passes of training window by window",
        "traincnn",
        _set(INPUT_RASTERS=["raster_replaced_during_run"], SCHEDULER="local:1"),
        error=r"^INPUT_RASTERS: '.*elements\.tif' was replaced or written again while the run read it \(it is read "
        r"tile by tile, and it is no longer the file the run checked at the start\); nothing was written\.",
        prepare=replaced_before(
            "geochem_prospector.core.learning.streaming",
            "_read_bank",
            "raster_replaced_during_run",
            "raster_replacement",
        ),
        headless=False,
    ),
    Case(
        "cancelled while the outputs are written (Ctrl+C in qgis_process)",
        "interpolate",
        # the cancel comes at 100 %, once the raster and the table are written and before they are put in place
        lambda d, p: {**p, "OUTPUT_CV": os.path.join(os.path.dirname(str(p["OUTPUT"])), "cv.csv")},
        error=r"^Cancelled by the user: no output was written\.",
        cancel_at=100,
        old_outputs=True,
    ),
    Case(
        "continuous raster replaced while Dask workers make the evidence stack",
        "evidence",
        _set(CONTINUOUS_RASTERS=["raster_replaced_during_run"], SCHEDULER="local:1"),
        error=r"^CONTINUOUS_RASTERS: '.*elements\.tif' was replaced or written again while the run read it \(it is "
        r"read tile by tile, and it is no longer the file the run checked at the start\); nothing was written\.",
        prepare=replaced_before(
            "geochem_prospector.core.evidence.stack", "run_tasks", "raster_replaced_during_run", "raster_replacement"
        ),
        headless=False,
    ),
    Case(
        "output over a CSV input given as a delimitedtext:// URI",
        "evaluate",
        _set(DEPOSITS="deposits_csv_uri", OUTPUT_TABLE="deposits_csv"),
        error=r"^OUTPUT_TABLE: the output would overwrite an input \(DEPOSITS: '.*deposits\.csv'\)",
    ),
    Case(
        "output over a CSV input given as a file:/// layer",
        "evaluate",
        lambda d, p: {**_layer_object("DEPOSITS", "deposits_csv_uri")(d, p), "OUTPUT_TABLE": d["deposits_csv"]},
        error=r"^OUTPUT_TABLE: the output would overwrite an input \(DEPOSITS: '.*deposits\.csv'\)",
        headless=False,
    ),
    Case(
        "output over a GeoPackage input given with a layername option",
        "evaluate",
        _set(DEPOSITS="deposits_layername", OUTPUT_TABLE="deposits"),
        error=r"^OUTPUT_TABLE: the output would overwrite an input \(DEPOSITS: '.*deposits\.gpkg'\)",
    ),
    Case(
        "output over a VRT's source file",
        "anomalies",
        _set(INPUT_RASTER="vrt", OUTPUT="vrt_source"),
        error=r"^OUTPUT: the output would overwrite '.*vrt_source\.tif', a source file of the input INPUT_RASTER",
    ),
    Case(
        "output over an input's sidecar (.dbf of a shapefile)",
        "evaluate",
        _set(DEPOSITS="deposits_shp", OUTPUT_TABLE="deposits_dbf"),
        error=r"^OUTPUT_TABLE: the output would overwrite '.*deposits_shp\.dbf', a sidecar of the input DEPOSITS",
    ),
    Case(
        "output over an input's sidecar (.aux.xml)",
        "evaluate",
        _set(INPUT_RASTER="styled", OUTPUT_REPORT="styled_aux"),
        error=r"^OUTPUT_REPORT: the output would overwrite '.*styled\.tif\.aux\.xml', a sidecar of the input",
    ),
    Case(
        "output whose sidecar is an input (.ovr)",
        "anomalies",
        _set(INPUT_RASTER="overview_named", OUTPUT="overview_owner"),
        error=r"^OUTPUT: writing '.*prior\.tif' would move aside its sidecar '.*prior\.tif\.ovr', which is the input",
    ),
    Case("VRT input, nothing written beside it", "anomalies", _set(INPUT_RASTER="vrt")),
    Case("VRT input, nothing written beside it", "pseudolabel", _set(INPUT_RASTERS=["vrt"])),
    Case("VRT input, nothing written beside it", "predict", _set(INPUT_RASTERS=["vrt"])),
]


def _closed_port() -> int:
    """A local TCP port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# SCHEDULER (Dask): a malformed value is refused before any work; an unreachable cluster before anything is written
CASES += [
    Case(
        "malformed scheduler",
        alg,
        lambda d, p: {**p, "SCHEDULER": "local"},
        error=r"^SCHEDULER: 'local' is not a scheduler; use '' \(empty: in this process\), 'local:N'",
    )
    for alg in ("interpolate", "predict", "evidence", "traincnn")
]
CASES += [
    Case(
        "unreachable scheduler",
        alg,
        lambda d, p: {**p, "SCHEDULER": f"tcp://127.0.0.1:{_closed_port()}"},
        error=r"^SCHEDULER: cannot reach the Dask scheduler at tcp://127\.0\.0\.1:\d+ \(.*\); check that "
        r"`dask-scheduler` runs there and the port is open, or leave SCHEDULER empty to run in this process\.",
    )
    for alg in ("interpolate", "predict", "evidence", "traincnn")
]

# BARREN_RATIO (traincnn): a ratio QGIS's range lets through but that would leave the barren ground barely seen
CASES += [
    Case(
        "barren ratio below 0.1",
        "traincnn",
        _set(BARREN_RATIO=0.05),
        error=r"^BARREN_RATIO: draw from 0\.1 to 1000 barren cells per positive cell in each epoch, or 0 for every",
    )
]

# TEACHER and BAND_SPARSITY (traincnn): a teacher without barren labels to learn from, a strength QGIS's range lets
# through that is neither a strength nor -1
CASES += [
    Case(
        "teacher with positive-unlabelled training",
        "traincnn",
        _set(TEACHER=1, TRAINING=1),
        error=r"^TEACHER: a teacher learns from barren and mineralised labels, which positive-unlabelled training",
    ),
    Case(
        "band sparsity between -1 and 0",
        "traincnn",
        _set(BAND_SPARSITY=-0.5),
        error=r"^BAND_SPARSITY: the band sparsity must be 0 \(none\), a strength up to 1000, or -1",
    ),
]

# Values QGIS's own check refuses before the run: its message, 'Incorrect parameter value for EPOCHS', named the
# parameter but not what it takes (algorithms/parameters.refused_value)
CASES += [
    Case(
        "number out of range",
        "traincnn",
        _set(EPOCHS=0),
        error=r"^EPOCHS: give a whole number from 1 to 10000 \(got '0'\)\.$",
    ),
    Case(
        "number out of range",
        "predict",
        _set(TILE_SIZE=-5),
        error=r"^TILE_SIZE: give a whole number from 0 to 8192 \(got '-5'\)\.$",
    ),
    Case(
        "number out of range",
        "trainmodel",
        _set(N_ESTIMATORS=0),
        error=r"^N_ESTIMATORS: give a whole number from 1 to 100000 \(got '0'\)\.$",
    ),
    Case(
        "number out of range",
        "comparemodels",
        _set(NEGATIVES=5),
        error=r"^NEGATIVES: give a whole number of at least 10 \(got '5'\)\.$",
    ),
    Case(
        "option that does not exist",
        "predict",
        _set(DEVICE="gpu"),
        error=r"^DEVICE: choose one of auto, cpu, cuda \(got 'gpu'\)\.$",
    ),
    Case(
        "model file of another type",
        "predict",
        _set(MODEL="raster"),
        error=r"^MODEL: give a \.pt file, the type this parameter reads \(got '.*elements\.tif'\)\.$",
    ),
]

# review 36: class codes given to a learner that reads them as amounts; a map's fill of 0 without a nodata value
CASES += [
    Case(
        "a map whose fill beyond the study area is 0, without a nodata value",
        "evaluate",
        _set(INPUT_RASTER="map_zero_filled"),
        warning=r"INPUT_RASTER: 3[23] % of the cells of 'map_zero_filled' \([\d,]+\) hold exactly its lowest value, 0\. "
        r"If they lie beyond the study area",
    ),
]
CASES += [
    Case(
        "a band of rock codes, logistic regression",
        alg,
        lambda d, p: {**p, "INPUT_RASTERS": [d["raster"], d["rock_codes"]]},
        warning=r"INPUT_RASTERS: 'rock_codes:rock' hold\(s\) class codes \(prospector:evidence's CATEGORICAL_RASTERS\), "
        r"which logistic regression reads as amounts",
    )
    for alg in ("trainmodel", "comparemodels")
]


# ---- evidence layers (feat/evidence) --------------------------------------------------------------------------
CASES += [
    Case(
        "empty layer",
        "evidence",
        _set(LINES=["faults_empty"]),
        error=r"^LINES: layer 'faults_empty' has no features with geometry; choose a layer with features",
    ),
    Case(
        "zero-length line",
        "evidence",
        _set(LINES=["faults_zero"]),
        warning=r"LINES: 1 of the 4 lines of 'faults_zero' has zero length \(every vertex in one place\)",
    ),
    Case(
        "a vertex whose coordinates are not numbers (NaN)",
        "evidence",
        _set(LINES=["faults_nan"]),
        warning=r"LINES: 1 feature\(s\) of 'faults_nan' \(id \d+\) have coordinates that are not numbers \(NaN, or "
        r"infinite where the reprojection cannot place them\): 1 left out whole",
    ),
    Case(
        "a polygon vertex whose coordinates are not numbers (NaN)",
        "evidence",
        _set(POLYGONS="lithology_nan", CONTACTS=True),
        warning=r"POLYGONS: 1 feature\(s\) of 'lithology_nan' \(id \d+\) have coordinates that are not numbers",
        not_in_log=r"no polygons of different classes",
    ),
    Case(
        "layer outside the extent",
        "evidence",
        _set(LINES=["faults", "faults_far"]),
        error=r"^LINES: layer 'faults_far' has no features within the grid's extent",
    ),
    Case("field missing", "evidence", _set(CLASS_FIELD="nope"), error=r"^CLASS_FIELD: nope not found in the layer"),
    Case(
        "class field with hundreds of values",
        "evidence",
        _set(CLASS_FIELD="unit"),
        error=r"^CLASSES: field 'unit' has 300 different values, more than the 20 classes allowed \(one band each\); "
        r"list the classes to use in CLASSES",
    ),
    Case(
        "geographic CRS, metre pixel",
        "evidence",
        _set(REFERENCE_RASTER="geographic_raster"),
        error=r"^REFERENCE_RASTER: 'geographic' is in a geographic CRS \(EPSG:4326, degrees\)",
    ),
    Case("mask outside", "evidence", _set(MASK="mask_outside"), error=r"^MASK: the mask polygons do not cover"),
    *[
        Case(
            "mask in degrees given a projected CRS",
            alg,
            _set(MASK="mask_degrees_as_metres"),
            error=r"^MASK: the mask polygons do not cover .* In the grid's CRS they lie at x 26\.02 to 26\.2, y 67\.61 "
            r"to 67\.69; .* look like longitudes and latitudes in degrees .*Assign Projection; not Reproject",
        )
        for alg in ("interpolate", "evidence")
    ],
    *[
        Case(
            "deposits as point labels without LABEL_FIELD",
            alg,
            _set(LABELS="deposits", LABEL_FIELD=""),
            error=r"^LABEL_FIELD: point labels need the field holding the class .* Known deposits alone .*"
            r"prospector:pseudolabel .*prospector:comparemodels",
        )
        for alg in ("trainmodel", "traincnn")
    ],
    Case(
        "points left empty by decimal-comma X/Y",
        "interpolate",
        _set(INPUT="points_all_empty", FIELDS=["Cu"]),
        error=r"^INPUT: none of the layer's 8 features has a geometry \(all NULL or empty\)\. Points made from a "
        r"table whose X and Y fields hold decimal commas",
    ),
    Case("different CRSs", "evidence", _set(MASK="mask_4326")),
    Case("output equals input", "evidence", _same_as_input("OUTPUT", "raster"), error=r"^OUTPUT: .*input"),
]

# ---- classic learners and the comparison (#17, #18) -----------------------------------------------------------
CASES += [
    Case(
        "bad learner settings",
        alg,
        _set(WINDOW=4),
        error=r"^WINDOW: the neighbourhood window must be 0 \(the cell alone\) or an odd number of cells",
    )
    for alg in ("trainmodel", "comparemodels")
]
CASES += [
    Case(
        "labels of one class",
        "trainmodel",
        _set(LABELS="labels_one_class"),
        error=r"^LABELS: both mineralised \(1 and above\) and barren \(0\) cells are needed among the 196 labelled "
        r"cells with evidence values: all are mineralised\. Give barren ones too: train on pseudolabel's label raster",
    ),  # sweep 24b: before, the sentence ended at "values.", saying nothing of what to do
    Case(
        "bad CNN mode settings",
        "comparemodels",
        _set(CNN_MODES=[0, 3], COARSE_VIEW=4),
        error=r"^COARSE_VIEW: the coarse view needs an odd factor of 3 or more",
    ),
    Case(
        "no deposits inside the stack",
        "comparemodels",
        _set(DEPOSITS="deposits_outside"),
        error=r"^DEPOSITS: 0 of the 2 deposits lie on valid cells of the rasters, and at least two are needed; check",
    ),
    Case(
        "fewer clusters than folds",
        "comparemodels",
        _set(FOLDS=4),
        error=r"^FOLDS: the 3 deposits form 3 clusters within CLUSTER_DISTANCE \(\d+ m\); FOLDS must be from 2 to 3",
    ),
    Case(
        "labels of one class",
        "comparemodels",
        _set(LABELS="labels_one_class"),
        error=r"^LABELS: no valid cell is labelled barren \(0\); the learners need both classes \(e\.g\. 'Pseudo-labels'\)",
    ),
]

# ---- messy real-world inputs (feat/robust) ---------------------------------------------------------------------
CASES += [
    Case(
        "missing-data code -9999 in an element field",
        "interpolate",
        _set(INPUT="fill_code", FIELDS=["Cu"]),
        warning=r"Cu: 3 of 36 values are -9999, a code for missing data .* left out as missing",
        check=idw_without_fill_codes,
    ),
    Case(
        "over-limit values ('>200') in an element field",
        "interpolate",
        _set(INPUT="over_limit", FIELDS=["Cu"]),
        warning=r"Cu: 3 of 36 values above the upper detection limit \(limits 200, written '>200'\) set to that limit",
        check=idw_with_over_limit_values_at_their_limit,
    ),
    Case(
        "over-limit values ('>200') in an element field",
        "anomalies",
        lambda d, p: {
            **p,
            "INPUT": d["over_limit"],
            "OUTPUT_POINTS": os.path.join(os.path.dirname(p["OUTPUT"]), "points.gpkg"),
        },
        warning=r"Cu: 3 of 36 values above the upper detection limit",
    ),
    Case(
        "points without geometry",
        "interpolate",
        _set(INPUT="no_geometry", FIELDS=["Cu"]),
        warning=r"INPUT: 2 features without geometry \(NULL or empty\) skipped",
    ),
    Case(
        "raster output named .shp",
        "interpolate",
        lambda d, p: {**p, "OUTPUT": str(p["OUTPUT"])[: -len(".tif")] + ".shp"},
        error=r"^OUTPUT: 'grid\.shp' ends in '\.shp' \(shapefile\), but this output is written in GeoTIFF format "
        r"\(\.tif, \.tiff\); name it with that extension, e.g\. 'grid\.tif'\.",
    ),
    Case(
        "CSV output named .tif",
        "interpolate",
        lambda d, p: {**p, "OUTPUT_CV": os.path.join(os.path.dirname(str(p["OUTPUT"])), "cv.tif")},
        error=r"^OUTPUT_CV: 'cv\.tif' ends in '\.tif' \(GeoTIFF\), but this output is written in CSV format",
    ),
    Case("curved mask (CurvePolygon)", "pseudolabel", _set(MASK="mask_curve")),
    Case("curved lines (CompoundCurve)", "evidence", _set(LINES=["faults_curve"]), check=distance_to_curved_fault),
    Case(
        "grid CRS from a GeoPackage layer without CRS",
        "evidence",
        _outputs_and(LINES=["faults_undefined_srs"], PIXEL_SIZE=500),
        error=r"^CRS: the grid has no CRS; choose a CRS, a REFERENCE_RASTER, or layers with a CRS\.",
    ),
    Case(
        "self-intersecting lithology polygon",
        "evidence",
        _set(POLYGONS="lithology_bowtie", CLASS_FIELD="rock", CONTACTS=True),
    ),
    Case(
        "raster without CRS on the first raster's grid",
        "pseudolabel",
        _set(INPUT_RASTERS=["raster", "raster_no_crs"]),
        warning=r"INPUT_RASTERS: 'no_crs\.tif' has no CRS; it has the first raster's grid, so it was taken to be in "
        r"the first raster's CRS",
    ),
    Case(
        "raster without CRS on another grid",
        "pseudolabel",
        _set(INPUT_RASTERS=["raster", "raster_no_crs_shifted"]),
        error=r"^INPUT_RASTERS: 'no_crs_shifted\.tif' has no CRS and another grid than the first raster, so it cannot "
        r"be placed on it; assign its CRS",
    ),
    Case(
        "fractional label values",
        "pseudolabel",
        _set(LABELS="deposits_fractions", LABEL_FIELD="grade"),
        error=r"^LABEL_FIELD: class values must be whole numbers \(0 = barren, 1, 2 … = mineralised\) or words, but "
        r"the field holds 0\.5: a grade or a probability, not a class",
    ),
]
CASES += [
    Case(
        "lines given as polygons",
        "evidence",
        _set(LINES=["faults_polygon"]),
        warning=r"LINES: layer 'faults_polygon' holds polygons: distances are measured to their outlines",
    ),
    Case(
        "deposits without CRS",
        "evaluate",
        _set(DEPOSITS="deposits_no_crs"),
        warning=r"DEPOSITS: the layer has no CRS; its coordinates were taken to be in the rasters' CRS \(EPSG:3067\)",
    ),
    Case(
        "deposits without CRS",
        "pseudolabel",
        _set(LABELS="deposits_no_crs"),
        warning=r"LABELS: the layer has no CRS; its coordinates were taken to be in the rasters' CRS \(EPSG:3067\)",
    ),
]
CASES += [
    Case(
        "GeoPackage layer with an undefined SRS (srs_id 0)",
        "interpolate",
        _set(INPUT="samples_undefined_srs", FIELDS=["Cu"]),
        error=r"^INPUT: the layer has no CRS \('Undefined geographic SRS'\); set its CRS",
    ),
    Case(
        "GeoPackage layer with an undefined SRS (srs_id 0)",
        "evaluate",
        _set(DEPOSITS="deposits_undefined_srs"),
        warning=r"DEPOSITS: the layer has no CRS; its coordinates were taken to be in the rasters' CRS \(EPSG:3067\)",
    ),
]
# ---- messy real-world inputs of the learning steps (feat/quality) ---------------------------------------------
CASES += [
    Case(
        "empty raster (all nodata)",
        "evidence",
        _set(CONTINUOUS_RASTERS=["raster", "allnodata"]),
        error=r"^CONTINUOUS_RASTERS: raster 'allnodata' has no value within the grid's extent in band\(s\) "
        r"allnodata:Cu, allnodata:Pb: every cell is nodata .* Check the raster's extent, CRS and nodata value, or "
        r"remove it\.",
    ),
    Case(
        "raster without CRS",
        "anomalies",
        _set(INPUT_RASTER="raster_no_crs"),
        warning=r"INPUT_RASTER: the raster has no CRS, so the outputs have none: areas \(km²\) take its units to be "
        r"metres, and MASK and DEPOSITS coordinates are taken as they are\. If that is wrong, assign its CRS",
    ),
    Case(
        "raster with a scale and offset (int16 counts)",
        "predict",
        _set(INPUT_RASTERS=["raster_scaled"]),
        check=predicted_like_the_unscaled_raster,
    ),
    *[
        Case(
            "deposits as polygons",
            alg,
            _set(DEPOSITS="deposits_polygons"),
            error=r"^DEPOSITS: a point layer of deposits is needed, but the layer holds polygons\. For deposits drawn "
            r"as outlines, give a point inside each \(Processing Toolbox › Vector geometry › Point on surface\)",
        )
        for alg in ("comparemodels", "evaluate")
    ],
    *[
        Case(
            "labels as polygons",
            alg,
            _set(LABELS="deposits_polygons", LABEL_FIELD="name"),
            error=r"^LABELS: give a label raster \(e\.g\. pseudolabel's\) or a point layer with a class field "
            r"\(LABEL_FIELD\), not lines or polygons\. For deposits drawn as outlines, take a point inside each",
        )
        for alg in ("traincnn", "trainmodel")
    ],
    Case(
        "labels without a barren class (deposit types), positive-unlabelled training",
        "traincnn",
        _set(LABELS="labels_deposit_types", LABEL_FIELD="kind"),
        warning=r"LABELS: positive-unlabelled training learns the cells labelled 1 \('Au'\) \(\d+\) as deposits and "
        r"counts the other mineralised classes as unlabelled ground \(2 \('Cu'\): \d+ cell\(s\)\)\. To train on "
        r"every deposit, label them all 1",
    ),
    Case(
        "labels without a barren class (deposit types)",
        "traincnn",
        _set(LABELS="labels_deposit_types", LABEL_FIELD="kind", TRAINING=0),
        warning=r"LABELS: no cell is labelled barren \(0\); the classes are \[1, 2\], so the map is the probability "
        r"of class 1 against the other mineralised classes, not against barren ground\.",
    ),
    Case(
        "grid narrower than the patch (one row)",
        "traincnn",
        _set(INPUT_RASTERS=["raster_one_row"]),
        error=r"^INPUT_RASTERS: the evidence grid is 40 x 1 cells of 250 m, narrower than the 5 x 5-cell patch "
        r"\(PATCH_SIZE\), so every patch would be mostly padding\. Give rasters with more cells",
    ),
    *[
        Case(
            "evidence band all nodata",
            alg,
            _set(INPUT_RASTERS=["raster", "allnodata"]),
            error=r"^INPUT_RASTERS: band\(s\) allnodata:Cu, allnodata:Pb have no value in any cell of the grid \(all "
            r"nodata\), so no cell has a value in every band\. Check the raster's nodata value",
        )
        for alg in ("traincnn", "trainmodel", "comparemodels")
    ],
    Case(
        "evidence band all nodata",
        "predict",
        _set(INPUT_RASTERS=["allnodata"]),
        error=r"^INPUT_RASTERS: no cell has a value in every band \(inside the mask\): a band is all nodata there, or "
        r"the rasters do not overlap\. Check each raster's nodata value and extent",
    ),
    Case(
        "deposits all in one cluster",
        "comparemodels",
        _set(DEPOSITS="deposits_one_cluster"),
        error=r"^CLUSTER_DISTANCE: the 4 deposits form a single cluster within CLUSTER_DISTANCE \(\d+ m\), so no deposit "
        r"can be held out with its whole cluster \(at least 2 clusters are needed\)\. (Under \d+ m they form 2 "
        r"clusters|No CLUSTER_DISTANCE gives 2 clusters)",
    ),
]

# ---- bad input as a new user meets it, after the samples (feat/sweep) ------------------------------------------
_NO_GEOMETRY = (
    r": the layer has no geometry: it is a table without coordinates\. For a CSV or text file, check that the X and "
    r"Y fields were read as numbers"
)
CASES += [
    Case(
        "CSV with decimal-comma coordinates",
        "interpolate",
        _set(INPUT="samples_csv_comma_uri"),
        error=r"^INPUT" + _NO_GEOMETRY,
    ),  # before: "INPUT: the layer has no CRS", and setting one changed nothing
    Case(
        "CSV with decimal-comma coordinates",
        "anomalies",
        _set(DEPOSITS="deposits_csv_comma_uri"),
        error=r"^DEPOSITS" + _NO_GEOMETRY,
    ),  # before: "a point layer is needed (samples), not lines or polygons"
    Case(
        "CSV with decimal-comma coordinates",
        "evidence",
        _set(POINTS=["deposits_csv_comma_uri"]),
        error=r"^POINTS" + _NO_GEOMETRY,
    ),  # before: "POINTS: layer '' has no features with geometry"
    Case(
        "CSV with decimal-comma coordinates",
        "pseudolabel",
        _set(LABELS="deposits_csv_comma_uri"),
        error=r"^LABELS" + _NO_GEOMETRY,
    ),
    Case(
        "CSV with decimal-comma coordinates",
        "evaluate",
        _set(DEPOSITS="deposits_csv_comma_uri"),
        error=r"^DEPOSITS" + _NO_GEOMETRY,
    ),  # before: "…the layer holds no points. For deposits drawn as outlines, give a point inside each…"
    Case(
        "CSV with decimal-comma coordinates",
        "comparemodels",
        _set(DEPOSITS="deposits_csv_comma_uri"),
        error=r"^DEPOSITS" + _NO_GEOMETRY,
    ),
    Case(
        "points given as a CSV URI",
        "evidence",
        _set(POINTS=["deposits_csv_uri"]),
        check=band_named_for_the_csv_file,
    ),  # before: the band was named ':distance_m'
    Case(
        "layer without CRS (shapefile without .prj)",
        "evidence",
        _set(LINES=["faults_no_crs"]),
        warning=r"LINES: the layer 'faults_no_crs' has no CRS; its coordinates were taken to be in the grid's CRS "
        r"\(EPSG:3067\)",
    ),  # before: silent
    Case(
        "mask without CRS (shapefile without .prj)",
        "evaluate",
        _set(MASK="mask_no_crs"),
        warning=r"MASK: the layer has no CRS; its coordinates were taken to be in the rasters' CRS \(EPSG:3067\)",
    ),  # before: silent
    Case(
        "points given as lines",
        "evidence",
        _set(LINES=["deposits"]),
        error=r"^LINES: layer 'deposits' holds points, not lines; give it as POINTS \(distance to the points\)",
    ),  # before: "LINES: layer 'deposits' has no lines with two or more vertices."
    Case(
        "lines given as the lithology polygons",
        "evidence",
        _set(POLYGONS="faults", CLASS_FIELD="id"),
        error=r"^POLYGONS: layer 'faults' holds lines, not polygons; give it as LINES",
    ),  # before: "CONTACTS: every polygon of 'faults' holds one class, so there are no contacts"
    Case(
        "lithology class field partly NULL",
        "evidence",
        _set(POLYGONS="lithology_nulls", CLASS_FIELD="rock"),
        warning=r"POLYGONS: 2 of 4 polygons of 'lithology_nulls' have no value in 'rock' \(NULL or empty\): their "
        r"cells are 0 in every class band",
    ),  # before: silent
    Case(
        "same raster twice",
        "evidence",
        _set(REFERENCE_BANDS=True),
        error=r"^CONTINUOUS_RASTERS: 'elements' gives bands named like those of REFERENCE_RASTER \(REFERENCE_BANDS\) "
        r"\(elements:Cu, elements:Pb\)",
    ),  # before: "OUTPUT: two bands would be named …; rename one layer."
    Case(
        "threshold settings in decreasing order",
        "anomalies",
        _set(PERCENTILES="98,95,85"),
        error=r"^PERCENTILES: the levels must increase \(weak < moderate < strong\), but 98, 95, 85 do not; give "
        r"them in that order, e\.g\. 85,95,98\.",
    ),  # before: "METHOD: the levels must increase …"
    Case(
        "text in a number list",
        "anomalies",
        _set(METHOD=2, MULTIPLIERS="abc"),
        error=r"^MULTIPLIERS: 'abc' is not a comma-separated list of numbers, e\.g\. 1,2,3 \(with decimal commas, "
        r"separate them with semicolons: 1,5;2;2,5\)\.",
    ),  # before: "… e.g. 85,95,98" (percentiles, not multipliers)
    Case(
        "index of too few bands",
        "anomalies",
        _set(ELEMENT_BANDS=[1], INDEX_METHOD=1),
        error=r"^INDEX_METHOD: the centred log-ratio \(CLR\) index needs at least three association bands "
        r"\(ASSOCIATION_BANDS; empty = every element band\), but has 1 \(Cu\)",
    ),  # before: "INDEX_METHOD: CLR needs at least three element bands in BANDS."
    Case(
        "search radius smaller than any distance",
        "interpolate",
        _set(MAX_DISTANCE=1),
        error=r"^MAX_DISTANCE: no cell of the grid has a sample of Cu within 1 m \(the search radius\)",
    ),  # before: ran, and wrote rasters of nodata only
    Case(
        "class field empty (all NULL)",
        "pseudolabel",
        _set(LABELS="deposits_null_class", LABEL_FIELD="cls"),
        error=r"^LABEL_FIELD: 'cls' is empty \(NULL\) for all 3 points",
    ),  # before: "LABELS: no cell … lies on or within POSITIVE_RADIUS of a mineralised point; check that the points overlap"
    Case(
        "rotated raster",
        "pseudolabel",
        _set(INPUT_RASTERS=["raster", "raster_rotated"]),
        error=r"^INPUT_RASTERS: 'rotated\.tif' is not north-up \(it is rotated or flipped\); warp it first",
    ),  # before: "INPUT_RASTERS: the raster must be north-up …", without saying which
    Case(
        "rotated raster",
        "evaluate",
        _set(BASELINES=["raster_rotated"]),
        error=r"^BASELINES: 'rotated\.tif' is not north-up \(it is rotated or flipped\); warp it first",
    ),  # before: "INPUT_RASTER: the raster must be north-up …", naming the wrong parameter
    Case(
        "baseline without a deposit on a valid cell",
        "evaluate",
        _set(BASELINES=["raster", "raster_holes_at_deposits"]),
        warning=r"BASELINES: 'holes_at_deposits' is left out of the comparison: none of the 3 deposits lies on a valid "
        r"cell of it \(3 nodata cell\)",
    ),  # before: refused, "DEPOSITS: none of the 3 deposits lies on a valid cell …", after the map was evaluated
    Case(
        "baseline all nodata",
        "evaluate",
        _set(BASELINES=["allnodata"]),
        warning=r"BASELINES: 'allnodata' is left out of the comparison: it has no valid cell",
    ),  # before: refused, "INPUT_RASTER: the raster has no valid … cells", naming the wrong parameter
    Case(
        "baseline without CRS",
        "evaluate",
        _set(BASELINES=["raster_no_crs"]),
        warning=r"BASELINES: 'no_crs' has no CRS; the deposits and the mask were placed on it in INPUT_RASTER's CRS "
        r"\(EPSG:3067\)",
    ),  # before: silent
    Case(
        "raster without CRS",
        "comparemodels",
        _set(INPUT_RASTERS=["raster_no_crs"]),
        error=r"^INPUT_RASTERS: the first raster \('no_crs'\) has no CRS; assign its projected CRS",
    ),  # before: ran, the deposits taken as they are, silently
    *[
        Case(
            "element raster given as labels",
            alg,
            _set(LABELS="raster"),
            error=r"^LABELS: 'elements' holds values such as [\d., ]+ that are not classes",
        )
        for alg in ("comparemodels", "trainmodel")
    ],  # before: "LABELS: no valid cell is labelled barren (0) …" / "both mineralised … and barren … are needed"
    *[
        Case(
            "whole-number magnetics given as labels",
            alg,
            _set(LABELS="magnetics_whole"),
            error=r"^LABELS: 'mag_tmi' holds whole numbers from -118 to 309 \(\d+ different values of 0 or more\) "
            r"that are not classes",
        )
        for alg in ("comparemodels", "trainmodel")
    ],  # sweep 32a; before: trained on the cells valued 1 as deposits (QGIS's dialog offers the first raster)
    *[
        Case(
            "deposit ids burnt into the label raster",
            alg,
            _set(LABELS="deposit_ids"),
            error=r"^LABELS: 'deposit_ids' holds 8 different values of 1 and above \(1, 2, 3, 4, 5 …\) on 8 cells: "
            r"ids or codes",
        )
        for alg in ("comparemodels", "trainmodel")
    ],  # before: learnt the deposit with id 1 as mineralised against the seven others
]
CASES += [
    Case(
        "evidence band all nodata",
        "pseudolabel",
        _set(INPUT_RASTERS=["raster", "allnodata"]),
        error=r"^INPUT_RASTERS: band\(s\) allnodata:Cu, allnodata:Pb have no value in any cell of the grid \(all "
        r"nodata\), so no cell has a value in every band\.",
    ),  # before: "INPUT_RASTERS: fewer than 10 cells have evidence in every band inside the mask.", naming no band
    Case(
        "no feature selected",
        "evaluate",
        lambda d, p: {**p, "DEPOSITS": _selected_none(d["deposits"])},
        error=r"^DEPOSITS: the layer has no features; choose a layer with deposit points \(if only selected features "
        r"are used, select some\)\.",
        headless=False,
    ),  # before: without the hint the other steps give (the dialog's 'Selected features only' ticked, none selected)
]


def _selected_none(path: str):
    """The layer at ``path`` with 'selected features only' and nothing selected, as the dialog passes it."""
    from qgis.core import QgsProcessingFeatureSourceDefinition

    return QgsProcessingFeatureSourceDefinition(path, True)  # a layer opened from its file has nothing selected


CASES += [
    Case(
        "samples of another area",
        "anomalies",
        lambda d, p: {
            **p,
            "INPUT": d["samples_elsewhere"],
            "OUTPUT_POINTS": os.path.join(os.path.dirname(str(p["OUTPUT"])), "points.gpkg"),
        },
        warning=r"INPUT: none of the 36 samples lies on the raster \(its extent: 400000, 7500000 – 410000, 7510000\); "
        r"they are judged by their own values against its levels, so check that they are its samples \(and the "
        r"layer's CRS\)\. The samples have no field for Pb: they are judged on Cu only\.",
    ),  # before: silent, and a high-value layer 90 km from the map
]
CASES += [
    Case(
        "CSV with decimal-comma coordinates, no grid raster",
        "evidence",
        _outputs_and(POINTS=["deposits_csv_comma_uri"], PIXEL_SIZE=500),
        error=r"^POINTS" + _NO_GEOMETRY,
    ),  # before: "CRS: the grid has no CRS; choose a CRS, a REFERENCE_RASTER, or layers with a CRS."
]
CASES += [
    Case(
        "class field of Y / N flags",
        alg,
        _set(LABELS="labels_yn", LABEL_FIELD="flag"),
        warning=r"Classes: 0 = barren, 1 = Y(?![,\w])",
    )
    for alg in ("pseudolabel", "trainmodel")
]  # before: 'N' was a mineralised class beside 'Y' (classes 1 = N, 2 = Y): no barren label at all
CASES += [
    Case(
        "CSV given by its path",
        "interpolate",
        _set(INPUT="samples_csv_path"),
        error=r"^INPUT: the layer has no geometry: it is a table without coordinates, though its fields 'X' and 'Y' "
        r"hold them .*delimitedtext://file:///…/file\.csv\?xField=X&yField=Y&crs=EPSG:…",
    ),  # before: "… check that the X and Y fields were read as numbers: with decimal commas …", which they were
    Case(
        "CSV given by its path",
        "evaluate",
        _set(DEPOSITS="deposits_csv"),
        error=r"^DEPOSITS: the layer has no geometry: it is a table without coordinates, though its fields 'x' and "
        r"'y' hold them",
    ),  # before: the decimal-comma advice, as interpolate
    Case(
        "shapefile without .cpg, class names unreadable",
        "evidence",
        _set(POLYGONS="lithology_latin1"),
        error=r"^CLASS_FIELD: 1 value\(s\) of 'rock' in 'lithology_latin1' hold characters that could not be read "
        r"\(e\.g\. 'Kivi \ufffd'\).*'lithology_latin1\.cpg' holding '1252'",
    ),  # before: ran; 'Kivi ä' and 'Kivi ö' became one class band 'Kivi �' and their contact was lost
    Case(
        "shapefile without .cpg, class names unreadable",
        "pseudolabel",
        _set(LABELS="labels_latin1", LABEL_FIELD="luokka"),
        error=r"^LABEL_FIELD: 1 value\(s\) of 'luokka' in 'labels_latin1' hold characters that could not be read",
    ),  # before: ran; 'malmi ä' and 'malmi ö' became one class 'malmi �'
    Case(
        "shapefile without .cpg, class names unreadable",
        "trainmodel",
        _set(LABELS="labels_latin1", LABEL_FIELD="luokka"),
        error=r"^LABEL_FIELD: 1 value\(s\) of 'luokka' in 'labels_latin1' hold characters that could not be read",
    ),
    Case(
        "bottom-up raster (positive y resolution)",
        "predict",
        _set(INPUT_RASTERS=["raster_bottom_up"]),
        error=r"^INPUT_RASTERS: 'bottomup\.tif' is not north-up \(it is rotated or flipped\); warp it first",
    ),  # before: "INPUT_RASTERS: the first raster must be north-up with square cells.", naming no file nor remedy
]
CASES += [
    Case(
        "deposits as polygons",
        alg,
        _set(**{parameter: "deposits_polygons"}),
        error=rf"^{parameter}: a point layer is needed, but the layer holds polygons\. For samples or deposits drawn "
        r"as outlines, give a point inside each \(Processing Toolbox › Vector geometry › Point on surface\)",
    )
    for alg, parameter in (("pseudolabel", "LABELS"), ("anomalies", "DEPOSITS"))
]  # before: "a point layer is needed (samples), not lines or polygons.", without what to do
CASES += [
    Case(
        "CRS in US survey feet",
        "evidence",
        _set(
            REFERENCE_RASTER="raster_ft",
            LINES=["faults_ft"],
            DENSITY_RADIUS=3000,
            POLYGONS="lithology_ft",
            CONTINUOUS_RASTERS=["raster_ft"],
            POINTS=["deposits_ft"],
        ),
        check=evidence_in_metres_on_a_grid_in_feet,
    ),  # before: the bands named distance_m held feet, the density band ft per ft² × 1000
    Case(
        "CRS in US survey feet",
        "anomalies",
        _set(INPUT_RASTER="raster_ft", DEPOSITS="deposits_ft"),
        check=anomaly_areas_in_km2_on_a_grid_in_feet,
    ),  # before: area_km2 in thousands of square feet (10.8 times too large), deposit_km in thousands of feet
    Case(
        "CRS in US survey feet, default cluster distance",
        "comparemodels",
        _set(INPUT_RASTERS=["raster_ft"], DEPOSITS="deposits_ft", CLUSTER_DISTANCE=3000),
        warning=r"CLUSTER_DISTANCE: 3,000 map units of this CRS \(1 unit = 0\.304801 m\) are 914 m\. The default was "
        r"chosen as 3,000 m; for that distance give 9,842\.",
    ),  # before: deposits 0.9-3 km apart went to different folds without a word (3,000 ft taken as typed)
    Case(
        "CRS in US survey feet, cluster distance",
        "evaluate",
        _set(INPUT_RASTER="raster_ft", DEPOSITS="deposits_ft", CLUSTER_DISTANCE=10000),
        warning=r"CLUSTER_DISTANCE: 10,000 map units of this CRS \(1 unit = 0\.304801 m\) are 3,048 m\.(?! The)",
    ),  # before: nothing said the distance was in feet
    Case(
        "CRS in US survey feet given in QGIS only (file without CRS)",
        "evidence",
        lambda d, p: {
            **_set(LINES=["faults_ft"], DENSITY_RADIUS=3000, POLYGONS="lithology_ft", POINTS=["deposits_ft"])(d, p),
            "REFERENCE_RASTER": _raster_layer_in(d["raster_ft_no_crs"], FEET_CRS),
            "CONTINUOUS_RASTERS": [_raster_layer_in(d["raster_ft_no_crs"], FEET_CRS)],
        },
        check=evidence_in_metres_on_a_grid_in_feet,
        headless=False,  # a CRS set on the layer (Layer Properties › Source), not in the file
    ),  # before: the grid had no CRS (the file's), so feet were written into the distance_m bands
    Case(
        "CRS in US survey feet given in QGIS only (file without CRS)",
        "anomalies",
        lambda d, p: {
            **p,
            "INPUT_RASTER": _raster_layer_in(d["raster_ft_no_crs"], FEET_CRS),
            "DEPOSITS": d["deposits_ft"],
        },
        check=anomaly_areas_in_km2_on_a_grid_in_feet,
        headless=False,  # a CRS set on the layer (Layer Properties › Source), not in the file
    ),  # before: the file's missing CRS counted, not the layer's: feet taken for metres as above
    Case(
        "zeros in an element band, C-A fractal",
        "anomalies",
        _set(INPUT_RASTER="raster_zeros", METHOD=1),
        error=r"^INPUT_RASTER: band 'Cu' has 200 values <= 0 inside the mask, which have no logarithm",
    ),  # before: "band 'band' has 200 values <= 0 …", naming no band
]
CASES += [
    Case(
        "many samples, global kriging (NEIGHBORS 0)",
        "interpolate",
        _set(INPUT="samples_6000", FIELDS=["Cu"], METHOD=1, NEIGHBORS=0),
        error=r"^NEIGHBORS: global kriging \(NEIGHBORS = 0\) of 6,000 samples needs a 6,000 x 6,000 system; set "
        r"NEIGHBORS to 16-32 \(local kriging\)",
    ),  # before: refused only after the variograms and a minute of cross-validation, naming a fold's 5400 samples
    Case(
        "many samples, IDW with a cross-validation table (NEIGHBORS 0)",
        "interpolate",
        lambda d, p: {
            **_set(INPUT="samples_6000", FIELDS=["Cu"], METHOD=0, NEIGHBORS=0)(d, p),
            "OUTPUT_CV": os.path.join(os.path.dirname(str(p["OUTPUT"])), "cv.csv"),
        },
        warning=r"OUTPUT_CV: kriging is left out of the cross-validation table: global kriging \(NEIGHBORS = 0\) of "
        r"6,000 samples",
        check=idw_checked_one_at_a_time_at_a_subset,
    ),  # before: refused, "NEIGHBORS: global kriging (NEIGHBORS = 0) of 5400 samples …", though METHOD was IDW
]
CASES += [
    Case(
        "raster with a colour table given as continuous",
        "evidence",
        _set(CONTINUOUS_RASTERS=["raster", "raster_paletted"]),
        warning=r"CONTINUOUS_RASTERS: 'geology_classes' has a colour table: its values are class codes, which "
        r"resampling would average .* Give it as CATEGORICAL_RASTERS",
    ),  # before: averaged into codes of no class without a word
    Case(
        "red-green-blue picture as evidence",
        "evidence",
        _set(CONTINUOUS_RASTERS=["raster", "raster_rgb"]),
        warning=r"CONTINUOUS_RASTERS: 'magnetics_picture' has its bands marked red, green and blue .*: if it is a "
        r"picture of a map, its bands are colours, not measured values; use the grid it was drawn from",
    ),  # before: three colour bands used as evidence without a word
]
CASES += [
    Case(
        "date field as the class field",
        alg,
        _set(LABELS="labels_dated", LABEL_FIELD=field),
        error=rf"^LABEL_FIELD: '{field}' is a {kind} field: it says when, not which class, so its dates cannot be "
        r"classes\. Choose the field holding the class",
    )
    for alg, field, kind in (
        ("pseudolabel", "found", "date"),
        ("trainmodel", "found", "date"),
        ("traincnn", "logged", "datetime"),
    )
]  # before: trainmodel and traincnn trained 7 classes 'PyQt5.QtCore.QDate(2001, 1, 1)' …; pseudolabel refused
# them as "a measurement or an id", quoting PyQt's text
CASES += [
    Case(
        "date field as the lithology class field",
        "evidence",
        _set(POLYGONS="lithology_dated", CLASS_FIELD="mapped"),
        check=band_names_of_dates_as_iso,
    ),  # before: bands named 'lithology_dated:PyQt5.QtCore.QDate(1990, 5, 1)'
]
CASES += [
    Case(
        "vector output as GeoJSON (.GeoJSON)",
        "anomalies",
        lambda d, p: {**p, "OUTPUT_ANOMALIES": os.path.splitext(str(p["OUTPUT_ANOMALIES"]))[0] + ".GeoJSON"},
        check=geojson_areas_written,
    ),  # before: "Unexpected error in prospector:anomalies: ValueError: the GeoJSON format does not have layers"
    Case(
        "vector output saved to a GeoPackage table",
        "anomalies",
        _saved_to_geopackage,
        error=r"^OUTPUT_CONTOURS: cannot save into a table of a GeoPackage or database \(ogr:dbname='.*results\.gpkg' "
        r"table=\"contours\" \(geom\)\): each output is a file of its own.*Choose 'Save to File…' instead, e\.g\. "
        r"'.*contours\.gpkg'",
    ),  # before: "OUTPUT_CONTOURS: cannot write '.gpkg' table="contours" (geom)' files; save as .gpkg (GeoPackage)."
]


# sweep 4b: rasters, CRSs and models


def _last_bands_named(*wanted: str) -> Callable[[Dict[str, object]], None]:
    """A check of evidence from a raster with two bands of one name: the stack ends with ``wanted`` (the second of
    the two named by its band number too, every name once) and that band holds the source's band 2 (the grids are
    the same: values identical)."""

    def check(params: Dict[str, object]) -> None:
        import rasterio

        with rasterio.open(str(params["OUTPUT"])) as out:
            names = list(out.descriptions)
            assert names[-len(wanted) :] == list(wanted) and len(set(names)) == len(names), names
            got = out.read(len(names) - len(wanted) + 2, masked=True).filled(np.nan)
        with rasterio.open(str(params["CONTINUOUS_RASTERS"][0])) as src:  # type: ignore[index]
            expected = src.read(2)
        assert np.allclose(got, expected, equal_nan=True)

    return check


#: 'tmi' twice and an unnamed band (a survey and its levelled copy, as delivered)
_bands_named_each_once = _last_bands_named("geophysics_dup:tmi", "geophysics_dup:tmi (band 2)", "geophysics_dup:band 3")


def _model_of_bands_named_each_once(params: Dict[str, object]) -> None:
    """The model trained on a raster with two bands described 'tmi' opens (a model names each band once)."""
    from geochem_prospector.core.learning.estimator import PatchCNN

    model = PatchCNN.load(str(params["OUTPUT_MODEL"]))
    assert model.band_names_ == ["geophysics_dup:tmi", "geophysics_dup:tmi (band 2)", "geophysics_dup:band 3"]


def _auc_as_scikit_learn(params: Dict[str, object]) -> None:
    """evaluate on a 4-class raster: its AUC is scikit-learn's roc_auc_score on the same cells (each deposit's cell
    a positive, every valid cell of the raster a negative; both count ties half)."""
    import csv

    import geopandas as gpd
    import rasterio
    from sklearn.metrics import roc_auc_score

    with open(str(params["OUTPUT_TABLE"]), newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    auc = float(next(r["value"] for r in table if r["kind"] == "metric" and r["name"] == "auc"))
    deposits = gpd.read_file(str(params["DEPOSITS"]))
    with rasterio.open(str(params["INPUT_RASTER"])) as src:
        values = src.read(1).astype(np.float64)
        valid = values != src.nodata
        rows, cols = rasterio.transform.rowcol(src.transform, deposits.geometry.x, deposits.geometry.y)
    at_deposits = values[np.asarray(rows), np.asarray(cols)]
    truth = np.r_[np.ones(at_deposits.size), np.zeros(int(valid.sum()))]
    expected = roc_auc_score(truth, np.r_[at_deposits, values[valid]])
    assert abs(auc - expected) < 1e-9, (auc, expected)


def _element_bands_named_each_once(params: Dict[str, object]) -> None:
    """anomalies on a raster with two bands described 'tmi': the classes raster names them 'tmi', 'tmi (band 2)'."""
    import rasterio

    with rasterio.open(str(params["OUTPUT"])) as out:
        assert list(out.descriptions)[:3] == ["tmi", "tmi (band 2)", "band 3"], out.descriptions


_MERCATOR = (
    rf"is in EPSG:3857, WGS 84 / Pseudo-Mercator, whose map units are {MERCATOR_RATIO:.1f}\d times the ground distance "
    r"at the point of its extent farthest from 1 \(67\.\d° N\): a distance or cell size read in them is "
    rf"{MERCATOR_RATIO:.1f}\d times the one on the ground"
)
CASES += [
    Case(
        "samples in Web Mercator at 67° N",
        "interpolate",
        _set(INPUT="samples_3857"),
        error=rf"^INPUT: the layer {_MERCATOR}.*but distances and pixel sizes must be in metres or feet\. Reproject it "
        r"to a projected CRS first .*: here EPSG:32635 \(WGS 84 / UTM zone 35N",
    ),  # before: 'Output grid: 40 x 40 cells of 500' ran silently, cells of 191 m on the ground
    Case(
        "element raster in Web Mercator at 67° N",
        "anomalies",
        _set(INPUT_RASTER="raster_3857"),
        error=rf"^INPUT_RASTER: the raster {_MERCATOR}.*but anomaly areas \(km²\) .*: here EPSG:32635",
    ),  # before: areas 6.9 times those on the ground
    Case(
        "element raster in Web Mercator at 67° N",
        "pseudolabel",
        _set(INPUT_RASTERS=["raster_3857"], LABELS="deposits_3857"),
        error=rf"^INPUT_RASTERS: 'elements_3857' {_MERCATOR}.*radii and buffers .*: here EPSG:32635",
    ),  # before: POSITIVE_RADIUS 300 drawn as 115 m
    Case(
        "element raster in Web Mercator at 67° N",
        "trainmodel",
        _set(INPUT_RASTERS=["raster_3857"]),
        error=rf"^INPUT_RASTERS: 'elements_3857' {_MERCATOR}.*the neighbourhood window needs cells of one ground size"
        r".*: here EPSG:32635",
    ),  # before: trained without a word, though predict and comparemodels refuse such rasters
    Case(
        "reference raster in Web Mercator at 67° N",
        "evidence",
        _set(REFERENCE_RASTER="raster_3857", CONTINUOUS_RASTERS=["raster_3857"]),
        error=rf"^REFERENCE_RASTER: 'elements_3857' {_MERCATOR}.*: here EPSG:32635",
    ),  # before: fault distances 2.6 times the ground's
    Case(
        "faults in Web Mercator at 67° N",
        "evidence",
        _outputs_and(LINES=["faults_3857"], PIXEL_SIZE=500),
        error=rf"^LINES: the grid's CRS {_MERCATOR}.*: here EPSG:32635",
    ),  # before: fault distances and densities 2.6 times the ground's
    Case(
        "element raster in Web Mercator at 21° N",
        "anomalies",
        _set(INPUT_RASTER="raster_3857_tropics"),
        warning=r"INPUT_RASTER: the raster is in EPSG:3857, WGS 84 / Pseudo-Mercator, whose map units are "
        rf"{_mercator_ratio(TROPICS_X0 + SIZE * PIXEL / 2, TROPICS_Y0):.2f} times the ground "
        r"distance at the point of its extent farthest from 1 \(21\.\d° N\).*the run goes on, with distances and areas "
        r"off by as much.*EPSG:32635",
    ),  # before: nothing said
]
CASES += [
    Case(
        "raster with two bands of one description",
        "evidence",
        _set(CONTINUOUS_RASTERS=["raster_dup_names"]),
        check=_bands_named_each_once,
    ),  # before: "OUTPUT: two bands would be named geophysics_dup:tmi: two inputs have the same layer name; rename
    # one layer."
    Case(
        "raster with two bands of one description",
        "traincnn",
        _set(INPUT_RASTERS=["raster_dup_names"]),
        check=_model_of_bands_named_each_once,
    ),  # before: trained and saved a model no step could open ("band_names[1] is 'geophysics_dup:tmi' a second time")
    Case(
        "raster with two bands of one description",
        "anomalies",
        _set(INPUT_RASTER="raster_dup_names"),
        check=_element_bands_named_each_once,
    ),  # before: "BANDS: band descriptions repeat; name each band once.", BANDS not given
]
CASES += [
    Case(
        "favourability in four classes (ties)",
        "evaluate",
        _set(INPUT_RASTER="raster_classes"),
        warning=r"the raster has 4 distinct values: the top 1, 5, 10, 20 % of the area (and the P-A point )?end inside "
        r"runs of cells of one value, which the raster does not rank among themselves; there the capture and P-A "
        r"figures are what a random order of the tied cells would give .* At the ends of those runs, where the raster "
        r"tells: [\d.]+ % of the deposits in the top 25\.0 % of the area",
        check=_auc_as_scikit_learn,
    ),  # before: 'top 10 % of the area holds …' with no word that the top 10 % lies inside one class of 25 %
]
CASES += [
    Case(
        "second raster covering half the grid",
        "pseudolabel",
        _set(INPUT_RASTERS=["raster", "raster_west_half"]),
        warning=r"INPUT_RASTERS: 'magnetics_west_half\.tif' has no value in 50 % of the cells where 'elements\.tif' has "
        r"one \(it covers only part of the grid, or has nodata there\); those cells are left out, as the labels, the "
        r"training and the map use only cells where every band has a value\. Check its extent, or clip",
    ),  # before: half the study area dropped out of the labels without a word
]
CASES += [
    Case(
        "evidence in feet, cells of another ground size",
        "predict",
        _set(
            INPUT_RASTERS=["raster_ft"], MODEL="model_with_grid"
        ),  # 750 US survey feet = 750 x 1200 / 3937 m = 228.6 m; trained on 250 m
        warning=r"INPUT_RASTERS: the model was trained on cells of 250 m, these have cells of 228\.6 m: the window it "
        r"reads covers 0\.914 times the ground it learned from \(its \d+ x \d+ cells: [\d,]+ m instead of [\d,]+ m\)\. "
        r"Resample the inputs to 250 m cells",
    ),  # before: "The model was trained on 250 cells, the inputs have 750 cells", feet taken for metres (3 times)
]
CASES += [
    Case(
        "element raster in Web Mercator over 1.5° of latitude",
        "evaluate",
        _set(INPUT_RASTER="raster_3857_wide", DEPOSITS="deposits_3857"),
        warning=r"INPUT_RASTER: in EPSG:3857, WGS 84 / Pseudo-Mercator the raster's cells are not of one ground size: "
        rf"one covers {_geodesic_cell_km2(SIZE - 1):,.4g} km² at \d+\.\d° N, \d+\.\d° E but "
        rf"{_geodesic_cell_km2(0):,.4g} km² at \d+\.\d° N, \d+\.\d° E, \d+ % apart, so the shares of the area "
        r"\(success rate, capture, P-A\) count unequal areas as equal\. For exact figures: warp it .*EPSG:32635",
    ),  # before: area shares counted 40 x 40 cells as equal areas without a word
]
CASES += [
    Case(
        "the model's bands in two inputs",
        "predict",
        _set(INPUT_RASTERS=["raster_zeros", "raster_other_units"]),  # 'zeros' and 'elements_ppb', both Cu and Pb
        error=r"^INPUT_RASTERS: band\(s\) elements:Cu, elements:Pb needed by the model are each in more than one "
        r"input \(zeros:Cu, elements_ppb:Cu; zeros:Pb, elements_ppb:Pb\), so which one the model means cannot be told; "
        r"give one raster holding each band, or name the layers as they were at training \(elements\)\.",
    ),  # before: "band(s) elements:Cu, elements:Pb needed by the model are not among the inputs (zeros:Cu, …)"
]

# ---- sweep 4a: coordinates, fields and vector geometry --------------------------------------------------------
CASES += [
    Case(
        "element fields named with a colon, a comma or a micro sign",
        "interpolate",
        _set(INPUT="samples_odd_names", FIELDS=["Au:ppb", "Ni_\u00b5g/g", "Zn,ppm", "Cu (ppm)"]),
        check=units_from_odd_field_names,
    ),  # before: 'Au:ppb' and 'Zn,ppm' took UNITS' ppm (Au's legend in ppm for ppb values); 'Ni_µg/g' warned
    # that µg/g is not ppm
    Case(
        "band names holding a comma or a trailing space, chosen by name",
        "anomalies",
        _set(INPUT_RASTER="raster_odd_names", BANDS="Zn,ppm;Zn ppm", ASSOCIATION="Zn,ppm;Zn ppm"),
        check=thresholds_of_bands_named_with_comma_and_space,
    ),  # before: "BANDS: band(s) Zn, ppm, Zn ppm not found; the raster has Zn,ppm, Zn ppm , Au:ppb."
    Case(
        "samples in two clusters 100 km apart",
        "interpolate",
        _set(INPUT="samples_two_clusters"),
        warning=r"INPUT: \d+ % of the grid's cells lie more than [\d,]+ m from every sample \(3 times the "
        r"samples' spacing, [\d,]+ m\): the samples leave wide gaps .* Set MAX_DISTANCE \(e\.g\. \d+\)",
    ),  # before: ran without a word, the 90 km between the blocks filled by IDW
    Case(
        "extent that misses the samples",
        "interpolate",
        _set(EXTENT="500000,520000,7000000,7020000 [EPSG:3067]"),
        error=r"^EXTENT: no sample lies in or near the extent \(x 500,000 to 520,000, y 7,000,000 to 7,020,000 in "
        r"EPSG:3067\): the nearest is [\d,]+ m away, .*Check the extent and the CRS it is given in",
    ),  # before: ran, a 40 x 40 raster of one value (the mean of samples 480 km away)
    Case(
        "extent given in degrees (EPSG:4326)",
        "interpolate",
        _set(EXTENT=",".join(map(str, EXTENT_4326)) + " [EPSG:4326]"),
        check=grid_on_the_extent_given_in_degrees,
    ),  # fine as it was
    Case(
        "faults with NULL and empty geometries",
        "evidence",
        _set(LINES=["faults_null_empty"]),
        check=distance_to_the_good_faults,
    ),  # fine as it was
    Case(
        "lithology polygons that overlap",
        "evidence",
        _set(POLYGONS="lithology_overlap"),
        warning=r"POLYGONS: 1 pair\(s\) of polygons of different classes overlap in 'lithology_overlap' \(about 320 "
        r"cells in all, e\.g\. 'schist' over 'granite'\): a cell there takes the class of the polygon that comes later",
        check=later_class_wins_in_the_overlap,
    ),  # before: the later polygon won without a word
    Case(
        "lithology as geometry collections with stray lines",
        "evidence",
        _set(POLYGONS="lithology_collection"),
        warning=r"POLYGONS: 1 feature\(s\) of 'lithology_collection' hold lines or points \(a geometry collection",
        check=classes_of_the_polygons_only,
    ),  # before: "CONTACTS: every polygon of 'lithology_collection' holds one class, so there are no contacts"
    Case(
        "deposits sharing a name",
        "evaluate",
        _set(DEPOSITS="deposits_same_name", NAME_FIELD="name"),
        check=deposits_told_apart_by_feature,
    ),  # before: two rows 'a' in the table and the report, no telling which deposit each was
    Case(
        "deposits with Z and M",
        "evaluate",
        _set(DEPOSITS="deposits_zm"),
        check=deposits_with_z_and_m_used_as_points,
    ),  # fine as it was
    Case(
        "band names that differ only in an end space",
        "evidence",
        _set(CONTINUOUS_RASTERS=["raster_space_names"]),
        check=_last_bands_named("elements_space_names:Zn ppm", "elements_space_names:Zn ppm (band 2)"),
    ),  # before: refused "OUTPUT: two bands would be named elements_space_names:Zn ppm: two inputs have the same layer
    # name; rename one layer." (there was one input)
    Case(
        "pixel size larger than the samples' extent",
        "interpolate",
        _set(PIXEL_SIZE=20_000),
        error=r"^PIXEL_SIZE: a pixel size of 20,000 m is larger than the whole extent \([\d,]+ x [\d,]+ m\): the map "
        r"would be a single cell\. Give a pixel size well under the extent's size, in m; check for a slip of the "
        r"keyboard or a size meant in another unit\.",
    ),  # before sweep 18a: ran with the warning "PIXEL_SIZE: the grid is only 1 x 1 cells of 20,000 m over … too few
    # for a map" (and before that, a raster of one cell without a word)
    Case(
        "element field chosen twice",
        "interpolate",
        _set(FIELDS=["Cu", "Pb", "Cu"]),
        error=r"^FIELDS: Cu is chosen more than once; each field chosen becomes a band named for it, so choose each "
        r"field once\.",
    ),  # before: ran, two identical bands 'Cu', which anomalies then refused ('band descriptions repeat')
]

# sweep 5a: whole workflow on districts it was not developed on
CASES += [
    Case(
        "CRS in US survey feet, positive radius and barren buffer",
        "pseudolabel",
        _set(INPUT_RASTERS=["raster_ft"], LABELS="deposits_ft", POSITIVE_RADIUS=1000, NEGATIVE_BUFFER=5000),
        warning=r"POSITIVE_RADIUS: 1,000 map units of this CRS \(1 unit = 0\.304801 m\) are 305 m\.[\s\S]*"
        r"NEGATIVE_BUFFER: 5,000 map units of this CRS \(1 unit = 0\.304801 m\) are 1,524 m\.",
    ),  # before: nothing said the distances were feet (evaluate and comparemodels say it of CLUSTER_DISTANCE)
    Case(
        "real samples whose raw-value variogram is pure nugget, automatic method",
        "interpolate",
        _set(INPUT="kola_chorizon_cu", FIELDS=["Cu"], METHOD=2, PIXEL_SIZE=0, NEIGHBORS=12),
        warning=r"\A(?![\s\S]*almost pure nugget)[\s\S]*Cu: automatic choice: ordinary kriging on log values",
    ),  # before: "Cu: the variogram of raw values is almost pure nugget (nugget 331 = 94 % of the sill): it explains
    # (nearly) no spatial structure, so kriging returns little more than a local mean." while the map used log values
    Case(
        "one survey with nested close pairs (Jura)",
        "interpolate",
        _set(INPUT="jura_lv95", FIELDS=["Cd", "Zn"], PIXEL_SIZE=0),
        warning=r"\A(?![\s\S]*median of one group)[\s\S]*Output grid: 84 x 99 cells of 57 m",
    ),  # before: "Cd: the median of one group of samples (4.191) is 13 x that of another (0.32), the groups lying
    # apart: if they are different surveys or laboratories, name them in SURVEY_FIELD" (groups of 5 to 15 samples)
    Case(
        "two line layers of one GeoPackage",
        "evidence",
        _set(LINES=["structure_faults", "structure_dykes", "region_faults"], INTERSECTIONS=False),
        check=_band_distances_to_structure_layers,
    ),  # before: refused "LINES: 'structure' gives bands named like those of LINES (structure:distance_m): the same
    # layer twice, or two files of one name. Leave one out, or rename one file."
]

# sweep 5b: parameters at their limits


def labels_drawn_with_the_wrapped_seed(params: Dict[str, object]) -> None:
    """pseudolabel with SEED -1: the summary records the seed numpy drew with, -1 wrapped as the classic learners
    wrap it (2**32 - 1), and the labels hold both classes."""
    import json

    import rasterio

    with open(str(params["OUTPUT_SUMMARY"]), encoding="utf-8") as handle:
        assert json.load(handle)["settings"]["seed"] == 2**32 - 1
    with rasterio.open(str(params["OUTPUT"])) as src:
        labels = src.read(1, masked=True)
    assert set(np.unique(labels.compressed()).tolist()) == {0, 1}


def model_trained_with_the_wrapped_seed(params: Dict[str, object]) -> None:
    """traincnn with SEED -1: the model file opens and records the seed its generators took (2**32 - 1)."""
    from geochem_prospector.core.learning.estimator import PatchCNN

    assert PatchCNN.load(str(params["OUTPUT_MODEL"])).seed == 2**32 - 1


def learners_compared_with_the_wrapped_seed(params: Dict[str, object]) -> None:
    """comparemodels with SEED -1: the table holds every fold of the logistic regression and of the best band, each
    with an AUC between 0 and 1."""
    import csv

    with open(str(params["OUTPUT_TABLE"]), newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["fold"] not in ("", "all")]
    for learner in ("logistic", "best band"):
        folds = [r for r in rows if r["learner"] == learner]
        assert [r["fold"] for r in folds] == ["0", "1"], rows
        assert all(0.0 <= float(r["auc"]) <= 1.0 for r in folds), folds


CASES += [
    Case("negative random seed (SEED -1)", "pseudolabel", _set(SEED=-1), check=labels_drawn_with_the_wrapped_seed),
    Case("negative random seed (SEED -1)", "evaluate", _set(SEED=-1), check=_auc_as_scikit_learn),
    Case("negative random seed (SEED -1)", "traincnn", _set(SEED=-1), check=model_trained_with_the_wrapped_seed),
    Case(
        "negative random seed (SEED -1)",
        "comparemodels",
        _set(SEED=-1),
        check=learners_compared_with_the_wrapped_seed,
    ),
]  # before: "Unexpected error in prospector:…: ValueError: expected non-negative integer" (trainmodel ran: its
# learners wrap the seed into numpy's 0 … 2**32 - 1)

CASES += [
    Case(
        "line density radius wider than the grid",
        "evidence",
        _set(DENSITY_RADIUS=1e9),
        error=r"^DENSITY_RADIUS: 1,000,000,000 m is more than the grid's whole diagonal \(14,140 m\), so every cell's "
        r"circle would hold the same lines .*or 0 for no density band\.",
    ),  # before: "Out of memory: use a larger PIXEL_SIZE, a smaller EXTENT or a MASK." (a window of 8 million cells a side)
]


def idw_of_cu_as_sampled(params: Dict[str, object]) -> None:
    """Band 1 (Cu) equals a brute-force IDW of the samples' Cu read with geopandas (8 nearest, power 2, log10): the
    settings the run warned it ignores (kriging's, the levelling's) changed nothing."""
    import geopandas as gpd

    frame = gpd.read_file(str(params["INPUT"]))
    sxy = np.column_stack([frame.geometry.x, frame.geometry.y])
    _assert_brute_force_idw(params, sxy, frame["Cu"].to_numpy(dtype=float))


CASES += [
    Case(
        "kriging settings with IDW",
        "interpolate",
        _set(ANISOTROPY=2, ANISOTROPY_RATIO=3, VARIOGRAM_ESTIMATOR=1),
        warning=r"ANISOTROPY \(Given\) is read only by ordinary kriging \(METHOD ordinary kriging or automatic, or "
        r"the OUTPUT_CV table\); METHOD is IDW and OUTPUT_CV is empty, so the map ignores it\.",
        check=idw_of_cu_as_sampled,
    ),  # before: ran IDW without a word; the anisotropy and the estimator asked for were not used
    Case(
        "levelling settings without a survey field",
        "interpolate",
        _set(LEVELLING=1, REFERENCE_SURVEY="till 2019"),
        warning=r"REFERENCE_SURVEY \(till 2019\) is read only by the levelling of surveys \(SURVEY_FIELD\); "
        r"SURVEY_FIELD is empty, so the map ignores it\.",
        check=idw_of_cu_as_sampled,
    ),  # before: nothing levelled, without a word
    Case(
        "survey field of one survey",
        "interpolate",
        _set(INPUT="samples_one_survey", SURVEY_FIELD="survey"),
        warning=r"SURVEY_FIELD: every sample is of one survey \('till 2019'\), so there is nothing to level it onto",
        check=idw_of_cu_as_sampled,
    ),  # before: "SURVEY_FIELD: 1 survey(s): till 2019" in the log, nothing levelled, no warning
]

CASES += [
    Case(
        "fixed variogram of no variance (nugget and sill 0)",
        "interpolate",
        _set(METHOD=1, VARIOGRAM_MODEL=1, VARIOGRAM_NUGGET=0, VARIOGRAM_SILL=0, VARIOGRAM_RANGE=3000),
        error=r"^VARIOGRAM_SILL: a variogram needs nugget >= 0 and partial sill >= 0, not both 0 \(here 0 and 0: a "
        r"sill of 0 is no variance at all\); give the partial sill",
    ),  # before: "VARIOGRAM_RANGE: a variogram needs nugget >= 0, partial sill >= 0 (not both 0) and range > 0."
]

CASES += [
    Case(
        "coarse view wider than the grid",
        "traincnn",
        _set(COARSE_VIEW=9),
        error=r"^COARSE_VIEW: the network would see 45 x 45 cells around each cell \(PATCH_SIZE 5 x COARSE_VIEW 9\), "
        r"more than the evidence grid's 40 x 40, .*use a COARSE_VIEW of at most 7 here, or set it to 0 \(none\)\.",
    ),  # before: "VALIDATION: could not split the labels in space …; add labels, use smaller blocks, or change the
    # validation method." (no word of COARSE_VIEW)
    Case(
        "patch of 11 cells on a grid of 40",
        "traincnn",
        _set(PATCH_SIZE=11),
        error=r"^VALIDATION: could not split the labels in space so that every class is in both the training and the "
        r"validation part \(1 block\(s\) of 44 x 44 cells; training cells within 10 cells of a validation cell are left "
        r"out, .*a smaller PATCH_SIZE or COARSE_VIEW \(the window, and the automatic blocks, grow with them\)",
    ),  # before: "…; add labels, use smaller blocks, or change the validation method." (no word of the patch)
    Case(
        "validation block as wide as the grid",
        "traincnn",
        _set(BLOCK_SIZE=10_000),
        error=r"^BLOCK_SIZE: 10,000 m is as wide as the whole grid \(40 x 40 cells of 250 m\), so one block would hold "
        r"every label and none would be left to validate on; use blocks of a fraction of the area \(at most 5000 m "
        r"here\), or 0",
    ),  # before: the same "VALIDATION: could not split the labels in space …" (no word of BLOCK_SIZE)
]

CASES += [
    Case(
        "tree settings with logistic regression",
        "trainmodel",
        _set(METHOD=2, N_ESTIMATORS=500, MAX_DEPTH=4),
        warning=r"N_ESTIMATORS \(500\) is read by random forest and gradient boosting only; the learner chosen, "
        r"logistic regression, ignores it\.",
    ),  # before: trained a logistic regression without a word of the 500 trees asked for
    Case(
        "leaf larger than half the labelled cells",
        "trainmodel",
        _set(METHOD=0, MIN_SAMPLES_LEAF=100),
        error=r"^MIN_SAMPLES_LEAF: 100 cells a leaf: a tree splits only where each side keeps that many, so it needs at "
        r"least 200 training cells and there are 196: every tree would be one leaf, giving one probability "
        r"everywhere\. Use a MIN_SAMPLES_LEAF of at most 98",
    ),  # before: trained a forest of one-leaf trees (one probability everywhere) without a word
]

CASES += [
    Case(
        "one deposit",
        "comparemodels",
        _set(DEPOSITS="deposits_one"),
        error=r"^DEPOSITS: the layer holds 1 deposit\(s\), and at least two are needed, as the learners are compared by "
        r"holding deposits out in turn; add deposits",
    ),  # before: "DEPOSITS: 1 of the 1 deposits lie on valid cells of the rasters, and at least two are needed; check
    # that the deposits overlap the rasters (and their CRS), the rasters' nodata and the MASK." (it did overlap)
]

CASES += [
    Case(
        "percentiles left empty",
        "anomalies",
        _set(PERCENTILES=""),
        error=r"^PERCENTILES: give a value, e\.g\. 85,95,98 \(got nothing\)\.",
    ),  # before: "Incorrect parameter value for PERCENTILES"
]
CASES += [
    Case(
        "positive radius wider than the grid",
        "pseudolabel",
        _set(POSITIVE_RADIUS=1e6, METHOD=1),
        error=r"^POSITIVE_RADIUS: every one of the 1600 cells with evidence lies within 1,000,000 m of a mineralised point, "
        r"so every cell would be labelled mineralised and none is left to tell barren ground by; use a radius",
    ),  # before: label spreading labelled all 1,600 cells mineralised without a word (PU bagging and self-training
    # refused it as "NEGATIVE_BUFFER: no unlabelled cells are left outside NEGATIVE_BUFFER; reduce the buffer.")
]
CASES += [
    Case(
        "variogram range with IDW",
        "interpolate",
        _set(VARIOGRAM_RANGE=3000),
        warning=r"VARIOGRAM_RANGE \(3000\) is read only by ordinary kriging \(METHOD ordinary kriging or automatic, or "
        r"the OUTPUT_CV table\); METHOD is IDW and OUTPUT_CV is empty, so the map ignores it\.",
        check=idw_of_cu_as_sampled,
    ),  # before: refused "VARIOGRAM_MODEL: a fixed VARIOGRAM_RANGE needs a model; choose spherical, exponential or
    # gaussian (or clear the range to fit the variogram).", though the run (IDW) reads no variogram
]
CASES += [
    Case(
        "patch wider than the grid",
        "comparemodels",
        _set(PATCH_SIZE=41),
        error=r"^INPUT_RASTERS: the evidence grid is 40 x 40 cells of 250 m, narrower than the 41 x 41-cell patch "
        r"\(PATCH_SIZE\), so every patch would be mostly padding\. .*or the per-cell network alone \(CNN_MODES 'CNN "
        r"per cell \(no context\)'\)\.",
    ),  # before: compared without a word a CNN whose every patch was mostly padding (traincnn refused it)
    Case(
        "coarse view wider than the grid",
        "comparemodels",
        _set(CNN_MODES=[3], COARSE_VIEW=9),
        error=r"^COARSE_VIEW: the network would see 45 x 45 cells around each cell \(PATCH_SIZE 5 x COARSE_VIEW 9\), "
        r"more than the evidence grid's 40 x 40, .*use a COARSE_VIEW of at most 7 here, or leave 'CNN with a coarse "
        r"view' out of CNN_MODES\.",
    ),  # before: compared without a word
]
CASES += [
    Case(
        "pixel size larger than the extent, no reference raster",
        "evidence",
        lambda d, p: {
            k: v for k, v in {**p, "PIXEL_SIZE": 1e6}.items() if k not in ("REFERENCE_RASTER", "CONTINUOUS_RASTERS")
        },
        error=r"^PIXEL_SIZE: a pixel size of 1,000,000 m is larger than the whole extent \(10,000 x 10,000 m\): the map "
        r"would be a single cell\.",
    ),  # before sweep 18a: ran with the warning "PIXEL_SIZE: the grid is only 1 x 1 cells of 1,000,000 m over 10,000
    # m x 10,000 m, too few for a map" (and before that, a 1 x 1 grid of 1,000 km, its fault distance 695 km and
    # every lithology 0, without a word)
]
CASES += [
    Case(
        "neighbourhood window wider than the grid",
        alg,
        _set(WINDOW=41),
        error=r"^WINDOW: the neighbourhood window of 41 x 41 cells is wider than the evidence grid \(40 x 40 cells of "
        r"250 m\), so every window reaches beyond it and its statistics are nearly those of the whole map; use a WINDOW "
        r"of at most 39 here",
    )
    for alg in ("trainmodel", "comparemodels")
]  # before: trained (and compared) without a word, though traincnn refuses a patch wider than the grid
CASES += [
    Case(
        "validation block smaller than half a cell",
        "traincnn",
        _set(BLOCK_SIZE=100),
        warning=r"BLOCK_SIZE: 100 m is less than half a cell \(250 m\), so it rounds to no cell and the blocks are chosen "
        r"from the labels, as with 0; give at least one cell",
    ),  # before: the automatic blocks, without a word
    Case(
        "validation block size with leave-clusters-out",
        "traincnn",
        _set(VALIDATION=1, BLOCK_SIZE=2000),
        warning=r"BLOCK_SIZE \(2000\) is read by the spatial blocks validation only; VALIDATION is 'Leave positive "
        r"clusters out', which ignores it\.",
    ),  # before: ignored without a word
]
CASES += [
    Case(
        "class prior without positive-unlabelled training",
        "traincnn",
        _set(CLASS_PRIOR=0.3, TRAINING=0),
        warning=r"CLASS_PRIOR \(0\.3\) is not read with TRAINING 'Labelled cells \(cross-entropy\)', so this run "
        r"ignores it\.",
    ),  # before: ignored without a word
    Case(
        "barren ratio with positive-unlabelled training",
        "traincnn",
        _set(BARREN_RATIO=2),
        warning=r"BARREN_RATIO \(2\) is not read with TRAINING 'Positive-unlabelled \(non-negative PU risk\)', so this "
        r"run ignores it\.",
    ),  # before (PU the default): ignored without a word, the training no faster
    Case(
        "distillation settings without a teacher",
        "traincnn",
        _set(DISTIL_TARGET=1, DISTIL_WEIGHT=5),
        warning=r"DISTIL_WEIGHT \(5\) is not read with TEACHER 'None', so this run ignores it\.",
    ),  # before: ignored without a word
]
CASES += [
    Case(
        "settings of another labelling method",
        "pseudolabel",
        _set(METHOD=1, ITERATIONS=20),
        warning=r"ITERATIONS \(20\) is read by Self-training only; the method chosen, Label spreading \(kNN graph\), "
        r"ignores it\.",
    ),  # before: ignored without a word (and the matrix's BAGS 5 too)
]


# sweep 6a: layers and outputs as QGIS hands them over
def _scratch_layer_in_degrees(path: str):
    """The points of ``path`` (metres, EPSG:3067) in a scratch layer ('Create temporary scratch layer') whose CRS
    is EPSG:4326, QGIS's default for a layer made without one."""
    from qgis.core import QgsFeature, QgsVectorLayer

    source = QgsVectorLayer(path, "source", "ogr")
    layer = QgsVectorLayer("Point?crs=EPSG:4326", "scratch", "memory")
    layer.dataProvider().addAttributes(source.fields().toList())
    layer.updateFields()
    layer.dataProvider().addFeatures([QgsFeature(f) for f in source.getFeatures()])
    layer.updateExtents()
    assert layer.isValid() and layer.featureCount() == source.featureCount() > 0
    return layer


def _metres_as_degrees(parameter: str, extent: str, whose: str = "the rasters'") -> str:
    """The refusal of metre coordinates in a layer whose CRS is in degrees (``whose`` CRS suggested, none: none)."""
    return (
        rf"^{parameter}: the layer( '[^']+')? is in EPSG:4326, WGS 84, in degrees, but its coordinates are not "
        rf"longitudes and latitudes \(its extent: {extent}\): its CRS is wrong \(QGIS gives a layer made without "
        r"one a default CRS\)\. Set the CRS its coordinates are in \(Layer Properties › Source, or Vector › Data "
        r"Management Tools › Assign Projection; not Reproject Layer\)"
        + (rf", e\.g\. {whose} CRS \(EPSG:3067\) if they are in it, and run again\." if whose else "")
    )


CASES += [
    Case(
        "metre coordinates in a layer said to be in degrees",
        "pseudolabel",
        _set(LABELS="deposits_metres_as_degrees"),
        error=_metres_as_degrees("LABELS", "402000, 7502000 – 408000, 7506000"),
    ),  # before: "LABELS: the layer has no point features with geometry; choose a layer with points (if only selected
    # features are used, select some)." after "3 features without geometry (NULL or empty) skipped" and a QGIS
    # "transform error" line per feature
    Case(
        "metre coordinates in a layer said to be in degrees",
        "evaluate",
        _set(DEPOSITS="deposits_metres_as_degrees"),
        error=_metres_as_degrees("DEPOSITS", "402000, 7502000 – 408000, 7506000"),
    ),  # before: "DEPOSITS: none of the 3 deposits lies on a valid cell of the study area (3 no valid coordinates)"
    Case(
        "metre coordinates in a layer said to be in degrees",
        "evidence",
        _set(LINES=["faults_metres_as_degrees"]),
        error=_metres_as_degrees("LINES", "400500, 7500500 – 409500, 7509000", "the grid's"),
    ),  # before: "LINES: layer 'faults_metres_as_degrees' has no features within the grid's extent (...)"
    Case(
        "metre coordinates in a layer said to be in degrees",
        "interpolate",
        _set(INPUT="samples_metres_as_degrees"),
        error=_metres_as_degrees("INPUT", r"\d+, \d+ – \d+, \d+", ""),
    ),  # before: "INPUT: the layer is in a geographic CRS (EPSG:4326, degrees) ... Reproject it to a projected CRS"
    Case(
        "metre coordinates in a scratch layer given QGIS's default CRS",
        "traincnn",
        lambda d, p: {**p, "LABELS": _scratch_layer_in_degrees(d["label_points_crowded"]), "LABEL_FIELD": "cls"},
        error=_metres_as_degrees("LABELS", "400125, 7500125 – 409875, 7509935"),
        headless=False,  # a layer object: qgis_process cannot give a memory layer
    ),  # before: "LABELS: the layer has no point features with geometry" after 202 "transform error" lines
]
_NO_MASK_POLYGON = (
    r"^MASK: the mask layer has no polygons; choose a polygon layer with features \(if only selected features are "
    r"used, select some; if the layer has a filter, check that it keeps some\) or leave MASK empty\."
)
CASES += [
    Case(
        "mask filter that keeps no polygon",
        "interpolate",
        lambda d, p: {**p, "MASK": d["mask_4326"] + '|layername=mask_4326|subset="id" = 2'},
        error=_NO_MASK_POLYGON,
    ),  # before: "MASK: the mask layer has no polygons; choose a polygon layer or leave the mask empty."
    Case(
        "no mask polygon selected",
        "pseudolabel",
        lambda d, p: {**p, "MASK": _selected_none(d["mask_4326"])},
        error=_NO_MASK_POLYGON,
        headless=False,  # 'selected features only' needs a layer in QGIS
    ),  # before: as above, without the selection
    Case(
        "no mask polygon selected",
        "evidence",
        lambda d, p: {**p, "MASK": _selected_none(d["mask_4326"])},
        error=_NO_MASK_POLYGON,
        headless=False,
    ),  # before: "MASK: the mask layer has no polygons; choose a polygon layer with features or leave MASK empty."
]


def _auc_on_the_kept_deposits(params: Dict[str, object]) -> None:
    """evaluate on deposits behind a layer filter: the AUC is scikit-learn's roc_auc_score over the deposits the
    filter keeps (a and c; b, the one on the highest values, left out), each deposit's cell a positive and every
    valid cell of the raster a negative, and the filtered-out deposit changes it (so the filter was applied)."""
    import csv

    import geopandas as gpd
    import rasterio
    from sklearn.metrics import roc_auc_score

    with open(str(params["OUTPUT_TABLE"]), newline="", encoding="utf-8") as handle:
        metrics = {r["name"]: r["value"] for r in csv.DictReader(handle) if r["kind"] == "metric"}
    path = str(params["DEPOSITS"]).split("|")[0]
    every = gpd.read_file(path)
    with rasterio.open(str(params["INPUT_RASTER"])) as src:
        values = src.read(1).astype(np.float64)
        valid = values != src.nodata

        def auc(deposits) -> float:
            rows, cols = rasterio.transform.rowcol(src.transform, deposits.geometry.x, deposits.geometry.y)
            at = values[np.asarray(rows), np.asarray(cols)]
            truth = np.r_[np.ones(at.size), np.zeros(int(valid.sum()))]
            return float(roc_auc_score(truth, np.r_[at, values[valid]]))

        kept, unfiltered = auc(every[every["name"] != "b"]), auc(every)
    assert abs(float(metrics["auc"]) - kept) < 1e-9 and abs(kept - unfiltered) > 0.01, (
        metrics["auc"],
        kept,
        unfiltered,
    )


CASES += [
    Case(
        "deposits behind a layer filter",
        "evaluate",
        lambda d, p: {**p, "DEPOSITS": d["deposits"] + "|layername=deposits|subset=\"name\" <> 'b'"},
        check=_auc_on_the_kept_deposits,
    ),  # fine as it was: 2 deposits used, AUC as scikit-learn's on them
]


# sweep 6b: rasters as survey contractors deliver them
def thresholds_as_gdal_reads_them(params: Dict[str, object]) -> None:
    """anomalies' thresholds table has one row per band that holds values (an alpha band is the others' mask, not an
    element), with the cell count and the 85/95/98th percentiles numpy gives on the values GDAL reads from the same
    file: through each band's mask, times its scale plus its offset."""
    import csv

    from osgeo import gdal

    dataset = gdal.Open(str(params["INPUT_RASTER"]))
    expected = {}
    for i in range(1, dataset.RasterCount + 1):
        band = dataset.GetRasterBand(i)
        if band.GetColorInterpretation() == gdal.GCI_AlphaBand:
            continue
        valid = band.GetMaskBand().ReadAsArray() > 0
        values = band.ReadAsArray().astype(float)[valid] * (band.GetScale() or 1.0) + (band.GetOffset() or 0.0)
        expected[band.GetDescription()] = (int(valid.sum()), np.percentile(values, [85, 95, 98]))
    with open(written_path(str(params["OUTPUT_TABLE"])), newline="", encoding="utf-8") as handle:
        rows = {row["element"]: row for row in csv.DictReader(handle) if row["element"] != "index"}
    assert sorted(rows) == sorted(expected)
    for name, (cells, percentiles) in expected.items():
        assert int(rows[name]["cells"]) == cells
        found = [float(rows[name][k]) for k in ("weak", "moderate", "strong")]
        np.testing.assert_allclose(found, percentiles, rtol=1e-5)


def continuous_bands_as_gdal_reads_them(params: Dict[str, object]) -> None:
    """evidence takes one band from each band of the first continuous raster that holds values (an alpha band is
    the others' mask, not evidence), equal to GDAL's read of that band through its own mask, times its scale plus its
    offset (the grids are the same): nodata where the band has none, never a fill value read as a number."""
    import rasterio
    from osgeo import gdal

    path = str(params["CONTINUOUS_RASTERS"][0])  # type: ignore[index]
    dataset = gdal.Open(path)  # kept open while its bands are read
    expected = []
    for i in range(1, dataset.RasterCount + 1):
        band = dataset.GetRasterBand(i)
        if band.GetColorInterpretation() != gdal.GCI_AlphaBand:
            values = band.ReadAsArray().astype(float) * (band.GetScale() or 1.0) + (band.GetOffset() or 0.0)
            expected.append(np.where(band.GetMaskBand().ReadAsArray() > 0, values, np.nan))
    layer = os.path.splitext(os.path.basename(path))[0]
    with rasterio.open(written_path(str(params["OUTPUT"]))) as src:
        ours = [i + 1 for i, d in enumerate(src.descriptions) if (d or "").startswith(layer + ":")]
        assert len(ours) == len(expected), src.descriptions
        got = [src.read(i, masked=True).astype(float).filled(np.nan) for i in ours]
    assert sorted(int(np.isnan(want).sum()) for want in expected)[-1] in (25, 49)  # the hole of the test's input
    for band, want in zip(got, expected):
        np.testing.assert_array_equal(np.isnan(band), np.isnan(want))
        np.testing.assert_allclose(band[~np.isnan(band)], want[~np.isnan(want)], rtol=1e-6)


CASES += [
    Case(
        "raster with an alpha band",
        "anomalies",
        _set(INPUT_RASTER="raster_alpha"),
        check=thresholds_as_gdal_reads_them,
    ),  # before: "INPUT_RASTER: the integrated index needs positive concentrations (it uses logarithms), but band
    # 'band 2' goes down to 0 …", after a warning to set the nodata value to 255 (the alpha read as an element)
    Case(
        "raster with an alpha band",
        "evidence",
        _set(CONTINUOUS_RASTERS=["raster_alpha"]),
        check=continuous_bands_as_gdal_reads_them,
    ),  # before: two bands, the alpha (0 and 255) as evidence, and 0 in the transparent hole of the picture's band
    Case(
        "bands of two data types (VRT)",
        "anomalies",
        _set(INPUT_RASTER="raster_mixed_types"),
        check=thresholds_as_gdal_reads_them,
    ),  # before: "Unexpected error … ValueError: more than one 'dtype' found"
    Case(
        "bands of two data types (VRT)",
        "evidence",
        _set(CONTINUOUS_RASTERS=["raster_mixed_types"]),
        check=continuous_bands_as_gdal_reads_them,
    ),  # before: Pb's nodata read as Cu's (-9999), so its hole of -32768 became -327.68 ppm of evidence
    Case(
        "columns running east to west",
        "anomalies",
        _set(INPUT_RASTER="raster_east_to_west"),
        error=r"^INPUT_RASTER: 'cu_east_to_west\.tif' is not north-up \(it is rotated or flipped\); warp it first",
    ),  # before: "… has cells that are not square (-250 x 250); warp it to square cells first", though they are
    Case(
        "columns running east to west",
        "predict",
        _set(INPUT_RASTERS=["raster_east_to_west", "raster"]),
        error=r"^INPUT_RASTERS: 'cu_east_to_west\.tif' is not north-up \(it is rotated or flipped\); warp it first",
    ),  # before: the same "cells that are not square (-250 x 250)"
]
CASES += [
    Case(
        "Surfer grid, its CRS in a side file",
        alg,
        change,
        error=rf"^{parameter}: .*has no CRS.* Its CRS is in the side file 'cu_surfer\.grd\.aux\.xml' \(where QGIS and "
        r"gdal_edit\.py keep a CRS assigned to a format that cannot hold one\), which is not read here.*assigning it "
        r"again will not help\. Convert it to a GeoTIFF with its CRS \(Raster › Conversion › Translate",
    )
    for alg, parameter, change in (
        ("evaluate", "INPUT_RASTER", _set(INPUT_RASTER="raster_surfer_crs_aside")),
        ("pseudolabel", "INPUT_RASTERS", _set(INPUT_RASTERS=["raster_surfer_crs_aside"])),
        ("evidence", "CONTINUOUS_RASTERS", _set(CONTINUOUS_RASTERS=["raster_surfer_crs_aside"])),
    )
]  # before: "… has no CRS; assign one (Layer Properties)." / "assign its projected CRS first." / "assign its CRS first
# (Raster › Projections › Assign Projection)", which the user had done: the CRS went to the side file, not read
CASES += [
    Case(
        "byte raster whose nodata value no byte can hold",
        "evaluate",
        _set(INPUT_RASTER="raster_byte_nodata_beyond"),
        warning=r"INPUT_RASTER: band 'Cu' of 'cu_picture_nodata_9999\.tif' holds whole numbers from 0 to 255 \(uint8\), "
        r"but its nodata value is -9999, which no cell can hold, so no cell was read as nodata: cells meant as missing "
        r"were used as data\. Set a nodata value the band can hold \(gdal_edit\.py -a_nodata 0 .*\) and run again\.",
    ),  # before: the 49 cells of 0 in the hole ranked as the lowest prospectivity without a word (GDAL ignores the
    # nodata value); anomalies refused it for 'Cu' going down to 0 without saying that the nodata value was unusable
]


def _zipped_raster_layer(key: str):
    """The parameter given as the raster layer QGIS makes of a GeoTIFF inside a zip (a desktop user drags the
    downloaded zip onto the map): its source is '/vsizip/<zip>/elements.tif'."""

    def change(d: Dict[str, str], p: Dict[str, object]) -> Dict[str, object]:
        from qgis.core import QgsRasterLayer

        from geochem_prospector.core.io.inputs import no_gdal_sidecars

        with no_gdal_sidecars():  # else QGIS's first histogram (its default stretch) is cached into the zip on close
            layer = QgsRasterLayer(f"/vsizip/{d['raster_zip']}/elements.tif", "elements", "gdal")
        assert layer.isValid() and layer.source().startswith("/vsizip/")
        return {**p, key: [layer] if isinstance(p[key], list) else layer}

    return change


def auc_as_of_the_unzipped_raster(params: Dict[str, object]) -> None:
    """evaluate's AUC of the zipped raster equals a brute-force AUC on the raster read unzipped (the matrix's
    elements.tif beside the zip): each deposit's cell against every valid cell, the share it ranks above, ties half."""
    import csv

    import geopandas as gpd
    import rasterio

    given = params["INPUT_RASTER"]  # the layer QGIS makes of it, or its '/vsizip/…' path
    source = given.source() if hasattr(given, "source") else given  # type: ignore[union-attr]
    archive = os.path.dirname(str(source).split("/vsizip/", 1)[1])
    with rasterio.open(os.path.join(os.path.dirname(archive), "elements.tif")) as src:
        values = src.read(1, masked=True).astype(float).filled(np.nan)
        inverse = ~src.transform
    cells = [inverse * (point.x, point.y) for point in gpd.read_file(str(params["DEPOSITS"])).geometry]
    at = [values[int(np.floor(row)), int(np.floor(col))] for col, row in cells]
    valid = values[np.isfinite(values)]
    auc = np.mean([(np.sum(valid < v) + 0.5 * np.sum(valid == v)) / valid.size for v in at])
    with open(written_path(str(params["OUTPUT_TABLE"])), newline="", encoding="utf-8") as handle:
        found = [float(r["value"]) for r in csv.DictReader(handle) if (r["kind"], r["name"]) == ("metric", "auc")]
    assert len(found) == 1
    np.testing.assert_allclose(found[0], auc, atol=1e-9)


CASES += [
    Case(
        "raster inside a zip (layer object)",
        "evaluate",
        _zipped_raster_layer("INPUT_RASTER"),
        check=auc_as_of_the_unzipped_raster,
        headless=False,
    ),  # before: "INPUT_RASTER: cannot open raster '…/elements_download.zip': '…/elements_download.zip' not
    # recognized as a supported file format." (the zip itself was opened, not the raster in it)
    Case(
        "raster inside a zip (layer object)",
        "pseudolabel",
        _zipped_raster_layer("INPUT_RASTERS"),
        headless=False,
    ),  # before: the same "cannot open raster '…/elements_download.zip'"
]


# sweep 6 (mine): an output over a GeoPackage that holds the user's other layers
CASES += [
    Case(
        "output over a project GeoPackage of several layers",
        "anomalies",
        _set(OUTPUT_ANOMALIES="project_gpkg"),
        error=r"^OUTPUT_ANOMALIES: 'project\.gpkg' is a GeoPackage holding 2 layers \(deposits, geology\); this output "
        r"replaces the whole file, so they would all be lost\. Give the output a new file name",
    ),  # before: the run replaced project.gpkg by one layer of anomalies, deposits and geology gone (QGIS 3.22's
    # native:buffer replaces it the same way)
]
CASES += [
    Case(
        "one sample at 0, 0 among the survey",
        "interpolate",
        _set(INPUT="samples_stray"),
        error=r"^INPUT: 1 of the 37 sampled places lies far from all the others, at \(0, 0\): [\d,]+ m or more from "
        r"the nearest other sample, where the survey's spacing is about [\d,.]+ m\. A coordinate typed wrong, or a "
        r"QC sample .*give an EXTENT to map the surveyed area alone\.",
    ),  # before: a grid over 7,500 km (cells of several km) and "INPUT: 100 % of the grid's cells lie more than …
    # from every sample …", which named no sample
    Case(
        "one sample at 0, 0 among the survey, with an extent",
        "interpolate",
        lambda d, p: {**_set(INPUT="samples_stray")(d, p), "EXTENT": f"{X0},{X0 + 10_000},{Y0},{Y0 + 10_000} [{CRS}]"},
    ),  # the EXTENT says which area to map: the stray sample does not shape the grid
    Case(
        "one sample at 0, 0 among the survey, with a MASK",
        "interpolate",
        _set(INPUT="samples_stray", MASK="mask_twice_the_grid", METHOD="kriging"),  # the variogram too
        warning=r"INPUT: 1 of the 37 sampled places lies apart from the samples around the MASK \(up to [\d,]+ m "
        r"from its extent\): it is left out of the map, its extent, its automatic pixel size and its variogram",
        check=lambda p: _grid_within(p["OUTPUT"], X0 - 1000, Y0 - 1000, X0 + 11_000, Y0 + 11_000),
    ),  # the MASK says which area to map; before: refused as above (review 36: five far samples passed that check
    # and stretched the grid over 500 km, tripling the automatic pixel size)
]


def _grid_within(path: str, xmin: float, ymin: float, xmax: float, ymax: float) -> None:
    """Assert that the raster at ``path`` lies within the box given."""
    import rasterio

    with rasterio.open(path) as src:
        left, bottom, right, top = src.bounds
    assert xmin <= left and bottom >= ymin and right <= xmax and top <= ymax, (left, bottom, right, top)


# sweep 7a: deposits and labels as geologists keep them
CASES += [
    Case(
        "deposits of points and a mine footprint in one layer",
        alg,
        change,
        error=rf"^{parameter}: 1 of the layer's 3 features is not a point: 1 polygon \({shown}\); the layer mixes "
        r"points with other geometry types\. Give a point for each \(Processing Toolbox › Vector geometry › Point on "
        r"surface makes one inside each polygon\) and run again\.",
    )
    for alg, parameter, shown, change in (
        ("evaluate", "DEPOSITS", "b open pit", _set(DEPOSITS="deposits_mixed")),
        ("comparemodels", "DEPOSITS", "b open pit", _set(DEPOSITS="deposits_mixed")),
        ("anomalies", "DEPOSITS", "feature 2", _set(DEPOSITS="deposits_mixed")),
        ("pseudolabel", "LABELS", "feature 2", _set(LABELS="deposits_mixed")),
        ("traincnn", "LABELS", "feature 2", _set(LABELS="deposits_mixed", LABEL_FIELD="cls")),
        ("trainmodel", "LABELS", "feature 2", _set(LABELS="deposits_mixed", LABEL_FIELD="cls")),
    )
]  # before: "Unexpected error in prospector:… TypeError: Polygon geometry cannot be converted to a point. Only Point
# types are permitted." (QGIS gives a GEOMETRY layer whose first feature is a point as a point layer)
CASES += [
    Case(
        "class field of 1, yes, Y, barren, 0, NULL and blanks",
        alg,
        _set(LABELS="labels_flags", LABEL_FIELD="cls"),
        warning=r"Classes: 0 = barren, 1 = 1 / Y / yes\b",
    )
    for alg in ("pseudolabel", "trainmodel")
]  # before: pseudolabel refused "LABEL_FIELD: 'cls' has 4 different values for 7 points (e.g. class 1, Y, yes): it
# looks like a measurement or an id, not classes"; trainmodel learnt 'Y' and 'yes' as two more deposit types


def training_caveat_in_the_report(params: Dict[str, object]) -> None:
    """The report, read long after the run, carries the warning as a note, its names escaped as any text."""
    import html
    import re

    with open(str(params["OUTPUT_REPORT"]), encoding="utf-8") as handle:
        report = handle.read()
    notes = [html.unescape(n) for n in re.findall(r"<p class='note'>(.*?)</p>", report, re.DOTALL)]
    assert [n for n in notes if "(a, b, c) lie on cells that the model behind 'prospectivity_trained'" in n], notes


CASES += [
    Case(
        "deposits the model was trained on",
        "evaluate",
        _set(INPUT_RASTER="prospectivity_trained"),
        check=training_caveat_in_the_report,
        warning=r"DEPOSITS: 3 of the 3 deposits used \(a, b, c\) lie on cells that the model behind "
        r"'prospectivity_trained' was trained on as mineralised \(the points of 'deposits'\): there the figures "
        r"measure how well the model fits its training, not how well it predicts\.",
    ),
]  # before: the AUC of the training deposits reported as the map's skill, without a word
CASES += [
    Case(
        "fifty shafts of one mine among the deposits",
        "evaluate",
        _set(DEPOSITS="deposits_camp"),
        warning=r"CLUSTER_DISTANCE: the 53 deposits form only 4 group\(s\) within 1,000 m of one another \(the largest "
        r"holds 50\): they are not 53 independent finds, but with CLUSTER_DISTANCE 0 the bootstrap takes each as one, "
        r"so its interval is too narrow\. Give a CLUSTER_DISTANCE \(e\.g\. 1,000 m\) to resample whole groups\.",
    ),
]  # before: an interval of 53 independent deposits and only '34 deposits share a cell with another deposit'
CASES += [
    Case(
        "deposit status as the class field",
        "pseudolabel",
        _set(LABELS="deposits_status", LABEL_FIELD="status"),
        warning=r"class 1 \(mine \+ occurrence \+ past producer \+ prospect\): \d+ seed \+ \d+ pseudo-labelled cells",
    ),
]  # before: "class 1 (mine): 7 seed + …", the four kinds merged by PU bagging named for the first alone
CASES += [
    Case(
        "class field holding -1 for unlabelled points",
        "pseudolabel",
        _set(LABELS="labels_minus_one", LABEL_FIELD="v"),
        warning=r"LABEL_FIELD: 2 of 10 points have no class in 'v' \(NULL, blank, or a negative number such as -1, "
        r"read as unlabelled\) and were skipped\.",
    ),
]  # before: "LABEL_FIELD: 2 of 10 points have an empty v and were skipped.", though they held -1
CASES += [
    Case(
        "fifty shafts of one mine among the deposits",
        "comparemodels",
        _set(DEPOSITS="deposits_camp"),
        warning=r"DEPOSITS: the 53 deposits on valid cells lie on (\d+) cells \((?!0 )\d+ share a cell with another\); "
        r"each cell counts once, so the folds below count deposit cells\.",
    ),
]  # before: "fold 0 (16 deposits): …" for a fold holding the fifty shafts, without a word that it counted cells


# sweep 7b: long runs as a user lives them
def _forest_map_as_in_process(params: Dict[str, object]) -> None:
    """The map written through the Dask workers equals the forest's own map of the raster, computed here."""
    import rasterio

    from geochem_prospector.core.learning.classic_file import load_model

    with rasterio.open(str(params["INPUT_RASTERS"][0])) as src:  # type: ignore[index]
        bands = src.read(masked=True).astype(np.float64).filled(np.nan)
    expected = load_model(str(params["MODEL"])).predict_proba(bands)
    with rasterio.open(written_path(str(params["OUTPUT"]))) as out:
        written = out.read(1, masked=True).astype(np.float64).filled(np.nan)
    np.testing.assert_array_equal(written, expected.astype(np.float32).astype(np.float64))


CASES += [
    Case(
        "trainmodel forest on a Dask cluster",
        "predict",
        lambda d, p: {  # a classic model has no uncertainty raster
            k: v
            for k, v in _set(MODEL="model_forest", SCHEDULER="local:1", MC_SAMPLES=0)(d, p).items()
            if k != "OUTPUT_UNCERTAINTY"
        },
        check=_forest_map_as_in_process,
    ),  # before: "MODEL: 'model_forest.pt' is not a GeoChem Prospector model (unknown format: neither traincnn's nor
    # trainmodel's); train a new model …" from the workers, which loaded CNNs only (the same file predicts in QGIS)
]


# after sweep 7 (mine): a model file named as predict will not read it
CASES += [
    Case(
        "model file named with another extension",
        alg,
        lambda d, p: {**p, "OUTPUT_MODEL": os.path.splitext(str(p["OUTPUT_MODEL"]))[0] + ".model"},
        error=r"^OUTPUT_MODEL: '[^']+\.model' ends in '\.model', but this output is written in model format \(\.pt\); "
        r"name it with that extension",
    )  # before: the model was written as 'model.model', which predict then refused ("MODEL: give a .pt file")
    for alg in ("trainmodel", "traincnn")
]


# sweep 8a: files and names as users' computers have them
def _labels_of_one_mineralised_class(params: Dict[str, object]) -> None:
    """The label raster holds barren (0) and one mineralised class (1), read back with rasterio: the class words'
    capitalisations are not three deposit types."""
    import rasterio

    with rasterio.open(written_path(str(params["OUTPUT"]))) as src:
        values = src.read(1, masked=True).compressed()
    assert set(np.unique(values).tolist()) == {0, 1}, np.unique(values)


def _provenance_paths_absolute(*keys: str) -> Callable[[Dict[str, object]], None]:
    """The output's provenance names each of ``keys`` by its absolute path, the file the relative one named."""

    def check(params: Dict[str, object]) -> None:
        import json

        import rasterio

        with rasterio.open(written_path(str(params["OUTPUT"]))) as src:
            record = json.loads(src.tags()["GEOCHEM_PROSPECTOR_PROVENANCE"])
        for key in keys:
            given = str(params[key])
            assert not os.path.isabs(given), given  # the row gave it relative
            assert record["parameters"][key] == os.path.abspath(given), (key, record["parameters"][key])

    return check


def _relative(*keys: str):
    """Parameters ``keys`` as paths relative to the working folder, as typed in a shell in a project folder."""

    def change(d: Dict[str, str], p: Dict[str, object]) -> Dict[str, object]:
        return {**p, **{key: os.path.relpath(str(p[key])) for key in keys}}

    return change


def _outputs_in_odd_folder(d: Dict[str, str], p: Dict[str, object]) -> Dict[str, object]:
    """The samples from the odd folder, the grid and its cross-validation table written into one like it."""
    folder = os.path.join(os.path.dirname(str(p["OUTPUT"])), ODD_FOLDER, "tulokset; #2 & (%20) 'ä'=[ö]")
    os.makedirs(folder, exist_ok=True)
    return {
        **p,
        "INPUT": d["samples_odd_path"],
        "OUTPUT": os.path.join(folder, "alkuaineet ä #1.TIF"),
        "OUTPUT_CV": os.path.join(folder, "ristiin, validointi.CSV"),
    }


def _grid_where_asked(params: Dict[str, object]) -> None:
    """The grid and its table are at the paths asked for (nothing else in the folder), bands named Cu and Pb, the
    grid a brute-force IDW of the samples read with geopandas from the odd path."""
    import geopandas as gpd
    import rasterio

    folder = os.path.dirname(str(params["OUTPUT"]))
    assert sorted(os.listdir(folder)) == ["alkuaineet ä #1.TIF", "ristiin, validointi.CSV"], os.listdir(folder)
    with rasterio.open(str(params["OUTPUT"])) as src:
        assert src.descriptions == ("Cu", "Pb")
    frame = gpd.read_file(str(params["INPUT"]))
    _assert_brute_force_idw(params, np.column_stack([frame.geometry.x, frame.geometry.y]), frame["Cu"].to_numpy())


CASES += [
    Case(
        "class words in several capitalisations and spaces",
        "pseudolabel",
        _set(LABELS="labels_cases", LABEL_FIELD="cls", METHOD=1),
        warning=r"Classes: 0 = barren, 1 = MINERALISED / Mineralised / mineralised(?:\"|$)",
        check=_labels_of_one_mineralised_class,
    ),  # before: "Classes: 0 = barren, 1 = MINERALISED, 2 = Mineralised, 3 = mineralised": label spreading wrote
    # three mineralised classes for one
    Case(
        "class words in several capitalisations and spaces",
        "trainmodel",
        _set(LABELS="labels_cases", LABEL_FIELD="cls"),
        warning=r"Classes: 0 = barren, 1 = MINERALISED / Mineralised / mineralised(?:\"|$)",
    ),  # before: "Classes: 0 = barren, 1 = MINERALISED, 2 = Mineralised, 3 = mineralised"
    Case(
        "shapefile whose .cpg says UTF-8 over Latin-1 text",
        "pseudolabel",
        _set(LABELS="labels_cpg_utf8", LABEL_FIELD="luokka"),
        error=r"^LABEL_FIELD: 1 value\(s\) of 'luokka' in 'labels_cpg_utf8' hold characters that could not be read "
        r"\(e\.g\. 'malmi \ufffd'\): the shapefile's 'labels_cpg_utf8\.cpg' says its text is in UTF-8, but it is "
        r"written in another encoding, .*replace 'UTF-8' in 'labels_cpg_utf8\.cpg' by that name \(e\.g\. '1252'\)",
    ),  # before: "… the file does not say how its text is encoded (a shapefile without its .cpg file) …", beside it
    Case(
        "shapefile whose .cpg says UTF-8 over Latin-1 text",
        "evidence",
        _set(POLYGONS="lithology_cpg_utf8"),
        error=r"^CLASS_FIELD: 1 value\(s\) of 'rock' in 'lithology_cpg_utf8' hold characters that could not be read "
        r"\(e\.g\. 'Kivi \ufffd'\): the shapefile's 'lithology_cpg_utf8\.cpg' says its text is in UTF-8",
    ),  # before: "… the file does not say how its text is encoded (a shapefile without its .cpg file) …"
    Case(
        "CSV in Windows-1252 read as UTF-8",
        "pseudolabel",
        _set(LABELS="labels_1252_csv_uri", LABEL_FIELD="luokka"),
        error=r"^LABEL_FIELD: 1 value\(s\) of 'luokka' in 'luokat_1252' hold characters that could not be read "
        r"\(e\.g\. 'malmi \ufffd'\): the text file 'luokat_1252\.csv' is not in the encoding it was read in .*add "
        r"'encoding=windows-1252' to the layer's URI",
    ),  # before: "LABEL_FIELD: 1 value(s) of 'luokka' in '' … (a shapefile without its .cpg file) … a file '.cpg'
    # holding '1252' beside the shapefile …": no layer name, and advice for a shapefile
    Case(
        "CSV in Windows-1252 read as UTF-8",
        "trainmodel",
        _set(LABELS="labels_1252_csv_uri", LABEL_FIELD="luokka"),
        error=r"^LABEL_FIELD: 1 value\(s\) of 'luokka' in 'luokat_1252' .*the text file 'luokat_1252\.csv' is not in "
        r"the encoding it was read in",
    ),  # before: as for pseudolabel
    Case(
        "CSV in Windows-1252 with its encoding given",
        "pseudolabel",
        _set(LABELS="labels_1252_csv_encoding_uri", LABEL_FIELD="luokka"),
        warning=r"Classes: 0 = barren, 1 = malmi ä, 2 = malmi ö(?:\"|$)",
    ),  # fine as it was: the two words stay two classes
    Case(
        "paths relative to the working folder",
        "interpolate",
        _relative("INPUT", "OUTPUT"),
        check=_provenance_paths_absolute("INPUT", "OUTPUT"),
    ),  # before: the provenance held '../../tmp/…/samples.gpkg' and '../../tmp/…/grid.tif', which mean nothing
    # read from another folder a year later
    Case(
        "paths relative to the working folder",
        "predict",
        _relative("MODEL", "OUTPUT"),
        check=_provenance_paths_absolute("MODEL", "OUTPUT"),
    ),  # before: MODEL and OUTPUT as typed, relative
    Case(
        "folder and file names with non-ASCII, emoji, spaces and # % & , ; ' = ( ) [ ]",
        "interpolate",
        _outputs_in_odd_folder,
        check=_grid_where_asked,
    ),  # fine as it was
]


def _anomalies_in_escaped_folder(d: Dict[str, str], p: Dict[str, object]) -> Dict[str, object]:
    """The ranked anomalies into a folder named as a web download leaves it, 'Kola%20survey (%20)'."""
    folder = os.path.join(os.path.dirname(str(p["OUTPUT"])), "Kola%20survey (%20)")
    os.makedirs(folder, exist_ok=True)
    return {**p, "OUTPUT_ANOMALIES": os.path.join(folder, "areas.gpkg")}


def _only_where_gdal_misreads_escapes(d: Dict[str, str], p: Dict[str, object]) -> None:
    """The row holds where GDAL opens GeoPackages as QGIS does through an unescaped SQLite URI (GDAL 3.6)."""
    import pytest

    from geochem_prospector.core.io.destinations import gdal_misreads_escapes

    if not gdal_misreads_escapes():
        pytest.skip("this GDAL opens a GeoPackage named with '%41' read-only without locks: QGIS can load it")


CASES += [
    Case(
        "GeoPackage output in a folder named with %20",
        "anomalies",
        _anomalies_in_escaped_folder,
        error=r"^OUTPUT_ANOMALIES: QGIS cannot open a GeoPackage whose path holds '%20' \('[^']*/Kola%20survey "
        r"\(%20\)/areas\.gpkg'\): it reads '%' and two hex digits as an escaped character, so the layer would be "
        r"written but would neither load nor feed the next step\. Choose a folder and file name without '%20', or "
        r"save as \.geojson\.",
        prepare=_only_where_gdal_misreads_escapes,
    ),  # before: written, then QGIS could not open it ('sqlite3_open(…/Kola%20survey (%20)/areas.gpkg) failed: unable
    # to open database file'): the desktop did not load it and a model's next step could not read it
]


#: 300 bytes in UTF-8 (276 characters, the ä's two bytes each): with its extension more than a file system's 255
LONG_NAME = "Kittilän malminetsintä " * 12


def _long_name(key: str, extension: str):
    """Output ``key`` named with :data:`LONG_NAME`, in the row's output folder."""

    def change(d: Dict[str, str], p: Dict[str, object]) -> Dict[str, object]:
        return {**p, key: os.path.join(os.path.dirname(str(p[key])), LONG_NAME + extension)}

    return change


CASES += [
    Case(
        "output file name longer than 255 bytes",
        alg,
        _long_name(key, extension),
        error=rf"^{key}: the file name 'Kittilän malminetsintä Kittilän malminetsintä Kittilän malmi…' is "
        rf"{len((LONG_NAME + extension).encode())} bytes long, more than the 255 the folder's file system allows in one name \(a letter such as ä takes 2 bytes, a "
        r"Cyrillic one 2, an emoji 4\); choose a shorter name\.",
    )
    for alg, key, extension in (("interpolate", "OUTPUT", ".tif"), ("evaluate", "OUTPUT_REPORT", ".html"))
]  # before: refused after the work, "OUTPUT: cannot write '…' (File name too long); nothing was replaced and the
# previous outputs are kept. Check the folder's permissions and free space.", advice beside the point


def one_granite_and_its_two_contacts(layer: str, granite: str, schist: str) -> Callable[[Dict[str, object]], None]:
    """A check that ``layer`` gave one granite band (``granite``, however spelt) and ``schist``, and contacts only
    where they meet: the contact distance equals shapely's distance to the strips' boundaries at 5 and 7.5 km, not
    at 2.5 km between two spellings of the granite (over the west 5 km and the east 2.5 km, schist between)."""

    def check(params: Dict[str, object]) -> None:
        import rasterio
        from shapely.geometry import LineString, MultiLineString, Point

        with rasterio.open(str(params["OUTPUT"])) as src:
            names = list(src.descriptions)
            values, (x, y) = src.read(names.index(f"{layer}:contact_distance_m") + 1), _cell_centres(src)
            band = src.read(names.index(f"{layer}:{granite}") + 1)
        expected_names = [f"{layer}:{granite}", f"{layer}:{schist}", f"{layer}:contact_distance_m"]
        assert [n for n in names if n.startswith(f"{layer}:")] == expected_names, names
        assert band[:, :20].min() == 1 and band[:, 20:30].max() == 0 and band[:, 30:].min() == 1
        contacts = MultiLineString([LineString([(X0 + a, Y0), (X0 + a, Y0 + 10_000)]) for a in (5000, 7500)])
        expected = np.vectorize(lambda px, py: contacts.distance(Point(px, py)))(x, y)
        np.testing.assert_allclose(values, expected, atol=0.01)

    return check


CASES += [
    Case(
        "rock names typed in two capitalisations",
        "evidence",
        _set(POLYGONS="lithology_cases"),
        warning=r"CLASS_FIELD: 'granite' and 'Granite' in 'rock' of 'lithology_cases' differ only in capitals: read as "
        r"one class, 'granite' \(one band, no contact between them\)\.",
        check=one_granite_and_its_two_contacts("lithology_cases", "granite", "schist"),
    ),  # before: bands 'granite' and 'Granite', and a contact at 2.5 km between them: distances to a boundary that is
    # no contact
]


CASES += [
    Case(
        "GeoPackage input in a folder named with %20",
        alg,
        change,
        error=rf"^{key}: QGIS cannot open the GeoPackage '[^']*/Kola%20survey/{name}\.gpkg': its path holds '%20', "
        r"which QGIS reads as an escaped character \('%' and two hex digits\), so it finds no such file\. Rename the "
        r"folder or file without '%20'",
        prepare=_only_where_gdal_misreads_escapes,
    )
    for alg, key, name, change in (
        ("interpolate", "INPUT", "samples", _set(INPUT="samples_escaped_folder")),
        ("evaluate", "DEPOSITS", "deposits", _set(DEPOSITS="deposits_escaped_folder")),
    )
]  # before: "Could not load source layer for INPUT: …/Kola%20survey/samples.gpkg not found", of a file that is there


CASES += [
    Case(
        "CSV columns named alike up to capitals",
        "interpolate",
        _set(INPUT="samples_case_columns_uri", FIELDS=["Cu"]),
        error=r"^FIELDS: Cu not found in the layer \(it has x, y, cu, Cu_1\); pick existing fields\. The file's columns "
        r"repeat 'Cu' up to capitals, so QGIS renamed the later ones: 'Cu' as 'Cu_1'; give those names, or rename the "
        r"columns in the file\.",
    ),  # before: "FIELDS: Cu not found in the layer (it has x, y, cu, Cu_1); pick existing fields.", of a file whose
    # header holds Cu
]


CASES += [
    Case(
        "CSV in Windows-1252 with a µ in a column name",
        "interpolate",
        _set(INPUT="samples_1252_csv_uri", FIELDS=["Cu_µg/g", "Pb"]),
        error=r"^FIELDS: Cu_µg/g not found in the layer \(it has x, y, Cu_\ufffdg/g, Pb\); pick existing fields\. Its "
        r"column names hold characters that could not be read \(e\.g\. 'Cu_\ufffdg/g'\): the file is read in another "
        r"encoding than it was written in\. Give its encoding: for a CSV, .*'encoding=windows-1252' in a qgis_process "
        r"delimitedtext URI",
    ),  # before: "FIELDS: Cu_µg/g not found in the layer (it has x, y, Cu_�g/g, Pb); pick existing fields.", the column
    # the user named shown garbled and no word of why
    Case(
        "CSV in Windows-1252 with a µ in a column name, its encoding given",
        "interpolate",
        lambda d, p: {
            **_set(FIELDS=["Cu_µg/g", "Pb"])(d, p),
            "INPUT": d["samples_1252_csv_uri"].replace("?", "?encoding=windows-1252&"),
        },
        check=lambda params: _band_names_are(params, ("Cu_µg/g", "Pb")),
    ),  # fine as it was
]


def _band_names_are(params: Dict[str, object], names: tuple) -> None:
    """The grid's band descriptions, read back with rasterio."""
    import rasterio

    with rasterio.open(str(params["OUTPUT"])) as src:
        assert src.descriptions == names, src.descriptions


def _report_names_the_raster_absolutely(params: Dict[str, object]) -> None:
    """The evaluation report names the map by its absolute path (HTML-escaped as any text), not as typed."""
    import html

    with open(str(params["OUTPUT_REPORT"]), encoding="utf-8") as handle:
        report = html.unescape(handle.read())
    given = str(params["INPUT_RASTER"])
    assert not os.path.isabs(given), given
    assert f"({os.path.abspath(given)}), band 1" in report


CASES += [
    Case(
        "paths relative to the working folder",
        "evaluate",
        _relative("INPUT_RASTER", "OUTPUT_REPORT"),
        check=_report_names_the_raster_absolutely,
    ),  # before: the report said 'elements (../../tmp/…/elements.tif), band 1', meaningless read from elsewhere
]


# sweep 8b: numbers as nature and laboratories make them
def idw_of_the_raw_values(field: str):
    """The band equals a brute-force IDW (power 2, the NEIGHBORS nearest samples; scipy's KD-tree) of the field's raw
    values at every cell centre: negative values kept as they are, none set to a positive substitute."""

    def check(params: Dict[str, object]) -> None:
        import geopandas as gpd
        import rasterio
        from scipy.spatial import cKDTree

        frame = gpd.read_file(str(params["INPUT"]))
        xy, z = np.column_stack([frame.geometry.x, frame.geometry.y]), frame[field].to_numpy(float)
        with rasterio.open(written_path(str(params["OUTPUT"]))) as src:
            band = src.read(list(src.descriptions).index(field) + 1, masked=True)
            rows, cols = np.mgrid[0 : src.height, 0 : src.width]
            x, y = src.xy(rows.ravel(), cols.ravel())
        distances, nearest = cKDTree(xy).query(np.column_stack([x, y]), k=int(params["NEIGHBORS"]))
        weights = 1.0 / np.maximum(distances, 1e-9) ** 2
        expected = ((weights * z[nearest]).sum(1) / weights.sum(1)).reshape(band.shape)
        assert band.min() < 0, "the map holds no negative value"
        np.testing.assert_allclose(band.filled(np.nan), expected, rtol=1e-5, atol=1e-3)

    return check


_MAGNETICS_RAW = (
    r"mag_nT: its negative values are real values \(see above\) and have no logarithm, so it is interpolated on "
    r"raw values, not on log values as LOG_TRANSFORM asks"
)
CASES += [
    Case(
        "magnetics in nT, half the values negative",
        "interpolate",
        _set(INPUT="samples_magnetics", FIELDS=["mag_nT"]),
        warning=_MAGNETICS_RAW,
        check=idw_of_the_raw_values("mag_nT"),
    ),  # before: "mag_nT: heavily censored: 53 % of the values are at or below detection …; so it is interpolated
    # on normal scores", though the line before said its negatives were read as values
    Case(
        "magnetics in nT, half the values negative, TRANSFORM as LOG_TRANSFORM",
        "interpolate",
        _set(INPUT="samples_magnetics", FIELDS=["mag_nT"], TRANSFORM=1),
        warning=_MAGNETICS_RAW,
        check=idw_of_the_raw_values("mag_nT"),
    ),  # before: "mag_nT: 19 values <= 0 set to …, half the smallest positive value, before the log transform": no
    # cell of the map below 0, every negative anomaly erased
]
CASES += [
    Case(
        "magnetics band beside the elements",
        "anomalies",
        _set(INPUT_RASTER="raster_magnetics"),
        error=r"^INPUT_RASTER: the integrated index needs positive concentrations \(it uses logarithms\), but band "
        r"'mag_nT' goes down to -?[\d.]+; if that marks missing data, set the raster's nodata value to it; if the band "
        r"is not a concentration \(magnetics, gravity, a log-ratio: real negative values\), leave it out of "
        r"ASSOCIATION_BANDS",
    ),  # before: "… goes down to -1146.4; if that marks missing data, set the raster's nodata value to it, otherwise
    # interpolate the samples with LOG_TRANSFORM, or with IDW.", which cannot make magnetics positive
    Case(
        "magnetics band beside the elements, C-A fractal",
        "anomalies",
        _set(INPUT_RASTER="raster_magnetics", METHOD=1, ASSOCIATION_BANDS=[1, 2]),
        error=r"^INPUT_RASTER: band 'mag_nT' has \d+ values <= 0 inside the mask, which have no logarithm\. If the "
        r"band is not a concentration \(magnetics, gravity, a log-ratio: real negative values\), leave it out of "
        r"ELEMENT_BANDS or use the percentile METHOD",
    ),  # before: "… which have no logarithm; interpolate the samples with LOG_TRANSFORM (positive values), or with
    # IDW."
    Case(
        "magnetics band beside the elements, index of Cu and Pb",
        "anomalies",
        _set(INPUT_RASTER="raster_magnetics", ASSOCIATION_BANDS=[1, 2]),
        check=thresholds_as_gdal_reads_them,
    ),  # percentiles take no logarithm: the magnetics' thresholds are numpy's percentiles of GDAL's read
]


def float64_band_where_float32_holds_it(params: Dict[str, object]) -> None:
    """evidence's band of the float64 raster (on its own grid: bilinear copies each cell) equals GDAL's read of it
    where float32 holds the value, and is nodata in the 25 cells of 1.797e308."""
    import rasterio
    from osgeo import gdal

    path = str(params["CONTINUOUS_RASTERS"][0])  # type: ignore[index]
    dataset = gdal.Open(path)  # kept open while its band is read
    values = dataset.GetRasterBand(1).ReadAsArray().astype(np.float64)
    expected = np.where(np.abs(values) <= np.finfo(np.float32).max, values, np.nan)
    with rasterio.open(written_path(str(params["OUTPUT"]))) as src:
        band = src.read(list(src.descriptions).index("raster_f64:Cu") + 1, masked=True).astype(float).filled(np.nan)
    assert int(np.isnan(expected).sum()) == 25
    np.testing.assert_array_equal(np.isnan(band), np.isnan(expected))
    np.testing.assert_allclose(band[~np.isnan(band)], expected[~np.isnan(expected)], rtol=1e-6)


CASES += [
    Case(
        "float64 raster holding values beyond float32",
        "evidence",
        _set(CONTINUOUS_RASTERS=["raster_float64_fill"]),
        warning=r"CONTINUOUS_RASTERS: band 'Cu' of 'raster_f64\.tif' has 25 cells beyond the float32 range \(magnitude "
        r"above 3\.4e38, or infinite\), which are not measurements; they were read as nodata",
        check=float64_band_where_float32_holds_it,
    ),  # before: the 25 cells nodata in the stack without a word (evaluate, reading the same file, warned)
]


def auc_as_brute_force(params: Dict[str, object]) -> None:
    """evaluate's AUC equals a brute-force AUC of the raster (rasterio's read): each deposit's cell against every
    valid cell, the share it ranks above, ties half; the report carries the direction note."""
    import csv

    import geopandas as gpd
    import rasterio

    with rasterio.open(str(params["INPUT_RASTER"])) as src:
        values = src.read(1, masked=True).astype(float).filled(np.nan)
        inverse = ~src.transform
    cells = [inverse * (point.x, point.y) for point in gpd.read_file(str(params["DEPOSITS"])).geometry]
    at = [values[int(np.floor(row)), int(np.floor(col))] for col, row in cells]
    valid = values[np.isfinite(values)]
    auc = np.mean([(np.sum(valid < v) + 0.5 * np.sum(valid == v)) / valid.size for v in at])
    with open(written_path(str(params["OUTPUT_TABLE"])), newline="", encoding="utf-8") as handle:
        found = [float(r["value"]) for r in csv.DictReader(handle) if (r["kind"], r["name"]) == ("metric", "auc")]
    np.testing.assert_allclose(found, [auc], atol=1e-9)
    with open(str(params["OUTPUT_REPORT"]), encoding="utf-8") as handle:
        assert "DIRECTION: the deposits lie on lower values" in handle.read()


CASES += [
    Case(
        "map whose low values are prospective, ranked high first",
        "evaluate",
        _set(INPUT_RASTER="prospectivity_inverted"),
        warning=r"DIRECTION: the deposits lie on lower values than most of the study area: AUC 0\.\d\d \(95 % interval "
        r"0\.\d\d-0\.\d\d\), wholly below 0\.5, the AUC of a random map, so ranked high values first the map places "
        r"them worse than chance\. If its low values are the prospective ones .*run again with DIRECTION 'Low values "
        r"are prospective'\.",
        check=auc_as_brute_force,
    ),  # before: the AUC below 0.5 reported without a word on which way the map was read
]


def kriged_fractions_as_the_ppm(params: Dict[str, object]) -> None:
    """The band of Cu x 1e-9 is the band of Cu times 1e-9: kriging (variogram fit included) does not depend on the
    units the values are in."""
    import rasterio

    with rasterio.open(written_path(str(params["OUTPUT"]))) as src:
        names = list(src.descriptions)
        cu, fraction = (src.read(names.index(n) + 1, masked=True).astype(float) for n in ("Cu", "Cu_frac"))
    assert np.ptp(cu) > 0
    np.testing.assert_allclose(fraction.filled(np.nan) * 1e9, cu.filled(np.nan), rtol=1e-4)


CASES += [
    Case(
        "values of 1e-8 (fractions), kriged on raw values",
        "interpolate",
        _set(INPUT="samples_fractions", FIELDS=["Cu", "Cu_frac"], METHOD=1, LOG_TRANSFORM=False),
        check=kriged_fractions_as_the_ppm,
    ),  # before: "Unexpected error in prospector:interpolate: ValueError: `x0` is infeasible.", and with fractions a
    # little larger a variogram left at its starting guess (the fit's tolerances were absolute)
]


def _signed_bytes_as_rasterio_reads_them(path: str) -> np.ndarray:
    """The int8 raster's band as rasterio reads it (signed: -127 to 127), NaN where it holds the nodata value."""
    import rasterio

    with rasterio.open(path) as src:
        values, nodata = src.read(1).astype(np.float64), src.nodata
    assert src.dtypes[0] == "int8" and values.min() < 0 and nodata == -128
    return np.where(values == nodata, np.nan, values)


def signed_bytes_in_the_stack(params: Dict[str, object]) -> None:
    """The int8 band in the stack (on its own grid: bilinear copies each cell) is rasterio's signed read, nodata in
    the 25 cells of -128: no value wrapped to 128-255."""
    import rasterio

    expected = _signed_bytes_as_rasterio_reads_them(str(params["CONTINUOUS_RASTERS"][0]))  # type: ignore[index]
    with rasterio.open(written_path(str(params["OUTPUT"]))) as src:
        band = src.read(list(src.descriptions).index("pb_int8:Pb") + 1, masked=True).astype(float).filled(np.nan)
    assert int(np.isnan(expected).sum()) == 25
    np.testing.assert_array_equal(np.isnan(band), np.isnan(expected))
    np.testing.assert_allclose(band[~np.isnan(band)], expected[~np.isnan(expected)], atol=1e-4)


def auc_of_the_signed_bytes(params: Dict[str, object]) -> None:
    """evaluate's AUC of the int8 map is a brute-force AUC of rasterio's signed read, its nodata cells left out:
    each deposit's cell against every valid cell, the share it ranks above, ties half."""
    import csv

    import geopandas as gpd
    import rasterio

    values = _signed_bytes_as_rasterio_reads_them(str(params["INPUT_RASTER"]))
    with rasterio.open(str(params["INPUT_RASTER"])) as src:
        inverse = ~src.transform
    cells = [inverse * (point.x, point.y) for point in gpd.read_file(str(params["DEPOSITS"])).geometry]
    at = [values[int(np.floor(row)), int(np.floor(col))] for col, row in cells]
    valid = values[np.isfinite(values)]
    auc = np.mean([(np.sum(valid < v) + 0.5 * np.sum(valid == v)) / valid.size for v in at])
    with open(written_path(str(params["OUTPUT_TABLE"])), newline="", encoding="utf-8") as handle:
        found = [float(r["value"]) for r in csv.DictReader(handle) if (r["kind"], r["name"]) == ("metric", "auc")]
    np.testing.assert_allclose(found, [auc], atol=1e-9)


CASES += [
    Case(
        "signed bytes (int8) with nodata -128",
        "evidence",
        _set(CONTINUOUS_RASTERS=["raster_int8"]),
        check=signed_bytes_in_the_stack,
    ),  # before: GDAL 3.6's warper read the bytes as 0-255: -1 became 255, -127 became 129, and the 25 cells of
    # -128 became 128 ppm of evidence, all without a word (gdalwarp itself does the same)
    Case(
        "signed bytes (int8) with nodata -128",
        "evaluate",
        _set(INPUT_RASTER="raster_int8"),
        check=auc_of_the_signed_bytes,
    ),  # before: the 25 cells of -128 ranked as the lowest values of the map (GDAL's mask never matched -128)
]
CASES += [
    Case(
        "Geosoft dummy -1e32 without a nodata tag",
        "evaluate",
        _set(INPUT_RASTER="raster_geosoft_dummy"),
        warning=r"INPUT_RASTER: band 'Cu' of 'cu_geosoft_dummy\.tif' has no nodata value, but 25 of its 1,600 cells "
        r"\(1\.6 %\) hold -1\.00000003e\+32, far below its other values .*: that looks like a fill value for missing "
        r"data, and it was used as data\. If it is one, set the file's nodata value to -1\.00000003e\+32",
    ),  # before: the 25 cells ranked as the map's lowest values without a word (-1e38, -3.4e38 and -9999 were known)
]
CASES += [
    Case(
        "Geosoft dummy -1e32 without a nodata tag",
        "evidence",
        _set(CONTINUOUS_RASTERS=["raster_geosoft_dummy"]),
        warning=r"CONTINUOUS_RASTERS: band 'Cu' of 'cu_geosoft_dummy\.tif' has no nodata value, but 25 of its 1,600 "
        r"cells \(1\.6 %\) hold -1\.00000003e\+32, far below its other values .*: that looks like a fill value for "
        r"missing data, and it was used as data\.",
    ),  # before: no word; the dummy resampled into the stack as evidence (bilinear: -1e32 spread over the hole's rim)
]
CASES += [
    Case(
        "nodata tag -3.40282e+38, cells of -3.4028235e38",
        "evidence",
        _set(CONTINUOUS_RASTERS=["raster_nodata_six_digits"]),
        check=continuous_bands_as_gdal_reads_them,
    ),  # before: GDAL's mask took the 25 cells as nodata, but its warper compared them exactly to the tag and
    # resampled them as -3.4e38 into the stack, without a word (gdalwarp adjusts the value the same way)
]

# stop 37 (mine): a geophysics grid as exported, cells of 99.93 x 100 m
CASES += [
    Case(
        "cells of 99.93 x 100 m (a geophysics grid as exported)",
        "evaluate",
        _set(INPUT_RASTER="raster_not_square"),
        error=r"^INPUT_RASTER: 'mag_not_square\.tif' has cells that are not square \(99\.93 x 100\); warp it to square "
        r"cells first \(Raster › Projections › Warp, output file resolution 100 by 100; gdalwarp -tr 100 100\), or put "
        r"it on the evidence grid with prospector:evidence \(CONTINUOUS_RASTERS\), which resamples it\.",
    ),  # before: "… (99.9266 x 100); warp it to square cells first (Raster › Projections › Warp)": no size to warp to
]

# stop 38 (mine): an output of the plugin as the deposits to score against
CASES += [
    Case(
        "anomalies' high-value samples as the deposits",
        "evaluate",
        _set(DEPOSITS="high_value_samples"),
        warning=r"DEPOSITS: 'high_value_samples' holds the high-value samples made by anomalies, not deposits: a map "
        r"made from the same geochemistry picks them out by construction, .* Give known deposits or occurrences",
    ),  # before: scored against them without a word (a capture of 100 % read as skill)
    Case(
        "an element over two rock types, levels by mean + k SD",
        "anomalies",
        _set(INPUT_RASTER="cu_two_rock_types", METHOD=2),
        warning=r"METHOD: the weak level of 'Cu' \([\d.]+; log10 mean \+ k\*SD, k = 1/2/3\) classes \d+ % of its "
        r"cells anomalous, where a level for the upper tail of one population takes about 16 %: .* Use METHOD ca",
    ),  # before: the eastern rock type classed anomalous without a word
    Case(
        "deposit names in an undeclared encoding",
        "evaluate",
        _set(DEPOSITS="labels_latin1", NAME_FIELD="luokka"),
        warning=r"DEPOSITS: 3 name\(s\) in 'luokka' of 'labels_latin1' hold characters that could not be read \(e\.g\. "
        r"'malmi \ufffd'; 3 names read as 1, so different letters read alike\), and the report, the table and the log show them so: the file does not say how its text is "
        r"encoded \(a shapefile without its \.cpg file\)\. Give the encoding",
    ),  # before: 'malmi �' in the report, the table and the log without a word
]

# sweep 9b: outputs fed back, re-runs and batches
CASES += [
    Case(
        "prospectivity classes made by predict as LABELS",
        "trainmodel",
        _set(LABELS="classes_from_predict"),
        error=r"^LABELS: 'prospectivity_classes_made' is the prospectivity classes \(1 low, 2 moderate, 3 high\) made "
        r"by predict, not labels: .* Give the label raster pseudolabel writes",
    ),  # before: "LABELS: both mineralised (1 and above) and barren (0) cells are needed among the 1600 labelled
    # cells": every cell read as mineralised, and the message said nothing of what the raster was
    Case(
        "anomaly classes made by anomalies as LABELS",
        "trainmodel",
        _set(LABELS="anomaly_classes_made"),
        error=r"^LABELS: 'anomaly_classes_made' is the anomaly classes \(0 background, 1 weak, 2 moderate, 3 strong\) "
        r"made by anomalies, not labels: its values would be read as classes \(1 and above mineralised, 0 barren\)\.",
    ),  # before: a model was trained and saved, weak, moderate and strong Cu anomalies read as mineralised and the
    # background as barren, without a word
    Case(
        "prospectivity map made by predict as evidence",
        "pseudolabel",
        _set(INPUT_RASTERS=["prospectivity_trained"]),
        warning=r"INPUT_RASTERS: 'prospectivity_trained' is the prospectivity \(probability\) map made by predict, not "
        r"evidence: a model trained on it learns an earlier model's answer",
    ),  # before: pseudo-labels grown from the model's own map, without a word
    Case(
        "prospectivity map made by predict as evidence",
        "trainmodel",
        _set(INPUT_RASTERS=["raster", "prospectivity_trained"]),
        warning=r"INPUT_RASTERS: 'prospectivity_trained' is the prospectivity \(probability\) map made by predict",
    ),  # before: trained on the model's own answer beside the elements, without a word
    Case(
        "uncertainty made by predict as INPUT_RASTER",
        "evaluate",
        _set(INPUT_RASTER="uncertainty_from_predict"),
        warning=r"INPUT_RASTER: 'uncertainty_made' is the uncertainty map made by predict, not a prospectivity map: "
        r"the figures below say how well its values pick out the deposits",
    ),  # before: an AUC and capture rates of the uncertainty reported as if it were the prospectivity map
    Case(
        "evidence stack (a VRT raster) given as MASK",
        "interpolate",
        _set(MASK="vrt"),
        error=r"^MASK: 'stack\.vrt' is a raster, but MASK takes a vector layer of polygons\. To use the area a raster "
        r"covers, make polygons of it first \(Raster › Conversion › Polygonize",
    ),  # before: "Could not load source layer for MASK: /…/stack.vrt not found", of a file that is there
    Case(
        "a raster given as DEPOSITS",
        "evaluate",
        _set(DEPOSITS="raster"),
        error=r"^DEPOSITS: 'elements\.tif' is a raster, but DEPOSITS takes a vector layer \(Deposits \(held out\)\)\.$",
    ),  # before: "Could not load source layer for DEPOSITS: /…/elements.tif not found"
]

# sweep 9a: bad input on the distributed (Dask) path


def _worker_processes() -> Dict[int, str]:
    """The processes this one started, and theirs (pid -> command line), read from /proc."""
    parents: Dict[int, int] = {}
    commands: Dict[int, str] = {}
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                parents[int(entry)] = int(handle.read().rsplit(b")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                commands[int(entry)] = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
    found, frontier = {}, {os.getpid()}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier and pid not in found}
        found.update({pid: commands.get(pid, "") for pid in frontier})
    return found


def no_workers_left(d: Dict[str, str], params: Dict[str, object]) -> Callable[[], None]:
    """After the run: the local cluster's worker processes (Dask's nannies and workers) are gone (within 10 s)."""
    import time

    before = set(_worker_processes())

    def after() -> None:
        deadline = time.monotonic() + 10
        while True:
            left = {pid: cmd for pid, cmd in _worker_processes().items() if pid not in before and "spawn_main" in cmd}
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert not left, f"worker processes left after the run: {left}"

    return after


CASES += [
    Case(
        "evidence band all nodata inside the mask, on a Dask cluster",
        "predict",
        _set(INPUT_RASTERS=["raster_pb_hole"], MASK="mask_4326", SCHEDULER="local:2"),
        error=r"^INPUT_RASTERS: no cell has a value in every band \(inside the mask\): the model's band\(s\) "
        r"elements:Pb have no value there\. Check each raster's nodata value and extent \(and the MASK\)\.",
    ),  # before: "…: a band is all nodata there, or the rasters do not overlap. …": the workers read the tiles, so
    # the band tally that names the empty band stayed empty
    Case(
        "evidence band all nodata, on a Dask cluster",
        "traincnn",
        _set(INPUT_RASTERS=["raster", "allnodata"], SCHEDULER="local:2"),
        error=r"^INPUT_RASTERS: band\(s\) allnodata:Cu, allnodata:Pb have no value in any cell of the grid \(all "
        r"nodata\), so no cell has a value in every band\. Check the raster's nodata value",
    ),  # before: "LABELS: at least two classes are needed among labelled cells with evidence values (found [] in 0
    # cells).": read window by window (as a scheduler makes it), the all-nodata band went unchecked, the labels blamed
    *[
        Case(
            f"VRT whose source file is missing{where}",
            "evidence",
            _set(CONTINUOUS_RASTERS=["vrt_missing_source"], **scheduler),
            error=r"^CONTINUOUS_RASTERS: cannot read raster '/[^']*/stack_missing_source\.vrt': the VRT points at 1 "
            r"file\(s\) that are missing \('/[^']*/never_copied\.tif'\); put them back where the VRT names them",
        )  # sweep 32b; before: "… (… never_copied.tif: No such file or directory); the file may be truncated or
        # corrupt: make or download it again."
        for where, scheduler in (("", {}), (", on a Dask cluster", {"SCHEDULER": "local:2"}))
    ],  # before: "CONTINUOUS_RASTERS: cannot read raster '/vsimem/geochem_prospector/<hex>/stack_missing_source.vrt'
    # (Chunk and warp failed); …" in this process (the memory copy QGIS reads instead of the VRT, a path the user
    # never gave), the VRT on a cluster; neither said which file was missing
    *[
        Case(
            f"raster with a damaged tile{where}",
            "evidence",
            _set(CONTINUOUS_RASTERS=["raster_damaged_tile"], **scheduler),
            error=r"^CONTINUOUS_RASTERS: cannot read raster '/[^']*/damaged_tile\.tif' \(.*IReadBlock failed at X offset "
            r"2, Y offset 2.*\); the file may be truncated or corrupt: make or download it again\.",
        )
        for where, scheduler in (("", {}), (", on a Dask cluster", {"SCHEDULER": "local:2"}))
    ],  # before: "… ('…/damaged_tile.tif' (Chunk and warp failed); the file may be truncated or corrupt.": GDAL's
    # warper's word, not which block failed
    # cancelled on a local Dask cluster: nothing written, the workers stopped (in processing.run only)
    *[
        Case(
            f"cancel at {at:.0f} %, on a Dask cluster",
            alg,
            _set(SCHEDULER="local:2"),
            error=r"Cancelled by the user",
            cancel_at=at,
            prepare=no_workers_left,
        )
        for alg in ("interpolate", "evidence", "traincnn", "predict")
        for at in (10.0, 50.0, 90.0)
    ],
]

# sweep 10b: other languages, locales and number formats
CASES += [
    Case(
        "numbers grouped by narrow no-break spaces, decimal comma (French, Russian)",
        "interpolate",
        _set(INPUT="samples_french_numbers", FIELDS=["Cu_fr"]),
        warning=r"Cu_fr: comma read as decimal comma in 36 values .*; space or apostrophe read as thousands "
        r"separator in \d+ values \(e\.g\. '\d\u202f\d{3},\d\d' = \d{4,}(\.\d+)?\)",
        check=idw_of_numbers_grouped_by_spaces,
    ),  # before: the values of 1,000 and more ('2\u202f008,50') were skipped as text ("Cu_fr: 25 text values
    # skipped"): the survey's highest samples, those an anomaly map is for
    Case(
        "gold in mg/t and x 1e-9, named in Russian and Chinese notation",
        "interpolate",
        _set(INPUT="samples_units_ru_cn", FIELDS=["Au, мг/т", "Au(×10⁻⁹)", "Cu/10⁻⁶", "Cu, г/т"]),
        warning=r"UNITS: the field 'Au\(×10⁻⁹\)' states its unit, ×10⁻⁹, and UNITS says 'ppm': its band and legend "
        r"use ×10⁻⁹",
        check=units_from_russian_and_chinese_field_names,
    ),  # before: every band in UNITS' ppm, without a word: the gold legends 1000 times too high
    Case(
        "percentiles with a decimal comma, separated by semicolons",
        "anomalies",
        _set(PERCENTILES="90;95;97,5"),
        check=percentile_thresholds,
    ),  # before: "PERCENTILES: give three percentiles between 0 and 100, e.g. 85,95,98." (read as 90, 95, 97, 5)
    Case(
        "percentiles with a decimal comma, separated by commas",
        "anomalies",
        _set(PERCENTILES="85,95,97,5"),
        error=r"^PERCENTILES: give three percentiles between 0 and 100, e\.g\. 85,95,98 \(got '85,95,97,5'\)\. If a "
        r"comma is meant as a decimal comma, separate the numbers with semicolons \(e\.g\. 90;95;97,5\) or write the "
        r"decimals with a point \(90,95,97\.5\)\.",
    ),  # before: "PERCENTILES: give three percentiles between 0 and 100, e.g. 85,95,98." (not why, nor how)
    Case(
        "percentiles with percent signs",
        "anomalies",
        _set(PERCENTILES="90 %; 95 %; 97,5 %"),
        check=percentile_thresholds,
    ),  # before: "PERCENTILES: '90 %; 95 %; 97,5 %' is not a comma-separated list of numbers, e.g. 85,95,98."
    Case(
        "percentiles typed as fractions",
        "anomalies",
        _set(PERCENTILES="0.9,0.95,0.98"),
        error=r"^PERCENTILES: percentiles run from 0 to 100, so 0\.9, 0\.95, 0\.98 would class almost every cell "
        r"anomalous \(only the lowest 1 % as background\)\. If 0\.9, 0\.95, 0\.98 are fractions, give 90,95,98\.",
    ),  # before: ran, every cell above the 0.98th percentile "strong", without a word
    Case(
        "multipliers with decimal commas, separated by semicolons",
        "anomalies",
        _set(METHOD=2, MULTIPLIERS="1,5;2;2,5"),
    ),  # before: "MULTIPLIERS: give three values of k, e.g. 1,2,3." (read as 1, 5, 2, 2, 5)
    Case(
        "class limits with decimal commas, separated by a semicolon",
        "predict",
        _set(CLASS_THRESHOLDS="0,3;0,7"),
        check=classes_at_the_given_limits,
    ),  # before: "CLASS_THRESHOLDS: give two probabilities separated by a comma, e.g. 0.5,0.8."
    Case(
        "class limits as percentages",
        "predict",
        _set(CLASS_THRESHOLDS="30%,70%"),
        check=classes_at_the_given_limits,
    ),  # before: "CLASS_THRESHOLDS: give two probabilities separated by a comma, e.g. 0.5,0.8."
    Case(
        "pixel size with a decimal comma",
        "interpolate",
        _set(PIXEL_SIZE="250,5"),
        error=r"^PIXEL_SIZE: give a number of at least 0 \(got '250,5'\): write it with a point as the decimal mark "
        r"and no thousands separator, e\.g\. 250\.5 \(Processing reads numbers so in every language\)\.",
    ),  # before: "PIXEL_SIZE: give a number of at least 0 (got '250,5')." (a number, to a German or French user)
    Case(
        "an option typed in Turkish capitals",
        "interpolate",
        _set(METHOD="KRİGİNG"),
        warning=r"Cu: variogram \(ln units\) (spherical|exponential|gaussian), nugget",
    ),  # before: "METHOD: choose one of 0 (Inverse distance weighting (IDW)), 1 (Ordinary kriging), 2 (Automatic (best
    # cross-validation)): … (got 'KRİGİNG')." ('İ'.casefold() is 'i' and a combining dot)
    Case(
        "rock names in Turkish, one in capitals with the dotted İ",
        "evidence",
        _set(POLYGONS="lithology_turkish", CLASS_FIELD="kaya"),
        warning=r"CLASS_FIELD: 'granit' and 'GRANİT' in 'kaya' of 'lithology_turkish' differ only in capitals: read as "
        r"one class, 'granit' \(one band, no contact between them\)\.",
        check=one_granite_and_its_two_contacts("lithology_turkish", "granit", "şist"),
    ),  # before: bands 'granit' and 'GRANİT', and a contact at 2.5 km between them ('İ'.casefold() is not 'i')
    *[
        Case(
            f"flag field in {language}",
            alg,
            _set(LABELS=f"labels_{language}", LABEL_FIELD="cls", **({"METHOD": 0} if alg == "pseudolabel" else {})),
            warning=rf"Classes: 0 = barren, 1 = {yes}(?:\"|$)",
            check=barren_points_labelled_barren if alg == "pseudolabel" else None,
        )
        for language, yes in (("russian", "Да / да"), ("turkish", "EVET / Evet / evet"))
        for alg in ("pseudolabel", "trainmodel")
    ],  # before: "Classes: 0 = barren, 1 = Да / да, 2 = НЕТ / нет": the barren points taught as a second kind of deposit
    # (Turkish: '1 = EVET / Evet / evet, 2 = HAYIR, 3 = Hayır / hayır', 'HAYIR' not even one word with 'hayır')
    *[
        Case(
            "extent with decimal commas",
            alg,
            _set(EXTENT="400000,5,410000,5,7500000,7510000"),
            error=r"^EXTENT: give the extent as xmin,xmax,ymin,ymax in the map units of its CRS, optionally followed "
            r"by that CRS, e\.g\. 400000,410000,7500000,7510000 \[EPSG:3067\] \(got '400000,5,410000,5,7500000,"
            r"7510000'\); the commas separate the four numbers, so write decimals with a point \(400000\.5, not "
            r"400000,5\)\.",
        )
        for alg in ("interpolate", "evidence")
    ],  # before: QGIS's "Incorrect parameter value for EXTENT" (neither what it takes nor what was wrong)
    *[
        Case(
            "class field of 1,0 and 0,0 (decimal commas)",
            alg,
            _set(LABELS="labels_decimal_comma", LABEL_FIELD="cls", **({"METHOD": 0} if alg == "pseudolabel" else {})),
            warning=r"Classes: 0 = barren, 1 = mineralised(?:\"|$)",
            check=barren_points_labelled_barren if alg == "pseudolabel" else None,
        )
        for alg in ("pseudolabel", "trainmodel")
    ],  # before: "Classes: 0 = barren, 1 = 0,0, 2 = 1,0": '0,0' a word, so the barren points a first kind of deposit
    Case(
        "a fraction typed as a percentage",
        "pseudolabel",
        _set(CONFIDENCE="90%"),
        error=r"^CONFIDENCE: give a number from 0\.5 to 1 \(got '90%'\): write it without '%', as 0\.9\.",
    ),  # before: "CONFIDENCE: give a number from 0 to 1 (got '90%')."
    Case(
        "pixel size in full-width digits",
        "interpolate",
        _set(PIXEL_SIZE="２５０"),
        error=r"^PIXEL_SIZE: give a number of at least 0 \(got '２５０'\): write it in plain \(half-width\) digits, "
        r"e\.g\. 250\.",
    ),  # before: "PIXEL_SIZE: give a number of at least 0 (got '２５０')." (a number, to a Chinese or Japanese input method)
    Case(
        "lists typed with a Chinese input method's commas",
        "anomalies",
        _set(BANDS="Cu、Pb", ASSOCIATION="Cu，Pb", PERCENTILES="90，95，97.5"),
        check=percentile_thresholds,
    ),  # before: "BANDS: band(s) Cu、Pb not found; the raster has Cu, Pb." (the ideographic comma '、' and the full-width
    # '，' of a Chinese or Japanese input method are no separators to a comma split)
    Case(
        "classes separated by a full-width semicolon",
        "evidence",
        _set(POLYGONS="lithology_turkish", CLASS_FIELD="kaya", CLASSES="granit；şist"),
        check=one_granite_and_its_two_contacts("lithology_turkish", "granit", "şist"),
    ),  # before: "CLASSES: 'granit；şist' not found in field 'kaya'; its values include 'granit' (3); 'şist' (1)."
]


def contact_along_the_sliver(params: Dict[str, object]) -> None:
    """The contact distance of `lithology_sliver` equals shapely's distance to the nearer side of the 2 m sliver
    (x = 4,998 and 5,000 m, across the whole grid); the class bands are as drawn."""
    import rasterio
    from shapely.geometry import LineString, MultiLineString, Point

    with rasterio.open(str(params["OUTPUT"])) as src:
        names = list(src.descriptions)
        values, (x, y) = src.read(names.index("lithology_sliver:contact_distance_m") + 1), _cell_centres(src)
        granite = src.read(names.index("lithology_sliver:granite") + 1)
    assert granite[:, :20].min() == 1 and granite[:, 20:].max() == 0
    sides = MultiLineString([LineString([(X0 + a, Y0), (X0 + a, Y0 + 10_000)]) for a in (4_998, 5_000)])
    expected = np.vectorize(lambda px, py: sides.distance(Point(px, py)))(x, y)
    np.testing.assert_allclose(values, expected, atol=0.01)


CASES += [
    Case(
        "a polygon ID chosen as the class field",
        "evidence",
        _set(POLYGONS="lithology_ids", CLASS_FIELD="polygon_id"),
        warning=r"CLASS_FIELD: Every one of the 12 polygons has its own value in 'polygon_id', as an ID field has, so "
        r"each polygon would be a class of its own \(its own band, and every boundary a contact\); choose the field "
        r"that holds the rock types, e\.g\. 'rock' \(3 values\)\.",
    ),  # before: ran without a word: 12 bands of one polygon each, and a contact between every two strips
    Case(
        "a class field of hundreds of values, one per polygon",
        "evidence",
        _set(CLASS_FIELD="unit"),
        error=r"^CLASSES: field 'unit' has 300 different values, .* or raise MAX_CLASSES\. Every one of the 300 "
        r"polygons has its own value in 'unit', as an ID field has, .*; choose the field that holds the rock types, "
        r"e\.g\. 'rock' \(3 values\)\.$",
    ),  # before: "CLASSES: field 'unit' has 300 different values, more than the 20 classes allowed (...) or raise
    # MAX_CLASSES." (raising MAX_CLASSES to its 255 still refused, and nothing said 'rock' held the rock types)
    Case(
        "units a 2 m sliver apart",
        "evidence",
        _set(POLYGONS="lithology_sliver"),
        check=contact_along_the_sliver,
    ),  # before: "CONTACTS: every polygon of 'lithology_sliver' holds one class, so there are no contacts; turn
    # CONTACTS off." (both sides of the sliver were read as the map's outline)
    Case(
        "units with unmapped ground between them",
        "evidence",
        _set(POLYGONS="lithology_apart"),
        error=r"^CONTACTS: no polygons of different classes in 'lithology_apart' touch \(the gaps between them are "
        r"wider than half a cell, 125 m\), so there are no contacts between classes; close the gaps between the "
        r"units .*, or turn CONTACTS off\.",
    ),  # before: "CONTACTS: every polygon of 'lithology_apart' holds one class, so there are no contacts; ..." (two)
    Case(
        "a geological map over part of the grid",
        "evidence",
        _set(POLYGONS="lithology_apart", CONTACTS=False),
        warning=r"POLYGONS: 20 % of the grid \(about 320 of its 1,600 cells\) lies in no polygon of "
        r"'lithology_apart' \(beyond the map, or in gaps between its units\): those cells are 0 in every class band, "
        r"as if they were none of these rocks\. If the map does not cover them, give its outline as MASK",
    ),  # before: ran without a word; the 320 unmapped cells 0 in both class bands, 'neither granite nor schist'
    Case(
        "evidence with one more band than the model was trained on",
        "predict",
        _set(INPUT_RASTERS=["raster_plus_mag"]),
        warning=r"INPUT_RASTERS: 1 band\(s\) of the inputs are not used, as the model was trained without them: "
        r"elements_plus_mag:mag \(it reads 2: .*Cu, .*Pb\)\. To use them, train a model on these rasters "
        r"\(traincnn or trainmodel\)\.",
    ),  # before: ran without a word; the map made from Cu and Pb alone, the new 'mag' band ignored
]


def _density_and_crossings_of(
    params: Dict[str, object],
    layer: str,
    lines: List[Any],
    step: int,
    crossings_expected: int = 3,
    start: int = 2,
    moved: float = 0.01,
) -> None:
    """The density band of ``layer`` (1 km radius) is the length of shapely's unary_union of the distinct
    ``lines`` within each cell's circle, per km² (within what a cell's binning moves across the circle's edge), and
    the intersection band the distance to their ``crossings_expected`` crossing points alone (brute force over the
    pairs; within ``moved`` map units: a crossing of a copy a few metres off); checked on every ``step``-th cell
    from ``start``."""
    import rasterio
    from shapely.geometry import MultiPoint, Point
    from shapely.ops import unary_union

    with rasterio.open(str(params["OUTPUT"])) as src:
        names = list(src.descriptions)
        density = src.read(names.index(f"{layer}:density_km_per_km2") + 1)
        crossing = src.read(names.index(f"{layer}:intersection_distance_m") + 1)
        x, y = _cell_centres(src)
    union = unary_union(lines)
    n = len(lines)
    points = [lines[i].intersection(lines[j]) for i in range(n) for j in range(i + 1, n)]
    crossings = MultiPoint([p for p in points if p.geom_type == "Point"])
    assert len(crossings.geoms) == crossings_expected
    area = np.pi * 1.0
    for r, c in [(r, c) for r in range(start, 40, step) for c in range(start, 40, step)]:
        centre = Point(x[r, c], y[r, c])
        exact = union.intersection(centre.buffer(1000, 256)).length / 1000 / area
        ring = (
            union.intersection(centre.buffer(1000 + PIXEL, 256)).length
            - union.intersection(centre.buffer(1000 - PIXEL, 256)).length
        ) / 1000 / area  # fmt: skip
        assert abs(float(density[r, c]) - exact) <= ring + 1e-4, (r, c, float(density[r, c]), exact)
        assert abs(float(crossing[r, c]) - crossings.distance(centre)) < moved, (r, c)


def faults_counted_once(params: Dict[str, object]) -> None:
    """`faults_repeated`: its three distinct faults (the repeats left out) make the density and intersections."""
    import geopandas as gpd

    lines = list(gpd.read_file(str(params["LINES"][0])).geometry)[:3]
    _density_and_crossings_of(params, "faults_repeated", lines, 6)


CASES += [
    Case(
        "a fault repeated in the layer",
        "evidence",
        _set(LINES=["faults_repeated"], DENSITY_RADIUS=1000),
        warning=r"LINES: 2 feature\(s\) of 'faults_repeated' repeat another exactly \(the same fault twice, as merged map "
        r"sheets or a copy pasted twice leave them\): each is counted once in the density and the intersections\.",
        check=faults_counted_once,
    ),  # before: ran without a word; the repeated fault's length counted three times in the density, and its two
    # ends read as intersections of lines
]
CASES += [
    Case(
        "two surveys' grids of one file name",
        "evidence",
        _set(CONTINUOUS_RASTERS=["mag_survey_a", "mag_survey_b"]),
        error=r"^CONTINUOUS_RASTERS: 'mag' gives bands named like those of CONTINUOUS_RASTERS \(mag:tmi\): two files "
        r"of one name \(\S*survey_a/mag\.tif and \S*survey_b/mag\.tif\)\. Rename one file \(or, in QGIS, one "
        r"layer\), or leave one out\.",
    ),  # before: "CONTINUOUS_RASTERS: 'mag' gives bands named like those of CONTINUOUS_RASTERS (mag:tmi): the same
    # layer twice, or two files of one name. Leave one out, or rename one file." (which two files, it did not say)
]
CASES += [
    Case(
        "faults with a type field",
        "evidence",
        _set(LINES=["faults_typed"]),
        warning=r"LINES: all lines of 'faults_typed' give one set of bands, whatever their kind: its field 'fault_type' "
        r"\(2 values: 'normal', 'thrust'\) is not used\. For bands of one kind \(e\.g\. thrusts apart\), give the "
        r"layer filtered by that field",
    ),  # before: ran without a word; a user expecting thrusts and normal faults apart got one distance band of all
]

# sweep 11a: coordinate reference systems and places on Earth
MINE_GRID_REFUSED = (
    r"is in EPSG:{code}, {name} and {whose} CRS is Kittila mine grid, and no transformation between them is "
    r"known \(a local engineering CRS, such as a mine grid, is tied to no place on Earth\), so it cannot be placed on "
    r"the grid\. Put all the layers in one CRS: give the mine grid its place on Earth"
)
CASES += [
    Case(
        "samples across the antimeridian in degrees",
        "interpolate",
        _set(INPUT="samples_antimeridian"),
        error=r"^INPUT: the layer is in a geographic CRS \(EPSG:4326, degrees\), but distances and pixel sizes must "
        r"be in metres or feet\. .*here EPSG:32660 \(WGS 84 / UTM zone 60N, the zone of the layer's centre\)\.$",
    ),  # before: "... here EPSG:32630 (WGS 84 / UTM zone 30N, the zone of the layer's centre)": the centre of the
    # extent (-180 to 180), on the other side of the Earth
    Case(
        "faults in EPSG:3067 on a mine-grid raster",
        "evidence",
        _set(REFERENCE_RASTER="elements_mine_grid"),
        error=r"^LINES: the layer 'faults' "
        + MINE_GRID_REFUSED.format(code="3067", name=r"ETRS89 / TM35FIN\(E,N\)", whose="the grid's"),
    ),  # before: "LINES: layer 'faults' has no features within the grid's extent (0, 0 – 10000, 10000); check the
    # layer's CRS and the EXTENT, or remove the layer." (QGIS passed the coordinates through unchanged)
    Case(
        "continuous raster in EPSG:3067 on a mine-grid raster",
        "evidence",
        _outputs_and(REFERENCE_RASTER="elements_mine_grid", CONTINUOUS_RASTERS=["raster"]),
        error=r"^CONTINUOUS_RASTERS: the layer 'elements' "
        + MINE_GRID_REFUSED.format(code="3067", name=r"ETRS89 / TM35FIN\(E,N\)", whose="the grid's"),
    ),  # before: "OUTPUT: cannot write '…/evidence.tif' (Cannot find coordinate operations from 'EPSG:3067' to
    # 'ENGCRS[…]'); nothing was replaced. Free disk space, or choose another folder or drive."
    Case(
        "deposits in EPSG:3067 on a mine-grid raster",
        "evaluate",
        _set(INPUT_RASTER="elements_mine_grid"),
        error=r"^DEPOSITS: the layer "
        + MINE_GRID_REFUSED.format(code="3067", name=r"ETRS89 / TM35FIN\(E,N\)", whose="the rasters'"),
    ),  # before: "DEPOSITS: none of the 3 deposits lies on a valid cell of the study area (3 outside raster); check
    # that the deposits and the raster overlap and are in the same CRS."
    Case(
        "mask in EPSG:4326 for samples in a mine grid",
        "interpolate",
        _set(INPUT="samples_mine_grid", MASK="mask_4326"),
        error=r"^MASK: the layer " + MINE_GRID_REFUSED.format(code="4326", name="WGS 84", whose="the samples'"),
    ),  # before: "MASK: the mask polygons do not cover any cell of the grid; check that the layers overlap."
    *[
        Case(
            "rasters in a mine grid and in EPSG:3067",
            alg,
            _set(
                INPUT_RASTERS=["elements_mine_grid", "raster"],
                **({"LABELS": "deposits_mine_grid"} if alg == "pseudolabel" else {}),
            ),
            error=r"^INPUT_RASTERS: the layer 'elements' "
            + MINE_GRID_REFUSED.format(code="3067", name=r"ETRS89 / TM35FIN\(E,N\)", whose="the first raster's"),
        )
        for alg in ("pseudolabel", "traincnn", "trainmodel")
    ],  # before: "Unexpected error in prospector:pseudolabel: CPLE_NotSupportedError: Cannot find coordinate
    # operations from 'EPSG:3067' to 'ENGCRS[…]'" (traincnn, trainmodel alike)
    Case(
        "raster and deposits in one mine grid (GeoTIFF and GeoPackage)",
        "evaluate",
        _set(INPUT_RASTER="elements_mine_grid", DEPOSITS="deposits_mine_grid"),
    ),  # runs: two local CRSs are one grid, though the files write its WKT differently (QGIS finds no transformation)
]
CASES += [
    Case(
        "grid CRS given as a compound code (EPSG:3067+5717)",
        "evidence",
        _outputs_and(LINES=["faults"], CRS="EPSG:3067+5717", PIXEL_SIZE=500),
        error=r"^CRS: 'EPSG:3067\+5717' is a compound CRS \(a horizontal CRS plus a vertical one for heights\), which "
        r"QGIS cannot read from a code; the grid is 2D: give its horizontal part, EPSG:3067\.$",
    ),  # before: "CRS: the grid has no CRS; choose a CRS, a REFERENCE_RASTER, or layers with a CRS." (one was given)
]
CASES += [
    Case(
        "extent in degrees with a compound CRS (EPSG:4326+5773)",
        "interpolate",
        _set(EXTENT=",".join(map(str, EXTENT_4326)) + " [EPSG:4326+5773]"),
        error=r"^EXTENT: 'EPSG:4326\+5773' is a compound CRS \(a horizontal CRS plus a vertical one for heights\), "
        r"which QGIS cannot read from a code; the grid is 2D: give its horizontal part, EPSG:4326\.$",
    ),  # before: "EXTENT: no sample lies in or near the extent (x 24.66 to 24.86, y 67.61 to 67.68 in EPSG:3067): the
    # nearest is 7,511,585 m away, …": QGIS dropped the CRS it could not read and took the degrees as metres
]
BALLPARK = (
    r"{parameter}: the layer is in Kittila_Mine_TM and the rasters' CRS is EPSG:3067, ETRS89 / TM35FIN\(E,N\); PROJ had "
    r"no transformation between their datums it could use here, so its features were moved by a ballpark one "
    r"\(.*Ballpark geographic offset from GCS_Unknown to ETRS89.*\): no datum shift, which can place them tens to "
    r"hundreds of metres off\. If the layer's datum is known, give the layer the CRS with that datum"
)
CASES += [
    Case(
        "deposits in a .prj whose datum is unknown (ballpark transformation)",
        "evaluate",
        _set(DEPOSITS="deposits_datum_unknown"),
        warning=BALLPARK.format(parameter="DEPOSITS"),
    ),  # before: no word; the deposits placed 187 m off (177 m east, 60 m south) of where their KKJ datum puts them
    Case(
        "labels in a .prj whose datum is unknown (ballpark transformation)",
        "pseudolabel",
        _set(LABELS="deposits_datum_unknown"),
        warning=BALLPARK.format(parameter="LABELS"),
    ),  # before: no word (as for evaluate)
]
CASES += [
    Case(
        "deposits east of 180° on a raster in degrees written across it",
        "evaluate",
        _set(INPUT_RASTER="cu_across_180", DEPOSITS="deposits_across_180"),
        warning=r"INPUT_RASTER is in a geographic CRS: cells differ in area",
        check=deposit_values_across_180,
    ),  # before: "1 of 2 deposits not used: 1 outside raster." (-179.829 is 180.171 on a raster from 179.5 to 180.5)
]
CASES += [
    Case(
        "cluster distance in metres on a raster in degrees",
        "evaluate",
        _set(INPUT_RASTER="geographic_raster", DEPOSITS="deposits_4326", CLUSTER_DISTANCE=2000),
        error=r"^CLUSTER_DISTANCE: the raster is in a geographic CRS \(EPSG:4326\), so 2000 is read in degrees, not "
        r"metres, and a degree is not one distance \(at 67\.\d° N a degree of longitude is 0\.38 of one of "
        r"latitude\)\. Set CLUSTER_DISTANCE to 0, or reproject the raster .*here EPSG:32635",
    ),  # before: ran, "the 3 deposits form only 1 cluster(s) within 2000 map units" (2000 degrees), BOOTSTRAP_UNITS 1
]
CASES += [
    Case(
        "deposits in NAD27 on a NAD83 raster without the NADCON grids",
        "evaluate",
        _set(INPUT_RASTER="elements_nad83", DEPOSITS="deposits_nad27"),
        warning=r"DEPOSITS: the layer is in EPSG:26712, NAD27 / UTM zone 12N and the rasters' CRS is EPSG:26912, NAD83 / "
        r"UTM zone 12N; PROJ had no transformation between their datums it could use here, so its features were moved "
        r"by a ballpark one \(.*Ballpark geographic offset from NAD27 to NAD83.*\): .* The transformations PROJ knows "
        r"here need grids that are not installed \(us_noaa_conus\.tif, .*\): install them \(projsync --file "
        r"us_noaa_conus\.tif, or the PROJ-data archive from cdn\.proj\.org unpacked into PROJ's data folder; Debian's "
        r"proj-data package holds only some older grids\) and run again\.",
    ),  # before: no word; the deposits placed 67 m off (QGIS's ballpark against pyproj's NAD27 to WGS 84 Helmert)
]
CASES += [
    Case(
        "grid CRS in degrees for points across the antimeridian",
        "evidence",
        _outputs_and(POINTS=["samples_antimeridian"], CRS="EPSG:4326", PIXEL_SIZE=0.005),
        error=r"^CRS: the grid's CRS is in a geographic CRS \(EPSG:4326, degrees\), but distances and pixel sizes must "
        r"be in metres or feet\. Choose a projected CRS for the grid: here EPSG:32660 \(WGS 84 / UTM zone 60N, the "
        r"zone of the layer's centre\)\.$",
    ),  # before: "… Reproject it to a projected CRS first (Vector › Data Management Tools › Reproject Layer, e.g. to
    # the local UTM zone) or choose a projected CRS." (a CRS typed: nothing to reproject, and no zone named)
]
MINE_GRID_LABELS = (
    r"^{parameter}: the layer 'labels_mine_grid' is in Kittila mine grid and the evidence rasters' CRS is EPSG:3067, "
    r"ETRS89 / TM35FIN\(E,N\), and no transformation between them is known"
)
CASES += [
    *[
        Case(
            "label raster in a mine grid, evidence in EPSG:3067",
            alg,
            _set(LABELS="labels_mine_grid"),
            error=MINE_GRID_LABELS.format(parameter="LABELS"),
        )
        for alg in ("traincnn", "trainmodel")
    ],  # before: "Unexpected error in prospector:traincnn: CPLE_NotSupportedError: Cannot find coordinate operations
    # from 'ENGCRS[…]' to 'EPSG:3067'" (trainmodel alike)
    Case(
        "confidence raster in a mine grid, evidence in EPSG:3067",
        "trainmodel",
        _set(CONFIDENCE="labels_mine_grid"),
        error=MINE_GRID_LABELS.format(parameter="CONFIDENCE"),
    ),  # before: "Unexpected error in prospector:trainmodel: CPLE_NotSupportedError: …"
]
CASES += [
    Case(
        "points across the antimeridian in degrees, grid in UTM zone 60",
        "evidence",
        _outputs_and(POINTS=["samples_antimeridian"], CRS="EPSG:32660", PIXEL_SIZE=500),
        check=grid_around_the_points_across_180,
    ),  # before: "CRS: the grid's CRS is in EPSG:32660, WGS 84 / UTM zone 60N, whose map units are 1.10 times the
    # ground distance at … (55.2° N) …": the layer's extent, -180 to 180, the long way round, taken as the grid's
]


# sweep 12b: exploration data as the field and the database deliver it
def band_everywhere(field: str, value: float):
    """The band named ``field`` holds ``value`` in every cell (to float32 precision), none nodata."""

    def check(params: Dict[str, object]) -> None:
        import rasterio

        with rasterio.open(written_path(str(params["OUTPUT"]))) as src:
            band = src.read(list(src.descriptions).index(field) + 1, masked=True)
        assert not np.ma.getmaskarray(band).any()
        assert np.allclose(band.filled(np.nan), value, rtol=1e-6)

    return check


_OUTSIDE_TM35 = (
    r"^INPUT: the layer lies outside the area where its CRS, EPSG:{code}, {name}, is used \({area}\): its centre "
    r"\(x {x}, y {y}\) is {where}\. The coordinates look like {slip}: undone, they fall inside it\. Correct them "
    r"\({fix}\) and load the layer again, or give the layer the CRS its coordinates are in\.$"
)
CASES += [
    Case(
        "samples with easting and northing swapped",
        "interpolate",
        _set(INPUT="samples_swapped"),
        error=_OUTSIDE_TM35.format(
            code="3067",
            name=r"ETRS89 / TM35FIN\(E,N\)",
            area="Finland - onshore and offshore",
            x=r"7,50\d,\d{3}",
            y=r"40\d,\d{3}",
            where=r"at [\d.]+° N, [\d.]+° E, \d+° beyond that area",
            slip=r"the easting and northing swapped \(x holds the northings\)",
            fix="exchange the x and y fields: in a CSV the X field is the easting",
        ),
    ),  # before: "INPUT: the layer is in EPSG:3067, …, whose map units are 1.68 times the ground distance at the point
    # of its extent farthest from 1 (1.9° N) … Reproject it to a projected CRS first …: here EPSG:32644 (WGS 84 / UTM
    # zone 44N, the zone of the layer's centre)." (a reprojection to the Indian Ocean's zone)
    Case(
        "samples with the UTM zone number in front of the eastings",
        "interpolate",
        _set(INPUT="samples_zone_prefix"),
        error=_OUTSIDE_TM35.format(
            code="3067",
            name=r"ETRS89 / TM35FIN\(E,N\)",
            area="Finland - onshore and offshore",
            x=r"35,40\d,\d{3}",
            y=r"7,50\d,\d{3}",
            where="beyond where the projection can place it",
            slip=r"the UTM zone number \(35\) written in front of the eastings",
            fix="subtract 35,000,000 from the eastings",
        ),
    ),  # before: ran without a word; a grid 35,000 km east of Finland, on which no deposit or map of the place lies
    Case(
        "southern samples without the false northing",
        "interpolate",
        _set(INPUT="samples_south_no_false_northing"),
        error=_OUTSIDE_TM35.format(
            code="32735",
            name="WGS 84 / UTM zone 35S",
            area=r"Between 24°E and 30°E, southern hemisphere between 80°S and equator, onshore and offshore",
            x=r"40\d,\d{3}",
            y=r"-1,39\d,\d{3}",
            where=r"at [\d.]+° S, [\d.]+° W, \d+° beyond that area",
            slip=r"the southern hemisphere's false northing \(10,000,000 m\) left out of the northings",
            fix="add 10,000,000 to the northings",
        ),
    ),  # before: ran without a word; a grid at 77° S, 153° W (beyond the south pole) instead of Zambia
    Case(
        "element entirely below detection",
        "interpolate",
        _set(INPUT="samples_all_below_detection", FIELDS=["Cu", "Au"]),
        warning=r"Au: every sample holds the same value \(2\.5\), so its band is 2\.5 everywhere",
        check=band_everywhere("Au", 2.5),
    ),  # before: "FIELDS: a normal-score transform needs at least 2 distinct values." after three warnings, one
    # saying its band would be 2.5 everywhere (all 36 values '<5', heavily censored, so normal scores)
    Case(
        "element entirely below detection, kriged",
        "interpolate",
        _set(INPUT="samples_all_below_detection", FIELDS=["Au"], METHOD="kriging"),
        error=r"^FIELDS: .*the values do not vary \(zero variogram\), so there is nothing to krige: leave the field "
        r"out of FIELDS, or interpolate it with METHOD idw, which gives its one value everywhere\.",
    ),  # before: "… the values do not vary (zero variogram); nothing to krige.": what to do unsaid
    Case(
        "element analysed in the western quarter of the survey only",
        "interpolate",
        _set(INPUT="samples_au_west", FIELDS=["Cu", "Au"], PIXEL_SIZE=250),
        warning=r"Au: only 36 of the 144 samples hold a value, and \d+ % of the grid's cells lie more than \d+ m from "
        r"every one of them \(3 times their spacing, \d+ m\): its band fills those cells with values no sample of Au "
        r"supports\. Set MAX_DISTANCE \(e\.g\. \d+\) to leave them nodata, or interpolate Au alone with a MASK",
    ),  # before: only "Au: 108 of 144 samples skipped (108 empty/NULL …)"; the band filled the eastern three
    # quarters from the western samples, with no gap warning (the gaps were counted over all 144 samples)
]


def idw_of_the_field_samples(params: Dict[str, object]) -> None:
    """The Cu band equals a brute-force IDW of the rows whose qc_type is ROUTINE: standards and blanks left out."""
    import geopandas as gpd

    frame = gpd.read_file(str(params["INPUT"]))
    routine = frame[frame["qc_type"] == "ROUTINE"]
    sxy = np.column_stack([routine.geometry.x, routine.geometry.y])
    _assert_brute_force_idw(params, sxy, routine["Cu"].to_numpy(dtype=float))


CASES += [
    Case(
        "standards and blanks left among the samples",
        "interpolate",
        _set(INPUT="samples_qaqc", FIELDS=["Cu"]),
        warning=r"INPUT: 8 of the 44 samples are quality-control samples, not field samples \('sample_id': "
        r"'OREAS-45d' 4, 'BLK' 4; 'qc_type': 'STD' 4, 'BLK' 4\): certified standards and blanks hold the "
        r"laboratory's reference values, not the ground's, so they were left out\.",
        check=idw_of_the_field_samples,
    ),  # before: "INPUT: the 44 samples lie at 36 sites: samples sharing a site (field duplicates, repeated analyses)
    # were averaged": each standard (709 ppm) averaged with the sample at its site, four false highs on the map
]

_COMMODITIES = (
    r"{parameter}: the points are of 3 commodities by the field 'Commodity' \('gold' 3, 'graphite' 1, 'iron' 1\), "
    r"and all of them are taken as one kind of target for {purpose}\. For one commodity, give the layer filtered by "
    r"that field \(Layer Properties › Source › Query Builder, e\.g\. \\?\"Commodity\\?\" = 'gold'; in qgis_process "
    r"add \|subset=\\?\"Commodity\\?\" = 'gold' to the layer's path\)\."
)
CASES += [
    Case(
        "occurrences of several commodities as deposits",
        "evaluate",
        _set(DEPOSITS="deposits_commodities"),
        warning=_COMMODITIES.format(parameter="DEPOSITS", purpose="the evaluation"),
    ),  # before: ran without a word on the commodities; iron and graphite occurrences counted as gold targets
    Case(
        "occurrences of several commodities as labels",
        "pseudolabel",
        _set(LABELS="deposits_commodities"),
        warning=_COMMODITIES.format(parameter="LABELS", purpose="the mineralised labels"),
    ),  # before: ran without a word; every occurrence labelled mineralised, whatever its commodity
    Case(
        "occurrences of one mineral system as deposits",
        "evaluate",
        _set(DEPOSITS="deposits_iocg"),
        warning=r"DEPOSITS: the points are of 4 commodities by the field 'Commodity' \('gold' 2, 'Cu, Au' 1, "
        r"'copper' 1, 'iron' 1\), all of one mineral system \(iron-oxide-copper-gold\), taken as one kind of target "
        r"for the evaluation\.",
    ),  # before (sweep 12b's first version): warned that they should be filtered to one commodity
]

CASES += [
    Case(
        "deposits in degrees with latitude and longitude swapped",
        "evaluate",
        _set(DEPOSITS="deposits_latlon_swapped"),
        error=r"^DEPOSITS: none of the 3 deposits lies on the raster, but 3 of them do with their coordinates "
        r"corrected for the latitude and longitude swapped \(x holds the latitudes\)\. Correct them \(exchange the x "
        r"and y fields: x is the longitude\) and load the layer again\.$",
    ),  # before: "DEPOSITS: none of the 3 deposits lies on a valid cell of the study area (3 outside raster); check
    # that the deposits and the raster overlap and are in the same CRS." (they are in one CRS and overlap, swapped)
    Case(
        "deposits in the western hemisphere without the minus sign of their longitudes",
        "evaluate",
        _set(INPUT_RASTER="elements_nad83", DEPOSITS="deposits_utah_east"),
        error=r"^DEPOSITS: none of the 3 deposits lies on the raster, but 3 of them do with their coordinates "
        r"corrected for the western longitudes without their minus sign\. Correct them \(make the longitudes west of "
        r"Greenwich negative\) and load the layer again\.$",
    ),  # before: "DEPOSITS: none of the 3 deposits lies on a valid cell of the study area (3 outside raster); …"
    Case(
        "labels in degrees with latitude and longitude swapped",
        "pseudolabel",
        _set(LABELS="deposits_latlon_swapped"),
        error=r"^LABELS: none of the 3 labelled points lies on the raster, but 3 of them do with their coordinates "
        r"corrected for the latitude and longitude swapped \(x holds the latitudes\)\. Correct them",
    ),  # before: "LABELS: no cell with evidence in every band lies on or within POSITIVE_RADIUS of a mineralised point;
    # check that the points overlap the rasters (same area and CRS) or increase POSITIVE_RADIUS."
]

CASES += [
    Case(
        "values in % for some samples and ppm for the others",
        "interpolate",
        _set(INPUT="samples_units_mixed", FIELDS=["Cu"]),
        warning=r"INPUT: the field 'unit' gives the samples' values in 2 units \('ppm' 24, '%' 12\), but each element "
        r"field is gridded as one set of numbers: a value in '%' is read as if in 'ppm', 10,000 times too small\. "
        r"Convert the values to one unit first \(Field Calculator, e\.g\. for Cu: CASE WHEN \\?\"unit\\?\" = '%' THEN "
        r"\\?\"Cu\\?\" \* 10000 ELSE \\?\"Cu\\?\" END\), or interpolate each unit's samples apart\.",
    ),  # before: ran without a word; a third of the map's copper 10,000 times too low
]
CASES += [
    Case(
        "till and soil samples in one layer",
        "interpolate",
        _set(INPUT="samples_two_media"),
        warning=r"INPUT: the samples are of 2 media by the field 'medium' \('B horizon' 36, 'till' 36\), gridded "
        r"together as one: each medium holds the elements at its own level, and samples of two media at one site are "
        r"averaged\. Interpolate one medium at a time \(a layer filter such as \\?\"medium\\?\" = 'B horizon'\), or "
        r"name the field in SURVEY_FIELD to level the media to each other\.",
    ),  # before: only "INPUT: the 72 samples lie at 36 sites: samples sharing a site (field duplicates, repeated
    # analyses) were averaged": till and soil averaged site by site, without a word on the media
]
CASES += [
    Case(
        "a soil grid with a dense infill over one target",
        "interpolate",
        _set(INPUT="samples_infill", FIELDS=["Cu"], PIXEL_SIZE=100),
        warning=r"\A(?![\s\S]*the samples leave wide gaps)",  # no gap warning anywhere in the log
    ),  # before: "INPUT: 83 % of the grid's cells lie more than 106.1 m from every sample (3 times the samples' spacing,
    # 35.36 m): the samples leave wide gaps … Set MAX_DISTANCE (e.g. 106)", which would blank the regional grid
]
CASES += [
    Case(
        "gold reported to two detection limits (<5 and <0.5)",
        "interpolate",
        _set(INPUT="samples_two_limits", FIELDS=["Au"]),
        warning=r"Au: detection limits 0\.5 and 5 \(10 x apart\) in one field: the samples probably come from different "
        r"methods or laboratories; name them in SURVEY_FIELD to level them\.",
    ),  # before: only "Au: … values below detection (limits 0.5, 5) set to 0.5 x the detection limit": half the
    # survey's censored gold at 2.5, the other half at 0.25, a step along the laboratories' boundary
]

# sweep 12a: the paths a QGIS power user takes (batches, "Iterate over this layer", models, the Python console)
CASES += [
    Case(
        "MASK of 60 polygons, iterated over (one run per polygon)",
        "interpolate",
        _set(MASK="mask_cells"),
        check=every_iteration_loaded_styled("MASK"),
        headless=False,  # the dialog's iteration and the loading of layers: no qgis_process equivalent
    ),  # before: the first 9 runs' rasters loaded grey, named by QGIS and outside the Geochemistry group (the
    # style post-processors were kept for the last 51 outputs only, and QGIS loads an iteration's layers at the end)
    Case(
        "option that does not exist, from a model input",
        "anomalies",
        lambda d, p: p,
        check=refused_in_a_model(
            "anomalies",
            "METHOD",
            9,
            r"^METHOD: choose one of 0 \(Percentiles \(cumulative frequency\)\), 1 .*\(got '9'\)\.",
        ),
        headless=False,  # a model built in the test
    ),  # before: the model ran, its anomalies step on percentiles (option 0) without a word
    Case(
        "negative pixel size, from a model input",
        "interpolate",
        lambda d, p: p,
        check=refused_in_a_model(
            "interpolate", "PIXEL_SIZE", -500, r"^PIXEL_SIZE: give a number of at least 0 \(got '-500'\)\."
        ),
        headless=False,  # a model built in the test
    ),  # before: the model ran, on the automatic grid (cells of 330 m), without a word
    Case(
        "evidence stack (a VRT raster) given as MASK, in a batch row",
        "interpolate",
        lambda d, p: p,
        check=refused_in_a_batch_row(
            "interpolate",
            r"^MASK: 'stack\.vrt' is a raster, but MASK takes a vector layer of polygons\. To use the area a raster "
            r"covers, make polygons of it first",
            MASK="stack.vrt",
        ),
        headless=False,  # the batch dialog's alg.run()
    ),  # before: the row ran and wrote a grid over the whole extent, the MASK left out without a word
    Case(
        "metre coordinates in a layer said to be in degrees, in a batch row",
        "interpolate",
        lambda d, p: p,
        check=refused_in_a_batch_row(
            "interpolate",
            _metres_as_degrees("INPUT", r"\d+, \d+ – \d+, \d+", ""),
            INPUT="samples_metres_as_degrees.gpkg",
        ),
        headless=False,  # the batch dialog's alg.run()
    ),  # before: "INPUT: the layer is in a geographic CRS (EPSG:4326, degrees), but distances and pixel sizes must
    # be in metres or feet. Reproject it to a projected CRS first (…)": metres reprojected as if they were degrees
    Case(
        "vector output as a memory layer (memory:)",
        "anomalies",
        _set(OUTPUT_ANOMALIES="memory:"),
        error=r"^OUTPUT_ANOMALIES: cannot write a memory layer \(memory:\): every output is written to a file\. Give "
        r"a file name ending in \.gpkg \(or \.geojson\), or TEMPORARY_OUTPUT for a temporary file",
    ),  # before: "OUTPUT_ANOMALIES: cannot write 'no extension' files; save as .gpkg (GeoPackage)."
    Case(
        "raster given by a name two project layers have",
        "evaluate",
        lambda d, p: p,
        check=same_named_in_the_project(
            "evaluate",
            "INPUT_RASTER",
            ["elements.tif", "elements_ppb.tif"],
            r"^INPUT_RASTER: 2 raster layers of the project are named 'evidence'; QGIS read '.*(elements|elements_ppb)"
            r"\.tif' \(layer id evidence_\w+\), not '.*\.tif'\. To choose one, give its layer id or its file instead "
            r"of the name, or rename the layers\.$",
        ),
        headless=False,  # a project's layers, named in the Python console
    ),  # before: one of the two read (whichever QGIS found first), without a word
    Case(
        "layers given as the dialog gives them (layer ids, selected features)",
        "interpolate",
        _set(MASK="mask_4326"),
        check=provenance_names_the_files,
        headless=False,  # a project's layers
    ),  # before: the provenance recorded "<QgsProcessingFeatureSourceDefinition {'source':samples_9c1f…,
    # 'selectedFeaturesOnly': True}>" and "study_area_4b2e…": ids of a session, no file
]

CASES += [
    Case(
        "deposits rounded to whole degrees",
        "evaluate",
        _set(DEPOSITS="deposits_whole_degrees"),
        error=r"^DEPOSITS: none of the 3 deposits lies on the raster, and their coordinates are all rounded to whole "
        r"degrees \(a step of about 111 km on the ground\): rounding moves a point up to half a step, here enough to "
        r"move it off the raster\. Use the deposits' coordinates with more decimals",
    ),  # before: "DEPOSITS: none of the 3 deposits lies on a valid cell of the study area (3 outside raster); check
    # that the deposits and the raster overlap and are in the same CRS." (they overlap, and are transformed right)
    Case(
        "deposits rounded to 0.01 degrees",
        "evaluate",
        _set(DEPOSITS="deposits_hundredths"),
        warning=r"DEPOSITS: the coordinates of all 3 deposits are rounded to 0\.01° \(a step of about 1\.1 km on the "
        r"ground, 4 cells of 250 m\): rounding moves a point up to half a step, so each may mark a cell up to 2 cells "
        r"from its own, and what is computed from them is blurred at that scale\.",
    ),  # before: evaluated without a word (AUC 0.809; 0.800 at the deposits' own places)
    Case(
        "labelled points rounded to 0.01 degrees",
        "pseudolabel",
        _set(LABELS="deposits_hundredths"),
        warning=r"LABELS: the coordinates of all 3 labelled points are rounded to 0\.01°",
    ),  # before: labels grown from cells up to two cells from the deposits, without a word
    Case(
        "one deposit of three with latitude and longitude swapped",
        "evaluate",
        _set(DEPOSITS="deposits_one_swapped"),
        warning=r"DEPOSITS: 1 of the 3 deposits lies off the raster, and 1 of those would lie on it with their "
        r"coordinates corrected for the latitude and longitude swapped \(x holds the latitudes\): \(67\.6\d*, "
        r"24\.8\d*\) in the layer's x, y\. Check those rows \(exchange the x and y fields: x is the longitude where "
        r"they are wrong\); as they are, they are left out\.",
    ),  # before: "1 of 3 deposits not used: 1 outside raster." and nothing on why
    Case(
        "deposits in degrees with latitude and longitude swapped",
        "comparemodels",
        _set(DEPOSITS="deposits_latlon_swapped"),
        error=r"^DEPOSITS: none of the 3 deposits lies on the raster, but 3 of them do with their coordinates "
        r"corrected for the latitude and longitude swapped \(x holds the latitudes\)\. Correct them",
    ),  # before: "DEPOSITS: 0 of the 3 deposits lie on valid cells of the rasters, and at least two are needed; check
    # that the deposits overlap the rasters (and their CRS), the rasters' nodata and the MASK."
    Case(
        "a laboratory's own standard under its own name",
        "interpolate",
        _set(INPUT="samples_lab_standard", FIELDS=["Cu"]),
        warning=r"INPUT: the field 'sample_id' gives one sample's identifier to samples at several sites \('GTK-1' at 4 "
        r"sites\), while its other values are each one sample's: a laboratory's own standard or blank, inserted after "
        r"field samples and given their coordinates\? Gridded, its reference values are averaged into the field "
        r"samples at those sites\. If it is one, leave those rows out \(a layer filter such as \\?\"sample_id\\?\" <> "
        r"'GTK-1'\)\.",
    ),  # before: averaged into the 4 field samples at those sites without a word ('GTK-1' is no certified name)
]


def _right_to_left_name_isolated(params: Dict[str, object]) -> None:
    """Every text run of the report holding the right-to-left override is a band name alone inside a <bdi> of its
    own (read with Python's HTML parser), so it cannot reverse the names and words after it."""
    from tests.core.reports.test_report_names import _Texts

    with open(str(params["OUTPUT_REPORT"]), encoding="utf-8") as handle:
        page = handle.read()
    parser = _Texts()
    parser.feed(page)
    runs = [(text, tags) for text, tags in parser.texts if "\u202e" in text]
    assert runs, "the band name is not in the report"
    for text, tags in runs:
        assert "bdi" in tags and text.endswith(RTL_NAME), f"{text!r} is not isolated ({tags})"


def _numbers_beside_the_long_name_on_one_line(params: Dict[str, object]) -> None:
    """The baseline table and the deposits' table, laid out by headless Chromium at 1,100 px: every AUC, interval,
    capture and count on one line beside the 300-character baseline name (skipped without Chromium)."""
    import pathlib
    import re
    import tempfile

    from tests.core.reports.test_report_names import _line_counts
    from tests.core.reports.test_report_widths import _chromium

    with open(str(params["OUTPUT_REPORT"]), encoding="utf-8") as handle:
        page = handle.read()
    assert LONG_NAME.strip() in page  # the band's description names the baseline
    if _chromium() is None:
        return
    with tempfile.TemporaryDirectory() as folder:
        cells = [
            (text, lines)
            for text, lines in _line_counts(page, pathlib.Path(folder), "td:not(:first-child)")
            if re.fullmatch(r"[\d.,%\s–-]+|\d+\s%\sin\s\d+\s%", text)
        ]
    assert len(cells) > 10 and all(lines == 1 for _, lines in cells), [c for c in cells if c[1] > 1]


def _recommended_model_knows_bands_by_number(params: Dict[str, object]) -> None:
    """The warning is about the file written: the recommended learner's model, its bands named by number."""
    from geochem_prospector.core.learning.classic_file import load_model

    model = load_model(str(params["OUTPUT_MODEL"]))
    assert list(model.band_names_) == ["elements_no_descriptions:band 1", "elements_no_descriptions:band 2"]


# sweep 13a: files that come from elsewhere (shared models, stacks and reports)
CASES += [
    Case(
        "trainmodel file of a newer format",
        "predict",
        lambda d, p: {
            k: v for k, v in _set(MODEL="model_forest_newer", MC_SAMPLES=0)(d, p).items() if k != "OUTPUT_UNCERTAINTY"
        },
        error=r"^MODEL: 'model_forest_newer\.pt' has model format version 2, newer than this plugin reads \(1\); "
        r"update the plugin, or train a new model with prospector:traincnn or prospector:trainmodel\.$",
    ),  # before: "… has model format version 2, newer than this plugin reads (2) …": the CNN's newest version
    Case(
        "model file with an entry named outside its folder",
        "predict",
        _set(MODEL="model_entry_escapes"),
        error=r"^MODEL: 'model_entry_escapes\.pt' is not a GeoChem Prospector model file, is damaged, or holds objects "
        r"that are unsafe to load \(entry 'archive/\.\./\.\./evil\.txt' is named to lie outside the archive's folder "
        r"\('\.\.', '\.' or a backslash\), which torch\.save never writes\); train a new model",
    ),  # before: ran, the entry read past (nothing unpacks it here, but the file passed as a valid model)
    Case(
        "evidence describing two bands as the model's one",
        "predict",
        _set(INPUT_RASTERS=["raster_cu_twice"]),
        error=r"^INPUT_RASTERS: 'elements_cu_twice' describes bands 1 and 2 as 'Cu', and the model reads one band "
        r"'elements:Cu', so which one the model means cannot be told \(the first would be read without a word\)\. "
        r"Give a raster in which only the band the model was trained on has that description",
    ),  # before: ran on band 1 (the other method's Cu, three times the values), warning only that 'Cu (band 2)' was
    # not used
    *[
        Case(
            "label confidence in percent" + (", window by window" if scheduler else ""),
            alg,
            _set(CONFIDENCE="confidence_percent", **({"SCHEDULER": "local:1"} if scheduler else {})),
            error=r"^CONFIDENCE: 'confidence_percent' holds the value 87\.5, but a label's confidence runs from 0 to 1 "
            r"\(as pseudolabel's OUTPUT_CONFIDENCE writes it\); if it is in percent, divide it by 100 first \(Raster › "
            r"Raster Calculator: \"confidence_percent@1\" / 100\) and give that raster\.$",
        )
        for alg, scheduler in (("traincnn", False), ("traincnn", True), ("trainmodel", False))
    ],  # before: trained, 87.5 taken as the weight of each labelled cell (a nodata cell of it counting 1)
    Case(
        "model of bands without names, on another raster without names",
        "predict",
        lambda d, p: {
            k: v
            for k, v in _set(
                MODEL="model_unnamed_bands", INPUT_RASTERS=["raster_swapped_no_descriptions"], MC_SAMPLES=0
            )(d, p).items()
            if k != "OUTPUT_UNCERTAINTY"
        },
        error=r"^INPUT_RASTERS: the model's bands have no names, only numbers, so in another raster they would be "
        r"matched by position alone \('elements_no_descriptions:band 1' as 'elements_swapped_no_descriptions:band 1', "
        r"'elements_no_descriptions:band 2' as 'elements_swapped_no_descriptions:band 2'\), and bands in another "
        r"order would be read without a word\. If it is the stack the model was trained on, give it under that name "
        r"\(elements_no_descriptions\)",
    ),  # before: ran, Pb read as Cu and Cu as Pb (by position), warned only that the values lay beyond the training's
    Case(
        "model of bands without names, on its own raster",
        "predict",
        lambda d, p: {
            k: v
            for k, v in _set(MODEL="model_unnamed_bands", INPUT_RASTERS=["raster_no_descriptions"], MC_SAMPLES=0)(
                d, p
            ).items()
            if k != "OUTPUT_UNCERTAINTY"
        },
    ),  # the same file (by its name) still runs: the refusal above is not a refusal of unnamed bands
    Case(
        "stack of two bands as a baseline",
        "evaluate",
        _set(BASELINES=["raster"]),
        warning=r"BASELINES: 'elements' has 2 bands; only band 1 \('Cu'\) is compared, the others are not\. To compare "
        r"another band, give it as a raster of its own \(Raster › Conversion › Translate, choosing the band\), one per "
        r"baseline\.",
    ),  # before: band 1 compared without a word (the report naming it), Pb left out
    *[
        Case(
            "training on bands without descriptions" + (", window by window" if scheduler else ""),
            alg,
            _set(INPUT_RASTERS=["raster_no_descriptions"], **({"SCHEDULER": "local:1"} if scheduler else {})),
            warning=r"INPUT_RASTERS: 2 band\(s\) have no description, so the model knows them by number only "
            r"\(elements_no_descriptions:band 1, elements_no_descriptions:band 2\): predict will read them from a "
            r"raster of that name alone, never by position from another\. To use the model on other rasters, give the "
            r"bands descriptions",
        )
        for alg, scheduler in (("traincnn", False), ("traincnn", True), ("trainmodel", False))
    ],  # before: trained without a word; the model then ran on any other undescribed raster, by position
    Case(
        "training on bands without descriptions",
        "comparemodels",
        lambda d, p: {
            **_set(INPUT_RASTERS=["raster_no_descriptions"], LEARNERS=[0])(d, p),
            "OUTPUT_MODEL": os.path.join(os.path.dirname(str(p["OUTPUT_REPORT"])), "recommended.pt"),
        },
        warning=r"INPUT_RASTERS: 2 band\(s\) have no description, so the model knows them by number only "
        r"\(elements_no_descriptions:band 1, elements_no_descriptions:band 2\)",
        check=_recommended_model_knows_bands_by_number,
    ),  # before: the recommended learner's model file written without a word
    Case(
        "evidence whose band names differ from the model's only in case",
        "predict",
        _set(INPUT_RASTERS=["raster_upper_case"]),
        error=r"^INPUT_RASTERS: band\(s\) elements:Cu, elements:Pb needed by the model are not among the inputs "
        r"\(elements_upper_case:PB, elements_upper_case:CU\); .* Only upper and lower case differ in "
        r"'elements_upper_case:CU' for 'elements:Cu', 'elements_upper_case:PB' for 'elements:Pb': names are matched "
        r"exactly \(Co is not CO\), so give the bands the descriptions the model was trained on",
    ),  # before: the names listed, without a word that only their case differs
    Case(
        "evidence without band descriptions",
        "predict",
        _set(INPUT_RASTERS=["raster_no_descriptions"]),
        error=r"^INPUT_RASTERS: band\(s\) elements:Cu, elements:Pb needed by the model are not among the inputs "
        r"\(elements_no_descriptions:band 1, elements_no_descriptions:band 2\); .* The inputs' bands have no "
        r"descriptions, so none can be matched: give the stack the band descriptions the model was trained on",
    ),  # before: the names listed ('band 1', 'band 2'), without a word that the stack has no band names
    Case(
        "band named with right-to-left text and U+202E",
        "trainmodel",
        _set(INPUT_RASTERS=["raster_rtl_names"]),
        check=_right_to_left_name_isolated,
    ),  # before: the name set as plain text: its override reversed every feature name after it in the report
    Case(
        "baseline band named with 300 characters",
        "evaluate",
        _set(BASELINES=["raster_long_name"]),
        check=_numbers_beside_the_long_name_on_one_line,
    ),  # before: the AUCs, intervals and captures beside it squeezed one or two digits a line ('0.47' over '9')
]


# ---- statistics as real surveys produce them (sweep 13b) --------------------------------------------------------
def interval_not_computed(params: Dict[str, object]) -> None:
    """The AUC equals a brute-force AUC of the raster (each deposit's cell against every valid cell, ties half), and
    the interval the bootstrap cannot give is left empty in the table and said so in the report: not a band of width
    0 around the AUC."""
    import csv

    import geopandas as gpd
    import rasterio

    with rasterio.open(str(params["INPUT_RASTER"])) as src:
        values = src.read(1, masked=True).astype(float).filled(np.nan)
        inverse = ~src.transform
    cells = [inverse * (point.x, point.y) for point in gpd.read_file(str(params["DEPOSITS"])).geometry]
    at = [values[int(np.floor(row)), int(np.floor(col))] for col, row in cells]
    valid = values[np.isfinite(values)]
    auc = np.mean([(np.sum(valid < v) + 0.5 * np.sum(valid == v)) / valid.size for v in at])
    with open(written_path(str(params["OUTPUT_TABLE"])), newline="", encoding="utf-8") as handle:
        metrics = {r["name"]: r["value"] for r in csv.DictReader(handle) if r["kind"] == "metric"}
    np.testing.assert_allclose(float(metrics["auc"]), auc, atol=1e-9)
    assert np.isnan(float(metrics["auc_bootstrap_low"])) and np.isnan(float(metrics["auc_bootstrap_high"]))
    assert float(metrics["auc_bootstrap_units"]) == 1
    with open(str(params["OUTPUT_REPORT"]), encoding="utf-8") as handle:
        report = handle.read()
    assert "CI not computed: fewer than 2 independent deposits" in report
    assert f"{auc:.3f} – {auc:.3f}" not in report


_NO_INTERVAL = (
    r": the AUC's 95 % interval is not computed, as resampling a single unit gives that unit every time \(an interval "
    r"of width 0, which would read as certainty\)\. The AUC of \d deposits? is a single draw: add deposits from "
    r"elsewhere in the area"
)

CASES += [
    Case(
        "one deposit",
        "evaluate",
        _set(DEPOSITS="deposits_one"),
        warning=r"DEPOSITS: only 1 deposit was used" + _NO_INTERVAL + r"; until then read it with the p-value and the "
        r"AUC against random negatives\.",
        check=interval_not_computed,
    ),  # before: "AUC 0.979 (95 % CI 0.979-0.979)", AUC_LOW = AUC_HIGH = the AUC, beside "the confidence intervals
    # are wide"
    Case(
        "deposits all in one cluster",
        "evaluate",
        _set(DEPOSITS="deposits_one_cluster", CLUSTER_DISTANCE=500),
        warning=r"DEPOSITS: the 4 deposits used form 1 cluster within CLUSTER_DISTANCE \(500 map units\)"
        + _NO_INTERVAL
        + r", or lower CLUSTER_DISTANCE;",
        check=interval_not_computed,
    ),  # before: "AUC 0.… (95 % CI x-x)": the one cluster drawn every time, an interval of width 0
]


def tied_percentiles_class_the_tie_weak(params: Dict[str, object]) -> None:
    """The percentile levels are numpy's percentiles of the band (rasterio's read); where the 85th, 95th and 98th
    fall in one run of equal values, the cells of the run are weak (class 1), none moderate or strong, and the table
    leaves those two levels empty."""
    import csv

    import rasterio

    with rasterio.open(str(params["INPUT_RASTER"])) as src:
        cu = src.read(1, masked=True).astype(float).compressed()
    p85, p95, p98 = np.percentile(cu, [85, 95, 98])
    assert p85 == p95 == p98 == cu.max()  # the three percentiles in one tie: the top 20 % of the cells
    with rasterio.open(written_path(str(params["OUTPUT"]))) as src:
        classes = src.read(1)
    np.testing.assert_array_equal(
        np.bincount(classes.ravel(), minlength=4)[:4], [np.sum(cu < p85), np.sum(cu >= p85), 0, 0]
    )
    with open(written_path(str(params["OUTPUT_TABLE"])), newline="", encoding="utf-8") as handle:
        row = next(r for r in csv.DictReader(handle) if r["element"] == "Cu")
    assert float(row["weak"]) == p85 and row["moderate"] == row["strong"] == ""


CASES += [
    Case(
        "band of three values (percentiles in one tie)",
        "anomalies",
        _set(INPUT_RASTER="cu_three_values"),
        warning=r"Cu: weak 3, moderate nan, strong nan \(percentiles 85/95/98; moderate, strong equal to the weak level "
        r"3, which 20 % of the cells hold \(many equal values\): undefined\)",
        check=tied_percentiles_class_the_tie_weak,
    ),  # before: “Cu: weak 3, moderate 3, strong 3”: the 20 % of the cells at 3 all classed strong (the top 2 %)
]

CASES += [
    Case(
        "kriging samples without structure at their spacing",
        "interpolate",
        _set(FIELDS=["Cu"], METHOD=1),
        # the matrix's Cu is drawn at random (no spatial structure): its log variogram's fit, gaussian with a
        # range of 468 m, is at 99 % of its sill at the samples' 603.9 m (scipy's median nearest-neighbour distance)
        warning=r"Cu: the variogram of log values \(gaussian, range 467\.8 m\) reaches 99 % of its sill at the samples' "
        r"spacing \(603\.9 m, their median distance to the nearest other sample\): its structure is shorter than the "
        r"distances between most samples, which measure none, so there it is as good as pure nugget, and kriging "
        r"returns little more than a local mean with a spot around each sample\. Prefer IDW or METHOD = Automatic "
        r"for this element, or sample more closely\.",
    ),  # before: no word (a nugget of 0 % of the sill passed the pure-nugget test), a map of spots around the samples
]


def ca_levels_above_the_substitute(params: Dict[str, object]) -> None:
    """C-A on a band whose lowest 70 % of the cells hold one substitute value: the weak level lies above the lowest
    detected value (not at the cliff just above the substitute), and the cells classed weak or above are those at
    or above it, counted by numpy on rasterio's read, fewer than the detected cells."""
    import csv

    import rasterio

    with rasterio.open(str(params["INPUT_RASTER"])) as src:
        cu = src.read(1, masked=True).astype(float).filled(np.nan)
    detected = cu[cu > 2.5]
    assert np.mean(cu == 2.5) == 0.7
    with open(written_path(str(params["OUTPUT_TABLE"])), newline="", encoding="utf-8") as handle:
        row = next(r for r in csv.DictReader(handle) if r["element"] == "Cu")
    weak = float(row["weak"])
    assert weak > detected.min()
    with rasterio.open(written_path(str(params["OUTPUT"]))) as src:
        classes = src.read(1)
    anomalous = np.count_nonzero((classes >= 1) & (classes != 255))
    assert anomalous == np.count_nonzero(cu >= weak) < detected.size


CASES += [
    Case(
        "70 % of the cells at the detection-limit substitute, C-A",
        "anomalies",
        _set(INPUT_RASTER="cu_below_detection_70", METHOD=1),
        warning=r"Cu: weak [\d.]+, .*curve from [\d.]+, above the 70 % of the cells at 2\.5 \(one value: a "
        r"detection-limit substitute\?\)",
        check=ca_levels_above_the_substitute,
    ),  # before: "Cu: weak 3.126, …": a level just above the substitute, every detected cell (30 %) anomalous
]

CASES += [
    Case(
        "one element in three units, CLR index",
        "anomalies",
        _set(INPUT_RASTER="cu_three_units", INDEX_METHOD=1),
        error=r"^INDEX_METHOD: the centred log-ratios of Cu_ppm, Cu_pct, Cu_ppb do not vary: the element bands "
        r"\(Cu_ppm, Cu_pct, Cu_ppb\) are proportional to one another \(copies, or one band a multiple of another, "
        r"such as one element in ppm and in %\), so every cell holds the same composition and the CLR index has "
        r"nothing to rank\. Use INDEX_METHOD zscore \(or pca\), or leave the copies out of ELEMENT_BANDS\.",
    ),  # before: ran; levels and 36 anomaly areas drawn on the index's rounding (its values within 1e-14 of 0), and
    # a warning per band that it is "nearly constant (levelled flat, or only analytical noise)"
]


def tukey_fences_as_numpy(params: Dict[str, object]) -> None:
    """The Tukey levels are numpy's Q3 + 1.5, 2.25 and 3 IQR of the log10 values (rasterio's read), the substitute's
    cells included: the weak fence lies above the band's highest value, so no cell of Cu is anomalous, which the
    warning explains."""
    import csv

    import rasterio

    with rasterio.open(str(params["INPUT_RASTER"])) as src:
        cu = src.read(1, masked=True).astype(float).compressed()
    q1, q3 = np.percentile(np.log10(cu), [25, 75])
    assert q1 == np.log10(2.5)  # the lower quartile is the substitute
    fences = 10 ** (q3 + np.array([1.5, 2.25, 3.0]) * (q3 - q1))
    with open(written_path(str(params["OUTPUT_TABLE"])), newline="", encoding="utf-8") as handle:
        row = next(r for r in csv.DictReader(handle) if r["element"] == "Cu")
    np.testing.assert_allclose([float(row[k]) for k in ("weak", "moderate", "strong")], fences, rtol=1e-5)
    assert fences[0] > cu.max()
    with rasterio.open(written_path(str(params["OUTPUT"]))) as src:
        assert not np.any(src.read(1) == 1)


CASES += [
    Case(
        "70 % of the cells at the detection-limit substitute, Tukey fences",
        "anomalies",
        _set(INPUT_RASTER="cu_below_detection_70", METHOD=4),
        warning=r"METHOD: 70 % of the cells of 'Cu' hold its lowest value, 2\.5 \(values below detection set to one "
        r"number, or a fill\), and the Tukey fence levels \(weak [\d.]+, moderate [\d.e+]+, strong [\d.e+]+\) are "
        r"computed over them: they measure the step from that value to the others, not the upper tail where the "
        r"anomalies are\. Use METHOD percentile, or ca \(its curve starts above such a value\)\.",
        check=tukey_fences_as_numpy,
    ),  # before: “Cu: weak 5280, …” above the band's highest value (502), no cell anomalous, without a word
]

CASES += [
    Case(
        "element with four values, kriged",
        "interpolate",
        _set(INPUT="samples_au_four", FIELDS=["Au"], METHOD=1),
        error=r"^FIELDS: field 'Au': too few lags with sample pairs to fit a variogram: (no two samples lie within its "
        r"largest lag|the \d pairs? of samples within its largest lag fall in \d distance class\(es\)).*, and a fit "
        r"needs 3; add samples, or interpolate the field with METHOD idw\.",
    ),  # before: "FIELDS: field 'Au': too few lags with sample pairs to fit a variogram; add samples.": the way on
    # with the four samples there are (IDW) unsaid
]

CASES += [
    Case(
        "kriging a traverse with a gaussian variogram and no nugget",
        "interpolate",
        _set(
            INPUT="samples_traverse",
            FIELDS=["Cu"],
            METHOD=1,
            NEIGHBORS=0,
            LOG_TRANSFORM=False,
            TRANSFORM=1,
            VARIOGRAM_MODEL=3,
            VARIOGRAM_NUGGET=0,
            VARIOGRAM_SILL=50,
            VARIOGRAM_RANGE=4000,
        ),
        error=r"^VARIOGRAM_NUGGET: field 'Cu': the kriging system is numerically singular \(condition number "
        r"[\d.]+e\+1[2-9] among "
        r"neighbouring samples\): the gaussian variogram \(nugget 0 % of the sill, range 4,000 m\) makes samples well "
        r"inside its range almost copies of one another, and the kriging weights come out as rounding noise "
        r"\(estimates far outside the samples' values\)\. Give a nugget \(VARIOGRAM_NUGGET, e\.g\. 1 % of the sill: "
        r"0\.5\), or choose VARIOGRAM_MODEL spherical or exponential, or METHOD idw\.",
    ),  # before: ran and wrote Cu up to 1,185,553 ppm from samples of 40-60 (PyKrige's own solve of the same system:
    # -1,975,427 to 16,346), with only "cross-validates much worse than IDW" and "cells raised to the smallest value"
]

CASES += [
    Case(
        "band of three values, anomalies outlined at the moderate level",
        "anomalies",
        _set(INPUT_RASTER="cu_three_values", AREA_LEVEL=1),
        warning=r"AREA_LEVEL: the index has no moderate level \(percentiles 85/95/98; moderate, strong equal to the weak "
        r"level [\d.]+, which 20 % of the cells hold \(many equal values\): undefined\), so OUTPUT_ANOMALIES is empty; "
        r"outline at the weak level \(AREA_LEVEL\)\.",
    ),  # before: the areas outlined at a moderate level equal to the weak one (the 20 % of the cells at 3), as if
    # they were the cores of larger weak areas
]


def high_value_samples_keep_their_fields(params: Dict[str, object]) -> None:
    """Every listed sample carries its own fields, those of the input sample at the same place (sample number, the
    laboratory number as a whole number, the date, the fields named like the table's ``level`` and the GeoPackage's
    ``geom`` as ``sample_Level`` and ``sample_geom``), beside the table's own columns."""
    import geopandas as gpd
    from osgeo import ogr

    listed = gpd.read_file(written_path(str(params["OUTPUT_POINTS"])))
    samples = gpd.read_file(str(params["INPUT"]))
    assert len(listed) >= 5
    for column in ("sample_no", "lab_no", "taken", "sample_Level", "Cu", "level", "elements"):
        assert column in listed.columns, (column, list(listed.columns))
    by_place = {(round(p.x, 3), round(p.y, 3)): row for p, (_, row) in zip(samples.geometry, samples.iterrows())}
    for point, (_, row) in zip(listed.geometry, listed.iterrows()):
        sample = by_place[(round(point.x, 3), round(point.y, 3))]
        assert row["sample_no"] == sample["sample_no"]
        assert row["sample_Level"] == sample["Level"] and row["sample_geom"] == sample["geom"]
        assert str(row["taken"])[:10] == str(sample["taken"])[:10]
        if sample["lab_no"] is None or sample["lab_no"] != sample["lab_no"]:  # NULL (None or NaN)
            assert row["lab_no"] is None or row["lab_no"] != row["lab_no"]
        else:
            assert int(row["lab_no"]) == int(sample["lab_no"])
    assert listed["lab_no"].isna().sum() == 1  # the NULL of the highest Cu, listed
    dataset = ogr.Open(written_path(str(params["OUTPUT_POINTS"])))  # kept while its layer is read
    definition = dataset.GetLayer(0).GetLayerDefn()
    kind = definition.GetFieldDefn(definition.GetFieldIndex("lab_no")).GetType()
    assert kind in (ogr.OFTInteger, ogr.OFTInteger64), ogr.GetFieldTypeName(kind)  # a number, not 26003.0


CASES += [
    Case(
        "high-value samples with their sample numbers",
        "anomalies",
        lambda d, p: {
            **p,
            "INPUT": d["samples_numbered"],
            "POINTS_LEVEL": 0,
            "OUTPUT_POINTS": os.path.join(os.path.dirname(str(p["OUTPUT"])), "points.gpkg"),
        },
        check=high_value_samples_keep_their_fields,
    ),  # before: the table held only the element values and the levels: no sample number to find a sample by
]


def anomaly_areas_valid(params: Dict[str, object]) -> None:
    """Every ranked anomaly is a valid geometry for GEOS (shapely), as QGIS's overlay tools need it, covers as
    many cells as its ``cells`` says, and the layer has one geometry type (GDAL's OGR reads it as such)."""
    import geopandas as gpd
    from osgeo import ogr
    from shapely.validation import explain_validity

    areas = gpd.read_file(written_path(str(params["OUTPUT_ANOMALIES"])))
    assert len(areas) > 5
    invalid = [explain_validity(g) for g in areas.geometry if not g.is_valid]
    assert not invalid, invalid[:3]
    np.testing.assert_allclose(areas.area, areas["cells"] * PIXEL * PIXEL)
    assert any(len(getattr(g, "geoms", [g])) > 1 for g in areas.geometry)  # areas joined at corners were made
    dataset = ogr.Open(written_path(str(params["OUTPUT_ANOMALIES"])))  # kept while its layer is read
    assert ogr.GeometryTypeToName(dataset.GetLayer(0).GetGeomType()) in ("Polygon", "Multi Polygon")


CASES += [
    Case(
        "anomalies joined at cell corners",
        "anomalies",
        _set(INPUT_RASTER="cu_speckled", MIN_CELLS=1),
        check=anomaly_areas_valid,
    ),  # before: 'Ring Self-intersection' and 'Interior is disconnected' polygons, which QGIS's overlay tools
    # (clip, intersection, zonal statistics) stop on under Processing's default invalid-geometry setting
]


def whole_numbers_stay_whole_in_a_shapefile(params: Dict[str, object]) -> None:
    """The ranked anomalies' whole numbers (area_id, cells, max_class, n_elements, rank) are 32-bit integers in the
    GeoPackage and stay integers of 9 digits in a Shapefile made with GDAL's VectorTranslate (ogr2ogr); a 64-bit
    field became an 18-digit one, which QGIS's Save Features wrote as a decimal number (rank 1.0)."""
    from osgeo import gdal, ogr

    path = written_path(str(params["OUTPUT_ANOMALIES"]))
    shapefile = os.path.join(os.path.dirname(path), "exported", "areas.shp")
    os.makedirs(os.path.dirname(shapefile))
    gdal.VectorTranslate(shapefile, path, format="ESRI Shapefile")
    for copy in (path, shapefile):
        dataset = ogr.Open(copy)  # kept while its layer is read
        definition = dataset.GetLayer(0).GetLayerDefn()
        assert definition.GetFieldCount() > 0
        for name in ("area_id", "cells", "max_class", "n_elements", "rank"):
            kind = definition.GetFieldDefn(definition.GetFieldIndex(name)).GetType()
            assert kind == ogr.OFTInteger, (copy, name, ogr.GetFieldTypeName(kind))


CASES += [
    Case(
        "ranked anomalies exported to a shapefile",
        "anomalies",
        _set(METHOD=0),
        check=whole_numbers_stay_whole_in_a_shapefile,
    ),  # before: Integer64 fields; QGIS's Save Features wrote them to a Shapefile as Real (rank 1.0)
]


# ---- every number a geologist reads, against an independent computation (sweep 14a) ------------------------------
def provenance_names_every_learner(params: Dict[str, object]) -> None:
    """The report's provenance names every learner compared (LEARNERS given as two options), the learners of the
    table: read with Python's HTML parser and the csv module, not the plugin's own writer."""
    import csv
    from html.parser import HTMLParser

    class Rows(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.rows: Dict[str, str] = {}
            self._cell: Optional[str] = None
            self._key = ""
            self._text: List[str] = []

        def handle_starttag(self, tag, attrs) -> None:
            if tag in ("th", "td"):
                self._cell, self._text = tag, []
            elif tag == "br" and self._cell:
                self._text.append("\n")

        def handle_endtag(self, tag) -> None:
            if tag == "th" and self._cell == "th":
                self._key = "".join(self._text).strip()
            elif tag == "td" and self._cell == "td" and self._key:
                self.rows.setdefault(self._key, "".join(self._text).strip())
            if tag in ("th", "td"):
                self._cell = None

        def handle_data(self, data) -> None:
            if self._cell:
                self._text.append(data)

    with open(written_path(str(params["OUTPUT_TABLE"])), newline="", encoding="utf-8") as handle:
        # the classic learners in the table (the best band and the CNN always run, and are no LEARNERS option)
        compared = {r["learner"] for r in csv.DictReader(handle)} & {
            "random_forest",
            "gradient_boosting",
            "logistic",
            "woe",
        }
    parser = Rows()
    with open(str(params["OUTPUT_REPORT"]), encoding="utf-8") as handle:
        parser.feed(handle.read())
    recorded = set(parser.rows["LEARNERS"].split("\n"))
    assert compared == {"logistic", "woe"}, compared
    assert recorded == compared, (recorded, compared)


CASES += [
    Case(
        "two learners chosen (provenance names both)",
        "comparemodels",
        _set(LEARNERS=[2, 3]),
        check=provenance_names_every_learner,
    ),  # before: the report's provenance (and a retrained model's) recorded LEARNERS 'logistic' alone: the first
    # option chosen (parameterAsEnum), though the table compares logistic regression and weights of evidence
]


def held_back_cells_unlabelled_at_confidence(params: Dict[str, object]) -> None:
    """The cells the warning counts are there: rasterio's read of the outputs holds unlabelled cells (nodata in
    OUTPUT) whose OUTPUT_CONFIDENCE is at CONFIDENCE (0.9) or more, as many as the warning says (153) or more (the
    count also holds barren scores inside NEGATIVE_BUFFER, which the warning leaves out: never labelled barren)."""
    import rasterio

    with rasterio.open(written_path(str(params["OUTPUT"]))) as src:
        unlabelled = np.ma.getmaskarray(src.read(1, masked=True))
    with rasterio.open(written_path(str(params["OUTPUT_CONFIDENCE"]))) as src:
        confidence = src.read(1, masked=True).filled(np.nan)
    assert int(np.sum(unlabelled & (confidence >= 0.9))) >= 153


CASES += [
    Case(
        "self-training stopped by its rounds",
        "pseudolabel",
        _set(METHOD=2, ITERATIONS=2),
        warning=r"ITERATIONS: after the last of 2 self-training rounds the fit still scores 153 unlabelled cells "
        r"\(10 % of the valid cells\) at CONFIDENCE \(0\.9\) or more \(153 mineralised\); the growth limit \(a class "
        r"grows at most 50 % a round\) left them unlabelled, so the labels stop where the rounds ran out, not where "
        r"the evidence does, and OUTPUT_CONFIDENCE shows those cells at or above CONFIDENCE\. More ITERATIONS would "
        r"label them; if that is more ground than ore underlies, raise CONFIDENCE or try another METHOD instead\.",
        check=held_back_cells_unlabelled_at_confidence,
    ),  # before: no word; the summary said only how many cells each round labelled, while 153 unlabelled cells
    # showed 0.9 or more in OUTPUT_CONFIDENCE (on the Lapland demo 12,404, against 849 labelled mineralised)
]


def balanced_counts_are_the_label_rasters(params: Dict[str, object]) -> None:
    """The counts the warning gives (27 mineralised of 196 training cells) are the matrix's label raster's,
    counted by numpy on rasterio's read (cells labelled 1 and 0 with both bands valid); and the map stands above
    what a probability would be there: scikit-learn's unweighted logistic regression on the same cells (fitted
    here) averages the mineralised share over them, the map more than 1.2 times that."""
    import rasterio
    from sklearn.linear_model import LogisticRegression

    raster = str(params["INPUT_RASTERS"][0])  # type: ignore[index]
    with rasterio.open(raster) as src:
        bands = src.read(masked=True)
    with rasterio.open(os.path.join(os.path.dirname(raster), "labels.tif")) as src:
        labels = src.read(1, masked=True).filled(-1)
    usable = (labels >= 0) & ~np.ma.getmaskarray(bands).any(axis=0)
    y = (labels[usable] >= 1).astype(int)
    assert (int(y.sum()), int(y.size)) == (27, 196)
    x = np.column_stack([b[usable] for b in bands.filled(np.nan)]).astype(np.float64)
    reference = LogisticRegression(C=1e6, max_iter=5000).fit((x - x.mean(0)) / x.std(0), y)
    assert abs(reference.predict_proba((x - x.mean(0)) / x.std(0))[:, 1].mean() - y.mean()) < 1e-3
    with rasterio.open(written_path(str(params["OUTPUT"]))) as src:
        prob = src.read(1, masked=True).filled(np.nan)
    assert np.mean(prob[usable]) > 1.2 * y.mean()


CASES += [
    Case(
        "class-balanced model read as a probability",
        "predict",
        lambda d, p: {  # a classic model has no uncertainty raster
            k: v
            for k, v in _set(MODEL="model_unnamed_bands", INPUT_RASTERS=["raster_no_descriptions"], MC_SAMPLES=0)(
                d, p
            ).items()
            if k != "OUTPUT_UNCERTAINTY"
        },
        warning=r"OUTPUT: the logistic regression was trained with both classes weighted to the same total, as if half the "
        r"ground were mineralised \(27 of its 196 training cells, 13\.8 %, were\), so its values overstate the chance "
        r"of mineralisation, though they rank the cells as they should\. Read the map by its rank \(OUTPUT_RANK: the "
        r"top 1 / 5 / 10 % of the area\) or OUTPUT_CLASSES, not as a probability\.",
        check=balanced_counts_are_the_label_rasters,
    ),  # before: no word; the map, a 'probability of the mineralised class', averaged 0.18 over cells of which 13.8 %
    # are mineralised (on the Lapland demo's labels 0.28 over the study area, 2.1 % of the training cells mineralised)
]


def report_states_the_balanced_weights(params: Dict[str, object]) -> None:
    """The report lists the label raster's classes as numpy counts them on rasterio's read (27 mineralised and 169
    barren cells, weight 1 each without CONFIDENCE), and says the fit weighted each class to half their total, 98."""
    import rasterio

    with rasterio.open(str(params["INPUT_RASTERS"][0])) as src:  # type: ignore[index]
        bands = src.read(masked=True)
    with rasterio.open(str(params["LABELS"])) as src:
        labels = src.read(1, masked=True).filled(-1)
    usable = (labels >= 0) & ~np.ma.getmaskarray(bands).any(axis=0)
    mineralised = int(np.sum(usable & (labels >= 1)))
    assert (mineralised, int(usable.sum()) - mineralised) == (27, 169)
    with open(str(params["OUTPUT_REPORT"]), encoding="utf-8") as handle:
        page = handle.read()
    assert f"the fit weighted both classes to the same total, {usable.sum() / 2:,.1f} each" in page
    assert "the intercept is not the training cells' log-odds" in page


CASES += [
    Case(
        "report of a class-balanced fit",
        "trainmodel",
        lambda d, p: p,
        check=report_states_the_balanced_weights,
    ),  # before: the report listed 'weight, mineralised 27, weight, barren 169' and the intercept as the log-odds
    # of mineralisation, though the fit weighted both classes to 98 (as if half the ground were mineralised)
]


def left_out_cnn_names_only_comparemodels_settings(params: Dict[str, object]) -> None:
    """The report's 'Left out' line for the CNN gives advice in comparemodels' own settings: not traincnn's
    BLOCK_SIZE or validation method, which comparemodels does not have (its CNNs validate on automatic blocks)."""
    with open(str(params["OUTPUT_REPORT"]), encoding="utf-8") as handle:
        page = handle.read()
    left_out = page[page.index("Left out") : page.index("Pooled over folds")]
    assert "could not be trained on fold" in left_out
    assert "BLOCK_SIZE" not in left_out and "validation method" not in left_out
    assert "more deposits (FOLDS is 2 already)" in left_out


# sweep 15b: the documentation and the messages tell the truth
CASES += [
    Case(
        "CNN left out: too few deposits in a fold",
        "comparemodels",
        lambda d, p: p,
        warning=r"CNN, positive-unlabelled left out of the comparison: could not be trained on fold 0's 1 training "
        r"deposit\(s\) \(could not split the labels in space so that every class is in both the training and the "
        r"validation part \(4 block\(s\) of 20 x 20 cells; training cells within 4 cells of a validation cell are "
        r"left out, so that no training window overlaps a validation one\)\); more deposits \(FOLDS is 2 already\), "
        r"a coarser grid, or a smaller PATCH_SIZE or COARSE_VIEW \(the CNN's validation blocks grow with its window\) "
        r"gives each fold more labelled cells",
        check=left_out_cnn_names_only_comparemodels_settings,
    ),  # before: "… (…; add labels, use smaller blocks (BLOCK_SIZE), a smaller PATCH_SIZE or COARSE_VIEW …, or change
    # the validation method.); a coarser grid or fewer folds …": BLOCK_SIZE and the validation method are traincnn's,
    # and FOLDS was already at its fewest
]


def idw_of_the_sites_geometric_means(params: Dict[str, object]) -> None:
    """The Cu band equals a brute-force IDW (log10) of one value per site, the geometric mean of the samples there
    (scipy's gmean): field duplicates averaged on the logarithms the band is gridded on, not on raw values."""
    import geopandas as gpd
    from scipy.stats import gmean

    frame = gpd.read_file(str(params["INPUT"]))
    places = np.column_stack([frame.geometry.x, frame.geometry.y])
    sites, which = np.unique(places, axis=0, return_inverse=True)
    cu = frame["Cu"].to_numpy(dtype=float)
    means = np.array([gmean(cu[which.ravel() == k]) for k in range(len(sites))])
    assert len(sites) == 36 and len(frame) == 42
    _assert_brute_force_idw(params, sites, means)


CASES += [
    Case(
        "field duplicates far apart, gridded on logs",
        "interpolate",
        _set(INPUT="samples_field_duplicates", FIELDS=["Cu", "Pb"]),
        warning=r"INPUT: the 42 samples lie at 36 sites: samples sharing a site \(field duplicates, repeated "
        r"analyses\) were averaged, one value per field and site: Cu, Pb on log values \(the geometric mean, as they "
        r"are gridded on logarithms: 10 and 1000 give 100, not 505\)\.",
        check=idw_of_the_sites_geometric_means,
    ),  # before: averaged on raw values (a sample and its duplicate at 100 times it gave 50.5 times the sample,
    # not 10 times), then gridded on logs: six false highs; the warning did not say how
]


def overlapping_sheets_counted_once(params: Dict[str, object]) -> None:
    """`faults_sheets`: the stretch two map sheets share counts once, as in the union of the three faults."""
    from shapely.geometry import LineString

    _density_and_crossings_of(params, "faults_sheets", [LineString(c) for c in _SWEEP15A_FAULTS], 3)


CASES += [
    Case(
        "a fault on two overlapping map sheets",
        "evidence",
        _set(LINES=["faults_sheets"], DENSITY_RADIUS=1000),
        warning=r"LINES: 1 segment\(s\) of 'faults_sheets' share part of their length with another on one line \(the "
        r"same fault twice, as merged map sheets or a copy pasted twice leave them\): each is counted once in the "
        r"density and the intersections\.",
        check=overlapping_sheets_counted_once,
    ),  # before: ran without a word; the 2.5 km the two sheets share counted twice in the density (up to 0.63
    # km/km² too high), and the ends of the shared stretch read as two intersections of lines
]
CASES += [
    Case(
        "one traverse across a square extent",
        "interpolate",
        _set(
            INPUT="samples_traverse", FIELDS=["Cu"], PIXEL_SIZE=250, EXTENT="400000,410000,7500000,7510000 [EPSG:3067]"
        ),
        warning=r"INPUT: the 25 samples lie on one line \(9000 m long, 0 m wide: a traverse along a road or a "
        r"stream\), and the grid reaches 4889 m from the nearest of them \(13 times their spacing along the line, "
        r"375 m\): the raster fills the ground on either side with values drawn out from the line, which no sample "
        r"supports\. Give a MASK of the ground the line stands for \(e\.g\. the traverse buffered by 1125 m: Vector › "
        r"Geoprocessing Tools › Buffer\), a smaller EXTENT along the line, or MAX_DISTANCE \(e\.g\. 1125\) to leave "
        r"the cells farther off nodata\.",
    ),  # before: ran without a word: 27 % of the cells lie beyond 3 times the local 5th-neighbour spacing (1,125 m),
    # under the gap warning's third, so 10 km x 10 km were gridded from one line of samples, corners 4.9 km from it
]


# sweep 16a: what sweep 15 noted and left
def _normal_score_idw_by_hand(params: Dict[str, object], sxy: np.ndarray, values: np.ndarray) -> None:
    """The written grid equals a brute-force IDW (8 nearest, power 2) of the normal scores of ``values`` (Hazen's
    plotting positions of scipy's ranks through scipy's normal quantile), taken back through their (score, value)
    table with np.interp."""
    import rasterio
    from scipy.stats import norm, rankdata

    scores = norm.ppf((rankdata(values) - 0.5) / len(values))
    with rasterio.open(str(params["OUTPUT"])) as src:
        grid, t = src.read(1), src.transform
    rows, cols = np.mgrid[0 : grid.shape[0], 0 : grid.shape[1]]
    cx, cy = t.c + (cols.ravel() + 0.5) * t.a, t.f + (rows.ravel() + 0.5) * t.e
    d = np.hypot(sxy[None, :, 0] - cx[:, None], sxy[None, :, 1] - cy[:, None])
    near = np.argsort(d, axis=1)[:, :8]
    w = 1.0 / np.take_along_axis(d, near, axis=1) ** 2
    order = np.argsort(scores)
    expected = np.interp((w * scores[near]).sum(axis=1) / w.sum(axis=1), scores[order], values[order])
    np.testing.assert_allclose(grid.ravel(), expected, rtol=1e-5)


def idw_of_the_sites_mean_normal_scores(params: Dict[str, object]) -> None:
    """The Cu band equals a brute-force IDW of normal scores of one value per site: the mean of the normal scores of
    the site's samples (all 42 ranked), taken back to a value through their (score, value) table; not the raw
    mean, which ranks a site of a sample and its duplicate at 100 times it near the top."""
    import geopandas as gpd
    from scipy.stats import norm, rankdata

    frame = gpd.read_file(str(params["INPUT"]))
    places = np.column_stack([frame.geometry.x, frame.geometry.y])
    sites, which = np.unique(places, axis=0, return_inverse=True)
    which = which.ravel()
    cu = frame["Cu"].to_numpy(dtype=float)
    scores = norm.ppf((rankdata(cu) - 0.5) / len(cu))
    order = np.argsort(scores)
    means = np.interp([scores[which == k].mean() for k in range(len(sites))], scores[order], cu[order])
    assert len(sites) == 36 and len(frame) == 42
    _normal_score_idw_by_hand(params, sites, means)


CASES += [
    Case(
        "field duplicates far apart, gridded on normal scores",
        "interpolate",
        _set(INPUT="samples_field_duplicates", FIELDS=["Cu", "Pb"], TRANSFORM=2),
        warning=r"INPUT: the 42 samples lie at 36 sites: samples sharing a site \(field duplicates, repeated "
        r"analyses\) were averaged, one value per field and site: Cu, Pb on normal scores \(as they are gridded on "
        r"them: the mean of the samples' scores, taken back to the value of that score, so a site ranks where its "
        r"samples rank together",
        check=idw_of_the_sites_mean_normal_scores,
    ),  # before: "… one value per field and site: Cu, Pb on their values.": a sample and its duplicate at 100 times
    # it averaged to 50.5 times the sample, which ranked each of the six sites among the highest and gridded them as
    # six highs
]


def redrawn_fault_counted_once(params: Dict[str, object]) -> None:
    """`faults_digitised_twice`: the density band is the length of shapely's unary_union of the four distinct faults
    (the redrawn copy left out; the parallel fault 300 m off kept) within each cell's circle, per km², and the
    intersection band the distance to their five crossing points alone (the copy's two crossings of the original
    are no intersections; the parallel pair never meets)."""
    from shapely.geometry import LineString

    lines = [LineString(c) for c in [*_SWEEP15A_FAULTS, _SWEEP16A_PARALLEL]]
    assert LineString(_SWEEP16A_REDRAWN).hausdorff_distance(lines[0]) <= 15.0 + 1e-6
    assert abs(lines[3].distance(lines[0]) - 300.0) < 1e-6
    _density_and_crossings_of(params, "faults_digitised_twice", lines, 3, crossings_expected=5, start=1)


CASES += [
    Case(
        "a fault digitised twice 15 m apart",
        "evidence",
        _set(LINES=["faults_digitised_twice"], DENSITY_RADIUS=1000),
        warning=r"LINES: 1 feature\(s\) of 'faults_digitised_twice' run within 25 m \(a tenth of a cell\) of an earlier "
        r"one over 12,380 m in all \(one fault digitised twice a few metres apart, as two compilations or map "
        r"sheets leave it\): those stretches are counted once in the density and the intersections\. Lines a cell "
        r"\(250 m\) or more apart count as two; to keep closer ones apart, use smaller cells \(PIXEL_SIZE, or a finer "
        r"raster\)\.",
        check=redrawn_fault_counted_once,
    ),  # before: ran without a word; the redrawn copy's 12.4 km counted twice in the density (up to 0.64 km/km² too
    # high along the fault) and its two crossings of the original read as intersections of faults
]


# sweep 17a: what sweep 16 noted and left
def copy_in_pieces_counted_once(params: Dict[str, object]) -> None:
    """`faults_copy_in_pieces`: the density band is the length of shapely's unary_union of the three distinct
    faults within each cell's circle, per km², and the intersection band the distance to their three crossings
    alone: the copy's 20 pieces, each within 15 m of the first fault (inside shapely's buffer) and each shorter
    than three cells, are left out together."""

    _pieces_counted_once(params, "faults_copy_in_pieces", _sweep17a_copy_in_pieces())


def _pieces_counted_once(params: Dict[str, object], layer: str, pieces: List[List[tuple]], moved: float = 0.01) -> None:
    """Every one of ``pieces`` lies within 15 m of the first matrix fault (shapely's buffer) and is under three cells
    long, and ``layer``'s density and intersection bands are those of the three distinct faults
    (:func:`_density_and_crossings_of`, the crossings within ``moved``)."""
    from shapely.geometry import LineString

    lines = [LineString(c) for c in _SWEEP15A_FAULTS]
    zone = lines[0].buffer(15.0 + 1e-6, 256)
    assert all(LineString(p).within(zone) and LineString(p).length < 3 * PIXEL for p in pieces)
    _density_and_crossings_of(params, layer, lines, 3, crossings_expected=3, start=1, moved=moved)


CASES += [
    Case(
        "a fault digitised twice, the copy in 20 short pieces",
        "evidence",
        _set(LINES=["faults_copy_in_pieces"], DENSITY_RADIUS=1000),
        warning=r"LINES: 20 feature\(s\) of 'faults_copy_in_pieces' run within 25 m \(a tenth of a cell\) of an "
        r"earlier one over 12,3\d\d m in all \(one fault digitised twice",
        check=copy_in_pieces_counted_once,
    ),  # before: ran without a word; each piece of the copy is under three cells long, so none was found: the
    # fault's 12.4 km counted twice in the density and the copy's crossings of it and of the two other faults read
    # as intersections
]


CASES += [
    Case(
        "a field name with a right-to-left override (U+202E)",
        "interpolate",
        _set(INPUT="samples_bidi_names", FIELDS=[BIDI_CU]),
        # the override shown as the six characters \u202e (qgis_process's JSON log doubles the backslash)
        warning=r"Reading 36 samples, fields: Cu\\{1,2}u202e\(mpp\)",
    ),  # before: the log line held the override itself, so a terminal showed "Reading 36 samples, fields: Cu)ppm("
    # and every name after it reversed
    Case(
        "a text field whose name holds a right-to-left override (U+202E)",
        "interpolate",
        _set(INPUT="samples_bidi_names", FIELDS=[BIDI_TEXT]),
        error=r"^FIELDS: field 'Pb\\u202e' has no numeric values \(of 36, 36 of them not analysed, e\.g\. 'n\.d\.'\); "
        r"choose an element field\.$",
    ),  # before: "FIELDS: field 'Pb<U+202E>' has no …": the rest of the refusal, its advice included, ran backwards
]


def traverse_grid_at_its_spacing(params: Dict[str, object]) -> None:
    """The automatic cells are a quarter of the samples' spacing along their line (250 m: 62 m), and the reach the
    warning quotes (2137 m) is the brute-force largest distance from a cell centre of the written raster to its
    nearest sample."""
    import geopandas as gpd
    import rasterio

    frame = gpd.read_file(str(params["INPUT"]))
    sxy = np.column_stack([frame.geometry.x, frame.geometry.y])
    with rasterio.open(str(params["OUTPUT"])) as src:
        assert src.res == (62.0, 62.0), src.res
        x, y = _cell_centres(src)
    nearest = np.min(np.hypot(x.ravel()[:, None] - sxy[None, :, 0], y.ravel()[:, None] - sxy[None, :, 1]), axis=1)
    assert round(float(nearest.max())) == 2137, nearest.max()


_TRAVERSE_WARNING = (
    r"INPUT: the 121 samples lie on one line \(30,000 m long, 0 m wide: a traverse along a road or a stream\), and "
    r"the grid reaches 2137 m from the nearest of them \(9 times their spacing along the line, 250 m\): the raster "
    r"fills the ground on either side with values drawn out from the line, which no sample supports\. Give a MASK "
    r"of the ground the line stands for \(e\.g\. the traverse buffered by 750 m: Vector › Geoprocessing Tools › "
    r"Buffer\), a smaller EXTENT along the line, or MAX_DISTANCE \(e\.g\. 750\) to leave the cells farther off "
    r"nodata\."
)
CASES += [
    Case(
        "one east-west traverse, default extent",
        "interpolate",
        _set(INPUT="samples_traverse_east_west", FIELDS=["Cu"], PIXEL_SIZE=0),
        warning=_TRAVERSE_WARNING,
        check=traverse_grid_at_its_spacing,
    ),  # before: ran without a word on 144 x 14 cells of 230 m ('a quarter of the sample spacing (904.5 m: the area
    # of the samples' outline per sample)', the padded box's area: the samples are 250 m apart), reaching 2.2 km
    # from the line: the warning counted only cells inside the samples' box, which has no height
    Case(
        "one north-south traverse, default extent",
        "interpolate",
        _set(INPUT="samples_traverse_north_south", FIELDS=["Cu"], PIXEL_SIZE=0),
        warning=_TRAVERSE_WARNING,
        check=traverse_grid_at_its_spacing,
    ),  # before: as the east-west one, on 14 x 144 cells
]


def contours_carry_their_units(params: Dict[str, object]) -> None:
    """Every contour line's `unit` is its element band's unit as GDAL reads it (GetUnitType), none for the index;
    the levels are those of the thresholds table."""
    import csv

    import geopandas as gpd
    from osgeo import gdal

    dataset = gdal.Open(str(params["INPUT_RASTER"]))
    units = {dataset.GetRasterBand(i).GetDescription(): dataset.GetRasterBand(i).GetUnitType() for i in (1, 2)}
    dataset = None
    assert units == {"Cu": "ppm", "Pb": "ppb"}
    lines = gpd.read_file(str(params["OUTPUT_CONTOURS"]))
    assert list(lines.columns) == ["element", "level", "value", "unit", "geometry"], list(lines.columns)
    assert set(lines["element"]) == {"Cu", "Pb", "index"}
    for element, unit in zip(lines["element"], lines["unit"]):
        assert (unit or "") == {**units, "index": ""}[element], (element, unit)
    with open(str(params["OUTPUT_TABLE"]), newline="", encoding="utf-8") as handle:
        table = {row["element"]: row["unit"] for row in csv.DictReader(handle)}
    assert table == {**units, "index": ""}


CASES += [
    Case(
        "contour lines of bands with units",
        "anomalies",
        _set(INPUT_RASTER="elements_with_units"),
        check=contours_carry_their_units,
    ),  # before: the contour lines had element, level and value only: a value of 60.58 read as ppm or ppb alike
]


def cv_table_ranges_in_metres(params: Dict[str, object]) -> None:
    """Every kriging row of the cross-validation table gives its variogram's range in metres (the samples' CRS,
    EPSG:3067), as the log does: 'range 1,234 m', not 'range 1,234'."""
    import csv
    import re

    with open(str(params["OUTPUT_CV"]), newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["method"] == "ordinary kriging"]
    assert rows
    for row in rows:
        assert re.search(r", range [\d,.]+ m( \(|\s+k=)", row["settings"]), row["settings"]


CASES += [
    Case(
        "cross-validation table's variogram ranges",
        "interpolate",
        lambda d, p: {**p, "METHOD": 2, "OUTPUT_CV": os.path.join(os.path.dirname(str(p["OUTPUT"])), "cv.csv")},
        check=cv_table_ranges_in_metres,
    ),  # before: the settings column read 'spherical, nugget 0.1, partial sill 0.3, range 4,321 k=8 transform=log':
    # a range with no unit
]


def spreads_beyond_the_seeds_blocks(params: Dict[str, object]) -> None:
    """Label spreading on ``elements_quarter_cells.tif`` (each feature vector 16 times) labels mineralised cells
    beyond the 250 m blocks that hold a seed (a cell within POSITIVE_RADIUS, 300 m, of a deposit: computed here
    from the deposits' coordinates and rasterio's read of OUTPUT), as at the native 250 m cell (62 cells beyond
    its 12 seeds, 992 fine cells): at least 400 (704); before: none, and 23,164 of the 25,600 cells barren."""
    import geopandas as gpd
    import rasterio

    with rasterio.open(written_path(str(params["OUTPUT"]))) as src:
        labels = src.read(1, masked=True).filled(-1)
        t = src.transform
    deposits = gpd.read_file(str(params["LABELS"]))
    xy = np.column_stack([deposits.geometry.x, deposits.geometry.y])
    rows, cols = np.mgrid[0 : labels.shape[0], 0 : labels.shape[1]]
    cx, cy = t.c + (cols + 0.5) * t.a, t.f + (rows + 0.5) * t.e
    near = (np.hypot(cx[..., None] - xy[:, 0], cy[..., None] - xy[:, 1]) <= 300.0).any(axis=2)
    blocks = near.reshape(SIZE, 4, SIZE, 4).any(axis=(1, 3))
    seeded = np.repeat(np.repeat(blocks, 4, axis=0), 4, axis=1)
    assert int(((labels == 1) & ~seeded).sum()) >= 400
    assert int((labels == 0).sum()) < 0.6 * labels.size


# ---- sweep 17c: parameters in combination and as mistyped, through qgis_process ------------------------------------
CASES += [
    Case(
        "number typed as nan",
        "interpolate",
        _set(POWER="nan"),
        error=r"^POWER: give a number from 0\.1 to 20 \(got 'nan'\)\.",
    ),  # before: "Unexpected error in prospector:interpolate: StopIteration: . Details are in the log; please
    # report it." (QGIS 3.22 compares 'nan' with the limits, every comparison false, and passes it)
    Case(
        "number typed as nan",
        "pseudolabel",
        _set(POSITIVE_RADIUS="nan"),
        error=r"^POSITIVE_RADIUS: give a number of at least 0 \(got 'nan'\)\.",
    ),  # before: ran and wrote every output, the radius recorded as nan
    Case(
        "number typed as nan",
        "traincnn",
        _set(COARSE_VIEW="nan"),
        error=r"^COARSE_VIEW: give a whole number from 0 to \d+ \(got 'nan'\)\.",
    ),  # before: "COARSE_VIEW: … (got -2147483648 x 5)", a number the user never typed
    Case(
        "boolean typed as 'no'",
        "evidence",
        _set(INTERSECTIONS="no"),
        error=r"^INTERSECTIONS: give true or false \(got 'no'\); QGIS reads any other text as true\.",
    ),  # before: ran and wrote the band of distances to the intersections: QGIS reads any text but '', '0' and
    # 'false' as true
    Case(
        "option left empty",
        "interpolate",
        _set(ANISOTROPY=""),
        error=r"^ANISOTROPY: choose one of 0 \(Isotropic\), .* \(got nothing\)\.",
    ),  # before (qgis_process, 'ANISOTROPY='): "… (got 'NULL')", a word the user never typed
]


def index_of_every_element_band(params: Dict[str, object]) -> None:
    """ASSOCIATION_BANDS left empty means what its description says, every element band: the thresholds table's
    index row is the z-scores of Cu and Pb."""
    import csv

    with open(str(params["OUTPUT_TABLE"]), newline="", encoding="utf-8") as handle:
        index = [row for row in csv.DictReader(handle) if row["element"] == "index"]
    assert len(index) == 1 and "Cu" in index[0]["detail"] and "Pb" in index[0]["detail"], index


CASES += [
    Case(
        "evidence at a quarter of its cells",
        "pseudolabel",
        _set(INPUT_RASTERS=["elements_quarter_cells"], METHOD=1),
        check=spreads_beyond_the_seeds_blocks,
    ),  # before: every cell's 10 nearest neighbours were copies of its own values (16 of each): the graph fell
    # into groups of copies and label spreading labelled mineralised only the copies of the seeds' cells (576, none
    # beyond), and barren every other cell outside NEGATIVE_BUFFER (23,164 of 25,600), with confidence 1
    Case(
        "whole number beyond what QGIS reads",
        "trainmodel",
        _set(METHOD=0, MIN_SAMPLES_LEAF="99999999999999999999999"),
        error=(
            r"^MIN_SAMPLES_LEAF: give a whole number of at least 1 \(got '99999999999999999999999'\): QGIS reads whole "
            r"numbers up to 2,147,483,647 only\."
        ),
    ),  # before: "N_ESTIMATORS: trees need n_estimators >= 1, min_samples_leaf >= 1, max_depth >= 0.": another
    # parameter named (QGIS read the number as -2147483648)
    Case(
        "band chooser left empty",
        "anomalies",
        _set(ASSOCIATION_BANDS=""),
        check=index_of_every_element_band,
    ),  # before (qgis_process, 'ASSOCIATION_BANDS='): "ASSOCIATION_BANDS: 'NULL' is not a band number; …", though
    # its description says "empty = all element bands"
]

CASES += [
    Case(
        "output named with a space",
        "trainmodel",
        _set(OUTPUT_MODEL=" "),
        error=r"^OUTPUT_MODEL: the file name ' ' is blank \(spaces only\); give the output a name, e.g\. output_model\.pt\.",
    ),  # before: ran and wrote the model as a file named ' ' in the folder the run started in
]

CASES += [
    Case(
        "layer given as a number",
        "traincnn",
        _set(LABELS="5"),
        error=(
            r"^LABELS: '5' is no file \(nor a layer of the open project\); give the path of an existing raster or "
            r"vector file, e\.g\. a GeoTIFF or a GeoPackage\."
        ),
    ),  # before: QGIS's "Incorrect parameter value for LABELS" (neither what it takes nor what was wrong)
    Case(
        "text file as a raster",
        "evidence",
        _set(CONTINUOUS_RASTERS=["notes_txt"]),
        error=r"^CONTINUOUS_RASTERS: 'notes\.txt' is not a raster file GDAL can open; give one, e\.g\. a GeoTIFF\.",
    ),  # before: QGIS's "Incorrect parameter value for CONTINUOUS_RASTERS"
    Case(
        "output left empty",
        "anomalies",
        _set(OUTPUT_CONTOURS=""),
        error=r"^OUTPUT_CONTOURS: give the output a file name \(got nothing\)\.",
    ),  # before: QGIS's "Incorrect parameter value for OUTPUT_CONTOURS"
]

CASES += [
    Case(
        "vector file among the baselines",
        "evaluate",
        _set(BASELINES=["lithology"]),
        error=(
            r"^BASELINES: 'lithology\.gpkg' is a vector layer, not a raster; give a raster file \(e\.g\. a GeoTIFF\), or "
            r"rasterize the layer first \(Raster › Conversion › Rasterize\)\."
        ),
    ),  # before: "Unexpected error in prospector:evaluate: AttributeError: 'QgsVectorLayer' object has no attribute
    # 'width'" and a traceback (QGIS 3.22's check of a list of rasters passes a vector file)
    Case(
        "vector file among the evidence rasters",
        "traincnn",
        _set(INPUT_RASTERS=["raster", "lithology"]),
        error=r"^INPUT_RASTERS: 'lithology\.gpkg' is a vector layer, not a raster; give a raster file",
    ),  # before: "INPUT_RASTERS: 'lithology' is not a GDAL raster file; save it first." (saving it changes nothing)
]

CASES += [
    Case(
        "key repeated on the command line",
        "anomalies",
        _set(MIN_CELLS=["2", "5"]),
        error=(
            r"^MIN_CELLS: give one value, not 2 \('2', '5'; a key repeated on the command line gives a list\); "
            r"keep one\."
        ),
    ),  # before: QGIS's "Incorrect parameter value for MIN_CELLS"
    Case(
        "key repeated on the command line",
        "traincnn",
        _set(LABELS=["label_raster", "deposits"]),
        error=r"^LABELS: give one value, not 2 \('.*labels\.tif', '.*deposits\.gpkg'; a key repeated",
    ),  # before: QGIS's "Incorrect parameter value for LABELS"
]

CASES += [
    Case(
        "an output named as another's side file",
        "anomalies",
        lambda d, p: {**p, "OUTPUT_TABLE": str(p["OUTPUT"]) + ".aux.xml"},
        error=(
            r"^OUTPUT_TABLE: 'classes\.tif\.aux\.xml' is a side file of OUTPUT \('classes\.tif'\): GDAL would read it "
            r"as that raster's metadata, and writing OUTPUT moves it aside; choose another file name\."
        ),
    ),  # before: ran and wrote the thresholds table (CSV) as classes.tif.aux.xml, which GDAL then reads as the
    # classes raster's metadata
]

CASES += [
    Case(
        "raster among the lines",
        "evidence",
        _set(LINES=["faults", "raster"]),
        error=(
            r"^LINES: 'elements\.tif' is a raster, not a vector layer; give a vector file \(e\.g\. a GeoPackage\), or "
            r"give the raster where rasters go\."
        ),
    ),  # before: "Unexpected error in prospector:evidence: AttributeError: 'QgsRasterLayer' object has no attribute
    # 'wkbType'" and a traceback (QGIS 3.22's check of a list of vector layers passes a raster file)
]

CASES += [
    Case(
        "label spreading's graph too large for memory",
        "pseudolabel",
        _set(INPUT_RASTERS=["national"], METHOD=1, NEIGHBORS=100),
        error=(
            r"^INPUT_RASTERS: pseudo-labelling these rasters \(label_spreading\) needs about [\d,.]+ GiB of memory, "
            r"but only .* give fewer NEIGHBORS \(now 100, about 32 bytes a cell each\), or choose METHOD PU "
            r"bagging, which needs about 1\.8 GiB\."
        ),
    ),  # before: the estimate for every method (64 bytes a cell, 1.8 GiB) let it start; its k-NN graph then
    # needed about 94 GiB (measured: 525 bytes a cell at k 10, 20 bands, 8.2 GiB on 16 M cells)
]


def _without_reference(**changes):
    """Evidence on a grid of its own: no REFERENCE_RASTER (nor the rasters it would bring), ``changes`` set."""

    def change(d: Dict[str, str], p: Dict[str, object]) -> Dict[str, object]:
        return {k: v for k, v in {**p, **changes}.items() if k not in ("REFERENCE_RASTER", "CONTINUOUS_RASTERS")}

    return change


# sweep 18a: cell sizes and ranges typed far too large or too small (1e308, 1e-308, 5e-324: the largest double, a
# tiny one and the smallest subnormal). A cell larger than the whole extent is refused (a one-cell map is a slip of
# the keyboard or of the unit); one a little smaller still runs with the "too few for a map" warning; a grid of more
# cells than a number holds is refused as too large (it raised OverflowError); a variogram range of 1e-308 runs
# as the pure nugget it is, without numpy's overflow warnings in the log.
_TOO_MANY_CELLS = (
    r"^PIXEL_SIZE: a pixel size of {} over this extent gives more cells than can be counted, more than the "
    r"400,000,000 allowed; use a larger pixel size \(check that the pixel size is in the layer's map units\)\."
)
CASES += [
    Case(
        "pixel size of 1e308",
        "interpolate",
        _set(PIXEL_SIZE=1e308),
        error=r"^PIXEL_SIZE: a pixel size of 1\.000e\+308 m is larger than the whole extent \([\d,]+ x [\d,]+ m\): the "
        r"map would be a single cell\.",
        not_in_log=r"RuntimeWarning",
    ),  # before: ran after the "too few for a map" warning, a 1 x 1 raster, and numpy's "RuntimeWarning: overflow
    # encountered in square" (the cell's centre 5e307 m from every sample) in the log
    Case(
        "pixel size a little under the samples' extent",
        "interpolate",
        _set(PIXEL_SIZE=5000),
        warning=r"PIXEL_SIZE: the grid is only \d x \d cells of 5000 m over [\d,]+ m x [\d,]+ m, too few for a map: "
        r"anomalies and pseudolabel need at least 10 cells\. Use a smaller PIXEL_SIZE",
        not_in_log=r"RuntimeWarning",
    ),  # fine as it was (the warning stays for a cell under the extent's size)
    Case(
        "pixel size of 1e-308",
        "interpolate",
        _set(PIXEL_SIZE=1e-308),
        error=_TOO_MANY_CELLS.format(r"1\.000e-308"),
    ),  # before: "Unexpected error", a traceback (OverflowError: cannot convert float infinity to integer) and
    # numpy's "RuntimeWarning: overflow encountered in scalar divide"
    Case(
        "pixel size of 5e-324",
        "interpolate",
        _set(PIXEL_SIZE=5e-324),
        error=_TOO_MANY_CELLS.format(r"4\.941e-324"),
    ),  # before: as 1e-308
    Case(
        "pixel size of 1e-308, no reference raster",
        "evidence",
        _without_reference(PIXEL_SIZE=1e-308),
        error=_TOO_MANY_CELLS.format(r"1\.000e-308"),
    ),  # before: as interpolate's
    Case(
        "pixel size a little under the extent, no reference raster",
        "evidence",
        _without_reference(PIXEL_SIZE=5000),
        warning=r"PIXEL_SIZE: the grid is only 2 x 2 cells of 5000 m over 10,000 m x 10,000 m, too few for a map",
    ),  # fine as it was
    Case(
        "variogram range of 1e-308",
        "interpolate",
        _set(METHOD=1, VARIOGRAM_MODEL=1, VARIOGRAM_NUGGET=0, VARIOGRAM_SILL=1, VARIOGRAM_RANGE=1e-308),
        warning=r"the variogram of log values \(spherical, range 1\.000e-308 m\) reaches 100 % of its sill",
        not_in_log=r"RuntimeWarning",
    ),  # before: the same map and warnings, and numpy's "RuntimeWarning: overflow encountered in divide" and
    # "invalid value encountered in subtract" in the log
]


def copies_alternating_counted_once(params: Dict[str, object]) -> None:
    """`faults_copies_alternating`: the density band is the length of shapely's unary_union of the three distinct
    faults within each cell's circle, per km², and the intersection band the distance to their three crossings
    (within the 15 m the copy lies off the first fault: where a crossing fault meets the copy's kept half of a
    piece); every piece of either copy lies within 15 m of the first fault (shapely's buffer)."""
    pieces = _sweep18a_copies_alternating()
    assert len(pieces) == 41
    _pieces_counted_once(params, "faults_copies_alternating", pieces, moved=15.0)


# sweep 18a: what sweep 17 noted and left
CASES += [
    Case(
        "a fault digitised twice, both copies in pieces that alternate",
        "evidence",
        _set(LINES=["faults_copies_alternating"], DENSITY_RADIUS=1000),
        warning=r"LINES: 20 feature\(s\) of 'faults_copies_alternating' run within 25 m \(a tenth of a cell\) of an "
        r"earlier one over 12,3\d\d m in all \(one fault digitised twice",
        check=copies_alternating_counted_once,
    ),  # before: ran without a word and nothing was left out (each piece shares under three cells with the other
    # copy's piece before it, and the stretches did not join across the copies): the fault's 12.4 km counted twice in
    # the density (45,062 m of lines kept for the three faults' 32,682 m); with pieces longer than three cells the
    # density was right but the warning counted every piece but the first (40 for two copies of 20, in the core test)
]
CASES += [
    Case(
        "model given as a folder",
        "predict",
        _set(MODEL="model_folder"),
        error=r"^MODEL: '.*model_folder\.pt' is a folder, not a model file; give the \.pt file traincnn or trainmodel "
        r"wrote \(OUTPUT_MODEL\), or train a new model",
    ),  # before: "MODEL: the model file '…/model_folder.pt' does not exist; check the path, …" (it does, as a folder)
]
CASES += [
    Case(
        "model renamed to .zip",
        "predict",
        _set(MODEL="model_renamed_zip"),
        error=r"^MODEL: give a \.pt file, the type this parameter reads \(got '.*model_renamed\.zip'\); it is a zip "
        r"archive, as a model file is: if it is a model renamed on the way \(a mail filter or a download can rename "
        r"\.pt to \.zip\), give it its \.pt name back\.",
    ),  # before: "MODEL: give a .pt file, the type this parameter reads (got '…/model_renamed.zip')."
    Case(
        "model compressed with gzip",
        "predict",
        _set(MODEL="model_gzip"),
        error=r"^MODEL: give a \.pt file, the type this parameter reads \(got '.*model\.pt\.gz'\); it is compressed "
        r"with gzip: unpack it first",
    ),  # before: "MODEL: give a .pt file, the type this parameter reads (got '…/model.pt.gz')."
]


# sweep 19a: every parameter fuzzed alone (scripts/fuzz_parameters.py)
CASES += [
    Case(
        "polygon layer given as lines, its polygons meeting",
        "evidence",
        _set(LINES=["lithology"]),
        warning=r"LINES: layer 'lithology' holds polygons: distances are measured to their outlines",
    ),  # before: "Unexpected error in prospector:evidence: NotImplementedError: Component rings have coordinate
    # sequences, but the polygon does not" and a traceback (the intersections of two or more polygons)
    Case(
        "point layer given as the mask",
        "anomalies",
        _set(MASK="samples"),
        error=r"^MASK: the mask layer holds points, not polygons; a mask is the area to keep: choose a polygon layer",
    ),  # before: ran without a word, 35 of the 1,600 cells kept (those under a sample), no contour written
    Case(
        "line layer given as the mask",
        "evidence",
        _set(MASK="faults"),
        error=r"^MASK: the mask layer holds lines, not polygons; a mask is the area to keep: choose a polygon layer",
    ),  # before: ran without a word, every band nodata but in the 110 of 1,600 cells the faults cross
    Case(
        "confidence raster all nodata",
        "traincnn",
        _set(CONFIDENCE="allnodata"),
        error=r"^CONFIDENCE: 'allnodata' has no cell with a value \(all nodata\), so it would weigh every label alike, "
        r"as no confidence raster does; check its nodata value",
    ),  # before: ran and wrote the model without a word, every label weighed 1 (a nodata confidence counts 1)
    Case(
        "confidence raster without a value at any label",
        "traincnn",
        _set(CONFIDENCE="confidence_off_labels"),
        error=r"^CONFIDENCE: the confidence raster has no value at any of the \d+ labelled cells \(nodata at all of "
        r"them\), so it would weigh every label alike",
    ),  # before: ran and wrote the model without a word, every label weighed 1 (values only where nothing is labelled)
    Case(
        "confidence raster without a value at any label",
        "trainmodel",
        _set(CONFIDENCE="confidence_off_labels"),
        error=r"^CONFIDENCE: the confidence raster has no value at any of the \d+ labelled cells",
    ),  # before: as traincnn
    Case(
        "line layer given as known barren ground",
        "pseudolabel",
        _set(NEGATIVES="faults"),
        error=r"^NEGATIVES: the layer holds lines, but known barren ground is points \(barren drill holes or samples\) "
        r"or polygons",
    ),  # before: ran, every cell the faults cross marked barren; the log said only that 18 known-barren cells lie
    # within NEGATIVE_BUFFER of a positive
    Case(
        "geological map given as known barren ground",
        "pseudolabel",
        _set(NEGATIVES="lithology"),
        error=r"^NEGATIVES: the known barren ground covers every cell outside NEGATIVE_BUFFER, so no unlabelled cell "
        r"is left to learn from",
    ),  # before: "NEGATIVE_BUFFER: no unlabelled cells are left outside NEGATIVE_BUFFER; reduce the buffer."
]

CASES += [
    Case(
        "label spreading on a national grid with a small MASK",
        "pseudolabel",
        _set(INPUT_RASTERS=["national"], METHOD=1, NEIGHBORS=100, MASK="national_study_area"),
        error=r"^INPUT_RASTERS: band\(s\) .* have no value in any cell of the grid \(all nodata\)",
    ),  # not refused for memory: the graph counts at most 4,715 cells (4,356 inside the MASK; 0.6 GiB in all since
    # sweep 21b, 1.8 before), not 30 M (94 GiB, the row above); then refused because national.tif holds no value
]

# sweep 20b: parameters fuzzed in pairs (scripts/fuzz_parameters.py --pairs); no new inputs were needed
CASES += [
    Case(
        "thresholds no cell reaches",
        "anomalies",
        _set(METHOD=3, MULTIPLIERS="100,200,300"),
        warning=r"MULTIPLIERS: no cell of the index reaches its weak level \([\d.]+; the highest cell is [\d.]+\), so "
        r"OUTPUT_ANOMALIES is empty; lower MULTIPLIERS to outline anomalies\.",
    ),  # before: ran and wrote no anomaly area and no contour line without a word; then (until sweep 22a) the
    # advice "(or AREA_LEVEL)", which has no lower level than weak
    Case(
        "tree leaf larger than every fold",
        "comparemodels",
        _set(LEARNERS=[0, 2], MIN_SAMPLES_LEAF=1_000_000),
        warning=r"random forest left out of the comparison: could not be trained on fold 0's 1 training deposit\(s\): "
        r"MIN_SAMPLES_LEAF: 1000000 cells a leaf: .* Use a MIN_SAMPLES_LEAF of at most \d+",
        not_in_log=r"random forest left out of the comparison: .*more deposits \(FOLDS is 2 already\)",
    ),  # before: the reason, then "; more deposits (FOLDS is 2 already), a coarser grid, or a smaller PATCH_SIZE or
    # COARSE_VIEW … gives each fold more labelled cells", advice that does not help
]


def no_direction_hint_from_two_deposits(params: Dict[str, object]) -> None:
    """The AUC is a brute-force AUC of the raster (rasterio's read: each deposit's cell against every valid cell,
    ties half); two random cells average as low as these two more often than 5 % of the time (scipy's triangular
    distribution of the sum of two uniform placements), and the report gives no DIRECTION hint."""
    import csv

    import geopandas as gpd
    import rasterio
    from scipy import stats

    with rasterio.open(str(params["INPUT_RASTER"])) as src:
        values = src.read(1, masked=True).astype(float).filled(np.nan)
        inverse = ~src.transform
    cells = [inverse * (point.x, point.y) for point in gpd.read_file(str(params["DEPOSITS"])).geometry]
    valid = values[np.isfinite(values)]
    at = [values[int(np.floor(row)), int(np.floor(col))] for col, row in cells]
    auc = np.mean([(np.sum(valid < v) + 0.5 * np.sum(valid == v)) / valid.size for v in at])
    with open(written_path(str(params["OUTPUT_TABLE"])), newline="", encoding="utf-8") as handle:
        metrics = {r["name"]: float(r["value"]) for r in csv.DictReader(handle) if r["kind"] == "metric"}
    np.testing.assert_allclose(metrics["auc"], auc, atol=1e-9)
    assert metrics["auc_bootstrap_high"] < 0.5  # the interval of the two units' own values lies below 0.5
    assert stats.triang(c=0.5, loc=0, scale=2).cdf(2 * auc) > 0.05
    with open(str(params["OUTPUT_REPORT"]), encoding="utf-8") as handle:
        assert "DIRECTION" not in handle.read()


def neighbours_linked_into_one_cluster(params: Dict[str, object]) -> None:
    """The deposits on neighbouring cells are one cluster: the report counts the clusters scipy's connected
    components find among the deposits' cells (rasterio's index) linked within 1.5 cells, and the distance used."""
    import geopandas as gpd
    import rasterio
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial.distance import cdist

    with rasterio.open(str(params["INPUT_RASTERS"][0])) as src:
        points = gpd.read_file(str(params["DEPOSITS"])).geometry
        cells = np.array([src.index(p.x, p.y) for p in points], dtype=float)
    clusters, _ = connected_components(cdist(cells, cells) <= 1.5, directed=False)
    assert clusters == 3
    with open(str(params["OUTPUT_REPORT"]), encoding="utf-8") as handle:
        report = handle.read()
    assert f"4 deposits in {clusters} clusters (linked within\n375 m)" in report


# sweep 21a: a district the plugin had not run on (the Kola Project's C-horizon, 605 sites over 188,000 km2, a 5 km
# grid, two test points per smelter area)
CASES += [
    Case(
        "two deposits below the median",
        "evaluate",
        _set(DEPOSITS="deposits_two_below_median"),
        warning=r"DEPOSITS: the 2 deposits used are only 2 independent units \(deposits on distinct cells\): the "
        r"bootstrap draws one of them 2 times in 50 % of its resamples, so the AUC's 95 % interval runs between "
        r"single units' own AUCs, no wider than their spread, and is not a 95 % confidence interval \(at least 4 are "
        r"needed to read it\)\.",
        not_in_log=r"DIRECTION:",
        check=no_direction_hint_from_two_deposits,
    ),  # before: "AUC 0.28 (95 % interval 0.27-0.29), wholly below 0.5 ... the map places them worse than chance"
    Case(
        "deposits on neighbouring cells, CLUSTER_DISTANCE under a cell",
        "comparemodels",
        _set(DEPOSITS="deposits_neighbours", CLUSTER_DISTANCE=100),
        warning=r"CLUSTER_DISTANCE: 100 m is 0\.4 of this grid's 250 m cells, less than the reach of the 3 x 3 cells "
        r"labelled mineralised around each training deposit: deposits within 375 m \(1\.5 cells\) are linked into "
        r"one cluster instead, so that no held-out deposit lies under a training deposit's labels\. Give a larger "
        r"CLUSTER_DISTANCE to link deposits farther apart\.",
        check=neighbours_linked_into_one_cluster,
    ),  # before: 4 clusters; a fold held 'a-east' out under the mineralised window of 'a', a training deposit
]


def band_units_as_given(params: Dict[str, object]) -> None:
    """Each band carries the unit UNITS gives its field (rasterio reads the GeoTIFF's unit types)."""
    import rasterio

    with rasterio.open(written_path(str(params["OUTPUT"]))) as src:
        assert src.descriptions == ("Cu", "Pb") and src.units == ("ppm", "ppb")


CASES += [
    Case(
        "a unit per field",
        "interpolate",
        _set(UNITS="ppm; Pb=ppb"),
        check=band_units_as_given,
    ),  # before: one unit for every band: the Kola gold band (µg/kg) labelled ppm in its legend and thresholds
    Case(
        "UNITS naming a field not chosen",
        "interpolate",
        _set(UNITS="ppm; Ag=ppb"),
        error=r"^UNITS: 'Ag=ppb' names no single field of FIELDS \(Cu, Pb\) with a unit; write one unit for every "
        r"field \('ppm'\), then field=unit pairs for the fields in another, e\.g\. 'ppm; Au=ppb'\.",
    ),
]


# sweep 21b: a raster given where the workflow model takes vector layers. QGIS 3.22's own check of the model's list
# of line layers (faults) passed a raster and loaded it with GDAL's PAM on, so '<raster>.aux.xml' appeared beside it
# (the folder check of every row); the model's check now refuses it, naming the input, before anything is loaded
CASES += [
    Case(
        "raster given as the model's faults",
        "prospectivity_workflow",
        _set(faults=["oneband_21b"]),
        error=r"^faults: 'oneband_21b\.tif' is a raster, not a vector layer; give a vector file \(e\.g\. a GeoPackage\), "
        r"or give the raster where rasters go\.",
    ),  # before: oneband_21b.tif.aux.xml written beside the raster (statistics), and the model ran interpolate and
    # anomalies before its evidence step refused "LINES: 'oneband_21b' is a raster, not a vector layer; …"
    Case(
        "raster given as the model's study area",
        "prospectivity_workflow",
        _set(study_area="oneband_21b"),
        error=r"^study_area: 'oneband_21b\.tif' is a raster, not a vector layer",
    ),  # before: QGIS's "Could not load source layer for study_area: …oneband_21b.tif not found" (nothing written)
]


def _distance_to_the_crossing(params: Dict[str, object]) -> None:
    """The intersection band is the distance from each cell centre to the one point shapely finds where the two
    faults cross (numpy's hypot over the cell centres of rasterio's transform)."""
    import geopandas as gpd
    import rasterio

    lines = list(gpd.read_file(str(params["LINES"][0])).geometry)
    point = lines[0].intersection(lines[1])
    assert point.geom_type == "Point"
    with rasterio.open(written_path(str(params["OUTPUT"]))) as src:
        names = list(src.descriptions)
        band = src.read(names.index("faults_one_crossing:intersection_distance_m") + 1).astype(float)
        rows, cols = np.indices(band.shape)
        xs, ys = rasterio.transform.xy(src.transform, rows.ravel(), cols.ravel())
    expected = np.hypot(np.asarray(xs) - point.x, np.asarray(ys) - point.y).reshape(band.shape)
    np.testing.assert_allclose(band, expected, rtol=1e-6, atol=0.01)


def _no_intersection_band(params: Dict[str, object]) -> None:
    """One fault crosses nothing (shapely): the stack has its distance band and no intersection band."""
    import rasterio

    with rasterio.open(written_path(str(params["OUTPUT"]))) as src:
        names = [n for n in src.descriptions if n and n.startswith("fault_single:")]
    assert names == ["fault_single:distance_m"]


def _one_area_on_one_sample(params: Dict[str, object]) -> None:
    """The ranked areas are scipy's 8-connected components of the index's weak class (the class raster's last band)
    of MIN_CELLS cells or more, and shapely finds one sample in the first hill's area and three in the second's."""
    import geopandas as gpd
    import rasterio
    from scipy import ndimage

    with rasterio.open(written_path(str(params["OUTPUT"]))) as src:
        index_class = src.read(src.count)
    components, n = ndimage.label((index_class >= 1) & (index_class != 255), structure=np.ones((3, 3), dtype=int))
    sizes = np.bincount(components.ravel())[1:]
    areas = gpd.read_file(written_path(str(params["OUTPUT_ANOMALIES"])))
    assert sorted(areas["cells"]) == sorted(int(c) for c in sizes if c >= int(params["MIN_CELLS"]))
    samples = list(gpd.read_file(str(params["INPUT"])).geometry)
    counts = sorted(sum(area.contains(p) for p in samples) for area in areas.geometry)
    assert counts == [1, 3]


def _plateau_out_of_the_curve(params: Dict[str, object]) -> None:
    """The plateau's value (rasterio's read) is held by 19 % of the cells; Cu's weak level in the table is not
    pushed against it from below (the fit over the curve with the plateau put it 0.3 % under the value), and the
    class raster classes the plateau's cells by that value against the table's levels (numpy)."""
    import csv

    import rasterio

    with rasterio.open(str(params["INPUT_RASTER"])) as src:
        cu = src.read(1).astype(float)
    value = float(cu[5, 20])
    assert np.isclose(np.mean(cu == value), 0.1875)
    with open(written_path(str(params["OUTPUT_TABLE"])), newline="", encoding="utf-8") as handle:
        row = next(r for r in csv.DictReader(handle) if r["element"] == "Cu")
    levels = [float(row[k]) if row[k] not in ("", "nan") else np.nan for k in ("weak", "moderate", "strong")]
    assert not 0.99 * value <= levels[0] < value
    with rasterio.open(written_path(str(params["OUTPUT"]))) as src:
        classes = src.read(1)
    expected = sum(int(value >= level) for level in levels if np.isfinite(level))
    assert (classes[cu == value] == expected).all()


# sweep 22b: three findings of the last sweeps (Kola's lines, its 5 km anomalies, 21c's C-A plateau)
CASES += [
    Case(
        "lines crossing at one point",
        "evidence",
        _set(LINES=["faults_one_crossing"]),
        warning=r"LINES: the lines of 'faults_one_crossing' cross or meet at only 1 point \(at \d+, \d+\): "
        r"'faults_one_crossing:intersection_distance_m' is the distance to that point, a bull's-eye .* otherwise drop "
        r"the band \(Raster › Conversion › Translate, keeping the other bands\)",
        check=_distance_to_the_crossing,
    ),  # before: the band written without a word (Kola's borders, one crossing over 540 x 565 km)
    Case(
        "a single fault with INTERSECTIONS",
        "evidence",
        _set(LINES=["fault_single"]),
        warning=r"LINES: the lines of 'fault_single' do not cross or meet one another \(lines continuing each other "
        r"end to end do not count\), so 'fault_single:intersection_distance_m' is left out of the stack",
        check=_no_intersection_band,
    ),  # before: "LINES: the lines of 'fault_single' do not cross: no intersection band."
    Case(
        "an anomaly area on one sample",
        "anomalies",
        _set(INPUT="samples_one_per_hill"),
        warning=r"OUTPUT_ANOMALIES: 1 of the 2 anomaly areas holds a single sample of INPUT or none \(rank [12]\): "
        r"each is the interpolation around one value that no second sample confirms, down to \d+ cells \([\d.]+ "
        r"km²\)\. .* MIN_CELLS \(2\) counts cells, not samples\.",
        check=_one_area_on_one_sample,
    ),  # before: no word (Kola, 5 km cells: 10 of 22 ranked areas on one sample, one ranked 7th)
    Case(
        "a C-A plateau above the median",
        "anomalies",
        _set(INPUT_RASTER="plateau", METHOD=1),
        warning=r"METHOD: 19 % of the cells of 'Cu' hold one value, [\d.]+ \(a fill, an interpolation plateau or a "
        r"value pasted over an area\?\)\. It was left out of the C-A curve",
        check=_plateau_out_of_the_curve,
    ),  # before: a weak level just under the plateau (sweep 21c: 4.992 under 23 % of the cells at 5.0)
]


def units_of_pairs_and_field_names(params: Dict[str, object]) -> None:
    """UNITS 'Au, мг/т=ppb' gives a unit to one field only: the fields whose names state a unit keep it, the one
    without a unit in its name gets none ('' in GDAL's unit type), as read with rasterio."""
    import rasterio

    with rasterio.open(str(params["OUTPUT"])) as src:
        units = list(src.units)
    assert units == ["мг/т", "×10⁻⁹", "10⁻⁶"], units


# review of sweep 21a's UNITS pairs: a pair alone ('Au=ppb') gives the other fields no unit, so a field stating its
# own unit in its name contradicts nothing (it was warned "UNITS says ''"); and a field chosen twice is refused for
# FIELDS, its cause, before UNITS is read (a pair naming the doubled field was refused for UNITS)
CASES += [
    Case(
        "a unit pair alone beside fields stating their units",
        "interpolate",
        _set(INPUT="samples_units_ru_cn", FIELDS=["Au, мг/т", "Au(×10⁻⁹)", "Cu/10⁻⁶"], UNITS="Au, мг/т=мг/т"),
        not_in_log=r"UNITS: the field",
        check=units_of_pairs_and_field_names,
    ),  # before: "UNITS: the field 'Au(×10⁻⁹)' states its unit, ×10⁻⁹, and UNITS says '' …" for two fields
    Case(
        "a field chosen twice, with a unit pair",
        "interpolate",
        _set(FIELDS=["Cu", "Cu"], UNITS="ppm; Cu=ppb"),
        error=r"^FIELDS: Cu is chosen more than once",
    ),  # before: "UNITS: 'Cu=ppb' names no single field of FIELDS (Cu, Cu) …"
]

CASES += [
    Case(
        "sample coordinates in kilometres, CRS in metres",
        "interpolate",
        _set(INPUT="samples_km_in_metre_crs", FIELDS=["Cu"], PIXEL_SIZE=0),
        warning=r"INPUT: the 36 samples lie [\d.]+ m apart on average \(the side of the square each stands for\), "
        r"over [\d.]+ m x [\d.]+ m\. Unless that is a detailed grid, the coordinates may be kilometres \(a local "
        r"grid\) read as metres: then every distance and cell is 1,000 times too small",
    ),  # before: 0.33 m cells over 9 x 9 m without a word (the Jura survey's km grid: 0.057 m cells)
    Case(
        "sample coordinates in kilometres, no CRS",
        "interpolate",
        _set(INPUT="samples_km_no_crs", FIELDS=["Cu"]),
        error=r"^INPUT: the layer has no CRS \('Undefined geographic SRS'\); set its CRS .* Its coordinates span only "
        r"[\d.]+ x [\d.]+ units \(x [\d.]+ to [\d.]+, y [\d.]+ to [\d.]+\): degrees take EPSG:4326 \(then "
        r"reproject it to metres\); kilometres of a local grid must first become metres",
    ),  # before: "set its CRS", and no CRS in metres fits coordinates in km
]


def unsupported_area_columns(params: Dict[str, object]) -> None:
    """The hot block's area holds no sample and its sample_m is the brute-force distance from its nearest cell
    centre to the nearest sample; an area with a sample in it has sample_m 0."""
    import geopandas as gpd

    areas = gpd.read_file(written_path(str(params["OUTPUT_ANOMALIES"])))
    samples = gpd.read_file(str(params["INPUT"]))
    xy = np.column_stack([samples.geometry.x, samples.geometry.y])
    block = areas[areas.geometry.covers(gpd.points_from_xy([X0 + 8 * PIXEL], [Y0 + (SIZE - 20) * PIXEL])[0])]
    assert len(block) == 1, areas
    row = block.iloc[0]
    r, c = np.mgrid[17:23, 5:11]
    centres = np.column_stack([X0 + (c.ravel() + 0.5) * PIXEL, Y0 + (SIZE - r.ravel() - 0.5) * PIXEL])
    brute = np.sqrt(((centres[:, None] - xy[None]) ** 2).sum(axis=2)).min()
    assert row["samples"] == 0 and abs(row["sample_m"] - brute) < 1e-6, (row, brute)
    assert (areas.loc[areas["samples"] > 0, "sample_m"] == 0).all()


CASES += [
    Case(
        "anomaly far from every sample",
        "anomalies",
        lambda d, p: {
            **p,
            "INPUT_RASTER": d["elements_hot_west"],
            "INPUT": d["samples_east"],
            "OUTPUT_POINTS": os.path.join(os.path.dirname(str(p["OUTPUT"])), "points.gpkg"),
        },
        warning=r"OUTPUT_ANOMALIES: 2 of the 3 ranked areas hold no sample and lie farther than the samples' "
        r"spacing \([\d,.]+ m\) from every one: rank 1 \([\d,.]+ m\), rank 2 \([\d,.]+ m\) from the nearest "
        r"sample\. Their values are extrapolated from samples elsewhere, not measured",
        check=unsupported_area_columns,
    ),  # before: ranked first without a word, though the nearest sample lies over 2 km away
]
CASES += [
    Case(
        "Tukey fences no cell reaches",
        "anomalies",
        _set(INPUT_RASTER="elements_smooth", METHOD=4),
        warning=r"METHOD: no cell of the index reaches its weak level \([\d.]+; the highest cell is [\d.]+\), so "
        r"OUTPUT_ANOMALIES is empty; choose another METHOD \(percentiles or C-A set their levels among the cells\) "
        r"to outline anomalies\.",
    ),  # before: "lower METHOD (or AREA_LEVEL)": Tukey fences have no setting, and weak is the lowest level
]
CASES += [
    Case(
        "barren buffer over the whole grid",
        "pseudolabel",
        _set(NEGATIVE_BUFFER=100_000),
        error=r"^NEGATIVE_BUFFER: every cell with evidence lies within the 100,000 m buffer of a mineralised point "
        r"\(the farthest cell lies [\d,]+ m from one\), so no cell is left to learn barren ground from; give a "
        r"NEGATIVE_BUFFER well under that, e\.g\. [\d,]+ m, or barren labels \(class 0\), or a larger area\.",
    ),  # before: "NEGATIVE_BUFFER: no unlabelled cells are left outside NEGATIVE_BUFFER; reduce the buffer." (the
    # workflow's fixed 3 km buffer over the 3 x 4 km Meuse floodplain)
]


def river_band_as_gdal_burns_it(params: Dict[str, object]) -> None:
    """The one-class layer gives its class band alone: 1 exactly where gdal_rasterize (cell centres, the default)
    burns the river polygon read back from its file, and no contact band."""
    import rasterio
    from osgeo import gdal, ogr

    with rasterio.open(str(params["OUTPUT"])) as src:
        names = list(src.descriptions)
        band = src.read(names.index("river_outline:river") + 1)
        transform, shape = src.transform, (src.height, src.width)
    assert not any("contact" in n for n in names), names
    target = gdal.GetDriverByName("MEM").Create("", shape[1], shape[0], 1, gdal.GDT_Byte)
    target.SetGeoTransform(transform.to_gdal())
    vector = ogr.Open(str(params["POLYGONS"]))
    gdal.RasterizeLayer(target, [1], vector.GetLayer(0), burn_values=[1])
    expected = target.GetRasterBand(1).ReadAsArray()
    assert expected.sum() > 50 and (band == expected).all(), (band.sum(), expected.sum())


CASES += [
    Case(
        "a polygon layer of one class, with CONTACTS",
        "evidence",
        _set(POLYGONS="river_outline", CLASS_FIELD="unit"),
        warning=r"CONTACTS: every polygon of 'river_outline' holds one class \('river'\), so there are no contacts "
        r"between classes \(an outline is not a contact\): the stack gets its class band and no contact_distance_m "
        r"band\. For the distance to the outline, give the polygons as LINES too",
        check=river_band_as_gdal_burns_it,
    ),  # before: refused "CONTACTS: every polygon of 'river_outline' holds one class, so there are no contacts; turn
    # CONTACTS off." (CONTACTS is on by default: a river or an intrusion alone could not be stacked as it was)
]


#: the share of the grid (percent) extrapolated from `samples_triangle.gpkg`, as the brute force below finds it
TRIANGLE_EXTRAPOLATED_23A = 50


def extrapolated_share_as_brute_force(params: Dict[str, object]) -> None:
    """The share the warning gives is that of the output's cells whose centre lies outside shapely's convex hull of
    the samples and farther than the hull's area per sample (the spacing) from every sample (brute force)."""
    import rasterio
    from shapely.geometry import MultiPoint, Point

    xy = _triangle_samples_23a()
    with rasterio.open(str(params["OUTPUT"])) as src:
        x, y = _cell_centres(src)
    centres = np.column_stack([x.ravel(), y.ravel()])
    hull = MultiPoint([tuple(p) for p in xy]).convex_hull
    spacing = np.sqrt(hull.area / len(xy))
    nearest = np.sqrt(((centres[:, None] - xy[None]) ** 2).sum(-1)).min(1)
    outside = np.array([not hull.contains(Point(*c)) for c in centres])
    share = 100 * np.mean(outside & (nearest > spacing))
    assert round(share) == TRIANGLE_EXTRAPOLATED_23A, (share, centres.shape)


CASES += [
    Case(
        "samples over part of their bounding box",
        "interpolate",
        _set(INPUT="samples_triangle", FIELDS=["Cu"]),
        warning=rf"INPUT: {TRIANGLE_EXTRAPOLATED_23A} % of the grid's cells lie beyond the sampled ground: outside the "
        r"samples' outline \(their convex hull\) and farther than the samples' spacing \([\d,.]+ m\) from every "
        r"sample, in the corners and margins of the grid\. Their values are extrapolated, not measured, and "
        r"anomalies, pseudolabel and traincnn read them as data\. Give a MASK of the sampled area .* or set "
        r"MAX_DISTANCE \(e\.g\. \d+\) to leave them nodata\.",
        check=extrapolated_share_as_brute_force,
    ),  # before: no word; the north-east half of the grid filled from samples in the south-west (the Jura's NE
    # corner, which pseudolabel's PU bagging then labelled)
]


PICTURE_24B = (
    r"{p}: 'magnetics_picture\.tif' has its bands marked red, green and blue \(as GDAL marks any 3- or 4-band byte "
    r"GeoTIFF\), and its {read} read as values: if it is a picture of a map \(a screenshot, an exported image\), its "
    r"values are colours, not measured or predicted ones"
)


def line_band_as_gdal_averages_it(params: Dict[str, object]) -> None:
    """The flight line's band equals GDAL's own average warp of the line onto the stack's grid (and has values:
    the line crosses the whole grid)."""
    import rasterio
    from osgeo import gdal

    with rasterio.open(str(params["OUTPUT"])) as src:
        index = list(src.descriptions).index("magnetics_line:tmi") + 1
        ours = src.read(index, masked=True).astype(np.float64).filled(np.nan)
        bounds, shape = src.bounds, (src.height, src.width)
    line = [p for p in params["CONTINUOUS_RASTERS"] if str(p).endswith("magnetics_line.tif")][0]  # type: ignore
    warped = gdal.Warp("", str(line), format="MEM", outputBounds=tuple(bounds), width=shape[1], height=shape[0],
                       resampleAlg="average", dstNodata=float("nan"), outputType=gdal.GDT_Float32)  # fmt: skip
    reference = warped.GetRasterBand(1).ReadAsArray().astype(np.float64)
    assert np.isfinite(reference).sum() >= SIZE, np.isfinite(reference).sum()
    np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-4, equal_nan=True)


def censored_samples_not_listed(params: Dict[str, object]) -> None:
    """No sample reported '<60' is listed, and every measured sample at the table's weak level is (pandas)."""
    import geopandas as gpd
    import pandas as pd

    points = gpd.read_file(written_path(str(params["OUTPUT_POINTS"])))
    samples = gpd.read_file(str(params["INPUT"]))
    table = pd.read_csv(str(params["OUTPUT_TABLE"])).set_index("element")
    older = samples["Cu"].str.startswith("<")
    measured = samples[~older]
    high = set(measured.loc[measured["Cu"].astype(float) >= table.loc["Cu", "weak"], "SampleID"])
    assert 30.0 >= table.loc["Cu", "weak"] and high == set(points["SampleID"]), (high, points["SampleID"].tolist())
    assert not set(samples.loc[older, "SampleID"]) & set(points["SampleID"])


def best_r2_negative_as_in_the_table(params: Dict[str, object]) -> None:
    """The cross-validation table's lowest RMSE has a negative R2, 1 - SSE/SST recomputed from its RMSE and the
    samples' variance (numpy), as the warning says."""
    import geopandas as gpd
    import pandas as pd

    table = pd.read_csv(str(params["OUTPUT_CV"]))
    best = table.loc[table["rmse"].idxmin()]
    cu = gpd.read_file(str(params["INPUT"]))["Cu"].to_numpy(float)
    assert best["r2"] < 0 and abs((1 - best["rmse"] ** 2 / np.var(cu)) - best["r2"]) < 1e-3, (best, np.var(cu))


def standards_not_listed(params: Dict[str, object]) -> None:
    """The high-value samples hold no standard: every listed sample is one of the 36 field samples (by its
    'SampleID'), and every field sample whose Cu reaches the table's moderate level is listed (pandas on the inputs
    and the thresholds table, read back)."""
    import geopandas as gpd
    import pandas as pd

    points = gpd.read_file(written_path(str(params["OUTPUT_POINTS"])))
    assert not points["SampleID"].str.startswith("OREAS").any(), points["SampleID"].tolist()
    samples = gpd.read_file(str(params["INPUT"]))
    table = pd.read_csv(str(params["OUTPUT_TABLE"])).set_index("element")
    field = samples[~samples["SampleID"].str.startswith("OREAS")]
    high = set(field.loc[field["Cu"] >= table.loc["Cu", "moderate"], "SampleID"])
    assert high <= set(points["SampleID"]), (high, points["SampleID"].tolist())


def censored_share_as_counted(params: Dict[str, object]) -> None:
    """The warning's share is numpy's count of the raster's cells at or above the limit (1 ppb)."""
    import rasterio

    with rasterio.open(str(params["INPUT_RASTER"])) as src:
        au = src.read(1)
    assert abs(100 * np.mean(au >= 1.0) - 4.0) < 0.01


CASES += [
    Case(
        "a picture of a map as the raster to evaluate",
        "evaluate",
        _set(INPUT_RASTER="raster_rgb"),
        warning=PICTURE_24B.format(p="INPUT_RASTER", read="red band was"),
    ),  # before: its red band ranked as prospectivity without a word (evidence alone warned)
    Case(
        "a picture of a map as a baseline",
        "evaluate",
        _set(BASELINES=["raster_rgb"]),
        warning=PICTURE_24B.format(p="BASELINES", read="red band was"),
    ),  # before: no word
    Case(
        "a picture of a map among the evidence rasters",
        "pseudolabel",
        _set(INPUT_RASTERS=["raster", "raster_rgb"]),
        warning=PICTURE_24B.format(p="INPUT_RASTERS", read="red, green and blue bands were"),
    ),  # before: three colour bands learnt from without a word
    Case(
        "a picture of a map among the evidence rasters",
        "trainmodel",
        _set(INPUT_RASTERS=["raster", "raster_rgb"]),
        warning=PICTURE_24B.format(p="INPUT_RASTERS", read="red, green and blue bands were"),
    ),  # before: no word
    Case(
        "a single flight line (a one-row raster) between cell centres",
        "evidence",
        _set(CONTINUOUS_RASTERS=["raster", "magnetics_line"]),
        error=r"^CONTINUOUS_RASTERS: raster 'magnetics_line' has no value within the grid's extent in band\(s\) "
        r"magnetics_line:tmi: it lies on the grid, but it is 80 x 1 cells, a strip 125 m across, thinner than two of "
        r"the grid's 250 m cells: bilinear resampling takes each cell's value at its centre, and no centre falls on "
        r"the strip\. Choose CONTINUOUS_METHOD 'average'",
    ),  # before: "… every cell is nodata (the raster lies elsewhere, or its nodata value covers every cell) …",
    # though it lies across the whole grid
    Case(
        "a single flight line, averaged",
        "evidence",
        _set(CONTINUOUS_RASTERS=["raster", "magnetics_line"], CONTINUOUS_METHOD=1),
        check=line_band_as_gdal_averages_it,
    ),  # fine as it was
]
CASES += [
    Case(
        "deposits without coordinates among them",
        "comparemodels",
        _set(DEPOSITS="deposits_unplaced"),
        warning=r"DEPOSITS: 2 deposit\(s\) left out, 2 without coordinates \(a NULL or empty geometry\): d, e",
    ),  # before: "2 deposit(s) off the rasters, on nodata or outside the mask are left out: d, e", though they are
    # nowhere (and without the parameter's name)
]
CASES += [
    Case(
        "label points without a class",
        "trainmodel",
        _set(LABELS="labels_flags", LABEL_FIELD="cls"),
        warning=r"LABELS: 2 of the 9 label points are left out, 2 without a class in 'cls' \(NULL or empty\)\.",
    ),  # before: "2 label points are outside the rasters or have no class." (which, and without the parameter)
]
CASES += [
    Case(
        "a map over half the study area",
        "evaluate",
        _set(INPUT_RASTER="raster_west_half", MASK="lithology"),
        warning=r"INPUT_RASTER: 'magnetics_west_half' has values over only 50 % of the study area \(the MASK's "
        r"polygons\); the rest lies beyond the raster or on its nodata\. The AUC, the captures and the shares of the "
        r"area below are those of the part it covers, not of the whole study area\. Give a map that covers",
    ),  # before: no word; the report called its AUC "deposits vs the whole study area"
    Case(
        "a baseline over half the study area",
        "evaluate",
        _set(BASELINES=["raster_west_half"], MASK="lithology"),
        warning=r"BASELINES: 'magnetics_west_half' has values over only 50 % of the study area .* A baseline over "
        r"other ground than the map's is not compared on the same area, so its AUC is not comparable with the map's",
    ),  # before: no word, its AUC listed beside the map's
    Case(
        "evidence over half the study area",
        "comparemodels",
        _set(MASK="mask_twice_the_grid"),
        warning=r"INPUT_RASTERS: 'elements' has values over only 50 % of the study area \(the "
        r"MASK's polygons\); the rest lies beyond the raster or on its nodata\. The AUC, the captures",
    ),  # before: no word (sweep 24b left the other steps alone while base.py was split)
]
CASES += [
    Case(
        "a model of another study area",
        "predict",
        _set(INPUT_RASTERS=["raster_100km_east"], MODEL="model_with_grid"),
        warning=r"INPUT_RASTERS: the model was trained on other ground: its training grid \(40 x 40 cells from "
        r"400,000, 7,510,000\) lies 90\.0 km from these rasters and does not overlap them\. The map applies what the "
        r"deposits there taught to this ground",
    ),  # before: no word (the evidence within the training range: "Evidence within the training range …")
]
CASES += [
    Case(
        "ESRI ASCII grid without .prj",
        "evaluate",
        _set(INPUT_RASTER="raster_asc"),
        error=r"^INPUT_RASTER: 'cu_grid' has no CRS; assign its CRS \(Raster › Projections › Assign Projection, or "
        r"Layer Properties › Source in the desktop\) and run again\.$",
    ),  # before: "INPUT_RASTER: the raster has no CRS; assign one (Layer Properties).", naming neither the file nor a
    # way qgis_process has
    Case(
        "ESRI ASCII grid without .prj",
        "pseudolabel",
        _set(INPUT_RASTERS=["raster_asc"]),
        error=r"^INPUT_RASTERS: the first raster \('cu_grid'\) has no CRS; assign its projected CRS first \(Raster › "
        r"Projections › Assign Projection",
    ),  # before: "INPUT_RASTERS: the first raster has no CRS; assign its projected CRS first."
]
CASES += [
    Case(
        "a picture of a map as the grid, its bands copied",
        "evidence",
        _set(REFERENCE_RASTER="raster_rgb", REFERENCE_BANDS=True),
        warning=r"REFERENCE_RASTER: 'magnetics_picture' has its bands marked red, green and blue .*: if it is a "
        r"picture of a map, its bands are colours, not measured values",
    ),  # before: its three colour bands copied into the stack without a word
]
CASES += [
    Case(
        "rasters over half the study area",
        "predict",
        _set(INPUT_RASTERS=["raster_elements_west"], MASK="lithology"),
        warning=r"MASK: the rasters cover only 50 % of the study area \(the MASK's polygons\) with a value in every "
        r"band: the map, its classes and its rank \(percentiles of the study area\) are of the part they cover, not "
        r"of the whole study area",
    ),  # before: no word; "top 1 %" of the rank was of the half mapped
    Case(
        "rasters over the study area, nodata over half of it",
        "predict",
        _set(INPUT_RASTERS=["raster_elements_east_nodata"], MASK="lithology"),
        warning=r"MASK: the rasters cover only 50 % of the study area \(the MASK's polygons\) with a value in every "
        r"band",
    ),  # review 26: predict counted the MASK's cells on the grid, not those with values (evaluate counted these)
]
CASES += [
    Case(
        "mask without CRS (shapefile without .prj)",
        "predict",
        _set(MASK="mask_no_crs"),
        warning=r"MASK: the layer has no CRS; its coordinates were taken to be in the rasters' CRS \(EPSG:3067\)",
    ),  # before: silent in predict (evaluate and the other steps warned)
]
CASES += [
    Case(
        "standards among the samples of the high-value list",
        "anomalies",
        lambda d, p: {
            **p,
            "INPUT": d["samples_with_standards"],
            "OUTPUT_POINTS": os.path.join(os.path.dirname(str(p["OUTPUT"])), "points.gpkg"),
        },
        warning=r"INPUT: 4 of the 40 samples are quality-control samples, not field samples \('SampleID': "
        r"'OREAS-501d' 4\): certified standards and blanks hold the laboratory's reference values, not the ground's, "
        r"so they are not listed as high-value samples nor counted in the anomalies' samples\.",
        check=standards_not_listed,
    ),  # before: the four OREAS-501d standards (5,000 ppm Cu) listed as strong high-value samples, which interpolate
    # had left out of the grid
    Case(
        "'bdl' beside '<5' in one field",
        "interpolate",
        _set(INPUT="samples_bdl", FIELDS=["Cu_txt"]),
        warning=r"Cu_txt: 8 of 36 values below detection \(limits 5\) set to 0\.5 x the detection limit",
    ),  # before: "Cu_txt: 2 of 36 values below detection" and the six 'bdl' skipped as text
    Case(
        "'bdl' and no detection limit in the field",
        "interpolate",
        _set(INPUT="samples_bdl", FIELDS=["Cu_nolimit"]),
        warning=r"Cu_nolimit: 6 of 36 values are below detection without a limit \('bdl'\), and the field gives no "
        r"detection limit \('<0\.5'\) to read them at, so they were left out: the map holds the detected values only "
        r"and overstates Cu_nolimit where they lie\. Write them as '<limit'",
    ),  # before: "Cu_nolimit: 6 of 36 samples skipped (0 empty/NULL, 6 not numbers, e.g. bdl)"
    Case(
        "eight samples, kriged",
        "interpolate",
        _set(INPUT="samples_eight", FIELDS=["Cu"], METHOD=1),
        warning=r"Cu: its variogram was fitted to 8 samples \(28 pairs\), fewer than 30: too few to tell its nugget, "
        r"range and model apart .* Give a variogram you know \(VARIOGRAM_MODEL, VARIOGRAM_NUGGET, VARIOGRAM_SILL, "
        r"VARIOGRAM_RANGE\), or use IDW \(METHOD 0\)\.",
    ),  # before: a variogram fitted to 8 samples without a word (Kola: gaussian, range 259 km, a map up to 99 ppm
    # from samples of at most 51.6)
    Case(
        "longitudes and latitudes in a layer in UTM metres",
        "interpolate",
        _set(INPUT="samples_degrees_in_metres", FIELDS=["Cu"], PIXEL_SIZE=0),
        warning=r"Or, as they lie within ±180 and ±90 \(x 24\.\d+ to 24\.\d+, y 67\.6\d* to 67\.6\d+\), they may be "
        r"longitudes and latitudes in degrees: then give the layer the CRS they are in",
    ),  # before: only "the coordinates may be kilometres … (Field Calculator: "x" * 1000 …)", wrong for degrees
    Case(
        "one sample at 10^4 times the median",
        "interpolate",
        _set(INPUT="samples_nugget", FIELDS=["Cu"]),
        warning=r"Cu: 1 sample\(s\) hold\(s\) values at least 1000 x the median \([\d.]+\) and \d+ x the next value "
        r"\([\d.]+\), standing alone \([\d,.]+ at \d+, \d+\): a nugget, or an error",
    ),  # before: no word; the sample made a bull's eye of its own
    Case(
        "zeros in an element field",
        "interpolate",
        _set(INPUT="samples_zeros", FIELDS=["Cu"]),
        warning=r"Cu: 8 of 36 values are 0, read as at or below detection .* if these are, set them to NULL \(Field "
        r'Calculator: NULLIF\(\\?"Cu\\?", 0\)\) and run again',  # qgis_process's JSON writes \" for "
    ),  # before: "Cu: heavily censored: 22 % …" only, with the transform's choice (zeros read as below detection)
    Case(
        "zeros as the only below-detection code",
        "interpolate",
        _set(INPUT="samples_zeros_only", FIELDS=["Cu"]),
        not_in_log=r"values are 0, read as at or below detection",
    ),  # review 26: the zeros warning fired on the bundled till's Ni, Co and Zr, whose zeros are below detection
    Case(
        "levels below the detection limit",
        "anomalies",
        _set(INPUT_RASTER="au_censored"),
        warning=r"Au: its weak \([\d.]+\) and moderate \([\d.]+\) levels lie below its detection limit, 1 \(the "
        r"lowest the samples gave, recorded by interpolate\): .* 4 % of the cells reach the limit, the cells above "
        r"percentile 96: give PERCENTILES 96,98,99\.2\.",
        check=censored_share_as_counted,
    ),  # before: weak and moderate levels under 1 ppb, the cells between the substitutes and the detected ones
    # anomalous, without a word
    Case(
        "levels between two campaigns' detection limits",
        "anomalies",
        _set(INPUT_RASTER="au_two_limits"),
        warning=r"Au: its weak \([\d.]+\) and moderate \([\d.]+\) levels lie below the detection limit 1 of some of "
        r"its samples \(limits 0\.2, 1\): where samples were reported below 1, the cells hold its substitute, not a "
        r"measured value, so the map cannot tell whether the ground there reaches these levels",
    ),  # before: no word; cells of the samples '<1' can never reach those levels
    Case(
        "a band of analytical noise, C-A",
        "anomalies",
        _set(INPUT_RASTER="cu_flat", METHOD=1),
        warning=r"Cu: its levels \(weak [\d.]+, moderate [\d.]+, strong [\d.]+\) lie within 0\.\d+ % of its median "
        r"\([\d.]+\), less than a laboratory can tell apart \(2 % at best\)",
    ),  # before: levels 5.005, 5.008, 5.011 and ranked anomaly areas of noise; only the index's scale was warned of
    Case(
        "an older laboratory's '<60' among the high-value samples",
        "anomalies",
        lambda d, p: {
            **p,
            "INPUT_RASTER": d["cu_older_limit"],
            "INPUT": d["samples_older_limit"],
            "POINTS_LEVEL": 0,
            "OUTPUT_POINTS": os.path.join(os.path.dirname(str(p["OUTPUT"])), "points.gpkg"),
        },
        warning=r"Cu: its weak \([\d.]+\), moderate \([\d.]+\) and strong \([\d.]+\) levels lie below the detection "
        r"limit 60 of some of its samples \(limits 60; others measured down to 2\)",
        check=censored_samples_not_listed,
    ),  # before: the six '<60' samples, held as 30, listed as high-value samples above the weak level; no word
    Case(
        "five samples, automatic method",
        "interpolate",
        lambda d, p: {
            **p,
            "INPUT": d["samples_five"],
            "FIELDS": ["Cu"],
            "METHOD": 2,
            "PIXEL_SIZE": 0,
            "OUTPUT_CV": os.path.join(os.path.dirname(str(p["OUTPUT"])), "cv_five.csv"),
        },
        warning=r"Cu: even the best interpolator predicts the samples worse than their mean does \(cross-validated R2 "
        r"-[\d.]+, 5 samples\): the map's highs and lows are not supported by the samples around them\.",
        check=best_r2_negative_as_in_the_table,
    ),  # before: only "Cu: automatic choice: … (leave-one-out, R2 -…)" as information
]
CASES += [
    Case(
        "a field naming its unit against UNITS set by hand",
        "interpolate",
        _set(INPUT="samples_units_ru_cn", FIELDS=["Cu/10⁻⁶"], UNITS="ppb"),
        warning=r"UNITS: the field 'Cu/10⁻⁶' states its unit, 10⁻⁶, and UNITS says 'ppb': its band and legend use "
        r"10⁻⁶",
    ),  # UNITS left at its default ('ppm') says the same in an information line, not a warning (sweep 25b)
]


def idw_of_the_analysed_samples(params: Dict[str, object]) -> None:
    """The Cu band equals a brute-force IDW of the samples whose Cu is a number (pandas): 'n.d.', 'ND', 'n.a.' and
    '-' left out, none read as 0 or at a detection limit."""
    import geopandas as gpd
    import pandas as pd

    frame = gpd.read_file(str(params["INPUT"]))
    cu = pd.to_numeric(frame["Cu"], errors="coerce")
    analysed = frame[cu.notna()]
    assert len(analysed) == len(frame) - 8
    sxy = np.column_stack([analysed.geometry.x, analysed.geometry.y])
    _assert_brute_force_idw(params, sxy, cu[cu.notna()].to_numpy(dtype=float))


def analysed_high_values_listed(params: Dict[str, object]) -> None:
    """OUTPUT_POINTS lists exactly the samples whose Cu or Pb is a number (pandas) at its weak level or above; a
    sample of 'n.d.' Cu is listed for its Pb only, never for its Cu."""
    import geopandas as gpd
    import pandas as pd

    points = gpd.read_file(written_path(str(params["OUTPUT_POINTS"])))
    samples = gpd.read_file(str(params["INPUT"]))
    table = pd.read_csv(str(params["OUTPUT_TABLE"])).set_index("element")
    high = set()
    for element in ("Cu", "Pb"):
        values = pd.to_numeric(samples[element], errors="coerce")
        high |= set(samples.loc[values >= table.loc[element, "weak"], "SampleID"])
    assert high == set(points["SampleID"]), (sorted(high), sorted(points["SampleID"]))
    listed = points.set_index("SampleID")["elements"]
    assert not any("Cu" in listed.get(f"S{i:03d}", "") for i in range(8))


_NOT_ANALYSED = (
    r"{parameter}: values that give no result \(e\.g\. 'n\.d\.', 'ND', 'n\.a\.': not determined, not analysed\) "
    r"were left out as missing, not read as 0 or as below detection: Cu 8 of 36, Pb 2 of 36; only the analysed "
    r"samples are used\."
)
CASES += [
    Case(
        "'n.d.', 'ND', 'n.a.' and '-' in element fields",
        "interpolate",
        _set(INPUT="samples_not_analysed", FIELDS=["Cu", "Pb"]),
        warning=_NOT_ANALYSED.format(parameter="FIELDS"),
        check=idw_of_the_analysed_samples,
    ),  # before: "Cu: 8 of 36 samples skipped (0 empty/NULL, 8 not numbers, e.g. n.d., ND, n.a.)"
    Case(
        "'n.d.', 'ND', 'n.a.' and '-' in element fields",
        "anomalies",
        lambda d, p: {
            **p,
            "INPUT": d["samples_not_analysed"],
            "POINTS_LEVEL": 0,
            "OUTPUT_POINTS": os.path.join(os.path.dirname(str(p["OUTPUT"])), "points.gpkg"),
        },
        warning=_NOT_ANALYSED.format(parameter="INPUT"),
        check=analysed_high_values_listed,
    ),  # before: as for interpolate, the no-result entries among "not numbers"
]

CASES += [
    Case(
        "commodity lists in other orders as classes",
        "pseudolabel",
        _set(LABELS="labels_commodity_lists", LABEL_FIELD="cls", METHOD=1),
        warning=r"Classes: 0 = barren, 1 = Au, Cu(?:\"|$)",
        check=_labels_of_one_mineralised_class,
    ),  # before: "Classes: 0 = barren, 1 = Au, Cu, 2 = Cu,Au, 3 = cu / au": three mineralised classes for one
    Case(
        "commodity lists in other orders as classes",
        "trainmodel",
        _set(LABELS="labels_commodity_lists", LABEL_FIELD="cls"),
        warning=r"Classes: 0 = barren, 1 = Au, Cu(?:\"|$)",
    ),  # before: as for pseudolabel
]

CASES += [
    Case(
        "a picture of a map with an alpha band as a baseline",
        "evaluate",
        _set(BASELINES=["raster_rgba"]),
        warning=r"BASELINES: 'magnetics_picture_rgba\.tif' has its bands marked red, green and blue .*its red band was "
        r"read as values: if it is a picture of a map",
        not_in_log=r"has 4 bands|the others are not",
    ),  # review 27: a second warning said the same ('has 3 colour bands … and an alpha band: a picture')  # before: "BASELINES: 'magnetics_picture_rgba' has 4 bands; only band 1 ('…') is compared, the others are not.
    # To compare another band, give it as a raster of its own …": the alpha counted as a band of values
]


def idw_of_the_zipped_samples(params: Dict[str, object]) -> None:
    """The Cu band equals a brute-force IDW of the samples read from the zip by geopandas (GDAL's /vsizip/)."""
    import geopandas as gpd

    frame = gpd.read_file(str(params["INPUT"]))
    assert len(frame) == 36
    _assert_brute_force_idw(params, np.column_stack([frame.geometry.x, frame.geometry.y]), frame["Cu"].to_numpy())


CASES += [
    Case(
        "a shapefile inside a zip, as a /vsizip/ path",
        "interpolate",
        _set(INPUT="samples_vsizip"),
        check=idw_of_the_zipped_samples,
    ),  # before: "Could not load source layer for INPUT: /vsizip/…/samples.shp not found" (QGIS 3.22 loads a layer
    # given as text only from a file that exists)
    Case(
        "a GeoTIFF and a shapefile inside a zip, as /vsizip/ paths",
        "evaluate",
        _set(INPUT_RASTER="raster_vsizip", DEPOSITS="deposits_vsizip"),
        check=auc_as_of_the_unzipped_raster,
    ),  # before: "INPUT_RASTER: '/vsizip/…/elements.tif' is no file (nor a layer of the open project); …"
    Case(
        "a GeoTIFF inside a zip, as a /vsizip/ path",
        "anomalies",
        _set(INPUT_RASTER="raster_vsizip"),
    ),  # before: as for evaluate
    Case(
        "a GeoTIFF and a shapefile inside a zip, as /vsizip/ paths",
        "pseudolabel",
        _set(INPUT_RASTERS=["raster_vsizip"], LABELS="deposits_vsizip"),
    ),  # before: as for evaluate
    Case(
        "a GeoTIFF inside a zip, as a /vsizip/ path",
        "predict",
        _set(INPUT_RASTERS=["raster_vsizip"]),
    ),  # before: as for evaluate
]

CASES += [
    Case(
        "PATCH_SIZE's default on 5 km cells",
        "traincnn",
        _set(INPUT_RASTERS=["raster_5km"], LABELS="label_raster_5km", PATCH_SIZE=9, BLOCK_SIZE=20000),
        warning=r"PATCH_SIZE: the 9 x 9-cell patch \(PATCH_SIZE, its default\) spans 45 x 45 km on these 5 km cells, "
        r"32 % of the study area \(256 cells with evidence in every band, 6400 km²\): .* PATCH_SIZE counts cells, not "
        r"metres: for cells this large, set PATCH_SIZE 3 \(15 km\)",
    ),  # before: trained on 45 km patches of an 80 km area without a word
]
CASES += [
    Case(
        "a survey over a corner of the area",
        "evidence",
        _set(CONTINUOUS_RASTERS=["raster", "magnetics_corner"]),
        warning=r"CONTINUOUS_RASTERS: raster 'magnetics_corner' has values in only 15 % of the cells where the stack "
        r"holds evidence \(240 of 1,600 cells of 250 m\)",
    ),  # before: no word, and pseudolabel on the stack then said the deposits lay on no evidence
    Case(
        "a survey over a corner of the area",
        "pseudolabel",
        _set(INPUT_RASTERS=["stack_corner"]),
        error=r"^INPUT_RASTERS: the mineralised points \(LABELS\) lie on evidence, but stack_corner:corner:tmi has "
        r"no value in any of their cells",
    ),  # before: "… check that the points overlap the rasters (same area and CRS) …", which they did
    Case(
        "three deposits only",
        "pseudolabel",
        _set(),
        warning=r"LABELS: the mineralised points lie in only 3 places \(distinct cells\): the [\d,]+ "
        r"cells labelled mineralised beyond them, and a model trained on these labels, map ground like these places",
    ),  # before: no word (the Kola atlas's two smelters as 'deposits' grew 37 mineralised cells on 4.6 km cells)
]
CASES += [
    Case(
        "band number past the last band of a raster with an alpha band",
        "anomalies",
        _set(INPUT_RASTER="raster_alpha", ELEMENT_BANDS=[3]),
        error=r"^ELEMENT_BANDS: band 3 does not exist; the raster has 1 element band and an alpha band \(band 2: "
        r"transparency, not values\); choose band 1\.$",
    ),  # before: "ELEMENT_BANDS: band 3 does not exist; the raster has 2 band(s).", band 2 being the alpha
    Case(
        "the alpha band chosen as an element band",
        "anomalies",
        _set(INPUT_RASTER="raster_alpha", ELEMENT_BANDS=[1, 2]),
        error=r"^ELEMENT_BANDS: band 2 is the raster's alpha band \(transparency: GDAL's mask of the other bands\), "
        r"not values; choose band 1\.$",
    ),  # before: "INPUT_RASTER: the integrated index needs positive concentrations (it uses logarithms), but band
    # 'band 2' goes down to 0; …", the alpha read as an element and blamed as a concentration
    Case(
        "file of 0 bytes",
        "evaluate",
        _set(DEPOSITS="zero_gpkg"),
        error=r"^DEPOSITS: 'zero\.gpkg' is empty \(0 bytes\): its copy or download stopped before anything was "
        r"written\. Copy or make it again\.$",
    ),  # before: QGIS's "Could not load source layer for DEPOSITS: …/zero.gpkg not found", of a file that exists
    Case(
        "file of 0 bytes",
        "anomalies",
        _set(INPUT_RASTER="zero_tif"),
        error=r"^INPUT_RASTER: 'zero\.tif' is empty \(0 bytes\)",
    ),  # before: "INPUT_RASTER: 'zero.tif' is not a raster file GDAL can open; give one, e.g. a GeoTIFF."
    Case(
        "shapefile without its .shx",
        "evaluate",
        _set(DEPOSITS="deposits_no_shx"),
        error=r"^DEPOSITS: the shapefile 'deposits_no_shx\.shp' has no \.shx beside it .*SHAPE_RESTORE_SHX",
    ),  # before: "Could not load source layer for DEPOSITS: …/deposits_no_shx.shp not found"
    Case(
        "Excel's 'Unicode text' (UTF-16) without its encoding",
        "interpolate",
        _set(INPUT="samples_utf16_uri", FIELDS=["Cuivre_\u00e9"]),
        error=r"^INPUT: 'samples_unicode_text\.txt' is UTF-16 text .*encoding=UTF-16",
    ),  # before: "Could not load source layer for INPUT: delimitedtext://… not found"
    Case(
        "NetCDF of two variables given bare",
        "anomalies",
        _set(INPUT_RASTER="netcdf_two"),
        error=r"^INPUT_RASTER: 'cu_pb\.nc' holds 2 datasets \(Cu, Pb\) and no raster of its own; .*gdal_translate",
    ),  # before: "Could not load source layer for INPUT_RASTER: …/cu_pb.nc not found"
    Case(
        "NetCDF of two variables given bare",
        "pseudolabel",
        _set(INPUT_RASTERS=["netcdf_two"]),
        error=r"^INPUT_RASTERS: 'cu_pb\.nc' holds 2 datasets \(Cu, Pb\)",
    ),  # before: "Unexpected error …: 'QgsMeshLayer' object has no attribute 'width'" (QGIS loaded it as a mesh)
    Case(
        "NetCDF variable in GDAL's subdataset syntax",
        "anomalies",
        _set(INPUT_RASTER="netcdf_cu"),
        error=r"^INPUT_RASTER: 'NETCDF:\".*cu_pb\.nc\":Cu' names one dataset inside 'cu_pb\.nc' in GDAL's subdataset "
        r"syntax, .*gdal_translate",
    ),  # before: "INPUT_RASTER: '…' is no file (nor a layer of the open project)", of a file that exists
    Case(
        "VRT whose source file is missing",
        "anomalies",
        _set(INPUT_RASTER="vrt_gone_source"),
        error=r"^INPUT_RASTER: cannot read raster '.*missing_source\.vrt': the VRT points at 1 file\(s\) that are "
        r"missing \('.*gone\.tif'\); put them back .*gdalbuildvrt",
    ),  # before: "… the file may be truncated or corrupt: make or download it again"
]


def _mistyped(key: str, how: str):
    """Parameter ``key``'s path (a list's first item) as a user slips typing or pasting it: ``how`` is 'space' (one
    after it), 'line break' (one after it), 'url' (a file:// URL, by pathlib) or 'home' ('~/' and the path relative to
    the home folder)."""

    def slip(path: str) -> str:
        if how == "url":
            return pathlib.Path(path).as_uri()
        if how == "home":
            return "~/" + os.path.relpath(path, os.path.expanduser("~"))
        return path + {"space": " ", "line break": "\n"}[how]

    def change(d: Dict[str, str], p: Dict[str, object]) -> Dict[str, object]:
        value = p[key]
        return {**p, key: [slip(str(value[0]))] if isinstance(value, list) else slip(str(value))}

    return change


# sweep 32c: paths as users give them; before, each was QGIS's "not found" or "is no file" of a file that exists, or
# an output written, or refused, under a name no one meant
CASES += [
    Case(
        "input path ending in a line break",
        "anomalies",
        _mistyped("INPUT_RASTER", "line break"),
        error=r"^INPUT_RASTER: '.*elements\.tif\\n' names no file: the path ends with a line break\. Give "
        r"'.*elements\.tif' \(that file exists\)\.$",
    ),  # before: "INPUT_RASTER: '…/elements.tif\n' is no file (nor a layer of the open project); give the path of …"
    Case(
        "input path ending in a space",
        "interpolate",
        _mistyped("INPUT", "space"),
        error=r"^INPUT: '.*samples\.gpkg ' names no file: the path ends with a space\. Give '.*samples\.gpkg' "
        r"\(that file exists\)\.$",
    ),  # before: "Could not load source layer for INPUT: …/samples.gpkg  not found"
    Case(
        "input path ending in a space",
        "pseudolabel",
        _mistyped("INPUT_RASTERS", "space"),
        error=r"^INPUT_RASTERS: '.*elements\.tif ' names no file: the path ends with a space\.",
    ),
    Case(
        "input path as a file:// URL",
        "evaluate",
        _mistyped("DEPOSITS", "url"),
        error=r"^DEPOSITS: 'file:///.*deposits\.gpkg' names no file: it is a file:// URL, not a path .*Give "
        r"'/.*deposits\.gpkg' \(that file exists\)\.$",
    ),  # before: "Could not load source layer for DEPOSITS: file:///…/deposits.gpkg not found"
    Case(
        "input path starting with ~",
        "predict",
        _mistyped("MODEL", "home"),
        error=r"^MODEL: '~/.*model\.pt' names no file: '~' \(the home folder\) is expanded only by a shell, and only "
        r"when not in quotes\. Give '/.*model\.pt' \(that file exists\)\.$",
        headless=False,  # qgis_process runs with a HOME of its own, where the '~/…' path leads elsewhere
    ),  # before: "MODEL: the model file '~/…/model.pt' does not exist; check the path, or train a new model …"
    Case(
        "output path ending in a space",
        "interpolate",
        _mistyped("OUTPUT", "space"),
        error=r"^OUTPUT: '.*grid\.tif ': the path ends with a space\. Give '.*grid\.tif' instead\.$",
    ),  # before: "OUTPUT: 'grid.tif ' ends in '.tif ', but this output is written in GeoTIFF format …"
    Case(
        "output path as a file:// URL",
        "anomalies",
        _mistyped("OUTPUT_ANOMALIES", "url"),
        error=r"^OUTPUT_ANOMALIES: 'file:///.*': it is a file:// URL, not a path \(QGIS reads it as a file name\)\. "
        r"Give '/.*' instead\.$",
    ),  # before: "OUTPUT_ANOMALIES: the folder '<working folder>/file:/…' does not exist; choose an existing folder."
    Case(
        "output path starting with ~",
        "evaluate",
        _mistyped("OUTPUT_REPORT", "home"),
        error=r"^OUTPUT_REPORT: '~/.*report\.html': '~' \(the home folder\) is expanded only by a shell",
    ),  # before: "OUTPUT_REPORT: the folder '<working folder>/~/…' does not exist; choose an existing folder."
    Case(
        "HTML report named .txt",
        "evaluate",
        lambda d, p: {**p, "OUTPUT_REPORT": str(p["OUTPUT_REPORT"])[: -len(".html")] + ".txt"},
        error=r"^OUTPUT_REPORT: 'report\.txt' ends in '\.txt' \(plain text\), but this output is written in HTML "
        r"format \(\.html, \.htm\); name it with that extension, e\.g\. 'report\.html'\.$",
    ),  # before: ran, and wrote the HTML report (tags and all) as report.txt
    Case(
        "summary named .txt",
        "pseudolabel",
        lambda d, p: {**p, "OUTPUT_SUMMARY": str(p["OUTPUT_SUMMARY"])[: -len(".json")] + ".txt"},
        error=r"^OUTPUT_SUMMARY: 'summary\.txt' ends in '\.txt' \(plain text\), but this output is written in HTML "
        r"format",
    ),  # before: ran, and wrote an HTML summary as summary.txt
    Case(
        "raster named with quotes, # & % and non-ASCII letters",
        "anomalies",
        _set(INPUT_RASTER="raster_odd_name"),
    ),  # fine as it was
]
