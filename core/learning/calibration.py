"""Scores that rank: the ensemble's combined logits, temperature scaling fitted on the validation cells, the
percentile of the study area a geologist can read, and how much of a map is tied.

Averaging the members' *probabilities* saturates: a cell every network calls certain gets exactly 1.0 in float32,
and many such cells tie, so their order is lost. The members' *logits* (log-odds) are averaged instead
(equivalently, the normalised geometric mean of their probabilities), and one temperature ``T`` fitted on the
validation cells divides them before the softmax (Guo et al. 2017, "On calibration of modern neural networks").
``T`` rescales every logit alike, so it changes probabilities, never the order of cells.

Pseudo-labels are uncertain by construction, and ``pseudolabel`` says how much: its confidence raster holds the
probability that a cell's label is right. The networks separate pseudo-labels almost perfectly (they learnt them
from the same evidence), and a ``T`` fitted to them as hard labels sharpens (perfectly separated, it is not even
identified): the demo's fit gave T = 0.57, its networks' mean log-odds, at most 16.2, became 28.4, and float32
rounds 1 / (1 + e^-z) to exactly 1.0 beyond z = 17.3: 0.65 % of its map and five of its eight held-out deposits
tied at 1.0 (``scripts/measure_ties.py``). With confidences, ``T`` minimises the
cross-entropy against *soft* targets, the labelled class with probability c and the other classes 1 - c: the
expected negative log-likelihood under the labeller's own uncertainty, which is identified whenever one label is
less than certain, and makes the networks no surer on the validation cells than the labels they learnt from. Such a
fit never sharpens (``T`` >= 1): sharpening towards labels grown from the same evidence would only amplify what the
networks copied from the labeller.

No torch: plain numpy on the logits, so the fit can be checked against a brute-force search.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Sequence

import numpy as np

from ..evaluation.auc import placements
from ..lazy import lazy_function

minimize_scalar = lazy_function("scipy.optimize", "minimize_scalar")  # scipy imported when used
log_softmax = lazy_function("scipy.special", "log_softmax")

#: the temperatures searched; a fit at the lower bound means the validation cells are perfectly separated
T_MIN = 0.05
T_MAX = 100.0

#: how an ensemble combines its networks: "probabilities" (model files without a calibration, 0.2.x), "logits"
COMBINE_PROBABILITIES = "probabilities"
COMBINE_LOGITS = "logits"


@dataclass(frozen=True)
class Calibration:
    """How a model turns its networks' logits into one probability (stored in the model file's ``calibration``).

    A model file without ``calibration`` (0.2.x) averages probabilities at temperature 1, as it did.
    """

    combine: str = COMBINE_PROBABILITIES
    temperature: float = 1.0

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any]) -> "Calibration":
        stored = metadata.get("calibration")
        if not isinstance(stored, Mapping):
            return cls()
        return cls(str(stored.get("combine", COMBINE_PROBABILITIES)), float(stored.get("temperature", 1.0)))


#: what the temperature was fitted against: the class labels (hard targets), or the labels with their confidence
TARGETS_LABELS = "labels"
TARGETS_CONFIDENCE = "confidence"


@dataclass(frozen=True)
class TemperatureFit:
    """A fitted temperature and the validation NLL (mean negative log-likelihood, against the targets it was
    fitted to) at T = 1 and at T."""

    temperature: float
    nll_at_1: float
    nll: float
    n_cells: int
    note: str
    targets: str = TARGETS_LABELS

    def as_metadata(self) -> Dict[str, Any]:
        return {
            "combine": COMBINE_LOGITS,
            "temperature": self.temperature,
            "validation_nll_at_1": self.nll_at_1 if math.isfinite(self.nll_at_1) else None,
            "validation_nll": self.nll if math.isfinite(self.nll) else None,
            "validation_cells": self.n_cells,
            "targets": self.targets,
            "note": self.note,
        }


def mean_nll(logits: np.ndarray, y: np.ndarray, temperature: float, confidence: Optional[np.ndarray] = None) -> float:
    """Mean negative log-likelihood of class indices ``y`` under softmax(logits / temperature); with
    ``confidence`` (per cell, in [0, 1]) the cross-entropy against soft targets: class ``y`` with probability c,
    the other classes sharing 1 - c evenly."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    log_p = log_softmax(z, axis=1)
    own = log_p[np.arange(y.size), y]
    if confidence is None:
        return float(-np.mean(own))
    c = np.asarray(confidence, dtype=np.float64)
    others = (log_p.sum(axis=1) - own) / max(log_p.shape[1] - 1, 1)
    return float(-np.mean(c * own + (1.0 - c) * others))


def confidence_targets(weights: Optional[np.ndarray]) -> Optional[np.ndarray]:
    """The labels' confidences as soft targets, or None for hard ones: sample weights are confidences when every
    one lies in [0.5, 1] (``pseudolabel`` labels a cell only at a confidence of 0.5 or more) and one is below 1."""
    if weights is None:
        return None
    w = np.asarray(weights, dtype=np.float64)
    if w.size == 0 or not np.all((w >= 0.5) & (w <= 1.0)) or np.all(w == 1.0):
        return None
    return w


def separated(logits: np.ndarray, y: np.ndarray) -> bool:
    """Whether every cell's own class has the strictly largest logit: then the NLL of hard labels falls for ever
    as T shrinks (and, with large logits, reaches 0.0 in float64 long before T_MIN, where no search sees a
    slope)."""
    z = np.asarray(logits, dtype=np.float64)
    rows = np.arange(y.size)
    others = z.copy()
    others[rows, y] = -np.inf
    return bool(np.all(z[rows, y] > others.max(axis=1)))


def fit_temperature(logits: np.ndarray, y: np.ndarray, confidence: Optional[np.ndarray] = None) -> TemperatureFit:
    """The temperature in [T_MIN, T_MAX] minimising the validation NLL of softmax(logits / T).

    The NLL is convex in 1/T, so a bounded search on log T finds its minimum. When the validation cells are
    perfectly separated (:func:`separated`; every larger 1/T lowers the NLL, down to 0.0 in float64) or the minimum
    lies on the lower bound, the data do not identify a temperature, and T = 1 is kept, with a note saying so.
    Without validation cells of two classes T = 1 too.

    With ``confidence`` (:func:`confidence_targets`: the labels are pseudo-labels with the labeller's confidence)
    the NLL is against soft targets, identified whenever one confidence is below 1, and the temperature is never
    below 1: such a fit only ever softens.
    """
    logits = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    soft = confidence is not None
    targets = TARGETS_CONFIDENCE if soft else TARGETS_LABELS

    def nll(temperature: float) -> float:
        return mean_nll(logits, y, temperature, confidence)

    if y.size == 0 or np.unique(y).size < 2 or not np.isfinite(logits).all():
        nll1 = nll(1.0) if y.size else math.nan
        return TemperatureFit(1.0, nll1, nll1, int(y.size), "no validation cells of two classes: T = 1 kept", targets)
    nll1 = nll(1.0)
    lo, hi = math.log(T_MIN), math.log(T_MAX)
    # a coarse grid first (the NLL in log T is unimodal but flat far out), then Brent within the best bracket
    grid = np.linspace(lo, hi, 41)
    values = np.array([nll(math.exp(t)) for t in grid])
    best = int(np.argmin(values))
    bracket = (grid[max(best - 1, 0)], grid[min(best + 1, grid.size - 1)])
    found = minimize_scalar(lambda t: nll(math.exp(t)), bounds=bracket, method="bounded", options={"xatol": 1e-6})
    t_best, nll_best = (float(found.x), float(found.fun)) if found.fun <= values[best] else (grid[best], values[best])
    if t_best <= lo + 1e-3 or (not soft and separated(logits, y)):
        return TemperatureFit(
            1.0,
            nll1,
            nll1,
            int(y.size),
            f"the validation cells are perfectly separated (the NLL keeps falling down to T = {T_MIN:g}): the "
            "temperature is not identified and T = 1 is kept",
            targets,
        )
    if not soft:
        return TemperatureFit(math.exp(t_best), nll1, nll_best, int(y.size), "fitted on the validation cells")
    if t_best < 0.0:
        return TemperatureFit(
            1.0,
            nll1,
            nll1,
            int(y.size),
            f"fitted on the validation cells against their labels' confidence: T = {math.exp(t_best):.4g} would "
            "sharpen towards pseudo-labels, so T = 1 is kept",
            targets,
        )
    return TemperatureFit(
        math.exp(t_best),
        nll1,
        nll_best,
        int(y.size),
        "fitted on the validation cells against their labels' confidence (soft targets)",
        targets,
    )


def combine_logits(member_logits: np.ndarray, calibration: Calibration) -> np.ndarray:
    """(members, n, classes) logits -> (n, classes) log-probabilities of the ensemble under ``calibration``."""
    z = np.asarray(member_logits, dtype=np.float64)
    if calibration.combine == COMBINE_LOGITS:
        return log_softmax(z.mean(axis=0) / calibration.temperature, axis=1)
    return np.log(np.exp(log_softmax(z / calibration.temperature, axis=2)).mean(axis=0))


#: the classes of the rank map: a cell in the top p % of the study area has a percentile of at least 100 - p
RANK_CLASSES = (20.0, 10.0, 5.0, 1.0)


def area_percentile(values: np.ndarray, sorted_area: np.ndarray) -> np.ndarray:
    """The percentile of the study area of each value (0-100, float32; NaN stays NaN): the share of the area's
    cells scoring lower plus half those scoring the same (mid-rank, scipy's ``percentileofscore(kind="mean")``).

    ``sorted_area`` holds the score of every valid cell of the study area, ascending. A cell at 99.5 lies in the
    top 1 % of the area, one at 50 in the middle. Ties share one mid-rank, so a map that ties cannot pretend an
    order it does not have.
    """
    values = np.asarray(values)
    out = np.full(values.shape, np.nan, dtype=np.float32)
    ok = np.isfinite(values)
    if ok.any() and sorted_area.size:
        out[ok] = 100.0 * placements(values[ok], sorted_area)
    return out


def rank_class_shares(sorted_area: np.ndarray, classes: Sequence[float] = RANK_CLASSES) -> Dict[float, float]:
    """Per class 'top p %' of the rank map (p in ``classes``), the percent of the study area's cells it holds: those
    whose :func:`area_percentile` is above 100 - p, as the rank style draws them. Without ties that is p, to a cell;
    a run of tied cells that a class limit cuts through goes whole to one side, as its cells share one percentile.

    ``sorted_area``: the score of every valid cell of the study area, ascending (as for :func:`area_percentile`).
    """
    s = np.asarray(sorted_area)
    if s.size == 0:
        return {float(p): math.nan for p in classes}

    def percentile_at(index: int) -> float:  # float32, as the rank raster holds it
        return float(area_percentile(s[index : index + 1], s)[0])

    shares = {}
    for p in classes:
        # the percentile rises with the index, so the class is a suffix of the sorted cells: a binary search of
        # about 25 steps finds its first cell on a national grid (no array of the distinct values)
        lo, hi = 0, s.size
        while lo < hi:
            mid = (lo + hi) // 2
            if percentile_at(mid) > 100.0 - p:
                hi = mid
            else:
                lo = mid + 1
        shares[float(p)] = float(100.0 * (s.size - lo) / s.size)
    return shares


#: a class holding more than this share of its nominal area more or less (and more than a cell) is worth a warning
CLASS_SHARE_TOLERANCE = 0.1


def share_is_off(held: float, nominal: float, cells: int) -> bool:
    """Whether a class holding ``held`` % of ``cells`` cells is farther from its ``nominal`` % than rounding to whole
    cells explains (one cell, or :data:`CLASS_SHARE_TOLERANCE` of the nominal share when that is larger)."""
    return abs(held - nominal) > max(100.0 / max(cells, 1), CLASS_SHARE_TOLERANCE * nominal) + 1e-9


def rank_class_note(
    sorted_area: np.ndarray, classes: Sequence[float] = RANK_CLASSES, ties: Optional[Mapping[str, Any]] = None
) -> Optional[str]:
    """A warning when ties make the rank map's classes hold other shares of the area than their names say ('top 1 %'
    holding none of it, or a third); None when every class holds its share, to a cell or to
    :data:`CLASS_SHARE_TOLERANCE` of it. ``ties``: :func:`tie_statistics` of ``sorted_area`` where the caller has
    it (computed here only when a class is off)."""
    s = np.asarray(sorted_area)
    shares = rank_class_shares(s, classes)
    off = [p for p, held in shares.items() if share_is_off(held, p, s.size)]
    if not off:
        return None
    ties = ties if ties is not None else tie_statistics(s)
    value = ties["largest_tie_value"]
    where = "the map's highest score" if value == s[-1] else ("its lowest score" if value == s[0] else "one score")
    mid = float(area_percentile(np.array([value]), s)[0])
    held = ", ".join(f"'top {p:g} %' {shares[p]:.2f} %" for p in sorted(off))
    return (
        f"OUTPUT_RANK: ties: the classes hold other shares of the predicted area than their names say ({held} of "
        f"its {s.size:,} cells): {100 * ties['largest_tie_fraction']:.2f} % of the area ties at {where}, and tied "
        f"cells share one percentile (their mid-rank, {mid:.1f} here), so they fall in one class together; the map "
        "cannot rank them among themselves. Read the classes as percentile ranges, not as shares of the area; a "
        "model with few distinct scores (weights of evidence, a shallow tree, constant evidence) ties this way."
    )


def tie_statistics(values: np.ndarray, deposit_values: Optional[np.ndarray] = None) -> Dict[str, Any]:
    """How much of a map is tied: the largest share of valid cells holding one value, and, given the deposits'
    values, how many deposits share the map's maximum and how many share any value with another deposit."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"cells": 0, "largest_tie_fraction": math.nan, "largest_tie_value": math.nan}
    uniq, counts = np.unique(v, return_counts=True)
    top = int(np.argmax(counts))
    stats: Dict[str, Any] = {
        "cells": int(v.size),
        "distinct_values": int(uniq.size),
        "largest_tie_fraction": float(counts[top] / v.size),
        "largest_tie_value": float(uniq[top]),
        "cells_at_maximum": int(counts[-1]),
    }
    if deposit_values is not None:
        d = np.asarray(deposit_values, dtype=np.float64).ravel()
        d = d[np.isfinite(d)]
        _, d_counts = np.unique(d, return_counts=True)
        stats["deposits_at_maximum"] = int(np.sum(d == uniq[-1]))
        stats["deposits_at_their_maximum"] = int(np.sum(d == d.max())) if d.size else 0
        stats["deposits_tied_with_another"] = int(d_counts[d_counts > 1].sum())
    return stats
