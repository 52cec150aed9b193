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

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np
from scipy.ndimage import distance_transform_edt

from ..callbacks import CancelCallback, ProgressCallback, check_cancelled, report
from ..errors import InputError
from ..grid import GridSpec
from .methods import _fit_predict, _label_spreading, _pu_bagging
from .seeds import UNLABELLED, _seed_labels, _standardise

METHODS = ("pu_bagging", "label_spreading", "self_training")


@dataclass
class PseudoLabelResult:
    """Labels and confidence on the input grid, plus what happened."""

    labels: np.ndarray  # (height, width) int16: class id, UNLABELLED where unlabelled or nodata
    confidence: np.ndarray  # (height, width) float32 in [0, 1], NaN outside the valid cells
    counts: Dict[str, Dict[str, int]]  # class -> {"seed", "pseudo", "total"}
    settings: Dict[str, object]
    valid_cells: int
    warnings: List[str] = field(default_factory=list)
    history: List[Dict[str, object]] = field(default_factory=list)

    @property
    def class_balance(self) -> Dict[str, float]:
        """Share of each class among the labelled cells."""
        total = sum(c["total"] for c in self.counts.values())
        return {k: (v["total"] / total if total else 0.0) for k, v in self.counts.items()}


def pseudolabel(
    features: np.ndarray,
    grid: GridSpec,
    points_xy: np.ndarray,
    point_classes: Optional[np.ndarray] = None,
    negative_cells: Optional[np.ndarray] = None,
    mask: Optional[np.ndarray] = None,
    method: str = "pu_bagging",
    positive_radius: float = 0.0,
    negative_buffer: float = 0.0,
    confidence: float = 0.9,
    iterations: int = 5,
    bags: int = 30,
    neighbors: int = 10,
    negative_quantile: float = 0.3,
    alpha: float = 0.9,
    growth: float = 0.5,
    seed: int = 0,
    progress: ProgressCallback = None,
    is_cancelled: CancelCallback = None,
) -> PseudoLabelResult:
    """Extend point labels to a label raster on ``grid``.

    Parameters
    ----------
    features : (bands, height, width) evidence; a cell with NaN in any band is nodata.
    points_xy : (n, 2) labelled points in the grid's CRS.
    point_classes : (n,) integer classes, 0 = barren, 1.. = mineralised (levels); None = all 1
        (known deposits).
    negative_cells : (height, width) bool, known barren ground.
    mask : (height, width) bool, True inside the area to label.
    positive_radius : cells whose centre is within this distance of a positive point are positive seeds.
    negative_buffer : no cell within this distance of a positive point is ever labelled barren.
    confidence : the least score (probability or share of votes) for a pseudo-label.
    iterations : self-training rounds.
    growth : self-training adds at most this multiple of a class's current size per round.
    """
    warnings: List[str] = []
    if method not in METHODS:
        raise InputError(f"unknown method '{method}'; choose one of {', '.join(METHODS)}.", "METHOD")
    if not (0.5 <= confidence <= 1.0):
        raise InputError("the confidence must be between 0.5 and 1.", "CONFIDENCE")
    if positive_radius < 0 or negative_buffer < 0:
        raise InputError("radii and buffers must be zero or positive distances.", "POSITIVE_RADIUS")
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
        if mask.shape != valid.shape:
            raise InputError("the mask does not match the grid.", "MASK")
        valid &= mask.astype(bool)
    n_valid = int(valid.sum())
    if n_valid < 10:
        raise InputError("fewer than 10 cells have evidence in every band inside the mask.", "INPUT_RASTERS")

    seeds2d, buffer2d = _seed_labels(
        grid, valid, points_xy, classes, negative_cells, positive_radius, negative_buffer, warnings
    )
    seeds = seeds2d[valid]
    in_buffer = buffer2d[valid]
    if not (seeds >= 1).any():
        raise InputError(
            "no cell with evidence in every band lies on or within POSITIVE_RADIUS of a mineralised point; check "
            "that the points overlap the rasters (same area and CRS) or increase POSITIVE_RADIUS.",
            "LABELS",
        )
    n_classes = int(seeds.max()) + 1
    if method == "pu_bagging" and n_classes > 2:
        warnings.append("PU bagging is two-class: every mineralised class was merged into class 1.")
        seeds = np.where(seeds >= 1, 1, seeds).astype(np.int16)
        n_classes = 2
    x = _standardise(features, valid)
    rng = np.random.default_rng(seed)
    history: List[Dict[str, object]] = []

    labels = seeds.copy()
    conf = np.zeros(n_valid, dtype=np.float32)
    conf[seeds >= 0] = 1.0

    def assign(scores: np.ndarray, target: np.ndarray, target_conf: np.ndarray, growth: float = 0.0) -> int:
        best = scores.argmax(axis=1)
        top = scores[np.arange(len(scores)), best]
        free = target == UNLABELLED
        target_conf[free] = top[free]
        take = free & (top >= confidence) & ~((best == 0) & in_buffer)
        if growth > 0:  # self-training: each class grows by at most `growth` x its size, most confident first
            for c in range(scores.shape[1]):
                cand = np.flatnonzero(take & (best == c))
                cap = int(np.ceil(growth * max(1, int((target == c).sum()))))
                if len(cand) > cap:
                    order = np.argsort(-top[cand], kind="stable")
                    take[cand[order[cap:]]] = False
        target[take] = best[take]
        return int(take.sum())

    if method == "pu_bagging":
        votes = _pu_bagging(x, seeds, in_buffer, bags, negative_quantile, rng, progress, is_cancelled)
        assign(votes, labels, conf)
    elif method == "label_spreading":
        prob = _label_spreading(x, seeds, in_buffer, n_classes, neighbors, alpha, 200, progress, is_cancelled)
        assign(prob, labels, conf)
    else:
        start = 0.0
        if not (labels == 0).any():
            votes = _pu_bagging(
                x,
                seeds,
                in_buffer,
                max(5, bags // 3),
                negative_quantile,
                rng,
                lambda f: report(progress, 0.3 * f),
                is_cancelled,
            )
            best = votes.argmax(axis=1)
            neg = (labels == UNLABELLED) & (best == 0) & (votes[:, 0] >= confidence) & ~in_buffer
            labels[neg] = 0
            conf[neg] = votes[neg, 0]
            history.append({"round": 0, "added": int(neg.sum()), "note": "reliable negatives from PU bagging"})
            start = 0.3
        for r in range(iterations):
            check_cancelled(is_cancelled)
            prob = _fit_predict(x, labels, n_classes, rng)
            added = assign(prob, labels, conf, growth)
            history.append({"round": r + 1, "added": added})
            report(progress, start + (1 - start) * (r + 1) / max(1, iterations))
            if added == 0:
                break

    out_labels = np.full(valid.shape, UNLABELLED, dtype=np.int16)
    out_labels[valid] = labels
    out_conf = np.full(valid.shape, np.nan, dtype=np.float32)
    out_conf[valid] = np.clip(conf, 0.0, 1.0)
    counts: Dict[str, Dict[str, int]] = {}
    for c in range(n_classes):
        s = int((seeds == c).sum())
        t = int((labels == c).sum())
        counts[str(c)] = {"seed": s, "pseudo": t - s, "total": t}
    counts_unl = int((labels == UNLABELLED).sum())
    settings = dict(
        method=method,
        positive_radius=positive_radius,
        negative_buffer=negative_buffer,
        confidence=confidence,
        iterations=iterations,
        bags=bags,
        neighbors=neighbors,
        negative_quantile=negative_quantile,
        alpha=alpha,
        growth=growth,
        seed=seed,
        bands=int(features.shape[0]),
        labelled_points=int(len(points_xy)),
        unlabelled_cells=counts_unl,
    )
    unused = {
        "pu_bagging": ("iterations", "neighbors", "alpha", "growth"),
        "label_spreading": ("iterations", "bags", "negative_quantile", "growth"),
        "self_training": ("neighbors", "alpha"),
    }[method]
    settings = {k: v for k, v in settings.items() if k not in unused}
    report(progress, 1.0)
    return PseudoLabelResult(out_labels, out_conf, counts, settings, n_valid, warnings, history)


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
    inside = (rows >= 0) & (rows < grid.height) & (cols >= 0) & (cols < grid.width)
    hits = near[rows[inside], cols[inside]]
    return (float(hits.sum()) / len(points_xy) if len(points_xy) else 0.0), area
