"""Render demo outputs to PNG with QGIS print layouts (title, legend, scale bar)."""

from __future__ import annotations

import os

from qgis.core import (
    QgsApplication,
    QgsLayoutExporter,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemMap,
    QgsLayoutItemScaleBar,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsPrintLayout,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsReferencedRectangle,
    QgsUnitTypes,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor, QFont

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(REPO, "resources", "sample_data")
_APP = None
#: the geology drawn over the maps. Lithology as outlines only (a fill would hide the map under it), dark enough
#: that its legend swatch shows an outline, not an empty white box; labelled as the boundaries it draws.
LITHOLOGY = (
    "lithology",
    "Lithological boundaries (1:1M)",
    {"kind": "fill", "color": "0,0,0,0", "outline_color": "80,80,80", "outline_width": "0.25"},
)
STUDY_AREA = (
    "study_area",
    "Study area",
    {"kind": "fill", "color": "0,0,0,0", "outline_color": "0,0,0", "outline_width": "0.6"},
)


def qgis_app() -> QgsApplication:
    global _APP
    if QgsApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        os.environ.setdefault("PROJ_DATA", "/usr/share/proj")  # the venv hides Debian's PROJ data
        _APP = QgsApplication([], False)
        _APP.initQgis()
    return QgsApplication.instance()


def subset_uri(path: str, subset: str = "") -> str:
    """An OGR layer URI carrying the filter: QGIS 3.22's setSubsetString() rewrites the GeoPackage's header."""
    return f"{path}|subset={subset}" if subset else path


def vector(name: str, title: str, style: dict, subset: str = "") -> QgsVectorLayer:
    from qgis.core import QgsFillSymbol, QgsLineSymbol, QgsMarkerSymbol

    layer = QgsVectorLayer(subset_uri(os.path.join(SAMPLES, f"{name}.gpkg"), subset), title, "ogr")
    style = dict(style)
    kind = style.pop("kind")
    symbol = {"fill": QgsFillSymbol, "line": QgsLineSymbol, "marker": QgsMarkerSymbol}[kind].createSimple(style)
    layer.renderer().setSymbol(symbol)
    return layer


def render_element_map(raster_path: str, band_name: str, path: str, title: str | None = None) -> str:
    """A layout of one element band over the study area with lithology, faults and deposits."""
    qgis_app()
    project = QgsProject()
    raster = element_layer(raster_path, band_name)
    litho = vector(*LITHOLOGY)
    faults = vector("faults", "Faults", {"kind": "line", "color": "20,20,20", "width": "0.35"})
    area = vector(*STUDY_AREA)
    deposits = vector(
        "deposits",
        "IOCG deposits",
        {"kind": "marker", "name": "star", "color": "255,255,255", "outline_color": "0,0,0", "size": "3.2"},
        subset="in_study_area = 1",
    )
    for layer in (raster, litho, faults, area, deposits):
        project.addMapLayer(layer)
    layers = [deposits, area, faults, litho, raster]
    return export_layout(
        project, layers, area.extent(), title or f"Till geochemistry, Central Lapland: {band_name}", path
    )


def element_layer(raster_path: str, band_name: str) -> QgsRasterLayer:
    """The element band in percentile classes in ppm, as the demo project's element layer and geochemical atlases
    show it (a stretched ramp's legend read 'Band 1: Cu (Gray)' with two bare numbers)."""
    from geochem_prospector.algorithms.base import STYLES_DIR
    from geochem_prospector.algorithms.layers import apply_legend, apply_style

    raster = QgsRasterLayer(raster_path, f"{band_name} in till (IDW)")
    apply_style(raster, os.path.join(STYLES_DIR, "element_pseudocolor.qml"))
    raster.renderer().setBand(band_index(raster_path, band_name))
    apply_legend(raster, "atlas", "ppm")
    return raster


def band_index(raster_path: str, band_name: str) -> int:
    """1-based index of the band whose description is ``band_name``."""
    import rasterio

    with rasterio.open(raster_path) as src:
        return list(src.descriptions).index(band_name) + 1


def export_layout(project: QgsProject, layers: list, extent: QgsRectangle, title: str, path: str) -> str:
    project.setCrs(layers[-1].crs())  # without a project CRS the layout cannot compute a map scale
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()  # A4 landscape
    page = layout.pageCollection().page(0)
    page.setPageSize(QgsLayoutSize(297, 210, QgsUnitTypes.LayoutMillimeters))

    label = QgsLayoutItemLabel(layout)
    label.setText(title)
    label.setFont(QFont("DejaVu Sans", 12, QFont.Bold))
    label.attemptMove(QgsLayoutPoint(10, 6, QgsUnitTypes.LayoutMillimeters))
    label.attemptResize(QgsLayoutSize(277, 12, QgsUnitTypes.LayoutMillimeters))
    layout.addLayoutItem(label)

    padded = QgsRectangle(extent)
    padded.scale(1.04)
    map_height = 182.0
    map_width = min(190.0, map_height * padded.width() / padded.height())  # keep the extent's aspect ratio
    map_item = QgsLayoutItemMap(layout)
    map_item.attemptMove(QgsLayoutPoint(10, 20, QgsUnitTypes.LayoutMillimeters))
    map_item.attemptResize(QgsLayoutSize(map_width, map_height, QgsUnitTypes.LayoutMillimeters))
    map_item.setLayers(layers)
    map_item.setCrs(layers[0].crs())
    map_item.setExtent(padded)  # a new item has an empty extent, which zoomToExtent cannot scale
    map_item.zoomToExtent(padded)
    side = 10 + map_width + 8
    map_item.setFrameEnabled(True)
    map_item.setBackgroundColor(QColor(255, 255, 255))
    layout.addLayoutItem(map_item)

    legend = QgsLayoutItemLegend(layout)
    legend.setLinkedMap(map_item)
    legend.setAutoUpdateModel(False)
    from geochem_prospector.algorithms.layers import title_band_legend

    root = legend.model().rootGroup()
    root.clear()
    for layer in layers:
        title_band_legend(root.addLayer(layer))  # the layer's own title, not QGIS's "Band 1: … (Gray)"
    legend.attemptMove(QgsLayoutPoint(side, 20, QgsUnitTypes.LayoutMillimeters))
    layout.addLayoutItem(legend)

    scale = QgsLayoutItemScaleBar(layout)
    scale.setLinkedMap(map_item)
    scale.setStyle("Single Box")
    scale.setUnits(QgsUnitTypes.DistanceKilometers)
    scale.setUnitLabel("km")
    scale.setUnitsPerSegment(10)
    scale.setNumberOfSegments(2)
    scale.setNumberOfSegmentsLeft(0)
    scale.attemptMove(QgsLayoutPoint(side, 185, QgsUnitTypes.LayoutMillimeters))
    layout.addLayoutItem(scale)

    # The page rendered to an image and saved by Qt: exportToImage georeferences a map layout through GDAL, which
    # cannot update a PNG in place and printed "ERROR 6" on every demo run (the picture was fine).
    image = QgsLayoutExporter(layout).renderPageToImage(0, QSize(), 110)
    if image.isNull() or not image.save(path, "PNG"):
        raise RuntimeError(f"layout export failed for {path}")
    return path


def _raster(
    path: str, name: str, style: str, stretch: bool = True, legend: str = "", inverted: bool = False
) -> QgsRasterLayer:
    """A styled raster; ``legend`` classes it on its values as the desktop loads it (algorithms.layers)."""
    from geochem_prospector.algorithms.base import STYLES_DIR
    from geochem_prospector.algorithms.layers import apply_legend, apply_style

    layer = QgsRasterLayer(path, name)
    apply_style(layer, os.path.join(STYLES_DIR, f"{style}.qml"), stretch, inverted)
    apply_legend(layer, legend, "ppm" if legend == "atlas" else "")
    return layer


def _index_classes(path: str) -> QgsRasterLayer:
    """The anomaly-class raster on its last band, the index, named as the plugin loads it (the demo drew band 1,
    Cu, under the name 'Anomaly classes')."""
    from geochem_prospector.algorithms.anomalies import LastBandStyle
    from geochem_prospector.algorithms.base import STYLES_DIR

    layer = QgsRasterLayer(path, "Anomaly classes (index band)")
    LastBandStyle(os.path.join(STYLES_DIR, "anomaly_classes.qml"), stretch=False).style(layer)
    return layer


def _styled_vector(path: str, name: str, style: str, subset: str = "") -> QgsVectorLayer:
    from geochem_prospector.algorithms.base import STYLES_DIR

    layer = QgsVectorLayer(subset_uri(path, subset), name, "ogr")
    layer.loadNamedStyle(os.path.join(STYLES_DIR, f"{style}.qml"))
    use_installed_label_font(layer)
    return layer


def use_installed_label_font(layer: QgsVectorLayer) -> None:
    """Labels in the font family Qt really draws with: offscreen Qt names its default 'DejaVu LGC Sans', which
    few systems install, and a project storing it warns of a missing font when opened."""
    from qgis.PyQt.QtGui import QFontInfo

    labeling = layer.labeling()
    if labeling is None or not layer.labelsEnabled():
        return
    settings = labeling.settings()
    text = settings.format()
    font = text.font()
    font.setFamily(QFontInfo(font).family())
    text.setFont(font)
    settings.setFormat(text)
    labeling.setSettings(settings)


def _deposits(path: str, name: str, colour: str, shape: str) -> QgsVectorLayer:
    from qgis.core import QgsMarkerSymbol

    layer = QgsVectorLayer(path, name, "ogr")
    layer.renderer().setSymbol(
        QgsMarkerSymbol.createSimple({"name": shape, "color": colour, "outline_color": "0,0,0", "size": "3.6"})
    )
    return layer


def build_demo_project(layers: dict, qgz_path: str) -> str:
    """A QGIS project with every demo output styled, in groups, beside the geology; paths saved relative. The
    secondary outputs (the evidence stack, the kriged map and its variance, the rank map) load unchecked."""
    qgis_app()
    from geochem_prospector.algorithms.layers import keep_present_categories, title_band_legend

    project = QgsProject()
    root = project.layerTreeRoot()

    def add(group, layer, visible=True):
        if not layer.isValid():
            raise RuntimeError(f"demo layer {layer.name()} did not load from {layer.source()}")
        project.addMapLayer(layer, False)
        node = group.addLayer(layer)
        title_band_legend(node)
        node.setItemVisibilityChecked(visible)
        return layer

    deposits = root.addGroup("Deposits")
    add(deposits, _deposits(layers["training"], "Deposits used for training", "255,255,255", "star"))
    add(deposits, _deposits(layers["held_out"], "Held-out deposits (evaluation only)", "255,0,255", "triangle"))
    geology = root.addGroup("Geology")
    add(geology, vector(*STUDY_AREA))
    add(geology, vector("faults", "Faults (1:1M)", {"kind": "line", "color": "20,20,20", "width": "0.3"}))
    add(geology, vector(*LITHOLOGY))
    anomalies = root.addGroup("Anomalies")
    found = layers["anomalies"]
    ranked = add(
        anomalies, _styled_vector(found["OUTPUT_ANOMALIES"], "Ranked anomalies (Th-La index)", "anomaly_areas")
    )
    ranked.setOpacity(0.45)  # let the prospectivity show through
    add(
        anomalies,
        _styled_vector(
            found["OUTPUT_CONTOURS"], "Anomaly contours (index)", "anomaly_contours", "\"element\" = 'index'"
        ),
    )
    points = _styled_vector(found["OUTPUT_POINTS"], "High-value samples", "high_value_points")
    keep_present_categories(points)  # as the plugin loads them: only the levels the samples reach
    add(anomalies, points, False)
    add(anomalies, _raster(found["OUTPUT_INDEX"], "Integrated anomaly index", "element_pseudocolor"), False)
    add(anomalies, _index_classes(found["OUTPUT"]), False)
    if "prediction" in layers:
        prediction = root.addGroup("Prospectivity (CNN)")
        add(
            prediction,
            _raster(
                layers["prediction"]["OUTPUT"], "Prospectivity", "prospectivity", stretch=False, legend="area_rank"
            ),
        )
        uncertainty = layers["prediction"].get("OUTPUT_UNCERTAINTY")
        if uncertainty:
            add(prediction, _raster(uncertainty, "Prospectivity uncertainty", "confidence"), False)
        rank = layers["prediction"].get("OUTPUT_RANK")
        if rank:  # named and styled as predict loads it
            rank_layer = _raster(
                rank, "Prospectivity rank: percentile of the area", "prospectivity_rank", False, "area_rank"
            )
            add(prediction, rank_layer, False)
    labels = root.addGroup("Pseudo-labels")
    add(
        labels,
        _raster(layers["labels"]["OUTPUT"], "Pseudo-labels", "pseudolabels", stretch=False, legend="present_classes"),
        False,
    )
    add(
        labels,
        _raster(layers["labels"]["OUTPUT_CONFIDENCE"], "Pseudo-label confidence", "confidence", stretch=False),
        False,
    )
    geochemistry = root.addGroup("Geochemistry")
    add(
        geochemistry,
        _raster(layers["elements"], "Till elements (ppm, IDW)", "element_pseudocolor", legend="atlas"),
        False,
    )
    kriged = layers.get("kriged", {})
    if kriged.get("OUTPUT"):
        add(
            geochemistry, _raster(kriged["OUTPUT"], "Kriged Cu, Ni (ppm)", "element_pseudocolor", legend="atlas"), False
        )
    if kriged.get("OUTPUT_VARIANCE"):
        add(geochemistry, _raster(kriged["OUTPUT_VARIANCE"], "Kriging variance", "element_pseudocolor"), False)
    if layers.get("evidence"):  # the stack beside the element rasters, as evidence loads it
        from geochem_prospector.core.io.rasters import read_provenance

        first_band = (read_provenance(layers["evidence"]).get("bands") or [{}])[0]
        evidence = root.addGroup("Evidence")
        add(
            evidence,
            _raster(
                layers["evidence"],
                "Evidence (faults, lithology, magnetics)",
                "element_pseudocolor",
                inverted=first_band.get("kind") == "distance",
            ),
            False,
        )

    area = project.mapLayersByName("Study area")[0]
    project.setCrs(area.crs())
    # opened in QGIS, a project written without a map canvas showed an empty canvas at 1:1: start on the study area
    view = QgsRectangle(area.extent())
    view.scale(1.05)
    project.viewSettings().setDefaultViewExtent(QgsReferencedRectangle(view, area.crs()))
    project.setTitle("GeoChem Prospector demo: IOCG prospectivity, Central Lapland")
    project.writeEntry("Paths", "/Absolute", False)
    if not project.write(qgz_path):
        raise RuntimeError(f"could not write {qgz_path}: {project.error()}")
    return qgz_path


def render_project_map(qgz_path: str, png_path: str, evaluation: dict, baseline: tuple | None = None) -> str:
    """The demo's headline map: the visible layers of the demo project in a layout."""
    qgis_app()
    project = QgsProject()
    if not project.read(qgz_path):
        raise RuntimeError(f"could not read {qgz_path}")
    root = project.layerTreeRoot()
    visible = [node.layer() for node in root.findLayers() if node.isVisible()]
    scored = "Prospectivity" if project.mapLayersByName("Prospectivity") else "Integrated anomaly index"
    if scored == "Integrated anomaly index":
        visible.append(project.mapLayersByName(scored)[0])
    area = project.mapLayersByName("Study area")[0]
    what = "CNN prospectivity" if scored == "Prospectivity" else scored.lower()
    title = (
        f"IOCG {what}, Central Lapland: held-out AUC {evaluation['AUC']:.3f} "
        f"[{evaluation['AUC_LOW']:.3f}-{evaluation['AUC_HIGH']:.3f}]"
    )
    if baseline:
        title += f"; {baseline[0]} {baseline[1]:.3f}"
    return export_layout(project, visible, area.extent(), title, png_path)
