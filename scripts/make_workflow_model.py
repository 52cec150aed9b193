"""Rebuild resources/models/prospectivity_workflow.model3 with QGIS's model API (developers only).

Usage: make deps && .venv/bin/python scripts/make_workflow_model.py
The model chains interpolate -> anomalies -> evidence -> pseudolabel -> traincnn -> predict -> evaluate with
the defaults of the demo (faults and lithology are optional inputs of the evidence step); the provider loads it, so it appears in the toolbox as prospector:prospectivity_workflow.
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
    QgsApplication,
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

MODEL_PATH = os.path.join(REPO, "resources", "models", "prospectivity_workflow.model3")

Source = QgsProcessingModelChildParameterSource


def child(model, algorithm_id, child_id, description, sources, outputs):
    step = QgsProcessingModelChildAlgorithm(algorithm_id)
    step.setChildId(child_id)
    step.setDescription(description)
    for name, value in sources.items():
        step.addParameterSources(name, value if isinstance(value, list) else [value])
    for definition in step.algorithm().parameterDefinitions():  # the modeler stores every default explicitly
        if definition.name() not in sources and not definition.isDestination():
            step.addParameterSources(definition.name(), [Source.fromStaticValue(definition.defaultValue())])
    model_outputs = {}
    for child_output, (name, description) in outputs.items():
        output = QgsProcessingModelOutput(name, description)
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
            "ALG_DESC": "The whole GeoChem Prospector workflow: interpolate element rasters, identify and screen "
            "anomalies, add evidence from faults and lithology (optional) to the element rasters in one stack, pseudo-label "
            "from training deposits, train the CNN, predict prospectivity and evaluate it "
            "against held-out deposits. Give training and held-out deposits as separate layers, spatially apart."
        }
    )

    def parameter(definition):
        model.addModelParameter(definition, QgsProcessingModelParameter(definition.name()))

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
            "faults", "Faults and other structures (optional)", QgsProcessing.TypeVectorLine, optional=True
        )
    )
    parameter(
        QgsProcessingParameterFeatureSource(
            "lithology", "Lithology polygons (optional)", [QgsProcessing.TypeVectorPolygon], optional=True
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
        QgsProcessingParameterNumber("epochs", "Training epochs", QgsProcessingParameterNumber.Integer, 30, minValue=1)
    )
    parameter(
        QgsProcessingParameterNumber(
            "ensemble", "CNNs trained and averaged", QgsProcessingParameterNumber.Integer, 5, minValue=1, maxValue=100
        )
    )
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
            "POSITIVE_RADIUS": Source.fromStaticValue(500),
            "NEGATIVE_BUFFER": Source.fromStaticValue(3000),
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
            "EPOCHS": Source.fromModelParameter("epochs"),
            "ENSEMBLE": Source.fromModelParameter("ensemble"),
            "SEED": Source.fromStaticValue(42),
        },
        {"OUTPUT_REPORT": ("training_report", "Training report")},
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
            "OUTPUT_REPORT": ("evaluation_report", "Evaluation report"),
            "OUTPUT_TABLE": ("evaluation_table", "Evaluation table"),
        },
    )
    return model


def main() -> None:
    app = QgsApplication([], False)
    app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()
    from geochem_prospector.plugin import GeoChemProspectorPlugin

    plugin = GeoChemProspectorPlugin(None)
    plugin.initProcessing()
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
