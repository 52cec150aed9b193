"""prospector:interpolate against independent references: QGIS's own IDW and gdal_grid."""

import subprocess

import numpy as np
import pytest
import rasterio

EXTENT = "0,1000,0,800 [EPSG:3067]"
PIXEL = 20


@pytest.fixture(scope="module")
def points(tmp_path_factory):
    import geopandas as gpd

    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 1000, (150, 2))
    values = np.exp(rng.normal(3, 1, 150))
    path = tmp_path_factory.mktemp("pts") / "pts.gpkg"
    frame = gpd.GeoDataFrame({"Cu": values}, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs="EPSG:3067")
    frame.to_file(path, layer="pts", driver="GPKG")
    return str(path)


def read(path):
    with rasterio.open(path) as src:
        assert src.transform.a == PIXEL and src.bounds.left == 0 and src.bounds.top == 800
        return src.read(1, masked=True).astype(float).filled(np.nan)


def ours(run_algorithm, points, tmp_path, **extra):
    # the references (QGIS, gdal_grid) average raw values: the log transform (on by default) is turned off
    params = {
        "INPUT": points,
        "FIELDS": ["Cu"],
        "PIXEL_SIZE": PIXEL,
        "EXTENT": EXTENT,
        "POWER": 2.0,
        "LOG_TRANSFORM": False,
    }
    params.update(extra)
    params["OUTPUT"] = str(tmp_path / "ours.tif")
    return read(run_algorithm("prospector:interpolate", params)["OUTPUT"])


def gdal_grid(points, tmp_path, algorithm):
    out = tmp_path / "gdal.tif"
    subprocess.run(
        [
            "gdal_grid",
            "-q",
            "-a",
            algorithm,
            "-txe",
            "0",
            "1000",
            "-tye",
            "800",
            "0",
            "-outsize",
            "50",
            "40",
            "-zfield",
            "Cu",
            "-l",
            "pts",
            "-ot",
            "Float64",
            points,
            str(out),
        ],
        check=True,
    )
    return read(out)


def test_global_idw_equals_qgis_native_idw(run_algorithm, points, tmp_path):
    got = ours(run_algorithm, points, tmp_path, NEIGHBORS=0)
    # attribute index 1: field 0 is the GeoPackage fid
    ref = read(
        run_algorithm(
            "qgis:idwinterpolation",
            {
                "INTERPOLATION_DATA": f"{points}::~::0::~::1::~::0",
                "DISTANCE_COEFFICIENT": 2.0,
                "EXTENT": EXTENT,
                "PIXEL_SIZE": PIXEL,
                "OUTPUT": str(tmp_path / "qgis.tif"),
            },
        )["OUTPUT"]
    )
    np.testing.assert_allclose(got, ref, rtol=1e-6)  # float32 output precision


def test_global_idw_equals_gdal_grid_invdist(run_algorithm, points, tmp_path):
    got = ours(run_algorithm, points, tmp_path, NEIGHBORS=0)
    ref = gdal_grid(points, tmp_path, "invdist:power=2:smoothing=0")
    np.testing.assert_allclose(got, ref, rtol=2e-4)  # gdal_grid works partly in single precision


def test_nearest_neighbour_idw_equals_gdal_grid_invdistnn(run_algorithm, points, tmp_path):
    got = ours(run_algorithm, points, tmp_path, NEIGHBORS=12)
    ref = gdal_grid(points, tmp_path, "invdistnn:power=2:smoothing=0:radius=100000:max_points=12")
    np.testing.assert_allclose(got, ref, rtol=2e-4)


def test_search_radius_matches_gdal_grid(run_algorithm, points, tmp_path):
    got = ours(run_algorithm, points, tmp_path, NEIGHBORS=12, MAX_DISTANCE=60)
    ref = gdal_grid(points, tmp_path, "invdistnn:power=2:smoothing=0:radius=60:max_points=12:nodata=-9999")
    ref[ref == -9999] = np.nan
    assert np.isnan(got).any()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    np.testing.assert_allclose(got, ref, rtol=2e-4)
