"""Raster values that are not what they seem: fill values used as data (no nodata tag), values beyond float32."""

import warnings

import numpy as np
import pytest

from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.io.rasters import (
    FILL_SHARE,
    clear_beyond_float32,
    raster_warnings,
    read_raster,
    read_stack,
    sample_band,
    spread_blocks,
    suspected_fill,
    write_geotiff,
)

SIZE = 40


def data_band(seed=0):
    return np.random.default_rng(seed).uniform(20, 220, (SIZE, SIZE)).astype(np.float32)


def write(path, bands, names, nodata=None, dtype="float32"):
    """A GeoTIFF as other software writes it: ``nodata=None`` leaves the nodata tag out."""
    import rasterio
    from rasterio.transform import from_origin

    bands = np.asarray(bands, dtype=dtype)
    profile = dict(
        driver="GTiff",
        width=SIZE,
        height=SIZE,
        count=len(bands),
        dtype=dtype,
        crs="EPSG:3067",
        transform=from_origin(400_000, 7_510_000, 250, 250),
        nodata=nodata,
    )
    with rasterio.open(str(path), "w", **profile) as dst:
        dst.write(bands)
        for i, name in enumerate(names, start=1):
            dst.set_band_description(i, name)
    return str(path)


@pytest.mark.parametrize("fill", [-9999.0, -99999.0, -1e30, -3.4e38, 1e20])
def test_a_fill_value_in_many_cells_far_from_the_rest_is_suspected(fill):
    band = data_band()
    band[:4, :] = fill  # 160 of 1600 cells: 10 %
    found = suspected_fill(band)
    assert found is not None and found.value == float(np.float32(fill))
    assert (found.cells, found.valid) == (160, 1600)
    assert 20 <= found.low < found.high <= 220


def test_what_is_not_suspected():
    band = data_band()
    assert suspected_fill(band) is None  # no fill value at all
    few = band.copy()
    few[0, : int(FILL_SHARE * SIZE * SIZE) - 1] = -9999.0  # under 1 % of the cells
    assert suspected_fill(few) is None
    near = np.linspace(-12000, 0, SIZE * SIZE, dtype=np.float32).reshape(SIZE, SIZE)
    near[:4] = -9999.0  # inside the spread of the other values (-12000 .. 0): could be data
    near[0, 0] = -12000.0
    assert suspected_fill(near) is None
    other = band.copy()
    other[:4] = -5000.0  # far, many cells, but not a usual fill value
    assert suspected_fill(other) is None
    holes = band.copy()
    holes[:4] = np.nan  # NaN is nodata already
    assert suspected_fill(holes) is None
    every = np.full((SIZE, SIZE), -9999.0, dtype=np.float32)
    found = suspected_fill(every)
    assert found is not None and found.cells == found.valid == SIZE * SIZE and np.isnan(found.low)


def test_read_raster_warns_about_a_fill_value_without_nodata_and_keeps_the_data(tmp_path):
    cu, pb = data_band(1), data_band(2)
    cu[5:12, 5:12] = -9999.0  # 49 cells, 3.1 %
    path = write(tmp_path / "nonodata.tif", [cu, pb], ["Cu", "Pb"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = read_raster(path, parameter="INPUT_RASTER")
    np.testing.assert_array_equal(data.bands[0], cu)  # used as it is: not silently changed
    assert len(data.warnings) == 1
    message = data.warnings[0]
    assert message.startswith(
        "INPUT_RASTER: band 'Cu' of 'nonodata.tif' has no nodata value, but 49 of its 1,600 cells (3.1 %) hold "
        "-9999, far below its other values ("
    )
    assert f"gdal_edit.py -a_nodata -9999 '{path}'" in message
    # the same file with its nodata tag: nothing to say, and the cells are nodata
    tagged = write(tmp_path / "tagged.tif", [cu, pb], ["Cu", "Pb"], nodata=-9999.0)
    data = read_raster(tagged)
    assert data.warnings == [] and np.isnan(data.bands[0, 5:12, 5:12]).all()
    # read_stack passes the warnings on, named by its parameter; the sampled scan finds the same
    stack = read_stack([path, tagged], parameter="INPUT_RASTERS")
    assert stack.warnings == [message.replace("INPUT_RASTER:", "INPUT_RASTERS:", 1)]
    assert raster_warnings([(path, 1), (path, 2), (tagged, 1)]) == stack.warnings
    assert raster_warnings([(path, 2)]) == []  # only the bands asked for


def test_the_sampled_scan_sees_a_fill_value_in_a_large_band(tmp_path):
    band = data_band()
    band[:, :8] = -1e30  # 20 %
    path = write(tmp_path / "big.tif", [band], ["Zn"])
    found = raster_warnings([(path, 1)], max_cells=100)  # 10 x 10 of the 40 x 40 cells
    assert len(found) == 1 and "hold -1.00000002e+30" in found[0] and "band 'Zn'" in found[0]


def write_tiled(path, band, block=16, nodata=None):
    """A tiled GeoTIFF of one band in ``block`` x ``block`` blocks."""
    import rasterio
    from rasterio.transform import from_origin

    height, width = band.shape
    with rasterio.open(
        str(path), "w", driver="GTiff", width=width, height=height, count=1, dtype="float32", crs="EPSG:3067",
        transform=from_origin(400_000, 7_510_000, 250, 250), nodata=nodata, tiled=True, blockxsize=block,
        blockysize=block,
    ) as dst:  # fmt: skip
        dst.write(band[None])
        dst.set_band_description(1, "Zn")
    return str(path)


def test_spread_blocks_are_whole_blocks_spread_over_the_band_within_the_budget():
    windows = spread_blocks(150, 170, (16, 16), 16 * 16 * 12)
    assert 1 < len(windows) <= 12
    rows = sorted({w[0] for w in windows})
    cols = sorted({w[2] for w in windows})
    assert rows[0] == 0 and rows[-1] == 144 and cols[0] == 0 and cols[-1] == 160  # first and last blocks
    assert len(rows) > 2 and len(cols) > 2  # spread both ways, not a strip
    for r0, r1, c0, c1 in windows:  # on the block grid, clipped to the band
        assert r0 % 16 == 0 and c0 % 16 == 0 and r1 == min(r0 + 16, 150) and c1 == min(c0 + 16, 170)
    assert len(set(windows)) == len(windows)
    # row strips (one row a block): spread rows
    strips = spread_blocks(1000, 300, (1, 300), 300 * 10)
    assert len(strips) == 10 and strips[0] == (0, 1, 0, 300) and strips[-1] == (999, 1000, 0, 300)
    assert spread_blocks(100, 100, (64, 64), 1000) is None  # one block is already over the budget


def test_sample_band_reads_exactly_the_spread_blocks_cells(tmp_path):
    import rasterio

    band = np.random.default_rng(3).uniform(1, 9, (150, 170)).astype(np.float32)
    band[40:50, 60:90] = -9999.0
    path = write_tiled(tmp_path / "tiled.tif", band, nodata=-9999.0)
    with rasterio.open(path) as src:
        sample = sample_band(src, 1, 16 * 16 * 12)
        whole = sample_band(src, 1, 150 * 170)
    windows = spread_blocks(150, 170, (16, 16), 16 * 16 * 12)
    expected = np.concatenate([band[r0:r1, c0:c1].ravel() for r0, r1, c0, c1 in windows])
    np.testing.assert_array_equal(np.ma.filled(sample, -9999.0), expected)
    np.testing.assert_array_equal(sample.mask, expected == -9999.0)
    np.testing.assert_array_equal(np.ma.filled(whole, -9999.0), band)  # small enough: every cell


def test_the_block_sample_sees_a_fill_value_in_a_large_tiled_band(tmp_path):
    band = np.random.default_rng(4).uniform(20, 220, (160, 160)).astype(np.float32)
    band[:, :32] = -1e30  # 20 %, the left two columns of blocks
    path = write_tiled(tmp_path / "tiled_fill.tif", band)
    found = raster_warnings([(path, 1)], max_cells=16 * 16 * 16)  # 16 of the 100 blocks
    assert len(found) == 1 and "hold -1.00000002e+30" in found[0] and "band 'Zn'" in found[0]


def test_values_beyond_float32_are_read_as_nodata_with_a_warning_and_no_numpy_warning(tmp_path):
    cu = data_band().astype(np.float64)
    cu[0, :3] = 1e300
    cu[1, 0] = -1e39
    path = write(tmp_path / "f64.tif", [cu], ["Cu"], nodata=-9999.0, dtype="float64")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a raw 'overflow encountered in cast' would fail here
        data = read_raster(path)
        assert raster_warnings([(path, 1)], "INPUT_RASTER") == data.warnings
    assert np.isnan(data.bands[0, 0, :3]).all() and np.isnan(data.bands[0, 1, 0])
    assert np.isfinite(data.bands[0]).sum() == SIZE * SIZE - 4
    assert data.warnings == [
        f"INPUT_RASTER: band 'Cu' of 'f64.tif' has 4 cells beyond the float32 range (magnitude above 3.4e38, or "
        f"infinite), which are not measurements; they were read as nodata (GDAL's 'ERROR 5 ... should be finite "
        "values' lines come from QGIS opening such a raster). If they mark missing data, set the file's nodata "
        f"value to them (gdal_edit.py -a_nodata VALUE '{path}')."
    ]


def test_grid_cells_beyond_float32_are_counted_and_cleared_before_writing(tmp_path):
    import rasterio

    bands = np.stack([np.full((3, 4), 2.0), np.full((3, 4), 5.0)])
    bands[0, 0, :2] = 5e38
    bands[1, 2, 3] = -np.inf
    bands[1, 1, 1] = np.nan  # nodata already: not counted
    cleared = bands.copy()
    assert clear_beyond_float32(cleared) == [2, 1]
    assert np.isnan(cleared[0, 0, :2]).all() and np.isnan(cleared[1, 2, 3]) and cleared[0, 1, 1] == 2.0
    # write_geotiff turns what is left beyond float32 into nodata without numpy's raw warning
    grid = GridSpec(0.0, 3.0, 1.0, 4, 3, None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_geotiff(str(tmp_path / "out.tif"), bands, grid, ["a", "b"], nodata=-9999.0)
    with rasterio.open(str(tmp_path / "out.tif")) as src:
        assert (src.read(1)[0, :2] == -9999.0).all() and src.read(2)[2, 3] == -9999.0


@pytest.mark.parametrize("value, expected", [(10.0, "one value (10)"), (np.nan, "no cell with a value")])
def test_a_constant_or_empty_evidence_band_is_named_with_why_gdal_complained(tmp_path, value, expected):
    """A band with one value (or none) carries no evidence; QGIS opening it makes GDAL print ERROR 5 (or 1) lines,
    so the warning names the band and says where those lines come from. Other bands and label rasters stay quiet."""
    constant = np.full((SIZE, SIZE), value, np.float32)
    path = write(tmp_path / "stack.tif", [data_band(), np.where(np.isnan(constant), -9999, constant)], ["Cu", "Pb"],
                 nodata=-9999)  # fmt: skip
    for found in (read_raster(path, parameter="INPUT_RASTERS").warnings, raster_warnings([(path, 1), (path, 2)])):
        assert len(found) == 1, found
        assert found[0].startswith("INPUT_RASTERS: band 'Pb' of 'stack.tif'") and expected in found[0]
        assert "GDAL" in found[0]
    assert read_raster(path, parameter="LABELS").warnings == []
