"""Issue #18's tie targets on the maps of the distilled per-cell network (comparemodels' mode cnn_distil): in
every Lapland fold, the float32 probability map `predict` would write (the model's calibrated probability) and
the log-odds map comparemodels ranks by, each counted with numpy: the largest share of the study area holding one
value (target: at most 1 %), the cells at the map's maximum, and how many of the fold's held-out deposits sit at
it (target: no two). Against the plain per-cell network. Only ties are counted here: no held-out score.

Usage (from the repository root; a minute or two, niced):
    nice -n 10 .venv/bin/python bench/results/2026-12-04-cnn-distil/ties.py > bench/results/2026-12-04-cnn-distil/ties.txt
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
from validate_lapland import LINK_METRES, evidence  # noqa: E402

from geochem_prospector.core.evaluation.auc import deposit_clusters  # noqa: E402
from geochem_prospector.core.evaluation.compare import cluster_folds, cnn_mode_settings, fold_labels  # noqa: E402
from geochem_prospector.core.learning.estimator import PatchCNN  # noqa: E402

torch.set_num_threads(1)
PIXEL = 500.0
CNN = {"patch_size": 9, "epochs": 40, "ensemble": 3, "seed": 0, "device": "cpu", "batch_size": 64, "block_size": 20}


def ties(values: np.ndarray, at: np.ndarray) -> str:
    v = values[np.isfinite(values)].astype(np.float32)
    _, counts = np.unique(v, return_counts=True)
    top = v.max()
    return (
        f"largest tie {counts.max() / v.size:.3%} of {v.size} cells, {int(np.sum(v == top))} cell(s) at the maximum, "
        f"{int(np.sum(at.astype(np.float32) == top))} held-out deposit(s) there"
    )


data = load_gtk(PIXEL)
for features in ("geochemistry", "geochemistry+magnetics"):
    bands, valid, names = evidence(data, features)
    rows, cols = np.asarray(data["dep_rows"]), np.asarray(data["dep_cols"])
    cells = LINK_METRES / PIXEL
    clusters = deposit_clusters(np.column_stack([rows, cols]).astype(float), cells)
    fold = cluster_folds(clusters, 4, 0)
    print(f"## {features}")
    for f in range(4):
        train, test = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
        labels, _ = fold_labels(valid, rows[train], cols[train], 600, cells, np.random.default_rng(0 + f))
        for mode in ("cnn_cell", "cnn_distil"):
            model = PatchCNN(**cnn_mode_settings(mode, CNN)).fit(bands, labels, band_names=names)
            prob, score = model.predict_proba(bands), model.predict_score(bands)
            print(
                f"fold {f}, {mode}: probability: {ties(prob, prob[rows[test], cols[test]])}; "
                f"log-odds: {ties(score, score[rows[test], cols[test]])}",
                flush=True,
            )
    print()
