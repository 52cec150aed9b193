"""Write resources/styles/sample_*.qml, the styles of the bundled sample layers (run with QGIS's Python).

QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/make_sample_styles.py
"""

import os
import random

from qgis.core import (
    QgsApplication,
    QgsCategorizedSymbolRenderer,
    QgsColorRampShader,
    QgsFillSymbol,
    QgsLineSymbol,
    QgsMarkerSymbol,
    QgsRasterLayer,
    QgsRasterShader,
    QgsRendererCategory,
    QgsSingleBandPseudoColorRenderer,
    QgsSingleSymbolRenderer,
    QgsStyle,
    QgsVectorLayer,
)
from qgis.PyQt.QtGui import QColor

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(REPO, "resources", "sample_data")
STYLES = os.path.join(REPO, "resources", "styles")


def vector(name):
    return QgsVectorLayer(os.path.join(DATA, f"{name}.gpkg"), name, "ogr")


def save(layer, name):
    path = os.path.join(STYLES, f"sample_{name}.qml")
    message, ok = layer.saveNamedStyle(path)
    assert ok, message
    print(path)


def main():
    app = QgsApplication([], False)
    app.initQgis()
    layer = vector("till_geochemistry")
    symbol = QgsMarkerSymbol.createSimple(
        {"name": "circle", "size": "1.1", "color": "35,35,70,170", "outline_style": "no"}
    )
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    save(layer, "till_geochemistry")

    layer = vector("deposits")
    symbol = QgsMarkerSymbol.createSimple(
        {"name": "star", "size": "4.2", "color": "220,20,60", "outline_color": "255,255,255", "outline_width": "0.3"}
    )
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    save(layer, "deposits")

    layer = vector("faults")
    layer.setRenderer(QgsSingleSymbolRenderer(QgsLineSymbol.createSimple({"color": "120,30,30", "width": "0.45"})))
    save(layer, "faults")

    layer = vector("study_area")
    symbol = QgsFillSymbol.createSimple(
        {"style": "no", "outline_color": "0,0,0", "outline_width": "0.6", "outline_style": "dash"}
    )
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    save(layer, "study_area")

    layer = vector("lithology")
    index = layer.fields().indexOf("GENERALI_1")
    values = sorted(v for v in layer.uniqueValues(index) if v)
    rng = random.Random(7)
    categories = []
    for value in values:
        colour = QColor.fromHsv(rng.randrange(0, 360), 60 + rng.randrange(0, 60), 200 + rng.randrange(0, 50))
        symbol = QgsFillSymbol.createSimple(
            {"color": colour.name(), "outline_color": "120,120,120", "outline_width": "0.1"}
        )
        categories.append(QgsRendererCategory(value, symbol, value))
    layer.setRenderer(QgsCategorizedSymbolRenderer("GENERALI_1", categories))
    layer.setOpacity(0.55)
    save(layer, "lithology")

    layer = QgsRasterLayer(os.path.join(DATA, "magnetics_tmi_nT.tif"), "magnetics")
    lo, hi = layer.dataProvider().cumulativeCut(1, 0.02, 0.98)
    ramp = QgsStyle.defaultStyle().colorRamp("Spectral")
    ramp.invert()
    shader_fn = QgsColorRampShader(lo, hi, ramp, QgsColorRampShader.Interpolated, QgsColorRampShader.Continuous)
    shader_fn.classifyColorRamp(7)
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(shader_fn)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader)
    renderer.setClassificationMin(lo)
    renderer.setClassificationMax(hi)
    layer.setRenderer(renderer)
    layer.setOpacity(0.8)
    save(layer, "magnetics")
    app.exitQgis()


if __name__ == "__main__":
    main()
