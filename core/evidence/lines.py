"""Evidence from lines (faults, contacts, dykes): distance, density within a radius, distance to intersections."""

from __future__ import annotations

import math
import warnings
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from ..callbacks import CancelCallback, ProgressCallback, check_cancelled, report
from ..grid import GridSpec
from .bands import BandSpec, band_name
from .geometry import (
    SPACING_CELLS,
    PointIndex,
    SegmentIndex,
    _lines_of,
    clip_segments,
    densify,
    distance_window,
    farthest_end,
    reach_around,
    segments_of,
)


def line_density_window(
    pieces: np.ndarray,
    grid: GridSpec,
    radius: float,
    r0: int,
    r1: int,
    c0: int,
    c1: int,
    order: Optional[np.ndarray] = None,
    rows: Optional[np.ndarray] = None,
) -> np.ndarray:
    """(rows, cols) line density in km per km² within ``radius`` (map units) of each cell centre; lengths and the
    circle's area are converted from map units to metres (:attr:`GridSpec.metres_per_unit`), so a grid in feet
    gives km per km² as well.

    ``pieces`` are the lines cut into pieces no longer than half a cell (:func:`~.geometry.densify`); each piece's
    length counts for the cell holding its midpoint, and a cell's density is the length in the cells whose centres
    lie within ``radius`` of its own, over the circle's area: the circle's line length up to where in their cells
    the pieces lie (within a cell of the true circle). The window reads pieces within ``radius`` of it only (its
    halo). ``order`` (pieces sorted by midpoint row) and ``rows`` (those rows, sorted) speed the selection up;
    :class:`LineEvidence` computes them once.
    """
    from scipy.signal import fftconvolve

    px = grid.pixel_size
    halo = int(math.ceil(radius / px))
    mid = 0.5 * (pieces[:, :2] + pieces[:, 2:])
    if order is None or rows is None:
        row_all = np.floor((grid.ymax - mid[:, 1]) / px).astype(np.int64)
        order = np.argsort(row_all, kind="stable")
        rows = row_all[order]
    lo, hi = np.searchsorted(rows, [r0 - halo, r1 + halo])
    sel = order[lo:hi]
    col = np.floor((mid[sel, 0] - grid.xmin) / px).astype(np.int64) - (c0 - halo)
    row = rows[lo:hi] - (r0 - halo)
    height, width = r1 - r0 + 2 * halo, c1 - c0 + 2 * halo
    inside = (col >= 0) & (col < width)
    length = np.hypot(pieces[sel, 2] - pieces[sel, 0], pieces[sel, 3] - pieces[sel, 1])
    binned = np.bincount(row[inside] * width + col[inside], weights=length[inside], minlength=height * width).reshape(
        height, width
    )
    offsets = np.arange(-halo, halo + 1) * px
    disk = (offsets[:, None] ** 2 + offsets[None, :] ** 2 <= radius * radius).astype(np.float64)
    summed = fftconvolve(binned, disk, mode="valid") if binned.any() else np.zeros((r1 - r0, c1 - c0))
    metres = grid.metres_per_unit
    area_km2 = math.pi * (radius * metres) ** 2 / 1e6
    out = np.clip(summed, 0.0, None) * metres / 1000.0 / area_km2  # fft round-off can leave -1e-12
    return out.astype(np.float32)


def unique_lines(geometries: Sequence[Any]) -> Tuple[List[Any], int]:
    """``geometries`` without those repeating an earlier one vertex for vertex (whichever way drawn), and how many
    were left out. Two copies of a fault overlap along their whole length, so their ends read as intersections and
    their length counts twice in a density. (A copy cut at other vertices is not found here; its segments are
    not repeats either.)"""
    kept: List[Any] = []
    seen: set = set()
    repeated = 0
    for g in geometries:
        if g is None or g.is_empty:
            kept.append(g)
            continue
        exact = g.normalize().wkb  # the same vertices, whichever way drawn: one key (fast: no GEOS predicate)
        if exact in seen:
            repeated += 1
            continue
        seen.add(exact)
        kept.append(g)
    return kept, repeated


def unique_segments(segs: np.ndarray) -> Tuple[np.ndarray, int]:
    """The (n, 4) segments without repeats (the same two end points, either way round), in their first order, and
    how many were left out. A stretch two features share would otherwise count twice in a density."""
    if len(segs) == 0:
        return segs, 0
    a, b = segs[:, :2], segs[:, 2:]
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    canonical = np.where(swap[:, None], np.hstack([b, a]), segs)
    _, first = np.unique(canonical, axis=0, return_index=True)
    keep = np.zeros(len(segs), dtype=bool)
    keep[first] = True
    return segs[keep], int(len(segs) - keep.sum())


#: segments on one straight line: directions within this angle (radians) and lines within this distance (map units)
COLLINEAR_ANGLE = 1e-7
COLLINEAR_OFFSET = 1e-3


def merge_overlapping_segments(segs: np.ndarray) -> Tuple[np.ndarray, int]:
    """The (n, 4) segments with every run of collinear segments that overlap (share a stretch longer than
    :data:`COLLINEAR_OFFSET`) replaced by one segment from the run's first end to its last, and how many segments
    were merged away. A fault digitised on two map sheets that overlap, or repeated between two merged layers with
    other vertices, shares a stretch with itself that :func:`unique_segments` (same end points only) does not find;
    its length would count twice in a density. Segments that overlap no other are returned as they were (end to
    end is no overlap), in their order; a merged run takes the place of its first segment."""
    if len(segs) < 2:
        return segs, 0
    dx, dy = segs[:, 2] - segs[:, 0], segs[:, 3] - segs[:, 1]
    length = np.hypot(dx, dy)
    ok = length > 0
    ux, uy = np.zeros(len(segs)), np.zeros(len(segs))
    ux[ok], uy[ok] = dx[ok] / length[ok], dy[ok] / length[ok]
    flip = (ux < 0) | ((ux == 0) & (uy < 0))
    ux, uy = np.where(flip, -ux, ux), np.where(flip, -uy, uy)
    angle = np.round(np.arctan2(uy, ux) / COLLINEAR_ANGLE)
    offset = np.round((ux * segs[:, 1] - uy * segs[:, 0]) / COLLINEAR_OFFSET)
    keys = np.column_stack([angle, offset])[ok]
    index = np.flatnonzero(ok)
    _, group, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    group = group.ravel()
    drop = np.zeros(len(segs), dtype=bool)
    out = segs.copy()
    by_group = np.argsort(group, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)])
    for g in np.flatnonzero(counts > 1):
        members = index[by_group[starts[g] : starts[g + 1]]]
        # positions along the line of each segment's two ends: one direction and origin for the group (each
        # segment's own direction, within COLLINEAR_ANGLE of it, would shift positions millions of units away)
        gx, gy = ux[members[0]], uy[members[0]]
        ox, oy = segs[members[0], 0], segs[members[0], 1]
        t_a = (segs[members, 0] - ox) * gx + (segs[members, 1] - oy) * gy
        t_b = (segs[members, 2] - ox) * gx + (segs[members, 3] - oy) * gy
        lo, hi = np.minimum(t_a, t_b), np.maximum(t_a, t_b)
        order = np.argsort(lo, kind="stable")
        run = [order[0]]
        reach = hi[order[0]]
        for k in list(order[1:]) + [None]:
            if k is not None and lo[k] < reach - COLLINEAR_OFFSET:
                run.append(k)
                reach = max(reach, hi[k])
                continue
            if len(run) > 1:
                first, last = min(run, key=lambda m: lo[m]), max(run, key=lambda m: hi[m])
                start = segs[members[first], :2] if t_a[first] <= t_b[first] else segs[members[first], 2:]
                end = segs[members[last], 2:] if t_b[last] >= t_a[last] else segs[members[last], :2]
                keep = min(members[m] for m in run)
                out[keep] = np.concatenate([start, end])
                drop[[members[m] for m in run if members[m] != keep]] = True
            if k is not None:
                run, reach = [k], hi[k]
    return out[~drop], int(drop.sum())


#: two digitisations of one fault: stretches of a line within this many cells of an earlier line ...
NEAR_CELLS = 0.1
#: ... over at least this many cells of its length: a line crossing another at 90° comes within a tenth of a cell of
#: it over a fifth of a cell only, a splay leaving a fault at 10° over 1.2 cells (it keeps its length); only lines
#: meeting at less than 3.8° run so close over three cells, where they are one trace
NEAR_LENGTH_CELLS = 3.0


def near_duplicate_stretches(
    geometries: Sequence[Any],
    tolerance: float,
    shortest: float,
    progress: ProgressCallback = None,
    is_cancelled: CancelCallback = None,
) -> Tuple[List[Any], int, float]:
    """``geometries`` with every stretch of a line that runs within ``tolerance`` (map units) of an earlier
    feature over at least ``shortest`` of its length left out: a fault digitised twice a few metres apart (two
    compilations, two map sheets, a trace redrawn on another base map) is one fault on the ground, and its length
    would count twice in a density, its copies' crossings read as intersections. Shorter stretches within
    ``tolerance`` (where two faults cross or meet) are kept, as are lines ``tolerance`` or more apart.

    The length is that of the stretch the copies share, whichever features it is cut into: a copy in many short
    features (a GPS-traced or tile-clipped fault, each piece shorter than ``shortest``) is joined piece to piece
    along the earlier line (:func:`_alongside_chains`) and left out as well. Pieces of one fault that merely
    continue each other end to end are no copy: beyond its end a line has nothing alongside it.

    Returns the geometries (lines: a feature with a stretch left out becomes a MultiLineString of the rest; None
    where nothing is left), how many features lost a stretch and the length left out (map units).

    Most lines of a fault map only cross, splay off or end on others: :func:`_possible_copies` proves those whole in
    numpy first (sweep 18b; buffering every line another came near took 61 s for 1,000 sinuous faults of 50-500
    vertices, 6 s now), and only the rest go through GEOS, with the same results to the bit. ``progress`` is told
    the share of that proof (first half) and of the lines searched in GEOS (second half); ``is_cancelled`` is asked
    every :data:`CANCEL_EVERY` features in the proof and at every line searched in GEOS."""
    from shapely.geometry import LineString, MultiLineString, Point
    from shapely.geometry import box as box_of
    from shapely.ops import unary_union
    from shapely.strtree import STRtree

    def box_polygon(bounds: Tuple[float, ...], grow: float) -> Any:
        return box_of(bounds[0] - grow, bounds[1] - grow, bounds[2] + grow, bounds[3] + grow)

    lines: List[Any] = []
    for g in geometries:
        parts = [LineString(np.asarray(p.coords)[:, :2]) for p in _lines_of(g) if len(p.coords) >= 2]
        lines.append(MultiLineString(parts) if parts else None)
    present = [i for i, g in enumerate(lines) if g is not None]
    if len(present) < 2 or tolerance <= 0:
        return list(geometries), 0, 0.0
    with warnings.catch_warnings():  # shapely 1.8 announces STRtree's 2.0 changes
        warnings.simplefilter("ignore")
        tree = STRtree([lines[i] for i in present])
    query = getattr(tree, "query_items", tree.query)
    zones: dict = {}  # each line's buffer, made when a later line comes near it
    sides: dict = {}  # ... and its buffer without the round caps beyond its ends (what lies alongside it)

    def zone_of(j: int) -> Any:
        if j not in zones:
            zones[j] = lines[j].buffer(tolerance)
        return zones[j]

    def side_of(j: int) -> Any:
        if j not in sides:
            sides[j] = lines[j].buffer(tolerance, cap_style=2)  # flat ends
        return sides[j]

    near_zone: dict = {}  # line -> the buffers of the earlier lines near it, and its stretches within them
    near_of: dict = {}  # line -> the earlier lines it has a stretch within the tolerance of
    gone: dict = {}  # line -> its stretches left out
    # shorter runs with a part alongside an earlier line: (line, run, the parts alongside, the rest of the run)
    pending: List[Tuple[int, List[Any], List[Any], List[Any]]] = []
    long_runs: List[Tuple[int, List[Any]]] = []  # runs left out on their own length: (line, run)
    # the lines that could lose a stretch or join a copy's pieces (copies, shallow crossings, pieces end to end):
    # the others (most of a fault map: lines that cross, splay off or end on another) proved whole in numpy first
    search = _possible_copies(
        lines,
        tolerance,
        shortest,
        progress=None if progress is None else lambda f: progress(0.5 * f),
        is_cancelled=is_cancelled,
    )
    todo = [k for k, i in enumerate(present) if search[i]]
    for step, k in enumerate(todo):
        check_cancelled(is_cancelled)  # at each line: one long fault and its neighbours take milliseconds in GEOS
        if step % CANCEL_EVERY == 0:
            report(progress, 0.5 + 0.5 * step / len(todo))
        i = present[k]
        line = lines[i]
        box = line.bounds
        near = [present[int(j)] for j in query(box_polygon(box, tolerance)) if int(j) < k]
        near = [j for j in near if line.distance(lines[j]) < tolerance]
        # the stretch within the tolerance of each: a crossing or a junction gives a fifth of a cell or less
        alongside = [(j, line.intersection(zone_of(j)).length) for j in near]
        near = [j for j, length in alongside if length > 0]
        if not near:
            continue
        if sum(length for _, length in alongside) < shortest:  # left out only as a piece of a longer copy
            ends = [Point(c[:2]) for p in _lines_of(line) for c in (p.coords[0], p.coords[-1])]
            if not any(e.distance(lines[j]) <= 2 * tolerance for e in ends for j in near):
                continue
        near_of[i] = near
        zone = unary_union([zone_of(j) for j in near])
        # the stretches within the tolerance, pieces that touch joined (GEOS cuts a line where it crosses itself)
        within = [p for p in _lines_of(line.intersection(zone)) if p.length > 0]
        near_zone[i] = (zone, within)
        runs = _touching_runs(within)
        side = None
        for run in runs:
            if sum(q.length for q in run) >= shortest:
                gone.setdefault(i, []).extend(run)
                long_runs.append((i, run))
                continue
            if side is None:
                side = unary_union([side_of(j) for j in near])
            along = [p for q in run for p in _lines_of(q.intersection(side)) if p.length > 1e-6 * tolerance]
            if along:
                rest = [p for q in run for p in _lines_of(q.difference(side)) if p.length > 0]
                pending.append((i, run, along, rest))

    # the shorter runs of several features alongside one another: a copy cut into pieces (only the parts
    # alongside go: where one piece continues another, a round end is all they share). A run joins the next at an
    # end of its own feature or of an earlier feature it runs alongside: where both copies are in pieces, a run
    # alongside one piece of the other copy ends where that piece ends, and the next run starts there
    def ends_of(i: int) -> np.ndarray:
        return np.asarray([c[:2] for p in _lines_of(lines[i]) for c in (p.coords[0], p.coords[-1])])

    # an earlier feature's end counts only where another feature ends within the tolerance too (a piece boundary of
    # a copy): where a splay or a fault ending on a copied fault ends, a stretch of the copy would otherwise chain it
    # into the copy and cut its junction stub away
    boundaries = dict(zip(present, _shared_ends([ends_of(k) for k in present], tolerance))) if near_zone else {}
    # runs left out on their own join too: where both copies are in pieces longer than that, the shorter runs
    # between them (a piece's start alongside the end of the other copy's piece before it) go with them
    own_ends = {i: ends_of(i) for i in near_zone}
    foreign = {i: np.vstack([boundaries[k] for k in near_of[i]]).reshape(-1, 2) for i in near_zone}
    stretches = [p[2] for p in pending] + [run for _, run in long_runs] if pending else []
    owners = [p[0] for p in pending] + [i for i, _ in long_runs] if pending else []
    extra: dict = {}  # line -> what is left of its runs that went that way
    chains = _alongside_chains(
        stretches, [own_ends[i] for i in owners], tolerance, is_cancelled, foreign=[foreign[i] for i in owners]
    )
    for chain in chains:
        short = [c for c in chain if c < len(pending)]
        if len(short) < len(chain) or sum(q.length for c in short for q in pending[c][2]) >= shortest:
            for c in short:
                i, run, along, rest = pending[c]
                gone.setdefault(i, []).extend(run)
                extra.setdefault(i, []).extend(rest)
    out = list(geometries)
    removed = 0.0
    left: dict = {}  # line -> its stretches left out
    for i, pieces in gone.items():
        check_cancelled(is_cancelled)  # a long fault's difference with its neighbours' zones: milliseconds each
        left_out = {id(p) for p in pieces}
        zone, within = near_zone[i]
        kept = [p for p in _lines_of(lines[i].difference(zone)) if p.length > 0]
        kept += [p for p in within if id(p) not in left_out] + extra.get(i, [])
        out[i] = MultiLineString([list(p.coords) for p in kept]) if kept else None
        extra_ids = {id(p) for p in extra.get(i, [])}
        left[i] = [p for p in pieces if id(p) not in extra_ids]
        removed += sum(p.length for p in pieces) - sum(p.length for p in extra.get(i, []))
    # the pairs of features a stretch was left out for: one alongside the other over more than a crossing gives
    links = [
        (i, j)
        for i, pieces in left.items()
        for j in near_of[i]
        if sum(p.intersection(zone_of(j)).length for p in pieces) > 2 * tolerance
    ]
    return out, _copies_left_out(set(gone), links), float(removed)


def _copies_left_out(changed: set, links: List[Tuple[int, int]]) -> int:
    """How many features the stretches left out amount to: for each group of features linked as copies
    (``links``: a feature and an earlier one it lost a stretch alongside), the features ``changed`` where one copy
    came wholly after the other (its features lost the stretches, the earlier copy none), and the smaller copy's
    features where the pieces of two copies alternate in the layer's order (each piece then loses the half
    alongside the other copy's piece before it, though one copy's worth is all that went); a group that is not two
    copies (three copies of a fault) counts its features ``changed``."""
    nodes = sorted({k for pair in links for k in pair} | changed)
    index = {k: n for n, k in enumerate(nodes)}
    colour: dict = {}
    count = 0
    for group in _linked(len(nodes), [(index[a], index[b]) for a, b in links]):
        members = [nodes[n] for n in group]
        neighbours: dict = {k: [] for k in members}
        for a, b in links:
            if a in neighbours:
                neighbours[a].append(b)
                neighbours[b].append(a)
        two_sided = True
        colour[members[0]] = 0
        queue = [members[0]]
        while queue:  # breadth first: neighbours take the other colour
            k = queue.pop()
            for m in neighbours[k]:
                if m not in colour:
                    colour[m] = 1 - colour[k]
                    queue.append(m)
                elif colour[m] == colour[k]:
                    two_sided = False
        sides = [[k for k in members if colour[k] == c] for c in (0, 1)]
        losers = [[k for k in side if k in changed] for side in sides]
        if two_sided and losers[0] and losers[1]:
            count += min(len(sides[0]), len(sides[1]))
        else:
            count += len(losers[0]) + len(losers[1])
    return count


#: the copy search's bound on GEOS's buffers: a buffer's arcs have their vertices on the circle and its input line is
#: simplified by at most 1 % of the distance (BufferParameters' simplify factor), so it lies within 1.02 x the
#: distance of the line; stretches are measured against that wider, exact (round) zone
ZONE_BOUND = 1.02


def _capsule_intervals(s: np.ndarray, t: np.ndarray, r: float) -> Tuple[np.ndarray, np.ndarray]:
    """For each pair of segments ``s`` and ``t`` ((n, 4) each), the interval [u0, u1] of s's parameter (0 at its
    start, 1 at its end) whose points lie within ``r`` of t: s meets t's capsule (its band and the discs about its
    ends, a convex set) in one interval, the hull of its three pieces; u0 > u1 where it does not."""
    x0, y0 = s[:, 0], s[:, 1]
    dx, dy = s[:, 2] - x0, s[:, 3] - y0
    a = dx * dx + dy * dy
    u0, u1 = np.full(len(s), np.inf), np.full(len(s), -np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        for cx, cy in ((t[:, 0], t[:, 1]), (t[:, 2], t[:, 3])):  # the discs about t's ends
            wx, wy = x0 - cx, y0 - cy
            b = wx * dx + wy * dy
            disc = b * b - a * (wx * wx + wy * wy - r * r)
            ok = (disc >= 0) & (a > 0)
            root = np.sqrt(np.where(ok, disc, 0.0))
            u0 = np.where(ok, np.minimum(u0, (-b - root) / a), u0)
            u1 = np.where(ok, np.maximum(u1, (-b + root) / a), u1)
        ex, ey = t[:, 2] - t[:, 0], t[:, 3] - t[:, 1]
        length = np.hypot(ex, ey)
        ex, ey = ex / length, ey / length
        wx, wy = x0 - t[:, 0], y0 - t[:, 1]
        lo, hi = np.zeros(len(s)), np.ones(len(s))
        # the band: along t within [0, |t|], across within [-r, r]; each a linear function of u
        for start, slope, low, high in (
            (wx * ex + wy * ey, dx * ex + dy * ey, 0.0, length),
            (wx * -ey + wy * ex, dx * -ey + dy * ex, -r, r),
        ):
            flat = slope == 0
            inside = (start >= low) & (start <= high)
            v0, v1 = (low - start) / slope, (high - start) / slope
            lo = np.where(flat, np.where(inside, lo, np.inf), np.maximum(lo, np.minimum(v0, v1)))
            hi = np.where(flat, np.where(inside, hi, -np.inf), np.minimum(hi, np.maximum(v0, v1)))
        band = (length > 0) & (a > 0) & (lo <= hi)
        u0 = np.where(band, np.minimum(u0, lo), u0)
        u1 = np.where(band, np.maximum(u1, hi), u1)
    return np.clip(u0, 0.0, 1.0), np.clip(u1, 0.0, 1.0)


def _point_segment_distance(px: np.ndarray, py: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Distance from points (n,) to segments (n, 4)."""
    dx, dy = s[:, 2] - s[:, 0], s[:, 3] - s[:, 1]
    a = dx * dx + dy * dy
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.where(a > 0, ((px - s[:, 0]) * dx + (py - s[:, 1]) * dy) / a, 0.0)
    u = np.clip(u, 0.0, 1.0)
    return np.hypot(px - s[:, 0] - u * dx, py - s[:, 1] - u * dy)


def _possible_copies(
    lines: List[Any],
    tolerance: float,
    shortest: float,
    progress: ProgressCallback = None,
    is_cancelled: CancelCallback = None,
) -> np.ndarray:
    """Which ``lines`` (MultiLineStrings) :func:`near_duplicate_stretches` must search in GEOS: (n,) bool, False
    only for a line it would leave whole and whose stretches could join no other feature's, proved in numpy.

    Where an earlier line comes within the tolerance of a line is measured exactly on their segments, against a zone
    :data:`ZONE_BOUND` times wider than GEOS's buffer could reach: for each segment pair whose boxes come that close,
    the stretch of the later segment within that distance of the earlier one (:func:`_capsule_intervals`), and their
    union along the line. GEOS's stretches (``line.intersection(zone)``) lie inside it, so a line is left whole
    where (a) its union is shorter than ``shortest`` in all (or, on a line in one part that neither closes nor
    crosses itself, where its runs cannot touch across it: in each connected stretch, and in the stretches within
    the tolerance of its ends together: those its own pieces could chain, and no feature's end is within the
    tolerance of its stretches), (b) none of its ends is within the tolerance of another feature's end, and (c) no
    end within the tolerance of its stretches that its chains register (its own, or another line's at a piece
    boundary) is within the tolerance of an end registered by another line's stretches: every chain of pieces across
    features needs (b) or (c) (:func:`_alongside_chains`). Lines crossing others at an angle, splays and junctions fall
    under (a)-(c);
    copies, shallow crossings and pieces of one fault end to end are searched as before. ``progress`` is told the
    share of features compared, ``is_cancelled`` asked every :data:`CANCEL_EVERY` features."""
    from scipy.spatial import cKDTree

    n = len(lines)
    parts = [
        (i, np.asarray(p.coords, dtype=np.float64)[:, :2])
        for i, g in enumerate(lines)
        if g is not None
        for p in g.geoms
    ]
    if not parts:
        return np.zeros(n, dtype=bool)
    segs, owner = _line_segments(parts)
    if segs is None or owner is None:
        return np.array([g is not None for g in lines])
    reach = ZONE_BOUND * tolerance
    shortest_bound = shortest * (1.0 - 1e-6)
    # (b) ends within the tolerance of another feature's end
    ends = np.vstack([np.vstack([xy[0], xy[-1]]) for _, xy in parts])
    end_owner = np.repeat([i for i, _ in parts], 2)
    meets = np.zeros(n, dtype=bool)
    close = np.asarray(sorted(cKDTree(ends).query_pairs(reach)), dtype=np.int64).reshape(-1, 2)
    other = end_owner[close[:, 0]] != end_owner[close[:, 1]]
    meets[end_owner[close[other].ravel()]] = True
    shared_end = np.zeros(len(ends), dtype=bool)  # an end another feature's end is near: a piece boundary
    shared_end[close[other].ravel()] = True
    # each segment's start along its line (its parts one after another), and the line's start on one axis for all
    length = np.hypot(segs[:, 2] - segs[:, 0], segs[:, 3] - segs[:, 1])
    along = np.cumsum(length) - length
    line_start = np.searchsorted(owner, np.arange(n + 1))
    offset = np.zeros(n + 1)
    present = line_start[1:] > line_start[:-1]
    offset[:-1][present] = along[line_start[:-1][present]]
    along -= np.repeat(offset[:-1], np.diff(line_start))
    axis_start = np.concatenate([[0.0], np.cumsum(np.bincount(owner, length, n) + 1.0)])  # lines 1 unit apart
    # one part, not closed: its ends (else NaN: no stretch counts as near an end)
    single = np.bincount([i for i, _ in parts], minlength=n) == 1
    first_end = np.full((n, 2), np.nan)
    last_end = np.full((n, 2), np.nan)
    for i, xy in parts:
        if single[i]:
            first_end[i], last_end[i] = xy[0], xy[-1]
    check_cancelled(is_cancelled)
    pairs = _BoxPairs(segs, owner, n, grow=reach)
    starts: List[np.ndarray] = []
    stops: List[np.ndarray] = []
    by_end: List[np.ndarray] = []
    registered: List[np.ndarray] = [np.empty((0, 2), dtype=np.int64)]  # (line, end) pairs
    end_tree = cKDTree(ends)
    for b0 in range(0, n, CANCEL_EVERY):
        check_cancelled(is_cancelled)
        report(progress, b0 / n)
        a, b = pairs.of_features(b0, min(b0 + CANCEL_EVERY, n))
        u0, u1 = _capsule_intervals(segs[b], segs[a], reach)  # the later line's stretch near the earlier one
        keep = u1 > u0
        a, b, u0, u1 = a[keep], b[keep], u0[keep], u1[keep]
        base = axis_start[owner[b]] + along[b]
        starts.append(base + u0 * length[b])
        stops.append(base + u1 * length[b])
        step = segs[b, 2:] - segs[b, :2]
        piece = np.hstack([segs[b, :2] + u0[:, None] * step, segs[b, :2] + u1[:, None] * step])
        o = owner[b]
        near_end = (_point_segment_distance(first_end[o, 0], first_end[o, 1], piece) <= reach) | (
            _point_segment_distance(last_end[o, 0], last_end[o, 1], piece) <= reach
        )
        by_end.append(near_end)
        # the ends a stretch of this line could register for its chains: its own, and the earlier lines' ends that
        # are piece boundaries (another feature's end near), within the tolerance of it (:func:`_alongside_chains`)
        middle = 0.5 * (piece[:, :2] + piece[:, 2:])
        half = 0.5 * np.hypot(piece[:, 2] - piece[:, 0], piece[:, 3] - piece[:, 1])
        found = end_tree.query_ball_point(middle, half + reach)
        counts = np.fromiter((len(f) for f in found), dtype=np.int64, count=len(found))
        if counts.sum():
            at = np.repeat(np.arange(len(found)), counts)
            candidate = np.concatenate([np.asarray(f, dtype=np.int64) for f in found if f])
            close_to = _point_segment_distance(ends[candidate, 0], ends[candidate, 1], piece[at]) <= reach
            close_to &= shared_end[candidate] | (end_owner[candidate] == o[at])  # what the chains register
            registered.append(np.column_stack([o[at][close_to], candidate[close_to]]))
    check_cancelled(is_cancelled)
    start, stop, near_end = np.concatenate(starts), np.concatenate(stops), np.concatenate(by_end)
    if not len(start):
        return meets
    # (c) a stretch's registered end within the tolerance of another line's (the same end registered by both
    # included): the two could chain; a line with another feature's end registered could chain its own runs there
    # (its own ends are bounded by the stretches near them, ``at_ends`` below). ``chains`` implies it: the two ends of
    # a piece boundary are within the tolerance of each other, so the later of their features has a stretch that
    # registers its own end there, and that is another line's (sweep 19b's test of it passes without it); kept as a
    # guard that costs nothing
    has_end = np.zeros(n, dtype=bool)
    chains = np.zeros(n, dtype=bool)
    pairs_at = np.unique(np.vstack(registered), axis=0)
    if len(pairs_at):
        has_end[pairs_at[end_owner[pairs_at[:, 1]] != pairs_at[:, 0], 0]] = True
        linked = np.asarray(sorted(cKDTree(ends[pairs_at[:, 1]]).query_pairs(reach)), dtype=np.int64).reshape(-1, 2)
        owners = pairs_at[linked, 0]
        across = owners[:, 0] != owners[:, 1]
        chains[owners[across].ravel()] = True
    order = np.argsort(start, kind="stable")
    start, stop, near_end = start[order], stop[order], near_end[order]
    reached = np.maximum.accumulate(stop)
    new = np.concatenate([[True], start[1:] > reached[:-1]])
    c_start = start[new]
    c_stop = np.maximum.reduceat(stop, np.flatnonzero(new))
    c_near_end = np.maximum.reduceat(near_end.astype(np.int8), np.flatnonzero(new)).astype(bool)
    c_line = np.searchsorted(axis_start, c_start, side="right") - 1
    c_length = c_stop - c_start
    total = np.bincount(c_line, c_length, n)
    longest = np.zeros(n)
    np.maximum.at(longest, c_line, c_length)
    at_ends = np.bincount(c_line, c_length * c_near_end, n)
    search = meets | chains | (total >= shortest_bound)
    exempt = search & ~meets & ~chains & ~has_end & single & (longest < shortest_bound) & (at_ends < shortest_bound)
    for i in np.flatnonzero(exempt):
        line = lines[i]
        part = line.geoms[0]
        if not part.is_closed and part.is_simple:
            search[i] = False  # its runs are stretches of one simple line: each within one connected stretch
    report(progress, 1.0)
    return search


def _alongside_chains(
    groups: List[List[Any]],
    ends: List[np.ndarray],
    gap: float,
    is_cancelled: CancelCallback = None,
    foreign: Optional[List[np.ndarray]] = None,
) -> List[List[int]]:
    """Indices of ``groups`` (each a list of lines: the stretches of one feature alongside earlier ones) joined
    into chains: the pieces of one copy of a fault cut into several features follow one another along the earlier
    line, each piece's stretch reaching one of its feature's ends (``ends[k]``, (n, 2)) within ``gap`` of an end of
    the next one's (end to end, or a copy's piece and the next piece of the other copy, ``gap`` apart across).
    Stretches away from their features' ends (where faults cross at a shallow angle) join nothing.

    ``foreign[k]`` (optional, (m, 2)): other features' ends (piece boundaries of the earlier copy) a stretch joins
    at too, but only a stretch that reaches one of its own feature's ends: where both copies are in pieces, a piece's
    stretch runs from its own end to the end of the other copy's piece it runs alongside. A line crossing the copy
    at a piece boundary (its stretch there away from its own ends) joins nothing, and keeps its crossing (sweep 19b:
    a 2° crossing lost 37 m there)."""
    from scipy.spatial import cKDTree
    from shapely.geometry import MultiLineString, Point

    owner: List[int] = []
    points: List[np.ndarray] = []
    for k, (group, group_ends) in enumerate(zip(groups, ends)):
        if k % CANCEL_EVERY == 0:
            check_cancelled(is_cancelled)
        shape = MultiLineString([list(p.coords) for p in group])
        x0, y0, x1, y1 = shape.bounds
        box = (group_ends[:, 0] >= x0 - gap) & (group_ends[:, 0] <= x1 + gap)
        box &= (group_ends[:, 1] >= y0 - gap) & (group_ends[:, 1] <= y1 + gap)
        reached = [e for e in group_ends[box] if shape.distance(Point(float(e[0]), float(e[1]))) <= gap]
        if reached and foreign is not None and len(foreign[k]):
            box = (foreign[k][:, 0] >= x0 - gap) & (foreign[k][:, 0] <= x1 + gap)
            box &= (foreign[k][:, 1] >= y0 - gap) & (foreign[k][:, 1] <= y1 + gap)
            reached += [e for e in foreign[k][box] if shape.distance(Point(float(e[0]), float(e[1]))) <= gap]
        owner += [k] * len(reached)
        points += reached
    pairs = cKDTree(np.asarray(points)).query_pairs(gap) if points else set()
    return _linked(len(groups), [(owner[a], owner[b]) for a, b in pairs])


def _linked(n: int, pairs: Sequence[Tuple[int, int]]) -> List[List[int]]:
    """0 .. ``n`` - 1 grouped by the links ``pairs`` (connected components), each group ascending, the groups in
    the order of their first member."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if n == 0:
        return []
    links = np.asarray(list(pairs), dtype=np.int64).reshape(-1, 2)
    graph = coo_matrix((np.ones(len(links)), (links[:, 0], links[:, 1])), shape=(n, n))
    labels = connected_components(graph, directed=False)[1]  # numbered in the order of their first node
    groups: List[List[int]] = [[] for _ in range(int(labels.max()) + 1)]
    for a, label in enumerate(labels):
        groups[label].append(a)
    return groups


def _shared_ends(ends: List[np.ndarray], gap: float) -> List[np.ndarray]:
    """For each feature's ends (``ends[k]``, (m, 2)), those within ``gap`` of another feature's end."""
    from scipy.spatial import cKDTree

    counts = [len(e) for e in ends]
    points = np.vstack(ends).reshape(-1, 2)
    owner = np.repeat(np.arange(len(ends)), counts)
    close = np.asarray(sorted(cKDTree(points).query_pairs(gap)), dtype=np.int64).reshape(-1, 2)
    shared = np.zeros(len(points), dtype=bool)
    shared[close[owner[close[:, 0]] != owner[close[:, 1]]].ravel()] = True
    split = np.cumsum(counts)[:-1]
    return [p[keep] for p, keep in zip(np.split(points, split), np.split(shared, split))]


def _touching_runs(parts: List[Any]) -> List[List[Any]]:
    """``parts`` (lines) grouped into runs of parts that touch one another (end to end, or where a line crosses
    itself), each run the parts of one connected stretch."""
    touching = [(a, b) for a in range(len(parts)) for b in range(a + 1, len(parts)) if parts[a].distance(parts[b]) == 0]
    return [[parts[a] for a in group] for group in _linked(len(parts), touching)]


def intersections(
    geometries: Sequence[Any], is_cancelled: CancelCallback = None, progress: ProgressCallback = None
) -> np.ndarray:
    """(n, 2) points where two different line features cross or touch, without the shared end points of two
    features that merely continue each other (a line split into pieces); a point where three or more feature ends
    meet is kept. Duplicates (within 1e-6 map units) are dropped. ``is_cancelled`` is asked every
    :data:`CANCEL_EVERY` features (their crossings grow as the square of the lines in an area), and ``progress``
    is told the share of features searched then.

    The search is vectorised (sweep 17b; it tested candidate feature pairs one at a time in GEOS, about 50 µs a
    pair, half a minute for 20,000 random faults): the segments are binned in a grid, the pairs of segments of two
    features whose boxes overlap are classified with GEOS's orientation filter in numpy, and a proper crossing (each
    segment's ends certainly on either side of the other) takes GEOS's own formula for the point
    (:func:`_proper_crossings`: the same bits as shapely's ``intersection``). Feature pairs with a segment pair
    the filter cannot decide (touching ends, T-junctions, shared or collinear stretches, nearly parallel) are
    intersected in GEOS as before, with the rules for pieces end to end and shared stretches."""
    lines = [g for g in geometries if g is not None and not g.is_empty]
    if len(lines) < 2:
        return np.empty((0, 2))
    # polygons given as lines are measured to their outlines: they cross where their rings do (sweep 19a: shapely
    # has no coordinates of a polygon itself, and the run failed with an unexpected NotImplementedError)
    lines = [g.boundary if g.geom_type in ("Polygon", "MultiPolygon") else g for g in lines]
    parts = [
        (i, np.asarray(part.coords, dtype=np.float64)) for i, g in enumerate(lines) for part in getattr(g, "geoms", [g])
    ]
    parts = [(i, xy[:, :2]) for i, xy in parts if len(xy) >= 2]
    ends: dict = {}
    for i, xy in parts:
        for end in (xy[0], xy[-1]):
            ends.setdefault(_key(end), set()).add(i)
    lines_only = all(g.geom_type in ("LineString", "LinearRing", "MultiLineString") for g in lines)
    segs, owner = _line_segments(parts) if lines_only and parts else (None, None)
    if segs is None or owner is None:  # not only lines (or coordinates not finite): every candidate pair in GEOS
        found = _crossings_pair_by_pair(lines, ends, is_cancelled, progress)
    else:
        found = _crossings_vectorised(lines, segs, owner, ends, is_cancelled, progress)
    if not len(found):
        return np.empty((0, 2))
    xy = np.asarray(found, dtype=np.float64).reshape(-1, 2)
    _, first = np.unique(np.round(xy / 1e-6), axis=0, return_index=True)
    return xy[np.sort(first)]


#: features between two asks of ``is_cancelled`` in :func:`intersections` (a few milliseconds of work)
CANCEL_EVERY = 64

#: GEOS's orientation filter: a determinant larger than this share of its two products' sizes has a certain sign
#: (GEOS uses 1e-15 and double-double arithmetic below it; 1e-14 leaves a margin, the rest goes to GEOS)
ORIENTATION_CERTAIN = 1e-14


def _key(xy) -> tuple:
    return (round(float(xy[0]), 6), round(float(xy[1]), 6))


def _pair_points(g: Any, h: Any, i: int, j: int, ends: dict) -> List[tuple]:
    """The crossings of features ``i`` and ``j`` (shapely ``g`` and ``h``), by GEOS, without the end points of
    two pieces of one line and the ends of shared stretches at a line's end."""
    if not g.intersects(h):
        return []
    out = []
    for p, stretch_end in _points_in(g.intersection(h)):
        owners = ends.get(_key(p), set())
        if i in owners and j in owners and len(owners) == 2:
            continue  # end to end: one line in two pieces
        if stretch_end and (i in owners or j in owners):
            continue  # a shared stretch ending where one line ends: one fault drawn twice, no crossing
        out.append(p)
    return out


def _crossings_pair_by_pair(
    lines: List[Any], ends: dict, is_cancelled: CancelCallback, progress: ProgressCallback
) -> np.ndarray:
    """Every pair of features whose boxes overlap, one at a time in GEOS (geometries other than lines)."""
    from shapely.strtree import STRtree

    with warnings.catch_warnings():  # shapely 1.8 announces STRtree's 2.0 changes; both are handled below
        warnings.simplefilter("ignore")
        tree = STRtree(lines)
    # shapely 1.8 (Debian 12): query_items gives indices; shapely 2: query does
    query = getattr(tree, "query_items", tree.query)
    found: List[tuple] = []
    for i, g in enumerate(lines):
        if i % CANCEL_EVERY == 0:
            check_cancelled(is_cancelled)
            report(progress, i / len(lines))
        for j in sorted(int(j) for j in query(g)):
            if j > i:
                found += _pair_points(g, lines[j], i, j, ends)
    return np.asarray(found, dtype=np.float64).reshape(-1, 2)


def _line_segments(parts: List[Tuple[int, np.ndarray]]) -> Tuple[Optional[np.ndarray], Optional[np.ndarray]]:
    """(m, 4) segments of the features' parts ((feature, (k, 2) coordinates), in feature order), and the feature
    of each; (None, None) where a coordinate is not finite."""
    segs = np.vstack([np.hstack([xy[:-1], xy[1:]]) for _, xy in parts])
    if not np.isfinite(segs).all():
        return None, None
    return segs, np.concatenate([np.full(len(xy) - 1, i, dtype=np.int64) for i, xy in parts])


def _orientation(ax, ay, bx, by, cx, cy) -> np.ndarray:
    """Sign of the turn a -> b -> c as GEOS's filter computes it (+1, -1), 0 where the filter is not certain."""
    left = (ax - cx) * (by - cy)
    right = (ay - cy) * (bx - cx)
    det = left - right
    certain = np.abs(det) > ORIENTATION_CERTAIN * (np.abs(left) + np.abs(right))
    return np.where(certain, np.sign(det), 0.0)


def _proper_crossings(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """(n, 2) points where segments ``p`` and ``q`` ((n, 4) each) cross, by GEOS 3.9+'s
    ``Intersection::intersection`` (homogeneous coordinates about the middle of the boxes' overlap), operation for
    operation: the same doubles as shapely's ``intersection`` of the two (checked in the tests)."""
    p1x, p1y, p2x, p2y = p.T
    q1x, q1y, q2x, q2y = q.T
    midx = (
        np.maximum(np.minimum(p1x, p2x), np.minimum(q1x, q2x)) + np.minimum(np.maximum(p1x, p2x), np.maximum(q1x, q2x))
    ) / 2.0
    midy = (
        np.maximum(np.minimum(p1y, p2y), np.minimum(q1y, q2y)) + np.minimum(np.maximum(p1y, p2y), np.maximum(q1y, q2y))
    ) / 2.0
    p1x, p1y, p2x, p2y = p1x - midx, p1y - midy, p2x - midx, p2y - midy
    q1x, q1y, q2x, q2y = q1x - midx, q1y - midy, q2x - midx, q2y - midy
    px, py, pw = p1y - p2y, p2x - p1x, p1x * p2y - p2x * p1y
    qx, qy, qw = q1y - q2y, q2x - q1x, q1x * q2y - q2x * q1y
    x, y, w = py * qw - qy * pw, qx * pw - px * qw, px * qy - qx * py
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.column_stack([x / w + midx, y / w + midy])


def _segment_grid(lo: np.ndarray, hi: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Segments' boxes (low and high corners, (m, 2) each) binned in square cells about the size of a typical box
    (grown until the boxes cover at most eight cells each on average): each box's low corner cell (m, 2), and the
    registrations (segment, cell x, cell y) in segment order with the cells' keys, and the keys sorted with their
    segments. :class:`_BoxPairs` passes the boxes it grew (computed once, for the grid and the overlap test)."""
    origin = lo.min(axis=0)
    size = np.maximum(hi[:, 0] - lo[:, 0], hi[:, 1] - lo[:, 1])
    span = float(max((hi.max(axis=0) - origin).max(), 1e-9))
    cell = max(float(np.median(size)), span / 2**20, 1e-9)
    while True:
        c_lo = np.floor((lo - origin) / cell).astype(np.int64)
        c_hi = np.floor((hi - origin) / cell).astype(np.int64)
        width = c_hi - c_lo + 1
        count = width[:, 0] * width[:, 1]
        if count.sum() <= 8 * len(lo) + 64 or cell >= span:
            break
        cell *= 2.0
    nx = int(c_hi[:, 0].max()) + 1
    total = int(count.sum())
    seg = np.repeat(np.arange(len(lo)), count)
    k = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    wx = np.repeat(width[:, 0], count)
    cx = np.repeat(c_lo[:, 0], count) + k % wx
    cy = np.repeat(c_lo[:, 1], count) + k // wx
    key = cy * nx + cx
    order = np.argsort(key, kind="stable")
    return c_lo, seg, np.column_stack([cx, cy]), key, np.column_stack([key[order], seg[order]])


class _BoxPairs:
    """Pairs of segments of two different features whose boxes overlap (grown by ``grow``: within ``grow`` of each
    other), from the grid of :func:`_segment_grid`, a few features at a time. ``owner`` (ascending) is each segment's
    feature."""

    def __init__(self, segs: np.ndarray, owner: np.ndarray, n_features: int, grow: float = 0.0) -> None:
        self.lo = np.minimum(segs[:, :2], segs[:, 2:]) - 0.5 * grow
        self.hi = np.maximum(segs[:, :2], segs[:, 2:]) + 0.5 * grow
        self.c_lo, self.reg_seg, self.reg_cell, self.reg_key, by_key = _segment_grid(self.lo, self.hi)
        self.sorted_key, self.sorted_seg = by_key[:, 0], by_key[:, 1]
        self.owner = owner
        seg_start = np.searchsorted(owner, np.arange(n_features + 1))  # segments of feature i: seg_start[i]:[i + 1]
        self.reg_start = np.searchsorted(self.reg_seg, seg_start)  # their registrations, likewise

    def of_features(self, b0: int, b1: int) -> Tuple[np.ndarray, np.ndarray]:
        """(a, b): segments ``a`` of features ``b0`` .. ``b1`` - 1 and ``b`` of later features, each pair once."""
        lo, hi, c_lo, owner = self.lo, self.hi, self.c_lo, self.owner
        regs = np.arange(self.reg_start[b0], self.reg_start[b1])
        first = np.searchsorted(self.sorted_key, self.reg_key[regs], side="left")
        n = np.searchsorted(self.sorted_key, self.reg_key[regs], side="right") - first
        a = np.repeat(self.reg_seg[regs], n)
        cell = np.repeat(self.reg_cell[regs], n, axis=0)
        b = self.sorted_seg[np.repeat(first, n) + np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)]
        keep = owner[b] > owner[a]  # each pair of features once, never a feature with itself
        a, b, cell = a[keep], b[keep], cell[keep]
        keep = (lo[a] <= hi[b]).all(axis=1) & (lo[b] <= hi[a]).all(axis=1)
        # a pair of segments in several common cells counts in the one holding its boxes' overlap's low corner
        keep &= (np.maximum(c_lo[a], c_lo[b]) == cell).all(axis=1)
        return a[keep], b[keep]


def _crossings_vectorised(
    lines: List[Any],
    segs: np.ndarray,
    owner: np.ndarray,
    ends: dict,
    is_cancelled: CancelCallback,
    progress: ProgressCallback,
) -> np.ndarray:
    """:func:`intersections`'s points, :data:`CANCEL_EVERY` features at a time: the segment pairs of a feature and
    a later one from the grid of :func:`_segment_grid`, proper crossings in numpy, other feature pairs in GEOS."""
    from scipy.spatial import cKDTree

    lo = np.minimum(segs[:, :2], segs[:, 2:])
    hi = np.maximum(segs[:, :2], segs[:, 2:])
    check_cancelled(is_cancelled)  # the grid of every segment takes seconds on 20,000 faults
    pairs = _BoxPairs(segs, owner, len(lines))
    end_points = np.array(list(ends), dtype=np.float64).reshape(-1, 2)
    end_tree = cKDTree(end_points) if len(end_points) else None
    found: List[np.ndarray] = [np.empty((0, 2))]
    for b0 in range(0, len(lines), CANCEL_EVERY):
        check_cancelled(is_cancelled)
        report(progress, b0 / len(lines))
        a, b = pairs.of_features(b0, min(b0 + CANCEL_EVERY, len(lines)))
        p, q = segs[a], segs[b]
        pq1 = _orientation(p[:, 0], p[:, 1], p[:, 2], p[:, 3], q[:, 0], q[:, 1])
        pq2 = _orientation(p[:, 0], p[:, 1], p[:, 2], p[:, 3], q[:, 2], q[:, 3])
        qp1 = _orientation(q[:, 0], q[:, 1], q[:, 2], q[:, 3], p[:, 0], p[:, 1])
        qp2 = _orientation(q[:, 0], q[:, 1], q[:, 2], q[:, 3], p[:, 2], p[:, 3])
        apart = (pq1 * pq2 > 0) | (qp1 * qp2 > 0)
        proper = (pq1 * pq2 < 0) & (qp1 * qp2 < 0)
        xy = _proper_crossings(p[proper], q[proper])
        # GEOS falls back to the nearest end point where the formula's point leaves the segments' boxes
        lo_ab = np.maximum(lo[a[proper]], lo[b[proper]])
        hi_ab = np.minimum(hi[a[proper]], hi[b[proper]])
        inside = np.isfinite(xy).all(axis=1) & (xy >= lo_ab).all(axis=1) & (xy <= hi_ab).all(axis=1)
        undecided = ~apart
        undecided[np.flatnonzero(proper)[inside]] = False
        pair = owner[a] * len(lines) + owner[b]
        in_geos = np.unique(pair[undecided])
        crossing = np.flatnonzero(proper)[inside]
        crossing = crossing[~np.isin(pair[crossing], in_geos)]
        points = xy[inside][~np.isin(pair[np.flatnonzero(proper)[inside]], in_geos)]
        fi, fj = owner[a[crossing]], owner[b[crossing]]
        drop = np.zeros(len(points), dtype=bool)
        if end_tree is not None and len(points):
            # the rule for two pieces of one line end to end, where a point rounds onto an end (never, in practice)
            for k in np.flatnonzero(end_tree.query(points, distance_upper_bound=1e-5)[0] <= 1e-5):
                owners = ends.get(_key(points[k]), set())
                drop[k] = int(fi[k]) in owners and int(fj[k]) in owners and len(owners) == 2
        by_geos = [
            (i, j, x, y)
            for i, j in (divmod(int(c), len(lines)) for c in in_geos)
            for x, y in _pair_points(lines[i], lines[j], i, j, ends)
        ]
        extra = np.asarray(by_geos, dtype=np.float64).reshape(-1, 4)
        fi = np.concatenate([fi[~drop], extra[:, 0].astype(np.int64)])
        fj = np.concatenate([fj[~drop], extra[:, 1].astype(np.int64)])
        points = np.vstack([points[~drop], extra[:, 2:]])
        found.append(points[np.lexsort((fj, fi))])  # feature by feature, as the search of one pair at a time
    return np.vstack(found)


def _points_in(geometry: Any) -> List[tuple]:
    """Points of an intersection, each with whether it ends a shared (overlapping) stretch: its points (False),
    and the end points of shared stretches (True)."""
    if geometry.is_empty:
        return []
    kind = geometry.geom_type
    if kind == "Point":
        return [((geometry.x, geometry.y), False)]
    if kind == "LineString":
        coords = list(geometry.coords)
        return [(coords[0][:2], True), (coords[-1][:2], True)]
    if hasattr(geometry, "geoms"):
        return [p for part in geometry.geoms for p in _points_in(part)]
    return []


#: fewer intersections than this make ``<layer>:intersection_distance_m`` the distance to a point or two: a bull's-eye
FEW_INTERSECTIONS = 3


def intersection_note(source: "LineEvidence") -> str:
    """A warning when ``source``'s intersection band (asked for) says little: none (the band is left out), fewer
    than :data:`FEW_INTERSECTIONS` (the distance to a point or two: where a cell lies, not the structure), or none on
    the grid (a ramp from beyond its edge); '' otherwise.

    Sweep 21a (Kola, 5 km cells): the coast, 142 pieces meeting end to end, has none; the borders cross at one point
    (the three countries' junction) and the lakes at two 1.5 km apart, whose bands were written without a word."""
    band = band_name(source.layer, "intersection_distance_m")
    n = source.n_intersections
    if n == 0:
        return (
            f"LINES: the lines of '{source.layer}' do not cross or meet one another (lines continuing each other end "
            f"to end do not count), so '{band}' is left out of the stack: it would hold no information. The layer's "
            "other bands are written."
        )
    drop = (
        "drop the band (Raster › Conversion › Translate, keeping the other bands) or give this layer to a run "
        "without INTERSECTIONS."
    )
    if n < FEW_INTERSECTIONS:
        where = " and ".join(f"{x:.0f}, {y:.0f}" for x, y in source.some_intersections)
        one = "that point" if n == 1 else "those points"
        return (
            f"LINES: the lines of '{source.layer}' cross or meet at only {n} point{'s' if n > 1 else ''} (at {where}): "
            f"'{band}' is the distance to {one}, a bull's-eye that tells a learner where a cell lies rather than "
            f"anything of the structure. Keep it only if {one} matter{'s' if n == 1 else ''} to the deposits you seek; "
            f"otherwise {drop}"
        )
    if source.intersections_on_grid == 0:
        return (
            f"LINES: none of the {n:,} points where the lines of '{source.layer}' cross or meet lies on the grid: "
            f"'{band}' rises smoothly across it from beyond its edge, which tells a learner where a cell lies rather "
            f"than anything of the structure in the area. Unless the grid should reach them, {drop}"
        )
    return ""


class LineEvidence:
    """Bands from one line layer: ``<layer>:distance_m`` (always), ``<layer>:density_km_per_km2`` (with a
    ``density_radius``) and ``<layer>:intersection_distance_m`` (with ``intersections``, when the lines cross).

    ``geometries`` are shapely lines (or polygons: their rings) in the grid's CRS; ``kind_label`` names them in the
    band descriptions. The distance index cuts them into pieces of :data:`~.geometry.SPACING_CELLS` cells, the
    density into pieces of half a cell.
    """

    def __init__(
        self,
        layer: str,
        geometries: Sequence[Any],
        grid: GridSpec,
        density_radius: Optional[float] = None,
        intersections_band: bool = False,
        kind_label: str = "lines",
        is_cancelled: CancelCallback = None,
        progress: ProgressCallback = None,
    ) -> None:
        # ``progress``: the share of the search for copies (first half) and crossings (second half) done, the two
        # slow steps here (tens of seconds each on 20,000 faults)
        self.layer = layer
        #: features that repeat an earlier one exactly (the same fault twice: merged map sheets, a copy pasted
        #: twice), and segments that repeat another (a stretch two features share): each is counted once
        # (features only where they would read as intersections: comparing every feature takes seconds on 10⁵)
        geometries, self.repeated_features = unique_lines(geometries) if intersections_band else (geometries, 0)
        check_cancelled(is_cancelled)  # between the steps over every segment (seconds each on 20,000 faults)
        segs, self.repeated_segments = unique_segments(segments_of(geometries))
        check_cancelled(is_cancelled)
        #: segments sharing part of their length with another on one straight line (a fault on two overlapping map
        #: sheets), merged into one: the shared stretch counts once in the density
        segs, self.overlapping_segments = merge_overlapping_segments(segs)
        if len(segs) == 0:
            raise ValueError(f"{layer}: no line segments")
        check_cancelled(is_cancelled)
        #: the distance and density bands take the segments cut where no farther part can matter to a cell
        #: (:func:`~.geometry.reach_around`): one vertex misplaced a billion kilometres out was cut into pieces of a
        #: few cells all the way (23 GB, review 36). Crossings and copies are searched on the whole lines.
        reach = reach_around(segs, grid, density_radius or 0.0)
        near_box = (grid.xmin - reach, grid.ymin - reach, grid.xmax + reach, grid.ymax + reach)
        self.farthest = farthest_end(segs, grid)
        near, self.cut_far = clip_segments(segs, near_box)
        self.index = SegmentIndex(near, SPACING_CELLS * grid.pixel_size)
        #: features with a stretch within a tenth of a cell of an earlier feature over three cells or more (one fault
        #: digitised twice a few metres apart), and the length left out of the density and intersections (map
        #: units); the distance band keeps every line (the copies lie within the tolerance of each other)
        self.near_features, self.near_length = 0, 0.0
        self.near_tolerance = NEAR_CELLS * grid.pixel_size
        counted = segs
        if (density_radius and density_radius > 0) or intersections_band:
            geometries, self.near_features, self.near_length = near_duplicate_stretches(
                geometries,
                self.near_tolerance,
                NEAR_LENGTH_CELLS * grid.pixel_size,
                progress=None if progress is None else lambda f: progress(0.5 * f),
                is_cancelled=is_cancelled,
            )
            if self.near_features:
                check_cancelled(is_cancelled)
                counted, _ = unique_segments(segments_of(geometries))
                check_cancelled(is_cancelled)
                counted, _ = merge_overlapping_segments(counted)
        self._counted_segments = clip_segments(counted, near_box)[0]
        check_cancelled(is_cancelled)
        self.bands: List[BandSpec] = [
            BandSpec(band_name(layer, "distance_m"), "m", "distance", layer, description=f"distance to {kind_label}")
        ]
        self.density_radius = density_radius if density_radius and density_radius > 0 else None
        self._grid = grid
        if self.density_radius is not None:
            self._density_pieces()
            self.bands.append(
                BandSpec(
                    band_name(layer, "density_km_per_km2"),
                    "km/km2",
                    "density",
                    layer,
                    description=f"length of {kind_label} within {self.density_radius:g} map units, per km2",
                )
            )
        self.crossings: Optional[PointIndex] = None
        self.n_intersections = 0
        #: the intersections on the grid (its extent, edges included), and the first few (for :func:`intersection_note`)
        self.intersections_on_grid = 0
        self.some_intersections = np.zeros((0, 2))
        if intersections_band:
            check_cancelled(is_cancelled)
            xy = intersections(
                geometries, is_cancelled, progress=None if progress is None else lambda f: progress(0.5 + 0.5 * f)
            )
            self.n_intersections = len(xy)
            on = (xy[:, 0] >= grid.xmin) & (xy[:, 0] <= grid.xmax) & (xy[:, 1] >= grid.ymin) & (xy[:, 1] <= grid.ymax)
            self.intersections_on_grid = int(np.count_nonzero(on))
            self.some_intersections = np.array(xy[:FEW_INTERSECTIONS], dtype=float).reshape(-1, 2)
            if len(xy):
                self.crossings = PointIndex(xy)
                self.bands.append(
                    BandSpec(
                        band_name(layer, "intersection_distance_m"),
                        "m",
                        "distance",
                        layer,
                        description=f"distance to intersections of {kind_label}",
                    )
                )
        report(progress, 1.0)

    def _density_pieces(self) -> None:
        """The half-cell pieces of the density band, sorted by the row of their midpoints."""
        grid = self._grid
        self.pieces = densify(self._counted_segments, grid.pixel_size / 2)
        mid_y = 0.5 * (self.pieces[:, 1] + self.pieces[:, 3])
        row_all = np.floor((grid.ymax - mid_y) / grid.pixel_size).astype(np.int64)
        self._order = np.argsort(row_all, kind="stable")
        self._rows = row_all[self._order]

    def __getstate__(self) -> dict:
        # what travels to a worker is the segments (in the index), not the density pieces cut from them (one per
        # half cell of line): those are cut again, identically, where the source is unpickled
        state = dict(self.__dict__)
        for name in ("pieces", "_order", "_rows"):
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self.density_radius is not None:
            self._density_pieces()

    def window(
        self, grid: GridSpec, r0: int, r1: int, c0: int, c1: int, is_cancelled: CancelCallback = None
    ) -> np.ndarray:
        """(bands, rows, cols) float32 for one window."""
        out = [distance_window(self.index, grid, r0, r1, c0, c1, is_cancelled)]
        if self.density_radius is not None:
            out.append(
                line_density_window(
                    self.pieces, grid, self.density_radius, r0, r1, c0, c1, order=self._order, rows=self._rows
                )
            )
        if self.crossings is not None:
            out.append(distance_window(self.crossings, grid, r0, r1, c0, c1, is_cancelled))
        return np.stack(out)
