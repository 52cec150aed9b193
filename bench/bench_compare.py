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
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts"))


def run(features: str, pixel: float, epochs: int):
    """comparemodels' core on one evidence set (scripts/validate_lapland.py's run, the default CNN alone)."""
    from validate_lapland import run as validate

    return validate(features, pixel, epochs, ensemble=3, modes=("cnn",), log=lambda s: print("  " + s, flush=True))


def main() -> None:
    pixel = float(os.environ.get("BENCH_COMPARE_PIXEL", 500))
    epochs = int(os.environ.get("BENCH_COMPARE_EPOCHS", 40))
    wanted = os.environ.get("BENCH_COMPARE_FEATURES", "geochemistry,geochemistry+magnetics").split(",")
    saved = {}
    for features in wanted:
        saved[features] = run(features, pixel, epochs)
        s = saved[features]["summary"]
        ref = s["logistic"]["seconds"]
        st = saved[features]["settings"]
        print(f"{features}: {st['deposits']} deposits, {st['clusters']} clusters, 4 folds, total {st['seconds']:.0f} s")
        for name, row in s.items():
            diff = row["minus_best_band"]
            diff_text = "" if diff is None else f"  minus best band {diff[0]:+.3f} [{diff[1]:+.3f}, {diff[2]:+.3f}]"
            print(
                f"  {name:18s} {row['seconds']:7.1f} s ({row['seconds'] / ref:6.1f}x logistic)  held-out AUC "
                f"{row['auc']:.3f} [{row['auc_low']:.3f}, {row['auc_high']:.3f}]  capture 10 % {row['capture_10']:.2f}"
                f" 20 % {row['capture_20']:.2f}{diff_text}"
            )
        print(f"  recommended: {saved[features]['recommended']}")
        for note in saved[features]["best_band"]:
            print(f"  best band {note}")
    if os.environ.get("BENCH_COMPARE_JSON"):
        with open(os.environ["BENCH_COMPARE_JSON"], "w", encoding="utf-8") as out:
            json.dump(saved, out, indent=1)


def markdown(saved) -> str:
    """The pooled and per-fold tables of a saved run (BENCH_COMPARE_JSON) as Markdown."""
    from validate_lapland import markdown as tables

    return tables(saved)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--markdown":
        with open(sys.argv[2], encoding="utf-8") as handle:
            print(markdown(json.load(handle)))
    else:
        main()
