"""Which bands the band-sparse per-cell network (run1's cnn_cell_sparse) reads, and the strength its validation
cells chose, on every fold's training labels (comparemodels' labels; the same networks as in run1, training being
deterministic on the CPU). Nothing here looks at a held-out deposit.

Usage (from the repository root; about a minute, niced):
    nice -n 10 .venv/bin/python bench/results/2026-12-04-cnn-distil/bands.py > bench/results/2026-12-04-cnn-distil/bands.txt
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
from validate_lapland import EXPERIMENTS, LINK_METRES, evidence  # noqa: E402

from geochem_prospector.core.evaluation.auc import deposit_clusters  # noqa: E402
from geochem_prospector.core.evaluation.compare import cluster_folds, fold_labels  # noqa: E402
from geochem_prospector.core.learning.estimator import PatchCNN  # noqa: E402

torch.set_num_threads(1)
PIXEL = 500.0
CNN = {"patch_size": 9, "epochs": 40, "ensemble": 3, "seed": 0, "device": "cpu", "batch_size": 64, "block_size": 20}

data = load_gtk(PIXEL)
for features in ("geochemistry", "geochemistry+magnetics"):
    bands, valid, names = evidence(data, features)
    rows, cols = np.asarray(data["dep_rows"]), np.asarray(data["dep_cols"])
    cells = LINK_METRES / PIXEL
    clusters = deposit_clusters(np.column_stack([rows, cols]).astype(float), cells)
    fold = cluster_folds(clusters, 4, 0)
    print(
        f"## {features}: cnn_cell_sparse, strength chosen (validation AUC per strength), bands read by all / some of the 3 networks"
    )
    for f in range(4):
        train = np.flatnonzero(fold != f)
        labels, _ = fold_labels(valid, rows[train], cols[train], 600, cells, np.random.default_rng(0 + f))
        model = PatchCNN(**{**CNN, **EXPERIMENTS["cnn_cell_sparse"]}).fit(bands, labels, band_names=names)
        m = model.metadata_["metrics"]
        used = m["bands_used"]
        print(
            f"fold {f}: strength {model.metadata_['settings']['band_sparsity']:g} ("
            + ", ".join(f"{k}: {v:.3f}" for k, v in m["band_sparsity_choice"].items())
            + f"); all 3 read {sum(v == 1 for v in used.values())} bands: "
            + " ".join(n for n, v in used.items() if v == 1)
            + "; some: "
            + (" ".join(n for n, v in used.items() if 0 < v < 1) or "none"),
            flush=True,
        )
    print()
