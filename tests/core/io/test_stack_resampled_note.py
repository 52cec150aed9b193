"""read_stack says when it resamples a raster onto the first raster's grid (sweep 31a: magnetics in EPSG:3763 at 75 m
beside an evidence stack in UTM at 250 m went through traincnn without a word, where evidence names its method).
The values are checked against gdalwarp's bilinear resampling of the same file onto the same grid."""

import subprocess

import numpy as np
import rasterio
from rasterio.transform import from_origin

from geochem_prospector.core.io.rasters import read_stack


def _write(path, values, crs, x0, y0, cell):
    profile = dict(driver="GTiff", width=values.shape[1], height=values.shape[0], count=1, dtype="float32",
                   crs=crs, nodata=-9999.0, transform=from_origin(x0, y0, cell, cell))  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values.astype(np.float32), 1)
    return str(path)


def test_a_raster_on_another_grid_is_said_to_be_resampled(tmp_path):
    rng = np.random.default_rng(31)
    first = _write(tmp_path / "evidence.tif", rng.normal(size=(20, 24)), "EPSG:3067", 400_000, 7_510_000, 250.0)
    yy, xx = np.mgrid[0:90, 0:110]
    mag = _write(tmp_path / "mag.tif", np.sin(xx / 9.0) * 100 + yy, "EPSG:32635", 399_000, 7_512_000, 75.0)
    stack = read_stack([first, mag])
    assert len(stack.notes) == 1
    note = stack.notes[0]
    assert note.startswith(
        "INPUT_RASTERS: 'mag.tif' (110 x 90 cells of 75 m from x 399000, y 7512000, WGS 84 / UTM zone 35N) is on "
        "another grid than 'evidence.tif' (24 x 20 cells of 250 m from x 400000, y 7510000, ETRS89 / TM35FIN(E,N)): "
        "resampled onto it (bilinear)"
    )
    assert "CATEGORICAL_RASTERS" in note
    warped = str(tmp_path / "warped.tif")
    subprocess.run(
        ["gdalwarp", "-q", "-t_srs", "EPSG:3067", "-te", "400000", "7505000", "406000", "7510000", "-tr", "250", "250",
         "-r", "bilinear", "-dstnodata", "nan", mag, warped],
        check=True,
    )  # fmt: skip
    with rasterio.open(warped) as src:
        reference = src.read(1)
    both = np.isfinite(reference) & np.isfinite(stack.bands[1])
    assert both.sum() > 0.9 * reference.size
    assert np.allclose(stack.bands[1][both], reference[both], rtol=1e-4, atol=1e-2)


def test_rasters_on_one_grid_say_nothing(tmp_path):
    rng = np.random.default_rng(1)
    first = _write(tmp_path / "a.tif", rng.normal(size=(10, 10)), "EPSG:3067", 400_000, 7_510_000, 250.0)
    second = _write(tmp_path / "b.tif", rng.normal(size=(10, 10)), "EPSG:3067", 400_000, 7_510_000, 250.0)
    assert read_stack([first, second]).notes == []


def test_a_raster_shifted_by_a_quarter_cell_is_resampled_not_taken_cell_for_cell(tmp_path):
    """Same shape, cell size and CRS, 62.5 m east of the first raster at northing 7,510,000: numpy's allclose (a
    tolerance relative to the coordinates, 75 m there) took it cell for cell without a word. It is resampled, said,
    and its values equal gdalwarp's bilinear resampling onto the first grid."""
    rng = np.random.default_rng(4)
    first = _write(tmp_path / "a.tif", rng.normal(size=(16, 16)), "EPSG:3067", 400_000, 7_510_000, 250.0)
    yy, xx = np.mgrid[0:16, 0:16]
    shifted = _write(tmp_path / "b.tif", 3.0 * xx + yy, "EPSG:3067", 400_062.5, 7_510_000, 250.0)
    stack = read_stack([first, shifted])
    assert len(stack.notes) == 1 and "from x 400062.5, y 7510000" in stack.notes[0]
    warped = str(tmp_path / "warped.tif")
    subprocess.run(
        ["gdalwarp", "-q", "-te", "400000", "7506000", "404000", "7510000", "-tr", "250", "250", "-r", "bilinear",
         "-dstnodata", "nan", shifted, warped],
        check=True,
    )  # fmt: skip
    with rasterio.open(warped) as src:
        reference = src.read(1)
    both = np.isfinite(reference) & np.isfinite(stack.bands[1])
    assert both.sum() >= 0.9 * reference.size
    assert np.allclose(stack.bands[1][both], reference[both], atol=1e-3)
    assert not np.allclose(stack.bands[1][both], (3.0 * xx + yy)[both])  # not the cells taken as they were


def test_same_cells_allows_a_thousandth_of_a_cell_whatever_the_coordinates():
    from geochem_prospector.core.grid import GridSpec

    grid = GridSpec(xmin=400_000.0, ymax=7_510_000.0, pixel_size=250.0, width=16, height=16)
    assert grid.same_cells(GridSpec(400_000.2, 7_509_999.8, 250.0, 16, 16))  # rounding in a written header
    assert not grid.same_cells(GridSpec(400_062.5, 7_510_000.0, 250.0, 16, 16))
    assert not grid.same_cells(GridSpec(400_000.0, 7_510_000.0, 250.1, 16, 16))  # 1.6 m apart at the far edge
    assert not grid.same_cells(GridSpec(400_000.0, 7_510_000.0, 250.0, 16, 15))


def test_a_band_of_class_codes_is_taken_from_the_nearest_cell(tmp_path):
    """A two-band file on another grid: band 1 tagged KIND=categorical (evidence's codes) equals gdalwarp's nearest
    resampling and holds only the codes given; band 2, continuous, is still bilinear (review 36: the codes were
    mixed into fractions)."""
    first = _write(tmp_path / "evidence.tif", np.zeros((20, 24)), "EPSG:3067", 400_000, 7_510_000, 250.0)
    yy, xx = np.mgrid[0:50, 0:60]
    codes = 1 + (xx // 7 + yy // 5) % 4
    both_bands = str(tmp_path / "geology.tif")
    profile = dict(driver="GTiff", width=60, height=50, count=2, dtype="float32", crs="EPSG:3067",
                   nodata=-9999.0, transform=from_origin(399_870, 7_510_110, 110.0, 110.0))  # fmt: skip
    with rasterio.open(both_bands, "w", **profile) as dst:
        dst.write(np.stack([codes, np.sin(xx / 5.0) * 10 + yy]).astype(np.float32))
        dst.update_tags(1, KIND="categorical")
        dst.update_tags(2, KIND="continuous")
    stack = read_stack([first, both_bands])
    assert "bilinear but for its 1 band(s) of class codes" in stack.notes[0]
    for band, method in ((1, "near"), (2, "bilinear")):
        alone, warped = str(tmp_path / f"band_{band}.tif"), str(tmp_path / f"warped_{method}.tif")
        subprocess.run(["gdal_translate", "-q", "-b", str(band), both_bands, alone], check=True)  # GDAL 3.6: no -b
        subprocess.run(
            ["gdalwarp", "-q", "-te", "400000", "7505000", "406000", "7510000", "-tr", "250", "250", "-r", method,
             "-dstnodata", "nan", alone, warped],
            check=True,
        )  # fmt: skip
        with rasterio.open(warped) as src:
            reference = src.read(1)
        ours = stack.bands[band]
        valid = np.isfinite(reference) & np.isfinite(ours)
        assert valid.sum() > 0.9 * reference.size
        assert np.allclose(ours[valid], reference[valid], rtol=1e-4, atol=1e-2), method
    assert set(np.unique(stack.bands[1][np.isfinite(stack.bands[1])])) <= {1.0, 2.0, 3.0, 4.0}
