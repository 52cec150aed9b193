"""The share of the study area a raster covers with values, against shapely's area of the polygons' part that the
raster's valid cells (as polygons) cover."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import Point, Polygon, box
from shapely.ops import unary_union

from geochem_prospector.core.evaluation.coverage import covered_share, partial_cover_warning
from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.io.rasters import rasterize_mask

GRID = GridSpec(0.0, 10_000.0, 100.0, 100, 100, "EPSG:3067")


def reference(polygons, grid, covered):
    """Shapely: the polygons' area inside the union of the covered cells' squares, over the polygons' area."""
    union = unary_union(polygons)
    rows, cols = np.nonzero(covered)
    cells = unary_union([box(grid.xmin + c * grid.pixel_size, grid.ymax - (r + 1) * grid.pixel_size,
                             grid.xmin + (c + 1) * grid.pixel_size, grid.ymax - r * grid.pixel_size)
                         for r, c in zip(rows, cols)])  # fmt: skip
    return union.intersection(cells).area / union.area


@pytest.mark.parametrize("columns", [100, 60, 35, 10])
def test_the_share_of_a_disc_and_a_bow_tie_covered_by_a_raster_cut_at_a_column_equals_shapelys(columns):
    bow_tie = Polygon([(1000, 1000), (9000, 9000), (9000, 1000), (1000, 9000)])  # self-intersecting, as digitised
    polygons = [Point(4000, 6000).buffer(3000, 64), bow_tie]
    valid = np.zeros((GRID.height, GRID.width), dtype=bool)
    valid[:, :columns] = True  # the raster's values: its west part only
    valid[80:, :] = False  # and a nodata strip in the south
    covered = valid & rasterize_mask(polygons, GRID)
    ours = covered_share(polygons, GRID, covered)
    lobes = [Polygon([(1000, 1000), (5000, 5000), (1000, 9000)]), Polygon([(9000, 1000), (5000, 5000), (9000, 9000)])]
    fixed = [polygons[0], *lobes]  # the bow-tie as its two lobes, drawn by hand
    assert ours == pytest.approx(reference(fixed, GRID, covered), abs=0.03)  # cells counted whole on the outline
    warning = partial_cover_warning(polygons, GRID, covered, "INPUT_RASTER", "map", baseline=False)
    assert bool(warning) == (ours < 0.9)
    if warning:
        assert warning.startswith(f"INPUT_RASTER: 'map' has values over only {100 * ours:.0f} % of the study area")


def test_no_mask_or_a_covering_raster_draws_no_word_and_a_baseline_is_told_not_comparable():
    everything = np.ones((GRID.height, GRID.width), dtype=bool)
    assert partial_cover_warning(None, GRID, everything, "INPUT_RASTER", "map", baseline=False) == ""
    square = [box(0, 0, 10_000, 10_000)]
    assert covered_share(square, GRID, everything) == pytest.approx(1.0)
    assert partial_cover_warning(square, GRID, everything, "INPUT_RASTER", "map", baseline=False) == ""
    west = everything.copy()
    west[:, 50:] = False
    warning = partial_cover_warning(square, GRID, west, "BASELINES", "magnetics", baseline=True)
    assert "values over only 50 %" in warning and "its AUC is not comparable with the map's" in warning
