"""Label spreading against Zhou et al. (2004) computed by brute force with dense matrices: every pairwise distance,
the k nearest by a full sort, the heat kernel with the mean squared neighbour distance as its width, the graph made
symmetric (max of the two directions), S = D^-1/2 W D^-1/2 and the closed form F = (1 - alpha) (I - alpha S)^-1 Y.

Sweep 17b: the graph's nodes are the distinct feature vectors. Repeated vectors (a stack whose bands were all
resampled from coarser rasters) made every cell's neighbours its own copies, and nothing spread beyond the copies
of the seeds' cells; now they give the brute force on the distinct vectors, each holding its cells' labels."""

from __future__ import annotations

import numpy as np

from geochem_prospector.core.labels.methods import _label_spreading, distinct_rows

K = 6
ALPHA = 0.9


def zhou_dense(x: np.ndarray, y: np.ndarray, k: int = K, alpha: float = ALPHA) -> np.ndarray:
    x = x.astype(np.float64)
    d2 = ((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2)
    np.fill_diagonal(d2, np.inf)
    nearest = np.argsort(d2, axis=1)[:, :k]
    rows = np.repeat(np.arange(len(x)), k)
    knn_d2 = d2[rows, nearest.ravel()]
    sigma2 = knn_d2.mean()
    w = np.zeros((len(x), len(x)))
    w[rows, nearest.ravel()] = np.exp(-knn_d2 / sigma2)
    w = np.maximum(w, w.T)
    dinv = 1.0 / np.sqrt(w.sum(axis=1))
    s = dinv[:, None] * w * dinv[None, :]
    f = (1 - alpha) * np.linalg.solve(np.eye(len(x)) - alpha * s, y)
    return f / f.sum(axis=1, keepdims=True)


def scene(seed: int = 0, n: int = 240):
    """``n`` cells with 3 independent features (the principal components keep all three: a rotation, distances
    unchanged), 4 mineralised and 3 barren seeds."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    seeds = np.full(n, -1, dtype=np.int16)
    seeds[rng.choice(n, 7, replace=False)] = [1, 1, 1, 1, 0, 0, 0]
    return x, seeds


def one_hot(seeds: np.ndarray, n_classes: int = 2) -> np.ndarray:
    y = np.zeros((len(seeds), n_classes))
    y[seeds >= 0, seeds[seeds >= 0]] = 1.0
    return y


def spread(x: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    return _label_spreading(x, seeds, np.zeros(len(x), dtype=bool), 2, K, ALPHA, 200, None, None)


def test_distinct_cells_spread_as_zhou_et_al_by_brute_force():
    x, seeds = scene()
    np.testing.assert_allclose(
        spread(x, seeds), zhou_dense(x, one_hot(seeds)), atol=1e-3
    )  # the iteration stops within 1e-6 of its largest value (float32)


def test_repeated_feature_vectors_spread_as_their_distinct_vectors():
    """Each cell's evidence 16 times (a 4 x 4 block of fine cells in every coarse one), in shuffled order, seeds on
    some copies: every cell gets the brute force on the distinct vectors, each holding the sum of its copies'
    labels; and the labels reach cells that are no copy of a seed's (before: the k nearest were all copies)."""
    x, seeds = scene(1, 120)
    rng = np.random.default_rng(2)
    which = rng.permutation(np.repeat(np.arange(len(x)), 16))
    fine_x = x[which]
    fine_seeds = np.full(len(which), -1, dtype=np.int16)
    for cell in np.flatnonzero(seeds >= 0):
        copies = np.flatnonzero(which == cell)
        fine_seeds[copies[:3]] = seeds[cell]  # three of its 16 copies seeded (a point's POSITIVE_RADIUS)
    y = np.zeros((len(x), 2))
    np.add.at(y, (which[fine_seeds >= 0], fine_seeds[fine_seeds >= 0]), 1.0)
    expected = zhou_dense(x, y)[which]
    got = spread(fine_x, fine_seeds)
    np.testing.assert_allclose(
        got, expected, atol=1e-3
    )  # the iteration stops within 1e-6 of its largest value (float32)
    seeded = np.isin(which, np.flatnonzero(seeds >= 0))
    assert (got[~seeded, 1] > 0.6).sum() > 10  # mineralised beyond the seeds' copies


def test_distinct_rows_against_numpy_unique():
    rng = np.random.default_rng(4)
    base = rng.integers(0, 5, size=(300, 3)).astype(np.float32)  # many repeats
    first, node = distinct_rows(base)
    _, ref_first, ref_inverse = np.unique(base, axis=0, return_index=True, return_inverse=True)
    assert len(first) == len(ref_first) and set(first) == set(ref_first)
    assert np.array_equal(base[first][node], base)
    assert np.all(np.diff(first) > 0)  # in the order of their first row
    # same rows, same node; different rows, different nodes
    ref_inverse = np.asarray(ref_inverse).ravel()
    assert np.array_equal(node[:, None] == node[None, :], ref_inverse[:, None] == ref_inverse[None, :])
    distinct = rng.normal(size=(50, 2)).astype(np.float32)
    first, node = distinct_rows(distinct)
    assert np.array_equal(first, np.arange(50)) and np.array_equal(node, np.arange(50))
