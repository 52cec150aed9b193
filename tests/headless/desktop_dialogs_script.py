"""Run inside QGIS desktop (`qgis --code`): open the dialog of every `prospector` algorithm with real layers.

Part "all": every algorithm of the provider (and the shipped workflow model) with a real layer in every layer
parameter; a map-layer parameter that accepts rasters and points is tried with each. Part "panel": the workflow
panel's steps, clicked after steps 1..k have been recorded with real outputs, each with the panel's pre-fills.
Every dialog is shown, screenshotted and its widgets' values are read back, then it is closed.

Environment:
  PROSPECTOR_DIALOGS_OUT     folder for report.json and one PNG per dialog
  PROSPECTOR_DIALOGS_INPUTS  JSON file {"results": {step id: {output: path}}, "layers": {name: path}}
  PROSPECTOR_DIALOGS_SKIP    JSON list of dialog keys not to open again (already seen, or they killed QGIS)

report.json is rewritten before and after each dialog: "current" names the dialog being opened, so the test
can say which dialog killed QGIS when it dies on a signal.
"""

import json
import os
import sys
import time
import traceback

import qgis.utils
from qgis.core import (
    QgsApplication,
    QgsMapLayer,
    QgsProcessing,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingOutputLayerDefinition,
    QgsProject,
    QgsProperty,
    QgsRasterLayer,
    QgsVectorLayer,
)
from qgis.gui import QgsProcessingAlgorithmDialogBase
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtTest import QTest
from qgis.PyQt.QtWidgets import QApplication, QLabel, QScrollArea

OUT = os.environ["PROSPECTOR_DIALOGS_OUT"]
with open(os.environ["PROSPECTOR_DIALOGS_INPUTS"], encoding="utf-8") as _handle:
    INPUTS = json.load(_handle)
SKIP = set(json.loads(os.environ.get("PROSPECTOR_DIALOGS_SKIP") or "[]"))
SETTLE_MS = 400  # after show(): let queued signals, deferred widget updates and painting happen
HANG_S = 30  # one dialog open longer than this is a hang: screenshot, report, leave

report = {
    "errors": [],
    "messages": [],
    "dialogs": [],
    "skipped": sorted(SKIP),
    "current": None,
    "finished": False,
    "algorithms": [],
}
_current_since = [time.monotonic()]


def save_report():
    """Write report.json atomically and to disk now: the next dialog may take the process down."""
    path = os.path.join(OUT, "report.json")
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1, default=str)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(path + ".tmp", path)


def log_message(message, tag, level):
    report["messages"].append({"tag": tag, "level": int(level), "message": message, "during": report["current"]})


def record_exception(kind, value, tb):
    report["errors"].append(f"[{report['current']}] " + "".join(traceback.format_exception(kind, value, tb)))


QgsApplication.messageLog().messageReceived.connect(log_message)
sys.excepthook = record_exception  # never a blocking error dialog; the test reads them from report.json


def leave(code):
    save_report()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # closing windows could ask questions (unsaved project); nothing to keep


def watchdog():
    """A dialog that stays open (a message box inside it, a nested loop that never ends) must not hang the test."""
    if report["current"] and time.monotonic() - _current_since[0] > HANG_S:
        report["errors"].append(f"[{report['current']}] still open after {HANG_S} s: hung")
        modal = QApplication.activeModalWidget()
        (modal or qgis.utils.iface.mainWindow()).grab().save(os.path.join(OUT, "hang.png"))
        leave(4)


# ---- values ------------------------------------------------------------------------------------------------


def norm(text):
    text = str(text).split("|")[0]
    return os.path.realpath(text) if os.path.exists(text) else text


def sources(value):
    """What a parameter value points at: layer sources (files), whatever form the value takes."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [s for item in value for s in sources(item)]
    if isinstance(value, QgsProcessingFeatureSourceDefinition):
        value = value.source
    if isinstance(value, QgsProcessingOutputLayerDefinition):
        value = value.sink
    if isinstance(value, QgsProperty):
        value = value.staticValue()
    if isinstance(value, QgsMapLayer):
        return [norm(value.source())]
    layer = QgsProject.instance().mapLayer(str(value))
    return [norm(layer.source() if layer is not None else value)]


def as_strings(value):
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


LAYER_TYPES = {"raster", "multilayer", "source", "vector", "layer", "file"}


def check_value(definition, expected, actual):
    if definition.type() in LAYER_TYPES:
        want, got = sorted(sources(expected)), sorted(sources(actual))
    else:
        want, got = as_strings(expected), as_strings(actual)
        if definition.type() in ("number", "distance", "band"):
            want, got = [float(v) for v in want], [float(v) for v in got]
    return {"expected": want, "actual": got, "ok": bool(want) and want == got}


# ---- layers --------------------------------------------------------------------------------------------------


def load_layers():
    """The sample layers through the panel (as a user loads them) plus the headless outputs as map layers."""
    plugin = qgis.utils.plugins["geochem_prospector"]
    window = qgis.utils.iface.mainWindow()
    window.setGeometry(0, 0, 1400, 900)  # Xvfb has no window manager to maximise it
    plugin.panel_action.setChecked(True)
    samples = plugin.dock.panel.load_sample_data()
    project = QgsProject.instance()
    by_name = {stem: project.mapLayer(layer_id) for stem, layer_id in samples.items()}
    for name, path in INPUTS["layers"].items():
        if path.endswith(".tif"):
            layer = QgsRasterLayer(path, name)
        else:
            layer = QgsVectorLayer(path, name, "ogr")
        if not layer.isValid():
            raise RuntimeError(f"could not open {path}")
        project.addMapLayer(layer)
        by_name[name] = layer
    report["layers"] = {name: {"id": layer.id(), "source": layer.source()} for name, layer in by_name.items()}
    return plugin, by_name


# ---- parameter values per algorithm --------------------------------------------------------------------------

# (algorithm name or "*", parameter) -> layer name, or {kind: layer name}; otherwise the default of each kind
LAYER_CHOICE = {
    ("evaluate", "INPUT_RASTER"): "prediction",
    ("*", "CONFIDENCE"): "confidence",
    ("*", "DEPOSITS"): "deposits",
    ("*", "LABELS"): {"raster": "pseudolabels", "point": "deposits"},
    ("*", "training_deposits"): "deposits",
    ("*", "heldout_deposits"): "deposits",
    ("*", "NEGATIVES"): "lithology",
}
DEFAULT_LAYER = {
    "raster": "elements",
    "point": "till_geochemistry",
    "line": "faults",
    "polygon": "study_area",
    "any": "lithology",
}
FIELD_CHOICE = {
    ("interpolate", "FIELDS"): ["Cu", "Fe", "Th"],
    ("prospectivity_workflow", "elements"): ["Cu", "Th", "La"],
    ("pseudolabel", "LABEL_FIELD"): "in_study_area",
    ("evaluate", "NAME_FIELD"): "Name",
}


def choice(table, alg_name, parameter):
    return table.get((alg_name, parameter), table.get(("*", parameter)))


def layer_for(alg_name, name, layers, kind):
    """A layer id for one parameter: kind is 'raster', 'point', 'line', 'polygon' or 'any'."""
    named = choice(LAYER_CHOICE, alg_name, name)
    if isinstance(named, dict):
        named = named.get(kind)
    if named is None or (kind == "raster") != (layers[named].type() == QgsMapLayer.RasterLayer):
        named = DEFAULT_LAYER[kind]
    return layers[named].id()


def vector_kinds(data_types):
    """The geometry kinds a vector parameter accepts, the first one used by default."""
    kinds = [
        kind
        for data_type, kind in (
            (QgsProcessing.TypeVectorPoint, "point"),
            (QgsProcessing.TypeVectorPolygon, "polygon"),
            (QgsProcessing.TypeVectorLine, "line"),
        )
        if data_type in data_types
    ]
    anything = (QgsProcessing.TypeVectorAnyGeometry, QgsProcessing.TypeVector, QgsProcessing.TypeMapLayer)
    if not kinds and (not data_types or any(t in data_types for t in anything)):
        kinds.append("any")
    return kinds


def variants_for(algorithm, layers):
    """[(label, parameters)]: the first with every layer parameter filled, then one per other accepted kind."""
    alg_name = algorithm.name()
    base, options = {}, []
    for definition in algorithm.parameterDefinitions():
        name, kind = definition.name(), definition.type()
        if definition.isDestination():
            continue
        if kind == "raster":
            base[name] = layer_for(alg_name, name, layers, "raster")
        elif kind == "multilayer":
            if definition.layerType() == QgsProcessing.TypeRaster:
                base[name] = [layers["elements"].id(), layers["magnetics_tmi_nT"].id()]
            else:
                base[name] = [layer_for(alg_name, name, layers, k) for k in vector_kinds([definition.layerType()])]
        elif kind in ("source", "vector"):
            base[name] = layer_for(alg_name, name, layers, vector_kinds(definition.dataTypes())[0])
        elif kind == "layer":
            types = definition.dataTypes()
            anything = not types or QgsProcessing.TypeMapLayer in types
            kinds = (["raster"] if anything or QgsProcessing.TypeRaster in types else []) + (
                ["point"] if anything else vector_kinds(types)
            )
            values = [(k, layer_for(alg_name, name, layers, k)) for k in kinds]
            base[name] = values[0][1]
            if len(values) > 1:  # one dialog per kind of layer it accepts
                options += [(f"{name}={k}", {name: v}) for k, v in values]
        elif kind == "field":
            value = choice(FIELD_CHOICE, alg_name, name)
            if value is None:
                parent = algorithm.parameterDefinition(definition.parentLayerParameterName())
                layer = QgsProject.instance().mapLayer(base.get(parent.name(), "")) if parent else None
                names = layer.fields().names() if isinstance(layer, QgsVectorLayer) else []
                value = (names[:2] if definition.allowMultiple() else names[0]) if names else None
            if value is not None:
                base[name] = value
        elif kind == "band":
            base[name] = 1
        elif kind == "file" and definition.extension():
            path = INPUTS["files"].get(definition.extension())
            if path:
                base[name] = path
    if not options:
        return [("", base)]
    variants = []
    for label, change in options:
        parameters = dict(base, **change)
        if alg_name == "traincnn" and label.endswith("=point"):
            parameters["LABEL_FIELD"] = "in_study_area"  # point labels need their class field
        variants.append((label, parameters))
    return variants


# ---- one dialog --------------------------------------------------------------------------------------------


def begin(key):
    report["current"] = key
    _current_since[0] = time.monotonic()
    save_report()


def end(entry):
    report["dialogs"].append(entry)
    report["current"] = None
    save_report()


def png_name(key):
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in key) + ".png"


def inspect(dialog, key, algorithm_id, expected, entry):
    """Screenshot the shown dialog, read its widgets back, and close it."""
    dialog.resize(1100, 860)  # room for the inputs: Xvfb has no window manager to size it
    QTest.qWait(SETTLE_MS)
    entry["visible"] = dialog.isVisible()
    entry["title"] = dialog.windowTitle()
    pixmap = dialog.grab()
    path = os.path.join(OUT, png_name(key))
    pixmap.save(path)
    # every parameter, also those below the scroll area's fold
    scroll = dialog.mainWidget().findChild(QScrollArea)
    if scroll is not None and scroll.widget() is not None:
        scroll.widget().grab().save(path[: -len(".png")] + "_all.png")
    image = pixmap.toImage()
    small = image.scaled(160, 120)
    entry["screenshot"] = path
    entry["size"] = [image.width(), image.height()]
    entry["colours"] = len({small.pixel(x, y) for x in range(small.width()) for y in range(small.height())})
    panel = dialog.mainWidget()
    wrappers = getattr(panel, "wrappers", {})
    algorithm = dialog.algorithm()
    entry["values"] = {}
    entry["layer_parameters"] = [
        d.name()
        for d in algorithm.parameterDefinitions()
        if d.type() in LAYER_TYPES | {"field"} and not d.isDestination()
    ]
    for name, value in expected.items():
        definition = algorithm.parameterDefinition(name)
        wrapper = wrappers.get(name)
        if definition is None or wrapper is None:
            entry["values"][name] = {"expected": as_strings(value), "actual": None, "ok": False, "why": "no widget"}
            continue
        entry["values"][name] = check_value(definition, value, wrapper.parameterValue())
    # labels beside distance widgets: units, or a warning when the parent gives none
    entry["distance_labels"] = {}
    for definition in algorithm.parameterDefinitions():
        wrapper = wrappers.get(definition.name())
        if definition.type() == "distance" and wrapper is not None and wrapper.wrappedWidget() is not None:
            texts = [label.text() for label in wrapper.wrappedWidget().findChildren(QLabel) if label.isVisible()]
            entry["distance_labels"][definition.name()] = texts
    try:
        created = dialog.createProcessingParameters()
        entry["created"] = sorted(created)
        entry["create_error"] = None
    except Exception as exc:  # noqa: BLE001 (InvalidParameterValue names the widget left empty)
        parameter = getattr(exc, "parameter", None)
        entry["create_error"] = f"{type(exc).__name__}: {parameter.name() if parameter is not None else exc}"
    entry["shown"] = True


def open_dialog(key, algorithm_id, parameters, phase):
    """Part "all": processing.createAlgorithmDialog, show(), inspect, close."""
    from processing import createAlgorithmDialog

    begin(key)
    entry = {"key": key, "algorithm": algorithm_id, "phase": phase, "parameters": parameters, "shown": False}
    dialog = None
    try:
        dialog = createAlgorithmDialog(algorithm_id, parameters)
        entry["created_dialog"] = dialog is not None
        if dialog is not None:
            dialog.show()
            inspect(dialog, key, algorithm_id, parameters, entry)
    except Exception:  # noqa: BLE001
        entry["error"] = traceback.format_exc()
        report["errors"].append(f"[{key}] {entry['error']}")
    finally:
        if dialog is not None:
            dialog.close()
            dialog.deleteLater()
        QTest.qWait(50)
    end(entry)


def run_all(layers):
    provider = QgsApplication.processingRegistry().providerById("prospector")
    algorithms = sorted(provider.algorithms(), key=lambda a: a.id())
    report["algorithms"] = [a.id() for a in algorithms]
    save_report()
    for algorithm in algorithms:
        for label, parameters in variants_for(algorithm, layers):
            key = f"all:{algorithm.id()}" + (f":{label}" if label else "")
            if key not in SKIP:
                open_dialog(key, algorithm.id(), parameters, "all")


# ---- the workflow panel ------------------------------------------------------------------------------------


def run_panel(plugin):
    """Steps 1..k recorded with real outputs, then each later step clicked in the panel with its pre-fills."""
    from geochem_prospector.ui import workflow_panel
    from geochem_prospector.ui.steps import STEPS

    panel = plugin.dock.panel
    pending = {}

    def runner(algorithm_id, parameters, on_log):
        # the panel's own runner (modal exec_); a timer inspects and closes the dialog from inside its loop
        key, entry = pending["key"], pending["entry"]
        entry.update(algorithm=algorithm_id, parameters=parameters, runner_called=True)
        started = time.monotonic()

        def poll():
            modal = QApplication.activeModalWidget()
            dialogs = [
                w
                for w in QApplication.topLevelWidgets()
                if isinstance(w, QgsProcessingAlgorithmDialogBase) and w.isVisible()
            ]
            entry["seen_modal"] = [type(modal).__name__, [type(w).__name__ for w in dialogs]]
            if dialogs:
                modal = dialogs[-1]
                try:
                    inspect(modal, key, algorithm_id, parameters, entry)
                except Exception:  # noqa: BLE001
                    entry["error"] = traceback.format_exc()
                    report["errors"].append(f"[{key}] {entry['error']}")
                modal.close()
            elif time.monotonic() - started > 10:
                entry["error"] = "the dialog did not appear within 10 s"
                report["errors"].append(f"[{key}] {entry['error']}")
                if modal is not None:
                    modal.close()
            else:
                QTimer.singleShot(100, poll)

        QTimer.singleShot(100, poll)
        return workflow_panel.run_algorithm_dialog(algorithm_id, parameters, on_log)

    panel.runner = runner
    panel.outputs = {}
    panel.save_outputs()
    seen = set()
    for k in range(len(STEPS)):
        if k:
            previous = STEPS[k - 1].step_id
            panel.record_results(previous, INPUTS["results"][previous])
        done = STEPS[k - 1].step_id if k else "none"
        for step in STEPS[k:]:
            parameters = panel.parameters_for(step.step_id)
            signature = (step.step_id, json.dumps(parameters, sort_keys=True, default=str))
            if signature in seen:
                continue  # the same pre-fills as after an earlier step
            seen.add(signature)
            key = f"panel:after_{done}:{step.step_id}"
            if key in SKIP:
                continue
            begin(key)
            state = panel.step_state(step.step_id)[0]
            entry = {"key": key, "phase": "panel", "step": step.step_id, "stage": k, "state": state, "shown": False}
            entry["prefill"] = parameters
            pending.update(key=key, entry=entry)
            button = panel.rows[step.step_id]["button"]
            entry["button_enabled"] = button.isEnabled()
            try:
                if button.isEnabled():
                    button.click()  # as a user: open_step -> parameters_for -> the dialog
                else:
                    panel.open_step(step.step_id)
            except Exception:  # noqa: BLE001
                entry["error"] = traceback.format_exc()
                report["errors"].append(f"[{key}] {entry['error']}")
            QTest.qWait(50)
            end(entry)
    report["panel_outputs"] = panel.outputs
    report["panel_states"] = {step.step_id: panel.step_state(step.step_id)[0] for step in STEPS}


def main():
    try:
        report["active_plugins"] = list(qgis.utils.active_plugins)
        plugin, layers = load_layers()
        from geochem_prospector.core.dependencies import check_torch

        report["torch"] = check_torch()[0]
        QTest.qWait(500)
        run_all(layers)
        run_panel(plugin)
        report["finished"] = True
    except Exception:  # noqa: BLE001
        report["errors"].append(f"[{report['current']}] " + traceback.format_exc())
    leave(0)


QTimer.singleShot(1500, main)
_watchdog = QTimer()
_watchdog.timeout.connect(watchdog)
_watchdog.start(1000)
