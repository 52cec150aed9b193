"""core.io.windows.StackWindowReader: the raw fast path gives exactly what GDAL's masked read gives.

Reference: rasterio's ``read(band, window, masked=True)`` (GDAL's mask band: nodata value, internal mask or none),
converted to float32 with NaN where masked and for +-inf, window by window, cut by hand where the window leaves
the raster. Files cover every kind of mask and the values next to the nodata value.
"""

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from rasterio.windows import Window

from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.io.windows import StackWindowReader

H, W = 37, 45


def write(path, data, nodata=None, dtype="float32", mask=None):
    profile = dict(driver="GTiff", width=W, height=H, count=data.shape[0], dtype=dtype, crs="EPSG:3067",
                   transform=from_origin(1000.0, 2000.0, 10.0, 10.0), nodata=nodata, tiled=True, blockxsize=16,
                   blockysize=16)  # fmt: skip
    with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True), rasterio.open(path, "w", **profile) as dst:
        dst.write(data.astype(dtype))
        if mask is not None:
            dst.write_mask(mask)
    return str(path)


def reference(path, band, r0, r1, c0, c1):
    out = np.full((r1 - r0, c1 - c0), np.nan, np.float32)
    rr0, rr1, cc0, cc1 = max(r0, 0), min(r1, H), max(c0, 0), min(c1, W)
    if rr1 <= rr0 or cc1 <= cc0:
        return out
    with rasterio.open(path) as src:
        data = src.read(band, window=Window(cc0, rr0, cc1 - cc0, rr1 - rr0), masked=True)
    with np.errstate(over="ignore", invalid="ignore"):
        block = data.astype(np.float32).filled(np.nan)
    block[np.isinf(block)] = np.nan
    out[rr0 - r0 : rr1 - r0, cc0 - c0 : cc1 - c0] = block
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reader")
    rng = np.random.default_rng(0)
    base = (rng.standard_normal((3, H, W)) * 100).astype(np.float32)
    nd = np.float32(-9999.0)
    near = base.copy()  # values exactly nodata, and one and two ulps away, +-inf and NaN
    near[0, :5, :5] = nd
    near[1, 3, 3] = np.nextafter(nd, np.float32(0))
    near[1, 4, 4] = np.nextafter(np.nextafter(nd, np.float32(-1e9)), np.float32(-1e9))
    near[2, 6, 7], near[2, 8, 9], near[2, 10, 11] = np.inf, -np.inf, np.nan
    plain = base.copy()
    plain[0, 1, 2] = nd  # no nodata declared: a value like any other
    nan_nd = base.copy()
    nan_nd[1, 2:9, 3:5] = np.nan
    mask = np.full((H, W), 255, np.uint8)
    mask[10:20, 5:15] = 0
    ints = (rng.integers(-5, 5, (2, H, W))).astype(np.int16)
    big = base[:2].astype(np.float64)
    big[0, 5, 5], big[1, 6, 6] = 1e300, -9999.0
    lowest = float(np.finfo(np.float32).min)  # -3.4028235e38, a Geosoft/Oasis-style dummy
    dummy = base.copy()
    dummy[0, 7:12, 2:6] = lowest
    return {
        "float_min": write(tmp / "float_min.tif", dummy, nodata=lowest),
        "near": write(tmp / "near.tif", near, nodata=-9999.0),
        "plain": write(tmp / "plain.tif", plain),
        "nan_nodata": write(tmp / "nan.tif", nan_nd, nodata=float("nan")),
        "mask_band": write(tmp / "mask.tif", base, mask=mask),
        "int16": write(tmp / "int16.tif", ints, nodata=-3, dtype="int16"),
        "float64": write(tmp / "float64.tif", big, nodata=-9999.0, dtype="float64"),
    }


WINDOWS = [(0, H, 0, W), (-4, 12, -4, 20), (30, 45, 40, 52), (5, 21, 3, 19), (-10, -2, 0, 5)]


@pytest.mark.parametrize("window", WINDOWS)
def test_every_band_of_every_file_reads_as_gdal_masks_it(files, window):
    selection = [(path, band) for path in files.values() for band in range(1, rasterio.open(path).count + 1)]
    grid = GridSpec(1000.0, 2000.0, 10.0, W, H, None)
    reader = StackWindowReader(selection, grid)
    try:
        got = reader(*window)
    finally:
        reader.close()
    assert got.dtype == np.float32 and got.shape == (len(selection), window[1] - window[0], window[3] - window[2])
    for k, (path, band) in enumerate(selection):
        np.testing.assert_array_equal(got[k], reference(path, band, *window), err_msg=f"{path} band {band}")


def test_the_fast_path_is_taken_where_it_applies_and_near_nodata_values_defer_to_gdal(files):
    with rasterio.open(files["near"]) as a, rasterio.open(files["mask_band"]) as b, rasterio.open(files["int16"]) as c:
        assert StackWindowReader._raw_ok(a, 1) and not StackWindowReader._raw_ok(b, 1)
        assert not StackWindowReader._raw_ok(c, 1)
        block = a.read(2)
    assert not StackWindowReader._mask_raw(block.copy(), -9999.0)  # one ulp from nodata: GDAL decides
    exact = np.array([[-9999.0, 1.0], [np.inf, 2.0]], np.float32)
    assert StackWindowReader._mask_raw(exact, -9999.0)
    np.testing.assert_array_equal(exact, [[np.nan, 1.0], [np.nan, 2.0]])


def test_the_lowest_float32_as_nodata_reads_without_an_overflow_warning(files):
    """Before, the tolerance around nodata -3.4028235e38 was computed in float32 and overflowed: numpy's
    'RuntimeWarning: overflow encountered in scalar subtract' was printed into every qgis_process run (predict,
    traincnn) reading such a raster. The cells are read as nodata all the same."""
    import warnings

    grid = GridSpec(1000.0, 2000.0, 10.0, W, H, None)
    reader = StackWindowReader([(files["float_min"], 1)], grid)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = reader(0, H, 0, W)
    finally:
        reader.close()
    np.testing.assert_array_equal(got[0], reference(files["float_min"], 1, 0, H, 0, W))
    assert np.isnan(got[0, 7:12, 2:6]).all() and np.isfinite(got[0]).sum() == H * W - 20
