"""Which learner makes the best map? Leave-cluster-out spatial cross-validation of several learners on the same
folds, against the best single evidence band.

Known deposits are linked into clusters (single linkage within ``cluster_cells``); whole clusters are spread over
``folds`` (largest first, each to the fold with fewest deposits). In each fold every learner trains on labels built
from the *other* deposits alone — the 3 x 3 cells around each training deposit mineralised, ``negatives`` random
cells farther than ``cluster_cells`` from every training deposit barren, the rest unlabelled — and maps the whole
grid. Each held-out deposit is scored by the share of the background it outranks (ties half; background = valid
cells away from the training deposits, the held-out deposits' own cells excluded): their mean is the held-out ROC
AUC. The best single band is chosen, with its sign, on each fold's training labels alone. Intervals resample whole
clusters; paired differences compare two learners on the same deposits (every learner against the best single band,
every CNN variant of :data:`CNN_MODES` against the labelled-cell CNN, ``cnn``). The learner with the highest pooled AUC
wins; a learner within ``tie`` of it that is simpler (:data:`COMPLEXITY`) wins instead.
"""

from __future__ import annotations

import inspect
import math
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from ..callbacks import CancelCallback, ProgressCallback, check_cancelled, report
from ..errors import InputError
from ..lazy import lazy_module
from .auc import RESOLVING_CLUSTERS, placements_and_ties, resampled_means, roc_auc

ndimage = lazy_module("scipy.ndimage")  # scipy imported when used: the plugin loads without it

#: the CNN variants that can be compared side by side, as learner names: the CNN on labelled cells (``cnn``), and
#: traincnn's TRAINING=pu, PRETRAIN_EPOCHS, COARSE_VIEW, INPUT_TRANSFORM=quantile and PATCH_SIZE=1 (the per-cell
#: network: whether context pays), and the per-cell network distilled from gradient boosting over every valid cell
#: (TEACHER; settings: :func:`cnn_mode_settings`)
CNN_MODES = ("cnn", "cnn_pu", "cnn_pretrain", "cnn_coarse", "cnn_quantile", "cnn_cell", "cnn_distil")

#: the learners from simplest to most complex: a tie goes to the earlier one (the CNN variants: the per-cell
#: network, no context; the default's network and loss; another loss; an extra pre-training stage; a second,
#: coarser input view; a fitted input transform stored in the model; a second learner, the teacher, inside it)
COMPLEXITY = (
    "best band",
    "woe",
    "logistic",
    "random_forest",
    "gradient_boosting",
    "cnn_cell",
    "cnn",
    "cnn_pu",
    "cnn_pretrain",
    "cnn_coarse",
    "cnn_quantile",
    "cnn_distil",
)

#: how reports name them
TITLES = {
    "best band": "best single band",
    "woe": "weights of evidence",
    "logistic": "logistic regression",
    "random_forest": "random forest",
    "gradient_boosting": "gradient boosting",
    "cnn": "CNN",
    "cnn_pu": "CNN, positive-unlabelled",
    "cnn_pretrain": "CNN, masked-band pre-training",
    "cnn_coarse": "CNN with a coarse view",
    "cnn_quantile": "CNN on normal scores",
    "cnn_cell": "CNN per cell (no context)",
    "cnn_distil": "CNN per cell, distilled from gradient boosting",
}

#: traincnn's settings that comparemodels does not offer (its CNNs validate on automatic spatial blocks): a
#: training error's advice to change them is replaced by the comparison's own
TRAINCNN_ONLY = ("VALIDATION", "BLOCK_SIZE")

#: the learners' own settings that a training error may name: the fix is that setting (its message says which
#: value fits), not more deposits per fold or a coarser grid
LEARNER_SETTINGS = ("MIN_SAMPLES_LEAF",)

#: held-out AUCs closer than this to the best count as a tie
TIE = 0.01


#: every cell of the 3 x 3 window :func:`fold_labels` labels mineralised around a training deposit lies within
#: sqrt(2) cells of it, every other cell 2 or more: deposits closer than this are one cluster, so that no held-out
#: deposit lies under a training deposit's mineralised window, and the window is kept out of the background
LABEL_WINDOW_CELLS = 1.5


def linking_cells(cluster_cells: float, labels_given: bool = False) -> float:
    """The distance (cells) within which the folds link deposits into clusters: ``cluster_cells`` (CLUSTER_DISTANCE
    over the pixel size), at least :data:`LABEL_WINDOW_CELLS` when the folds' labels are built from the deposits.
    A 3 km CLUSTER_DISTANCE on a 5 km grid linked nothing: a deposit one cell from another was held out while the
    other's mineralised window covered it, and scored against a background holding that window."""
    return float(cluster_cells) if labels_given else max(float(cluster_cells), LABEL_WINDOW_CELLS)


def too_few_clusters(clusters: int) -> Optional[str]:
    """Why a paired interval over ``clusters`` deposit clusters is no evidence (fewer than
    :data:`RESOLVING_CLUSTERS`), in words; None when it can be read as one."""
    if clusters >= RESOLVING_CLUSTERS:
        return None
    return (
        f"with {clusters} deposit cluster{'s' if clusters != 1 else ''} the bootstrap's interval is little more than "
        "the range of the clusters' own differences, so an interval above 0 says only that each of them favours "
        f"the learner, not that other ground would: at least {RESOLVING_CLUSTERS} clusters are needed to read it"
    )


#: a map maker: (bands, label raster) -> score raster (higher = more prospective; NaN = no value)
Mapper = Callable[[np.ndarray, np.ndarray], np.ndarray]


def splitting_distances(points: np.ndarray) -> np.ndarray:
    """The link distances at which single linkage of ``points`` (deposits, in cells) splits, longest first: the
    edges of their minimum spanning tree. Linked at a distance under the k-th of them, the points form at least
    k + 1 clusters (:func:`core.neighbours.linked_clusters` links points at most the distance apart)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import minimum_spanning_tree
    from scipy.spatial import Delaunay
    from scipy.spatial.distance import pdist, squareform

    pts = np.unique(np.asarray(points, dtype=np.float64).reshape(-1, 2), axis=0)
    n = len(pts)
    if n < 2:
        return np.empty(0)
    if n <= MST_ALL_PAIRS:
        tree = minimum_spanning_tree(squareform(pdist(pts)))
    else:  # an occurrence database of 20,000 points: all pairs would take 3 GB; the tree's edges are Delaunay's
        indptr, neighbours = Delaunay(pts, qhull_options="QJ").vertex_neighbor_vertices  # joggled: no collinear fail
        i = np.repeat(np.arange(n), np.diff(indptr))
        keep = i < neighbours
        i, j = i[keep], neighbours[keep]
        tree = minimum_spanning_tree(coo_matrix((np.hypot(*(pts[i] - pts[j]).T), (i, j)), shape=(n, n)))
    return np.sort(tree.data)[::-1]


#: up to this many deposits :func:`splitting_distances` takes every pair (~32 MB), above it the Delaunay edges
MST_ALL_PAIRS = 2000


def rounded_down(value: float, digits: int = 2) -> float:
    """``value`` rounded down to ``digits`` significant digits (1,249.6 -> 1,200): a distance under which deposits
    split stays under it once rounded."""
    if value <= 0 or not math.isfinite(value):
        return value
    step = 10.0 ** (math.floor(math.log10(value)) - digits + 1)
    return math.floor(value / step * (1 + 1e-12)) * step


def _splitting_advice(points: np.ndarray, wanted: Sequence[int], floor: float, length: Callable[[float], str]) -> str:
    """What CLUSTER_DISTANCE gives each number of clusters in ``wanted`` for the deposits at ``points`` (cells;
    ``length`` says a distance in cells on the ground): 'Under 630 m they form 2 clusters, under 250 m 5.', or that
    no distance above ``floor`` (cells: the reach of the cells labelled around each deposit) does."""
    edges = splitting_distances(points)
    said: List[str] = []
    for k in sorted(set(wanted)):
        if len(edges) < k - 1:  # fewer distinct places than clusters wanted
            break
        below = float(edges[k - 2])
        if below <= floor:
            said.append(
                f"no CLUSTER_DISTANCE gives {k} clusters on this grid: deposits within {length(floor)} ({floor:g} "
                "cells, the reach of the cells labelled around each) are always linked"
            )
            break
        said.append(
            f"under {length(below)}, {k} (the FOLDS asked for)"
            if said
            else f"under {length(below)} they form {k} clusters"
        )
    return f" {'; '.join(said)[0].upper()}{'; '.join(said)[1:]}." if said else ""


def cluster_folds(
    clusters: np.ndarray,
    folds: int,
    seed: int = 0,
    points: Optional[np.ndarray] = None,
    floor: float = 0.0,
    length: Optional[Callable[[float], str]] = None,
    distance: Optional[float] = None,
) -> np.ndarray:
    """Fold number per deposit: whole clusters, largest first, each to the fold holding fewest deposits so far
    (ties between equal clusters broken by ``seed``). Given the deposits' ``points`` (cells) and ``length`` (a
    distance in cells as ground text), a refusal says the CLUSTER_DISTANCE (``distance`` cells) in use and the one
    under which they split into enough clusters (none at or below ``floor`` cells): a district of 3 x 4 km held
    one cluster at the 3 km default, and the message named no distance."""
    n = int(clusters.max()) + 1
    say = length if length is not None else (lambda cells: f"{cells:g} cells")
    used = f" ({say(distance)})" if distance is not None else ""
    if n < 2:
        advice = _splitting_advice(points, (2, folds), floor, say) if points is not None else ""
        raise InputError(
            f"the {clusters.size} deposits form a single cluster within CLUSTER_DISTANCE{used}, so no deposit can be "
            f"held out with its whole cluster (at least 2 clusters are needed).{advice} "
            + (
                "Add deposits from elsewhere in the area, or use evidence rasters with smaller cells."
                if "No CLUSTER_DISTANCE" in advice
                else "Lower CLUSTER_DISTANCE below the spacing of the deposits, or add deposits from elsewhere in the area."
            ),
            "CLUSTER_DISTANCE",
        )
    if folds < 2 or folds > n:
        advice = _splitting_advice(points, (folds,), floor, say) if points is not None and folds > n else ""
        raise InputError(
            f"the {clusters.size} deposits form {n} clusters within CLUSTER_DISTANCE{used}; FOLDS must be from 2 to "
            f"{n} (whole clusters are held out).{advice} Lower CLUSTER_DISTANCE or FOLDS, or add deposits.",
            "FOLDS",
        )
    sizes = np.bincount(clusters)
    rng = np.random.default_rng(seed)
    order = sorted(range(n), key=lambda c: (-sizes[c], rng.random()))
    load = np.zeros(folds)
    fold_of_cluster = np.zeros(n, dtype=np.int64)
    for c in order:
        f = int(np.argmin(load))
        fold_of_cluster[c] = f
        load[f] += sizes[c]
    return fold_of_cluster[clusters]


def fold_labels(
    valid: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    negatives: int,
    exclusion_cells: float,
    rng: np.random.Generator,
) -> Tuple[np.ndarray, np.ndarray]:
    """Label raster from training deposits (3 x 3 mineralised cells each, ``negatives`` random barren cells farther
    than ``exclusion_cells``), and the cells within ``exclusion_cells`` of a training deposit."""
    deposit = np.zeros(valid.shape, dtype=bool)
    deposit[rows, cols] = True
    near = ndimage.distance_transform_edt(~deposit) <= exclusion_cells
    positive = ndimage.binary_dilation(deposit, np.ones((3, 3), bool)) & valid
    labels = np.full(valid.shape, np.nan)
    candidates = np.flatnonzero((valid & ~near).ravel())
    if candidates.size == 0:
        raise InputError(
            f"no valid cell lies farther than {exclusion_cells:.3g} cells from a fold's training deposits (the "
            "CLUSTER_DISTANCE in cells, at least the reach of their 3 x 3 labelled cells), so no background cell is "
            "left to label barren; give a smaller CLUSTER_DISTANCE, a larger study area or a finer grid.",
            "CLUSTER_DISTANCE",
        )
    labels.ravel()[rng.choice(candidates, min(negatives, candidates.size), replace=False)] = 0.0
    labels[positive] = 1.0
    return labels, near


def binary_labels(labels: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """A label raster as the learners take it: classes 1 and above mineralised (1), 0 barren, the rest and the cells
    off ``valid`` unlabelled (NaN)."""
    raw = np.asarray(labels, dtype=np.float64)
    return np.where(valid & (raw >= 1), 1.0, np.where(valid & (raw == 0), 0.0, np.nan))


def within(shape: Tuple[int, ...], cells: Tuple[np.ndarray, np.ndarray], distance: float) -> np.ndarray:
    """The cells of a grid of ``shape`` within ``distance`` (cells) of any of the (rows, cols) ``cells``."""
    marked = np.zeros(shape, dtype=bool)
    marked[cells] = True
    return ndimage.distance_transform_edt(~marked) <= distance


def _require_both_classes(labels: np.ndarray, message: str) -> None:
    for cls, word in ((1.0, "mineralised (1 and above)"), (0.0, "barren (0)")):
        if not np.any(labels == cls):
            raise InputError(message.format(word), "LABELS")


def user_fold_labels(
    labels: np.ndarray,
    valid: np.ndarray,
    train: Tuple[np.ndarray, np.ndarray],
    test: Tuple[np.ndarray, np.ndarray],
    exclusion_cells: float,
) -> Tuple[np.ndarray, np.ndarray]:
    """A fold's labels from the user's label raster (1 and above mineralised, 0 barren, else unlabelled): every
    labelled cell within ``exclusion_cells`` of a held-out (``test``) deposit hidden, so that the held-out deposits'
    own labels take no part; and, as :func:`fold_labels`, the cells within ``exclusion_cells`` of a training deposit."""
    near, held = within(valid.shape, train, exclusion_cells), within(valid.shape, test, exclusion_cells)
    out = binary_labels(labels, valid)
    _require_both_classes(out, "no valid cell is labelled {}; the learners need both classes (e.g. 'Pseudo-labels').")
    out[held] = np.nan
    _require_both_classes(
        out,
        "no cell labelled {} remains once the labels within CLUSTER_DISTANCE of a fold's held-out deposits are "
        "hidden; label more ground, or lower CLUSTER_DISTANCE or FOLDS.",
    )
    return out, near


def best_band(bands: np.ndarray, labels: np.ndarray) -> Tuple[int, float, float]:
    """The band whose training AUC (mineralised against barren labelled cells) is farthest from 0.5, its sign
    (+1: high values favourable) and that AUC."""
    pos, neg = labels == 1, labels == 0
    best = (0, 1.0, 0.5)
    for j, band in enumerate(bands):
        p, n = band[pos & np.isfinite(band)], band[neg & np.isfinite(band)]
        if p.size == 0 or n.size == 0:
            continue
        auc = roc_auc(p, n)
        if abs(auc - 0.5) > abs(best[2] - 0.5):
            best = (j, 1.0 if auc >= 0.5 else -1.0, auc)
    return best


@dataclass
class LearnerScores:
    """One learner's held-out scores: per deposit (in deposit order), per fold, the seconds each fold took."""

    name: str
    placement: np.ndarray
    seconds: List[float] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    #: why the learner could not be trained in some fold (then it has no scores and is not ranked), else ""
    failed: str = ""
    #: per deposit, the share of its fold's background scoring the same as it (0 without ties; None: not known)
    spread: Optional[np.ndarray] = None


@dataclass
class Comparison:
    """Everything the report and the table need."""

    learners: Dict[str, LearnerScores]
    folds: np.ndarray  # fold per deposit
    clusters: np.ndarray  # cluster per deposit
    summary: Dict[str, Dict[str, Any]]
    recommended: str
    settings: Dict[str, Any]
    #: the recommendation rule checked fold by fold without the fold's own deposits (None: fewer than 2 folds)
    choice: Optional[ChoiceCheck] = None

    def per_fold(self, name: str) -> List[Dict[str, Any]]:
        """Held-out AUC and capture of one learner in each fold."""
        out = []
        p, seconds = self.learners[name].placement, self.learners[name].seconds
        spread = self.learners[name].spread
        for f in range(int(self.folds.max()) + 1):
            here = self.folds == f
            tied = spread[here] if spread is not None else None
            v = p[here]
            out.append(
                {
                    "fold": f,
                    "deposits": int(np.sum(self.folds == f)),
                    "auc": float(np.nanmean(v)) if np.isfinite(v).any() else float("nan"),
                    "capture_10": capture(v, 0.10, tied),
                    "capture_20": capture(v, 0.20, tied),
                    "seconds": seconds[f] if f < len(seconds) else float("nan"),  # none after a failed fold
                }
            )
        return out


def capture(placement: np.ndarray, area: float, spread: Optional[np.ndarray] = None) -> float:
    """Share of deposits in the top ``area`` of the background: those outranking more than 1 - ``area`` of it. A
    deposit whose value ties with a run of background cells (``spread``: the share of the background equal to it,
    around its mid-rank ``placement``) that the cut goes through counts for the part of that run inside the top
    ``area``, as evaluate's capture does (a random order of the tied cells); without ``spread`` it counts whole
    when its mid-rank is inside."""
    ok = np.isfinite(placement)
    if not ok.any():
        return float("nan")
    top = 1.0 - placement[ok]  # the share of the background ranked above the deposit, ties counting half
    width = np.zeros_like(top) if spread is None else np.nan_to_num(np.asarray(spread, dtype=np.float64)[ok])
    inside = (placement[ok] > 1.0 - area).astype(np.float64)
    tied = width > 0
    inside[tied] = np.clip((area - (top[tied] - width[tied] / 2.0)) / width[tied], 0.0, 1.0)
    return float(inside.mean())


def success_curve(placement: np.ndarray, points: int = 201) -> Tuple[np.ndarray, np.ndarray]:
    """Share of held-out deposits (y) within the top x of the background, x from 0 to 1."""
    area = np.linspace(0.0, 1.0, points)
    v = np.sort(1.0 - placement[np.isfinite(placement)])
    return area, np.searchsorted(v, area, side="right") / max(v.size, 1)


def _interval(values: np.ndarray, groups: np.ndarray, iterations: int, seed: int) -> Tuple[float, float, float]:
    ok = np.isfinite(values)
    v = values[ok]
    if v.size == 0:
        return float("nan"), float("nan"), float("nan")
    means = resampled_means(v, iterations, np.random.default_rng(seed), groups[ok])
    return float(v.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def paired(
    a: np.ndarray, b: np.ndarray, clusters: np.ndarray, iterations: int, seed: int
) -> Tuple[float, float, float]:
    """Mean of ``a`` - ``b`` over the deposits both scored, with its 95 % interval resampling whole clusters (the
    two learners' scores of a deposit drawn together)."""
    both = np.isfinite(a) & np.isfinite(b)
    return _interval((a - b)[both], clusters[both], iterations, seed)


def summarise(
    learners: Dict[str, LearnerScores], clusters: np.ndarray, iterations: int, seed: int, tie: float = TIE
) -> Tuple[Dict[str, Dict[str, Any]], str]:
    """Pooled AUC with its cluster interval, capture at 10 / 20 %, the paired differences against the best single
    band and (CNN variants) against the labelled-cell CNN with their intervals, and the recommended learner (highest
    AUC; within ``tie`` of it, the simplest)."""
    base = learners["best band"].placement
    cnn = learners["cnn"].placement if "cnn" in learners and not learners["cnn"].failed else None
    summary: Dict[str, Dict[str, Any]] = {}
    for name, scores in learners.items():
        auc, lo, hi = _interval(scores.placement, clusters, iterations, seed)
        diff = paired(scores.placement, base, clusters, iterations, seed) if name != "best band" else None
        diff_cnn = (
            paired(scores.placement, cnn, clusters, iterations, seed)
            if cnn is not None and name in CNN_MODES and name != "cnn"
            else None
        )
        summary[name] = {
            "auc": auc,
            "auc_low": lo,
            "auc_high": hi,
            "capture_10": capture(scores.placement, 0.10, scores.spread),
            "capture_20": capture(scores.placement, 0.20, scores.spread),
            "minus_best_band": diff,
            "minus_cnn": diff_cnn,
            "seconds": float(np.sum(scores.seconds)),
        }
    recommended = choose({n: summary[n]["auc"] for n in learners}, tie)
    if recommended is None:
        raise InputError("no held-out deposit got a score from any learner.", "DEPOSITS")
    return summary, recommended


def choose(aucs: Mapping[str, float], tie: float = TIE) -> Optional[str]:
    """The learner of highest AUC; within ``tie`` of it, the simplest (:data:`COMPLEXITY`). None when no AUC is
    finite."""
    ranked = [n for n, auc in aucs.items() if np.isfinite(auc)]
    if not ranked:
        return None
    top = max(aucs[n] for n in ranked)
    tied = [n for n in ranked if aucs[n] >= top - tie]
    return min(tied, key=lambda n: COMPLEXITY.index(n) if n in COMPLEXITY else len(COMPLEXITY))


@dataclass
class ChoiceCheck:
    """The recommendation rule applied to each fold without its own deposits: how well choosing does.

    The recommended learner's pooled AUC is the highest of several scored on the same folds, so it flatters it
    (the winner's curse). Here, for each fold, the rule of :func:`choose` sees only the other folds' held-out
    scores, and the learner it picks is scored on that fold's deposits: their pooled AUC estimates what the
    choice itself is worth, with no deposit used both to choose and to score."""

    chosen: List[str]  # per fold, the learner chosen on the other folds
    auc: float
    auc_low: float
    auc_high: float


def check_choice(
    learners: Mapping[str, LearnerScores],
    folds: np.ndarray,
    clusters: np.ndarray,
    iterations: int,
    seed: int,
    tie: float = TIE,
) -> Optional[ChoiceCheck]:
    """:class:`ChoiceCheck` over the folds of ``folds`` (fold per deposit); None with fewer than two folds or when
    some fold's choice has nothing to go on."""
    n_folds = int(folds.max()) + 1 if folds.size else 0
    if n_folds < 2:
        return None
    placement = np.full(folds.size, np.nan)
    chosen: List[str] = []
    for f in range(n_folds):
        others = folds != f
        aucs = {}
        for name, scores in learners.items():
            v = scores.placement[others]
            v = v[np.isfinite(v)]
            aucs[name] = float(v.mean()) if v.size and not scores.failed else float("nan")
        pick = choose(aucs, tie)
        if pick is None:
            return None
        chosen.append(pick)
        placement[~others] = learners[pick].placement[~others]
    auc, lo, hi = _interval(placement, clusters, iterations, seed)
    return ChoiceCheck(chosen, auc, lo, hi)


def _step_progress(progress: ProgressCallback, done: int, steps: int, fraction: float) -> None:
    """Progress ``fraction`` of the way through step ``done`` of ``steps`` (one learner on one fold)."""
    report(progress, (done + min(1.0, max(0.0, fraction))) / steps)


def _run_mapper(mapper: Mapper, bands: np.ndarray, labels: np.ndarray, progress: ProgressCallback) -> np.ndarray:
    """``mapper``'s map, passing ``progress`` where the mapper takes it (those of :func:`make_mappers` do: a CNN's
    fold takes minutes, in which the bar would otherwise stand still)."""
    if "progress" in inspect.signature(mapper).parameters:
        return mapper(bands, labels, progress=progress)  # type: ignore[call-arg]
    return mapper(bands, labels)


def compare(
    bands: np.ndarray,
    valid: np.ndarray,
    deposit_rows: np.ndarray,
    deposit_cols: np.ndarray,
    mappers: Dict[str, Mapper],
    folds: int = 4,
    cluster_cells: float = 6.0,
    negatives: int = 600,
    seed: int = 0,
    iterations: int = 1000,
    tie: float = TIE,
    progress: ProgressCallback = None,
    is_cancelled: CancelCallback = None,
    log: Optional[Callable[[str], None]] = None,
    band_names: Optional[Sequence[str]] = None,
    labels: Optional[np.ndarray] = None,
    length: Optional[Callable[[float], str]] = None,
) -> Comparison:
    """Leave-cluster-out comparison of the ``mappers`` (name -> map maker) and the best single band.

    ``bands`` (bands, H, W) with NaN = nodata; ``valid`` (H, W) the study area's cells with every band; deposits by
    cell; ``band_names`` name the best band in the notes; ``labels`` (H, W), optional, the user's label raster that
    every fold learns from instead of labels built from its training deposits (:func:`user_fold_labels`; the
    deposits still define the folds); ``length`` says a distance in cells on the ground, for messages. Returns a
    :class:`Comparison` (placements per deposit in the given order).
    """
    from .auc import deposit_clusters

    rows, cols = np.asarray(deposit_rows), np.asarray(deposit_cols)
    cluster_cells = linking_cells(cluster_cells, labels is not None)
    if rows.size < 2:
        raise InputError("at least two deposits on valid cells are needed to hold some out.", "DEPOSITS")
    points = np.column_stack([rows, cols]).astype(float)
    clusters = deposit_clusters(points, cluster_cells)
    floor = LABEL_WINDOW_CELLS if labels is None else 0.0
    fold = cluster_folds(clusters, folds, seed, points, floor, length, cluster_cells)
    names = ["best band", *mappers]
    learners = {n: LearnerScores(n, np.full(rows.size, np.nan)) for n in names}
    steps, done = folds * len(names), 0
    for f in range(folds):
        train, test = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
        if labels is None:
            fold_lab, near = fold_labels(
                valid, rows[train], cols[train], negatives, cluster_cells, np.random.default_rng(seed + f)
            )
        else:
            fold_lab, near = user_fold_labels(
                labels, valid, (rows[train], cols[train]), (rows[test], cols[test]), cluster_cells
            )
        background = valid & ~near
        background[rows[test], cols[test]] = False
        for name in names:
            check_cancelled(is_cancelled)
            started = time.perf_counter()
            if name == "best band":
                j, sign, auc = best_band(bands, fold_lab)
                score = sign * bands[j].astype(np.float64)
                band = band_names[j] if band_names is not None else f"band {j + 1}"
                learners[name].notes.append(
                    f"fold {f}: {band} ({'high' if sign > 0 else 'low'} values favourable; training AUC "
                    f"{max(auc, 1 - auc):.3f} ranked that way)"
                )
            elif learners[name].failed:
                continue  # already out of the comparison
            else:
                try:
                    within = partial(_step_progress, progress, done, steps)
                    score = np.asarray(_run_mapper(mappers[name], bands, fold_lab, within), dtype=np.float64)
                except InputError as exc:  # e.g. too few labels in this fold to hold some out for validation
                    reason = str(exc).split(": ", 1)[1] if exc.parameter else str(exc)
                    if exc.parameter in TRAINCNN_ONLY:  # its advice names settings this comparison does not offer
                        reason = reason.split("; add labels")[0]
                    more = "fewer FOLDS (more deposits in each)" if folds > 2 else "more deposits (FOLDS is 2 already)"
                    learners[name].failed = (
                        f"could not be trained on fold {f}'s {train.size} training deposit(s) ({reason}); {more}, a "
                        "coarser grid, or a smaller PATCH_SIZE or COARSE_VIEW (the CNN's validation blocks grow with "
                        "its window) gives each fold more labelled cells"
                    )
                    if exc.parameter in LEARNER_SETTINGS:  # MIN_SAMPLES_LEAF 1e6: the setting is the cause
                        learners[name].failed = (
                            f"could not be trained on fold {f}'s {train.size} training deposit(s): "
                            f"{exc.parameter}: {reason}"
                        )
                    learners[name].placement[:] = np.nan
                    if log:
                        log(f"{TITLES.get(name, name)} left out of the comparison: {learners[name].failed}")
                    done += folds - f
                    report(progress, done / steps)
                    continue
            learners[name].seconds.append(time.perf_counter() - started)
            bg = np.sort(score[background & np.isfinite(score)])
            values = score[rows[test], cols[test]]
            ok = np.isfinite(values)
            if bg.size:
                placed, tied = placements_and_ties(values[ok], bg)
                learners[name].placement[test[ok]] = placed
                if learners[name].spread is None:
                    learners[name].spread = np.zeros(rows.size)
                learners[name].spread[test[ok]] = tied  # type: ignore[index]
            done += 1
            report(progress, done / steps)
            if log:
                v = learners[name].placement[test]
                log(
                    f"fold {f} ({test.size} deposit{'s' if test.size != 1 else ''}): {TITLES.get(name, name)} "
                    f"held-out AUC {np.nanmean(v):.3f} "
                    f"in {learners[name].seconds[-1]:.1f} s"
                )
    summary, recommended = summarise(learners, clusters, iterations, seed, tie)
    settings = {
        "folds": folds,
        "cluster_cells": cluster_cells,
        "negatives": negatives,
        "seed": seed,
        "tie": tie,
        "iterations": iterations,
        "clusters": int(clusters.max()) + 1,
        "deposits": int(rows.size),
        "labels": "user" if labels is not None else "deposits",
    }
    choice = check_choice(learners, fold, clusters, iterations, seed, tie)
    if log and choice is not None:
        log(
            f"the recommendation rule, applied to each fold on the other folds' deposits only, picks "
            f"{', '.join(TITLES.get(n, n) for n in choice.chosen)} (folds 0-{len(choice.chosen) - 1}): held-out AUC "
            f"{choice.auc:.3f} [{choice.auc_low:.3f}, {choice.auc_high:.3f}], against "
            f"{summary[recommended]['auc']:.3f} for {TITLES.get(recommended, recommended)} chosen on all folds"
        )
    return Comparison(learners, fold, clusters, summary, recommended, settings, choice)


def training_deposits(labels: np.ndarray, valid: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """The deposit cells behind a fold's label raster (:func:`fold_labels`): the mineralised cells whose whole
    3 x 3 neighbourhood is mineralised or off the valid cells."""
    positive = labels == 1
    core = ndimage.binary_erosion(positive | ~valid, np.ones((3, 3), bool), border_value=1) & positive
    rows, cols = np.nonzero(core)
    return rows, cols


@dataclass
class NestedChoice:
    """What one nested selection saw: every candidate's inner held-out AUC, and the one chosen."""

    chosen: str
    inner_auc: Dict[str, float]


def nested_mapper(
    candidates: Dict[str, Mapper],
    folds: int = 3,
    cluster_cells: float = 6.0,
    negatives: int = 600,
    seed: int = 0,
    choices: Optional[List[NestedChoice]] = None,
    log: Optional[Callable[[str], None]] = None,
) -> Mapper:
    """A map maker that tunes itself on its own training labels: a leave-cluster-out :func:`compare` of the
    ``candidates`` among the deposits behind the labels (:func:`training_deposits`; the outer fold's held-out
    deposits are not among them), then the candidate with the best inner pooled AUC (ties: the earlier one)
    trained on all the labels. Its outer held-out score is an honest estimate of "tune on your own deposits, then
    map". Each selection is appended to ``choices``."""

    def select_and_map(bands: np.ndarray, labels: np.ndarray) -> np.ndarray:
        valid = np.isfinite(bands).all(axis=0)
        rows, cols = training_deposits(labels, valid)
        inner = compare(
            bands, valid, rows, cols, candidates, folds, cluster_cells, negatives, seed, iterations=10, tie=0.0
        )
        aucs = {n: inner.summary[n]["auc"] for n in candidates}
        ranked = [n for n in candidates if np.isfinite(aucs[n])]
        if not ranked:
            raise InputError("no candidate could be trained on the inner folds.", "CANDIDATES")
        best = max(ranked, key=lambda n: (aucs[n], -list(candidates).index(n)))
        if choices is not None:
            choices.append(NestedChoice(best, aucs))
        if log:
            log(f"nested selection: {best} (inner AUC {aucs[best]:.3f}) among {len(candidates)} candidates")
        return candidates[best](bands, labels)

    return select_and_map


def all_labels(
    valid: np.ndarray, rows: np.ndarray, cols: np.ndarray, negatives: int, cluster_cells: float, seed: int
) -> np.ndarray:
    """The label raster from every deposit, as a fold builds it from its training deposits (to retrain the winner)."""
    return fold_labels(valid, rows, cols, negatives, cluster_cells, np.random.default_rng(seed + 10_000))[0]


def cnn_mode_settings(
    mode: str, cnn: Dict[str, Any], coarse: int = 3, pretrain_epochs: int = 5, class_prior: float = 0.0
) -> Dict[str, Any]:
    """PatchCNN settings of the CNN variant ``mode`` (a key of :data:`CNN_MODES`) over the shared ``cnn`` settings:
    ``coarse`` (odd factor) for the coarse view, ``pretrain_epochs`` for masked-band pre-training, ``class_prior``
    (0 = the share of positive cells) for positive-unlabelled training. Checked before any training: an
    :class:`InputError` names the parameter at fault."""
    from ..learning.estimator import PatchCNN
    from ..learning.training import TrainingConfig

    if mode not in CNN_MODES:
        raise InputError(f"unknown CNN mode '{mode}' (one of {', '.join(CNN_MODES)}).", "CNN_MODES")
    overrides: Dict[str, Dict[str, Any]] = {
        "cnn": {},
        "cnn_pu": {"training": "pu", "class_prior": class_prior},
        "cnn_pretrain": {"pretrain_epochs": pretrain_epochs},
        "cnn_coarse": {"coarse": coarse},
        "cnn_quantile": {"input_transform": "quantile"},
        "cnn_cell": {"patch_size": 1},
        # the recipe of bench/results/2026-12-04-cnn-distil (chosen on how closely the network follows its teacher,
        # not on held-out deposits): log-odds of a teacher trained on every labelled cell, the epochs all run
        # (early stopping on the labels stops before the network follows the teacher), 3 x the learning rate
        "cnn_distil": {
            "patch_size": 1,
            "teacher": "gradient_boosting_all",
            "distil_target": "log_odds",
            "early_stopping": False,
            "learning_rate": 3 * float(cnn.get("learning_rate", 1e-3)),
        },
    }
    settings = {**cnn, **overrides[mode]}
    TrainingConfig.from_params(PatchCNN(**settings).get_params())
    return settings


#: the share of a learner's step on one fold that its training takes in the progress bar (mapping the rest)
FIT_SHARE = 0.9


def _scaled(progress: ProgressCallback, share: float) -> ProgressCallback:
    """``progress`` for a part of the work that fills ``share`` of it (None stays None)."""
    return None if progress is None else (lambda fraction: progress(share * fraction))


def make_mappers(
    methods: Sequence[str],
    classic: Dict[str, Any],
    cnn: Dict[str, Any],
    band_names: Sequence[str],
    is_cancelled: CancelCallback = None,
    cnn_modes: Optional[Dict[str, Dict[str, Any]]] = None,
) -> Dict[str, Mapper]:
    """Map makers for the classic ``methods`` (settings ``classic``) and the CNN (settings ``cnn``; empty: no CNN):
    each trains on a label raster and maps the whole stack. ``cnn_modes`` (learner name -> full PatchCNN settings,
    e.g. from :func:`cnn_mode_settings`) replaces the one labelled-cell CNN by several variants trained on the same
    folds. A CNN maps its ensemble's log-odds, which rank cells in the order of its probabilities without their
    saturation ties. ``is_cancelled`` stops the CNN's training within a batch, a classic learner's between trees;
    each map maker takes an optional ``progress`` that rises with its training (epochs, trees) to 0.9."""
    from ..classic.learner import ClassicLearner

    mappers: Dict[str, Mapper] = {}

    def classic_map(method: str) -> Mapper:
        def fit_and_map(b: np.ndarray, labels: np.ndarray, progress: ProgressCallback = None) -> np.ndarray:
            learner = ClassicLearner(method, **classic)
            learner.fit(b, labels, band_names, progress=_scaled(progress, FIT_SHARE), is_cancelled=is_cancelled)
            return learner.predict_proba(b, is_cancelled=is_cancelled)

        return fit_and_map

    def cnn_map(settings: Dict[str, Any]) -> Mapper:
        def fit_and_map(b: np.ndarray, labels: np.ndarray, progress: ProgressCallback = None) -> np.ndarray:
            from ..learning.estimator import PatchCNN

            net = PatchCNN(**settings).fit(
                b, labels, band_names=band_names, progress=_scaled(progress, FIT_SHARE), is_cancelled=is_cancelled
            )
            return net.predict_score(b)

        return fit_and_map

    for method in methods:
        ClassicLearner(method, **classic).check()  # bad settings refused before any fold, not left out per fold
        mappers[method] = classic_map(method)
    for name, settings in (cnn_modes if cnn_modes is not None else ({"cnn": cnn} if cnn else {})).items():
        mappers[name] = cnn_map(settings)
    return mappers


def retrain(
    name: str,
    classic: Dict[str, Any],
    cnn: Dict[str, Any],
    bands: np.ndarray,
    labels: np.ndarray,
    cnn_modes: Optional[Dict[str, Dict[str, Any]]] = None,
    **fit: Any,
) -> Any:
    """The recommended learner trained on labels from every deposit (``fit``: band_names, grid); a CNN variant
    with its settings in ``cnn_modes`` (as given to :func:`make_mappers`; the labelled-cell CNN: ``cnn``); ``fit`` may
    add ``progress`` and ``is_cancelled``, which both learners take. None for the
    best single band, which is a band, not a model."""
    if name == "best band":
        return None
    if name in CNN_MODES:
        from ..learning.estimator import PatchCNN

        settings = (cnn_modes or {}).get(name, cnn if name == "cnn" else cnn_mode_settings(name, cnn))
        return PatchCNN(**settings).fit(bands, labels, **fit)
    from ..classic.learner import ClassicLearner

    return ClassicLearner(name, **classic).fit(bands, labels, **fit)
