"""Cross-validation of interpolators: leave-one-out for small sets, k-fold beyond (leave-one-out at a random
subset of the samples for an interpolator that searches every sample, whose k-fold would cost n² per fold).

Metrics are computed on the original (back-transformed) values:
RMSE, MAE, ME (mean of prediction - observation; > 0 means overestimation) and
R2 = 1 - SSE / SST (the share of the variance explained; it can be negative
when the interpolator does worse than the sample mean).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from ..callbacks import CancelCallback, check_cancelled

#: above this many samples leave-one-out gives way to k-fold
MAX_LOO_SAMPLES = 3000
DEFAULT_FOLDS = 10

#: predict(train_xy, train_z, targets, exclude) -> predictions at targets
Predictor = Callable[[np.ndarray, np.ndarray, np.ndarray, Optional[np.ndarray]], np.ndarray]


@dataclass
class CvScore:
    element: str
    method: str
    settings: str
    scheme: str
    n: int
    rmse: float
    mae: float
    me: float
    r2: float

    def row(self) -> List[object]:
        return [self.element, self.method, self.settings, self.scheme, self.n] + [
            f"{v:.6g}" for v in (self.rmse, self.mae, self.me, self.r2)
        ]


CSV_HEADER = ["element", "method", "settings", "scheme", "n", "rmse", "mae", "me", "r2"]


def metrics(observed: np.ndarray, predicted: np.ndarray) -> Dict[str, float]:
    """RMSE, MAE, ME (predicted - observed) and R2 over the pairs where both are finite."""
    ok = np.isfinite(observed) & np.isfinite(predicted)
    o, p = np.asarray(observed, dtype=float)[ok], np.asarray(predicted, dtype=float)[ok]
    if o.size == 0:
        return {"n": 0.0, "rmse": math.nan, "mae": math.nan, "me": math.nan, "r2": math.nan}
    err = p - o
    sst = float(np.sum((o - o.mean()) ** 2))
    return {
        "n": int(o.size),
        "rmse": float(np.sqrt(np.mean(err**2))),
        "mae": float(np.mean(np.abs(err))),
        "me": float(np.mean(err)),
        "r2": 1.0 - float(np.sum(err**2)) / sst if sst > 0 else math.nan,
    }


def cross_validate(
    xy: np.ndarray,
    z: np.ndarray,
    predict: Predictor,
    max_loo: Optional[int] = None,
    folds: int = DEFAULT_FOLDS,
    seed: int = 0,
    is_cancelled: CancelCallback = None,
    every_sample: bool = False,
) -> "tuple[np.ndarray, str]":
    """Out-of-sample predictions at every sample and the scheme used ("leave-one-out" or "10-fold").

    ``every_sample``: the predictor searches every sample (no neighbour limit), so one fold costs n x n/k
    distances; above ``max_loo`` samples it is then left out one at a time at ``max_loo`` of them drawn at random
    (NaN at the others), which costs ``max_loo`` x n: the same estimate of the error, from fewer checks."""
    n = len(z)
    max_loo = MAX_LOO_SAMPLES if max_loo is None else max_loo
    if n <= max_loo:
        return predict(xy, z, xy, np.arange(n)), "leave-one-out"
    if every_sample:
        checked = np.sort(np.random.default_rng(seed).choice(n, max_loo, replace=False))
        out = np.full(n, np.nan)
        for part in np.array_split(checked, max(1, len(checked) // 500)):  # seconds each at 100,000 samples
            check_cancelled(is_cancelled)
            out[part] = predict(xy, z, xy[part], part)
        return out, f"leave-one-out at {max_loo:,} of {n:,} samples"
    fold = np.random.default_rng(seed).permutation(n) % folds
    out = np.full(n, np.nan)
    for f in range(folds):
        check_cancelled(is_cancelled)
        test = fold == f
        out[test] = predict(xy[~test], z[~test], xy[test], None)
    return out, f"{folds}-fold"


def score(element: str, method: str, settings: str, scheme: str, observed, predicted) -> CvScore:
    m = metrics(observed, predicted)
    return CvScore(element, method, settings, scheme, int(m["n"]), m["rmse"], m["mae"], m["me"], m["r2"])


def write_csv(path: str, scores: Sequence[CvScore], parameter: str = "OUTPUT_CV") -> None:
    """One row per element, method and setting (see :data:`CSV_HEADER`); ``parameter`` names the output in errors."""
    from ..io.outputs import write_text
    from ..io.tables import csv_text

    write_text(path, csv_text(CSV_HEADER, (s.row() for s in scores)), parameter)
