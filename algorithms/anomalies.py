"""prospector:anomalies: thresholds, integrated index, contours and screened anomaly areas."""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Tuple

import numpy as np
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsPalettedRasterRenderer,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterBand,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorDestination,
)

from ..core.anomalies.notes import (
    THRESHOLD_BOXES,
    broad_level_warnings,
    censored_mask,
    contours_with_units,
    floored_scale_notes,
    index_loadings_line,
    negative_loadings_note,
    outline_notes,
    samples_elsewhere_notes,
    threshold_lines,
    threshold_shape_warnings,
    thresholds_rows,
)
from ..core.anomalies.screening import (
    INDEX_METHODS,
    high_value_points,
    identify_anomalies,
    memory_per_cell,
    sample_level_shares,
    sample_support,
    single_sample_note,
    unsupported_areas_note,
)
from ..core.anomalies.settings import (
    both_given,
    checked_band_numbers,
    parse_band_numbers,
    parse_names,
    threshold_levels,
)
from ..core.anomalies.thresholds import (
    CLASS_NODATA,
    LEVEL_NAMES,
    METHODS,
    below_detection_warning,
)
from ..core.callbacks import check_cancelled
from ..core.grid import GridSpec
from ..core.io.outputs import write_text
from ..core.io.rasters import (
    band_detection_limits,
    band_roles,
    band_unit,
    read_raster,
    stack_units,
    write_geotiff,
)
from ..core.io.tables import safe_cell
from ..core.io.vectors import write_vector
from ..core.io.windows import band_table
from ..core.qaqc import quality_control_note, quality_control_samples, read_fields
from . import parameters as params
from .base import STYLES_DIR, ProspectorAlgorithm, StylePostProcessor
from .crs_checks import WARP_ADVICE, defined_crs, require_projected
from .geometries import mask_from_source
from .inputs import layer_file
from .point_reading import parsed_columns, point_attributes, point_samples, report_values, written_value

#: below-detection samples ('<5', negative codes) count as this fraction of the detection limit
CENSORED_FACTOR = 0.5

METHOD_LABELS = (
    "Percentiles (cumulative frequency)",
    "Concentration-area (C-A) fractal",
    "Mean + k·SD of log10",
    "Median + k·MAD of log10",
    "Tukey fences of log10",
)
INDEX_LABELS = (
    "Mean of robust z-scores (log10)",
    "Mean of robust z-scores of centred log-ratios (CLR)",
    "First principal component of robust z-scores",
)


@dataclass(frozen=True)
class ElementRaster:
    """The element raster: its layer, its bands as read (names, values, grid) and the CRS the outputs take."""

    layer: Any
    raster: Any
    crs: Any


@dataclass(frozen=True)
class ScreeningSettings:
    """How the anomalies are found and outlined, as the parameters set them."""

    method: str
    index_method: str
    association: Tuple[str, ...]
    percentiles: Tuple[float, ...]
    multipliers: Tuple[float, ...]
    ca_breaks: Optional[int]  # None: chosen by BIC
    min_cells: int
    area_level: int


@dataclass(frozen=True)
class SampleOutput:
    """The samples' x, y in the grid's CRS (None without INPUT), and OUTPUT_POINTS' path when it was written."""

    xy: Optional[np.ndarray]
    path: Optional[str]


@dataclass(frozen=True)
class FieldSamples:
    """The field samples (INPUT) read for OUTPUT_POINTS: x, y in the grid's CRS, the values of the fields named like
    the bands, which of them lie below a detection limit, and the samples' other fields as written."""

    xy: np.ndarray
    fields: Tuple[str, ...]
    values: np.ndarray  # (samples, fields)
    censored: np.ndarray  # (samples, fields): below a detection limit, so not known to reach any level
    attributes: Dict[str, list]
    reported: Dict[str, list]  # the fields named like the bands, as written ('<5', '61,40')


def band_names(layer) -> list:
    """The names of a raster layer's bands, as its file spells them ('band 2' for one without a name)."""
    return [n.split(":", 1)[1] for n in band_table([layer_file(layer)], [""])[1]]


#: the defaults of AREA_LEVEL and POINTS_LEVEL (indexes into LEVEL_NAMES), chosen by scripts/measure_defaults.py on
#: the sample data (README): outlines at the weak level keep the areas around deposits that the moderate level loses;
#: samples listed from the moderate level (the weak one flagged 51-61 % of the samples)
DEFAULT_AREA_LEVEL = 0
DEFAULT_POINTS_LEVEL = 1


class LastBandStyle(StylePostProcessor):
    """Apply a .qml, then show the raster's last band (the integrated index)."""

    def style(self, layer) -> None:
        super().style(layer)
        renderer = layer.renderer()
        if isinstance(renderer, QgsPalettedRasterRenderer):
            layer.setRenderer(QgsPalettedRasterRenderer(layer.dataProvider(), layer.bandCount(), renderer.classes()))
            layer.triggerRepaint()


class IndexContoursStyle(StylePostProcessor):
    """Apply a .qml, then show only the contours of the integrated index (the layer's filter holds the rest)."""

    def style(self, layer) -> None:
        super().style(layer)
        layer.setSubsetString("\"element\" = 'index'")


class AnomaliesAlgorithm(ProspectorAlgorithm):
    ENUM_NAMES = {
        "METHOD": METHODS,
        "INDEX_METHOD": INDEX_METHODS,
        "AREA_LEVEL": LEVEL_NAMES,
        "POINTS_LEVEL": LEVEL_NAMES,
    }
    INPUT_RASTER = "INPUT_RASTER"
    BANDS = "BANDS"
    ELEMENT_BANDS = "ELEMENT_BANDS"
    ASSOCIATION_BANDS = "ASSOCIATION_BANDS"
    METHOD = "METHOD"
    PERCENTILES = "PERCENTILES"
    MULTIPLIERS = "MULTIPLIERS"
    CA_BREAKS = "CA_BREAKS"
    ASSOCIATION = "ASSOCIATION"
    INDEX_METHOD = "INDEX_METHOD"
    MASK = "MASK"
    INPUT = "INPUT"
    DEPOSITS = "DEPOSITS"
    MIN_CELLS = "MIN_CELLS"
    AREA_LEVEL = "AREA_LEVEL"
    POINTS_LEVEL = "POINTS_LEVEL"
    OUTPUT = "OUTPUT"
    OUTPUT_CONTOURS = "OUTPUT_CONTOURS"
    OUTPUT_ANOMALIES = "OUTPUT_ANOMALIES"
    OUTPUT_POINTS = "OUTPUT_POINTS"
    OUTPUT_TABLE = "OUTPUT_TABLE"
    OUTPUT_INDEX = "OUTPUT_INDEX"

    group_id = "geochemistry"

    def name(self) -> str:
        return "anomalies"

    def displayName(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Identify and screen geochemical anomalies")

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr(
            "Finds geochemical anomalies in the element raster made by 'Interpolate geochemistry to rasters' and "
            "ranks them for follow-up.\n\n"
            "Thresholds per element (ELEMENT_BANDS; empty = all bands), from the cells inside MASK: "
            "percentiles (PERCENTILES, default 85,95,98); mean + k·SD or median + k·MAD of log10 values "
            "(MULTIPLIERS, default 1,2,3; MAD scaled by 1.4826); Tukey fences of log10 values (Q3 + 1.5, 2.25 "
            "and 3 IQR); or the concentration-area (C-A) fractal: log area above a concentration against log "
            "concentration (from the median up, or from the first value above a value that holds the median, such as a "
            "detection-limit substitute; a value above it held by more than 5 % of the cells, such as a fill or a "
            "plateau, is left out of the curve, with a warning) fitted by straight segments, the breaks being the "
            "levels; "
            "CA_BREAKS = 0 chooses the number of breaks (0-3) by BIC. Levels are weak, moderate, strong; "
            "cells are classed 0 background, 1 weak, 2 moderate, 3 strong. The form shows every threshold box "
            "whatever the method (QGIS 3.22 cannot hide them): each box's label names the method that reads it "
            "(Tukey fences read none), and a box changed for a method that ignores it is a warning in the log.\n\n"
            "Integrated index of the ASSOCIATION_BANDS elements (e.g. Ag, Pb, Zn, Cd, Cu, As; empty = all "
            "element bands): mean of robust z-scores (median/MAD) of log10 values, the same on centred "
            "log-ratios (the composition is all element bands: use a subset as association), or the first "
            "principal component of the robust z-scores. It gets its own thresholds by the same method and is "
            "the last band of OUTPUT.\n\n"
            "Scripts and models of 0.2 may still give the bands by name in BANDS and ASSOCIATION (advanced, "
            "comma separated); a band chooser and its text parameter given together are refused.\n\n"
            "Outputs: OUTPUT class raster (one band per element + 'index'); OUTPUT_CONTOURS lines at "
            "each level (element, level, value); OUTPUT_ANOMALIES: connected areas (at least MIN_CELLS cells) "
            "above the index's level AREA_LEVEL (weak by default; moderate or strong split a large weak area into "
            "its cores; with INPUT, the log names the areas that hold a single sample or none) with area_km2, "
            "max/mean index, nap (normalised area product = area × mean excess over that level), elements anomalous "
            "in >= 25 % of the area with the "
            "highest class reached, assoc_score (share of association elements anomalous), deposit_km "
            "(distance to the nearest DEPOSITS point), with INPUT samples (how many lie in the area) and "
            "sample_m (metres to the nearest sample; an area far from every sample is extrapolated, and the log "
            "names it), score (favourability: mean of the percentile ranks of "
            "nap and max index and the assoc_score; deposits are not used) and rank (1 = follow up first); "
            "OUTPUT_POINTS: samples of INPUT (fields named like the bands) at or above the POINTS_LEVEL of an "
            "element (moderate by default: at the weak level half the samples or more are listed), each with its "
            "own fields (sample number, date …; one named like a column of the table as sample_<name>); "
            "OUTPUT_TABLE: CSV of the thresholds; OUTPUT_INDEX (optional): the integrated index as a float "
            "raster, e.g. as evidence for pseudo-labelling."
        )

    def initAlgorithm(self, config=None) -> None:  # noqa: N802 (QGIS API name)
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT_RASTER, self.tr("Element raster")))
        self.addParameter(
            QgsProcessingParameterBand(
                self.ELEMENT_BANDS,
                self.tr("Element bands (empty = all)"),
                parentLayerParameterName=self.INPUT_RASTER,
                optional=True,
                allowMultiple=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(self.METHOD, self.tr("Threshold method"), list(METHOD_LABELS), defaultValue=0)
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.PERCENTILES, self.tr("Percentiles method only: weak, moderate, strong"), "85,95,98"
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.MULTIPLIERS,
                self.tr("SD and MAD methods only: k for weak, moderate, strong"),
                "1,2,3",
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.CA_BREAKS,
                self.tr("C-A fractal method only: break points (0 = by BIC)"),
                QgsProcessingParameterNumber.Integer,
                0,
                minValue=0,
                maxValue=3,
            )
        )
        self.addParameter(
            QgsProcessingParameterBand(
                self.ASSOCIATION_BANDS,
                self.tr("Association bands for the index (empty = all element bands)"),
                parentLayerParameterName=self.INPUT_RASTER,
                optional=True,
                allowMultiple=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.INDEX_METHOD, self.tr("Integrated index"), list(INDEX_LABELS), defaultValue=0
            )
        )
        self.addParameter(params.mask())
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.INPUT,
                self.tr("Sample points (for high-value points)"),
                [QgsProcessing.TypeVectorPoint],
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.DEPOSITS, self.tr("Known deposits (points)"), [QgsProcessing.TypeVectorPoint], optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MIN_CELLS, self.tr("Smallest anomaly (cells)"), QgsProcessingParameterNumber.Integer, 3, minValue=1
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.AREA_LEVEL,
                self.tr("Outline ranked anomalies at the index's level"),
                [self.tr(level) for level in LEVEL_NAMES],
                defaultValue=DEFAULT_AREA_LEVEL,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.POINTS_LEVEL,
                self.tr("High-value samples: at least this level of an element"),
                [self.tr(level) for level in LEVEL_NAMES],
                defaultValue=DEFAULT_POINTS_LEVEL,
            )
        )
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Anomaly classes")))
        self.addParameter(
            QgsProcessingParameterVectorDestination(
                self.OUTPUT_CONTOURS, self.tr("Anomaly contours"), QgsProcessing.TypeVectorLine
            )
        )
        self.addParameter(
            QgsProcessingParameterVectorDestination(
                self.OUTPUT_ANOMALIES, self.tr("Ranked anomalies"), QgsProcessing.TypeVectorPolygon
            )
        )
        self.addParameter(
            QgsProcessingParameterVectorDestination(
                self.OUTPUT_POINTS,
                self.tr("High-value samples"),
                QgsProcessing.TypeVectorPoint,
                optional=True,
                createByDefault=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT_TABLE, self.tr("Thresholds table"), self.tr("CSV files (*.csv)"), optional=True
            )
        )

        self.addParameter(
            QgsProcessingParameterRasterDestination(
                self.OUTPUT_INDEX, self.tr("Integrated index (float)"), optional=True, createByDefault=False
            )
        )
        # the text parameters of 0.2 (band descriptions, comma separated), kept for scripts and models that set them
        for name, label in (
            (self.BANDS, "Element bands by name (comma separated; instead of the band chooser)"),
            (self.ASSOCIATION, "Association elements by name (comma separated; instead of the band chooser)"),
        ):
            parameter = QgsProcessingParameterString(name, self.tr(label), optional=True)
            parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
            self.addParameter(parameter)

    def checkParameterValues(self, parameters, context):  # noqa: N802 (QGIS API name)
        """QGIS's checks, then a band chooser and its text fallback both given is refused before the run."""
        ok, message = super().checkParameterValues(parameters, context)
        if ok:
            for chooser, text in ((self.ELEMENT_BANDS, self.BANDS), (self.ASSOCIATION_BANDS, self.ASSOCIATION)):
                if parameters.get(chooser) not in (None, "", []) and str(parameters.get(text) or "").strip():
                    return False, self.tr(both_given(chooser, text))
        return ok, message

    def process(self, parameters, context, feedback):
        source = self._read_input(parameters, context, feedback)
        settings = self._settings(parameters, context, feedback, source)
        result = self._identified(parameters, context, feedback, source, settings)
        self._report(source, settings, result, feedback)
        check_cancelled(feedback.isCanceled)  # last chance before the outputs are written
        provenance = self.provenance(
            parameters,
            context,
            {
                "method": settings.method,
                "index_method": settings.index_method,
                "association": settings.association,
                "input": source.layer.name(),
            },
        )
        grid = source.raster.grid
        outputs = {self.OUTPUT: self._write_classes(parameters, context, feedback, result, grid, provenance)}
        # each element's unit as the raster records it (interpolate's UNITS), for the contours' values and the
        # thresholds table (none for the index: a mean of robust z-scores)
        units = dict(zip(band_names(source.layer), stack_units([layer_file(source.layer)])))
        outputs[self.OUTPUT_CONTOURS] = self._write_contours(parameters, context, result, units, provenance)
        # the samples first: the areas they lie in, and how far the others are from any, go into the areas' table
        samples = self._write_points(parameters, context, feedback, result, source, provenance)
        if samples.path:
            outputs[self.OUTPUT_POINTS] = samples.path
        outputs[self.OUTPUT_ANOMALIES] = self._write_areas(
            parameters, context, feedback, result, grid, samples.xy, settings.min_cells, provenance
        )
        index_path = self._write_index(parameters, context, feedback, result, grid, provenance)
        if index_path:
            outputs[self.OUTPUT_INDEX] = index_path
        table = self._write_table(parameters, context, result, settings.index_method, units)
        if table:
            outputs[self.OUTPUT_TABLE] = table
        feedback.setProgress(100)
        return outputs

    def _read_input(self, parameters, context, feedback) -> ElementRaster:
        """The element raster (checked: file-based, projected, fits in memory), and its CRS."""
        layer = self.parameterAsRasterLayer(parameters, self.INPUT_RASTER, context)
        if layer is None or not layer.isValid():
            raise QgsProcessingException("INPUT_RASTER: the raster could not be opened; choose the element raster.")
        if layer.providerType() != "gdal":
            raise QgsProcessingException("INPUT_RASTER: a file-based raster (GeoTIFF) is needed.")
        require_projected(
            layer.crs(),
            self.INPUT_RASTER,
            "the raster",
            "anomaly areas (km²) and distances to deposits need metres or feet",
            WARP_ADVICE + ", or interpolate from reprojected samples",
            layer.extent(),
            feedback,
        )
        bands_wanted = parse_names(self.parameterAsString(parameters, self.BANDS, context), band_names(layer)) or None
        indexes = self._band_numbers(parameters, self.ELEMENT_BANDS, layer)
        if indexes and bands_wanted:
            raise QgsProcessingException(both_given(self.ELEMENT_BANDS, self.BANDS))
        n_bands = len(bands_wanted or indexes) or layer.bandCount()
        cells = layer.width() * layer.height()
        self.check_memory(cells, memory_per_cell(n_bands), self.INPUT_RASTER, "this raster")
        raster = read_raster(layer_file(layer), bands_wanted, indexes or None, band_parameter=self.BANDS)
        for warning in raster.warnings:
            feedback.pushWarning(warning)
        names = list(raster.band_names)
        if len(set(names)) != len(names):
            raise QgsProcessingException("BANDS: band descriptions repeat; name each band once.")
        crs = layer.crs() if layer.crs().isValid() else QgsCoordinateReferenceSystem(raster.grid.crs_wkt or "")
        if not defined_crs(crs):
            feedback.pushWarning(
                "INPUT_RASTER: the raster has no CRS, so the outputs have none: areas (km²) take its units to be "
                "metres, and MASK and DEPOSITS coordinates are taken as they are. If that is wrong, assign its CRS "
                "(Raster › Projections › Assign Projection) and run again."
            )
        if not raster.grid.crs_wkt and defined_crs(crs):  # the file has none, the layer was given one in QGIS:
            raster.grid = dataclasses.replace(raster.grid, crs_wkt=crs.toWkt())  # its unit sizes areas (feet)
        grid = raster.grid
        feedback.pushInfo(f"Bands: {', '.join(names)}; grid {grid.describe()}")
        return ElementRaster(layer, raster, crs)

    @staticmethod
    def _band_numbers(parameters, name: str, layer) -> list:
        """The 1-based bands chosen in band parameter ``name``, checked against ``layer``'s bands (an alpha band
        holds no values: :func:`checked_band_numbers`); the file is opened only when bands are chosen."""
        numbers = parse_band_numbers(parameters.get(name), name)
        if not numbers:
            return []
        count, kept = band_roles(layer_file(layer))
        if not count:  # not readable by rasterio here: QGIS's count, every band taken for values
            count, kept = layer.bandCount(), list(range(1, layer.bandCount() + 1))
        return checked_band_numbers(numbers, name, count, kept)

    def _association(self, parameters, context, layer, names: list) -> list:
        """The association elements by name: from ASSOCIATION_BANDS (which must be element bands), or the
        names given in ASSOCIATION, or every element band."""
        by_name = parse_names(self.parameterAsString(parameters, self.ASSOCIATION, context), band_names(layer))
        numbers = self._band_numbers(parameters, self.ASSOCIATION_BANDS, layer)
        if numbers and by_name:
            raise QgsProcessingException(both_given(self.ASSOCIATION_BANDS, self.ASSOCIATION))
        if not numbers:
            return by_name or names
        every = band_names(layer)  # read once: each call opens the file
        chosen = [every[n - 1] for n in numbers]
        outside = [f"{n} ({d})" for n, d in zip(numbers, chosen) if d not in names]
        if outside:
            raise QgsProcessingException(
                f"ASSOCIATION_BANDS: band {', '.join(outside)} is not among the element bands; add it to the "
                "element bands or leave it out of the association."
            )
        return chosen

    def _settings(self, parameters, context, feedback, source: ElementRaster) -> ScreeningSettings:
        """The methods, association, threshold levels and outline settings, checked; a warning for each threshold box
        set that the method does not read."""
        names = list(source.raster.band_names)
        method = self.enum_name(parameters, self.METHOD, context)
        index_method = self.enum_name(parameters, self.INDEX_METHOD, context)
        association = self._association(parameters, context, source.layer, names)
        percentiles, multipliers = threshold_levels(
            method,
            self.parameterAsString(parameters, self.PERCENTILES, context),
            self.parameterAsString(parameters, self.MULTIPLIERS, context),
        )
        ca_breaks = self.parameterAsInt(parameters, self.CA_BREAKS, context) or None
        self._warn_ignored_boxes(parameters, context, method, feedback)
        return ScreeningSettings(
            method=method,
            index_method=index_method,
            association=tuple(association),
            percentiles=tuple(percentiles),
            multipliers=tuple(multipliers),
            ca_breaks=ca_breaks,
            min_cells=self.parameterAsInt(parameters, self.MIN_CELLS, context),
            area_level=self.parameterAsEnum(parameters, self.AREA_LEVEL, context),
        )

    def _identified(self, parameters, context, feedback, source: ElementRaster, settings: ScreeningSettings):
        """Thresholds, classes, index, contours and ranked areas inside MASK, with the distance of each area to the
        nearest of DEPOSITS."""
        raster, crs = source.raster, source.crs
        mask = mask_from_source(
            self.parameterAsSource(parameters, self.MASK, context), crs, raster.grid, context, feedback=feedback
        )
        deposits_xy = None
        deposit_source = self.parameterAsSource(parameters, self.DEPOSITS, context)
        if deposit_source is not None:
            deposits_xy, _, _ = point_samples(deposit_source, [], crs, context, feedback, self.DEPOSITS)
        return identify_anomalies(
            raster.bands,
            list(raster.band_names),
            raster.grid,
            method=settings.method,
            association=settings.association,
            index_method=settings.index_method,
            mask=mask,
            deposits_xy=deposits_xy,
            min_cells=settings.min_cells,
            percentiles=settings.percentiles,
            multipliers=settings.multipliers,
            ca_breaks=settings.ca_breaks,
            area_level=settings.area_level,
            progress=lambda f: feedback.setProgress(85 * f),
            is_cancelled=feedback.isCanceled,
        )

    def _report(self, source: ElementRaster, settings: ScreeningSettings, result, feedback) -> None:
        """The thresholds found, what the values' shape says of them, and why no area is outlined when none is."""
        for line in threshold_lines(result.thresholds):
            feedback.pushInfo(line)
        for warning in broad_level_warnings(result.thresholds, result.classes):
            feedback.pushWarning(warning)
        for warning in self._below_detection_warnings(source, result):
            feedback.pushWarning(warning)
        for warning in threshold_shape_warnings(result.thresholds):
            feedback.pushWarning(warning)
        if settings.index_method == "pca":
            feedback.pushInfo(index_loadings_line(result.index_weights))
            if note := negative_loadings_note(result.index_weights):
                feedback.pushWarning(note)
        for note in floored_scale_notes(result.floored_scales):
            feedback.pushWarning(note)
        feedback.pushInfo(f"{len(result.areas)} anomaly areas, {len(result.contours)} contour lines")
        for note in outline_notes(settings.method, settings.area_level, settings.min_cells, result):
            feedback.pushWarning(note)

    @staticmethod
    def _below_detection_warnings(source: ElementRaster, result) -> Iterator[str]:
        """For each band whose detection limits interpolate recorded, a warning when its levels fall below them:
        anomalies of below-detection substitutes."""
        raster = source.raster
        file, in_file = layer_file(source.layer), band_names(source.layer)
        for i, name in enumerate(raster.band_names):
            number = in_file.index(name) + 1 if name in in_file else 0
            limits, measured = band_detection_limits(file, number) if number else ([], math.inf)
            if limits:
                inside = raster.bands[i][result.classes[i] != CLASS_NODATA]
                below = below_detection_warning(result.thresholds[i], inside, limits, band_unit(file, number), measured)
                if below:
                    yield below

    def _warn_ignored_boxes(self, parameters, context, method: str, feedback) -> None:
        """A warning for each threshold box set away from its default that ``method`` does not read (the 3.22
        dialog cannot hide a box when the method changes)."""
        label = METHOD_LABELS[METHODS.index(method)]
        for name, methods in THRESHOLD_BOXES.items():
            value = None if method in methods else self.changed_setting(parameters, name, context)
            if value is None:
                continue
            readers = " and ".join(METHOD_LABELS[METHODS.index(m)] for m in methods)
            feedback.pushWarning(f"{name} ({value}) is used by {readers} only; the method chosen, {label}, ignores it.")

    def _write_classes(self, parameters, context, feedback, result, grid: GridSpec, provenance) -> str:
        """OUTPUT: the classes of each element and, last, of the index."""
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        write_geotiff(
            output,
            result.classes,
            grid,
            result.class_names,
            nodata=CLASS_NODATA,
            provenance=provenance,
            dtype="uint8",
            progress=lambda f: feedback.setProgress(85 + 4 * f),
            is_cancelled=feedback.isCanceled,
        )
        self._style(context, output, "anomaly_classes", "Anomaly classes (index band)", False, LastBandStyle)
        return output

    def _write_contours(self, parameters, context, result, units: dict, provenance) -> str:
        """OUTPUT_CONTOURS: the contour lines at each level, with the unit of their values."""
        contours = self.parameterAsOutputLayer(parameters, self.OUTPUT_CONTOURS, context)
        lines = contours_with_units(result.contours, units)
        write_vector(contours, lines, "anomaly_contours", provenance, self.OUTPUT_CONTOURS)
        self._style(context, contours, "anomaly_contours", "Anomaly contours of the index", kind=IndexContoursStyle)
        return contours

    def _write_areas(self, parameters, context, feedback, result, grid: GridSpec, samples_xy, min_cells: int,
                     provenance) -> str:  # fmt: skip
        """OUTPUT_ANOMALIES: the ranked areas, with the samples in each when samples (``samples_xy``) are given and a
        warning when an area rests on one sample or on none."""
        ranked = result.areas
        if samples_xy is not None:
            ranked = sample_support(result.areas, result.labels, grid, samples_xy)
            for note in (single_sample_note(ranked, min_cells, grid), unsupported_areas_note(ranked, samples_xy, grid)):
                if note:
                    feedback.pushWarning(note)
        areas = self.parameterAsOutputLayer(parameters, self.OUTPUT_ANOMALIES, context)
        write_vector(areas, ranked, "anomalies", provenance, self.OUTPUT_ANOMALIES)
        self._style(context, areas, "anomaly_areas", "Ranked anomalies (1 = follow up first)")
        feedback.setProgress(92)
        return areas

    def _write_index(self, parameters, context, feedback, result, grid: GridSpec, provenance) -> Optional[str]:
        """OUTPUT_INDEX, when asked for: the integrated index as floats."""
        index_path = self.parameterAsOutputLayer(parameters, self.OUTPUT_INDEX, context)
        if not index_path:
            return None
        write_geotiff(
            index_path,
            result.index[None],
            grid,
            ["index"],
            provenance=provenance,
            parameter=self.OUTPUT_INDEX,
            progress=lambda f: feedback.setProgress(92 + 7 * f),
            is_cancelled=feedback.isCanceled,
        )
        self.style_on_load(
            context, index_path, "element_pseudocolor", self.tr("Integrated anomaly index"), visible=False
        )
        return index_path

    def _write_points(self, parameters, context, feedback, result, source: ElementRaster, provenance) -> SampleOutput:
        """OUTPUT_POINTS: the samples (INPUT) at or above POINTS_LEVEL, when samples are given and OUTPUT_POINTS is
        asked for; with the samples' x, y in the grid's CRS whenever INPUT is given (None without samples)."""
        points_source = self.parameterAsSource(parameters, self.INPUT, context)
        if points_source is None:
            feedback.pushInfo("No sample points (INPUT) given: OUTPUT_POINTS is not written.")
            return SampleOutput(None, None)
        # resolve the destination only when there is something to write (resolving queues the layer to load)
        points_path = self.parameterAsOutputLayer(parameters, self.OUTPUT_POINTS, context)
        if not points_path:  # samples given, OUTPUT_POINTS skipped: the samples still tell how many lie in each area
            text = [n for n in points_source.fields().names() if read_fields(n)]
            xy, raw = point_attributes(points_source, text, source.crs, context, feedback, self.INPUT)
            return SampleOutput(xy[self._field_samples(feedback, dict(zip(text, raw)), len(xy))], None)
        samples = self._read_samples(context, feedback, points_source, source)
        level = self.parameterAsEnum(parameters, self.POINTS_LEVEL, context) + 1
        points = self._high_value_points(feedback, samples, result, list(source.raster.band_names), level)
        grid = source.raster.grid
        points = points.set_crs(grid.crs_wkt, allow_override=True) if grid.crs_wkt else points
        write_vector(points_path, points, "high_value_samples", provenance, self.OUTPUT_POINTS)
        # the legend lists the levels present (from POINTS_LEVEL up): no 'weak' entry for moderate-level samples
        self.style_on_load(
            context,
            points_path,
            "high_value_points",
            self.tr("High-value samples"),
            stretch=False,
            visible=False,
            legend="present_classes",
        )
        feedback.pushInfo(
            f"{len(points)} of {len(samples.xy)} samples reach a {LEVEL_NAMES[level - 1]} level or higher"
        )
        return SampleOutput(samples.xy, points_path)

    def _read_samples(self, context, feedback, points_source, source: ElementRaster) -> FieldSamples:
        """The field samples' values of the fields named like the bands, in the grid's CRS, with their other fields;
        standards and blanks left out, below-detection values at half the limit (as interpolate reads them)."""
        names, grid = list(source.raster.band_names), source.raster.grid
        fields = [n for n in names if n in points_source.fields().names()]
        if not fields:
            raise QgsProcessingException(
                f"INPUT: the sample layer has no field named like the bands ({', '.join(names)})."
            )
        # the samples' other fields (their numbers, dates, other elements) go with them into the table, so a
        # listed sample can be found in the field and at the laboratory
        others = [n for n in points_source.fields().names() if n not in fields]
        xy, raw = point_attributes(points_source, fields + others, source.crs, context, feedback, self.INPUT)
        # standards and blanks left among the samples are not listed (a certified 5,000 ppm Cu is no target)
        keep = self._field_samples(feedback, dict(zip(others, raw[len(fields) :])), len(xy))
        xy, raw = xy[keep], [[v for v, k in zip(column, keep) if k] for column in raw]
        # below-detection values as interpolate reads them by default: half the detection limit
        values, reports = parsed_columns(
            raw[: len(fields)], len(xy), censored_factor=CENSORED_FACTOR, is_cancelled=feedback.isCanceled
        )
        own = {name: [written_value(v) for v in column] for name, column in zip(others, raw[len(fields) :])}
        report_values(feedback, fields, reports, self.INPUT, censored_factor=CENSORED_FACTOR)
        self._warn_samples_elsewhere(feedback, xy, grid, names, fields)
        # a value below a detection limit ('<50', held as 25) is not known to reach any level
        censored = censored_mask(values.shape, [rep.censored_at for rep in reports])
        reported = {name: [written_value(v) for v in column] for name, column in zip(fields, raw[: len(fields)])}
        return FieldSamples(xy, tuple(fields), values, censored, own, reported)

    @staticmethod
    def _high_value_points(feedback, samples: FieldSamples, result, names: List[str], level: int):
        """The samples at or above ``level`` of their element's thresholds, and the share of the samples at each
        level said (with a warning when most crowd into one)."""
        fields = list(samples.fields)
        chosen = [result.thresholds[names.index(f)] for f in fields]
        points = high_value_points(
            samples.xy, samples.values, fields, chosen, level, attributes=samples.attributes, censored=samples.censored,
            reported=samples.reported,
        )  # fmt: skip
        lines, crowded = sample_level_shares(
            np.where(samples.censored, -np.finfo(np.float64).max, samples.values),  # counted, below every level
            fields,
            chosen,
            [result.classes[names.index(f)] for f in fields],
            level,
        )
        for line in lines:
            feedback.pushInfo(line)
        if crowded:
            feedback.pushWarning(crowded)
        return points

    @staticmethod
    def _field_samples(feedback, columns: dict, count: int) -> np.ndarray:
        """Which samples are field samples (True): not the standards and blanks a laboratory export leaves among
        them (:func:`core.qaqc.quality_control_samples`, as interpolate leaves them out of the grid), with a
        warning; a certified value (OREAS at 5,000 ppm Cu) would be listed as a strong high-value sample and
        counted as an anomaly's support."""
        flagged, found = quality_control_samples(columns) if columns else (np.zeros(count, dtype=bool), {})
        note = quality_control_note(
            flagged, found, "they are not listed as high-value samples nor counted in the anomalies' samples"
        )
        if note:
            feedback.pushWarning(note)
        return ~flagged

    @staticmethod
    def _warn_samples_elsewhere(feedback, xy, grid, names, fields) -> None:
        """Warn when no sample lies on the raster, and say which bands the samples have no field for
        (:func:`core.anomalies.notes.samples_elsewhere_notes`)."""
        warning, info = samples_elsewhere_notes(xy, grid, names, fields)
        if warning:
            feedback.pushWarning(warning)
        if info:
            feedback.pushInfo(info)

    def _write_table(self, parameters, context, result, index_method, units=None) -> Optional[str]:
        """OUTPUT_TABLE: the thresholds of every element and of the index, as CSV (text cells safe to open), with
        the unit of each element's thresholds (``units``: band name -> unit; the index has none: it is a mean of
        robust z-scores or a principal component)."""
        table = self.parameterAsFileOutput(parameters, self.OUTPUT_TABLE, context)
        if table:
            import pandas as pd

            rows = thresholds_rows(result.thresholds, result.index_weights, index_method, units or {})
            frame = pd.DataFrame(rows)
            for column in frame.select_dtypes(include="object").columns:
                frame[column] = frame[column].map(safe_cell)
            write_text(table, frame.to_csv(index=False, float_format="%.6g"), self.OUTPUT_TABLE)
        return table or None

    def _style(self, context, path: str, style: str, name: str, visible: bool = True, kind=StylePostProcessor) -> None:
        """Style, name and place an output as it loads; ``kind`` may be one of the post-processors above."""
        self.load_with(context, path, kind(os.path.join(STYLES_DIR, f"{style}.qml"), False), self.tr(name), visible)
