"""Coordinates outside their CRS's area of use, and the slip of a database export that explains them, against
places projected by pyproj and the areas of use in PROJ's database, read here through pyproj's own API."""

import math

import numpy as np
import pytest
from pyproj import CRS, Transformer

from geochem_prospector.core.placement import MARGIN_DEGREES, degrees_beyond, outside_area_of_use


def projected(code: int, lon: float, lat: float):
    return Transformer.from_crs("EPSG:4326", f"EPSG:{code}", always_xy=True).transform(lon, lat)


def test_degrees_beyond_an_area_as_brute_force():
    """The larger of the latitude and longitude steps to the nearest point of the box, found by a brute-force search
    over a 0.01° lattice of the box (longitudes wrapped), for boxes on each side of 180° and across it."""
    rng = np.random.default_rng(3)
    for bounds in [(19.08, 58.84, 31.59, 70.09), (24.0, -80.0, 30.0, 0.0), (170.0, 60.0, -170.0, 70.0)]:
        west, south, east, north = bounds
        width = (east - west) % 360.0
        lons = (west + np.linspace(0, width, int(width * 100) + 1) + 180.0) % 360.0 - 180.0
        lats = np.linspace(south, north, int((north - south) * 100) + 1)
        for lon, lat in rng.uniform([-180, -89], [180, 89], (40, 2)):
            dlon = np.abs((lons - lon + 180.0) % 360.0 - 180.0).min()
            dlat = np.abs(lats - lat).min()
            assert degrees_beyond(bounds, lon, lat) == pytest.approx(max(dlon, dlat), abs=0.006)


@pytest.mark.parametrize(
    "code, lon, lat",
    [(3067, 24.7, 67.6), (3067, 20.0, 59.5), (3067, 17.5, 69.9), (32635, 27.0, 0.5), (32735, 27.0, -12.6),
     (2056, 8.2, 46.8), (3857, -120.0, 80.0), (32635, 33.0, 60.0)],
)  # fmt: skip
def test_places_in_or_near_the_area_of_use_are_not_flagged(code, lon, lat):
    """Points where their CRS is used, or a few degrees beside it (a survey across a border or beyond its UTM
    zone): nothing to say."""
    x, y = projected(code, lon, lat)
    assert outside_area_of_use(CRS.from_epsg(code).to_wkt(), x, y) is None


def test_easting_and_northing_swapped():
    x, y = projected(3067, 24.7, 67.6)
    found = outside_area_of_use(CRS.from_epsg(3067).to_wkt(), y, x)
    assert found is not None and found.slip is not None and "swapped" in found.slip
    assert found.area == "Finland - onshore and offshore"
    lon, lat = Transformer.from_crs("EPSG:3067", "EPSG:4326", always_xy=True).transform(y, x)  # where PROJ puts it
    assert (found.lon, found.lat) == pytest.approx((lon, lat))
    assert found.away == pytest.approx(58.84 - lat)  # below Finland's southern limit, within its longitudes


def test_zone_number_in_front_of_the_easting_in_utm_and_tm35fin():
    for code, lon, lat in [(32635, 26.0, 65.0), (3067, 24.7, 67.6)]:
        x, y = projected(code, lon, lat)
        found = outside_area_of_use(CRS.from_epsg(code).to_wkt(), 35_000_000 + x, y)
        assert found is not None and found.slip is not None and "(35)" in found.slip
        assert found.fix == "subtract 35,000,000 from the eastings"


def test_southern_northing_without_the_false_northing():
    x, y = projected(32735, 27.0, -12.6)
    found = outside_area_of_use(CRS.from_epsg(32735).to_wkt(), x, y - 10_000_000)
    assert found is not None and found.fix == "add 10,000,000 to the northings"
    # in the northern zone, negative northings are places south of the equator: outside its area, no slip
    found = outside_area_of_use(CRS.from_epsg(32635).to_wkt(), x, y - 10_000_000)
    assert found is not None and found.slip is None and found.lat == pytest.approx(-12.6, abs=1e-6)


def test_far_away_for_no_known_reason_and_wkt1_without_an_area():
    """Swiss LV95 coordinates in TM35FIN: outside, no slip found. A WKT1 string (as QGIS writes by default, no area
    of use in it) is identified as its EPSG CRS."""
    x, y = projected(2056, 8.2, 46.8)
    wkt1 = CRS.from_epsg(3067).to_wkt("WKT1_GDAL")
    found = outside_area_of_use(wkt1, x, y)
    assert found is not None and found.slip is None and found.away > MARGIN_DEGREES
    assert not math.isinf(found.away)


def test_a_local_grid_has_no_area_of_use():
    wkt = 'LOCAL_CS["mine grid",LOCAL_DATUM["mine",0],UNIT["metre",1],AXIS["Easting",EAST],AXIS["Northing",NORTH]]'
    assert outside_area_of_use(wkt, 35_000_000.0, -5.0) is None


def test_slips_undone_put_real_places_back():
    """Places projected by pyproj, slipped as exports slip them: the candidate named for that slip gives the
    original coordinates back (and the others do not)."""
    from geochem_prospector.core.placement import slipped_coordinates

    lon = np.array([-111.9, -111.8, -111.85])
    lat = np.array([40.6, 40.65, 40.7])
    for slipped, name in [((lat, lon), "swapped"), ((-lon, lat), "western longitudes")]:
        found = {why: (x, y) for why, _, x, y in slipped_coordinates(*slipped, geographic=True)}
        (x, y) = next(v for k, v in found.items() if name in k)
        np.testing.assert_allclose(np.column_stack([x, y]), np.column_stack([lon, lat]))
    east, north = Transformer.from_crs("EPSG:4326", "EPSG:32735", always_xy=True).transform(
        [27.0, 27.2], [-12.6, -12.9]
    )
    east, north = np.asarray(east), np.asarray(north)
    found = {why: (x, y) for why, _, x, y in slipped_coordinates(east + 35e6, north - 1e7, geographic=False)}
    assert len(found) == 3  # swapped, the zone in front, the false northing
    (x, _) = next(v for k, v in found.items() if "(35)" in k)
    (_, y) = next(v for k, v in found.items() if "false northing" in k)
    np.testing.assert_allclose(x, east)
    np.testing.assert_allclose(y, north)
    # eastings of several zones, or northings of both signs: no such slip
    assert len(slipped_coordinates(np.array([35.4e6, 34.4e6]), np.array([-5.0, 7.0]), geographic=False)) == 1


def test_finite_parts_leave_out_the_vertices_that_are_not_numbers():
    """What is left of a geometry with NaN or infinite coordinates, against the parts written out by hand."""
    from shapely.geometry import (
        GeometryCollection,
        LineString,
        MultiLineString,
        MultiPoint,
        MultiPolygon,
        Point,
        Polygon,
    )

    from geochem_prospector.core.placement import finite_parts

    nan, inf = float("nan"), float("inf")
    line = LineString([(0, 0), (1, 1), (nan, nan), (2, 2), (3, 3), (4, 4), (inf, 0), (5, 5)])
    assert finite_parts(line).equals(MultiLineString([[(0, 0), (1, 1)], [(2, 2), (3, 3), (4, 4)]]))
    assert finite_parts(LineString([(0, 0), (nan, 1), (2, 2)])) is None  # no two finite vertices in a row
    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    assert finite_parts(Polygon([(0, 0), (1, 0), (nan, nan), (0, 0)])) is None
    assert finite_parts(MultiPolygon([square, Polygon([(5, 5), (6, 5), (6, inf)])])).equals(MultiPolygon([square]))
    assert finite_parts(MultiPoint([(0, 0), (nan, 1), (2, 2)])).equals(MultiPoint([(0, 0), (2, 2)]))
    assert finite_parts(Point(inf, 1)) is None
    kept = finite_parts(GeometryCollection([Point(1, 1), LineString([(0, 0), (nan, nan)])]))
    assert kept.equals(GeometryCollection([Point(1, 1)]))
    assert finite_parts(square) is square and finite_parts(line.interpolate(0.5)) is not None  # untouched


def test_a_z_of_nan_is_no_reason_to_touch_a_geometry():
    """Exports write NaN for 'no height' (review 36: such a MASK lost every polygon): only x and y are checked."""
    from shapely.geometry import LineString, Point, Polygon

    from geochem_prospector.core.placement import finite_parts

    nan = float("nan")
    for shape in (
        Polygon([(0, 0, nan), (1, 0, nan), (1, 1, nan)]),
        Point(1, 2, nan),
        LineString([(0, 0, nan), (1, 1, 2)]),
    ):
        assert finite_parts(shape) is shape
    assert finite_parts(LineString([(0, 0, 1), (nan, 1, 1), (2, 2, 1), (3, 3, 1)])).equals(
        LineString([(2, 2, 1), (3, 3, 1)])
    )
