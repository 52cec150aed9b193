"""How well the samples cover the grid they are interpolated onto.

IDW and kriging fill every cell, whether or not a sample lies near it. Three kinds of cell hold values no sample
supports, and each kind gets its own advice: cells in gaps between groups of samples, cells beside a single traverse
(samples along one road or stream), and cells beyond the sampled ground (the corners and margins of the grid,
outside the samples' convex hull). The cells' distances to their nearest sample are measured once
(:class:`~..neighbours.CellDistances`) and read for all three; :func:`coverage_notes` words the warnings. Refused
outright: a sample far from all the others when the extent is the samples' (:func:`refuse_stray_samples`), an EXTENT
with no sample in or near it (:func:`refuse_extent_without_samples`), and a band nodata in every cell
(:func:`require_values`). Where the grid comes from the samples alone, :func:`spanning_bounds` widens an extent that
spans no area and :func:`automatic_pixel_size` sets the pixel size from their spacing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..errors import InputError
from ..grid import GridSpec, distances_to_box, padded_extent
from ..neighbours import (
    CellDistances,
    area_spacing,
    farthest_cell,
    local_spacing,
    points_on_one_line,
    sample_spacing,
    share_of_cells_extrapolated,
    share_of_cells_far,
    stray_points,
    survey_groups,
)
from ..reports.legend import readable_number

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


def typed_number(value: float) -> str:
    """A distance as the user would type it into a parameter: whole map units from 10 up, 3 significant digits
    below (a MAX_DISTANCE of 0.36 m was advised as 'e.g. 0', which is no search radius at all)."""
    return f"{value:.0f}" if value >= 10 else f"{value:.3g}"


def traverse_note(grid: GridSpec, line: Traverse) -> str:
    """The warning that the samples lie on one line (a traverse along a road or a stream) and the grid reaches far
    from it: the raster fills the ground on either side with values drawn out from the line."""
    advised = GAP_SPACINGS * line.spacing
    return (
        f"INPUT: the {line.count} samples lie on one line ({grid.length_text(line.length)} long, "
        f"{grid.length_text(line.width)} wide: a traverse along a road or a stream), and the grid reaches "
        f"{grid.length_text(line.reach)} from the nearest of them ({line.reach / line.spacing:.0f} times their "
        f"spacing along the line, {grid.length_text(line.spacing)}): the raster fills the ground on either side "
        "with values drawn out from the line, which no sample supports. Give a MASK of the ground the line "
        f"stands for (e.g. the traverse buffered by {grid.length_text(advised)}: Vector › Geoprocessing Tools › "
        f"Buffer), a smaller EXTENT along the line, or MAX_DISTANCE (e.g. {advised:.0f}) to leave the cells "
        "farther off nodata."
    )


def coverage_notes(
    found: Coverage,
    gaps_of_fields: Sequence[FieldGap],
    fields: Sequence[str],
    samples: int,
    grid: GridSpec,
    masked: bool,
) -> List[str]:
    """The warnings of a grid's cells that no sample supports (``found``, :func:`assess_coverage`, and
    ``gaps_of_fields``, :func:`field_gaps`, over ``samples`` samples holding ``fields``; ``masked``: a MASK was
    given): a traverse, else gaps between groups of samples, the extrapolated margin, and each field's own gaps. IDW
    and kriging fill them all the same, with values that look like data, and anomalies, pseudolabel and traincnn
    read them as such."""
    out = []
    if found.traverse is not None:
        out.append(traverse_note(grid, found.traverse))
    elif found.gaps is not None and found.gaps.share >= GAP_SHARE:
        gaps = found.gaps
        why = (
            f"{GAP_SPACINGS:g} times the samples' spacing, {grid.length_text(gaps.spacing)}"
            if gaps.far > grid.pixel_size
            else "a cell"
        )
        out.append(
            f"INPUT: {100 * gaps.share:.0f} % of the grid's cells lie more than {grid.length_text(gaps.far)} from "
            f"every sample ({why}): the samples leave wide gaps "
            "(clusters far apart, or a single line of samples), which the raster fills with values no sample "
            f"supports. Set MAX_DISTANCE (e.g. {typed_number(gaps.far)}) to leave those cells nodata, or give a "
            "MASK of the sampled area."
        )
    if found.extrapolated >= EXTRAPOLATED_SHARE:
        spacing = found.extrapolated_spacing
        out.append(
            f"INPUT: {100 * found.extrapolated:.0f} % of the grid's cells"
            f"{' within the MASK' if masked else ''} lie beyond the sampled ground: outside the "
            f"samples' outline (their convex hull) and farther than the samples' spacing "
            f"({grid.length_text(spacing)}) from every sample, in the corners and margins of the grid. Their "
            "values are extrapolated, not measured, and anomalies, pseudolabel and traincnn read them as data. "
            "Give a MASK of the sampled area (e.g. Vector › Geoprocessing Tools › Convex Hull of the samples) "
            f"or set MAX_DISTANCE (e.g. {typed_number(2 * spacing)}) to leave them nodata."
        )
    for gap in gaps_of_fields:
        name, share, far = fields[gap.column], gap.gaps.share, gap.gaps.far
        out.append(
            f"{name}: only {gap.count} of the {samples} samples hold a value, and {100 * share:.0f} % of the "
            f"grid's cells lie more than {grid.length_text(far)} from every one of them "
            f"({GAP_SPACINGS:g} times their spacing, {grid.length_text(gap.gaps.spacing)}): its band "
            f"fills those cells with values no sample of {name} supports. Set MAX_DISTANCE (e.g. {far:.0f}) to "
            f"leave them nodata, or interpolate {name} alone with a MASK of the area its samples cover."
        )
    return out


def refuse_stray_samples(xy: np.ndarray, unit: str) -> None:
    """Refuse samples far from all the others (:func:`~..neighbours.stray_points`; ``unit`` names the map unit)
    when the grid's extent is taken from the samples: one sample stored at 0, 0 (a QC standard, a missing coordinate
    written as 0) or with a digit mistyped would stretch the map over hundreds of kilometres of nothing, and the gap
    warning could not say which sample did it."""
    stray, distance, spacing = stray_points(xy)
    if stray.size == 0:
        return
    shown = ", ".join(f"({xy[i, 0]:,.0f}, {xy[i, 1]:,.0f})" for i in stray[:5]) + (
        f" and {stray.size - 5} more" if stray.size > 5 else ""
    )
    one = stray.size == 1
    raise InputError(
        f"{stray.size} of the {len(xy):,} sampled places {'lies' if one else 'lie'} far from all the others, "
        f"at {shown}: {readable_number(float(distance.min()))} {unit} or more from the nearest other sample, where "
        f"the survey's spacing is about {readable_number(spacing)} {unit}. A coordinate typed wrong, or a QC sample "
        "(a standard, a blank) stored at 0, 0? The map's extent would stretch to take "
        f"{'it' if one else 'them'} in. Fix or remove {'it' if one else 'them'} (or select the other samples and "
        "use selected features only), or give an EXTENT to map the surveyed area alone.",
        "INPUT",
    )


def inside_bounds(xy: np.ndarray, bounds: Sequence[float]) -> np.ndarray:
    """Whether each point of ``xy`` lies in ``bounds`` (xmin, ymin, xmax, ymax), edges included."""
    return (xy[:, 0] >= bounds[0]) & (xy[:, 0] <= bounds[2]) & (xy[:, 1] >= bounds[1]) & (xy[:, 1] <= bounds[3])


def far_from_mask(xy: np.ndarray, mask_bounds: Sequence[float]) -> np.ndarray:
    """Whether each sample lies in a group of the survey (:func:`~..neighbours.survey_groups`, as for stray
    samples) of which no sample lies within the MASK polygons' extent ``mask_bounds`` padded by 5 %: samples of
    another area, or a block given another zone's coordinates. Five such samples 500 km away (more than the 1 %
    :func:`refuse_stray_samples` takes) stretched the grid over them and, through the samples' outline, tripled
    the automatic pixel size (review 36). None where every sample, or none, is within that extent."""
    within = inside_bounds(xy, padded_extent(*mask_bounds))
    if within.all() or not within.any():
        return np.zeros(len(xy), dtype=bool)
    groups, _ = survey_groups(xy)
    return ~np.isin(groups, np.unique(groups[within]))


def beyond_mask_note(beyond: int, total: int, farthest: float, unit: str) -> str:
    """The warning for the ``beyond`` of ``total`` samples apart from the survey around the MASK
    (:func:`far_from_mask`; ``farthest`` map units from the MASK's extent at most)."""
    one = beyond == 1
    return (
        f"INPUT: {beyond:,} of the {total:,} sampled places {'lies' if one else 'lie'} apart from the samples "
        f"around the MASK (up to {readable_number(farthest)} {unit} from its extent): {'it is' if one else 'they are'} "
        "left out of the map, its extent, its automatic pixel size and its variogram. Samples of another area, or "
        "coordinates typed wrong? Check them, or give an EXTENT to map them too."
    )


def refuse_extent_without_samples(bounds: Sequence[float], xy: np.ndarray, where: str, unit: str) -> None:
    """Refuse an EXTENT (xmin, ymin, xmax, ymax in the samples' CRS, which ``where`` names; ``unit`` its map unit)
    with no sample in or near it: every cell would be extrapolated from samples far away (an extent typed in
    another CRS than the one it is read in, a slip)."""
    nearest = float(distances_to_box(xy, bounds).min())
    if nearest == 0.0 or nearest <= GAP_SPACINGS * sample_spacing(xy, GAP_NEIGHBOUR):
        return  # a sample inside: the spacing (a k-d tree over every sample) is only read for an extent beside them

    def typed(v: float) -> str:  # the extent as given: degrees typed as such keep their decimals
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:g}"

    def at(v: float) -> str:
        return f"{v:,.0f}"

    raise InputError(
        f"no sample lies in or near the extent (x {typed(bounds[0])} to {typed(bounds[2])}, y "
        f"{typed(bounds[1])} to {typed(bounds[3])} in {where}): the nearest is {nearest:,.0f} {unit} away, and "
        f"the samples lie in x {at(xy[:, 0].min())} to {at(xy[:, 0].max())}, y {at(xy[:, 1].min())} to "
        f"{at(xy[:, 1].max())}, so every cell would be extrapolated. Check the extent and the CRS it is given in "
        "(e.g. 'xmin,xmax,ymin,ymax [EPSG:4326]' for degrees), or leave EXTENT empty for the samples' extent.",
        "EXTENT",
    )


def require_values(
    bands: np.ndarray, fields: Sequence[str], max_distance: Optional[float], xy: np.ndarray, grid: GridSpec
) -> None:
    """Refuse a field whose band (of ``bands``, NaN = nodata) is nodata in every cell (no sample within
    ``max_distance`` of any cell centre): the raster would show nothing, and the later steps could not use it."""
    for j, name in enumerate(fields):
        if np.isfinite(bands[j]).any():
            continue
        if max_distance:
            spacing = sample_spacing(xy)
            typical = (
                f" (the samples' median distance to their nearest neighbour is {grid.length_text(spacing)})"
                if spacing
                else ""
            )
            raise InputError(
                f"no cell of the grid has a sample of {name} within {grid.length_text(max_distance)} "
                f"(the search radius), so its band would be nodata everywhere{typical}. Use a larger radius (in "
                "the layer's map units), or 0 for none.",
                "MAX_DISTANCE",
            )
        raise InputError(
            f"the band of {name} would be nodata in every cell; check the field's values and the MASK.", "FIELDS"
        )


#: the margin (in pixels) around samples that span no area (one sample, or an EXTENT that is a line)
SPANNING_MARGIN = 10


def spanning_bounds(bounds: Sequence[float], xy: np.ndarray, pixel_size: float) -> Tuple[float, float, float, float]:
    """``bounds`` (xmin, ymin, xmax, ymax), or, where they span no area (one sample, or all on one line), the box
    of the samples ``xy`` widened by :data:`SPANNING_MARGIN` pixels of ``pixel_size`` on every side (and holding
    ``bounds``). Refused when the pixel size is to be derived (``pixel_size`` <= 0): no spacing can be read then."""
    xmin, ymin, xmax, ymax = bounds
    if not (xmax <= xmin or ymax <= ymin):
        return xmin, ymin, xmax, ymax
    if pixel_size <= 0:
        raise InputError(
            f"the {len(xy)} sample(s) do not span an area, so no pixel size can be derived; set PIXEL_SIZE (and "
            "EXTENT), or add samples.",
            "PIXEL_SIZE",
        )
    margin = SPANNING_MARGIN * pixel_size
    return (
        min(xmin, xy[:, 0].min() - margin),
        min(ymin, xy[:, 1].min() - margin),
        max(xmax, xy[:, 0].max() + margin),
        max(ymax, xy[:, 1].max() + margin),
    )


def automatic_pixel_size(xy: np.ndarray, bounds: Sequence[float]) -> Tuple[float, float, str]:
    """The pixel size set when PIXEL_SIZE is 0: a quarter of the sample spacing, rounded to two significant
    figures; with that spacing and how it was measured (the words of the log). The spacing is the side of the square
    each sample stands for in the samples' outline (:func:`~..neighbours.area_spacing`: the ground they cover, not
    the box, sea or EXTENT around them); for samples on one line, the median distance to the nearest sample along
    it; failing both, the side of the square each sample stands for in ``bounds`` (xmin, ymin, xmax, ymax)."""
    spacing = area_spacing(xy)
    how = "the area of the samples' outline per sample"
    if spacing <= 0:  # all on one line: their spacing along it (the padded box's area is the margin's)
        spacing = sample_spacing(np.unique(xy, axis=0))
        how = "the median distance to the nearest sample, along their line"
    if spacing <= 0:
        spacing = math.sqrt(max((bounds[2] - bounds[0]) * (bounds[3] - bounds[1]), 1e-12) / max(len(xy), 1))
        how = "the area of the samples' box per sample"
    return float(f"{spacing / 4:.2g}"), spacing, how
