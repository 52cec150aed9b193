"""Label spreading's rounds against a conjugate-gradient solve of the same system (sweep 18c, not adopted yet).

The spreading iterates F <- alpha S F + (1 - alpha) Y (``core.labels.methods._label_spreading``: about 73 rounds of
both columns, each a sparse product over every node; the rounds' time grows 4.9 x for 4 x the cells, cache misses).
Its fixed point solves (I - alpha S) F = (1 - alpha) Y, which is symmetric positive definite (condition number at most
(1 + alpha) / (1 - alpha) = 19), so conjugate gradients reach it in fewer products. Printed per size (1 M and 4 M
cells, bench_pseudolabel's smooth fields): seconds of each in the same run, the products each needed, and the largest
difference of the class probabilities.

Measured (sweep 18c, 2 shared cores): cg / rounds 0.30 at 1 M and 0.33 at 4 M cells (55 one-column products against
74 two-column rounds), but the probabilities differ by up to 1 (2 where a sum changes sign) on cells far from every
seed: their values are ~1e-30 or less, below the solve's tolerance (1e-6 of the labels' norm), so their ratio is
rounding noise, where the rounds leave them exactly 0 (unlabelled). Not adopted: it needs a stop on each cell's
values, not on the residual's norm, before it can replace the rounds.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "build", "plugins"))

ALPHA = 0.9


def rounds(w, y, alpha: float = ALPHA, max_iter: int = 200):
    """The iteration as ``_label_spreading`` runs it (copied from it, sweep 18c)."""
    f = y.copy()
    done = 0
    while done < max_iter:
        new = alpha * (w @ f) + (1 - alpha) * y
        change = float(np.abs(new - f).max())
        f = new
        done += 1
        if change < 1e-6 * max(float(f.max()), 1e-30):
            break
    return f, done


def conjugate_gradients(w, y, alpha: float = ALPHA):
    from scipy.sparse.linalg import LinearOperator, cg

    n = len(y)
    count = [0]

    def product(v):
        count[0] += 1
        return v - alpha * (w @ v)

    a = LinearOperator((n, n), matvec=product, dtype=np.float32)
    columns = []
    for c in range(y.shape[1]):
        b = ((1 - alpha) * y[:, c]).astype(np.float32)
        try:
            solution, _ = cg(a, b, x0=y[:, c].copy(), rtol=1e-6, atol=0.0)
        except TypeError:  # scipy before 1.12
            solution, _ = cg(a, b, x0=y[:, c].copy(), tol=1e-6, atol=0.0)
        columns.append(solution)
    return np.stack(columns, axis=1), count[0]


def main() -> None:
    from bench_spreading_scale import K, _cells, distinct

    from geochem_prospector.core.labels.methods import knn_graph

    for side in (1024, 2048):
        x, seeds = _cells(distinct(side))
        w = knn_graph(x.astype(np.float64), K)
        dinv = 1.0 / np.sqrt(np.asarray(w.sum(axis=1)).ravel())
        rows = np.repeat(np.arange(len(x)), np.diff(w.indptr))
        w.data *= (dinv[rows] * dinv[w.indices]).astype(np.float32)
        y = np.zeros((len(x), 2), dtype=np.float32)
        y[seeds >= 0, seeds[seeds >= 0]] = 1.0
        started = time.perf_counter()
        f_old, n_rounds = rounds(w, y)
        old = time.perf_counter() - started
        started = time.perf_counter()
        f_cg, products = conjugate_gradients(w, y)
        new = time.perf_counter() - started
        with np.errstate(invalid="ignore", divide="ignore"):
            p_old = f_old / f_old.sum(axis=1, keepdims=True)
            p_cg = f_cg / f_cg.sum(axis=1, keepdims=True)
        both = np.isfinite(p_old).all(axis=1) & np.isfinite(p_cg).all(axis=1)
        print(
            f"{len(x):,} cells: rounds {old:.2f} s ({n_rounds} rounds of 2 columns), conjugate gradients {new:.2f} s "
            f"({products} products of 1 column), cg / rounds {new / old:.2f}; largest probability difference "
            f"{np.abs(p_old - p_cg)[both].max():.1e} on {int(both.sum()):,} cells with labels",
            flush=True,
        )


if __name__ == "__main__":
    main()
