"""Paired differences between learners of this folder's runs (run1-run3; same folds and deposits, training
deterministic on the CPU, so a learner in two runs has identical placements, asserted), clusters resampled as
comparemodels does (2,000 iterations, seed 0). Usage, from the repository root:
    .venv/bin/python bench/results/2026-12-04-cnn-distil/pairs.py > bench/results/2026-12-04-cnn-distil/pairs.txt
"""

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "build", "plugins"))

from geochem_prospector.core.evaluation.compare import paired  # noqa: E402

VARIANTS = (
    "cnn_cell_distil",
    "cnn_patch5_distil",
    "cnn_cell_sparse",
    "cnn_cell_distil_sparse",
    "cnn_cell_distil_fixed",
    "cnn_cell_distil_logodds",
    "cnn_patch5_distil_logodds",
    "cnn_cell_distil_all",
)
PAIRS = [
    *[(v, ref) for v in VARIANTS for ref in ("cnn_cell", "gradient_boosting")],
    ("cnn_cell_distil_fixed", "cnn_cell_distil"),
    ("cnn_cell_distil_logodds", "cnn_cell_distil_fixed"),
    ("cnn_cell_distil_all", "cnn_cell_distil_logodds"),
    ("cnn_cell_distil_sparse", "cnn_cell_sparse"),
]
OTHER_RUNS = [os.path.join(HERE, "..", "2026-12-04-cnn-why", "run1")]  # the controls' first record

for features in ("geochemistry", "geochemistry+magnetics"):
    placements, clusters = {}, None
    for run in [os.path.join(HERE, r) for r in ("run1", "run2", "run3")] + OTHER_RUNS:
        saved = json.load(open(f"{run}_{features}.json", encoding="utf-8"))[features]
        clusters = np.asarray(saved["clusters"])
        for name, p in saved["placements"].items():
            p = np.asarray(p, dtype=float)
            if name in placements:  # the same learner in two runs: deterministic, so identical
                assert np.array_equal(placements[name], p, equal_nan=True), (run, name)
            placements[name] = p
    folds = np.asarray(saved["folds"])
    print(f"### {features}")
    for a, b in PAIRS:
        d = paired(placements[a], placements[b], clusters, 2000, 0)
        print(f"{a} - {b}: {d[0]:+.3f} [{d[1]:+.3f}, {d[2]:+.3f}]")
    print(
        "fold 2 (3 deposits) mean placement: "
        + "; ".join(
            f"{n} {np.mean(placements[n][folds == 2]):.3f}" for n in ("gradient_boosting", "cnn_cell", *VARIANTS)
        )
    )
    print()
