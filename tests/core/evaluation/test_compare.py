"""Leave-cluster-out comparison: folds never split a cluster (brute force), held-out AUCs equal scikit-learn's
roc_auc_score on an independently built background, the best band's sign comes from the training labels, and ties
go to the simpler learner."""

import itertools

import numpy as np
import pytest

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.evaluation.auc import deposit_clusters
from geochem_prospector.core.evaluation.compare import (
    LearnerScores,
    best_band,
    capture,
    cluster_folds,
    compare,
    summarise,
)

sklearn_metrics = pytest.importorskip("sklearn.metrics")


def scene(seed=0, shape=(60, 70), n=24):
    rng = np.random.default_rng(seed)
    bands = rng.normal(size=(3, *shape))
    valid = np.ones(shape, dtype=bool)
    valid[:5, :5] = False
    bands[:, ~valid] = np.nan
    centres = rng.integers(8, [shape[0] - 8, shape[1] - 8], size=(8, 2))
    pts = centres[rng.integers(0, 8, n)] + rng.integers(-3, 4, size=(n, 2))
    rows, cols = pts[:, 0], pts[:, 1]
    bands[1, rows, cols] -= 3.0  # deposits sit on LOW values of band 2
    return bands, valid, rows, cols


def test_folds_never_split_a_cluster():
    _, _, rows, cols = scene(1)
    link = 4.0
    clusters = deposit_clusters(np.column_stack([rows, cols]).astype(float), link)
    folds = cluster_folds(clusters, 4, seed=3)
    for i, j in itertools.combinations(range(rows.size), 2):  # every linked pair lies in one fold
        if np.hypot(rows[i] - rows[j], cols[i] - cols[j]) <= link:
            assert folds[i] == folds[j]
    assert set(folds) == {0, 1, 2, 3}
    with pytest.raises(InputError, match="FOLDS"):
        cluster_folds(clusters, int(clusters.max()) + 2)


def test_held_out_auc_equals_sklearn_on_a_brute_force_background():
    bands, valid, rows, cols = scene(2)
    fixed = np.nan_to_num(-bands[1], nan=np.nan)  # a mapper that ignores its labels
    result = compare(
        bands, valid, rows, cols, {"fixed": lambda b, labels: fixed}, folds=3, cluster_cells=4.0, iterations=200
    )
    for f in range(3):
        train, test = np.flatnonzero(result.folds != f), np.flatnonzero(result.folds == f)
        background = []
        for r in range(valid.shape[0]):
            for c in range(valid.shape[1]):
                far = np.all(np.hypot(rows[train] - r, cols[train] - c) > 4.0)
                held = np.any((rows[test] == r) & (cols[test] == c))
                if valid[r, c] and far and not held:
                    background.append(fixed[r, c])
        scores = np.r_[fixed[rows[test], cols[test]], background]
        truth = np.r_[np.ones(test.size), np.zeros(len(background))]
        expected = sklearn_metrics.roc_auc_score(truth, scores)
        assert result.per_fold("fixed")[f]["auc"] == pytest.approx(expected, abs=1e-12)
        # the best band is band 2 with its sign reversed, so it maps exactly the fixed score
        assert result.per_fold("best band")[f]["auc"] == pytest.approx(expected, abs=1e-12)
    assert result.summary["fixed"]["minus_best_band"][0] == pytest.approx(0.0)
    assert result.recommended == "best band"  # a tie goes to the simpler


def test_best_band_sign_comes_from_the_training_labels():
    bands, valid, rows, cols = scene(3)
    labels = np.full(valid.shape, np.nan)
    labels[rows, cols] = 1
    labels[30:40, 10:60] = 0
    j, sign, auc = best_band(bands, labels)
    assert (j, sign) == (1, -1.0) and auc < 0.2


def test_ties_go_to_the_simpler_learner_and_clear_wins_to_the_best():
    clusters = np.arange(10)
    p = np.linspace(0.5, 0.95, 10)
    learners = {
        "best band": LearnerScores("best band", p - 0.2, [0.0]),
        "random_forest": LearnerScores("random_forest", p + 0.004, [0.0]),
        "logistic": LearnerScores("logistic", p, [0.0]),
    }
    assert summarise(learners, clusters, 100, 0)[1] == "logistic"
    learners["random_forest"].placement = p + 0.03
    summary, recommended = summarise(learners, clusters, 100, 0)
    assert recommended == "random_forest"
    assert summary["random_forest"]["minus_best_band"][0] == pytest.approx(0.23)
    assert capture(np.array([0.95, 0.85, 0.5, np.nan]), 0.1) == pytest.approx(1 / 3)
