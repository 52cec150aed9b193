"""Spatial validation splits: whole blocks or whole clusters of positives, never random cells."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ..errors import InputError
from ..neighbours import linked_clusters


def spatial_split(
    rows: np.ndarray,
    cols: np.ndarray,
    y: np.ndarray,
    shape: Tuple[int, int],
    method: str,
    block_cells: int,
    gap: int,
    rng: np.random.Generator,
    fraction: float = 0.2,
    positive: int = 1,
    cluster_cells: Optional[float] = None,
) -> Tuple[np.ndarray, np.ndarray, Dict[str, Any]]:
    """Indices (into rows/cols) of training and validation cells, split by space, never by random cells.

    ``blocks``: square blocks of ``block_cells`` cells go wholly to training or validation.
    ``clusters``: positive cells closer than ``cluster_cells`` form clusters (e.g. a deposit and its halo); every
    labelled cell within that distance of a positive joins its nearest cluster, farther cells always train;
    whole clusters are held out (leave-cluster-out).
    Training cells closer than ``gap`` cells (Chebyshev) to a validation cell are dropped, so no training patch
    overlaps a validation patch.
    """
    classes = np.unique(y)
    if method == "blocks":
        block_cells = max(1, int(block_cells))
        n_block_cols = shape[1] // block_cells + 1
        groups = (rows // block_cells) * n_block_cols + cols // block_cells
    elif method == "clusters":
        from scipy.spatial import cKDTree

        pos = np.flatnonzero(y == positive)
        if pos.size < 2:
            raise InputError("leave-cluster-out needs at least two positive cells; use spatial blocks.", "VALIDATION")
        pts = np.column_stack([rows, cols]).astype(float)
        radius = float(cluster_cells if cluster_cells else 2 * gap + 1)
        cluster_of_pos = linked_clusters(pts[pos], radius)
        n_clusters = int(cluster_of_pos.max()) + 1
        if n_clusters < 2:
            raise InputError(
                f"all positive cells form one cluster (within {radius:g} cells); use spatial blocks instead.",
                "VALIDATION",
            )
        distance, nearest = cKDTree(pts[pos]).query(pts)
        groups = cluster_of_pos[nearest]
        groups[distance > radius] = -1  # far from every positive: always training
    else:
        raise InputError(f"unknown validation method '{method}'; use blocks or clusters.", "VALIDATION")

    unique_groups = np.unique(groups[groups >= 0])
    target = fraction * (np.sum(y == positive) if method == "clusters" else len(y))
    for _attempt in range(200):
        order = rng.permutation(unique_groups)
        chosen: List[int] = []
        count = 0.0
        for g in order[: len(order) - 1 if (groups >= 0).all() else len(order)]:
            chosen.append(int(g))
            count += np.sum((groups == g) & (y == positive)) if method == "clusters" else np.sum(groups == g)
            if count >= target:
                break
        val_mask = np.isin(groups, chosen)
        val = np.flatnonzero(val_mask)
        train = np.flatnonzero(~val_mask & ~_near(rows, cols, val, gap))
        if all((y[val] == c).any() and (y[train] == c).any() for c in classes):
            info = {
                "method": method,
                "groups": int(unique_groups.size),
                "validation_groups": len(chosen),
                "train_cells": int(train.size),
                "validation_cells": int(val.size),
                "dropped_in_gap": int(len(y) - train.size - val.size),
            }
            return train, val, info
    groups_made = unique_groups.size
    if method == "blocks":
        units = f"{groups_made} block(s) of {block_cells} x {block_cells} cells"
        smaller = "smaller blocks (BLOCK_SIZE), a smaller PATCH_SIZE or COARSE_VIEW (the window, and the automatic "
        smaller += "blocks, grow with them)"
    else:  # clusters read no BLOCK_SIZE
        units = f"{groups_made} cluster(s)"
        smaller = "a smaller PATCH_SIZE or COARSE_VIEW (the window grows with them)"
    raise InputError(
        "could not split the labels in space so that every class is in both the training and the validation part "
        f"({units}; training cells within {gap} cells of a validation cell are left out, so that no training "
        f"window overlaps a validation one); add labels, use {smaller}, or change the validation method.",
        "VALIDATION",
    )


def _near(rows: np.ndarray, cols: np.ndarray, val: np.ndarray, gap: int) -> np.ndarray:
    """Which cells (rows, cols) lie within ``gap`` cells (Chebyshev) of a validation cell (indices ``val``): a
    k-d tree over the labelled cells only, so memory follows the labelled cells, never the grid (the square
    dilation of a whole-grid mask, :func:`_dilate_square`, gives the same cells)."""
    from scipy.spatial import cKDTree

    if val.size == 0:
        return np.zeros(rows.size, dtype=bool)
    points = np.column_stack([rows, cols]).astype(np.float64)
    distance, _ = cKDTree(points[val]).query(points, k=1, p=np.inf, distance_upper_bound=gap + 0.5)
    return np.isfinite(distance)


def _dilate_square(mask: np.ndarray, radius: int) -> np.ndarray:
    """Cells within ``radius`` (Chebyshev) of a True cell, with 2-D cumulative sums (numpy only)."""
    k = 2 * radius + 1
    c = np.pad(mask.astype(np.int64), ((radius + 1, radius), (radius + 1, radius))).cumsum(0).cumsum(1)
    box = c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]
    return box > 0
