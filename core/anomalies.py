"""Geochemical anomaly identification and screening.

Thresholds per element (computed on the cells inside the study area):

* ``percentile``: cumulative-frequency percentiles (default 85 / 95 / 98 %);
* ``mean_sd``: mean + k·SD of log10 values (default k = 1, 2, 3), back-transformed;
* ``median_mad``: median + k·MAD of log10 values, MAD scaled by 1.4826 so it estimates the SD of a normal;
* ``tukey``: Tukey's upper inner fence Q3 + 1.5·IQR of log10 values (weak), Q3 + 2.25·IQR (moderate) and the
  outer fence Q3 + 3·IQR (strong);
* ``ca``: concentration-area (C-A) fractal: log10 of the area with concentration >= v against log10 v, fitted
  by straight segments (optimal segmentation by dynamic programming); the number of segments (1-4) is chosen
  by the Bayesian information criterion unless fixed; the break concentrations (intersections of adjacent
  segments) are the weak / moderate / strong levels.

Each method returns three levels (weak, moderate, strong); a level that is not defined (e.g. C-A found fewer
than three breaks) is NaN and that class is simply never reached. Cells are classified 0 background,
1 weak, 2 moderate, 3 strong.

The integrated multi-element index combines the association elements: ``zscore`` the mean of robust z-scores
(median / MAD) of log10 values; ``clr`` the same on centred log-ratio values (the composition being every
element band given, so choose the association as a subset); ``pca`` the first principal component of the
robust z-scores (covariance estimated on z-scores winsorised at +-3, sign so that loadings sum positive).
The index is already on a log scale, so its thresholds are computed without a further log.

Connected areas above the index's weak level are the anomalies; each gets screening attributes and a
favourability score (see :func:`anomaly_areas`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy import ndimage
from scipy.stats import rankdata

from .callbacks import CancelCallback, ProgressCallback, check_cancelled, report
from .errors import InputError
from .grid import GridSpec

LEVEL_NAMES = ("weak", "moderate", "strong")
METHODS = ("percentile", "ca", "mean_sd", "median_mad", "tukey")
INDEX_METHODS = ("zscore", "clr", "pca")
MAD_SCALE = 1.4826
#: an element counts as anomalous inside an area when at least this share of the area's cells reach its weak level
ELEMENT_SHARE = 0.25
CLASS_NODATA = 255
INDEX_NAME = "index"
#: residual SD (log10 area) below which the C-A BIC sees no improvement: about 2 % in area
CA_NOISE_FLOOR = 0.01


@dataclass
class Thresholds:
    """Anomaly levels of one band: ``levels`` = (weak, moderate, strong) on the data scale, NaN if undefined."""

    name: str
    method: str
    levels: np.ndarray
    background: float
    n_cells: int
    detail: str = ""

    def as_row(self) -> Dict[str, object]:
        row: Dict[str, object] = {"element": self.name, "method": self.method, "cells": self.n_cells}
        row["background"] = self.background
        for name, value in zip(LEVEL_NAMES, self.levels):
            row[name] = float(value)
        row["detail"] = self.detail
        return row


# ---- single-band threshold methods --------------------------------------------------------------------------


def _finite(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64).ravel()
    return values[np.isfinite(values)]


def _log_scale(values: np.ndarray, name: str) -> np.ndarray:
    if (values <= 0).any():
        raise InputError(
            f"band '{name}' has {int((values <= 0).sum())} values <= 0 inside the mask, which have no logarithm; "
            "interpolate the samples with LOG_TRANSFORM (positive values), or with IDW.",
            "INPUT_RASTER",
        )
    return np.log10(values)


def threshold_percentile(values: np.ndarray, percentiles: Sequence[float] = (85.0, 95.0, 98.0)) -> np.ndarray:
    """Levels at the given cumulative-frequency percentiles (linear interpolation, as ``numpy.percentile``)."""
    return np.percentile(_finite(values), list(percentiles))


def threshold_mean_sd(
    values: np.ndarray, k: Sequence[float] = (1.0, 2.0, 3.0), log: bool = True, name: str = "band"
) -> np.ndarray:
    """mean + k·SD (sample SD, ddof=1) of log10 values, back-transformed (or of raw values if ``log`` is False)."""
    x = _finite(values)
    y = _log_scale(x, name) if log else x
    levels = y.mean() + np.asarray(k, dtype=float) * y.std(ddof=1)
    return 10.0**levels if log else levels


def threshold_median_mad(
    values: np.ndarray, k: Sequence[float] = (1.0, 2.0, 3.0), log: bool = True, name: str = "band"
) -> np.ndarray:
    """median + k·(1.4826·MAD) of log10 values, back-transformed."""
    x = _finite(values)
    y = _log_scale(x, name) if log else x
    median = np.median(y)
    mad = MAD_SCALE * np.median(np.abs(y - median))
    levels = median + np.asarray(k, dtype=float) * mad
    return 10.0**levels if log else levels


def threshold_tukey(values: np.ndarray, log: bool = True, name: str = "band") -> np.ndarray:
    """Q3 + (1.5, 2.25, 3)·IQR of log10 values: upper inner fence, midway, upper outer fence."""
    x = _finite(values)
    y = _log_scale(x, name) if log else x
    q1, q3 = np.percentile(y, [25.0, 75.0])
    levels = q3 + np.array([1.5, 2.25, 3.0]) * (q3 - q1)
    return 10.0**levels if log else levels


# ---- concentration-area fractal ---------------------------------------------------------------------------


@dataclass
class CAResult:
    """A concentration-area fit: the curve, the chosen segmentation and its breaks."""

    x: np.ndarray  # log10 concentration levels (or index values when not log)
    y: np.ndarray  # log10 cell count with value >= level
    n_segments: int
    boundaries: List[int]  # index of the first point of every segment after the first
    slopes: List[float]
    breaks: np.ndarray  # break positions on the x scale, ascending
    bic: Dict[int, float] = field(default_factory=dict)


def ca_curve(
    values: np.ndarray, log: bool = True, n_levels: int = 64, min_cells: int = 10, start_percentile: float = 50.0
) -> Tuple[np.ndarray, np.ndarray]:
    """The C-A curve: ``n_levels`` evenly spaced levels on the (log) scale and log10 of the cell counts above them.

    Levels run from the median (``start_percentile``: breaks among low values are not anomaly thresholds) to
    the highest value still reached by ``min_cells`` cells, so the noisy last few cells do not steer the fit.
    """
    x = _finite(values)
    y = _log_scale(x, "band") if log else x
    ys = np.sort(y)
    lo = np.percentile(ys, start_percentile)
    hi = ys[max(0, ys.size - max(1, min_cells))]
    if not hi > lo:
        raise InputError("the band is (nearly) constant inside the mask; C-A needs a range of values.", "INPUT_RASTER")
    levels = np.linspace(lo, hi, n_levels)
    counts = ys.size - np.searchsorted(ys, levels, side="left")
    return levels, np.log10(counts.astype(float))


def _segment_costs(x: np.ndarray, y: np.ndarray, min_points: int) -> np.ndarray:
    """SSE of the least-squares line through points i..j (inclusive); inf for fewer than ``min_points``."""
    n = x.size
    cx = np.concatenate([[0.0], np.cumsum(x)])
    cy = np.concatenate([[0.0], np.cumsum(y)])
    cxx = np.concatenate([[0.0], np.cumsum(x * x)])
    cxy = np.concatenate([[0.0], np.cumsum(x * y)])
    cyy = np.concatenate([[0.0], np.cumsum(y * y)])
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    m = (j - i + 1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        sx, sy = cx[j + 1] - cx[i], cy[j + 1] - cy[i]
        sxx = cxx[j + 1] - cxx[i] - sx * sx / m
        sxy = cxy[j + 1] - cxy[i] - sx * sy / m
        syy = cyy[j + 1] - cyy[i] - sy * sy / m
        sse = syy - np.where(sxx > 0, sxy * sxy / sxx, 0.0)
    sse = np.maximum(sse, 0.0)
    sse[(j - i + 1) < min_points] = np.inf
    return sse


def _best_segmentation(cost: np.ndarray, k: int) -> Tuple[float, List[int]]:
    """Optimal split of points 0..n-1 into ``k`` consecutive segments (dynamic programming)."""
    n = cost.shape[0]
    best = np.full((k + 1, n + 1), np.inf)
    arg = np.zeros((k + 1, n + 1), dtype=int)
    best[0, 0] = 0.0
    for s in range(1, k + 1):
        for end in range(1, n + 1):  # segments cover points 0..end-1
            starts = np.arange(0, end)
            candidates = best[s - 1, starts] + cost[starts, end - 1]
            idx = int(np.argmin(candidates))
            best[s, end], arg[s, end] = candidates[idx], starts[idx]
    bounds, end = [], n
    for s in range(k, 0, -1):
        start = arg[s, end]
        bounds.append(start)
        end = start
    return float(best[k, n]), sorted(bounds)[1:]


def _line(x: np.ndarray, y: np.ndarray) -> Tuple[float, float]:
    slope, intercept = np.polyfit(x, y, 1)
    return float(slope), float(intercept)


def ca_fit(
    values: np.ndarray,
    log: bool = True,
    n_breaks: Optional[int] = None,
    max_breaks: int = 3,
    n_levels: int = 64,
    min_points: int = 4,
) -> CAResult:
    """Fit the C-A curve by straight segments; ``n_breaks`` None chooses 0..``max_breaks`` breaks by BIC.

    BIC = n·ln(max(SSE/n, σ0²)) + p·ln(n) with p = 3·segments − 1 (slope and intercept per segment plus the
    break positions) and a noise floor σ0 = :data:`CA_NOISE_FLOOR` (log10 area units), so that fitting the
    rounding of cell counts never pays for an extra segment. A break is where adjacent fitted lines intersect, kept between the last point of one segment
    and the first of the next.
    """
    x, y = ca_curve(values, log=log, n_levels=n_levels)
    n = x.size
    cost = _segment_costs(x, y, min_points)
    options = [n_breaks] if n_breaks is not None else list(range(0, max_breaks + 1))
    fits, bic = {}, {}
    for nb in options:
        sse, bounds = _best_segmentation(cost, nb + 1)
        if not np.isfinite(sse):
            continue
        fits[nb] = bounds
        bic[nb + 1] = n * np.log(max(sse / n, CA_NOISE_FLOOR**2)) + (3 * (nb + 1) - 1) * np.log(n)
    if not fits:
        raise InputError("too few distinct values for a C-A fit with that many breaks.", "CA_BREAKS")
    chosen = min(fits, key=lambda nb: bic[nb + 1])
    bounds = fits[chosen]
    edges = [0] + bounds + [n]
    lines = [_line(x[a:b], y[a:b]) for a, b in zip(edges[:-1], edges[1:])]
    breaks = []
    for s, b in enumerate(bounds):
        (m1, c1), (m2, c2) = lines[s], lines[s + 1]
        lo, hi = x[b - 1], x[b]
        xb = (c2 - c1) / (m1 - m2) if m1 != m2 else 0.5 * (lo + hi)
        breaks.append(float(np.clip(xb, lo, hi)))
    return CAResult(x, y, chosen + 1, bounds, [m for m, _ in lines], np.asarray(breaks), bic)


def threshold_ca(
    values: np.ndarray, log: bool = True, n_breaks: Optional[int] = None, name: str = "band"
) -> Tuple[np.ndarray, CAResult]:
    """C-A breaks as (weak, moderate, strong) levels on the data scale; missing levels are NaN."""
    fit = ca_fit(values, log=log, n_breaks=n_breaks)
    levels = np.full(3, np.nan)
    brk = fit.breaks[-3:]  # with more breaks than levels the highest three are kept
    levels[: brk.size] = 10.0**brk if log else brk
    return levels, fit


def compute_thresholds(
    values: np.ndarray,
    name: str,
    method: str = "percentile",
    log: bool = True,
    percentiles: Sequence[float] = (85.0, 95.0, 98.0),
    multipliers: Sequence[float] = (1.0, 2.0, 3.0),
    ca_breaks: Optional[int] = None,
) -> Thresholds:
    """Anomaly levels of one band by ``method`` (one of :data:`METHODS`)."""
    x = _finite(values)
    if x.size < 10:
        raise InputError(
            f"band '{name}' has fewer than 10 valid cells inside the mask; check the raster's nodata value and "
            "that the MASK covers it.",
            "INPUT_RASTER",
        )
    if x.min() == x.max():
        raise InputError(
            f"band '{name}' has the same value ({x.min():g}) in every valid cell inside the mask, so it has no "
            "anomalies; leave it out of BANDS or check how it was made.",
            "INPUT_RASTER",
        )
    detail = ""
    if method == "percentile":
        if len(percentiles) != 3 or not all(0 < p < 100 for p in percentiles):
            raise InputError("give three percentiles between 0 and 100, e.g. 85,95,98.", "PERCENTILES")
        levels = threshold_percentile(x, percentiles)
        detail = "percentiles " + "/".join(f"{p:g}" for p in percentiles)
    elif method == "mean_sd":
        levels = threshold_mean_sd(x, multipliers, log, name)
        detail = ("log10 " if log else "") + "mean + k*SD, k = " + "/".join(f"{k:g}" for k in multipliers)
    elif method == "median_mad":
        levels = threshold_median_mad(x, multipliers, log, name)
        detail = ("log10 " if log else "") + "median + k*1.4826*MAD, k = " + "/".join(f"{k:g}" for k in multipliers)
    elif method == "tukey":
        levels = threshold_tukey(x, log, name)
        detail = ("log10 " if log else "") + "Q3 + 1.5/2.25/3 IQR"
    elif method == "ca":
        levels, fit = threshold_ca(x, log, ca_breaks, name)
        how = "fixed" if ca_breaks is not None else "BIC"
        detail = f"C-A {fit.n_segments} segments ({how}), slopes " + "/".join(f"{s:.2f}" for s in fit.slopes)
    else:
        raise InputError(f"unknown method '{method}'; use one of {', '.join(METHODS)}.", "METHOD")
    levels = np.asarray(levels, dtype=float)
    if method != "ca" and len(levels) != 3:
        raise InputError("give three multipliers, e.g. 1,2,3.", "MULTIPLIERS")
    # a level at or below the median would class at least half the area as anomalous (heavy ties, e.g. many
    # below-detection values set to one number): such a level is undefined, like a C-A break that is not there
    median = float(np.median(x))
    at_background = np.isfinite(levels) & (levels <= median)
    if at_background.any():
        levels = np.where(at_background, np.nan, levels)
        names = ", ".join(n for n, b in zip(LEVEL_NAMES, at_background) if b)
        detail += f"; {names} not above the median {median:.4g} (many equal values): undefined"
    finite = levels[np.isfinite(levels)]
    if finite.size > 1 and (np.diff(finite) < 0).any():
        raise InputError("the levels must increase (weak < moderate < strong); sort the values.", "METHOD")
    background = float(10.0 ** np.median(np.log10(x))) if log and (x > 0).all() else float(np.median(x))
    return Thresholds(name, method, levels, background, int(x.size), detail)


def classify(values: np.ndarray, levels: Sequence[float]) -> np.ndarray:
    """0 background, 1 weak, 2 moderate, 3 strong; :data:`CLASS_NODATA` where the value is NaN."""
    values = np.asarray(values, dtype=np.float64)
    out = np.zeros(values.shape, dtype=np.uint8)
    with np.errstate(invalid="ignore"):
        for level in levels:
            if np.isfinite(level):
                out += (values >= level).astype(np.uint8)
    out[~np.isfinite(values)] = CLASS_NODATA
    return out


# ---- integrated multi-element index ---------------------------------------------------------------------


def robust_z(y: np.ndarray) -> np.ndarray:
    """(y − median) / (1.4826·MAD) over the finite cells; a zero MAD falls back to the SD."""
    finite = y[np.isfinite(y)]
    median = np.median(finite)
    scale = MAD_SCALE * np.median(np.abs(finite - median))
    if not scale > 0:
        scale = finite.std() or 1.0
    return (y - median) / scale


def integrated_index(
    bands: np.ndarray, names: Sequence[str], association: Sequence[str], method: str = "zscore"
) -> Tuple[np.ndarray, Dict[str, float]]:
    """Combine the association bands of (m, H, W) concentrations into one index; returns index and weights."""
    names = list(names)
    missing = [a for a in association if a not in names]
    if missing:
        raise InputError(f"association element(s) {', '.join(missing)} are not among the bands.", "ASSOCIATION")
    if not association:
        raise InputError("choose at least one association element.", "ASSOCIATION")
    if method not in INDEX_METHODS:
        raise InputError(f"unknown index method '{method}'; use one of {', '.join(INDEX_METHODS)}.", "INDEX_METHOD")
    data = np.asarray(bands, dtype=np.float64)
    finite = np.isfinite(data)
    if (data[finite] <= 0).any():
        raise InputError(
            "the integrated index needs positive concentrations (it uses logarithms); interpolate the samples "
            "with LOG_TRANSFORM, or with IDW.",
            "INPUT_RASTER",
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        logs = np.log10(data)
    rows = [names.index(a) for a in association]
    if method == "clr":
        if len(names) < 3:
            raise InputError("CLR needs at least three element bands in BANDS.", "INDEX_METHOD")
        logs = logs - logs.mean(axis=0, keepdims=True)  # NaN where any band is missing
    z = np.stack([robust_z(logs[r]) for r in rows])
    valid = np.isfinite(z).all(axis=0)
    if not valid.any():
        raise InputError("no cell has every association element; check the bands and the mask.", "ASSOCIATION")
    if method in ("zscore", "clr"):
        weights = np.full(len(rows), 1.0 / len(rows))
    else:
        sample = np.clip(z[:, valid], -3.0, 3.0)
        if sample.shape[1] > 200_000:
            sample = sample[:, np.random.default_rng(0).choice(sample.shape[1], 200_000, replace=False)]
        if len(rows) == 1:
            weights = np.ones(1)
        else:
            eigval, eigvec = np.linalg.eigh(np.cov(sample))
            weights = eigvec[:, -1]
            if weights.sum() < 0:
                weights = -weights
    index = np.tensordot(weights, np.where(np.isfinite(z), z, 0.0), axes=1)
    index[~valid] = np.nan
    return index.astype(np.float64), {a: float(w) for a, w in zip(association, weights)}


# ---- anomaly areas and screening -------------------------------------------------------------------------


def anomaly_areas(
    index: np.ndarray,
    index_levels: Sequence[float],
    grid: GridSpec,
    element_classes: np.ndarray,
    names: Sequence[str],
    association: Sequence[str],
    deposits_xy: Optional[np.ndarray] = None,
    min_cells: int = 1,
):
    """Connected areas (8-neighbour) with index >= weak level, with screening attributes, as a GeoDataFrame.

    Attributes: ``cells``, ``area_km2`` (map units taken as metres), ``max_index``, ``mean_index``,
    ``nap`` (normalised area product = area_km2 × mean excess of the index over the weak level),
    ``max_class``, ``n_elements`` / ``elements`` (elements with at least :data:`ELEMENT_SHARE` of the area at
    or above their weak level, with the highest class reached, e.g. ``Cu(3), Ni(2)``), ``assoc_score`` (share
    of the association elements anomalous inside), ``deposit_km`` (distance to the nearest deposit, 0 inside;
    empty without deposits), ``score`` (favourability = mean of the percentile rank of nap, the percentile
    rank of max_index and assoc_score, 0..1) and ``rank`` (1 = most favourable). Known deposits are not
    part of the score, so the distance can be used to check it.
    """
    import geopandas as gpd
    from rasterio import features
    from shapely.geometry import Point, shape
    from shapely.ops import unary_union

    weak = float(index_levels[0])
    columns = [
        "area_id", "cells", "area_km2", "max_index", "mean_index", "nap", "max_class", "n_elements",
        "elements", "assoc_score", "deposit_km", "score", "rank",
    ]  # fmt: skip
    if not np.isfinite(weak):  # e.g. C-A found no break in the index: no anomaly areas
        return gpd.GeoDataFrame(columns=columns, geometry=[], crs=grid.crs_wkt), np.zeros(index.shape, np.int32)
    with np.errstate(invalid="ignore"):
        above = np.isfinite(index) & (index >= weak)
    labels, count = ndimage.label(above, structure=np.ones((3, 3), dtype=int))
    if count == 0:
        return gpd.GeoDataFrame(columns=columns, geometry=[], crs=grid.crs_wkt), labels
    ids = np.arange(1, count + 1)
    cells = ndimage.sum(np.ones_like(index), labels, ids)
    keep = ids[cells >= max(1, min_cells)]
    relabel = np.zeros(count + 1, dtype=np.int32)
    relabel[keep] = np.arange(1, keep.size + 1)
    labels = relabel[labels]
    count = keep.size
    if count == 0:
        return gpd.GeoDataFrame(columns=columns, geometry=[], crs=grid.crs_wkt), labels
    ids = np.arange(1, count + 1)
    cell_area = grid.pixel_size**2 / 1e6
    cells = ndimage.sum(np.ones_like(index), labels, ids)
    max_index = ndimage.maximum(index, labels, ids)
    mean_index = ndimage.mean(index, labels, ids)
    index_class = classify(index, index_levels)
    max_class = ndimage.maximum(index_class, labels, ids)
    area_km2 = cells * cell_area
    nap = area_km2 * (mean_index - weak)

    names = list(names)
    shares = np.zeros((len(names), count))
    top = np.zeros((len(names), count), dtype=int)
    for m in range(len(names)):
        cls = element_classes[m]
        hit = (cls >= 1) & (cls != CLASS_NODATA)
        shares[m] = ndimage.sum(hit.astype(float), labels, ids) / cells
        top[m] = ndimage.maximum(np.where(cls == CLASS_NODATA, 0, cls), labels, ids)
    anomalous = shares >= ELEMENT_SHARE
    assoc_rows = [names.index(a) for a in association if a in names]
    assoc_score = anomalous[assoc_rows].mean(axis=0) if assoc_rows else np.zeros(count)

    polygons: Dict[int, list] = {int(i): [] for i in ids}
    for geom, value in features.shapes(
        labels.astype(np.int32), mask=labels > 0, transform=grid.affine(), connectivity=8
    ):
        polygons[int(value)].append(shape(geom))
    geometries = [unary_union(polygons[int(i)]) for i in ids]

    deposit_km = np.full(count, np.nan)
    if deposits_xy is not None and len(deposits_xy):
        points = [Point(float(x), float(y)) for x, y in np.asarray(deposits_xy)]
        deposit_km = np.array([min(g.distance(p) for p in points) / 1000.0 for g in geometries])

    n = float(count)
    score = (rankdata(nap) / n + rankdata(max_index) / n + assoc_score) / 3.0
    order = np.lexsort((-nap, -score))  # primary: score desc, then nap desc
    rank = np.empty(count, dtype=int)
    rank[order] = np.arange(1, count + 1)

    rows = []
    for k in range(count):
        listed = [m for m in range(len(names)) if anomalous[m, k]]
        listed.sort(key=lambda m: (-top[m, k], -shares[m, k]))
        rows.append(
            {
                "area_id": k + 1,
                "cells": int(cells[k]),
                "area_km2": float(area_km2[k]),
                "max_index": float(max_index[k]),
                "mean_index": float(mean_index[k]),
                "nap": float(nap[k]),
                "max_class": int(max_class[k]),
                "n_elements": len(listed),
                "elements": ", ".join(f"{names[m]}({top[m, k]})" for m in listed),
                "assoc_score": float(assoc_score[k]),
                "deposit_km": float(deposit_km[k]),
                "score": float(score[k]),
                "rank": int(rank[k]),
            }
        )
    gdf = gpd.GeoDataFrame(rows, columns=columns, geometry=geometries, crs=grid.crs_wkt)
    return gdf.sort_values("rank").reset_index(drop=True), labels


def high_value_points(
    xy: np.ndarray, values: np.ndarray, names: Sequence[str], thresholds: Sequence[Thresholds]
) -> "object":
    """Samples reaching at least the weak level of any element (same levels as the map), as a GeoDataFrame.

    Attributes: the element values, ``max_level`` (1..3), ``level`` (its name), ``n_elements`` and ``elements``
    (e.g. ``Ni(3), Cu(2)``).
    """
    import geopandas as gpd

    values = np.asarray(values, dtype=np.float64)
    classes = np.stack([classify(values[:, j], t.levels) for j, t in enumerate(thresholds)], axis=1)
    classes[classes == CLASS_NODATA] = 0
    hit = classes.max(axis=1) >= 1
    rows = []
    for i in np.nonzero(hit)[0]:
        order = sorted((j for j in range(len(names)) if classes[i, j] >= 1), key=lambda j: -int(classes[i, j]))
        row: Dict[str, object] = {name: float(values[i, j]) for j, name in enumerate(names)}
        row.update(
            max_level=int(classes[i].max()),
            level=LEVEL_NAMES[int(classes[i].max()) - 1],
            n_elements=len(order),
            elements=", ".join(f"{names[j]}({classes[i, j]})" for j in order),
        )
        rows.append(row)
    columns = list(names) + ["max_level", "level", "n_elements", "elements"]
    return gpd.GeoDataFrame(rows, columns=columns, geometry=gpd.points_from_xy(xy[hit, 0], xy[hit, 1]))


# ---- the whole workflow -----------------------------------------------------------------------------------


@dataclass
class AnomalyResult:
    classes: np.ndarray  # (m + 1, H, W) uint8, last band = index
    class_names: List[str]
    thresholds: List[Thresholds]  # one per element, then the index
    index: np.ndarray
    index_weights: Dict[str, float]
    contours: object  # GeoDataFrame
    areas: object  # GeoDataFrame
    labels: np.ndarray


def identify_anomalies(
    bands: np.ndarray,
    names: Sequence[str],
    grid: GridSpec,
    method: str = "percentile",
    association: Optional[Sequence[str]] = None,
    index_method: str = "zscore",
    mask: Optional[np.ndarray] = None,
    deposits_xy: Optional[np.ndarray] = None,
    min_cells: int = 1,
    percentiles: Sequence[float] = (85.0, 95.0, 98.0),
    multipliers: Sequence[float] = (1.0, 2.0, 3.0),
    ca_breaks: Optional[int] = None,
    contours: bool = True,
    progress: ProgressCallback = None,
    is_cancelled: CancelCallback = None,
) -> AnomalyResult:
    """Thresholds, classes, integrated index, contours and screened anomaly areas for (m, H, W) bands."""
    import geopandas as gpd

    from .contours import contour_lines

    names = list(names)
    data = np.array(bands, dtype=np.float64)
    if data.ndim == 2:
        data = data[None]
    if data.shape[0] != len(names):
        raise InputError("one name is needed per band.", "BANDS")
    if mask is not None:
        if mask.shape != data.shape[1:]:
            raise InputError("the mask does not match the raster grid.", "MASK")
        data[:, ~mask.astype(bool)] = np.nan
    association = list(association) if association else names
    steps = len(names) + 3
    thresholds, classes = [], []
    for m, name in enumerate(names):
        check_cancelled(is_cancelled)
        t = compute_thresholds(data[m], name, method, True, percentiles, multipliers, ca_breaks)
        thresholds.append(t)
        classes.append(classify(data[m], t.levels))
        report(progress, (m + 1) / steps)
    index, weights = integrated_index(data, names, association, index_method)
    t_index = compute_thresholds(index, INDEX_NAME, method, False, percentiles, multipliers, ca_breaks)
    thresholds.append(t_index)
    classes.append(classify(index, t_index.levels))
    check_cancelled(is_cancelled)
    report(progress, (len(names) + 1) / steps)

    lines = []
    if contours:
        for m, t in enumerate(thresholds):
            surface = data[m] if m < len(names) else index
            for level_name, value in zip(LEVEL_NAMES, t.levels):
                if np.isfinite(value):
                    for line in contour_lines(surface, float(value), grid):
                        lines.append({"element": t.name, "level": level_name, "value": float(value), "geometry": line})
            check_cancelled(is_cancelled)
    contour_gdf = gpd.GeoDataFrame(
        lines, columns=["element", "level", "value", "geometry"], geometry="geometry", crs=grid.crs_wkt
    )
    report(progress, (len(names) + 2) / steps)

    class_stack = np.stack(classes)
    areas, labels = anomaly_areas(
        index, t_index.levels, grid, class_stack[:-1], names, association, deposits_xy, min_cells
    )
    report(progress, 1.0)
    return AnomalyResult(class_stack, names + [INDEX_NAME], thresholds, index, weights, contour_gdf, areas, labels)
