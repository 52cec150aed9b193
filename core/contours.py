"""Contour lines of a gridded surface by marching squares (numpy + shapely, no scikit-image).

Cell values sit at cell centres. Every square of four neighbouring centres is
classified by which corners are at or above the level; crossing points are
interpolated linearly along the square's edges. Each edge's crossing is
computed once, so neighbouring squares share identical end points and the
segments join exactly into lines (``shapely.ops.linemerge``). Ambiguous saddle
squares are resolved by the mean of the four corners. Squares touching a NaN
cell produce nothing, so lines stop at the edge of the data.
"""

from __future__ import annotations

from typing import List

import numpy as np

from .grid import GridSpec

# Edge ids of a square: 0 top (tl-tr), 1 right (tr-br), 2 bottom (bl-br), 3 left (tl-bl).
# Case index = 8*tl + 4*tr + 2*br + 1*bl (1 = corner at or above the level).
_SEGMENTS = {
    1: [(3, 2)],
    2: [(2, 1)],
    3: [(3, 1)],
    4: [(0, 1)],
    6: [(0, 2)],
    7: [(3, 0)],
    8: [(3, 0)],
    9: [(0, 2)],
    11: [(0, 1)],
    12: [(3, 1)],
    13: [(2, 1)],
    14: [(3, 2)],
}
# Saddles: (centre below the level, centre at or above the level)
_SADDLES = {
    5: ([(0, 1), (3, 2)], [(3, 0), (2, 1)]),  # tr and bl high
    10: ([(3, 0), (2, 1)], [(0, 1), (3, 2)]),  # tl and br high
}


def _crossing(a: np.ndarray, b: np.ndarray, level: float) -> np.ndarray:
    """Fraction along a->b where the linear interpolant reaches ``level`` (0.5 if a == b)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (level - a) / (b - a)
    return np.where(np.isfinite(t), np.clip(t, 0.0, 1.0), 0.5)


def contour_segments(z: np.ndarray, level: float, grid: GridSpec) -> np.ndarray:
    """All contour segments of ``z`` at ``level`` as an (m, 2, 2) array of map coordinates."""
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 2 or z.shape[0] < 2 or z.shape[1] < 2:
        return np.empty((0, 2, 2))
    px = grid.pixel_size
    cols = grid.xmin + (np.arange(z.shape[1]) + 0.5) * px
    rows = grid.ymax - (np.arange(z.shape[0]) + 0.5) * px
    # crossing points on horizontal edges (i, j)-(i, j+1) and vertical edges (i, j)-(i+1, j)
    th = _crossing(z[:, :-1], z[:, 1:], level)
    hx = cols[None, :-1] + th * px
    hy = np.broadcast_to(rows[:, None], th.shape)
    tv = _crossing(z[:-1, :], z[1:, :], level)
    vx = np.broadcast_to(cols[None, :], tv.shape)
    vy = rows[:-1, None] - tv * px

    tl, tr, br, bl = z[:-1, :-1], z[:-1, 1:], z[1:, 1:], z[1:, :-1]
    valid = np.isfinite(tl) & np.isfinite(tr) & np.isfinite(br) & np.isfinite(bl)
    with np.errstate(invalid="ignore"):
        case = 8 * (tl >= level) + 4 * (tr >= level) + 2 * (br >= level) + 1 * (bl >= level)
        centre_high = (tl + tr + br + bl) / 4.0 >= level
    case = np.where(valid, case, 0)

    # edge end points for every square: (edge, 2, H-1, W-1)
    ex = np.stack([hx[:-1], vx[:, 1:], hx[1:], vx[:, :-1]])
    ey = np.stack([hy[:-1], vy[:, 1:], hy[1:], vy[:, :-1]])

    pieces: List[np.ndarray] = []

    def emit(selector: np.ndarray, segments) -> None:
        ii, jj = np.nonzero(selector)
        if ii.size == 0:
            return
        for e0, e1 in segments:
            seg = np.empty((ii.size, 2, 2))
            seg[:, 0, 0], seg[:, 0, 1] = ex[e0, ii, jj], ey[e0, ii, jj]
            seg[:, 1, 0], seg[:, 1, 1] = ex[e1, ii, jj], ey[e1, ii, jj]
            pieces.append(seg)

    for code, segments in _SEGMENTS.items():
        emit(case == code, segments)
    for code, (low, high) in _SADDLES.items():
        emit((case == code) & ~centre_high, low)
        emit((case == code) & centre_high, high)
    if not pieces:
        return np.empty((0, 2, 2))
    segments = np.concatenate(pieces)
    keep = np.any(segments[:, 0] != segments[:, 1], axis=1)  # drop zero-length pieces
    return segments[keep]


def contour_lines(z: np.ndarray, level: float, grid: GridSpec) -> list:
    """Contour lines of ``z`` at ``level`` as shapely LineStrings (closed rings where the contour closes)."""
    from shapely.geometry import MultiLineString
    from shapely.ops import linemerge

    segments = contour_segments(z, level, grid)
    if len(segments) == 0:
        return []
    merged = linemerge(MultiLineString([tuple(map(tuple, s)) for s in segments]))
    if merged.is_empty:
        return []
    return list(merged.geoms) if merged.geom_type == "MultiLineString" else [merged]
