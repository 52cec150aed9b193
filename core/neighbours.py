"""k-nearest-neighbour search shared by IDW, kriging and pseudo-labelling.

pykdtree (Debian's ``python3-pykdtree``; OpenMP-parallel queries) answers the same queries as scipy's ``cKDTree``
about 1.4 times faster on grids of targets, which is most of the time of IDW and local kriging. It is optional:
without it (a QGIS whose Python lacks the package) scipy's ``cKDTree`` gives the same neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Tuple

import numpy as np

from .lazy import lazy_function

if TYPE_CHECKING:  # pragma: no cover
    from .grid import GridSpec

cKDTree = lazy_function("scipy.spatial", "cKDTree")  # noqa: N816 (scipy imported when used: loads without it)

try:  # pragma: no cover - which branch runs depends on the machine
    from pykdtree.kdtree import KDTree as _PyKDTree
except ImportError:  # pragma: no cover
    _PyKDTree = None

#: use pykdtree when it is installed (benchmarks set this to False to time scipy in the same run)
PREFER_PYKDTREE = True


class NeighbourIndex:
    """A KD-tree over ``points`` (n, d) answering k-nearest queries.

    ``use_pykdtree`` = False forces scipy (tests compare the two); None follows :data:`PREFER_PYKDTREE`.
    """

    def __init__(self, points: np.ndarray, use_pykdtree: Optional[bool] = None) -> None:
        self.points = np.ascontiguousarray(points, dtype=np.float64)
        use = (PREFER_PYKDTREE if use_pykdtree is None else use_pykdtree) and _PyKDTree is not None
        self._tree = _PyKDTree(self.points) if use else cKDTree(self.points)
        self.backend = "pykdtree" if use else "scipy cKDTree"

    def query(self, targets: np.ndarray, k: int, max_distance: Optional[float] = None) -> Tuple[np.ndarray, np.ndarray]:
        """Distances (m, k) ascending and indices (m, k) of the ``k`` nearest points of each target.

        Neighbours at or beyond ``max_distance`` (strict: < counts) are missing: distance ``inf`` and index ``n``.
        """
        targets = np.ascontiguousarray(targets, dtype=np.float64)
        upper = np.inf if max_distance is None else float(max_distance)
        if self.backend == "scipy cKDTree":
            dist, idx = self._tree.query(targets, k=k, distance_upper_bound=upper, workers=-1)
        else:
            bound = None if np.isinf(upper) else upper
            dist, idx = self._tree.query(targets, k=k, distance_upper_bound=bound)
        if k == 1:
            dist, idx = dist[:, None], idx[:, None]
        return dist, idx.astype(np.intp, copy=False)


def linked_clusters(points: np.ndarray, distance: float) -> np.ndarray:
    """Cluster number (0, 1, ...) per point: single linkage of points at most ``distance`` apart, numbered in the
    order of each cluster's first point.

    Used for co-located samples, districts of deposits and clusters of positive cells; ``distance`` 0 links only
    points that coincide. The links are the edges of the points' Delaunay triangulation at most ``distance`` long:
    the triangulation holds a minimum spanning tree of the points, so its short edges join the same clusters as
    every pair within ``distance`` (about 3 edges per point). Before, every such pair was listed: 20 times the
    spacing of 100,000 survey samples is 120 million pairs, 5 GB of memory and 45 s for a check of the extent.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    pts = np.asarray(points, dtype=np.float64)
    if pts.shape[0] == 0:
        return np.empty(0, dtype=np.int64)
    pts = pts.reshape(len(pts), -1)
    limit = max(float(distance), 0.0)
    unique, inverse = np.unique(pts, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    pairs = _delaunay_links(unique, limit) if limit > 0 else np.empty((0, 2), dtype=np.intp)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(unique), len(unique)))
    labels = connected_components(graph, directed=False)[1][inverse]
    # number the clusters by their first point, as connected components of the points in their order do
    _, first, relabel = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[np.asarray(relabel).reshape(-1)]


def _delaunay_links(unique: np.ndarray, limit: float) -> np.ndarray:
    """Pairs (i, j) of the distinct points ``unique`` at most ``limit`` apart that link every cluster: the Delaunay
    edges that short (points the triangulation left out as too close to a vertex link to every point that near); every
    pair within ``limit`` (a KD-tree's) when there is no triangulation (fewer than 3 points, all on one line)."""
    from scipy.spatial import Delaunay, QhullError

    def within(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        d = unique[a] - unique[b]
        keep = d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1] <= limit * limit
        return np.column_stack([a[keep], b[keep]])

    if len(unique) >= 3 and unique.shape[1] == 2:  # other dimensions: every pair within the limit
        try:
            tri = Delaunay(unique - unique.min(axis=0))  # coordinates near 0: qhull's precision at 10⁶ m
        except QhullError:  # every point on one line: no triangle
            tri = None
        if tri is not None:
            s = tri.simplices
            a = np.concatenate([s[:, 0], s[:, 1], s[:, 2]]).astype(np.intp)
            b = np.concatenate([s[:, 1], s[:, 2], s[:, 0]]).astype(np.intp)
            # a point left out links to every point within the limit, not only to its nearest vertex: two left-out
            # points can be within the limit of each other and not of that vertex (points 1e-9 apart at 10⁶ m)
            left_out = np.unique(tri.coplanar[:, 0]).astype(np.intp)
            if len(left_out):
                near = cKDTree(unique).query_ball_point(unique[left_out], limit)
                a = np.concatenate([a, np.repeat(left_out, [len(n) for n in near])])
                b = np.concatenate([b, np.fromiter((j for n in near for j in n), dtype=np.intp)])
            return within(a, b)
    return cKDTree(unique).query_pairs(limit, output_type="ndarray").reshape(-1, 2)


def sample_spacing(points: np.ndarray, k: int = 1) -> float:
    """The points' median distance to their ``k``-th nearest other point (fewer when there are fewer points); 0
    for fewer than two points. A larger ``k`` reads the survey's spacing through close pairs and nested designs."""
    pts = np.asarray(points, dtype=np.float64)
    if len(pts) < 2:
        return 0.0
    k = min(k, len(pts) - 1)
    return float(np.median(NeighbourIndex(pts).query(pts, k + 1)[0][:, k]))


def local_spacing(points: np.ndarray, k: int = 1) -> np.ndarray:
    """Each point's distance to its ``k``-th nearest other point (fewer when there are fewer points): the survey's
    spacing where that point lies, which differs from place to place in a nested design (a regional grid with a
    dense infill over a target, traverses across a block); zeros for fewer than two points."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(pts) < 2:
        return np.zeros(len(pts))
    k = min(k, len(pts) - 1)
    return NeighbourIndex(pts).query(pts, k + 1)[0][:, k]


def survey_groups(points: np.ndarray, spacing_factor: float = 20.0, neighbour: int = 5) -> Tuple[np.ndarray, float]:
    """The groups of a survey's points linked within ``spacing_factor`` times its spacing (:func:`sample_spacing` at
    the ``neighbour``-th nearest), one number per point, and that spacing; every point in one group where the
    spacing is 0."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    spacing = sample_spacing(pts, neighbour) if len(pts) > 1 else 0.0
    if not spacing > 0:
        return np.zeros(len(pts), dtype=np.int64), 0.0
    return linked_clusters(pts, spacing_factor * spacing), spacing


def stray_points(
    points: np.ndarray, spacing_factor: float = 20.0, neighbour: int = 5, most_share: float = 0.01
) -> Tuple[np.ndarray, np.ndarray, float]:
    """Points far from the rest of a survey: those in groups (points linked within ``spacing_factor`` times the
    survey's spacing, :func:`sample_spacing` at the ``neighbour``-th nearest) that hold at most ``most_share`` of the
    points (at least one), while one group holds more than half. A sample stored at 0, 0 or with a mistyped digit,
    a QC standard given the laboratory's coordinates: one such point stretches a map's extent to take it in.
    Returns their indices, each one's distance to the nearest point of the rest, and the spacing; none for fewer
    than 20 points or a survey in two or more large parts."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    none = (np.empty(0, dtype=np.int64), np.empty(0), 0.0)
    if len(pts) < 20:
        return none
    groups, spacing = survey_groups(pts, spacing_factor, neighbour)
    if not spacing > 0:
        return none
    sizes = np.bincount(groups)
    if sizes.max() <= len(pts) / 2:
        return none
    stray = np.flatnonzero(sizes[groups] <= max(1, int(most_share * len(pts))))
    if stray.size == 0:
        return none
    rest = np.setdiff1d(np.arange(len(pts)), stray)
    distance = NeighbourIndex(pts[rest]).query(pts[stray], 1)[0].reshape(-1)
    return stray, distance, spacing


def area_spacing(points: np.ndarray) -> float:
    """The side of the square each sampled place stands for: the square root of the points' convex hull area per
    distinct point, the spacing of a regular grid of them. 0 when they span no area (fewer than three distinct
    points, or all on one line). Unlike the bounding box, the hull leaves out the sea beside a coast and the land
    beside a river's sampled strip."""
    from scipy.spatial import ConvexHull, QhullError

    pts = np.unique(np.asarray(points, dtype=np.float64).reshape(-1, 2), axis=0)
    if len(pts) < 3:
        return 0.0
    try:
        area = float(ConvexHull(pts).volume)  # in 2-D, the hull's "volume" is its area
    except QhullError:  # every point on one line
        return 0.0
    return float(np.sqrt(area / len(pts))) if area > 0 else 0.0


def _sampled_cells(grid: GridSpec, mask: Optional[np.ndarray], most: int) -> np.ndarray:
    """(n, 2) centres of ``grid``'s cells inside ``mask``: every cell of a grid of at most ``most`` cells, else a
    regular subset of rows and columns (every s-th)."""
    stride = max(1, int(np.ceil(np.sqrt(grid.width * grid.height / most))))
    rows = np.arange(stride // 2, grid.height, stride)
    cols = np.arange(stride // 2, grid.width, stride)
    x, y = grid.centres_of(rows, cols)
    gx, gy = np.meshgrid(x, y)
    inside = np.ones(gx.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)[np.ix_(rows, cols)]
    return np.column_stack([gx[inside], gy[inside]])


@dataclass(frozen=True)
class CellDistances:
    """The cells of a grid (their centres, inside a mask; a regular subset of rows and columns of a grid over
    ``most`` cells), each with its distance to the nearest of some points and that point's index: measured once,
    read by :func:`share_of_cells_far`, :func:`farthest_cell` and :func:`share_of_cells_extrapolated`."""

    centres: np.ndarray
    distance: np.ndarray
    nearest_point: np.ndarray  # the index of each cell's nearest point

    @classmethod
    def measure(
        cls, points: np.ndarray, grid: GridSpec, mask: Optional[np.ndarray] = None, most: int = 250_000
    ) -> "CellDistances":
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        centres = _sampled_cells(grid, mask, most)
        if not len(centres) or not len(pts):
            return cls(centres.reshape(-1, 2), np.empty(0), np.empty(0, dtype=np.intp))
        found, index = NeighbourIndex(pts).query(centres, 1)
        return cls(centres, found[:, 0], index[:, 0])

    def in_box(self, box: Tuple[float, float, float, float]) -> np.ndarray:
        """Which cells' centres lie in ``box`` (xmin, ymin, xmax, ymax), edges included."""
        x, y = self.centres[:, 0], self.centres[:, 1]
        return (x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3])


def share_of_cells_extrapolated(
    points: np.ndarray,
    grid: GridSpec,
    mask: Optional[np.ndarray] = None,
    within: Optional[float] = None,
    most: int = 250_000,
    cells: Optional[CellDistances] = None,
) -> Tuple[float, float]:
    """(share, spacing): the share of ``grid``'s cells (inside ``mask``, True = in) whose centre lies outside the
    points' convex hull and farther than their :func:`area_spacing` from every point (and at most ``within`` from
    one, when given: a search radius leaves the others empty), with that spacing: the cells a gridded map
    extrapolates beyond the sampled ground (the corners and margin of a grid over the samples' bounding box), not
    gaps between samples. (0, 0) when the points span no area. Counted as :func:`share_of_cells_far` counts;
    ``cells``: measured already for these points, grid and mask."""
    from scipy.spatial import Delaunay

    pts = np.unique(np.asarray(points, dtype=np.float64).reshape(-1, 2), axis=0)
    spacing = area_spacing(pts)
    if spacing <= 0:
        return 0.0, spacing
    cells = CellDistances.measure(pts, grid, mask, most) if cells is None else cells
    if not len(cells.distance):
        return 0.0, spacing
    try:
        outside = Delaunay(pts).find_simplex(cells.centres) < 0
    except Exception:  # qhull refuses nearly collinear samples (scipy's QhullError): no hull to be outside of
        return 0.0, spacing
    far = outside & (cells.distance > spacing)
    if within is not None:
        far &= cells.distance <= within
    return float(np.mean(far)), spacing


def points_on_one_line(
    points: np.ndarray, most_width: float = 0.1, neighbours: int = 6, most_local: float = 0.5
) -> Optional[Tuple[float, float]]:
    """(length, width) of ``points`` along and across their principal axis (the spread of their projections on
    it and on the axis across it) when they lie on one line: the width at most ``most_width`` times the length,
    and each point's ``neighbours`` nearest (itself among them) in a row too, for most points (the median ratio of
    their spread across to their spread along, from their covariance, at most ``most_local``): a traverse along a
    road or a stream. None for points spread over an area, for blocks of samples strung out in a row (each block
    an area), or for fewer than three distinct points."""
    pts = np.unique(np.asarray(points, dtype=np.float64).reshape(-1, 2), axis=0)
    if len(pts) < 3:
        return None
    centred = pts - pts.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    along, across = centred @ axes[0], centred @ axes[1]
    length, width = float(np.ptp(along)), float(np.ptp(across))
    if length <= 0 or width > most_width * length:
        return None
    k = min(neighbours, len(pts))
    near = centred[NeighbourIndex(centred).query(centred, k)[1]]  # (n, k, 2)
    near = near - near.mean(axis=1, keepdims=True)
    sxx, syy = (near[..., 0] ** 2).mean(axis=1), (near[..., 1] ** 2).mean(axis=1)
    sxy = (near[..., 0] * near[..., 1]).mean(axis=1)
    half, root = (sxx + syy) / 2, np.sqrt(((sxx - syy) / 2) ** 2 + sxy**2)
    ratio = np.sqrt(np.maximum(half - root, 0.0) / np.maximum(half + root, 1e-300))
    if float(np.median(ratio)) > most_local:
        return None
    return length, width


def farthest_cell(
    points: np.ndarray,
    grid: GridSpec,
    mask: Optional[np.ndarray] = None,
    within: Optional[float] = None,
    most: int = 250_000,
    cells: Optional[CellDistances] = None,
) -> float:
    """How far the cells of ``grid`` (their centres, inside ``mask``) reach from their nearest point: the largest
    such distance, among the cells at most ``within`` from one when given (a search radius leaves the others
    empty); 0 when no cell counts. Counted on the cells :func:`share_of_cells_far` counts (a regular subset of a
    grid over ``most`` cells: then up to a stride of cells short); ``cells``: measured already for these points,
    grid and mask."""
    cells = CellDistances.measure(points, grid, mask, most) if cells is None else cells
    nearest = cells.distance
    if within is not None:
        nearest = nearest[nearest <= within]
    return float(nearest.max()) if nearest.size else 0.0


def share_of_cells_far(
    points: np.ndarray,
    grid: GridSpec,
    distance: "float | np.ndarray",
    mask: Optional[np.ndarray] = None,
    within: Optional[float] = None,
    most: int = 250_000,
    points_box_only: bool = False,
    box: Optional[Tuple[float, float, float, float]] = None,
    cells: Optional[CellDistances] = None,
) -> float:
    """The share of ``grid``'s cells (inside ``mask``, True = in) whose centre lies farther than ``distance`` from
    every point (``distance`` one figure, or one per point: a cell is far when it lies farther from its nearest
    point than that point's own distance, e.g. a multiple of :func:`local_spacing`) (and at most ``within`` from
    one, when given: a search radius leaves the others empty): the part of a gridded map that no sample supports.
    Counted on every cell of a grid of at most ``most`` cells, else on a regular subset of rows and columns (every
    s-th); with ``points_box_only``, only over the cells whose centres lie within the points' bounding box (a
    margin added around the samples is no gap between them), or within ``box`` (xmin, ymin, xmax, ymax) when
    given: the box of all the samples, for the points of one field that only some of them hold. ``cells``:
    measured already for these points, grid and mask."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    cells = CellDistances.measure(pts, grid, mask, most) if cells is None else cells
    counted = np.ones(len(cells.distance), dtype=bool)
    if box is not None:
        counted = cells.in_box(box)
    elif points_box_only and len(pts):
        counted = cells.in_box((*pts.min(axis=0), *pts.max(axis=0)))
    if not counted.any():
        return 0.0
    nearest, index = cells.distance[counted], cells.nearest_point[counted]
    limits = np.asarray(distance, dtype=np.float64)
    far = nearest > (limits[index] if limits.ndim else limits)
    if within is not None:
        far &= nearest <= within
    return float(np.mean(far))
