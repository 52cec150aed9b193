"""prospector:interpolate: sample points to a multi-band element raster."""

from __future__ import annotations

import math

import numpy as np
from qgis.core import (
    QgsCoordinateTransform,
    QgsFeatureRequest,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDistance,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
)

from ..core.callbacks import check_cancelled
from ..core.grid import GridSpec, padded_extent
from ..core.idw import idw_grid
from ..core.raster_io import rasterize_mask, write_geotiff
from ..core.values import substitute_nonpositive
from .base import ProspectorAlgorithm, point_samples, report_values

NODATA = -9999.0


class InterpolateAlgorithm(ProspectorAlgorithm):
    INPUT = "INPUT"
    FIELDS = "FIELDS"
    PIXEL_SIZE = "PIXEL_SIZE"
    EXTENT = "EXTENT"
    MASK = "MASK"
    POWER = "POWER"
    NEIGHBORS = "NEIGHBORS"
    MAX_DISTANCE = "MAX_DISTANCE"
    LOG_TRANSFORM = "LOG_TRANSFORM"
    OUTPUT = "OUTPUT"

    group_id = "geochemistry"

    def name(self) -> str:
        return "interpolate"

    def displayName(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Interpolate geochemistry to rasters")

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr(
            "Grids sample points (soil, till, stream sediment) into a multi-band GeoTIFF, one band per element "
            "field, the band description being the field name.\n\n"
            "Inverse distance weighting over the NEIGHBORS nearest samples (0 = all samples, global IDW), "
            "optionally limited to MAX_DISTANCE (cells with no sample in range become nodata). A cell that "
            "coincides with a sample takes that sample's value.\n\n"
            "LOG_TRANSFORM interpolates log10 of the concentrations and transforms back, the usual choice for "
            "lognormally distributed geochemistry; values <= 0 (zero or below-detection codes) are first set to half the field's smallest positive value.\n\n"
            "PIXEL_SIZE is in the layer's map units; left at 0 it is set to a quarter of the mean sample spacing. "
            "EXTENT defaults to the layer extent plus a 5 % margin; cells outside the MASK polygons are nodata. "
            "The layer must be in a projected CRS (metres)."
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
        self.addParameter(QgsProcessingParameterBoolean(self.LOG_TRANSFORM, self.tr("Interpolate log10 values"), False))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Element rasters")))

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
        if crs.isGeographic():
            raise QgsProcessingException(
                f"INPUT: the layer is in a geographic CRS ({crs.authid()}, degrees), where distances and pixel "
                "sizes are not in metres. Reproject it to a projected CRS first (Vector › Data Management Tools › "
                "Reproject Layer, e.g. to the local UTM zone)."
            )
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)

        feedback.pushInfo(f"Reading {source.featureCount()} samples, fields: {', '.join(fields)}")
        xy, values, reports = point_samples(source, fields, crs, context, feedback)
        report_values(feedback, fields, reports)

        log_transform = self.parameterAsBool(parameters, self.LOG_TRANSFORM, context)
        if log_transform:
            for j, name in enumerate(fields):
                values[:, j], replaced, substitute = substitute_nonpositive(values[:, j])
                if replaced:
                    feedback.pushWarning(
                        f"{name}: {replaced} values <= 0 (below detection) set to {substitute:g}, half the "
                        "smallest positive value, before the log transform."
                    )

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
            9 * len(fields) + 1,
            self.PIXEL_SIZE,
            f"a grid of {grid.width} x {grid.height} cells x {len(fields)} band(s)",
            "use a larger PIXEL_SIZE, a smaller EXTENT or fewer FIELDS.",
        )

        mask = None
        mask_source = self.parameterAsSource(parameters, self.MASK, context)
        if mask_source is not None:
            mask = rasterize_mask(self._shapely_geometries(mask_source, crs, context), grid)
            if not mask.any():
                raise QgsProcessingException("MASK: the mask polygons do not cover the output extent.")

        max_distance = self.parameterAsDouble(parameters, self.MAX_DISTANCE, context) or None
        bands = idw_grid(
            xy,
            values,
            grid,
            power=self.parameterAsDouble(parameters, self.POWER, context),
            neighbors=self.parameterAsInt(parameters, self.NEIGHBORS, context),
            max_distance=max_distance,
            mask=mask,
            log_transform=log_transform,
            nodata=np.nan,
            progress=lambda f: feedback.setProgress(95 * f),
            is_cancelled=feedback.isCanceled,
            field_names=fields,
        )
        check_cancelled(feedback.isCanceled)  # last chance before the output is written
        provenance = self.provenance(
            parameters, context, {"method": "idw", "samples": int(len(xy)), "input": source.sourceName()}
        )
        write_geotiff(output, bands, grid, fields, nodata=NODATA, provenance=provenance)
        feedback.setProgress(100)
        self.style_on_load(context, output, "element_pseudocolor")
        return {self.OUTPUT: output}

    @staticmethod
    def _shapely_geometries(source, crs, context):
        """Mask polygons as shapely geometries in the output CRS."""
        from shapely import wkb

        transform = QgsCoordinateTransform(source.sourceCrs(), crs, context.transformContext())
        geometries = []
        for feature in source.getFeatures(QgsFeatureRequest().setNoAttributes()):
            geometry = feature.geometry()
            if geometry is None or geometry.isEmpty():
                continue
            geometry.transform(transform)
            geometries.append(wkb.loads(bytes(geometry.asWkb())))
        return geometries
