"""The distilled network against its own teacher (fold 2, geochemistry; training labels only, no held-out deposit):
how closely the teacher on the network's training cells agrees with gradient boosting on all the fold's labels,
how much of the area it puts below probability 0.01, and how closely each distillation recipe follows it (Spearman
over every valid cell; one network each). What chose run2's log-odds recipe and run3's teacher.

Usage (from the repository root; about a minute, niced):
    nice -n 10 .venv/bin/python bench/results/2026-12-04-cnn-distil/teacher.py > bench/results/2026-12-04-cnn-distil/teacher.txt
"""

import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.join(HERE, "..", "..", "..")
sys.path.insert(0, os.path.join(REPO, "scripts"))
sys.path.insert(0, os.path.join(REPO, "build", "plugins"))

import torch  # noqa: E402
from lapland import load_gtk  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402
from validate_lapland import CLASSIC, LINK_METRES, evidence  # noqa: E402

from geochem_prospector.core.classic.learner import ClassicLearner  # noqa: E402
from geochem_prospector.core.evaluation.auc import deposit_clusters  # noqa: E402
from geochem_prospector.core.evaluation.compare import cluster_folds, fold_labels  # noqa: E402
from geochem_prospector.core.learning import estimator  # noqa: E402

torch.set_num_threads(1)
FOLD, PIXEL = 2, 500.0
BASE = {"patch_size": 1, "epochs": 40, "ensemble": 1, "seed": 0, "device": "cpu", "batch_size": 64, "block_size": 20}
RECIPES = {
    "probabilities, early stopping": {"teacher": "gradient_boosting"},
    "probabilities, 40 fixed epochs": {"teacher": "gradient_boosting", "early_stopping": False},
    "log-odds, 40 fixed epochs": {"teacher": "gradient_boosting", "early_stopping": False, "distil_target": "log_odds"},
    "log-odds, 40 fixed epochs, rate 3e-3": {
        "teacher": "gradient_boosting",
        "early_stopping": False,
        "distil_target": "log_odds",
        "learning_rate": 3e-3,
    },
}

taught = {}
original = estimator.teacher_targets


def keep(*args, **kwargs):  # the teacher's scores, as the fit computed them
    taught["scores"] = original(*args, **kwargs)
    return taught["scores"]


estimator.teacher_targets = keep
data = load_gtk(PIXEL)
bands, valid, names = evidence(data, "geochemistry")
rows, cols = np.asarray(data["dep_rows"]), np.asarray(data["dep_cols"])
cells = LINK_METRES / PIXEL
clusters = deposit_clusters(np.column_stack([rows, cols]).astype(float), cells)
train = np.flatnonzero(cluster_folds(clusters, 4, 0) != FOLD)
labels, _ = fold_labels(valid, rows[train], cols[train], 600, cells, np.random.default_rng(0 + FOLD))
gb = ClassicLearner("gradient_boosting", **CLASSIC).fit(bands, labels, names).predict_proba(bands)
print(f"fold {FOLD}, geochemistry; Spearman over every valid cell")
for name, extra in RECIPES.items():
    model = estimator.PatchCNN(**BASE, **extra).fit(bands, labels, band_names=names)
    t_rows, t_cols, prob = taught["scores"]
    teacher = np.full(valid.shape, np.nan)
    teacher[t_rows, t_cols] = prob
    score = model.predict_score(bands)
    ok = valid & np.isfinite(score) & np.isfinite(teacher) & np.isfinite(gb)
    print(
        f"{name}: student ~ teacher {spearmanr(score[ok], teacher[ok])[0]:.3f}; student ~ gradient boosting on all "
        f"labels {spearmanr(score[ok], gb[ok])[0]:.3f}; kept epoch {model.metadata_['metrics']['best_epoch']}",
        flush=True,
    )
print(
    f"teacher (training cells) ~ gradient boosting on all labels {spearmanr(teacher[ok], gb[ok])[0]:.3f}; "
    f"share of the area with teacher probability < 0.01: {np.mean(teacher[ok] < 0.01):.3f}"
)
