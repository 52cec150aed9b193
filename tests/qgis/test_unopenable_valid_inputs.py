"""Valid inputs the broken-file checks (sweep 32b) must let through (review 34).

A GeoPackage layer given as 'file.gpkg|layername=faults' was refused as "holds 2 datasets … and no raster of its
own" when the file also held two raster tables; an ENVI Int16 raster whose first cell is -2 starts with the bytes of
a UTF-16 byte-order mark and was refused as "UTF-16 text". The references: ogrinfo and gdalinfo open both."""

import subprocess

import numpy as np
import pytest


def _run(*args):
    return subprocess.run(list(args), check=True, capture_output=True, text=True).stdout


@pytest.fixture
def geopackage(tmp_path):
    import geopandas as gpd
    import rasterio
    from rasterio.transform import from_origin
    from shapely.geometry import LineString

    tif = str(tmp_path / "grid.tif")
    with rasterio.open(tif, "w", driver="GTiff", width=8, height=8, count=1, dtype="float32", crs="EPSG:3067",
                       transform=from_origin(400_000, 7_510_000, 250, 250)) as dst:  # fmt: skip
        dst.write(np.ones((1, 8, 8), dtype=np.float32))
    gpkg = str(tmp_path / "project.gpkg")
    gpd.GeoDataFrame(geometry=[LineString([(400_100, 7_508_000), (401_900, 7_509_900)])], crs="EPSG:3067").to_file(
        gpkg, layer="faults", driver="GPKG"
    )
    for table in ("mag", "dem"):
        _run("gdal_translate", "-q", "-of", "GPKG", tif, gpkg, "-co", f"RASTER_TABLE={table}",
             "-co", "APPEND_SUBDATASET=YES")  # fmt: skip
    return gpkg


def test_a_geopackage_layer_beside_raster_tables_is_not_refused(geopackage):
    from qgis.core import QgsProcessing, QgsProcessingParameterMultipleLayers

    from geochem_prospector.algorithms.parameters import layer_of_another_kind, unopenable_file

    assert "faults" in _run("ogrinfo", "-so", geopackage) and "SUBDATASET_2_NAME" in _run("gdalinfo", geopackage)
    lines = QgsProcessingParameterMultipleLayers("LINES", "lines", QgsProcessing.TypeVectorLine)
    assert layer_of_another_kind(lines, [f"{geopackage}|layername=faults"]) == ""
    assert unopenable_file("LINES", f"{geopackage}|layername=faults", raster_wanted=False) == ""
    assert unopenable_file("LINES", geopackage, raster_wanted=False) == ""
    # given bare where a raster is wanted, its two tables are named
    assert "holds 2 datasets" in unopenable_file("INPUT_RASTER", geopackage)


def test_an_envi_raster_whose_first_cell_reads_as_a_byte_order_mark_is_not_text(tmp_path):
    import rasterio
    from rasterio.transform import from_origin

    from geochem_prospector.algorithms.parameters import unopenable_file

    path = str(tmp_path / "mag.dat")
    values = np.full((6, 6), 120, dtype=np.int16)
    values[0, 0] = -2  # little-endian: FE FF, a UTF-16 (big-endian) byte-order mark
    with rasterio.open(path, "w", driver="ENVI", width=6, height=6, count=1, dtype="int16", crs="EPSG:3067",
                       transform=from_origin(400_000, 7_510_000, 250, 250)) as dst:  # fmt: skip
        dst.write(values, 1)
    with open(path, "rb") as handle:
        assert handle.read(2) == b"\xfe\xff"
    assert "ENVI" in _run("gdalinfo", path)
    assert unopenable_file("CONTINUOUS_RASTERS", path) == ""
    text = tmp_path / "samples.txt"
    text.write_bytes("X\tY\tCu\n1\t2\t3\n".encode("utf-16"))
    assert "is UTF-16 text" in unopenable_file("INPUT", str(text))
