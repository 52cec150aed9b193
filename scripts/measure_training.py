"""Time and held-out AUC of `traincnn` with and without the cap on barren cells per epoch (BARREN_RATIO), on the
outputs of `make demo` (its evidence, pseudo-labels and held-out southern deposits), through `qgis_process.bin` as
a user runs it. Each setting is trained, predicted and evaluated on the held-out deposits; wall and CPU seconds
(all cores) of every step are printed and written to <output>/measure_training.json.

Usage: python scripts/measure_training.py --demo-output demo_output --ratios 0 1 [--ensemble 5 --epochs 60]
BARREN_RATIO 0 trains exactly as before the cap existed (every barren cell in every epoch, the same permutation).
--patch-sizes 9 1 trains each ratio at each PATCH_SIZE (1: the per-cell network; default 9, traincnn's default).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import cnn_steps  # noqa: E402
from demo import QgisProcess, sample  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-output", required=True, help="folder of a finished `make demo` run")
    parser.add_argument("--output", default=None, help="where to write (default: <demo-output>/measure)")
    parser.add_argument("--ratios", type=float, nargs="+", default=[0.0, 1.0])
    parser.add_argument("--ensemble", type=int, default=5, help="traincnn's default: 5")
    parser.add_argument("--epochs", type=int, default=60, help="traincnn's default: 60 (early stopping on)")
    parser.add_argument("--patch-sizes", type=int, nargs="+", default=[9], help="PATCH_SIZE values (default 9)")
    args = parser.parse_args()
    demo = os.path.abspath(args.demo_output)
    out = os.path.abspath(args.output or os.path.join(demo, "measure"))
    os.makedirs(out, exist_ok=True)
    qp = QgisProcess()
    evidence = [os.path.join(demo, "elements.tif"), os.path.join(demo, "evidence.tif")]
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"load before: {load}", flush=True)
    runs = []
    for ratio, patch in [(r, p) for r in args.ratios for p in args.patch_sizes]:
        tag = f"ratio{ratio:g}" + (f"_patch{patch}" if args.patch_sizes != [9] else "")
        started = time.monotonic()
        first = len(qp.log)
        area = sample("study_area.gpkg")
        model = cnn_steps.train(
            qp,
            evidence,
            {
                "OUTPUT": os.path.join(demo, "pseudolabels.tif"),
                "OUTPUT_CONFIDENCE": os.path.join(demo, "pseudolabel_confidence.tif"),
            },
            args.epochs,
            args.ensemble,
            os.path.join(out, f"model_{tag}.pt"),
            os.path.join(out, f"training_{tag}.html"),
            BARREN_RATIO=ratio,
            PATCH_SIZE=patch,
            TRAINING=0,  # the cap is labelled-cell training's
        )
        prediction = cnn_steps.predict(
            qp, evidence, model["OUTPUT_MODEL"], area, os.path.join(out, f"prospectivity_{tag}.tif")
        )
        evaluation = cnn_steps.evaluate(
            qp,
            prediction["OUTPUT"],
            os.path.join(demo, "deposits_heldout.gpkg"),
            area,
            os.path.join(out, f"evaluation_{tag}.html"),
            os.path.join(out, f"evaluation_{tag}.csv"),
        )
        train = qp.log[first]
        runs.append(
            {
                "barren_ratio": ratio,
                "patch_size": patch,
                "train_seconds": train["seconds"],
                "train_cpu_seconds": train["cpu_seconds"],
                "total_seconds": round(time.monotonic() - started, 1),
                **{k: evaluation[k] for k in (*cnn_steps.SUMMARY, "DEPOSITS_USED")},
            }
        )
        r = runs[-1]
        print(
            f"BARREN_RATIO {ratio:g}, PATCH_SIZE {patch}: training {r['train_seconds']:.0f} s wall, {r['train_cpu_seconds']:.0f} s CPU; "
            f"held-out AUC {r['AUC']:.3f} [{r['AUC_LOW']:.3f}, {r['AUC_HIGH']:.3f}], {r['CAPTURE_10']:.0f} % in the "
            "top 10 %",
            flush=True,
        )
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"load after: {load}", flush=True)
    with open(os.path.join(out, "measure_training.json"), "w", encoding="utf-8") as handle:
        json.dump({"ensemble": args.ensemble, "epochs": args.epochs, "runs": runs, "steps": qp.log}, handle, indent=2)


if __name__ == "__main__":
    main()
