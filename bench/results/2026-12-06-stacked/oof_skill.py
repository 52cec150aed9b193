"""Training side only (no held-out deposit): how much skill does the out-of-fold band carry at the labelled cells
the network learns from? Per outer fold, the ROC AUC of the out-of-fold GB log-odds, and of the full-fit ones,
at that fold's labelled cells (sklearn's roc_auc_score), and the spread of each.

    .venv/bin/python bench/results/2026-12-06-stacked/oof_skill.py geochemistry+magnetics
"""

import os
import sys

import numpy as np
from sklearn.metrics import roc_auc_score

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.join(ROOT, "build", "plugins"))

import validate_lapland as v  # noqa: E402
from lapland import load_gtk  # noqa: E402

from geochem_prospector.core.evaluation.auc import deposit_clusters  # noqa: E402
from geochem_prospector.core.evaluation.compare import cluster_folds, fold_labels  # noqa: E402

features = sys.argv[1] if len(sys.argv) > 1 else "geochemistry"
pixel = 500.0
data = load_gtk(pixel)
bands, valid, names = v.evidence(data, features)
rows, cols = np.asarray(data["dep_rows"]), np.asarray(data["dep_cols"])
clusters = deposit_clusters(np.column_stack([rows, cols]).astype(float), v.LINK_METRES / pixel)
fold = cluster_folds(clusters, 4, 0)
for f in range(4):
    train = np.flatnonzero(fold != f)
    labels, _ = fold_labels(valid, rows[train], cols[train], 600, v.LINK_METRES / pixel, np.random.default_rng(f))
    oof, full = v.gb_log_odds_band(bands, labels, names, pixel)
    at = np.isfinite(labels)
    y = labels[at]
    print(
        f"fold {f}: {int(y.sum())} mineralised / {int((y == 0).sum())} barren labelled cells; "
        f"AUC out-of-fold {roc_auc_score(y, oof[at]):.3f}, full fit {roc_auc_score(y, full[at]):.3f}; "
        f"log-odds sd at the labelled cells: out-of-fold {oof[at].std():.2f}, full fit {full[at].std():.2f}, "
        f"elsewhere (full fit) {full[valid & ~at].std():.2f}",
        flush=True,
    )
