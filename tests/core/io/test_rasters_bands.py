"""read_raster selects bands by 1-based index and names a missing band."""

import math

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


@pytest.mark.parametrize("alpha", [False, True])
def test_a_picture_read_as_values_is_named_with_the_colours_gdal_gives_its_bands(tmp_path, alpha):
    """A screenshot of a map (red, green, blue bytes, with or without alpha): every reader says which of its colour
    bands it read as values, as GDAL's own API interprets them; a grey band and a second band of a plain raster draw
    no word."""
    import rasterio
    from osgeo import gdal
    from rasterio.transform import from_origin

    from geochem_prospector.core.io.rasters import raster_warnings

    path = str(tmp_path / "screenshot.tif")
    count = 4 if alpha else 3
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=count, dtype="uint8", crs="EPSG:3067",
                       transform=from_origin(0, 40, 10, 10), photometric="RGB",
                       **({"alpha": "YES"} if alpha else {})) as dst:  # fmt: skip
        dst.write(np.arange(count * 16, dtype=np.uint8).reshape(count, 4, 4))
    ds = gdal.Open(path)
    colours = [gdal.GetColorInterpretationName(ds.GetRasterBand(i).GetColorInterpretation()).lower()
               for i in range(1, count + 1)]  # fmt: skip
    ds = None
    assert colours[:3] == ["red", "green", "blue"] and (not alpha or colours[3] == "alpha")
    data = read_raster(path, parameter="INPUT_RASTERS")
    assert data.bands.shape[0] == 3  # the alpha band is the others' mask, not a value
    told = [w for w in data.warnings if "marked red, green and blue" in w]
    assert told == [w for w in told if w.startswith("INPUT_RASTERS: 'screenshot.tif' has its bands marked")]
    assert len(told) == 1 and "its red, green and blue bands were read as values" in told[0]
    one = read_raster(path, indexes=[2], parameter="BASELINES").warnings
    assert any(w.startswith("BASELINES: ") and "its green band was read as values" in w for w in one)
    tiles = raster_warnings([(path, 1)], "INPUT_RASTERS")
    assert any("its red band was read as values" in w for w in tiles)
    assert not [w for w in raster_warnings([(path, 1)], "INPUT_RASTERS", pictures=False) if "red, green" in w]
    grid = GridSpec(0.0, 40.0, 10.0, 4, 4, "EPSG:3067")
    plain = write_geotiff(str(tmp_path / "plain.tif"), np.arange(48.0).reshape(3, 4, 4), grid, ["a", "b", "c"])
    assert not [w for w in read_raster(plain).warnings if "red, green" in w]


@pytest.mark.parametrize("count", [3, 4])
def test_byte_bands_the_plugin_writes_are_values_not_a_picture(tmp_path, count):
    """Review 26: anomalies' class raster of 2 or 3 elements (3 or 4 byte bands: classes and the index's) was marked
    red, green, blue (and alpha) by GDAL's default for byte GeoTIFFs, so reading it back warned of a picture and
    dropped the 'alpha' band. Written as grey bands (GDAL's own colour interpretation read back), every band is read
    with its values and no warning."""
    from osgeo import gdal

    from geochem_prospector.core.io.windows import open_geotiff_writer

    grid = GridSpec(0.0, 40.0, 10.0, 4, 4, "EPSG:3067")
    classes = np.arange(count * 16, dtype=np.uint8).reshape(count, 4, 4) % 4
    names = [f"class{i}" for i in range(count)]
    paths = [write_geotiff(str(tmp_path / "classes.tif"), classes, grid, names, dtype="uint8", nodata=255)]
    dst = open_geotiff_writer(str(tmp_path / "tiled.tif"), grid, names, dtype="uint8", nodata=255)
    dst.write(classes)
    dst.close()
    paths.append(str(tmp_path / "tiled.tif"))
    for path in paths:
        ds = gdal.Open(path)
        colours = {gdal.GetColorInterpretationName(ds.GetRasterBand(i).GetColorInterpretation()).lower()
                   for i in range(1, count + 1)}  # fmt: skip
        ds = None
        assert not colours & {"red", "green", "blue", "alpha"}, (path, colours)
        data = read_raster(path)
        assert data.bands.shape[0] == count and not [w for w in data.warnings if "red, green" in w]
        np.testing.assert_array_equal(data.bands, classes)


@pytest.mark.parametrize(
    "count, options, expected",
    [
        (4, {"photometric": "RGB", "alpha": "YES"}, (3, "3 colour bands (red, green, blue) and an alpha band (transparency)", "red")),
        (3, {"photometric": "RGB"}, (3, "3 colour bands (red, green, blue)", "red")),
        (2, {"alpha": "YES"}, (1, "1 band and an alpha band (transparency)", "")),
        (3, {"photometric": "MINISBLACK"}, (3, "3 bands", "")),
    ],
)  # fmt: skip
def test_bands_are_counted_as_gdal_interprets_their_colours(tmp_path, count, options, expected):
    """An alpha band is transparency, not a band of values: counted apart, as GDAL's own API interprets it."""
    import rasterio
    from osgeo import gdal
    from rasterio.transform import from_origin

    from geochem_prospector.core.io.rasters import bands_in_words

    path = str(tmp_path / "picture.tif")
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=count, dtype="uint8", crs="EPSG:3067",
                       transform=from_origin(0, 40, 10, 10), **options) as dst:  # fmt: skip
        dst.write(np.zeros((count, 4, 4), dtype=np.uint8))
    ds = gdal.Open(path)
    alphas = sum(ds.GetRasterBand(i).GetColorInterpretation() == gdal.GCI_AlphaBand for i in range(1, count + 1))
    ds = None
    assert bands_in_words(path) == expected and expected[0] == count - alphas
    assert bands_in_words(str(tmp_path / "missing.tif")) == (0, "", "")


def test_detection_limits_of_a_band_are_read_in_one_opening(tmp_path, monkeypatch):
    """band_detection_limits reads both band metadata items from one opening of the file (anomalies asks it for
    every band: it opened the file twice a band), with the values GDAL's own API reads."""
    import rasterio
    from osgeo import gdal

    from geochem_prospector.core.io import rasters

    grid = GridSpec(0.0, 30.0, 10.0, 3, 3, "EPSG:3067")
    path = write_geotiff(str(tmp_path / "au.tif"), np.ones((2, 3, 3)), grid, ["Au", "Cu"])
    with rasterio.open(path, "r+") as dst:
        dst.update_tags(1, detection_limits="1,0.2", lowest_measured="0.1")
    ds = gdal.Open(path)
    limits = sorted(float(v) for v in ds.GetRasterBand(1).GetMetadataItem("detection_limits").split(","))
    lowest = float(ds.GetRasterBand(1).GetMetadataItem("lowest_measured"))
    ds = None
    opened = []
    real_open = rasterio.open
    monkeypatch.setattr(rasterio, "open", lambda *a, **k: opened.append(a[0]) or real_open(*a, **k))
    assert rasters.band_detection_limits(path, 1) == (limits, lowest) and len(opened) == 1
    assert rasters.band_detection_limits(path, 2) == ([], math.inf) and len(opened) == 2
    assert rasters.band_detection_limits(str(tmp_path / "missing.tif"), 1) == ([], math.inf)


@pytest.mark.parametrize("bands, alpha", [(3, True), (1, True), (2, False)])
def test_a_band_past_the_last_or_the_alpha_band_is_said_as_gdal_numbers_the_bands(tmp_path, bands, alpha):
    """band_choice_problem over band_roles of float GeoTIFFs with and without a GDAL alpha band, every band number
    from -1 to past the last tried: the bands said to hold values and the alpha band named are those GDAL's colour
    interpretation (gdalinfo's 'ColorInterp=Alpha', read here through osgeo.gdal) gives."""
    import rasterio
    from osgeo import gdal

    from geochem_prospector.core.io.rasters import band_choice_problem, band_roles

    path = str(tmp_path / "elements.tif")
    count = bands + int(alpha)
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=count, dtype="float32", crs="EPSG:3067",
                       transform=rasterio.transform.from_origin(0, 40, 10, 10), photometric="MINISBLACK",
                       **({"alpha": "YES"} if alpha else {})) as dst:  # fmt: skip
        dst.write(np.ones((count, 4, 4), dtype=np.float32))
    ds = gdal.Open(path)
    alphas = [
        i for i in range(1, ds.RasterCount + 1) if ds.GetRasterBand(i).GetColorInterpretation() == gdal.GCI_AlphaBand
    ]
    ds = None
    assert len(alphas) == int(alpha) and band_roles(path) == (
        count,
        [i for i in range(1, count + 1) if i not in alphas],
    )
    _, kept = band_roles(path)
    # GDAL puts the alpha of a grey GeoTIFF (ALPHA=YES, PHOTOMETRIC=MINISBLACK) second: its first extra sample
    choose = {(3, True): "bands 1, 3, 4", (1, True): "band 1"}.get((bands, alpha))
    for n in range(-1, count + 3):
        problem = band_choice_problem([n], count, kept)
        if 1 <= n <= count and n not in alphas:
            assert problem == ""
        elif n in alphas:
            assert problem.startswith(f"band {n} is the raster's alpha band (transparency")
        elif alpha:
            assert problem.startswith(f"band {n} does not exist; the raster has {bands} element band")
            assert f"an alpha band (band {alphas[0]}: transparency, not values)" in problem
            assert problem.endswith(f"; choose {choose}.")
        else:
            assert problem == f"band {n} does not exist; the raster has {count} band(s)."
    assert band_choice_problem([1, count + 1, count + 2], count, kept).startswith(
        f"band {count + 1}, {count + 2} does not exist"
    )
    assert band_roles(str(tmp_path / "none.tif")) == (0, [])
