"""Pseudo-label report: settings in words with units, rounds in words, a map thumbnail whose PNG Pillow (the
independent reference decoder) reads back cell for cell."""

import base64
import io
import os
import re
import xml.etree.ElementTree as ET

import numpy as np
from PIL import Image

from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.reports.labels import setting_in_words, summary_lines, write_summary
from geochem_prospector.core.reports.thumbnail import (
    CLASS_COLOURS,
    UNLABELLED_COLOUR,
    class_image,
    label_map_svg,
    png_bytes,
)


def test_png_decodes_to_the_same_pixels():
    rgb = np.random.default_rng(0).integers(0, 256, size=(7, 11, 3), dtype=np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(png_bytes(rgb))).convert("RGB"))
    assert np.array_equal(decoded, rgb)


def test_class_image_blocks_keep_the_highest_class():
    labels = np.full((5, 6), -1)
    labels[0, 0] = 0
    labels[1, 1] = 1  # same 2x2 block as the barren cell: the block shows mineralised
    labels[4, 5] = 0
    image, step = class_image(labels, max_cells=3)
    assert step == 2 and image.shape == (3, 3, 3)
    assert tuple(image[0, 0]) == CLASS_COLOURS[1]
    assert tuple(image[2, 2]) == CLASS_COLOURS[0] and tuple(image[1, 1]) == UNLABELLED_COLOUR


def test_thumbnail_places_points_on_their_cells():
    grid = GridSpec(xmin=1000.0, ymax=2000.0, pixel_size=10.0, width=4, height=2)
    labels = np.array([[0, 1, -1, -1], [-1, -1, 0, 1]])
    svg = label_map_svg(labels, grid, [(1015.0, 1995.0), (np.nan, np.nan)], size=400)  # the centre of cell (0, 1)
    png = base64.b64decode(re.search(r"base64,([^\"]+)\"", svg).group(1))
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))[0, 1], CLASS_COLOURS[1])
    ((cx, cy),) = [tuple(map(float, m)) for m in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg)]
    # 4 cells over 400 px: 100 px a cell; cell (0, 1) spans x 100-200, y 24-124 (a 24 px title above)
    assert (cx, cy) == (150.0, 74.0)


def test_settings_and_rounds_in_words_with_units(tmp_path):
    assert setting_in_words("positive_radius", 2000.0) == (
        "Cells labelled mineralised around each mineralised point, within",
        "2,000 map units (metres in a metric CRS)",
    )
    assert setting_in_words("negative_buffer", 0.0)[1] == "0 (only the cell of the point)"
    assert setting_in_words("method", "pu_bagging") == ("Method", "PU bagging")
    assert setting_in_words("negative_quantile", 0.3)[1] == "30 % of scores"
    record = {
        "classes": [{"class_id": 1, "name": "mineralised", "seed": 3, "pseudo": 5, "total": 8, "share": 1.0}],
        "valid_cells": 100,
        "labelled_cells": 8,
        "unlabelled_cells": 92,
        "settings": {"method": "self_training", "positive_radius": 500.0, "growth": 0.5},
        "history": [
            {"round": 0, "added": 1234, "note": "reliable negatives from PU bagging"},
            {"round": 1, "added": 7},
        ],
        "warnings": [],
    }
    path = write_summary(str(tmp_path / "s.html"), record, thumbnail="<svg id='map'></svg>")
    text = open(path, encoding="utf-8").read()
    assert "self-training" in text and "500 map units" in text and "50 % of its size" in text
    assert "Round 0: 1,234 cells labelled (reliable negatives from PU bagging)" in text
    assert "Round 1: 7 cells labelled" in text and "<svg id='map'></svg>" in text
    assert "positive_radius" not in text and "{" not in text.split("<body>")[1]  # no snake_case, no raw JSON


def test_every_recorded_setting_is_in_words_and_counts_have_thousands_separators(tmp_path):
    """Every setting the core records (from a real run on a tiny scene, for each method) has words; the demo's
    summary showed 'bands', 'labelled_points', 'unlabelled_cells' raw and counts as '40219'."""
    from geochem_prospector.core.labels.pseudolabel import PseudoLabelSettings, pseudolabel
    from geochem_prospector.core.reports.labels import SETTING_WORDS

    rng = np.random.default_rng(0)
    grid = GridSpec(xmin=0.0, ymax=200.0, pixel_size=10.0, width=20, height=20)
    features = rng.normal(size=(2, 20, 20))
    points = np.array([[55.0, 145.0], [125.0, 65.0]])
    for method in ("pu_bagging", "label_spreading", "self_training"):
        recorded = pseudolabel(features, grid, points, settings=PseudoLabelSettings(method=method)).settings
        assert set(recorded) <= set(SETTING_WORDS), set(recorded) - set(SETTING_WORDS)
    for key, value in {"bands": 21, "labelled_points": 9, "unlabelled_cells": 33526}.items():
        label, text = setting_in_words(key, value)
        assert "_" not in label and text == f"{value:,}"
    record = {
        "classes": [{"class_id": 0, "name": "barren", "seed": 0, "pseudo": 39370, "total": 39370, "share": 0.979}],
        "valid_cells": 73745,
        "labelled_cells": 40219,
        "unlabelled_cells": 33526,
        "settings": {"bands": 21},
        "history": [],
        "warnings": [],
    }
    text = open(write_summary(str(tmp_path / "s.html"), record), encoding="utf-8").read()
    # 73,745 - 40,219 = 33,526 by hand
    assert "40,219 of 73,745 valid cells labelled; 33,526 left" in text and "<td>39,370</td>" in text


def test_thumbnail_tells_the_study_areas_edge_from_unlabelled_cells():
    """The demo's map drew unlabelled cells and cells outside the study area in the same grey: the area's edge was
    invisible. By hand: a 4 x 4 raster, the left column outside; with 2 x 2 blocks a block touching the area shows
    as inside."""
    from geochem_prospector.core.reports.thumbnail import OUTSIDE_COLOUR

    labels = np.full((4, 4), -1)
    labels[3, 3] = 1
    inside = np.ones((4, 4), bool)
    inside[:, 0] = False
    grid = GridSpec(xmin=0.0, ymax=40.0, pixel_size=10.0, width=4, height=4)
    png = base64.b64decode(re.search(r"base64,([^\"]+)\"", label_map_svg(labels, grid, inside=inside)).group(1))
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert [tuple(image[r, 0]) for r in range(4)] == [OUTSIDE_COLOUR] * 4
    assert tuple(image[0, 1]) == UNLABELLED_COLOUR and tuple(image[3, 3]) == CLASS_COLOURS[1]
    assert OUTSIDE_COLOUR != UNLABELLED_COLOUR
    blocks, step = class_image(np.where(inside, labels, -2), max_cells=2)
    assert step == 2 and tuple(blocks[0, 0]) == UNLABELLED_COLOUR  # half outside, half unlabelled: inside


def test_thumbnail_classes_have_the_map_layers_colours():
    """The report's map and the pseudo-label layer (its QML palette, read here as XML) colour each class alike."""
    qml = os.path.join(os.path.dirname(__file__), "..", "..", "..", "resources", "styles", "pseudolabels.qml")
    palette = {
        int(entry.get("value")): tuple(int(entry.get("color")[i : i + 2], 16) for i in (1, 3, 5))
        for entry in ET.parse(qml).iter("paletteEntry")
    }
    assert palette and palette == CLASS_COLOURS
    assert UNLABELLED_COLOUR not in palette.values()


def test_label_map_fills_the_mineralised_points_purple_and_the_barren_white():
    """Sweep 22a: 16 mineralised among 155 labelled Meuse samples were all white dots on the summary's map. Counted
    by hand: the points on the grid, by class."""
    from geochem_prospector.core.reports.thumbnail import CLASS_COLOURS, label_map_svg

    grid = GridSpec(xmin=0.0, ymax=1000.0, pixel_size=10.0, width=100, height=100, crs_wkt="")
    rng = np.random.default_rng(3)
    xy = [tuple(p) for p in rng.uniform(5, 995, size=(40, 2))] + [(5000.0, 5000.0)]  # the last off the grid
    classes = [1] * 7 + [0] * 33 + [1]
    svg = label_map_svg(np.zeros((100, 100)), grid, xy, point_classes=classes)
    purple = "#{:02x}{:02x}{:02x}".format(*CLASS_COLOURS[1])
    fills = re.findall(r'<circle [^>]*fill="(#[0-9a-f]{6})"', svg)
    assert fills.count(purple) == 7 and fills.count("#ffffff") == 33
    assert fills[-7:] == [purple] * 7  # drawn last, on top of barren dots nearby
    assert (
        re.findall(r'<circle [^>]*fill="(#[0-9a-f]{6})"', label_map_svg(np.zeros((100, 100)), grid, xy[:3]))
        == [purple] * 3
    )  # no classes given: every point is mineralised


def test_summary_lines_say_each_class_then_the_unlabelled_cells():
    record = {
        "classes": [
            {"class_id": 0, "name": "barren", "seed": 4, "pseudo": 395, "share": 0.638125},
            {"class_id": 1, "name": "Au + Cu", "seed": 12, "pseudo": 215, "share": 0.361875},
        ],
        "valid_cells": 900,
        "unlabelled_cells": 274,
    }
    assert summary_lines(record) == [  # written out by hand
        "class 0 (barren): 4 seed + 395 pseudo-labelled cells = 63.8 % of the labelled cells",
        "class 1 (Au + Cu): 12 seed + 215 pseudo-labelled cells = 36.2 % of the labelled cells",
        "274 of 900 valid cells left unlabelled.",
    ]
    assert summary_lines({"classes": [], "valid_cells": 0, "unlabelled_cells": 0}) == [
        "0 of 0 valid cells left unlabelled."
    ]
