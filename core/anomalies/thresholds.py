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
  segments) are the weak / moderate / strong levels. The curve starts at the median, or above it when one value
  holds the median (a detection-limit substitute: :func:`_start_above_tie`); a value above the start held by more
  than :data:`CA_PLATEAU_SHARE` of the cells and many times the cells of its neighbouring values (a fill, an
  interpolation plateau) is left out of the curve (:func:`_plateau_runs`).

A level equal to a lower one (percentiles in one run of equal values) is undefined (NaN), like a missing break.

Each method returns three levels (weak, moderate, strong); a level that is not defined (e.g. C-A found fewer
than three breaks) is NaN and that class is simply never reached. Cells are classified 0 background,
1 weak, 2 moderate, 3 strong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..errors import InputError
from ..reports.cells import spoken_list

LEVEL_NAMES = ("weak", "moderate", "strong")


METHODS = ("percentile", "ca", "mean_sd", "median_mad", "tukey")


MAD_SCALE = 1.4826


CLASS_NODATA = 255


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
    #: the share of the cells holding the band's lowest value (a detection-limit substitute when large)
    lowest_share: float = 0.0
    #: the band's lowest value inside the study area
    lowest: float = float("nan")
    #: C-A only: (value, share of the cells) of each value above the curve's start that so many cells hold that it
    #: was left out of the curve (:func:`_plateau_runs`)
    plateaus: Tuple[Tuple[float, float], ...] = ()

    def as_row(self) -> Dict[str, Any]:
        row: Dict[str, Any] = {"element": self.name, "method": self.method, "cells": self.n_cells}
        row["background"] = self.background
        for name, value in zip(LEVEL_NAMES, self.levels):
            row[name] = float(value)
        row["detail"] = self.detail
        return row


def _finite(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64).ravel()
    return values[np.isfinite(values)]


def _log_scale(values: np.ndarray, name: str) -> np.ndarray:
    if (values <= 0).any():
        raise InputError(
            f"band '{name}' has {int((values <= 0).sum())} values <= 0 inside the mask, which have no logarithm. "
            "If the band is not a concentration (magnetics, gravity, a log-ratio: real negative values), leave it "
            "out of ELEMENT_BANDS or use the percentile METHOD, which takes no logarithm; if it is, interpolate the "
            "samples with LOG_TRANSFORM (positive values), or with IDW.",
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
    #: (value, share of the cells) of each plateau left out of the curve (:func:`_plateau_runs`)
    plateaus: Tuple[Tuple[float, float], ...] = ()


def ca_curve(
    values: np.ndarray,
    log: bool = True,
    n_levels: int = 64,
    min_cells: int = 10,
    start_percentile: float = 50.0,
    name: str = "band",
) -> Tuple[np.ndarray, np.ndarray]:
    """The C-A curve: ``n_levels`` evenly spaced levels on the (log) scale and log10 of the cell counts above them.

    Levels run from the median (``start_percentile``: breaks among low values are not anomaly thresholds) to
    the highest value still reached by ``min_cells`` cells, so the noisy last few cells do not steer the fit.
    """
    levels, log_counts, _ = _ca_curve_and_plateaus(values, log, n_levels, min_cells, start_percentile, name)
    return levels, log_counts


def _ca_curve_and_plateaus(
    values: np.ndarray, log: bool, n_levels: int, min_cells: int, start_percentile: float, name: str
) -> Tuple[np.ndarray, np.ndarray, Tuple[Tuple[float, float], ...]]:
    """:func:`ca_curve`, and the (value, share of the cells) of each plateau it left out (:func:`_plateau_runs`)."""
    xs = np.sort(_finite(values))
    ys = _log_scale(xs, name) if log else xs  # log10 keeps the order and the ties
    lo, _ = _start_above_tie(ys, float(np.percentile(ys, start_percentile)))
    runs = _plateau_runs(ys, lo)
    plateaus = tuple((float(xs[a]), (b - a) / ys.size) for a, b in runs)
    if runs:  # a vertical step in the curve, which the fit would take for a break just under it
        edges = [0] + [i for run in runs for i in run] + [ys.size]
        ys = np.concatenate([ys[a:b] for a, b in zip(edges[::2], edges[1::2])])
    hi = ys[max(0, ys.size - max(1, min_cells))]
    if not hi > lo:
        raise InputError(
            f"band '{name}' is (nearly) constant inside the mask; C-A needs a range of values.", "INPUT_RASTER"
        )
    levels = np.linspace(lo, hi, n_levels)
    counts = ys.size - np.searchsorted(ys, levels, side="left")
    return levels, np.log10(counts.astype(float)), plateaus


#: a value held by more than this share of the cells where the C-A curve would start is a tie (a detection-limit
#: substitute, a fill) that the curve starts above
CA_START_TIE = 0.01


def _start_above_tie(ys: np.ndarray, lo: float) -> Tuple[float, float]:
    """Where the C-A curve of the values ``ys`` (in any order) starts, and the share of the cells in the tie it
    starts above.

    When the start ``lo`` is a value more than :data:`CA_START_TIE` of the cells hold (a detection-limit substitute
    holding the median), the count of cells at or above it drops by the whole tie at the next level: a cliff that is
    no fractal break, where the fit puts a level just above the substitute and calls every detected value
    anomalous. The curve then starts at the first value above the tie (the counts there are those of every cell)."""
    tie = int(np.count_nonzero(ys == lo))
    if tie <= CA_START_TIE * ys.size:
        return lo, 0.0
    above = ys[ys > lo]
    return (float(above.min()) if above.size else lo), tie / ys.size


#: a value above the C-A curve's start held by more than this share of the cells (a fill, an interpolation plateau,
#: a value pasted over an area) is left out of the curve, when it also stands out from its neighbours:
CA_PLATEAU_SHARE = 0.05
#: it holds more than this many times the median count of its :data:`CA_PLATEAU_NEIGHBOURS` distinct neighbours on
#: either side (values recorded in whole units each hold many cells, as their neighbours do)
CA_PLATEAU_RATIO = 10.0
CA_PLATEAU_NEIGHBOURS = 5


def _plateau_runs(ys: np.ndarray, lo: float) -> List[Tuple[int, int]]:
    """Index ranges [start, stop) of the sorted values ``ys`` holding one value above the C-A curve's start ``lo``
    on more than :data:`CA_PLATEAU_SHARE` of the cells, and on more than :data:`CA_PLATEAU_RATIO` times the cells
    of each of its neighbouring values (their median).

    Such a tie makes the count of cells at or above a level drop by the whole tie from the level below the value to
    the level above it: a vertical step no fractal population gives, where the fit puts a break just under the value
    and calls the whole plateau anomalous (sweep 21c: a weak level of 4.992 under 23 % of the cells at 5.0). The
    curve is drawn without those cells; they are classed by their value like any other. Values recorded in whole
    units (Pb 12 and 13 ppm on 6 % and 5 % of the cells, or a band of the integers 1-10) each hold many cells, as
    their neighbours do: they are the curve's own steps, not plateaus. Any run longer than the share covers one of
    the positions a share apart, so about 20 binary searches find them on a sorted national grid."""
    n = ys.size
    first = int(np.searchsorted(ys, lo, side="right"))
    least = CA_PLATEAU_SHARE * n
    runs: List[Tuple[int, int]] = []
    for position in range(first, n, max(1, int(least))):
        start = int(np.searchsorted(ys, ys[position], side="left"))
        stop = int(np.searchsorted(ys, ys[position], side="right"))
        if stop - start > least and (not runs or runs[-1][0] != start) and _stands_out(ys, start, stop, first):
            runs.append((start, stop))
    return runs


def _stands_out(ys: np.ndarray, start: int, stop: int, first: int) -> bool:
    """Whether the run ``ys[start:stop]`` holds more than :data:`CA_PLATEAU_RATIO` times the median count of its
    :data:`CA_PLATEAU_NEIGHBOURS` distinct neighbours on either side (those above ``first`` only); False without
    any."""
    near = []
    below = start
    for _ in range(CA_PLATEAU_NEIGHBOURS):
        if below <= first:
            break
        lower = int(np.searchsorted(ys, ys[below - 1], side="left"))
        near.append(below - lower)
        below = lower
    above = stop
    for _ in range(CA_PLATEAU_NEIGHBOURS):
        if above >= ys.size:
            break
        upper = int(np.searchsorted(ys, ys[above], side="right"))
        near.append(upper - above)
        above = upper
    return bool(near) and stop - start > CA_PLATEAU_RATIO * float(np.median(near))


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
    name: str = "band",
) -> CAResult:
    """Fit the C-A curve by straight segments; ``n_breaks`` None chooses 0..``max_breaks`` breaks by BIC.

    BIC = n·ln(max(SSE/n, σ0²)) + p·ln(n) with p = 3·segments − 1 (slope and intercept per segment plus the
    break positions) and a noise floor σ0 = :data:`CA_NOISE_FLOOR` (log10 area units), so that fitting the
    rounding of cell counts never pays for an extra segment. A break is where adjacent fitted lines intersect, kept
    between the last point of one segment and the first of the next.
    """
    x, y, plateaus = _ca_curve_and_plateaus(values, log, n_levels, 10, 50.0, name)
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
    return CAResult(x, y, chosen + 1, bounds, [m for m, _ in lines], np.asarray(breaks), bic, plateaus)


def threshold_ca(
    values: np.ndarray, log: bool = True, n_breaks: Optional[int] = None, name: str = "band"
) -> Tuple[np.ndarray, CAResult]:
    """C-A breaks as (weak, moderate, strong) levels on the data scale; missing levels are NaN."""
    fit = ca_fit(values, log=log, n_breaks=n_breaks, name=name)
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
    if np.size(values) < 10:  # a raster of a point (1 x 1 cells): its nodata and the MASK are not the matter
        raise InputError(
            f"band '{name}' has only {np.size(values)} cell(s) in all: anomaly thresholds need at least 10 valid "
            "cells. Give a raster of the area (prospector:interpolate makes one from the sample points).",
            "INPUT_RASTER",
        )
    if x.size < 10:
        raise InputError(
            f"band '{name}' has fewer than 10 valid cells inside the mask; check the raster's nodata value and "
            "that the MASK covers it.",
            "INPUT_RASTER",
        )
    if x.min() == x.max():
        raise InputError(
            f"band '{name}' has the same value ({x.min():g}) in every valid cell inside the mask, so it has no "
            "anomalies; leave it out of the element bands (ELEMENT_BANDS) or check how it was made.",
            "INPUT_RASTER",
        )
    detail = ""
    plateaus: Tuple[Tuple[float, float], ...] = ()
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
        median = float(np.percentile(x, 50.0))  # a partition, not a second sort of the cells
        lo, tie = _start_above_tie(x, median)
        if tie:
            detail += (
                f"; curve from {lo:.4g}, above the {100 * tie:.0f} % of the cells at {median:.4g} "
                "(one value: a detection-limit substitute?)"
            )
        plateaus = fit.plateaus
        if plateaus:
            held = ", ".join(f"{100 * share:.0f} % of the cells at {value:.4g}" for value, share in plateaus)
            detail += f"; {held} left out of the curve (one value over a large area: a fill or a plateau?)"
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
    levels, repeated = _undefine_repeated_levels(x, levels)
    if repeated:
        detail += "; " + repeated
    finite = levels[np.isfinite(levels)]
    if finite.size > 1 and (np.diff(finite) < 0).any():
        raise InputError("the levels must increase (weak < moderate < strong); sort the values.", "METHOD")
    background = float(10.0 ** np.median(np.log10(x))) if log and (x > 0).all() else float(np.median(x))
    lowest = float(x.min())
    return Thresholds(
        name,
        method,
        levels,
        background,
        int(x.size),
        detail,
        float(np.mean(x == lowest)),
        lowest,
        plateaus,
    )


def _undefine_repeated_levels(x: np.ndarray, levels: np.ndarray) -> Tuple[np.ndarray, str]:
    """``levels`` with every level equal to a lower one set to NaN, and a note saying so ('' when none is).

    Two percentiles that fall in one run of equal values (a band of a few distinct values, a value many cells hold)
    give the same level; classing by both would put every cell of the run in the higher class (the top 2 % of
    the 98th percentile becoming 20 % of the area), which the data cannot tell apart from the lower one. The
    higher level is undefined, like a C-A break that is not there: those cells stay in the lower class."""
    out = np.array(levels, dtype=float)
    undefined, value = [], float("nan")
    for i in range(1, out.size):
        below = out[:i][np.isfinite(out[:i])]
        if np.isfinite(out[i]) and below.size and out[i] <= below.max():
            value = float(below.max())
            undefined.append(LEVEL_NAMES[i])
            out[i] = np.nan
    if not undefined:
        return out, ""
    share = 100.0 * float(np.mean(x == value))
    lower = next(n for n, v in zip(LEVEL_NAMES, out) if v == value)
    return out, (
        f"{', '.join(undefined)} equal to the {lower} level {value:.4g}, which {share:.0f} % of the cells hold "
        "(many equal values): undefined"
    )


#: a weak level of a method meant for the upper tail of one population (mean + k SD, median + k MAD) that classes
#: more than this share of the cells anomalous has taken in a second population (one population: about 16 %)
BROAD_WEAK_SHARE = 0.30
#: the methods whose levels assume one population
ONE_POPULATION_METHODS = ("mean_sd", "median_mad")


def broad_weak_level_warning(classes: np.ndarray, thresholds: Thresholds) -> str:
    """A warning when ``thresholds``' weak level, by a method that assumes one population, puts more than
    :data:`BROAD_WEAK_SHARE` of the valid cells of ``classes`` (the band :func:`classify` made with those levels)
    in a weak class or above (values in two populations: two rock types or surveys); '' otherwise."""
    weak = float(thresholds.levels[0])
    if thresholds.method not in ONE_POPULATION_METHODS or not np.isfinite(weak):
        return ""
    valid = classes != CLASS_NODATA
    share = float(np.count_nonzero(valid & (classes >= 1))) / max(int(np.count_nonzero(valid)), 1)
    if share <= BROAD_WEAK_SHARE:
        return ""
    return (
        f"METHOD: the weak level of '{thresholds.name}' ({weak:.4g}; {thresholds.detail}) classes {100 * share:.0f} % "
        f"of its "
        "cells anomalous, where a level for the upper tail of one population takes about 16 %: the values hold a "
        "second population (two rock types or surveys, or a break in the data), which these levels take for "
        "anomalies. Use METHOD ca (concentration-area), which places levels at the breaks between populations, or "
        "percentile; or level the values by rock type or survey before interpolating."
    )


#: a lowest value held by more than this share of the cells (the lower quartile inside it, as interpolate's heavily
#: censored fields) sets the moments and quartiles that mean + k SD, median + k MAD and Tukey's fences read
LOWEST_TIE_SHARE = 0.25
#: the methods whose levels are moments or quartiles of every cell
MOMENT_METHODS = {"mean_sd": "mean + k SD", "median_mad": "median + k MAD", "tukey": "Tukey fence"}


def lowest_tie_warning(thresholds: Thresholds, lowest: Optional[float] = None) -> str:
    """A warning when more than :data:`LOWEST_TIE_SHARE` of the cells hold the band's lowest value (values below
    detection set to one number, or a fill; ``lowest``, by default the one ``thresholds`` recorded) and
    ``thresholds`` come from moments or quartiles of every cell, which that value sets; '' otherwise."""
    lowest = thresholds.lowest if lowest is None else lowest
    label = MOMENT_METHODS.get(thresholds.method)
    if label is None or thresholds.lowest_share <= LOWEST_TIE_SHARE:
        return ""
    levels = ", ".join(f"{n} {v:.4g}" for n, v in zip(LEVEL_NAMES, thresholds.levels))
    return (
        f"METHOD: {100 * thresholds.lowest_share:.0f} % of the cells of '{thresholds.name}' hold its lowest value, "
        f"{lowest:.4g} (values below detection set to one number, or a fill), and the {label} levels ({levels}) are "
        "computed over them: they measure the step from that value to the others, not the upper tail where the "
        "anomalies are. Use METHOD percentile, or ca (its curve starts above such a value)."
    )


def classify(values: np.ndarray, levels: Union[Sequence[float], np.ndarray]) -> np.ndarray:
    """0 background, 1 weak, 2 moderate, 3 strong (the highest defined level reached, so an undefined, NaN level's
    class is never given and the classes above it keep their numbers); :data:`CLASS_NODATA` where the value is NaN."""
    values = np.asarray(values, dtype=np.float64)
    out = np.zeros(values.shape, dtype=np.uint8)
    with np.errstate(invalid="ignore"):
        for number, level in enumerate(levels, start=1):
            if np.isfinite(level):
                out[values >= level] = number  # levels increase: a later one overwrites
    out[~np.isfinite(values)] = CLASS_NODATA
    return out


def plateau_warnings(thresholds: Thresholds) -> List[str]:
    """A warning for each value a C-A curve left out (:func:`_plateau_runs`: one value held by more than
    :data:`CA_PLATEAU_SHARE` of the cells above the curve's start), with the class its cells get."""
    said = []
    for value, share in thresholds.plateaus:
        level = int(classify(np.array([value]), thresholds.levels)[0])
        klass = ("background",) + LEVEL_NAMES
        said.append(
            f"METHOD: {100 * share:.0f} % of the cells of '{thresholds.name}' hold one value, {value:.4g} (a fill, "
            "an interpolation plateau or a value pasted over an area?). It was left out of the C-A curve, where its "
            "step would have put a level just under it and made the whole plateau anomalous; by its value those "
            f"cells are classed {klass[level]}. Check how the band was made: if the value was not measured there, "
            "make those cells nodata or leave them out with MASK."
        )
    return said


def below_detection_warning(
    thresholds: Thresholds,
    values: np.ndarray,
    limits: Sequence[float],
    unit: str = "",
    lowest_measured: float = math.inf,
) -> str:
    """A warning when levels of ``thresholds`` lie below the band's lowest detection limit (as
    interpolate recorded it), '' otherwise: the cells between the detection-limit substitutes and the few detected
    samples would be anomalous though no sample near them was measured above detection (sweep 25b: 95 % of the
    Kola gold '<1' ppb gave the levels 0.64, 0.84 and 1.15 ppb). ``values``: the band's cells in the study area;
    the share reaching the limit gives the percentile to start from. ``limits``: the band's lower detection
    limits; with several (campaigns, laboratories), levels above the lowest but below the highest are said too:
    cells of samples reported below the higher limit hold its substitute and cannot reach them.
    ``lowest_measured``: the smallest value measured in the field; below the lowest limit, another laboratory
    measured lower without writing its limit, so that limit is no floor of the field (levels under it are said as
    under a higher limit)."""
    limit, highest = min(limits), max(limits)
    measured_lower = lowest_measured < limit
    below = [
        (n, float(v))
        for n, v in zip(LEVEL_NAMES, thresholds.levels)
        if math.isfinite(v) and v < limit and not measured_lower
    ]
    unit = f" {unit}" if unit else ""
    floor = lowest_measured if measured_lower else limit
    under_highest = [(n, float(v)) for n, v in zip(LEVEL_NAMES, thresholds.levels) if floor <= v < highest]
    if not below and under_highest and (len(limits) > 1 or measured_lower):
        levels = spoken_list(f"{n} ({v:.4g})" for n, v in under_highest)
        shown = ", ".join(f"{v:g}" for v in limits)
        shown += f"; others measured down to {lowest_measured:g}" if measured_lower else ""
        return (
            f"{thresholds.name}: its {levels} level{'s lie' if len(under_highest) > 1 else ' lies'} below the "
            f"detection limit {highest:g}{unit} of some of its samples (limits {shown}): where samples were reported "
            f"below {highest:g}, the cells hold its substitute, not a measured value, so the map cannot tell whether "
            f"the ground there reaches {'these levels' if len(under_highest) > 1 else 'this level'}: its anomalies "
            "and gaps there follow the limit, not the ground. Level the campaigns or laboratories "
            "(interpolate's SURVEY_FIELD), or map each detection limit's samples apart."
        )
    if not below:
        return ""
    finite = values[np.isfinite(values)]
    share = float(np.mean(finite >= limit)) if finite.size else 0.0
    levels = spoken_list(f"{n} ({v:.4g})" for n, v in below)
    text = (
        f"{thresholds.name}: its {levels} level{'s lie' if len(below) > 1 else ' lies'} below its detection limit, "
        f"{limit:g}{unit} (the lowest the samples gave, recorded by interpolate): cells between the below-detection "
        "substitutes and the few detected samples are classed anomalous there, though no sample near them was "
        f"measured above detection. {100 * share:.3g} % of the cells reach the limit"
    )
    start = math.ceil(round(1000 * (1 - share), 6)) / 10  # the limit's percentile, up to 0.1 (950.0000001 is 950)
    if share == 0:
        return text + "; leave the band out (ELEMENT_BANDS), or interpolate a field with detected values."
    if thresholds.method == "percentile" and start <= 99.5:
        moderate, strong = round(start + (100 - start) / 2, 1), round(start + 0.8 * (100 - start), 1)
        return text + f", the cells above percentile {start:g}: give PERCENTILES {start:g},{moderate:g},{strong:g}."
    return text + ": raise the levels to it (METHOD percentile with PERCENTILES from the share above, or C-A)."


#: levels within this share of the band's median (2 %) separate nothing a laboratory can measure: analytical
#: precision is 1 to 2 % at best (XRF majors), 5 to 15 % for traces
FLAT_LEVEL_SHARE = 0.02


def flat_band_warning(thresholds: Thresholds) -> str:
    """A warning when every defined level of ``thresholds`` lies within :data:`FLAT_LEVEL_SHARE` of the band's median
    (``background``, positive), '' otherwise: percentiles and C-A always find levels, and on a band that varies by
    tenths of a percent (analytical noise, a levelled or smoothed band) they outline noise (sweep 25b: 0.1 % noise
    around 5 ppm gave C-A levels 5.005, 5.008, 5.011 and 32 ranked anomaly areas)."""
    levels = [float(v) for v in thresholds.levels if math.isfinite(v)]
    median = thresholds.background
    if not levels or not (math.isfinite(median) and median > 0):
        return ""
    spread = max(abs(v / median - 1) for v in levels)
    if spread >= FLAT_LEVEL_SHARE:
        return ""
    shown = ", ".join(f"{n} {v:.6g}" for n, v in zip(LEVEL_NAMES, thresholds.levels) if math.isfinite(v))
    return (
        f"{thresholds.name}: its levels ({shown}) lie within {100 * spread:.2g} % of its median ({median:.6g}), less "
        f"than a laboratory can tell apart ({100 * FLAT_LEVEL_SHARE:g} % at best): the band varies by analytical "
        "noise only, so its anomalies, and those of an index it enters, outline noise. Check how the band was made "
        "(levelled flat, the wrong field?), or leave it out (ELEMENT_BANDS, ASSOCIATION_BANDS)."
    )
