"""core.grid.missing_grids against PROJ's own database (sweep 11a): the grids of the grid transformations proj.db
lists between two CRSs (its grid_transformation table, both grid columns, with the file names of grid_alternatives),
read with sqlite3."""

import os
import sqlite3

import pytest

from geochem_prospector.core.grid import missing_grids


@pytest.fixture(autouse=True)
def proj_network_off():
    """The grids on this machine only: with PROJ's network on (PROJ_NETWORK=ON, proj.ini) pyproj counts the CDN's
    grids as available, and nothing is missing."""
    from pyproj import network

    before = network.is_network_enabled()
    network.set_network_enabled(False)
    yield
    network.set_network_enabled(before)


def proj_db_grids(source: str, target: str) -> set:
    """The grid files proj.db names for the grid transformations from EPSG:source to EPSG:target (or back)."""
    from pyproj.datadir import get_data_dir

    path = os.path.join(get_data_dir(), "proj.db")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        names = set()
        for column in ("grid_name", "grid2_name"):  # NADCON's latitude and longitude shifts are two files
            rows = db.execute(
                f"SELECT g.{column}, a.proj_grid_name FROM grid_transformation g LEFT JOIN grid_alternatives a "
                f"ON a.original_grid_name = g.{column} WHERE g.deprecated = 0 AND g.source_crs_auth_name = 'EPSG' AND "
                "((g.source_crs_code = ? AND g.target_crs_code = ?) OR (g.source_crs_code = ? AND g.target_crs_code = ?))",
                (source, target, target, source),
            ).fetchall()
            names |= {alternative or original for original, alternative in rows if original}
    return names


def installed(name: str) -> bool:
    from pyproj.datadir import get_data_dir

    return os.path.exists(os.path.join(get_data_dir(), name))


def test_nad27_to_nad83_names_the_grids_proj_db_lists():
    expected = {name for name in proj_db_grids("4267", "4269") if not installed(name)}
    found = missing_grids("EPSG:4267", "EPSG:4269")
    if not expected:
        pytest.skip("every NAD27 to NAD83 grid is installed here")
    assert set(found) <= proj_db_grids("4267", "4269")  # nothing proj.db does not name
    main = {"us_noaa_conus.tif", "us_noaa_alaska.tif", "ca_nrc_ntv2_0.tif", "ca_nrc_ntv1_can.tif"} & expected
    assert main and main <= set(found)  # the grids of the CONUS, Alaska and Canada transformations


def test_projected_crss_on_those_datums_name_the_same_grids_in_utah():
    found = missing_grids("EPSG:26712", "EPSG:26912", lon=-111.9, lat=40.7)
    assert "us_noaa_conus.tif" in found or installed("us_noaa_conus.tif")
    assert set(found) <= proj_db_grids("4267", "4269")


def test_no_grid_for_a_helmert_or_the_same_datum():
    assert missing_grids("EPSG:3067", "EPSG:32635") == []  # ETRS89 to WGS 84: a Helmert of zeros
    assert missing_grids("EPSG:3067", "EPSG:3067") == []


def test_unreadable_crs_names_nothing():
    assert missing_grids("not a CRS", "EPSG:4326") == []
