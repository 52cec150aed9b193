"""Positive-unlabelled against labelled-cell training on the synthetic fault-crossing system (the recipe of
tests/core/learning/test_synthetic_system.py, system seeds 0-2): per learner, the share of the held-out eastern
deposits in the top 1 % of the eastern area, their mean placement, the ROC AUC and the seconds to train."""

import os
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "build", "plugins"))
from geochem_prospector.core.evaluation.auc import placements  # noqa: E402
from geochem_prospector.core.learning.estimator import PatchCNN  # noqa: E402
from geochem_prospector.core.learning.synthetic import (  # noqa: E402
    fault_intersection_system,
    west_training_labels,
)


def held_out(score, system, test, height, width):
    """(top 1 % capture, mean placement, AUC) of the eastern deposits ``test`` among the eastern cells."""
    half = width // 2
    east = np.sort(score[:, half:].ravel())
    rows, cols = system.deposit_rows[test], system.deposit_cols[test]
    placed = placements(score[rows, cols], east)
    truth = np.zeros((height, width - half))
    truth[rows, cols - half] = 1
    return np.mean(placed >= 0.99), placed.mean(), roc_auc_score(truth.ravel(), score[:, half:].ravel())


def main() -> None:
    for seed in (0, 1, 2):
        system = fault_intersection_system(shape=(160, 160), n_faults=24, seed=seed)
        height, width = system.bands.shape[1:]
        labels, west = west_training_labels(system)
        out = {}
        for mode in ("pseudolabels", "pu"):
            started = time.monotonic()
            cnn = PatchCNN(
                patch_size=5, epochs=40, width=16, hidden=32, seed=0, device="cpu", block_size=12,
                semi_supervised=False, early_stopping=False, training=mode,
            ).fit(system.bands, labels)  # fmt: skip
            score = cnn.predict_score(system.bands)
            out[mode] = held_out(score, system, ~west, height, width) + (time.monotonic() - started,)
        r, c = np.nonzero(np.isfinite(labels))
        logistic = LogisticRegression(class_weight="balanced", max_iter=2000).fit(system.bands[:, r, c].T, labels[r, c])
        score = logistic.decision_function(system.bands.reshape(3, -1).T).reshape(height, width)
        out["logistic"] = held_out(score, system, ~west, height, width)
        figures = {k: tuple(round(float(x), 3) for x in v) for k, v in out.items()}
        print(seed, int((~west).sum()), figures, flush=True)


if __name__ == "__main__":
    main()
