"""How a run's outputs appear in the desktop: styles and legends classed on the data, names (distinct from the
project's other layers'), one group per step, order, and which layers are shown. Used by the style post-processors
of :mod:`algorithms.base` (main thread, after QGIS has added the layer to the project); nothing here runs under
qgis_process, which loads no layers."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, List, Sequence

import numpy as np
from qgis.core import (
    QgsCentroidFillSymbolLayer,
    QgsColorRampShader,
    QgsPalettedRasterRenderer,
    QgsRasterLayer,
    QgsRasterShader,
    QgsRenderContext,
    QgsSimpleFillSymbolLayer,
    QgsSingleBandPseudoColorRenderer,
    QgsSymbol,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QColor

from ..core.io.rasters import sample_band
from ..core.reports.legend import LegendClass, area_rank_classes, percentile_classes
from .inputs import file_and_layer

#: colours of the element classes (low to high, blue to dark red), as geochemical atlases draw them
ATLAS_COLOURS = ("#313695", "#74add1", "#e0f3f8", "#fee090", "#fdae61", "#f46d43", "#d73027", "#a50026")
#: colours of the prospectivity area classes: rest of the area, top 20, 10, 5, 1 %
RANK_COLOURS = ("#e8e8e8", "#fed976", "#fd8d3c", "#e31a1c", "#800026")
#: a layer's custom properties: the run that made it and its place among that run's layers
RUN_PROPERTY = "geochem_prospector/run"
LOADED_NAME_PROPERTY = "geochem_prospector/loaded_name"  # the name the plugin gave a loaded output
ORDER_PROPERTY = "geochem_prospector/order"
#: the title a layer's legend shows instead of QGIS's 'Band 1: Cu (Gray)'
TITLE_PROPERTY = "geochem_prospector/legend_title"
#: cells read to class a band (a regular subsample beyond)
MAX_LEGEND_CELLS = 4_000_000


def band_values(layer: QgsRasterLayer, band: int, max_cells: int = MAX_LEGEND_CELLS) -> np.ndarray:
    """The valid values of ``band`` of a file-based raster layer (every cell, or a sample of about ``max_cells``:
    :func:`sample_band`), as float64 without nodata."""
    import rasterio

    with rasterio.open(layer.source().split("|")[0]) as src:
        data = sample_band(src, band, max_cells)
    values = np.ma.filled(data.astype(np.float64), np.nan)
    return values[np.isfinite(values)]


def _spread(colours: Sequence[str], count: int) -> List[str]:
    """``count`` colours spread over ``colours``, keeping both ends."""
    if count >= len(colours):
        return list(colours)[:count] + [colours[-1]] * (count - len(colours))
    if count == 1:
        return [colours[-1]]
    return [colours[round(i * (len(colours) - 1) / (count - 1))] for i in range(count)]


def discrete_renderer(
    layer: QgsRasterLayer, band: int, classes: Sequence[LegendClass], colours: Sequence[str], top: float
) -> QgsSingleBandPseudoColorRenderer:
    """A pseudocolour renderer of ``band`` with one discrete colour per class (the last class up to ``top``)."""
    shader_function = QgsColorRampShader()
    shader_function.setColorRampType(QgsColorRampShader.Discrete)
    items = []
    for legend_class, colour in zip(classes, _spread(colours, len(classes))):
        upper = legend_class.upper if math.isfinite(legend_class.upper) else max(top, 0.0) + abs(top) + 1.0
        items.append(QgsColorRampShader.ColorRampItem(upper, QColor(colour), legend_class.label))
    shader_function.setColorRampItemList(items)
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(shader_function)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), band, shader)
    renderer.setClassificationMin(float(items[0].value) if items else 0.0)
    renderer.setClassificationMax(float(items[-1].value) if items else 1.0)
    return renderer


def apply_legend(layer, legend: str, unit: str = "") -> None:
    """Class the layer on its own values: ``atlas`` (element percentiles 25/50/75/90/95/98, rounded, with the
    unit), ``area_rank`` (most prospective 1/5/10/20 % of the area) or ``present_classes`` (a paletted style
    keeps only the classes found in the raster; on a vector layer a categorized style keeps only the categories
    of values its features hold). Anything else leaves the style as it is."""
    if legend == "present_classes" and isinstance(layer, QgsVectorLayer) and layer.isValid():
        keep_present_categories(layer)
        return
    if not legend or not isinstance(layer, QgsRasterLayer) or not layer.isValid():
        return
    renderer = layer.renderer()
    band = renderer.band() if hasattr(renderer, "band") else 1
    values = band_values(layer, band)
    if values.size == 0:
        return
    description = band_description(layer, band)
    if legend == "present_classes" and isinstance(renderer, QgsPalettedRasterRenderer):
        present = set(np.unique(values).tolist())
        kept = [c for c in renderer.classes() if c.value in present]
        layer.setRenderer(QgsPalettedRasterRenderer(layer.dataProvider(), band, kept))
        layer.setCustomProperty(TITLE_PROPERTY, "Class")
    elif legend == "atlas":
        classes = percentile_classes(values, unit=unit)
        layer.setRenderer(discrete_renderer(layer, band, classes, ATLAS_COLOURS, float(values.max())))
        layer.setCustomProperty(TITLE_PROPERTY, f"{description} ({unit}), percentile classes" if unit else description)
    elif legend == "area_rank":
        classes = area_rank_classes(values)
        layer.setRenderer(discrete_renderer(layer, band, classes, RANK_COLOURS, float(values.max())))
        # under a layer named like its band ('Prospectivity' / 'prospectivity') the band's name said nothing new
        named = description.strip().casefold() != layer.name().strip().casefold()
        title = f"{description}, by share of the study area" if named else "By share of the study area"
        layer.setCustomProperty(TITLE_PROPERTY, title)
    layer.triggerRepaint()


def keep_present_categories(layer: QgsVectorLayer) -> None:
    """A categorized style lists only the values the layer's features hold (compared as text: the style's '2' is
    the field's 2): the high-value samples, listed from the moderate level by default, have no 'weak' one, and a
    legend entry for it said there were."""
    from qgis.core import QgsCategorizedSymbolRenderer

    renderer = layer.renderer()
    if not isinstance(renderer, QgsCategorizedSymbolRenderer):
        return
    index = layer.fields().lookupField(renderer.classAttribute())
    if index < 0:
        return
    present = {str(value) for value in layer.uniqueValues(index)}
    for position in reversed(range(len(renderer.categories()))):
        if str(renderer.categories()[position].value()) not in present:
            renderer.deleteCategory(position)
    layer.triggerRepaint()


def band_description(layer, band: int) -> str:
    """The band's name as GDAL describes it ('index'), without QGIS's 'Band 1: ' (just 'Band 1' when unnamed)."""
    return layer.dataProvider().generateBandName(band).split(": ", 1)[-1]


def title_band_legend(node) -> None:
    """Show the layer's legend title (set by :func:`apply_legend`; else, for a raster, the name of the band its
    renderer draws) where QGIS writes 'Band 1: Cu (Gray)'.

    A user label of the legend's first node, kept in the project and used by print-layout legends. The band is read
    when the layer is placed, after every style: the anomaly classes switch to their last band (the index)."""
    from qgis.core import QgsMapLayerLegendUtils

    layer = node.layer() if node is not None else None
    if layer is None or layer.legend() is None:
        return
    title = layer.customProperty(TITLE_PROPERTY)
    if not title and isinstance(layer, QgsRasterLayer) and layer.isValid():
        renderer = layer.renderer()
        title = band_description(layer, renderer.band() if hasattr(renderer, "band") else 1)
    if not title:
        return
    nodes = layer.legend().createLayerTreeModelLegendNodes(node)
    if nodes and str(nodes[0].data(0) or "").startswith("Band "):  # 0 = Qt.DisplayRole: QGIS's band-name title
        QgsMapLayerLegendUtils.setLegendNodeUserLabel(node, 0, str(title))
        layer.legendChanged.emit()  # a layer tree model already showing the legend rebuilds it


def results_group_name() -> str:
    """The group Processing loads results into (Settings › Processing › General), '' when none."""
    try:
        from processing.core.ProcessingConfig import ProcessingConfig
    except ImportError:  # Processing plugin not loaded
        return ""
    return str(ProcessingConfig.getSetting(ProcessingConfig.RESULTS_GROUP_NAME) or "")


def stacking_rank(layer) -> int:
    """Where a layer goes among one run's outputs: points, lines, polygons, then rasters."""
    if isinstance(layer, QgsVectorLayer):
        return {QgsWkbTypes.PointGeometry: 0, QgsWkbTypes.LineGeometry: 1}.get(layer.geometryType(), 2)
    return 3


def fills_polygons(layer) -> bool:
    """Whether a vector layer draws filled polygons (which hide what lies under them); an outline-only polygon
    layer (a study area drawn as its boundary) does not."""
    if not isinstance(layer, QgsVectorLayer) or layer.geometryType() != QgsWkbTypes.PolygonGeometry:
        return False
    renderer = layer.renderer()
    if renderer is None or layer.opacity() == 0:
        return False
    for symbol in renderer.symbols(QgsRenderContext()):
        if symbol.opacity() == 0:
            continue
        for symbol_layer in symbol.symbolLayers():
            if not symbol_layer.enabled():
                continue
            if isinstance(symbol_layer, QgsSimpleFillSymbolLayer):
                if symbol_layer.brushStyle() != Qt.NoBrush and symbol_layer.color().alpha() > 0:
                    return True
            elif symbol_layer.type() == QgsSymbol.Fill and not isinstance(symbol_layer, QgsCentroidFillSymbolLayer):
                return True  # gradient, shapeburst, pattern fills (a centroid fill draws markers only)
    return False


def new_group_index(container, layer, node) -> int:
    """Where a step's new group goes among ``container``'s children: a group made for a vector output on top; one
    made for a raster below every child that shows points or lines (deposits, samples, faults, anomaly contours,
    outline-only polygons), so they stay in sight as `make demo`'s project draws them: there, just above the first
    child that shows a raster (an element map, the sample magnetics) or filled polygons (the user's lithology or
    study area, which would hide the map), else above the first that holds a hidden raster (the sample magnetics
    switched off), else at the bottom. ``node`` (the layer's own node, moved next) is left out."""
    if not isinstance(layer, QgsRasterLayer):
        return 0
    children = container.children()
    held = [
        [n for n in (child.findLayers() if hasattr(child, "findLayers") else [child]) if n.layerId() != node.layerId()]
        for child in children
    ]

    def shows_marks(nodes) -> bool:  # points, lines or outlines a raster drawn above them would hide
        return any(
            isinstance(n.layer(), QgsVectorLayer)
            and n.isVisible()
            and (
                n.layer().geometryType() in (QgsWkbTypes.PointGeometry, QgsWkbTypes.LineGeometry)
                or (n.layer().geometryType() == QgsWkbTypes.PolygonGeometry and not fills_polygons(n.layer()))
            )
            for n in nodes
        )

    below_marks = max((i + 1 for i, nodes in enumerate(held) if shows_marks(nodes)), default=0)
    for index in range(below_marks, len(children)):
        if any(
            n.isVisible() and (isinstance(n.layer(), QgsRasterLayer) or fills_polygons(n.layer())) for n in held[index]
        ):
            return index
    for index in range(below_marks, len(children)):  # hidden ones: switched on again, they would hide the map
        if any(isinstance(n.layer(), QgsRasterLayer) or fills_polygons(n.layer()) for n in held[index]):
            return index
    return len(children)


@dataclass
class Placement:
    """Where a loaded output goes: ``group`` (the step's group; '' = where QGIS put it), shown or not, its name,
    the run that made it and the order it was declared in."""

    group: str
    visible: bool
    name: str
    run: str
    sequence: int

    def apply(self, layer, project) -> None:
        if self.name:
            layer.setName(self.name)
        order = stacking_rank(layer) * 1000 + self.sequence
        layer.setCustomProperty(RUN_PROPERTY, self.run)
        layer.setCustomProperty(LOADED_NAME_PROPERTY, layer.name())  # a later rename is the user's
        layer.setCustomProperty(ORDER_PROPERTY, order)
        root = project.layerTreeRoot()
        node = root.findLayer(layer.id())
        if node is None:
            return
        if self.group:
            # among the top-level nodes (the desktop adds a layer beside the selected one, maybe in another
            # step's group), or inside the Processing results group when the user set one: see new_group_index
            parent = node.parent()
            container = parent if parent is not None and parent.name() == results_group_name() else root
            group = container.findGroup(self.group)
            if group is None:
                group = container.insertGroup(new_group_index(container, layer, node), self.group)
                group.setCustomProperty(RUN_PROPERTY, self.run)
            elif group.customProperty(RUN_PROPERTY) == self.run and stacking_rank(layer) < 3:
                # QGIS loads a run's outputs in the order of their paths (random folders for temporary ones): a
                # group this run made for its raster and then given its first vector goes where a vector's group
                # goes, so the anomaly contours land on top whichever output loaded first
                group = move_group(container, group, new_group_index(container, layer, node))
                node = root.findLayer(layer.id())  # the desktop may have put it into the group, now a clone
            # this run's layers first (newest run on top), in stacking order
            index = 0
            for child in group.children():
                other = getattr(child, "layer", lambda: None)()
                if other is None or other.customProperty(RUN_PROPERTY) != self.run:
                    break
                if int(other.customProperty(ORDER_PROPERTY) or 0) > order:
                    break
                index += 1
            moved = node.clone()
            group.insertChildNode(index, moved)
            node.parent().removeChildNode(node)
            node = moved
        title_band_legend(node)
        node.setItemVisibilityChecked(self.visible)
        if not self.visible:
            node.setExpanded(False)


def move_group(container, group, index: int):
    """Move ``group`` to ``index`` among ``container``'s children (a clone put in first, so the project keeps its
    layers); returns the group now in the tree."""
    children = container.children()
    if children.index(group) == index:
        return group
    moved = group.clone()
    container.insertChildNode(index, moved)
    container.removeChildNode(group)
    return moved


def distinct_layer_name(name: str, layer, project) -> str:
    """``name``, or, where another of the project's layers reading another file already bears it, ``name (file)``
    (the output's file name, as the user chose it: ``Prospectivity (prospectivity_gb)``); for a temporary output,
    whose file name means nothing, or where that is taken too, ``name (2)``, ``name (3)``..."""
    from qgis.core import QgsProcessingUtils

    own = file_and_layer(layer)
    taken = {  # every candidate starts with ``name``: the others' sources need not be decoded
        other.name()
        for other in project.mapLayers().values()
        if other.name().startswith(name) and other.id() != layer.id() and file_and_layer(other) != own
    }
    if name not in taken:
        return name
    path, table = own
    temporary_folder = os.path.realpath(QgsProcessingUtils.tempFolder())
    chosen = os.path.isabs(path) and not path.startswith(temporary_folder + os.sep)
    stem = table or os.path.splitext(os.path.basename(path))[0]
    if chosen and stem and f"{name} ({stem})" not in taken:
        return f"{name} ({stem})"
    number = 2
    while f"{name} ({number})" in taken:
        number += 1
    return f"{name} ({number})"


def earlier_loads_of(layer, project, run: str) -> List[Any]:
    """The project's other layers that a run of this plugin other than ``run`` loaded from ``layer``'s file and
    table."""
    target = file_and_layer(layer)
    if not target[0]:
        return []
    return [
        other
        for other in project.mapLayers().values()
        if other.id() != layer.id()
        and other.customProperty(RUN_PROPERTY)
        and other.customProperty(RUN_PROPERTY) != run
        and other.type() == layer.type()
        and file_and_layer(other) == target
    ]


def apply_style(layer, qml_path: str, stretch: bool = True, inverted: bool = False) -> None:
    """Load a .qml and, for a pseudocolour raster, classify its ramp on the layer's own values; ``inverted`` turns
    the ramp round (a distance band: the warm colours near the features, where the evidence is)."""
    from qgis.core import QgsColorRampShader, QgsRasterLayer, QgsSingleBandPseudoColorRenderer

    layer.loadNamedStyle(qml_path)
    if (stretch or inverted) and isinstance(layer, QgsRasterLayer):
        renderer = layer.renderer()
        if isinstance(renderer, QgsSingleBandPseudoColorRenderer) and renderer.shader() is not None:
            lo, hi = renderer.classificationMin(), renderer.classificationMax()  # the style's own
            if stretch:
                cut = layer.dataProvider().cumulativeCut(renderer.band(), 0.02, 0.98)
                if np.isfinite(cut).all() and cut[1] > cut[0]:
                    lo, hi = cut
                elif not inverted:  # no range to stretch to: the style as it is
                    lo = hi = math.nan
            shader_fn = renderer.shader().rasterShaderFunction()
            ramp = shader_fn.sourceColorRamp() if shader_fn is not None else None
            if np.isfinite(lo) and np.isfinite(hi) and hi > lo and ramp is not None:
                ramp = ramp.clone()
                if inverted:
                    ramp.invert()
                renderer.setClassificationMin(lo)
                renderer.setClassificationMax(hi)
                renderer.createShader(ramp, QgsColorRampShader.Interpolated, QgsColorRampShader.Continuous, 7)
    round_ramp_legend(layer)
    layer.triggerRepaint()


def round_ramp_legend(layer, digits: int = 3) -> None:
    """A continuous colour-ramp legend labels its ends with ``digits`` significant figures (1,710, not
    1,713.701343)."""
    from qgis.core import (
        QgsBasicNumericFormat,
        QgsColorRampLegendNodeSettings,
        QgsColorRampShader,
        QgsSingleBandPseudoColorRenderer,
    )

    renderer = layer.renderer() if hasattr(layer, "renderer") else None
    if not isinstance(renderer, QgsSingleBandPseudoColorRenderer) or renderer.shader() is None:
        return
    function = renderer.shader().rasterShaderFunction()
    if not isinstance(function, QgsColorRampShader):
        return
    number = QgsBasicNumericFormat()
    number.setRoundingType(QgsBasicNumericFormat.SignificantFigures)
    number.setNumberDecimalPlaces(digits)
    number.setShowTrailingZeros(False)
    settings = QgsColorRampLegendNodeSettings(function.legendSettings() or QgsColorRampLegendNodeSettings())
    settings.setNumericFormat(number)
    function.setLegendSettings(settings)
