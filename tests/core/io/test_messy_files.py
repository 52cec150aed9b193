"""Files as found on a shared drive: a raster without a CRS in a stack, outputs named with another format's extension."""

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.io.destinations import check_output_extension, filter_extensions
from geochem_prospector.core.io.rasters import read_stack


def _raster(path, data, crs="EPSG:3067", origin=(400_000.0, 7_510_000.0)):
    profile = dict(driver="GTiff", width=data.shape[1], height=data.shape[0], count=1, dtype="float32", crs=crs,
                   transform=from_origin(*origin, 250.0, 250.0), nodata=-9999.0)  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data.astype(np.float32), 1)
    return str(path)


def test_a_raster_without_crs_on_the_same_grid_is_taken_cell_for_cell(tmp_path):
    rng = np.random.default_rng(0)
    first = _raster(tmp_path / "a.tif", rng.normal(size=(6, 8)))
    bare = _raster(tmp_path / "b.tif", rng.normal(size=(6, 8)), crs=None)
    stack = read_stack([first, bare])
    with rasterio.open(bare) as src:  # reference: the file's own cells, read by rasterio
        np.testing.assert_array_equal(stack.bands[1], src.read(1))
    assert any("'b.tif' has no CRS" in w and w.startswith("INPUT_RASTERS:") for w in stack.warnings)


def test_a_raster_without_crs_on_another_grid_is_refused(tmp_path):
    first = _raster(tmp_path / "a.tif", np.ones((6, 8)))
    bare = _raster(tmp_path / "b.tif", np.ones((6, 8)), crs=None, origin=(401_000.0, 7_510_000.0))
    with pytest.raises(InputError, match=r"^INPUT_RASTERS: 'b\.tif' has no CRS and another grid .* Assign Projection"):
        read_stack([first, bare])


def test_filter_extensions_are_read_from_qt_filters():
    assert filter_extensions("HTML files (*.html);;JSON files (*.json);;CSV files (*.csv)") == [
        ".html", ".json", ".csv", ".htm"
    ]  # fmt: skip
    assert filter_extensions("CSV files (*.csv)") == [".csv"]
    assert filter_extensions("") == []


def test_an_output_named_for_another_format_is_refused():
    with pytest.raises(
        InputError,
        match=r"^OUTPUT: 'grid\.shp' ends in '\.shp' \(shapefile\), but this output is "
        r"written in GeoTIFF format \(\.tif, \.tiff\); .* e\.g\. 'grid\.tif'",
    ):
        check_output_extension("/x/grid.shp", (".tif", ".tiff"), "OUTPUT", strict=True)
    with pytest.raises(InputError, match=r"^OUTPUT_CV: 'cv\.tif' ends in '\.tif' \(GeoTIFF\), .* CSV format"):
        check_output_extension("/x/cv.tif", [".csv"], "OUTPUT_CV")
    # the right extension, none, .TIF in capitals, .htm for HTML, and (not strict) a name nobody reads as a format
    check_output_extension("/x/grid.TIF", (".tif", ".tiff"), "OUTPUT", strict=True)
    check_output_extension("/x/grid", (".tif", ".tiff"), "OUTPUT", strict=True)
    check_output_extension("/x/report.htm", filter_extensions("HTML files (*.html)"), "OUTPUT_REPORT")
    check_output_extension("/x/model.weights", [".pt"], "OUTPUT_MODEL")
    with pytest.raises(InputError, match=r"^OUTPUT: 'grid\.img' ends in '\.img'"):
        check_output_extension("/x/grid.img", (".tif", ".tiff"), "OUTPUT", strict=True)
    # .txt: refused for HTML (its tags would show in a text editor), kept for a CSV table (delimited text)
    with pytest.raises(InputError, match=r"^OUTPUT_REPORT: 'r\.txt' ends in '\.txt' \(plain text\), .* HTML format"):
        check_output_extension("/x/r.txt", filter_extensions("HTML files (*.html *.htm)"), "OUTPUT_REPORT")
    summary = filter_extensions("HTML files (*.html);;JSON files (*.json);;CSV files (*.csv)")  # .txt would be HTML
    with pytest.raises(InputError, match=r"^OUTPUT_SUMMARY: 's\.txt' ends in '\.txt'"):
        check_output_extension("/x/s.txt", summary, "OUTPUT_SUMMARY")
    check_output_extension("/x/thresholds.txt", [".csv"], "OUTPUT_TABLE")


@pytest.mark.parametrize(
    "dtype, nodata, scale, offset", [("int16", -32768, 0.01, 0.0), ("float32", -9999.0, 2.5, -40.0)]
)
def test_a_band_with_a_gdal_scale_and_offset_is_read_in_its_own_units(tmp_path, dtype, nodata, scale, offset):
    """Radiometrics or gravity stored as int16 counts with a GDAL scale / offset: every reader (whole raster, stack,
    tile by tile, evidence resampling) gives raw x scale + offset, as the reference `gdal_translate -unscale` writes
    it; nodata stays nodata. (Before: the raw counts, so a model saw 100 x its training values.)"""
    import shutil
    import subprocess

    from geochem_prospector.core.evidence.rasters import RasterEvidence
    from geochem_prospector.core.grid import GridSpec
    from geochem_prospector.core.io.rasters import read_raster
    from geochem_prospector.core.io.windows import StackWindowReader

    if shutil.which("gdal_translate") is None:
        pytest.skip("gdal_translate (gdal-bin) is not installed: it is the reference")
    rng = np.random.default_rng(4)
    raw = rng.integers(-2000, 2000, size=(2, 12, 9)).astype(dtype)
    raw[:, 0, :3] = nodata
    profile = dict(driver="GTiff", width=9, height=12, count=2, dtype=dtype, crs="EPSG:3067",
                   transform=from_origin(400_000.0, 7_510_000.0, 250.0, 250.0), nodata=nodata)  # fmt: skip
    path, reference = str(tmp_path / "scaled.tif"), str(tmp_path / "unscaled.tif")
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(raw)
        dst.scales, dst.offsets = (scale, scale), (offset, offset)
    subprocess.run(["gdal_translate", "-q", "-unscale", "-ot", "Float32", path, reference], check=True)
    with rasterio.open(reference) as src:
        expected = src.read(masked=True).astype(np.float32).filled(np.nan)
        grid = GridSpec(400_000.0, 7_510_000.0, 250.0, 9, 12, src.crs.to_wkt())
    assert np.isnan(expected[:, 0, :3]).all() and np.nanmax(np.abs(expected)) > 1  # the reference is unscaled
    np.testing.assert_allclose(read_raster(path).bands, expected, rtol=1e-6)
    np.testing.assert_allclose(read_stack([reference, path]).bands[2:], expected, rtol=1e-6)
    reader = StackWindowReader([(path, 1), (path, 2)], grid)
    try:
        np.testing.assert_allclose(reader(0, 12, 0, 9), expected, rtol=1e-6)
    finally:
        reader.close()
    source = RasterEvidence("scaled", path, grid, "nearest")
    try:
        np.testing.assert_allclose(source.window(grid, 0, 12, 0, 9), expected, rtol=1e-6)
    finally:
        source.close()


def test_undecoded_names_are_counted_and_merged_names_said():
    """Names holding U+FFFD (what a reader puts for bytes it cannot decode) are counted as given, the distinct ones
    shown; names that decoding made alike are said to be so; clean names draw nothing."""
    from geochem_prospector.core.io.encoding import undecoded_names_warning

    names = ["malmi \ufffd", "malmi \ufffd", "Kolari", "Kittil\ufffd", None]
    said = undecoded_names_warning(names, "nimi", "kaivokset", "DEPOSITS", "/data/kaivokset.shp")
    assert said.startswith("DEPOSITS: 3 name(s) in 'nimi' of 'kaivokset' hold characters that could not be read")
    assert "(e.g. 'Kittil\ufffd', 'malmi \ufffd'; 3 names read as 2, so different letters read alike)" in said
    assert "a shapefile without its .cpg file" in said
    assert undecoded_names_warning(["Kittilä", "Kolari"], "nimi", "kaivokset", "DEPOSITS") == ""
