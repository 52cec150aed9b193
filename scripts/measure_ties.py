"""Issue #18's tie targets, measured on the rasters `predict` wrote (read with GDAL, counted with numpy only: no
plugin code counts), and, given the model, why its probabilities tie.

For each map (probability, uncertainty, rank): the valid cells, distinct values, the largest share of the area
holding one value (target: at most 1 %), the share at the map's maximum, and at the held-out deposits' cells (the
cell each point falls in) how many hold the map's maximum and how many share their value with another deposit
(target: no two at the maximum). With ``--model`` and the evidence rasters, the model's stored calibration, every
network's logit margin (log-odds of the positive class) over the study area, and the share of the area beyond the
margins where float32 rounds a probability to exactly 1.0.

Usage: python scripts/measure_ties.py --demo-output demo_output [--model demo_output/model.pt] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from typing import Any, Dict, List, Optional

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "build", "plugins"))
os.environ.setdefault("PROJ_DATA", "/usr/share/proj")

#: the smallest log-odds whose probability float32 rounds to exactly 1.0: 1 / (1 + e^-z) > 1 - 2^-25
FLOAT32_ONE_MARGIN = math.log(2.0**25 - 1)  # 17.33


def read_valid(path: str) -> np.ndarray:
    """Band 1 of a raster, NaN where it is no-data."""
    import rasterio

    with rasterio.open(path) as src:
        band = src.read(1, masked=True).astype(np.float64)
    return band.filled(np.nan)


def deposit_cells(raster: str, deposits: str) -> List[tuple]:
    """(row, col) of the cell each deposit point falls in (points outside the raster left out)."""
    import geopandas as gpd
    import rasterio

    points = gpd.read_file(deposits)
    cells = []
    with rasterio.open(raster) as src:
        points = points.to_crs(src.crs)
        for geom in points.geometry:
            row, col = src.index(geom.x, geom.y)
            if 0 <= row < src.height and 0 <= col < src.width:
                cells.append((row, col))
    return cells


def ties(values: np.ndarray, cells: List[tuple]) -> Dict[str, Any]:
    """Tie figures of one map, counted with numpy's unique."""
    ok = np.isfinite(values)
    v = values[ok]
    uniq, counts = np.unique(v, return_counts=True)
    top = int(np.argmax(counts))
    at_deposits = np.array([values[r, c] for r, c in cells])
    at_deposits = at_deposits[np.isfinite(at_deposits)]
    d_uniq, d_counts = np.unique(at_deposits, return_counts=True)
    return {
        "cells": int(v.size),
        "distinct_values": int(uniq.size),
        "largest_tie_percent_of_area": 100.0 * counts[top] / v.size,
        "largest_tie_value": float(uniq[top]),
        "maximum": float(uniq[-1]),
        "cells_at_maximum": int(counts[-1]),
        "percent_of_area_at_maximum": 100.0 * counts[-1] / v.size,
        "deposits": int(at_deposits.size),
        "deposits_at_map_maximum": int(np.sum(at_deposits == uniq[-1])),
        "deposits_sharing_a_value": int(d_counts[d_counts > 1].sum()),
        "deposit_values": sorted(at_deposits.tolist(), reverse=True),
    }


def model_figures(model_path: str, evidence: List[str], mask: np.ndarray) -> Dict[str, Any]:
    """The stored calibration and every network's logit margin over the study area (``mask``)."""
    import rasterio
    import torch

    from geochem_prospector.core.learning.estimator import PatchCNN
    from geochem_prospector.core.learning.inference import _head, _hidden, normalised_tensor

    model = PatchCNN.load(model_path)
    stack = []
    for path in evidence:
        with rasterio.open(path) as src:
            stack.append(src.read(masked=True).astype(np.float32).filled(np.nan))
    bands = np.concatenate(stack)
    halo = model.config_.field // 2
    padded = np.pad(bands, ((0, 0), (halo, halo), (halo, halo)), constant_values=np.nan)
    median, scale = model._norm()
    positive = model._positive_index()
    x = normalised_tensor(model.transform_bands(padded), median, scale)
    margins = []
    with torch.no_grad():
        for net in model.nets_:
            net.eval()
            z = _head(net, _hidden(net, x))[0].double().numpy()  # (classes, H, W)
            others = np.delete(z, positive, axis=0)
            margin = z[positive] - np.log(np.exp(others - others.max(0)).sum(0)) - others.max(0)
            margins.append(margin[mask])
    members = np.stack(margins)
    calibration = model.metadata_.get("calibration", {})
    t = float(calibration.get("temperature", 1.0))
    mean = members.mean(0) / t if calibration.get("combine") == "logits" else None

    def summary(m: np.ndarray) -> Dict[str, Any]:
        q = np.percentile(m, [0, 1, 50, 99, 100])
        return {
            "min": q[0],
            "p1": q[1],
            "median": q[2],
            "p99": q[3],
            "max": q[4],
            "percent_above_float32_one": 100.0 * float(np.mean(m > FLOAT32_ONE_MARGIN)),
            "percent_above_10": 100.0 * float(np.mean(m > 10)),
        }

    return {
        "calibration": calibration,
        "training": model.metadata_.get("settings", {}).get("training"),
        "validation_loss": model.metadata_.get("metrics", {}).get("validation_loss"),
        "validation_roc_auc": model.metadata_.get("metrics", {}).get("validation_roc_auc"),
        "float32_one_margin": FLOAT32_ONE_MARGIN,
        "members": [summary(m) for m in members],
        "ensemble_margin_over_T": None if mean is None else summary(mean),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-output", required=True, help="folder of a finished `make demo` run")
    parser.add_argument("--prefix", default="prospectivity", help="the maps' file name prefix")
    parser.add_argument("--model", default=None, help="also describe this model's logits (the demo's model.pt)")
    parser.add_argument("--json", default=None, help="write the figures here too")
    args = parser.parse_args()
    demo = os.path.abspath(args.demo_output)
    prob_path = os.path.join(demo, f"{args.prefix}.tif")
    cells = deposit_cells(prob_path, os.path.join(demo, "deposits_heldout.gpkg"))
    result: Dict[str, Any] = {"maps": {}}
    prob: Optional[np.ndarray] = None
    for name, suffix in (("probability", ""), ("uncertainty", "_uncertainty"), ("rank", "_rank")):
        path = os.path.join(demo, f"{args.prefix}{suffix}.tif")
        if not os.path.exists(path):
            continue
        values = read_valid(path)
        if name == "probability":
            prob = values
        figures = ties(values, cells)
        if name == "probability":
            ok = values[np.isfinite(values)]
            figures["percent_of_area_above_0.95"] = 100.0 * float(np.mean(ok > 0.95))
            figures["percent_of_area_below_0.05"] = 100.0 * float(np.mean(ok < 0.05))
        result["maps"][name] = figures
        print(
            f"{name:12s} {figures['cells']} cells, {figures['distinct_values']} distinct; largest tie "
            f"{figures['largest_tie_percent_of_area']:.3f} % of the area at {figures['largest_tie_value']:.7g}; "
            f"maximum {figures['maximum']:.7g} on {figures['cells_at_maximum']} cells "
            f"({figures['percent_of_area_at_maximum']:.3f} %); held-out deposits at the maximum: "
            f"{figures['deposits_at_map_maximum']} of {figures['deposits']}, sharing a value: "
            f"{figures['deposits_sharing_a_value']}"
        )
        print(f"{'':12s} held-out deposits: {', '.join(f'{v:.7g}' for v in figures['deposit_values'])}")
        if name == "probability":
            print(
                f"{'':12s} {figures['percent_of_area_above_0.95']:.1f} % of the area above 0.95, "
                f"{figures['percent_of_area_below_0.05']:.1f} % below 0.05"
            )
    if args.model and prob is not None:
        evidence = [os.path.join(demo, "elements.tif"), os.path.join(demo, "evidence.tif")]
        figures = model_figures(args.model, evidence, np.isfinite(prob))
        result["model"] = figures
        print(f"calibration: {json.dumps(figures['calibration'])}")
        print(
            f"validation loss {figures['validation_loss']}, validation ROC AUC {figures['validation_roc_auc']}; "
            f"float32 rounds p to 1.0 beyond a margin of {FLOAT32_ONE_MARGIN:.2f}"
        )
        rows = [(f"network {i + 1}", m) for i, m in enumerate(figures["members"])]
        if figures["ensemble_margin_over_T"]:
            rows.append(("mean / T", figures["ensemble_margin_over_T"]))
        for label, m in rows:
            print(
                f"  {label:10s} margin min {m['min']:.1f}, 1 % {m['p1']:.1f}, median {m['median']:.1f}, "
                f"99 % {m['p99']:.1f}, max {m['max']:.1f}; {m['percent_above_float32_one']:.2f} % of the area "
                f"beyond float32's 1.0, {m['percent_above_10']:.1f} % beyond 10"
            )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=2)


if __name__ == "__main__":
    main()
