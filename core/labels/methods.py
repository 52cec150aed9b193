"""The three pseudo-labelling methods' engines: PU bagging, label spreading on a k-NN graph, self-training's fit."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..callbacks import CancelCallback, ProgressCallback, check_cancelled, report
from ..errors import InputError
from ..lazy import lazy_module
from ..neighbours import NeighbourIndex
from .seeds import UNLABELLED
from .softmax import BLOCK, SoftmaxRegression

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

sparse = lazy_module("scipy.sparse")  # scipy imported when used: the plugin loads without it

#: at most this many training cells per class are used for one classifier fit
MAX_TRAIN_PER_CLASS = 20000


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
        if len(known_neg) and np.any((seeds == 0) & ~in_buffer):  # the buffer is not what left nothing (sweep 19a)
            raise InputError(
                "the known barren ground covers every cell outside NEGATIVE_BUFFER, so no unlabelled cell is left "
                "to learn from; give barren points or the areas found barren, not a layer covering the whole area "
                "(such as a geological map), or leave NEGATIVES empty.",
                "NEGATIVES",
            )
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
) -> "csr_matrix":
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
        report(progress, 0.8 * min(1.0, (s + BLOCK) / n))
    del tree
    sigma2 = float(np.mean(dist2)) or 1.0
    np.multiply(dist2, -1.0 / sigma2, out=dist2)
    np.exp(dist2, out=dist2)
    w = sparse.csr_matrix((dist2.ravel(), indices.ravel(), np.arange(0, n * k + 1, k, dtype=np.int64)), shape=(n, n))
    del indices, dist2
    check_cancelled(is_cancelled)  # the symmetric graph: 16 M cells, k 10: several seconds in one scipy call
    report(progress, 0.85)
    w = w.maximum(w.T).tocsr()
    check_cancelled(is_cancelled)  # a cancel asked during it stops here, not after the caller's next step
    report(progress, 1.0)
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
    """Class probabilities after spreading the seed labels over the kNN graph.

    The graph's nodes are the distinct feature vectors (:func:`distinct_rows`): cells with the same evidence are one
    node, holding the sum of their seed labels, and take its probabilities. Without repeated vectors this is the
    graph of the cells (as before sweep 17b, to the bit). With them (a stack whose bands were all resampled from
    coarser rasters: each value 16 times at a quarter of the cell size) a cell's k nearest neighbours were its own
    copies at distance 0: the graph fell apart into groups of copies, the heat kernel's width (the mean squared
    distance) into 0, and nothing spread beyond the copies of the seeds' cells; the KD-tree's queries also slowed
    with the copies (21 times the time for 10 times the cells)."""
    n = len(x)
    first, node = distinct_rows(x)
    # principal components keep the neighbour search fast in many bands (at most 8 dimensions)
    cov = np.cov(x[:: max(1, n // 200000)].T) if x.shape[1] > 1 else np.ones((1, 1))
    vals, vecs = np.linalg.eigh(np.atleast_2d(cov))
    order = np.argsort(vals)[::-1]
    vals, vecs = vals[order], vecs[:, order]
    keep = int(np.searchsorted(np.cumsum(vals) / vals.sum(), 0.99) + 1) if vals.sum() > 0 else 1
    keep = max(1, min(8, keep, x.shape[1]))
    distinct = x if len(first) == n else x[first]
    z = (distinct @ vecs[:, :keep].astype(np.float32)).astype(np.float64)
    del distinct
    # (one node, every cell the same evidence: no neighbour, its labels' shares)
    check_cancelled(is_cancelled)
    report(progress, 0.02)
    w = knn_graph(z, neighbors, is_cancelled, lambda f: report(progress, 0.02 + 0.38 * f)) if len(z) > 1 else None
    del z
    if w is None:
        w = sparse.csr_matrix((1, 1), dtype=np.float32)
    check_cancelled(is_cancelled)
    deg = np.asarray(w.sum(axis=1)).ravel()
    dinv = np.zeros_like(deg)
    dinv[deg > 0] = 1.0 / np.sqrt(deg[deg > 0])
    rows = np.repeat(np.arange(len(first), dtype=np.int32), np.diff(w.indptr))
    w.data *= (dinv[rows] * dinv[w.indices]).astype(np.float32)
    del rows
    cells = np.zeros((n, n_classes), dtype=np.float32)
    labelled = seeds >= 0
    cells[np.flatnonzero(labelled), seeds[labelled]] = 1.0
    if not (seeds == 0).any():
        # background prior: the barren class gets the positives' total mass, spread thinly over
        # the unlabelled cells outside the buffer
        bg = (seeds == UNLABELLED) & ~in_buffer
        if bg.any():
            cells[bg, 0] = float(labelled.sum()) / float(bg.sum())
    if len(first) == n:
        y = cells
    else:  # each node: the sum of its cells' labels
        y = np.stack([np.bincount(node, weights=cells[:, c], minlength=len(first)) for c in range(n_classes)], axis=1)
        y = y.astype(np.float32)
    del cells
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
    return prob if len(first) == n else prob[node]


def distinct_rows(x: np.ndarray) -> "tuple[np.ndarray, np.ndarray]":
    """The distinct rows of ``x`` (n, d), bit for bit: the index of each one's first row, in the order of the rows
    (arange(n) when no row repeats), and the distinct row of every row (n,). A 64-bit hash of each row's bits is
    sorted (a sort of n integers, where ``np.unique(axis=0)`` compares rows: several times slower); rows sharing a
    hash are checked equal, and a collision falls back to ``np.unique``."""
    n = len(x)
    if n == 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    rows = np.ascontiguousarray(x)
    bits = rows.view(np.uint8).reshape(n, -1)
    words = np.ascontiguousarray(np.pad(bits, ((0, 0), (0, -bits.shape[1] % 8)))).view(np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for c in range(words.shape[1]):  # splitmix64-style mixing of each 8-byte word into the running hash
            v = (words[:, c] ^ h) + np.uint64(0x9E3779B97F4A7C15) * np.uint64(c + 1)
            v = (v ^ (v >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            v = (v ^ (v >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            h = v ^ (v >> np.uint64(31))
    ordered = np.sort(h)
    if not (ordered[1:] == ordered[:-1]).any():  # every hash once: every row distinct (the usual stack)
        return np.arange(n), np.arange(n)
    del ordered
    order = np.argsort(h, kind="stable")
    starts = np.concatenate([[True], h[order][1:] != h[order][:-1]])
    group = np.cumsum(starts) - 1  # hash group of each sorted row
    first = order[starts]  # the first row of each group (stable sort: the lowest index)
    node = np.empty(n, dtype=np.intp)
    node[order] = group
    if not np.array_equal(bits[first][node], bits):  # two different rows with one hash: compare rows instead
        _, first, node = np.unique(bits, axis=0, return_index=True, return_inverse=True)
        node = np.asarray(node).reshape(-1)
    # number the distinct rows in the order of their first row
    by_first = np.argsort(first, kind="stable")
    rank = np.empty(len(first), dtype=np.intp)
    rank[by_first] = np.arange(len(first))
    return first[by_first], rank[node]


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
