"""prospector:comparemodels: leave-cluster-out comparison of the learners, the CNN and the best single band on
held-out deposits; an HTML report, a CSV table, the recommended learner and, optionally, it retrained on all."""

from __future__ import annotations

from typing import Any, Dict

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
from ..core.evaluation.deposits import training_points_record
from ..core.io.outputs import write_text
from ..core.io.rasters import read_stack, require_values, side_file_crs_note
from ..core.reports.comparison import report_html, write_table
from . import parameters as params
from .crs_checks import require_projected, say_ground_distance
from .evaluate import EvaluateAlgorithm, require_deposit_points
from .geometries import mask_geometries, mask_on_grid
from .inputs import layer_paths, source_label, warn_model_outputs
from .labels import LabelReading
from .point_reading import check_point_places
from .traincnn import check_grid, grid_meta, import_cnn, warn_unnamed_bands
from .trainmodel import LEARNERS, check_window, learner_parameters, learner_settings

#: deposits within 3 km are one cluster (metres; typed in map units)
CLUSTER_DEFAULT = 3000.0


#: how check_grid's refusals end here: PATCH_SIZE starts at 5 and COARSE_VIEW at 3; the per-cell network and
#: the coarse view are modes of their own
CELL_MODE_ADVICE = "the per-cell network alone (CNN_MODES 'CNN per cell (no context)')"
NO_COARSE_MODE = "leave 'CNN with a coarse view' out of CNN_MODES"


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
            "CNN "
            "and the best single band (chosen, with its sign, on the training deposits alone) are trained on labels "
            "made from the other folds' deposits only (the 3 x 3 cells of each deposit mineralised, NEGATIVES random "
            "cells beyond CLUSTER_DISTANCE barren) and scored on the held-out deposits against the background.\n\n"
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
        self.mineralised_points: Dict[str, Any] = {}  # a label raster's points, set as LABELS is read
        self.deposit_points: Dict[str, Any] = {}  # the deposits on valid cells, set as DEPOSITS is read
        import_cnn()
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
        require_values(stack, self.INPUT_RASTERS)
        grid = stack.grid
        crs = QgsCoordinateReferenceSystem.fromWkt(grid.crs_wkt) if grid.crs_wkt else layers[0].crs()
        polygons = mask_geometries(
            self.parameterAsSource(parameters, self.MASK, context), crs, context, feedback=feedback
        )
        mask = mask_on_grid(polygons, grid)
        valid = np.isfinite(stack.bands).all(axis=0) & (mask if mask is not None else True)
        if mask is not None:  # held-out AUCs over part of the study area are of that part
            names = ", ".join(layer.name() for layer in layers)
            partial = partial_cover_warning(polygons, grid, valid, self.INPUT_RASTERS, names, baseline=False)
            if partial:
                feedback.pushWarning(partial)
        rows, cols, left_out = self._deposits(parameters, context, feedback, crs, grid, valid)
        methods = [LEARNERS[i] for i in self.parameterAsEnums(parameters, self.LEARNERS, context)]
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
        for settings in cnn_modes.values():  # a window wider than the grid: refused as traincnn refuses it
            check_grid(grid, settings["patch_size"], settings.get("coarse", 0), CELL_MODE_ADVICE, NO_COARSE_MODE)
        cluster_distance = self.parameterAsDouble(parameters, self.CLUSTER_DISTANCE, context)
        say_ground_distance(feedback, self.CLUSTER_DISTANCE, cluster_distance, grid.metres_per_unit, CLUSTER_DEFAULT)
        cluster_cells = cluster_distance / grid.pixel_size
        negatives = self.parameterAsInt(parameters, self.NEGATIVES, context)
        model_path = self.parameterAsFileOutput(parameters, self.OUTPUT_MODEL, context) or None
        bands = np.where(valid, stack.bands, np.nan).astype(np.float32)
        user_labels = None
        if self.parameterAsRasterLayer(parameters, self.LABELS, context) is not None:
            user_labels = self._labels(parameters, context, feedback, grid)
            feedback.pushInfo(
                "Learning from LABELS: in each fold its labelled cells within CLUSTER_DISTANCE of the held-out "
                "deposits are hidden; NEGATIVES is not used."
            )
        linked = linking_cells(cluster_cells, user_labels is not None)
        if linked > cluster_cells:  # e.g. the 3 km default on a 5 km grid of a regional survey
            unit = QgsUnitTypes.toAbbreviatedString(crs.mapUnits()) or "map units"
            feedback.pushWarning(
                f"CLUSTER_DISTANCE: {cluster_distance:g} {unit} is {cluster_cells:.2g} of this grid's "
                f"{grid.pixel_size:g} {unit} cells, less than the reach of the 3 x 3 cells labelled mineralised "
                f"around each training deposit: deposits within {linked * grid.pixel_size:g} {unit} "
                f"({LABEL_WINDOW_CELLS:g} cells) are linked into one cluster instead, so that no held-out deposit "
                "lies under a training deposit's labels. Give a larger CLUSTER_DISTANCE to link deposits farther "
                "apart."
            )
            cluster_cells = linked
        comparison = compare(
            bands,
            valid,
            rows,
            cols,
            make_mappers(methods, classic, cnn, stack.band_names, feedback.isCanceled, cnn_modes),
            folds=self.parameterAsInt(parameters, self.FOLDS, context),
            cluster_cells=cluster_cells,
            negatives=negatives,
            seed=classic["seed"],
            iterations=self.parameterAsInt(parameters, self.ITERATIONS, context),
            progress=lambda f: feedback.setProgress((85 if model_path else 98) * f),
            is_cancelled=feedback.isCanceled,
            log=feedback.pushInfo,
            band_names=stack.band_names,
            labels=user_labels,
            length=lambda cells: grid.length_text(rounded_down(cells * grid.pixel_size)),
        )
        comparison.settings["cluster_distance"] = cluster_cells * grid.pixel_size
        comparison.settings["distance_unit"] = QgsUnitTypes.toAbbreviatedString(crs.mapUnits()) or "map units"
        comparison.settings["left_out"] = left_out
        # the held-out deposit cells' centres, for the report's table
        comparison.settings["deposit_xy"] = [(float(x), float(y)) for x, y in zip(*grid.centres_of(rows, cols))]
        rec = comparison.recommended
        feedback.pushInfo(f"Recommended: {TITLES.get(rec, rec)}")
        few = too_few_clusters(int(comparison.settings["clusters"]))
        if few and rec != "best band":
            feedback.pushWarning(
                f"DEPOSITS: {few}. Read the recommendation as a guess; add deposits of other clusters."
            )
        provenance = self.provenance(parameters, context, {"inputs": paths})
        results: dict = {self.RECOMMENDED: rec}
        if model_path:
            labels = (
                all_labels(valid, rows, cols, negatives, cluster_cells, classic["seed"])
                if user_labels is None
                else binary_labels(user_labels, valid)
            )
            feedback.pushInfo(f"Retraining {TITLES.get(rec, rec)} on all deposits")
            model = retrain(
                rec,
                classic,
                cnn,
                bands,
                labels,
                cnn_modes,
                band_names=stack.band_names,
                grid=grid_meta(grid),
                progress=lambda f: feedback.setProgress(85 + 13 * f),
                is_cancelled=feedback.isCanceled,
            )
            if feedback.isCanceled():
                raise Cancelled()
            if model is None:
                feedback.pushWarning(
                    "The best single band wins: map with that band itself; no model file is written (OUTPUT_MODEL)."
                )
                results[self.OUTPUT_MODEL] = None
            else:
                # what the model learnt from: the label raster's points, or the deposits themselves
                taught = {"mineralised_points": self.deposit_points} if user_labels is None else self.mineralised_points
                model.save(model_path, extra={"provenance": {**provenance, **taught}}, parameter=self.OUTPUT_MODEL)
                warn_unnamed_bands(stack.band_names, feedback)  # the model knows bands without a name by number
                results[self.OUTPUT_MODEL] = model_path
        report = self.parameterAsFileOutput(parameters, self.OUTPUT_REPORT, context)
        table = self.parameterAsFileOutput(parameters, self.OUTPUT_TABLE, context)
        write_text(report, report_html(comparison, stack.band_names, provenance), self.OUTPUT_REPORT)
        write_table(table, comparison, self.OUTPUT_TABLE)
        feedback.setProgress(100)
        return {**results, self.OUTPUT_REPORT: report, self.OUTPUT_TABLE: table}

    def _deposits(self, parameters, context, feedback, crs, grid, valid):
        """Rows and columns of the deposits on valid cells (one per cell), and the names of those elsewhere (also
        named in a warning)."""
        source = self.parameterAsSource(parameters, self.DEPOSITS, context)
        if source is None:
            raise QgsProcessingException("DEPOSITS: choose a point layer of known deposits.")
        require_deposit_points(source)
        xy, labels = EvaluateAlgorithm._deposit_points(source, crs, None, context, feedback)
        check_point_places(source, crs, context, grid, xy, self.DEPOSITS, "deposits", feedback)
        xy = np.asarray(xy, dtype=np.float64)
        ok = np.isfinite(xy).all(axis=1)
        rows, cols = np.full(len(xy), -1), np.full(len(xy), -1)
        rows[ok], cols[ok] = grid.rowcol(xy[ok, 0], xy[ok, 1])
        inside = ok & grid.holds(rows, cols)
        inside[inside] = valid[rows[inside], cols[inside]]
        skipped = [labels[i] for i in np.flatnonzero(~inside)]
        if skipped:  # a NULL or empty geometry has no place at all: not 'off the rasters'
            unplaced, off = int((~ok).sum()), int((ok & ~inside).sum())
            why = [f"{unplaced} without coordinates (a NULL or empty geometry)"] if unplaced else []
            why += [f"{off} off the rasters, on nodata or outside the mask"] if off else []
            feedback.pushWarning(
                f"DEPOSITS: {len(skipped)} deposit(s) left out, {' and '.join(why)}: "
                + ", ".join(skipped[:10])
                + (" …" if len(skipped) > 10 else "")
            )
        cells = np.unique(np.column_stack([rows[inside], cols[inside]]), axis=0)
        # the deposits a retrained model learns from, recorded in its provenance for evaluate
        self.deposit_points = training_points_record(
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
        return cells[:, 0], cells[:, 1], skipped
