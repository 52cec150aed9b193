"""Inverse-distance-weighted interpolation onto a grid.

Nearest-neighbour search uses a KD-tree (:mod:`.neighbours`); cells are processed
in blocks of rows so memory stays bounded whatever the grid size, and every
block is vectorised (no Python loop over cells).
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from ..callbacks import CancelCallback, ProgressCallback
from ..distributed.runner import TaskRunner, run_tasks
from ..errors import InputError
from ..grid import GridSpec, checked_mask
from ..neighbours import NeighbourIndex

#: distances below this fraction of the pixel size count as an exact hit
EXACT_HIT_FRACTION = 1e-9


def _validate(points_xy: np.ndarray, values: np.ndarray, power: float, neighbors: int) -> None:
    if points_xy.ndim != 2 or points_xy.shape[1] != 2:
        raise InputError("sample coordinates must be an (n, 2) array.", "INPUT")
    if values.ndim != 2 or values.shape[0] != points_xy.shape[0]:
        raise InputError("values must be an (n, n_fields) array matching the points.", "FIELDS")
    if not np.isfinite(points_xy).all():
        raise InputError("some sample coordinates are not finite; fix or remove those features.", "INPUT")
    if not (power > 0 and np.isfinite(power)):
        raise InputError("the power must be a positive number (2 is usual).", "POWER")
    if neighbors < 0:
        raise InputError("the number of neighbours must be 0 (all samples) or more.", "NEIGHBORS")


def idw_weights_block(distances: np.ndarray, power: float, exact: float) -> np.ndarray:
    """IDW weights for an (m, k) block of distances (``inf`` marks missing neighbours).

    A row with a distance at or below ``exact`` gets all its weight on the
    exact hits (averaged if several samples share the location).
    """
    # In place, one temporary: inf (no neighbour) gives 1 / inf = 0. ``**=`` keeps numpy's fast
    # paths (square for 2, sqrt for 0.5), so the weights equal ``1 / max(d, exact) ** power`` bit for bit.
    weights = np.maximum(distances, exact)
    weights **= power
    with np.errstate(divide="ignore"):
        np.divide(1.0, weights, out=weights)
    hits = distances <= exact
    hit_rows = hits.any(axis=1)
    if hit_rows.any():
        weights[hit_rows] = hits[hit_rows].astype(float)
    return weights


def idw_grid(
    points_xy: np.ndarray,
    values: np.ndarray,
    grid: GridSpec,
    power: float = 2.0,
    neighbors: int = 12,
    max_distance: Optional[float] = None,
    mask: Optional[np.ndarray] = None,
    log_transform: bool = False,
    nodata: float = np.nan,
    progress: ProgressCallback = None,
    is_cancelled: CancelCallback = None,
    block_budget_bytes: int = 128 * 2**20,
    field_names: Optional[Sequence[str]] = None,
    runner: Optional[TaskRunner] = None,
) -> np.ndarray:
    """Interpolate one or more value columns onto ``grid`` by inverse distance weighting.

    Parameters
    ----------
    points_xy : (n, 2) sample coordinates in the grid's CRS.
    values : (n,) or (n, n_fields) sample values; NaN marks a missing value
        (that sample is ignored for that field only).
    power : distance exponent.
    neighbors : k nearest samples used per cell; 0 means all samples (global IDW).
    max_distance : search radius; cells without any sample within it get ``nodata``.
    mask : (height, width) boolean, True inside the area to fill; outside gets ``nodata``.
    log_transform : interpolate log10 of the values and back-transform (values must be > 0).
    runner : where the blocks of rows run (:class:`core.distributed.runner.TaskRunner`); None = this process.

    Returns
    -------
    (n_fields, height, width) float32 array; estimates beyond the float32 range are infinite (see
    :func:`core.io.rasters.clear_beyond_float32`).
    """
    points_xy = np.asarray(points_xy, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    _validate(points_xy, values, power, neighbors)
    names = list(field_names) if field_names is not None else [f"field {i + 1}" for i in range(values.shape[1])]
    if max_distance is not None and not (max_distance > 0):
        raise InputError("the search radius must be positive, or left empty for no limit.", "MAX_DISTANCE")
    if mask is not None:
        mask = checked_mask(mask, (grid.height, grid.width))

    work = _working_values(values, names, log_transform)

    out = np.full((values.shape[1], grid.height, grid.width), np.float32(nodata), dtype=np.float32)
    exact = EXACT_HIT_FRACTION * grid.pixel_size

    # Fields sharing the same set of valid samples share one tree and one neighbour query.
    groups: dict = {}
    for j in range(work.shape[1]):
        valid = np.isfinite(work[:, j])
        if not valid.any():
            raise InputError(f"field '{names[j]}' has no numeric values.", "FIELDS")
        groups.setdefault(valid.tobytes(), (valid, []))[1].append(j)

    k_max = max(1, neighbors) if neighbors > 0 else int(max(v.sum() for v, _ in groups.values()))
    bytes_per_cell = 8 * (k_max * (3 + len(names)) + 2 * len(names) + 4)
    rows_per_block = grid.rows_per_block(bytes_per_cell, block_budget_bytes)

    # One task per field group and block of rows; on Dask the workers build their own KD-tree.
    tasks = []
    for valid, columns in groups.values():
        xy = points_xy[valid]
        vals = work[valid][:, columns]
        k = xy.shape[0] if neighbors == 0 else min(neighbors, xy.shape[0])
        use_tree = neighbors > 0
        tree = NeighbourIndex(xy) if use_tree and (runner is None or runner.in_process) else None
        if runner is not None:
            xy, vals = runner.share(xy), runner.share(vals)
        for row0 in range(0, grid.height, rows_per_block):
            row1 = min(grid.height, row0 + rows_per_block)
            rows_mask = None if mask is None else mask[row0:row1]
            args = (
                xy,
                vals,
                use_tree,
                tree,
                grid,
                row0,
                row1,
                rows_mask,
                k,
                max_distance,
                power,
                exact,
                log_transform,
                nodata,
            )
            tasks.append(((tuple(columns), row0, row1), args))

    def consume(key, est: Optional[np.ndarray]) -> None:
        columns, row0, row1 = key
        if est is not None:
            out[list(columns), row0:row1] = est

    run_tasks(runner, idw_rows, tasks, consume, progress, is_cancelled)
    return out


def idw_rows(
    xy: np.ndarray,
    vals: np.ndarray,
    use_tree: bool,
    tree: Optional[NeighbourIndex],
    grid: GridSpec,
    row0: int,
    row1: int,
    rows_mask: Optional[np.ndarray],
    k: int,
    max_distance: Optional[float],
    power: float,
    exact: float,
    log_transform: bool,
    nodata: float,
) -> Optional[np.ndarray]:
    """IDW of rows ``row0:row1`` of ``grid``: (fields, rows, width) float32 (``nodata`` outside ``rows_mask`` and
    where no sample is in range; beyond float32: inf), or None when the mask leaves no cell. The unit of work of
    :func:`idw_grid` in this process and on Dask workers; with ``use_tree`` and no ``tree``, it builds the KD-tree.
    """
    if use_tree and tree is None:
        tree = NeighbourIndex(xy)
    cx, cy = grid.cell_centres(row0, row1)
    inside = np.ones(cx.shape, dtype=bool) if rows_mask is None else rows_mask.ravel().astype(bool)
    if not inside.any():
        return None
    targets = np.column_stack([cx[inside], cy[inside]])
    est = _estimate_block(targets, xy, vals, tree, k, max_distance, power, exact)
    if log_transform:
        est = 10.0**est
    est[~np.isfinite(est)] = nodata
    block = np.full((vals.shape[1], row1 - row0, grid.width), np.float32(nodata), dtype=np.float32)
    with np.errstate(over="ignore"):  # beyond float32: inf, for the caller to count (clear_beyond_float32)
        for local in range(vals.shape[1]):
            block[local].reshape(-1)[inside] = est[:, local]
    return block


def _working_values(values: np.ndarray, names: Sequence[str], log_transform: bool) -> np.ndarray:
    """A copy of the (n, fields) values with non-finite values as NaN, in log10 when asked (values must be > 0)."""
    work = values.copy()
    work[~np.isfinite(work)] = np.nan
    if log_transform:
        for j, name in enumerate(names):
            column = work[:, j]
            bad = np.isfinite(column) & (column <= 0)
            if bad.any():
                raise InputError(
                    f"field '{name}' has {int(bad.sum())} values <= 0, which have no logarithm; "
                    "turn off the log transform or replace those values (e.g. half the detection limit).",
                    "LOG_TRANSFORM",
                )
        with np.errstate(invalid="ignore", divide="ignore"):
            work = np.log10(work)
    return work


def _estimate_block(
    targets: np.ndarray,
    xy: np.ndarray,
    vals: np.ndarray,
    tree: Optional[NeighbourIndex],
    k: int,
    max_distance: Optional[float],
    power: float,
    exact: float,
) -> np.ndarray:
    """(m, fields) IDW estimates at ``targets`` from the k nearest samples (all samples without a tree); NaN where
    no sample is in range."""
    if tree is not None:
        dist, idx = tree.query(targets, k, max_distance)
        idx[idx >= xy.shape[0]] = 0  # missing neighbours: inf distance, weight 0
    else:
        dist = np.hypot(targets[:, 0:1] - xy[None, :, 0], targets[:, 1:2] - xy[None, :, 1])
        if max_distance is not None:
            dist[dist > max_distance] = np.inf
        idx = None
    weights = idw_weights_block(dist, power, exact)
    wsum = weights.sum(axis=1)
    if idx is None:
        weighted = weights @ vals
    else:  # (m, k) x (m, k, f) -> (m, f)
        weighted = np.einsum("mk,mkf->mf", weights, vals[idx])
    est = weighted / np.where(wsum > 0, wsum, 1.0)[:, None]
    est[wsum <= 0] = np.nan
    return est


def idw_points(
    xy: np.ndarray,
    z: np.ndarray,
    targets: np.ndarray,
    power: float = 2.0,
    neighbors: int = 12,
    max_distance: Optional[float] = None,
    exclude: Optional[np.ndarray] = None,
    log_transform: bool = False,
    exact: float = 0.0,
) -> np.ndarray:
    """IDW of one value column ``z`` (n,) at ``targets`` (m, 2), as :func:`idw_grid` does per cell.

    ``exclude`` (m,) gives, per target, a sample index to leave out
    (leave-one-out cross-validation). ``log_transform`` uses log10 as
    :func:`idw_grid`. NaN where no sample lies within ``max_distance``.
    """
    xy = np.asarray(xy, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.float64).reshape(-1, 2)
    _validate(xy, z[:, None], power, neighbors)
    y = np.log10(z) if log_transform else z
    n = xy.shape[0]
    if neighbors <= 0:  # every sample: distances to all of them, in blocks of targets of bounded memory
        est = np.empty(targets.shape[0])
        step = max(1, POINTS_BLOCK_BYTES // (24 * max(1, n)))
        for start in range(0, targets.shape[0], step):
            block = targets[start : start + step]
            dist = np.hypot(block[:, None, 0] - xy[None, :, 0], block[:, None, 1] - xy[None, :, 1])
            if max_distance is not None:
                dist[dist > max_distance] = np.inf
            if exclude is not None:
                dist[np.arange(len(block)), exclude[start : start + step]] = np.inf
            est[start : start + step] = _weighted(dist, None, y, power, exact)
        return 10.0**est if log_transform else est
    k = min(n, neighbors + (1 if exclude is not None else 0))
    dist, idx = NeighbourIndex(xy).query(targets, k, max_distance)
    if exclude is not None:
        dist = np.where(idx == exclude[:, None], np.inf, dist)
        # keep the nearest `neighbors` of the others
        order = np.argsort(dist, axis=1, kind="stable")[:, :neighbors]
        dist = np.take_along_axis(dist, order, axis=1)
        idx = np.take_along_axis(idx, order, axis=1)
    idx = np.where(idx >= n, 0, idx)
    est = _weighted(dist, idx, y, power, exact)
    return 10.0**est if log_transform else est


#: memory for one block of :func:`idw_points` with every sample as a neighbour (NEIGHBORS = 0): its distances
#: and weights, 24 bytes per target and sample. Before, all targets were queried at once: 10-fold cross-validation
#: of 100,000 samples asked for 10,000 x 90,000 sorted neighbours (14 GB) per fold.
POINTS_BLOCK_BYTES = 128 * 2**20


def _weighted(dist: np.ndarray, idx: Optional[np.ndarray], y: np.ndarray, power: float, exact: float) -> np.ndarray:
    """The IDW estimate of each row of ``dist`` (m, k) from the values ``y[idx]`` (``idx`` None: ``y`` in order,
    every sample); NaN for a row without any weight."""
    weights = idw_weights_block(dist, power, exact)
    wsum = weights.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        est = (weights @ y if idx is None else np.einsum("mk,mk->m", weights, y[idx])) / wsum
    est[wsum <= 0] = np.nan
    return est
