"""Load the bundled Central Lapland sample layers, styled, into two project groups (points and lines; geology and
magnetics below).

The layers open from a copy in the user's profile folder, never from the plugin folder: editing them must not
change the files the plugin ships (an update would also replace the user's edits without a word).
"""

from __future__ import annotations

import os
import shutil
from typing import Dict, Optional

from qgis.core import QgsProject, QgsRasterLayer, QgsVectorLayer

from ..algorithms.layers import round_ramp_legend
from ..common import SAMPLE_DATA_DIR, STYLES_DIR, tr

GROUP = "GeoChem Prospector sample data (GTK, CC BY 4.0)"
#: the sample layers that cover the map (lithology polygons, magnetics) in a group of their own at the bottom, so
#: the element, prospectivity and other rasters of the runs load between them and the points and lines above
BACKGROUND_GROUP = "GeoChem Prospector sample geology and magnetics (GTK, CC BY 4.0)"
# file stem, display name; drawn top to bottom in this order
LAYERS = (
    ("deposits", "Known deposits"),
    ("till_geochemistry", "Till geochemistry samples"),
    ("faults", "Faults"),
    ("study_area", "Study area"),
    ("lithology", "Bedrock lithology"),
    ("magnetics_tmi_nT", "Aeromagnetics TMI (nT)"),
)
BACKGROUND = ("lithology", "magnetics_tmi_nT")
STYLE = {"magnetics_tmi_nT": "magnetics"}


def user_sample_dir() -> str:
    """Where the sample data are copied to: a folder of the user's QGIS profile."""
    from qgis.core import QgsApplication

    return os.path.join(QgsApplication.qgisSettingsDirPath(), "geochem_prospector", "sample_data")


def sample_path(stem: str, folder: Optional[str] = None) -> str:
    """A sample layer's file in ``folder`` (default: the user's copy; :data:`SAMPLE_DATA_DIR` is the shipped one)."""
    ext = ".tif" if stem == "magnetics_tmi_nT" else ".gpkg"
    return os.path.join(folder or user_sample_dir(), stem + ext)


def copy_sample_data(folder: Optional[str] = None) -> str:
    """Copy the shipped sample files (layers, sidecars, README) into ``folder`` (default: the user's profile);
    files already there are kept as they are, edits included. Returns the folder."""
    folder = folder or user_sample_dir()
    os.makedirs(folder, exist_ok=True)
    for name in sorted(os.listdir(SAMPLE_DATA_DIR)):
        source, target = os.path.join(SAMPLE_DATA_DIR, name), os.path.join(folder, name)
        if os.path.isfile(source) and not os.path.exists(target):
            shutil.copy2(source, target + ".partial")
            os.replace(target + ".partial", target)
    return folder


def loaded_sample_layers(project: Optional[QgsProject] = None, folder: Optional[str] = None) -> Dict[str, str]:
    """Sample layers in the project (the user's copy in ``folder``, or the shipped files a project of an older
    version opened): file stem -> layer id."""
    project = project or QgsProject.instance()
    found: Dict[str, str] = {}
    for stem, _ in LAYERS:
        wanted = {os.path.normcase(os.path.realpath(sample_path(stem, where))) for where in (folder, SAMPLE_DATA_DIR)}
        for layer in project.mapLayers().values():
            source = layer.source().split("|")[0]
            if os.path.normcase(os.path.realpath(source)) in wanted:
                found[stem] = layer.id()
                break
    return found


def load_sample_data(project: Optional[QgsProject] = None, folder: Optional[str] = None) -> Dict[str, str]:
    """Copy the sample data to ``folder`` (default: the user's profile) and add the layers from there (styled,
    in two groups: :data:`GROUP`, and :data:`BACKGROUND_GROUP` below it) unless already there; returns stem ->
    layer id."""
    project = project or QgsProject.instance()
    folder = copy_sample_data(folder)
    present = loaded_sample_layers(project, folder)
    root = project.layerTreeRoot()
    group = root.findGroup(tr(GROUP)) or root.insertGroup(0, tr(GROUP))

    def background_group():
        """The geology and magnetics group, made when a layer goes into it: just below the sample group, in the
        group the user may have moved that one into (a project saved before there were two groups gets none)."""
        found = root.findGroup(tr(BACKGROUND_GROUP))
        if found is not None:
            return found
        parent = group.parent() or root
        return parent.insertGroup(parent.children().index(group) + 1, tr(BACKGROUND_GROUP))

    for stem, title in LAYERS:
        if stem in present:
            continue
        path = sample_path(stem, folder)
        if stem == "magnetics_tmi_nT":
            layer = QgsRasterLayer(path, tr(title))
        else:
            layer = QgsVectorLayer(path, tr(title), "ogr")
        if not layer.isValid():
            raise RuntimeError(tr("Could not open the sample layer {}").format(path))
        layer.loadNamedStyle(os.path.join(STYLES_DIR, f"sample_{STYLE.get(stem, stem)}.qml"))
        round_ramp_legend(layer)
        project.addMapLayer(layer, False)
        (background_group() if stem in BACKGROUND else group).addLayer(layer)
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
