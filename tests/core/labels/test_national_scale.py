"""Sweep 18c: pseudolabel on national grids. The preparation (seeds, standardised bands) reports progress and can
be cancelled; the standardised bands equal numpy's on the whole stack; label spreading's memory estimate covers
what its graph holds (tracemalloc), where the estimate for every method did not."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from geochem_prospector.core.errors import Cancelled
from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.labels import pseudolabel as pl
from geochem_prospector.core.labels.methods import _label_spreading
from geochem_prospector.core.labels.seeds import _standardise


def _stack(side: int = 60, bands: int = 5, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.lognormal(2, 1, size=(bands, side, side)) * np.arange(1, bands + 1)[:, None, None]).astype(np.float32)


def test_standardised_bands_equal_numpy_on_the_whole_stack():
    features = _stack()
    features[1, :, :] = 3.5  # a constant band: centred, not scaled
    valid = np.ones(features.shape[1:], dtype=bool)
    valid[::7, ::3] = False
    x = features[:, valid].T.astype(np.float64)  # the reference: numpy in float64 on every valid cell at once
    std = x.std(axis=0)
    std[std == 0] = 1.0
    expected = (x - x.mean(axis=0)) / std
    got = _standardise(features, valid)
    assert got.dtype == np.float32 and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_standardising_reports_progress_and_stops_when_cancelled():
    features = _stack(bands=4)
    valid = np.ones(features.shape[1:], dtype=bool)
    seen: list = []
    _standardise(features, valid, seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 5  # each band's statistics, then the cells
    calls = []

    def cancel_after_two() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        _standardise(features, valid, None, cancel_after_two)
    assert len(calls) == 3  # asked between the bands, stopped at the first ask


def _scene(side: int = 40):
    features = _stack(side)
    grid = GridSpec(0.0, float(side), 1.0, side, side)
    points = np.array([[5.5, 5.5], [30.5, 20.5], [12.5, 33.5]])
    return features, grid, points


@pytest.mark.parametrize("method", pl.METHODS)
def test_a_cancel_during_preparation_stops_before_the_method(monkeypatch, method):
    """A cancel asked while the bands are standardised (10-20 s on 16 M cells, before sweep 18c without a check)
    stops the run there: the method never starts."""
    features, grid, points = _scene()
    started = []
    for name in ("_pu_bagging", "_label_spreading", "_self_training"):
        monkeypatch.setattr(pl, name, lambda *a, **k: started.append(1))
    progress: list = []
    with pytest.raises(Cancelled):
        pl.pseudolabel(
            features,
            grid,
            points,
            settings=pl.PseudoLabelSettings(method=method),
            progress=progress.append,
            is_cancelled=lambda: bool(progress) and progress[-1] > 0,
        )
    assert not started
    assert 0 < progress[-1] <= pl.PREPARATION


def test_progress_rises_from_the_preparation_to_one():
    features, grid, points = _scene()
    seen: list = []
    pl.pseudolabel(features, grid, points, settings=pl.PseudoLabelSettings(bags=5), progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert any(0 < f <= pl.PREPARATION for f in seen)  # the preparation moves the bar before the first bag


def test_label_spreading_memory_estimate_covers_its_graph():
    """Peak of the arrays label spreading allocates (tracemalloc: numpy and scipy, not the KD-tree's C memory) on
    400,000 distinct cells (the principal components' covariance samples at most 200,000: a fixed cost), 20 bands,
    k 10 and 30, plus the stack and its standardised copy (8 bytes a cell and
    band): below the estimate, and above the estimate for every method, which had let it start."""
    rng = np.random.default_rng(3)
    n, bands = 400000, 20
    x = rng.normal(size=(n, bands)).astype(np.float32)
    seeds = np.full(n, -1, dtype=np.int16)
    seeds[:20] = 1
    seeds[20:40] = 0
    for k in (10, 30):
        tracemalloc.start()
        _label_spreading(x, seeds, np.zeros(n, dtype=bool), 2, k, 0.9, 50, None, None)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        per_cell = peak / n + 8 * bands
        assert per_cell < pl.memory_per_cell("label_spreading", bands, k)
        assert per_cell > pl.memory_per_cell("pu_bagging", bands, k)


def _centres_inside(geometries, grid: GridSpec) -> int:
    """Brute force: the cells whose centre lies in (or on) any of the geometries, one shapely test per cell."""
    from shapely.geometry import Point
    from shapely.ops import unary_union

    union = unary_union(geometries)
    xs, ys = grid.cell_centres()
    return sum(union.intersects(Point(x, y)) for x, y in zip(xs, ys))


def test_mask_cells_bound_covers_the_cells_a_mask_keeps():
    """Sweep 20a: the bound from the mask polygons' area is never below the brute-force count of the cells whose
    centre they hold, and above it by at most about twice the outline in cells: shapes that cut cells, a thin
    strip, a ring with a hole, a polygon half outside the grid, two that overlap."""
    from shapely import affinity
    from shapely.geometry import Polygon, box

    grid = GridSpec(1000.0, 2000.0, 10.0, 80, 60)  # x 1000-1800, y 1400-2000
    ring = box(1100, 1500, 1400, 1800).difference(box(1200, 1600, 1300, 1700))
    shapes = {
        "box": [box(1033, 1517, 1297, 1781)],
        "rotated triangle": [affinity.rotate(Polygon([(1100, 1500), (1700, 1550), (1300, 1950)]), 17)],
        "thin strip": [box(1003, 1703, 1797, 1708)],
        "ring": [ring],
        "half outside": [box(1600, 1300, 2500, 1700)],
        "overlapping": [box(1100, 1500, 1400, 1800), box(1300, 1600, 1600, 1900)],
        "whole grid": [box(0, 0, 5000, 5000)],
    }
    for name, geometries in shapes.items():
        brute = _centres_inside(geometries, grid)
        bound = pl.mask_cells_bound(geometries, grid)
        outline = sum(g.length for g in geometries) / grid.pixel_size
        assert brute <= bound <= min(grid.width * grid.height, brute + 2 * outline + 8), (name, brute, bound)


def test_label_spreading_estimate_counts_its_graph_over_the_mask_only():
    """Sweep 20a: the national grid of the error matrix (6,000 x 5,000 cells of 150 m, one band, 100 neighbours)
    with a 10 km study area: the rasters read whole at 21 bytes a cell over all 30 M cells, what is labelled (43
    bytes) and the graph's 3,368 bytes a node over the cells the mask keeps (counted brute force on the cell
    centres), about 0.6 GiB where the whole grid's graph was about 94 GiB; without the mask, or with one over the
    whole grid, the estimate is as before."""
    from shapely.geometry import box

    grid = GridSpec(400_000.0, 8_250_000.0, 150.0, 6000, 5000)
    cells = grid.width * grid.height
    area = box(401_000, 7_501_000, 411_000, 7_511_000)
    xs = grid.xmin + (np.arange(grid.width) + 0.5) * grid.pixel_size
    ys = grid.ymax - (np.arange(grid.height) + 0.5) * grid.pixel_size
    kept = int(((xs > 401_000) & (xs < 411_000)).sum() * ((ys > 7_501_000) & (ys < 7_511_000)).sum())
    bound = pl.mask_cells_bound([area], grid)
    assert kept <= bound <= kept + 2 * 4 * 10_000 / 150 + 8
    exact = cells * (4 + 1 + 16) + kept * (16 + 48 - 21 + 8 + 32 * 100 + 160)
    estimate = pl.memory_needed("label_spreading", 1, 100, cells, bound)
    assert exact <= estimate <= 1.01 * exact
    assert estimate < 2**30 < 90 * 2**30 < pl.memory_needed("label_spreading", 1, 100, cells)
    assert pl.memory_needed("label_spreading", 1, 100, cells) == cells * pl.memory_per_cell("label_spreading", 1, 100)
    assert pl.memory_needed("label_spreading", 1, 100, cells, cells) == cells * pl.memory_per_cell(
        "label_spreading", 1, 100
    )


@pytest.mark.parametrize("method", ["pu_bagging", "self_training"])
def test_estimate_with_a_small_mask_covers_the_run_and_scales_with_the_mask(method):
    """Sweep 21b: PU bagging and self-training label only the cells inside the MASK, yet their estimate counted
    every cell at 16 x bands + 48 bytes. On 360,000 cells of 5 bands with a disc of about 15,400 cells (counted
    brute force, shapely on every cell centre): the run's peak (tracemalloc, plus the stack it is given) stays
    below the estimate and above half of it (34 and 45 bytes a grid cell), which is under half the whole grid's
    (128), and a memory between the two no longer refuses it."""
    from shapely.geometry import Point
    from shapely.vectorized import contains

    from geochem_prospector.core.errors import GridTooLargeError
    from geochem_prospector.core.grid import check_memory

    side, bands = 600, 5
    features = _stack(side, bands)
    grid = GridSpec(0.0, float(side), 1.0, side, side)
    cells = side * side
    area = Point(150.3, 420.7).buffer(70)
    xs, ys = grid.cell_centres()
    mask = contains(area, xs, ys).reshape(side, side)  # the brute-force count, and the run's MASK
    kept = int(mask.sum())
    bound = pl.mask_cells_bound([area], grid)
    assert kept <= bound <= kept + 2 * area.length + 8
    estimate = pl.memory_needed(method, bands, 10, cells, bound)
    whole = pl.memory_needed(method, bands, 10, cells)
    assert whole == cells * pl.memory_per_cell(method, bands, 10)
    assert estimate < 0.5 * whole
    # the estimate grows with the mask: the cells of the grid at their part, the mask's at the rest
    assert pl.memory_needed(method, bands, 10, cells, 2 * bound) - estimate == bound * (
        16 * bands + 48 - 5 * bands - 16
    )

    points = np.array([[150.5, 420.5], [170.5, 400.5], [130.5, 445.5]])
    settings = pl.PseudoLabelSettings(method=method, bags=5, iterations=3, positive_radius=3, negative_buffer=20)
    small, small_grid, small_points = _scene()
    pl.pseudolabel(small, small_grid, small_points, settings=settings)  # scipy's lazy imports, not counted below
    tracemalloc.start()
    result = pl.pseudolabel(features, grid, points, mask=mask, settings=settings)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.valid_cells == kept
    assert peak + features.nbytes <= estimate <= 2 * (peak + features.nbytes), (peak + features.nbytes, estimate)

    available = int((estimate + whole) / 2 / 0.8)  # check_memory refuses above 80 % of what is available
    assert check_memory(estimate, 1, "INPUT_RASTERS", "pseudo-labelling", "", available=available) == estimate
    with pytest.raises(GridTooLargeError):
        check_memory(whole, 1, "INPUT_RASTERS", "pseudo-labelling", "", available=available)


def test_the_graph_symmetrisation_reports_before_it_and_is_cancelled_around_it():
    """The symmetric copy of the neighbour graph is one scipy call (seconds at millions of cells): a progress step
    comes before it, and a cancel asked while it runs stops the graph as soon as it ends."""
    from geochem_prospector.core.labels.methods import knn_graph

    z = np.random.default_rng(0).normal(size=(500, 3))
    seen: list = []
    with pytest.raises(Cancelled):
        knn_graph(z, 5, is_cancelled=lambda: bool(seen) and seen[-1] >= 0.85, progress=seen.append)
    assert seen[-1] == 0.85  # cancelled during the symmetrisation: no later step reported
    full = knn_graph(z, 5)
    assert (full != full.T).nnz == 0  # the reference: symmetric, as scipy compares it
