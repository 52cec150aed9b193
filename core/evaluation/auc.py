"""ROC AUC of deposits against the background (Mann-Whitney, ties half), its intervals and p-values.

Intervals resample deposits, or whole clusters of deposits (:func:`deposit_clusters`), with replacement."""

from __future__ import annotations

import math
from typing import Optional, Tuple

import numpy as np

from ..callbacks import CancelCallback, check_cancelled
from ..errors import InputError
from ..neighbours import linked_clusters

#: random draws held in memory at once by the resampling loops
_CHUNK_DRAWS = 2_000_000


def _check_inputs(deposit_values: np.ndarray, background: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    p = np.asarray(deposit_values, dtype=np.float64).ravel()
    b = np.asarray(background, dtype=np.float64).ravel()
    if p.size == 0:
        raise InputError("no deposit falls on a valid cell of the study area.", "DEPOSITS")
    if b.size == 0:
        raise InputError("the raster has no valid cells inside the study area.", "INPUT_RASTER")
    if not (np.isfinite(p).all() and np.isfinite(b).all()):
        raise InputError("deposit and background values must be finite (nodata removed).", "INPUT_RASTER")
    return p, b


def placements_and_ties(deposit_values: np.ndarray, sorted_background: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Per deposit: its :func:`placements` value, and the fraction of background cells with a value equal to its own
    (a deposit tied with those cells could place anywhere in that span). ``sorted_background`` must be sorted
    ascending."""
    values = np.asarray(deposit_values)
    flat = values.ravel()
    order = np.argsort(flat, kind="stable") if flat.size > 256 else None
    queries = flat[order] if order is not None else flat  # sorted queries walk memory in order: several x faster
    below = np.searchsorted(sorted_background, queries, side="left")
    up_to = np.searchsorted(sorted_background, queries, side="right")
    placed = (below + 0.5 * (up_to - below)) / sorted_background.size
    tied = (up_to - below) / sorted_background.size
    if order is not None:
        placed[order], tied[order] = placed.copy(), tied.copy()
    return placed.reshape(values.shape), tied.reshape(values.shape)


def placements(deposit_values: np.ndarray, sorted_background: np.ndarray) -> np.ndarray:
    """Per deposit: fraction of background cells with a lower value, plus half those with an equal one.

    ``sorted_background`` must be sorted ascending. The mean of the placements is the AUC.
    """
    return placements_and_ties(deposit_values, sorted_background)[0]


def _sorted(b: np.ndarray, presorted: bool) -> np.ndarray:
    return b if presorted else np.sort(b)


def roc_auc(deposit_values: np.ndarray, background: np.ndarray, presorted: bool = False) -> float:
    """ROC AUC of deposits against the background cells (rank based, ties count half).

    ``presorted=True`` promises ``background`` is sorted ascending (saves a sort on large rasters).
    """
    p, b = _check_inputs(deposit_values, background)
    return float(placements(p, _sorted(b, presorted)).mean())


def _percentile_interval(samples: np.ndarray, confidence: float) -> Tuple[float, float]:
    tail = 50.0 * (1.0 - confidence)
    lo, hi = np.percentile(samples, [tail, 100.0 - tail])
    return float(lo), float(hi)


def _check_confidence(confidence: float, iterations: int) -> None:
    if not (0.0 < confidence < 1.0):
        # no algorithm exposes the level (intervals are 95 %): a wrong value is the caller's, not the user's
        raise ValueError(f"the confidence level must be between 0 and 1 (e.g. 0.95), not {confidence!r}.")
    if iterations < 1:
        raise InputError("the number of iterations must be at least 1.", "ITERATIONS")


def deposit_clusters(xy: np.ndarray, link_distance: float) -> np.ndarray:
    """Cluster number (0, 1, ...) per point: single linkage of points at most ``link_distance`` apart.

    Deposits of one district share geology and sampling, so they are not independent evidence of a map's skill;
    ``link_distance`` 0 keeps every point on its own unless points coincide.
    """
    return linked_clusters(np.asarray(xy, dtype=np.float64).reshape(-1, 2), link_distance)


def resampled_means(
    values: np.ndarray,
    iterations: int,
    rng: np.random.Generator,
    groups: Optional[np.ndarray] = None,
    is_cancelled: CancelCallback = None,
) -> np.ndarray:
    """Bootstrap means of ``values``: each draws as many values as there are, with replacement, or, with
    ``groups``, as many whole groups as there are (each bringing all its values; the mean is over the values)."""
    v = np.asarray(values, dtype=np.float64)
    if groups is None:
        sums, counts = v, np.ones(v.size)
    else:
        _, group = np.unique(np.asarray(groups), return_inverse=True)
        sums, counts = np.bincount(group, weights=v).astype(np.float64), np.bincount(group).astype(np.float64)
    k = sums.size
    means = np.empty(iterations)
    step = max(1, _CHUNK_DRAWS // max(k, 1))
    for start in range(0, iterations, step):
        check_cancelled(is_cancelled)
        stop = min(iterations, start + step)
        picks = rng.integers(0, k, size=(stop - start, k))
        means[start:stop] = sums[picks].sum(axis=1) / counts[picks].sum(axis=1)
    return means


def bootstrap_auc(
    deposit_values: np.ndarray,
    background: np.ndarray,
    iterations: int = 1000,
    confidence: float = 0.95,
    rng: Optional[np.random.Generator] = None,
    is_cancelled: CancelCallback = None,
    presorted: bool = False,
    groups: Optional[np.ndarray] = None,
) -> Tuple[Tuple[float, float], np.ndarray]:
    """Percentile confidence interval of the AUC from resampling the deposits with replacement (or, with
    ``groups``, whole clusters of deposits, e.g. from :func:`deposit_clusters`).

    The background is the whole study area (a population, not a sample), so only the deposits vary.
    Returns ``((low, high), aucs)``.
    """
    _check_confidence(confidence, iterations)
    p, b = _check_inputs(deposit_values, background)
    rng = rng if rng is not None else np.random.default_rng(0)
    u = placements(p, _sorted(b, presorted))
    if groups is not None and np.asarray(groups).shape != u.shape:
        raise InputError("one cluster number is needed per deposit.", "CLUSTER_DISTANCE")
    aucs = resampled_means(u, iterations, rng, groups, is_cancelled)
    return _percentile_interval(aucs, confidence), aucs


def monte_carlo_auc(
    deposit_values: np.ndarray,
    background: np.ndarray,
    iterations: int = 1000,
    n_negatives: Optional[int] = None,
    confidence: float = 0.95,
    rng: Optional[np.random.Generator] = None,
    is_cancelled: CancelCallback = None,
) -> Tuple[Tuple[float, float], np.ndarray]:
    """AUC against random negatives, repeated: the ArcSDM ROC tool's Monte Carlo interval.

    Each realisation draws ``n_negatives`` cells (default: as many as deposits, like ArcSDM) uniformly from
    the background and computes the AUC of the deposits against them. Returns ``((low, high), aucs)``.
    """
    _check_confidence(confidence, iterations)
    p, b = _check_inputs(deposit_values, background)
    rng = rng if rng is not None else np.random.default_rng(0)
    k = p.size if n_negatives is None else int(n_negatives)
    if k < 1:
        raise InputError("the number of random negatives must be at least 1.", "ITERATIONS")
    ps = np.sort(p)
    aucs = np.empty(iterations)
    step = max(1, _CHUNK_DRAWS // k)
    for start in range(0, iterations, step):
        check_cancelled(is_cancelled)
        stop = min(iterations, start + step)
        negatives = b[rng.integers(0, b.size, size=(stop - start, k))]
        above = ps.size - np.searchsorted(ps, negatives, side="right")
        ties = np.searchsorted(ps, negatives, side="right") - np.searchsorted(ps, negatives, side="left")
        aucs[start:stop] = (above + 0.5 * ties).sum(axis=1) / (ps.size * k)
    return _percentile_interval(aucs, confidence), aucs


#: the fewest independent units (deposits or clusters) whose bootstrap interval says more than the units' own
#: range: with k units a draw of one unit k times has probability (1/k)^k, 3.7 % for k = 3 (above the 2.5 % an
#: interval's end reads), so with 3 or fewer the interval's ends are the worst and best units' own values; 0.4 % for 4
RESOLVING_CLUSTERS = 4

#: above this many units :func:`chance_of_mean_placement_at_most` uses the normal limit of the Irwin-Hall sum
_EXACT_UNITS = 30


def chance_of_mean_placement_at_most(mean: float, units: int) -> float:
    """The chance that ``units`` random cells have a mean placement (share of the area ranked below each) of at
    most ``mean``: a random cell's placement is uniform on 0-1, so their sum follows the Irwin-Hall distribution
    (exact up to 30 units, its normal limit above). How surprising an AUC this low is from so few deposits."""
    if units < 1:
        raise InputError("need at least one deposit.", "DEPOSITS")
    x = min(max(float(mean), 0.0), 1.0) * units
    if units > _EXACT_UNITS:
        return 0.5 * math.erfc(-(x - units / 2) / math.sqrt(units / 12) / math.sqrt(2))
    total = sum((-1) ** k * math.comb(units, k) * (x - k) ** units for k in range(int(math.floor(x)) + 1))
    return min(max(total / math.factorial(units), 0.0), 1.0)


def random_placement_p_value(
    auc: float,
    background: np.ndarray,
    n_deposits: int,
    iterations: int = 1000,
    rng: Optional[np.random.Generator] = None,
    is_cancelled: CancelCallback = None,
    presorted: bool = False,
) -> float:
    """Monte Carlo p-value: how often ``n_deposits`` random cells reach an AUC of at least ``auc``.

    Uses the usual ``(1 + hits) / (1 + iterations)`` so it is never 0.
    """
    if n_deposits < 1 or iterations < 1:
        raise InputError("need at least one deposit and one iteration.", "DEPOSITS")
    b = _sorted(np.asarray(background, dtype=np.float64).ravel(), presorted)
    rng = rng if rng is not None else np.random.default_rng(0)
    hits = 0
    step = max(1, _CHUNK_DRAWS // n_deposits)
    for start in range(0, iterations, step):
        check_cancelled(is_cancelled)
        stop = min(iterations, start + step)
        random_values = b[rng.integers(0, b.size, size=(stop - start, n_deposits))]
        null_aucs = placements(random_values, b).mean(axis=1)
        hits += int(np.count_nonzero(null_aucs >= auc - 1e-12))
    return (1 + hits) / (1 + iterations)
