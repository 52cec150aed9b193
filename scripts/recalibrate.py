"""Re-fit the temperature of a demo's model under the current calibration rule, without retraining, and write a
copy of the model with it.

Training is deterministic on the CPU and the calibration does not enter it: the networks `traincnn` trains today
from the same inputs and seed are the saved ones, and only the temperature differs. This reproduces the model's
validation cells (its seed and split settings, as :meth:`PatchCNN.fit` draws them), checks the reproduction (the
number of validation cells, and the saved temperature refitted under the rule it was saved with, hard labels), and
fits the current rule (the labels' confidence as soft targets, never sharpening).

Usage: python scripts/recalibrate.py --demo-output demo_output --output recalibrated.pt
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "build", "plugins"))
os.environ.setdefault("PROJ_DATA", "/usr/share/proj")


def read(path: str) -> np.ndarray:
    import rasterio

    with rasterio.open(path) as src:
        return src.read(masked=True).astype(np.float64).filled(np.nan)


def main() -> None:
    import torch

    from geochem_prospector.core.learning.calibration import confidence_targets, fit_temperature
    from geochem_prospector.core.learning.ensemble import labelled_cells
    from geochem_prospector.core.learning.estimator import PatchCNN
    from geochem_prospector.core.learning.patches import extract_patches, normalise, pad_halo
    from geochem_prospector.core.learning.splits import spatial_split
    from geochem_prospector.core.learning.training import network_logits

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-output", required=True, help="folder of a finished `make demo` run")
    parser.add_argument("--model", default=None, help="default: <demo-output>/model.pt")
    parser.add_argument("--output", required=True, help="the recalibrated copy")
    args = parser.parse_args()
    demo = os.path.abspath(args.demo_output)
    model = PatchCNN.load(args.model or os.path.join(demo, "model.pt"))
    config = model.config_
    bands = np.concatenate([read(os.path.join(demo, n)) for n in ("elements.tif", "evidence.tif")]).astype(np.float32)
    labels = read(os.path.join(demo, "pseudolabels.tif"))[0]
    confidence = read(os.path.join(demo, "pseudolabel_confidence.tif"))[0]
    cells = labelled_cells(bands, labels, confidence)
    rng = np.random.default_rng(config.seed)  # fit() draws nothing before the split for labelled cells
    _, val, _ = spatial_split(
        cells.rows, cells.cols, cells.y, labels.shape, config.validation, config.block_size, config.field - 1, rng,
        config.validation_fraction, cells.positive, config.cluster_distance or None,
    )  # fmt: skip
    saved = model.metadata_["calibration"]
    assert val.size == saved["validation_cells"], (val.size, saved["validation_cells"])
    median, scale = model._norm()
    padded = pad_halo(normalise(model.transform_bands(bands), median, scale), config.field // 2)
    x = torch.as_tensor(extract_patches(padded, cells.rows[val], cells.cols[val], config.field))
    logits = network_logits(model.nets_, x, "cpu").mean(axis=0)
    y = cells.y[val]
    hard = fit_temperature(logits, y)
    print(f"saved: T = {saved['temperature']:.6g} ({saved.get('note')}); refitted to hard labels: T = "
          f"{hard.temperature:.6g} ({hard.note})")  # fmt: skip
    assert math.isclose(hard.temperature, saved["temperature"], rel_tol=1e-3), "the reproduction differs"
    fit = fit_temperature(logits, y, confidence_targets(cells.weights[val]))
    print(f"current rule: T = {fit.temperature:.6g} ({fit.note}); validation NLL {fit.nll_at_1:.5f} at T = 1, "
          f"{fit.nll:.5f} at T")  # fmt: skip
    margin = logits[:, cells.positive] - logits[:, 1 - cells.positive]
    print(f"validation margins: |mean logit margin| median {np.median(np.abs(margin)):.2f}, max "
          f"{np.abs(margin).max():.2f}; confidence median {np.median(cells.weights[val]):.4f}")  # fmt: skip
    model.metadata_["calibration"] = fit.as_metadata()
    model.save(args.output)
    print(json.dumps(fit.as_metadata()))


if __name__ == "__main__":
    main()
