"""Fitted scikit-learn models as plain arrays, and their prediction from those arrays alone (numpy).

A model file holds only arrays and JSON, never a pickled estimator, so the trees of a random forest or of gradient
boosting are stored as flat node tables (children, split feature, threshold, leaf value; the trees one after
another) and logistic regression as its standardisation and coefficients. Prediction repeats scikit-learn's own
arithmetic: trees compare float32 features with float64 thresholds (``x <= threshold`` goes left), a forest
averages its trees' leaf class fractions, gradient boosting adds ``learning_rate`` x the leaf values to the prior's
log-odds. Works with scikit-learn 1.2 (Debian's, which QGIS uses) to 1.9.
"""

from __future__ import annotations

from typing import Any, Dict, List

import numpy as np

from ..callbacks import CancelCallback, check_cancelled
from ..errors import ModelFileError

Arrays = Dict[str, np.ndarray]

#: samples pushed down all trees at once (memory: samples x trees node indices)
_CHUNK_CELLS = 4_000_000


def _tree_table(trees: List[Any], leaf_value) -> Arrays:
    """Concatenate scikit-learn ``Tree`` objects into one node table; children are global node numbers, -1 at leaves."""
    left, right, feature, threshold, value, offsets = [], [], [], [], [], [0]
    for tree in trees:
        t = tree.tree_
        base = offsets[-1]
        leaf = t.children_left < 0
        left.append(np.where(leaf, -1, t.children_left + base))
        right.append(np.where(leaf, -1, t.children_right + base))
        feature.append(np.where(leaf, 0, t.feature))
        threshold.append(np.where(leaf, 0.0, t.threshold))
        value.append(leaf_value(t.value))
        offsets.append(base + t.node_count)
    return {
        "left": np.concatenate(left).astype(np.float64),
        "right": np.concatenate(right).astype(np.float64),
        "feature": np.concatenate(feature).astype(np.float64),
        "threshold": np.concatenate(threshold).astype(np.float64),
        "value": np.concatenate(value).astype(np.float64),
        "offsets": np.asarray(offsets, dtype=np.float64),
    }


def forest_arrays(forest: Any, positive: int = 1) -> Arrays:
    """A fitted ``RandomForestClassifier``: each leaf's fraction of the positive class (weighted), per tree."""

    def fraction(value: np.ndarray) -> np.ndarray:
        counts = value[:, 0, :]
        total = counts.sum(axis=1)
        return counts[:, positive] / np.where(total > 0, total, 1.0)

    return _tree_table(list(forest.estimators_), fraction)


def boosting_arrays(boosting: Any) -> Arrays:
    """A fitted binary ``GradientBoostingClassifier``: regression trees, their learning rate, the prior's log-odds."""
    if boosting.estimators_.shape[1] != 1:
        raise ValueError("only binary gradient boosting is stored")
    arrays = _tree_table(list(boosting.estimators_[:, 0]), lambda value: value[:, 0, 0])
    prior = float(np.clip(boosting.init_.class_prior_[1], np.finfo(np.float32).eps, 1 - np.finfo(np.float32).eps))
    arrays["init"] = np.array([np.log(prior / (1 - prior))])
    arrays["learning_rate"] = np.array([float(boosting.learning_rate)])
    return arrays


def logistic_arrays(scaler: Any, logistic: Any) -> Arrays:
    """A fitted ``StandardScaler`` + binary ``LogisticRegression``: means, scales, coefficients and intercept."""
    return {
        "mean": np.asarray(scaler.mean_, dtype=np.float64),
        "scale": np.asarray(scaler.scale_, dtype=np.float64),
        "coef": np.asarray(logistic.coef_[0], dtype=np.float64),
        "intercept": np.asarray(logistic.intercept_, dtype=np.float64).reshape(1),
    }


def expit(z: np.ndarray) -> np.ndarray:
    """The logistic function, without overflow warnings."""
    out = np.empty_like(z, dtype=np.float64)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1.0 + e)
    return out


class TreeTable:
    """A node table checked for use: every child lies after its node within its own tree, so a walk ends."""

    def __init__(self, arrays: Arrays, n_features: int) -> None:
        offsets = arrays["offsets"]
        n = arrays["left"].size
        for key in ("left", "right", "feature", "threshold", "value"):
            if arrays[key].shape != (n,):
                raise ModelFileError(f"the tree array '{key}' has the wrong length.", "MODEL")
        if offsets[0] != 0 or offsets[-1] != n or np.any(np.diff(offsets) < 1) or np.any(offsets != np.round(offsets)):
            raise ModelFileError("the trees' offsets do not partition the node table.", "MODEL")
        self.roots = offsets[:-1].astype(np.int64)
        tree_of = np.repeat(np.arange(self.roots.size), np.diff(offsets).astype(np.int64))
        end = offsets[1:].astype(np.int64)[tree_of]
        node = np.arange(n)
        left, right = arrays["left"], arrays["right"]
        leaf = left < 0
        if np.any((right < 0) != leaf) or np.any(left[leaf] != -1) or np.any(right[leaf] != -1):
            raise ModelFileError("a tree node has one child only.", "MODEL")
        inner = ~leaf
        for child in (left, right):
            if np.any(child[inner] != np.round(child[inner])) or np.any(child[inner] <= node[inner]):
                raise ModelFileError("a tree node points back to an earlier node.", "MODEL")
            if np.any(child[inner] >= end[inner]):
                raise ModelFileError("a tree node points outside its tree.", "MODEL")
        feature = arrays["feature"]
        if np.any(feature != np.round(feature)) or np.any(feature < 0) or np.any(feature >= n_features):
            raise ModelFileError("a tree splits on a feature the model does not have.", "MODEL")
        self.leaf = leaf
        self.left = np.where(leaf, node, left).astype(np.int64)  # a leaf stays where it is
        self.right = np.where(leaf, node, right).astype(np.int64)
        self.feature = feature.astype(np.int64)
        self.threshold = arrays["threshold"]
        self.value = arrays["value"]
        self.depth = _max_depth(self.left, self.right, leaf, self.roots)

    def leaf_value_sums(self, x: np.ndarray, is_cancelled: CancelCallback = None) -> np.ndarray:
        """(n,) sum over the trees of the leaf value each sample reaches; ``x`` (n, features) float64 without NaN.
        Summed chunk by chunk, so memory holds one chunk's samples x trees, not the tile's (a 512 x 512 tile
        through 100 trees held 200 MB more); each sample's sum is the same as over the whole (n, trees) table.
        ``is_cancelled`` is checked before each chunk of samples (a tile of a large forest takes seconds)."""
        x = x.astype(np.float32).astype(np.float64)  # scikit-learn's trees see float32 features
        n, trees = x.shape[0], self.roots.size
        out = np.empty(n)
        step = max(1, _CHUNK_CELLS // max(trees, 1))
        for start in range(0, n, step):
            check_cancelled(is_cancelled)
            xs = x[start : start + step]
            node = np.broadcast_to(self.roots, (xs.shape[0], trees)).copy()
            sample = np.arange(xs.shape[0])[:, None]
            for _ in range(self.depth):
                go_left = xs[sample, self.feature[node]] <= self.threshold[node]
                node = np.where(go_left, self.left[node], self.right[node])
            out[start : start + step] = self.value[node].sum(axis=1)
        return out


def _max_depth(left: np.ndarray, right: np.ndarray, leaf: np.ndarray, roots: np.ndarray) -> int:
    """The longest root-to-leaf path, level by level (children always follow their node, so this ends)."""
    frontier, depth = roots, 0
    while True:
        inner = frontier[~leaf[frontier]]
        if inner.size == 0:
            return depth
        frontier = np.concatenate([left[inner], right[inner]])
        depth += 1


def forest_proba(table: TreeTable, x: np.ndarray, is_cancelled: CancelCallback = None) -> np.ndarray:
    """Positive-class probability of a random forest: the mean over trees of the leaf's class fraction."""
    return table.leaf_value_sums(x, is_cancelled) / table.roots.size


def boosting_proba(table: TreeTable, arrays: Arrays, x: np.ndarray, is_cancelled: CancelCallback = None) -> np.ndarray:
    """Positive-class probability of binary gradient boosting: expit(prior log-odds + rate x sum of leaf values)."""
    raw = arrays["init"][0] + arrays["learning_rate"][0] * table.leaf_value_sums(x, is_cancelled)
    return expit(raw)


def logistic_proba(arrays: Arrays, x: np.ndarray) -> np.ndarray:
    """Positive-class probability of standardised logistic regression."""
    z = ((x - arrays["mean"]) / arrays["scale"]) @ arrays["coef"] + arrays["intercept"][0]
    return expit(z)
