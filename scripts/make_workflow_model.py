"""Rebuild resources/models/prospectivity_workflow.model3 with QGIS's model API (developers only).

Usage: make deps && .venv/bin/python scripts/make_workflow_model.py
The model chains interpolate -> anomalies -> evidence -> pseudolabel -> traincnn -> predict -> evaluate ->
comparemodels with the defaults of the demo (faults and lithology are optional inputs of the evidence step); the
provider loads it, so it appears in the toolbox as prospector:prospectivity_workflow.

Layout: every component has a position, so the Model Designer shows a left-to-right flow: the inputs in one column on
the left (in the order a user fills them), the steps on a staircase in workflow order, each step's outputs to its
right. QGIS 3.22 reads a model's inputs back in alphabetical id order unless the file carries a parameter order
(QgsProcessingModelAlgorithm.setParameterOrder, written as "parameterOrder"); the ids themselves are public API
(qgis_process, saved runs), so the order is set, not the ids renamed. In 3.22 a model's name() is also its display
name, so the human title travels as the help's short description (the toolbox tooltip) and the help's first line.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "build", "plugins"))
sys.path.append("/usr/share/qgis/python/plugins")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PROJ_DATA", "/usr/share/proj")

from qgis.core import (  # noqa: E402
    QgsProcessing,
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildAlgorithm,
    QgsProcessingModelChildParameterSource,
    QgsProcessingModelOutput,
    QgsProcessingModelParameter,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
)
from qgis.PyQt.QtCore import QPointF  # noqa: E402

MODEL_PATH = os.path.join(REPO, "resources", "models", "prospectivity_workflow.model3")

Source = QgsProcessingModelChildParameterSource

TITLE = "Prospectivity workflow: geochemistry to a prospectivity map"
# Model Designer layout; components are 200 x 30 by default (QgsProcessingModelComponent.size())
INPUT_X, INPUT_Y, INPUT_STEP = 120.0, 60.0, 60.0  # one column of inputs, top to bottom in fill order
STEP_X, STEP_DX = 470.0, 250.0  # steps left to right in workflow order
STEP_Y, STEP_DY = 60.0, 140.0  # and top to bottom, so each step's outputs fit to its right
OUTPUT_DX, OUTPUT_DY = 250.0, 40.0  # a step's outputs: one column to its right, stacked


def child(model, algorithm_id, child_id, description, sources, outputs):
    index = len(model.childAlgorithms())  # steps are added in workflow order
    position = QPointF(STEP_X + index * STEP_DX, STEP_Y + index * STEP_DY)
    step = QgsProcessingModelChildAlgorithm(algorithm_id)
    step.setChildId(child_id)
    step.setDescription(description)
    step.setPosition(position)
    for name, value in sources.items():
        step.addParameterSources(name, value if isinstance(value, list) else [value])
    for definition in step.algorithm().parameterDefinitions():  # the modeler stores every default explicitly
        if definition.name() not in sources and not definition.isDestination():
            step.addParameterSources(definition.name(), [Source.fromStaticValue(definition.defaultValue())])
    model_outputs = {}
    for row, (child_output, (name, description)) in enumerate(outputs.items()):
        output = QgsProcessingModelOutput(name, description)  # name: part of the public id step:name
        output.setDescription(description)
        output.setPosition(position + QPointF(OUTPUT_DX, row * OUTPUT_DY))
        output.setChildId(child_id)
        output.setChildOutputName(child_output)
        output.setMandatory(True)  # an optional model output left empty would reach the step as an empty path
        model_outputs[name] = output
    step.setModelOutputs(model_outputs)
    model.addChildAlgorithm(step)
    return step


def build() -> QgsProcessingModelAlgorithm:
    model = QgsProcessingModelAlgorithm("prospectivity_workflow", "Workflows", "workflows")
    model.setHelpContent(
        {
            "SHORT_DESCRIPTION": TITLE,
            "ALG_DESC": TITLE + ". The whole GeoChem Prospector workflow: interpolate element rasters, identify and "
            "screen anomalies, add evidence from faults and lithology (optional) to the element rasters in one stack, "
            "pseudo-label from training deposits, train the CNN, predict prospectivity and evaluate it against "
            "held-out deposits; beside it, compare the classic learners, the CNN and the best single band "
            "leave-cluster-out on the training deposits, on the same evidence stack. Give training and held-out "
            "deposits as separate layers, spatially apart.",
        }
    )
    order = []

    def parameter(definition):
        component = QgsProcessingModelParameter(definition.name())
        component.setPosition(QPointF(INPUT_X, INPUT_Y + len(order) * INPUT_STEP))
        model.addModelParameter(definition, component)
        order.append(definition.name())

    parameter(QgsProcessingParameterFeatureSource("samples", "Sample points", [QgsProcessing.TypeVectorPoint]))
    parameter(
        QgsProcessingParameterField(
            "elements", "Element fields", parentLayerParameterName="samples", allowMultiple=True
        )
    )
    parameter(QgsProcessingParameterFeatureSource("study_area", "Study area", [QgsProcessing.TypeVectorPolygon]))
    parameter(
        QgsProcessingParameterFeatureSource(
            "training_deposits", "Known deposits for training", [QgsProcessing.TypeVectorPoint]
        )
    )
    parameter(
        QgsProcessingParameterFeatureSource(
            "heldout_deposits", "Held-out deposits for evaluation", [QgsProcessing.TypeVectorPoint]
        )
    )
    parameter(
        QgsProcessingParameterMultipleLayers(
            "faults", "Faults and other structures", QgsProcessing.TypeVectorLine, optional=True
        )
    )
    parameter(
        QgsProcessingParameterFeatureSource(
            "lithology", "Lithology polygons", [QgsProcessing.TypeVectorPolygon], optional=True
        )
    )
    parameter(
        QgsProcessingParameterField(
            "lithology_field", "Lithology class field", parentLayerParameterName="lithology", optional=True
        )
    )
    parameter(
        QgsProcessingParameterNumber(
            "pixel_size", "Pixel size (map units)", QgsProcessingParameterNumber.Double, 250.0, minValue=1.0
        )
    )
    parameter(
        QgsProcessingParameterNumber(
            "patch_size",
            "CNN patch size (odd, cells)",
            QgsProcessingParameterNumber.Integer,
            9,
            minValue=5,
            maxValue=65,
        )
    )
    parameter(
        QgsProcessingParameterNumber("epochs", "Training epochs", QgsProcessingParameterNumber.Integer, 30, minValue=1)
    )
    parameter(
        QgsProcessingParameterNumber(
            "ensemble", "CNNs trained and averaged", QgsProcessingParameterNumber.Integer, 5, minValue=1, maxValue=100
        )
    )
    parameter(
        QgsProcessingParameterNumber(
            "folds",
            "Folds of whole deposit clusters (learner comparison)",
            QgsProcessingParameterNumber.Integer,
            4,
            minValue=2,
            maxValue=100,
        )
    )
    model.setParameterOrder(order)  # the dialog lists the inputs as added, not by id
    area = Source.fromModelParameter("study_area")

    child(
        model,
        "prospector:interpolate",
        "interpolate",
        "Interpolate elements",
        {
            "INPUT": Source.fromModelParameter("samples"),
            "FIELDS": Source.fromModelParameter("elements"),
            "PIXEL_SIZE": Source.fromModelParameter("pixel_size"),
            "MASK": area,
            "LOG_TRANSFORM": Source.fromStaticValue(True),
            "NEIGHBORS": Source.fromStaticValue(12),
        },
        {},  # intermediate outputs go to temporary files
    )
    child(
        model,
        "prospector:anomalies",
        "anomalies",
        "Identify and screen anomalies",
        {
            "INPUT_RASTER": Source.fromChildOutput("interpolate", "OUTPUT"),
            "METHOD": Source.fromStaticValue(1),
            "MASK": area,
            "DEPOSITS": Source.fromModelParameter("training_deposits"),
            "INPUT": Source.fromModelParameter("samples"),
        },
        {
            "OUTPUT_CONTOURS": ("anomaly_contours", "Anomaly contours"),
            "OUTPUT_ANOMALIES": ("ranked_anomalies", "Ranked anomalies"),
        },
    )
    child(
        model,
        "prospector:evidence",
        "evidence",
        "Stack the element rasters with the geology",
        {
            "REFERENCE_RASTER": Source.fromChildOutput("interpolate", "OUTPUT"),
            "REFERENCE_BANDS": Source.fromStaticValue(True),
            "LINES": Source.fromModelParameter("faults"),
            "POLYGONS": Source.fromModelParameter("lithology"),
            "CLASS_FIELD": Source.fromModelParameter("lithology_field"),
            "MASK": area,
        },
        {},
    )
    evidence = [Source.fromChildOutput("evidence", "OUTPUT")]
    child(
        model,
        "prospector:pseudolabel",
        "pseudolabel",
        "Pseudo-label from training deposits",
        {
            "INPUT_RASTERS": evidence,
            "LABELS": Source.fromModelParameter("training_deposits"),
            "MASK": area,
            "METHOD": Source.fromStaticValue(2),
            # 500 m and 3,000 m (the demo's, at 250 m and coarser), but no more than 2 and 12 cells on finer grids:
            # a 40 m floodplain survey (Meuse, 6.5 km²) gets 80 m and 480 m, where a fixed 3 km buffer covered every
            # cell and the model stopped here
            "POSITIVE_RADIUS": Source.fromExpression("min(500, 2 * @pixel_size)"),
            "NEGATIVE_BUFFER": Source.fromExpression("min(3000, 12 * @pixel_size)"),
            "SEED": Source.fromStaticValue(42),
        },
        {"OUTPUT": ("pseudolabels", "Pseudo-labels")},
    )
    child(
        model,
        "prospector:traincnn",
        "traincnn",
        "Train the CNN",
        {
            "INPUT_RASTERS": evidence,
            "LABELS": Source.fromChildOutput("pseudolabel", "OUTPUT"),
            "CONFIDENCE": Source.fromChildOutput("pseudolabel", "OUTPUT_CONFIDENCE"),
            "PATCH_SIZE": Source.fromModelParameter("patch_size"),
            "EPOCHS": Source.fromModelParameter("epochs"),
            "ENSEMBLE": Source.fromModelParameter("ensemble"),
            "SEED": Source.fromStaticValue(42),
        },
        {"OUTPUT_REPORT": ("training_report", "CNN training report")},
    )
    child(
        model,
        "prospector:predict",
        "predict",
        "Predict prospectivity",
        {
            "INPUT_RASTERS": evidence,
            "MODEL": Source.fromChildOutput("traincnn", "OUTPUT_MODEL"),
            "MASK": area,
        },
        {"OUTPUT": ("prospectivity", "Prospectivity")},
    )
    child(
        model,
        "prospector:evaluate",
        "evaluate",
        "Evaluate against held-out deposits",
        {
            "INPUT_RASTER": Source.fromChildOutput("predict", "OUTPUT"),
            "DEPOSITS": Source.fromModelParameter("heldout_deposits"),
            "MASK": area,
        },
        {
            "OUTPUT_REPORT": ("evaluation_report", "Evaluation on held-out deposits (report)"),
            "OUTPUT_TABLE": ("evaluation_table", "Evaluation on held-out deposits (table)"),
        },
    )
    child(
        model,
        "prospector:comparemodels",
        "comparemodels",
        "Compare learners on the training deposits",
        {
            "INPUT_RASTERS": evidence,
            "DEPOSITS": Source.fromModelParameter("training_deposits"),
            "MASK": area,
            "FOLDS": Source.fromModelParameter("folds"),
            # the 3 km default at 250 m and coarser, no more than 12 cells (as the pseudo-label buffer) on finer
            # grids: a fixed 3 km made the Meuse floodplain's deposits one cluster, and the model stopped here
            "CLUSTER_DISTANCE": Source.fromExpression("min(3000, 12 * @pixel_size)"),
            "PATCH_SIZE": Source.fromModelParameter("patch_size"),
            "EPOCHS": Source.fromModelParameter("epochs"),
            "ENSEMBLE": Source.fromModelParameter("ensemble"),
        },
        {
            "OUTPUT_REPORT": ("comparison_report", "Learner comparison (report)"),
            "OUTPUT_TABLE": ("comparison_table", "Learner comparison (table)"),
        },
    )
    return model


def main() -> None:
    from qgis_session import start

    _app, _plugin = start()  # both kept while the model is built
    model = build()
    model.updateDestinationParameters()  # turns the child outputs into the model's own output parameters
    ok, errors = model.validate()
    if not ok:
        raise SystemExit("model does not validate: " + "; ".join(errors))
    if not model.toFile(MODEL_PATH):
        raise SystemExit(f"could not write {MODEL_PATH}")
    print(MODEL_PATH)


if __name__ == "__main__":
    main()
