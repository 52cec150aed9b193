"""Lithology as overlays leave it: geometry collections holding stray lines and points beside the polygon (which
were burnt as cells of the class, and whose boundary GEOS cannot take), and polygons of different classes that
overlap (the later one's class wins, as gdal_rasterize decides; the algorithm says so)."""

import numpy as np
from shapely import wkt

from geochem_prospector.core.evidence.polygons import PolygonEvidence, overlaps_between_classes, polygonal
from geochem_prospector.core.grid import GridSpec

WEST = wkt.loads("POLYGON ((0 0, 5 0, 5 10, 0 10, 0 0))")
EAST_WITH_STRAYS = wkt.loads(
    "GEOMETRYCOLLECTION (POLYGON ((5 0, 10 0, 10 10, 5 10, 5 0)), LINESTRING (0 0, 10 10), POINT (1 1))"
)


def test_the_polygons_of_a_collection_are_kept_and_its_lines_and_points_left_out():
    east = polygonal(EAST_WITH_STRAYS)
    assert east.geom_type == "Polygon" and abs(east.area - 50.0) < 1e-9
    assert polygonal(WEST) is WEST
    assert polygonal(wkt.loads("LINESTRING (0 0, 1 1)")) is None
    nested = wkt.loads("GEOMETRYCOLLECTION (GEOMETRYCOLLECTION (POLYGON ((0 0, 1 0, 1 1, 0 0))), POINT (3 3))")
    assert abs(polygonal(nested).area - 0.5) < 1e-9


def test_class_bands_and_contacts_of_a_collection():
    grid = GridSpec(0.0, 10.0, 1.0, 10, 10)
    evidence = PolygonEvidence("lith", [WEST, EAST_WITH_STRAYS], ["granite", "schist"], ["granite", "schist"], grid)
    assert evidence.not_polygons == 1
    granite, schist, distance = evidence.window(grid, 0, 10, 0, 10)
    x = np.arange(10) + 0.5  # cell centres; by hand: granite west of x = 5, schist east, the contact x = 5
    np.testing.assert_array_equal(schist, np.tile((x > 5).astype(np.float32), (10, 1)))
    np.testing.assert_array_equal(granite, np.tile((x < 5).astype(np.float32), (10, 1)))
    np.testing.assert_allclose(distance, np.tile(np.abs(x - 5), (10, 1)), atol=1e-6)


def test_overlaps_between_classes_by_hand():
    a = wkt.loads("POLYGON ((0 0, 6 0, 6 10, 0 10, 0 0))")
    b = wkt.loads("POLYGON ((4 0, 10 0, 10 10, 4 10, 4 0))")
    c = wkt.loads("POLYGON ((20 0, 30 0, 30 10, 20 10, 20 0))")  # apart
    same = wkt.loads("POLYGON ((5 0, 7 0, 7 10, 5 10, 5 0))")  # overlaps a and b, the class of b
    pairs = overlaps_between_classes([a, b, c, same], ["granite", "schist", "gabbro", "schist"])
    assert [(i, j) for i, j, _ in pairs] == [(0, 1), (0, 3)]  # b and its own class's polygon are no conflict
    assert abs(pairs[0][2] - 20.0) < 1e-9 and abs(pairs[1][2] - 10.0) < 1e-9  # 2 x 10 and 1 x 10
    assert overlaps_between_classes([a, b], ["granite", None]) == []  # no class: not rasterized
    assert overlaps_between_classes([a, b], ["granite", "schist"], min_area=25.0) == []


def test_overlaps_between_classes_equal_a_brute_force_over_every_pair():
    """A tessellation of 20 x 20 unit squares (edges shared, never an overlap) with 30 random boxes laid over it,
    one of them invalid (a bow tie): the sweep finds exactly the pairs, and areas, that intersecting every pair of
    polygons of different classes finds."""
    from shapely.geometry import Polygon, box
    from shapely.validation import make_valid

    rng = np.random.default_rng(5)
    shapes = [box(x, y, x + 1, y + 1) for x in range(20) for y in range(20)]
    shapes += [box(x, y, x + w, y + h) for x, y, w, h in rng.uniform([0, 0, 0.2, 0.2], [19, 19, 4, 4], (30, 4))]
    shapes.append(Polygon([(2, 2), (6, 6), (6, 2), (2, 6)]))  # self-crossing
    labels = [f"unit {k}" for k in rng.integers(0, 4, len(shapes))]
    expected = []
    for i in range(len(shapes)):
        for j in range(i + 1, len(shapes)):
            if labels[i] != labels[j]:
                area = make_valid(shapes[i]).intersection(make_valid(shapes[j])).area
                if area > 0.01:
                    expected.append((i, j, area))
    found = overlaps_between_classes(shapes, labels, min_area=0.01)
    assert [(i, j) for i, j, _ in found] == [(i, j) for i, j, _ in expected]
    np.testing.assert_allclose([a for _, _, a in found], [a for _, _, a in expected], rtol=1e-9)
    assert len(expected) > 50  # the overlaid boxes do overlap squares of other classes
