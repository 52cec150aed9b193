"""Run inside QGIS desktop (`qgis --code`): run interpolate, anomalies and pseudolabel through their real dialogs
(Run button, background task, QGIS's own result loading), then record the layer tree and legends and screenshot.

Writes into $PROSPECTOR_OUTPUTS_OUT: report.json, main_window.png, and <step>_dialog.png.
"""

import json
import os
import sys
import time
import traceback

import qgis.utils
from qgis.core import QgsApplication, QgsLayerTreeGroup, QgsProject, QgsRasterLayer
from qgis.PyQt.QtCore import Qt, QTimer
from qgis.PyQt.QtTest import QTest

OUT = os.environ["PROSPECTOR_OUTPUTS_OUT"]
report = {"errors": [], "messages": [], "runs": {}}


def log_message(message, tag, level):
    report["messages"].append({"tag": tag, "level": int(level), "message": message})


def record_exception(kind, value, tb):
    report["errors"].append("".join(traceback.format_exception(kind, value, tb)))


QgsApplication.messageLog().messageReceived.connect(log_message)
sys.excepthook = record_exception


def run_dialog(algorithm_id, parameters, timeout=120.0):
    """Open the algorithm's dialog with ``parameters``, press Run, wait for the task; its results."""
    from processing import createAlgorithmDialog

    dialog = createAlgorithmDialog(algorithm_id, parameters)
    dialog.show()
    QTest.qWait(300)
    dialog.grab().save(os.path.join(OUT, f"{algorithm_id.split(':')[1]}_dialog.png"))
    # what the form's standard widgets hand to the algorithm (the band choosers among them)
    given = dialog.mainWidget().createProcessingParameters()
    chosen = {k: v for k, v in given.items() if k in ("ELEMENT_BANDS", "ASSOCIATION_BANDS", "BANDS", "ASSOCIATION")}
    report.setdefault("dialogs", {})[algorithm_id] = {"title": dialog.windowTitle(), "given": chosen}
    dialog.runButton().click()
    started = time.monotonic()
    while not dialog.wasExecuted() and time.monotonic() - started < timeout:
        QTest.qWait(200)
    QTest.qWait(300)  # the layers load in the dialog's finish()
    results = dict(dialog.results() or {})
    report["runs"][algorithm_id] = {"executed": dialog.wasExecuted(), "seconds": time.monotonic() - started}
    dialog.close()
    return {k: v for k, v in results.items() if isinstance(v, str)}


def describe(node):
    """Groups and layers, top to bottom: name, checked, legend labels."""
    entry = {"name": node.name(), "checked": node.itemVisibilityChecked()}
    if isinstance(node, QgsLayerTreeGroup):
        entry["children"] = [describe(child) for child in node.children()]
        return entry
    layer = node.layer()
    entry["kind"] = "raster" if isinstance(layer, QgsRasterLayer) else "vector"
    renderer = layer.renderer()
    if isinstance(layer, QgsRasterLayer):
        entry["legend"] = [label for label, _ in renderer.legendSymbologyItems()]
    else:
        entry["legend"] = [item.label() for item in renderer.legendSymbolItems()]
        entry["subset"] = layer.subsetString()
    entry["source"] = layer.source()
    model = qgis.utils.iface.layerTreeView().layerTreeModel()  # what the Layers panel shows under the layer
    entry["legend_shown"] = [str(n.data(Qt.DisplayRole)) for n in model.layerLegendNodes(node)]
    return entry


def toolbox_groups():
    """The plugin's groups and algorithm names as the Processing toolbox dock lists them, top to bottom."""
    from qgis.gui import QgsProcessingToolboxTreeView
    from qgis.PyQt.QtCore import QModelIndex

    view = qgis.utils.iface.mainWindow().findChild(QgsProcessingToolboxTreeView)
    if view is None:
        report["errors"].append("no Processing toolbox tree view in the main window")
        return {}
    model = view.model()
    groups = {}

    def walk(parent, path):
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            text = str(model.data(index, Qt.DisplayRole))
            algorithm = view.algorithmForIndex(index)
            if algorithm is None:
                walk(index, path + [text])
            elif algorithm.provider() is not None and algorithm.provider().id() == "prospector":
                groups.setdefault(path[-1] if path else "", []).append([algorithm.name(), text])

    walk(QModelIndex(), [])
    return groups


def main():
    try:
        window = qgis.utils.iface.mainWindow()
        window.setGeometry(0, 0, 1400, 900)
        plugin = qgis.utils.plugins["geochem_prospector"]
        sample = plugin.load_sample_data() or {}
        from geochem_prospector.ui.sample_data import loaded_sample_layers

        sample = loaded_sample_layers()
        till, area, deposits = sample["till_geochemistry"], sample["study_area"], sample["deposits"]
        elements = run_dialog(
            "prospector:interpolate",
            {"INPUT": till, "FIELDS": ["Cu", "Fe", "Th"], "PIXEL_SIZE": 2000, "MASK": area},
        ).get("OUTPUT")
        report["elements"] = elements
        report["toolbox"] = toolbox_groups()
        run_dialog(
            "prospector:anomalies",
            {
                "INPUT_RASTER": elements,
                "ELEMENT_BANDS": [1, 3],  # Cu and Th of Cu, Fe, Th, in the band chooser
                "ASSOCIATION_BANDS": [1, 3],
                "INPUT": till,
                "DEPOSITS": deposits,
                "MASK": area,
                "OUTPUT_INDEX": "TEMPORARY_OUTPUT",
            },
        )
        run_dialog("prospector:pseudolabel", {"INPUT_RASTERS": [elements], "LABELS": deposits, "MASK": area})
        root = QgsProject.instance().layerTreeRoot()
        report["tree"] = [describe(child) for child in root.children()]
        from geochem_prospector.ui.sample_data import GROUP, zoom_to_study_area

        zoom_to_study_area(qgis.utils.iface.mapCanvas())
        # for the screenshot: the step groups and the element legend in view, other legends folded
        for node in root.findLayers():
            node.setExpanded(isinstance(node.layer(), QgsRasterLayer) and node.parent().name() == "Geochemistry")
        sample_group = root.findGroup(GROUP)
        if sample_group is not None:
            sample_group.setExpanded(False)
        from qgis.PyQt.QtWidgets import QDockWidget

        for dock in window.findChildren(QDockWidget):
            if dock.objectName() in ("Browser", "Browser2"):
                dock.hide()  # room for the layer tree
    except Exception:  # noqa: BLE001
        report["errors"].append(traceback.format_exc())
    QTimer.singleShot(3000, finish)


def finish():
    try:
        qgis.utils.iface.mainWindow().grab().save(os.path.join(OUT, "main_window.png"))
    except Exception:  # noqa: BLE001
        report["errors"].append(traceback.format_exc())
    with open(os.path.join(OUT, "report.json"), "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


QTimer.singleShot(1500, main)
