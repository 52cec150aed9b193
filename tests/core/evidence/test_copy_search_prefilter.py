"""The search for copies proves most lines whole in numpy before GEOS (:func:`_possible_copies`, sweep 18b: the
search buffered every line another came near, 136 s for 3,000 dense faults). Checked against shapely one pair at a
time: the stretch of a segment within a distance of another (its buffer), and, on a few hundred faults with copies,
copies in pieces, pieces end to end, near-parallel faults, shallow crossings and splays, that every line left to
numpy is one shapely finds no copy on, and that the copies are all found."""

from __future__ import annotations

import math

import numpy as np
import pytest
from shapely.geometry import LineString, MultiLineString
from shapely.ops import linemerge, substring, unary_union

from geochem_prospector.core.evidence import lines as lines_module
from geochem_prospector.core.evidence.lines import (
    NEAR_CELLS,
    NEAR_LENGTH_CELLS,
    _capsule_intervals,
    near_duplicate_stretches,
)

from .test_distances import PX
from .test_near_duplicates import redrawn

TOL, SHORTEST = NEAR_CELLS * PX, NEAR_LENGTH_CELLS * PX


def test_the_stretch_of_a_segment_within_a_distance_of_another_is_shapelys():
    rng = np.random.default_rng(18)
    r = 5.0
    s = rng.uniform(0, 40, (3000, 4))
    t = rng.uniform(0, 40, (3000, 4))
    t[:200, 2:] = t[:200, :2]  # points
    s[200:400] = t[200:400] + rng.normal(0, 2, (200, 4))  # nearly alongside
    s[400:500] = np.column_stack([t[400:500, :2], t[400:500, 2:]])[:, [2, 3, 0, 1]]  # the same, reversed
    s[500:550, 2:] = s[500:550, :2]  # s a point: nothing of length
    u0, u1 = _capsule_intervals(s, t, r)
    ours = np.clip(u1 - u0, 0.0, None) * np.hypot(s[:, 2] - s[:, 0], s[:, 3] - s[:, 1])
    for k in range(len(s)):
        a = LineString([s[k, :2], s[k, 2:]]) if k not in range(500, 550) else None
        b = LineString([t[k, :2], t[k, 2:]]) if k >= 200 else LineString([t[k, :2], t[k, :2] + 1e-12])
        expected = 0.0 if a is None else a.intersection(b.buffer(r, 512)).length
        # shapely's disc is a 2,048-gon inside the circle: a chord near the tangent differs by up to sqrt(2 r sagitta)
        assert abs(ours[k] - expected) <= 3e-3 * r, (k, ours[k], expected)
        if ours[k] > 0:  # where it is: its ends within r of t, and its middle
            for u in (u0[k], 0.5 * (u0[k] + u1[k]), u1[k]):
                point = s[k, :2] + u * (s[k, 2:] - s[k, :2])
                assert b.distance(LineString([point, point + 1e-12])) <= r * (1 + 1e-9)


def fault_scene(seed: int = 7) -> list:
    """About 330 faults in a 6 km square (the cell is 50 m, so the tolerance is 5 m and the shortest copy 150 m)."""
    rng = np.random.default_rng(seed)
    faults = []
    for _ in range(150):  # sinuous faults, two strike families, crossing one another
        heading = rng.choice([0.5, 2.1]) + np.cumsum(rng.normal(0, 0.08, int(rng.integers(5, 40))))
        steps = np.column_stack([np.cos(heading), np.sin(heading)]) * rng.uniform(20, 80, (len(heading), 1))
        start = rng.uniform(0, 6000, 2)
        faults.append(LineString(np.vstack([start, start + np.cumsum(steps, axis=0)])))
    splays = []
    for f in faults[:60]:  # splays off a fault's vertex at 10-40°
        xy = np.asarray(f.coords)
        k = int(rng.integers(1, len(xy) - 1))
        d = xy[k + 1] - xy[k]
        angle = math.atan2(d[1], d[0]) + rng.choice([-1, 1]) * math.radians(rng.uniform(10, 40))
        splays.append(LineString([xy[k], xy[k] + 300 * np.array([math.cos(angle), math.sin(angle)])]))
    copies = [redrawn(f, rng, 0.6 * TOL) for f in faults[:12]]  # digitised twice, within the tolerance
    pieces = []
    for f in faults[12:18]:  # a copy in short pieces (each shorter than SHORTEST)
        c = redrawn(f, rng, 0.6 * TOL)
        n = int(math.ceil(c.length / (0.5 * SHORTEST)))
        pieces += [substring(c, c.length * k / n, c.length * (k + 1) / n) for k in range(n)]
    end_to_end = []
    for f in faults[20:30]:  # one fault in three features end to end: no copy
        end_to_end += [substring(f, f.length * k / 3, f.length * (k + 1) / 3) for k in range(3)]
    parallel = [LineString(np.asarray(f.coords) + [0.0, 1.5 * PX]) for f in faults[30:40]]  # a cell and a half apart
    shallow = []
    for f in faults[40:45]:  # crossing at 2°: the stretch within the tolerance is one trace (5.7 cells)
        a, b = np.asarray(f.coords)[0], np.asarray(f.coords)[1]
        d = (b - a) / np.hypot(*(b - a))
        turn = math.radians(2.0)
        e = np.array([d[0] * math.cos(turn) - d[1] * math.sin(turn), d[0] * math.sin(turn) + d[1] * math.cos(turn)])
        mid = 0.5 * (a + b)
        shallow.append(LineString([mid - 400 * e, mid + 400 * e]))
    return [*faults, *splays, *copies, *pieces, *end_to_end, *parallel, *shallow]


def _every_line_searched(lines, *args, **kwargs):
    return np.array([g is not None for g in lines])


@pytest.fixture(scope="module")
def searched():
    faults = fault_scene()
    prepared = [MultiLineString([LineString(np.asarray(g.coords))]) for g in faults]
    possible = lines_module._possible_copies(prepared, TOL, SHORTEST)
    return faults, possible, near_duplicate_stretches(faults, TOL, SHORTEST)


def test_lines_proved_whole_in_numpy_have_no_copy_by_shapely_pair_by_pair(searched):
    faults, possible, (kept, changed, removed) = searched
    # the faults that only cross one another (219 pairs within TOL) and their splays never reach GEOS, those off a
    # copied fault too (a splay's end is no piece boundary: the copy's stretches do not register it)
    assert len(faults) > 300 and (~possible[45:210]).sum() > 150
    ends = [(g.coords[0], g.coords[-1]) for g in faults]
    for i in np.flatnonzero(~possible):
        line = faults[i]
        assert kept[i] is line  # left as it was
        # shapely, every earlier line one at a time (no index): the stretches within TOL of one, joined
        zones = [faults[j].buffer(TOL) for j in range(i) if line.distance(faults[j]) < TOL]
        within = line.intersection(unary_union(zones)) if zones else LineString()
        pieces = [within] if within.geom_type == "LineString" else list(getattr(within, "geoms", []))
        joined = linemerge([p for p in pieces if p.length > 0]) if pieces else LineString()
        assert all(s.length < SHORTEST for s in getattr(joined, "geoms", [joined])), i
        # and none of its ends within TOL of another feature's end (what a copy's pieces chain by)
        for j, (a, b) in enumerate(ends):
            if j != i:
                assert min(math.dist(e, f) for e in ends[i] for f in (a, b)) > TOL, (i, j)


def test_copies_and_copies_in_pieces_are_all_found_and_the_rest_is_every_line_searched(searched, monkeypatch):
    faults, possible, (kept, changed, removed) = searched
    n_faults, n_splays = 150, 60
    copies = range(n_faults + n_splays, n_faults + n_splays + 12)
    assert all(possible[i] and kept[i] is None for i in copies)  # whole copies: left out
    # the copies' pieces: what is left of them is the stubs beyond the original's ends (shapely: a union's length)
    first_piece = n_faults + n_splays + 12
    pieces = [i for i in range(first_piece, len(faults)) if faults[i].within(unary_union(faults[12:18]).buffer(TOL))]
    assert len(pieces) > 30 and all(possible[i] for i in pieces)
    left = sum(kept[i].length for i in pieces if kept[i] is not None)
    assert left < 12 * TOL
    assert math.isclose(removed, sum(g.length for g in faults) - sum(g.length for g in kept if g is not None))
    # the same to the bit as searching every line in GEOS (what the search did before sweep 18b)
    monkeypatch.setattr(lines_module, "_possible_copies", _every_line_searched)
    every_kept, every_changed, every_removed = near_duplicate_stretches(faults, TOL, SHORTEST)
    assert (changed, removed) == (every_changed, every_removed)
    assert all((a is None and b is None) or a.wkb == b.wkb for a, b in zip(kept, every_kept))


def test_alternating_pieces_of_two_copies_give_the_same_as_every_line_searched(monkeypatch):
    """Two copies both in pieces that alternate along the fault (sweep 18a's chains through the ends of the earlier
    pieces alongside), beside crossing faults and a splay: the numpy proof leaves out none of the pieces, so the
    result equals searching every line in GEOS, to the bit."""
    from .test_near_duplicates import _cut_at

    a = LineString([(0.0, 0.0), (2000.0, 1000.0), (5000.0, 1200.0), (7000.0, 400.0)])
    copy = redrawn(a, np.random.default_rng(17), 0.6 * TOL)
    crossing = [LineString([(x, -800.0), (x + 300.0, 2000.0)]) for x in (800.0, 3100.0, 5600.0)]
    splay = LineString([a.interpolate(0.3, normalized=True).coords[0], (2500.0, 2500.0)])
    for n_a, n_copy, shift in ((20, 20, 0.5), (20, 40, 0.3)):
        pieces = [(a.project(p.interpolate(0.5, normalized=True)), k, p) for k, p in enumerate(_cut_at(a, n_a, 0.0))]
        pieces += [
            (a.project(p.interpolate(0.5, normalized=True)), 1000 + k, p)
            for k, p in enumerate(_cut_at(copy, n_copy, shift))
        ]
        layer = [*crossing, splay, *(p for _, _, p in sorted(pieces, key=lambda t: (t[0], t[1])))]
        kept, changed, removed = near_duplicate_stretches(layer, TOL, SHORTEST)
        assert changed >= min(n_a, n_copy)  # the copies were found
        with monkeypatch.context() as patched:
            patched.setattr(lines_module, "_possible_copies", _every_line_searched)
            every_kept, every_changed, every_removed = near_duplicate_stretches(layer, TOL, SHORTEST)
        assert (changed, removed) == (every_changed, every_removed)
        assert all((p is None and q is None) or p.wkb == q.wkb for p, q in zip(kept, every_kept))


def test_a_line_near_another_features_piece_boundary_is_searched_as_every_line_in_geos(monkeypatch):
    """A fault in two pieces end to end (their shared end a piece boundary), and a later line that runs alongside
    the first piece up to the boundary, leaves the tolerance in a loop, and runs alongside the second piece from the
    boundary on (two stretches of 100 m, each shorter than SHORTEST, together longer; one reaching its own start):
    the numpy proof must send it to GEOS (its stretches hold another feature's piece-boundary end), and the result is
    that of searching every line in GEOS, to the bit; with the boundary moved 40 m along (no end of another feature
    within the tolerance of the line), likewise."""
    for cut in (500.0, 540.0):
        first, second = LineString([(0.0, 0.0), (cut, 0.0)]), LineString([(cut, 0.0), (1000.0, 0.0)])
        loop = LineString([(400.0, 2.0), (497.0, 2.0), (497.0, 60.0), (503.0, 60.0), (503.0, 2.0), (600.0, 2.0)])
        hairpin = LineString([*loop.coords, (600.0, 80.0)])
        layer = [first, second, hairpin]
        prepared = [MultiLineString([g]) for g in layer]
        possible = lines_module._possible_copies(prepared, TOL, SHORTEST)
        near = hairpin.intersection(unary_union([first, second]).buffer(TOL))  # shapely: the stretches within TOL
        assert near.length > SHORTEST and all(p.length < SHORTEST for p in linemerge(near).geoms)
        assert possible[2], cut
        found = near_duplicate_stretches(layer, TOL, SHORTEST)
        with monkeypatch.context() as patched:
            patched.setattr(lines_module, "_possible_copies", _every_line_searched)
            every = near_duplicate_stretches(layer, TOL, SHORTEST)
        assert found[1:] == every[1:]
        assert all((a is None and b is None) or a.wkb == b.wkb for a, b in zip(found[0], every[0]))
