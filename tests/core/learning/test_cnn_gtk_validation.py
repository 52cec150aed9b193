"""Held-out (leave-deposit-cluster-out) skill on the bundled GTK Central Lapland data.

The full comparison with baselines and bootstrap intervals is scripts/validate_cnn_gtk.py; here only what is
robust is asserted: the CNN and a logistic-regression baseline (scikit-learn, test-only) rank held-out deposits
well above random cells.
"""

import os
import sys

import numpy as np
import pytest
import torch

from tests.conftest import REPO

sys.path.insert(0, os.path.join(REPO, "scripts"))

pytest.importorskip("sklearn")
if not os.path.exists(os.path.join(REPO, "resources", "sample_data", "deposits.gpkg")):
    pytest.skip("bundled sample data missing", allow_module_level=True)


@pytest.mark.slow
def test_cnn_ranks_held_out_deposits_above_random():
    from validate_cnn_gtk import run_validation

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small convolutions: one thread is fastest and avoids oversubscription
    try:
        results = run_validation(
            feature_sets=("geochemistry+magnetics",),
            methods=("cnn", "logistic"),
            epochs=20,
            ensemble=3,
            log=lambda s: None,
        )
    finally:
        torch.set_num_threads(threads)
    for method in ("cnn", "logistic"):
        mean, low, high = results["geochemistry+magnetics"][method]
        assert low <= mean <= high
        assert mean > 0.6, (method, mean)  # random ranking gives 0.5


def test_paired_difference_resamples_deposits_in_pairs():
    from validate_cnn_gtk import bootstrap_ci, paired_difference

    rng = np.random.default_rng(3)
    b = rng.uniform(0.2, 0.9, 17)  # deposits differ a lot from one another ...
    a = b + 0.05 + rng.normal(0, 0.005, 17)  # ... but method a beats b by about 0.05 on every one
    a[2], b[5] = np.nan, np.nan  # a deposit one method could not score drops out of the pair
    both = np.isfinite(a) & np.isfinite(b)
    mean, low, high = paired_difference(a, b)
    assert mean == pytest.approx(np.mean(a[both] - b[both]))
    assert 0.04 < low < mean < high < 0.06
    separate = [bootstrap_ci(a), bootstrap_ci(b)]  # resampling each method alone hides the gap in the spread
    assert separate[0][1] - separate[1][2] < 0 < low


def test_cluster_bootstrap_resamples_whole_clusters():
    from validate_cnn_gtk import bootstrap_ci

    values = np.array([0.9, 0.8, 0.95, 0.3, 0.6, 0.7])
    assert bootstrap_ci(values, groups=np.zeros(6, int))[1:] == pytest.approx((values.mean(), values.mean()))
    singletons = bootstrap_ci(values, seed=4, groups=np.arange(6))
    low, high = bootstrap_ci(values, seed=4)[1:]
    assert singletons[1:] == pytest.approx((low, high), abs=0.02)  # one deposit per cluster: the plain bootstrap
    # two clusters of unequal size: a resample's mean is always one of the few cluster-weighted means
    groups = np.array([0, 0, 0, 1, 1, 1])
    mean, low, high = bootstrap_ci(values, groups=groups)
    assert mean == pytest.approx(values.mean())
    possible = [values[:3].mean(), values.mean(), values[3:].mean()]
    assert min(possible) - 1e-12 <= low and high <= max(possible) + 1e-12
    assert high - low > bootstrap_ci(values)[2] - bootstrap_ci(values)[1]  # clustered scores: a wider interval


def test_nested_selection_never_sees_the_outer_held_out_deposits(monkeypatch):
    """The inner selection labels only outer-training deposits and picks the candidate that ranks the inner
    held-out deposits best (a stand-in scorer replaces CNN training)."""
    import validate_cnn_gtk as v
    from scipy import ndimage

    data = v.load_gtk(500.0)
    bands = data["geo"]
    valid = np.isfinite(bands).all(axis=0) & data["mask"]
    folds = v.cluster_folds(data["dep_rows"], data["dep_cols"], 4, 6.0, 0)
    outer_train, outer_test = np.flatnonzero(folds != 0), np.flatnonzero(folds == 0)
    near_any_deposit = np.zeros(valid.shape, bool)
    near_any_deposit[data["dep_rows"][outer_train], data["dep_cols"][outer_train]] = True
    oracle = -ndimage.distance_transform_edt(~near_any_deposit)  # high at every outer-training deposit
    noise = np.random.default_rng(0).random(valid.shape)
    seen_labels = []

    def fake_score(bands_, labels, config, base):
        seen_labels.append(labels)
        assert base["ensemble"] == 3
        return oracle if config["kind"] == "oracle" else noise

    scored = []
    real_held_out_scores = v.held_out_scores

    def recording_held_out_scores(score, data_, test, background):
        scored.append(np.asarray(test))
        return real_held_out_scores(score, data_, test, background)

    monkeypatch.setattr(v, "cnn_score", fake_score)
    monkeypatch.setattr(v, "held_out_scores", recording_held_out_scores)
    candidates = ({"kind": "noise"}, {"kind": "oracle"})
    chosen, table = v.select_config(
        data, bands, valid, outer_train, {"ensemble": 5}, 0, 6.0, lambda s: None, candidates
    )
    assert chosen == {"kind": "oracle"}
    assert table["kind=oracle"] > 0.95 and 0.3 < table["kind=noise"] < 0.7
    assert len(seen_labels) == len(scored) == 2 * 3  # every candidate on every inner fold
    for candidate in range(2):  # each candidate scores every outer-training deposit once, nothing else
        inner_tests = np.concatenate(scored[3 * candidate : 3 * candidate + 3])
        assert sorted(inner_tests.tolist()) == sorted(outer_train.tolist())
    test_cells = (data["dep_rows"][outer_test], data["dep_cols"][outer_test])
    for labels in seen_labels:
        assert not np.any(labels[test_cells] == 1)  # outer held-out deposits are never positives
        assert np.nansum(labels == 1) > 0
