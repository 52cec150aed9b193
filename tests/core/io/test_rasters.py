"""GeoTIFF writing, reading and stacking on a common grid."""

import os

import numpy as np
import pytest

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.io.outputs import atomic_output
from geochem_prospector.core.io.rasters import PROVENANCE_TAG, rasterize_mask, read_raster, read_stack, write_geotiff

WKT_3067 = 'PROJCS["ETRS89 / TM35FIN(E,N)",GEOGCS["ETRS89",DATUM["European_Terrestrial_Reference_System_1989",SPHEROID["GRS 1980",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",27],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1],AUTHORITY["EPSG","3067"]]'


def test_write_read_roundtrip(tmp_path):
    grid = GridSpec(1000.0, 5000.0, 10.0, 30, 20, WKT_3067)
    data = np.arange(2 * 20 * 30, dtype=np.float32).reshape(2, 20, 30)
    data[0, 0, 0] = np.nan
    path = str(tmp_path / "a.tif")
    write_geotiff(path, data, grid, ["Cu", "Zn"], provenance={"algorithm": "test"})
    back = read_raster(path)
    assert back.band_names == ["Cu", "Zn"] and back.grid.width == 30 and back.grid.pixel_size == 10.0
    assert np.isnan(back.bands[0, 0, 0])
    np.testing.assert_array_equal(back.bands[1], data[1])
    import rasterio

    with rasterio.open(path) as src:
        assert '"algorithm": "test"' in src.tags()[PROVENANCE_TAG]
    assert read_raster(path, ["Zn"]).band_names == ["Zn"]
    with pytest.raises(InputError, match="Pb"):
        read_raster(path, ["Pb"])


def test_atomic_output_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.tif"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError):
        with atomic_output(str(target)) as tmp:
            open(tmp, "wb").write(b"half")
            raise RuntimeError("boom")
    assert target.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["out.tif"]


def test_stack_resamples_onto_first_grid(tmp_path):
    fine = GridSpec(0.0, 100.0, 10.0, 10, 10, WKT_3067)
    coarse = GridSpec(0.0, 100.0, 20.0, 5, 5, WKT_3067)
    write_geotiff(str(tmp_path / "fine.tif"), np.ones((1, 10, 10)), fine, ["a"])
    write_geotiff(str(tmp_path / "coarse.tif"), np.full((2, 5, 5), 3.0), coarse, ["x", "y"])
    stack = read_stack([str(tmp_path / "fine.tif"), str(tmp_path / "coarse.tif")])
    assert stack.band_names == ["fine:a", "coarse:x", "coarse:y"]
    assert stack.bands.shape == (3, 10, 10)
    np.testing.assert_allclose(stack.bands[1], 3.0)


def test_outputs_get_normal_permissions(tmp_path):
    path = tmp_path / "p.tif"
    write_geotiff(str(path), np.zeros((1, 2, 2)), GridSpec(0.0, 2.0, 1.0, 2, 2, WKT_3067), ["a"])
    mask = os.umask(0)
    os.umask(mask)
    assert (path.stat().st_mode & 0o777) == 0o666 & ~mask


def test_points_mark_the_cell_holding_them_the_grid_edges_included_and_polygons_as_rasterio_burns_them():
    from rasterio import features
    from shapely.geometry import MultiPoint, Point, box

    grid = GridSpec(xmin=0.0, ymax=40.0, pixel_size=10.0, width=4, height=4)
    corners = [Point(0, 0), Point(40, 0), Point(40, 40), Point(0, 40)]  # the grid's four outer corners
    marked = rasterize_mask([*corners, MultiPoint([(15, 25), (500, 500)])], grid)
    assert sorted(zip(*np.nonzero(marked))) == [(0, 0), (0, 3), (1, 1), (3, 0), (3, 3)]
    polygon = box(5, 5, 26, 31)
    burnt = features.rasterize([(polygon, 1)], out_shape=(4, 4), transform=grid.affine(), fill=0, dtype="uint8")
    assert (rasterize_mask([polygon], grid) == burnt.astype(bool)).all()
    assert (
        rasterize_mask([polygon, Point(40, 0)], grid) == (burnt.astype(bool) | (np.arange(16) == 15).reshape(4, 4))
    ).all()


def test_write_in_windows_equals_the_array_with_progress_and_cancel(tmp_path, monkeypatch):
    """A grid written in several windows of rows per band reads back (GDAL, through rasterio) cell for cell as
    the array, inf and NaN as nodata; progress moves per window; a cancel between windows leaves no file."""
    import rasterio

    from geochem_prospector.core.errors import Cancelled
    from geochem_prospector.core.io import rasters

    monkeypatch.setattr(rasters, "WRITE_WINDOW_CELLS", 300 * 256)  # 256 rows per window: 3 windows per band
    grid = GridSpec(1000.0, 9000.0, 10.0, 300, 700, WKT_3067)
    rng = np.random.default_rng(3)
    data = rng.lognormal(1.0, 1.0, (2, 700, 300))  # float64 in, float32 out
    data[0, 650, 10], data[1, 5, 5], data[1, 300, 299] = np.nan, np.inf, 1e300
    seen: list = []
    path = str(tmp_path / "w.tif")
    write_geotiff(path, data, grid, ["Cu", "Zn"], nodata=-9999.0, progress=seen.append)
    with rasterio.open(path) as src:
        back = src.read()
    with np.errstate(over="ignore"):
        expected = data.astype(np.float32)
    expected[~np.isfinite(expected)] = -9999.0
    np.testing.assert_array_equal(back, expected)
    windows = [f for f in seen if f <= rasters.WRITE_SHARE]  # then the read back moves the rest
    assert windows == pytest.approx([rasters.WRITE_SHARE * k / 6 for k in range(1, 7)])
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 6
    calls = []
    with pytest.raises(Cancelled):
        write_geotiff(
            str(tmp_path / "c.tif"), data, grid, ["Cu", "Zn"], is_cancelled=lambda: calls.append(1) or len(calls) > 2
        )
    assert not os.path.exists(tmp_path / "c.tif") and len(calls) == 3


def test_write_progress_follows_the_bytes_on_disk(tmp_path, monkeypatch):
    """Sweep 21b: when write_geotiff reports a window written, its tiles are compressed and in the file: the
    temporary file's size at each window's report grows with the windows, and at the last one it holds nearly the
    whole file. Before, GDAL's cache kept every tile until the file closed (the size stayed at the header's until
    the progress had said 100 %, and the compression ran silent: 94 % of a 4,000 x 4,000 write). Then the file is
    read back tile by tile with the rest of the progress; it equals the array (rasterio)."""
    import glob

    import rasterio

    from geochem_prospector.core.io import rasters

    monkeypatch.setattr(rasters, "WRITE_WINDOW_CELLS", 1024 * 256)  # 4 windows of 256 rows
    grid = GridSpec(1000.0, 20_000.0, 10.0, 1024, 1024, WKT_3067)
    data = np.random.default_rng(5).normal(100.0, 10.0, (1, 1024, 1024)).astype(np.float32)  # compresses little
    sizes: list = []

    def progress(fraction: float) -> None:
        partial = glob.glob(str(tmp_path / ".partial-*"))
        sizes.append((fraction, os.path.getsize(partial[0]) if partial else None))

    path = str(tmp_path / "noise.tif")
    write_geotiff(path, data, grid, ["v"], progress=progress)
    final = os.path.getsize(path)
    written = [size for fraction, size in sizes if fraction <= rasters.WRITE_SHARE]
    assert len(written) == 4 and written == sorted(written) and written[0] < 0.4 * final
    assert written[-1] >= 0.9 * final, (written, final)
    assert [f for f, _ in sizes] == sorted(f for f, _ in sizes) and sizes[-1][0] == 1.0
    with rasterio.open(path) as src:
        np.testing.assert_array_equal(src.read(), data)
