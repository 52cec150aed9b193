"""The workflow dock: the seven steps in order, each opening its algorithm dialog pre-filled from the last step.

A step whose algorithm is not registered (not in this version, or its provider failed) shows as unavailable;
the panel refreshes when providers change, so steps light up as they are added. Outputs of the steps run
from the panel are kept in the project file, so a reopened project still knows what is done.
"""

from __future__ import annotations

import json
import math
import os
from typing import Callable, Dict, List, Mapping, Optional, Tuple

from qgis.core import QgsApplication, QgsProject
from qgis.PyQt.QtCore import QSize, Qt, pyqtSignal
from qgis.PyQt.QtGui import QFont, QIcon
from qgis.PyQt.QtWidgets import (
    QDockWidget,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..algorithms.help import WORKFLOW_STEPS
from ..common import ICONS_DIR, tr
from ..core import dependencies as deps
from . import sample_data
from .steps import MAIN_OUTPUTS, STEPS, Step, prefill_parameters, step_by_id
from .training_monitor import TrainingChart

PROJECT_SCOPE = "geochem_prospector"
# the start of the toolbox names of the workflow steps the panel has no button for
TOOLBOX_NAMES = {"trainmodel": "Train prospectivity model", "comparemodels": "Compare models"}
PROJECT_KEY = "workflow_outputs"
GIVEN_KEY = "workflow_given"
# a runner's results may carry, under this key, the layers the user chose in the dialog (parameter -> layer id,
# source or list of them): later steps offer the same deposits, study area and samples
GIVEN = "__given_layers__"
RUN_KEY = "__run__"  # in a step's remembered layers: the order of its run among the panel's runs
LAYER_TYPES = ("source", "vector", "raster", "multilayer", "layer", "mesh", "pointcloud")

# state -> theme icon
ICONS = {
    "done": "/mTaskComplete.svg",
    "ready": "/mTaskQueued.svg",
    "running": "/mTaskRunning.svg",
    "blocked": "/mIconWarning.svg",
    "unavailable": "/mTaskOnHold.svg",
}

# (algorithm id, parameters, log callback) -> results dict, or None when the dialog was closed without a run
DialogRunner = Callable[[str, Dict[str, object], Optional[Callable[[str], None]]], Optional[Mapping[str, object]]]


def run_algorithm_dialog(
    algorithm_id: str, parameters: Dict[str, object], on_log: Optional[Callable[[str], None]] = None
) -> Optional[Mapping[str, object]]:
    """Open QGIS's own dialog for the algorithm (modal), forwarding its log text; return its results."""
    from processing import createAlgorithmDialog
    from qgis.PyQt.QtWidgets import QTextEdit
    from qgis.utils import iface

    dialog = createAlgorithmDialog(algorithm_id, parameters)
    if dialog is None:
        return None
    if on_log is not None:
        log = dialog.findChild(QTextEdit, "txtLog")
        if log is not None:
            consumed = [0]

            def forward() -> None:
                text = log.toPlainText()
                if len(text) < consumed[0]:
                    consumed[0] = 0  # the dialog cleared its log for a new run
                chunk, consumed[0] = text[consumed[0] :], len(text)
                if chunk:
                    on_log(chunk)

            log.textChanged.connect(forward)
    canvas = iface.mapCanvas() if iface is not None else None
    previous_tool = canvas.mapTool() if canvas is not None else None
    dialog.show()
    dialog.exec_()
    if canvas is not None and canvas.mapTool() != previous_tool:
        canvas.setMapTool(previous_tool)
    results = dialog.results()
    if results:
        results = dict(results)
        results[GIVEN] = given_layers(dialog.algorithm(), dialog.createProcessingParameters())
    dialog.close()
    return results


def given_layers(algorithm, parameters: Mapping[str, object]) -> Dict[str, object]:
    """The layer parameters of a run as plain strings (layer ids or sources; lists for multiple layers)."""
    from qgis.core import QgsMapLayer, QgsProcessingFeatureSourceDefinition, QgsProperty

    def plain(value):
        if isinstance(value, (list, tuple)):
            items = [plain(v) for v in value]
            return [v for v in items if v]
        if isinstance(value, QgsProcessingFeatureSourceDefinition):
            value = value.source
        if isinstance(value, QgsProperty):
            value = value.staticValue()
        if isinstance(value, QgsMapLayer):
            value = value.id()
        return value if isinstance(value, str) else ""

    kept: Dict[str, object] = {}
    for definition in algorithm.parameterDefinitions():
        if definition.type() in LAYER_TYPES and not definition.isDestination():
            value = plain(parameters.get(definition.name()))
            if value:
                kept[definition.name()] = value
    return kept


class WorkflowPanel(QWidget):
    """Steps, their state, the sample-data and install buttons, and the training monitor."""

    step_finished = pyqtSignal(str)
    sample_data_loaded = pyqtSignal()
    install_requested = pyqtSignal()

    def __init__(
        self,
        parent=None,
        project: Optional[QgsProject] = None,
        runner: Optional[DialogRunner] = None,
        torch_check: Callable[[], Tuple[bool, str]] = deps.check_torch,
        provider_id: str = "prospector",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("GeoChemProspectorWorkflowPanel")
        self.project = project or QgsProject.instance()
        self.runner = runner or run_algorithm_dialog
        self.torch_check = torch_check
        self.provider_id = provider_id
        self.outputs: Dict[str, Dict[str, object]] = {}
        self.given: Dict[str, Dict[str, object]] = {}  # step id -> the layers the user chose for its run
        self.running: Optional[str] = None
        self.rows: Dict[str, Dict[str, QWidget]] = {}
        self._build_ui()
        self.load_outputs()
        registry = QgsApplication.processingRegistry()
        registry.providerAdded.connect(self.refresh)
        registry.providerRemoved.connect(self.refresh)
        self.project.readProject.connect(self.load_outputs)
        self.project.cleared.connect(self.load_outputs)
        # Processing feedback is also logged under "Processing": the monitor follows a training run
        # started anywhere (toolbox, modeler, this panel); queued because algorithms log from worker threads
        QgsApplication.messageLog().messageReceived.connect(self._on_log_message, Qt.QueuedConnection)
        self.refresh()

    def teardown(self) -> None:
        """Disconnect from the registry and the project (the plugin is unloading)."""
        registry = QgsApplication.processingRegistry()
        for signal, slot in (
            (registry.providerAdded, self.refresh),
            (registry.providerRemoved, self.refresh),
            (self.project.readProject, self.load_outputs),
            (self.project.cleared, self.load_outputs),
            (QgsApplication.messageLog().messageReceived, self._on_log_message),
        ):
            try:
                signal.disconnect(slot)
            except (TypeError, RuntimeError):
                pass

    # ---- UI ------------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        actions = QHBoxLayout()
        self.sample_button = QToolButton()
        self.sample_button.setObjectName("loadSampleData")
        self.sample_button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.sample_button.setIcon(QIcon(os.path.join(ICONS_DIR, "sample_data.svg")))
        self.sample_button.setText(tr("Load sample data"))
        self.sample_button.setToolTip(
            tr("Add the bundled Central Lapland layers (till geochemistry, deposits, geology, magnetics; GTK)")
        )
        self.sample_button.clicked.connect(self.load_sample_data)
        actions.addWidget(self.sample_button)
        actions.addStretch(1)
        layout.addLayout(actions)

        # shown while torch is missing: what it means and the one button that fixes it
        self.banner = QFrame()
        self.banner.setObjectName("banner")
        self.banner.setStyleSheet("QFrame#banner { background: #fff4d6; border: 1px solid #e0c070; }")
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.setContentsMargins(6, 4, 6, 4)
        self.banner_label = QLabel(
            tr("PyTorch is not installed: Train CNN, Compare models and Predict with a CNN need it.")
        )
        self.banner_label.setWordWrap(True)
        banner_layout.addWidget(self.banner_label, 1)
        self.install_button = QToolButton()
        self.install_button.setObjectName("installDependencies")
        self.install_button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.install_button.setIcon(QIcon(os.path.join(ICONS_DIR, "install.svg")))
        self.install_button.setText(tr("Install PyTorch…"))
        self.install_button.setToolTip(tr("Install PyTorch into a folder private to this plugin (about 200 MB)"))
        self.install_button.clicked.connect(self.install_requested.emit)
        banner_layout.addWidget(self.install_button)
        layout.addWidget(self.banner)

        steps_box = QGroupBox(tr("Workflow"))
        grid = QGridLayout(steps_box)
        grid.setColumnStretch(1, 1)
        grid.setVerticalSpacing(1)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        for index, step in enumerate(STEPS):
            icon = QLabel()
            icon.setFixedSize(QSize(18, 18))
            # the step's number in the toolbox and the dialogs' titles ("4 · Pseudo-label cells…")
            button = QPushButton(f"{WORKFLOW_STEPS.get(step.step_id, index + 1)}. {tr(step.title)}")
            button.setObjectName(f"step_{step.step_id}")
            button.setStyleSheet("text-align: left; padding: 3px 8px;")
            button.clicked.connect(lambda _checked=False, s=step.step_id: self.open_step(s))
            detail = QLabel()
            detail.setObjectName(f"detail_{step.step_id}")
            detail.setWordWrap(True)
            detail.setFont(small)
            detail.setContentsMargins(8, 0, 0, 6)
            detail.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
            detail.linkActivated.connect(lambda _link: self.install_requested.emit())
            row = grid.rowCount()
            grid.addWidget(icon, row, 0)
            grid.addWidget(button, row, 1)
            grid.addWidget(detail, row + 1, 1)
            self.rows[step.step_id] = {"icon": icon, "button": button, "detail": detail}
            skipped = toolbox_only_steps(step.step_id)
            if skipped:
                # the numbers jump (5 to 8): say where the steps in between are, or they look missing
                note = QLabel(
                    tr("{}: in the Processing toolbox, GeoChem Prospector").format(
                        "; ".join(f"{number} · {name}" for number, name in skipped)
                    )
                )
                note.setObjectName(f"toolbox_steps_after_{step.step_id}")
                note.setWordWrap(True)
                note_font = QFont(small)
                note_font.setItalic(True)  # a pointer, not a step button (greyed text was too faint to read)
                note.setFont(note_font)
                note.setContentsMargins(8, 0, 0, 6)
                note.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
                grid.addWidget(note, row + 2, 1)
        layout.addWidget(steps_box)

        monitor_box = QGroupBox(tr("Training monitor"))
        monitor_layout = QVBoxLayout(monitor_box)
        self.monitor = TrainingChart()
        self.monitor.setObjectName("trainingMonitor")
        monitor_layout.addWidget(self.monitor)
        layout.addWidget(monitor_box, 1)

    def _on_log_message(self, message: str, tag: str, _level) -> None:
        if tag == "Processing" and "poch" in message:
            for line in message.splitlines():
                self.monitor.feed_line(line)

    # ---- state -----------------------------------------------------------------------------------

    def algorithm_id(self, step: Step) -> str:
        return f"{self.provider_id}:{step.step_id}"

    def algorithm(self, step: Step):
        return QgsApplication.processingRegistry().algorithmById(self.algorithm_id(step))

    def step_state(self, step_id: str) -> Tuple[str, str]:
        """(state, message): unavailable, blocked, running, done or ready."""
        step = step_by_id(step_id)
        algorithm = self.algorithm(step)
        if algorithm is None:
            return "unavailable", tr("Not in this version of the plugin yet.")
        if self.running == step_id:
            return "running", tr("Running…")
        if step.needs_torch:
            ok, message = self.torch_check()
            if not ok:
                return "blocked", message
        ok, message = _can_execute(algorithm)
        if not ok:
            return "blocked", message
        if self.is_done(step_id):
            return "done", self._output_summary(step_id)
        return "ready", tr(step.description)

    def is_done(self, step_id: str) -> bool:
        """A step is done when an output it recorded still exists (a file or a layer of the project)."""
        for value in self.outputs.get(step_id, {}).values():
            if isinstance(value, str) and value:
                if os.path.exists(value.split("|")[0]) or self.project.mapLayer(value) is not None:
                    return True
        return False

    def _output_summary(self, step_id: str) -> str:
        outputs = self.outputs.get(step_id, {})
        auc = outputs.get("AUC")
        if isinstance(auc, float) and math.isfinite(auc):  # evaluate: the figure it is run for, not its report
            on_training, used = outputs.get("DEPOSITS_ON_TRAINING"), outputs.get("DEPOSITS_USED")
            if isinstance(on_training, (int, float)) and on_training < 0:  # too many training points recorded
                return tr(
                    "Done: ROC AUC {:.3f}; whether these deposits were trained on cannot be told (see the log)"
                ).format(auc)
            if on_training:  # deposits the model learnt from: there the figure is fit, not skill
                return tr(
                    "Done: ROC AUC {:.3f}; {} of {} deposits on cells the model was trained on (fit, not skill)"
                ).format(auc, int(on_training), int(used) if used else "the")
            return tr("Done: ROC AUC {:.3f}").format(auc)
        for key in MAIN_OUTPUTS:
            value = outputs.get(key)
            if isinstance(value, str) and value:
                name = self._loaded_name(value)
                if not name:  # a file no layer shows (a model, a report): QGIS's temporary names say nothing
                    path = value.split("|")[0]
                    name = os.path.basename(path)
                    if _is_temporary(path):
                        # QGIS names a temporary file after the parameter ("OUTPUT_MODEL.pt"): the form's label
                        name = self._output_label(step_id, key) or name
                        name = tr("{} (a temporary file, deleted when QGIS closes)").format(name)
                return tr("Done: {}").format(name)
        return tr("Done")

    def _output_label(self, step_id: str, key: str) -> str:
        """The label the step's dialog shows for output ``key`` ('Model file'), '' when unknown."""
        algorithm = self.algorithm(step_by_id(step_id))
        definition = algorithm.parameterDefinition(key) if algorithm is not None else None
        return definition.description() if definition is not None else ""

    def _loaded_name(self, output: str) -> str:
        """The name of the project layer showing ``output`` ('' when it is not loaded): what the user sees."""
        wanted = os.path.normcase(os.path.realpath(output.split("|")[0]))
        for layer in self.project.mapLayers().values():
            if os.path.normcase(os.path.realpath(layer.source().split("|")[0])) == wanted:
                return layer.name()
        return ""

    def refresh(self, *_args) -> None:
        torch_ok, torch_message = self.torch_check()
        self.banner.setVisible(not torch_ok)
        for step in STEPS:
            state, message = self.step_state(step.step_id)
            row = self.rows[step.step_id]
            row["icon"].setPixmap(QgsApplication.getThemeIcon(ICONS[state]).pixmap(16, 16))
            row["icon"].setToolTip(state)
            row["icon"].setProperty("state", state)
            row["button"].setEnabled(state in ("ready", "done"))
            row["button"].setToolTip(tr(step.description))
            if state == "blocked" and step.needs_torch and not torch_ok:
                row["detail"].setText(tr('Needs PyTorch: <a href="install">install it</a>'))
                row["detail"].setToolTip(message)
            else:
                row["detail"].setText(_escape(message))
                row["detail"].setToolTip(message)
            row["detail"].setEnabled(state != "unavailable")

    # ---- actions ---------------------------------------------------------------------------------

    def parameters_for(self, step_id: str) -> Dict[str, object]:
        """Initial dialog parameters: the previous steps' outputs and the loaded sample layers."""
        step = step_by_id(step_id)
        algorithm = self.algorithm(step)
        if algorithm is None:
            return {}
        definitions = algorithm.parameterDefinitions()
        names = [d.name() for d in definitions]
        multiple = [d.name() for d in definitions if d.type() == "multilayer"]
        samples = sample_data.loaded_sample_layers(self.project)
        return prefill_parameters(step, names, self.outputs, samples, multiple, self.given_layers())

    def given_layers(self) -> Dict[str, object]:
        """The layer(s) the user chose, under 'PARAMETER' (the choice of the step run last wins) and under
        'step:PARAMETER' (that step's own choice: pseudolabel's LABELS are points, traincnn's a label raster); only
        those still in the project (by id) or on disk."""

        def present(value: str) -> bool:
            return self.project.mapLayer(value) is not None or os.path.exists(value.split("|")[0])

        def run_number(step_id: str) -> int:
            number = self.given.get(step_id, {}).get(RUN_KEY)
            return number if isinstance(number, int) else 0

        merged: Dict[str, object] = {}
        for step_id in sorted(self.given, key=run_number):  # runs in the order they were made: the last wins
            for name, value in self.given[step_id].items():
                if name == RUN_KEY:
                    continue
                values = value if isinstance(value, list) else [value]
                kept = [v for v in values if isinstance(v, str) and present(v)]
                if kept:
                    merged[name] = merged[f"{step_id}:{name}"] = kept if isinstance(value, list) else kept[0]
        return merged

    def open_step(self, step_id: str) -> Optional[Mapping[str, object]]:
        """Open the step's algorithm dialog; record its outputs when it ran."""
        step = step_by_id(step_id)
        if self.algorithm(step) is None:
            return None
        parameters = self.parameters_for(step_id)
        on_log = None
        if step_id == "traincnn":
            self.monitor.clear()
            on_log = self.monitor.feed_text
        self.running = step_id
        self.refresh()
        try:
            results = self.runner(self.algorithm_id(step), parameters, on_log)
        finally:
            self.running = None
        if results:
            self.record_results(step_id, results)
        self.refresh()
        return results

    def record_results(self, step_id: str, results: Mapping[str, object]) -> None:
        kept = {k: v for k, v in results.items() if isinstance(v, (str, int, float, bool))}
        self.outputs[step_id] = kept
        given = results.get(GIVEN)
        if isinstance(given, Mapping):
            runs = [v.get(RUN_KEY, 0) for v in self.given.values()]
            latest = max((n for n in runs if isinstance(n, int)), default=0)
            self.given[step_id] = {**dict(given), RUN_KEY: latest + 1}
        self.save_outputs()
        self.refresh()
        self.step_finished.emit(step_id)

    def load_sample_data(self) -> Dict[str, str]:
        layers = sample_data.load_sample_data(self.project)
        # the user's own layers chosen earlier would be offered beside the sample data (another district's mask)
        self.given = {}
        self.save_outputs()
        self.refresh()
        self.sample_data_loaded.emit()
        return layers

    # ---- project persistence -------------------------------------------------------------------------

    def save_outputs(self) -> None:
        self.project.writeEntry(PROJECT_SCOPE, PROJECT_KEY, json.dumps(self.outputs))
        self.project.writeEntry(PROJECT_SCOPE, GIVEN_KEY, json.dumps(self.given))

    def load_outputs(self, *_args) -> None:
        self.outputs = self._read_entry(PROJECT_KEY)
        self.given = self._read_entry(GIVEN_KEY)
        if self.rows:
            self.refresh()

    def _read_entry(self, key: str) -> Dict[str, Dict[str, object]]:
        """A step id -> dict entry of the project ({} when absent or unreadable)."""
        text, ok = self.project.readEntry(PROJECT_SCOPE, key, "")
        try:
            loaded = json.loads(text) if ok and text else {}
        except ValueError:
            loaded = {}
        if not isinstance(loaded, dict):
            return {}
        return {k: dict(v) for k, v in loaded.items() if isinstance(v, dict)}


class WorkflowDock(QDockWidget):
    """The panel in a dock widget (View › Panels › GeoChem Prospector)."""

    def __init__(self, parent=None, **panel_options) -> None:
        super().__init__(tr("GeoChem Prospector"), parent)
        self.setObjectName("GeoChemProspectorWorkflowDock")
        self.panel = WorkflowPanel(**panel_options)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.panel)
        self.setWidget(scroll)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API name)
        return QSize(360, 560)


def toolbox_only_steps(step_id: str) -> List[Tuple[int, str]]:
    """The workflow steps numbered between ``step_id`` and the panel's next step, which only the Processing
    toolbox lists: [(number, short name)] (after Train CNN: 6 Train prospectivity model, 7 Compare models)."""
    ids = [step.step_id for step in STEPS]
    if step_id not in ids or ids.index(step_id) + 1 == len(ids):
        return []
    first = WORKFLOW_STEPS.get(step_id)
    following = WORKFLOW_STEPS.get(ids[ids.index(step_id) + 1])
    if first is None or following is None:
        return []
    names = {number: TOOLBOX_NAMES.get(name, name) for name, number in WORKFLOW_STEPS.items()}
    return [(number, tr(names[number])) for number in range(first + 1, following) if number in names]


def _can_execute(algorithm) -> Tuple[bool, str]:
    try:
        result = algorithm.canExecute()
    except Exception as exc:  # a broken canExecute must not break the panel
        return False, str(exc)
    if isinstance(result, tuple):
        return bool(result[0]), str(result[1] or "")
    return bool(result), ""


def _is_temporary(path: str) -> bool:
    """Whether ``path`` lies in QGIS's temporary Processing folder (a 'Save to temporary file' output)."""
    from qgis.core import QgsProcessingUtils

    folder = os.path.realpath(QgsProcessingUtils.tempFolder())
    return os.path.realpath(path).startswith(folder + os.sep)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
