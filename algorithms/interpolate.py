"""prospector:interpolate: sample points to a multi-band element raster."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterDistance,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterString,
)

from ..core.callbacks import check_cancelled
from ..core.errors import InputError
from ..core.grid import (
    GridSpec,
    distances_to_box,
    many_cells_note,
    metres_per_unit,
    padded_extent,
    unit_abbreviation,
)
from ..core.interpolation import coverage, crossval, levelling, sample_notes, selection
from ..core.interpolation.anamorphosis import back_transformed
from ..core.interpolation.choice import (
    band_tags,
    best_score_line,
    choice_record,
    choose_interpolators,
    few_samples_note,
    kriged_spacings,
    recorded_variograms,
    variance_units,
    variogram_line,
)
from ..core.interpolation.idw import idw_grid
from ..core.interpolation.kriging import check_global_kriging, clip_to_sample_minimum, kriging_grid
from ..core.interpolation.selection import TRANSFORM_LABELS, Candidate
from ..core.interpolation.variogram import ESTIMATORS, MODELS, Variogram, fit_anisotropy
from ..core.io.rasters import clear_beyond_float32, write_geotiff
from ..core.io.values import FLOAT32_MAX, ValueReport, field_units, non_element_fields, unit_in_name
from ..core.neighbours import area_spacing
from ..core.placement import kilometre_coordinates_hint, local_grid_advice
from . import parameters as params
from .base import ProspectorAlgorithm
from .crs_checks import REPROJECT_ADVICE, defined_crs, require_projected, warn_few_cells
from .geometries import combined_bounds, mask_geometries, mask_on_grid
from .inputs import source_label
from .point_reading import point_attributes, point_samples, report_values, require_geometry
from .scheduling import HELP as SCHEDULER_HELP
from .scheduling import scheduler_parameter, task_runner

NODATA = -9999.0
METHODS = ("idw", "kriging", "auto")
#: TRANSFORM: "auto" = as LOG_TRANSFORM, normal scores for heavily censored fields
TRANSFORMS = ("auto", "log_setting", "normal_score")
ANISOTROPY = ("isotropic", "fitted", "given")
#: samples closer than this (map units) count as one site and are averaged
DUPLICATE_TOLERANCE = 1e-3
#: the progress (%) given to reading and checking the samples, before any cross-validation and the gridding
PREPARE_SHARE = 5
#: the progress (%) where the gridding ends and the GeoTIFFs are written (with their own progress, up to 99)
WRITE_SHARE = 90


@dataclass(frozen=True)
class RunSettings:
    """What the parameters ask for, read and checked before any sample is read."""

    source: Any
    fields: List[str]
    given_units: List[str]  # UNITS's unit of each field ('' where it names none)
    band_units: List[str]  # the unit each band states: the field's own (Au_ppb), else UNITS's
    crs: Any
    output: str
    method: str
    variance_output: Optional[str]
    cv_output: Optional[str]
    surveys_output: Optional[str]
    survey_field: Optional[str]
    fixed: Optional[Variogram]  # the user's variogram, None to fit one
    anisotropy: Any  # None (isotropic), "fit", or the given (angle, ratio)
    censored_factor: float
    log_transform: bool
    power: float
    neighbors: int
    max_distance: Optional[float]

    @property
    def cv_share(self) -> int:
        """The progress (%) where the cross-validation ends and the gridding starts."""
        return 40 if (self.cv_output or self.method != "idw") else PREPARE_SHARE


@dataclass(frozen=True)
class PreparedSamples:
    """The samples as they are gridded: checked, levelled, one per site, each field's transform chosen."""

    xy: np.ndarray
    values: np.ndarray
    reports: List[ValueReport]
    shares: List[float]  # each field's share of values at or below detection
    survey_rows: list  # the levelling table (empty without SURVEY_FIELD)
    transforms: List[str]
    merged: int  # samples averaged into another at their site


@dataclass(frozen=True)
class InterpolatorChoice:
    """Every field's candidates, their cross-validation scores, the interpolator kept and why."""

    candidates: List[List[Candidate]]
    scores: list
    chosen: List[Candidate]
    reasons: Dict[str, str]


def say(feedback, notes) -> None:
    """Print core's notes in their order: a text is a warning, a :class:`sample_notes.Note` says which it is."""
    for note in notes:
        if isinstance(note, str):
            feedback.pushWarning(note)
        else:
            (feedback.pushWarning if note.warning else feedback.pushInfo)(note.text)


def element_layer_name(fields, units: str, method: str) -> str:
    """'Cu (ppm, IDW)', or 'Cu (ppm, IDW): band 1 of Cu, Fe, Th' for several bands: what the layer shows; 'Au_ppb
    (IDW)' when the field's name states its unit already."""
    label = {"idw": "IDW", "kriging": "kriging", "auto": "best by cross-validation"}.get(method, method)
    stated = unit_in_name(fields[0])
    how = ", ".join(part for part in ("" if stated else units, label) if part)
    name = f"{fields[0]} ({how})"
    if len(fields) > 1:
        listed = ", ".join(fields[:8]) + (", …" if len(fields) > 8 else "")
        name += f": band 1 of {listed}"
    return name


class InterpolateAlgorithm(ProspectorAlgorithm):
    ENUM_NAMES = {
        "METHOD": METHODS,
        "VARIOGRAM_MODEL": ("auto", *MODELS),
        "TRANSFORM": TRANSFORMS,
        "VARIOGRAM_ESTIMATOR": ESTIMATORS,
        "ANISOTROPY": ANISOTROPY,
        "LEVELLING": levelling.LEVELLING,
    }
    INPUT = "INPUT"
    FIELDS = "FIELDS"
    PIXEL_SIZE = "PIXEL_SIZE"
    EXTENT = "EXTENT"
    MASK = "MASK"
    POWER = "POWER"
    NEIGHBORS = "NEIGHBORS"
    MAX_DISTANCE = "MAX_DISTANCE"
    LOG_TRANSFORM = "LOG_TRANSFORM"
    METHOD = "METHOD"
    CENSORED_FACTOR = "CENSORED_FACTOR"
    VARIOGRAM_MODEL = "VARIOGRAM_MODEL"
    VARIOGRAM_NUGGET = "VARIOGRAM_NUGGET"
    VARIOGRAM_SILL = "VARIOGRAM_SILL"
    VARIOGRAM_RANGE = "VARIOGRAM_RANGE"
    TRANSFORM = "TRANSFORM"
    CENSORED_SHARE = "CENSORED_SHARE"
    VARIOGRAM_ESTIMATOR = "VARIOGRAM_ESTIMATOR"
    ANISOTROPY = "ANISOTROPY"
    ANISOTROPY_ANGLE = "ANISOTROPY_ANGLE"
    ANISOTROPY_RATIO = "ANISOTROPY_RATIO"
    SURVEY_FIELD = "SURVEY_FIELD"
    LEVELLING = "LEVELLING"
    REFERENCE_SURVEY = "REFERENCE_SURVEY"
    OUTPUT_SURVEYS = "OUTPUT_SURVEYS"
    OUTPUT = "OUTPUT"
    OUTPUT_VARIANCE = "OUTPUT_VARIANCE"
    OUTPUT_CV = "OUTPUT_CV"
    UNITS = "UNITS"

    group_id = "geochemistry"

    def name(self) -> str:
        return "interpolate"

    def displayName(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Interpolate geochemistry to rasters")

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr(
            "Grids sample points (soil, till, stream sediment) into a multi-band GeoTIFF, one band per element "
            "field, the band description being the field name.\n\n"
            "METHOD: inverse distance weighting (IDW, default) or ordinary kriging, both over the NEIGHBORS "
            "nearest samples (0 = all samples), optionally limited to MAX_DISTANCE (cells with no sample in range "
            "become nodata). A cell on a sample takes that sample's value.\n\n"
            "Kriging fits a variogram per field (experimental variogram to a third of the sample-area diagonal, "
            "weighted least squares, weights pairs/lag²): spherical, exponential and gaussian are tried and the "
            "best kept, or VARIOGRAM_MODEL picks one. Give VARIOGRAM_RANGE (with NUGGET and partial SILL) to "
            "use a fixed model instead of the fit (ln units with LOG_TRANSFORM). Ranges are practical ranges. The "
            "fitted models are listed in "
            "the log and stored in the GeoTIFF metadata. OUTPUT_VARIANCE receives the kriging variance.\n\n"
            "LOG_TRANSFORM (on by default) interpolates logarithms (the usual choice for lognormal geochemistry): "
            "IDW averages "
            "log10 values; kriging works on ln values (variogram and variance in ln units) and back-transforms "
            "with the lognormal correction exp(y* + variance/2 + Lagrange multiplier), which estimates the mean, "
            "not the median. Values <= 0 left after censoring are set to half the smallest positive value. A field "
            "whose negative values are real (magnetics, a log-ratio: more distinct negatives than a laboratory has "
            "detection limits) has no logarithm: it is interpolated on raw values (or normal scores if TRANSFORM "
            "says so), with a warning.\n\n"
            "Below-detection values: text such as '<5' or '< 0.5', and negative numbers (the laboratory code "
            "-x = below detection limit x), become CENSORED_FACTOR x the detection limit (default 0.5, half the "
            "limit); they are counted in the log. Over-limit values ('>10000', above the laboratory's upper limit) "
            "are read as that limit, with a warning. Empty, NULL and other text values are skipped and counted. "
            "Numbers stored as text are read per field: '1,250.5' and '1,250,000' have thousands separators, "
            "'0,5' and '1.250,5' decimal commas; values such as '1,250' that nothing in the field decides are read "
            "with the point as decimal mark (1250) and counted. Values beyond the float32 range (above 3.4e38, fill "
            "codes) are skipped and counted. "
            "Samples at the same location (within 1 mm) are averaged into one.\n\n"
            "TRANSFORM (kriging and IDW): 'Automatic' follows LOG_TRANSFORM except for heavily censored fields "
            "(more than CENSORED_SHARE of the values at or below detection, default 0.25), which are interpolated "
            "on normal scores; 'Normal scores' uses a Gaussian anamorphosis for every field: values become normal "
            "scores (tied values such as a detection-limit substitute share one score, the mean of the ranks they "
            "span), are interpolated, and come back through the fitted anamorphosis (kriging: the mean of the "
            "back-transformed conditional distribution; the variance output is then in normal-score units). "
            "Estimates stay within the sample range.\n\n"
            "METHOD 'Automatic (best cross-validation)' cross-validates, per element, IDW at powers 1, 2, 3 (and "
            "POWER) and ordinary kriging on raw values, log values and normal scores, and keeps the smallest RMSE; "
            "the choice and its figures are in the log, the band metadata and the provenance (OUTPUT_VARIANCE: "
            "nodata for "
            "elements gridded by IDW). Whatever the method, "
            "a kriged element that cross-validates much worse than IDW (RMSE more than 1.2 x) gets a warning, "
            "and so does a variogram that is almost pure nugget.\n\n"
            "VARIOGRAM_ESTIMATOR: Matheron's (classical) or Cressie-Hawkins' robust estimator, which resists a few "
            "extreme pairs. ANISOTROPY: isotropic, fitted (directional variograms every 15°: the major axis is the "
            "direction of the longest range, the ratio that range over the range across it, at most 10), or given "
            "by ANISOTROPY_ANGLE (major axis, degrees counter-clockwise from east) and "
            "ANISOTROPY_RATIO (major range / minor range); the range is the major-axis range.\n\n"
            "SURVEY_FIELD names the survey, batch or laboratory of each sample: every element is levelled onto "
            "the survey with most samples before gridding, by LEVELLING: median and IQR of log10 values, or "
            "quantile mapping (REFERENCE_SURVEY picks another reference). Surveys with fewer than 10 values are "
            "left as they are, with a warning. "
            "OUTPUT_SURVEYS receives the per-survey medians before and after (CSV). Without SURVEY_FIELD, medians "
            "that differ more than 10 x between surveys or between spatially separate groups of samples, and "
            "detection limits more than 10 x apart in one field, are reported.\n\n"
            "OUTPUT_CV writes a cross-validation table (CSV): leave-one-out up to 3000 samples, 10-fold above; "
            "per element, IDW at powers 1, 2, 3 (and POWER) and ordinary kriging, with RMSE, MAE, ME (mean "
            "prediction - observation) and R2 (1 - SSE/SST) in the original units. Lower RMSE/MAE, ME near 0 "
            "and R2 near 1 are better.\n\n"
            "PIXEL_SIZE is in the layer's map units; left at 0 it is set to a quarter of the sample spacing "
            "(the area of the samples' outline, their convex hull, per sample). "
            "EXTENT defaults to the layer extent plus a 5 % margin; cells outside the MASK polygons are nodata. "
            "When over a quarter of the grid lies outside the samples' convex hull and farther than their spacing "
            "from every sample (a survey covering part of its box), the log warns: those values are extrapolated. "
            "The layer must be in a projected CRS (metres or feet).\n\n" + SCHEDULER_HELP.format(what="blocks of rows")
        )

    def initAlgorithm(self, config=None) -> None:  # noqa: N802 (QGIS API name)
        # the order is the dialog's and the help's: the samples and grid, interpolation, values, then advanced,
        # outputs and UNITS
        for parameter in (
            self._sample_parameters()
            + self._interpolation_parameters()
            + self._value_parameters()
            + self._advanced_parameters()
            + self._output_parameters()
        ):
            self.addParameter(parameter)

    def _sample_parameters(self) -> List[QgsProcessingParameterDefinition]:
        """The sample points, their element fields and the grid: pixel size, extent, mask."""
        return [
            QgsProcessingParameterFeatureSource(self.INPUT, self.tr("Sample points"), [QgsProcessing.TypeVectorPoint]),
            QgsProcessingParameterField(
                self.FIELDS,
                self.tr("Element fields (one band each)"),
                parentLayerParameterName=self.INPUT,
                type=QgsProcessingParameterField.Any,
                allowMultiple=True,
            ),
            QgsProcessingParameterDistance(
                self.PIXEL_SIZE,
                self.tr("Pixel size (0 = automatic)"),
                defaultValue=0.0,
                parentParameterName=self.INPUT,
                minValue=0.0,
            ),
            QgsProcessingParameterExtent(self.EXTENT, self.tr("Output extent"), optional=True),
            params.mask(),
        ]

    def _interpolation_parameters(self) -> List[QgsProcessingParameterDefinition]:
        """How cells are interpolated: IDW's power, neighbours and radius, log values, the method."""
        return [
            QgsProcessingParameterNumber(
                self.POWER,
                self.tr("Distance power"),
                QgsProcessingParameterNumber.Double,
                2.0,
                minValue=0.1,
                maxValue=20.0,
            ),
            QgsProcessingParameterNumber(
                self.NEIGHBORS,
                self.tr("Nearest samples per cell (0 = all)"),
                QgsProcessingParameterNumber.Integer,
                12,
                minValue=0,
            ),
            QgsProcessingParameterDistance(
                self.MAX_DISTANCE,
                self.tr("Search radius (0 = unlimited)"),
                defaultValue=0.0,
                parentParameterName=self.INPUT,
                minValue=0.0,
                optional=True,
            ),
            QgsProcessingParameterBoolean(self.LOG_TRANSFORM, self.tr("Interpolate log values"), True),
            QgsProcessingParameterEnum(
                self.METHOD,
                self.tr("Method"),
                options=[
                    self.tr("Inverse distance weighting (IDW)"),
                    self.tr("Ordinary kriging"),
                    self.tr("Automatic (best cross-validation)"),
                ],
                defaultValue=0,
            ),
        ]

    def _value_parameters(self) -> List[QgsProcessingParameterDefinition]:
        """How values are read: below-detection values, the transform, survey levelling, heavy censoring."""
        return [
            QgsProcessingParameterNumber(
                self.CENSORED_FACTOR,
                self.tr("Below-detection values: fraction of the detection limit to use"),
                QgsProcessingParameterNumber.Double,
                0.5,
                minValue=0.0,
                maxValue=1.0,
            ),
            QgsProcessingParameterEnum(
                self.TRANSFORM,
                self.tr("Transform"),
                options=[
                    self.tr("Automatic (LOG_TRANSFORM; normal scores for heavily censored fields)"),
                    self.tr("As LOG_TRANSFORM (log or raw values)"),
                    self.tr("Normal scores (Gaussian anamorphosis)"),
                ],
                defaultValue=0,
            ),
            QgsProcessingParameterField(
                self.SURVEY_FIELD,
                self.tr("Survey / batch / laboratory field (level the surveys before gridding)"),
                parentLayerParameterName=self.INPUT,
                type=QgsProcessingParameterField.Any,
                optional=True,
            ),
            QgsProcessingParameterEnum(
                self.LEVELLING,
                self.tr("Survey levelling"),
                options=[self.tr("Median and IQR of log values"), self.tr("Quantile mapping onto the reference")],
                defaultValue=0,
            ),
            QgsProcessingParameterNumber(
                self.CENSORED_SHARE,
                self.tr("Heavily censored: share of values at or below detection above which a field is"),
                QgsProcessingParameterNumber.Double,
                selection.HEAVY_CENSORING,
                minValue=0.0,
                maxValue=1.0,
            ),
        ]

    def _advanced_parameters(self) -> List[QgsProcessingParameterDefinition]:
        """Kriging's variogram and anisotropy, the levelling reference and the scheduler, flagged advanced."""
        advanced = [
            QgsProcessingParameterEnum(
                self.VARIOGRAM_MODEL,
                self.tr("Kriging: variogram model"),
                options=[self.tr("Automatic (best fit)")] + [self.tr(m.capitalize()) for m in MODELS],
                defaultValue=0,
            ),
            QgsProcessingParameterNumber(
                self.VARIOGRAM_NUGGET,
                self.tr("Kriging: fixed nugget"),
                QgsProcessingParameterNumber.Double,
                0.0,
                minValue=0.0,
                optional=True,
            ),
            QgsProcessingParameterNumber(
                self.VARIOGRAM_SILL,
                self.tr("Kriging: fixed partial sill"),
                QgsProcessingParameterNumber.Double,
                None,
                minValue=0.0,
                optional=True,
            ),
            QgsProcessingParameterDistance(
                self.VARIOGRAM_RANGE,
                self.tr("Kriging: fixed range (empty or 0 = fit the variogram)"),
                defaultValue=0.0,
                parentParameterName=self.INPUT,
                minValue=0.0,
                optional=True,
            ),
            QgsProcessingParameterString(
                self.REFERENCE_SURVEY,
                self.tr("Levelling: reference survey (empty = the survey with most samples)"),
                optional=True,
            ),
            QgsProcessingParameterEnum(
                self.VARIOGRAM_ESTIMATOR,
                self.tr("Kriging: variogram estimator"),
                options=[self.tr("Matheron (classical)"), self.tr("Cressie-Hawkins (robust)")],
                defaultValue=0,
            ),
            QgsProcessingParameterEnum(
                self.ANISOTROPY,
                self.tr("Kriging: anisotropy"),
                options=[self.tr("Isotropic"), self.tr("Fitted (direction and ratio)"), self.tr("Given")],
                defaultValue=0,
            ),
            QgsProcessingParameterNumber(
                self.ANISOTROPY_ANGLE,
                self.tr("Kriging: anisotropy major-axis direction (degrees counter-clockwise from east)"),
                QgsProcessingParameterNumber.Double,
                0.0,
                minValue=-360.0,
                maxValue=360.0,
            ),
            QgsProcessingParameterNumber(
                self.ANISOTROPY_RATIO,
                self.tr("Kriging: anisotropy ratio (major range / minor range)"),
                QgsProcessingParameterNumber.Double,
                1.0,
                minValue=1.0,
                maxValue=100.0,
            ),
        ]
        advanced.append(scheduler_parameter(self.tr))
        for parameter in advanced:
            parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        return advanced

    def _output_parameters(self) -> List[QgsProcessingParameterDefinition]:
        """The element rasters, the optional variance and tables, and the unit their legends name."""
        return [
            QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Element rasters")),
            QgsProcessingParameterRasterDestination(
                self.OUTPUT_VARIANCE, self.tr("Kriging variance"), optional=True, createByDefault=False
            ),
            QgsProcessingParameterFileDestination(
                self.OUTPUT_CV,
                self.tr("Cross-validation table"),
                fileFilter="CSV files (*.csv)",
                optional=True,
                createByDefault=False,
            ),
            QgsProcessingParameterFileDestination(
                self.OUTPUT_SURVEYS,
                self.tr("Survey levelling table"),
                fileFilter="CSV files (*.csv)",
                optional=True,
                createByDefault=False,
            ),
            QgsProcessingParameterString(
                self.UNITS, self.tr("Unit of the element values (legends)"), "ppm", False, True
            ),
        ]

    def process(self, parameters, context, feedback):
        run = self._settings(parameters, context, feedback)
        runner = task_runner(self, parameters, context, feedback)
        samples = self._prepared_samples(parameters, context, feedback, run)
        grid, mask, samples = self._grid_and_coverage(parameters, context, feedback, run, samples)
        choice = self._chosen_interpolators(parameters, context, feedback, run, samples, grid)
        bands, variance = self._gridded_bands(feedback, run, samples, grid, mask, choice, runner)
        provenance = self._provenance(parameters, context, run, samples, choice)
        self._say_stated_units(parameters, context, feedback, run)
        check_cancelled(feedback.isCanceled)  # last chance before the outputs are written
        return self._write_outputs(context, feedback, run, samples, grid, choice, bands, variance, provenance)

    def _settings(self, parameters, context, feedback) -> RunSettings:
        """The parameters read and checked before any sample is read, with a warning for each one this run ignores."""
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException("INPUT: the sample layer could not be opened; choose a point layer.")
        fields, given_units = self._checked_fields(parameters, context)
        crs = self._checked_crs(source, feedback)
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        method = self.enum_name(parameters, self.METHOD, context)
        variance_output = self._optional_output(parameters, self.OUTPUT_VARIANCE, context, raster=True)
        cv_output = self._optional_output(parameters, self.OUTPUT_CV, context, raster=False)
        surveys_output = self._optional_output(parameters, self.OUTPUT_SURVEYS, context, raster=False)
        survey_field = self.parameterAsString(parameters, self.SURVEY_FIELD, context) or None
        if surveys_output and not survey_field:
            raise QgsProcessingException(
                "OUTPUT_SURVEYS: the levelling table needs SURVEY_FIELD (the survey or laboratory of each sample); "
                "set it or leave the table empty."
            )
        if variance_output and method == "idw":
            raise QgsProcessingException(
                "OUTPUT_VARIANCE: only ordinary kriging gives a variance; set METHOD to ordinary kriging "
                "or leave the variance output empty."
            )
        self._warn_ignored(parameters, context, feedback, method, bool(cv_output), bool(survey_field))
        return RunSettings(
            source=source,
            fields=fields,
            given_units=given_units,
            # a field's own unit first (Au_ppb), then UNITS's for it ('ppm; Au=ppb')
            band_units=[unit_in_name(name) or unit for name, unit in zip(fields, given_units)],
            crs=crs,
            output=output,
            method=method,
            variance_output=variance_output,
            cv_output=cv_output,
            surveys_output=surveys_output,
            survey_field=survey_field,
            # IDW alone reads no variogram: a range given for it was warned about above, not refused for want of a model
            fixed=self._fixed_variogram(parameters, context) if (method != "idw" or cv_output) else None,
            anisotropy=self._anisotropy(parameters, context),
            censored_factor=self.parameterAsDouble(parameters, self.CENSORED_FACTOR, context),
            log_transform=self.parameterAsBool(parameters, self.LOG_TRANSFORM, context),
            power=self.parameterAsDouble(parameters, self.POWER, context),
            neighbors=self.parameterAsInt(parameters, self.NEIGHBORS, context),
            max_distance=self.parameterAsDouble(parameters, self.MAX_DISTANCE, context) or None,
        )

    def _checked_fields(self, parameters, context) -> Tuple[List[str], List[str]]:
        """FIELDS (each once, none an identifier, date or flag) and the unit UNITS gives each of them."""
        fields = self.parameterAsFields(parameters, self.FIELDS, context)
        if not fields:
            raise QgsProcessingException("FIELDS: choose at least one element field to interpolate.")
        twice = sorted({f for f in fields if fields.count(f) > 1})
        if twice:  # two bands of one name: anomalies and evidence could not tell them apart
            raise QgsProcessingException(
                f"FIELDS: {', '.join(twice)} {'is' if len(twice) == 1 else 'are'} chosen more than once; each field "
                "chosen becomes a band named for it, so choose each field once."
            )
        # refused before any work: 'ppm; Ag=ppb' with no Ag among FIELDS
        given_units = field_units(self.parameterAsString(parameters, self.UNITS, context), fields)
        odd = non_element_fields(fields)
        if odd:
            what, it = (
                ("is an identifier, date or quality flag", "it")
                if len(odd) == 1
                else ("are identifiers, dates or quality flags", "them")
            )
            raise QgsProcessingException(
                f"FIELDS: {', '.join(odd)} {what}, not element concentrations; leave {it} out of the element fields "
                "(each field chosen becomes a band)."
            )
        return fields, given_units

    def _checked_crs(self, source, feedback):
        """The samples' CRS: defined and projected, distances and pixel sizes being in its units."""
        require_geometry(source, self.INPUT)  # a CSV read without its coordinates has no CRS either: say why
        crs = source.sourceCrs()
        if not defined_crs(crs):
            found = f" ('{crs.description()}')" if crs.isValid() else ""
            raise QgsProcessingException(
                f"INPUT: the layer has no CRS{found}; set its CRS (Layer Properties › Source, or Vector › Data "
                f"Management Tools › Assign Projection).{self._local_grid_advice(source.sourceExtent())}"
            )
        require_projected(
            crs,
            self.INPUT,
            "the layer",
            "distances and pixel sizes must be in metres or feet",
            REPROJECT_ADVICE,
            source.sourceExtent(),
            feedback,
        )
        return crs

    def _prepared_samples(self, parameters, context, feedback, run: RunSettings) -> PreparedSamples:
        """The samples read and checked (surveys levelled), each field's transform chosen, and the samples sharing
        a site averaged into one."""
        fields = run.fields
        xy, values, reports, shares, survey_rows = self._samples(
            parameters, run.source, fields, run.crs, run.censored_factor, run.survey_field, context, feedback
        )
        self._prepared(feedback, 0.7)  # the survey groups and QC checks done
        signed = [rep.negative_reading == "values" for rep in reports]
        constant = [np.unique(values[np.isfinite(values[:, j]), j]).size < 2 for j in range(len(fields))]
        transforms, notes = sample_notes.field_transforms(
            fields, shares, self.enum_name(parameters, self.TRANSFORM, context),
            self.parameterAsDouble(parameters, self.CENSORED_SHARE, context), run.log_transform,
            run.fixed is not None, signed, constant,
        )  # fmt: skip
        say(feedback, notes)
        values, notes = sample_notes.substitute_for_log(fields, values, transforms)
        say(feedback, notes)
        # samples sharing a site (field duplicates, repeated analyses) averaged into one once the transforms are
        # known: each field in the space it is gridded in (the geometric mean of one gridded on logarithms)
        samples = len(xy)
        xy, values, merged = selection.merge_sites(xy, values, transforms, DUPLICATE_TOLERANCE)
        if merged:
            feedback.pushWarning(sample_notes.merged_sites_note(fields, transforms, samples, len(xy)))
        self._prepared(feedback, 0.8)
        return PreparedSamples(xy, values, reports, shares, survey_rows, transforms, int(merged))

    def _grid_and_coverage(
        self, parameters, context, feedback, run: RunSettings, samples: PreparedSamples
    ) -> Tuple[GridSpec, Optional[np.ndarray], PreparedSamples]:
        """The output grid and its MASK (None without one), with the notes on the cells no sample supports: IDW and
        kriging fill them with values that look like data; and the samples gridded, without those apart from the
        samples around the MASK (:func:`core.interpolation.coverage.far_from_mask`)."""
        mask_shapes = mask_geometries(
            self.parameterAsSource(parameters, self.MASK, context), run.crs, context, feedback=feedback,
            whose="the samples'",
        )  # fmt: skip
        grid, far = self._output_grid(parameters, context, feedback, samples.xy, run.crs, len(run.fields), mask_shapes)
        if far.any():  # far from every sample near the MASK, they would only skew the variogram and the notes
            samples = replace(samples, xy=samples.xy[~far], values=samples.values[~far])
        xy = samples.xy
        mask = mask_on_grid(mask_shapes, grid)
        extent_given = parameters.get(self.EXTENT) not in (None, "")
        self._prepared(feedback, 0.9)
        covered = coverage.assess_coverage(xy, grid, mask, run.max_distance, extent_given)
        gaps = coverage.field_gaps(xy, samples.values, grid, mask, run.max_distance, extent_given, covered.gap_share)
        say(feedback, coverage.coverage_notes(covered, gaps, run.fields, len(xy), grid, mask is not None))
        self._prepared(feedback, 1.0)
        return grid, mask, samples

    def _chosen_interpolators(
        self, parameters, context, feedback, run: RunSettings, samples: PreparedSamples, grid: GridSpec
    ) -> InterpolatorChoice:
        """Every field's interpolator: its candidates (variograms fitted), cross-validated where there are several,
        and the best kept (or the one METHOD names)."""
        xy, values, fields = samples.xy, samples.values, run.fields
        with_kriging = self._kriging_can_run(feedback, run, values)
        candidates, few_samples = self._candidates(
            parameters, context, feedback, xy, values, fields, samples.transforms, run.method, run.power, run.fixed,
            run.anisotropy, bool(run.cv_output), with_kriging, unit_abbreviation(grid.crs_wkt),
        )  # fmt: skip
        scores = self._cross_validate(
            xy, values, fields, candidates, run.neighbors, run.max_distance, feedback, run.cv_share, run.band_units,
            unit_abbreviation(grid.crs_wkt),
        )  # fmt: skip
        spacings = kriged_spacings(xy, values, candidates)
        chosen, reasons = self._choose(
            feedback, fields, run.method, run.power, candidates, scores, spacings, grid.length_text, few_samples
        )
        return InterpolatorChoice(candidates, scores, chosen, reasons)

    @staticmethod
    def _kriging_can_run(feedback, run: RunSettings, values: np.ndarray) -> bool:
        """Whether kriging is among the candidates, checked before the variograms and cross-validation, which would
        run for minutes first: refused when METHOD asks for it and it cannot run; left out, with a warning, when
        only OUTPUT_CV compares it (the advice would change the IDW)."""
        largest = int(np.isfinite(values).sum(axis=0).max())
        if run.method != "idw":
            check_global_kriging(largest, run.neighbors, run.max_distance)
        elif run.cv_output:
            try:
                check_global_kriging(largest, run.neighbors, run.max_distance)
            except InputError as exc:
                why = str(exc).split(": ", 1)[-1].split("; set NEIGHBORS")[0]
                feedback.pushWarning(
                    f"OUTPUT_CV: kriging is left out of the cross-validation table: {why}; the IDW powers are "
                    "compared alone."
                )
                return False
        return True

    def _gridded_bands(
        self, feedback, run: RunSettings, samples: PreparedSamples, grid: GridSpec, mask: Optional[np.ndarray],
        choice: InterpolatorChoice, runner,
    ) -> Tuple[np.ndarray, Optional[np.ndarray]]:  # fmt: skip
        """Every field gridded with its interpolator (transforms undone), and the kriging variance (None when every
        field is gridded by IDW); refused when no cell holds a value, or the variance output would be empty."""
        # the gridding up to WRITE_SHARE %, the GeoTIFF(s) after it: writing 20 M cells x 10 bands takes half a minute
        progress = lambda f: feedback.setProgress(run.cv_share + (WRITE_SHARE - run.cv_share) * f)  # noqa: E731
        with runner:
            bands, variance = self._interpolate_chosen(
                choice.chosen, samples.xy, samples.values, grid, run.fields, run.neighbors, run.max_distance, mask,
                progress, feedback, runner,
            )  # fmt: skip
        coverage.require_values(bands, run.fields, run.max_distance, samples.xy, grid)
        if run.variance_output and variance is None:
            raise QgsProcessingException(
                "OUTPUT_VARIANCE: the automatic choice kept IDW for every field, which gives no variance; leave "
                "the variance output empty or set METHOD to ordinary kriging."
            )
        return bands, variance

    def _provenance(
        self, parameters, context, run: RunSettings, samples: PreparedSamples, choice: InterpolatorChoice
    ) -> Dict[str, Any]:
        """The record of how the outputs were made: the parameters, the samples read and each field's interpolator."""
        method, fields, reports = run.method, run.fields, samples.reports
        extra = {
            "method": {"idw": "idw", "kriging": "ordinary kriging"}.get(method, "automatic (best cross-validation)"),
            "samples": int(len(samples.xy)),
            "input": source_label(run.source, parameters, self.INPUT, context),
            "duplicates_merged": samples.merged,
            "censored_factor": run.censored_factor,
            "censored": {name: rep.censored for name, rep in zip(fields, reports)},
            "below_detection_share": {name: round(share, 4) for name, share in zip(fields, samples.shares)},
            "log": ("log10" if method == "idw" else "ln, lognormal back-transform") if run.log_transform else "none",
            "levelling": levelling.levelling_record(
                run.survey_field, self.enum_name(parameters, self.LEVELLING, context), samples.survey_rows
            ),
            "interpolators": {name: choice_record(c, choice.reasons[name]) for name, c in zip(fields, choice.chosen)},
        }
        variograms = recorded_variograms(fields, choice.chosen, choice.candidates, samples.transforms)
        if variograms:
            extra["variograms"] = variograms
        return self.provenance(parameters, context, extra)

    def _say_stated_units(self, parameters, context, feedback, run: RunSettings) -> None:
        """A note for each field whose name states a unit that UNITS contradicts; only information while UNITS is at
        its default ('ppm' is for the fields that name no unit: Au_ppb beside it is no contradiction)."""
        default = str(self.parameterDefinition(self.UNITS).defaultValue()).casefold()
        units_default = self.parameterAsString(parameters, self.UNITS, context).strip().casefold() == default
        say(feedback, sample_notes.stated_unit_notes(run.fields, run.band_units, run.given_units, units_default))

    def _write_outputs(
        self, context, feedback, run: RunSettings, samples: PreparedSamples, grid: GridSpec,
        choice: InterpolatorChoice, bands: np.ndarray, variance: Optional[np.ndarray], provenance: Dict[str, Any],
    ) -> Dict[str, str]:  # fmt: skip
        """The element GeoTIFF, the variance GeoTIFF and the two tables, styled to load; the results."""
        fields, variance_output = run.fields, run.variance_output
        write_geotiff(
            run.output,
            bands,
            grid,
            fields,
            nodata=NODATA,
            provenance=provenance,
            band_tags=band_tags(fields, choice.chosen, choice.reasons, samples.reports, bool(run.survey_field)),
            band_units=run.band_units,
            progress=lambda f: feedback.setProgress(
                WRITE_SHARE + (99 - WRITE_SHARE) * f * (0.5 if variance_output else 1.0)
            ),
            is_cancelled=feedback.isCanceled,
        )
        results = {self.OUTPUT: run.output}
        units = run.band_units[0]  # the band the layer shows
        self.style_on_load(
            context,
            run.output,
            "element_pseudocolor",
            element_layer_name(fields, units, run.method),
            legend="atlas",
            unit=units,
        )
        if variance_output and variance is not None:
            names = [f"{name}_variance" for name in fields]
            write_geotiff(
                variance_output,
                variance,
                grid,
                names,
                nodata=NODATA,
                provenance=provenance,
                parameter=self.OUTPUT_VARIANCE,
                band_tags=[{"variance_units": variance_units(c)} for c in choice.chosen],
                progress=lambda f: feedback.setProgress(WRITE_SHARE + (99 - WRITE_SHARE) * (0.5 + 0.5 * f)),
                is_cancelled=feedback.isCanceled,
            )
            self.style_on_load(context, variance_output, "element_pseudocolor", "Kriging variance", visible=False)
            results[self.OUTPUT_VARIANCE] = variance_output
        if run.cv_output:
            crossval.write_csv(run.cv_output, [row for rows in choice.scores for row in rows], parameter=self.OUTPUT_CV)
            results[self.OUTPUT_CV] = run.cv_output
        if run.surveys_output:
            levelling.write_csv(run.surveys_output, samples.survey_rows, parameter=self.OUTPUT_SURVEYS)
            results[self.OUTPUT_SURVEYS] = run.surveys_output
        feedback.setProgress(100)
        return results

    @staticmethod
    def _prepared(feedback, fraction: float) -> None:
        """The share ``fraction`` of the checks before the gridding done (the first :data:`PREPARE_SHARE` % of the
        progress: reading and checking 100,000 samples takes tens of seconds); stops here when cancelled."""
        check_cancelled(feedback.isCanceled)
        feedback.setProgress(PREPARE_SHARE * fraction)

    def _samples(self, parameters, source, fields, crs, censored_factor, survey_field, context, feedback):
        """Sample coordinates and values (surveys levelled; co-located samples are averaged later, by
        :func:`selection.merge_sites` in :meth:`_prepared_samples`, once each field's transform is known), each
        field's share of values at or below detection, and the levelling table."""
        feedback.pushInfo(f"Reading {source.featureCount()} samples, fields: {', '.join(fields)}")
        # values beyond float32 cannot be held by the output bands: they are fill codes, read as missing
        xy, values, reports = point_samples(
            source,
            fields,
            crs,
            context,
            feedback,
            censored_factor=censored_factor,
            max_abs=FLOAT32_MAX,
            progress=lambda f: feedback.setProgress(0.6 * PREPARE_SHARE * f),
        )
        report_values(feedback, fields, reports, censored_factor=censored_factor)
        keep = self._field_samples(source, fields, crs, context, feedback, len(xy), survey_field)
        xy, values = xy[keep], values[keep]
        # the censored entries of the samples kept: a blank's '<0.5' is no below-detection sample of the ground
        kept_censored = [int(np.count_nonzero(keep[np.asarray(rep.censored_at, dtype=np.intp)])) for rep in reports]
        shares = [
            selection.below_detection_share(
                values[:, j], kept_censored[j], censored_factor, signed=rep.negative_reading == "values"
            )
            for j, rep in enumerate(reports)
        ]
        say(
            feedback,
            filter(None, (sample_notes.limit_spread_note(n, r.detection_limits) for n, r in zip(fields, reports))),
        )
        survey_rows: list = []
        if survey_field:
            _, (raw,) = point_attributes(
                source, [survey_field], crs, context, feedback, fields_parameter="SURVEY_FIELD"
            )
            surveys = np.array(["(none)" if self._missing(v) else str(v) for v in raw])[keep]
            values, survey_rows = self._level(parameters, context, feedback, fields, values, surveys)
        else:
            say(feedback, sample_notes.spatial_median_notes(fields, xy, values))
        say(feedback, sample_notes.constant_notes(fields, values))
        say(feedback, sample_notes.isolated_high_notes(fields, xy, values))
        if censored_factor > 0 and not survey_field:  # else '<x' entries are 0 too; levelled values may be 0
            censored = [rep.censored for rep in reports]
            signed = [rep.negative_reading == "values" for rep in reports]
            say(feedback, sample_notes.zero_notes(fields, values, censored, signed))
        return xy, values, reports, shares, survey_rows

    @staticmethod
    def _field_samples(source, fields, crs, context, feedback, count, survey_field=None):
        """Which samples to keep (True): all but the standards and blanks a laboratory export leaves among them (a text field naming
        them: 'OREAS-45d', 'BLK', a QC-type field 'STD'; :func:`core.qaqc.quality_control_samples`), with a
        warning: gridded, a standard's certified value would be an anomaly at the site of the sample it follows."""
        from qgis.PyQt.QtCore import QVariant

        from ..core.qaqc import read_fields, table_notes

        # only the text fields the checks read (identifiers, QC types, units, media): one pass, no free text
        text = [
            f.name()
            for f in source.fields()
            if f.type() == QVariant.String and f.name() not in fields and read_fields(f.name())
        ]
        if not text:
            return np.ones(count, dtype=bool)
        places, raw = point_attributes(source, text, crs, context, None)
        flagged, notes = table_notes(dict(zip(text, raw)), places, fields[0], survey_field)
        say(feedback, notes)
        return ~flagged

    @staticmethod
    def _local_grid_advice(extent) -> str:
        """:func:`local_grid_advice` of a layer's extent (none for a null one)."""
        if extent is None or extent.isNull():
            return ""
        return local_grid_advice(extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum())

    @staticmethod
    def _missing(value) -> bool:
        is_null = getattr(value, "isNull", None)
        return value is None or (callable(is_null) and bool(is_null())) or not str(value).strip()

    def _level(self, parameters, context, feedback, fields, values, surveys):
        """Every field levelled survey by survey (see core.interpolation.levelling), with the warnings."""
        method = self.enum_name(parameters, self.LEVELLING, context)
        names = sorted(set(surveys.tolist()))
        feedback.pushInfo(f"SURVEY_FIELD: {len(names)} survey(s): {', '.join(names[:10])}")
        say(feedback, filter(None, [sample_notes.one_survey_note(names)]))
        reference = self.parameterAsString(parameters, self.REFERENCE_SURVEY, context).strip() or None
        if reference is not None and reference not in names:
            raise QgsProcessingException(
                f"REFERENCE_SURVEY: '{reference}' is not a value of the survey field (it has "
                f"{', '.join(names[:10])}{', …' if len(names) > 10 else ''}); name one of them or leave it empty."
            )
        values = values.copy()
        rows = []
        for j, name in enumerate(fields):
            say(feedback, filter(None, [sample_notes.survey_median_note(name, values[:, j], surveys)]))
            try:
                values[:, j], field_rows = levelling.level(values[:, j], surveys, name, method, reference)
            except InputError as exc:
                raise QgsProcessingException(f"SURVEY_FIELD: {name}: {str(exc).split(': ', 1)[-1]}") from None
            say(feedback, sample_notes.levelled_notes(name, field_rows))
            rows.extend(field_rows)
        return values, rows

    def _output_grid(
        self, parameters, context, feedback, xy, crs, n_fields, mask_shapes=None
    ) -> Tuple[GridSpec, np.ndarray]:
        """EXTENT (default: the extent plus 5 % of the samples, but those apart from the samples around the MASK's
        ``mask_shapes``) at PIXEL_SIZE (default: a quarter of those samples' spacing); and which samples are apart."""
        unit = unit_abbreviation(crs.toWkt())
        far = np.zeros(len(xy), dtype=bool)
        if parameters.get(self.EXTENT) not in (None, ""):
            extent = self.parameterAsExtent(parameters, self.EXTENT, context, crs)
            bounds = (extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum())
            coverage.refuse_extent_without_samples(bounds, xy, crs.authid() or "the samples' CRS", unit)
        else:
            mask_bounds = combined_bounds(mask_shapes or [])
            if mask_bounds is not None:
                far = coverage.far_from_mask(xy, mask_bounds)
            near = xy[~far]
            coverage.refuse_stray_samples(near, unit)  # one stray among the samples near the MASK still stretches it
            bounds = padded_extent(near[:, 0].min(), near[:, 1].min(), near[:, 0].max(), near[:, 1].max())
            if mask_bounds is not None and far.any():
                farthest = float(distances_to_box(xy[far], mask_bounds).max())
                feedback.pushWarning(coverage.beyond_mask_note(int(far.sum()), len(xy), farthest, unit))
        xy = xy[~far]
        metres = metres_per_unit(crs.toWkt())
        hint = kilometre_coordinates_hint(
            area_spacing(xy) * metres,
            float(np.ptp(xy[:, 0])) * metres,
            float(np.ptp(xy[:, 1])) * metres,
            len(np.unique(xy, axis=0)),
            (float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max())),
        )
        if hint:
            feedback.pushWarning(f"INPUT: {hint}.")
        pixel_size = self.parameterAsDouble(parameters, self.PIXEL_SIZE, context)
        bounds = coverage.spanning_bounds(bounds, xy, pixel_size)  # one sample, or all on one line: 10 pixels
        if len(xy) < 3:
            feedback.pushWarning(f"INPUT: only {len(xy)} sample(s): the raster shows little more than their values.")
        automatic = pixel_size <= 0
        if automatic:
            pixel_size, spacing, how = coverage.automatic_pixel_size(xy, bounds)
        grid = GridSpec.from_extent(*bounds, pixel_size=pixel_size, crs_wkt=crs.toWkt())
        if automatic:
            feedback.pushInfo(
                f"Automatic pixel size: {grid.length_text(pixel_size)}, a quarter of the sample spacing "
                f"({grid.length_text(spacing)}: {how})."
            )
        feedback.pushInfo(f"Output grid: {grid.describe()}")
        warn_few_cells(grid, bounds, feedback, "(in the layer's map units), or 0 for one set from the sample spacing")
        many = many_cells_note(grid.width, grid.height, n_fields, grid.pixel_size, unit)
        if many:  # review 36: 267 million cells ran for minutes without a word
            feedback.pushWarning(many)
        # float32 bands, the mask, a block of float64 work per cell, the float32 copy written to disk
        self.check_memory(
            grid.width * grid.height,
            9 * n_fields + 1,
            self.PIXEL_SIZE,
            f"a grid of {grid.width} x {grid.height} cells x {n_fields} band(s)",
            "use a larger PIXEL_SIZE, a smaller EXTENT or fewer FIELDS.",
        )
        return grid, far

    def _interpolate(
        self, method, xy, values, grid, fields, variograms, power, neighbors, max_distance, mask, log_transform,
        progress, feedback, clip=True, runner=None,
    ) -> Tuple[np.ndarray, Optional[np.ndarray]]:  # fmt: skip
        """The element bands on ``grid``, and the kriging variance (None for IDW); ``clip`` raises kriged raw
        values below the smallest sample to it."""
        variance: Optional[np.ndarray] = None
        if method == "idw":
            bands = idw_grid(
                xy,
                values,
                grid,
                power=power,
                neighbors=neighbors,
                max_distance=max_distance,
                mask=mask,
                log_transform=log_transform,
                nodata=np.nan,
                progress=progress,
                is_cancelled=feedback.isCanceled,
                field_names=fields,
                runner=runner,
            )
        else:
            assert variograms is not None  # fitted for kriging
            bands, variance = kriging_grid(
                xy,
                values,
                grid,
                variograms,
                neighbors=neighbors,
                max_distance=max_distance,
                mask=mask,
                log_transform=log_transform,
                progress=progress,
                is_cancelled=feedback.isCanceled,
                field_names=fields,
                runner=runner,
            )
            if clip and not log_transform:
                for name, count in zip(fields, clip_to_sample_minimum(bands, values)):
                    if count:
                        feedback.pushWarning(
                            f"{name}: {count} kriged cells fell below the smallest sample value (kriging weights can "
                            "be negative) and were raised to it; LOG_TRANSFORM avoids this for skewed data."
                        )
        for name, count in zip(fields, clear_beyond_float32(bands)):
            if count:
                feedback.pushWarning(
                    f"{name}: {count} cells were estimated beyond the float32 range of the output (±3.4e38) and are "
                    "nodata; check the field's largest values (IDW keeps every estimate within the samples' range)."
                )
        if variance is not None:
            clear_beyond_float32(variance)
        return bands, variance

    def _optional_output(self, parameters, name, context, raster):
        value = parameters.get(name)
        if value in (None, ""):
            return None
        if raster:
            path = self.parameterAsOutputLayer(parameters, name, context)
        else:
            path = self.parameterAsFileOutput(parameters, name, context)
        return path or None

    def _warn_ignored(self, parameters, context, feedback, method: str, cv: bool, surveys: bool) -> None:
        """A warning for each parameter set away from its default that this run does not read: the kriging settings
        under IDW, POWER under kriging (either read when OUTPUT_CV compares both), the anisotropy's angle and ratio
        unless ANISOTROPY is 'Given', the levelling settings without SURVEY_FIELD (the 3.22 dialog cannot hide
        them)."""
        kriging = method != "idw" or cv
        why_kriging = "METHOD is IDW and OUTPUT_CV is empty"
        given = self.enum_name(parameters, self.ANISOTROPY, context) == "given"
        readers = "ordinary kriging (METHOD ordinary kriging or automatic, or the OUTPUT_CV table)"
        rules = [(name, kriging, readers, why_kriging) for name in (
            self.VARIOGRAM_MODEL, self.VARIOGRAM_ESTIMATOR, self.VARIOGRAM_NUGGET, self.VARIOGRAM_SILL,
            self.VARIOGRAM_RANGE, self.ANISOTROPY,
        )]  # fmt: skip
        anisotropy = self.parameterDefinition(self.ANISOTROPY).options()[
            self.parameterAsEnum(parameters, self.ANISOTROPY, context)
        ]
        for name in (self.ANISOTROPY_ANGLE, self.ANISOTROPY_RATIO):
            why = why_kriging if given else f"ANISOTROPY is '{anisotropy}'"
            rules.append((name, kriging and given, "ordinary kriging with ANISOTROPY 'Given'", why))
        rules.append((self.POWER, method != "kriging" or cv, "IDW (METHOD IDW or automatic, or the OUTPUT_CV "
                      "table)", "METHOD is ordinary kriging and OUTPUT_CV is empty"))  # fmt: skip
        for name in (self.LEVELLING, self.REFERENCE_SURVEY):
            rules.append((name, surveys, "the levelling of surveys (SURVEY_FIELD)", "SURVEY_FIELD is empty"))
        for name, read, readers, why in rules:
            shown = None if read else self.changed_setting(parameters, name, context)
            if shown is None:
                continue
            feedback.pushWarning(f"{name} ({shown}) is read only by {readers}; {why}, so the map ignores it.")

    def _fixed_variogram(self, parameters, context):
        """The user's variogram when VARIOGRAM_RANGE is set (> 0), else None (fit it)."""
        if parameters.get(self.VARIOGRAM_RANGE) in (None, ""):
            return None
        vrange = self.parameterAsDouble(parameters, self.VARIOGRAM_RANGE, context)
        if not vrange > 0:
            return None
        model_index = self.parameterAsEnum(parameters, self.VARIOGRAM_MODEL, context)
        if model_index == 0:
            raise QgsProcessingException(
                "VARIOGRAM_MODEL: a fixed VARIOGRAM_RANGE needs a model; choose spherical, exponential or "
                "gaussian (or clear the range to fit the variogram)."
            )
        if parameters.get(self.VARIOGRAM_SILL) in (None, ""):
            raise QgsProcessingException("VARIOGRAM_SILL: give the partial sill of the fixed variogram model.")
        nugget = self.parameterAsDouble(parameters, self.VARIOGRAM_NUGGET, context)
        psill = self.parameterAsDouble(parameters, self.VARIOGRAM_SILL, context)
        return Variogram(MODELS[model_index - 1], nugget, psill, vrange)

    def _anisotropy(self, parameters, context):
        """None (isotropic), "fit", or the given (angle, ratio)."""
        choice = self.enum_name(parameters, self.ANISOTROPY, context)
        if choice == "isotropic":
            return None
        if choice == "fitted":
            return "fit"
        ratio = self.parameterAsDouble(parameters, self.ANISOTROPY_RATIO, context)
        if not ratio >= 1.0:
            raise QgsProcessingException("ANISOTROPY_RATIO: give the major range / minor range, 1 or more.")
        return (self.parameterAsDouble(parameters, self.ANISOTROPY_ANGLE, context), ratio)

    def _candidates(
        self, parameters, context, feedback, xy, values, fields, transforms, method, power, fixed, anisotropy, cv,
        with_kriging=True, length_unit="",
    ):  # fmt: skip
        """Per field, the interpolators to cross-validate (or the one to use when nothing is cross-validated); IDW
        alone without ``with_kriging``; the log gives the fitted ranges in ``length_unit``. With them, the warning of
        each field whose variogram was fitted to too few samples (field -> text), said by :meth:`_choose` where
        kriging is chosen: an automatic choice of IDW needs no variogram."""
        few_samples: dict = {}
        if method == "idw" and not cv:
            return [[Candidate("idw", t, float(power))] for t in transforms], few_samples
        powers = sorted({1.0, 2.0, 3.0, float(power)})
        if not with_kriging:
            return [[Candidate("idw", t, p) for p in powers] for t in transforms], few_samples
        model_index = self.parameterAsEnum(parameters, self.VARIOGRAM_MODEL, context)
        models = MODELS if model_index == 0 else (MODELS[model_index - 1],)
        estimator = self.enum_name(parameters, self.VARIOGRAM_ESTIMATOR, context)
        out = []
        for j, name in enumerate(fields):
            options = [Candidate("idw", transforms[j], p) for p in powers]
            # a fixed variogram has the units of the field's transform only
            auto = method == "auto" and fixed is None
            kriging_transforms = list(selection.TRANSFORMS) if auto else [transforms[j]]
            for transform in kriging_transforms:
                try:
                    vg, fits = self._variogram(xy, values[:, j], transform, models, estimator, anisotropy, fixed)
                except InputError as exc:
                    if method == "kriging":
                        raise InputError(f"field '{name}': {str(exc).split(': ', 1)[-1]}", "FIELDS") from None
                    feedback.pushWarning(f"{name}: no kriging on {TRANSFORM_LABELS[transform]}: {exc}")
                    continue
                feedback.pushInfo(variogram_line(name, transform, vg, fits, fixed is not None, estimator, length_unit))
                options.append(Candidate("kriging", transform, variogram=vg))
            few = few_samples_note(name, int(np.isfinite(values[:, j]).sum()))
            if fixed is None and few and any(c.method == "kriging" for c in options):
                few_samples[name] = few
            out.append(options)
        return out, few_samples

    def _variogram(self, xy, z, transform, models, estimator, anisotropy, fixed):
        """The fixed variogram (with the given anisotropy), or the fit of ``z`` in the transform's units."""
        if fixed is not None:
            if isinstance(anisotropy, tuple):
                fixed = Variogram(fixed.model, fixed.nugget, fixed.psill, fixed.range, *anisotropy)
            return fixed, {}
        if anisotropy == "fit":
            ok = np.isfinite(z)
            data = selection.kriging_units(z[ok], transform)
            anisotropy = fit_anisotropy(xy[ok], data, models=models, estimator=estimator)
        return selection.fit_variogram_for(xy, z, transform, models, estimator, anisotropy)

    def _cross_validate(
        self, xy, values, fields, candidates, neighbors, max_distance, feedback, share, units=None, length_unit=""
    ):
        """Per field, the cross-validation scores of its candidates (empty when there is one candidate); the log
        gives the best RMSE in the field's unit (``units``, one per field), the table's variogram ranges in
        ``length_unit`` (the map's)."""
        steps = max(1, sum(len(c) for c in candidates if len(c) > 1))
        done = 0
        out: list = []
        for j, name in enumerate(fields):
            options = candidates[j]
            if len(options) == 1:
                out.append([])
                continue
            rows = []
            # one scheme for all of a field's candidates, so their RMSEs compare: a subset checked one at a time
            # only when IDW over every sample is all there is (global kriging keeps its k-fold)
            every_sample = all(c.method == "idw" for c in options)
            for c in options:
                try:
                    row = selection.cross_validate_candidate(
                        name, c, xy, values[:, j], neighbors, max_distance, feedback.isCanceled, every_sample,
                        length_unit,
                    )  # fmt: skip
                except InputError as exc:
                    if c.method != "kriging":
                        raise
                    # a kriging system that cannot be solved (numerically singular): out of the comparison, said
                    feedback.pushWarning(f"{name}: no {c.label()}: {exc}")
                    row = crossval.CvScore(name, c.cv_method(), c.label(), "not run", 0, *[float("nan")] * 4)
                rows.append(row)
                done += 1
                feedback.setProgress(PREPARE_SHARE + (share - PREPARE_SHARE) * done / steps)
            feedback.pushInfo(best_score_line(name, rows, units[j] if units else ""))
            out.append(rows)
        return out

    @staticmethod
    def _choose(feedback, fields, method, power, candidates, scores, spacings, length_text, few_samples):
        """The interpolator of every field and why it was chosen (:func:`choose_interpolators`), its notes said;
        ``spacings``: each field's samples' median distance to their nearest neighbour, which a kriging variogram's
        structure must reach beyond; ``few_samples``: the warnings of :meth:`_candidates`."""
        chosen, reasons, notes = choose_interpolators(
            fields, method, power, candidates, scores, spacings, few_samples, length_text
        )
        say(feedback, notes)
        return chosen, reasons

    def _interpolate_chosen(
        self, chosen, xy, values, grid, fields, neighbors, max_distance, mask, progress, feedback, runner=None
    ):
        """Grid every field with its interpolator (fields sharing one are gridded together), transforms undone."""
        bands = np.full((len(fields), grid.height, grid.width), np.nan, dtype=np.float32)
        variance: Optional[np.ndarray] = None
        groups: dict = {}
        for j, c in enumerate(chosen):
            groups.setdefault((c.method, c.transform, c.power if c.method == "idw" else None), []).append(j)
        done = 0
        for (method, transform, power), cols in groups.items():
            work = np.empty((len(xy), len(cols)))
            anamorphoses = []
            for i, j in enumerate(cols):
                z, anamorphosis, _ = selection.working_values(values[:, j], transform)
                anamorphoses.append(anamorphosis)
                work[:, i] = z if anamorphosis is None else anamorphosis.transform(z)
            start, size = done / len(fields), len(cols) / len(fields)
            part, part_variance = self._interpolate(
                method, xy, work, grid, [fields[j] for j in cols], [chosen[j].variogram for j in cols],
                power or 2.0, neighbors, max_distance, mask, transform == "log",
                lambda f, start=start, size=size: progress(start + size * f), feedback, clip=transform == "none",
                runner=runner,
            )  # fmt: skip
            for i, j in enumerate(cols):
                check_cancelled(feedback.isCanceled)  # the normal-score back-transform takes seconds per band
                part_var = None if part_variance is None else part_variance[i]
                bands[j] = back_transformed(anamorphoses[i], part[i], part_var)
                if part_var is not None:
                    if variance is None:
                        variance = np.full_like(bands, np.nan)
                    variance[j] = part_var
            done += len(cols)
        return bands, variance
