"""Load the bundled Central Lapland sample layers, styled, into a project group."""

from __future__ import annotations

import os
from typing import Dict, Optional

from qgis.core import QgsProject, QgsRasterLayer, QgsVectorLayer

from ..common import SAMPLE_DATA_DIR, STYLES_DIR, tr

GROUP = "GeoChem Prospector sample data (GTK, CC BY 4.0)"
# file stem, display name; drawn top to bottom in this order
LAYERS = (
    ("deposits", "Known deposits"),
    ("till_geochemistry", "Till geochemistry samples"),
    ("faults", "Faults"),
    ("study_area", "Study area"),
    ("lithology", "Bedrock lithology"),
    ("magnetics_tmi_nT", "Aeromagnetics TMI (nT)"),
)
STYLE = {"magnetics_tmi_nT": "magnetics"}


def sample_path(stem: str) -> str:
    ext = ".tif" if stem == "magnetics_tmi_nT" else ".gpkg"
    return os.path.join(SAMPLE_DATA_DIR, stem + ext)


def loaded_sample_layers(project: Optional[QgsProject] = None) -> Dict[str, str]:
    """Bundled sample layers in the project: file stem -> layer id."""
    project = project or QgsProject.instance()
    found: Dict[str, str] = {}
    for stem, _ in LAYERS:
        wanted = os.path.normcase(os.path.realpath(sample_path(stem)))
        for layer in project.mapLayers().values():
            source = layer.source().split("|")[0]
            if os.path.normcase(os.path.realpath(source)) == wanted:
                found[stem] = layer.id()
                break
    return found


def load_sample_data(project: Optional[QgsProject] = None) -> Dict[str, str]:
    """Add the sample layers (styled, in one group) unless already there; returns stem -> layer id."""
    project = project or QgsProject.instance()
    present = loaded_sample_layers(project)
    root = project.layerTreeRoot()
    group = root.findGroup(tr(GROUP)) or root.insertGroup(0, tr(GROUP))
    for stem, title in LAYERS:
        if stem in present:
            continue
        path = sample_path(stem)
        if stem == "magnetics_tmi_nT":
            layer = QgsRasterLayer(path, tr(title))
        else:
            layer = QgsVectorLayer(path, tr(title), "ogr")
        if not layer.isValid():
            raise RuntimeError(tr("Could not open the sample layer {}").format(path))
        layer.loadNamedStyle(os.path.join(STYLES_DIR, f"sample_{STYLE.get(stem, stem)}.qml"))
        project.addMapLayer(layer, False)
        group.addLayer(layer)
        present[stem] = layer.id()
    return present


def zoom_to_study_area(canvas, project: Optional[QgsProject] = None) -> bool:
    """Zoom the map canvas to the sample study area (plus a margin); False when it is not loaded."""
    from qgis.core import QgsCoordinateTransform

    project = project or QgsProject.instance()
    layer_id = loaded_sample_layers(project).get("study_area")
    layer = project.mapLayer(layer_id) if layer_id else None
    if canvas is None or layer is None:
        return False
    transform = QgsCoordinateTransform(layer.crs(), canvas.mapSettings().destinationCrs(), project)
    extent = transform.transformBoundingBox(layer.extent())
    extent.scale(1.1)
    canvas.setExtent(extent)
    canvas.refresh()
    return True
