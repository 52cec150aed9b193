"""How far the ground a model was trained on lies from the rasters it maps, against shapely's distance between the
two extents (in the rasters' CRS, the training extent's corners moved by pyproj)."""

from __future__ import annotations

import pyproj
import pytest
from shapely.geometry import MultiPoint, box

from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.learning.training_range import training_ground_gap

TM35 = pyproj.CRS.from_epsg(3067).to_wkt()
TRAINED = dict(xmin=400_000.0, ymax=7_510_000.0, width=40, height=40, pixel_size=250.0, crs_wkt=TM35)


@pytest.mark.parametrize("dx,dy", [(100_000, 0), (-30_000, 45_000), (5_000, 5_000), (0, 0), (12_000, -3_000)])
def test_the_gap_between_two_extents_in_one_crs_is_shapelys_distance(dx, dy):
    grid = GridSpec(400_000.0 + dx, 7_510_000.0 + dy, 500.0, 30, 20, TM35)
    trained = box(400_000, 7_500_000, 410_000, 7_510_000)
    here = box(grid.xmin, grid.ymin, grid.xmax, grid.ymax)
    assert training_ground_gap(TRAINED, grid) == pytest.approx(trained.distance(here), abs=1e-6)


def test_the_gap_to_rasters_in_utm_and_in_feet():
    utm = pyproj.CRS.from_epsg(32635)
    to_utm = pyproj.Transformer.from_crs(3067, 32635, always_xy=True)
    corners = [to_utm.transform(x, y) for x in (400_000, 410_000) for y in (7_500_000, 7_510_000)]
    trained = MultiPoint(corners).envelope  # the training extent in UTM, as its corners bound it
    x0, y0 = to_utm.transform(480_000, 7_600_000)
    grid = GridSpec(x0, y0, 300.0, 40, 40, utm.to_wkt())
    here = box(grid.xmin, grid.ymin, grid.xmax, grid.ymax)
    assert training_ground_gap(TRAINED, grid) == pytest.approx(trained.distance(here), rel=1e-3)
    feet = pyproj.CRS.from_epsg(2277)  # Texas central, US survey feet: the gap comes back in metres
    far = GridSpec(2_000_000.0, 10_000_000.0, 750.0, 10, 10, feet.to_wkt())
    gap = training_ground_gap(TRAINED, far)
    assert gap is not None and gap > 5_000_000  # Finland to Texas


def test_no_grid_or_crss_that_cannot_be_related_say_nothing():
    grid = GridSpec(500_000.0, 7_510_000.0, 250.0, 40, 40, TM35)
    assert training_ground_gap({"width": 40, "height": 40}, grid) is None  # an older file: no place recorded
    mine = 'LOCAL_CS["mine grid",LOCAL_DATUM["mine",0],UNIT["metre",1],AXIS["Easting",EAST],AXIS["Northing",NORTH]]'
    assert training_ground_gap({**TRAINED, "crs_wkt": mine}, grid) is None
    assert training_ground_gap({**TRAINED, "crs_wkt": None}, grid) is None
