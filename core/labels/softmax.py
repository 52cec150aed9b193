"""A small multinomial logistic regression (L2, L-BFGS): the base learner of the pseudo-labelling methods."""

from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from ..lazy import lazy_module

optimize = lazy_module("scipy.optimize")  # scipy imported when used: the plugin loads without it

#: rows predicted per block (bounded memory whatever the grid size)
BLOCK = 65536


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
