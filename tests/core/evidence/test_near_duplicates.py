"""A fault digitised twice a few metres apart counts once in the density and the intersections
(:func:`near_duplicate_stretches`, a tenth of a cell over a cell or more), against shapely (hausdorff_distance,
buffer, unary_union) and a hand computation; faults a cell or more apart, and faults that cross, still count apart."""

from __future__ import annotations

import math

import numpy as np
import pytest
from shapely.geometry import LineString
from shapely.ops import unary_union

from geochem_prospector.core.evidence import lines as lines_module
from geochem_prospector.core.evidence.lines import (
    NEAR_CELLS,
    NEAR_LENGTH_CELLS,
    LineEvidence,
    intersections,
    near_duplicate_stretches,
)
from geochem_prospector.core.grid import GridSpec

from .test_distances import PX, assert_density_is_the_unions, crossings_of, random_lines

TOL, SHORTEST = NEAR_CELLS * PX, NEAR_LENGTH_CELLS * PX


def redrawn(line: LineString, rng, most: float) -> LineString:
    """``line`` digitised again: its vertices and one every 37 m or less between them, each moved up to ``most`` in a
    random direction."""
    coords = np.asarray(line.coords)
    pts = [coords[0]]
    for p, q in zip(coords[:-1], coords[1:]):
        n = max(1, int(np.ceil(np.hypot(*(q - p)) / 37)))
        pts += [p + (q - p) * t for t in np.arange(1, n + 1) / n]
    pts = np.asarray(pts)
    angle, size = rng.uniform(0, 2 * np.pi, len(pts)), rng.uniform(0, most, len(pts))
    return LineString(pts + np.column_stack([size * np.cos(angle), size * np.sin(angle)]))


def test_copies_within_a_tenth_of_a_cell_count_once():
    rng = np.random.default_rng(16)
    grid = GridSpec(500_000.0, 7_012_000.0, PX, 240, 240, "EPSG:3067")
    lines = random_lines(rng, 25, 503_000.0, 7_003_000.0, 6000.0)
    copies = [redrawn(g, rng, 0.8 * TOL) for g in lines[:10]]
    assert all(c.hausdorff_distance(g) < TOL for c, g in zip(copies, lines))  # shapely: within the tolerance
    everything = [*lines, *copies]
    kept, changed, removed = near_duplicate_stretches(everything, TOL, SHORTEST)
    # the copies are left out whole (every point of them within TOL of their original: shapely's buffer)
    assert changed == 10 and all(g is None for g in kept[25:])
    assert all(c.within(g.buffer(TOL)) for c, g in zip(copies, lines))
    assert math.isclose(removed, sum(c.length for c in copies), rel_tol=1e-9)
    assert all(k is g for k, g in zip(kept[:25], lines))  # the originals as they were
    radius = 600.0
    evidence = LineEvidence("faults", everything, grid, density_radius=radius, intersections_band=True)
    assert evidence.near_features == 10
    assert_density_is_the_unions(evidence, unary_union(lines), radius, grid, rng)
    expected = crossings_of(lines)  # brute force over the pairs of the distinct lines
    assert len(expected) > 3 and evidence.n_intersections == len(expected)
    # the distance band keeps every line: the copies are within TOL of the originals anyway
    assert len(evidence.index.segments) > len(LineEvidence("f", lines, grid).index.segments)


def test_parallel_faults_a_cell_apart_count_twice():
    a = LineString([(0.0, 0.0), (5000.0, 1000.0)])
    for gap in (PX, 1.5 * PX, 10 * PX):
        b = LineString([(0.0, gap), (5000.0, 1000.0 + gap)])
        kept, changed, removed = near_duplicate_stretches([a, b], TOL, SHORTEST)
        assert changed == 0 and removed == 0 and kept[1] is b
    # closer than a tenth of a cell: one fault (brute force: every point of b is within TOL of a)
    b = LineString([(0.0, 0.09 * PX), (5000.0, 1000.0 + 0.09 * PX)])
    assert max(a.distance(p) for p in (b.interpolate(t, normalized=True) for t in np.linspace(0, 1, 101))) < TOL
    kept, changed, removed = near_duplicate_stretches([a, b], TOL, SHORTEST)
    assert changed == 1 and kept[1] is None and math.isclose(removed, b.length, rel_tol=1e-9)


def test_crossing_faults_keep_their_length_a_shallow_crossing_loses_the_shared_trace():
    a = LineString([(-5000.0, 0.0), (5000.0, 0.0)])
    # at 90°: within TOL of a over 2 TOL only (a fifth of a cell), kept whole
    b = LineString([(0.0, -5000.0), (0.0, 5000.0)])
    kept, changed, removed = near_duplicate_stretches([a, b], TOL, SHORTEST)
    assert changed == 0 and kept[1] is b
    assert math.isclose(b.intersection(a.buffer(TOL, 256)).length, 2 * TOL, rel_tol=1e-6)
    # a splay leaving a fault at 10°: within TOL of it over 2 TOL / sin(10°), 1.2 cells (by hand), kept whole
    angle = math.radians(10.0)
    splay = LineString([(0.0, 0.0), (4000 * math.cos(angle), 4000 * math.sin(angle))])
    assert math.isclose(splay.intersection(a.buffer(TOL, 256)).length, TOL / math.sin(angle), rel_tol=1e-2)
    kept, changed, removed = near_duplicate_stretches([a, splay], TOL, SHORTEST)
    assert changed == 0 and kept[1] is splay
    # at 2°: within TOL of a over 2 TOL / sin(2°), 5.7 cells (by hand): that stretch is one trace, left out
    angle = math.radians(2.0)
    c = LineString(
        [(-4000 * math.cos(angle), -4000 * math.sin(angle)), (4000 * math.cos(angle), 4000 * math.sin(angle))]
    )
    kept, changed, removed = near_duplicate_stretches([a, c], TOL, SHORTEST)
    assert changed == 1 and math.isclose(removed, 2 * TOL / math.sin(angle), rel_tol=1e-3)
    assert math.isclose(kept[1].length, c.length - removed, rel_tol=1e-9)
    # what is left of c lies TOL or more from a, so the two no longer meet: no intersection there
    assert kept[1].distance(a) >= TOL - 1e-6 and len(intersections([a, kept[1]])) == 0


def _pieces(line: LineString, n: int) -> list:
    """``line`` cut into ``n`` features of equal length."""
    from shapely.ops import substring

    return [substring(line, line.length * k / n, line.length * (k + 1) / n) for k in range(n)]


def _kept_length(kept) -> float:
    return sum(g.length for g in kept if g is not None)


def test_a_copy_in_short_pieces_counts_once_whichever_comes_first():
    a = LineString([(0.0, 0.0), (2000.0, 1000.0), (5000.0, 1200.0), (7000.0, 400.0)])
    rng = np.random.default_rng(17)
    copy = redrawn(a, rng, 0.6 * TOL)
    assert copy.within(a.buffer(TOL, 256))  # shapely: every point of the copy within the tolerance
    assert 0.4 * TOL < copy.hausdorff_distance(a) < TOL
    for n_copy, n_original in ((60, 1), (100, 1), (60, 37)):
        pieces, originals = _pieces(copy, n_copy), _pieces(a, n_original)
        assert all(p.length < SHORTEST for p in pieces)  # no piece long enough to be found on its own
        for order in ([*originals, *pieces], [*pieces, *originals]):
            kept, changed, removed = near_duplicate_stretches(order, TOL, SHORTEST)
            # what is left is one copy: the union's length (shapely), within the stubs beyond the other's ends
            assert abs(_kept_length(kept) - a.length) < 2 * TOL, (n_copy, n_original)
            assert changed >= 1 and math.isclose(removed, _kept_length(order) - _kept_length(kept), rel_tol=1e-9)
    grid = GridSpec(-3000.0, 5500.0, PX, 240, 240, "EPSG:3067")
    evidence = LineEvidence("f", [a, *_pieces(copy, 60)], grid, density_radius=600.0, intersections_band=True)
    assert evidence.near_features == 60
    assert_density_is_the_unions(evidence, a, 600.0, grid, np.random.default_rng(1))


def test_pieces_that_only_continue_or_touch_each_other_and_parallel_faults_still_count():
    a = LineString([(0.0, 0.0), (2000.0, 1000.0), (5000.0, 1200.0)])
    # one fault in short pieces end to end (also pieces shorter than the tolerance): nothing alongside anything
    for n in (20, 400):
        kept, changed, removed = near_duplicate_stretches(_pieces(a, n), TOL, SHORTEST)
        assert changed == 0 and removed == 0
    # a GPS trace: every 5 m step its own feature, 2 m of jitter
    rng = np.random.default_rng(5)
    x = np.linspace(0.0, 5000.0, 1001)
    xy = np.column_stack([x, 0.2 * x + rng.normal(0.0, 2.0, len(x))])
    kept, changed, removed = near_duplicate_stretches([LineString(xy[k : k + 2]) for k in range(1000)], TOL, SHORTEST)
    assert changed == 0 and removed == 0
    # a distinct fault a cell and more apart, in short pieces: both count
    for gap in (PX, 1.5 * PX):
        far = LineString([(x, y + gap) for x, y in a.coords])
        everything = [a, *_pieces(far, 20)]
        kept, changed, removed = near_duplicate_stretches(everything, TOL, SHORTEST)
        assert changed == 0 and all(k is g for k, g in zip(kept, everything))
    # short separate faults ending on the fault (T junctions 100 m apart) and a chain of short faults that meet end
    # to end at an angle: each keeps its length
    touching = [
        LineString([a.interpolate(s).coords[0], (a.interpolate(s).x + 50, -300.0)]) for s in range(100, 2000, 100)
    ]
    chain = [
        LineString([(x, -600.0 - (x % 200) / 5), (x + 100, -600.0 - ((x + 100) % 200) / 5)])
        for x in range(0, 2000, 100)
    ]
    everything = [a, *touching, *chain]
    kept, changed, removed = near_duplicate_stretches(everything, TOL, SHORTEST)
    assert changed == 0 and all(k is g for k, g in zip(kept, everything))


def _cut_at(line: LineString, n: int, shift: float) -> list:
    """``line`` cut into pieces at (k + ``shift``) / ``n`` of its length (k = 0 … n): with a shift, the pieces of
    another copy cut with none end half-way along these."""
    from shapely.ops import substring

    at = sorted({0.0, line.length, *(min(line.length, line.length * (k + shift) / n) for k in range(n + 1))})
    return [substring(line, s, e) for s, e in zip(at[:-1], at[1:]) if e > s]


def test_two_copies_in_pieces_that_alternate_count_the_smaller_copys_pieces_and_once_in_the_density():
    """Both copies of a fault cut into pieces (shorter than three cells, and longer), the pieces in the layer in the
    order they follow each other along the fault, the copies alternating: each piece runs alongside the other copy's
    piece before it, so every piece but the first lost a stretch (39 features were counted, or none went at all
    where the cuts of the two copies do not meet and each shared stretch is under three cells). Left out: one copy's
    length (shapely's union of the two is the fault's length), counted as the smaller copy's pieces."""
    a = LineString([(0.0, 0.0), (2000.0, 1000.0), (5000.0, 1200.0), (7000.0, 400.0)])
    copy = redrawn(a, np.random.default_rng(17), 0.6 * TOL)
    assert math.isclose(unary_union([a, copy]).length, a.length + copy.length)  # shapely: no shared segment...
    assert copy.within(a.buffer(TOL, 256))  # ... and yet one fault: every point of the copy within the tolerance
    for n_a, n_copy, shift in ((20, 20, 0.5), (20, 20, 0.3), (20, 40, 0.5), (30, 20, 0.5), (50, 50, 0.5)):
        pieces_a, pieces_copy = _cut_at(a, n_a, 0.0), _cut_at(copy, n_copy, shift)
        along = [(a.project(p.interpolate(0.5, normalized=True)), k, p) for k, p in enumerate(pieces_a)]
        along += [(a.project(p.interpolate(0.5, normalized=True)), 1000 + k, p) for k, p in enumerate(pieces_copy)]
        order = [p for _, _, p in sorted(along, key=lambda t: (t[0], t[1]))]  # alternating along the fault
        kinds = [k < 1000 for _, k, _ in sorted(along, key=lambda t: (t[0], t[1]))]
        assert sum(x != y for x, y in zip(kinds, kinds[1:])) >= min(n_a, n_copy)  # they do alternate
        kept, changed, removed = near_duplicate_stretches(order, TOL, SHORTEST)
        assert changed == min(len(pieces_a), len(pieces_copy)), (n_a, n_copy, shift, changed)
        # one copy's length left: each piece boundary may lose up to a tolerance more (the stretch alongside the
        # earlier piece reaches a tolerance beyond its end, where that piece's own first stretch went)
        assert abs(_kept_length(kept) - a.length) < (len(order) + 2) * TOL, (n_a, n_copy, shift)
        assert math.isclose(removed, _kept_length(order) - _kept_length(kept), rel_tol=1e-9)
    grid = GridSpec(-3000.0, 5500.0, PX, 240, 240, "EPSG:3067")
    evidence = LineEvidence("f", order, grid, density_radius=600.0, intersections_band=True)
    assert evidence.near_features == 50
    assert_density_is_the_unions(evidence, a, 600.0, grid, np.random.default_rng(1))


@pytest.mark.parametrize("every_line_in_geos", [False, True])
def test_a_splay_off_a_copied_fault_keeps_its_junction_and_is_no_copy(every_line_in_geos, monkeypatch):
    """A splay leaving a fault at 25°, and a later copy of that fault, whole or in short pieces (cut away from the
    junction): the copy goes, the splay keeps every metre (its end at the junction is no piece boundary, so no chain
    of the copy's pieces takes the splay's stretch within the tolerance of the fault), and the count is the copy's
    features alone; with the numpy proof, and with every line searched in GEOS (the rule itself)."""
    if every_line_in_geos:
        monkeypatch.setattr(
            lines_module, "_possible_copies", lambda lines, *a, **k: np.array([g is not None for g in lines])
        )

    fault = LineString([(0.0, 0.0), (1500.0, 400.0), (3000.0, 600.0), (4500.0, 300.0)])
    junction = fault.interpolate(0.4, normalized=True)
    along = fault.project(junction)
    before, after = fault.interpolate(along - 1.0), fault.interpolate(along + 1.0)
    heading = math.atan2(after.y - before.y, after.x - before.x) + math.radians(25.0)
    splay = LineString(
        [junction.coords[0], (junction.x + 900 * math.cos(heading), junction.y + 900 * math.sin(heading))]
    )
    copy = redrawn(fault, np.random.default_rng(5), 0.6 * TOL)
    for pieces in ([copy], _cut_at(copy, 40, 0.37)):
        layer = [fault, splay, *pieces]
        kept, changed, removed = near_duplicate_stretches(layer, TOL, SHORTEST)
        assert kept[1] is splay
        assert changed == len(pieces), (len(pieces), changed)
        assert all(k is None or k.length < 2 * TOL for k in kept[2:])  # the copy went (stubs at its ends at most)
        # shapely: what went is the copy's length less what is left of it
        assert math.isclose(removed, sum(p.length for p in pieces) - _kept_length(kept[2:]), rel_tol=1e-9)


@pytest.mark.parametrize("every_line_in_geos", [False, True])
@pytest.mark.parametrize("angle", [90.0, 30.0])
def test_a_line_crossing_a_copy_at_its_piece_boundary_keeps_its_crossing(angle, every_line_in_geos, monkeypatch):
    """A fault, its copy in two pieces cut where a third line crosses (at 90° or 30°), the third line also crossing
    another fault at 2° (so it is searched in GEOS): the copy goes, the third line loses only the trace it shares
    with that other fault (shapely: its stretch within the tolerance of it) and keeps its crossing with the fault.
    Before sweep 19b its crossing stub chained with the copy's pieces at their boundary and went with them (37 m of
    a 2° crossing in the prefilter test's scene)."""
    if every_line_in_geos:
        monkeypatch.setattr(
            lines_module, "_possible_copies", lambda lines, *a, **k: np.array([g is not None for g in lines])
        )
    from shapely.ops import substring

    fault = LineString([(0.0, 0.0), (1500.0, 400.0), (3000.0, 600.0), (4500.0, 300.0)])
    copy = redrawn(fault, np.random.default_rng(19), 0.6 * TOL)
    cut = copy.interpolate(0.45, normalized=True)  # the piece boundary, on the copy
    at = fault.project(cut)
    before, after = fault.interpolate(at - 1.0), fault.interpolate(at + 1.0)
    heading = math.atan2(after.y - before.y, after.x - before.x) + math.radians(angle)
    d = np.array([math.cos(heading), math.sin(heading)])
    start, bend = np.asarray(cut.coords[0]) - 400 * d, np.asarray(cut.coords[0]) + 600 * d
    other_dir = np.array([math.cos(heading + math.radians(2.0)), math.sin(heading + math.radians(2.0))])
    third = LineString([start, bend, bend + 800 * d])
    other = LineString([bend + 400 * d - 400 * other_dir, bend + 400 * d + 400 * other_dir])  # 2° across the third
    pieces = [substring(copy, 0.0, 0.45 * copy.length), substring(copy, 0.45 * copy.length, copy.length)]
    assert third.distance(pieces[0].boundary) < TOL and third.distance(pieces[1].boundary) < TOL
    shared = third.intersection(other.buffer(TOL)).length  # shapely: the trace the 2° crossing shares
    assert shared > SHORTEST
    for layer in ([fault, other, *pieces, third], [fault, other, third, *pieces]):
        kept, changed, removed = near_duplicate_stretches(layer, TOL, SHORTEST)
        k = next(n for n, g in enumerate(layer) if g is third)
        assert abs(kept[k].length - (third.length - shared)) < 1e-6 * third.length, kept[k].length
        assert all(g is None or g.length < 2 * TOL for g, p in zip(kept, layer) if p in pieces)  # the copy went
        crossing = third.intersection(fault)
        found = intersections(kept)
        assert np.hypot(found[:, 0] - crossing.x, found[:, 1] - crossing.y).min() < 1e-6
