"""left_out_points_warning: the label points left out, counted by hand on five points."""

import numpy as np

from geochem_prospector.core.labels.seeds import left_out_points_warning


def test_off_the_grid_and_without_a_class_counted_apart():
    on_grid = np.array([True, False, True, True, False])
    usable = np.array([True, True, False, True, False])  # point 4 is off the grid: counted there, not as classless
    assert left_out_points_warning(on_grid, usable, "cls") == (
        "LABELS: 3 of the 5 label points are left out, 2 outside the rasters and 1 without a class in 'cls' "
        "(NULL or empty)."
    )


def test_only_without_a_class():
    assert left_out_points_warning(np.ones(3, bool), np.array([True, False, True]), "kind") == (
        "LABELS: 1 of the 3 label points are left out, 1 without a class in 'kind' (NULL or empty)."
    )


def test_every_point_kept():
    assert left_out_points_warning(np.ones(2, bool), np.ones(2, bool), "cls") is None
