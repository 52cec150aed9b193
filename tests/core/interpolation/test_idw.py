"""IDW against an independent brute-force implementation and its defining properties."""

import numpy as np
import pytest

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.interpolation.idw import idw_grid


def brute_force_idw(xy, values, cx, cy, power, k=None, radius=None):
    """Straightforward per-cell IDW: the textbook formula, one cell at a time."""
    out = np.full(len(cx), np.nan)
    for i, (x, y) in enumerate(zip(cx, cy)):
        d = np.sqrt((xy[:, 0] - x) ** 2 + (xy[:, 1] - y) ** 2)
        order = np.argsort(d, kind="stable")
        if k:
            order = order[:k]
        if radius is not None:
            order = order[d[order] <= radius]
        if len(order) == 0:
            continue
        if d[order[0]] == 0:
            out[i] = values[order[d[order] == 0]].mean()
            continue
        w = 1.0 / d[order] ** power
        out[i] = np.sum(w * values[order]) / np.sum(w)
    return out


@pytest.fixture
def samples():
    rng = np.random.default_rng(42)
    xy = rng.uniform(0, 1000, size=(300, 2))
    values = np.exp(rng.normal(3, 1, size=300))
    return xy, values


@pytest.mark.parametrize("k,power,radius", [(12, 2.0, None), (0, 2.0, None), (5, 1.5, None), (8, 3.0, 30.0)])
def test_matches_brute_force(samples, k, power, radius):
    xy, values = samples
    grid = GridSpec.from_extent(0, 0, 1000, 1000, 25.0)
    got = idw_grid(xy, values, grid, power=power, neighbors=k, max_distance=radius)[0].ravel()
    cx, cy = grid.cell_centres()
    ref = brute_force_idw(xy, values, cx, cy, power, k=k or None, radius=radius)
    assert np.array_equal(np.isnan(got), np.isnan(ref))
    ok = ~np.isnan(ref)
    np.testing.assert_allclose(got[ok], ref[ok], rtol=2e-6)
    if radius is not None:
        assert np.isnan(ref).any(), "the radius case must leave some cells empty"


def test_exact_hit_takes_sample_value():
    grid = GridSpec.from_extent(0, 0, 100, 100, 10.0)
    cx, cy = grid.cell_centres()
    xy = np.column_stack([cx[[0, 37, 99]], cy[[0, 37, 99]]])
    values = np.array([1.0, 50.0, 7.0])
    out = idw_grid(xy, values, grid, neighbors=3)[0].ravel()
    assert out[[0, 37, 99]].tolist() == [1.0, 50.0, 7.0]


def test_values_stay_within_sample_range(samples):
    xy, values = samples
    out = idw_grid(xy, values, GridSpec.from_extent(-100, -100, 1100, 1100, 30.0), neighbors=12)
    assert np.nanmin(out) >= values.min() * (1 - 1e-6) and np.nanmax(out) <= values.max() * (1 + 1e-6)


def test_mask_sets_nodata_outside(samples):
    xy, values = samples
    grid = GridSpec.from_extent(0, 0, 1000, 1000, 50.0)
    mask = np.zeros((grid.height, grid.width), dtype=bool)
    mask[5:10, 3:15] = True
    out = idw_grid(xy, values, grid, mask=mask)[0]
    assert np.isnan(out[~mask]).all() and np.isfinite(out[mask]).all()


def test_log_transform_is_geometric_weighting(samples):
    xy, values = samples
    grid = GridSpec.from_extent(0, 0, 1000, 1000, 50.0)
    got = idw_grid(xy, values, grid, neighbors=6, log_transform=True)[0].ravel()
    cx, cy = grid.cell_centres()
    ref = 10 ** brute_force_idw(xy, np.log10(values), cx, cy, 2.0, k=6)
    np.testing.assert_allclose(got, ref, rtol=1e-5)


def test_log_transform_refuses_non_positive_values(samples):
    xy, values = samples
    values = values.copy()
    values[3] = 0.0
    with pytest.raises(InputError, match="LOG_TRANSFORM"):
        idw_grid(xy, values, GridSpec.from_extent(0, 0, 1000, 1000, 100.0), log_transform=True)


def test_blocks_equal_one_shot(samples):
    xy, values = samples
    grid = GridSpec.from_extent(0, 0, 1000, 1000, 10.0)
    one_shot = idw_grid(xy, values, grid, neighbors=12)
    blocked = idw_grid(xy, values, grid, neighbors=12, block_budget_bytes=1)  # one row per block
    np.testing.assert_array_equal(one_shot, blocked)


def test_missing_values_are_per_field(samples):
    xy, values = samples
    two = np.column_stack([values, values * 2])
    two[:50, 1] = np.nan
    out = idw_grid(xy, two, GridSpec.from_extent(0, 0, 1000, 1000, 50.0), neighbors=8)
    single = idw_grid(xy[50:], values[50:] * 2, GridSpec.from_extent(0, 0, 1000, 1000, 50.0), neighbors=8)
    np.testing.assert_allclose(out[1], single[0], rtol=1e-6)
    np.testing.assert_allclose(
        out[0], idw_grid(xy, values, GridSpec.from_extent(0, 0, 1000, 1000, 50.0), neighbors=8)[0]
    )


def test_progress_and_cancel(samples):
    from geochem_prospector.core.errors import Cancelled

    xy, values = samples
    seen = []
    idw_grid(xy, values, GridSpec.from_extent(0, 0, 1000, 1000, 10.0), progress=seen.append, block_budget_bytes=10**5)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 1
    with pytest.raises(Cancelled):
        idw_grid(xy, values, GridSpec.from_extent(0, 0, 1000, 1000, 10.0), is_cancelled=lambda: True)


def test_field_without_values_is_refused():
    with pytest.raises(InputError, match="FIELDS"):
        idw_grid(np.zeros((3, 2)) + [[0, 0], [1, 1], [2, 5]], np.full(3, np.nan), GridSpec.from_extent(0, 0, 5, 5, 1))


@pytest.mark.parametrize("k,power,radius", [(12, 2.0, None), (0, 1.0, None), (6, 3.0, 60.0)])
def test_idw_points_matches_brute_force(samples, k, power, radius):
    from geochem_prospector.core.interpolation.idw import idw_points

    xy, values = samples
    rng = np.random.default_rng(5)
    targets = np.vstack([rng.uniform(0, 1000, size=(200, 2)), xy[:3]])
    got = idw_points(xy, values, targets, power, k, radius)
    ref = brute_force_idw(xy, values, targets[:, 0], targets[:, 1], power, k=k, radius=radius)
    np.testing.assert_allclose(got, ref, rtol=1e-10, equal_nan=True)


@pytest.mark.parametrize("power", [0.5, 1.0, 1.5, 2.0, 3.0])
def test_weights_equal_textbook_formula_bit_for_bit(power):
    from geochem_prospector.core.interpolation.idw import idw_weights_block

    rng = np.random.default_rng(int(power * 10))
    d = np.sort(rng.uniform(0, 500, size=(400, 12)), axis=1)
    d[::7, 5:] = np.inf  # fewer neighbours than k (search radius)
    d[::11, :] = np.inf  # no neighbour at all
    d[3, :2] = 0.0  # two co-located exact hits
    d[4, 0] = 1e-12  # within the exact-hit tolerance
    exact = 1e-9
    with np.errstate(divide="ignore"):
        ref = np.where(np.isfinite(d), 1.0 / np.maximum(d, exact) ** power, 0.0)
    hit_rows = (d <= exact).any(axis=1)
    ref[hit_rows] = (d[hit_rows] <= exact).astype(float)
    got = idw_weights_block(d, power, exact)
    np.testing.assert_array_equal(got, ref)
    assert got[3].tolist() == [1.0, 1.0] + [0.0] * 10 and got[11].sum() == 0.0


@pytest.mark.parametrize("radius", [None, 45.0])
def test_clustered_points_with_mask_and_radius_match_brute_force(radius):
    rng = np.random.default_rng(7)
    centres = rng.uniform(100, 900, size=(6, 2))
    xy = np.vstack([c + rng.normal(0, 25, size=(60, 2)) for c in centres] + [rng.uniform(0, 1000, size=(40, 2))])
    grid = GridSpec.from_extent(0, 0, 1000, 1000, 20.0)
    cx, cy = grid.cell_centres()
    # samples exactly on cell centres, two of them co-located: the cell takes their (mean) value
    on_cells = [101, 1260, 1260]
    xy = np.vstack([xy, np.column_stack([cx[on_cells], cy[on_cells]])])
    values = np.exp(rng.normal(3, 1, size=len(xy)))
    mask = np.zeros((grid.height, grid.width), dtype=bool)
    mask[2:45, 1:40] = True
    got = idw_grid(xy, values, grid, power=2.0, neighbors=10, max_distance=radius, mask=mask)[0].ravel()
    ref = brute_force_idw(xy, values, cx, cy, 2.0, k=10, radius=radius)
    ref[~mask.ravel()] = np.nan
    assert np.array_equal(np.isnan(got), np.isnan(ref))
    # where the 10th and 11th nearest are equidistant (the co-located pair) either may be used
    d = np.sort(np.hypot(cx[:, None] - xy[None, :, 0], cy[:, None] - xy[None, :, 1]), axis=1)
    ok = ~np.isnan(ref) & (d[:, 9] < d[:, 10])
    assert ok.sum() > 0.9 * (~np.isnan(ref)).sum()
    np.testing.assert_allclose(got[ok], ref[ok], rtol=2e-6)
    assert got[101] == np.float32(values[-3]) and got[1260] == np.float32(values[-2:].mean())


@pytest.mark.parametrize("max_distance", [None, 150.0])
def test_points_with_every_sample_equal_the_neighbour_query_in_blocks(monkeypatch, max_distance):
    # NEIGHBORS = 0 (every sample) is computed in blocks of targets of bounded memory (before: one query of every
    # target's n sorted neighbours, 14 GB for a fold of 100,000 samples); the same estimates as asking the tree for
    # all n neighbours, for leave-one-out too, in blocks of one target or of all
    from geochem_prospector.core.interpolation import idw

    rng = np.random.default_rng(0)
    xy, z, targets = rng.uniform(0, 1000, (500, 2)), rng.uniform(1, 10, 500), rng.uniform(0, 1000, (300, 2))
    for block_bytes in (1, idw.POINTS_BLOCK_BYTES):
        monkeypatch.setattr(idw, "POINTS_BLOCK_BYTES", block_bytes)
        every = idw.idw_points(xy, z, targets, 2.0, 0, max_distance, None, True)
        np.testing.assert_allclose(
            every, idw.idw_points(xy, z, targets, 2.0, 500, max_distance, None, True), rtol=1e-12
        )
        loo = idw.idw_points(xy, z, xy, 2.0, 0, max_distance, np.arange(500))
        np.testing.assert_allclose(loo, idw.idw_points(xy, z, xy, 2.0, 499, max_distance, np.arange(500)), rtol=1e-12)
    np.testing.assert_array_equal(idw.idw_points(xy, z, xy, 2.0, 0), z)  # exact hits keep their sample's value
