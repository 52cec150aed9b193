"""The vectorised search for line crossings (sweep 17b) against a brute force over every pair of features, one pair
at a time in shapely (GEOS), with the rules for pieces end to end and shared stretches written out again here:
the same points, to the bit, on random faults at national-grid coordinates with T-junctions, shared ends, shared
and overlapping collinear stretches, multi-part lines and exact grid lines."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import LineString, MultiLineString

from geochem_prospector.core.evidence import lines as lines_module
from geochem_prospector.core.evidence.lines import intersections


def brute_force(geometries) -> np.ndarray:
    """Every pair of features intersected by shapely; a point is left out where it is the end of exactly the two
    features (one line in two pieces) or ends a shared stretch at either feature's end. Sorted, duplicates
    (rounded to 1e-6) once."""
    lines = [g for g in geometries if g is not None and not g.is_empty]

    def ends_of(g):
        out = set()
        for part in getattr(g, "geoms", [g]):
            c = list(part.coords)
            out |= {(round(c[0][0], 6), round(c[0][1], 6)), (round(c[-1][0], 6), round(c[-1][1], 6))}
        return out

    ends = [ends_of(g) for g in lines]
    found = []
    for i in range(len(lines)):
        for j in range(i + 1, len(lines)):
            cut = lines[i].intersection(lines[j])
            for part in getattr(cut, "geoms", [cut]):
                if part.is_empty:
                    continue
                if part.geom_type == "Point":
                    points, stretch = [(part.x, part.y)], False
                else:  # a shared stretch: its two ends
                    c = list(part.coords)
                    points, stretch = [c[0][:2], c[-1][:2]], True
                for x, y in points:
                    key = (round(x, 6), round(y, 6))
                    owners = {k for k, e in enumerate(ends) if key in e}
                    if owners == {i, j}:
                        continue
                    if stretch and (i in owners or j in owners):
                        continue
                    found.append((x, y))
    if not found:
        return np.empty((0, 2))
    xy = np.asarray(found)
    _, first = np.unique(np.round(xy / 1e-6), axis=0, return_index=True)
    return sorted_rows(xy[first])


def sorted_rows(xy: np.ndarray) -> np.ndarray:
    return xy[np.lexsort((xy[:, 1], xy[:, 0]))] if len(xy) else xy


def tricky_lines(seed: int):
    """About 150 features in a 3 km square at ETRS-TM35FIN coordinates: random walks (proper crossings), lines
    ending on another's vertex or on a segment (T-junctions), a line cut in two at a vertex and a third line's end
    there, a stretch redrawn with other vertices and a copy of a whole fault (shared stretches), multi-part lines,
    horizontal and vertical lines with integer coordinates crossing at vertices, and nearly parallel pairs."""
    rng = np.random.default_rng(seed)
    x0, y0 = 430_000.0, 7_350_000.0
    walks = []
    for _ in range(100):
        start = rng.uniform([x0, y0], [x0 + 3000, y0 + 3000])
        steps = rng.normal(0, 250, (int(rng.integers(1, 8)), 2))
        walks.append(LineString(np.vstack([start, start + np.cumsum(steps, axis=0)])))
    extra = []
    for g in walks[:10]:
        c = list(g.coords)
        # a T on a vertex, a T on the middle of a segment (not exactly on it in doubles), a line cut at a vertex
        extra.append(LineString([c[-1], (c[-1][0] + 300, c[-1][1] - 200)]))
        mid = g.interpolate(0.5, normalized=True)
        extra.append(LineString([(mid.x, mid.y), (mid.x - 150, mid.y + 400)]))
        if len(c) >= 3:
            extra += [LineString(c[:2]), LineString(c[1:3])]
            extra.append(LineString([c[1], (c[1][0] + 50, c[1][1] + 500)]))  # a third end where the two meet
    for g in walks[10:16]:
        c = list(g.coords)
        first = LineString(c[:2])
        extra.append(LineString([first.interpolate(0.3, normalized=True), first.interpolate(0.9, normalized=True)]))
        extra.append(LineString(c[::-1]))  # the whole fault again, drawn the other way
    for k in range(6):
        extra.append(LineString([(x0 + 100 * k, y0 + 100), (x0 + 100 * k, y0 + 900)]))  # exact grid lines
        extra.append(
            LineString([(x0, y0 + 200 + 100 * k), (x0 + 300, y0 + 200 + 100 * k), (x0 + 600, y0 + 200 + 100 * k)])
        )
    extra.append(MultiLineString([walks[20].coords, walks[21].coords]))
    a = np.array([[x0 + 100, y0 + 2000], [x0 + 2900, y0 + 2100]])
    extra += [LineString(a), LineString(a + [[0, 1e-7], [0, -1e-7]])]  # crossing at a very small angle
    return walks + extra


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorised_crossings_are_the_brute_force_ones_to_the_bit(seed, monkeypatch):
    lines = tricky_lines(seed)
    by_geos = []
    pair_points = lines_module._pair_points
    monkeypatch.setattr(
        lines_module, "_pair_points", lambda g, h, i, j, ends: by_geos.append((i, j)) or pair_points(g, h, i, j, ends)
    )
    found = intersections(lines)
    expected = brute_force(lines)
    assert len(expected) > 100
    np.testing.assert_array_equal(sorted_rows(found), expected)
    # both ways were taken: most crossing pairs in numpy, the touching and shared ones in GEOS
    assert 0 < len(by_geos) < len(expected) / 2


def test_geometries_other_than_lines_and_nan_coordinates_go_pair_by_pair():
    """Non-finite coordinates leave the vectorised search to GEOS, pair by pair, with the same answer."""
    lines = tricky_lines(5)[:60]
    odd = [*lines, LineString([(np.nan, 0.0), (1.0, 1.0)])]
    np.testing.assert_array_equal(sorted_rows(intersections(odd)), sorted_rows(intersections(lines)))


def test_many_small_segments_and_one_long_line_keep_the_grid_small():
    """A densely digitised line (10,000 segments of 1 m) crossed by a 50 km diagonal: the grid grows its cells
    rather than registering the diagonal in millions of 1 m cells; the 99 crossings of a zigzag are all found."""
    x = np.arange(10_001.0)
    dense = LineString(np.column_stack([x, 100 * np.sin(x / 50.0)]))
    diagonal = LineString([(-20_000.0, -20_000.0), (30_000.0, 30_000.0)])
    zigzag = LineString([(100.0 * k, 150.0 if k % 2 else -150.0) for k in range(101)])
    found = intersections([dense, diagonal, zigzag])
    np.testing.assert_array_equal(sorted_rows(found), brute_force([dense, diagonal, zigzag]))
    segs = lines_module.segments_of([dense, diagonal, zigzag])
    boxes = np.minimum(segs[:, :2], segs[:, 2:]), np.maximum(segs[:, :2], segs[:, 2:])
    _, registrations, *_ = lines_module._segment_grid(*boxes)
    assert len(registrations) <= 8 * 10_101 + 64


def test_polygons_given_as_lines_cross_at_their_outlines():
    """Polygons given as LINES are measured to their outlines: their crossings are those of their rings, as
    shapely intersects the boundaries (sweep 19a: shapely has no coordinates of a polygon, and the run failed with
    'Unexpected error … NotImplementedError')."""
    from shapely.geometry import MultiPolygon, Point, Polygon

    square = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], holes=[[(1, 1), (2, 1), (2, 2), (1, 2)]])
    other = MultiPolygon([Polygon([(3, 3), (6, 3), (6, 6), (3, 6)]), Polygon([(10, 10), (11, 10), (11, 11)])])
    crossing = LineString([(1.5, -1), (1.5, 5)])
    geometries = [square, other, crossing]
    expected = set()
    for a in range(len(geometries)):
        for b in range(a + 1, len(geometries)):
            ring_a = geometries[a].boundary if geometries[a].geom_type != "LineString" else geometries[a]
            ring_b = geometries[b].boundary if geometries[b].geom_type != "LineString" else geometries[b]
            meet = ring_a.intersection(ring_b)
            for point in getattr(meet, "geoms", [meet]):
                if isinstance(point, Point):
                    expected.add((round(point.x, 6), round(point.y, 6)))
    found = {(round(x, 6), round(y, 6)) for x, y in intersections(geometries)}
    assert found == expected and len(expected) == 6
