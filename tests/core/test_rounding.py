"""Coordinates a database rounded: the step found against coordinates rounded here with Python's own decimal
rounding (``round``, ``fractions.Fraction`` for minutes of arc) and against unrounded GPS positions."""

from fractions import Fraction

import numpy as np
import pytest

from geochem_prospector.core.placement import METRES_PER_DEGREE, coordinate_rounding

RNG = np.random.default_rng(11)
LONS = RNG.uniform(24.0, 27.0, 12)
LATS = RNG.uniform(66.0, 68.5, 12)


@pytest.mark.parametrize("digits, label", [(0, "whole degrees"), (1, "0.1°"), (2, "0.01°"), (3, "0.001°")])
def test_degrees_rounded_to_decimals(digits, label):
    xs = [round(float(x), digits) for x in LONS]
    ys = [round(float(y), digits) for y in LATS]
    found = coordinate_rounding(np.array(xs), np.array(ys), geographic=True)
    assert found is not None and found.label == label
    assert found.ground == pytest.approx(10.0**-digits * METRES_PER_DEGREE)


def test_degrees_rounded_to_whole_minutes():
    """Degrees-minutes text converted to decimal degrees: multiples of 1/60, exact as fractions, floats here."""
    xs = [float(Fraction(round(float(x) * 60), 60)) for x in LONS]
    ys = [float(Fraction(round(float(y) * 60), 60)) for y in LATS]
    found = coordinate_rounding(np.array(xs), np.array(ys), geographic=True)
    assert found is not None and found.label == "whole minutes of arc"
    assert found.ground == pytest.approx(1852, rel=0.01)  # a minute of latitude: one nautical mile


def test_gps_positions_are_not_rounded():
    assert coordinate_rounding(LONS, LATS, geographic=True) is None
    assert coordinate_rounding(LONS * 1e4 + 3e5, LATS * 1e5, geographic=False) is None


def test_one_precise_point_among_rounded_ones():
    xs = np.round(LONS, 2)
    xs[5] = LONS[5]
    assert coordinate_rounding(xs, np.round(LATS, 2), geographic=True) is None


def test_projected_rounded_to_kilometres_and_feet():
    eastings = RNG.uniform(3e5, 5e5, 12)
    northings = RNG.uniform(7.4e6, 7.6e6, 12)
    found = coordinate_rounding(np.round(eastings, -3), np.round(northings, -3), geographic=False)
    assert found is not None and (found.label, found.ground) == ("1 km", 1000.0)
    # US survey feet: 1,000 m is 3280.83 ft, so feet rounded to 1,000 ft are not metres rounded to 1 km
    feet = 1200 / 3937
    found = coordinate_rounding(np.round(eastings / feet, -3), np.round(northings / feet, -3), False, feet)
    assert found is None or found.ground < 1000.0
    found = coordinate_rounding(np.round(eastings, -2) / feet, np.round(northings, -2) / feet, False, feet)
    assert found is not None and found.label == "100 m"


def test_unplaced_points_are_left_out():
    xs = np.array([25.0, np.nan, 24.0])
    ys = np.array([68.0, 67.0, np.nan])
    found = coordinate_rounding(xs, ys, geographic=True)
    assert found is not None and found.label == "whole degrees"
    assert coordinate_rounding(np.array([np.nan]), np.array([np.nan]), geographic=True) is None


def test_a_survey_on_its_planned_grid_is_not_rounding():
    """Soil samples at their planned stations, 100 m apart, are multiples of 100 m by design: not rounded. The same
    number of occurrences scattered over the district and rounded to 100 m are."""
    cols, rows = np.meshgrid(np.arange(20), np.arange(15))
    assert coordinate_rounding(400_000 + 100.0 * cols.ravel(), 7_500_000 + 100.0 * rows.ravel(), False) is None
    scattered = RNG.uniform(0, 20_000, (300, 2))
    found = coordinate_rounding(np.round(400_000 + scattered[:, 0], -2), np.round(7.5e6 + scattered[:, 1], -2), False)
    assert found is not None and found.label == "100 m"
    # a camp's occurrences rounded onto few places: many share one, so the spacing of the places does not excuse them
    camp = RNG.normal(0, 150, (30, 2))
    found = coordinate_rounding(np.round(400_000 + camp[:, 0], -2), np.round(7.5e6 + camp[:, 1], -2), False)
    assert found is not None and found.label == "100 m"


def test_a_few_clustered_deposits_rounded_to_kilometres():
    """Eight deposits of one belt within a few km, rounded to 1 km: their nearest neighbours are one or two steps
    away, as on a grid, but eight points at uneven distances are no survey."""
    belt = np.array([[367879, 7480212], [367699, 7481950], [369187, 7483120], [370411, 7479030],
                     [371938, 7482700], [366120, 7484400], [368840, 7486010], [372300, 7485480]], dtype=float)  # fmt: skip
    found = coordinate_rounding(np.round(belt[:, 0], -3), np.round(belt[:, 1], -3), False)
    assert found is not None and found.label == "1 km"


def test_a_grid_of_lines_and_stations():
    """Stations 50 m apart on lines 200 m apart: multiples of 50 m by design, nearest neighbours all 50 m."""
    cols, rows = np.meshgrid(np.arange(30), np.arange(8))
    assert coordinate_rounding(400_000 + 50.0 * cols.ravel(), 7_500_000 + 200.0 * rows.ravel(), False) is None
