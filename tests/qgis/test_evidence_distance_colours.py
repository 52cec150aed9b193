"""The evidence stack as it loads: band 1, a distance to faults, was coloured red far from the faults and blue on
them (sweep 32a), so the map's warm colours marked the ground the evidence speaks against. A distance band shown
first now takes the style's ramp turned round; any other band keeps it. The reference is the style file's own ramp
(its two end colours), read by QGIS from the .qml, and the map QGIS renders at a cell on a fault."""

import os

import pytest

from tests.qgis.test_evidence_alg import AREA, FAULTS, SAMPLES


def _ramp_ends():
    """The colours of element_pseudocolor.qml's ramp at its low and high ends, as QGIS reads the file."""
    from qgis.core import QgsRasterLayer

    from geochem_prospector.algorithms.base import STYLES_DIR

    layer = QgsRasterLayer(os.path.join(SAMPLES, "magnetics_tmi_nT.tif"), "reference")
    layer.loadNamedStyle(os.path.join(STYLES_DIR, "element_pseudocolor.qml"))
    ramp = layer.renderer().shader().rasterShaderFunction().sourceColorRamp()
    ends = (ramp.color(0.0).name(), ramp.color(1.0).name())
    del layer
    return ends


def _loaded(parameters):
    """The evidence stack run as the desktop runs it and loaded into the project."""
    import processing
    from qgis.core import QgsProject

    out = processing.runAndLoadResults("prospector:evidence", parameters)["OUTPUT"]
    found = [layer for layer in QgsProject.instance().mapLayers().values() if layer.source() == out]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("first", ["faults", "magnetics"])
def test_a_distance_band_shown_first_is_warm_near_the_faults(prospector_provider, tmp_path, first):
    from qgis.core import QgsProject

    low, high = _ramp_ends()
    assert low != high
    magnetics = os.path.join(SAMPLES, "magnetics_tmi_nT.tif")
    inputs = {"LINES": [FAULTS]} if first == "faults" else {"CONTINUOUS_RASTERS": [magnetics]}
    parameters = {"PIXEL_SIZE": 2000, "MASK": AREA, "OUTPUT": str(tmp_path / "evidence.tif"), **inputs}
    project = QgsProject.instance()
    try:
        layer = _loaded(parameters)
        renderer = layer.renderer()
        assert renderer.band() == 1
        items = renderer.shader().rasterShaderFunction().colorRampItemList()
        at_min, at_max = items[0].color.name(), items[-1].color.name()
        if first == "faults":
            # the smallest distances (on the faults) in the ramp's warm end
            assert (at_min, at_max) == (high, low)
            # on a fault (a cell centre within one 2 km cell of it) the map is nearer the warm end than the cool one
            value, found = layer.dataProvider().sample(_on_a_fault(layer), 1)
            assert found and value < 2000
            colour = renderer.shader().shade(value)[1:4]
            assert _apart(colour, _rgb(high)) < _apart(colour, _rgb(low)), (value, colour)
        else:
            assert (at_min, at_max) == (low, high)
    finally:
        project.removeAllMapLayers()


def _on_a_fault(layer):
    """A point on the first fault inside the layer's extent."""
    import geopandas as gpd
    from qgis.core import QgsPointXY

    extent = layer.extent()
    for line in gpd.read_file(FAULTS).to_crs(layer.crs().authid()).geometry:
        for x, y in line.coords:
            if extent.xMinimum() < x < extent.xMaximum() and extent.yMinimum() < y < extent.yMaximum():
                point = QgsPointXY(x, y)
                if layer.dataProvider().sample(point, 1)[1]:
                    return point
    raise AssertionError("no fault vertex on the stack")


def _rgb(name):
    from qgis.PyQt.QtGui import QColor

    colour = QColor(name)
    return colour.red(), colour.green(), colour.blue()


def _apart(one, other):
    return sum((a - b) ** 2 for a, b in zip(one, other))


def test_fixed_scales_stay_fixed_and_a_flat_distance_band_is_still_turned_round(prospector_provider, tmp_path):
    """Review 35: apply_style without a stretch keeps the style's own classes (prospectivity's fixed 0-1 scale,
    read from the .qml by QGIS); a band with no 2-98 % range to stretch to (every cell 500 m from a fault) keeps the
    style's range, turned round when asked, where before the turn was skipped with the stretch."""
    import numpy as np
    import rasterio
    from qgis.core import QgsRasterLayer
    from rasterio.transform import from_origin

    from geochem_prospector.algorithms.base import STYLES_DIR
    from geochem_prospector.algorithms.layers import apply_style

    def items(layer):
        shader = layer.renderer().shader().rasterShaderFunction()
        return [(round(i.value, 6), i.color.name()) for i in shader.colorRampItemList()]

    flat = str(tmp_path / "flat.tif")
    with rasterio.open(flat, "w", driver="GTiff", width=4, height=4, count=1, dtype="float32", crs="EPSG:3067",
                       transform=from_origin(400_000, 7_510_000, 250, 250)) as out:  # fmt: skip
        out.write(np.full((1, 4, 4), 500.0, dtype=np.float32))
    qml = os.path.join(STYLES_DIR, "prospectivity.qml")
    as_written, fixed = QgsRasterLayer(flat, "written"), QgsRasterLayer(flat, "fixed")
    as_written.loadNamedStyle(qml)
    apply_style(fixed, qml, stretch=False)
    assert items(fixed) == items(as_written)
    low, high = _ramp_ends()
    turned = QgsRasterLayer(flat, "turned")
    apply_style(turned, os.path.join(STYLES_DIR, "element_pseudocolor.qml"), stretch=True, inverted=True)
    assert (items(turned)[0][1], items(turned)[-1][1]) == (high, low)
    del as_written, fixed, turned
