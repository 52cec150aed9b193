"""Lithology drawn with a self-intersecting (bow-tie) polygon: the contacts follow both lobes, as its class band does.

Before the fix the polygon was repaired with ``buffer(0)``, which keeps one lobe of a bow-tie: the contact with the
unit beside the lost lobe vanished (it became the map's outline), while the class band, rasterized from the
polygon as drawn, still covered that lobe.
"""

import numpy as np
from shapely import wkt

from geochem_prospector.core.evidence.polygons import PolygonEvidence, contact_lines, valid_polygon
from geochem_prospector.core.grid import GridSpec

BOWTIE = wkt.loads("POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))")  # lobes: x 0-5 and x 5-10, touching at (5, 5)
WEST = wkt.loads("POLYGON ((-10 0, 0 0, 0 10, -10 10, -10 0))")
EAST = wkt.loads("POLYGON ((10 0, 20 0, 20 10, 10 10, 10 0))")


def test_a_bow_tie_is_repaired_with_both_lobes():
    fixed = valid_polygon(BOWTIE)
    assert fixed.is_valid and abs(fixed.area - 50.0) < 1e-9  # two triangles of 25 (by hand)
    assert fixed.contains(wkt.loads("POINT (1 5)")) and fixed.contains(wkt.loads("POINT (9 5)"))


def test_contacts_of_a_bow_tie_follow_both_lobes():
    lines = contact_lines([WEST, BOWTIE, EAST], ["schist", "granite", "gabbro"])
    # by hand: the granite touches the schist along x = 0 and the gabbro along x = 10, each 10 long; the lobes'
    # diagonal edges face no other unit (the map's outline)
    assert len(lines) == 1 and abs(lines[0].length - 20.0) < 1e-3  # less the outline's tolerance at the ends
    assert lines[0].distance(wkt.loads("POINT (0 5)")) < 1e-9 and lines[0].distance(wkt.loads("POINT (10 5)")) < 1e-9


def test_class_band_and_contact_distance_agree_on_the_lobes():
    grid = GridSpec(-10.0, 10.0, 1.0, 30, 10)
    evidence = PolygonEvidence("lith", [WEST, BOWTIE, EAST], ["schist", "granite", "gabbro"], ["granite"], grid)
    granite, distance = evidence.window(grid, 0, 10, 0, 30)
    # brute force: a cell is granite where its centre lies in either lobe; the contact distance there is the
    # distance to the nearer of x = 0 and x = 10
    lobes = valid_polygon(BOWTIE)
    checked = 0
    for r in range(10):
        for c in range(30):
            x, y = -10 + c + 0.5, 10 - r - 0.5
            centre = wkt.loads(f"POINT ({x} {y})")
            if lobes.boundary.distance(centre) < 1e-9:  # on an edge: which side a rasterizer takes is its own rule
                continue
            inside = lobes.contains(centre)
            assert granite[r, c] == float(inside), (x, y)
            if inside:
                assert np.isclose(distance[r, c], min(abs(x), abs(x - 10)), atol=1e-6), (x, y, distance[r, c])
                checked += 1
    assert checked > 30  # cells of both lobes
