"""`prospector:comparemodels`' core on the bundled Lapland sample: 4 folds of whole deposit clusters (3 km), random
forest, gradient boosting, logistic regression, weights of evidence and a 3-network CNN, on the 2-core machine.

Prints each learner's time (training and mapping, summed over the folds) and its ratio to logistic regression, the
cheapest scikit-learn learner measured in the same run, then the held-out figures. Environment:
BENCH_COMPARE_FEATURES=geochemistry|geochemistry+magnetics (default both), BENCH_COMPARE_EPOCHS (default 40),
BENCH_COMPARE_PIXEL (default 500 m), BENCH_COMPARE_JSON=file to save the per-deposit scores.
"""

import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts"))

LEARNERS = ("woe", "logistic", "random_forest", "gradient_boosting")
CLASSIC = {
    "window": 0,
    "n_estimators": 200,
    "max_depth": 0,
    "min_samples_leaf": 5,
    "learning_rate": 0.1,
    "regularisation": 1.0,
    "seed": 0,
}
LINK_METRES = 3000.0


def run(features: str, pixel: float, epochs: int):
    from lapland import load_gtk

    from geochem_prospector.core.evaluation.compare import compare, make_mappers

    data = load_gtk(pixel)
    bands = data["geo"] if features == "geochemistry" else np.concatenate([data["geo"], data["mag"]])
    names = list(data["names"]) + (["magnetics"] if features != "geochemistry" else [])
    valid = np.isfinite(bands).all(axis=0) & data["mask"]
    bands = np.where(valid, bands, np.nan).astype(np.float32)
    cnn = {
        "patch_size": 9,
        "epochs": epochs,
        "ensemble": 3,
        "seed": 0,
        "device": "cpu",
        "batch_size": 64,
        "block_size": int(round(10000 / pixel)),
    }
    started = time.perf_counter()
    result = compare(
        bands,
        valid,
        data["dep_rows"],
        data["dep_cols"],
        make_mappers(LEARNERS, CLASSIC, cnn, names),
        folds=4,
        cluster_cells=LINK_METRES / pixel,
        negatives=600,
        seed=0,
        iterations=2000,
        log=lambda s: print("  " + s, flush=True),
    )
    return result, time.perf_counter() - started


def main() -> None:
    pixel = float(os.environ.get("BENCH_COMPARE_PIXEL", 500))
    epochs = int(os.environ.get("BENCH_COMPARE_EPOCHS", 40))
    wanted = os.environ.get("BENCH_COMPARE_FEATURES", "geochemistry,geochemistry+magnetics").split(",")
    saved = {}
    for features in wanted:
        result, total = run(features, pixel, epochs)
        s = result.summary
        ref = s["logistic"]["seconds"]
        print(
            f"{features}: {result.settings['deposits']} deposits, {result.settings['clusters']} clusters, "
            f"4 folds, total {total:.0f} s"
        )
        for name, row in s.items():
            diff = row["minus_best_band"]
            diff_text = "" if diff is None else f"  minus best band {diff[0]:+.3f} [{diff[1]:+.3f}, {diff[2]:+.3f}]"
            print(
                f"  {name:18s} {row['seconds']:7.1f} s ({row['seconds'] / ref:6.1f}x logistic)  held-out AUC "
                f"{row['auc']:.3f} [{row['auc_low']:.3f}, {row['auc_high']:.3f}]  capture 10 % {row['capture_10']:.2f}"
                f" 20 % {row['capture_20']:.2f}{diff_text}"
            )
        print(f"  recommended: {result.recommended}")
        for note in result.learners["best band"].notes:
            print(f"  best band {note}")
        saved[features] = {
            "summary": s,
            "recommended": result.recommended,
            "folds": result.folds.tolist(),
            "clusters": result.clusters.tolist(),
            "placements": {n: v.placement.tolist() for n, v in result.learners.items()},
            "seconds": {n: v.seconds for n, v in result.learners.items()},
            "best_band": result.learners["best band"].notes,
            "settings": {**result.settings, "pixel": pixel, "epochs": epochs},
        }
    if os.environ.get("BENCH_COMPARE_JSON"):
        with open(os.environ["BENCH_COMPARE_JSON"], "w", encoding="utf-8") as out:
            json.dump(saved, out, indent=1)


if __name__ == "__main__":
    main()
