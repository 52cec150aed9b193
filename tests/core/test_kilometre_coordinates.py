"""Samples in a local grid in kilometres given a CRS in metres (sweep 22a: the Jura survey, 0.6-5.7 km, made
0.057 m cells without a word). The spacing the warning quotes is checked against shapely's convex hull."""

import numpy as np
import pytest

from geochem_prospector.core.neighbours import area_spacing
from geochem_prospector.core.placement import SMALLEST_SAMPLE_SPACING_M, kilometre_coordinates_hint

geometry = pytest.importorskip("shapely.geometry")


def _jura_like(scale):
    rng = np.random.default_rng(0)
    return np.column_stack([rng.uniform(0.6, 4.9, 259), rng.uniform(0.6, 5.7, 259)]) * scale


def _hint(xy):
    return kilometre_coordinates_hint(area_spacing(xy), np.ptp(xy[:, 0]), np.ptp(xy[:, 1]), len(xy))


def test_area_spacing_is_the_hull_area_per_sample():
    xy = _jura_like(1.0)
    hull = geometry.MultiPoint([tuple(p) for p in xy]).convex_hull
    assert area_spacing(xy) == pytest.approx(np.sqrt(hull.area / len(xy)), rel=1e-9)


def test_kilometres_read_as_metres_are_named_and_metres_are_not():
    xy = _jura_like(1.0)  # km read as metres: samples 0.28 m apart over 4.3 x 5.1 m
    hint = _hint(xy)
    hull = geometry.MultiPoint([tuple(p) for p in xy]).convex_hull
    assert hint is not None and hint.startswith(f"the 259 samples lie {np.sqrt(hull.area / 259):.2g} m apart")
    assert f"over {np.ptp(xy[:, 0]):.3g} m x {np.ptp(xy[:, 1]):.3g} m" in hint
    assert "1,000 times too small" in hint and '"x" * 1000' in hint
    assert _hint(_jura_like(1000.0)) is None  # the same survey in metres: 250 m apart


def test_threshold_and_degenerate_layouts():
    side = SMALLEST_SAMPLE_SPACING_M
    # a 6 x 6 grid of step s: its hull, (5 s)², per sample is (5 s / 6)²
    grid = np.array([(i, j) for i in range(6) for j in range(6)], dtype=float) * side * 6 / 5
    assert _hint(grid * 1.01) is None  # a little wider than the threshold spacing
    assert _hint(grid * 0.99) is not None
    assert kilometre_coordinates_hint(0.0, 5.0, 0.0, 10) is None  # all on one line: no area, nothing said
    assert kilometre_coordinates_hint(0.1, 0.2, 0.2, 2) is None  # two samples are no survey


def test_longitudes_and_latitudes_in_a_metre_crs_are_named_as_degrees():
    """Sweep 25b: a table's lon/lat (24-29 E, 67-72 N) in a layer said to be in UTM metres were said to be
    kilometres, whose fix (x 1000) is wrong for them; the bounds tell degrees."""
    rng = np.random.default_rng(3)
    xy = np.column_stack([rng.uniform(24, 29, 200), rng.uniform(67, 72, 200)])
    bounds = (xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max())
    text = kilometre_coordinates_hint(area_spacing(xy), np.ptp(xy[:, 0]), np.ptp(xy[:, 1]), len(xy), bounds)
    assert text is not None and "longitudes and latitudes" in text and "EPSG:4326" in text
    # without the bounds, or with bounds beyond ±180/±90 (metres far from the origin), only kilometres are named
    plain = kilometre_coordinates_hint(area_spacing(xy), np.ptp(xy[:, 0]), np.ptp(xy[:, 1]), len(xy))
    assert "kilometres" in plain and "longitudes" not in plain
    far = (500_000.0, 7_000_000.0, 500_004.0, 7_000_005.0)
    assert "longitudes" not in kilometre_coordinates_hint(0.2, 4.0, 5.0, 100, far)
