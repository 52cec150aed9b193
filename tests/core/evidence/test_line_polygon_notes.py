"""The words evidence gives about line and polygon layers, the band-name refusal, the colour note and the reference
grid (:mod:`core.evidence.line_notes`, :mod:`core.evidence.polygon_notes`, moved out of the evidence adapter),
against counts, areas and distances worked out here by brute force and with shapely."""

import math
import re
from types import SimpleNamespace

import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.evidence import line_notes, polygon_notes
from geochem_prospector.core.evidence.bands import BandSpec, refuse_repeated_bands
from geochem_prospector.core.evidence.rasters import colour_note
from geochem_prospector.core.evidence.stack import reference_grid
from geochem_prospector.core.grid import GridSpec

CRS = "EPSG:3067"
GRID = GridSpec(0.0, 4000.0, 100.0, 30, 40, CRS)  # 3 km x 4 km: a 5 km diagonal


def _number(text: str, pattern: str) -> float:
    return float(re.search(pattern, text).group(1).replace(",", ""))


# ---- lines ----------------------------------------------------------------------------------------------------


def test_density_radius_limits_are_a_cell_and_the_diagonal():
    diagonal = math.dist((GRID.xmin, GRID.ymin), (GRID.xmax, GRID.ymax))  # corner to corner, by hand
    assert diagonal == pytest.approx(5000.0)
    for fine in (0.0, GRID.pixel_size, 1000.0, diagonal):
        line_notes.check_density_radius(fine, GRID)
    with pytest.raises(InputError, match=r"^DENSITY_RADIUS: 50 m is smaller than a cell \(100 m\)"):
        line_notes.check_density_radius(50.0, GRID)
    with pytest.raises(InputError, match=r"^DENSITY_RADIUS: 5001 m is more than the grid's whole diagonal \(5000 m\)"):
        line_notes.check_density_radius(diagonal + 1, GRID)


def test_zero_length_lines_are_counted_among_the_drawn_ones():
    lines = [
        LineString([(0, 0), (10, 0)]),
        LineString([(5, 5), (5, 5)]),  # every vertex in one place
        None,
        LineString([(1, 1), (1, 1), (1, 1)]),
        LineString(),
    ]
    drawn = [g for g in lines if g is not None and len(g.coords)]
    collapsed = sum(1 for g in drawn if len({tuple(c) for c in g.coords}) == 1)  # brute force on the vertices
    note = line_notes.zero_length_note("faults", lines)
    assert note.startswith(f"LINES: {collapsed} of the {len(drawn)} lines of 'faults' have zero length")
    assert line_notes.zero_length_note("faults", lines[:1]) == ""
    assert " has zero " in line_notes.zero_length_note("faults", lines[:2])


def test_kind_fields_keep_few_repeating_values_kind_names_first_then_fewest():
    candidates = [
        ("remark", ["a", "b"]),  # two values: kept here (the adapter skips names before reading them)
        ("fault_type", ["thrust", "normal", "thrust", " normal ", None, "NULL", ""]),
        ("zone", ["a", "b", "c"]),
        ("unique", [str(i) for i in range(21)]),  # more than 20 values
        ("one", ["x"]),
    ]
    found = line_notes.kind_fields(candidates, count=25)
    # brute force: distinct cleaned values, 2 to min(20, count - 1), ranked (not a kind name, values, name)
    expected = []
    for name, raw in candidates:
        values = sorted({str(v).strip() for v in raw if v is not None and str(v).strip() and str(v).strip() != "NULL"})
        if 2 <= len(values) <= 20:
            expected.append((0 if re.search("typ|kind|class|struct", name) else 1, len(values), name, values))
    assert found == [(name, values) for _, _, name, values in sorted(expected)]
    assert found[0] == ("fault_type", ["normal", "thrust"])
    assert line_notes.kind_fields(candidates, count=2) == []
    assert line_notes.kind_fields([("kind", ["a", "b", "c"])], count=3) == []  # a value per feature: not kinds
    assert not line_notes.could_hold_kinds("NAME") and not line_notes.could_hold_kinds("fault_id")
    assert line_notes.could_hold_kinds("fault_type")


def test_kind_field_note_names_the_first_field_and_the_second():
    kinds = [("type", ["a", "b", "c", "d", "e"]), ("zone", ["x", "y"]), ("third", ["p", "q"])]
    note = line_notes.kind_field_note("faults", kinds)
    assert "its field 'type' (5 values: 'a', 'b', 'c', 'd', …) and 'zone' are not used" in note
    assert "'third'" not in note
    assert "(2 values: 'x', 'y') is not used" in line_notes.kind_field_note("faults", kinds[1:2])
    assert line_notes.kind_field_note("faults", []) == ""


def test_repeated_and_near_duplicate_notes_give_their_counts():
    assert line_notes.repeated_lines_note("f", 0, 0, 0) == ""
    note = line_notes.repeated_lines_note("f", 1200, 0, 3)
    assert note.startswith(
        "LINES: 1,200 feature(s) of 'f' repeat another exactly and 3 segment(s) of 'f' share part of their length"
    )
    assert "2 segment(s) repeat one of another feature (" in line_notes.repeated_lines_note("f", 0, 2, 0)
    assert line_notes.near_duplicate_note("f", 0, 10.0, 500.0, GRID) == ""
    near = line_notes.near_duplicate_note("f", 4, 10.0, 2500.0, GRID)
    assert "4 feature(s) of 'f' run within 10 m (a tenth of a cell) of an earlier one over 2500 m in all" in near
    assert "Lines a cell (100 m) or more apart" in near
    assert line_notes.intersections_info("f", 1) == "f: 1 intersection of lines"
    assert line_notes.intersections_info("f", 12345) == "f: 12,345 intersections of lines"


# ---- polygons -------------------------------------------------------------------------------------------------


def test_unclassed_note_counts_the_polygons_without_a_class():
    labels = ["granite", None, "gabbro", None, "granite"]
    note = polygon_notes.unclassed_note("geology", "rock", labels)
    assert note.startswith(f"POLYGONS: {labels.count(None)} of {len(labels)} polygons of 'geology' have no value")
    assert polygon_notes.unclassed_note("geology", "rock", ["a", "b"]) == ""
    assert polygon_notes.unclassed_note("geology", "rock", [None, None]) == ""  # refused elsewhere


def test_spelling_notes_one_per_merged_class():
    merged = {"Granite": ["Granite", "granite"], "Schist": ["Schist", "SCHIST", "schist"]}
    notes = polygon_notes.spelling_notes("geology", "rock", merged)
    assert notes == [
        "CLASS_FIELD: 'Granite' and 'granite' in 'rock' of 'geology' differ only in capitals: read as one class, "
        "'Granite' (one band, no contact between them).",
        "CLASS_FIELD: 'Schist' and 'SCHIST' and 'schist' in 'rock' of 'geology' differ only in capitals: read as one "
        "class, 'Schist' (one band, no contact between them).",
    ]


def test_wanted_classes_split_on_both_semicolons_and_take_the_map_spelling():
    labels = ["Granite", "Mica schist", None]
    assert polygon_notes.wanted_classes("granite；  mica  schist ; ;basalt", labels) == [
        "Granite",
        "Mica schist",
        "basalt",
    ]
    assert polygon_notes.wanted_classes("", labels) == []


def test_class_fields_repeat_text_first_then_most_values():
    candidates = [
        ("fid", False, list(range(6))),  # a value per polygon: read only up to polygons // 2 + 1
        ("rock", True, ["a", "b", "c", None, "NULL", " "]),
        ("age", False, [1, 2, 3, 4]),
        ("group", True, ["x", "y"]),
        ("flag", True, ["only"]),
    ]
    polygons = 10
    expected = []
    for name, text, raw in candidates:
        n = len({v for v in raw if v is not None and str(v).strip() and str(v) != "NULL"})
        if 2 <= n <= polygons // 2:
            expected.append((not text, -n, name))
    assert polygon_notes.class_fields(candidates, polygons) == [(name, -n) for _, n, name in sorted(expected)]
    assert polygon_notes.class_fields(candidates, polygons) == [("rock", 3), ("group", 2), ("age", 4)]


def test_single_class_and_no_contacts():
    assert "holds one class ('river')" in polygon_notes.single_class_note("rivers", ["river", None, "river"])
    assert polygon_notes.single_class_note("geology", ["a", "b"]) == ""
    one = polygon_notes.no_contacts_error("rivers", ["river", "river"], GRID)
    assert (
        str(one) == "CONTACTS: every polygon of 'rivers' holds one class, so there are no contacts; turn CONTACTS off."
    )
    apart = polygon_notes.no_contacts_error("geology", ["a", "b"], GRID)
    assert str(apart).startswith("CONTACTS: no polygons of different classes in 'geology' touch")
    assert "half a cell, 50 m)" in str(apart)


def _centres_outside(geometries, grid, mask=None):
    """Brute force: the cell centres within ``mask`` (all without one) that lie in none of ``geometries``."""
    inside = outside = 0
    for row in range(grid.height):
        for col in range(grid.width):
            p = Point(grid.xmin + (col + 0.5) * grid.pixel_size, grid.ymax - (row + 0.5) * grid.pixel_size)
            if mask is not None and not any(m.contains(p) for m in mask):
                continue
            inside += 1
            outside += not any(g.contains(p) for g in geometries)
    return outside, inside


def test_uncovered_share_matches_a_count_of_cell_centres():
    # a map over the western 2 km of the 3 km grid, on cell edges: its share is exact in cells
    geometries = [box(0, 0, 1000, 4000), box(1000, 0, 2000, 4000)]
    outside, cells = _centres_outside(geometries, GRID)
    warning, debug = polygon_notes.uncovered_note("geology", geometries, GRID)
    assert debug == ""
    assert f"{round(100 * outside / cells)} % of the grid (about {outside:,} of its {cells:,} cells)" in warning
    mask = [box(0, 0, 3000, 2000)]
    outside, cells = _centres_outside(geometries, GRID, mask)
    warning, _ = polygon_notes.uncovered_note("geology", geometries, GRID, mask)
    assert f"of the grid within the MASK (about {outside:,} of its {cells:,} cells)" in warning
    assert polygon_notes.uncovered_note("geology", [box(-10, -10, 4000, 5000)], GRID) == ("", "")
    # under a cell and 1 %: no word
    assert polygon_notes.uncovered_note("geology", [box(0, 0, 3000, 3990)], GRID) == ("", "")


def test_overlaps_note_gives_the_overlap_in_cells():
    geometries = [box(0, 0, 1000, 1000), box(500, 500, 1500, 1500), box(2000, 0, 2500, 500)]
    labels = ["granite", "gabbro", "granite"]
    area = geometries[0].intersection(geometries[1]).area  # shapely, by hand: 500 x 500
    note = polygon_notes.overlaps_note("geology", geometries, labels, ["granite", "gabbro"], GRID)
    assert f"1 pair(s) of polygons of different classes overlap in 'geology' (about {area / 100**2:,.0f} cells" in note
    assert "e.g. 'gabbro' over 'granite'" in note
    assert polygon_notes.overlaps_note("geology", geometries, labels, ["granite"], GRID) == ""  # gabbro not used
    assert polygon_notes.collections_note("geology", 0) == ""
    assert polygon_notes.collections_note("geology", 2).startswith("POLYGONS: 2 feature(s) of 'geology' hold lines")
    assert (
        polygon_notes.classes_info("geology", "rock", ["a", "b"]) == "geology: 2 class band(s) from field 'rock': a; b"
    )


# ---- bands, rasters, the reference grid -----------------------------------------------------------------------


def _source(layer, *names):
    return SimpleNamespace(layer=layer, bands=[BandSpec(n, "m", "distance", layer) for n in names])


def test_repeated_bands_name_the_later_parameter_and_the_files():
    first, second = _source("mag", "mag:tmi"), _source("mag", "mag:tmi")
    refuse_repeated_bands([first, _source("grav", "grav:bouguer")], ["CONTINUOUS_RASTERS"] * 2)
    with pytest.raises(InputError, match=r"^CONTINUOUS_RASTERS: 'mag' gives bands named like those of "
                                         r"REFERENCE_RASTER \(REFERENCE_BANDS\) \(mag:tmi\): the same layer twice.* REFERENCE_BANDS already"):  # fmt: skip
        refuse_repeated_bands([first, second], ["REFERENCE_RASTER (REFERENCE_BANDS)", "CONTINUOUS_RASTERS"])
    with pytest.raises(InputError, match=r"two files of one name \(/a/mag.tif and /b/mag.tif\)"):
        refuse_repeated_bands([first, second], ["CONTINUOUS_RASTERS"] * 2, ["/a/mag.tif", "/b/mag.tif"])
    with pytest.raises(InputError, match="the same layer twice"):
        refuse_repeated_bands([first, second], ["CONTINUOUS_RASTERS"] * 2, ["/a/mag.tif", "/a/./mag.tif"])


def test_colour_note():
    assert colour_note("geology", "CONTINUOUS_RASTERS", "palette", True).startswith(
        "CONTINUOUS_RASTERS: 'geology' has a colour table"
    )
    assert colour_note("geology", "CATEGORICAL_RASTERS", "palette", False) == ""
    assert colour_note("map", "REFERENCE_RASTER", "rgb", False).startswith(
        "REFERENCE_RASTER: 'map' has its bands marked red, green and blue"
    )
    assert colour_note("mag", "CONTINUOUS_RASTERS", "", True) == ""


def test_reference_grid_takes_north_up_square_cells_only():
    from affine import Affine

    grid = reference_grid(Affine(200.0, 0.0, 1000.0, 0.0, -200.0, 9000.0), 30, 20, CRS)
    assert (grid.xmin, grid.ymax, grid.pixel_size, grid.width, grid.height) == (1000.0, 9000.0, 200.0, 30, 20)
    # the cell centres GridSpec gives are those of the affine, worked out by hand
    xs, ys = grid.cell_centres(0, 1)
    assert np.asarray(xs).ravel()[0] == pytest.approx(1100.0) and np.asarray(ys).ravel()[0] == pytest.approx(8900.0)
    for t in (
        Affine.translation(1000, 9000) * Affine.rotation(10) * Affine.scale(200, -200),  # rotated
        Affine(200.0, 0.0, 1000.0, 0.0, 200.0, 9000.0),  # bottom-up
        Affine(200.0, 0.0, 1000.0, 0.0, -100.0, 9000.0),  # oblong cells
    ):
        with pytest.raises(InputError, match=r"^REFERENCE_RASTER: the reference raster must be north-up"):
            reference_grid(t, 30, 20, CRS)
