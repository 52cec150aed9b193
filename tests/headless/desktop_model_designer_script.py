"""Run inside QGIS desktop (`qgis --code`): open the shipped workflow model in the Model Designer, screenshot it, quit.

Writes into $PROSPECTOR_DESIGNER_OUT: designer.png and report.json (the scene rectangle of every box the designer
drew: inputs, steps and outputs, keyed by their text).
"""

import json
import os
import sys
import traceback

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication

OUT = os.environ["PROSPECTOR_DESIGNER_OUT"]
report = {"errors": [], "boxes": []}
state = {}


def record_exception(kind, value, tb):
    report["errors"].append("".join(traceback.format_exception(kind, value, tb)))


sys.excepthook = record_exception  # never a blocking error dialog; the test reads them from report.json


def finish():
    with open(os.path.join(OUT, "report.json"), "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)
    QApplication.exit(0)


def open_designer():
    try:
        from processing.modeler.ModelerDialog import ModelerDialog
        from qgis.gui import QgsModelComponentGraphicItem

        model = QgsApplication.processingRegistry().algorithmById("prospector:prospectivity_workflow")
        report["loaded"] = model is not None
        dialog = ModelerDialog.create(model.create())
        dialog.setGeometry(0, 0, 1400, 900)
        dialog.show()
        state["dialog"] = dialog
        dialog.view().fitInView(dialog.view().scene().itemsBoundingRect())
        for item in dialog.view().scene().items():
            if isinstance(item, QgsModelComponentGraphicItem) and item.isVisible():
                rect = item.sceneBoundingRect()
                report["boxes"].append(
                    {
                        "kind": type(item.component()).__name__,
                        "label": item.label(),
                        "rect": [rect.x(), rect.y(), rect.width(), rect.height()],
                    }
                )
        QTimer.singleShot(1500, screenshot)
    except Exception:
        report["errors"].append(traceback.format_exc())
        finish()


def screenshot():
    try:
        state["dialog"].grab().save(os.path.join(OUT, "designer.png"))
    except Exception:
        report["errors"].append(traceback.format_exc())
    finish()


QTimer.singleShot(3000, open_designer)
