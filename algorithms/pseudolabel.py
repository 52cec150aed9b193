"""prospector:pseudolabel: extend a few labelled points / known deposits to a label raster."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import numpy as np
from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterDistance,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsWkbTypes,
)

from ..core.errors import Cancelled, InputError
from ..core.evaluation.deposits import training_points_record
from ..core.grid import GridSpec, size_text
from ..core.io.encoding import refuse_undecoded_classes
from ..core.io.rasters import layer_label, rasterize_mask, read_stack, require_values, side_file_crs_note, write_geotiff
from ..core.labels.classes import MAX_CLASS_ID, class_ids, labelled_class_names
from ..core.labels.pseudolabel import (
    METHODS,
    UNLABELLED,
    PseudoLabelResult,
    PseudoLabelSettings,
    mask_cells_bound,
    memory_needed,
    memory_per_cell,
    pseudolabel,
)
from ..core.reports.labels import summary_lines, summary_record, write_summary
from ..core.reports.thumbnail import label_map_svg
from ..core.reports.training import data_sentence
from . import parameters as params
from .base import ProspectorAlgorithm
from .crs_checks import refuse_unrelated_rasters, require_projected, say_ground_distance
from .geometries import mask_geometries, mask_on_grid, shapely_geometries
from .inputs import input_file, layer_file, source_label, warn_model_outputs
from .layers import LOADED_NAME_PROPERTY, RUN_PROPERTY
from .point_reading import check_point_places, point_attributes, refuse_date_field, warn_mixed_commodities

LABEL_NODATA = 255
CONF_NODATA = -9999.0
METHOD_NAMES = ("PU bagging (positive-unlabelled)", "Label spreading (kNN graph)", "Self-training")
#: the settings read by some methods only (core.labels.pseudolabel: self-training starts with a PU bagging)
READERS = {
    "BAGS": ("pu_bagging", "self_training"),
    "ITERATIONS": ("self_training",),
    "NEIGHBORS": ("label_spreading",),
}


@dataclass(frozen=True)
class LabelledPoints:
    """The labelled points in the rasters' CRS, each one's class (None: every point mineralised) and the classes'
    names (None without LABEL_FIELD)."""

    source: Any
    xy: np.ndarray
    classes: Optional[np.ndarray]
    class_names: Optional[Dict[int, str]]


@dataclass(frozen=True)
class Destinations:
    """Where the label raster, the confidence raster and the summary ('' without one) go."""

    labels: str
    confidence: str
    summary: str


class PseudoLabelAlgorithm(ProspectorAlgorithm):
    ENUM_NAMES = {"METHOD": METHODS}
    INPUT_RASTERS = "INPUT_RASTERS"
    LABELS = "LABELS"
    LABEL_FIELD = "LABEL_FIELD"
    NEGATIVES = "NEGATIVES"
    MASK = "MASK"
    METHOD = "METHOD"
    POSITIVE_RADIUS = "POSITIVE_RADIUS"
    NEGATIVE_BUFFER = "NEGATIVE_BUFFER"
    CONFIDENCE = "CONFIDENCE"
    ITERATIONS = "ITERATIONS"
    BAGS = "BAGS"
    NEIGHBORS = "NEIGHBORS"
    SEED = "SEED"
    OUTPUT = "OUTPUT"
    OUTPUT_CONFIDENCE = "OUTPUT_CONFIDENCE"
    OUTPUT_SUMMARY = "OUTPUT_SUMMARY"

    group_id = "geochemistry"

    def name(self) -> str:
        return "pseudolabel"

    def displayName(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Pseudo-label cells from known deposits (semi-supervised)")

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr(
            "Extends a few labelled points (known deposits, or samples with a class field) to a label raster that "
            "can train a classifier, without treating every unlabelled cell as barren.\n\n"
            "INPUT_RASTERS: evidence layers, aligned to the first one's grid; a cell with nodata in any band stays "
            "unlabelled. LABELS: points; without LABEL_FIELD every point is a positive (mineralised, class 1). "
            "LABEL_FIELD: whole numbers (0 = barren, 1.. = mineralised levels) or text ('barren', 'background', "
            "'negative', 'no', 'N', 'false' and 'no' in other languages ('ei', 'nej', 'nein', 'non'…) = 0; other "
            "values 1, 2, ... in sorted order). NEGATIVES: known barren points or polygons. Cells within "
            "POSITIVE_RADIUS of a positive point are positive seeds; no cell within "
            "NEGATIVE_BUFFER of a positive point is ever labelled barren (both distances in the map units of the "
            "first evidence raster).\n\n"
            "METHOD: PU bagging scores every cell by many classifiers trained on the positives against random "
            "unlabelled cells, each cell judged only by the rounds that did not train on it; reliable negatives are "
            "consistently among the lowest 30 %, reliable positives consistently score like the positives. Best "
            "with deposits only. Label spreading propagates labels over a k-nearest-neighbour graph in "
            "standardised feature space: labels follow clusters of similar cells; good when the evidence forms "
            "distinct populations, and for several classes. Self-training repeatedly fits a logistic regression "
            "and adds the predictions above CONFIDENCE (each class grows at most 50 % per round) for ITERATIONS "
            "rounds; without barren labels it starts from PU-bagging's reliable negatives.\n\n"
            "CONFIDENCE: share of votes (PU bagging) or class probability (the other methods) a cell needs to be "
            "labelled. OUTPUT: 1 mineralised, 0 barren (or class ids), nodata = unlabelled. OUTPUT_CONFIDENCE: that "
            "score for every valid cell (1 for seeds). OUTPUT_SUMMARY: counts per class and the settings "
            "(.html, .json or .csv). Deterministic for a given SEED."
        )

    def initAlgorithm(self, config=None) -> None:  # noqa: N802 (QGIS API name)
        self.addParameter(params.evidence_rasters())
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.LABELS, self.tr("Labelled points (known deposits or samples)"), [QgsProcessing.TypeVectorPoint]
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.LABEL_FIELD,
                self.tr("Class field (empty = every point is mineralised)"),
                parentLayerParameterName=self.LABELS,
                type=QgsProcessingParameterField.Any,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.NEGATIVES,
                self.tr("Known barren points or polygons"),
                [QgsProcessing.TypeVectorAnyGeometry],
                optional=True,
            )
        )
        self.addParameter(params.mask())
        self.addParameter(
            QgsProcessingParameterEnum(self.METHOD, self.tr("Method"), [self.tr(m) for m in METHOD_NAMES], False, 0)
        )
        self.addParameter(
            QgsProcessingParameterDistance(
                self.POSITIVE_RADIUS,
                self.tr("Positive radius around each mineralised point"),
                defaultValue=0.0,
                parentParameterName=self.LABELS,
                minValue=0.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterDistance(
                self.NEGATIVE_BUFFER,
                self.tr("No barren labels within this distance of a mineralised point"),
                defaultValue=0.0,
                parentParameterName=self.LABELS,
                minValue=0.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.CONFIDENCE,
                self.tr("Confidence needed for a pseudo-label (0.5-1)"),
                QgsProcessingParameterNumber.Double,
                0.9,
                minValue=0.5,
                maxValue=1.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.ITERATIONS,
                self.tr("Self-training rounds"),
                QgsProcessingParameterNumber.Integer,
                5,
                minValue=1,
                maxValue=100,
            )
        )
        advanced = [
            QgsProcessingParameterNumber(  # each bag trains a classifier on every cell: 1000 is hours on a district
                self.BAGS,
                self.tr("PU bagging rounds"),
                QgsProcessingParameterNumber.Integer,
                30,
                minValue=3,
                maxValue=1000,
            ),
            QgsProcessingParameterNumber(
                self.NEIGHBORS,
                self.tr("Label spreading: neighbours per cell"),
                QgsProcessingParameterNumber.Integer,
                10,
                minValue=2,
                maxValue=100,
            ),
        ]
        for parameter in advanced:
            parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
            self.addParameter(parameter)
        self.addParameter(params.seed())
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Pseudo-labels")))
        self.addParameter(
            QgsProcessingParameterRasterDestination(self.OUTPUT_CONFIDENCE, self.tr("Pseudo-label confidence"))
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT_SUMMARY,
                self.tr("Summary (counts per class, settings)"),
                self.tr("HTML files (*.html);;JSON files (*.json);;CSV files (*.csv)"),
                optional=True,
                createByDefault=True,
            )
        )

    def _warn_ignored(self, parameters, context, feedback, method: str) -> None:
        """A warning for each setting changed from its default that ``method`` does not read (the 3.22 dialog
        cannot hide them)."""
        for name, readers in READERS.items():
            shown = None if method in readers else self.changed_setting(parameters, name, context)
            if shown is None:
                continue
            methods = " and ".join(METHOD_NAMES[METHODS.index(m)] for m in readers)
            feedback.pushWarning(
                f"{name} ({shown}) is read by {methods} only; the method chosen, "
                f"{METHOD_NAMES[METHODS.index(method)]}, ignores it."
            )

    def process(self, parameters, context, feedback):
        method = self.enum_name(parameters, self.METHOD, context)
        neighbors = self.parameterAsInt(parameters, self.NEIGHBORS, context)
        stack, crs, mask_polygons = self._evidence(parameters, context, feedback, method, neighbors)
        points = self._labelled_points(parameters, context, feedback, crs, stack.grid)
        mask, negatives = self._areas(parameters, context, crs, stack.grid, mask_polygons, feedback)
        self._warn_ignored(parameters, context, feedback, method)
        settings = self._settings(parameters, context, feedback, method, neighbors, stack.grid)
        destinations = self._destinations(parameters, context)
        result = self._pseudolabelled(feedback, stack, points, mask, negatives, settings)
        record = self._summary(feedback, method, points, result)
        if feedback.isCanceled():  # last chance before the outputs are written
            raise Cancelled()
        provenance = self._provenance(parameters, context, stack, points, result, crs)
        return self._write_outputs(context, feedback, destinations, stack.grid, points, result, record, provenance)

    def _labelled_points(self, parameters, context, feedback, crs, grid: GridSpec) -> LabelledPoints:
        """The labelled points (:meth:`_labels`), with a warning for those off the grid or crowded into one cell."""
        source, xy, classes, class_names = self._labels(parameters, context, feedback, crs)
        check_point_places(source, crs, context, grid, xy, self.LABELS, "labelled points", feedback)
        return LabelledPoints(source, xy, classes, class_names)

    def _settings(
        self, parameters, context, feedback, method: str, neighbors: int, grid: GridSpec
    ) -> PseudoLabelSettings:
        """The settings of the pseudo-labelling; the radius and the buffer in metres too when the CRS is in feet."""
        settings = PseudoLabelSettings(
            method=method,
            positive_radius=self.parameterAsDouble(parameters, self.POSITIVE_RADIUS, context),
            negative_buffer=self.parameterAsDouble(parameters, self.NEGATIVE_BUFFER, context),
            confidence=self.parameterAsDouble(parameters, self.CONFIDENCE, context),
            iterations=self.parameterAsInt(parameters, self.ITERATIONS, context),
            bags=self.parameterAsInt(parameters, self.BAGS, context),
            neighbors=neighbors,
            seed=params.seed_value(self, parameters, context),
        )
        for name, value in (
            (self.POSITIVE_RADIUS, settings.positive_radius),
            (self.NEGATIVE_BUFFER, settings.negative_buffer),
        ):
            say_ground_distance(feedback, name, value, grid.metres_per_unit)  # a CRS in feet: what that is in metres
        return settings

    def _destinations(self, parameters, context) -> Destinations:
        """Where the outputs go, read before the pseudo-labelling."""
        return Destinations(
            labels=self.parameterAsOutputLayer(parameters, self.OUTPUT, context),
            confidence=self.parameterAsOutputLayer(parameters, self.OUTPUT_CONFIDENCE, context),
            summary=self.parameterAsFileOutput(parameters, self.OUTPUT_SUMMARY, context),
        )

    @staticmethod
    def _pseudolabelled(feedback, stack, points: LabelledPoints, mask, negatives, settings) -> PseudoLabelResult:
        """Core's pseudo-labelling over the first 90 % of the progress, with its warnings."""
        feedback.pushInfo(f"Method: {settings.method}, {len(points.xy)} labelled points")
        result = pseudolabel(
            stack.bands,
            stack.grid,
            points.xy,
            points.classes,
            negative_cells=negatives,
            mask=mask,
            settings=settings,
            progress=lambda f: feedback.setProgress(90 * f),
            is_cancelled=feedback.isCanceled,
            band_names=stack.band_names,
        )
        for warning in result.warnings:
            feedback.pushWarning(warning)
        return result

    @staticmethod
    def _summary(feedback, method: str, points: LabelledPoints, result: PseudoLabelResult) -> dict:
        """The summary record (classes named as the label raster holds them), its counts in the log."""
        record = summary_record(result, labelled_class_names(method, points.classes, points.class_names))
        for line in summary_lines(record):
            feedback.pushInfo(line)
        return record

    def _provenance(self, parameters, context, stack, points: LabelledPoints, result: PseudoLabelResult, crs) -> dict:
        """How the labels were made, with the mineralised points: evaluate tells the deposits the labels (and models
        on them) came from."""
        labels_source = source_label(points.source, parameters, self.LABELS, context)
        return self.provenance(
            parameters,
            context,
            {
                "evidence_bands": stack.band_names,
                "labels": labels_source,
                "counts": result.counts,
                "mineralised_points": training_points_record(
                    points.xy if points.classes is None else points.xy[points.classes >= 1],
                    crs.toWkt(),
                    labels_source,
                ),
            },
        )

    def _write_outputs(
        self,
        context,
        feedback,
        destinations: Destinations,
        grid: GridSpec,
        points: LabelledPoints,
        result: PseudoLabelResult,
        record: dict,
        provenance: dict,
    ) -> dict:
        """The label raster (unlabelled cells nodata), the confidence raster and the summary (with a map of the
        labels and the points) written and styled: the results."""
        labels = np.where(result.labels == UNLABELLED, LABEL_NODATA, result.labels).astype(np.uint8)
        write_geotiff(
            destinations.labels, labels, grid, ["class"], nodata=LABEL_NODATA, provenance=provenance, dtype="uint8"
        )
        write_geotiff(
            destinations.confidence,
            result.confidence,
            grid,
            ["confidence"],
            nodata=CONF_NODATA,
            provenance=provenance,
            parameter=self.OUTPUT_CONFIDENCE,
        )
        results = {self.OUTPUT: destinations.labels, self.OUTPUT_CONFIDENCE: destinations.confidence}
        if destinations.summary:
            inside = np.isfinite(result.confidence)  # the valid cells: confidence is NaN only outside them
            thumbnail = label_map_svg(
                result.labels,
                grid,
                points.xy,
                "Pseudo-labels and labelled points",
                inside=inside,
                point_classes=None if points.classes is None else np.asarray(points.classes).tolist(),
            )
            data = data_sentence({"provenance": provenance}, provenance_below=False)
            write_summary(destinations.summary, record, parameter=self.OUTPUT_SUMMARY, thumbnail=thumbnail, data=data)
            results[self.OUTPUT_SUMMARY] = destinations.summary
        feedback.setProgress(100)
        self.style_on_load(
            context, destinations.labels, "pseudolabels", self.tr("Pseudo-labels"), False, legend="present_classes"
        )
        self.style_on_load(
            context, destinations.confidence, "confidence", self.tr("Pseudo-label confidence"), False, visible=False
        )
        return results

    def _evidence(self, parameters, context, feedback, method="pu_bagging", neighbors=10):
        """The evidence rasters as one stack on the first raster's grid (projected, fits in memory for ``method``
        with ``neighbors`` over the cells the MASK keeps), its CRS, and the MASK's polygons (None without a MASK),
        read once here for the estimate and passed on to be rasterized."""
        layers = self.parameterAsLayerList(parameters, self.INPUT_RASTERS, context)
        if not layers:
            raise QgsProcessingException("INPUT_RASTERS: choose at least one evidence raster.")
        crs = layers[0].crs()
        if not crs.isValid():
            raise QgsProcessingException(
                f"INPUT_RASTERS: the first raster ('{layers[0].name()}') has no CRS; assign its projected CRS first "
                "(Raster › Projections › Assign Projection, or Layer Properties › Source in the desktop)."
                + side_file_crs_note(layer_file(layers[0]))
            )
        require_projected(
            crs,
            self.INPUT_RASTERS,
            "the first raster",
            "radii and buffers are distances in metres or feet",
            extent=layers[0].extent(),
            feedback=feedback,
        )
        # every band on the first raster's grid (float32), features, standardised copy, distances, labels; label
        # spreading's k-nearest-neighbour graph on top
        cells = layers[0].width() * layers[0].height()
        n_bands = sum(layer.bandCount() for layer in layers)
        polygons = mask_geometries(
            self.parameterAsSource(parameters, self.MASK, context), crs, context, self.MASK, feedback
        )
        inside = self._cells_inside(polygons, layers[0])
        per_cell = memory_per_cell(method, n_bands, neighbors)
        advice = (
            "resample the rasters to larger cells (Raster › Projections › Warp) or clip them to the study area "
            "(Raster › Extraction › Clip Raster by Mask Layer)"
        )
        if per_cell > memory_per_cell("pu_bagging", n_bands, neighbors):
            need = size_text(memory_needed("pu_bagging", n_bands, neighbors, cells, inside))
            advice += (
                f"; or give fewer NEIGHBORS (now {neighbors}, about 32 bytes a cell each), or choose METHOD PU "
                f"bagging, which needs about {need}."
            )
        else:
            advice += "."
        estimate = memory_needed(method, n_bands, neighbors, cells, inside)  # what is labelled: inside MASK only
        self.check_memory(estimate, 1, self.INPUT_RASTERS, f"pseudo-labelling these rasters ({method})", advice)
        refuse_unrelated_rasters(layers, self.INPUT_RASTERS)
        paths = [layer_file(layer) for layer in layers]
        # a name the user gave the layer is kept; one this plugin gave its output as it loaded ("Cu (ppm, IDW):
        # band 1 of Cu, Au", which would name every band "band 1") is not: the file's, as traincnn names bands
        names = [layer.name() if _named_by_user(layer, p) else layer_label(p) for layer, p in zip(layers, paths)]
        warn_model_outputs(paths, names, feedback)
        stack = read_stack(paths, names)
        for warning in stack.warnings:
            feedback.pushWarning(warning)
        for note in stack.notes:
            feedback.pushInfo(note)
        require_values(stack, self.INPUT_RASTERS)  # a band of nodata leaves no cell: name it, as the learners do
        grid = stack.grid
        feedback.pushInfo(f"Evidence: {', '.join(stack.band_names)} on {grid.width} x {grid.height} cells")
        return stack, crs, polygons

    @staticmethod
    def _cells_inside(polygons, layer):
        """At most how many cells of ``layer``'s grid the MASK's ``polygons`` keep (every method labels those
        only; label spreading builds its graph over them), from their area, before anything is read; None without
        a MASK or a square cell."""
        extent, width, height = layer.extent(), layer.width(), layer.height()
        if polygons is None or width < 1 or height < 1:
            return None
        if not math.isclose(extent.width() / width, extent.height() / height, rel_tol=1e-9):
            return None
        grid = GridSpec(extent.xMinimum(), extent.yMaximum(), extent.width() / width, width, height)
        return mask_cells_bound(polygons, grid)

    def _labels(self, parameters, context, feedback, crs):
        """The labelled points, their classes (None: every point mineralised) and the classes' names."""
        source = self.parameterAsSource(parameters, self.LABELS, context)
        if source is None:
            raise QgsProcessingException("LABELS: the point layer could not be opened; choose a point layer.")
        field = self.parameterAsString(parameters, self.LABEL_FIELD, context) or None
        refuse_date_field(source, field, self.LABEL_FIELD)
        if not field:  # every point mineralised
            warn_mixed_commodities(source, self.LABELS, feedback, "the mineralised labels")
        xy, columns = point_attributes(
            source, [field] if field else [], crs, context, feedback, self.LABELS, self.LABEL_FIELD
        )
        raw: List[object] = columns[0] if field else [None] * len(xy)
        class_names = None
        if field:
            refuse_undecoded_classes(
                raw,
                field,
                source_label(source, parameters, self.LABELS, context),
                self.LABEL_FIELD,
                input_file(parameters, self.LABELS, context),
            )
            classes, class_names, usable = class_ids(raw)
            if not usable.any():
                raise QgsProcessingException(
                    f"LABEL_FIELD: '{field}' is empty (NULL) for all {len(raw)} points, so no point has a class. "
                    "Choose the field holding the classes (0 = barren, 1 = mineralised, or words such as 'barren' / "
                    "'deposit'), or leave LABEL_FIELD empty to take every point as mineralised."
                )
            if (~usable).any():
                feedback.pushWarning(
                    f"LABEL_FIELD: {int((~usable).sum())} of {len(raw)} points have no class in '{field}' (NULL, "
                    "blank, or a negative number such as -1, read as unlabelled) and were skipped."
                )
            xy, classes = xy[usable], classes[usable]
            n_classes = len(np.unique(classes))
            if n_classes > 2 and n_classes > len(classes) / 2:
                examples = ", ".join(str(v) for v in list(class_names.values())[1:4])
                raise QgsProcessingException(
                    f"LABEL_FIELD: '{field}' has {n_classes} different values for {len(classes)} points (e.g. "
                    f"{examples}): it looks like a measurement or an id, not classes. Choose a class field (0 = "
                    "barren, 1 = mineralised, or words such as 'barren' / 'deposit'), or leave it empty."
                )
            if classes.max(initial=0) > MAX_CLASS_ID:
                raise QgsProcessingException(f"LABEL_FIELD: class ids must be from 0 (barren) to {MAX_CLASS_ID}.")
            feedback.pushInfo("Classes: " + ", ".join(f"{k} = {v}" for k, v in sorted(class_names.items())))
        else:
            classes = None
        return source, xy, classes, class_names

    def _areas(self, parameters, context, crs, grid, mask_polygons, feedback=None):
        """The MASK (its polygons as :meth:`_evidence` read them) and the known barren ground (NEGATIVES) on the
        grid, each None when not given."""
        mask = mask_on_grid(mask_polygons, grid, self.MASK)
        negatives = None
        neg_source = self.parameterAsSource(parameters, self.NEGATIVES, context)
        if neg_source is not None:
            if QgsWkbTypes.geometryType(neg_source.wkbType()) == QgsWkbTypes.LineGeometry:
                # rasterized, lines marked every cell they cross barren: faults chosen by mistake, without a word
                raise QgsProcessingException(
                    "NEGATIVES: the layer holds lines, but known barren ground is points (barren drill holes or "
                    "samples) or polygons (areas found barren); choose such a layer, or leave NEGATIVES empty."
                )
            geoms = shapely_geometries(neg_source, crs, context, self.NEGATIVES, feedback)
            try:
                negatives = rasterize_mask(geoms, grid)
            except InputError:
                raise QgsProcessingException("NEGATIVES: the layer has no features with geometry.") from None
        return mask, negatives


def _named_by_user(layer, path: str) -> bool:
    """Whether the layer's name is the user's: neither its file's name nor the one this plugin gave it as it loaded
    (a loaded output the user renamed since is theirs)."""
    if layer.name() == os.path.splitext(os.path.basename(path))[0]:
        return False
    if not layer.customProperty(RUN_PROPERTY):
        return True
    loaded = layer.customProperty(LOADED_NAME_PROPERTY)
    return bool(loaded) and layer.name() != loaded
