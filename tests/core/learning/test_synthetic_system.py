"""A synthetic mineral system (deposits where faults cross inside a favourable unit): the generator's rule, and
the CNN against scikit-learn's logistic regression on the same bands and labels (the per-cell learner)."""

import numpy as np
from scipy import ndimage

from geochem_prospector.core.evaluation.auc import placements
from geochem_prospector.core.learning.estimator import PatchCNN
from geochem_prospector.core.learning.synthetic import fault_intersection_system, west_training_labels


def test_deposits_sit_where_faults_cross_inside_the_unit():
    system = fault_intersection_system(shape=(96, 96), n_faults=14, seed=0)
    r, c = system.deposit_rows, system.deposit_cols
    assert r.size >= 10
    assert system.faults[r, c].all() and system.unit[r, c].all()
    # a crossing: the fault cells on the 5 x 5 ring around a deposit form at least 3 branches (a plain fault cell
    # has 2); two faults crossing at a shallow angle may still share their branches there, so most, not all
    branches = []
    for row, col in zip(r, c):
        ring = system.faults[row - 2 : row + 3, col - 2 : col + 3].copy()
        ring[1:4, 1:4] = False
        branches.append(ndimage.label(ring, np.ones((3, 3), bool))[1])
    assert np.mean(np.array(branches) >= 3) >= 0.8, branches
    assert system.crossings[r, c].all()
    assert system.bands.shape == (3, 96, 96)
    np.testing.assert_array_equal(system.bands[0] == 1, system.faults)


def test_the_cnn_finds_the_crossings_a_per_cell_learner_cannot():
    """Train on the western deposits, score the eastern ones against every eastern cell. The logistic regression
    and per-cell gradient boosting (scikit-learn's, through the classic learner) see only 'on a fault' and 'in the
    unit', so every fault cell of the unit ties; the CNN sees the crossing."""
    from sklearn.linear_model import LogisticRegression

    from geochem_prospector.core.classic.learner import ClassicLearner

    system = fault_intersection_system(shape=(160, 160), n_faults=24, seed=1)
    height, width = system.bands.shape[1:]
    labels, west = west_training_labels(system)

    cnn = PatchCNN(
        patch_size=5, epochs=40, width=16, hidden=32, seed=0, device="cpu", block_size=12, semi_supervised=False,
        early_stopping=False,
    ).fit(system.bands, labels)  # fmt: skip
    cnn_score = cnn.predict_score(system.bands)
    r, c = np.nonzero(np.isfinite(labels))
    logistic = LogisticRegression(class_weight="balanced", max_iter=2000).fit(system.bands[:, r, c].T, labels[r, c])
    lr_score = logistic.decision_function(system.bands.reshape(3, -1).T).reshape(height, width)
    boosting = ClassicLearner(method="gradient_boosting", seed=0).fit(system.bands, labels)
    gb_score = boosting.predict_proba(system.bands)

    test = ~west
    assert test.sum() >= 20

    def held_out(score):
        east = np.sort(score[:, width // 2 :].ravel())
        return placements(score[system.deposit_rows[test], system.deposit_cols[test]], east)

    cnn_placed = held_out(cnn_score)
    top1_cnn = np.mean(cnn_placed >= 0.99)
    for score in (lr_score, gb_score):
        placed = held_out(score)
        top1 = np.mean(placed >= 0.99)
        # a per-cell learner cannot rank crossings above the rest of the faults in the unit (~6 % of the area)
        assert top1 < 0.35
        assert top1_cnn >= top1 + 0.2 and cnn_placed.mean() > placed.mean()
