"""Workflow panel: step states, pre-filled parameters, done-state persistence, monitor wiring, sample data."""

import os

import pytest
from qgis.core import (
    QgsApplication,
    QgsProcessingAlgorithm,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterVectorLayer,
    QgsProcessingProvider,
    QgsProject,
)

from geochem_prospector.ui import sample_data
from geochem_prospector.ui.steps import STEP_IDS
from geochem_prospector.ui.workflow_panel import WorkflowPanel
from tests.helpers import WORKFLOW_STEPS

PROVIDER = "prospectorpaneltest"


class FakeAlgorithm(QgsProcessingAlgorithm):
    """Stands in for a step's algorithm: only its parameter definitions matter to the panel."""

    def __init__(self, step_id, params, can_execute=(True, "")):
        super().__init__()
        self.step_id, self.params, self.can = step_id, params, can_execute

    def name(self):
        return self.step_id

    def displayName(self):
        return self.step_id

    def createInstance(self):
        return FakeAlgorithm(self.step_id, self.params, self.can)

    def initAlgorithm(self, config=None):
        for make in self.params:
            self.addParameter(make())

    def canExecute(self):
        return self.can

    def processAlgorithm(self, parameters, context, feedback):
        return {}


class FakeProvider(QgsProcessingProvider):
    def __init__(self, algorithms):
        super().__init__()
        self.algs = algorithms

    def id(self):
        return PROVIDER

    def name(self):
        return PROVIDER

    def loadAlgorithms(self):
        for alg in self.algs:
            self.addAlgorithm(alg.createInstance())


def fake_algorithms():
    """Interpolate, anomalies and traincnn exist; pseudolabel, predict and evaluate have not landed yet."""
    return [
        FakeAlgorithm(
            "interpolate",
            [
                lambda: QgsProcessingParameterVectorLayer("INPUT", "in"),
                lambda: QgsProcessingParameterVectorLayer("MASK", "mask", optional=True),
                lambda: QgsProcessingParameterRasterDestination("OUTPUT", "out"),
            ],
        ),
        FakeAlgorithm(
            "anomalies",
            [
                lambda: QgsProcessingParameterRasterLayer("INPUT_RASTER", "in"),
                lambda: QgsProcessingParameterRasterDestination("OUTPUT", "out"),
            ],
        ),
        FakeAlgorithm(
            "traincnn",
            [
                lambda: QgsProcessingParameterMultipleLayers("INPUT_RASTERS", "in"),
                lambda: QgsProcessingParameterRasterLayer("LABELS", "labels"),
                lambda: QgsProcessingParameterFileDestination("OUTPUT", "model"),
            ],
            can_execute=(False, "traincnn: PyTorch missing"),
        ),
    ]


@pytest.fixture
def provider(qgis_app):
    registry = QgsApplication.processingRegistry()
    provider = FakeProvider(fake_algorithms())
    assert registry.addProvider(provider)
    yield provider
    if registry.providerById(PROVIDER) is not None:
        registry.removeProvider(PROVIDER)


@pytest.fixture
def project():
    project = QgsProject()
    yield project
    project.clear()


class Runner:
    def __init__(self, tmp_path, log_lines=()):
        self.calls, self.tmp_path, self.log_lines = [], tmp_path, log_lines

    def __call__(self, algorithm_id, parameters, on_log):
        self.calls.append((algorithm_id, dict(parameters)))
        if on_log is not None:
            for line in self.log_lines:
                on_log(line)
        path = self.tmp_path / (algorithm_id.split(":")[1] + ".tif")
        path.write_text("x")
        return {"OUTPUT": str(path), "IGNORED": object()}


def panel_for(project, runner, torch=True):
    return WorkflowPanel(
        project=project,
        runner=runner,
        torch_check=lambda: (True, "") if torch else (False, "PyTorch is not installed"),
        provider_id=PROVIDER,
    )


def states(panel):
    return {step: panel.step_state(step)[0] for step in STEP_IDS}


def test_seven_steps_in_order_missing_ones_unavailable(provider, project, tmp_path):
    panel = panel_for(project, Runner(tmp_path), torch=False)
    assert tuple(panel.rows) == WORKFLOW_STEPS
    assert states(panel) == {
        "interpolate": "ready",
        "anomalies": "ready",
        "evidence": "unavailable",
        "pseudolabel": "unavailable",
        "traincnn": "blocked",  # needs torch
        "predict": "unavailable",
        "evaluate": "unavailable",
    }
    assert not panel.rows["pseudolabel"]["button"].isEnabled()
    assert not panel.rows["traincnn"]["button"].isEnabled()
    assert panel.rows["interpolate"]["button"].isEnabled()
    assert "install" in panel.rows["traincnn"]["detail"].text()
    assert not panel.banner.isHidden() and not panel.install_button.isHidden()
    requested = []
    panel.install_requested.connect(lambda: requested.append(1))
    panel.rows["traincnn"]["detail"].linkActivated.emit("install")
    assert requested == [1]


def test_steps_light_up_when_their_provider_arrives(project, tmp_path, qgis_app):
    panel = panel_for(project, Runner(tmp_path))
    assert set(states(panel).values()) == {"unavailable"}
    registry = QgsApplication.processingRegistry()
    registry.addProvider(FakeProvider(fake_algorithms()))
    try:
        assert panel.step_state("anomalies")[0] == "ready"
        assert panel.rows["anomalies"]["icon"].property("state") == "ready"
    finally:
        registry.removeProvider(PROVIDER)
    assert panel.rows["anomalies"]["icon"].property("state") == "unavailable"


def test_algorithm_can_execute_message_blocks_step(provider, project, tmp_path):
    panel = panel_for(project, Runner(tmp_path), torch=True)
    assert panel.step_state("traincnn") == ("blocked", "traincnn: PyTorch missing")
    assert panel.banner.isHidden()


def test_outputs_prefill_the_next_step_and_persist(provider, project, tmp_path):
    runner = Runner(tmp_path)
    panel = panel_for(project, runner)
    loaded = panel.load_sample_data()
    assert set(loaded) == {s for s, _ in sample_data.LAYERS}
    results = panel.open_step("interpolate")
    assert runner.calls[0] == (
        f"{PROVIDER}:interpolate",
        {"INPUT": loaded["till_geochemistry"], "MASK": loaded["study_area"]},
    )
    assert panel.step_state("interpolate")[0] == "done"
    assert panel.rows["interpolate"]["detail"].text() == "Done: interpolate.tif"
    from qgis.core import QgsRasterLayer

    project.addMapLayer(QgsRasterLayer(results["OUTPUT"], "Cu (ppm, IDW)"))  # loaded: named for what it holds
    panel.refresh()
    assert panel.rows["interpolate"]["detail"].text() == "Done: Cu (ppm, IDW)"
    panel.open_step("anomalies")
    assert runner.calls[1] == (f"{PROVIDER}:anomalies", {"INPUT_RASTER": results["OUTPUT"]})
    # multiple-layer parameters get a list; parameters without a source are left to the user
    assert panel.parameters_for("traincnn") == {"INPUT_RASTERS": [results["OUTPUT"]]}

    # the project remembers; a new panel on the same project knows what is done
    again = panel_for(project, Runner(tmp_path))
    assert again.outputs["interpolate"] == {"OUTPUT": results["OUTPUT"]}
    assert again.step_state("anomalies")[0] == "done"
    # a deleted output is no longer done
    os.remove(results["OUTPUT"])
    again.refresh()
    assert again.step_state("interpolate")[0] == "ready"


def test_cancelled_dialog_records_nothing(provider, project, tmp_path):
    panel = panel_for(project, lambda *args: None)
    assert panel.open_step("interpolate") is None
    assert panel.step_state("interpolate")[0] == "ready" and panel.outputs == {}


def test_training_log_feeds_the_monitor(provider, project, tmp_path):
    lines = [
        "Training on 412 patches\n",
        "Epoch 1/2 train_loss=0.70 val_loss=0.72 train_acc=0.55 val_acc=0.52\nEpoch 2/2 train_loss=0.5",
        "0 val_loss=0.61 train_acc=0.74 val_acc=0.69\n",
    ]
    runner = Runner(tmp_path, lines)
    panel = WorkflowPanel(project=project, runner=runner, torch_check=lambda: (True, ""), provider_id=PROVIDER)
    panel.monitor.add_epoch(9, 1.0)  # left over from an earlier run: cleared when training starts
    panel.open_step("traincnn")  # canExecute says no, but open_step itself still works for the runner
    assert [(r.epoch, r.train_loss, r.val_acc) for r in panel.monitor.records] == [(1, 0.70, 0.52), (2, 0.50, 0.69)]


def test_sample_data_loads_styled_once(project, qgis_app):
    first = sample_data.load_sample_data(project)
    second = sample_data.load_sample_data(project)
    assert first == second and len(project.mapLayers()) == len(sample_data.LAYERS)
    deposits = project.mapLayer(first["deposits"])
    assert deposits.featureCount() == 26
    symbol = deposits.renderer().symbol()
    assert symbol.color().name() == "#dc143c"  # the star from resources/styles/sample_deposits.qml
    root = project.layerTreeRoot()
    # points, lines and the outline on top; the map-covering geology and magnetics in a group right under them
    assert [g.name() for g in root.children()] == [sample_data.GROUP, sample_data.BACKGROUND_GROUP]
    top, background = (root.findGroup(name) for name in (sample_data.GROUP, sample_data.BACKGROUND_GROUP))
    assert [n.layerId() for n in top.findLayers() + background.findLayers()] == [
        first[stem] for stem, _ in sample_data.LAYERS
    ]
    assert {n.layerId() for n in background.findLayers()} == {first[stem] for stem in sample_data.BACKGROUND}
    magnetics = project.mapLayer(first["magnetics_tmi_nT"])
    assert magnetics.renderer().type() == "singlebandpseudocolor"


def test_sample_data_loads_again_where_the_user_moved_its_group(project, qgis_app):
    """Review of sweep 24c: with the sample group moved into a group of the user's, loading again (after removing
    the geology and magnetics) raised IndexError; the background group now goes right under the sample group,
    where it is. A project holding every sample layer already gets no empty background group."""
    first = sample_data.load_sample_data(project)
    root = project.layerTreeRoot()
    mine = root.addGroup("My compilation")
    top = root.findGroup(sample_data.GROUP)
    mine.addChildNode(top.clone())
    root.removeChildNode(top)
    root.removeChildNode(root.findGroup(sample_data.BACKGROUND_GROUP))  # and its layers with it
    project.removeMapLayers([first[stem] for stem in sample_data.BACKGROUND])
    again = sample_data.load_sample_data(project)
    assert set(again) == {stem for stem, _ in sample_data.LAYERS}
    assert [g.name() for g in mine.children()] == [sample_data.GROUP, sample_data.BACKGROUND_GROUP]
    assert {n.layerId() for n in mine.children()[1].findLayers()} == {again[s] for s in sample_data.BACKGROUND}
    # every layer there, but the background group gone (a project from before it existed): no empty group made
    for stem in sample_data.BACKGROUND:
        node = root.findLayer(again[stem])
        mine.findGroup(sample_data.GROUP).addChildNode(node.clone())
        node.parent().removeChildNode(node)
    mine.removeChildNode(mine.findGroup(sample_data.BACKGROUND_GROUP))
    assert sample_data.load_sample_data(project) == again
    assert root.findGroup(sample_data.BACKGROUND_GROUP) is None


class EpochLogger(QgsProcessingAlgorithm):
    """Logs epoch lines like the CNN step does, through the feedback of QGIS's real dialog."""

    def name(self):
        return "traincnn"

    def displayName(self):
        return "traincnn"

    def createInstance(self):
        return EpochLogger()

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFileDestination("OUTPUT", "model", optional=True))

    def flags(self):
        return super().flags() | QgsProcessingAlgorithm.FlagNoThreading

    def processAlgorithm(self, parameters, context, feedback):
        for epoch in range(1, 4):
            feedback.pushInfo(
                f"Epoch {epoch}/3 train_loss={1.0 / epoch:.3f} val_loss={1.1 / epoch:.3f} "
                f"train_acc={0.5 + epoch / 10:.2f} val_acc={0.45 + epoch / 10:.2f}"
            )
        return {}


def run_next_dialog(errors, prepare=None):
    """Once the next algorithm dialog shows: ``prepare(dialog)``, press Run, close it (errors into ``errors``)."""
    from qgis.gui import QgsProcessingAlgorithmDialogBase
    from qgis.PyQt.QtCore import QTimer
    from qgis.PyQt.QtWidgets import QApplication

    def drive():
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, QgsProcessingAlgorithmDialogBase)]
        dialogs = [d for d in dialogs if d.isVisible()]
        if not dialogs:
            QTimer.singleShot(50, drive)
            return
        try:  # an exception escaping a Qt slot would abort the test process
            if prepare is not None:
                prepare(dialogs[0])
            dialogs[0].runAlgorithm()
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))
        QTimer.singleShot(200, dialogs[0].close)

    QTimer.singleShot(50, drive)


def test_real_dialog_log_reaches_the_monitor(qgis_iface, qgis_processing, project, monkeypatch):
    from qgis.gui import QgsBrowserGuiModel

    from geochem_prospector.ui.workflow_panel import run_algorithm_dialog

    browser = QgsBrowserGuiModel()
    monkeypatch.setattr(qgis_iface, "browserModel", lambda: browser, raising=False)
    registry = QgsApplication.processingRegistry()
    registry.addProvider(FakeProvider([EpochLogger()]))
    panel = WorkflowPanel(project=project, runner=run_algorithm_dialog, provider_id=PROVIDER)
    errors = []
    try:
        run_next_dialog(errors)
        panel.open_step("traincnn")
    finally:
        panel.teardown()
        registry.removeProvider(PROVIDER)
    assert errors == []
    assert [(r.epoch, r.train_loss, r.val_acc) for r in panel.monitor.records] == [
        (1, 1.0, 0.55),
        (2, 0.5, 0.65),
        (3, 0.333, 0.75),
    ]


def test_monitor_follows_processing_log_from_anywhere(project, qgis_app):
    """A run from the toolbox logs its feedback under "Processing": the monitor picks up the epoch lines."""
    import time

    from qgis.core import Qgis, QgsMessageLog
    from qgis.PyQt.QtCore import QCoreApplication

    panel = WorkflowPanel(project=project, runner=lambda *a: None, torch_check=lambda: (True, ""))
    try:
        QgsMessageLog.logMessage("Epoch 1/4 train_loss=0.9 val_acc=0.5", "Processing", Qgis.Info)
        QgsMessageLog.logMessage("Epoch 2/4 train_loss=0.8", "Other plugin", Qgis.Info)
        end = time.monotonic() + 30  # a wait, not a bound: tiers share two cores
        while not panel.monitor.records and time.monotonic() < end:
            QCoreApplication.processEvents()
        assert [(r.epoch, r.train_loss, r.val_acc) for r in panel.monitor.records] == [(1, 0.9, 0.5)]
        assert panel.monitor.total_epochs == 4
    finally:
        panel.teardown()
    QgsMessageLog.logMessage("Epoch 3/4 train_loss=0.7", "Processing", Qgis.Info)
    QCoreApplication.processEvents()
    assert [r.epoch for r in panel.monitor.records] == [1]  # disconnected on teardown


def test_sample_data_open_from_a_copy_so_edits_leave_the_shipped_files_alone(project, qgis_app, tmp_path):
    import hashlib

    from geochem_prospector.common import SAMPLE_DATA_DIR

    def digest(path):
        return hashlib.sha256(open(path, "rb").read()).hexdigest()

    shipped = os.path.join(SAMPLE_DATA_DIR, "deposits.gpkg")
    before = digest(shipped)
    folder = str(tmp_path / "user_copy")
    loaded = sample_data.load_sample_data(project, folder)
    for layer_id in loaded.values():
        assert project.mapLayer(layer_id).source().split("|")[0].startswith(folder)
    deposits = project.mapLayer(loaded["deposits"])
    assert deposits.dataProvider().deleteFeatures([f.id() for f in deposits.getFeatures()][:3])
    project.removeAllMapLayers()
    assert digest(shipped) == before  # the user's edit changed the copy only
    again = sample_data.load_sample_data(project, folder)  # the edited copy is kept, not overwritten
    assert project.mapLayer(again["deposits"]).featureCount() == 23


def test_panel_numbers_steps_as_the_toolbox_does(provider, project, tmp_path):
    """Each button's number is the one the algorithm's toolbox name starts with (the plugin's algorithm classes),
    so "Pseudo-labels" is step 4 in the panel, the toolbox and the dialog's title alike."""
    from geochem_prospector.algorithms import provider as plugin_provider

    algorithms = {
        a.name(): a
        for a in (getattr(plugin_provider, n)() for n in dir(plugin_provider) if n.endswith("Algorithm"))
        if hasattr(a, "displayName") and a.name()
    }
    panel = panel_for(project, Runner(tmp_path), torch=False)
    for step_id, row in panel.rows.items():
        name = algorithms[step_id].displayName()
        assert row["button"].text().split(".", 1)[0] == name.split(" · ", 1)[0], step_id
    assert panel.rows["pseudolabel"]["button"].text() == "4. Pseudo-labels"


def test_panel_says_where_the_steps_its_numbers_skip_are(provider, project, tmp_path):
    """The buttons go 5. Train CNN, 8. Predict: the steps 6 and 7 in between (toolbox only) are named under
    Train CNN with where to find them, each as the toolbox lists it, and no other row has such a note."""
    from qgis.PyQt.QtWidgets import QLabel

    from geochem_prospector.algorithms import provider as plugin_provider

    toolbox = {
        a.displayName()
        for a in (getattr(plugin_provider, n)() for n in dir(plugin_provider) if n.endswith("Algorithm"))
        if hasattr(a, "displayName") and a.name()
    }
    panel = panel_for(project, Runner(tmp_path), torch=False)
    numbers = [int(row["button"].text().split(".", 1)[0]) for row in panel.rows.values()]
    missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
    assert missing == [6, 7]
    notes = {label.objectName(): label.text() for label in panel.findChildren(QLabel) if "toolbox" in label.text()}
    assert list(notes) == ["toolbox_steps_after_traincnn"]
    text = notes["toolbox_steps_after_traincnn"]
    assert "Processing toolbox" in text
    for number in missing:
        part = next(p for p in text.split(":")[0].split("; ") if p.startswith(f"{number} · "))
        assert any(name.startswith(part) for name in toolbox), (part, sorted(toolbox))


def test_every_prefilled_parameter_is_one_of_the_real_algorithm(prospector_provider):
    """A misspelt name would be skipped without a word: each step's pre-filled parameters exist in its algorithm."""
    from geochem_prospector.ui.steps import STEPS

    for step in STEPS:
        names = {d.name() for d in prospector_provider.algorithm(step.step_id).parameterDefinitions()}
        assert set(step.prefill) | set(step.sample_settings) <= names, step.step_id


def test_evidence_step_is_filled_from_the_sample_data_and_the_element_rasters(prospector_provider, project, tmp_path):
    """The real interpolate and evidence algorithms, run as the panel fills them: the stack holds the faults, the
    lithology's rock classes and contacts and the magnetics on the element rasters' grid, and the learning steps
    then get the element rasters and the stack."""
    import processing
    import rasterio
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    panel = panel_for(project, Runner(tmp_path))
    panel.provider_id = "prospector"
    loaded = panel.load_sample_data()
    assert [row for row in panel.rows][2] == "evidence"
    assert panel.rows["evidence"]["button"].text() == "3. Evidence"
    assert panel.parameters_for("evidence") == {
        "LINES": [loaded["faults"]],
        "POLYGONS": loaded["lithology"],
        "CLASS_FIELD": "GENERALI_1",
        "CONTACTS": True,
        "CONTINUOUS_RASTERS": [loaded["magnetics_tmi_nT"]],
        "MASK": loaded["study_area"],
    }  # before interpolate: no grid raster yet

    def run(step_id, parameters):
        context = QgsProcessingContext()
        context.setProject(project)
        results = processing.run(f"prospector:{step_id}", parameters, context=context, feedback=QgsProcessingFeedback())
        panel.record_results(step_id, results)
        return results

    interpolate = panel.parameters_for("interpolate")
    elements = run(
        "interpolate", {**interpolate, "FIELDS": ["Cu"], "PIXEL_SIZE": 2000, "OUTPUT": str(tmp_path / "cu.tif")}
    )
    evidence = panel.parameters_for("evidence")
    assert evidence["REFERENCE_RASTER"] == elements["OUTPUT"]
    stack = run("evidence", {**evidence, "OUTPUT": str(tmp_path / "evidence.tif")})
    lithology = project.mapLayer(loaded["lithology"])
    faults, magnetics = (project.mapLayer(loaded[stem]).name() for stem in ("faults", "magnetics_tmi_nT"))
    classes = {str(f["GENERALI_1"]) for f in lithology.getFeatures()}
    with rasterio.open(stack["OUTPUT"]) as src, rasterio.open(elements["OUTPUT"]) as grid:
        assert (src.transform, src.shape, src.crs) == (grid.transform, grid.shape, grid.crs)
        names = list(src.descriptions)
    # bands are named <layer>:<what>, after the project's layers (evidence's help)
    assert f"{faults}:distance_m" in names and f"{lithology.name()}:contact_distance_m" in names
    assert {n.split(":", 1)[1] for n in names if n.startswith(lithology.name() + ":")} == classes | {
        "contact_distance_m"
    }
    assert sum(n.startswith(magnetics + ":") for n in names) == 1
    rasters = [elements["OUTPUT"], stack["OUTPUT"]]
    for step_id in ("pseudolabel", "traincnn", "predict"):
        assert panel.parameters_for(step_id)["INPUT_RASTERS"] == rasters, step_id


def test_interpolate_step_opens_ready_to_run_on_the_sample_data(prospector_provider, qgis_iface, tmp_path, monkeypatch):
    """Step 1 from the panel on the sample data: its real dialog gets element fields (it opened with none chosen,
    and Run answered 'Element fields' missing), numeric fields of the sample till, the elements `make demo` maps
    (scripts/demo.py), and the run makes one band per field."""
    import rasterio
    from processing import createAlgorithmDialog
    from qgis.gui import QgsBrowserGuiModel

    browser = QgsBrowserGuiModel()
    monkeypatch.setattr(qgis_iface, "browserModel", lambda: browser, raising=False)
    from geochem_prospector.ui.steps import SAMPLE_ELEMENTS

    elements = list(SAMPLE_ELEMENTS)  # scripts/demo.py maps these too

    project = QgsProject.instance()  # the dialog's layer widgets look up the layers there
    panel = panel_for(project, Runner(tmp_path))
    panel.provider_id = "prospector"
    try:
        loaded = panel.load_sample_data()
        parameters = panel.parameters_for("interpolate")
        till = project.mapLayer(loaded["till_geochemistry"])
        numeric = {f.name() for f in till.fields() if f.isNumeric()}
        assert parameters["FIELDS"] == elements and set(parameters["FIELDS"]) <= numeric
        dialog = createAlgorithmDialog("prospector:interpolate", parameters)
        try:
            given = dialog.mainWidget().createProcessingParameters()  # raised InvalidParameterValue before
        finally:
            dialog.close()
        assert given["FIELDS"] == elements
        import processing

        out = str(tmp_path / "elements.tif")
        processing.run("prospector:interpolate", {**parameters, "PIXEL_SIZE": 4000, "OUTPUT": out})
        with rasterio.open(out) as src:
            assert list(src.descriptions) == elements
    finally:
        panel.teardown()
        project.removeAllMapLayers()
        project.clear()


def test_done_steps_say_what_they_made_not_qgis_temporary_names(prospector_provider, project, tmp_path):
    """Under Xvfb the panel read 'Done: OUTPUT_MODEL.pt' and 'Done: OUTPUT_REPORT.html' after Train CNN and
    Evaluate run with temporary outputs: evaluate now gives its ROC AUC (the number it returned), and a temporary
    file (in QgsProcessingUtils.tempFolder()) is said to be one; a file the user named keeps its name."""
    from qgis.core import QgsProcessingUtils

    panel = panel_for(project, Runner(tmp_path))
    panel.provider_id = "prospector"
    temporary = os.path.join(QgsProcessingUtils.tempFolder(), "0123abcd")
    os.makedirs(temporary, exist_ok=True)
    model, report = os.path.join(temporary, "OUTPUT_MODEL.pt"), os.path.join(temporary, "OUTPUT_REPORT.html")
    kept = tmp_path / "lapland_cnn.pt"
    for path in (model, report, kept):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("x")
    try:
        panel.record_results("evaluate", {"AUC": 0.96347, "OUTPUT_REPORT": report, "DEPOSITS_USED": 17})
        panel.record_results("traincnn", {"OUTPUT_MODEL": model, "OUTPUT_REPORT": report})
        texts = {step: panel.rows[step]["detail"].text() for step in ("evaluate", "traincnn")}
        assert texts["evaluate"] == "Done: ROC AUC 0.963", texts
        # evaluate found deposits the model learnt from: the panel says the figure is fit, not map skill
        panel.record_results(
            "evaluate", {"AUC": 0.96347, "OUTPUT_REPORT": report, "DEPOSITS_USED": 17, "DEPOSITS_ON_TRAINING": 3}
        )
        assert panel.rows["evaluate"]["detail"].text() == (
            "Done: ROC AUC 0.963; 3 of 17 deposits on cells the model was trained on (fit, not skill)"
        )
        # the model recorded too many training points to place them: the panel does not read that as "none"
        panel.record_results(
            "evaluate", {"AUC": 0.96347, "OUTPUT_REPORT": report, "DEPOSITS_USED": 17, "DEPOSITS_ON_TRAINING": -1}
        )
        assert panel.rows["evaluate"]["detail"].text() == (
            "Done: ROC AUC 0.963; whether these deposits were trained on cannot be told (see the log)"
        )
        # QGIS names the temporary file after the parameter (OUTPUT_MODEL.pt): the dialog's label for it instead
        assert texts["traincnn"] == "Done: Model file (a temporary file, deleted when QGIS closes)", texts
        panel.record_results("traincnn", {"OUTPUT_MODEL": str(kept)})
        assert panel.rows["traincnn"]["detail"].text() == "Done: lapland_cnn.pt"
    finally:
        panel.teardown()
        for path in (model, report):
            os.remove(path)
        os.rmdir(temporary)
