"""How well a prospectivity map predicts known deposits: ROC AUC, success-rate curve, capture, P-A plot.

Conventions (shared by every function here, so the numbers agree with each other):

- The *background* is every valid cell of the study area (finite value, inside the mask); deposit cells are
  part of it, as in a success-rate curve. Non-finite values (NaN, +/-inf) are nodata.
- Ties count half: the AUC is the Mann-Whitney statistic
  ``P(deposit value > random cell value) + 0.5 P(equal)``, which is also the exact area under the
  success-rate curve when cells of equal value are spread linearly along it.
- Each deposit counts once, even when several share a cell. Deposits off the raster, on nodata or outside
  the mask are not silently dropped: :func:`sample_deposits` returns a status for every deposit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from .callbacks import CancelCallback, ProgressCallback, check_cancelled, report
from .errors import InputError
from .grid import GridSpec

USED = "used"
OUTSIDE_RASTER = "outside raster"
NODATA = "nodata cell"
OUTSIDE_MASK = "outside mask"
NO_COORDINATES = "no valid coordinates"
STATUSES = (USED, OUTSIDE_RASTER, NODATA, OUTSIDE_MASK, NO_COORDINATES)

#: random draws held in memory at once by the resampling loops
_CHUNK_DRAWS = 2_000_000


@dataclass
class DepositSample:
    """Raster values at deposits, and what happened to each deposit."""

    values: np.ndarray  # values of the deposits whose status is USED, in input order
    status: np.ndarray  # (n_deposits,) one of STATUSES per input deposit
    cell_values: np.ndarray  # (n_deposits,) raster value under each deposit (NaN off the raster)
    rows: np.ndarray
    cols: np.ndarray

    @property
    def counts(self) -> Dict[str, int]:
        """How many deposits have each status."""
        return {s: int(np.count_nonzero(self.status == s)) for s in STATUSES}

    @property
    def shared_cells(self) -> int:
        """How many used deposits share their cell with an earlier used deposit."""
        used = self.status == USED
        cells = np.stack([self.rows[used], self.cols[used]], axis=1)
        return int(cells.shape[0] - np.unique(cells, axis=0).shape[0]) if cells.size else 0


def valid_cells(raster: np.ndarray, mask: Optional[np.ndarray] = None) -> np.ndarray:
    """Boolean array: finite cells inside the mask (the study area)."""
    raster = np.asarray(raster)
    if raster.ndim != 2:
        raise InputError("the prospectivity raster must be a single 2-D band.", "INPUT_RASTER")
    valid = np.isfinite(raster)
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != raster.shape:
            raise InputError("the mask does not match the raster grid.", "MASK")
        valid &= mask
    return valid


def sample_deposits(
    raster: np.ndarray, grid: GridSpec, deposits_xy: np.ndarray, mask: Optional[np.ndarray] = None
) -> DepositSample:
    """Value of the cell under each deposit, with a status saying whether it can be used."""
    raster = np.asarray(raster)
    valid = valid_cells(raster, mask)
    if raster.shape != (grid.height, grid.width):
        raise InputError("the raster array does not match its grid.", "INPUT_RASTER")
    xy = np.asarray(deposits_xy, dtype=np.float64).reshape(-1, 2)
    n = xy.shape[0]
    status = np.full(n, USED, dtype=object)
    rows = np.full(n, -1, dtype=np.int64)
    cols = np.full(n, -1, dtype=np.int64)
    cell_values = np.full(n, np.nan)
    finite = np.isfinite(xy).all(axis=1)
    status[~finite] = NO_COORDINATES
    # compute cell indices in float first: a coordinate far off the grid must not overflow the int cast
    fcol = np.floor((xy[finite, 0] - grid.xmin) / grid.pixel_size)
    frow = np.floor((grid.ymax - xy[finite, 1]) / grid.pixel_size)
    on = (fcol >= 0) & (fcol < grid.width) & (frow >= 0) & (frow < grid.height)
    idx = np.flatnonzero(finite)
    status[idx[~on]] = OUTSIDE_RASTER
    on_idx = idx[on]
    rows[on_idx] = frow[on].astype(np.int64)
    cols[on_idx] = fcol[on].astype(np.int64)
    r, c = rows[on_idx], cols[on_idx]
    cell_values[on_idx] = raster[r, c]
    finite_value = np.isfinite(raster[r, c])
    status[on_idx[~finite_value]] = NODATA
    status[on_idx[finite_value & ~valid[r, c]]] = OUTSIDE_MASK
    used = status == USED
    return DepositSample(cell_values[used].copy(), status.astype(str), cell_values, rows, cols)


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


def placements(deposit_values: np.ndarray, sorted_background: np.ndarray) -> np.ndarray:
    """Per deposit: fraction of background cells with a lower value, plus half those with an equal one.

    ``sorted_background`` must be sorted ascending. The mean of the placements is the AUC.
    """
    values = np.asarray(deposit_values)
    flat = values.ravel()
    order = np.argsort(flat, kind="stable") if flat.size > 256 else None
    queries = flat[order] if order is not None else flat  # sorted queries walk memory in order: several x faster
    below = np.searchsorted(sorted_background, queries, side="left")
    up_to = np.searchsorted(sorted_background, queries, side="right")
    placed = (below + 0.5 * (up_to - below)) / sorted_background.size
    if order is not None:
        placed[order] = placed.copy()
    return placed.reshape(values.shape)


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
        raise InputError("the confidence level must be between 0 and 1 (e.g. 0.95).", "CONFIDENCE")
    if iterations < 1:
        raise InputError("the number of iterations must be at least 1.", "ITERATIONS")


def deposit_clusters(xy: np.ndarray, link_distance: float) -> np.ndarray:
    """Cluster number (0, 1, ...) per point: single linkage of points at most ``link_distance`` apart.

    Deposits of one district share geology and sampling, so they are not independent evidence of a map's skill;
    ``link_distance`` 0 keeps every point on its own unless points coincide.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    if pts.shape[0] == 0:
        return np.empty(0, dtype=np.int64)
    pairs = cKDTree(pts).query_pairs(max(float(link_distance), 0.0), output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(pts), len(pts)))
    return connected_components(graph, directed=False)[1].astype(np.int64)


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
        sums, counts = np.bincount(group, weights=v), np.bincount(group).astype(np.float64)
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


@dataclass
class Evaluation:
    """Everything :func:`evaluate` measures."""

    sample: DepositSample
    n_cells: int
    auc: float
    auc_bootstrap: Tuple[float, float]
    auc_monte_carlo: Tuple[float, float]
    auc_monte_carlo_median: float
    p_value: float
    curve: SuccessCurve
    capture: Dict[float, float]
    pa: PredictionArea
    confidence: float
    iterations: int
    placements: np.ndarray  # per used deposit: share of the area ranked below it (ties half)
    notes: list = field(default_factory=list)
    cluster_distance: float = 0.0  # > 0: the bootstrap resampled clusters of deposits linked within this distance
    n_clusters: int = 0  # clusters the bootstrap resampled (= deposits used when cluster_distance is 0)

    @property
    def bootstrap_unit(self) -> str:
        """What the AUC bootstrap resampled, in words."""
        if self.cluster_distance > 0:
            plural = "s" if self.n_clusters != 1 else ""
            return f"{self.n_clusters} cluster{plural} of deposits (linked within {self.cluster_distance:g} map units)"
        return "deposits"


def evaluate(
    raster: np.ndarray,
    grid: GridSpec,
    deposits_xy: np.ndarray,
    mask: Optional[np.ndarray] = None,
    iterations: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    percents: Sequence[float] = (1, 5, 10, 20),
    progress: ProgressCallback = None,
    is_cancelled: CancelCallback = None,
    cluster_distance: float = 0.0,
) -> Evaluation:
    """Evaluate a prospectivity raster (higher = more prospective) against deposit points.

    ``mask`` (True inside the study area) and the raster's nodata (NaN) define the study area. With
    ``cluster_distance`` > 0 (map units) the AUC bootstrap resamples whole clusters of deposits linked within it.
    """
    if not cluster_distance >= 0:
        raise InputError("the cluster distance must be 0 (deposits one by one) or more.", "CLUSTER_DISTANCE")
    valid = valid_cells(raster, mask)
    sample = sample_deposits(raster, grid, deposits_xy, mask)
    counts = sample.counts
    if not valid.any():
        raise InputError(
            "the raster has no valid (finite, non-nodata) cells inside the study area; check the band and the mask.",
            "INPUT_RASTER" if mask is None else "MASK",
        )
    if sample.values.size == 0:
        detail = ", ".join(f"{v} {k}" for k, v in counts.items() if v and k != USED) or "no points"
        raise InputError(
            f"none of the {sample.status.size} deposits lies on a valid cell of the study area ({detail}); "
            "check that the deposits and the raster overlap and are in the same CRS.",
            "DEPOSITS",
        )
    report(progress, 0.05)
    background = np.asarray(raster)[valid].astype(np.float64)
    background.sort()  # once, in place: every step below reuses the sorted copy
    rng = np.random.default_rng(seed)
    deposit_placements = placements(sample.values, background)
    auc = float(deposit_placements.mean())
    check_cancelled(is_cancelled)
    used_xy = np.asarray(deposits_xy, dtype=np.float64).reshape(-1, 2)[sample.status == USED]
    groups = deposit_clusters(used_xy, cluster_distance) if cluster_distance > 0 else None
    n_clusters = int(np.unique(groups).size) if groups is not None else int(sample.values.size)
    boot, _ = bootstrap_auc(
        sample.values, background, iterations, confidence, rng, is_cancelled, presorted=True, groups=groups
    )
    report(progress, 0.35)
    mc, mc_aucs = monte_carlo_auc(sample.values, background, iterations, None, confidence, rng, is_cancelled)
    report(progress, 0.65)
    p_value = random_placement_p_value(
        auc, background, sample.values.size, iterations, rng, is_cancelled, presorted=True
    )
    report(progress, 0.85)
    curve = success_rate_curve(sample.values, background, presorted=True)
    notes = []
    skipped = sample.status.size - sample.values.size
    if skipped:
        notes.append(
            f"{skipped} of {sample.status.size} deposits not used: "
            + ", ".join(f"{v} {k}" for k, v in counts.items() if v and k != USED)
            + "."
        )
    if sample.shared_cells:
        notes.append(f"{sample.shared_cells} deposits share a cell with another deposit; each counts once.")
    if groups is not None and n_clusters < 10:
        notes.append(
            f"the {sample.values.size} deposits form only {n_clusters} cluster(s) within {cluster_distance:g} map "
            "units: the bootstrap interval rests on that many independent units."
        )
    if sample.values.size < 10:
        notes.append(
            f"only {sample.values.size} deposits were used: the confidence intervals are wide and the "
            "curves coarse; read them as indicative."
        )
    result = Evaluation(
        sample=sample,
        n_cells=int(background.size),
        auc=auc,
        auc_bootstrap=boot,
        auc_monte_carlo=mc,
        auc_monte_carlo_median=float(np.median(mc_aucs)),
        p_value=p_value,
        curve=curve,
        capture=capture_efficiency(curve, percents),
        pa=prediction_area(curve),
        confidence=confidence,
        iterations=iterations,
        placements=deposit_placements,
        notes=notes,
        cluster_distance=float(cluster_distance),
        n_clusters=n_clusters,
    )
    report(progress, 1.0)
    return result
