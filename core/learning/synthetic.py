"""A synthetic mineral system whose deposits follow a known spatial rule, for developing and testing learners
beyond the few real deposits: deposits sit where two faults cross inside a favourable unit.

A per-cell learner sees at each cell only "on a fault" and "in the unit": every fault cell of the unit looks the
same to it, so it cannot tell an intersection from the rest of a fault. A learner that sees a neighbourhood can.
Pure numpy and scipy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

from ..lazy import lazy_module

ndimage = lazy_module("scipy.ndimage")  # scipy imported when used: the plugin loads without it

#: the evidence bands, in order
BAND_NAMES = ("fault", "favourable unit", "noise")


@dataclass
class MineralSystem:
    """The evidence (bands, H, W), the deposit cells (rows, cols), and the rule's parts for checks."""

    bands: np.ndarray
    deposit_rows: np.ndarray
    deposit_cols: np.ndarray
    faults: np.ndarray  # (H, W) bool
    unit: np.ndarray  # (H, W) bool
    crossings: np.ndarray  # (H, W) bool: cells on two or more faults, inside the unit or not


def _line_cells(shape: Tuple[int, int], angle: float, offset: float) -> np.ndarray:
    """Cells whose centre lies within half a cell (along the axis it crosses most) of the line
    x cos a + y sin a = offset, through the grid's centre frame: a connected one-cell-wide trace."""
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    y, x = rows - shape[0] / 2, cols - shape[1] / 2
    distance = x * np.cos(angle) + y * np.sin(angle) - offset
    width = 0.5 * max(abs(np.cos(angle)), abs(np.sin(angle)))
    return np.abs(distance) <= width


def fault_intersection_system(
    shape: Tuple[int, int] = (96, 96),
    n_faults: int = 14,
    unit_fraction: float = 0.5,
    seed: int = 0,
    margin: int = 4,
) -> MineralSystem:
    """Straight faults at random angles and offsets; a favourable unit (a smooth random field above its
    ``1 - unit_fraction`` quantile); one deposit at every cell where two or more faults cross inside the unit,
    at least ``margin`` cells from the edge. Bands: fault (1 on a fault, else 0), unit (1 inside, else 0), and
    Gaussian noise."""
    rng = np.random.default_rng(seed)
    height, width = shape
    faults = np.zeros(shape, dtype=bool)
    count = np.zeros(shape, dtype=np.int64)
    half = 0.45 * min(shape)
    for _ in range(n_faults):
        trace = _line_cells(shape, rng.uniform(0, np.pi), rng.uniform(-half, half))
        faults |= trace
        count += trace
    field = ndimage.gaussian_filter(rng.normal(size=shape), min(shape) / 12)
    unit = field > np.quantile(field, 1 - unit_fraction)
    crossing = (count >= 2) & unit
    crossing[:margin] = crossing[-margin:] = False
    crossing[:, :margin] = crossing[:, -margin:] = False
    # one deposit per crossing: the crossing cells of two lines at a shallow angle form a short run
    labelled, n = ndimage.label(crossing, np.ones((3, 3), bool))
    centres: List[Tuple[int, int]] = []
    for index in range(1, n + 1):
        rr, cc = np.nonzero(labelled == index)
        k = int(np.argmin((rr - rr.mean()) ** 2 + (cc - cc.mean()) ** 2))
        centres.append((int(rr[k]), int(cc[k])))
    rows = np.array([r for r, _ in centres], dtype=np.int64)
    cols = np.array([c for _, c in centres], dtype=np.int64)
    bands = np.stack([faults.astype(np.float32), unit.astype(np.float32), rng.normal(size=shape).astype(np.float32)])
    return MineralSystem(bands, rows, cols, faults, unit, count >= 2)


def west_training_labels(system: MineralSystem, n_barren: int = 3000, seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """The held-out design of the synthetic checks: (labels, west). ``labels`` (H, W) holds 1 at the western
    deposits, 0 at ``n_barren`` random western cells farther than two cells from every deposit, NaN elsewhere;
    ``west`` marks which deposits (in :attr:`MineralSystem.deposit_rows` order) train. The eastern ones are
    scored against every eastern cell."""
    height, width = system.bands.shape[1:]
    west = system.deposit_cols < width // 2
    near = np.zeros((height, width), bool)
    near[system.deposit_rows, system.deposit_cols] = True
    near = ndimage.binary_dilation(near, np.ones((5, 5), bool))
    candidates = np.flatnonzero(~near[:, : width // 2].ravel())
    rng = np.random.default_rng(seed)
    rows, cols = np.divmod(rng.choice(candidates, n_barren, replace=False), width // 2)
    labels = np.full((height, width), np.nan)
    labels[rows, cols] = 0
    labels[system.deposit_rows[west], system.deposit_cols[west]] = 1
    return labels, west
