"""core.grid.utm_epsg against PROJ's own database of UTM zones (pyproj.database.query_utm_crs_info)."""

import pytest

from geochem_prospector.core.grid import utm_epsg


def proj_utm_codes(lon, lat):
    """The WGS 84 / UTM CRSs whose area of use PROJ says holds the point (two on a zone boundary)."""
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_utm_crs_info

    found = query_utm_crs_info("WGS 84", AreaOfInterest(lon, lat, lon, lat))
    return {int(info.code) for info in found if info.auth_name == "EPSG"}


@pytest.mark.parametrize(
    "lon, lat",
    [
        (24.05, 67.05),  # Central Lapland: 35N
        (-3.7, 40.4),  # Madrid: 30N
        (151.2, -33.9),  # Sydney: 56S
        (-70.6, -33.4),  # Santiago: 19S
        (5.3, 60.4),  # Bergen: 31N in PROJ's areas of use (the military grid's 32V exception is not used)
        (15.6, 78.2),  # Svalbard: 33X
        (116.4, 39.9),
        (-122.4, 37.8),
        (28.0, -26.2),
        (-47.9, -15.8),
    ],
)
def test_utm_zone_is_one_proj_gives(lon, lat):
    assert utm_epsg(lon, lat) in proj_utm_codes(lon, lat)


def test_not_degrees_is_refused():
    with pytest.raises(ValueError):
        utm_epsg(500000.0, 7400000.0)
