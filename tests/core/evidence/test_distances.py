"""Distance, density and intersection bands against independent references: brute-force shapely distances,
gdal_proximity on lines and points burned by gdal_rasterize, shapely circle intersections, hand computation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from shapely.geometry import LineString, MultiLineString, Point

from geochem_prospector.core.evidence.geometry import (
    PointIndex,
    SegmentIndex,
    densify,
    distance_window,
    segments_of,
    window_centres,
)
from geochem_prospector.core.evidence.lines import LineEvidence, intersections, line_density_window
from geochem_prospector.core.evidence.points import PointEvidence
from geochem_prospector.core.grid import GridSpec

from .helpers import CRS, gdal_proximity, rasterize_vector, write_lines, write_points

PX = 50.0


def random_lines(rng, n, x0, y0, size, max_vertices=6):
    lines = []
    for _ in range(n):
        k = int(rng.integers(2, max_vertices + 1))
        start = rng.uniform([x0, y0], [x0 + size, y0 + size])
        steps = rng.normal(0, size / 15, (k - 1, 2))
        xy = np.vstack([start, start + np.cumsum(steps, axis=0)])
        lines.append(LineString(xy))
    return lines


@pytest.fixture(scope="module")
def scene():
    rng = np.random.default_rng(3)
    # a 12 x 12 km grid, lines in its central 6 km only: the outer cells are far from every line
    grid = GridSpec(500_000.0, 7_012_000.0, PX, 240, 240, CRS)
    lines = random_lines(rng, 25, 503_000.0, 7_003_000.0, 6000.0)
    return grid, lines, rng


def test_line_distance_is_the_shapely_distance_at_random_cells(scene):
    grid, lines, rng = scene
    union = MultiLineString(lines)
    index = SegmentIndex(segments_of(lines), grid.pixel_size)
    rows = rng.integers(0, grid.height, 400)
    cols = rng.integers(0, grid.width, 400)
    xy = np.column_stack([grid.xmin + (cols + 0.5) * PX, grid.ymax - (rows + 0.5) * PX])
    ours = index.distance(xy)
    reference = np.array([union.distance(Point(x, y)) for x, y in xy])
    assert reference.max() > 50 * PX  # far cells are in the sample
    np.testing.assert_allclose(ours, reference, rtol=0, atol=1e-6)
    # and through a window, as float32
    r0, c0 = int(rows[0]), int(cols[0])
    block = distance_window(index, grid, r0, r0 + 1, c0, c0 + 1)
    assert abs(float(block[0, 0]) - reference[0]) <= 1e-3 + 1e-6 * reference[0]


def test_one_long_segment_far_away_is_exact():
    # the worst case for the nearest-piece search: a long line seen side-on from far away
    grid = GridSpec(0.0, 10_000.0, 10.0, 10, 10, None)
    line = LineString([(-50_000.0, 60_000.0), (50_000.0, 60_000.0)])
    index = SegmentIndex(segments_of([line]), 10.0)
    xy = window_centres(grid, 0, 10, 0, 10)
    np.testing.assert_allclose(index.distance(xy), 60_000.0 - xy[:, 1], atol=1e-6)


def test_line_distance_within_rasterization_error_of_gdal_proximity(tmp_path, scene):
    grid, lines, _ = scene
    vector = write_lines(str(tmp_path / "lines.gpkg"), lines)
    burned = rasterize_vector(str(tmp_path / "burn.tif"), vector, grid, all_touched=True)
    gdal = gdal_proximity(str(tmp_path / "prox.tif"), burned)
    evidence = LineEvidence("faults", lines, grid)
    ours = evidence.window(grid, 0, grid.height, 0, grid.width)[0]
    # gdal_proximity measures to the centres of burned cells, each within half a cell diagonal of the line
    bound = PX * math.sqrt(2) / 2 + 1e-3
    assert np.abs(ours - gdal).max() <= bound
    assert np.abs(ours - gdal).mean() < PX / 2


def test_point_distance_against_gdal_proximity_and_brute_force(tmp_path, scene):
    grid, _, rng = scene
    xy = rng.uniform([grid.xmin, grid.ymin], [grid.xmax, grid.ymax], (30, 2))
    vector = write_points(str(tmp_path / "points.gpkg"), xy)
    gdal = gdal_proximity(str(tmp_path / "prox.tif"), rasterize_vector(str(tmp_path / "b.tif"), vector, grid))
    ours = PointEvidence("intrusions", xy).window(grid, 0, grid.height, 0, grid.width)[0]
    assert np.abs(ours - gdal).max() <= PX * math.sqrt(2) / 2 + 1e-3
    centres = window_centres(grid, 0, grid.height, 0, grid.width)
    brute = np.sqrt(((centres[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    np.testing.assert_allclose(ours.ravel(), brute, rtol=1e-6, atol=1e-3)
    np.testing.assert_allclose(PointIndex(xy).distance(centres), brute, atol=1e-6)


def test_line_density_against_shapely_circles(scene):
    grid, lines, rng = scene
    radius = 600.0
    evidence = LineEvidence("faults", lines, grid, density_radius=radius)
    block = evidence.window(grid, 60, 180, 60, 180)
    assert [b.name for b in evidence.bands] == ["faults:distance_m", "faults:density_km_per_km2"]
    density = block[1]
    union = MultiLineString(lines)
    area_km2 = math.pi * radius**2 / 1e6
    checked = 0
    for r, c in zip(rng.integers(0, 120, 150), rng.integers(0, 120, 150)):
        x = grid.xmin + (60 + c + 0.5) * PX
        y = grid.ymax - (60 + r + 0.5) * PX
        centre = Point(x, y)
        exact = union.intersection(centre.buffer(radius, 256)).length / 1000 / area_km2
        # a piece counts from its cell's centre (within 0.71 + 0.25 cells of it): only line within a cell of the circle differs
        ring = (
            (
                union.intersection(centre.buffer(radius + PX, 256)).length
                - union.intersection(centre.buffer(radius - PX, 256)).length
            )
            / 1000
            / area_km2
        )
        assert abs(float(density[r, c]) - exact) <= ring + 1e-4, (r, c)
        checked += exact > 0
    assert checked > 30


def test_density_of_one_straight_line_by_hand():
    # a straight line through the circle's centre: 2 r of line in pi r^2
    grid = GridSpec(0.0, 4000.0, 10.0, 400, 400, None)
    line = LineString([(-1000.0, 2005.0), (5000.0, 2005.0)])  # along a row of cell centres
    pieces = densify(segments_of([line]), 5.0)
    block = line_density_window(pieces, grid, 500.0, 199, 200, 150, 250)
    expected = 2 * 0.5 / (math.pi * 0.5**2)  # km per km2
    np.testing.assert_allclose(block, expected, rtol=0.02)


def _wkt(code: str) -> str:
    import rasterio.crs

    return rasterio.crs.CRS.from_user_input(code).to_wkt()


@pytest.mark.parametrize(
    "code, metres",
    [("EPSG:2277", 1200 / 3937), ("EPSG:2230", 1200 / 3937), ("EPSG:3067", 1.0), ("EPSG:4326", 1.0), ("", 1.0)],
)
def test_metres_per_unit_of_the_grids_crs(code, metres):
    # US survey feet (Texas Central, California 6), metres, degrees (taken as they are), no CRS
    assert GridSpec(0.0, 1.0, 1.0, 1, 1, _wkt(code) if code else None).metres_per_unit == pytest.approx(metres)


def test_a_grid_in_feet_gives_distances_in_metres_and_density_in_km_per_km2():
    # the straight line of the test above, with every length in US survey feet: the same numbers in metres
    foot = 1200 / 3937
    grid = GridSpec(0.0, 4000.0, 10.0, 400, 400, _wkt("EPSG:2277"))
    line = LineString([(-1000.0, 2005.0), (5000.0, 2005.0)])
    pieces = densify(segments_of([line]), 5.0)
    block = line_density_window(pieces, grid, 500.0, 199, 200, 150, 250)
    np.testing.assert_allclose(block, 2 * 0.5 / (math.pi * 0.5**2) / foot, rtol=0.02)  # 2 r over pi r^2, r in km
    distance = distance_window(SegmentIndex(segments_of([line]), 100.0), grid, 0, 3, 0, 3)
    np.testing.assert_allclose(distance[:, 0], (2005.0 - np.array([3995.0, 3985.0, 3975.0])) * -foot, rtol=1e-6)


def test_windows_need_no_halo_for_distance(scene):
    grid, lines, _ = scene
    evidence = LineEvidence("faults", lines, grid, density_radius=400.0)
    whole = evidence.window(grid, 0, 100, 0, 100)
    parts = np.block(
        [
            [evidence.window(grid, 0, 37, 0, 61), evidence.window(grid, 0, 37, 61, 100)],
            [evidence.window(grid, 37, 100, 0, 61), evidence.window(grid, 37, 100, 61, 100)],
        ]
    )
    np.testing.assert_allclose(parts, whole, atol=1e-3)


def test_intersections_by_hand():
    cross_a = LineString([(0, 0), (10, 10)])
    cross_b = LineString([(0, 10), (10, 0)])  # crosses a at (5, 5)
    tee = LineString([(20, 0), (20, 10)])
    stem = LineString([(20, 5), (30, 5)])  # ends on tee's middle: a T junction at (20, 5)
    piece_1 = LineString([(40, 0), (40, 5)])
    piece_2 = LineString([(40, 5), (40, 10)])  # one line in two pieces: (40, 5) is no intersection
    found = intersections([cross_a, cross_b, tee, stem, piece_1, piece_2])
    assert sorted(map(tuple, np.round(found, 9))) == [(5.0, 5.0), (20.0, 5.0)]


def test_intersection_band_against_brute_force(scene):
    grid, lines, _ = scene
    evidence = LineEvidence("faults", lines, grid, intersections_band=True)
    assert evidence.bands[-1].name == "faults:intersection_distance_m"
    # every pairwise crossing, found by shapely one pair at a time
    crossings = []
    for i, a in enumerate(lines):
        for b in lines[i + 1 :]:
            shared = a.intersection(b)
            crossings += [(p.x, p.y) for p in getattr(shared, "geoms", [shared]) if p.geom_type == "Point"]
    assert len(crossings) == evidence.n_intersections > 3
    block = evidence.window(grid, 50, 60, 50, 60)[-1]
    centres = window_centres(grid, 50, 60, 50, 60)
    pts = np.asarray(crossings)
    brute = np.sqrt(((centres[:, None] - pts[None]) ** 2).sum(axis=2)).min(axis=1)
    np.testing.assert_allclose(block.ravel(), brute, rtol=1e-6, atol=1e-3)


def test_multipart_and_polygon_rings_give_segments():
    square = Point(0, 0).buffer(1.0, 1)  # a diamond: 4 segments
    multi = MultiLineString([[(0, 0), (1, 0), (2, 0)], [(5, 5), (6, 6)]])
    assert segments_of([square, multi, Point(3, 3), None]).shape == (4 + 3, 4)


def test_sources_travel_to_another_process(scene):
    """Each source's window() is the unit of work another worker runs: it pickles (the KD-trees are rebuilt) and
    gives the brute-force distances there."""
    import pickle

    grid, lines, rng = scene
    xy = rng.uniform([grid.xmin, grid.ymin], [grid.xmax, grid.ymax], (12, 2))
    for source in (LineEvidence("faults", lines, grid, density_radius=300.0), PointEvidence("intrusions", xy)):
        copy = pickle.loads(pickle.dumps(source))
        block = copy.window(grid, 10, 20, 30, 45)[0]
        centres = window_centres(grid, 10, 20, 30, 45)
        if isinstance(source, PointEvidence):
            brute = np.sqrt(((centres[:, None] - xy[None]) ** 2).sum(axis=2)).min(axis=1)
        else:
            union = MultiLineString(lines)
            brute = np.array([union.distance(Point(x, y)) for x, y in centres])
        np.testing.assert_allclose(block.ravel(), brute, rtol=1e-6, atol=1e-3)


def assert_density_is_the_unions(evidence, union, radius, grid, rng) -> None:
    """The density band of ``evidence`` at 150 random cells of the window (60..180) is the length of ``union``
    within each cell's circle, per km² (within what a cell's binning moves across the circle's edge)."""
    density = evidence.window(grid, 60, 180, 60, 180)[1]
    area_km2 = math.pi * radius**2 / 1e6
    checked = 0
    for r, c in zip(rng.integers(0, 120, 150), rng.integers(0, 120, 150)):
        centre = Point(grid.xmin + (60 + c + 0.5) * PX, grid.ymax - (60 + r + 0.5) * PX)
        exact = union.intersection(centre.buffer(radius, 256)).length / 1000 / area_km2
        ring = (
            union.intersection(centre.buffer(radius + PX, 256)).length
            - union.intersection(centre.buffer(radius - PX, 256)).length
        ) / 1000 / area_km2  # fmt: skip
        assert abs(float(density[r, c]) - exact) <= ring + 1e-4, (r, c)
        checked += exact > 0
    assert checked > 30


def crossings_of(lines) -> set:
    """Brute force: every point where two of ``lines`` cross, rounded to the millimetre."""
    found = set()
    for i, a in enumerate(lines):
        for b in lines[i + 1 :]:
            cut = a.intersection(b)
            found |= {(round(p.x, 3), round(p.y, 3)) for p in getattr(cut, "geoms", [cut]) if p.geom_type == "Point"}
    return found


def test_a_fault_repeated_counts_once_in_density_and_intersections(scene):
    # the first fault three times (merged map sheets, a copy pasted twice; the third drawn the other way), and a
    # fourth sharing the second's middle segment: against shapely's union of the lines (overlaps counted once)
    from shapely.ops import unary_union

    grid, lines, rng = scene
    first = lines[0]
    middle = next(g for g in lines if len(g.coords) >= 4)
    shared = LineString(list(middle.coords)[1:3])
    repeated = [*lines, first, LineString(list(first.coords)[::-1]), shared]
    radius = 600.0
    evidence = LineEvidence("faults", repeated, grid, density_radius=radius, intersections_band=True)
    assert evidence.repeated_features == 2 and evidence.repeated_segments == 1  # the copies go first, whole
    assert_density_is_the_unions(evidence, unary_union(lines), radius, grid, rng)
    # the copies add no intersection: their ends are no crossing (brute force: every pair of the distinct lines)
    expected = crossings_of(lines)
    copies = LineEvidence("faults", repeated[:-1], grid, intersections_band=True)
    assert len(expected) > 3 and copies.n_intersections == len(expected)


def test_faults_on_overlapping_sheets_count_once_in_density_and_intersections(scene):
    """Each straight stretch of some faults digitised twice with other vertices (two map sheets that overlap: one
    piece to 60 % of the stretch, the other from 40 %): the density is that of shapely's unary_union of the
    distinct faults, the overlap ends no intersection (brute force over the pairs of distinct faults)."""
    from shapely.ops import unary_union

    from geochem_prospector.core.evidence.lines import merge_overlapping_segments

    grid, lines, rng = scene
    sheets = []
    for g in lines[:10]:
        coords = list(g.coords)
        for p, q in zip(coords[:-1], coords[1:]):
            stretch = LineString([p, q])
            sheets.append(LineString([p, stretch.interpolate(0.6, normalized=True).coords[0]]))
            sheets.append(LineString([stretch.interpolate(0.4, normalized=True).coords[0], q]))
    pieces = [*sheets, *lines[10:]]
    union = unary_union(lines)
    # the merged segments' length is the union's (each shared stretch once)
    merged, n = merge_overlapping_segments(segments_of(pieces))
    assert n == len(sheets) // 2
    assert math.isclose(np.hypot(merged[:, 2] - merged[:, 0], merged[:, 3] - merged[:, 1]).sum(), union.length)
    radius = 600.0
    evidence = LineEvidence("faults", pieces, grid, density_radius=radius, intersections_band=True)
    assert evidence.overlapping_segments == len(sheets) // 2
    assert_density_is_the_unions(evidence, union, radius, grid, rng)
    expected = crossings_of(lines)
    found = {(round(x, 3), round(y, 3)) for x, y in intersections(pieces)}
    assert len(expected) > 3 and found == expected


def test_segments_end_to_end_or_apart_on_one_line_are_not_merged():
    from geochem_prospector.core.evidence.lines import merge_overlapping_segments

    segs = np.array([[0.0, 0.0, 5.0, 0.0], [5.0, 0.0, 10.0, 0.0], [20.0, 0.0, 30.0, 0.0], [0.0, 1.0, 9.0, 1.0]])
    merged, n = merge_overlapping_segments(segs)
    assert n == 0 and np.array_equal(merged, segs)
    # drawn either way, three overlapping on one line: one segment from the first end to the last
    segs = np.array([[0.0, 0.0, 6.0, 0.0], [10.0, 0.0, 4.0, 0.0], [9.0, 0.0, 12.0, 0.0], [0.0, 1.0, 9.0, 1.0]])
    merged, n = merge_overlapping_segments(segs)
    assert n == 2 and merged.tolist() == [[0.0, 0.0, 12.0, 0.0], [0.0, 1.0, 9.0, 1.0]]


def test_a_cancel_stops_the_search_for_crossings_within_a_few_features():
    """The crossings of many faults grow as the square of their number (20,000 took half a minute, and a cancel
    waited for all of them): the search now asks is_cancelled every CANCEL_EVERY features. The features searched after
    the cancel are counted by the asks: the third ask (at feature 128 of 600) ends it."""
    from geochem_prospector.core.errors import Cancelled
    from geochem_prospector.core.evidence import lines as lines_module

    rng = np.random.default_rng(3)
    lines = random_lines(rng, 600, 0.0, 0.0, 2000.0)
    asked = []

    def cancel_on_third_ask() -> bool:
        asked.append(1)
        return len(asked) >= 3

    with pytest.raises(Cancelled):
        intersections(lines, cancel_on_third_ask)
    assert len(asked) == 3  # asked at features 0, 64 and 128: stopped there, 472 features early
    assert lines_module.CANCEL_EVERY <= 64
    # without a cancel, the same crossings as with no callback at all
    np.testing.assert_array_equal(intersections(lines, lambda: False), intersections(lines))
    grid = GridSpec(0.0, 2000.0, PX, 40, 40)
    with pytest.raises(Cancelled):
        LineEvidence("faults", lines, grid, intersections_band=True, is_cancelled=lambda: True)


def test_a_vertex_misplaced_far_away_is_cut_off_and_every_band_stays_exact(scene):
    """One line with a vertex a billion kilometres east (a broken export): it was cut into pieces of a few cells all
    the way (23 GB, review 36). Its far part is cut off; the distances are still shapely's to the whole line, the
    density still within the circles' bounds, and the crossings all the pairwise ones."""
    grid, lines, rng = scene
    stray = LineString([(504_000.0, 7_005_000.0), (1e12, 7_006_000.0)])
    ring = Point(506_000.0, 7_006_000.0).buffer(800.0, 4)
    ring = type(ring)([*ring.exterior.coords[:3], (-1e12, 7_006_000.0), *ring.exterior.coords[3:]])  # an outline too
    given = [*lines, stray, ring]
    evidence = LineEvidence("faults", given, grid, density_radius=600.0, intersections_band=True)
    assert evidence.cut_far == 3 and len(evidence.index.pieces) < 20_000 and len(evidence.pieces) < 200_000  # 1 + 2
    distance, density, to_crossings = evidence.window(grid, 0, grid.height, 0, grid.width)
    union = MultiLineString([*given[:-1], LineString(ring.exterior.coords)])
    rows, cols = rng.integers(0, grid.height, 300), rng.integers(0, grid.width, 300)
    xy = np.column_stack([grid.xmin + (cols + 0.5) * PX, grid.ymax - (rows + 0.5) * PX])
    reference = np.array([union.distance(Point(x, y)) for x, y in xy])
    np.testing.assert_allclose(distance[rows, cols], reference, rtol=1e-6, atol=1e-3)
    area_km2 = math.pi * 600.0**2 / 1e6
    for r, c, (x, y) in zip(rows[:60], cols[:60], xy[:60]):
        within = [union.intersection(Point(x, y).buffer(600.0 + d, 256)).length for d in (0.0, PX, -PX)]
        assert (
            abs(float(density[r, c]) - within[0] / 1000 / area_km2) <= (within[1] - within[2]) / 1000 / area_km2 + 1e-4
        )
    crossings = []
    for i, a in enumerate(given):
        for b in given[i + 1 :]:
            shared = (a.boundary if a.geom_type == "Polygon" else a).intersection(
                b.boundary if b.geom_type == "Polygon" else b
            )
            crossings += [(p.x, p.y) for p in getattr(shared, "geoms", [shared]) if p.geom_type == "Point"]
    assert len(crossings) == evidence.n_intersections
    pts = np.asarray(crossings)
    brute = np.sqrt(((xy[:, None] - pts[None]) ** 2).sum(axis=2)).min(axis=1)
    np.testing.assert_allclose(to_crossings[rows, cols], brute, rtol=1e-6, atol=1e-3)


def test_crossings_beyond_the_cut_are_still_found():
    """Two faults that enter a 10 km grid and cross 60 km beyond it (review 36: cutting the lines lost the crossing and
    the log said they do not cross): the crossing is shapely's, and the band is its distance."""
    grid = GridSpec(0.0, 10_000.0, 100.0, 100, 100, CRS)
    a = LineString([(5000.0, 5000.0), (195_000.0, 5000.0)])
    b = LineString([(5000.0, 9900.0), (135_000.0, 100.0)])  # crosses a at x = 70 km, at 4.3° (not a near copy)
    evidence = LineEvidence("faults", [a, b], grid, intersections_band=True)
    crossing = a.intersection(b)
    assert evidence.n_intersections == 1 and np.allclose(evidence.some_intersections, [[crossing.x, crossing.y]])
    band = evidence.window(grid, 0, 100, 0, 100)[-1]
    centres = window_centres(grid, 0, 100, 0, 100)
    np.testing.assert_allclose(band.ravel(), np.hypot(*(centres - [crossing.x, crossing.y]).T), rtol=1e-6, atol=1e-2)


def test_clip_segments_as_shapely_clips_them():
    """Segments at random, many crossing the box, some inside, some outside, some along its sides: each cut to the
    box as shapely's clip_by_rect cuts the line; those inside keep their end points bit for bit."""
    from shapely.ops import clip_by_rect

    from geochem_prospector.core.evidence.geometry import clip_segments

    rng = np.random.default_rng(36)
    segments = rng.uniform(-50.0, 150.0, (400, 4))
    segments[:40] = rng.uniform(10.0, 90.0, (40, 4))  # inside
    segments[40:50] = [[0.0, y, 100.0, y] for y in np.linspace(10.0, 90.0, 10)]  # across, ends on the sides
    box = (0.0, 0.0, 100.0, 100.0)
    clipped, cut = clip_segments(segments, box)
    expected = []
    for s in segments:
        part = clip_by_rect(LineString([s[:2], s[2:]]), *box)
        if not part.is_empty and part.length > 0:
            expected.append(np.asarray(part.coords).ravel())
    ours = clipped[np.hypot(clipped[:, 2] - clipped[:, 0], clipped[:, 3] - clipped[:, 1]) > 0]

    def key(rows):  # each segment's ends in order, rounded: one form whichever way round it was drawn
        return sorted(tuple(sorted([tuple(np.round(r[:2], 6)), tuple(np.round(r[2:], 6))])) for r in rows)

    assert key(ours) == key(expected)
    assert np.array_equal(clipped[:40], segments[:40]) and cut == 400 - 40 - int(np.count_nonzero(
        (segments[40:, [0, 2]].min(axis=1) >= 0) & (segments[40:, [0, 2]].max(axis=1) <= 100)
        & (segments[40:, [1, 3]].min(axis=1) >= 0) & (segments[40:, [1, 3]].max(axis=1) <= 100)))  # fmt: skip
