"""prospector:traincnn: train the patch CNN on evidence rasters and labels; write a model file and an HTML report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, List, Optional

import numpy as np
from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterDistance,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMapLayer,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsRasterLayer,
)

from ..core.errors import Cancelled
from ..core.grid import GridSpec, StackMemory, available_memory, size_text
from ..core.io.outputs import write_text
from ..core.io.rasters import read_stack, require_values, unnamed_band, value_counts
from ..core.learning.patch_extent import patch_area_warning
from ..core.reports.training import training_report_html
from . import parameters as params
from .crs_checks import require_projected
from .inputs import layer_paths, warn_model_outputs
from .labels import LabelReading, LabelsRead, label_raster_points, refuse_other_outputs, require_class_values
from .scheduling import HELP as SCHEDULER_HELP
from .scheduling import scheduler_parameter, task_runner

#: evidence stacks larger than this (bands x cells x 4 bytes) are read window by window (core.learning.streaming)
#: when every input shares one grid; smaller ones are read whole, which is faster and gives the same model
STREAM_ABOVE_BYTES = 1 << 30
#: the windows of that reading (cells a side)
STREAM_WINDOW = 1024
#: the peak memory of the whole-stack path: 4 bytes per byte of the stack (GDAL's reading and its float copies
#: peak at 3.7, training adds 0.3; measured on 8 bands of 4000 x 4000 cells) and 24 per cell (labels, confidence)
WHOLE_STACK_PER_BYTE = 4.0
WHOLE_STACK_PER_CELL = 24


def grid_meta(grid) -> dict:
    """The grid as a model file stores it."""
    return {
        "xmin": grid.xmin,
        "ymax": grid.ymax,
        "pixel_size": grid.pixel_size,
        "width": grid.width,
        "height": grid.height,
        "crs_wkt": grid.crs_wkt,
    }


VALIDATIONS = ["blocks", "clusters"]
TRAININGS = ["pseudolabels", "pu"]
INPUT_TRANSFORMS = ["robust", "quantile", "piecewise"]
TEACHERS = ["none", "gradient_boosting", "gradient_boosting_all"]
DISTIL_TARGETS = ["probability", "log_odds"]


def import_cnn():
    """core.learning.estimator, or a clear message when PyTorch is missing (the rest of the plugin works without it)."""
    try:
        from ..core.learning import estimator as cnn
    except ImportError as exc:
        raise QgsProcessingException(
            f"PyTorch is needed for the deep-learning steps but could not be imported ({exc}). Install the CPU "
            "build with Plugins › GeoChem Prospector › Install dependencies…, or into the Python that QGIS uses "
            "(`python3 -m pip install torch`), then restart QGIS."
        ) from None
    return cnn


def warn_unnamed_bands(band_names, feedback) -> None:
    """Bands without a description are known to the model by number ('stack:band 1'): predict finds them only in a
    raster of that name, and refuses to match them by position in another one; say so now, while it is cheap."""
    unnamed = [name for name in band_names if unnamed_band(name)]
    if unnamed:
        shown = ", ".join(unnamed[:5]) + (f" and {len(unnamed) - 5} more" if len(unnamed) > 5 else "")
        feedback.pushWarning(
            f"INPUT_RASTERS: {len(unnamed)} band(s) have no description, so the model knows them by number only "
            f"({shown}): predict will read them from a raster of that name alone, never by position from another. "
            "To use the model on other rasters, give the bands descriptions (what each holds: Cu, tmi, …; in GDAL: "
            "band.SetDescription) and train again."
        )


def warn_labels_without_evidence(stack, labels: np.ndarray, feedback) -> None:
    """Say how many labelled cells lack a band's value, which training then leaves out (traincnn, trainmodel)."""
    from ..core.labels.seeds import labels_without_evidence

    lost = labels_without_evidence(stack.bands, labels, stack.band_names)
    if lost:
        feedback.pushWarning(lost)


#: how check_grid's refusals end for traincnn: its PATCH_SIZE takes 1, its COARSE_VIEW 0
PER_CELL_ADVICE = "PATCH_SIZE 1 (a network that sees each cell alone)"
NO_COARSE_ADVICE = "set it to 0 (none)"


def check_grid(
    grid, patch: int, coarse: int = 0, smaller: str = PER_CELL_ADVICE, no_coarse: str = NO_COARSE_ADVICE
) -> None:
    """Refuse an evidence grid narrower than the patch on a side (a 1-row raster, cells far too large), or than
    the window of the coarse view: every patch would be mostly padding, and the labels fall on a few cells.
    ``smaller``, ``no_coarse``: the last ways out the messages offer (a network that sees each cell alone, no
    coarse view), as each algorithm's parameters allow."""
    side = min(grid.width, grid.height)
    if side < patch:
        raise QgsProcessingException(
            f"INPUT_RASTERS: the evidence grid is {grid.describe()}, "
            f"narrower than the {patch} x {patch}-cell patch (PATCH_SIZE), so every patch would be mostly "
            f"padding. Give rasters with more cells (a smaller cell size, a larger area), a smaller PATCH_SIZE, "
            f"or {smaller}."
        )
    if coarse >= 3 and patch * coarse > side:
        fits = max((k for k in range(3, side // patch + 1, 2)), default=0)
        raise QgsProcessingException(
            f"COARSE_VIEW: the network would see {patch * coarse} x {patch * coarse} cells around each cell "
            f"(PATCH_SIZE {patch} x COARSE_VIEW {coarse}), more than the evidence grid's {grid.width} x "
            f"{grid.height}, so every window would be mostly padding and no training cell would lie clear of "
            f"the validation cells' windows; "
            + (f"use a COARSE_VIEW of at most {fits} here, or {no_coarse}." if fits else f"{no_coarse}.")
        )


@dataclass(frozen=True)
class TrainingRun:
    """The inputs and outputs checked before any raster is read, and the learner with its settings."""

    paths: List[str]
    names: List[str]
    model_path: str
    report_path: str
    model: Any  # core.learning.estimator.PatchCNN (PyTorch is imported when the run starts)


@dataclass(frozen=True)
class StreamedStack:
    """An evidence stack read window by window: what fits on it, the bands, labels and confidence selected from the
    files, and their one grid."""

    fit_windows: Callable
    selection: list
    labels: LabelsRead  # .labels: the label raster's selection, the points (streaming.PointLabels) or None
    weights: Optional[list]  # the CONFIDENCE raster's selection, or None
    band_names: List[str]
    grid: GridSpec


@dataclass(frozen=True)
class StreamedLabels:
    """LABELS and CONFIDENCE for a window-by-window read: the label raster's band (``labels.labels``, None for
    points or none), whether LABELS are points, the CONFIDENCE raster's band (or None), and why any is not on the
    evidence grid."""

    labels: LabelsRead
    points: bool
    weights: Optional[list]
    off_grid: List[str]


class TrainCnnAlgorithm(LabelReading):
    ENUM_NAMES = {
        "VALIDATION": VALIDATIONS,
        "TRAINING": TRAININGS,
        "INPUT_TRANSFORM": INPUT_TRANSFORMS,
        "TEACHER": TEACHERS,
        "DISTIL_TARGET": DISTIL_TARGETS,
    }
    INPUT_RASTERS = "INPUT_RASTERS"
    LABELS = "LABELS"
    LABEL_FIELD = "LABEL_FIELD"
    CONFIDENCE = "CONFIDENCE"
    PATCH_SIZE = "PATCH_SIZE"
    EPOCHS = "EPOCHS"
    BATCH_SIZE = "BATCH_SIZE"
    LEARNING_RATE = "LEARNING_RATE"
    SEED = "SEED"
    DEVICE = "DEVICE"
    VALIDATION = "VALIDATION"
    BLOCK_SIZE = "BLOCK_SIZE"
    SEMI_SUPERVISED = "SEMI_SUPERVISED"
    ENSEMBLE = "ENSEMBLE"
    TRAINING = "TRAINING"
    CLASS_PRIOR = "CLASS_PRIOR"
    COARSE_VIEW = "COARSE_VIEW"
    PRETRAIN_EPOCHS = "PRETRAIN_EPOCHS"
    BARREN_RATIO = "BARREN_RATIO"
    INPUT_TRANSFORM = "INPUT_TRANSFORM"
    TEACHER = "TEACHER"
    DISTIL_TARGET = "DISTIL_TARGET"
    DISTIL_WEIGHT = "DISTIL_WEIGHT"
    BAND_SPARSITY = "BAND_SPARSITY"
    OUTPUT_MODEL = "OUTPUT_MODEL"
    OUTPUT_REPORT = "OUTPUT_REPORT"

    group_id = "deep learning"
    needs_torch = True

    def name(self) -> str:
        return "traincnn"

    def displayName(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Train prospectivity CNN")

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr(
            "Trains a small convolutional neural network (convolution, ReLU, max pooling, fully connected layer, "
            "softmax with class-balanced cross-entropy) that classifies each cell from a PATCH_SIZE x PATCH_SIZE "
            "window of every band of the INPUT_RASTERS (aligned onto the first raster's grid); PATCH_SIZE 1 is the "
            "per-cell network (the same layers with 1 x 1 kernels: no context), 3 is not allowed. On the 17 "
            "Lapland deposits held out by whole clusters the per-cell network scored above PATCH_SIZE 9 with every "
            "evidence set tried (geochemistry, magnetics, faults and lithology: by 0.04 to 0.08 AUC); comparemodels' "
            "'CNN per cell (no context)' tells whether context pays on your own deposits.\n\n"
            "LABELS: a label raster (1 mineralised, 0 barren, nodata = unlabelled; e.g. from pseudolabel) or a point "
            "layer with a LABEL_FIELD holding the class. CONFIDENCE (optional raster, 0-1) weights each labelled "
            "cell.\n\n"
            "Bands are normalised with their median and interquartile range (stored in the model); patches are "
            "augmented with the 8 rotations/reflections. VALIDATION holds out whole spatial blocks of BLOCK_SIZE "
            "(map units, 0 = automatic) or whole clusters of positive cells with the cells nearest them "
            "(leave-cluster-out), never random cells; training cells within one patch of a validation cell are "
            "dropped. Training stops early when the validation loss stops improving; the best weights are kept. "
            "SEMI_SUPERVISED adds a mean-teacher consistency loss on unlabelled patches.\n\n"
            "ENSEMBLE networks are trained from different seeds on the same split and their logits averaged "
            "(with labelled-cell TRAINING divided by a temperature fitted on the validation cells, stored in the "
            "model): "
            "with few deposits one network depends much on its seed (held-out AUC from 0.56 to 0.80 across ten "
            "seeds on the Lapland geochemistry and magnetics, 0.61 to 0.75 on the geochemistry alone), their "
            "average far less; training takes ENSEMBLE times as long.\n\n"
            "TRAINING: 'positive-unlabelled' (the default) learns the cells labelled 1 against every other valid "
            "cell as unlabelled, barren labels included, with the non-negative PU risk (Kiryo et al. 2017) and the "
            "CLASS_PRIOR, the share of positive ground among all cells (0 = the share labelled 1, a lower "
            "bound): no barren label has to be invented; its logits are not rescaled (no barren cells to fit a "
            "temperature on), so read its map by rank (predict's OUTPUT_RANK). 'labelled cells' learns the "
            "labelled cells, barren ones included, with class-balanced cross-entropy, and is "
            "the one that tells several mineralised classes apart. On the Lapland deposits held out by whole "
            "clusters positive-unlabelled scored 0.785 against 0.687 (geochemistry) and 0.755 against 0.744 (with "
            "magnetics); see the README.\n\n"
            "COARSE_VIEW (an odd factor k, 0 = none) adds a second view of the neighbourhood: the bands averaged "
            "over k x k cells, PATCH_SIZE x PATCH_SIZE of those coarse cells, so the network sees k x PATCH_SIZE "
            "cells (e.g. distance to faults or contacts at kilometre scale) without a huge fine patch. On the "
            "Lapland deposits it cost with every evidence set tried (with faults and lithology: held-out AUC 0.69 "
            "and 0.53 against 0.82 and 0.90 without it): a wide window around few deposits can be learnt by "
            "place. Use it where many deposits constrain it, after comparemodels' 'CNN with a coarse view'.\n\n"
            "PRETRAIN_EPOCHS (0 = none) first pre-trains each network's layers without labels on patches around "
            "every valid cell: bands hidden at random are predicted from the others (masked-band "
            "reconstruction); training on the labels then starts from these layers.\n\n"
            "BARREN_RATIO (advanced) caps the barren cells each epoch visits: every positive training cell and "
            "BARREN_RATIO barren cells per positive one (at least 2048), a fresh draw each epoch that cycles "
            "through every barren cell, weighted so that the loss stays that of all cells; training time then "
            "grows with the positives, not with the barren ground. 0 = every barren cell in every epoch (as in "
            "earlier versions).\n\n"
            "INPUT_TRANSFORM: 'median / IQR' normalises each band by its median and interquartile range (clipped "
            "at 10); 'normal scores' first maps each band through its own distribution on the training stack to a "
            "standard normal (rank-preserving, like the tree learners' invariance to monotone transforms; the "
            "1,000 quantiles per band are stored in the model and applied by predict, also on Dask workers); "
            "'piecewise-linear' keeps median / IQR and makes the network's first layer encode each band as the 16 "
            "bins it fills between its training quantiles (Gorishniy et al. 2022; constant beyond the training "
            "range, as a tree; the 17 quantiles per band are stored in the model). Neither beat median / IQR on "
            "the Lapland deposits (README).\n\n"
            "TEACHER (distillation): a gradient-boosting model (comparemodels' settings) trained on the network's "
            "training cells (or on every labelled cell) scores every valid cell, and the network learns its "
            "probability (or log-odds, DISTIL_TARGET) there besides the labels (DISTIL_WEIGHT): it sees the whole "
            "area, but through the teacher's eyes, and inherits its view. Two classes and the stack in memory only. "
            "BAND_SPARSITY: a group-lasso penalty that drives whole bands' first-layer weights to zero, so the "
            "network reads few bands, as trees do; -1 chooses its strength among 0.25-4 on the validation cells "
            "(stored in the model, with the bands used, in the report's metrics). Neither beat the per-cell "
            "network on the Lapland deposits (README), so both are off by default.\n\n"
            "OUTPUT_MODEL is a safe model file (tensors + JSON, no code); OUTPUT_REPORT an HTML report with loss "
            "and accuracy against iteration for every network, confusion matrix and validation ROC AUC: agreement "
            "with the labels, not map skill (use evaluate on held-out deposits). With a fixed SEED, training "
            "on the CPU is reproducible.\n\n"
            + SCHEDULER_HELP.format(what="windows of the patch extraction")
            + " With a scheduler the evidence is read window by window whatever its size (as it is without one "
            "for stacks over 1 GiB): the workers read the windows and cut the patches, the training itself runs "
            "in this process. The networks are then those of the run in this process when that run also reads "
            "window by window, or when the raster has at most a million cells and every unlabelled patch fits "
            "the bank (512 MiB); otherwise the normalisation sample and the unlabelled cells of the mean teacher "
            "are drawn window by window instead of from the whole stack."
        )

    def initAlgorithm(self, config=None) -> None:  # noqa: N802 (QGIS API name)
        self.addParameter(params.evidence_rasters(self.INPUT_RASTERS))
        self.addParameter(
            QgsProcessingParameterMapLayer(
                self.LABELS,
                self.tr("Labels (label raster, or points with a class field)"),
                types=[QgsProcessing.TypeRaster, QgsProcessing.TypeVectorPoint],
            )
        )
        self.addParameter(
            # A plain string, not QgsProcessingParameterField: in QGIS 3.22 a field parameter whose parent accepts
            # rasters crashes the dialog (null layer in setParentLayerWrapperValue) as soon as a raster is chosen.
            # The id and its values (a field name) are unchanged, so existing command lines keep working.
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
            QgsProcessingParameterNumber(
                self.PATCH_SIZE,
                self.tr("Patch size (odd, cells)"),
                QgsProcessingParameterNumber.Integer,
                9,
                False,
                1,
                65,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.EPOCHS, self.tr("Epochs (maximum)"), QgsProcessingParameterNumber.Integer, 60, False, 1, 10000
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.BATCH_SIZE, self.tr("Batch size"), QgsProcessingParameterNumber.Integer, 64, False, 2, 65536
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.LEARNING_RATE,
                self.tr("Learning rate"),
                QgsProcessingParameterNumber.Double,
                0.001,
                False,
                1e-6,
                0.9,
            )
        )
        self.addParameter(params.seed(self.SEED))
        self.addParameter(params.device(self.DEVICE))
        self.addParameter(
            QgsProcessingParameterEnum(
                self.VALIDATION,
                self.tr("Validation"),
                [self.tr("Spatial blocks"), self.tr("Leave positive clusters out")],
                defaultValue=0,
            )
        )
        self.addParameter(
            QgsProcessingParameterDistance(
                self.BLOCK_SIZE,
                self.tr("Validation block size (0 = automatic)"),
                defaultValue=0.0,
                parentParameterName=self.INPUT_RASTERS,
                minValue=0.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterBoolean(
                self.SEMI_SUPERVISED, self.tr("Semi-supervised (mean teacher on unlabelled cells)"), True
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.ENSEMBLE,
                self.tr("Ensemble: networks trained and averaged"),
                QgsProcessingParameterNumber.Integer,
                5,
                False,
                1,
                100,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.TRAINING,
                self.tr("Training"),
                [self.tr("Labelled cells (cross-entropy)"), self.tr("Positive-unlabelled (non-negative PU risk)")],
                defaultValue=1,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.CLASS_PRIOR,
                self.tr("Class prior for positive-unlabelled training (0 = share of cells labelled 1)"),
                QgsProcessingParameterNumber.Double,
                0.0,
                False,
                0.0,
                0.99,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.COARSE_VIEW,
                self.tr("Coarse second view: odd factor k (patch of k x k averaged cells; 0 = none)"),
                QgsProcessingParameterNumber.Integer,
                0,
                False,
                0,
                51,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.PRETRAIN_EPOCHS,
                self.tr("Self-supervised pre-training epochs (masked bands, every valid cell; 0 = none)"),
                QgsProcessingParameterNumber.Integer,
                0,
                False,
                0,
                10000,
            )
        )
        barren = QgsProcessingParameterNumber(
            self.BARREN_RATIO,
            self.tr("Barren cells drawn per positive cell in each epoch (0 = every barren cell)"),
            QgsProcessingParameterNumber.Double,
            1.0,
            False,
            0.0,
            1000.0,
        )
        barren.setFlags(barren.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(barren)
        self.addParameter(
            QgsProcessingParameterEnum(
                self.INPUT_TRANSFORM,
                self.tr("Input transform"),
                [
                    self.tr("Median / IQR"),
                    self.tr("Normal scores (quantiles of the training stack)"),
                    self.tr("Piecewise-linear encoding (bins at the training quantiles)"),
                ],
                defaultValue=0,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.TEACHER,
                self.tr("Teacher (distillation over every valid cell)"),
                [
                    self.tr("None"),
                    self.tr("Gradient boosting on the training cells"),
                    self.tr("Gradient boosting on every labelled cell (validation cells included)"),
                ],
                defaultValue=0,
            )
        )
        distil_target = QgsProcessingParameterEnum(
            self.DISTIL_TARGET,
            self.tr("What the network matches of the teacher"),
            [self.tr("Its probability (cross-entropy)"), self.tr("Its log-odds (squared difference)")],
            defaultValue=0,
        )
        distil_weight = QgsProcessingParameterNumber(
            self.DISTIL_WEIGHT,
            self.tr("Weight of the teacher's targets beside the labels"),
            QgsProcessingParameterNumber.Double,
            1.0,
            False,
            0.0,
            100.0,
        )
        sparsity = QgsProcessingParameterNumber(
            self.BAND_SPARSITY,
            self.tr("Band sparsity: group lasso per band on the first layer (0 = none, -1 = chosen on validation)"),
            QgsProcessingParameterNumber.Double,
            0.0,
            False,
            -1.0,
            1000.0,
        )
        for parameter in (distil_target, distil_weight, sparsity):
            parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
            self.addParameter(parameter)
        self.addParameter(scheduler_parameter(self.tr))
        self.addParameter(params.model_file(self.OUTPUT_MODEL, "Model file"))
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT_REPORT, self.tr("Training report"), self.tr("HTML files (*.html)")
            )
        )

    def process(self, parameters, context, feedback):
        cnn = import_cnn()
        run = self._settings(parameters, context, feedback, cnn)
        runner = task_runner(self, parameters, context, feedback)
        streamed = self._streamed(parameters, context, feedback, run.paths, run.names, run.model, not runner.in_process)
        if streamed is not None:
            self._fit_streamed(parameters, context, feedback, run.model, streamed, runner)
            labels = streamed.labels
        else:
            labels = self._fit_whole_stack(parameters, context, feedback, run)
        if feedback.isCanceled():  # cancelled after the last batch: still write nothing
            raise Cancelled()
        self._warn_no_barren(run.model, feedback)
        self._say_validation(parameters, context, run.model, feedback)
        return self._write_outputs(parameters, context, feedback, run, labels.provenance)

    def _settings(self, parameters, context, feedback, cnn) -> TrainingRun:
        """The inputs and outputs checked, and the learner with its settings, before any raster is read; a warning
        for each setting this training ignores."""
        layers = self.parameterAsLayerList(parameters, self.INPUT_RASTERS, context)
        if not layers:
            raise QgsProcessingException("INPUT_RASTERS: choose at least one evidence raster.")
        paths, names = layer_paths(layers, self.INPUT_RASTERS)
        warn_model_outputs(paths, names, feedback)
        require_projected(
            layers[0].crs(),
            self.INPUT_RASTERS,
            f"'{layers[0].name()}'",
            "the CNN's patches need cells of one ground size",
            extent=layers[0].extent(),
            feedback=feedback,
        )
        model_path = self.parameterAsFileOutput(parameters, self.OUTPUT_MODEL, context)
        report_path = self.parameterAsFileOutput(parameters, self.OUTPUT_REPORT, context)
        self._warn_ignored(parameters, context, feedback)
        model = cnn.PatchCNN(
            patch_size=self.parameterAsInt(parameters, self.PATCH_SIZE, context),
            epochs=self.parameterAsInt(parameters, self.EPOCHS, context),
            batch_size=self.parameterAsInt(parameters, self.BATCH_SIZE, context),
            learning_rate=self.parameterAsDouble(parameters, self.LEARNING_RATE, context),
            seed=params.seed_value(self, parameters, context),
            device=self.parameterAsEnumString(parameters, self.DEVICE, context) or "auto",
            validation=self.enum_name(parameters, self.VALIDATION, context),
            semi_supervised=None if self.parameterAsBool(parameters, self.SEMI_SUPERVISED, context) else False,
            ensemble=self.parameterAsInt(parameters, self.ENSEMBLE, context),
            training=self.enum_name(parameters, self.TRAINING, context),
            class_prior=self.parameterAsDouble(parameters, self.CLASS_PRIOR, context),
            coarse=self.parameterAsInt(parameters, self.COARSE_VIEW, context),
            pretrain_epochs=self.parameterAsInt(parameters, self.PRETRAIN_EPOCHS, context),
            barren_ratio=self.parameterAsDouble(parameters, self.BARREN_RATIO, context),
            input_transform=self.enum_name(parameters, self.INPUT_TRANSFORM, context),
            teacher=self.enum_name(parameters, self.TEACHER, context),
            distil_target=self.enum_name(parameters, self.DISTIL_TARGET, context),
            distil_weight=self.parameterAsDouble(parameters, self.DISTIL_WEIGHT, context),
            band_sparsity=self.parameterAsDouble(parameters, self.BAND_SPARSITY, context),
        )
        return TrainingRun(paths, names, model_path, report_path, model)

    @staticmethod
    def _fit_args(feedback) -> dict:
        """What both ways of fitting hand the learner: the progress, the cancel check and the log."""
        return dict(
            progress=lambda f: feedback.setProgress(95 * f), is_cancelled=feedback.isCanceled, log=feedback.pushInfo
        )

    def _fit_streamed(self, parameters, context, feedback, model, streamed: StreamedStack, runner) -> None:
        """Fit on the patches read window by window around the labelled and sampled cells (on the workers when a
        scheduler is set)."""
        grid = streamed.grid
        warn_unnamed_bands(streamed.band_names, feedback)
        label_values = getattr(streamed.labels.labels, "values", None)  # points; a label raster by windows: not counted
        if label_values is not None:
            self._warn_other_classes(parameters, context, feedback, label_values, streamed.labels.class_names)
        check_grid(grid, model.patch_size, model.coarse)
        self._warn_patch_area(parameters, feedback, grid, model, grid.width * grid.height, "cells of the grid")
        model.set_params(block_size=self._block_cells(parameters, context, grid, feedback))
        from ..core.learning.streaming import unlabelled_bank_cells

        bank_cells = unlabelled_bank_cells(len(streamed.selection), model.patch_size, model.coarse)
        with runner:
            streamed.fit_windows(
                model, streamed.selection, grid, streamed.labels.labels, streamed.weights, streamed.band_names,
                grid_meta(grid), runner=runner, window=STREAM_WINDOW, unlabelled_cells=bank_cells,
                pretrain_cells=bank_cells, **self._fit_args(feedback),
            )  # fmt: skip

    def _fit_whole_stack(self, parameters, context, feedback, run: TrainingRun) -> LabelsRead:
        """Fit on the evidence stack read whole into memory, with the labels and the CONFIDENCE on its grid; the
        labels as read."""
        model = run.model
        feedback.pushInfo(f"Reading {len(run.paths)} evidence raster(s)")
        stack = read_stack(run.paths, run.names)
        for warning in stack.warnings:
            feedback.pushWarning(warning)
        for note in stack.notes:
            feedback.pushInfo(note)
        require_values(stack, self.INPUT_RASTERS)
        grid = stack.grid
        feedback.pushInfo(f"Grid {grid.describe()}; bands: {', '.join(stack.band_names)}")
        warn_unnamed_bands(stack.band_names, feedback)
        check_grid(grid, model.patch_size, model.coarse)
        from ..core.learning.patches import valid_centre_count

        study = valid_centre_count(stack.bands)
        self._warn_patch_area(parameters, feedback, grid, model, study, "cells with evidence in every band")
        labels = self._labels(parameters, context, feedback, grid)
        warn_labels_without_evidence(stack, labels.labels, feedback)
        self._warn_other_classes(parameters, context, feedback, labels.labels, labels.class_names)
        confidence = self._confidence(parameters, context, feedback, grid)
        model.set_params(block_size=self._block_cells(parameters, context, grid, feedback))
        model.fit(
            stack.bands, labels.labels, band_names=stack.band_names, sample_weight=confidence, grid=grid_meta(grid),
            **self._fit_args(feedback),
        )  # fmt: skip
        model.metadata_["reading"] = {"mode": "whole stack in memory, in this process"}
        return labels

    @staticmethod
    def _warn_no_barren(model, feedback) -> None:
        """Warn when no class is barren: the map then sets one mineralised class against the others."""
        classes = model.metadata_.get("classes") or []
        if classes and 0 not in classes:  # words that are all mineralised (deposit types, names): no barren class
            feedback.pushWarning(
                f"LABELS: no cell is labelled barren (0); the classes are {classes}, so the map is the probability of "
                f"class {model.metadata_.get('positive_class')} against the other mineralised classes, not against "
                "barren ground. Give barren labels (0, or a word such as 'barren' or 'no'), or train with TRAINING "
                "positive-unlabelled."
            )

    def _say_validation(self, parameters, context, model, feedback) -> None:
        """The validation figures, said as agreement with the training labels, not map skill."""
        metrics = model.metadata_["metrics"]
        # positive-unlabelled: accuracies would count unlabelled cells as barren; the AUC is against unlabelled ones
        positives = int(metrics.get("validation_positive_cells", 0))
        cells = f"{positives:,} positive validation cell{'s' if positives != 1 else ''}"
        figures = (
            f" of the {cells} against unlabelled ones"
            if self._positive_unlabelled(parameters, context)
            else f" from {cells}, accuracy {metrics['validation_accuracy']:.3f}, balanced accuracy "
            f"{metrics['validation_balanced_accuracy']:.3f}"
        )
        feedback.pushInfo(
            f"Validation ROC AUC {metrics['validation_roc_auc']:.3f}{figures} (best epoch "
            f"{', '.join(str(m['best_epoch']) for m in metrics['ensemble'])}): agreement with the training labels, "
            "not map skill; judge the map against held-out deposits with prospector:evaluate or comparemodels."
        )

    def _write_outputs(self, parameters, context, feedback, run: TrainingRun, taught: dict) -> dict:
        """The model file and the training report, both with the run's provenance (``taught``: the mineralised points
        the labels record)."""
        provenance = self.provenance(parameters, context, {"inputs": run.paths, **taught})
        report = training_report_html({**run.model.metadata_, "provenance": provenance})
        run.model.save(run.model_path, extra={"provenance": provenance}, parameter=self.OUTPUT_MODEL)
        write_text(run.report_path, report, self.OUTPUT_REPORT)
        feedback.setProgress(100)
        return {self.OUTPUT_MODEL: run.model_path, self.OUTPUT_REPORT: run.report_path}

    def _positive_unlabelled(self, parameters, context) -> bool:
        """Whether TRAINING is positive-unlabelled (the default)."""
        return self.enum_name(parameters, self.TRAINING, context) == "pu"

    def _warn_patch_area(self, parameters, feedback, grid, model, study_cells: int, where: str) -> None:
        """Warn when the window the network sees covers much of the study area (PATCH_SIZE counts cells: its
        default, 9, spans 45 km on 5 km cells); the setting itself is left as given."""
        from ..core.learning.network import receptive_field

        default = self.parameterDefinition(self.PATCH_SIZE).defaultValue()
        warning = patch_area_warning(
            grid,
            model.patch_size,
            receptive_field(model.patch_size, model.coarse),
            study_cells,
            default=model.patch_size == default,
            where=where,
        )
        if warning:
            feedback.pushWarning(warning)

    def _warn_other_classes(self, parameters, context, feedback, values, class_names) -> None:
        """Positive-unlabelled training with labels of several mineralised classes: say which it learns
        (``class_names``: the words the classes were read from)."""
        if self._positive_unlabelled(parameters, context):
            from ..core.learning.pu import other_classes_warning

            warning = other_classes_warning(np.asarray(values), class_names)
            if warning:
                feedback.pushWarning(warning)

    def _warn_ignored(self, parameters, context, feedback) -> None:
        """A warning for each setting changed from its default that the training chosen does not read: CLASS_PRIOR
        without positive-unlabelled TRAINING, BARREN_RATIO with it, DISTIL_TARGET and DISTIL_WEIGHT without a TEACHER
        (the 3.22 dialog cannot hide them)."""
        teacher = self.enum_name(parameters, self.TEACHER, context) != "none"
        pu = self._positive_unlabelled(parameters, context)
        rules = [
            (self.CLASS_PRIOR, self.TRAINING, pu),
            (self.BARREN_RATIO, self.TRAINING, not pu),  # PU visits its whole unlabelled sample every epoch
            (self.DISTIL_TARGET, self.TEACHER, teacher),
            (self.DISTIL_WEIGHT, self.TEACHER, teacher),
        ]
        for name, switch, read in rules:
            shown = None if read else self.changed_setting(parameters, name, context)
            if shown is None:
                continue
            chosen = self.parameterDefinition(switch).options()[self.parameterAsEnum(parameters, switch, context)]
            feedback.pushWarning(f"{name} ({shown}) is not read with {switch} '{chosen}', so this run ignores it.")

    def _block_cells(self, parameters, context, grid, feedback) -> int:
        """BLOCK_SIZE in cells of the grid (0 = automatic); refused when one block would cover the whole grid (the
        blocks start at its corner), as nothing would be left to validate on; a warning when the clusters
        validation ignores it, or when it rounds to no cell (and so to the automatic blocks)."""
        block = self.parameterAsDouble(parameters, self.BLOCK_SIZE, context)
        cells = int(round(block / grid.pixel_size)) if block > 0 else 0
        blocks = self.enum_name(parameters, self.VALIDATION, context) == "blocks"
        if block > 0 and not blocks:
            chosen = self.parameterDefinition(self.VALIDATION).options()[
                self.parameterAsEnum(parameters, self.VALIDATION, context)
            ]
            feedback.pushWarning(
                f"BLOCK_SIZE ({block:g}) is read by the spatial blocks validation only; VALIDATION is '{chosen}', "
                "which ignores it."
            )
        elif block > 0 and cells == 0:
            feedback.pushWarning(
                f"BLOCK_SIZE: {grid.length_text(block)} is less than half a cell "
                f"({grid.length_text(grid.pixel_size)}), "
                "so it rounds to no cell and "
                "the blocks are chosen from the labels, as with 0; give at least one cell for blocks of your own."
            )
        if cells >= max(grid.width, grid.height) and blocks:
            raise QgsProcessingException(
                f"BLOCK_SIZE: {grid.length_text(block)} is as wide as the whole grid ({grid.describe()}), "
                "so one block would hold every label and none would be left to validate on; "
                f"use blocks of a fraction of the area (at most "
                f"{grid.length_text(grid.pixel_size * max(grid.width, grid.height) / 2)} "
                "here), or 0 to have them chosen from the labels."
            )
        return cells

    def _streamed(
        self, parameters, context, feedback, paths, names, model, distributed=False
    ) -> Optional[StreamedStack]:
        """The stack to read window by window (:class:`StreamedStack`) when the evidence stack is larger than
        STREAM_ABOVE_BYTES, or a scheduler is set (``distributed``), and it can be read window by window (every
        raster, the label raster and the confidence on one grid; the labels a raster or points); None to read it into
        memory."""
        from ..core.io.rasters import raster_warnings
        from ..core.io.windows import band_table
        from ..core.learning.streaming import PointLabels, fit_windows

        selection, band_names, grids = band_table(paths, names)
        grid = grids[0]
        if grid is None:
            return None
        cells = grid.width * grid.height
        memory = StackMemory.of(len(selection), cells, WHOLE_STACK_PER_BYTE, WHOLE_STACK_PER_CELL, available_memory())
        why_stream = memory.why_stream(STREAM_ABOVE_BYTES, distributed)
        if why_stream is None:
            return None
        rasters = self._label_rasters(parameters, context, grid)
        why = ["the evidence rasters are on different grids"] if any(g != grid for g in grids) else []
        if why + rasters.off_grid:
            self._read_whole_instead(feedback, memory, grid, why + rasters.off_grid, distributed)
            return None
        labels = self._point_labels(parameters, context, feedback, grid) if rasters.points else rasters.labels
        feedback.pushInfo(
            f"The evidence stack ({memory.bands} bands of {grid.width} x {grid.height} cells, "
            f"{memory.size / 2**30:.1f} GiB) is read window by window ({why_stream}): only the patches around "
            "labelled and sampled cells are kept."
        )
        label_rasters = [] if isinstance(labels.labels, PointLabels) else labels.labels or []
        for warning in raster_warnings(selection, self.INPUT_RASTERS) + raster_warnings(label_rasters, self.LABELS):
            feedback.pushWarning(warning)
        return StreamedStack(fit_windows, selection, labels, rasters.weights, band_names, grid)

    def _label_rasters(self, parameters, context, grid) -> StreamedLabels:
        """LABELS and CONFIDENCE as a window-by-window read takes them: a raster's band on the evidence grid, or
        why one is not on it; label points are read once the stack is known to stream."""
        from ..core.io.windows import band_table

        label_layer = self.parameterAsLayer(parameters, self.LABELS, context)
        conf_layer = self.parameterAsRasterLayer(parameters, self.CONFIDENCE, context)
        label_selection = weight_selection = None
        label_provenance: dict = {}
        off_grid = []
        for parameter, layer in ((self.LABELS, label_layer), (self.CONFIDENCE, conf_layer)):
            if layer is None or not isinstance(layer, QgsRasterLayer):
                continue
            layer_selection, _, layer_grids = band_table(*layer_paths([layer], parameter))
            if layer_grids[0] != grid:
                off_grid.append(f"{parameter} is not on the evidence rasters' grid")
            elif parameter == self.LABELS:
                # the checks the whole-stack reading makes: not another output, classes (review 34)
                refuse_other_outputs(layer_selection[0][0], layer.name())
                require_class_values(*value_counts(layer_selection[0][0], layer_selection[0][1]), layer.name())
                label_selection = layer_selection[:1]
                label_provenance = label_raster_points(layer_selection[0][0], layer.name(), band=layer_selection[0][1])
            else:
                weight_selection = layer_selection[:1]
        points = label_layer is not None and not isinstance(label_layer, QgsRasterLayer)
        return StreamedLabels(LabelsRead(label_selection, {}, label_provenance), points, weight_selection, off_grid)

    @staticmethod
    def _read_whole_instead(feedback, memory: StackMemory, grid, why: List[str], distributed: bool) -> None:
        """Say why the stack is read into memory though it would stream; refused when it does not fit there."""
        if not memory.fits:
            raise QgsProcessingException(
                f"INPUT_RASTERS: training on the whole evidence stack ({memory.bands} bands of {grid.width:,} x "
                f"{grid.height:,} cells) needs about {size_text(memory.whole)} of memory, but only "
                f"{size_text(memory.available or 0)} is available, and it cannot be read window by window because "
                f"{'; '.join(why)}. Put every raster on one grid (prospector:evidence makes such a stack; label "
                "points, or pseudolabel's raster on that grid), or use larger cells or a smaller area."
            )
        message = (
            f"The evidence stack ({memory.size / 2**30:.1f} GiB) is read into memory: {'; '.join(why)}, so it cannot "
            "be read window by window"
        )
        if distributed:
            feedback.pushWarning(f"SCHEDULER: {message}; the patches are cut in this process, not on the workers.")
        else:
            feedback.pushInfo(message + ".")
