"""Weights of evidence (Bonham-Carter 1994; Agterberg & Cheng 2002), written out by hand.

Each evidence feature becomes a small table of classes, each with a weight: a *categorical* feature (at most
``max_categories`` whole-number values, e.g. a host-rock indicator) gets one weight per value; a *continuous*
feature is made *binary* at the threshold, among its training quantiles, with the largest studentised contrast,
the pattern being present on the side where deposits are more frequent (ArcSDM's cumulative weights, both
directions). For a pattern B and deposits D (counts of training cells, weighted by their confidence):

    W+ = ln[P(B|D) / P(B|~D)]          s²(W+) = 1/N(B∩D) + 1/N(B∩~D)
    W- = ln[P(~B|D) / P(~B|~D)]        s²(W-) = 1/N(~B∩D) + 1/N(~B∩~D)
    C = W+ - W-,   s(C) = sqrt(s²(W+) + s²(W-)),   studentised contrast C / s(C)

A categorical value k has W_k = ln[P(k|D) / P(k|~D)], s²(W_k) = 1/N(k∩D) + 1/N(k∩~D), and its contrast against
the other values. A table with an empty cell adds 0.5 to each of its four counts (Haldane's correction), so that no
weight is infinite. The posterior log-odds of a cell is ln(prior odds) + the sum of its weights.

The conditional-independence test of Agterberg & Cheng (2002): T, the sum of the posterior probabilities over the
training cells, equals n, the number of deposit cells, when the evidence is conditionally independent; with
s²(T) = sum over unique conditions k of (N_k P_k)² (1/n + sum_j s²(W_jk)), z = (T - n) / s(T) and the one-sided
p-value 1 - Phi(z) (small: T significantly exceeds n, conditional independence is doubtful).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

from .arrays import Arrays, expit

#: a feature with at most this many distinct whole-number values is categorical
MAX_CATEGORIES = 16

#: the open ends of a binary pattern's intervals (model files hold finite numbers only)
OPEN_END = float(np.finfo(np.float64).max)

#: the candidate thresholds of a continuous feature: these quantiles of its training values
QUANTILES = np.linspace(0.05, 0.95, 19)


@dataclass(frozen=True)
class TwoClassWeights:
    """Weights of a binary pattern: W+, W-, contrast, its standard deviation, studentised contrast."""

    w_plus: float
    w_minus: float
    s_w_plus: float
    s_w_minus: float

    @property
    def contrast(self) -> float:
        return self.w_plus - self.w_minus

    @property
    def s_contrast(self) -> float:
        return math.sqrt(self.s_w_plus**2 + self.s_w_minus**2)

    @property
    def studentised(self) -> float:
        return self.contrast / self.s_contrast


def two_class_weights(n_bd: float, n_bnd: float, n_d: float, n_nd: float) -> TwoClassWeights:
    """Weights of a pattern from (weighted) counts: pattern and deposit, pattern and no deposit, deposits, others."""
    a, b, c, d = n_bd, n_bnd, n_d - n_bd, n_nd - n_bnd  # B∩D, B∩~D, ~B∩D, ~B∩~D
    if min(a, b, c, d) <= 0:
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    nd, nnd = a + c, b + d
    return TwoClassWeights(
        w_plus=math.log((a / nd) / (b / nnd)),
        w_minus=math.log((c / nd) / (d / nnd)),
        s_w_plus=math.sqrt(1 / a + 1 / b),
        s_w_minus=math.sqrt(1 / c + 1 / d),
    )


def _is_categorical(values: np.ndarray, max_categories: int) -> bool:
    distinct = np.unique(values)
    return distinct.size <= max_categories and bool(np.all(distinct == np.round(distinct)))


def _binary(values: np.ndarray, pos: np.ndarray, w: np.ndarray) -> Tuple[float, bool, TwoClassWeights]:
    """The threshold (present: >= threshold, or < threshold when ``high`` is False) of largest studentised contrast."""
    n_d, n_nd = float(w[pos].sum()), float(w[~pos].sum())
    best = None
    for t in np.unique(np.quantile(values, QUANTILES)):
        above = values >= t
        if above.all() or not above.any():
            continue
        weights = two_class_weights(float(w[above & pos].sum()), float(w[above & ~pos].sum()), n_d, n_nd)
        if best is None or abs(weights.studentised) > abs(best[2].studentised):
            best = (float(t), weights.contrast >= 0, weights)
    if best is None:  # one value throughout: a pattern everywhere carries no information
        return float(values.min()), True, TwoClassWeights(0.0, 0.0, 0.0, 1.0)
    t, high, weights = best
    if not high:  # the pattern is the side below the threshold: its W+ is the other side's W-
        weights = TwoClassWeights(weights.w_minus, weights.w_plus, weights.s_w_minus, weights.s_w_plus)
    return t, high, weights


def fit_weights(
    x: np.ndarray,
    positive: np.ndarray,
    sample_weight: np.ndarray,
    names: Sequence[str],
    max_categories: int = MAX_CATEGORIES,
) -> Tuple[Arrays, List[Dict[str, Any]]]:
    """Weights of every feature of ``x`` (n, features) for deposits ``positive`` (n, bool), cells weighted.

    Returns the model arrays (one row per class of every feature: ``band``, interval ``low`` <= value < ``high``,
    ``weight``, ``variance``; and ``prior``, the prior log-odds) and the weights table for the report.
    """
    w = np.asarray(sample_weight, dtype=np.float64)
    pos = np.asarray(positive, dtype=bool)
    n_d, n_nd = float(w[pos].sum()), float(w[~pos].sum())
    rows: Dict[str, List[float]] = {"band": [], "low": [], "high": [], "weight": [], "variance": []}
    table: List[Dict[str, Any]] = []

    def add(j: int, low: float, high: float, weight: float, s: float) -> None:
        for key, value in zip(rows, (j, low, high, weight, s * s)):
            rows[key].append(value)

    for j, name in enumerate(names):
        values = x[:, j]
        if _is_categorical(values, max_categories):
            for v in np.unique(values):
                inside = values == v
                weights = two_class_weights(float(w[inside & pos].sum()), float(w[inside & ~pos].sum()), n_d, n_nd)
                add(j, float(v), float(np.nextafter(v, np.inf)), weights.w_plus, weights.s_w_plus)
                table.append(_row(name, "categorical", f"= {v:g}", weights, inside, pos, w))
        else:
            t, high, weights = _binary(values, pos, w)
            present = values >= t if high else values < t
            low_side, high_side = (-OPEN_END, t), (t, OPEN_END)
            on, off = (high_side, low_side) if high else (low_side, high_side)
            add(j, on[0], on[1], weights.w_plus, weights.s_w_plus)
            add(j, off[0], off[1], weights.w_minus, weights.s_w_minus)
            table.append(_row(name, "binary", f"{'>=' if high else '<'} {t:.6g}", weights, present, pos, w))
    arrays = {key: np.asarray(value, dtype=np.float64) for key, value in rows.items()}
    arrays["prior"] = np.array([math.log(n_d / n_nd)])
    return arrays, table


def _row(name, kind, pattern, weights: TwoClassWeights, inside, pos, w) -> Dict[str, Any]:
    return {
        "feature": name,
        "kind": kind,
        "pattern": pattern,
        "deposit_cells": float(w[inside & pos].sum()),
        "other_cells": float(w[inside & ~pos].sum()),
        "w_plus": weights.w_plus,
        "s_w_plus": weights.s_w_plus,
        "w_minus": weights.w_minus,
        "s_w_minus": weights.s_w_minus,
        "contrast": weights.contrast,
        "s_contrast": weights.s_contrast,
        "studentised_contrast": weights.studentised,
    }


def class_rows(arrays: Arrays, x: np.ndarray) -> np.ndarray:
    """(n, rows) True where a sample's feature value falls in a row's class interval."""
    values = x[:, arrays["band"].astype(np.int64)]
    return (values >= arrays["low"]) & (values < arrays["high"])


def woe_logit(arrays: Arrays, x: np.ndarray) -> np.ndarray:
    """Posterior log-odds: the prior log-odds plus the weights of the classes each sample falls in."""
    return arrays["prior"][0] + class_rows(arrays, x).astype(np.float64) @ arrays["weight"]


def woe_proba(arrays: Arrays, x: np.ndarray) -> np.ndarray:
    """Posterior probability of a deposit."""
    return expit(woe_logit(arrays, x))


def conditional_independence(
    arrays: Arrays, x: np.ndarray, positive: np.ndarray, sample_weight: np.ndarray
) -> Dict[str, float]:
    """Agterberg & Cheng's test on the training cells: n, T, n/T, s(T), z and the one-sided p-value."""
    w = np.asarray(sample_weight, dtype=np.float64)
    n = float(w[np.asarray(positive, dtype=bool)].sum())
    member = class_rows(arrays, x)
    conditions, inverse = np.unique(member, axis=0, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=w, minlength=conditions.shape[0])
    p = expit(arrays["prior"][0] + conditions.astype(np.float64) @ arrays["weight"])
    variance = 1.0 / n + conditions.astype(np.float64) @ arrays["variance"]
    t = float(np.sum(counts * p))
    s_t = float(np.sqrt(np.sum((counts * p) ** 2 * variance)))
    z = (t - n) / s_t if s_t > 0 else 0.0
    return {
        "n": n,
        "T": t,
        "ratio": n / t if t > 0 else float("nan"),
        "s_T": s_t,
        "z": z,
        "p_value": 0.5 * math.erfc(z / math.sqrt(2.0)),
    }
