"""core.grid.scale_at: how far a projected CRS's metres are from the ground's, against closed forms on the ellipsoid."""

import math

import pytest
from pyproj import CRS, Transformer

from geochem_prospector.core.grid import scale_at

E2 = 0.00669437999014  # WGS 84 first eccentricity squared


@pytest.mark.parametrize("lat", [0.0, 15.0, 45.0, 67.6, 70.0])
def test_web_mercator_is_stretched_as_its_parallels_and_meridians_are(lat):
    """Web Mercator steps a dlon / 1 east-west where the ground has N cos(lat) dlon, and a dlat / cos(lat)
    north-south where the meridian has M dlat (N, M: the ellipsoid's radii of curvature): the farther from 1 of the
    two ratios, 2.62 at 67.6° N, 1.04 at 15° N, 1.0067 at the equator (1 / (1 - e²), north-south)."""
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True).transform(24.0, lat)
    scale, area, lon, found_lat = scale_at(CRS.from_epsg(3857).to_wkt(), x, y)
    s2, cos = math.sin(math.radians(lat)) ** 2, math.cos(math.radians(lat))
    east = math.sqrt(1 - E2 * s2) / cos  # a / (N cos lat)
    north = (1 - E2 * s2) ** 1.5 / ((1 - E2) * cos)  # (a / cos lat) / M
    assert scale == pytest.approx(max(east, north), rel=1e-6)
    assert area == pytest.approx(east * north, rel=1e-6)
    assert (lon, found_lat) == pytest.approx((24.0, lat), abs=1e-9)


def test_transverse_mercator_and_feet_are_ground_metres():
    """TM35FIN at Lapland (0.9996 on its central meridian, 27° E) and Texas State Plane in US feet: about 1."""
    tm35, _, _, _ = scale_at(CRS.from_epsg(3067).to_wkt(), 400_000.0, 7_500_000.0)
    feet, _, _, _ = scale_at(CRS.from_epsg(2277).to_wkt(), 3_100_000.0, 10_070_000.0)
    assert tm35 == pytest.approx(0.9996 * (1 + (100_000 / 6_378_137) ** 2 / 2), abs=2e-4)
    assert feet == pytest.approx(1.0, abs=1e-3)


def test_nothing_to_say_without_a_projected_crs():
    assert scale_at(None, 0.0, 0.0) is None
    assert scale_at(CRS.from_epsg(4326).to_wkt(), 24.0, 67.0) is None
    assert scale_at("not a CRS", 0.0, 0.0) is None


def test_an_equal_area_projection_keeps_areas_while_it_shears_distances():
    """MODIS sinusoidal at 67.6° N, 24.6° E: parallels true to scale, a map metre north a sheared 1.077 ground
    metres (sqrt(1 + (lon sin lat)²) on its sphere); areas true (area scale 1)."""
    sinusoidal = "+proj=sinu +lon_0=0 +x_0=0 +y_0=0 +R=6371007.181 +units=m +no_defs"
    x, y = Transformer.from_crs("EPSG:4326", sinusoidal, always_xy=True).transform(24.6, 67.6)
    scale, area, _, _ = scale_at(CRS.from_user_input(sinusoidal).to_wkt(), x, y)
    lam, phi = math.radians(24.6), math.radians(67.6)
    assert scale == pytest.approx(1 / math.sqrt(1 + (lam * math.sin(phi)) ** 2), rel=1e-4)
    assert area == pytest.approx(1.0, rel=1e-4)


@pytest.mark.parametrize("epsg, lat_ts", [(3031, -71.0), (3413, 70.0)])
def test_polar_stereographic_at_its_pole(epsg, lat_ts):
    """At the pole itself, where azimuths mean nothing: the Antarctic and Arctic polar stereographic scales equal
    the closed form of the ellipsoid (Snyder 21-32, 21-33: k = m_c / (t_c · sqrt((1+e)^(1+e) (1-e)^(1-e)) / 2)),
    and, the projection being conformal, the area scale is the scale squared."""
    e = math.sqrt(0.00669437999014)  # WGS 84
    phi = math.radians(abs(lat_ts))
    m_c = math.cos(phi) / math.sqrt(1 - (e * math.sin(phi)) ** 2)
    t_c = math.tan(math.pi / 4 - phi / 2) / ((1 - e * math.sin(phi)) / (1 + e * math.sin(phi))) ** (e / 2)
    k_pole = m_c * math.sqrt((1 + e) ** (1 + e) * (1 - e) ** (1 - e)) / (2 * t_c)
    scale, area, _, lat = scale_at(CRS.from_epsg(epsg).to_wkt(), 0.0, 0.0)
    assert abs(lat) == pytest.approx(90.0)
    assert scale == pytest.approx(k_pole, rel=1e-5)
    assert area == pytest.approx(k_pole**2, rel=1e-3)
