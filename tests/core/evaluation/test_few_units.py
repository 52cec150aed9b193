"""evaluate on two or three independent deposits (sweep 21a, the Kola data: two held-out points in the Monchegorsk
area, 9 km apart on a 5 km grid).

Their placements 0.27 and 0.29 gave "AUC 0.279 (95 % CI 0.269-0.288)" and the DIRECTION note "wholly below 0.5 ...
the map places them worse than chance": the bootstrap of two units can only span their own two values, and two
random cells average that low about one time in six. The chance is checked against scipy's distributions of the
sum of uniform placements (uniform, triangular) and a brute-force simulation; the note against that chance.
"""

import numpy as np
import pytest
from pyproj import CRS
from scipy import stats

from geochem_prospector.core.evaluation.auc import chance_of_mean_placement_at_most
from geochem_prospector.core.evaluation.evaluate import direction_note, evaluate
from geochem_prospector.core.grid import GridSpec

X0, Y0, PIXEL = 400_000.0, 7_500_000.0, 5000.0
GRID = GridSpec(xmin=X0, ymax=Y0 + 40 * PIXEL, pixel_size=PIXEL, width=40, height=40, crs_wkt=CRS(32635).to_wkt())


@pytest.mark.parametrize("mean", [0.0, 0.05, 0.28, 0.5, 0.73, 1.0])
def test_the_chance_is_scipys_for_one_and_two_deposits(mean):
    assert chance_of_mean_placement_at_most(mean, 1) == pytest.approx(stats.uniform.cdf(mean), abs=1e-12)
    # the sum of two uniform placements is triangular on 0-2
    assert chance_of_mean_placement_at_most(mean, 2) == pytest.approx(
        stats.triang(c=0.5, loc=0, scale=2).cdf(2 * mean), abs=1e-12
    )


@pytest.mark.parametrize("units", [3, 5, 12, 30, 45])
def test_the_chance_matches_a_simulation(units):
    draws = np.random.default_rng(units).uniform(size=(400_000, units)).mean(axis=1)
    for mean in (0.2, 0.35, 0.45, 0.5, 0.6):
        assert chance_of_mean_placement_at_most(mean, units) == pytest.approx(np.mean(draws <= mean), abs=0.004)


def _centre(row: int, col: int):
    return (X0 + (col + 0.5) * PIXEL, Y0 + (40 - row - 0.5) * PIXEL)


def _cell_at(raster: np.ndarray, share: float):
    """The cell whose value has about ``share`` of the raster below it."""
    flat = int(np.argsort(raster, axis=None)[int(share * raster.size)])
    return divmod(flat, raster.shape[1])


def test_two_deposits_below_the_median_get_no_direction_note_but_a_word_on_the_interval():
    raster = np.random.default_rng(5).normal(size=(40, 40))
    cells = [_cell_at(raster, 0.27), _cell_at(raster, 0.29)]
    ev = evaluate(raster, GRID, np.array([_centre(*c) for c in cells]), iterations=2000, seed=1)
    assert ev.auc == pytest.approx(0.28, abs=0.002)
    low, high = ev.auc_bootstrap
    assert high < 0.5 and high - low < 0.03  # the two units' own values: an interval wholly below 0.5
    assert ev.chance_as_low == pytest.approx(stats.triang(c=0.5, loc=0, scale=2).cdf(2 * ev.auc), abs=1e-12)
    assert ev.chance_as_low > 0.1
    assert direction_note(ev) is None
    assert ev.notes[0].startswith(
        "DEPOSITS: the 2 deposits used are only 2 independent units (deposits on distinct cells): the bootstrap "
        "draws one of them 2 times in 50 % of its resamples, so the AUC's 95 % interval runs between single units' "
        "own AUCs"
    )


def test_three_deposits_on_the_lowest_cells_keep_the_direction_note():
    raster = np.random.default_rng(6).normal(size=(40, 40))
    cells = [_cell_at(raster, share) for share in (0.01, 0.03, 0.05)]
    ev = evaluate(raster, GRID, np.array([_centre(*c) for c in cells]), iterations=200, seed=1)
    # three random cells average 0.03 or lower once in 27,000 draws (the Irwin-Hall sum of three below 0.09)
    assert ev.chance_as_low == pytest.approx((3 * ev.auc) ** 3 / 6, rel=1e-9)
    note = direction_note(ev)
    assert note is not None and note.startswith("DIRECTION: the deposits lie on lower values")
    assert any(n.startswith("DEPOSITS: the 3 deposits used are only 3 independent units") for n in ev.notes)


def test_four_or_more_units_get_no_word_on_the_interval():
    raster = np.random.default_rng(7).normal(size=(40, 40))
    cells = [_cell_at(raster, share) for share in (0.2, 0.4, 0.6, 0.8)]
    ev = evaluate(raster, GRID, np.array([_centre(*c) for c in cells]), iterations=200, seed=1)
    assert not any("independent units" in n for n in ev.notes)


def _single_unit_share(units_drawn) -> float:
    """The share of resamples (every draw with replacement, enumerated) that hold one unit only."""
    import itertools

    draws = list(itertools.product(units_drawn, repeat=len(units_drawn)))
    return sum(len(set(d)) == 1 for d in draws) / len(draws)


def test_the_share_of_single_unit_resamples_counts_deposits_sharing_a_cell():
    """Three deposits, two of them on one cell: the bootstrap draws three deposits, and all three come from one cell
    in 9 of the 27 resamples (33 %); the note said 50 %, the share for two deposits on two cells. Clusters are drawn
    as clusters: three deposits in two clusters give 2 (1/2)^2 = 50 %."""
    raster = np.random.default_rng(8).normal(size=(40, 40))
    x, y = _centre(10, 10)
    xy = np.array([[x - 100.0, y], [x + 100.0, y], _centre(30, 25)])
    ev = evaluate(raster, GRID, xy, iterations=200, seed=1)
    share = _single_unit_share(["a", "a", "b"])
    assert round(100 * share) == 33
    assert f"the bootstrap draws one of them 3 times in {100 * share:.0f} % of its resamples" in ev.notes[0]
    clustered = evaluate(raster, GRID, xy, iterations=200, seed=1, cluster_distance=1000.0)
    share = _single_unit_share(["a", "b"])
    assert f"the bootstrap draws one of them 2 times in {100 * share:.0f} % of its resamples" in clustered.notes[0]


def test_many_deposits_on_three_cells_bound_the_interval_by_the_cells_own_aucs_without_saying_0_percent():
    """Twelve deposits, four on each of three cells, drawn one by one: a resample comes from one cell in
    3 (1/3)^12 of the cases (0.0006 %), so "draws one of them 12 times in 0 % of its resamples" said nothing; every
    resample's AUC is a mean of the cells' own AUCs (brute force: share of other cells below, half of ties), so the
    interval lies within their spread, which the note now says."""
    raster = np.random.default_rng(9).normal(size=(40, 40))
    cells = [(5, 5), (20, 30), (33, 12)]
    xy = np.array([[_centre(r, c)[0] + dx, _centre(r, c)[1]] for r, c in cells for dx in (-900, -300, 300, 900)])
    ev = evaluate(raster, GRID, xy, iterations=400, seed=2)
    assert "in 0 % of its resamples" not in ev.notes[0]
    assert "every bootstrap resample's AUC is a weighted mean of those units' own AUCs" in ev.notes[0]
    assert ev.notes[0].startswith("DEPOSITS: the 12 deposits used are only 3 independent units")
    values = raster.ravel()
    own = []
    for r, c in cells:
        others = np.delete(values, r * 40 + c)
        own.append(np.mean(others < raster[r, c]) + 0.5 * np.mean(others == raster[r, c]))
    low, high = ev.auc_bootstrap
    assert min(own) - 0.01 <= low <= high <= max(own) + 0.01
