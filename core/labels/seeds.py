"""Seed labels on the grid: positive cells around labelled points, barren cells, distances, standardised features."""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..callbacks import CancelCallback, ProgressCallback, check_cancelled, report
from ..grid import GridSpec
from ..lazy import lazy_function
from .softmax import BLOCK

cKDTree = lazy_function("scipy.spatial", "cKDTree")  # noqa: N816 (scipy imported when used: loads without it)

#: label value of unlabelled (and nodata) cells in :attr:`PseudoLabelResult.labels`
UNLABELLED = -1


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


def left_out_points_warning(on_grid: np.ndarray, usable: np.ndarray, field: str) -> Optional[str]:
    """The LABELS warning for the label points left out: those off the grid (``on_grid`` False) and those on it
    without a class (``usable`` False, a NULL or empty value in ``field``); None when every point is kept."""
    inside = on_grid & usable
    if not (~inside).sum():
        return None
    off, classless = int((~on_grid).sum()), int((on_grid & ~usable).sum())
    why = [f"{off} outside the rasters"] if off else []
    why += [f"{classless} without a class in '{field}' (NULL or empty)"] if classless else []
    return f"LABELS: {int((~inside).sum())} of the {len(inside)} label points are left out, {' and '.join(why)}."


def shared_cells_warning(
    rows: np.ndarray,
    cols: np.ndarray,
    classes: np.ndarray,
    cell_size: str,
    parameter: str = "LABELS",
    xy: Optional[np.ndarray] = None,
) -> Optional[str]:
    """What is lost where labelled points fall into the same cell (the grid keeps one label a cell, the higher
    class): how many points, in how many cells, how many of those with different classes, and what to do; None
    when every point has a cell of its own. ``rows``, ``cols``, ``classes``: the points on the grid;
    ``cell_size``: the cell's side as the message writes it (:meth:`GridSpec.length_text`); ``xy``: their
    coordinates, when given, tell records repeated exactly (same place, same class: a deposit entered twice),
    which lose nothing and which no finer grid would separate."""
    if len(rows) < 2:
        return None
    repeats = 0
    if xy is not None:
        records = np.column_stack([np.asarray(xy, np.float64).reshape(-1, 2), np.asarray(classes, np.float64)])
        repeats = int(len(records) - np.unique(records, axis=0).shape[0])
    cell = np.asarray(rows, np.int64) * (int(np.max(cols)) + 1) + np.asarray(cols, np.int64)
    order = np.argsort(cell, kind="stable")
    cell, classes = cell[order], np.asarray(classes)[order]
    starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
    counts = np.diff(np.r_[starts, cell.size])
    lost = int(cell.size - starts.size)
    if not lost:
        return None
    shared = counts > 1
    lowest, highest = np.minimum.reduceat(classes, starts), np.maximum.reduceat(classes, starts)
    mixed, n_shared = int(np.count_nonzero(shared & (lowest != highest))), int(shared.sum())
    mixed_text = f"; in {mixed} of them the classes differ and the higher class was kept" if mixed else ""
    if repeats == lost:
        return (
            f"{parameter}: {repeats} of {cell.size} labelled points repeat another point's place and class exactly "
            "(the same site recorded twice, as database exports hold them): each place is labelled once, so nothing "
            "is lost; remove the repeats where the table is counted as deposits."
        )
    repeated = (
        f" {repeats} of the points repeat another's place and class exactly (a site recorded twice): those lose "
        "nothing, and no finer grid would separate them."
        if repeats
        else ""
    )
    return (
        f"{parameter}: {int(counts[shared].sum())} of {cell.size} labelled points share a cell of {cell_size} "
        f"with another point ({n_shared} cell{'s hold' if n_shared != 1 else ' holds'} more than one{mixed_text}), "
        f"and a cell holds one "
        f"label, so {lost} label{'s were' if lost != 1 else ' was'} lost ({starts.size} labelled cells "
        f"remain).{repeated} Use evidence rasters with a finer PIXEL_SIZE (interpolate, evidence) or fewer points "
        "(one a cell, e.g. one per deposit)."
    )


def labels_without_evidence(
    bands: np.ndarray, labels: np.ndarray, band_names: Sequence[str], parameter: str = "LABELS"
) -> Optional[str]:
    """Labelled cells (``labels`` >= 0) where a band of the (bands, rows, columns) stack has no value are left out of
    training: how many, and which bands lack the value, or None when every labelled cell has all of them."""
    labelled = np.isfinite(labels) & (labels >= 0)
    n = int(labelled.sum())
    missing = ~np.isfinite(np.asarray(bands)[:, labelled])
    lost = int(missing.any(axis=0).sum()) if n else 0
    if not lost:
        return None
    per_band = missing.sum(axis=1)
    named = ", ".join(f"'{band_names[i]}' ({int(per_band[i]):,})" for i in np.argsort(-per_band) if per_band[i])
    return (
        f"{parameter}: {lost:,} of {n:,} labelled cells have no value in band(s) {named} (nodata there), so training "
        f"leaves them out and sees {n - lost:,}. Check those bands' nodata value and extent, or leave a band out."
    )


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
    inside = grid.holds(rows, cols)
    usable = inside.copy()
    usable[inside] = valid[rows[inside], cols[inside]]
    if (~usable).any():
        warnings.append(
            f"LABELS: {int((~usable).sum())} of {len(points_xy)} labelled points fall outside the grid or on nodata "
            "cells; their own cells are not labelled, but the radius and buffer of mineralised ones still apply."
        )
    merged = shared_cells_warning(
        rows[usable], cols[usable], classes[usable], grid.length_text(grid.pixel_size), xy=points_xy[usable]
    )
    if merged:
        warnings.append(merged)
    flat_valid = np.flatnonzero(valid.ravel())
    # the valid cells' centres only: the whole grid's took 32 bytes a cell
    rows_valid, cols_valid = np.divmod(flat_valid, w)
    cell_xy = np.column_stack(grid.centres_of(rows_valid, cols_valid))
    del rows_valid, cols_valid

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
            warnings.append(
                f"NEGATIVES: {dropped} known-barren cells lie within NEGATIVE_BUFFER of a positive and were ignored."
            )
        seeds[neg] = 0
    barren = (classes == 0) & usable
    if barren.any():
        br, bc = rows[barren], cols[barren]
        keep = ~in_buffer[br, bc]
        if (~keep).any():
            warnings.append(
                f"LABELS: {int((~keep).sum())} barren points lie within NEGATIVE_BUFFER of a positive and were ignored."
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


def _standardise(
    features: np.ndarray, valid: np.ndarray, progress: ProgressCallback = None, is_cancelled: CancelCallback = None
) -> np.ndarray:
    """(valid cells, bands) float32 with zero mean and unit variance per band.

    One band's statistics at a time, then the cells in blocks: the whole stack's float64 deviations (16 bytes per
    cell and band, twice the stack) are never held, and a national grid (16 M cells, 20 bands: 8 s) reports
    progress and can be cancelled between bands and blocks."""
    n_bands = features.shape[0]
    flat = features.reshape(n_bands, -1)
    cells = np.flatnonzero(valid.ravel())
    mean = np.empty(n_bands, dtype=np.float32)
    std = np.empty(n_bands, dtype=np.float32)
    for b in range(n_bands):
        check_cancelled(is_cancelled)
        column = flat[b, cells]
        m = column.mean(dtype=np.float64)
        sd = column.std(dtype=np.float64)
        mean[b], std[b] = m, (sd if np.float32(sd) > 0 else 1.0)  # constant band (or NaN): unscaled
        report(progress, 0.5 * (b + 1) / n_bands)
    del column
    x = np.empty((len(cells), n_bands), dtype=np.float32)
    block = 16 * BLOCK
    for s in range(0, len(cells), block):
        check_cancelled(is_cancelled)
        part = flat[:, cells[s : s + block]].T
        part -= mean
        part /= std
        x[s : s + block] = part
        report(progress, 0.5 + 0.5 * min(1.0, (s + block) / max(1, len(cells))))
    return x
