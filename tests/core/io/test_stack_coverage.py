"""core.io.rasters.read_stack warns when a later raster leaves a large share of the first raster's cells empty."""

import numpy as np
import rasterio
from rasterio.transform import from_origin

from geochem_prospector.core.io.rasters import read_stack


def _varied(rows, cols):
    """Values that differ from cell to cell (a constant band gets a warning of its own)."""
    return np.arange(rows * cols, dtype=float).reshape(rows, cols) + 1.0


def _write(path, values, x0=400_000.0):
    profile = dict(driver="GTiff", width=values.shape[1], height=values.shape[0], count=1, dtype="float32",
                   crs="EPSG:3067", nodata=-9999.0, transform=from_origin(x0, 7_510_000.0, 250.0, 250.0))  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values.astype(np.float32), 1)
    return str(path)


def test_a_raster_over_a_quarter_of_the_grid_is_named_with_its_share(tmp_path):
    first = _write(tmp_path / "first.tif", _varied(20, 20))
    quarter = _write(tmp_path / "quarter.tif", _varied(20, 5))  # the west 5 of 20 columns
    stack = read_stack([first, quarter])
    found = [w for w in stack.warnings if "quarter.tif" in w]
    assert len(found) == 1 and "has no value in 75 % of the cells where 'first.tif' has one" in found[0]
    assert np.isnan(stack.bands[1][:, 5:]).all()  # the cells it leaves out


def test_a_raster_with_a_small_gap_says_nothing(tmp_path):
    first = _write(tmp_path / "first.tif", _varied(20, 20))
    gap = _varied(20, 20)
    gap[:2, :10] = -9999.0  # 5 % of the cells: within the allowance
    assert not [w for w in read_stack([first, _write(tmp_path / "gap.tif", gap)]).warnings if "no value in" in w]
