"""read_raster selects bands by 1-based index and names a missing band."""

import numpy as np
import pytest

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.io.rasters import read_raster, write_geotiff


def test_read_band_by_index(tmp_path):
    grid = GridSpec(0.0, 30.0, 10.0, 3, 3, "EPSG:3067")
    bands = np.stack([np.full((3, 3), 1.0), np.arange(9.0).reshape(3, 3)])
    path = write_geotiff(str(tmp_path / "two.tif"), bands, grid, ["a", "b"])
    data = read_raster(path, indexes=[2])
    assert data.band_names == ["b"] and data.bands.shape == (1, 3, 3)
    np.testing.assert_array_equal(data.bands[0], bands[1])
    with pytest.raises(InputError, match="BAND: band 3 does not exist; the raster has 2 band"):
        read_raster(path, indexes=[3])


def test_missing_band_name_blames_the_parameter_that_named_it(tmp_path):
    grid = GridSpec(0.0, 30.0, 10.0, 3, 3, "EPSG:3067")
    path = write_geotiff(str(tmp_path / "two.tif"), np.zeros((2, 3, 3)), grid, ["a", "b"])
    with pytest.raises(InputError, match=r"^INPUT_RASTER: band\(s\) c not found; the raster has a, b"):
        read_raster(path, ["a", "c"])
    with pytest.raises(InputError, match=r"^BANDS: band\(s\) c not found; the raster has a, b"):
        read_raster(path, ["a", "c"], band_parameter="BANDS")
    with pytest.raises(InputError, match=r"^INPUT_RASTER: cannot open raster"):  # the file itself: still the raster
        read_raster(str(tmp_path / "missing.tif"), ["a"], band_parameter="BANDS")
