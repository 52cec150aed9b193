"""Semi-supervised pseudo-labelling: from a few labelled points to a labelled map.

Prospectivity data are positive-unlabelled: a handful of known deposits, almost no
confirmed barren ground and very many unlabelled cells. Treating every unlabelled
cell as barren is the mistake avoided here. Three methods extend the labels:

- ``pu_bagging``: positive-unlabelled bagging (Mordelet & Vert 2014). Many rounds of
  positives against a random unlabelled subsample, each with a small logistic
  regression; every unlabelled cell is scored only by the rounds that did not train on
  it (out of bag). Reliable negatives are cells among the lowest-scored
  ``negative_quantile`` in at least ``confidence`` of their out-of-bag rounds; reliable
  positives are unlabelled cells scored at least like the positives (above the lower
  quartile of the positives' scores) in at least ``confidence`` of their rounds.
- ``label_spreading``: Zhou et al. (2004) on a sparse, symmetric k-nearest-neighbour
  graph in standardised (principal-component) feature space, memory O(cells x k).
  Without barren labels, a uniform "background" prior carrying the same total mass as
  the positives stands in for the barren class.
- ``self_training``: a multinomial logistic regression is fitted to the labels, the
  predictions with a probability of at least ``confidence`` are added, and this is
  repeated for ``iterations`` rounds. Without barren labels it starts from the
  reliable negatives of a short PU-bagging pass.

Whatever the method, no cell within ``negative_buffer`` of a positive point is ever
labelled barren. Everything is deterministic for a given ``seed``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..callbacks import CancelCallback, ProgressCallback, check_cancelled, report
from ..errors import InputError
from ..grid import GridSpec, checked_mask
from ..lazy import lazy_function
from ..reports.cells import spoken_list
from .methods import _fit_predict, _label_spreading, _pu_bagging
from .seeds import UNLABELLED, _seed_labels, _standardise

distance_transform_edt = lazy_function("scipy.ndimage", "distance_transform_edt")  # scipy imported when used
cKDTree = lazy_function("scipy.spatial", "cKDTree")  # noqa: N816

METHODS = ("pu_bagging", "label_spreading", "self_training")

#: share of the progress bar for reading the seeds and standardising the bands (16 M cells, 20 bands: 10-20 s
#: before the method's first step, which had reported nothing and could not be cancelled)
PREPARATION = 0.05


def memory_per_cell(method: str, n_bands: int, neighbors: int) -> int:
    """Bytes per grid cell a run needs at its peak, the evidence stack included: the float32 stack, its
    standardised copy and the seeds' distances; label spreading also holds its k-nearest-neighbour graph (indices,
    weights, the symmetric copy: 32 bytes per neighbour, 100 more for the components and labels; tracemalloc on
    400,000 cells). Measured peak resident memory (sweep 18c, 20 smooth bands, k 10): PU bagging 264 bytes a cell
    at 4 M cells, label spreading 525 at 16 M (8.2 GiB), where the estimate for every method (16 x bands + 48 =
    368) had let it start."""
    general = 16 * n_bands + 48
    if method != "label_spreading":
        return general
    return max(general, _graph_per_node(n_bands, neighbors))


def _graph_per_node(n_bands: int, neighbors: int) -> int:
    """Bytes per node of label spreading's graph: its features and components, the k neighbours' indices and
    weights with their symmetric copy (32 bytes each), the labels."""
    return 8 * n_bands + 32 * neighbors + 160


def _grid_per_cell(n_bands: int) -> int:
    """Bytes per cell of the whole grid, inside the MASK or not: the float32 stack read whole (4 x bands), the
    finite test of every band (1 x bands), the valid, seed and buffer grids, and the label and confidence
    outputs (16)."""
    return 5 * n_bands + 16


def memory_needed(method: str, n_bands: int, neighbors: int, cells: int, inside_cells: Optional[int] = None) -> int:
    """Bytes a run on a grid of ``cells`` needs at its peak, where at most ``inside_cells`` of them are inside the
    MASK (None: every cell). The rasters are read whole, so the stack and the grids of the whole map count every
    cell (:func:`_grid_per_cell`); what every method holds per cell it labels (the standardised copy, the seeds'
    distances and centres, the votes or probabilities: the rest of :func:`memory_per_cell`'s 16 x bands + 48
    bytes) and label spreading's k-nearest-neighbour graph (8 x bands + 32 x neighbours + 160 bytes a node) count
    the cells inside the MASK only; never more than ``cells x memory_per_cell``, the estimate without a MASK.
    Before sweep 20a every method counted every cell at its full figure, and before sweep 21b PU bagging and
    self-training still did: a national grid with a small study-area MASK was refused for arrays of cells it never
    labels."""
    per_cell = memory_per_cell(method, n_bands, neighbors)
    if inside_cells is None:
        return cells * per_cell
    inside = min(cells, max(0, inside_cells))
    whole = _grid_per_cell(n_bands)
    labelled = memory_per_cell("pu_bagging", n_bands, neighbors) - whole
    graph = _graph_per_node(n_bands, neighbors) if method == "label_spreading" else 0
    return min(cells * per_cell, cells * whole + inside * (labelled + graph))


def mask_cells_bound(geometries: Sequence[Any], grid: GridSpec) -> int:
    """At most how many cells of ``grid`` a mask of ``geometries`` keeps (a cell whose centre lies inside, as
    :func:`~..io.rasters.rasterize_mask` marks them), from areas alone, without rasterizing a grid that may not fit
    in memory: each such cell lies inside its geometry grown by a cell's width (more than half its diagonal, even
    after the buffer's polygonal circle), clipped to the grid, and the cells do not overlap, so there are at most
    that area over a cell's area. Every cell of the grid when a geometry is invalid (its area says nothing)."""
    from shapely.geometry import box
    from shapely.ops import unary_union

    cells = grid.width * grid.height
    geoms = [g for g in geometries if g is not None and not g.is_empty]
    if not geoms or not all(g.is_valid for g in geoms):
        return cells
    frame = box(grid.xmin, grid.ymin, grid.xmax, grid.ymax)
    grown = unary_union([g.buffer(grid.pixel_size) for g in geoms]).intersection(frame)
    return min(cells, int(np.ceil(grown.area / grid.pixel_size**2)))


@dataclass
class PseudoLabelResult:
    """Labels and confidence on the input grid, plus what happened."""

    labels: np.ndarray  # (height, width) int16: class id, UNLABELLED where unlabelled or nodata
    confidence: np.ndarray  # (height, width) float32 in [0, 1], NaN outside the valid cells
    counts: Dict[str, Dict[str, int]]  # class -> {"seed", "pseudo", "total"}
    settings: Dict[str, Any]
    valid_cells: int
    warnings: List[str] = field(default_factory=list)
    history: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def class_balance(self) -> Dict[str, float]:
        """Share of each class among the labelled cells."""
        total = sum(c["total"] for c in self.counts.values())
        return {k: (v["total"] / total if total else 0.0) for k, v in self.counts.items()}


@dataclass(frozen=True)
class PseudoLabelSettings:
    """How labels are extended (see the module docstring); distances in map units.

    ``positive_radius``: cells whose centre is within this distance of a positive point are positive seeds.
    ``negative_buffer``: no cell within this distance of a positive point is ever labelled barren.
    ``confidence``: the least score (probability or share of votes) for a pseudo-label.
    ``iterations``: self-training rounds; ``growth``: self-training adds at most this multiple of a class's
    current size per round.
    """

    method: str = "pu_bagging"
    positive_radius: float = 0.0
    negative_buffer: float = 0.0
    confidence: float = 0.9
    iterations: int = 5
    bags: int = 30
    neighbors: int = 10
    negative_quantile: float = 0.3
    alpha: float = 0.9
    growth: float = 0.5
    seed: int = 0

    def check(self) -> None:
        if self.method not in METHODS:
            raise InputError(f"unknown method '{self.method}'; choose one of {', '.join(METHODS)}.", "METHOD")
        if not (0.5 <= self.confidence <= 1.0):
            raise InputError("the confidence must be between 0.5 and 1.", "CONFIDENCE")
        if self.positive_radius < 0 or self.negative_buffer < 0:
            raise InputError("radii and buffers must be zero or positive distances.", "POSITIVE_RADIUS")

    def record(self) -> Dict[str, Any]:
        """The settings that matter to this method, for the summary."""
        unused = {
            "pu_bagging": ("iterations", "neighbors", "alpha", "growth"),
            "label_spreading": ("iterations", "bags", "negative_quantile", "growth"),
            "self_training": ("neighbors", "alpha"),
        }[self.method]
        return {k: v for k, v in asdict(self).items() if k not in unused}


def pseudolabel(
    features: np.ndarray,
    grid: GridSpec,
    points_xy: np.ndarray,
    point_classes: Optional[np.ndarray] = None,
    negative_cells: Optional[np.ndarray] = None,
    mask: Optional[np.ndarray] = None,
    settings: PseudoLabelSettings = PseudoLabelSettings(),
    progress: ProgressCallback = None,
    is_cancelled: CancelCallback = None,
    band_names: Optional[Sequence[str]] = None,
) -> PseudoLabelResult:
    """Extend point labels to a label raster on ``grid``.

    ``features``: (bands, height, width) evidence; a cell with NaN in any band is nodata. ``points_xy``: (n, 2)
    labelled points in the grid's CRS. ``point_classes``: (n,) integer classes, 0 = barren, 1.. = mineralised
    (levels); None = all 1 (known deposits). ``negative_cells``: (height, width) bool, known barren ground.
    ``mask``: (height, width) bool, True inside the area to label. ``band_names``: the bands' names, for messages.
    """
    warnings: List[str] = []
    settings.check()
    check_cancelled(is_cancelled)
    features, points_xy, classes, valid = _checked_inputs(features, grid, points_xy, point_classes, mask)
    n_valid = int(valid.sum())
    seeds2d, buffer2d = _seed_labels(
        grid, valid, points_xy, classes, negative_cells, settings.positive_radius, settings.negative_buffer, warnings
    )
    check_cancelled(is_cancelled)
    report(progress, 0.2 * PREPARATION)
    seeds = seeds2d[valid]
    in_buffer = buffer2d[valid]
    if not (seeds >= 1).any():
        missing = bands_missing_at_points(features, grid, points_xy[classes >= 1], band_names, mask)
        if missing:  # the rasters are what to change, not the points
            raise InputError(
                f"the mineralised points (LABELS) lie on evidence, but {spoken_list(missing)} "
                f"{'has' if len(missing) == 1 else 'have'} no value in any of their cells, so no cell with evidence "
                "in every band lies on or within POSITIVE_RADIUS of them (a raster that covers part of the area). "
                + (
                    "Leave that raster out of INPUT_RASTERS, or make the evidence stack without it or with one that "
                    "covers the deposits."
                    if len(missing) == 1
                    else "Leave the rasters holding them out of INPUT_RASTERS, or make the evidence stack without "
                    "them or with rasters that cover the deposits."
                ),
                "INPUT_RASTERS",
            )
        raise InputError(
            "no cell with evidence in every band lies on or within POSITIVE_RADIUS of a mineralised point; check "
            "that the points overlap the rasters (same area and CRS) or increase POSITIVE_RADIUS.",
            "LABELS",
        )
    if (seeds >= 1).all() and settings.positive_radius > 0:
        raise InputError(
            f"every one of the {n_valid} cells with evidence lies within {grid.length_text(settings.positive_radius)} "
            f"of a "
            "mineralised point, so every cell would be labelled mineralised and none is left to tell barren ground "
            "by; use a radius of a deposit's footprint, a few cells.",
            "POSITIVE_RADIUS",
        )
    if (seeds >= 1).all():  # radius 0: a mineralised point in every cell
        raise InputError(
            f"every one of the {n_valid} cells with evidence holds a mineralised point, so none is left to tell "
            "barren ground by; use rasters with smaller cells or a larger area (or MASK), or give barren labels "
            "(class 0) among the points.",
            "LABELS",
        )
    _refuse_buffer_over_everything(grid, valid, points_xy, classes, seeds, in_buffer, settings.negative_buffer)
    n_classes = int(seeds.max()) + 1
    if settings.method == "pu_bagging" and n_classes > 2:
        warnings.append("PU bagging is two-class: every mineralised class was merged into class 1.")
        seeds = np.where(seeds >= 1, 1, seeds).astype(np.int16)
        n_classes = 2
    x = _standardise(features, valid, lambda f: report(progress, PREPARATION * (0.2 + 0.8 * f)), is_cancelled)
    rng = np.random.default_rng(settings.seed)
    step = None if progress is None else (lambda f: report(progress, PREPARATION + (1 - PREPARATION) * f))
    history: List[Dict[str, Any]] = []

    labels = seeds.copy()
    conf = np.zeros(n_valid, dtype=np.float32)
    conf[seeds >= 0] = 1.0
    if settings.method == "pu_bagging":
        votes = _pu_bagging(x, seeds, in_buffer, settings.bags, settings.negative_quantile, rng, step, is_cancelled)
        assign_labels(votes, labels, conf, settings.confidence, in_buffer)
    elif settings.method == "label_spreading":
        prob = _label_spreading(
            x, seeds, in_buffer, n_classes, settings.neighbors, settings.alpha, 200, step, is_cancelled
        )
        assign_labels(prob, labels, conf, settings.confidence, in_buffer)
    else:
        history = _self_training(x, seeds, labels, conf, in_buffer, n_classes, settings, rng, step, is_cancelled)
        held = held_back_warning(history, settings, n_valid)
        if held:
            warnings.append(held)

    out_labels = np.full(valid.shape, UNLABELLED, dtype=np.int16)
    out_labels[valid] = labels
    out_conf = np.full(valid.shape, np.nan, dtype=np.float32)
    out_conf[valid] = np.clip(conf, 0.0, 1.0)
    counts: Dict[str, Dict[str, int]] = {}
    for c in range(n_classes):
        s = int((seeds == c).sum())
        t = int((labels == c).sum())
        counts[str(c)] = {"seed": s, "pseudo": t - s, "total": t}
    if counts["0"]["total"] == 0:
        buffered = float(in_buffer.mean())
        warnings.append(
            f"no cell was labelled barren (class 0): none scored barren with CONFIDENCE {settings.confidence:g} "
            f"outside NEGATIVE_BUFFER, which holds {buffered:.0%} of the valid cells, and traincnn (labelled "
            "cells) and trainmodel need both classes. Give known barren ground (NEGATIVES) or barren points (class "
            "0 in LABEL_FIELD), "
            + ("a smaller NEGATIVE_BUFFER, " if buffered > 0.5 else "")
            + "or a lower CONFIDENCE (e.g. 0.7); or train the CNN with TRAINING positive-unlabelled, which needs no "
            "barren label."
        )
    broad = _broad_mineralised_warning(counts, n_classes, n_valid, settings.confidence, grid)
    if broad:
        warnings.append(broad)
    few = few_points_warning(
        labelling_places(grid, seeds2d >= 1, points_xy[classes >= 1], settings.positive_radius),
        sum(counts[str(c)]["pseudo"] for c in range(1, n_classes)),
    )
    if few:
        warnings.append(few)
    record = {
        **settings.record(),
        "bands": int(features.shape[0]),
        "labelled_points": int(len(points_xy)),
        "unlabelled_cells": int((labels == UNLABELLED).sum()),
    }
    report(progress, 1.0)
    return PseudoLabelResult(out_labels, out_conf, counts, record, n_valid, warnings, history)


#: pseudo-labelling more than this share of the valid cells mineralised is labelling ground like the points, not ore
BROAD_MINERALISED_SHARE = 0.10
#: with fewer mineralised points than this, none can be held out to test a map made from them
FEW_MINERALISED_POINTS = 5


def few_points_warning(mineralised_places: int, pseudo_mineralised: int) -> str:
    """Say that labels grown from fewer than :data:`FEW_MINERALISED_POINTS` mineralised places (distinct cells
    whose points labelled cells: :func:`labelling_places`), and any model trained on them, describe ground like
    those places: no deposit is left to test the map with ('' otherwise)."""
    if not 0 < mineralised_places < FEW_MINERALISED_POINTS:
        return ""
    places = "1 place" if mineralised_places == 1 else f"{mineralised_places} places"
    return (
        f"LABELS: the mineralised points lie in only {places} (distinct cells): the "
        f"{pseudo_mineralised:,} cells labelled mineralised beyond them, and a model trained on these labels, map "
        "ground like these places, and too few are known to hold some out and test "
        "the map (evaluate needs deposits the labels did not use). Add known occurrences (prospects and showings "
        "count), or read the result as a map of similarity to these places, not of tested prospectivity."
    )


def _refuse_buffer_over_everything(
    grid: GridSpec,
    valid: np.ndarray,
    points_xy: np.ndarray,
    classes: np.ndarray,
    seeds: np.ndarray,
    in_buffer: np.ndarray,
    negative_buffer: float,
) -> None:
    """Refuse a NEGATIVE_BUFFER that covers every unlabelled cell when no barren label is given, naming the
    farthest cell's distance to a mineralised point and a buffer that leaves ground to learn barren from. The
    workflow's 3 km buffer over the Meuse floodplain (11 deposits along a 3 x 4 km strip) was refused 'reduce
    the buffer', with no figure."""
    if (seeds == 0).any() or ((seeds == UNLABELLED) & ~in_buffer).any():
        return
    from scipy.spatial import cKDTree

    from ..evaluation.compare import rounded_down

    cx, cy = grid.cell_centres()
    cells = np.column_stack([cx, cy])[valid.ravel()]
    farthest = float(cKDTree(points_xy[classes >= 1]).query(cells)[0].max())
    raise InputError(
        f"every cell with evidence lies within the {grid.length_text(negative_buffer)} buffer of a mineralised point "
        f"(the farthest cell lies {grid.length_text(rounded_down(farthest, 3))} from one), so no cell is left to "
        f"learn barren ground from; give a NEGATIVE_BUFFER well under that, e.g. "
        f"{grid.length_text(rounded_down(farthest / 2))}, or barren labels (class 0), or a larger area.",
        "NEGATIVE_BUFFER",
    )


def _broad_mineralised_warning(
    counts: Dict[str, Dict[str, int]], n_classes: int, n_valid: int, confidence: float, grid: GridSpec
) -> str:
    """A warning when the pseudo-labels make more than :data:`BROAD_MINERALISED_SHARE` of the valid cells
    mineralised (seeds not counted): evidence that does not set the points apart from much of the area."""
    pseudo = sum(counts[str(c)]["pseudo"] for c in range(1, n_classes))
    seeded = sum(counts[str(c)]["seed"] for c in range(1, n_classes))
    if n_valid == 0 or pseudo <= BROAD_MINERALISED_SHARE * n_valid:
        return ""
    area = grid.length_text(grid.pixel_size)
    return (
        f"CONFIDENCE: {pseudo:,} cells ({100 * pseudo / n_valid:.0f} % of the valid cells, cells of {area}) were "
        f"pseudo-labelled mineralised from {seeded:,} seed cells. Ore does not underlie that much ground: the "
        "evidence does not set the labelled points apart from it, so a model trained on these labels learns "
        "'ground like the points' and ranks all of it alike. Raise CONFIDENCE"
        + (f" (now {confidence:g})" if confidence < 1 else "")
        + ", try another METHOD, check that the evidence bands carry the deposits' signature, or train on the points "
        "themselves (traincnn or trainmodel with the points as LABELS, or traincnn's TRAINING positive-unlabelled)."
    )


def labelling_places(grid: GridSpec, mineralised: np.ndarray, points_xy: np.ndarray, radius: float) -> int:
    """How many distinct cells hold a point that labelled a cell mineralised (``mineralised``: the seed cells), the
    point within ``radius`` of that cell's centre, or in it: a deposit entered twice is one place; one on a nodata
    cell or just outside the MASK counts when its radius reached evidence, one far off the grid does not."""
    cells = np.argwhere(mineralised)
    if len(cells) == 0 or len(points_xy) == 0:
        return 0
    centres = np.column_stack(grid.centres_of(cells[:, 0], cells[:, 1]))
    reach = radius + grid.pixel_size * math.sqrt(0.5) * (1 + 1e-9)  # a point anywhere in a cell is this near its centre
    distance, _ = cKDTree(centres).query(points_xy)
    used = points_xy[distance <= reach]
    rows, cols = grid.cell_floor(used[:, 0], used[:, 1])
    return len(set(zip(rows.tolist(), cols.tolist())))


def bands_missing_at_points(
    features: np.ndarray,
    grid: GridSpec,
    points_xy: np.ndarray,
    band_names: Optional[Sequence[str]] = None,
    mask: Optional[np.ndarray] = None,
) -> List[str]:
    """The bands (named, or 'band N') with no value in any grid cell holding a point (inside ``mask``, if given)
    where some other band has one; none when the points lie on no evidence at all or no band is missing at every
    such cell."""
    rows, cols = (
        grid.rowcol(points_xy[:, 0], points_xy[:, 1])
        if len(points_xy)
        else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    )
    on_grid = grid.holds(rows, cols)
    if mask is not None:
        on_grid[on_grid] &= np.asarray(mask, dtype=bool)[rows[on_grid], cols[on_grid]]
    at_points = np.isfinite(features[:, rows[on_grid], cols[on_grid]])  # (bands, points on the grid)
    on_evidence = at_points.any(axis=0)
    if not on_evidence.any():
        return []
    empty = np.flatnonzero(~at_points[:, on_evidence].any(axis=1))
    return [band_names[i] if band_names is not None and i < len(band_names) else f"band {i + 1}" for i in empty]


def _checked_inputs(
    features: np.ndarray,
    grid: GridSpec,
    points_xy: np.ndarray,
    point_classes: Optional[np.ndarray],
    mask: Optional[np.ndarray],
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Features as (bands, H, W) float32, points as (n, 2), a class per point, and the valid cells."""
    features = np.asarray(features, dtype=np.float32)
    if features.ndim == 2:
        features = features[None]
    if features.shape[1:] != (grid.height, grid.width):
        raise InputError("the evidence bands do not match the grid.", "INPUT_RASTERS")
    points_xy = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
    classes = (
        np.ones(len(points_xy), dtype=np.int64)
        if point_classes is None
        else np.asarray(point_classes, dtype=np.int64).ravel()
    )
    if len(classes) != len(points_xy):
        raise InputError("one class is needed per labelled point.", "LABEL_FIELD")
    if (classes < 0).any() or (classes > 250).any():
        raise InputError("classes must be whole numbers from 0 (barren) to 250.", "LABEL_FIELD")
    valid = np.isfinite(features).all(axis=0)
    if mask is not None:
        valid &= checked_mask(mask, valid.shape)
    if int(valid.sum()) < 10:
        raise InputError("fewer than 10 cells have evidence in every band inside the mask.", "INPUT_RASTERS")
    return features, points_xy, classes, valid


def assign_labels(
    scores: np.ndarray,
    target: np.ndarray,
    target_conf: np.ndarray,
    confidence: float,
    in_buffer: np.ndarray,
    growth: float = 0.0,
) -> int:
    """Label the unlabelled cells whose best class scores at least ``confidence`` (never barren inside the
    buffer); with ``growth`` > 0 each class grows by at most ``growth`` x its size, most confident first.
    Updates ``target`` and ``target_conf`` in place; returns how many cells were labelled."""
    best = scores.argmax(axis=1)
    top = scores[np.arange(len(scores)), best]
    free = target == UNLABELLED
    target_conf[free] = top[free]
    take = free & (top >= confidence) & ~((best == 0) & in_buffer)
    if growth > 0:
        for c in range(scores.shape[1]):
            cand = np.flatnonzero(take & (best == c))
            cap = int(np.ceil(growth * max(1, int((target == c).sum()))))
            if len(cand) > cap:
                order = np.argsort(-top[cand], kind="stable")
                take[cand[order[cap:]]] = False
    target[take] = best[take]
    return int(take.sum())


def _self_training(
    x: np.ndarray,
    seeds: np.ndarray,
    labels: np.ndarray,
    conf: np.ndarray,
    in_buffer: np.ndarray,
    n_classes: int,
    settings: PseudoLabelSettings,
    rng: np.random.Generator,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> List[Dict[str, Any]]:
    """Self-training rounds on ``labels`` (in place), started from PU-bagging negatives when none are known."""
    history: List[Dict[str, Any]] = []
    start = 0.0
    if not (labels == 0).any():
        votes = _pu_bagging(
            x,
            seeds,
            in_buffer,
            max(5, settings.bags // 3),
            settings.negative_quantile,
            rng,
            lambda f: report(progress, 0.3 * f),
            is_cancelled,
        )
        best = votes.argmax(axis=1)
        neg = (labels == UNLABELLED) & (best == 0) & (votes[:, 0] >= settings.confidence) & ~in_buffer
        labels[neg] = 0
        conf[neg] = votes[neg, 0]
        history.append({"round": 0, "added": int(neg.sum()), "note": "reliable negatives from PU bagging"})
        start = 0.3
    for r in range(settings.iterations):
        check_cancelled(is_cancelled)
        prob = _fit_predict(x, labels, n_classes, rng)
        added = assign_labels(prob, labels, conf, settings.confidence, in_buffer, settings.growth)
        # the cells this fit scores at CONFIDENCE or more and the growth limit left unlabelled, per class
        best = prob.argmax(axis=1)
        held = (labels == UNLABELLED) & (prob.max(axis=1) >= settings.confidence) & ~((best == 0) & in_buffer)
        counts = np.bincount(best[held], minlength=n_classes)
        history.append({"round": r + 1, "added": added, "held_back": {str(c): int(n) for c, n in enumerate(counts)}})
        report(progress, start + (1 - start) * (r + 1) / max(1, settings.iterations))
        if added == 0:
            break
    return history


def held_back_warning(history: Sequence[Dict[str, Any]], settings: PseudoLabelSettings, n_valid: int = 0) -> str:
    """A warning when, after the last self-training round, unlabelled cells still score ``confidence`` or more:
    the growth limit held them back, so the labels stopped where ITERATIONS ran out, not where the evidence does
    (and OUTPUT_CONFIDENCE shows those cells at or above CONFIDENCE, unlabelled)."""
    held = history[-1].get("held_back") if history else None
    total = sum(held.values()) if held else 0
    if not held or total == 0:
        return ""
    rounds = sum(1 for h in history if h.get("round", 0) >= 1)
    names = {"0": "barren", "1": "mineralised"}
    parts = ", ".join(f"{n:,} {names.get(c, 'class ' + c)}" for c, n in held.items() if n)
    share = f" ({100 * total / n_valid:.0f} % of the valid cells)" if n_valid else ""
    return (
        f"ITERATIONS: after the last of {rounds} self-training rounds the fit still scores {total:,} unlabelled cells"
        f"{share} at CONFIDENCE ({settings.confidence:g}) or more ({parts}); the growth limit (a class grows at most "
        f"{100 * settings.growth:.0f} % a round) left them unlabelled, so the labels stop where the rounds ran out, "
        "not where the evidence does, and OUTPUT_CONFIDENCE shows those cells at or above CONFIDENCE. More "
        "ITERATIONS would label them; if that is more ground than ore underlies, raise CONFIDENCE or try another "
        "METHOD instead."
    )


def capture(
    labels: np.ndarray, grid: GridSpec, points_xy: np.ndarray, radius: float, valid: Optional[np.ndarray] = None
) -> Tuple[float, float]:
    """Share of points on or within ``radius`` of a positive cell, and the share of the valid area that is.

    A random labeller scores the same on both, so capture above the area share means skill.
    """
    positive = labels >= 1
    valid = np.ones(labels.shape, dtype=bool) if valid is None else valid.astype(bool)
    dist = distance_transform_edt(~positive) * grid.pixel_size
    near = dist <= radius + 1e-9
    area = float(near[valid].mean()) if valid.any() else 0.0
    rows, cols = grid.rowcol(np.asarray(points_xy)[:, 0], np.asarray(points_xy)[:, 1])
    inside = grid.holds(rows, cols)
    hits = near[rows[inside], cols[inside]]
    return (float(hits.sum()) / len(points_xy) if len(points_xy) else 0.0), area
