"""The synthetic fault-crossing system (tests/core/learning/test_synthetic_system.py's recipe, system seeds 0-2):
does the CNN's context beat tree ensembles per cell, tree ensembles given the same 5 x 5 window, and a per-cell
learner given a distance-to-crossings band? Reading fixed beforehand in DECISION.md.

Per learner: the share of the held-out eastern deposits in the top 1 % of the eastern area, their mean placement
(the AUC against every background cell), and the seconds to train. One background for all: the eastern cells
where every learner has a score (not NaN) (a 5 x 5 window has none in the map's 2-cell frame)."""

import os
import sys
import time

import numpy as np
from scipy import ndimage
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "build", "plugins"))
from geochem_prospector.core.classic.learner import ClassicLearner  # noqa: E402
from geochem_prospector.core.evaluation.auc import placements  # noqa: E402
from geochem_prospector.core.learning.estimator import PatchCNN  # noqa: E402
from geochem_prospector.core.learning.synthetic import (  # noqa: E402
    BAND_NAMES,
    fault_intersection_system,
    west_training_labels,
)


def cnn_score(bands, labels, mode, seed):
    cnn = PatchCNN(
        patch_size=5, epochs=40, width=16, hidden=32, seed=seed, device="cpu", block_size=12,
        semi_supervised=False, early_stopping=False, training=mode,
    ).fit(bands, labels)  # fmt: skip
    return cnn.predict_score(bands).astype(np.float64)


class Timed:
    """Calls a scorer, keeping its score and the seconds it took under one name."""

    def __init__(self, scores, seconds):
        self.scores, self.seconds = scores, seconds

    def __call__(self, name, make, *args):
        started = time.monotonic()
        self.scores[name] = make(*args)
        self.seconds[name] = time.monotonic() - started


def logistic_score(bands, labels):
    r, c = np.nonzero(np.isfinite(labels))
    logistic = LogisticRegression(class_weight="balanced", max_iter=2000).fit(bands[:, r, c].T, labels[r, c])
    return logistic.decision_function(bands.reshape(bands.shape[0], -1).T).reshape(bands.shape[1:])


def classic_score(bands, labels, names, method, window):
    learner = ClassicLearner(method=method, window=window, seed=0).fit(bands, labels, names)
    p = learner.predict_proba(bands).astype(np.float64)
    with np.errstate(divide="ignore"):
        return np.log(p) - np.log1p(-p)  # log-odds: the same order as p, fewer float32 ties near 0 and 1


def main() -> None:
    for seed in (0, 1, 2):
        system = fault_intersection_system(shape=(160, 160), n_faults=24, seed=seed)
        bands = system.bands
        height, width = bands.shape[1:]
        labels, west = west_training_labels(system)
        names = list(BAND_NAMES)
        crossing_distance = ndimage.distance_transform_edt(~system.crossings).astype(np.float32)
        with_crossings = np.concatenate([bands, crossing_distance[None]])
        scores, seconds = {}, {}

        timed = Timed(scores, seconds)
        timed("logistic", logistic_score, bands, labels)
        for method in ("random_forest", "gradient_boosting"):
            for window in (0, 5):
                timed(f"{method} w{window}", classic_score, bands, labels, names, method, window)
        timed(
            "gradient_boosting + crossing distance",
            classic_score, with_crossings, labels, names + ["crossing distance"], "gradient_boosting", 0,
        )  # fmt: skip
        for mode in ("pseudolabels", "pu"):
            single = []
            for net_seed in (0, 1, 2):
                timed(f"cnn {mode} seed {net_seed}", cnn_score, bands, labels, mode, net_seed)
                single.append(scores[f"cnn {mode} seed {net_seed}"])
            scores[f"cnn {mode} ensemble 3"] = np.mean(single, axis=0)  # scores are log-odds: averaged as traincnn does
            seconds[f"cnn {mode} ensemble 3"] = sum(seconds[f"cnn {mode} seed {s}"] for s in (0, 1, 2))
        half = width // 2
        finite = np.ones((height, width - half), bool)
        for s in scores.values():
            finite &= ~np.isnan(s[:, half:])  # log-odds of 0 or 1 are -inf or +inf: still ranked
        test = ~west
        rows, cols = system.deposit_rows[test], system.deposit_cols[test]
        assert finite[rows, cols - half].all()
        print(f"system seed {seed}: {int(test.sum())} held-out deposits, background {int(finite.sum())} eastern cells")
        print(f"  {'learner':42s} top 1 %   AUC   seconds")
        for name, s in scores.items():
            east = s[:, half:]
            placed = placements(s[rows, cols], np.sort(east[finite]))
            print(f"  {name:42s} {np.mean(placed >= 0.99):6.3f} {placed.mean():6.3f} {seconds[name]:7.1f}", flush=True)


if __name__ == "__main__":
    main()
