"""An intersection band that says little (sweep 22b, from sweep 21a's Kola run).

With INTERSECTIONS, Kola's borders crossed at one point and its lakes at two 1.5 km apart: each band was the
distance to a point or two, a bull's-eye of position written without a word (the coast, 142 pieces end to end,
had none and was warned about). Each scene here is counted by shapely on its own (every pair of features
intersected, a point left out where it ends both features: one line in two pieces) and the warning follows that
count: none, fewer than three, none on the grid, or enough.
"""

from __future__ import annotations

import itertools

from shapely.geometry import LineString, Point

from geochem_prospector.core.evidence.lines import FEW_INTERSECTIONS, LineEvidence, intersection_note
from geochem_prospector.core.grid import GridSpec

GRID = GridSpec(400_000.0, 7_520_000.0, 1000.0, 20, 20, None)  # 20 km square, 1 km cells


def shapely_points(lines) -> set:
    """Points where two features cross or meet, but not the shared end of two pieces of one line."""

    def ends(g):
        return [Point(g.coords[0]), Point(g.coords[-1])]

    found = set()
    for a, b in itertools.combinations(lines, 2):
        cut = a.intersection(b)
        for p in getattr(cut, "geoms", [cut]):
            if p.is_empty:
                continue
            if any(p.equals(e) for e in ends(a)) and any(p.equals(e) for e in ends(b)):
                continue  # end to end
            found.add((round(p.x, 6), round(p.y, 6)))
    return found


def x(v: float) -> float:
    return GRID.xmin + v * 1000.0


def y(v: float) -> float:
    return GRID.ymin + v * 1000.0


def _source(lines) -> LineEvidence:
    return LineEvidence("faults", lines, GRID, None, True)


def test_parallel_lines_and_a_single_line_give_no_band_and_say_so():
    parallel = [LineString([(x(0), y(k)), (x(20), y(k + 1))]) for k in (2, 8, 14)]
    vertices = [(x(k), y(10 + (k % 3))) for k in range(0, 20, 2)]
    coast = [LineString(vertices[i : i + 2]) for i in range(len(vertices) - 1)]  # one line in pieces end to end
    for lines in (parallel, parallel[:1], coast):
        assert shapely_points(lines) == set()
        source = _source(lines)
        assert source.n_intersections == 0 and [b.name for b in source.bands] == ["faults:distance_m"]
        note = intersection_note(source)
        assert note.startswith("LINES: the lines of 'faults' do not cross or meet one another")
        assert "'faults:intersection_distance_m' is left out of the stack" in note


def test_one_or_two_crossings_are_a_bulls_eye():
    cross = [LineString([(x(2), y(3)), (x(18), y(17))]), LineString([(x(2), y(17)), (x(18), y(3))])]
    third = LineString([(x(5), y(1)), (x(5), y(6))])  # crosses the first line once more
    for lines in (cross, cross + [third]):
        expected = shapely_points(lines)
        source = _source(lines)
        assert source.n_intersections == len(expected) < FEW_INTERSECTIONS
        assert {(round(a, 6), round(b, 6)) for a, b in source.some_intersections} == expected
        note = intersection_note(source)
        n = len(expected)
        assert note.startswith(f"LINES: the lines of 'faults' cross or meet at only {n} point")
        assert (
            "'faults:intersection_distance_m' is the distance to" in note and "Raster › Conversion › Translate" in note
        )
        assert "faults:intersection_distance_m" in [
            b.name for b in source.bands
        ]  # kept: it may be the one that matters
    assert "(at 410000, 7510000)" in intersection_note(_source(cross))


def test_crossings_beyond_the_grid_only_and_enough_crossings():
    far = [LineString([(x(30), y(-5)), (x(40), y(5))]), LineString([(x(30), y(5)), (x(40), y(-5))])]
    far += [LineString([(x(32), y(-6)), (x(32), y(6))]), LineString([(x(0), y(10)), (x(20), y(11))])]
    expected = shapely_points(far)
    assert len(expected) >= FEW_INTERSECTIONS and not any(GRID.xmin <= a <= GRID.xmax for a, _ in expected)
    source = _source(far)
    assert source.n_intersections == len(expected) and source.intersections_on_grid == 0
    assert intersection_note(source).startswith(f"LINES: none of the {len(expected)} points where the lines of")
    grid_lines = [LineString([(x(k), y(0)), (x(k), y(20))]) for k in (4, 10, 16)]
    grid_lines += [LineString([(x(0), y(k)), (x(20), y(k + 0.5))]) for k in (5, 12)]
    expected = shapely_points(grid_lines)
    source = _source(grid_lines)
    assert source.n_intersections == len(expected) == 6 and source.intersections_on_grid == 6
    assert intersection_note(source) == ""
