"""Exact distances from grid cells to segments and points, and segment arrays from shapely geometries.

Distances are measured from cell centres to the vector features themselves (not to rasterized cells), and are exact
at any range, so a window needs no halo: :class:`SegmentIndex` cuts the segments into pieces no longer than
``spacing``, indexes the pieces' midpoints in a KD-tree, and for each cell takes the exact point-to-segment distance
to its ``k`` nearest pieces. Any piece farther than the ``k``-th midpoint is at least that midpoint distance minus
half a piece away; while that bound is not above the best distance found, ``k`` grows (x4) for the cells concerned,
so the result is the exact minimum over all segments (up to floating-point rounding).
"""

from __future__ import annotations

import math
from typing import Any, Iterable, List, Optional, Tuple

import numpy as np

from ..callbacks import CancelCallback, check_cancelled
from ..grid import GridSpec, distances_to_box
from ..neighbours import NeighbourIndex

#: piece length of the evidence sources' segment indexes, in cells
SPACING_CELLS = 8.0
#: cells per batch of nearest-piece queries (bounds the work arrays to a few tens of MB)
BATCH = 65_536
#: nearest pieces examined per cell at first (8, with pieces of 8 cells, was the fastest on the bench's faults)
FIRST_K = 8


def segments_of(geometries: Iterable[Any]) -> np.ndarray:
    """(n, 4) array of segments x0, y0, x1, y1 along the lines of shapely geometries: LineStrings, their Multi-
    forms, Polygons (their rings: the boundaries) and collections of these; points are ignored."""
    parts: List[np.ndarray] = []
    for geometry in geometries:
        for line in _lines_of(geometry):
            xy = np.asarray(line.coords, dtype=np.float64)[:, :2]
            if len(xy) >= 2:
                parts.append(np.hstack([xy[:-1], xy[1:]]))
    if not parts:
        return np.empty((0, 4))
    segs = np.vstack(parts)
    keep = np.isfinite(segs).all(axis=1)
    return segs[keep]


def _lines_of(geometry: Any) -> List[Any]:
    if geometry is None or geometry.is_empty:
        return []
    kind = geometry.geom_type
    if kind in ("LineString", "LinearRing"):
        return [geometry]
    if kind == "Polygon":
        return [geometry.exterior, *geometry.interiors]
    if kind in ("MultiLineString", "MultiPolygon", "GeometryCollection"):
        return [line for part in geometry.geoms for line in _lines_of(part)]
    return []


def points_of(geometries: Iterable[Any]) -> np.ndarray:
    """(n, 2) coordinates of the points (and multipoint parts) of shapely geometries."""
    xy: List[Tuple[float, float]] = []
    for geometry in geometries:
        if geometry is None or geometry.is_empty:
            continue
        parts = geometry.geoms if geometry.geom_type in ("MultiPoint", "GeometryCollection") else [geometry]
        xy.extend((p.x, p.y) for p in parts if p.geom_type == "Point" and not p.is_empty)
    out = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    return out[np.isfinite(out).all(axis=1)]


def densify(segments: np.ndarray, spacing: float) -> np.ndarray:
    """The segments cut into equal pieces no longer than ``spacing`` (a zero-length segment stays one piece)."""
    segments = np.asarray(segments, dtype=np.float64).reshape(-1, 4)
    length = np.hypot(segments[:, 2] - segments[:, 0], segments[:, 3] - segments[:, 1])
    pieces = np.maximum(1, np.ceil(length / spacing - 1e-9)).astype(np.int64)
    owner = np.repeat(np.arange(len(segments)), pieces)
    first = np.repeat(np.cumsum(pieces) - pieces, pieces)
    step = np.arange(len(owner)) - first
    t0 = step / pieces[owner]
    t1 = (step + 1) / pieces[owner]
    s = segments[owner]
    dx, dy = s[:, 2] - s[:, 0], s[:, 3] - s[:, 1]
    return np.column_stack([s[:, 0] + t0 * dx, s[:, 1] + t0 * dy, s[:, 0] + t1 * dx, s[:, 1] + t1 * dy])


class SegmentIndex:
    """Exact nearest-segment distances for any set of query points (see the module docstring).

    ``spacing`` (map units) is the longest piece the segments are cut into: shorter pieces tighten the bound (fewer
    pieces examined per cell far from the lines) but make more pieces to search among and to hold in memory (one
    per ``spacing`` of line); the evidence sources use :data:`SPACING_CELLS` cells.
    """

    def __init__(self, segments: np.ndarray, spacing: float) -> None:
        segments = np.asarray(segments, dtype=np.float64).reshape(-1, 4)
        if len(segments) == 0:
            raise ValueError("no segments to index")
        if not spacing > 0:
            raise ValueError("spacing must be positive")
        self.segments, self.spacing = segments, float(spacing)
        self._set(densify(segments, spacing))

    def _set(self, pieces: np.ndarray) -> None:
        self.pieces = pieces
        dx, dy = pieces[:, 2] - pieces[:, 0], pieces[:, 3] - pieces[:, 1]
        length2 = dx * dx + dy * dy
        with np.errstate(divide="ignore"):
            inv = np.where(length2 > 0, 1.0 / length2, 0.0)  # a zero-length piece: its start point
        self.half = 0.5 * float(np.sqrt(length2.max()))
        #: per piece: start x, y, direction dx, dy, 1 / length² (one gather per query batch)
        self._packed = np.column_stack([pieces[:, 0], pieces[:, 1], dx, dy, inv])
        self._tree = NeighbourIndex(np.column_stack([pieces[:, 0] + 0.5 * dx, pieces[:, 1] + 0.5 * dy]))

    def __getstate__(self) -> dict:
        # the segments travel (never more than the pieces cut from them); the pieces and the KD-tree (pykdtree's
        # is not picklable) are rebuilt, identically, where the index is unpickled (another worker)
        return {"segments": self.segments, "spacing": self.spacing}

    def __setstate__(self, state: dict) -> None:
        self.segments, self.spacing = state["segments"], state["spacing"]
        self._set(densify(self.segments, self.spacing))

    def distance(self, xy: np.ndarray, is_cancelled: CancelCallback = None) -> np.ndarray:
        """Exact distance from each point of ``xy`` (m, 2) to the nearest segment."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        out = np.empty(len(xy))
        for start in range(0, len(xy), BATCH):
            check_cancelled(is_cancelled)
            out[start : start + BATCH] = self._batch(xy[start : start + BATCH])
        return out

    def _squared(self, px: np.ndarray, py: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Squared distances from points (m, 1) to the pieces ``idx`` (m, k), with one gather, few temporaries."""
        g = self._packed[idx]  # (m, k, 5): ax, ay, dx, dy, 1 / length²
        dx, dy = g[..., 2], g[..., 3]
        wx = px - g[..., 0]
        wy = py - g[..., 1]
        t = wx * dx
        t += wy * dy
        t *= g[..., 4]
        np.clip(t, 0.0, 1.0, out=t)
        wx -= t * dx
        wy -= t * dy
        wx *= wx
        wy *= wy
        wx += wy
        return wx

    def _batch(self, xy: np.ndarray) -> np.ndarray:
        n = len(self.pieces)
        best = np.full(len(xy), np.inf)
        todo = np.arange(len(xy))
        k = min(FIRST_K, n)
        while len(todo):
            mid_dist, idx = self._tree.query(xy[todo], k)
            best[todo] = np.sqrt(self._squared(xy[todo, 0, None], xy[todo, 1, None], idx).min(axis=1))
            if k >= n:
                break
            # pieces beyond the k-th midpoint are at least (its distance - half a piece) away
            unresolved = best[todo] > mid_dist[:, -1] - self.half
            todo = todo[unresolved]
            k = min(4 * k, n)
        return best


class PointIndex:
    """Exact nearest-point distances (a KD-tree over the points)."""

    def __init__(self, points: np.ndarray) -> None:
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        if len(points) == 0:
            raise ValueError("no points to index")
        self._tree = NeighbourIndex(points)

    def __getstate__(self) -> dict:
        return {"points": self._tree.points}

    def __setstate__(self, state: dict) -> None:
        self._tree = NeighbourIndex(state["points"])

    def distance(self, xy: np.ndarray, is_cancelled: CancelCallback = None) -> np.ndarray:
        """Distance from each point of ``xy`` (m, 2) to the nearest indexed point."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        out = np.empty(len(xy))
        for start in range(0, len(xy), BATCH):
            check_cancelled(is_cancelled)
            dist, _ = self._tree.query(xy[start : start + BATCH], 1)
            out[start : start + BATCH] = dist[:, 0]
        return out


def window_centres(grid: GridSpec, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
    """(cells, 2) x, y of the cell centres of window rows ``r0:r1``, columns ``c0:c1``, row-major."""
    xs = grid.xmin + (np.arange(c0, c1) + 0.5) * grid.pixel_size
    ys = grid.ymax - (np.arange(r0, r1) + 0.5) * grid.pixel_size
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def distance_window(
    index: Any, grid: GridSpec, r0: int, r1: int, c0: int, c1: int, is_cancelled: CancelCallback = None
) -> np.ndarray:
    """(rows, cols) float32 distances in metres from the window's cell centres to ``index`` (:class:`SegmentIndex`
    or :class:`PointIndex`): map units times :attr:`GridSpec.metres_per_unit` (a grid in feet gives metres too,
    as the bands' names and unit say)."""
    d = index.distance(window_centres(grid, r0, r1, c0, c1), is_cancelled)
    factor = grid.metres_per_unit
    if factor != 1.0:
        d = d * factor
    return d.reshape(r1 - r0, c1 - c0).astype(np.float32)


def bbox_overlaps(bounds: Optional[Tuple[float, float, float, float]], grid: GridSpec) -> bool:
    """Whether (xmin, ymin, xmax, ymax) touches the grid's extent (None: no features)."""
    if bounds is None:
        return False
    xmin, ymin, xmax, ymax = bounds
    return xmax >= grid.xmin and xmin <= grid.xmax and ymax >= grid.ymin and ymin <= grid.ymax


def _clip_parameters(segments: np.ndarray, box: Tuple[float, float, float, float]) -> Tuple[np.ndarray, np.ndarray]:
    """Liang-Barsky: the stretch [t0, t1] of each segment (0 its start, 1 its end) inside the box (xmin, ymin,
    xmax, ymax); t0 > t1 where none is."""
    x0, y0, x1, y1 = segments.T
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = np.zeros(len(segments)), np.ones(len(segments))
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-dx, x0 - box[0]), (dx, box[2] - x0), (-dy, y0 - box[1]), (dy, box[3] - y0)):
            parallel = p == 0
            t = q / np.where(parallel, 1.0, p)
            t0 = np.where(~parallel & (p < 0), np.maximum(t0, t), t0)
            t1 = np.where(~parallel & (p > 0), np.minimum(t1, t), t1)
            t1 = np.where(parallel & (q < 0), -1.0, t1)  # parallel to that side and beyond it
    return t0, t1


def _crosses_box(segments: np.ndarray, box: Tuple[float, float, float, float]) -> np.ndarray:
    """Whether each segment has a point in the box (xmin, ymin, xmax, ymax)."""
    t0, t1 = _clip_parameters(segments, box)
    return t0 <= t1


def clip_segments(segments: np.ndarray, box: Tuple[float, float, float, float]) -> Tuple[np.ndarray, int]:
    """The segments cut to the box (xmin, ymin, xmax, ymax), those outside it left out, and how many were cut or
    left out; a segment inside keeps its own end points, bit for bit."""
    segments = np.asarray(segments, dtype=np.float64).reshape(-1, 4)
    t0, t1 = _clip_parameters(segments, box)
    keep = t0 <= t1
    kept, a, b = segments[keep], t0[keep, None], t1[keep, None]
    step = kept[:, 2:] - kept[:, :2]
    start = np.where(a > 0, kept[:, :2] + a * step, kept[:, :2])
    end = np.where(b < 1, kept[:, :2] + b * step, kept[:, 2:])
    cut = int(np.count_nonzero(~keep)) + int(np.count_nonzero((a > 0) | (b < 1)))
    return np.hstack([start, end]), cut


def farthest_end(segments: np.ndarray, grid: GridSpec) -> float:
    """How far the segment end farthest from the grid's extent lies from it (0 inside)."""
    ends = np.asarray(segments, dtype=np.float64).reshape(-1, 2)
    return float(distances_to_box(ends, (grid.xmin, grid.ymin, grid.xmax, grid.ymax)).max()) if len(ends) else 0.0


def reach_around(segments: np.ndarray, grid: GridSpec, margin: float = 0.0) -> float:
    """How far beyond the grid's extent the ``segments`` can matter to its cells: every cell is at most the extent's
    diagonal from the segment nearest the extent, so no part farther than that plus the nearest segment's distance
    (bounded above by its vertices' when none crosses the extent) can be a cell's nearest, nor, with ``margin`` (a
    density radius) added, within the radius of one."""
    box = (grid.xmin, grid.ymin, grid.xmax, grid.ymax)
    diagonal = math.hypot(grid.xmax - grid.xmin, grid.ymax - grid.ymin)
    if len(segments) == 0 or _crosses_box(segments, box).any():
        return diagonal + margin
    return float(distances_to_box(segments.reshape(-1, 2), box).min()) + diagonal + margin
