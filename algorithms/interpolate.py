"""prospector:interpolate: sample points to a multi-band element raster."""

from __future__ import annotations

import math
from typing import Optional, Tuple

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
)

from ..core.callbacks import check_cancelled
from ..core.grid import GridSpec, padded_extent
from ..core.interpolation import crossval
from ..core.interpolation.idw import idw_grid, idw_points
from ..core.interpolation.kriging import clip_to_sample_minimum, fit_variograms, krige_points, kriging_grid
from ..core.interpolation.variogram import MODELS, Variogram
from ..core.io.rasters import clear_beyond_float32, write_geotiff
from ..core.io.values import FLOAT32_MAX, average_duplicates, substitute_nonpositive
from .base import (
    REPROJECT_ADVICE,
    ProspectorAlgorithm,
    mask_from_source,
    point_samples,
    report_values,
    require_projected,
)
from .scheduling import HELP as SCHEDULER_HELP
from .scheduling import scheduler_parameter, task_runner

NODATA = -9999.0
METHODS = ("idw", "kriging")
#: samples closer than this (map units, metres) count as one site and are averaged
DUPLICATE_TOLERANCE = 1e-3


class InterpolateAlgorithm(ProspectorAlgorithm):
    ENUM_NAMES = {"METHOD": METHODS, "VARIOGRAM_MODEL": ("auto", *MODELS)}
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
    OUTPUT = "OUTPUT"
    OUTPUT_VARIANCE = "OUTPUT_VARIANCE"
    OUTPUT_CV = "OUTPUT_CV"

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
            "use a fixed model instead of the fit (ln units with LOG_TRANSFORM). Ranges are practical ranges. The fitted models are listed in "
            "the log and stored in the GeoTIFF metadata. OUTPUT_VARIANCE receives the kriging variance.\n\n"
            "LOG_TRANSFORM interpolates logarithms (the usual choice for lognormal geochemistry): IDW averages "
            "log10 values; kriging works on ln values (variogram and variance in ln units) and back-transforms "
            "with the lognormal correction exp(y* + variance/2 + Lagrange multiplier), which estimates the mean, "
            "not the median. Values <= 0 left after censoring are set to half the smallest positive value.\n\n"
            "Below-detection values: text such as '<5' or '< 0.5', and negative numbers (the laboratory code "
            "-x = below detection limit x), become CENSORED_FACTOR x the detection limit (default 0.5, half the "
            "limit); they are counted in the log. Empty, NULL and other text values are skipped and counted. "
            "Numbers stored as text are read per field: '1,250.5' and '1,250,000' have thousands separators, "
            "'0,5' and '1.250,5' decimal commas; values such as '1,250' that nothing in the field decides are read "
            "with the point as decimal mark (1250) and counted. Values beyond the float32 range (above 3.4e38, fill "
            "codes) are skipped and counted. "
            "Samples at the same location (within 1 mm) are averaged into one.\n\n"
            "OUTPUT_CV writes a cross-validation table (CSV): leave-one-out up to 3000 samples, 10-fold above; "
            "per element, IDW at powers 1, 2, 3 (and POWER) and ordinary kriging, with RMSE, MAE, ME (mean "
            "prediction - observation) and R2 (1 - SSE/SST) in the original units. Lower RMSE/MAE, ME near 0 "
            "and R2 near 1 are better.\n\n"
            "PIXEL_SIZE is in the layer's map units; left at 0 it is set to a quarter of the mean sample spacing. "
            "EXTENT defaults to the layer extent plus a 5 % margin; cells outside the MASK polygons are nodata. "
            "The layer must be in a projected CRS (metres).\n\n" + SCHEDULER_HELP.format(what="blocks of rows")
        )

    def initAlgorithm(self, config=None) -> None:  # noqa: N802 (QGIS API name)
        self.addParameter(
            QgsProcessingParameterFeatureSource(self.INPUT, self.tr("Sample points"), [QgsProcessing.TypeVectorPoint])
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.FIELDS,
                self.tr("Element fields (one band each)"),
                parentLayerParameterName=self.INPUT,
                type=QgsProcessingParameterField.Any,
                allowMultiple=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterDistance(
                self.PIXEL_SIZE,
                self.tr("Pixel size (0 = automatic)"),
                defaultValue=0.0,
                parentParameterName=self.INPUT,
                minValue=0.0,
            )
        )
        self.addParameter(QgsProcessingParameterExtent(self.EXTENT, self.tr("Output extent"), optional=True))
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.MASK, self.tr("Mask (study area polygons)"), [QgsProcessing.TypeVectorPolygon], optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.POWER,
                self.tr("Distance power"),
                QgsProcessingParameterNumber.Double,
                2.0,
                minValue=0.1,
                maxValue=20.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.NEIGHBORS,
                self.tr("Nearest samples per cell (0 = all)"),
                QgsProcessingParameterNumber.Integer,
                12,
                minValue=0,
            )
        )
        self.addParameter(
            QgsProcessingParameterDistance(
                self.MAX_DISTANCE,
                self.tr("Search radius (0 = unlimited)"),
                defaultValue=0.0,
                parentParameterName=self.INPUT,
                minValue=0.0,
                optional=True,
            )
        )
        self.addParameter(QgsProcessingParameterBoolean(self.LOG_TRANSFORM, self.tr("Interpolate log values"), False))
        self.addParameter(
            QgsProcessingParameterEnum(
                self.METHOD,
                self.tr("Method"),
                options=[self.tr("Inverse distance weighting (IDW)"), self.tr("Ordinary kriging")],
                defaultValue=0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.CENSORED_FACTOR,
                self.tr("Below-detection values: fraction of the detection limit to use"),
                QgsProcessingParameterNumber.Double,
                0.5,
                minValue=0.0,
                maxValue=1.0,
            )
        )
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
        ]
        advanced.append(scheduler_parameter(self.tr))
        for parameter in advanced:
            parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
            self.addParameter(parameter)
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Element rasters")))
        self.addParameter(
            QgsProcessingParameterRasterDestination(
                self.OUTPUT_VARIANCE, self.tr("Kriging variance"), optional=True, createByDefault=False
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT_CV,
                self.tr("Cross-validation table"),
                fileFilter="CSV files (*.csv)",
                optional=True,
                createByDefault=False,
            )
        )

    def process(self, parameters, context, feedback):
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException("INPUT: the sample layer could not be opened; choose a point layer.")
        fields = self.parameterAsFields(parameters, self.FIELDS, context)
        if not fields:
            raise QgsProcessingException("FIELDS: choose at least one element field to interpolate.")
        crs = source.sourceCrs()
        if not crs.isValid():
            raise QgsProcessingException("INPUT: the layer has no CRS; set its CRS (Layer Properties › Source).")
        require_projected(crs, self.INPUT, "the layer", "distances and pixel sizes must be in metres", REPROJECT_ADVICE)
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        method = self.enum_name(parameters, self.METHOD, context)
        variance_output = self._optional_output(parameters, self.OUTPUT_VARIANCE, context, raster=True)
        cv_output = self._optional_output(parameters, self.OUTPUT_CV, context, raster=False)
        if variance_output and method != "kriging":
            raise QgsProcessingException(
                "OUTPUT_VARIANCE: only ordinary kriging gives a variance; set METHOD to ordinary kriging "
                "or leave the variance output empty."
            )
        fixed = self._fixed_variogram(parameters, context)
        censored_factor = self.parameterAsDouble(parameters, self.CENSORED_FACTOR, context)
        runner = task_runner(self, parameters, context, feedback)

        log_transform = self.parameterAsBool(parameters, self.LOG_TRANSFORM, context)
        xy, values, reports, merged = self._samples(
            source, fields, crs, log_transform, censored_factor, context, feedback
        )
        grid = self._output_grid(parameters, context, feedback, xy, crs, len(fields))
        mask = mask_from_source(self.parameterAsSource(parameters, self.MASK, context), crs, grid, context)

        max_distance = self.parameterAsDouble(parameters, self.MAX_DISTANCE, context) or None
        power = self.parameterAsDouble(parameters, self.POWER, context)
        neighbors = self.parameterAsInt(parameters, self.NEIGHBORS, context)
        variograms = None
        if method == "kriging" or cv_output:
            variograms = self._variograms(parameters, context, feedback, xy, values, fields, log_transform, fixed)
        grid_share = 85 if cv_output else 95
        progress = lambda f: feedback.setProgress(grid_share * f)  # noqa: E731
        with runner:
            bands, variance = self._interpolate(
                method, xy, values, grid, fields, variograms, power, neighbors, max_distance, mask, log_transform,
                progress, feedback, runner,
            )  # fmt: skip

        scores = []
        if cv_output:
            scores = self._cross_validate(
                xy, values, fields, variograms, power, neighbors, max_distance, log_transform, feedback, grid_share
            )

        extra = {
            "method": "idw" if method == "idw" else "ordinary kriging",
            "samples": int(len(xy)),
            "input": source.sourceName(),
            "duplicates_merged": int(merged),
            "censored_factor": censored_factor,
            "censored": {name: rep.censored for name, rep in zip(fields, reports)},
            "log": ("log10" if method == "idw" else "ln, lognormal back-transform") if log_transform else "none",
        }
        if variograms is not None:
            extra["variograms"] = {name: vg.as_dict() for name, vg in zip(fields, variograms)}
        provenance = self.provenance(parameters, context, extra)
        check_cancelled(feedback.isCanceled)  # last chance before the outputs are written
        write_geotiff(output, bands, grid, fields, nodata=NODATA, provenance=provenance)
        results = {self.OUTPUT: output}
        self.style_on_load(context, output, "element_pseudocolor")
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
            )
            self.style_on_load(context, variance_output, "element_pseudocolor", name="Kriging variance")
            results[self.OUTPUT_VARIANCE] = variance_output
        if cv_output:
            crossval.write_csv(cv_output, scores, parameter=self.OUTPUT_CV)
            results[self.OUTPUT_CV] = cv_output
        feedback.setProgress(100)
        return results

    def _samples(self, source, fields, crs, log_transform, censored_factor, context, feedback):
        """Sample coordinates and values (co-located samples averaged, values <= 0 replaced before a log)."""
        feedback.pushInfo(f"Reading {source.featureCount()} samples, fields: {', '.join(fields)}")
        # values beyond float32 cannot be held by the output bands: they are fill codes, read as missing
        xy, values, reports = point_samples(
            source, fields, crs, context, feedback, censored_factor=censored_factor, max_abs=FLOAT32_MAX
        )
        report_values(feedback, fields, reports, censored_factor=censored_factor)

        xy, values, merged = average_duplicates(xy, values, DUPLICATE_TOLERANCE)
        if merged:
            feedback.pushWarning(
                f"{merged} samples shared a location with another one; co-located samples were averaged "
                f"({len(xy)} sites remain)."
            )

        if log_transform:
            for j, name in enumerate(fields):
                values[:, j], replaced, substitute = substitute_nonpositive(values[:, j])
                if replaced:
                    feedback.pushWarning(
                        f"{name}: {replaced} values <= 0 set to {substitute:g}, half the smallest positive value, "
                        "before the log transform."
                    )
        return xy, values, reports, merged

    def _output_grid(self, parameters, context, feedback, xy, crs, n_fields) -> GridSpec:
        """EXTENT (default: the samples' extent plus 5 %) at PIXEL_SIZE (default: a quarter of the sample spacing)."""
        if parameters.get(self.EXTENT) not in (None, ""):
            extent = self.parameterAsExtent(parameters, self.EXTENT, context, crs)
            bounds = (extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum())
        else:
            bounds = padded_extent(xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max())

        pixel_size = self.parameterAsDouble(parameters, self.PIXEL_SIZE, context)
        if bounds[2] <= bounds[0] or bounds[3] <= bounds[1]:  # one sample, or all on one line
            if pixel_size <= 0:
                raise QgsProcessingException(
                    f"PIXEL_SIZE: the {len(xy)} sample(s) do not span an area, so no pixel size can be derived; "
                    "set PIXEL_SIZE (and EXTENT), or add samples."
                )
            margin = 10 * pixel_size
            bounds = (
                min(bounds[0], xy[:, 0].min() - margin),
                min(bounds[1], xy[:, 1].min() - margin),
                max(bounds[2], xy[:, 0].max() + margin),
                max(bounds[3], xy[:, 1].max() + margin),
            )
        if len(xy) < 3:
            feedback.pushWarning(f"INPUT: only {len(xy)} sample(s): the raster shows little more than their values.")
        if pixel_size <= 0:
            area = max((bounds[2] - bounds[0]) * (bounds[3] - bounds[1]), 1e-12)
            spacing = math.sqrt(area / max(len(xy), 1))
            pixel_size = float(f"{spacing / 4:.2g}")
            feedback.pushInfo(f"Automatic pixel size: {pixel_size:g} map units (a quarter of the sample spacing).")
        grid = GridSpec.from_extent(*bounds, pixel_size=pixel_size, crs_wkt=crs.toWkt())
        feedback.pushInfo(f"Output grid: {grid.width} x {grid.height} cells of {pixel_size:g}")
        # float32 bands, the mask, a block of float64 work per cell, the float32 copy written to disk
        self.check_memory(
            grid.width * grid.height,
            9 * n_fields + 1,
            self.PIXEL_SIZE,
            f"a grid of {grid.width} x {grid.height} cells x {n_fields} band(s)",
            "use a larger PIXEL_SIZE, a smaller EXTENT or fewer FIELDS.",
        )
        return grid

    def _interpolate(
        self, method, xy, values, grid, fields, variograms, power, neighbors, max_distance, mask, log_transform,
        progress, feedback, runner=None,
    ) -> Tuple[np.ndarray, Optional[np.ndarray]]:  # fmt: skip
        """The element bands on ``grid``, and the kriging variance (None for IDW)."""
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
            if not log_transform:
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

    def _variograms(self, parameters, context, feedback, xy, values, fields, log_transform, fixed):
        units = "ln units" if log_transform else "value units squared"
        if fixed is not None:
            feedback.pushInfo(f"Fixed variogram for every field ({units}): {fixed.describe()}")
            return [fixed] * len(fields)
        model_index = self.parameterAsEnum(parameters, self.VARIOGRAM_MODEL, context)
        models = MODELS if model_index == 0 else (MODELS[model_index - 1],)
        fitted = fit_variograms(xy, values, fields, log_transform=log_transform, models=models)
        for name, (vg, scores) in zip(fields, fitted):
            others = ", ".join(f"{m} {c:.3g}" for m, c in scores.items())
            feedback.pushInfo(f"{name}: variogram ({units}) {vg.describe()} [weighted SSE: {others}]")
        return [vg for vg, _ in fitted]

    def _cross_validate(
        self, xy, values, fields, variograms, power, neighbors, max_distance, log_transform, feedback, start
    ):
        powers = sorted({1.0, 2.0, 3.0, float(power)})
        scores = []
        steps = len(fields) * (len(powers) + 1)
        done = 0
        for j, name in enumerate(fields):
            ok = np.isfinite(values[:, j])
            pxy, z = xy[ok], values[ok, j]
            for p in powers:

                def idw(txy, tz, targets, exclude, p=p):
                    return idw_points(txy, tz, targets, p, neighbors, max_distance, exclude, log_transform)

                pred, scheme = crossval.cross_validate(pxy, z, idw, is_cancelled=feedback.isCanceled)
                scores.append(crossval.score(name, "idw", f"power={p:g} k={neighbors}", scheme, z, pred))
                done += 1
                feedback.setProgress(start + (99 - start) * done / steps)
            vg = variograms[j]

            def krige(txy, tz, targets, exclude, vg=vg):
                est, _ = krige_points(
                    txy,
                    tz,
                    targets,
                    vg,
                    neighbors,
                    max_distance,
                    exclude,
                    log_transform,
                    is_cancelled=feedback.isCanceled,
                )
                return est

            pred, scheme = crossval.cross_validate(pxy, z, krige, is_cancelled=feedback.isCanceled)
            scores.append(crossval.score(name, "ordinary kriging", f"{vg.describe()} k={neighbors}", scheme, z, pred))
            done += 1
            feedback.setProgress(start + (99 - start) * done / steps)
            best = min((s for s in scores if s.element == name), key=lambda s: s.rmse)
            feedback.pushInfo(
                f"{name}: cross-validation ({scheme}) best RMSE {best.rmse:.4g} by {best.method} ({best.settings})"
            )
        return scores
