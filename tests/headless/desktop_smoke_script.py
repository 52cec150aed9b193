"""Run inside QGIS desktop (`qgis --code`): open the workflow panel, load the sample data, screenshot, quit.

Writes into $PROSPECTOR_SMOKE_OUT: screenshot.png (main window), panel.png (the dock), report.json.
"""

import json
import os
import sys
import traceback

import qgis.utils
from qgis.core import QgsApplication, QgsProject
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication

OUT = os.environ["PROSPECTOR_SMOKE_OUT"]
report = {"errors": [], "messages": [], "steps": {}}


def log_message(message, tag, level):
    report["messages"].append({"tag": tag, "level": int(level), "message": message})


def record_exception(kind, value, tb):
    report["errors"].append("".join(traceback.format_exception(kind, value, tb)))


QgsApplication.messageLog().messageReceived.connect(log_message)
sys.excepthook = record_exception  # never a blocking error dialog; the test reads them from report.json


def open_panel():
    try:
        report["active_plugins"] = list(qgis.utils.active_plugins)
        plugin = qgis.utils.plugins.get("geochem_prospector")
        report["plugin_loaded"] = plugin is not None
        if plugin is not None:
            window = qgis.utils.iface.mainWindow()
            window.setGeometry(0, 0, 1400, 900)  # Xvfb has no window manager to maximise it
            plugin.panel_action.setChecked(True)
            plugin.load_sample_data()
            panel = plugin.dock.panel
            report["dock_visible"] = plugin.dock.isVisible()
            report["steps"] = {step: panel.step_state(step)[0] for step in panel.rows}
            layers = QgsProject.instance().mapLayers().values()
            report["layers"] = sorted(layer.name() for layer in layers)
            report["renderers"] = {layer.name(): layer.renderer().type() for layer in layers}
            # a few epochs in the monitor, as the CNN step would log them, so the screenshot shows the chart
            for epoch in range(1, 13):
                panel.monitor.feed_line(
                    f"Epoch {epoch}/30 train_loss={0.69 * 0.86**epoch + 0.1:.3f} val_loss={0.7 * 0.9**epoch + 0.16:.3f} "
                    f"train_acc={0.95 - 0.4 * 0.8**epoch:.3f} val_acc={0.88 - 0.38 * 0.83**epoch:.3f}"
                )
    except Exception:  # noqa: BLE001
        report["errors"].append(traceback.format_exc())
    QTimer.singleShot(4000, screenshot)


def screenshot():
    try:
        plugin = qgis.utils.plugins.get("geochem_prospector")
        qgis.utils.iface.mainWindow().grab().save(os.path.join(OUT, "screenshot.png"))
        if plugin is not None and plugin.dock is not None:
            plugin.dock.grab().save(os.path.join(OUT, "panel.png"))
        # the install dialog as a user sees it; the pip command it would run (not run here)
        from geochem_prospector.ui.install_dialog import InstallDependenciesDialog

        dialog = InstallDependenciesDialog(QgsApplication.qgisSettingsDirPath(), qgis.utils.iface.mainWindow())
        dialog.show()
        QApplication.processEvents()
        dialog.grab().save(os.path.join(OUT, "install_dialog.png"))
        report["python"] = dialog.python
        report["install_command"] = dialog.install_command()
        dialog.close()
    except Exception:  # noqa: BLE001
        report["errors"].append(traceback.format_exc())
    finally:
        with open(os.path.join(OUT, "report.json"), "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=1)
        # leave at once: closing windows could ask questions (unsaved project, layers in a temp folder)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


QTimer.singleShot(1500, open_panel)
