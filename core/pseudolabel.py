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

import csv
import html
import io
import json
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np
from scipy import optimize, sparse
from scipy.ndimage import distance_transform_edt
from scipy.spatial import cKDTree

from .callbacks import CancelCallback, ProgressCallback, check_cancelled, report
from .errors import InputError
from .grid import GridSpec
from .neighbours import NeighbourIndex
from .raster_io import atomic_output

METHODS = ("pu_bagging", "label_spreading", "self_training")
#: label value of unlabelled (and nodata) cells in :attr:`PseudoLabelResult.labels`
UNLABELLED = -1
#: rows predicted per block (bounded memory whatever the grid size)
BLOCK = 65536
#: at most this many training cells per class are used for one classifier fit
MAX_TRAIN_PER_CLASS = 20000


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


# ---------------------------------------------------------------------------------------------
# a small multinomial logistic regression (numpy + L-BFGS), with squared terms for curvature


def _expand(x: np.ndarray) -> np.ndarray:
    """Features plus their squares: lets a linear model describe 'high', 'low' and 'mid' values."""
    return np.hstack([x, x * x - 1.0]).astype(np.float64)


class SoftmaxRegression:
    """L2-regularised multinomial logistic regression on ``[x, x**2]``, fitted with L-BFGS."""

    def __init__(self, n_classes: int, l2: float = 1e-2, max_iter: int = 200) -> None:
        self.n_classes = n_classes
        self.l2 = l2
        self.max_iter = max_iter
        self.coef: Optional[np.ndarray] = None  # (n_features + 1, n_classes)

    def fit(self, x: np.ndarray, y: np.ndarray, sample_weight: Optional[np.ndarray] = None) -> "SoftmaxRegression":
        a = _expand(x)
        a = np.hstack([a, np.ones((a.shape[0], 1))])
        n, d = a.shape
        k = self.n_classes
        onehot = np.zeros((n, k))
        onehot[np.arange(n), y] = 1.0
        w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        w = w / w.sum()
        reg = np.full((d, 1), self.l2)
        reg[-1] = 0.0  # no penalty on the intercept

        def loss(theta: np.ndarray) -> Tuple[float, np.ndarray]:
            coef = theta.reshape(d, k)
            z = a @ coef
            z -= z.max(axis=1, keepdims=True)
            logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
            value = -(w * (onehot * logp).sum(axis=1)).sum() + 0.5 * float((reg * coef * coef).sum())
            grad = a.T @ (w[:, None] * (np.exp(logp) - onehot)) + reg * coef
            return value, grad.ravel()

        res = optimize.minimize(loss, np.zeros(d * k), jac=True, method="L-BFGS-B", options={"maxiter": self.max_iter})
        self.coef = res.x.reshape(d, k)
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """(n, n_classes) probabilities, computed in blocks."""
        assert self.coef is not None, "fit first"
        out = np.empty((x.shape[0], self.n_classes), dtype=np.float32)
        for s in range(0, x.shape[0], BLOCK):
            a = _expand(x[s : s + BLOCK])
            z = a @ self.coef[:-1] + self.coef[-1]
            z -= z.max(axis=1, keepdims=True)
            e = np.exp(z)
            out[s : s + BLOCK] = e / e.sum(axis=1, keepdims=True)
        return out


# ---------------------------------------------------------------------------------------------
# seeds and geometry


def _distance_to_points(cell_xy: np.ndarray, points: np.ndarray, upper: float) -> np.ndarray:
    """Distance from every cell centre to its nearest point (inf beyond ``upper``)."""
    if len(points) == 0:
        return np.full(len(cell_xy), np.inf)
    tree = cKDTree(points)
    out = np.empty(len(cell_xy))
    for s in range(0, len(cell_xy), BLOCK):
        out[s : s + BLOCK] = tree.query(cell_xy[s : s + BLOCK], k=1, distance_upper_bound=upper)[0]
    return out


def _tolerant(distance: float) -> float:
    """A distance grown by a rounding tolerance, so cells exactly on a radius count as inside."""
    return distance * (1 + 1e-9) + 1e-9


def _seed_labels(
    grid: GridSpec,
    valid: np.ndarray,
    points_xy: np.ndarray,
    classes: np.ndarray,
    negative_cells: Optional[np.ndarray],
    positive_radius: float,
    negative_buffer: float,
    warnings: List[str],
) -> Tuple[np.ndarray, np.ndarray]:
    """Seed class per valid cell (UNLABELLED elsewhere) and the 'within the buffer of a positive' flag."""
    h, w = grid.height, grid.width
    seeds = np.full((h, w), UNLABELLED, dtype=np.int16)
    rows, cols = grid.rowcol(points_xy[:, 0], points_xy[:, 1])
    inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
    usable = inside.copy()
    usable[inside] = valid[rows[inside], cols[inside]]
    if (~usable).any():
        warnings.append(
            f"{int((~usable).sum())} of {len(points_xy)} labelled points fall outside the grid or on nodata "
            "cells; their own cells are not labelled, but the radius and buffer of mineralised ones still apply."
        )
    cx, cy = grid.cell_centres()
    cell_xy = np.column_stack([cx, cy])[valid.ravel()]
    flat_valid = np.flatnonzero(valid.ravel())

    positive = classes >= 1
    # every mineralised point counts for the buffer, even one on a nodata cell or just outside the grid;
    # a relative tolerance keeps cells on the buffer's edge inside it
    dist = _distance_to_points(cell_xy, points_xy[positive], 2 * _tolerant(max(positive_radius, negative_buffer)))
    buffer_flat = np.zeros(h * w, dtype=bool)
    buffer_flat[flat_valid] = dist <= _tolerant(negative_buffer)
    in_buffer = buffer_flat.reshape(h, w)
    # the cells holding a positive point are always within its buffer
    in_buffer[rows[positive & usable], cols[positive & usable]] = True

    if negative_cells is not None:
        neg = negative_cells & valid & ~in_buffer
        dropped = int((negative_cells & valid & in_buffer).sum())
        if dropped:
            warnings.append(f"{dropped} known-barren cells lie within NEGATIVE_BUFFER of a positive and were ignored.")
        seeds[neg] = 0
    barren = (classes == 0) & usable
    if barren.any():
        br, bc = rows[barren], cols[barren]
        keep = ~in_buffer[br, bc]
        if (~keep).any():
            warnings.append(
                f"{int((~keep).sum())} barren points lie within NEGATIVE_BUFFER of a positive and were ignored."
            )
        seeds[br[keep], bc[keep]] = 0
    # positives: every cell within POSITIVE_RADIUS of a point of that class, higher classes win ties
    for c in sorted(set(int(v) for v in classes[positive])):
        sel = classes == c
        d = _distance_to_points(cell_xy, points_xy[sel], 2 * _tolerant(positive_radius))
        flat = np.zeros(h * w, dtype=bool)
        flat[flat_valid] = d <= _tolerant(positive_radius)
        cells = flat.reshape(h, w)
        cells[rows[sel & usable], cols[sel & usable]] = True
        seeds[cells] = c
    return seeds, in_buffer


def _standardise(features: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """(valid cells, bands) float32 with zero mean and unit variance per band."""
    x = features[:, valid].T.astype(np.float32)
    mean = x.mean(axis=0, dtype=np.float64)
    std = x.std(axis=0, dtype=np.float64)
    std[~(std > 0)] = 1.0
    x -= mean.astype(np.float32)
    x /= std.astype(np.float32)
    return x


# ---------------------------------------------------------------------------------------------
# the three methods; each returns per-cell class scores (n_valid, n_classes) in [0, 1]


def _pu_bagging(
    x: np.ndarray,
    seeds: np.ndarray,
    in_buffer: np.ndarray,
    bags: int,
    negative_quantile: float,
    rng: np.random.Generator,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> np.ndarray:
    """Votes: column 0 = share of out-of-bag rounds ranking the cell among the lowest, column 1 = like a positive."""
    n = len(x)
    pos = np.flatnonzero(seeds >= 1)
    known_neg = np.flatnonzero(seeds == 0)
    unl = np.flatnonzero(seeds == UNLABELLED)
    pool = np.flatnonzero((seeds == UNLABELLED) & ~in_buffer)
    if len(pool) == 0:
        raise InputError("no unlabelled cells are left outside NEGATIVE_BUFFER; reduce the buffer.", "NEGATIVE_BUFFER")
    n_pos_train = min(len(pos), MAX_TRAIN_PER_CLASS)
    n_draw = min(len(pool), max(n_pos_train, 50))
    oob = np.zeros(n, dtype=np.int32)
    low = np.zeros(n, dtype=np.int32)
    high = np.zeros(n, dtype=np.int32)
    in_bag = np.zeros(n, dtype=bool)
    for b in range(bags):
        check_cancelled(is_cancelled)
        p_idx = pos if len(pos) <= n_pos_train else rng.choice(pos, n_pos_train, replace=False)
        u_idx = rng.choice(pool, n_draw, replace=False)
        n_idx = np.concatenate([u_idx, known_neg[:MAX_TRAIN_PER_CLASS]])
        train = np.concatenate([n_idx, p_idx])
        y = np.concatenate([np.zeros(len(n_idx), dtype=int), np.ones(len(p_idx), dtype=int)])
        weight = np.where(y == 1, 1.0 / len(p_idx), 1.0 / len(n_idx))
        model = SoftmaxRegression(2).fit(x[train], y, weight)
        score = model.predict_proba(x)[:, 1]
        in_bag[:] = False
        in_bag[u_idx] = True
        out = np.flatnonzero(~in_bag)
        t_low = np.quantile(score[unl], negative_quantile) if len(unl) else -np.inf
        t_high = np.quantile(score[pos], 0.25)
        oob[out] += 1
        low[out] += score[out] <= t_low
        high[out] += score[out] >= t_high
        report(progress, (b + 1) / bags)
    votes = np.zeros((n, 2), dtype=np.float32)
    seen = oob > 0
    votes[seen, 0] = low[seen] / oob[seen]
    votes[seen, 1] = high[seen] / oob[seen]
    return votes


def knn_graph(
    z: np.ndarray, neighbors: int, is_cancelled: CancelCallback = None, progress: ProgressCallback = None
) -> sparse.csr_matrix:
    """Symmetric k-nearest-neighbour affinity matrix (heat kernel), float32, O(n k) memory."""
    n = len(z)
    k = min(neighbors, n - 1)
    tree = NeighbourIndex(z)
    indices = np.empty((n, k), dtype=np.int32)
    dist2 = np.empty((n, k), dtype=np.float32)
    for s in range(0, n, BLOCK):
        check_cancelled(is_cancelled)
        d, i = tree.query(z[s : s + BLOCK], k + 1)
        indices[s : s + BLOCK] = i[:, 1:]
        dist2[s : s + BLOCK] = d[:, 1:] ** 2
        report(progress, min(1.0, (s + BLOCK) / n))
    del tree
    sigma2 = float(np.mean(dist2)) or 1.0
    np.multiply(dist2, -1.0 / sigma2, out=dist2)
    np.exp(dist2, out=dist2)
    w = sparse.csr_matrix((dist2.ravel(), indices.ravel(), np.arange(0, n * k + 1, k, dtype=np.int64)), shape=(n, n))
    del indices, dist2
    w = w.maximum(w.T).tocsr()
    w.data = w.data.astype(np.float32, copy=False)
    return w


def _label_spreading(
    x: np.ndarray,
    seeds: np.ndarray,
    in_buffer: np.ndarray,
    n_classes: int,
    neighbors: int,
    alpha: float,
    max_iter: int,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> np.ndarray:
    """Class probabilities after spreading the seed labels over the kNN graph."""
    n = len(x)
    # principal components keep the neighbour search fast in many bands (at most 8 dimensions)
    cov = np.cov(x[:: max(1, n // 200000)].T) if x.shape[1] > 1 else np.ones((1, 1))
    vals, vecs = np.linalg.eigh(np.atleast_2d(cov))
    order = np.argsort(vals)[::-1]
    vals, vecs = vals[order], vecs[:, order]
    keep = int(np.searchsorted(np.cumsum(vals) / vals.sum(), 0.99) + 1) if vals.sum() > 0 else 1
    keep = max(1, min(8, keep, x.shape[1]))
    z = (x @ vecs[:, :keep].astype(np.float32)).astype(np.float64)
    w = knn_graph(z, neighbors, is_cancelled, lambda f: report(progress, 0.4 * f))
    del z
    deg = np.asarray(w.sum(axis=1)).ravel()
    dinv = np.zeros_like(deg)
    dinv[deg > 0] = 1.0 / np.sqrt(deg[deg > 0])
    rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(w.indptr))
    w.data *= (dinv[rows] * dinv[w.indices]).astype(np.float32)
    del rows
    y = np.zeros((n, n_classes), dtype=np.float32)
    labelled = seeds >= 0
    y[np.flatnonzero(labelled), seeds[labelled]] = 1.0
    if not (seeds == 0).any():
        # background prior: the barren class gets the positives' total mass, spread thinly over
        # the unlabelled cells outside the buffer
        bg = (seeds == UNLABELLED) & ~in_buffer
        if bg.any():
            y[bg, 0] = float(labelled.sum()) / float(bg.sum())
    f = y.copy()
    for it in range(max_iter):
        check_cancelled(is_cancelled)
        new = alpha * (w @ f) + (1 - alpha) * y
        change = float(np.abs(new - f).max())
        f = new
        report(progress, 0.4 + 0.6 * (it + 1) / max_iter)
        if change < 1e-6 * max(float(f.max()), 1e-30):
            break
    total = f.sum(axis=1, keepdims=True)
    prob = np.zeros_like(f)
    np.divide(f, total, out=prob, where=total > 0)
    return prob


def _fit_predict(x: np.ndarray, labels: np.ndarray, n_classes: int, rng: np.random.Generator) -> np.ndarray:
    """Class-balanced fit on the labelled cells (subsampled per class), probabilities for every cell."""
    train = []
    for c in range(n_classes):
        idx = np.flatnonzero(labels == c)
        if len(idx) > MAX_TRAIN_PER_CLASS:
            idx = rng.choice(idx, MAX_TRAIN_PER_CLASS, replace=False)
        train.append(idx)
    idx = np.concatenate(train)
    y = labels[idx].astype(int)
    counts = np.bincount(y, minlength=n_classes).astype(float)
    weight = 1.0 / counts[y]
    return SoftmaxRegression(n_classes).fit(x[idx], y, weight).predict_proba(x)


# ---------------------------------------------------------------------------------------------


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


#: text labels read as the barren class (0), case-insensitive
BARREN_WORDS = ("barren", "background", "negative", "no", "false", "unmineralised", "unmineralized", "waste")


def class_ids(raw: List[object]) -> Tuple[np.ndarray, Dict[int, str], np.ndarray]:
    """Class ids from a label field: ``(ids, names, usable)``.

    Whole numbers >= 0 are used as they are (0 = barren); negative whole numbers mean
    "unlabelled" (scikit-learn's -1 convention) and are not usable. Text values: the words
    in :data:`BARREN_WORDS` become 0, every other value 1, 2, ... in sorted order. Empty
    values are not usable.
    """
    text: List[Optional[str]] = []
    numbers: List[Optional[float]] = []
    for value in raw:
        if value is None or (isinstance(value, float) and not np.isfinite(value)) or str(value).strip() in ("", "NULL"):
            text.append(None)
            numbers.append(None)
            continue
        text.append(str(value).strip())
        try:
            number = float(str(value).strip())
        except ValueError:
            numbers.append(None)
            continue
        if number < 0 and number.is_integer():  # -1 etc.: explicitly unlabelled
            text[-1] = None
            numbers.append(None)
            continue
        numbers.append(number)
    usable = np.array([t is not None for t in text], dtype=bool)
    ids = np.zeros(len(text), dtype=np.int64)
    present = [n for n, t in zip(numbers, text) if t is not None]
    if present and all(n is not None and n >= 0 and float(n).is_integer() for n in present):
        for i, n in enumerate(numbers):
            if n is not None:
                ids[i] = int(n)
        names = {int(v): ("barren" if v == 0 else f"class {int(v)}") for v in set(ids[usable].tolist())}
        return ids, names, usable
    others = sorted({t for t in text if t is not None and t.lower() not in BARREN_WORDS})
    mapping = {t: i + 1 for i, t in enumerate(others)}
    names = {0: "barren"}
    for i, t in enumerate(text):
        if t is None:
            continue
        ids[i] = 0 if t.lower() in BARREN_WORDS else mapping[t]
        names[int(ids[i])] = t if ids[i] else names[0]
    return ids, names, usable


# ---------------------------------------------------------------------------------------------
# summary (JSON / CSV / HTML, chosen by the file extension)


def summary_record(result: PseudoLabelResult, class_names: Optional[Dict[int, str]] = None) -> Dict[str, object]:
    """Counts per class, class balance and settings as a JSON-friendly dict."""
    names = class_names or {}
    balance = result.class_balance
    rows = []
    for c, v in result.counts.items():
        rows.append(
            dict(
                class_id=int(c),
                name=names.get(int(c), {"0": "barren", "1": "mineralised"}.get(c, f"class {c}")),
                **v,
                share=round(balance[c], 6),
            )
        )
    labelled = sum(v["total"] for v in result.counts.values())
    return dict(
        classes=rows,
        valid_cells=result.valid_cells,
        labelled_cells=labelled,
        unlabelled_cells=result.valid_cells - labelled,
        settings=result.settings,
        history=result.history,
        warnings=result.warnings,
    )


def write_summary(path: str, record: Dict[str, object], parameter: str = "OUTPUT_SUMMARY") -> str:
    """Write the summary atomically; ``.json``, ``.csv`` or (anything else) HTML. ``parameter`` names the output
    in error messages."""
    ext = path.lower().rsplit(".", 1)[-1] if "." in path else ""
    if ext == "json":
        text = json.dumps(record, indent=2, default=str)
    elif ext == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(["class_id", "name", "seed", "pseudo", "total", "share"])
        for r in record["classes"]:  # type: ignore[union-attr]
            writer.writerow([r["class_id"], r["name"], r["seed"], r["pseudo"], r["total"], r["share"]])
        writer.writerow([])
        writer.writerow(["setting", "value"])
        for k, v in record["settings"].items():  # type: ignore[union-attr]
            writer.writerow([k, v])
        text = buf.getvalue()
    else:
        esc = html.escape
        body = [
            "<table><tr><th>class</th><th>name</th><th>seed cells</th><th>pseudo-labelled</th>"
            "<th>total</th><th>share</th></tr>"
        ]
        for r in record["classes"]:  # type: ignore[union-attr]
            body.append(
                f"<tr><td>{r['class_id']}</td><td>{esc(str(r['name']))}</td><td>{r['seed']}</td>"
                f"<td>{r['pseudo']}</td><td>{r['total']}</td><td>{100 * r['share']:.1f} %</td></tr>"
            )
        body.append("</table>")
        body.append(
            f"<p>{record['labelled_cells']} of {record['valid_cells']} valid cells labelled; "
            f"{record['unlabelled_cells']} left unlabelled (nodata).</p>"
        )
        body.append("<h2>Settings</h2><table>")
        for k, v in record["settings"].items():  # type: ignore[union-attr]
            body.append(f"<tr><td>{esc(str(k))}</td><td>{esc(str(v))}</td></tr>")
        body.append("</table>")
        if record["history"]:
            body.append("<h2>Rounds</h2><ul>")
            body.extend(f"<li>{esc(json.dumps(h))}</li>" for h in record["history"])  # type: ignore[union-attr]
            body.append("</ul>")
        if record["warnings"]:
            body.append("<h2>Warnings</h2><ul>")
            body.extend(f"<li>{esc(str(w))}</li>" for w in record["warnings"])  # type: ignore[union-attr]
            body.append("</ul>")
        text = (
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Pseudo-labelling summary</title>"
            "<style>body{font-family:sans-serif}td,th{padding:2px 8px;border-bottom:1px solid #ccc}</style>"
            "</head><body><h1>Pseudo-labelling summary</h1>" + "".join(body) + "</body></html>"
        )
    with atomic_output(path, parameter) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    return path
