"""Success-rate curve, capture efficiency and the prediction-area (P-A) crossing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Sequence

import numpy as np

from .auc import _check_inputs, _sorted


@dataclass
class SuccessCurve:
    """Success-rate curve: cells ranked from the highest value down.

    Point ``k`` (k >= 1) is the share of the area and of the deposits at cells with value >= ``thresholds[k]``;
    point 0 is the origin (``thresholds[0]`` is +inf). Between points ``k`` and ``k + 1`` lie the cells of
    value ``thresholds[k + 1]``, spread linearly (the tie convention of the AUC).
    """

    thresholds: np.ndarray
    area: np.ndarray  # fraction of the study area, 0..1, strictly increasing
    deposits: np.ndarray  # fraction of the deposits, 0..1, non-decreasing

    def auc(self) -> float:
        """Area under the curve (trapezoids): equals :func:`roc_auc` on the same data."""
        return float(np.sum(np.diff(self.area) * (self.deposits[1:] + self.deposits[:-1]) / 2.0))

    def segment_value(self, area_fraction: float) -> float:
        """Value of the cells at ``area_fraction`` along the curve (the threshold that reaches it)."""
        k = int(np.searchsorted(self.area, area_fraction, side="left"))
        return float(self.thresholds[min(max(k, 1), self.thresholds.size - 1)])

    def downsample(self, max_points: int = 1000) -> np.ndarray:
        """Indices of at most about ``max_points`` points that keep the curve's shape.

        Every point where the deposit fraction changes (and the one before it) is kept, so the success-rate
        polyline drawn through the kept points is exact; the rest are picked evenly along the area.
        """
        n = self.area.size
        if n <= max_points:
            return np.arange(n)
        change = np.flatnonzero(np.diff(self.deposits) > 0)
        keep = np.concatenate([[0, n - 1], change, change + 1])
        even = np.searchsorted(self.area, np.linspace(0.0, 1.0, max(2, max_points - keep.size)))
        return np.unique(np.clip(np.concatenate([keep, even]), 0, n - 1))


def success_rate_curve(deposit_values: np.ndarray, background: np.ndarray, presorted: bool = False) -> SuccessCurve:
    """Fraction of deposits against fraction of area, highest values first, one point per distinct value."""
    p, b = _check_inputs(deposit_values, background)
    b = _sorted(b, presorted)
    starts = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])  # first index of each distinct value
    values, counts = b[starts][::-1], np.diff(np.r_[starts, b.size])[::-1]
    area = np.concatenate([[0.0], np.cumsum(counts) / b.size])
    area[-1] = 1.0
    ps = np.sort(p)
    at_or_above = ps.size - np.searchsorted(ps, values, side="left")
    deposits = np.concatenate([[0.0], at_or_above / ps.size])
    return SuccessCurve(np.concatenate([[np.inf], values]), area, deposits)


def capture_efficiency(curve: SuccessCurve, percents: Sequence[float] = (1, 5, 10, 20)) -> Dict[float, float]:
    """Percentage of deposits in the top ``percent`` % of the area (linear within tied cells)."""
    return {float(q): float(100.0 * np.interp(q / 100.0, curve.area, curve.deposits)) for q in percents}


@dataclass
class PredictionArea:
    """Intersection of the prediction-rate and occupied-area curves of a P-A plot (Yousefi & Carranza 2015).

    At the intersection ``prediction_rate`` % of the deposits lie in ``area`` % = 100 - ``prediction_rate`` %
    of the study area, at cells with value >= ``threshold``. ``normalized_density`` = prediction rate / area;
    ``weight`` = ln(normalized density) (> 0: better than random).
    """

    prediction_rate: float  # percent of deposits
    area: float  # percent of the area
    threshold: float
    normalized_density: float
    weight: float


def prediction_area(curve: SuccessCurve) -> PredictionArea:
    """Where the share of deposits predicted equals the share of the area left out (P + A = 100 %)."""
    g = curve.deposits + curve.area - 1.0  # -1 at the origin, +1 at the end, strictly increasing
    k = int(np.searchsorted(g, 0.0, side="left"))  # first point with g >= 0; k >= 1
    t = -g[k - 1] / (g[k] - g[k - 1])
    area = float(curve.area[k - 1] + t * (curve.area[k] - curve.area[k - 1]))
    rate = 1.0 - area
    density = rate / area
    return PredictionArea(100.0 * rate, 100.0 * area, float(curve.thresholds[k]), density, float(np.log(density)))
