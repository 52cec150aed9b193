"""The samples' coverage of a grid (gaps, traverse, extrapolated margin) against brute-force distances and shapely's
convex hull: one measurement of the cells' distances gives what three separate searches gave."""

import numpy as np
import pytest
from shapely.geometry import MultiPoint, Point

from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.interpolation import coverage
from geochem_prospector.core.neighbours import CellDistances


def _distances(points, targets):
    return np.sqrt(((targets[:, None, :] - points[None, :, :]) ** 2).sum(-1))


def _centres(grid):
    cx, cy = np.meshgrid(
        grid.xmin + (np.arange(grid.width) + 0.5) * grid.pixel_size,
        grid.ymax - (np.arange(grid.height) + 0.5) * grid.pixel_size,
    )
    return np.column_stack([cx.ravel(), cy.ravel()])


def test_cell_distances_are_each_cells_nearest_point():
    rng = np.random.default_rng(5)
    pts = rng.uniform(0, 5000, (80, 2))
    grid = GridSpec.from_extent(-200, -200, 5200, 5200, pixel_size=200)
    mask = np.zeros((grid.height, grid.width), dtype=bool)
    mask[:, : grid.width // 2] = True  # the western half
    cells = CellDistances.measure(pts, grid, mask)
    d = _distances(pts, _centres(grid)[mask.ravel()])
    np.testing.assert_allclose(cells.distance, d.min(axis=1), rtol=1e-12)
    np.testing.assert_array_equal(cells.nearest_point, d.argmin(axis=1))
    box = (0.0, 0.0, 2000.0, 2000.0)
    x, y = cells.centres.T
    assert cells.in_box(box).sum() == int(((x >= 0) & (x <= 2000) & (y >= 0) & (y <= 2000)).sum()) > 0


def test_gap_limits_are_the_spacing_at_the_fifth_neighbour():
    rng = np.random.default_rng(6)
    pts = rng.uniform(0, 10_000, (120, 2))
    fifth = np.sort(_distances(pts, pts), axis=1)[:, coverage.GAP_NEIGHBOUR]  # column 0: the point itself
    spacing, far, limits = coverage.gap_limits(pts, pixel_size=100.0)
    assert spacing == pytest.approx(np.median(fifth))
    assert far == pytest.approx(coverage.GAP_SPACINGS * np.median(fifth))
    np.testing.assert_allclose(limits, np.maximum(coverage.GAP_SPACINGS * fifth, 100.0))
    assert coverage.gap_limits(pts, pixel_size=1e6)[1] == 1e6  # never under a cell


def test_two_blocks_leave_a_gap_and_a_margin_as_brute_force():
    """Two sampled blocks 20 km apart on a grid over both (an EXTENT given): the gap share is that of the cells
    beyond their nearest sample's limit (brute force), and the extrapolated share that of the cells outside the
    samples' hull (shapely) and farther than the hull's area per sample from every sample."""
    rng = np.random.default_rng(7)
    west = rng.uniform([0, 0], [4000, 10_000], (150, 2))
    east = rng.uniform([24_000, 0], [28_000, 10_000], (150, 2))
    xy = np.vstack([west, east])
    grid = GridSpec.from_extent(-2000, -2000, 30_000, 12_000, pixel_size=250)
    centres = _centres(grid)
    d = _distances(xy, centres)
    _, _, limits = coverage.gap_limits(xy, grid.pixel_size)
    found = coverage.assess_coverage(xy, grid, None, None, extent_given=True)
    assert found.traverse is None and found.gaps is not None
    assert found.gaps.share == pytest.approx(np.mean(d.min(axis=1) > limits[d.argmin(axis=1)]))
    assert found.gaps.share >= coverage.GAP_SHARE  # the 20 km between the blocks
    hull = MultiPoint([tuple(p) for p in xy]).convex_hull
    spacing = np.sqrt(hull.area / len(xy))
    outside = np.array([not hull.contains(Point(*c)) for c in centres])
    assert found.extrapolated_spacing == pytest.approx(spacing)
    assert found.extrapolated == pytest.approx(np.mean(outside & (d.min(axis=1) > spacing)))
    # without an EXTENT only the samples' box counts for gaps; the margin beyond it is no gap
    in_box = (centres[:, 0] <= xy[:, 0].max()) & (centres[:, 1] >= xy[:, 1].min()) & (centres[:, 1] <= xy[:, 1].max())
    in_box &= centres[:, 0] >= xy[:, 0].min()
    boxed = coverage.assess_coverage(xy, grid, None, None, extent_given=False)
    expected = np.mean((d.min(axis=1) > limits[d.argmin(axis=1)])[in_box])
    assert boxed.gaps.share == pytest.approx(expected)


def test_a_traverse_is_said_instead_of_gaps_and_margin():
    """Samples every 100 m along a 10 km road, gridded 5 km either side: the line is found, the grid's reach from
    it is the farthest cell's distance to its nearest sample (brute force), and the other two kinds are not read."""
    x = np.arange(0.0, 10_000.0, 100.0)
    xy = np.column_stack([x, 0.5 * np.sin(x)])  # not exactly straight: a road
    grid = GridSpec.from_extent(-500, -5000, 10_500, 5000, pixel_size=250)
    found = coverage.assess_coverage(xy, grid, None, None, extent_given=True)
    assert found.traverse is not None
    assert found.traverse.count == len(xy)
    assert found.traverse.spacing == pytest.approx(100.0, rel=0.01)
    assert found.traverse.reach == pytest.approx(_distances(xy, _centres(grid)).min(axis=1).max())
    assert found.extrapolated == 0.0
    within = coverage.assess_coverage(xy, grid, None, 2000.0, extent_given=True)
    assert within.traverse is not None and within.traverse.reach <= 2000.0


def test_a_field_held_by_the_western_samples_alone_has_its_own_gap():
    rng = np.random.default_rng(8)
    xy = rng.uniform(0, 10_000, (300, 2))
    values = np.column_stack([np.ones(300), np.where(xy[:, 0] < 3000, 1.0, np.nan)])
    grid = GridSpec.from_extent(0, 0, 10_000, 10_000, pixel_size=200)
    gaps = coverage.field_gaps(xy, values, grid, None, None, extent_given=False, share_all=0.0)
    assert [g.column for g in gaps] == [1]  # the field every sample holds has no gap of its own
    held = xy[xy[:, 0] < 3000]
    assert gaps[0].count == len(held)
    centres = _centres(grid)
    low, high = xy.min(axis=0), xy.max(axis=0)  # all the samples' box, not the field's
    centres = centres[((centres >= low) & (centres <= high)).all(axis=1)]
    d = _distances(held, centres)
    _, _, limits = coverage.gap_limits(held, grid.pixel_size)
    assert gaps[0].gaps.share == pytest.approx(np.mean(d.min(axis=1) > limits[d.argmin(axis=1)]))
    assert coverage.field_gaps(xy, values, grid, None, None, False, share_all=gaps[0].gaps.share) == []
