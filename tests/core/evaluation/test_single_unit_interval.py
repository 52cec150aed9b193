"""evaluate gives no bootstrap interval of the AUC when the deposits are one unit (sweep 13b).

One deposit, deposits all in one cluster within CLUSTER_DISTANCE, or all on one cell: resampling that one unit
gives it every time, so the interval came out of width 0 around the AUC ('95 % CI 0.979-0.979') beside the note
that the intervals are wide. The bootstrap's variability is checked against a brute-force enumeration of every
resample of two deposits (scikit-learn's roc_auc_score for each), where an interval does exist.
"""

import itertools

import numpy as np
from pyproj import CRS
from sklearn.metrics import roc_auc_score

from geochem_prospector.core.evaluation.evaluate import evaluate
from geochem_prospector.core.grid import GridSpec

X0, Y0 = 400_000.0, 7_500_000.0


def _grid() -> GridSpec:
    return GridSpec(xmin=X0, ymax=Y0 + 40 * 250.0, pixel_size=250.0, width=40, height=40, crs_wkt=CRS(3067).to_wkt())


def _raster() -> np.ndarray:
    return np.random.default_rng(7).lognormal(3, 0.5, (40, 40))


def _sklearn_auc(raster: np.ndarray, cells) -> float:
    """The AUC of deposits on ``cells`` against every cell of the raster (deposit cells included, as evaluate)."""
    deposits = np.array([raster[r, c] for r, c in cells])
    y = np.r_[np.ones(deposits.size), np.zeros(raster.size)]
    return float(roc_auc_score(y, np.r_[deposits, raster.ravel()]))


def _centre(row: int, col: int):
    return (X0 + (col + 0.5) * 250.0, Y0 + (40 - row - 0.5) * 250.0)


def test_one_deposit_has_an_auc_but_no_interval():
    raster = _raster()
    result = evaluate(raster, _grid(), np.array([_centre(12, 30)]), iterations=200, seed=1)
    assert np.isclose(result.auc, _sklearn_auc(raster, [(12, 30)]))
    assert np.isnan(result.auc_bootstrap).all()
    assert result.interval_text() == "not computed: fewer than 2 independent deposits"
    assert result.notes[0].startswith("DEPOSITS: only 1 deposit was used: the AUC's 95 % interval is not computed")


def test_deposits_in_one_cluster_or_one_cell_have_no_interval():
    raster = _raster()
    cluster = np.array([_centre(10, 10), _centre(10, 12), _centre(12, 11)])  # 500 m apart at most
    clustered = evaluate(raster, _grid(), cluster, iterations=200, seed=1, cluster_distance=600.0)
    assert np.isclose(clustered.auc, _sklearn_auc(raster, [(10, 10), (10, 12), (12, 11)]))
    assert np.isnan(clustered.auc_bootstrap).all() and clustered.n_clusters == 1
    assert "form 1 cluster within CLUSTER_DISTANCE (600 map units)" in clustered.notes[0]
    x, y = _centre(20, 20)
    one_cell = np.array([[x - 50, y], [x, y + 50], [x + 60, y - 60]])
    shared = evaluate(raster, _grid(), one_cell, iterations=200, seed=1)
    assert np.isnan(shared.auc_bootstrap).all()
    assert "all lie on 1 cell, so they share one value" in shared.notes[0]


def test_two_deposits_apart_keep_the_interval_brute_force_gives():
    raster = _raster()
    cells = [(5, 5), (30, 25)]
    result = evaluate(raster, _grid(), np.array([_centre(*c) for c in cells]), iterations=4000, seed=1)
    # every resample of two deposits with replacement: AA, AB, BA, BB, each with probability 1/4
    draws = sorted(_sklearn_auc(raster, [cells[i], cells[j]]) for i, j in itertools.product(range(2), repeat=2))
    low, high = result.auc_bootstrap
    assert np.isclose(low, draws[0]) and np.isclose(high, draws[-1])  # 2.5 % and 97.5 % fall on AA and BB
    assert not any("interval is not computed" in note for note in result.notes)


def test_no_interval_is_not_called_wide():
    """One deposit: the log said "the AUC's interval is not computed" and then "only 1 deposits were used: the
    confidence intervals are wide" (sweep 31a); with an interval (two deposits apart) the word stays."""
    raster = _raster()
    one = evaluate(raster, _grid(), np.array([_centre(12, 30)]), iterations=200, seed=1)
    assert not any("intervals are wide" in note for note in one.notes)
    assert "only 1 deposit was used: the curves are coarse; read them as indicative." in one.notes
    two = evaluate(raster, _grid(), np.array([_centre(5, 5), _centre(30, 25)]), iterations=200, seed=1)
    assert "only 2 deposits were used: the confidence intervals are wide and the curves coarse" in " ".join(two.notes)
