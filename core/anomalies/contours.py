"""Contour lines of a gridded surface by marching squares (numpy + shapely, no scikit-image).

Cell values sit at cell centres. Every square of four neighbouring centres is
classified by which corners are at or above the level; crossing points are
interpolated linearly along the square's edges. Each edge's crossing is
computed once, so neighbouring squares share identical end points and the
segments join exactly into lines (:func:`join_segments`). Ambiguous saddle
squares are resolved by the mean of the four corners. Squares touching a NaN
cell produce nothing, so lines stop at the edge of the data.
"""

from __future__ import annotations

from typing import List

import numpy as np

from ..grid import GridSpec

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
    tl, tr, br, bl = z[:-1, :-1], z[:-1, 1:], z[1:, 1:], z[1:, :-1]
    with np.errstate(invalid="ignore"):
        case = 8 * (tl >= level) + 4 * (tr >= level) + 2 * (br >= level) + 1 * (bl >= level)
    valid = np.isfinite(tl) & np.isfinite(tr) & np.isfinite(br) & np.isfinite(bl)
    ii, jj = np.nonzero(valid & (case != 0) & (case != 15))  # only squares the contour crosses
    if ii.size == 0:
        return np.empty((0, 2, 2))
    case = case[ii, jj]
    a_tl, a_tr, a_br, a_bl = z[ii, jj], z[ii, jj + 1], z[ii + 1, jj + 1], z[ii + 1, jj]
    px = grid.pixel_size
    x0 = grid.xmin + (jj + 0.5) * px  # centre of the top-left corner cell
    y0 = grid.ymax - (ii + 0.5) * px
    # edge crossings; a shared edge is computed from the same two values in both squares, so it is identical
    ex = np.stack(
        [x0 + _crossing(a_tl, a_tr, level) * px, x0 + px, x0 + _crossing(a_bl, a_br, level) * px, x0]
    )  # fmt: skip
    ey = np.stack(
        [y0, y0 - _crossing(a_tr, a_br, level) * px, y0 - px, y0 - _crossing(a_tl, a_bl, level) * px]
    )  # fmt: skip
    centre_high = (a_tl + a_tr + a_br + a_bl) / 4.0 >= level
    first = np.full((16, 2), -1)
    for code, segments in _SEGMENTS.items():
        first[code] = segments[0]
    pieces: List[np.ndarray] = []

    def emit(rows: np.ndarray, edges: np.ndarray) -> None:
        seg = np.empty((rows.size, 2, 2))
        seg[:, 0, 0], seg[:, 0, 1] = ex[edges[:, 0], rows], ey[edges[:, 0], rows]
        seg[:, 1, 0], seg[:, 1, 1] = ex[edges[:, 1], rows], ey[edges[:, 1], rows]
        pieces.append(seg)

    single = np.nonzero(first[case, 0] >= 0)[0]
    emit(single, first[case[single]])
    for code, (low, high) in _SADDLES.items():
        for segments, centre in ((low, False), (high, True)):
            rows = np.nonzero((case == code) & (centre_high == centre))[0]
            for edge_pair in segments:
                emit(rows, np.broadcast_to(np.array(edge_pair), (rows.size, 2)))
    segments = np.concatenate(pieces)
    keep = np.any(segments[:, 0] != segments[:, 1], axis=1)  # drop zero-length pieces
    return segments[keep]


def join_segments(segments: np.ndarray) -> List[np.ndarray]:
    """Chain segments that share end points into polylines ((k, 2) arrays; closed rings repeat the first point).

    A point shared by exactly two segments is inside a line; any other point (one segment: an edge of the
    data; three or more: a contour passing exactly through a cell centre) ends the lines that meet there.
    """
    if len(segments) == 0:
        return []
    points = np.ascontiguousarray(segments.reshape(-1, 2), dtype=np.float64)
    unique, inverse = np.unique(points.view(np.complex128).ravel(), return_inverse=True)
    n_segments = len(segments)
    ends = inverse.reshape(n_segments, 2)
    flat = inverse
    owner = np.repeat(np.arange(n_segments), 2)
    order = np.argsort(flat, kind="stable")
    starts = np.searchsorted(flat[order], np.arange(unique.size + 1))
    incident_sorted = owner[order].tolist()
    starts_l = starts.tolist()
    a, b = ends[:, 0].tolist(), ends[:, 1].tolist()
    degree = np.diff(starts).tolist()
    used = [False] * n_segments
    chains: List[List[int]] = []

    def walk(segment: int, point: int) -> List[int]:
        chain = [point]
        while True:
            used[segment] = True
            point = b[segment] if a[segment] == point else a[segment]
            chain.append(point)
            if degree[point] != 2:
                return chain
            s0, s1 = incident_sorted[starts_l[point]], incident_sorted[starts_l[point] + 1]
            segment = s1 if s0 == segment else s0
            if used[segment]:
                return chain

    for point in range(unique.size):  # open lines start at their ends
        if degree[point] != 2:
            for k in range(starts_l[point], starts_l[point + 1]):
                if not used[incident_sorted[k]]:
                    chains.append(walk(incident_sorted[k], point))
    for segment in range(n_segments):  # what is left are closed rings
        if not used[segment]:
            chains.append(walk(segment, a[segment]))
    xy = np.column_stack([unique.real, unique.imag])
    return [xy[chain] for chain in chains]


def contour_lines(z: np.ndarray, level: float, grid: GridSpec) -> list:
    """Contour lines of ``z`` at ``level`` as shapely LineStrings (closed rings where the contour closes)."""
    from shapely.geometry import LineString

    return [LineString(line) for line in join_segments(contour_segments(z, level, grid))]
