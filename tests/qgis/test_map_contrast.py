"""What a geologist can see on the demo map: every anomaly contour and the lithology's legend swatch stand out from
what they are drawn on by at least the 3:1 contrast WCAG 2.1 (SC 1.4.11, non-text contrast) asks of graphics.

Reference: the WCAG relative-luminance formula, applied to the colours the .qml files hold and to the pixels QGIS
draws, not to anything this project computed."""

import os
import sys
import xml.etree.ElementTree as ET

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "scripts"))


def luminance(rgb):
    """WCAG 2.1 relative luminance of an sRGB colour (0-255 channels)."""
    channels = [c / 255 for c in rgb]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def hex_rgb(colour):
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def contour_colours():
    """level -> (r, g, b) of each category's line in anomaly_contours.qml."""
    from geochem_prospector.algorithms.base import STYLES_DIR

    root = ET.parse(os.path.join(STYLES_DIR, "anomaly_contours.qml")).getroot()
    symbols = {s.get("name"): s for s in root.iter("symbol")}
    colours = {}
    for category in root.iter("category"):
        value = symbols[category.get("symbol")].find(".//Option[@name='line_color']").get("value")
        colours[category.get("value")] = tuple(int(c) for c in value.split(",")[:3])
    return colours


def test_every_anomaly_contour_stands_out_from_the_map_background(qgis_app):
    """The weak contour (pale yellow 254,217,118) was 1.1:1 on the prospectivity map's grey: invisible."""
    from geochem_prospector.algorithms.layers import RANK_COLOURS

    colours = contour_colours()
    assert list(colours) == ["weak", "moderate", "strong"]
    for background in (hex_rgb(RANK_COLOURS[0]), (255, 255, 255)):  # the rest of the area; the legend's page
        for level, colour in colours.items():
            assert contrast(colour, background) >= 3.0, (level, colour, background)
    darkness = [luminance(c) for c in colours.values()]
    assert darkness == sorted(darkness, reverse=True)  # stronger anomalies darker


def test_lithology_legend_swatch_shows_an_outline_not_a_white_box(qgis_app):
    """The demo legend's lithology swatch (outline 110 grey, 0.12 mm) rendered as a white box: its darkest pixel
    over white reached only 1.8:1. Drawn as QGIS draws the legend patch (7 x 4 mm)."""
    from qgis.core import QgsFillSymbol
    from qgis.PyQt.QtCore import QSize
    from render import LITHOLOGY

    style = {k: v for k, v in LITHOLOGY[2].items() if k != "kind"}
    image = QgsFillSymbol.createSimple(style).asImage(QSize(30, 17))
    pixels = np.array([[image.pixelColor(x, y).getRgb() for x in range(30)] for y in range(17)], float)
    alpha = pixels[..., 3:] / 255
    over_white = pixels[..., :3] * alpha + 255 * (1 - alpha)
    darkest = over_white[np.unravel_index(np.argmin(over_white.sum(axis=2)), over_white.shape[:2])]
    assert contrast(darkest, (255, 255, 255)) >= 3.0
