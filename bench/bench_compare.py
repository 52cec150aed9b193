"""`prospector:comparemodels`' core on the bundled Lapland sample: 4 folds of whole deposit clusters (3 km), random
forest, gradient boosting, logistic regression, weights of evidence and a 3-network CNN, on the 2-core machine.

Prints each learner's time (training and mapping, summed over the folds) and its ratio to logistic regression, the
cheapest scikit-learn learner measured in the same run, then the held-out figures. Environment:
BENCH_COMPARE_FEATURES=geochemistry|geochemistry+magnetics (default both), BENCH_COMPARE_EPOCHS (default 40),
BENCH_COMPARE_PIXEL (default 500 m), BENCH_COMPARE_JSON=file to save the per-deposit scores.
`python bench/bench_compare.py --markdown SAVED.json` prints the tables of a saved run as Markdown.
"""

import json
import os
import re
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
        band_names=names,
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


TITLES = {
    "best band": "best single band (chosen per fold on the training labels)",
    "woe": "weights of evidence",
    "logistic": "logistic regression",
    "random_forest": "random forest (200 trees)",
    "gradient_boosting": "gradient boosting (200 trees, depth 3)",
    "cnn": "CNN, ensemble of 3",
}


def _band_name(match) -> str:
    """'band 17' in a saved note -> the band's name (runs saved before notes named their bands)."""
    from lapland import ELEMENTS

    return (list(ELEMENTS) + ["magnetics"])[int(match.group(1)) - 1]


def markdown(saved) -> str:
    """The pooled and per-fold tables of a saved run (BENCH_COMPARE_JSON) as Markdown."""
    lines = []
    for features, run in saved.items():
        folds = np.asarray(run["folds"])
        n_folds = int(folds.max()) + 1
        st = run["settings"]
        lines += [
            f"### {features}",
            "",
            f"{st['deposits']} deposits in {st['clusters']} clusters (3 km), {n_folds} folds, {st['pixel']:g} m cells, "
            f"CNN {st['epochs']} epochs at most; recommended: **{TITLES.get(run['recommended'], run['recommended'])}**.",
            "",
            "| learner | held-out AUC [95 %, clusters] | capture 10 % | capture 20 % | minus best band, paired [95 %] | "
            + " | ".join(f"fold {f} ({int(np.sum(folds == f))})" for f in range(n_folds))
            + " | seconds |",
            "|---|---|---|---|---|" + "---|" * n_folds + "---|",
        ]
        for name, row in run["summary"].items():
            p = np.asarray(run["placements"][name], dtype=float)
            per_fold = " | ".join(f"{np.nanmean(p[folds == f]):.3f}" for f in range(n_folds))
            diff = row["minus_best_band"]
            diff_text = "—" if diff is None else f"{diff[0]:+.3f} [{diff[1]:+.3f}, {diff[2]:+.3f}]"
            lines.append(
                f"| {TITLES.get(name, name)} | {row['auc']:.3f} [{row['auc_low']:.3f}, {row['auc_high']:.3f}] | "
                f"{row['capture_10']:.2f} | {row['capture_20']:.2f} | {diff_text} | {per_fold} | {row['seconds']:.0f} |"
            )
        notes = [re.sub(r"band (\d+)", _band_name, n) for n in run["best_band"]]
        lines += ["", "Best single band per fold: " + "; ".join(notes) + ".", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--markdown":
        with open(sys.argv[2], encoding="utf-8") as handle:
            print(markdown(json.load(handle)))
    else:
        main()
