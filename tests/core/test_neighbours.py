"""The k-nearest search against brute force, and pykdtree against scipy's cKDTree (the same answers)."""

import numpy as np
import pytest

from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.neighbours import (
    NeighbourIndex,
    area_spacing,
    farthest_cell,
    linked_clusters,
    points_on_one_line,
    sample_spacing,
    share_of_cells_extrapolated,
    share_of_cells_far,
    stray_points,
)


def brute_force(points, targets, k, radius=None):
    d = np.hypot(*(targets[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    order = np.argsort(d, axis=1, kind="stable")[:, :k]
    dist = np.take_along_axis(d, order, axis=1)
    if radius is not None:
        missing = dist >= radius
        dist[missing] = np.inf
        order[missing] = len(points)
    return dist, order


@pytest.mark.parametrize("use_pykdtree", [False, True])
@pytest.mark.parametrize("k, radius", [(1, None), (12, None), (12, 9.0), (40, 5.0)])
def test_matches_brute_force(use_pykdtree, k, radius):
    if use_pykdtree:
        pytest.importorskip("pykdtree", reason="python3-pykdtree is optional")
    rng = np.random.default_rng(k)
    points = rng.uniform(0, 100, (500, 2))
    targets = rng.uniform(-10, 110, (300, 2))  # some outside the samples' hull
    index = NeighbourIndex(points, use_pykdtree=use_pykdtree)
    assert index.backend == ("pykdtree" if use_pykdtree else "scipy cKDTree")
    dist, idx = index.query(targets, k, radius)
    ref_dist, ref_idx = brute_force(points, targets, k, radius)
    assert dist.shape == idx.shape == (300, k)
    np.testing.assert_allclose(dist, ref_dist, rtol=1e-12)
    np.testing.assert_array_equal(idx, ref_idx)  # random points: no ties
    if radius is not None:
        assert np.isinf(dist).any() and (idx == len(points)).any()  # the radius did cut


def test_radius_is_strict_in_both_libraries():
    pytest.importorskip("pykdtree", reason="python3-pykdtree is optional")
    points = np.array([[0.0, 0.0], [3.0, 4.0], [10.0, 0.0]])
    for use in (False, True):
        dist, idx = NeighbourIndex(points, use_pykdtree=use).query(np.zeros((1, 2)), 3, 5.0)
        assert dist[0].tolist() == [0.0, np.inf, np.inf] and idx[0].tolist() == [0, 3, 3]


def test_higher_dimensions_as_used_by_label_spreading():
    pytest.importorskip("pykdtree", reason="python3-pykdtree is optional")
    z = np.random.default_rng(3).normal(size=(2000, 4))
    fast = NeighbourIndex(z, use_pykdtree=True).query(z, 11)
    slow = NeighbourIndex(z, use_pykdtree=False).query(z, 11)
    np.testing.assert_array_equal(fast[1], slow[1])
    np.testing.assert_allclose(fast[0], slow[0], rtol=1e-12)


def _nearest_brute(points, targets):
    return np.sqrt(((targets[:, None, :] - points[None, :, :]) ** 2).sum(-1)).min(1)


def test_sample_spacing_is_the_median_distance_to_the_kth_neighbour():
    rng = np.random.default_rng(3)
    pts = rng.uniform(0, 1000, (60, 2))
    d = np.sort(np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1)), axis=1)  # column 0: the point itself
    assert sample_spacing(pts) == pytest.approx(np.median(d[:, 1]))
    assert sample_spacing(pts, 5) == pytest.approx(np.median(d[:, 5]))
    three = np.sort(np.sqrt(((pts[:3, None] - pts[None, :3]) ** 2).sum(-1)), axis=1)
    assert sample_spacing(pts[:3], 5) == pytest.approx(np.median(three[:, 2]))  # k beyond the others: the farthest
    assert sample_spacing(pts[:1]) == 0.0


@pytest.mark.parametrize("most", [250_000, 200])  # every cell, and every s-th row and column of a larger grid
def test_share_of_cells_far_from_the_samples_as_brute_force(most):
    rng = np.random.default_rng(4)
    pts = np.vstack([rng.uniform(0, 2000, (30, 2)), rng.uniform(0, 2000, (30, 2)) + [20_000, 0]])  # two blocks
    grid = GridSpec.from_extent(-500, -500, 22_500, 2_500, pixel_size=250)
    stride = max(1, int(np.ceil(np.sqrt(grid.width * grid.height / most))))
    rows, cols = np.arange(stride // 2, grid.height, stride), np.arange(stride // 2, grid.width, stride)
    x = grid.xmin + (cols + 0.5) * grid.pixel_size
    y = grid.ymax - (rows + 0.5) * grid.pixel_size
    gx, gy = np.meshgrid(x, y)
    nearest = _nearest_brute(pts, np.column_stack([gx.ravel(), gy.ravel()]))
    assert share_of_cells_far(pts, grid, 3000, most=most) == pytest.approx(np.mean(nearest > 3000))
    within = np.mean((nearest > 3000) & (nearest <= 6000))
    assert share_of_cells_far(pts, grid, 3000, within=6000, most=most) == pytest.approx(within)
    mask = np.zeros((grid.height, grid.width), dtype=bool)
    mask[:, : grid.width // 2] = True  # the western half only
    inside = mask[np.ix_(rows, cols)].ravel()
    assert share_of_cells_far(pts, grid, 3000, mask, most=most) == pytest.approx(np.mean(nearest[inside] > 3000))
    assert 0.5 < share_of_cells_far(pts, grid, 3000) < 1.0  # most of the gap between the blocks


def test_a_corridor_survey_leaves_no_gap_inside_its_own_box():
    """1,000 samples spread over a 100 x 5 km corridor, gridded with the 5 % margin interpolate adds (5 km each
    side): the margin lies beyond 3 spacings of any sample, but is no gap between samples. Counted over the
    samples' box only, no cell is far; by brute force over the box's cell centres, the same."""
    rng = np.random.default_rng(0)
    xy = np.column_stack([rng.uniform(0, 100_000, 1000), rng.uniform(0, 5000, 1000)])
    grid = GridSpec(-5000.0, 10_000.0, 250.0, 440, 60)
    far = 3 * sample_spacing(xy, 5)
    cx, cy = np.meshgrid(grid.xmin + (np.arange(440) + 0.5) * 250.0, grid.ymax - (np.arange(60) + 0.5) * 250.0)
    centres = np.column_stack([cx.ravel(), cy.ravel()])
    nearest = np.sqrt(((centres[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    in_box = (centres >= xy.min(axis=0)).all(axis=1) & (centres <= xy.max(axis=0)).all(axis=1)
    assert share_of_cells_far(xy, grid, far) == pytest.approx(np.mean(nearest > far))
    assert np.mean(nearest > far) > 0.3  # the margin alone would have warned
    assert share_of_cells_far(xy, grid, far, points_box_only=True) == pytest.approx(np.mean(nearest[in_box] > far))
    assert np.mean(nearest[in_box] > far) == 0.0


def test_area_spacing_is_the_hull_area_per_place_and_a_regular_grids_spacing():
    from shapely.geometry import MultiPoint

    # a 10 x 10 survey at 500 m: the hull is 4,500 m square, (4500^2 / 100) ** 0.5 = 450 m
    gx, gy = np.meshgrid(np.arange(10) * 500.0, np.arange(10) * 500.0)
    grid_xy = np.column_stack([gx.ravel(), gy.ravel()])
    assert area_spacing(grid_xy) == pytest.approx(450.0)
    # a coastal survey: an L of samples, whose box is half sea; the hull (shapely) leaves most of it out
    rng = np.random.default_rng(0)
    coast = np.vstack([rng.uniform([0, 0], [10_000, 2_000], (60, 2)), rng.uniform([0, 0], [2_000, 10_000], (60, 2))])
    hull = MultiPoint([tuple(p) for p in coast]).convex_hull.area
    assert area_spacing(coast) == pytest.approx(np.sqrt(hull / 120))
    assert area_spacing(coast) < np.sqrt(np.ptp(coast[:, 0]) * np.ptp(coast[:, 1]) / 120)
    # duplicates are one place; fewer than three places, or all on a line, span no area
    assert area_spacing(np.vstack([grid_xy, grid_xy])) == pytest.approx(450.0)
    assert area_spacing(np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]])) == 0.0
    assert area_spacing(np.column_stack([np.arange(5.0), 2 * np.arange(5.0)])) == 0.0


def test_stray_points_are_the_far_few_and_their_distance_is_brute_force():
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(4)
    survey = rng.uniform(0, 20_000, (400, 2)) + [400_000, 7_500_000]  # ~1 km spacing
    strays = np.array([[0.0, 0.0], [400_000.0, 7_700_000.0]])  # never entered; a northing mistyped by 200 km
    points = np.vstack([survey, strays])
    found, distance, spacing = stray_points(points)
    assert found.tolist() == [400, 401]
    np.testing.assert_allclose(distance, cdist(strays, survey).min(axis=1))
    assert spacing == pytest.approx(sample_spacing(points, 5))
    # a survey in two blocks 100 km apart, a real survey's outlying line, or too few points: none is stray
    assert stray_points(np.vstack([survey, survey + [100_000, 0]]))[0].size == 0
    outlier_line = np.column_stack([np.linspace(425_000, 430_000, 12), np.full(12, 7_510_000.0)])
    assert stray_points(np.vstack([survey, outlier_line]))[0].size == 0
    assert stray_points(np.vstack([survey[:15], strays]))[0].size == 0


def test_the_points_of_one_field_counted_over_the_box_of_all_the_samples():
    """An element analysed in the western quarter of a survey only: its samples' gaps are counted over the box of
    all the samples (``box``), where its band is gridded, not over the quarter its own samples span. Brute force:
    every cell centre in the box, its distance to the nearest sample of the element."""
    rng = np.random.default_rng(12)
    xy = np.column_stack([rng.uniform(0, 10_000, 400), rng.uniform(0, 10_000, 400)])
    west = xy[xy[:, 0] < 2500]
    grid = GridSpec(-500.0, 10_500.0, 250.0, 44, 44)
    far = 3 * sample_spacing(west, 5)
    cx, cy = np.meshgrid(grid.xmin + (np.arange(44) + 0.5) * 250.0, grid.ymax - (np.arange(44) + 0.5) * 250.0)
    centres = np.column_stack([cx.ravel(), cy.ravel()])
    nearest = np.sqrt(((centres[:, None, :] - west[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    box = (*xy.min(axis=0), *xy.max(axis=0))
    in_box = (centres >= xy.min(axis=0)).all(axis=1) & (centres <= xy.max(axis=0)).all(axis=1)
    expected = np.mean(nearest[in_box] > far)
    assert share_of_cells_far(west, grid, far, box=box) == pytest.approx(expected)
    assert expected > 0.5  # the eastern three quarters, less a strip beside the samples
    # the points' own box (the western strip) sees no gap: what the warning counted before
    assert share_of_cells_far(west, grid, far, points_box_only=True) < 0.05


def test_gaps_by_the_local_spacing_of_a_nested_survey_as_brute_force():
    """A regional grid of 500 m with an infill of 25 m holding most samples: each sample's distance to its fifth
    nearest (brute force) is 500 m or 25 m where it lies; cells far from their nearest sample by 3 times that
    sample's spacing are counted as brute force counts them, and the regional grid leaves almost none (its cells are
    at most 354 m from a sample), though 3 times the median spacing (75 m) would call most of it a gap."""
    from geochem_prospector.core.neighbours import local_spacing

    regional = np.arange(0.0, 10_001.0, 500.0)
    infill = np.arange(0.0, 1001.0, 25.0) + 4500.0
    xy = np.unique(
        np.vstack([np.column_stack([a.ravel(), b.ravel()]) for a, b in (np.meshgrid(regional, regional),
                                                                       np.meshgrid(infill, infill))]),
        axis=0,
    )  # fmt: skip
    xy = xy + np.random.default_rng(5).uniform(-0.01, 0.01, xy.shape)  # no two samples equally near a cell centre
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    brute = np.sort(d, axis=1)[:, 5]
    np.testing.assert_allclose(local_spacing(xy, 5), brute)
    assert set(np.round(brute, -1)) <= {30.0, 40.0, 50.0, 500.0, 510.0, 710.0, 1000.0}  # 25-50 m infill, 500 m+ grid
    grid = GridSpec(0.0, 10_000.0, 100.0, 100, 100)
    cx, cy = np.meshgrid(grid.xmin + (np.arange(100) + 0.5) * 100.0, grid.ymax - (np.arange(100) + 0.5) * 100.0)
    centres = np.column_stack([cx.ravel(), cy.ravel()])
    to_samples = np.sqrt(((centres[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    nearest = to_samples.argmin(axis=1)
    limits = 3 * brute
    expected = np.mean(to_samples[np.arange(len(centres)), nearest] > limits[nearest])
    assert share_of_cells_far(xy, grid, limits) == pytest.approx(expected)
    assert expected < 0.02  # a rim of cells just outside the infill, whose nearest sample is an infill one
    assert share_of_cells_far(xy, grid, 3 * np.median(brute)) > 0.8  # the median's spacing: a false gap


def test_points_on_one_line_by_construction():
    """A traverse of 40 stations 250 m apart, each sampled twice 60 m either side of the road, turned by 37°: its
    length along the road and width across it are those it was built with (the pairs keep the principal axis on
    the road); a survey over an area is no line."""
    t = np.repeat(np.arange(40) * 250.0, 2)
    a = np.tile([-60.0, 60.0], 40)
    turn = np.radians(37.0)
    xy = np.column_stack([t * np.cos(turn) - a * np.sin(turn), t * np.sin(turn) + a * np.cos(turn)]) + [4e5, 7.5e6]
    length, width = points_on_one_line(xy)
    assert length == pytest.approx(39 * 250.0) and width == pytest.approx(120.0)
    assert points_on_one_line(xy, most_width=0.01) is None  # 120 m across 9,750 m is more than 1 %
    rng = np.random.default_rng(2)
    assert points_on_one_line(rng.uniform(0, 10_000, (200, 2))) is None
    assert points_on_one_line(xy[:2]) is None  # two points: no line told from an area


def _survey_places():
    """The real surveys the plugin is tried on: the bundled till samples, the Jura, Kola (C horizon, moss) and
    Meuse sites, and the Lapland till of the shared data where it is present."""
    import csv
    import os

    import geopandas as gpd

    here = os.path.dirname(__file__)
    root = os.path.abspath(os.path.join(here, "..", ".."))
    till = gpd.read_file(os.path.join(root, "resources", "sample_data", "till_geochemistry.gpkg"))
    places = {"bundled till": np.column_stack([till.geometry.x, till.geometry.y])}
    for name, path, x, y in [
        ("jura", "tests/data/jura/jura_pred.csv", "Xloc", "Yloc"),
        ("kola C horizon", "tests/data/kola/chorizon_cu.csv", "XCOO", "YCOO"),
        ("kola moss", "tests/data/kola/moss_ni_cu_co.csv", "XCOO", "YCOO"),
        ("meuse", "tests/data/meuse/meuse.csv", "x", "y"),
    ]:
        with open(os.path.join(root, path), newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        places[name] = np.array([[float(r[x]), float(r[y])] for r in rows])
    lapland = os.path.join(root, "..", "shared", "data", "gtk_eis_iocg_lapland", "till_geochem_511p.gpkg")
    if os.path.exists(lapland):
        frame = gpd.read_file(lapland)
        places["lapland till"] = np.column_stack([frame.geometry.x, frame.geometry.y])
    return places


def test_no_real_survey_is_taken_for_one_line():
    for name, xy in _survey_places().items():
        assert len(xy) > 30, name
        assert points_on_one_line(xy) is None, name


def test_farthest_cell_as_brute_force():
    """The largest distance from a cell centre to its nearest point, by brute force over every cell (inside a
    mask, within a search radius)."""
    line = np.column_stack([np.linspace(500, 9500, 25), np.full(25, 5000.0)])
    grid = GridSpec.from_extent(0, 0, 10_000, 10_000, pixel_size=250)
    cx, cy = np.meshgrid(grid.xmin + (np.arange(40) + 0.5) * 250.0, grid.ymax - (np.arange(40) + 0.5) * 250.0)
    nearest = _nearest_brute(line, np.column_stack([cx.ravel(), cy.ravel()])).reshape(40, 40)
    assert farthest_cell(line, grid) == pytest.approx(nearest.max())
    assert nearest.max() == pytest.approx(np.hypot(375.0, 4875.0))  # a corner cell
    mask = np.zeros((40, 40), dtype=bool)
    mask[12:28, :] = True  # a band 2 km either side of the line
    assert farthest_cell(line, grid, mask) == pytest.approx(nearest[mask].max())
    assert farthest_cell(line, grid, within=3000) == pytest.approx(nearest[nearest <= 3000].max())


def test_blocks_strung_out_in_a_row_are_no_line():
    """Two blocks of 36 samples on a 6 x 6 grid 100 km apart lie within a tenth of their length across it, but each
    block covers an area: its samples' six nearest spread as much one way as the other (numpy's eigenvalues of
    their covariance). A road that winds 500 m either way over 20 km, sampled every 50 m, is a line."""
    block = np.stack(np.meshgrid(np.arange(6) * 600.0, np.arange(6) * 600.0), axis=-1).reshape(-1, 2)
    blocks = np.vstack([block, block + [100_000.0, 0.0]])
    assert points_on_one_line(blocks) is None
    near = np.argsort(((block[:, None] - block[None]) ** 2).sum(axis=2), axis=1)[:, :6]
    ratios = []
    for idx in near:
        eig = np.linalg.eigvalsh(np.cov(block[idx].T, bias=True))
        ratios.append(np.sqrt(eig[0] / eig[1]))
    assert np.median(ratios) > 0.5
    t = np.arange(0, 20_000, 50.0)
    road = np.column_stack([t, 500 * np.sin(t / 3000)])
    length, width = points_on_one_line(road)
    assert length == pytest.approx(np.ptp(road[:, 0]), rel=0.05) and width < 0.1 * length


def _brute_force_clusters(pts: np.ndarray, distance: float) -> np.ndarray:
    """Single linkage from every pair's distance (numpy), clusters numbered by their first point."""
    from scipy.sparse.csgraph import connected_components

    d2 = ((pts[:, None, :] - pts[None, :, :]) ** 2).sum(axis=2)
    return connected_components(d2 <= distance * distance, directed=False)[1]


def _point_sets():
    rng = np.random.default_rng(16)
    uniform = rng.uniform(0, 1000, (400, 2))
    grid = np.column_stack([c.ravel() for c in np.meshgrid(np.arange(15.0), np.arange(12.0))])  # ties at 1 and √2
    dup = np.vstack([uniform[:150], uniform[:40], uniform[:40] + 1e-9])  # same sites, and within a nanometre
    clumps = np.vstack([rng.normal(c, 15, (60, 2)) for c in rng.uniform(0, 2000, (6, 2))])
    line = np.column_stack([np.sort(rng.uniform(0, 500, 80))] * 2)  # every point on one line: no triangle
    space = rng.uniform(0, 300, (200, 3))  # three coordinates: no triangulation, every pair
    # triplets of points about a nanometre apart at national-grid coordinates: qhull leaves some out, and two left
    # out can be within the distance of each other but not of the vertex they are nearest
    specks = np.repeat(uniform[:60], 3, axis=0) + rng.normal(0, 1e-9, (180, 2)) + [500000.0, 7000000.0]
    return {
        "uniform": uniform,
        "grid": grid,
        "dup": dup,
        "clumps": clumps,
        "line": line,
        "two": uniform[:2],
        "space": space,
        "specks": specks,
    }


@pytest.mark.parametrize("name", ["uniform", "grid", "dup", "clumps", "line", "two", "space", "specks"])
@pytest.mark.parametrize("distance", [0.0, 1e-9, 1e-6, 1.0, 12.0, 40.0, 90.0, 400.0])
def test_linked_clusters_as_every_pair_brute_force(name, distance):
    pts = _point_sets()[name]
    np.testing.assert_array_equal(linked_clusters(pts, distance), _brute_force_clusters(pts, distance))


def test_linked_clusters_of_a_dense_survey_list_no_pairs():
    """100,000 samples linked at 20 times their spacing (stray_points): every pair is ~1,200 per sample; the
    triangulation's edges are 3 per sample, so the memory stays that of the points."""
    import tracemalloc

    rng = np.random.default_rng(1)
    pts = rng.uniform(0, 158_000, (100_000, 2))
    tracemalloc.start()
    labels = linked_clusters(pts, 20 * 700.0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert labels.max() == 0
    assert peak < 200 * 2**20  # every pair: 120 million (1.9 GB as indices alone)


def test_cells_extrapolated_beyond_the_samples_hull_as_brute_force():
    """Sweep 23a: samples over a triangle (the south-west half of a 10 km square), gridded over their box + 5 %, as
    interpolate grids by default: the cells outside the triangle (shapely's convex hull) and farther than the
    samples' spacing (the hull's area per sample, from shapely too) from every sample (brute force) are the
    extrapolated ones; a MASK and a search radius count as they do for share_of_cells_far."""
    from shapely.geometry import MultiPoint, Point

    rng = np.random.default_rng(23)
    xy = rng.uniform(0, 10_000, (400, 2))
    xy = xy[xy.sum(axis=1) < 10_000]
    grid = GridSpec.from_extent(-500, -500, 10_500, 10_500, pixel_size=100)
    cx, cy = np.meshgrid(
        grid.xmin + (np.arange(grid.width) + 0.5) * 100, grid.ymax - (np.arange(grid.height) + 0.5) * 100
    )
    centres = np.column_stack([cx.ravel(), cy.ravel()])
    hull = MultiPoint([tuple(p) for p in xy]).convex_hull
    spacing = np.sqrt(hull.area / len(xy))
    outside = np.array([not hull.contains(Point(*c)) for c in centres])
    nearest = _nearest_brute(xy, centres)
    share, found = share_of_cells_extrapolated(xy, grid)
    assert found == pytest.approx(spacing)
    # cells on the hull's edge itself (none here) could go either way
    assert share == pytest.approx(np.mean(outside & (nearest > spacing)))
    assert 0.4 < share < 0.6  # the north-east half and the margins
    assert share_of_cells_extrapolated(xy, grid, within=2 * spacing)[0] == pytest.approx(
        np.mean(outside & (nearest > spacing) & (nearest <= 2 * spacing))
    )
    mask = np.zeros((grid.height, grid.width), dtype=bool)
    mask[grid.height // 2 :, :] = True  # the southern half only
    inside = mask.ravel()
    assert share_of_cells_extrapolated(xy, grid, mask)[0] == pytest.approx(
        np.mean((outside & (nearest > spacing))[inside])
    )
    line = np.column_stack([np.arange(10.0), np.zeros(10)])  # no area: nothing to tell inside from outside
    assert share_of_cells_extrapolated(line, grid) == (0.0, 0.0)
