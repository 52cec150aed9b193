"""How closely does the distilled network follow its teacher? (run1's cnn_cell_distil kept gradient boosting's
weakness of the dense networks, not its map.) On every fold's training labels (comparemodels' labels), for both
evidence sets: the epochs early stopping kept, and the Spearman correlation over every valid cell of each
network's map with gradient boosting's map (comparemodels' settings, trained on the same fold labels), for the
per-cell network, its distilled version, and distilled variants declared with this script (fixed epochs, a larger
distillation weight). Nothing here looks at a held-out deposit: it measures fidelity to the teacher, not skill.

Usage (from the repository root; a few minutes, niced):
    nice -n 10 .venv/bin/python bench/results/2026-12-04-cnn-distil/fidelity.py > bench/results/2026-12-04-cnn-distil/fidelity.txt
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
from geochem_prospector.core.learning.estimator import PatchCNN  # noqa: E402

torch.set_num_threads(1)
PIXEL = 500.0
CNN = {"patch_size": 1, "epochs": 40, "ensemble": 3, "seed": 0, "device": "cpu", "batch_size": 64, "block_size": 20}
VARIANTS = {
    "cnn_cell": {},
    "cnn_cell_distil": {"teacher": "gradient_boosting"},
    "distil, 40 fixed epochs": {"teacher": "gradient_boosting", "early_stopping": False},
    "distil, weight 10": {"teacher": "gradient_boosting", "distil_weight": 10.0},
}

data = load_gtk(PIXEL)
for features in ("geochemistry", "geochemistry+magnetics"):
    bands, valid, names = evidence(data, features)
    rows, cols = np.asarray(data["dep_rows"]), np.asarray(data["dep_cols"])
    cells = LINK_METRES / PIXEL
    clusters = deposit_clusters(np.column_stack([rows, cols]).astype(float), cells)
    fold = cluster_folds(clusters, 4, 0)
    print(f"## {features}: Spearman with gradient boosting's map over every valid cell; kept epochs of the 3 networks")
    for f in range(4):
        train = np.flatnonzero(fold != f)
        labels, _ = fold_labels(valid, rows[train], cols[train], 600, cells, np.random.default_rng(0 + f))
        gb = ClassicLearner("gradient_boosting", **CLASSIC).fit(bands, labels, names).predict_proba(bands)
        line = []
        for name, extra in VARIANTS.items():
            model = PatchCNN(**CNN, **extra).fit(bands, labels, band_names=names)
            score = model.predict_score(bands)
            ok = valid & np.isfinite(score) & np.isfinite(gb)
            rho = spearmanr(score[ok], gb[ok])[0]
            kept = [m["best_epoch"] for m in model.metadata_["metrics"]["ensemble"]]
            line.append(f"{name} {rho:.3f} (epochs {kept})")
        print(f"fold {f}: " + "; ".join(line), flush=True)
    print()
