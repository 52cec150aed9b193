"""prospector:comparemodels: leave-cluster-out comparison of the learners, the CNN and the best single band on
held-out deposits; an HTML report, a CSV table, the recommended learner and, optionally, it retrained on all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import numpy as np
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputString,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterDistance,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsUnitTypes,
)

from ..core.errors import Cancelled
from ..core.evaluation.compare import (
    CNN_MODES,
    LABEL_WINDOW_CELLS,
    TITLES,
    all_labels,
    binary_labels,
    cnn_mode_settings,
    compare,
    linking_cells,
    make_mappers,
    retrain,
    rounded_down,
    too_few_clusters,
)
from ..core.evaluation.coverage import partial_cover_warning
from ..core.evaluation.deposits import NO_COORDINATES, USED, sample_deposits, training_points_record
from ..core.io.outputs import write_text
from ..core.io.rasters import RasterData, read_stack, require_values, side_file_crs_note
from ..core.reports.comparison import report_html, write_table
from . import parameters as params
from .crs_checks import require_projected, say_ground_distance
from .evaluate import EvaluateAlgorithm, require_deposit_points
from .geometries import mask_geometries, mask_on_grid
from .inputs import layer_paths, source_label, warn_model_outputs
from .labels import LabelReading, LabelsRead
from .point_reading import check_point_places
from .traincnn import check_grid, grid_meta, import_cnn, warn_unnamed_bands
from .trainmodel import LEARNERS, check_window, learner_parameters, learner_settings, warn_codes_as_amounts

#: deposits within 3 km are one cluster (metres; typed in map units)
CLUSTER_DEFAULT = 3000.0


#: how check_grid's refusals end here: PATCH_SIZE starts at 5 and COARSE_VIEW at 3; the per-cell network and
#: the coarse view are modes of their own
CELL_MODE_ADVICE = "the per-cell network alone (CNN_MODES 'CNN per cell (no context)')"
NO_COARSE_MODE = "leave 'CNN with a coarse view' out of CNN_MODES"


@dataclass(frozen=True)
class Evidence:
    """INPUT_RASTERS read as one stack, in the first raster's CRS."""

    layer_names: str  # the layers' names, joined, for messages
    paths: List[str]
    stack: RasterData
    crs: QgsCoordinateReferenceSystem

    @property
    def grid(self):
        return self.stack.grid


@dataclass(frozen=True)
class HeldOutDeposits:
    """The deposit cells the folds hold out, the names of the deposits left out and the record of the deposits a
    retrained model learns from (for its provenance)."""

    rows: np.ndarray
    cols: np.ndarray
    left_out: List[str]
    record: Dict[str, Any]


@dataclass(frozen=True)
class LearnerSettings:
    """The learners compared and their settings."""

    methods: List[str]
    classic: Dict[str, Any]
    cnn: Dict[str, Any]
    cnn_modes: Dict[str, Dict[str, Any]]
    negatives: int


@dataclass(frozen=True)
class TrainingData:
    """What every learner learns from: the bands on valid cells (NaN elsewhere), those cells, the held-out
    deposits, how far apart deposits are linked into one cluster (cells), and LABELS (None: the deposits and
    random negatives are the labels)."""

    bands: np.ndarray
    valid: np.ndarray
    deposits: HeldOutDeposits
    cluster_cells: float
    user_labels: Optional[np.ndarray]


class CompareModelsAlgorithm(LabelReading):
    ENUM_NAMES = {"LEARNERS": LEARNERS, "CNN_MODES": list(CNN_MODES)}
    INPUT_RASTERS = "INPUT_RASTERS"
    DEPOSITS = "DEPOSITS"
    MASK = "MASK"
    LEARNERS = "LEARNERS"
    FOLDS = "FOLDS"
    CLUSTER_DISTANCE = "CLUSTER_DISTANCE"
    NEGATIVES = "NEGATIVES"
    LABELS = "LABELS"
    PATCH_SIZE = "PATCH_SIZE"
    EPOCHS = "EPOCHS"
    ENSEMBLE = "ENSEMBLE"
    ITERATIONS = "ITERATIONS"
    CNN_MODES = "CNN_MODES"
    CLASS_PRIOR = "CLASS_PRIOR"
    COARSE_VIEW = "COARSE_VIEW"
    PRETRAIN_EPOCHS = "PRETRAIN_EPOCHS"
    OUTPUT_REPORT = "OUTPUT_REPORT"
    OUTPUT_TABLE = "OUTPUT_TABLE"
    OUTPUT_MODEL = "OUTPUT_MODEL"
    RECOMMENDED = "RECOMMENDED"

    group_id = "machine learning"
    needs_torch = True
    needs_sklearn = True

    def name(self) -> str:
        return "comparemodels"

    def displayName(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Compare models on held-out deposits")

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr(
            "Which learner makes the best map here? The DEPOSITS are linked into clusters (within "
            "CLUSTER_DISTANCE) and whole clusters are spread over FOLDS. In each fold every learner of LEARNERS, the "
            "CNN and the best single band (chosen, with its sign, on the training deposits alone) are trained on "
            "labels made from the other folds' deposits only (the 3 x 3 cells of each deposit mineralised, NEGATIVES "
            "random cells beyond CLUSTER_DISTANCE barren) and scored on the held-out deposits against the "
            "background.\n\n"
            "OUTPUT_REPORT: held-out ROC AUC and capture at 10 / 20 % of the area per learner and per fold, 95 % "
            "intervals resampling whole clusters, paired differences against the best single band, and the "
            "success-rate curves overlaid. OUTPUT_TABLE: the same as CSV. RECOMMENDED: the learner with the highest "
            "held-out AUC; within 0.01 of it, the simpler one wins (best band, weights of evidence, logistic "
            "regression, random forest, gradient boosting, CNN). OUTPUT_MODEL (optional): the recommended learner "
            "retrained on labels from all deposits, for 'Predict prospectivity' (none when the best band wins).\n\n"
            "CNN_MODES compares the CNN's training modes side by side on the same folds, each as a learner: "
            "positive-unlabelled (with CLASS_PRIOR; the default, as in 'Train CNN'), labelled cells, masked-band "
            "pre-training "
            "(PRETRAIN_EPOCHS), a coarse second view (COARSE_VIEW), normal scores (INPUT_TRANSFORM quantile) and the "
            "per-cell network (a patch of 1 cell whatever PATCH_SIZE: does context pay on your deposits?), and "
            "that per-cell network distilled from gradient boosting (TEACHER: the fold's gradient boosting scores "
            "every valid cell and the network also learns those log-odds, all EPOCHS run, at a learning rate of 0.003, "
            "3 x Train CNN's default (not LEARNING_RATE, the boosting's); it inherits the "
            "teacher's view and lost to the plain per-cell network on the Lapland deposits), as in 'Train CNN'; with "
            "labelled cells among them, each variant's paired difference against that CNN is reported too. A tie goes "
            "to the simpler mode: the "
            "per-cell network, labelled cells, positive-unlabelled, pre-training, coarse view, normal scores, "
            "distilled.\n\n"
            "LABELS (optional): a label raster, e.g. from 'Pseudo-labels', that every fold learns from instead of "
            "labels made from its deposits; its labelled cells within CLUSTER_DISTANCE of each fold's held-out "
            "deposits are hidden in that fold (the deposits still define the folds). Labels grown farther from a "
            "deposit than CLUSTER_DISTANCE still carry what that deposit taught: keep the distance at least their "
            "reach.\n\n"
            "With a few deposit clusters the intervals are wide: read the paired differences before trusting a "
            "winner. Each CNN trains ENSEMBLE networks per fold, which takes most of the time."
        )

    def initAlgorithm(self, config=None) -> None:  # noqa: N802 (QGIS API name)
        self.addParameter(params.evidence_rasters())
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.DEPOSITS, self.tr("Known deposits"), [QgsProcessing.TypeVectorPoint]
            )
        )
        self.addParameter(params.mask(params.STUDY_AREA_DESCRIPTION))
        self.addParameter(
            QgsProcessingParameterEnum(
                self.LEARNERS,
                self.tr("Learners (the CNN and the best single band are always included)"),
                [self.tr(TITLES[m]) for m in LEARNERS],
                allowMultiple=True,
                defaultValue=list(range(len(LEARNERS))),
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.FOLDS,
                self.tr("Folds (of whole deposit clusters)"),
                QgsProcessingParameterNumber.Integer,
                4,
                False,
                2,
                100,
            )
        )
        self.addParameter(
            QgsProcessingParameterDistance(
                self.CLUSTER_DISTANCE,
                self.tr("Deposits closer than this form one cluster"),
                defaultValue=CLUSTER_DEFAULT,
                parentParameterName=self.INPUT_RASTERS,
                minValue=0.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.NEGATIVES,
                self.tr("Random barren cells per fold"),
                QgsProcessingParameterNumber.Integer,
                600,
                False,
                10,
            )
        )
        self.addParameter(
            QgsProcessingParameterRasterLayer(
                self.LABELS,
                self.tr("Label raster to learn from instead (1 mineralised, 0 barren, nodata unlabelled; optional)"),
                optional=True,
            )
        )
        learner_parameters(self)
        self.addParameter(
            QgsProcessingParameterNumber(
                self.PATCH_SIZE,
                self.tr("CNN patch size (odd, cells)"),
                QgsProcessingParameterNumber.Integer,
                9,
                False,
                5,
                65,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.EPOCHS, self.tr("CNN epochs (maximum)"), QgsProcessingParameterNumber.Integer, 40, False, 1, 10000
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.ENSEMBLE, self.tr("CNN networks per fold"), QgsProcessingParameterNumber.Integer, 3, False, 1, 100
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.ITERATIONS,
                self.tr("Bootstrap iterations"),
                QgsProcessingParameterNumber.Integer,
                1000,
                False,
                10,
                100000,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.CNN_MODES,
                self.tr("CNN training modes, each compared as a learner"),
                [self.tr(TITLES[m]) for m in CNN_MODES],
                allowMultiple=True,
                defaultValue=[CNN_MODES.index("cnn_pu")],  # what 'Train CNN' trains by default
            )
        )
        for param in (
            QgsProcessingParameterNumber(
                self.CLASS_PRIOR,
                self.tr("Positive-unlabelled CNN: class prior (0 = share of cells labelled mineralised)"),
                QgsProcessingParameterNumber.Double,
                0.0,
                False,
                0.0,
                0.99,
            ),
            QgsProcessingParameterNumber(
                self.PRETRAIN_EPOCHS,
                self.tr("Pre-trained CNN: masked-band pre-training epochs"),
                QgsProcessingParameterNumber.Integer,
                5,
                False,
                1,
                10000,
            ),
            QgsProcessingParameterNumber(
                self.COARSE_VIEW,
                self.tr("Coarse-view CNN: odd factor k (patch of k x k averaged cells)"),
                QgsProcessingParameterNumber.Integer,
                3,
                False,
                3,
                51,
            ),
        ):
            param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
            self.addParameter(param)
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT_REPORT, self.tr("Comparison report"), self.tr("HTML files (*.html)")
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT_TABLE, self.tr("Comparison table"), self.tr("CSV files (*.csv)")
            )
        )
        self.addParameter(
            params.model_file(self.OUTPUT_MODEL, "Recommended learner retrained on all deposits", optional=True)
        )
        self.addOutput(QgsProcessingOutputString(self.RECOMMENDED, self.tr("Recommended learner")))

    def process(self, parameters, context, feedback):
        import_cnn()
        evidence = self._read_evidence(parameters, context, feedback)
        valid = self._study_cells(parameters, context, feedback, evidence)
        deposits = self._deposits(parameters, context, feedback, evidence.crs, evidence.grid, valid)
        learners = self._learner_settings(parameters, context, evidence.grid)
        warn_codes_as_amounts(evidence.paths, evidence.stack.band_names, learners.methods, feedback)
        cluster_distance = self.parameterAsDouble(parameters, self.CLUSTER_DISTANCE, context)
        say_ground_distance(
            feedback, self.CLUSTER_DISTANCE, cluster_distance, evidence.grid.metres_per_unit, CLUSTER_DEFAULT
        )
        model_path = self.parameterAsFileOutput(parameters, self.OUTPUT_MODEL, context) or None
        bands = np.where(valid, evidence.stack.bands, np.nan).astype(np.float32)
        labels_read = self._user_labels(parameters, context, feedback, evidence.grid)
        user_labels = None if labels_read is None else labels_read.labels
        cluster_cells = self._cluster_cells(feedback, evidence, cluster_distance, user_labels is not None)
        data = TrainingData(bands, valid, deposits, cluster_cells, user_labels)
        comparison = self._compare(parameters, context, feedback, evidence, data, learners, model_path)
        self._say_recommendation(feedback, comparison)
        provenance = self.provenance(parameters, context, {"inputs": evidence.paths})
        results: dict = {self.RECOMMENDED: comparison.recommended}
        if model_path:
            # what the model learnt from: the label raster's points, or the deposits themselves
            taught = {"mineralised_points": deposits.record} if labels_read is None else labels_read.provenance
            model_provenance = {**provenance, **taught}
            results[self.OUTPUT_MODEL] = self._retrain(
                feedback, evidence, data, learners, comparison.recommended, model_provenance, model_path
            )
        outputs = self._write_outputs(parameters, context, comparison, evidence, provenance)
        feedback.setProgress(100)
        return {**results, **outputs}

    def _read_evidence(self, parameters, context, feedback) -> Evidence:
        """INPUT_RASTERS read as one stack, refused unless the first is in a projected CRS (the deposits, the mask
        and CLUSTER_DISTANCE are placed on it) and some cells hold values."""
        layers = self.parameterAsLayerList(parameters, self.INPUT_RASTERS, context)
        if not layers:
            raise QgsProcessingException("INPUT_RASTERS: choose at least one evidence raster.")
        paths, names = layer_paths(layers, self.INPUT_RASTERS)
        warn_model_outputs(paths, names, feedback)
        if not layers[0].crs().isValid():  # the deposits, the mask and CLUSTER_DISTANCE could not be placed on it
            raise QgsProcessingException(
                f"INPUT_RASTERS: the first raster ('{layers[0].name()}') has no CRS; assign its projected CRS first "
                "(Raster › Projections › Assign Projection): the deposits and the mask are placed on it, and "
                "CLUSTER_DISTANCE is measured in it." + side_file_crs_note(paths[0])
            )
        require_projected(
            layers[0].crs(),
            self.INPUT_RASTERS,
            f"'{layers[0].name()}'",
            "distances are in metres or feet",
            extent=layers[0].extent(),
            feedback=feedback,
        )
        stack = read_stack(paths, names)
        for warning in stack.warnings:
            feedback.pushWarning(warning)
        for note in stack.notes:
            feedback.pushInfo(note)
        require_values(stack, self.INPUT_RASTERS)
        crs = QgsCoordinateReferenceSystem.fromWkt(stack.grid.crs_wkt) if stack.grid.crs_wkt else layers[0].crs()
        return Evidence(", ".join(layer.name() for layer in layers), paths, stack, crs)

    def _study_cells(self, parameters, context, feedback, evidence: Evidence) -> np.ndarray:
        """The cells where every band holds a value, inside the MASK polygons if given (warned about when they
        cover part of those cells only: held-out AUCs over part of the study area are of that part)."""
        polygons = mask_geometries(
            self.parameterAsSource(parameters, self.MASK, context), evidence.crs, context, feedback=feedback
        )
        mask = mask_on_grid(polygons, evidence.grid)
        valid = np.isfinite(evidence.stack.bands).all(axis=0) & (mask if mask is not None else True)
        if mask is not None:
            partial = partial_cover_warning(
                polygons, evidence.grid, valid, self.INPUT_RASTERS, evidence.layer_names, baseline=False
            )
            if partial:
                feedback.pushWarning(partial)
        return valid

    def _learner_settings(self, parameters, context, grid) -> LearnerSettings:
        """LEARNERS with their settings, and the CNN in each of CNN_MODES (the per-cell PU network by default);
        windows wider than the grid are refused as trainmodel and traincnn refuse them."""
        classic = learner_settings(self, parameters, context)
        check_window(grid, classic["window"])
        cnn = {
            "patch_size": self.parameterAsInt(parameters, self.PATCH_SIZE, context),
            "epochs": self.parameterAsInt(parameters, self.EPOCHS, context),
            "ensemble": self.parameterAsInt(parameters, self.ENSEMBLE, context),
            "seed": classic["seed"],
            "device": "cpu",
        }
        modes = [CNN_MODES[i] for i in self.parameterAsEnums(parameters, self.CNN_MODES, context)] or ["cnn_pu"]
        cnn_modes = {
            m: cnn_mode_settings(
                m,
                cnn,
                coarse=self.parameterAsInt(parameters, self.COARSE_VIEW, context),
                pretrain_epochs=self.parameterAsInt(parameters, self.PRETRAIN_EPOCHS, context),
                class_prior=self.parameterAsDouble(parameters, self.CLASS_PRIOR, context),
            )
            for m in modes
        }
        for settings in cnn_modes.values():
            check_grid(grid, settings["patch_size"], settings.get("coarse", 0), CELL_MODE_ADVICE, NO_COARSE_MODE)
        return LearnerSettings(
            [LEARNERS[i] for i in self.parameterAsEnums(parameters, self.LEARNERS, context)],
            classic,
            cnn,
            cnn_modes,
            self.parameterAsInt(parameters, self.NEGATIVES, context),
        )

    def _user_labels(self, parameters, context, feedback, grid) -> Optional[LabelsRead]:
        """The LABELS raster on the evidence grid when given, with the points it was grown from (None: the deposits
        and random negatives are the labels)."""
        if self.parameterAsRasterLayer(parameters, self.LABELS, context) is None:
            return None
        labels = self._labels(parameters, context, feedback, grid)
        feedback.pushInfo(
            "Learning from LABELS: in each fold its labelled cells within CLUSTER_DISTANCE of the held-out "
            "deposits are hidden; NEGATIVES is not used."
        )
        return labels

    def _cluster_cells(self, feedback, evidence: Evidence, cluster_distance: float, labels_given: bool) -> float:
        """CLUSTER_DISTANCE in cells, widened (and warned about) to the reach of the labels around each training
        deposit, so that no held-out deposit lies under a training deposit's labels."""
        grid = evidence.grid
        cluster_cells = cluster_distance / grid.pixel_size
        linked = linking_cells(cluster_cells, labels_given)
        if not linked > cluster_cells:  # NaN included, as before the split: no warning
            return cluster_cells
        # e.g. the 3 km default on a 5 km grid of a regional survey
        unit = QgsUnitTypes.toAbbreviatedString(evidence.crs.mapUnits()) or "map units"
        feedback.pushWarning(
            f"CLUSTER_DISTANCE: {cluster_distance:g} {unit} is {cluster_cells:.2g} of this grid's "
            f"{grid.pixel_size:g} {unit} cells, less than the reach of the 3 x 3 cells labelled mineralised "
            f"around each training deposit: deposits within {linked * grid.pixel_size:g} {unit} "
            f"({LABEL_WINDOW_CELLS:g} cells) are linked into one cluster instead, so that no held-out deposit "
            "lies under a training deposit's labels. Give a larger CLUSTER_DISTANCE to link deposits farther "
            "apart."
        )
        return linked

    def _compare(self, parameters, context, feedback, evidence, data, learners, model_path):
        """The leave-cluster-out comparison of the learners, with what the report and the table say of its
        settings (the clusters' reach, the deposits left out and the held-out deposits' places)."""
        grid, band_names, deposits, cluster_cells = (
            evidence.grid,
            evidence.stack.band_names,
            data.deposits,
            data.cluster_cells,
        )
        comparison = compare(
            data.bands,
            data.valid,
            deposits.rows,
            deposits.cols,
            make_mappers(
                learners.methods, learners.classic, learners.cnn, band_names, feedback.isCanceled, learners.cnn_modes
            ),
            folds=self.parameterAsInt(parameters, self.FOLDS, context),
            cluster_cells=cluster_cells,
            negatives=learners.negatives,
            seed=learners.classic["seed"],
            iterations=self.parameterAsInt(parameters, self.ITERATIONS, context),
            progress=lambda f: feedback.setProgress((85 if model_path else 98) * f),
            is_cancelled=feedback.isCanceled,
            log=feedback.pushInfo,
            band_names=band_names,
            labels=data.user_labels,
            length=lambda cells: grid.length_text(rounded_down(cells * grid.pixel_size)),
        )
        comparison.settings["cluster_distance"] = cluster_cells * grid.pixel_size
        comparison.settings["distance_unit"] = QgsUnitTypes.toAbbreviatedString(evidence.crs.mapUnits()) or "map units"
        comparison.settings["left_out"] = deposits.left_out
        # the held-out deposit cells' centres, for the report's table
        centres = grid.centres_of(deposits.rows, deposits.cols)
        comparison.settings["deposit_xy"] = [(float(x), float(y)) for x, y in zip(*centres)]
        return comparison

    @staticmethod
    def _say_recommendation(feedback, comparison) -> None:
        """The recommended learner in the log, as a guess where too few clusters of deposits were held out."""
        rec = comparison.recommended
        feedback.pushInfo(f"Recommended: {TITLES.get(rec, rec)}")
        few = too_few_clusters(int(comparison.settings["clusters"]))
        if few and rec != "best band":
            feedback.pushWarning(
                f"DEPOSITS: {few}. Read the recommendation as a guess; add deposits of other clusters."
            )

    def _retrain(self, feedback, evidence, data, learners, rec: str, provenance, model_path: str) -> Optional[str]:
        """The recommended learner ``rec`` retrained on every deposit (or on LABELS) and saved to ``model_path``
        with ``provenance``; None, and no file, when the best single band wins."""
        deposits, seed = data.deposits, learners.classic["seed"]
        labels = (
            all_labels(data.valid, deposits.rows, deposits.cols, learners.negatives, data.cluster_cells, seed)
            if data.user_labels is None
            else binary_labels(data.user_labels, data.valid)
        )
        feedback.pushInfo(f"Retraining {TITLES.get(rec, rec)} on all deposits")
        model = retrain(
            rec,
            learners.classic,
            learners.cnn,
            data.bands,
            labels,
            learners.cnn_modes,
            band_names=evidence.stack.band_names,
            grid=grid_meta(evidence.grid),
            progress=lambda f: feedback.setProgress(85 + 13 * f),
            is_cancelled=feedback.isCanceled,
        )
        if feedback.isCanceled():
            raise Cancelled()
        if model is None:
            feedback.pushWarning(
                "The best single band wins: map with that band itself; no model file is written (OUTPUT_MODEL)."
            )
            return None
        model.save(model_path, extra={"provenance": provenance}, parameter=self.OUTPUT_MODEL)
        warn_unnamed_bands(evidence.stack.band_names, feedback)  # the model knows bands without a name by number
        return model_path

    def _write_outputs(self, parameters, context, comparison, evidence, provenance) -> Dict[str, Any]:
        """The HTML report and the CSV table of the comparison."""
        report = self.parameterAsFileOutput(parameters, self.OUTPUT_REPORT, context)
        table = self.parameterAsFileOutput(parameters, self.OUTPUT_TABLE, context)
        write_text(report, report_html(comparison, evidence.stack.band_names, provenance), self.OUTPUT_REPORT)
        write_table(table, comparison, self.OUTPUT_TABLE)
        return {self.OUTPUT_REPORT: report, self.OUTPUT_TABLE: table}

    def _deposits(self, parameters, context, feedback, crs, grid, valid) -> HeldOutDeposits:
        """Rows and columns of the deposits on valid cells (one per cell), the names of those elsewhere (also
        named in a warning) and the record of them a retrained model keeps."""
        source = self.parameterAsSource(parameters, self.DEPOSITS, context)
        if source is None:
            raise QgsProcessingException("DEPOSITS: choose a point layer of known deposits.")
        require_deposit_points(source)
        xy, labels = EvaluateAlgorithm._deposit_points(source, crs, None, context, feedback)
        check_point_places(source, crs, context, grid, xy, self.DEPOSITS, "deposits", feedback)
        xy = np.asarray(xy, dtype=np.float64)
        # valid cells as values, every other cell as nodata: a deposit is used on a valid cell only
        sample = sample_deposits(np.where(valid, np.float32(0), np.float32(np.nan)), grid, xy)
        inside = sample.status == USED
        skipped = [labels[i] for i in np.flatnonzero(~inside)]
        if skipped:  # a NULL or empty geometry has no place at all: not 'off the rasters'
            unplaced = int((sample.status == NO_COORDINATES).sum())
            off = len(skipped) - unplaced
            why = [f"{unplaced} without coordinates (a NULL or empty geometry)"] if unplaced else []
            why += [f"{off} off the rasters, on nodata or outside the mask"] if off else []
            feedback.pushWarning(
                f"DEPOSITS: {len(skipped)} deposit(s) left out, {' and '.join(why)}: "
                + ", ".join(skipped[:10])
                + (" …" if len(skipped) > 10 else "")
            )
        cells = np.unique(np.column_stack([sample.rows[inside], sample.cols[inside]]), axis=0)
        # the deposits a retrained model learns from, recorded in its provenance for evaluate
        record = training_points_record(
            xy[inside], crs.toWkt(), source_label(source, parameters, self.DEPOSITS, context)
        )
        if len(xy) < 2:
            raise QgsProcessingException(
                f"DEPOSITS: the layer holds {len(xy)} deposit(s), and at least two are needed, as the learners are "
                "compared by holding deposits out in turn; add deposits (known occurrences count too)."
            )
        if cells.shape[0] < 2 and inside.sum() >= 2:
            raise QgsProcessingException(
                f"DEPOSITS: the {int(inside.sum())} deposits on valid cells all lie in one cell of the rasters, and "
                "deposits in at least two cells are needed; add deposits, or use rasters of smaller cells."
            )
        if cells.shape[0] < 2:
            raise QgsProcessingException(
                f"DEPOSITS: {cells.shape[0]} of the {len(xy)} deposits lie on valid cells of the rasters, and at "
                "least two are needed; check that the deposits overlap the rasters (and their CRS), the rasters' "
                "nodata and the MASK."
            )
        on_valid, n_cells = int(inside.sum()), int(cells.shape[0])
        if n_cells < on_valid:  # the learners are scored per cell: what 'fold 0 (16 deposits)' counts
            feedback.pushInfo(
                f"DEPOSITS: the {on_valid} deposits on valid cells lie on {n_cells} cells ({on_valid - n_cells} share "
                "a cell with another); each cell counts once, so the folds below count deposit cells."
            )
        return HeldOutDeposits(cells[:, 0], cells[:, 1], skipped, record)
