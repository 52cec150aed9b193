"""How well the samples cover the grid they are interpolated onto.

IDW and kriging fill every cell, whether or not a sample lies near it. Three kinds of cell hold values no sample
supports, and each kind gets its own advice: cells in gaps between groups of samples, cells beside a single traverse
(samples along one road or stream), and cells beyond the sampled ground (the corners and margins of the grid,
outside the samples' convex hull). The cells' distances to their nearest sample are measured once
(:class:`~..neighbours.CellDistances`) and read for all three.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from ..grid import GridSpec
from ..neighbours import (
    CellDistances,
    farthest_cell,
    local_spacing,
    points_on_one_line,
    share_of_cells_extrapolated,
    share_of_cells_far,
)

#: a cell farther from its nearest sample than GAP_SPACINGS times that sample's distance to its GAP_NEIGHBOUR-th
#: nearest neighbour (the survey's spacing where it lies, read through close pairs; a regional grid and its infill
#: each by its own) is in a gap; warned when more than GAP_SHARE of the cells are (by the survey's median spacing:
#: Lapland till 4 %, Kola moss 10 %, Jura 20 %, Meuse 27 %; by the local one on the default grids: 0, 5, 9 and 16 %)
GAP_SPACINGS, GAP_NEIGHBOUR, GAP_SHARE = 3.0, 5, 1 / 3
#: warned when more than this share of the cells lie outside the samples' convex hull and farther than their
#: spacing from every sample (extrapolated: on the default grid, the samples' box + 5 %, Jura 45 %, Meuse 54 %
#: (qgis_process), Lapland till about 22 %, samples spread at random over a square 5-15 %, the margin's share growing
#: with their number; the Jura's north-east corner, which PU bagging then labelled as data)
EXTRAPOLATED_SHARE = 0.25


@dataclass(frozen=True)
class Gaps:
    """Cells in gaps: ``share`` of the counted cells lie beyond their nearest sample's gap limit; ``spacing`` is the
    samples' median distance to their GAP_NEIGHBOUR-th nearest, ``far`` GAP_SPACINGS times it (at least a cell)."""

    share: float
    spacing: float
    far: float


@dataclass(frozen=True)
class Traverse:
    """Samples on one line (``length`` along, ``width`` across, ``spacing`` between neighbours along it) and a grid
    reaching ``reach`` from the nearest of them."""

    count: int
    length: float
    width: float
    spacing: float
    reach: float


@dataclass(frozen=True)
class Coverage:
    """What the grid holds beyond the samples' support. ``gaps`` is None when not counted (one place sampled, or a
    MAX_DISTANCE that leaves the far cells nodata already); with a ``traverse`` the extrapolated margin is not
    measured and the gaps are not to be warned of (the line's advice covers both; their share still sets the bar a
    field's own gaps must pass); ``extrapolated`` is the share of cells beyond the sampled ground, farther than
    ``extrapolated_spacing`` (the samples' :func:`~..neighbours.area_spacing`) from every sample."""

    gaps: Optional[Gaps]
    traverse: Optional[Traverse] = None
    extrapolated: float = 0.0
    extrapolated_spacing: float = 0.0

    @property
    def gap_share(self) -> float:
        return 0.0 if self.gaps is None else self.gaps.share


def gap_limits(xy: np.ndarray, pixel_size: float) -> Tuple[float, float, np.ndarray]:
    """The samples' spacing (median distance to the GAP_NEIGHBOUR-th nearest), the distance beyond which a cell is
    far by it, and per sample the distance beyond which a cell whose nearest sample it is lies in a gap (the spacing
    where that sample lies: a regional grid with a dense infill over a target has no gap between its regional
    samples, though the infill's spacing is the median's); never under a cell (``pixel_size``)."""
    local = local_spacing(xy, GAP_NEIGHBOUR)
    spacing = float(np.median(local)) if len(local) else 0.0
    far = max(GAP_SPACINGS * spacing, pixel_size)  # a cell's centre within a cell of a sample is no gap
    return spacing, far, np.maximum(GAP_SPACINGS * local, pixel_size)


def traverse_reach(
    xy: np.ndarray, grid: GridSpec, cells: CellDistances, max_distance: Optional[float]
) -> Optional[Traverse]:
    """The samples' line when they lie on one (:func:`~..neighbours.points_on_one_line`) and the grid reaches from
    it beyond GAP_SPACINGS times their spacing along it, beyond the line's own width and beyond a cell; else None.
    Every measured cell counts (with or without an EXTENT: the margin the default grid adds around an area of
    samples is no gap, but around a line all of it is), within ``max_distance`` when given."""
    line = points_on_one_line(xy)
    if line is None:
        return None
    length, width = line
    spacing = float(np.median(local_spacing(xy, 1)))
    reach = farthest_cell(xy, grid, within=max_distance, cells=cells)
    if spacing <= 0 or reach <= max(GAP_SPACINGS * spacing, width, grid.pixel_size):
        return None
    return Traverse(len(xy), length, width, spacing, reach)


def assess_coverage(
    xy: np.ndarray,
    grid: GridSpec,
    mask: Optional[np.ndarray],
    max_distance: Optional[float],
    extent_given: bool,
) -> Coverage:
    """The gaps, traverse and extrapolated margin of a grid over samples at ``xy`` (cells inside ``mask``, True =
    in; within ``max_distance`` of a sample when given, the search radius leaving the others nodata). Without an
    EXTENT (``extent_given`` False) gaps are counted over the samples' bounding box only: the margin the grid adds
    around them is no gap (it is counted as extrapolated instead)."""
    spacing, far, limits = gap_limits(xy, grid.pixel_size)
    if not spacing or (max_distance and max_distance <= limits.min()):
        return Coverage(gaps=None)  # one place sampled, or MAX_DISTANCE leaves the far cells nodata already
    cells = CellDistances.measure(xy, grid, mask)
    share = share_of_cells_far(xy, grid, limits, within=max_distance, points_box_only=not extent_given, cells=cells)
    gaps = Gaps(share, spacing, far)
    traverse = traverse_reach(xy, grid, cells, max_distance)
    if traverse is not None:
        return Coverage(gaps, traverse)
    extrapolated, area_spacing = share_of_cells_extrapolated(xy, grid, within=max_distance, cells=cells)
    return Coverage(gaps, None, extrapolated, area_spacing)


@dataclass(frozen=True)
class FieldGap:
    """A field that only ``count`` of the samples hold, whose ``gaps`` (by its own samples) exceed all the samples'."""

    column: int
    count: int
    gaps: Gaps


def field_gaps(
    xy: np.ndarray,
    values: np.ndarray,
    grid: GridSpec,
    mask: Optional[np.ndarray],
    max_distance: Optional[float],
    extent_given: bool,
    share_all: float,
) -> List[FieldGap]:
    """The fields (columns of ``values``, NaN where a sample holds none) that only some samples hold and whose own
    samples leave at least GAP_SHARE of the grid in gaps, and 10 points more than all the samples do
    (``share_all``, said already): each is gridded from its samples alone, over the whole grid. Counted over all
    the samples' bounding box without an EXTENT, at the spacing of the field's own samples."""
    box = None if extent_given else (*xy.min(axis=0), *xy.max(axis=0))
    out = []
    for j in range(values.shape[1]):
        held = np.isfinite(values[:, j])
        count = int(held.sum())
        if count < 2 or count == len(xy):
            continue
        spacing, far, limits = gap_limits(xy[held], grid.pixel_size)
        if not spacing or (max_distance and max_distance <= limits.min()):
            continue
        share = share_of_cells_far(xy[held], grid, limits, mask, within=max_distance, box=box)
        if share >= GAP_SHARE and share > share_all + 0.1:
            out.append(FieldGap(j, count, Gaps(share, spacing, far)))
    return out
