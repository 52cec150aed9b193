"""prospector:evaluate: how well a prospectivity raster predicts (held-out) deposits."""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCsException,
    QgsFeatureRequest,
    QgsPointXY,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBand,
    QgsProcessingParameterDistance,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsWkbTypes,
)

from ..core.errors import Cancelled, InputError
from ..core.evaluation.coverage import lowest_value_block_note, partial_cover_warning
from ..core.evaluation.deposits import (
    on_training_warning,
    training_source,
    unplaced_training_count,
    unplaced_training_warning,
)
from ..core.evaluation.evaluate import direction_note, evaluate, favours_low_values
from ..core.grid import wrap_longitudes
from ..core.io.encoding import undecoded_names_warning
from ..core.io.rasters import (
    RasterData,
    band_kind,
    band_unit,
    bands_in_words,
    made_by,
    read_provenance,
    read_raster,
    side_file_crs_note,
)
from ..core.io.vectors import read_vector_provenance
from ..core.reports.evaluation import baseline_name, mapped_value_name, report_title, write_report, write_table
from . import parameters as params
from .base import ProspectorAlgorithm
from .crs_checks import (
    refuse_coordinates_beyond_crs,
    refuse_unrelated_crs,
    say_ground_distance,
    source_transform,
    utm_advice,
    warn_ballpark_transform,
    warn_unequal_cells,
    warn_without_crs,
)
from .geometries import mask_geometries, mask_on_grid
from .inputs import absolute_file, file_and_layer, input_file, layer_file, require_gdal_raster, source_label
from .point_reading import (
    check_fields,
    check_point_places,
    geometry_kind,
    plain_value,
    point_parts,
    refuse_not_points,
    require_geometry,
    warn_mixed_commodities,
)

#: numeric outputs (exposed to the graphical modeler and qgis_process --json) and their descriptions
NUMBERS = {
    "AUC": "ROC AUC of the deposits against the study area",
    "AUC_LOW": "AUC confidence interval, low (bootstrap over deposits or their clusters)",
    "AUC_HIGH": "AUC confidence interval, high (bootstrap over deposits or their clusters)",
    "BOOTSTRAP_UNITS": "Deposits or deposit clusters the bootstrap resampled",
    "AUC_RANDOM_LOW": "AUC against random negatives (Monte Carlo), low",
    "AUC_RANDOM_HIGH": "AUC against random negatives (Monte Carlo), high",
    "P_VALUE": "p-value against randomly placed deposits",
    "CAPTURE_1": "% of deposits in the top 1 % of the area",
    "CAPTURE_5": "% of deposits in the top 5 % of the area",
    "CAPTURE_10": "% of deposits in the top 10 % of the area",
    "CAPTURE_20": "% of deposits in the top 20 % of the area",
    "PA_PREDICTION_RATE": "P-A intersection: % of deposits predicted",
    "PA_THRESHOLD": "P-A intersection: prospectivity threshold",
    "PA_NORMALIZED_DENSITY": "P-A intersection: normalised density",
    "DEPOSITS_USED": "deposits on valid cells of the study area",
    "DEPOSITS_SKIPPED": "deposits off the raster, on nodata, outside the mask or without coordinates",
    "LOW_VALUES_FIRST": "1: cells ranked from the lowest value up (a distance band), 0: from the highest down",
    "DEPOSITS_ON_TRAINING": "deposits used that lie on cells the model behind the raster learnt as mineralised "
    "(more than 0: the figures measure fit to the training, not skill; -1: the model recorded too many training "
    "points to place, so it cannot be told)",
}


#: DIRECTION options, by index (public API: append, never reorder)
DIRECTIONS = (
    "Automatic: low values first for a distance band (faults:distance_m…), else high values first",
    "High values are prospective",
    "Low values are prospective (e.g. a distance)",
)


DIRECTION_AUTO, DIRECTION_HIGH, DIRECTION_LOW = range(3)


def require_deposit_points(source, parameter: str = "DEPOSITS") -> None:
    """Refuse a deposit layer of lines or polygons (deposits drawn as outlines), or a table without geometry: the
    deposits are points."""
    require_geometry(source, parameter)
    kind = QgsWkbTypes.geometryType(source.wkbType())
    if kind != QgsWkbTypes.PointGeometry:
        what = {QgsWkbTypes.PolygonGeometry: "polygons", QgsWkbTypes.LineGeometry: "lines"}.get(kind, "no points")
        raise QgsProcessingException(
            f"{parameter}: a point layer of deposits is needed, but the layer holds {what}. For deposits drawn as "
            "outlines, give a point inside each (Processing Toolbox › Vector geometry › Point on surface) and run "
            "again."
        )


@dataclass(frozen=True)
class EvaluatedBand:
    """The band of INPUT_RASTER evaluated, as read."""

    layer: Any  # QgsRasterLayer
    band: int
    path: str
    crs: QgsCoordinateReferenceSystem
    data: RasterData

    @property
    def grid(self):
        return self.data.grid

    @property
    def values(self) -> np.ndarray:
        return self.data.bands[0]

    @property
    def band_name(self) -> str:
        return self.data.band_names[0]


@dataclass(frozen=True)
class DepositPoints:
    """DEPOSITS in the raster's CRS, one label each (NaN coordinates: a feature without a usable point)."""

    source: Any  # QgsProcessingFeatureSource
    xy: List[Tuple[float, float]]
    names: List[str]


@dataclass(frozen=True)
class StudyArea:
    """The MASK layer (None when not given) and its polygons on the raster's grid (None: every valid cell)."""

    source: Any
    mask: Optional[np.ndarray]


class EvaluateAlgorithm(ProspectorAlgorithm):
    INPUT_RASTER = "INPUT_RASTER"
    BAND = "BAND"
    DEPOSITS = "DEPOSITS"
    NAME_FIELD = "NAME_FIELD"
    MASK = "MASK"
    ITERATIONS = "ITERATIONS"
    SEED = "SEED"
    CLUSTER_DISTANCE = "CLUSTER_DISTANCE"
    OUTPUT_REPORT = "OUTPUT_REPORT"
    OUTPUT_TABLE = "OUTPUT_TABLE"
    BASELINES = "BASELINES"
    DIRECTION = "DIRECTION"
    ENUM_NAMES = {"DIRECTION": ("auto", "high", "low")}

    group_id = "geochemistry"

    def name(self) -> str:
        return "evaluate"

    def displayName(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Evaluate prospectivity against deposits")

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr(
            "Measures how well a prospectivity raster (higher = more prospective) predicts known deposits. Use "
            "deposits held out of training, or the numbers are optimistic.\n\n"
            "The study area is every valid cell of the chosen BAND, inside the MASK polygons if given.\n"
            "- ROC AUC: the chance that a deposit's cell scores higher than a random cell of the study area "
            "(ties count half; 0.5 = random). Its confidence interval comes from resampling the deposits "
            "(bootstrap), or, with CLUSTER_DISTANCE > 0, whole clusters of deposits linked within that distance "
            "(deposits of one district are not independent: their interval is honestly wider); the ArcSDM-style "
            "interval from AUCs against as many random cells as deposits "
            "(Monte Carlo); the p-value from placing the same number of deposits at random. ITERATIONS sets the "
            "number of resamples of each, SEED makes them repeatable.\n"
            "- Success-rate curve and capture efficiency: % of deposits in the top 1, 5, 10 and 20 % of the area.\n"
            "- Prediction-area (P-A) plot: the intersection where P % of the deposits lie in 100 - P % of the "
            "area, and its normalised density P / (100 - P).\n\n"
            "A band whose low values are the prospective ones, a distance to faults or contacts (named "
            "'…distance…', as prospector:evidence names and marks them), is ranked from the lowest value up, so "
            "that a useful distance scores above 0.5; the report says which way each map was ranked. DIRECTION "
            "overrides this for the evaluated band; BASELINES are always ranked automatically. When the whole "
            "interval of the AUC lies below 0.5 the log and the report say so and name DIRECTION: the map may be "
            "read the wrong way round.\n\n"
            "Deposits off the raster, on nodata or outside the mask are not used, and are listed with the reason "
            "in the report, the table and the log. NAME_FIELD labels the deposits there (by default a field called "
            "'name', in any case, when the layer has one; else the feature id).\n\n"
            "Outputs: an HTML report with plots (opens in a browser), a CSV table (column 'kind': metric, capture, "
            "pa_intersection, success_curve, deposit) and the key numbers as outputs for models and qgis_process."
        )

    def initAlgorithm(self, config=None) -> None:  # noqa: N802 (QGIS API name)
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT_RASTER, self.tr("Prospectivity raster")))
        self.addParameter(
            # optional: QGIS 3.22 refuses a missing band value instead of using the default
            QgsProcessingParameterBand(
                self.BAND, self.tr("Band"), defaultValue=1, parentLayerParameterName=self.INPUT_RASTER, optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.DEPOSITS, self.tr("Deposits (held out)"), [QgsProcessing.TypeVectorPoint]
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.NAME_FIELD,
                self.tr("Deposit name field"),
                parentLayerParameterName=self.DEPOSITS,
                optional=True,
            )
        )
        self.addParameter(params.mask(params.STUDY_AREA_DESCRIPTION))
        self.addParameter(
            QgsProcessingParameterNumber(
                self.ITERATIONS,
                self.tr("Resampling iterations (bootstrap, Monte Carlo)"),
                QgsProcessingParameterNumber.Integer,
                1000,
                minValue=10,
                maxValue=100000,
            )
        )
        self.addParameter(params.seed())
        self.addParameter(
            QgsProcessingParameterDistance(
                self.CLUSTER_DISTANCE,
                self.tr("Bootstrap clusters of deposits within (0 = each deposit alone)"),
                defaultValue=0.0,
                parentParameterName=self.INPUT_RASTER,
                minValue=0.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT_REPORT, self.tr("Evaluation report"), self.tr("HTML files (*.html *.htm)")
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT_TABLE, self.tr("Evaluation table"), self.tr("CSV files (*.csv)")
            )
        )
        self.addParameter(
            QgsProcessingParameterMultipleLayers(
                self.BASELINES,
                self.tr("Baseline maps to compare (e.g. magnetics)"),
                QgsProcessing.TypeRaster,
                None,
                True,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.DIRECTION,
                self.tr("Prospective values"),
                [self.tr(d) for d in DIRECTIONS],
                defaultValue=0,
                optional=True,
            )
        )
        for name, description in NUMBERS.items():
            self.addOutput(QgsProcessingOutputNumber(name, self.tr(description)))

    def process(self, parameters, context, feedback):
        layer, band = self._raster_and_band(parameters, context)
        source = self._deposit_layer(parameters, context, feedback)
        prospectivity = self._read_band(parameters, context, feedback, layer, band)
        deposits = self._read_deposits(parameters, context, feedback, source, prospectivity)
        study_area = self._study_area(parameters, context, feedback, prospectivity)
        result = self._evaluate_map(parameters, context, feedback, prospectivity, deposits, study_area)
        on_training = self._deposits_on_training(context, feedback, prospectivity, deposits, result)
        if feedback.isCanceled():
            raise Cancelled()
        baselines = self._baselines(parameters, context, feedback, prospectivity, deposits, study_area)
        outputs = self._write_outputs(parameters, context, prospectivity, deposits, study_area, result, baselines)
        feedback.setProgress(100)
        feedback.pushInfo(
            f"AUC {result.auc:.3f} ({100 * result.confidence:g} % CI {result.interval_text('-')}); "
            f"top 10 % of the area holds {result.capture[10.0]:.1f} % of the "
            f"deposits; P-A: {result.pa.prediction_rate:.1f} % of deposits in {result.pa.area:.1f} % of the area."
        )
        return {**outputs, **self._numbers(result), "DEPOSITS_ON_TRAINING": on_training}

    def _raster_and_band(self, parameters, context) -> Tuple[Any, int]:
        """INPUT_RASTER and the BAND evaluated, refused when unusable (no layer, no such band, no CRS)."""
        layer = self.parameterAsRasterLayer(parameters, self.INPUT_RASTER, context)
        if layer is None or not layer.isValid():
            raise QgsProcessingException("INPUT_RASTER: the raster could not be opened; choose a raster layer.")
        # unset is band 1; a 0 given is a mistake (bands count from 1), not the first band
        given = parameters.get(self.BAND) not in (None, "")
        band = self.parameterAsInt(parameters, self.BAND, context) if given else 1
        if not 1 <= band <= layer.bandCount():
            counted = " Bands are numbered from 1." if band < 1 else ""
            raise QgsProcessingException(
                f"BAND: band {band} does not exist; the raster has {layer.bandCount()}.{counted}"
            )
        crs = layer.crs()
        if not crs.isValid():
            raise QgsProcessingException(
                f"INPUT_RASTER: '{layer.name()}' has no CRS; assign its CRS (Raster › Projections › Assign Projection, "
                "or Layer Properties › Source in the desktop) and run again." + side_file_crs_note(layer_file(layer))
            )
        return layer, band

    def _deposit_layer(self, parameters, context, feedback):
        """The DEPOSITS source, refused unless it holds points; warned about when it mixes commodities or holds
        anomalies' samples rather than deposits."""
        source = self.parameterAsSource(parameters, self.DEPOSITS, context)
        if source is None:
            raise QgsProcessingException("DEPOSITS: the deposit layer could not be opened; choose a point layer.")
        require_deposit_points(source)
        warn_mixed_commodities(source, self.DEPOSITS, feedback, "the evaluation")
        self._warn_if_anomalous_samples(parameters, context, feedback)
        return source

    def _read_band(self, parameters, context, feedback, layer, band: int) -> EvaluatedBand:
        """The band's values and grid, with what they are (an uncertainty or label raster is not a prospectivity
        map) and where they are (a geographic CRS refuses a CLUSTER_DISTANCE and makes area shares approximate)."""
        path = layer_file(layer)  # outputs were checked against inputs by check_outputs()
        # the band as float32, its finite values and their ranks (float64): about 40 bytes a cell at most
        self.check_memory(layer.width() * layer.height(), 40, self.INPUT_RASTER, "evaluating this raster")
        data = read_raster(path, indexes=[band])
        for warning in data.warnings:
            feedback.pushWarning(warning)
        grid = data.grid
        feedback.pushInfo(f"Raster: {grid.describe()}, band {band}")
        made = made_by(path, band)
        if "uncertainty" in made or made.endswith("by pseudolabel"):
            feedback.pushWarning(
                f"INPUT_RASTER: '{layer.name()}' is {made}, not a prospectivity map: the figures below say how well "
                "its values pick out the deposits, not how good the prospectivity map is. Give predict's OUTPUT (the "
                "probability) or OUTPUT_RANK."
            )
        crs = layer.crs()
        if crs.isGeographic():
            clusters = self.parameterAsDouble(parameters, self.CLUSTER_DISTANCE, context)
            if clusters > 0:  # degrees: 2000 meant as metres links every deposit on Earth into one cluster
                centre = layer.extent().center()
                where = QgsPointXY((centre.x() + 180.0) % 360.0 - 180.0, centre.y())
                raise QgsProcessingException(
                    f"CLUSTER_DISTANCE: the raster is in a geographic CRS ({crs.authid() or crs.description()}), so "
                    f"{clusters:g} is read in degrees, not metres, and a degree is not one distance (at "
                    f"{abs(centre.y()):.1f}° {'N' if centre.y() >= 0 else 'S'} a degree of longitude is "
                    f"{math.cos(math.radians(centre.y())):.2f} of one of latitude). Set CLUSTER_DISTANCE to 0, or "
                    f"reproject the raster to a projected CRS (Raster › Projections › Warp{utm_advice(where)}) and "
                    "give the distance in metres."
                )
            feedback.pushWarning(
                "INPUT_RASTER is in a geographic CRS: cells differ in area with latitude, so area shares are "
                "approximate. Reproject it to a projected CRS for exact figures."
            )
        warn_unequal_cells(crs, layer.extent(), grid.pixel_size, self.INPUT_RASTER, feedback)
        return EvaluatedBand(layer, band, path, crs, data)

    def _read_deposits(self, parameters, context, feedback, source, prospectivity: EvaluatedBand) -> DepositPoints:
        """The deposits in the raster's CRS (across 180° where the raster is), named by NAME_FIELD, their places
        checked against the raster."""
        crs, grid = prospectivity.crs, prospectivity.grid
        name_field = self.parameterAsString(parameters, self.NAME_FIELD, context) or None
        if name_field:
            check_fields(source, [name_field], self.NAME_FIELD)
        path = input_file(parameters, self.DEPOSITS, context)
        xy, names = self._deposit_points(source, crs, name_field, context, feedback, path)
        if crs.isGeographic():  # a raster written across 180° (179.5 to 180.5): deposits at -179.8 lie on it at 180.2
            longitudes = wrap_longitudes([x for x, _ in xy], grid.xmin, grid.xmax)
            xy = [(float(x), y) for x, (_, y) in zip(longitudes, xy)]
        feedback.pushInfo(f"Deposits: {len(xy)} points")
        check_point_places(source, crs, context, grid, xy, self.DEPOSITS, "deposits", feedback)
        return DepositPoints(source, xy, names)

    def _study_area(self, parameters, context, feedback, prospectivity: EvaluatedBand) -> StudyArea:
        """The MASK polygons on the raster's grid (None: every valid cell), warned about when they cover part of
        the raster's valid cells only."""
        mask_source = self.parameterAsSource(parameters, self.MASK, context)
        polygons = mask_geometries(mask_source, prospectivity.crs, context, feedback=feedback)
        mask = mask_on_grid(polygons, prospectivity.grid)
        if mask is None:
            block = lowest_value_block_note(prospectivity.values, prospectivity.layer.name(), self.INPUT_RASTER)
            if block:
                feedback.pushWarning(block)
        else:
            valid = np.isfinite(prospectivity.values) & mask
            name = prospectivity.layer.name()
            partial = partial_cover_warning(
                polygons, prospectivity.grid, valid, self.INPUT_RASTER, name, baseline=False
            )
            if partial:
                feedback.pushWarning(partial)
        return StudyArea(mask_source, mask)

    def _evaluate_map(self, parameters, context, feedback, prospectivity, deposits, study_area):
        """The evaluation of the band, ranked the way DIRECTION says, and the log of it: how cells were ranked, the
        notes, the deposits not used, a map read the wrong way round."""
        cluster_distance = self.parameterAsDouble(parameters, self.CLUSTER_DISTANCE, context)
        say_ground_distance(feedback, self.CLUSTER_DISTANCE, cluster_distance, prospectivity.grid.metres_per_unit)
        direction = self.parameterAsEnum(parameters, self.DIRECTION, context)
        band_name = prospectivity.band_name
        low_first = direction == DIRECTION_LOW or (
            direction == DIRECTION_AUTO
            and favours_low_values(band_name, band_kind(prospectivity.path, prospectivity.band))
        )
        result = evaluate(
            prospectivity.values,
            prospectivity.grid,
            deposits.xy,
            study_area.mask,
            iterations=self.parameterAsInt(parameters, self.ITERATIONS, context),
            seed=params.seed_value(self, parameters, context),
            progress=lambda f: feedback.setProgress(90 * f),
            is_cancelled=feedback.isCanceled,
            cluster_distance=cluster_distance,
            low_values_favourable=low_first,
        )
        feedback.pushInfo(f"Cells ranked {result.ranking} ({band_name})")
        for note in result.notes:
            feedback.pushWarning(note)
        for line in unused_deposit_lines(deposits.names, result.sample.status):
            feedback.pushInfo(line)
        inverted = direction_note(result)
        if inverted:  # in the log, and in the report
            feedback.pushWarning(inverted)
            result.notes.append(inverted)
        return result

    def _write_outputs(self, parameters, context, prospectivity, deposits, study_area, result, baselines):
        """The CSV table and the HTML report, with the inputs they were made from; both or none, as the base class
        writes them as one output group."""
        report_path = self.parameterAsFileOutput(parameters, self.OUTPUT_REPORT, context)
        table_path = self.parameterAsFileOutput(parameters, self.OUTPUT_TABLE, context)
        layer, band, path = prospectivity.layer, prospectivity.band, prospectivity.path
        crs = prospectivity.crs
        iterations = self.parameterAsInt(parameters, self.ITERATIONS, context)
        inputs_table = {
            "prospectivity raster": f"{layer.name()} ({absolute_file(path)}), band {band}",
            "deposits": source_label(deposits.source, parameters, self.DEPOSITS, context),
            "study area mask": source_label(study_area.source, parameters, self.MASK, context)
            if study_area.source is not None
            else "valid cells of the raster",
            "iterations, seed": f"{iterations}, {self.parameterAsInt(parameters, self.SEED, context)}",
            "bootstrap resamples": result.bootstrap_unit,
            "CRS": crs.authid() or crs.description(),
        }
        if baselines:
            inputs_table["baseline maps"] = ", ".join(name for name, _ in baselines)
        write_table(table_path, result, deposits.names)
        title = report_title(layer.name(), prospectivity.band_name)
        value_name = mapped_value_name(layer.name(), prospectivity.band_name)
        unit = band_unit(path, band)
        inputs_table["values"] = (
            f"{value_name}, in {unit or 'band values (the raster names no unit)'}; cells ranked {result.ranking}"
        )
        write_report(
            report_path, result, title, inputs_table, deposits.names, baselines, layer.name(), value_name, unit
        )
        return {self.OUTPUT_REPORT: report_path, self.OUTPUT_TABLE: table_path}

    def _warn_if_anomalous_samples(self, parameters, context, feedback) -> None:
        """Warn when DEPOSITS is anomalies' OUTPUT_POINTS: samples chosen for their high values, which a map made
        from the same geochemistry finds by construction."""
        layer = self.parameterAsVectorLayer(parameters, self.DEPOSITS, context)
        if layer is None:
            return
        path, table = file_and_layer(layer)
        if read_vector_provenance(path, table).get("algorithm") != "prospector:anomalies":
            return
        feedback.pushWarning(
            f"DEPOSITS: '{layer.name()}' holds the high-value samples made by anomalies, not deposits: a map made from "
            "the same geochemistry picks them out by construction, so the figures below say how well the map agrees "
            "with the samples it was made from, not how well it finds deposits. Give known deposits or occurrences "
            "(held out from training) as DEPOSITS."
        )

    def _baselines(self, parameters, context, feedback, prospectivity, deposits, study_area) -> List[Tuple[str, Any]]:
        """Each BASELINES raster (band 1) evaluated against the same deposits and mask polygons, on its own grid."""
        xy, crs, mask_source = deposits.xy, prospectivity.crs, study_area.source
        iterations = self.parameterAsInt(parameters, self.ITERATIONS, context)
        evaluations: List[Tuple[str, Any]] = []
        for layer in self.parameterAsLayerList(parameters, self.BASELINES, context):
            require_gdal_raster(layer, self.BASELINES)  # a model's step or a batch row: QGIS's check did not run
            self.check_memory(layer.width() * layer.height(), 40, self.BASELINES, f"evaluating '{layer.name()}'")
            path = layer_file(layer)
            data = read_raster(path, indexes=[1], parameter=self.BASELINES)
            for warning in data.warnings:
                feedback.pushWarning(warning)
            values, words, colour = bands_in_words(path)
            # a picture's colour bands (and alpha) are said by read_raster's picture warning above, not as a stack
            if not colour and (values or layer.bandCount()) > 1:  # a stack (evidence, a survey's grids): band 1
                feedback.pushWarning(
                    f"BASELINES: '{layer.name()}' has {words or f'{layer.bandCount()} bands'}; only band 1 ("
                    f"'{data.band_names[0]}') is compared, the others are not. To compare another band, give it "
                    "as a raster of its own (Raster › Conversion › Translate, choosing the band), one per baseline."
                )
            place_crs = layer.crs()
            if not place_crs.isValid():  # taken to be in the evaluated raster's CRS, as the inputs of pseudolabel
                place_crs = crs
                feedback.pushWarning(
                    f"BASELINES: '{layer.name()}' has no CRS; the deposits and the mask were placed on it in "
                    f"INPUT_RASTER's CRS ({crs.authid() or crs.description()}). If it is in another, assign its CRS "
                    "(Raster › Projections › Assign Projection) and run again."
                )
            polygons = mask_geometries(mask_source, place_crs, context, self.BASELINES)
            mask = mask_on_grid(polygons, data.grid, self.BASELINES)
            if mask is not None:
                partial = partial_cover_warning(
                    polygons, data.grid, np.isfinite(data.bands[0]) & mask, self.BASELINES, layer.name(), baseline=True
                )
                if partial:
                    feedback.pushWarning(partial)
            transform = QgsCoordinateTransform(crs, place_crs, context.transformContext())
            moved = np.full((len(xy), 2), np.nan)
            for i, (x, y) in enumerate(xy):
                if math.isfinite(x) and math.isfinite(y):
                    point = transform.transform(x, y)
                    moved[i] = point.x(), point.y()
            try:
                result = evaluate(
                    data.bands[0],
                    data.grid,
                    moved,
                    mask,
                    iterations=iterations,
                    seed=params.seed_value(self, parameters, context),
                    is_cancelled=feedback.isCanceled,
                    cluster_distance=self.parameterAsDouble(parameters, self.CLUSTER_DISTANCE, context),
                    low_values_favourable=favours_low_values(data.band_names[0], band_kind(path, 1)),
                )
            except InputError as exc:  # the map was evaluated: a baseline it cannot be compared with is left out
                if exc.parameter not in ("DEPOSITS", "INPUT_RASTER", "MASK"):
                    raise
                why = str(exc).split(": ", 1)[1]
                if exc.parameter == "DEPOSITS":
                    why = why.replace("the study area", "it", 1).split("; check")[0]
                else:
                    why = "it has no valid cell (finite, not nodata) inside the study area"
                feedback.pushWarning(
                    f"BASELINES: '{layer.name()}' is left out of the comparison: {why}. Check that it overlaps the "
                    "deposits and the study area (its extent, CRS and nodata value)."
                )
                continue
            name = baseline_name(layer.name(), data.band_names[0])
            feedback.pushInfo(
                f"Baseline {name}: AUC {result.auc:.3f} ({result.ranking}), top 10 % holds {result.capture[10.0]:.1f} %"
            )
            evaluations.append((name, result))
        return evaluations

    def _deposits_on_training(self, context, feedback, prospectivity, deposits, result) -> int:
        """How many deposits used lie on cells the model behind the raster (predict's output) learnt as mineralised,
        warned about in the log and the report, which is read long after the run; 0 when none does or the raster
        records none; -1 when it records only how many there were (too many to place), which a warning says."""
        record = read_provenance(prospectivity.path).get("mineralised_points")
        if unplaced_training_count(record):
            warning = unplaced_training_warning(record, prospectivity.layer.name())
            feedback.pushWarning(warning)
            result.notes.append(warning)
            return -1
        training = self._training_points(record, prospectivity, context)
        if training is None:
            return 0
        taught, trained_on = training
        xy = np.asarray(deposits.xy, dtype=np.float64)
        count, warning = on_training_warning(
            xy, taught, prospectivity.grid, result.sample.status, deposits.names, prospectivity.layer.name(), trained_on
        )
        if warning:
            feedback.pushWarning(warning)
            result.notes.append(warning)
        return count

    @staticmethod
    def _training_points(record, prospectivity, context) -> Optional[Tuple[np.ndarray, str]]:
        """The points the model behind the raster learnt as mineralised (``record``: pseudolabel, traincnn or
        trainmodel recorded them, predict carried them into the raster's provenance), in the raster's CRS, and what
        they are (:func:`training_source`); None when the raster records none or they cannot be placed."""
        if not isinstance(record, dict) or not record.get("xy"):
            return None
        try:
            taught = np.asarray(record["xy"], dtype=np.float64).reshape(-1, 2)
        except (TypeError, ValueError):
            return None
        taught_crs = QgsCoordinateReferenceSystem.fromWkt(str(record.get("crs") or ""))
        if taught_crs.isValid() and taught_crs != prospectivity.crs:
            transform = QgsCoordinateTransform(taught_crs, prospectivity.crs, context.transformContext())
            try:
                taught = np.array([[p.x(), p.y()] for p in (transform.transform(x, y) for x, y in taught)])
            except QgsCsException:
                return None
        return taught, training_source(record)

    @staticmethod
    def _numbers(result) -> Dict[str, Any]:
        """The numeric outputs (see :data:`NUMBERS`) of an evaluation."""
        counts = result.sample.counts
        return {
            "AUC": result.auc,
            "AUC_LOW": result.auc_bootstrap[0],
            "AUC_HIGH": result.auc_bootstrap[1],
            "BOOTSTRAP_UNITS": result.n_clusters,
            "AUC_RANDOM_LOW": result.auc_monte_carlo[0],
            "AUC_RANDOM_HIGH": result.auc_monte_carlo[1],
            "P_VALUE": result.p_value,
            "CAPTURE_1": result.capture[1.0],
            "CAPTURE_5": result.capture[5.0],
            "CAPTURE_10": result.capture[10.0],
            "CAPTURE_20": result.capture[20.0],
            "PA_PREDICTION_RATE": result.pa.prediction_rate,
            "PA_THRESHOLD": result.pa.threshold,
            "PA_NORMALIZED_DENSITY": result.pa.normalized_density,
            "DEPOSITS_USED": counts["used"],
            "DEPOSITS_SKIPPED": int(result.sample.status.size - counts["used"]),
            "LOW_VALUES_FIRST": int(result.low_values_favourable),
        }

    @staticmethod
    def _deposit_points(source, crs, name_field, context, feedback, path: str = ""):
        """Deposit coordinates in ``crs`` and a label per point; features without usable geometry stay in the
        list with NaN coordinates so that they are reported, not dropped."""
        warn_without_crs(source, crs, "DEPOSITS", feedback)
        refuse_coordinates_beyond_crs(source.sourceCrs(), source.sourceExtent(), "DEPOSITS", crs, "the rasters'")
        refuse_unrelated_crs(source.sourceCrs(), crs, context, "DEPOSITS")
        warn_ballpark_transform(source, crs, context, "DEPOSITS", feedback)
        transform = source_transform(source, crs, context)
        if not name_field:  # a deposit list read as 'feature 7' tells a geologist nothing: use its names
            name_field = next((f.name() for f in source.fields() if f.name().casefold() == "name"), None)
        request = QgsFeatureRequest()
        if name_field:
            request.setSubsetOfAttributes([name_field], source.fields())
        else:
            request.setNoAttributes()
        xy, names, features = [], [], []
        not_points: Dict[str, List[str]] = {}
        total = 0
        for feature in source.getFeatures(request):
            total += 1
            if feedback.isCanceled():
                raise Cancelled()
            label = f"deposit (feature {feature.id()})"
            if name_field:
                value = plain_value(feature[name_field])
                if value is not None and not (hasattr(value, "isNull") and value.isNull()) and str(value).strip():
                    label = str(value)
            geometry = feature.geometry()
            parts: List[Any] = []
            if geometry is not None and not geometry.isEmpty():
                if point_parts(geometry) is None:
                    not_points.setdefault(geometry_kind(geometry), []).append(label)
                    continue
                try:
                    geometry.transform(transform)
                    parts = point_parts(geometry) or []
                except QgsCsException:
                    parts = []
            if not parts:
                xy.append((math.nan, math.nan))
                names.append(label)
                features.append(feature.id())
                continue
            for j, point in enumerate(parts):
                xy.append((point.x(), point.y()))
                names.append(label if len(parts) == 1 else f"{label} ({j + 1})")
                features.append(feature.id())
        refuse_not_points("DEPOSITS", not_points, total)
        layer = source.sourceName() or os.path.splitext(os.path.basename(path))[0]  # a URI's layer has no name
        garbled = undecoded_names_warning(names, str(name_field), layer, "DEPOSITS", path)
        if garbled:  # before the names are told apart: 'malmi ä' and 'malmi ö' both read 'malmi �'
            feedback.pushWarning(garbled)
        # deposits sharing a name (prospects named for one village) would be rows no one can tell apart: each is
        # given its feature number too, as the layer's attribute table shows it
        repeated = {name for name, count in Counter(names).items() if count > 1}
        names = [f"{name} (feature {fid})" if name in repeated else name for name, fid in zip(names, features)]
        if not xy:
            raise QgsProcessingException(
                "DEPOSITS: the layer has no features; choose a layer with deposit points (if only selected features "
                "are used, select some)."
            )
        return xy, names


#: names of unused deposits a log line shows before 'and N more'
UNUSED_NAMES_SHOWN = 10


def unused_deposit_lines(names, statuses) -> List[str]:
    """One log line per reason a deposit was not used, naming at most UNUSED_NAMES_SHOWN of them: a mask that
    leaves out a hundred deposits should not fill the log; the report lists every one."""
    by_reason: Dict[str, List[str]] = {}
    for name, status in zip(names, statuses):
        if status != "used":
            by_reason.setdefault(str(status), []).append(str(name))
    lines = []
    for reason, unused in by_reason.items():
        shown = ", ".join(unused[:UNUSED_NAMES_SHOWN])
        more = (
            f" and {len(unused) - UNUSED_NAMES_SHOWN} more (the report and the table list each)"
            if len(unused) > UNUSED_NAMES_SHOWN
            else ""
        )
        lines.append(f"  not used, {reason} ({len(unused)}): {shown}{more}")
    return lines
