"""prospector:trainmodel: train a classic learner (random forest, gradient boosting, logistic regression, weights
of evidence) on evidence rasters and the CNN's labels; write a safe model file and an HTML report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMapLayer,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
)

from ..core.classic.learner import METHOD_TITLES, METHODS, ClassicLearner, codes_as_amounts_note
from ..core.io.outputs import write_text
from ..core.io.rasters import RasterData, read_stack, require_values, stack_kinds, stack_units
from ..core.reports.classic import classic_report_html
from . import parameters as params
from .base import ProspectorAlgorithm
from .crs_checks import require_projected
from .inputs import layer_paths, warn_model_outputs
from .labels import LabelReading
from .traincnn import grid_meta, warn_labels_without_evidence, warn_unnamed_bands

#: METHOD's options, by name (stored by name in provenance; append only)
LEARNERS = ["random_forest", "gradient_boosting", "logistic", "woe"]
#: the settings of :func:`learner_parameters` and the learners that read them (core.classic.learner)
READERS = {
    "N_ESTIMATORS": ("random_forest", "gradient_boosting"),
    "MAX_DEPTH": ("random_forest", "gradient_boosting"),
    "MIN_SAMPLES_LEAF": ("random_forest", "gradient_boosting"),
    "LEARNING_RATE": ("gradient_boosting",),
    "REGULARISATION": ("logistic",),
}
assert set(LEARNERS) == set(METHODS)


def learner_parameters(alg: ProspectorAlgorithm) -> None:
    """The learners' settings (shared by trainmodel and comparemodels): window, trees, rate, regularisation."""
    advanced = [
        QgsProcessingParameterNumber(
            "WINDOW",
            alg.tr("Neighbourhood window for mean and std features (odd cells; 0 = the cell alone)"),
            QgsProcessingParameterNumber.Integer,
            0,
            False,
            0,
            51,
        ),
        QgsProcessingParameterNumber(
            "N_ESTIMATORS", alg.tr("Trees"), QgsProcessingParameterNumber.Integer, 200, False, 1, 100000
        ),
        QgsProcessingParameterNumber(
            "MAX_DEPTH",
            alg.tr("Tree depth (0 = unlimited; boosting: 0 = 3)"),
            QgsProcessingParameterNumber.Integer,
            0,
            False,
            0,
            1000,
        ),
        QgsProcessingParameterNumber(
            "MIN_SAMPLES_LEAF", alg.tr("Cells per leaf (minimum)"), QgsProcessingParameterNumber.Integer, 5, False, 1
        ),
        QgsProcessingParameterNumber(
            "LEARNING_RATE",
            alg.tr("Boosting learning rate"),
            QgsProcessingParameterNumber.Double,
            0.1,
            False,
            1e-6,
            1.0,
        ),
        QgsProcessingParameterNumber(
            "REGULARISATION",
            alg.tr("Logistic regression: inverse regularisation strength C"),
            QgsProcessingParameterNumber.Double,
            1.0,
            False,
            1e-9,
        ),
        params.seed(),
    ]
    for param in advanced:
        if param.name() != "WINDOW":
            param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        alg.addParameter(param)


def learner_settings(alg: ProspectorAlgorithm, parameters, context) -> dict:
    """The ClassicLearner arguments from the parameters of :func:`learner_parameters`."""
    return {
        "window": alg.parameterAsInt(parameters, "WINDOW", context),
        "n_estimators": alg.parameterAsInt(parameters, "N_ESTIMATORS", context),
        "max_depth": alg.parameterAsInt(parameters, "MAX_DEPTH", context),
        "min_samples_leaf": alg.parameterAsInt(parameters, "MIN_SAMPLES_LEAF", context),
        "learning_rate": alg.parameterAsDouble(parameters, "LEARNING_RATE", context),
        "regularisation": alg.parameterAsDouble(parameters, "REGULARISATION", context),
        "seed": params.seed_value(alg, parameters, context),  # a negative SEED wrapped as every algorithm wraps it
    }


def warn_codes_as_amounts(paths, band_names, methods, feedback) -> None:
    """Warn when a linear learner among ``methods`` is given bands of class codes (trainmodel, comparemodels)."""
    note = codes_as_amounts_note(band_names, stack_kinds(paths), methods)
    if note:
        feedback.pushWarning(note)


def check_window(grid, window: int) -> None:
    """Refuse a neighbourhood WINDOW wider than the evidence grid on a side: every window reaches beyond it, its
    statistics nearly those of the whole map (traincnn refuses a patch so wide)."""
    side = min(grid.width, grid.height)
    if window > side:
        fits = side if side % 2 else side - 1
        # a window is odd and at least 3: a grid 1 or 2 cells wide takes the cell alone
        use = f"a WINDOW of at most {fits} here (a few cells is usual), or 0" if fits >= 3 else "WINDOW 0"
        raise QgsProcessingException(
            f"WINDOW: the neighbourhood window of {window} x {window} cells is wider than the evidence grid "
            f"({grid.describe()}), so every window reaches beyond it and "
            f"its statistics are nearly those of the whole map; use {use} for the cell alone."
        )


@dataclass(frozen=True)
class Evidence:
    """INPUT_RASTERS read as one stack, and where the model and the report go."""

    paths: List[str]
    stack: RasterData
    model_path: str
    report_path: str


class TrainModelAlgorithm(LabelReading):
    ENUM_NAMES = {"METHOD": LEARNERS}
    INPUT_RASTERS = "INPUT_RASTERS"
    LABELS = "LABELS"
    LABEL_FIELD = "LABEL_FIELD"
    CONFIDENCE = "CONFIDENCE"
    METHOD = "METHOD"
    OUTPUT_MODEL = "OUTPUT_MODEL"
    OUTPUT_REPORT = "OUTPUT_REPORT"

    group_id = "machine learning"
    needs_sklearn = True

    def name(self) -> str:
        return "trainmodel"

    def displayName(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Train prospectivity model (random forest, boosting, logistic, weights of evidence)")

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr(
            "Trains a classic learner on the same labels as 'Train prospectivity CNN': a label raster (1 and above "
            "mineralised, 0 barren, nodata unlabelled; e.g. from pseudolabel) or points with a LABEL_FIELD, "
            "optionally weighted by a CONFIDENCE raster. Both classes are weighted to the same total.\n\n"
            "METHOD: random forest, gradient boosting, regularised logistic regression (standardised features, "
            "L2 penalty 1/C) or weights of evidence (a categorical band - at most 16 whole-number values - gets a "
            "weight per value; a continuous band is made binary at the threshold of largest studentised contrast).\n\n"
            "Features are the evidence bands at each cell; WINDOW (odd, cells) adds each band's mean and standard "
            "deviation over that window, so these learners see some context too.\n\n"
            "OUTPUT_MODEL: a safe model file (arrays and JSON; trees as node tables, never a pickled estimator) that "
            "'Predict prospectivity' reads like a CNN model. OUTPUT_REPORT: what the model learned (feature "
            "importances, coefficients, or the weights table with contrasts and the Agterberg-Cheng conditional "
            "independence test). Compare learners on held-out deposits with 'Compare models'."
        )

    def initAlgorithm(self, config=None) -> None:  # noqa: N802 (QGIS API name)
        self.addParameter(params.evidence_rasters())
        self.addParameter(
            QgsProcessingParameterMapLayer(
                self.LABELS,
                self.tr("Labels (label raster, or points with a class field)"),
                types=[QgsProcessing.TypeRaster, QgsProcessing.TypeVectorPoint],
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.LABEL_FIELD,
                self.tr("Class field name (point labels only: 1 mineralised, 0 barren)"),
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterRasterLayer(self.CONFIDENCE, self.tr("Label confidence raster"), optional=True)
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.METHOD, self.tr("Learner"), [self.tr(METHOD_TITLES[m]) for m in LEARNERS], defaultValue=0
            )
        )
        learner_parameters(self)
        self.addParameter(params.model_file(self.OUTPUT_MODEL, "Model file"))
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT_REPORT, self.tr("Model report"), self.tr("HTML files (*.html)")
            )
        )

    def process(self, parameters, context, feedback):
        evidence = self._read_evidence(parameters, context, feedback)
        grid = evidence.stack.grid
        labels = self._labels(parameters, context, feedback, grid)
        warn_labels_without_evidence(evidence.stack, labels.labels, feedback)
        confidence = self._confidence(parameters, context, feedback, grid)
        model = self._learner(parameters, context, feedback, grid)
        warn_codes_as_amounts(evidence.paths, evidence.stack.band_names, [model.method], feedback)
        self._fit(feedback, model, evidence.stack, labels.labels, confidence)
        provenance = self.provenance(parameters, context, {"inputs": evidence.paths, **labels.provenance})
        self._write_outputs(evidence, model, provenance)
        feedback.setProgress(100)
        return {self.OUTPUT_MODEL: evidence.model_path, self.OUTPUT_REPORT: evidence.report_path}

    def _read_evidence(self, parameters, context, feedback) -> Evidence:
        """INPUT_RASTERS read as one stack, refused unless the first is in a projected CRS (the window needs cells of
        one ground size) and some cells hold values; the output paths taken before the reading."""
        layers = self.parameterAsLayerList(parameters, self.INPUT_RASTERS, context)
        if not layers:
            raise QgsProcessingException("INPUT_RASTERS: choose at least one evidence raster.")
        paths, names = layer_paths(layers, self.INPUT_RASTERS)
        warn_model_outputs(paths, names, feedback)
        require_projected(
            layers[0].crs(),
            self.INPUT_RASTERS,
            f"'{layers[0].name()}'",
            "the neighbourhood window needs cells of one ground size",
            extent=layers[0].extent(),
            feedback=feedback,
        )
        model_path = self.parameterAsFileOutput(parameters, self.OUTPUT_MODEL, context)
        report_path = self.parameterAsFileOutput(parameters, self.OUTPUT_REPORT, context)
        feedback.pushInfo(f"Reading {len(paths)} evidence raster(s)")
        stack = read_stack(paths, names)
        for warning in stack.warnings:
            feedback.pushWarning(warning)
        for note in stack.notes:
            feedback.pushInfo(note)
        require_values(stack, self.INPUT_RASTERS)
        return Evidence(paths, stack, model_path, report_path)

    def _learner(self, parameters, context, feedback, grid) -> ClassicLearner:
        """The learner chosen (METHOD) with its settings, a warning for each setting it ignores; a window wider than
        the grid refused."""
        method = self.enum_name(parameters, self.METHOD, context)
        self._warn_ignored(parameters, context, feedback, method)
        settings = learner_settings(self, parameters, context)
        check_window(grid, settings["window"])
        return ClassicLearner(method, **settings)

    @staticmethod
    def _fit(feedback, model: ClassicLearner, stack: RasterData, labels, confidence) -> None:
        """Fit the learner on the stack and the labels, and say what it trained on (and the weights of evidence's
        conditional independence test)."""
        feedback.pushInfo(f"Training {METHOD_TITLES[model.method]} on {', '.join(stack.band_names)}")
        warn_unnamed_bands(stack.band_names, feedback)
        feedback.setProgress(10)
        model.fit(
            stack.bands,
            labels,
            band_names=stack.band_names,
            sample_weight=confidence,
            grid=grid_meta(stack.grid),
            progress=lambda f: feedback.setProgress(10 + 85 * f),  # per chunk of trees (forest, boosting)
            is_cancelled=feedback.isCanceled,
        )
        training = model.metadata_["training"]
        feedback.pushInfo(
            f"{training['mineralised_cells']} mineralised and {training['barren_cells']} barren training cells; "
            f"{len(model.metadata_['feature_names'])} features"
        )
        ci = model.metadata_["summary"].get("conditional_independence")
        if ci:
            feedback.pushInfo(
                f"Conditional independence: n = {ci['n']:.1f}, T = {ci['T']:.1f}, n/T = {ci['ratio']:.3f}, "
                f"z = {ci['z']:.2f}, p = {ci['p_value']:.3f}"
            )

    def _write_outputs(self, evidence: Evidence, model: ClassicLearner, provenance: dict) -> None:
        """The model file, then the report giving each threshold in its band's unit (ppm, m, nT)."""
        model.save(evidence.model_path, extra={"provenance": provenance}, parameter=self.OUTPUT_MODEL)
        units = stack_units(evidence.paths)
        names = evidence.stack.band_names
        band_units = dict(zip(names, units)) if len(units) == len(names) else {}
        report = classic_report_html({**model.metadata_, "provenance": provenance, "band_units": band_units})
        write_text(evidence.report_path, report, self.OUTPUT_REPORT)

    def _warn_ignored(self, parameters, context, feedback, method: str) -> None:
        """A warning for each setting changed from its default that the learner chosen does not read (the 3.22
        dialog cannot hide them)."""
        for name, readers in READERS.items():
            shown = None if method in readers else self.changed_setting(parameters, name, context)
            if shown is None:
                continue
            learners = " and ".join(METHOD_TITLES[m] for m in readers)
            feedback.pushWarning(
                f"{name} ({shown}) is read by {learners} only; the learner chosen, {METHOD_TITLES[method]}, ignores it."
            )
