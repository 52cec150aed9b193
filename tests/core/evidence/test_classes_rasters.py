"""Class bands against gdal_rasterize, contact distance by hand, resampling against gdalwarp, the written stack's
names, units and mask, and the refusals of class choices."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import Point, box

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.evidence.geometry import window_centres
from geochem_prospector.core.evidence.polygons import PolygonEvidence, choose_classes, class_label, one_spelling
from geochem_prospector.core.evidence.rasters import RasterEvidence
from geochem_prospector.core.evidence.stack import NODATA, write_stack
from geochem_prospector.core.grid import GridSpec

from .helpers import CRS, gdalwarp, rasterize_vector, read, run, write_polygons

PX = 100.0
GRID = GridSpec(400_000.0, 7_506_000.0, PX, 60, 60, CRS)  # 6 x 6 km


def lithology():
    """Non-overlapping polygons: west granite, east gabbro (contact at x = 403,000), a schist disc and an
    oblique quartzite triangle inside them."""
    from shapely.geometry import Polygon

    disc = Point(401_500, 7_504_000).buffer(700, 64)
    triangle = Polygon([(403_500, 7_500_500), (405_500, 7_501_000), (404_000, 7_502_300)])
    west = box(400_000, 7_500_000, 403_000, 7_506_000).difference(disc)
    east = box(403_000, 7_500_000, 406_000, 7_506_000).difference(triangle)
    return [west, east, disc, triangle], ["granite", "gabbro", "schist", "quartzite"]


def test_class_bands_equal_gdal_rasterize(tmp_path):
    polygons, rocks = lithology()
    vector = write_polygons(str(tmp_path / "lith.gpkg"), polygons, rocks)
    evidence = PolygonEvidence("lithology", polygons, rocks, ["schist", "quartzite", "granite"], GRID, contacts=False)
    assert [b.name for b in evidence.bands] == ["lithology:schist", "lithology:quartzite", "lithology:granite"]
    ours = evidence.window(GRID, 0, 60, 0, 60)
    for band, rock in zip(ours, ["schist", "quartzite", "granite"]):
        gdal = read(rasterize_vector(str(tmp_path / f"{rock}.tif"), vector, GRID, where=f"rock = '{rock}'"))
        assert gdal.sum() > 20
        np.testing.assert_array_equal(band, gdal)


def test_contact_distance_by_hand():
    # two classes side by side: the only contact is x = 403,000; the map's outline is no contact
    polygons = [box(400_000, 7_500_000, 403_000, 7_506_000), box(403_000, 7_500_000, 406_000, 7_506_000)]
    evidence = PolygonEvidence("lithology", polygons, ["granite", "gabbro"], ["granite"], GRID, contacts=True)
    assert evidence.bands[-1].name == "lithology:contact_distance_m"
    block = evidence.window(GRID, 0, 60, 0, 60)[-1]
    x = window_centres(GRID, 0, 60, 0, 60)[:, 0].reshape(60, 60)
    np.testing.assert_allclose(block, np.abs(x - 403_000), atol=1e-3)


def test_contact_distance_of_a_disc_by_hand():
    polygons, rocks = lithology()
    evidence = PolygonEvidence("lithology", polygons[2:3] + polygons[:1], ["schist", "granite"], ["schist"], GRID)
    block = evidence.window(GRID, 0, 60, 0, 60)[-1]
    xy = window_centres(GRID, 0, 60, 0, 60)
    # the disc is a 64-segment polygon: its edges lie between r cos(pi/256) and r from the centre
    radial = np.abs(np.hypot(xy[:, 0] - 401_500, xy[:, 1] - 7_504_000) - 700)
    assert np.all(np.abs(block.ravel() - radial) <= 700 * (1 - np.cos(np.pi / 256)) + 1e-3)


def test_class_choice():
    labels = [class_label(v) for v in ["granite", " granite ", None, "", 3.0, "NULL", "gabbro"]]
    assert labels == ["granite", "granite", None, None, "3", None, "gabbro"]
    assert choose_classes(labels, [], 5, "rock") == ["granite", "3", "gabbro"]
    assert choose_classes(labels, ["gabbro"], 5, "rock") == ["gabbro"]
    many = [f"unit {i}" for i in range(300)]
    with pytest.raises(InputError, match=r"^CLASSES: field 'rock' has 300 different values, more than the 20 .*"
                       r"list the classes to use in CLASSES"):  # fmt: skip
        choose_classes(many, [], 20, "rock")
    with pytest.raises(InputError, match=r"^CLASSES: 'basalt' not found in field 'rock'"):
        choose_classes(labels, ["basalt"], 5, "rock")
    with pytest.raises(InputError, match=r"^CLASS_FIELD: field 'rock' has no values"):
        choose_classes([None, None], [], 5, "rock")


def source_raster(path: str, crs: str = CRS, categorical: bool = False) -> str:
    import rasterio
    from rasterio.transform import from_origin

    rng = np.random.default_rng(5)
    # 37 m cells over a larger area than the grid, with a nodata hole
    if categorical:
        data = rng.integers(1, 5, (220, 220)).astype(np.float32)
    else:
        yy, xx = np.mgrid[0:220, 0:220]
        data = (np.sin(xx / 9.0) * 40 + yy * 0.7 + rng.normal(0, 3, (220, 220))).astype(np.float32)
    data[100:110, 90:120] = -9999
    with rasterio.open(
        path, "w", driver="GTiff", width=220, height=220, count=1, dtype="float32", crs=crs,
        transform=from_origin(399_800.0, 7_506_300.0, 37.0, 37.0), nodata=-9999,
    ) as dst:  # fmt: skip
        dst.write(data, 1)
        dst.set_band_description(1, "tmi")
        dst.set_band_unit(1, "nT")
    return path


@pytest.mark.parametrize("method", ["bilinear", "average", "cubic", "nearest", "mode"])
def test_resampling_equals_gdalwarp(tmp_path, method):
    src = source_raster(str(tmp_path / "src.tif"), categorical=method in ("nearest", "mode"))
    evidence = RasterEvidence("magnetics", src, GRID, method)
    assert evidence.bands[0].name == "magnetics:tmi" and evidence.bands[0].unit == "nT"
    # window by window (17-cell tiles) against one gdalwarp of the whole grid
    ours = np.block([[evidence.window(GRID, r, min(r + 17, 60), c, min(c + 17, 60))[0] for c in range(0, 60, 17)]
                     for r in range(0, 60, 17)])  # fmt: skip
    gdal = gdalwarp(str(tmp_path / "warped.tif"), src, GRID, method)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(gdal))
    assert np.isnan(ours).any() and (~np.isnan(ours)).sum() > 3000
    np.testing.assert_allclose(ours, gdal, rtol=1e-5, atol=1e-4, equal_nan=True)
    evidence.close()


def test_reprojected_raster_equals_gdalwarp(tmp_path):
    # source in UTM zone 34N (central meridian 21° E, 6° west of TM35FIN's): a rotated grid, warped back by GDAL
    src = source_raster(str(tmp_path / "src.tif"))
    utm = str(tmp_path / "utm.tif")
    run(["gdalwarp", "-q", "-t_srs", "EPSG:32634", "-tr", "41", "41", "-r", "bilinear", src, utm])
    evidence = RasterEvidence("magnetics", utm, GRID, "bilinear")
    ours = evidence.window(GRID, 0, 60, 0, 60)[0]
    gdal = gdalwarp(str(tmp_path / "back.tif"), utm, GRID, "bilinear")
    ok = np.isfinite(ours) & np.isfinite(gdal)
    assert ok.sum() > 3000
    np.testing.assert_allclose(ours[ok], gdal[ok], rtol=1e-4, atol=1e-3)
    evidence.close()


def test_written_stack_names_units_and_mask(tmp_path):
    import rasterio

    polygons, rocks = lithology()
    src = source_raster(str(tmp_path / "src.tif"))
    sources = [
        PolygonEvidence("lithology", polygons, rocks, ["granite", "schist"], GRID, field="rock"),
        RasterEvidence("magnetics", src, GRID, "average"),
    ]
    mask = [box(400_000, 7_500_000, 403_000, 7_506_000)]  # the western half
    out = str(tmp_path / "evidence.tif")
    bands = write_stack(out, GRID, sources, mask, provenance={"algorithm": "test"}, tile=16).bands
    with rasterio.open(out) as ds:
        assert ds.descriptions == (
            "lithology:granite", "lithology:schist", "lithology:contact_distance_m", "magnetics:tmi",
        )  # fmt: skip
        assert ds.units == ("1", "1", "m", "nT")
        assert ds.tags(1)["CLASS_VALUE"] == "granite" and ds.tags(3)["KIND"] == "distance"
        assert ds.nodata == NODATA
        data = ds.read(masked=True)
    assert len(bands) == 4
    assert data.mask[:, :, 30:].all()  # east of the mask: nodata in every band
    gdal = gdalwarp(str(tmp_path / "w.tif"), src, GRID, "average")
    np.testing.assert_allclose(data[3, :, :30].filled(np.nan), gdal[:, :30], rtol=1e-5, atol=1e-4, equal_nan=True)


def test_same_layer_name_twice_is_refused(tmp_path):
    src = source_raster(str(tmp_path / "src.tif"))
    sources = [RasterEvidence("magnetics", src, GRID, "average"), RasterEvidence("magnetics", src, GRID, "bilinear")]
    with pytest.raises(InputError, match=r"^OUTPUT: two bands would be named magnetics:tmi"):
        write_stack(str(tmp_path / "e.tif"), GRID, sources)
    assert not (tmp_path / "e.tif").exists()


@pytest.mark.parametrize("coding", ["palette", "rgb", ""])
def test_colour_coded_rasters_are_told_apart_as_gdal_reads_them(tmp_path, coding):
    """A colour table and a red-green-blue picture are recognised as GDAL's own API interprets their bands."""
    import rasterio
    from osgeo import gdal
    from rasterio.transform import from_origin

    path = str(tmp_path / "r.tif")
    count = 3 if coding == "rgb" else 1
    extra = {"photometric": "RGB"} if coding == "rgb" else {}
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=count, dtype="uint8", crs=CRS,
                       transform=from_origin(0, 40, 10, 10), **extra) as dst:  # fmt: skip
        dst.write(np.zeros((count, 4, 4), dtype=np.uint8))
        if coding == "palette":
            dst.write_colormap(1, {0: (255, 0, 0, 255), 1: (0, 255, 0, 255)})
    names = {gdal.GCI_PaletteIndex: "palette", gdal.GCI_RedBand: "rgb"}
    ds = gdal.Open(path)
    expected = names.get(ds.GetRasterBand(1).GetColorInterpretation(), "")
    ds = None
    grid = GridSpec(xmin=0.0, ymax=40.0, pixel_size=10.0, width=4, height=4, crs_wkt=CRS)
    source = RasterEvidence("r", path, grid, "bilinear")
    assert source.colour_coding == expected == coding
    source.close()


def test_a_rock_name_typed_in_several_capitalisations_is_one_class():
    """'granite' (twice), 'Granite' and 'GRANITE' are one class spelled as most polygons spell it; a tie takes the
    first spelling in sorted order; NULLs stay NULL."""
    labels, merged = one_spelling(["granite", "Granite", None, "schist", "GRANITE", "granite", "Gabbro", "gabbro"])
    assert labels == ["granite", "granite", None, "schist", "granite", "granite", "Gabbro", "Gabbro"]
    assert merged == {"granite": ["granite", "GRANITE", "Granite"], "Gabbro": ["Gabbro", "gabbro"]}


def _turkish_lower(text: str) -> str:
    """``text`` lower-cased by the C library's Turkish case tables (towlower in tr_TR.UTF-8: I -> ı, İ -> i), the
    reference for how a Turkish map's capitals read; skips where that locale is not installed."""
    import ctypes
    import ctypes.util
    import locale

    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.towlower.restype = ctypes.c_uint32
    libc.towlower.argtypes = [ctypes.c_uint32]
    old = locale.setlocale(locale.LC_CTYPE)
    try:
        locale.setlocale(locale.LC_CTYPE, "tr_TR.UTF-8")
    except locale.Error:
        pytest.skip("the tr_TR.UTF-8 locale is not installed (localedef -i tr_TR -f UTF-8 tr_TR.UTF-8)")
    try:
        return "".join(chr(libc.towlower(ord(c))) for c in text)
    finally:
        locale.setlocale(locale.LC_CTYPE, old)


@pytest.mark.parametrize("capitals", ["GRANİT", "KIRMIZI KUMTAŞI", "DİYABAZ", "İGNİMBRİT"])
def test_a_turkish_rock_name_in_capitals_is_the_class_in_small_letters(capitals):
    """A Turkish map's 'GRANİT' is 'granit' and 'KIRMIZI KUMTAŞI' 'kırmızı kumtaşı' (the C library's Turkish
    case tables): one class each, not two ('İ'.casefold() is i and a combining dot, 'ı' is no 'i')."""
    small = _turkish_lower(capitals)
    assert small != capitals.casefold()  # Python's casefold alone does not match them
    labels, merged = one_spelling([small, capitals, small])
    assert labels == [small, small, small] and merged == {small: [small, capitals]}


def test_turkish_capitals_by_hand():
    labels, _ = one_spelling(["granit", "GRANİT", "granit", "şist", "ŞİST", "şist"])
    assert labels == ["granit", "granit", "granit", "şist", "şist", "şist"]


@pytest.mark.parametrize("sliver", [0.5, 5.0, 40.0])
def test_units_a_sliver_apart_have_their_contact(sliver):
    # a digitised map whose granite and gabbro leave a sliver (narrower than half a cell) between them: the contact
    # runs along the sliver, as on the map without it; before, both edges of the sliver were read as the map's
    # outline, and the map had no contact at all
    polygons = [box(400_000, 7_500_000, 403_000 - sliver, 7_506_000), box(403_000, 7_500_000, 406_000, 7_506_000)]
    evidence = PolygonEvidence("lithology", polygons, ["granite", "gabbro"], ["granite"], GRID, contacts=True)
    block = evidence.window(GRID, 0, 60, 0, 60)[-1]
    xy = window_centres(GRID, 0, 60, 0, 60)
    # by hand: the distance to the nearer of the sliver's two sides, both 6 km lines across the whole grid
    x = xy[:, 0].reshape(60, 60)
    np.testing.assert_allclose(block, np.minimum(np.abs(x - 403_000), np.abs(x - (403_000 - sliver))), atol=1e-3)


def test_a_gap_wider_than_half_a_cell_stays_outline_and_the_map_outline_no_contact():
    # 300 m of unmapped ground between the units (three cells): no contact there; a sliver elsewhere still closes
    from shapely.geometry import LineString

    west = box(400_000, 7_500_000, 402_700, 7_506_000)
    east = box(403_000, 7_500_000, 406_000, 7_506_000)
    with pytest.raises(ValueError):
        PolygonEvidence("lithology", [west, east], ["granite", "gabbro"], ["granite"], GRID, contacts=True)
    # an L-shaped map: granite in the south, gabbro north of it 1 m apart; the outline's concave corner is far away
    south = box(400_000, 7_500_000, 406_000, 7_502_999)
    north = box(400_000, 7_503_000, 403_000, 7_506_000)
    evidence = PolygonEvidence("lithology", [south, north], ["granite", "gabbro"], ["granite"], GRID, contacts=True)
    block = evidence.window(GRID, 0, 60, 0, 60)[-1]
    xy = window_centres(GRID, 0, 60, 0, 60)
    reference = np.array(
        [
            min(LineString([(400_000, 7_503_000), (403_000, 7_503_000)]).distance(Point(x, y)),
                LineString([(400_000, 7_502_999), (403_000, 7_502_999)]).distance(Point(x, y)))
            for x, y in xy
        ]
    ).reshape(60, 60)  # fmt: skip
    # the closing (a 50 m disc: half a cell) rounds the outline's concave corner at (403,000, 7,503,000): its edges
    # within 25 m of the corner count too, so cells whose nearest contact is that corner are up to 25 m nearer
    west = (xy[:, 0] < 402_000).reshape(60, 60)  # 1 km or more from the corner: the contact straight north or south
    np.testing.assert_allclose(block[west], reference[west], atol=1e-3)
    assert np.all(reference - block <= 25 + 1e-3) and np.all(block <= reference + 1e-3)


def test_slivers_clipped_to_their_surroundings_give_the_contacts_of_the_whole_map():
    """contact_lines clips the classes to the slivers' surroundings before buffering them (a national map was 15
    times slower unclipped): the contacts equal those of the definition applied to the whole map, written out
    here with shapely (a jittered mesh of 900 quads in 5 classes, a third of them shrunk by 0.5-20 m)."""
    from shapely.geometry import Polygon
    from shapely.ops import unary_union

    from geochem_prospector.core.evidence.polygons import contact_lines

    rng = np.random.default_rng(1)
    n, size, gap = 30, 100.0, 25.0
    vx = np.arange(n + 1)[None, :] * size + rng.uniform(-30, 30, (n + 1, n + 1))
    vy = np.arange(n + 1)[:, None] * size + rng.uniform(-30, 30, (n + 1, n + 1))
    geometries, labels = [], []
    for i in range(n):
        for j in range(n):
            corners = [(vx[i, j], vy[i, j]), (vx[i, j + 1], vy[i, j + 1]), (vx[i + 1, j + 1], vy[i + 1, j + 1]),
                       (vx[i + 1, j], vy[i + 1, j])]  # fmt: skip
            quad = Polygon(corners)
            geometries.append(quad.buffer(-rng.uniform(0.5, 20)) if rng.random() < 0.3 else quad)
            labels.append(str(rng.integers(0, 5)))
    found = contact_lines(geometries, labels, gap)[0]

    merged = [unary_union([g for g, k in zip(geometries, labels) if k == c]) for c in sorted(set(labels))]
    union = unary_union(merged)
    outline = union.boundary
    tolerance = 1e-7 * max(union.bounds[2] - union.bounds[0], union.bounds[3] - union.bounds[1])
    inside = union.buffer(gap / 2, 16).buffer(-gap / 2, 16).buffer(-max(tolerance, 1e-4 * gap))
    candidates = outline.intersection(inside)
    sides = [
        candidates.intersection(own.boundary.buffer(tolerance)).intersection(other.buffer(gap, 16))
        for a, own in enumerate(merged)
        for b, other in enumerate(merged)
        if a != b
    ]
    rim = outline.difference(unary_union(sides)).buffer(tolerance)
    expected = unary_union([m.boundary for m in merged]).difference(rim)
    assert found.length == pytest.approx(expected.length, rel=1e-9)
    assert found.hausdorff_distance(expected) < 1e-6  # the same lines, noded alike or not


def one_row_raster(path: str) -> str:
    """A single flight line: 60 cells of 50 m in one row, 50 m high, across two rows of GRID's 100 m cells
    (between their cell centres)."""
    import rasterio
    from rasterio.transform import from_origin

    with rasterio.open(path, "w", driver="GTiff", width=60, height=1, count=1, dtype="float32", crs=CRS,
                       transform=from_origin(400_500.0, 7_503_040.0, 50.0, 50.0), nodata=-9999) as dst:  # fmt: skip
        dst.write(np.linspace(-300, 900, 60, dtype=np.float32).reshape(1, 60), 1)
    return path


@pytest.mark.parametrize("method", ["bilinear", "cubic"])
def test_a_one_row_raster_between_cell_centres_is_refused_as_a_strip(tmp_path, method):
    """GDAL's own warper gives no cell a value either (the reference); the refusal says why and what to choose,
    not that the raster lies elsewhere."""
    src = one_row_raster(str(tmp_path / "line.tif"))
    assert np.isnan(gdalwarp(str(tmp_path / "g.tif"), src, GRID, method)).all()
    source = RasterEvidence("line", src, GRID, method, parameter="CONTINUOUS_RASTERS")
    with pytest.raises(InputError, match=r"^CONTINUOUS_RASTERS: raster 'line' has no value within the grid's extent "
                       r"in band\(s\) line:band 1: it lies on the grid, but it is 60 x 1 cells, a strip 50 m across, "
                       r"thinner than two of the grid's 100 m cells: .* Choose CONTINUOUS_METHOD 'average'"):  # fmt: skip
        write_stack(str(tmp_path / "e.tif"), GRID, [source])
    assert not (tmp_path / "e.tif").exists()
    source.close()


def test_a_one_row_raster_averaged_equals_gdalwarp(tmp_path):
    src = one_row_raster(str(tmp_path / "line.tif"))
    out = str(tmp_path / "e.tif")
    write_stack(out, GRID, [RasterEvidence("line", src, GRID, "average")])
    ours = read(out)
    gdal = gdalwarp(str(tmp_path / "g.tif"), src, GRID, "average")
    assert np.isfinite(gdal).sum() >= 30  # the 3 km line over 30 cells of a row (and the next, which it touches)
    np.testing.assert_allclose(ours, gdal, rtol=1e-5, atol=1e-3, equal_nan=True)


def test_a_raster_elsewhere_keeps_the_plain_refusal(tmp_path):
    src = one_row_raster(str(tmp_path / "line.tif"))
    far = GridSpec(500_000.0, 7_506_000.0, PX, 60, 60, CRS)
    source = RasterEvidence("line", src, far, "bilinear", parameter="CONTINUOUS_RASTERS")
    with pytest.raises(InputError, match=r"every cell is nodata \(the raster lies elsewhere"):
        write_stack(str(tmp_path / "e.tif"), far, [source])
    source.close()


def _corner_survey(path: str, west: float, north: float, seed: int, mean: float, sd: float) -> str:
    """A survey of 40 x 40 cells of 37 m with its north-west corner at (``west``, ``north``): over a corner of GRID."""
    import rasterio
    from rasterio.transform import from_origin

    data = np.random.default_rng(seed).normal(mean, sd, (40, 40)).astype(np.float32)
    with rasterio.open(
        path, "w", driver="GTiff", width=40, height=40, count=1, dtype="float32", crs=CRS,
        transform=from_origin(west, north, 37.0, 37.0), nodata=-9999,
    ) as dst:  # fmt: skip
        dst.write(data, 1)
    return path


def test_a_raster_over_a_corner_of_the_area_is_said_with_its_share(tmp_path):
    """Sweep 27b: magnetics over 0.35 % of the stack went in without a word, and pseudolabel then said the deposits
    lay on no cell with evidence. The share is checked against gdalwarp's resampling of the same raster onto the
    grid (its valued cells) over the grid's cells, every one of which the lithology covers."""

    from geochem_prospector.core.evidence.stack import sparse_raster_notes

    corner = _corner_survey(str(tmp_path / "corner_survey.tif"), 400_000.0, 7_506_000.0, seed=2, mean=50_000, sd=200)
    polygons, rocks = lithology()
    sources = [
        PolygonEvidence("lithology", polygons, rocks, ["granite"], GRID, field="rock"),
        RasterEvidence("corner_survey", corner, GRID, "average", parameter="CONTINUOUS_RASTERS"),
        RasterEvidence("magnetics", source_raster(str(tmp_path / "src.tif")), GRID, "average"),
    ]
    written = write_stack(str(tmp_path / "evidence.tif"), GRID, sources, tile=16)
    valued = int(np.isfinite(gdalwarp(str(tmp_path / "w.tif"), corner, GRID, "average")).sum())
    assert 0 < valued < 0.1 * GRID.width * GRID.height
    assert written.evidence_cells == GRID.width * GRID.height
    (note,) = sparse_raster_notes(sources, written, GRID)  # the magnetics, 1 % short of the grid, is not said
    share = 100.0 * valued / (GRID.width * GRID.height)
    assert 1 < share < 10
    assert note.startswith(f"CONTINUOUS_RASTERS: raster 'corner_survey' has values in only {int(share * 10) / 10} % ")
    assert f"({valued:,} of {GRID.width * GRID.height:,} cells of 100 m)" in note


@pytest.mark.parametrize(
    "part, whole, said",
    [(8_996, 10_000, "89"), (555, 10_000, "5.5"), (4, 10_000, "under 0.1"), (1, 3, "33"), (1, 30, "3.3"),
     (1_000, 10_000, "10"), (999, 10_000, "9.9")],
)  # fmt: skip
def test_shares_are_rounded_down_so_a_share_under_the_threshold_never_reads_as_it(part, whole, said):
    """Review 28: 89.96 % printed as 'only 90 %' beside a 90 % threshold. Expected figures worked out by hand."""
    from geochem_prospector.core.evidence.stack import share_rounded_down

    assert share_rounded_down(part, whole) == said


def test_the_counts_the_writer_gathers_equal_a_count_of_the_written_stack(tmp_path):
    """The per-band cells with a value and the cells with any value, which write_stack gathers tile by tile (so that
    the coverage refusal and the sparse-raster notes never read the stack again), against numpy counting the bands
    of the file it wrote: tiles of 16 cells over a 60-cell grid (partial tiles), a raster over a corner, a raster
    with a nodata hole, the lithology's classes and a MASK disc that leaves some cells without any evidence."""
    import rasterio

    from geochem_prospector.core.evidence.stack import per_source

    corner = _corner_survey(str(tmp_path / "corner.tif"), 401_000.0, 7_505_000.0, seed=3, mean=100, sd=5)
    polygons, rocks = lithology()
    sources = [
        PolygonEvidence("lithology", polygons, rocks, ["granite", "gabbro"], GRID, field="rock"),
        RasterEvidence("corner", corner, GRID, "average", parameter="CONTINUOUS_RASTERS"),
        RasterEvidence("magnetics", source_raster(str(tmp_path / "src.tif")), GRID, "average"),
    ]
    mask = [Point(403_000, 7_503_000).buffer(2_500)]
    written = write_stack(str(tmp_path / "evidence.tif"), GRID, sources, mask_geometries=mask, tile=16)
    with rasterio.open(str(tmp_path / "evidence.tif")) as src:
        stack = src.read()
    has_value = np.isfinite(stack) & (stack != NODATA)
    assert written.valued == [int(n) for n in has_value.sum(axis=(1, 2))]
    assert written.evidence_cells == int(has_value.any(axis=0).sum())
    assert 0 < min(written.valued) < written.evidence_cells < GRID.width * GRID.height
    assert [(s.layer, list(c)) for s, c in per_source(sources, written.valued)] == [
        ("lithology", written.valued[: len(sources[0].bands)]),
        ("corner", written.valued[len(sources[0].bands) : len(sources[0].bands) + 1]),
        ("magnetics", written.valued[len(sources[0].bands) + 1 :]),
    ]
    for source in sources[1:]:
        source.close()
