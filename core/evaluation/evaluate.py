"""How well a prospectivity map predicts known deposits: ROC AUC, success-rate curve, capture, P-A plot.

Conventions (shared by every function here, so the numbers agree with each other):

- The *background* is every valid cell of the study area (finite value, inside the mask); deposit cells are
  part of it, as in a success-rate curve. Non-finite values (NaN, +/-inf) are nodata.
- Ties count half: the AUC is the Mann-Whitney statistic
  ``P(deposit value > random cell value) + 0.5 P(equal)``, which is also the exact area under the
  success-rate curve when cells of equal value are spread linearly along it.
- Each deposit counts once, even when several share a cell. Deposits off the raster, on nodata or outside
  the mask are not silently dropped: :func:`sample_deposits` returns a status for every deposit.
- Cells rank from the highest value down, or from the lowest up for a band whose low values are favourable (a
  distance to faults or contacts: :func:`favours_low_values`); thresholds and values stay the band's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..callbacks import CancelCallback, ProgressCallback, check_cancelled, report
from ..errors import InputError
from ..grid import GridSpec, metres_per_unit, unit_abbreviation
from .auc import (
    RESOLVING_CLUSTERS,
    bootstrap_auc,
    chance_of_mean_placement_at_most,
    deposit_clusters,
    monte_carlo_auc,
    placements,
    random_placement_p_value,
)
from .curves import PredictionArea, SuccessCurve, capture_efficiency, prediction_area, success_rate_curve
from .deposits import USED, DepositSample, sample_deposits, valid_cells


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
    #: True: cells ranked from the lowest value up (near is prospective); thresholds then select value <= threshold
    low_values_favourable: bool = False
    #: the chance that as many random cells as the deposits' independent units rank at least as low (mean
    #: placement at most the AUC): what makes an AUC below 0.5 a finding, not a draw of few deposits
    chance_as_low: float = float("nan")

    @property
    def ranking(self) -> str:
        """Which values rank first, in words."""
        return "lowest values first" if self.low_values_favourable else "highest values first"

    def interval_text(self, separator: str = " – ") -> str:
        """The AUC's bootstrap interval in words: 'low – high', or why it was not computed."""
        low, high = self.auc_bootstrap
        if np.isfinite(low) and np.isfinite(high):
            return f"{low:.3f}{separator}{high:.3f}"
        return "not computed: fewer than 2 independent deposits"

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
    low_values_favourable: bool = False,
) -> Evaluation:
    """Evaluate a prospectivity raster (higher = more prospective) against deposit points.

    ``mask`` (True inside the study area) and the raster's nodata (NaN) define the study area. With
    ``cluster_distance`` > 0 (map units) the AUC bootstrap resamples whole clusters of deposits linked within it.
    With ``low_values_favourable`` (a distance band: near is prospective) cells rank from the lowest value up: the
    AUC is the chance that a deposit's cell is lower than a random cell, and the thresholds of the curve, the
    capture and the P-A point, like the deposits' values, stay in the band's values (cells at or below them).
    """
    if low_values_favourable:
        args = (grid, deposits_xy, mask, iterations, confidence, seed, percents, progress, is_cancelled)
        return _unflipped(evaluate(np.negative(raster), *args, cluster_distance=cluster_distance))
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
    units = independent_units(sample, groups)
    if units < MIN_BOOTSTRAP_UNITS:  # one unit resampled is that unit every time: an interval of width 0
        boot = (float("nan"), float("nan"))
    report(progress, 0.35)
    mc, mc_aucs = monte_carlo_auc(sample.values, background, iterations, None, confidence, rng, is_cancelled)
    report(progress, 0.65)
    p_value = random_placement_p_value(
        auc, background, sample.values.size, iterations, rng, is_cancelled, presorted=True
    )
    report(progress, 0.85)
    curve = success_rate_curve(sample.values, background, presorted=True)
    notes = _notes(sample, n_clusters if groups is not None else None, cluster_distance, units >= MIN_BOOTSTRAP_UNITS)
    if units < MIN_BOOTSTRAP_UNITS:
        notes.insert(0, _single_unit_note(sample, units, groups is not None, cluster_distance, confidence))
    elif units < RESOLVING_CLUSTERS:
        notes.insert(0, _few_units_note(sample, units, groups, confidence))
    if groups is None:
        notes += _camp_notes(used_xy, grid)
    capture, pa = capture_efficiency(curve, percents), prediction_area(curve)
    notes += _tie_notes(curve, percents, pa)
    result = Evaluation(
        sample=sample,
        n_cells=int(background.size),
        auc=auc,
        auc_bootstrap=boot,
        auc_monte_carlo=mc,
        auc_monte_carlo_median=float(np.median(mc_aucs)),
        p_value=p_value,
        curve=curve,
        capture=capture,
        pa=pa,
        confidence=confidence,
        iterations=iterations,
        placements=deposit_placements,
        notes=notes,
        cluster_distance=float(cluster_distance),
        n_clusters=n_clusters,
        chance_as_low=chance_of_mean_placement_at_most(auc, units),
    )
    report(progress, 1.0)
    return result


#: the fewest independent units (deposits on distinct cells, or clusters) a bootstrap interval of the AUC is given for
MIN_BOOTSTRAP_UNITS = 2


def independent_units(sample: DepositSample, groups: Optional[np.ndarray]) -> int:
    """How many independent units the AUC's bootstrap resamples: the clusters (``groups``, one per used deposit),
    or without them the distinct cells of the used deposits (deposits sharing a cell share their value, so
    resampling them varies nothing)."""
    if groups is not None:
        return int(np.unique(groups).size)
    used = sample.status == USED
    return int(np.unique(np.stack([sample.rows[used], sample.cols[used]], axis=1), axis=0).shape[0])


def _single_unit_note(
    sample: DepositSample, units: int, clustered: bool, cluster_distance: float, confidence: float
) -> str:
    """Why the AUC has no bootstrap interval: its deposits are one unit (one deposit, one cell, one cluster)."""
    n = int(sample.values.size)
    if n == 1:
        what = "only 1 deposit was used"
    elif clustered:
        what = f"the {n} deposits used form 1 cluster within CLUSTER_DISTANCE ({cluster_distance:g} map units)"
    else:
        what = f"the {n} deposits used all lie on 1 cell, so they share one value"
    more = "add deposits from elsewhere in the area" + (", or lower CLUSTER_DISTANCE" if clustered and n > 1 else "")
    return (
        f"DEPOSITS: {what}: the AUC's {100 * confidence:g} % interval is not computed, as resampling a single unit "
        f"gives that unit every time (an interval of width 0, which would read as certainty). The AUC of {n} "
        f"deposit{'s' if n != 1 else ''} is a single draw: {more}; until then read it with the p-value and the AUC "
        "against random negatives."
    )


def single_unit_share(sample: DepositSample, groups: Optional[np.ndarray]) -> Tuple[int, float]:
    """How many draws a bootstrap resample makes, and the share of resamples whose draws all come from one
    independent unit: ``k (1/k)^k`` for ``k`` clusters (``groups``) drawn whole; without them the deposits are
    drawn one by one, and a cell holding ``m`` of the ``n`` deposits gives ``(m/n)^n``."""
    if groups is not None:
        k = int(np.unique(groups).size)
        return k, k * (1.0 / k) ** k
    used = sample.status == USED
    _, per_cell = np.unique(np.stack([sample.rows[used], sample.cols[used]], axis=1), axis=0, return_counts=True)
    n = int(per_cell.sum())
    return n, float(np.sum((per_cell / n) ** n))


def _few_units_note(sample: DepositSample, units: int, groups: Optional[np.ndarray], confidence: float) -> str:
    """Why the AUC's interval from 2 or 3 independent units is not a confidence interval: a resample's AUC is a
    weighted mean of the units' own AUCs, and its ends are single units' own values when whole resamples come from
    one unit often enough to say (half a per cent of them or more)."""
    n = int(sample.values.size)
    what = "clusters within CLUSTER_DISTANCE" if groups is not None else "deposits on distinct cells"
    draws, share = single_unit_share(sample, groups)
    if share >= 0.005:
        bounds = (
            f"the bootstrap draws one of them {draws} times in {100 * share:.0f} % of its resamples, so the AUC's "
            f"{100 * confidence:g} % interval runs between single units' own AUCs, no wider than their spread,"
        )
    else:  # many deposits drawn one by one from few cells: the ends are mixtures, still within the units' spread
        bounds = (
            "every bootstrap resample's AUC is a weighted mean of those units' own AUCs, so the AUC's "
            f"{100 * confidence:g} % interval lies within their spread"
        )
    return (
        f"DEPOSITS: the {n} deposits used are only {units} independent units ({what}): {bounds} and is "
        f"not a {100 * confidence:g} % confidence interval (at least {RESOLVING_CLUSTERS} are needed to read it). "
        "Read the AUC with the p-value and the AUC against random negatives, and add deposits from elsewhere in "
        "the area."
    )


def direction_note(ev: Evaluation) -> Optional[str]:
    """A note when the deposits rank clearly worse than chance (the whole AUC interval below 0.5, and as many random
    cells as the deposits' independent units rank as low less often than 1 - confidence, the one-sided question the
    note answers): the map may rank the wrong way round (a distance, a misfit or a score where lower is better, read
    high values first; or a map inverted on the way), which DIRECTION turns; None otherwise. Two deposits both below
    the median cell (a chance of 1 in 4) gave an interval wholly below 0.5, and the note, before."""
    low, high = ev.auc_bootstrap
    if not high < 0.5 or not ev.chance_as_low < 1 - ev.confidence:
        return None
    if ev.low_values_favourable:
        lower, first, other, such = "higher", "low", "High", "a probability, a concentration, a score"
    else:
        lower, first, other, such = "lower", "high", "Low", "a distance, a misfit, a score where lower is better"
    return (
        f"DIRECTION: the deposits lie on {lower} values than most of the study area: AUC {ev.auc:.2f} "
        f"({100 * ev.confidence:.0f} % interval {low:.2f}-{high:.2f}), wholly below 0.5, the AUC of a random map, "
        f"so ranked {first} values first the map places them worse than chance. If its {other.lower()} values are "
        f"the prospective ones ({such}, or a map inverted on the way), run again with DIRECTION '{other} values "
        "are prospective'."
    )


def _unflipped(ev: Evaluation) -> Evaluation:
    """An evaluation of the negated band returned to the band's own values (the ranks and shares stay)."""
    sample = replace(ev.sample, values=np.negative(ev.sample.values), cell_values=np.negative(ev.sample.cell_values))
    curve = replace(ev.curve, thresholds=np.negative(ev.curve.thresholds))  # the origin's +inf becomes -inf
    return replace(
        ev, sample=sample, curve=curve, pa=replace(ev.pa, threshold=-ev.pa.threshold), low_values_favourable=True
    )


#: band kinds (``prospector:evidence``'s ``KIND`` metadata item) whose low values are favourable
LOW_FAVOURABLE_KINDS = ("distance",)

_DISTANCE_WORD = re.compile(r"(?<![a-z])distances?(?![a-z])")


def favours_low_values(band_name: str, kind: str = "") -> bool:
    """Whether a band's low values are the prospective ones: a distance (to faults, contacts, intersections,
    points), known from ``prospector:evidence``'s ``KIND`` item or from the band's name (``faults:distance_m``,
    ``lithology:contact_distance_m``, 'distance to faults')."""
    if kind.strip().casefold() in LOW_FAVOURABLE_KINDS:
        return True
    return bool(_DISTANCE_WORD.search(band_name.casefold().replace("_", " ")))


#: ground distance (m) within which deposits are one camp (the shafts, pits and showings of one mine) for the note
#: evaluate gives when CLUSTER_DISTANCE is 0
CAMP_DISTANCE_M = 1000.0


def _camp_notes(used_xy: np.ndarray, grid: GridSpec) -> List[str]:
    """A note when the bootstrap takes the deposits one by one (CLUSTER_DISTANCE 0) though they crowd into camps:
    at most half as many groups linked within :data:`CAMP_DISTANCE_M` as deposits, the largest of three or more
    (fifty shafts of one mine beside a few deposits). Each is then counted as independent evidence and the interval
    is too narrow. Not for a geographic grid (no ground distance in its units)."""
    unit = unit_abbreviation(grid.crs_wkt)
    if grid.crs_wkt and unit == "map units":
        return []
    link = CAMP_DISTANCE_M / metres_per_unit(grid.crs_wkt)
    sizes = np.bincount(np.unique(deposit_clusters(used_xy, link), return_inverse=True)[1])
    n = len(used_xy)
    if sizes.size > n / 2 or sizes.max() < 3:
        return []
    return [
        f"CLUSTER_DISTANCE: the {n} deposits form only {sizes.size} group(s) within {CAMP_DISTANCE_M:,.0f} m of one "
        f"another (the largest holds {sizes.max()}): they are not {n} independent finds, but with CLUSTER_DISTANCE 0 "
        "the bootstrap takes each as one, so its interval is too narrow. Give a CLUSTER_DISTANCE (e.g. "
        f"{link:,.0f} {unit}) to resample whole groups."
    ]


def _notes(
    sample: DepositSample, n_clusters: Optional[int], cluster_distance: float, interval: bool = True
) -> List[str]:
    """What the reader of the figures should know: deposits left out or sharing cells, few independent units.
    ``interval`` False: the AUC has no interval (one unit), so none is called wide."""
    notes = []
    skipped = sample.status.size - sample.values.size
    if skipped:
        notes.append(
            f"{skipped} of {sample.status.size} deposits not used: "
            + ", ".join(f"{v} {k}" for k, v in sample.counts.items() if v and k != USED)
            + "."
        )
    if sample.shared_cells:
        notes.append(f"{sample.shared_cells} deposits share a cell with another deposit; each counts once.")
    if n_clusters is not None and n_clusters < 10:
        notes.append(
            f"the {sample.values.size} deposits form only {n_clusters} cluster(s) within {cluster_distance:g} map "
            "units: the bootstrap interval rests on that many independent units."
        )
    n = int(sample.values.size)
    if n < 10:
        # beside "the interval is not computed" a note calling it wide contradicted it (sweep 31a)
        wide = "the confidence intervals are wide and the curves coarse" if interval else "the curves are coarse"
        notes.append(f"only {n} deposit{'s were' if n != 1 else ' was'} used: {wide}; read them as indicative.")
    return notes


#: a run of cells of one value wider than this share of the area is worth a word when a reported cut ends inside it
WIDE_TIE = 0.02


def _tie_notes(curve: SuccessCurve, percents: Sequence[float], pa: PredictionArea) -> List[str]:
    """A word when the top q % of the area (capture) or the P-A point ends inside a wide run of cells of one
    value (a class raster, a rank in whole percent, a score clipped at 0): those cells cannot be ranked among
    themselves, so the figure there is the share a random order of them would give (linear within the tie, as the
    AUC counts ties half); and the figures at the ends of the ties, which the raster does tell."""
    cuts = [(f"{q:g} %", q / 100.0) for q in percents] + [("P-A point", pa.area / 100.0)]
    inside = []
    for label, cut in cuts:
        k = int(np.searchsorted(curve.area, cut, side="left"))  # the segment (k - 1, k] holding the cut
        if 0 < k < curve.area.size and curve.area[k - 1] < cut < curve.area[k]:
            # a run holding no deposit gives the same figure in any order: nothing to say there
            if curve.area[k] - curve.area[k - 1] > WIDE_TIE and curve.deposits[k] != curve.deposits[k - 1]:
                inside.append((label, k))
    if not inside:
        return []
    ends = sorted({k for _, k in inside})
    at_ends = ", ".join(
        f"{100 * curve.deposits[k]:.1f} %{' of the deposits' if i == 0 else ''} in the top {100 * curve.area[k]:.1f} %"
        f"{' of the area' if i == 0 else ''}"
        for i, k in enumerate(ends)
    )
    names = [label for label, _ in inside]
    top = [n[:-2] for n in names if n.endswith("%")]
    what = " and ".join(
        ([f"the top {', '.join(top)} % of the area"] if top else [])
        + (["the P-A point"] if "P-A point" in names else [])
    )
    return [
        f"the raster has {curve.thresholds.size - 1} distinct values: {what} end inside runs of cells of one value, "
        "which the raster does not rank among themselves; there the capture and P-A figures are what a random order "
        "of the tied cells would give (the AUC counts ties half likewise). At the ends of those runs, where the "
        f"raster tells: {at_ends}."
    ]
