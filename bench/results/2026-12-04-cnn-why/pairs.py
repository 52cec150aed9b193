"""Paired differences between learners of the saved runs of this folder (same folds, same deposits: the placements
of a learner are identical in every run, training being deterministic on the CPU), clusters resampled as
comparemodels does (2,000 iterations, seed 0). Usage, from the repository root:
    .venv/bin/python bench/results/2026-12-04-cnn-why/pairs.py
"""

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "build", "plugins"))

from geochem_prospector.core.evaluation.compare import paired  # noqa: E402

PAIRS = [
    ("cnn_cell", "cnn"),
    ("cnn_cell", "gradient_boosting"),
    ("cnn_patch5", "cnn"),
    ("cnn_patch5", "cnn_cell"),
    ("cnn_cell_fixed", "cnn_cell"),
    ("cnn_cell_pu", "cnn_cell"),
    ("cnn_cell_fixed", "gradient_boosting"),
    ("cnn_cell_pu", "gradient_boosting"),
    ("cnn_quantile", "cnn"),
    ("cnn_cell_quantile", "cnn_cell"),
    ("cnn_supervised", "cnn"),
    # run3-run5 (per cell; each against the per-cell network and gradient boosting)
    *[
        (v, ref)
        for v in (
            "cnn_cell_piecewise",
            "cnn_cell_decay",
            "cnn_cell_small",
            "cnn_cell_ens10",
            "cnn_cell_slow",
            "cnn_cell_supervised",
            "cnn_cell_piecewise_slow",
        )
        for ref in ("cnn_cell", "gradient_boosting")
    ],
    ("cnn_cell_piecewise_slow", "cnn_cell_piecewise"),
    ("cnn_piecewise", "cnn"),
    ("cnn_piecewise", "gradient_boosting"),
]

for features in ("geochemistry", "geochemistry+magnetics"):
    placements, clusters = {}, None
    for run in ("run1", "run2", "run3", "run4", "run5", "run6"):
        path = os.path.join(HERE, f"{run}_{features}.json")
        if not os.path.exists(path):
            continue
        saved = json.load(open(path, encoding="utf-8"))[features]
        clusters = np.asarray(saved["clusters"])
        for name, p in saved["placements"].items():
            p = np.asarray(p, dtype=float)
            if name in placements:  # the same learner in two runs: deterministic, so identical
                assert np.allclose(placements[name], p, equal_nan=True), (run, name)
            placements[name] = p
    print(f"### {features}")
    for a, b in PAIRS:
        if a in placements and b in placements:
            d = paired(placements[a], placements[b], clusters, 2000, 0)
            print(f"{a} - {b}: {d[0]:+.3f} [{d[1]:+.3f}, {d[2]:+.3f}]")
    print()
