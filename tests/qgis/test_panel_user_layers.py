"""The workflow panel on the user's own layers (no sample data): the deposits, study area and samples chosen in one
step's dialog are offered again in the later steps' dialogs.

Under Xvfb on a district of the user's own, Pseudo-labels opened with "Labelled points: High-value samples" and
Evaluate with "Deposits: High-value samples" (the anomaly step's output, QGIS's first point layer by name, what an
empty layer box shows), and the study area had to be chosen again at every step. The reference is what the real
QGIS dialog hands to the algorithm (its widgets' values), for layers the user chose in an earlier real dialog.
"""

import pytest
from qgis.core import (
    QgsApplication,
    QgsProcessing,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterRasterLayer,
    QgsProject,
    QgsVectorLayer,
)

from geochem_prospector.ui.steps import prefill_parameters, step_by_id
from geochem_prospector.ui.workflow_panel import (
    GIVEN,
    GIVEN_KEY,
    PROJECT_KEY,
    PROJECT_SCOPE,
    RUN_KEY,
    WorkflowPanel,
    run_algorithm_dialog,
)
from tests.qgis import test_workflow_panel as wp

POINTS, POLYGONS = [QgsProcessing.TypeVectorPoint], [QgsProcessing.TypeVectorPolygon]


class Step(wp.FakeAlgorithm):
    """A fake step whose run returns its report (an empty result reads as a dialog closed without a run)."""

    def createInstance(self):
        return Step(self.step_id, self.params, self.can)

    def processAlgorithm(self, parameters, context, feedback):
        return {"OUTPUT_REPORT": self.parameterAsFileOutput(parameters, "OUTPUT_REPORT", context)}


def algorithms():
    def source(name, types, optional=False):
        return lambda: QgsProcessingParameterFeatureSource(name, name, types, optional=optional)

    report = lambda: QgsProcessingParameterFileDestination("OUTPUT_REPORT", "report", "HTML (*.html)")  # noqa: E731
    return [
        Step(
            "anomalies",
            [
                lambda: QgsProcessingParameterRasterLayer("INPUT_RASTER", "raster", optional=True),
                source("INPUT", POINTS, True),
                source("DEPOSITS", POINTS, True),
                source("MASK", POLYGONS, True),
                report,
            ],
        ),
        Step("pseudolabel", [source("LABELS", POINTS), source("MASK", POLYGONS, True), report]),
        Step("evaluate", [source("DEPOSITS", POINTS), source("MASK", POLYGONS, True), report]),
        Step(
            "evidence",
            [
                lambda: QgsProcessingParameterMultipleLayers(
                    "LINES", "lines", QgsProcessing.TypeVectorLine, optional=True
                ),
                source("POLYGONS", POLYGONS, True),
                lambda: QgsProcessingParameterField(
                    "CLASS_FIELD", "class", parentLayerParameterName="POLYGONS", optional=True
                ),
                source("MASK", POLYGONS, True),
                report,
            ],
        ),  # fmt: skip
    ]


@pytest.fixture
def district(qgis_iface, qgis_processing, monkeypatch, tmp_path):
    """The user's layers in the project QGIS's dialogs read, and the fake steps registered."""
    from qgis.gui import QgsBrowserGuiModel

    browser = QgsBrowserGuiModel()
    monkeypatch.setattr(qgis_iface, "browserModel", lambda: browser, raising=False)
    project = QgsProject.instance()
    layers = {
        name: QgsVectorLayer(f"{kind}?crs=EPSG:25829", name, "memory")
        for name, kind in [
            ("High-value samples", "Point"),  # first by name among the point layers: what an empty box shows
            ("minas_treino", "Point"),
            ("samples_utm29", "Point"),
            ("study_area", "Polygon"),
            ("faults", "LineString"),
        ]
    }
    project.addMapLayers(list(layers.values()))
    registry = QgsApplication.processingRegistry()
    registry.addProvider(wp.FakeProvider(algorithms()))
    panel = WorkflowPanel(project=project, runner=run_algorithm_dialog, provider_id=wp.PROVIDER)
    yield panel, {name: layer.id() for name, layer in layers.items()}
    panel.teardown()
    registry.removeProvider(wp.PROVIDER)
    project.removeAllMapLayers()
    for key in (PROJECT_KEY, GIVEN_KEY):  # the steps recorded here must not reach the next test's panel
        project.removeEntry(PROJECT_SCOPE, key)


def run_in_dialog(panel, step_id, choices, tmp_path):
    """Open the step from the panel, choose ``choices`` in the real dialog as a user would, press Run, close."""
    errors = []
    report = {"OUTPUT_REPORT": str(tmp_path / f"{step_id}.html")}
    wp.run_next_dialog(errors, lambda dialog: dialog.mainWidget().setParameters({**choices, **report}))
    results = panel.open_step(step_id)
    assert errors == [] and results, errors
    return results


def dialog_values(step_id, parameters):
    """What the real dialog, opened with ``parameters``, hands to the algorithm."""
    from processing import createAlgorithmDialog

    dialog = createAlgorithmDialog(f"{wp.PROVIDER}:{step_id}", parameters)
    try:
        return dialog.mainWidget().createProcessingParameters()
    finally:
        dialog.close()


def test_deposits_and_study_area_chosen_once_are_offered_to_the_later_steps(district, tmp_path):
    panel, ids = district
    # before: QGIS's empty box shows the first point layer by name
    assert dialog_values("pseudolabel", panel.parameters_for("pseudolabel"))["LABELS"] == ids["High-value samples"]
    chosen = {"INPUT": ids["samples_utm29"], "DEPOSITS": ids["minas_treino"], "MASK": ids["study_area"]}
    run_in_dialog(panel, "anomalies", chosen, tmp_path)
    assert {k: v for k, v in panel.given["anomalies"].items() if k != RUN_KEY} == chosen
    labels = dialog_values("pseudolabel", panel.parameters_for("pseudolabel"))
    assert (labels["LABELS"], labels["MASK"]) == (ids["minas_treino"], ids["study_area"])
    deposits = dialog_values("evaluate", panel.parameters_for("evaluate"))
    assert (deposits["DEPOSITS"], deposits["MASK"]) == (ids["minas_treino"], ids["study_area"])
    # evidence: the study area; its list of lines is the user's to choose (none given yet)
    assert panel.parameters_for("evidence") == {"MASK": ids["study_area"]}
    # the project remembers the choices; a layer removed since is no longer offered
    again = WorkflowPanel(project=panel.project, runner=run_algorithm_dialog, provider_id=wp.PROVIDER)
    try:
        assert again.parameters_for("evaluate") == {"DEPOSITS": ids["minas_treino"], "MASK": ids["study_area"]}
        panel.project.removeMapLayer(ids["minas_treino"])
        assert again.parameters_for("evaluate") == {"MASK": ids["study_area"]}
    finally:
        again.teardown()


def test_the_users_layers_replace_the_sample_layers_and_their_settings():
    """With the sample data loaded too, the layer the user chose wins, and the sample lithology's class field
    (GENERALI_1) is not put beside the user's own lithology, whose fields differ."""
    evidence = step_by_id("evidence")
    names = ["LINES", "POLYGONS", "CLASS_FIELD", "CONTACTS", "CONTINUOUS_RASTERS", "MASK", "REFERENCE_RASTER"]
    samples = {"faults": "s_faults", "lithology": "s_lith", "magnetics_tmi_nT": "s_mag", "study_area": "s_area"}
    multiple = ["LINES", "CONTINUOUS_RASTERS"]
    assert prefill_parameters(evidence, names, {}, samples, multiple) == {
        "LINES": ["s_faults"],
        "POLYGONS": "s_lith",
        "CLASS_FIELD": "GENERALI_1",
        "CONTACTS": True,
        "CONTINUOUS_RASTERS": ["s_mag"],
        "MASK": "s_area",
    }
    given = {"POLYGONS": "my_lith", "LINES": ["my_faults", "my_dykes"], "MASK": "my_area"}
    assert prefill_parameters(evidence, names, {}, samples, multiple, given) == {
        "LINES": ["my_faults", "my_dykes"],
        "POLYGONS": "my_lith",
        "CONTINUOUS_RASTERS": ["s_mag"],
        "MASK": "my_area",
    }


def test_each_step_keeps_its_own_labels_and_the_latest_run_wins(district, tmp_path, monkeypatch):
    """Review 34: the remembered layers were merged by parameter name in workflow order, so traincnn's LABELS (the
    label raster pseudolabel wrote) became Evaluate's deposits and pseudolabel's own labelled points, and a study
    area chosen again in a later run of an earlier step lost to the older choice of a later step; loading the
    sample data kept another district's layers on offer."""
    panel, ids = district
    label_raster = tmp_path / "labels.tif"
    label_raster.write_bytes(b"")  # present on disk is all the panel asks of a remembered file
    panel.record_results("pseudolabel", {GIVEN: {"LABELS": ids["minas_treino"], "MASK": ids["study_area"]}})
    panel.record_results("traincnn", {GIVEN: {"LABELS": str(label_raster)}})
    assert panel.parameters_for("evaluate")["DEPOSITS"] == ids["minas_treino"]
    assert panel.parameters_for("pseudolabel")["LABELS"] == ids["minas_treino"]
    other_area = QgsVectorLayer("Polygon?crs=EPSG:25829", "study_area_2", "memory")
    panel.project.addMapLayer(other_area)
    panel.record_results("anomalies", {GIVEN: {"MASK": other_area.id()}})  # run after pseudolabel
    assert panel.parameters_for("evaluate")["MASK"] == other_area.id()
    assert panel.parameters_for("pseudolabel")["MASK"] == other_area.id()
    from geochem_prospector.ui import sample_data

    monkeypatch.setattr(sample_data, "load_sample_data", lambda project: {})
    panel.load_sample_data()
    assert panel.given == {} and "DEPOSITS" not in panel.parameters_for("evaluate")
