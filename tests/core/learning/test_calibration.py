"""core.learning.calibration: the temperature against a brute-force NLL search, the area percentile against
scipy, tie statistics against counting by hand, and a trained ensemble's calibration stored in its model file."""

import math
from collections import Counter

import numpy as np
import pytest
from scipy import stats

from geochem_prospector.core.learning.calibration import (
    T_MIN,
    Calibration,
    area_percentile,
    combine_logits,
    confidence_targets,
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


def _brute_force_soft_nll(logits, y, confidence, temperature):
    """The cross-entropy against soft two-class targets (class y with probability c), cell by cell."""
    total = 0.0
    for (a, b), label, c in zip(logits, y, confidence):
        z = [a / temperature, b / temperature]
        top = max(z)
        log_sum = top + math.log(sum(math.exp(v - top) for v in z))
        total += -(c * (z[label] - log_sum) + (1 - c) * (z[1 - label] - log_sum))
    return total / len(y)


def _separated_pseudolabels(seed, scale):
    """Validation cells that hard labels separate perfectly (as pseudo-labels the networks learnt from), with
    logits of ``scale`` times a margin of 1-3, and a confidence of 0.9-1 per cell."""
    rng = np.random.default_rng(seed)
    y = np.array([0] * 150 + [1] * 50)
    margin = np.where(y == 1, 1.0, -1.0) * rng.uniform(1.0, 3.0, y.size) * scale
    logits = np.stack([np.zeros(y.size), margin], axis=1)
    confidence = rng.uniform(0.9, 1.0, y.size)
    return logits, y, confidence


@pytest.mark.parametrize("seed,scale", [(0, 10.0), (1, 40.0)])
def test_a_temperature_fitted_against_the_labels_confidence_is_the_brute_force_minimum(seed, scale):
    logits, y, confidence = _separated_pseudolabels(seed, scale)
    hard = fit_temperature(logits, y)
    assert hard.temperature == 1.0 and "perfectly separated" in hard.note  # hard labels identify nothing
    fit = fit_temperature(logits, y, confidence)
    grid = np.exp(np.linspace(math.log(0.05), math.log(100), 801))
    nll = np.array([_brute_force_soft_nll(logits, y, confidence, t) for t in grid])
    best = grid[int(np.argmin(nll))]
    assert abs(fit.temperature / best - 1) < 0.01  # grid steps of 1 %
    assert fit.nll <= nll.min() + 1e-12 and fit.nll == pytest.approx(nll.min(), abs=1e-4)
    assert fit.nll_at_1 == pytest.approx(_brute_force_soft_nll(logits, y, confidence, 1.0), abs=1e-12)
    assert fit.targets == "confidence" and fit.as_metadata()["targets"] == "confidence"
    # it softens the separated logits so that the validation cells are about as sure as their labels: the mean
    # probability of the labelled class at T lies near the mean confidence (0.95), not at 1
    p = 1 / (1 + np.exp(-logits[:, 1] / fit.temperature))
    own = np.where(y == 1, p, 1 - p)
    assert 0.9 < own.mean() < 0.99 and fit.temperature > 1.0
    # and the largest margin of the map no longer reaches float32's 1.0 (at 17.33)
    assert np.abs(logits[:, 1]).max() / fit.temperature < 17.0


def test_a_fit_against_pseudo_labels_never_sharpens():
    rng = np.random.default_rng(3)
    y = np.array([0] * 100 + [1] * 100)
    logits = np.stack([np.zeros(200), np.where(y == 1, 1.0, -1.0) * rng.uniform(1.0, 2.0, 200)], axis=1)
    confidence = np.full(200, 0.995)  # labels surer than the networks: the minimum lies below T = 1
    grid = np.exp(np.linspace(math.log(0.05), math.log(1.0), 200))
    nll = [_brute_force_soft_nll(logits, y, confidence, t) for t in grid]
    assert grid[int(np.argmin(nll))] < 0.5
    fit = fit_temperature(logits, y, confidence)
    assert fit.temperature == 1.0 and "sharpen" in fit.note
    assert fit.nll == pytest.approx(_brute_force_soft_nll(logits, y, confidence, 1.0), abs=1e-12)


def test_sample_weights_are_confidences_only_within_a_half_and_one():
    assert confidence_targets(None) is None
    assert confidence_targets(np.ones(5)) is None  # no confidence below 1: hard labels
    assert confidence_targets(np.array([1.0, 2.0, 0.9])) is None  # weights above 1 are not confidences
    assert confidence_targets(np.array([1.0, 0.3, 0.9])) is None  # below 0.5 the label contradicts itself
    np.testing.assert_array_equal(confidence_targets(np.array([0.5, 0.9, 1.0])), [0.5, 0.9, 1.0])


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


def _brute_force_largest_tie(values):
    """The largest number of valid cells sharing one value, by counting them one by one."""
    counts = Counter(float(v) for v in np.asarray(values).ravel() if np.isfinite(v))
    return max(counts.values()), len(counts)


def test_a_model_beyond_float32s_sigmoid_still_writes_a_probability_map_without_ties():
    """A confidence-weighted model stores a temperature fitted against the confidence, never below 1; networks
    whose log-odds exceed float32's sigmoid (their output layer scaled up, as training to zero loss on
    pseudo-labels does) tie at exactly 1.0 at T = 1, and not at the temperature that rule fits."""
    import torch

    from geochem_prospector.core.learning.estimator import PatchCNN
    from tests.core.learning.test_cnn import SMALL, synthetic

    bands, labels = synthetic()
    rng = np.random.default_rng(5)
    confidence = np.where(np.isfinite(labels), rng.uniform(0.9, 1.0, labels.shape), np.nan)
    model = PatchCNN(**{**SMALL, "ensemble": 2}).fit(bands, labels, sample_weight=confidence)
    stored = model.metadata_["calibration"]
    assert stored["targets"] == "confidence" and stored["temperature"] >= 1.0 and "confidence" in stored["note"]
    model.metadata_["calibration"] = {"combine": "logits", "temperature": 1.0}
    score = model.predict_score(bands, device="cpu", tile=16)
    centre = float(np.nanmedian(score))
    factor = 60.0 / np.nanmax(np.abs(score - centre))  # log-odds (score - centre) * factor: up to +-60
    with torch.no_grad():
        for net in model.nets_:
            net.out.weight.mul_(factor)
            net.out.bias.mul_(factor)
            net.out.bias[1] -= factor * centre  # class 1 is the positive one
    saturated = model.predict_proba(bands, device="cpu", tile=16)
    valid = np.isfinite(saturated)
    at_one = sum(1 for v in saturated[valid] if v == 1.0)
    assert at_one > 0.01 * valid.sum()  # more than 1 % of the map at exactly 1.0 in float32
    # the rule's temperature, fitted on the labelled cells' mean log-odds against their confidence
    rows, cols = np.nonzero(np.isfinite(labels) & valid)
    margin = model.predict_score(bands, device="cpu", tile=16)[rows, cols].astype(np.float64)
    assert np.abs(margin).max() > 17.33  # beyond the log-odds float32 rounds to 1.0
    y = (labels[rows, cols] == 1).astype(int)
    fit = fit_temperature(np.stack([np.zeros_like(margin), margin], axis=1), y, confidence[rows, cols])
    assert fit.temperature > 1.0 and fit.targets == "confidence"
    model.metadata_["calibration"] = fit.as_metadata()
    prob = model.predict_proba(bands, device="cpu", tile=16)
    largest, distinct = _brute_force_largest_tie(prob)
    ties = tie_statistics(prob)
    assert ties["cells"] == valid.sum() and ties["distinct_values"] == distinct
    assert ties["largest_tie_fraction"] == pytest.approx(largest / valid.sum())
    assert largest <= 0.01 * valid.sum() and ties["cells_at_maximum"] == 1
    # the same order of cells: the temperature rescales every log-odds alike
    score = model.predict_score(bands, device="cpu", tile=16)
    assert stats.spearmanr(prob[valid], score[valid]).correlation == pytest.approx(1.0)


def _brute_force_class_shares(values, classes=(20.0, 10.0, 5.0, 1.0)):
    """Per 'top p %' class, the percent of the cells whose own percentile (scipy's percentileofscore, kind 'mean':
    below plus half the equal ones, cell by cell) is above 100 - p."""
    v = np.asarray(values, dtype=np.float64)
    percentile = np.array([stats.percentileofscore(v, x, kind="mean") for x in v])
    return {p: 100.0 * np.mean(percentile > 100.0 - p) for p in classes}


@pytest.mark.parametrize(
    "make",
    [
        lambda rng: rng.uniform(0, 1, 3001),  # no ties: each class its share, to a cell
        lambda rng: np.r_[rng.uniform(0, 1, 1200), np.full(2800, 1.0)],  # 70 % tied at the maximum
        lambda rng: np.r_[rng.uniform(0, 1, 1800), np.full(200, 0.3)],  # a tie across the 80th percentile
        lambda rng: rng.integers(0, 4, 2500).astype(float),  # four values (weights of evidence on two patterns)
    ],
)
def test_rank_class_shares_equal_scipys_percentile_cell_by_cell(make):
    """The share of the area each rank class holds, against scipy's mid-rank percentile of every cell."""
    from geochem_prospector.core.learning.calibration import rank_class_shares

    values = make(np.random.default_rng(4)).astype(np.float32)
    got = rank_class_shares(np.sort(values))
    want = _brute_force_class_shares(values)
    assert got.keys() == want.keys()
    for p in want:
        assert got[p] == pytest.approx(want[p], abs=1e-9)


def test_rank_class_note_speaks_only_when_ties_move_the_classes():
    """sweep 21c: a map whose highest score holds 73 % of the area (weights of evidence on the harsh scene) left
    every cell in 'rest of the area (below the top 20 %)', the tied best cells among them, and predict said nothing
    of it. The note names the shares each class holds (scipy's, cell by cell) and the tie; a map without ties, or
    with ties small enough, gets none."""
    from geochem_prospector.core.learning.calibration import rank_class_note

    rng = np.random.default_rng(9)
    assert rank_class_note(np.sort(rng.uniform(0, 1, 4000).astype(np.float32))) is None
    assert rank_class_note(np.sort(np.round(rng.uniform(0, 1, 4000), 3).astype(np.float32))) is None  # pairs tie
    tied = np.r_[rng.uniform(0, 1, 1165), np.full(3106, 1.0)].astype(np.float32)
    note = rank_class_note(np.sort(tied))
    want = _brute_force_class_shares(tied)
    assert note is not None and note.startswith("OUTPUT_RANK: ")
    assert all(want[p] == 0.0 for p in want)  # the tie's mid-rank, 63.6, is below every class
    assert "'top 1 %' 0.00 %" in note and "'top 20 %' 0.00 %" in note
    assert f"{100 * 3106 / tied.size:.2f} % of the area ties at the map's highest score" in note
    assert f"mid-rank, {stats.percentileofscore(tied, 1.0, kind='mean'):.1f}" in note
