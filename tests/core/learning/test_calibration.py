"""core.learning.calibration: the temperature against a brute-force NLL search, the area percentile against
scipy, tie statistics against counting by hand, and a trained ensemble's calibration stored in its model file."""

import math

import numpy as np
import pytest
from scipy import stats

from geochem_prospector.core.learning.calibration import (
    T_MIN,
    Calibration,
    area_percentile,
    combine_logits,
    fit_temperature,
    mean_nll,
    tie_statistics,
)


def _brute_force_nll(logits, y, temperature):
    """The mean NLL written out cell by cell (independent of mean_nll's vectorised log_softmax)."""
    total = 0.0
    for row, label in zip(logits, y):
        z = [v / temperature for v in row]
        top = max(z)
        log_sum = top + math.log(sum(math.exp(v - top) for v in z))
        total += log_sum - z[label]
    return total / len(y)


def _overconfident(seed, n=400, classes=2, sharpen=4.0):
    """Logits whose true calibration needs T = sharpen: labels drawn from softmax(base), logits = sharpen * base."""
    rng = np.random.default_rng(seed)
    base = rng.normal(scale=1.5, size=(n, classes))
    p = np.exp(base - base.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    y = np.array([rng.choice(classes, p=row) for row in p])
    return base * sharpen, y


@pytest.mark.parametrize("seed,classes,sharpen", [(0, 2, 4.0), (1, 2, 0.5), (2, 3, 2.0)])
def test_the_fitted_temperature_is_the_brute_force_nll_minimum(seed, classes, sharpen):
    logits, y = _overconfident(seed, classes=classes, sharpen=sharpen)
    fit = fit_temperature(logits, y)
    grid = np.exp(np.linspace(math.log(0.05), math.log(100), 4001))  # steps of 0.2 % in T
    nll = np.array([_brute_force_nll(logits, y, t) for t in grid[::20]])
    near = grid[::20][int(np.argmin(nll))]
    fine = grid[(grid > near / 1.1) & (grid < near * 1.1)]
    fine_nll = np.array([_brute_force_nll(logits, y, t) for t in fine])
    best = fine[int(np.argmin(fine_nll))]
    assert abs(fit.temperature / best - 1) < 0.005
    assert fit.nll <= fine_nll.min() + 1e-9
    assert fit.nll_at_1 == pytest.approx(_brute_force_nll(logits, y, 1.0), abs=1e-12)
    assert mean_nll(logits, y, 2.5) == pytest.approx(_brute_force_nll(logits, y, 2.5), abs=1e-12)
    # and the temperature that generated the data is recovered roughly (400 cells)
    assert 0.7 < fit.temperature / sharpen < 1.4


def test_perfectly_separated_validation_cells_keep_temperature_1():
    y = np.array([0] * 30 + [1] * 30)
    logits = np.zeros((60, 2))
    logits[:, 1] = np.where(y == 1, 2.0, -2.0) + np.linspace(0, 0.5, 60)
    assert _brute_force_nll(logits, y, T_MIN) < _brute_force_nll(logits, y, 1.0)  # NLL keeps falling with T
    fit = fit_temperature(logits, y)
    assert fit.temperature == 1.0 and "perfectly separated" in fit.note
    one_class = fit_temperature(logits[:30], y[:30])
    assert one_class.temperature == 1.0 and "two classes" in one_class.note


def test_ensemble_logits_are_averaged_before_the_softmax():
    rng = np.random.default_rng(4)
    members = rng.normal(scale=5, size=(3, 10, 2))
    t = 1.7
    log_p = combine_logits(members, Calibration("logits", t))
    margin = (members[:, :, 1] - members[:, :, 0]).mean(0) / t
    np.testing.assert_allclose(np.exp(log_p[:, 1]), 1 / (1 + np.exp(-margin)), rtol=1e-12)
    # the older rule: the mean of the members' probabilities
    old = np.exp(combine_logits(members, Calibration()))
    expected = (1 / (1 + np.exp(-(members[:, :, 1] - members[:, :, 0])))).mean(0)
    np.testing.assert_allclose(old[:, 1], expected, rtol=1e-12)


def test_area_percentile_is_scipys_mid_rank_percentile():
    rng = np.random.default_rng(7)
    area = np.round(rng.normal(size=2000), 2)  # many ties
    area[:300] = area.max()  # a saturated top, like a map of probabilities at 1.0
    sorted_area = np.sort(area)
    queries = np.concatenate([area[::37], [area.min() - 1, area.max() + 1, np.nan]])
    got = area_percentile(queries, sorted_area)
    expected = [stats.percentileofscore(area, q, kind="mean") for q in queries[:-1]]
    np.testing.assert_allclose(got[:-1], expected, atol=1e-4)  # float32 output
    assert np.isnan(got[-1])
    # on the area itself: rankdata's average ranks, (rank - 0.5) / n
    np.testing.assert_allclose(
        area_percentile(area, sorted_area), 100 * (stats.rankdata(area) - 0.5) / area.size, atol=1e-4
    )


def test_tie_statistics_count_by_hand():
    values = np.array([0.2, 0.5, 0.5, 0.5, 1.0, 1.0, np.nan, 0.1])
    s = tie_statistics(values, deposit_values=np.array([1.0, 1.0, 0.5, 0.2]))
    assert s["cells"] == 7 and s["distinct_values"] == 4
    assert s["largest_tie_fraction"] == pytest.approx(3 / 7) and s["largest_tie_value"] == 0.5
    assert s["cells_at_maximum"] == 2 and s["deposits_at_maximum"] == 2 and s["deposits_at_their_maximum"] == 2
    assert s["deposits_tied_with_another"] == 2
