"""Rebuild the .qml styles of prospector:anomalies with QGIS itself.

Run with QGIS's Python: QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/make_anomaly_styles.py
"""

import os
import re
import tempfile

from qgis.core import (
    QgsApplication,
    QgsCategorizedSymbolRenderer,
    QgsFillSymbol,
    QgsGraduatedSymbolRenderer,
    QgsLineSymbol,
    QgsMarkerSymbol,
    QgsPalettedRasterRenderer,
    QgsPalLayerSettings,
    QgsRasterLayer,
    QgsRendererCategory,
    QgsRendererRange,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor

STYLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "styles")
CLASS_COLOURS = {0: (235, 235, 235, 90), 1: (254, 217, 118, 255), 2: (253, 141, 60, 255), 3: (189, 0, 38, 255)}
LEVEL_NAMES = {1: "weak", 2: "moderate", 3: "strong"}
#: contour lines of each level and their width (mm): the class colours' pale yellow vanished on the map's grey, so
#: every line keeps at least the 3:1 contrast WCAG asks of graphics against it (tests/qgis/test_styles_contrast.py)
CONTOUR_LINES = {1: ((230, 85, 13), 0.4), 2: ((179, 0, 0), 0.55), 3: ((103, 0, 13), 0.8)}


def rgb(value):
    return ",".join(str(c) for c in CLASS_COLOURS[value][:3]) + ",255"


def raster_style(path):
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    tif = os.path.join(tempfile.mkdtemp(), "classes.tif")
    with rasterio.open(tif, "w", driver="GTiff", width=4, height=1, count=1, dtype="uint8", nodata=255,
                       transform=from_origin(0, 1, 1, 1)) as dst:  # fmt: skip
        dst.write(np.arange(4, dtype="uint8").reshape(1, 1, 4))
    layer = QgsRasterLayer(tif, "classes")
    labels = {0: "background", **LEVEL_NAMES}
    classes = [
        QgsPalettedRasterRenderer.Class(value, QColor(*colour), labels[value])
        for value, colour in CLASS_COLOURS.items()
    ]
    layer.setRenderer(QgsPalettedRasterRenderer(layer.dataProvider(), 1, classes))
    layer.saveNamedStyle(path)


def memory(kind, fields):
    return QgsVectorLayer(f"{kind}?crs=EPSG:3067&" + "&".join(f"field={f}" for f in fields), "tmp", "memory")


def contour_style(path):
    layer = memory("LineString", ["band:string", "level:string", "value:double"])
    categories = []
    for value, (colour, width) in CONTOUR_LINES.items():
        symbol = QgsLineSymbol.createSimple({"line_color": ",".join(str(c) for c in colour) + ",255"})
        symbol.setWidth(width)
        categories.append(QgsRendererCategory(LEVEL_NAMES[value], symbol, LEVEL_NAMES[value]))
    layer.setRenderer(QgsCategorizedSymbolRenderer("level", categories))
    layer.saveNamedStyle(path)


def area_style(path):
    layer = memory("Polygon", ["rank:integer", "score:double"])
    ranges = []
    bounds = [(0.0, 0.4), (0.4, 0.55), (0.55, 0.7), (0.7, 0.85), (0.85, 1.0)]
    colours = ["255,255,178", "254,204,92", "253,141,60", "240,59,32", "189,0,38"]
    for (lo, hi), colour in zip(bounds, colours):
        symbol = QgsFillSymbol.createSimple(
            {"color": colour + ",150", "outline_color": "80,0,0,255", "outline_width": "0.4"}
        )
        ranges.append(QgsRendererRange(lo, hi, symbol, f"score {lo:.2f} - {hi:.2f}"))
    layer.setRenderer(QgsGraduatedSymbolRenderer("score", ranges))
    settings = QgsPalLayerSettings()
    settings.fieldName = "rank"
    text = QgsTextFormat()
    text.setSize(9)
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    text.setBuffer(buffer)
    settings.setFormat(text)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)
    layer.saveNamedStyle(path)
    # no font family: QGIS then labels in the user's own application font, never warning that it is missing
    with open(path, encoding="utf-8") as handle:
        text = re.sub(r' fontFamily="[^"]*"', "", handle.read())
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def point_style(path):
    layer = memory("Point", ["max_level:integer", "elements:string"])
    categories = []
    for value, size in ((1, 1.6), (2, 2.4), (3, 3.2)):
        symbol = QgsMarkerSymbol.createSimple({"name": "circle", "color": rgb(value), "outline_color": "40,40,40,255"})
        symbol.setSize(size)
        categories.append(QgsRendererCategory(value, symbol, LEVEL_NAMES[value]))
    layer.setRenderer(QgsCategorizedSymbolRenderer("max_level", categories))
    layer.saveNamedStyle(path)


def main():
    app = QgsApplication([], False)
    app.initQgis()
    raster_style(os.path.join(STYLES, "anomaly_classes.qml"))
    contour_style(os.path.join(STYLES, "anomaly_contours.qml"))
    area_style(os.path.join(STYLES, "anomaly_areas.qml"))
    point_style(os.path.join(STYLES, "high_value_points.qml"))
    app.exitQgis()


if __name__ == "__main__":
    main()
