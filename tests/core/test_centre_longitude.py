"""core.grid.centre_longitude and wrap_longitudes against brute-force searches (numpy) and PROJ's UTM zones (sweep 11a).

The reference: of candidate centres every 0.001° around the globe, the one whose farthest point (by angular distance
along the parallel) is nearest, i.e. the centre of the shortest arc holding every point.
"""

import numpy as np
import pytest

from geochem_prospector.core.grid import centre_longitude, utm_epsg


def brute_force_centre(longitudes) -> tuple:
    """(centre, half-width) of the shortest arc holding the points, by trying centres every 0.001°."""
    candidates = np.arange(-180.0, 180.0, 0.001)
    difference = np.abs((np.asarray(longitudes)[None, :] - candidates[:, None] + 180.0) % 360.0 - 180.0)
    farthest = difference.max(axis=1)
    best = int(np.argmin(farthest))
    return candidates[best], farthest[best]


def arc_distance(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


@pytest.mark.parametrize(
    "longitudes",
    [
        [179.5, 179.9, -179.9, 180.0 - 360.0],  # Chukotka across 180°
        [177.2, 178.6, -179.8, -178.1],  # Fiji
        [172.5, 179.0, -176.0, -170.3],  # the western Aleutians
        [24.05, 24.9, 25.3],  # Lapland: no wrap, the plain middle
        [-70.6, -69.9, -71.2],
        [-0.4, 0.3, 0.1],  # across Greenwich
    ],
)
def test_centre_is_the_brute_force_one(longitudes):
    reference, half = brute_force_centre(longitudes)
    centre = centre_longitude(longitudes)
    assert -180.0 <= centre < 180.0
    assert arc_distance(centre, reference) <= 0.001
    assert max(arc_distance(centre, lon) for lon in longitudes) <= half + 0.001


def test_random_clusters_on_both_sides_of_the_antimeridian():
    rng = np.random.default_rng(11)
    for _ in range(50):
        middle = rng.uniform(-180.0, 180.0)
        longitudes = (middle + rng.uniform(-20.0, 20.0, rng.integers(2, 30)) + 180.0) % 360.0 - 180.0
        reference, _ = brute_force_centre(longitudes)
        assert arc_distance(centre_longitude(longitudes), reference) <= 0.001


def test_the_zone_of_samples_across_180_is_one_proj_gives():
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_utm_crs_info

    longitudes, lat = [179.5, 179.7, -179.95, -179.9], 65.1
    found = query_utm_crs_info("WGS 84", AreaOfInterest(179.5, 65.0, -179.9, 65.2))  # west > east: across 180°
    codes = {int(info.code) for info in found if info.auth_name == "EPSG"}
    assert utm_epsg(centre_longitude(longitudes), lat) in codes  # zone 60 or 1: PROJ's zones over the samples
    assert utm_epsg(centre_longitude(longitudes), lat) == 32660  # 179.8° E
    assert utm_epsg((min(longitudes) + max(longitudes)) / 2, lat) not in codes  # the extent's middle: 0°


def test_no_longitude_is_refused():
    with pytest.raises(ValueError):
        centre_longitude([])


def brute_force_wrap(lon: float, west: float, east: float) -> float:
    """lon when inside [west, east], else the one of lon + 360 k (k from -3 to 3) inside, else lon."""
    inside = [lon + 360.0 * k for k in (0, -3, -2, -1, 1, 2, 3) if west <= lon + 360.0 * k <= east]
    return inside[0] if inside else lon


@pytest.mark.parametrize(
    "west, east",
    [(179.5, 180.5), (-180.5, -179.5), (170.0, 190.0), (0.0, 360.0), (-180.0, 180.0), (24.0, 26.0), (350.0, 370.0)],
)
def test_wrapped_longitudes_are_the_brute_force_ones(west, east):
    from geochem_prospector.core.grid import wrap_longitudes

    rng = np.random.default_rng(5)
    longitudes = np.concatenate([rng.uniform(-540.0, 540.0, 400), [-179.829, 180.171, west, east, np.nan]])
    wrapped = wrap_longitudes(longitudes, west, east)
    reference = np.array([brute_force_wrap(lon, west, east) for lon in longitudes])
    assert np.array_equal(np.isnan(wrapped), np.isnan(reference))
    finite = ~np.isnan(reference)
    assert np.allclose(wrapped[finite], reference[finite], rtol=0, atol=1e-9)
    assert np.array_equal(np.isnan(longitudes), np.isnan(wrapped))  # the input left as it was


@pytest.mark.parametrize(
    "longitudes",
    [[179.5, 179.9, -179.9, -180.0], [177.2, 178.6, -179.8, -178.1], [24.05, 24.9, 25.3], [-0.4, 0.3, 0.1, np.nan]],
)
def test_unwrapped_longitudes_span_the_brute_force_arc(longitudes):
    from geochem_prospector.core.grid import unwrapped_longitudes

    finite = [lon for lon in longitudes if not np.isnan(lon)]
    _, half = brute_force_centre(finite)
    unwrapped = unwrapped_longitudes(longitudes)
    kept = ~np.isnan(unwrapped)
    assert np.array_equal(kept, ~np.isnan(np.asarray(longitudes)))
    assert abs((unwrapped[kept].max() - unwrapped[kept].min()) - 2 * half) <= 0.002  # the shortest arc's width
    assert np.allclose(np.mod(unwrapped[kept], 360.0), np.mod(np.asarray(finite), 360.0))  # the same meridians
