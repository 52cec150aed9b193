"""prospector:evidence: faults, lithology, points and geophysics to one aligned, named multi-band GeoTIFF."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterCrs,
    QgsProcessingParameterDistance,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProviderRegistry,
    QgsRasterLayer,
    QgsRectangle,
    QgsWkbTypes,
)

from ..core.callbacks import check_cancelled
from ..core.evidence.bands import names, refuse_repeated_bands, table_csv
from ..core.evidence.geometry import bbox_overlaps, points_of, segments_of
from ..core.evidence.line_notes import (
    MAX_KINDS,
    check_density_radius,
    could_hold_kinds,
    far_cut_info,
    intersections_info,
    kind_field_note,
    kind_fields,
    near_duplicate_note,
    polygons_as_lines_note,
    repeated_lines_note,
    zero_length_note,
)
from ..core.evidence.lines import LineEvidence, intersection_note
from ..core.evidence.points import PointEvidence
from ..core.evidence.polygon_notes import (
    class_fields,
    classes_info,
    collections_note,
    no_contacts_error,
    overlaps_note,
    single_class_note,
    spelling_notes,
    unclassed_note,
    uncovered_note,
    wanted_classes,
)
from ..core.evidence.polygons import PolygonEvidence, choose_classes, class_label, id_like_hint, one_spelling
from ..core.evidence.rasters import CATEGORICAL_METHODS, CONTINUOUS_METHODS, RasterEvidence, colour_note
from ..core.evidence.stack import mask_cells, reference_grid, sparse_raster_notes, write_stack
from ..core.grid import GridSpec
from ..core.io.encoding import refuse_undecoded_classes
from ..core.io.outputs import write_text
from ..core.io.rasters import layer_label, raster_warnings, side_file_crs_note
from . import parameters as params
from .base import ProspectorAlgorithm
from .crs_checks import (
    REPROJECT_ADVICE,
    defined_crs,
    geographic_centre,
    layer_extent,
    refuse_unrelated_crs,
    require_projected,
    source_transform,
    unreadable_crs,
    utm_advice,
    warn_few_cells,
)
from .geometries import MASK_ADVICE, combined_bounds, missed_grid_detail, require_mask_polygons, shapely_features
from .inputs import VRT_PROPERTY, input_file, layer_file, require_gdal_raster, vector_layer_names
from .point_reading import check_fields, require_geometry
from .scheduling import HELP as SCHEDULER_HELP
from .scheduling import scheduler_parameter, task_runner

#: most classes written as bands when CLASSES is empty
MAX_CLASSES = 20
#: the progress (%) given to reading the layers and searching the lines for copies and crossings, before the bands
PREPARE_SHARE = 10


@dataclass(frozen=True)
class GivenLayers:
    """The evidence layers the parameters give, checked before any sets the grid."""

    lines: list
    points: list
    polygons: Any  # a feature source, None without POLYGONS
    continuous: list
    categorical: list
    copied_reference: Any  # the REFERENCE_RASTER layer when REFERENCE_BANDS copies its bands, else None


@dataclass(frozen=True)
class FoundSource:
    """One source of bands, with what the messages name it by: the parameter it came from and its file."""

    evidence: Any  # LineEvidence, PolygonEvidence, PointEvidence or RasterEvidence
    parameter: str  # 'LINES', or 'REFERENCE_RASTER (REFERENCE_BANDS)' for the grid raster's own bands
    file: str  # '' when it has none


class EvidenceAlgorithm(ProspectorAlgorithm):
    ENUM_NAMES = {"CONTINUOUS_METHOD": CONTINUOUS_METHODS, "CATEGORICAL_METHOD": CATEGORICAL_METHODS}
    REFERENCE_RASTER = "REFERENCE_RASTER"
    REFERENCE_BANDS = "REFERENCE_BANDS"
    EXTENT = "EXTENT"
    PIXEL_SIZE = "PIXEL_SIZE"
    CRS = "CRS"
    MASK = "MASK"
    LINES = "LINES"
    DENSITY_RADIUS = "DENSITY_RADIUS"
    INTERSECTIONS = "INTERSECTIONS"
    POLYGONS = "POLYGONS"
    CLASS_FIELD = "CLASS_FIELD"
    CLASSES = "CLASSES"
    MAX_CLASSES = "MAX_CLASSES"
    CONTACTS = "CONTACTS"
    POINTS = "POINTS"
    CONTINUOUS_RASTERS = "CONTINUOUS_RASTERS"
    CONTINUOUS_METHOD = "CONTINUOUS_METHOD"
    CATEGORICAL_RASTERS = "CATEGORICAL_RASTERS"
    CATEGORICAL_METHOD = "CATEGORICAL_METHOD"
    OUTPUT = "OUTPUT"
    OUTPUT_TABLE = "OUTPUT_TABLE"

    group_id = "evidence"

    def name(self) -> str:
        return "evidence"

    def displayName(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Build evidence layers (faults, lithology, geophysics)")

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr(
            "Builds one multi-band GeoTIFF of evidence on one grid, each band named for what it holds "
            "(<layer>:<what>) with its unit in the band metadata, ready for pseudolabel, traincnn and predict.\n\n"
            "Grid: the REFERENCE_RASTER's grid (e.g. the element rasters of interpolate; with REFERENCE_BANDS its "
            "bands open the stack, so one file holds all the evidence), or EXTENT (default: the "
            "MASK's extent, else the layers' extent) at PIXEL_SIZE in the CRS (default: the first layer's). The "
            "CRS must be projected (metres or feet; distance bands are in metres and densities in km per km² either "
            "way). Layers in other CRSs are reprojected; cells outside the MASK polygons "
            "are nodata.\n\n"
            "LINES (faults, contacts, dykes), one layer or more: <layer>:distance_m, the exact distance from each "
            "cell centre to the nearest line (features beyond the grid count too; a cell where the fault map does "
            "not reach is measured to the nearest fault mapped, and its density is 0: give the map's outline as MASK "
            "to leave such cells nodata); with DENSITY_RADIUS > 0, "
            "<layer>:density_km_per_km2, the line length within that radius per km2; with INTERSECTIONS, "
            "<layer>:intersection_distance_m, the distance to points where two features of the layer cross or "
            "meet (two features continuing each other end to end do not count; without any the band is left out, and "
            "the log warns when there are only one or two, or none on the grid). A stretch of a line within a tenth "
            "of a cell of an earlier feature over three cells or more (one fault digitised twice a few metres apart) "
            "counts once in the density and the intersections, as the log says; lines a cell or more apart count "
            "as two.\n\n"
            "POLYGONS (lithology) with a CLASS_FIELD: one band <layer>:<class> per class, 1 where the cell centre "
            "lies in a polygon of that class and 0 elsewhere, also in no polygon at all: a layer of some bodies "
            "alone (intrusions, a target unit) means 'not this rock' between them, so those cells are 0, not "
            "nodata; where a map stops short of the grid (a border, a sheet edge) the log says how much of the grid "
            "it leaves out: give the map's outline as MASK so that those cells are nodata, not 'none of these "
            "rocks'. CLASSES lists the classes to use (separated by ';'), "
            "empty = every class when the field has at most MAX_CLASSES values. With CONTACTS, "
            "<layer>:contact_distance_m, the distance to the boundaries between classes (not the map's outline); a "
            "layer of one class (a river, an intrusion) has none, so it gets its class band alone, with a warning "
            "(give its polygons as LINES too for the distance to their outline).\n\n"
            "POINTS (intrusion centres, occurrences used as evidence, not as labels): <layer>:distance_m.\n\n"
            "CONTINUOUS_RASTERS (magnetics, gravity, radiometrics, DEM) are resampled with CONTINUOUS_METHOD "
            "(bilinear, average or cubic), CATEGORICAL_RASTERS (classified maps) with CATEGORICAL_METHOD (nearest "
            "or mode), by GDAL's warper; their bands keep their descriptions (<layer>:<band>) and units.\n\n"
            "OUTPUT_TABLE (CSV) lists every band: number, name, kind, unit, source layer and class value. The "
            "evidence is computed tile by tile (512 x 512 cells): memory does not grow with the grid.\n\n"
            + SCHEDULER_HELP.format(what="tiles")
        )

    def initAlgorithm(self, config=None) -> None:  # noqa: N802 (QGIS API name)
        self.addParameter(
            QgsProcessingParameterRasterLayer(
                self.REFERENCE_RASTER, self.tr("Grid from this raster (e.g. the element rasters)"), optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterBoolean(
                self.REFERENCE_BANDS, self.tr("Copy the grid raster's bands into the stack first"), False
            )
        )
        self.addParameter(
            QgsProcessingParameterExtent(self.EXTENT, self.tr("Extent (without a raster)"), optional=True)
        )
        self.addParameter(
            QgsProcessingParameterDistance(
                self.PIXEL_SIZE, self.tr("Pixel size (without a raster)"), defaultValue=0.0, minValue=0.0, optional=True
            )
        )
        self.addParameter(QgsProcessingParameterCrs(self.CRS, self.tr("CRS (without a raster)"), optional=True))
        self.addParameter(params.mask())
        self.addParameter(
            QgsProcessingParameterMultipleLayers(
                self.LINES, self.tr("Lines: faults, contacts, dykes"), QgsProcessing.TypeVectorLine, optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterDistance(
                self.DENSITY_RADIUS,
                self.tr("Line density radius (0 = no density band)"),
                defaultValue=0.0,
                minValue=0.0,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterBoolean(self.INTERSECTIONS, self.tr("Distance to intersections of lines"), False)
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.POLYGONS,
                self.tr("Polygons with classes: lithology"),
                [QgsProcessing.TypeVectorPolygon],
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.CLASS_FIELD,
                self.tr("Class field"),
                parentLayerParameterName=self.POLYGONS,
                type=QgsProcessingParameterField.Any,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.CLASSES, self.tr("Classes to use, separated by ';' (empty = all)"), optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MAX_CLASSES,
                self.tr("Most classes when all are used"),
                QgsProcessingParameterNumber.Integer,
                MAX_CLASSES,
                minValue=1,
                maxValue=255,
            )
        )
        self.addParameter(QgsProcessingParameterBoolean(self.CONTACTS, self.tr("Distance to contacts"), True))
        self.addParameter(
            QgsProcessingParameterMultipleLayers(
                self.POINTS,
                self.tr("Points: intrusion centres, occurrences"),
                QgsProcessing.TypeVectorPoint,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterMultipleLayers(
                self.CONTINUOUS_RASTERS,
                self.tr("Continuous rasters: magnetics, gravity, radiometrics, DEM"),
                QgsProcessing.TypeRaster,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.CONTINUOUS_METHOD,
                self.tr("Resampling of continuous rasters"),
                options=[self.tr("Bilinear"), self.tr("Average"), self.tr("Cubic")],
                defaultValue=0,
            )
        )
        self.addParameter(
            QgsProcessingParameterMultipleLayers(
                self.CATEGORICAL_RASTERS,
                self.tr("Categorical rasters: classified maps"),
                QgsProcessing.TypeRaster,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.CATEGORICAL_METHOD,
                self.tr("Resampling of categorical rasters"),
                options=[self.tr("Nearest neighbour"), self.tr("Mode (most frequent)")],
                defaultValue=0,
            )
        )
        self.addParameter(scheduler_parameter(self.tr))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Evidence stack")))
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT_TABLE,
                self.tr("Band table"),
                fileFilter="CSV files (*.csv)",
                optional=True,
                createByDefault=False,
            )
        )

    def process(self, parameters, context, feedback):
        given = self._given_layers(parameters, context)
        runner = task_runner(self, parameters, context, feedback)
        grid, crs = self._grid(parameters, context, feedback, given.lines, given.points, given.polygons)
        mask = self._mask(parameters, context, crs, grid, feedback)
        sources = self._sources(parameters, context, feedback, given, crs, grid, mask, shared=not runner.in_process)
        try:
            output, table = self._destinations(parameters, context)
            bands = [b for s in sources for b in s.bands]
            feedback.pushInfo(f"{len(bands)} band(s): {', '.join(names(bands))}")
            provenance = self.provenance(
                parameters, context, {"bands": [{"name": b.name, "unit": b.unit, "kind": b.kind} for b in bands]}
            )
            check_cancelled(feedback.isCanceled)
            written = self._written_stack(feedback, output, grid, sources, mask, provenance, runner)
        finally:  # written or refused, the rasters are closed
            _close_rasters(sources)
        return self._finished(context, feedback, output, table, sources, bands, written, grid)

    def _given_layers(self, parameters, context) -> GivenLayers:
        """The evidence layers given, refused when there are none, or when a vector parameter holds a raster or a
        table without geometry (before any of them sets the grid)."""
        lines = self.parameterAsLayerList(parameters, self.LINES, context) or []
        points = self.parameterAsLayerList(parameters, self.POINTS, context) or []
        polygons = self.parameterAsSource(parameters, self.POLYGONS, context)
        continuous = self.parameterAsLayerList(parameters, self.CONTINUOUS_RASTERS, context) or []
        categorical = self.parameterAsLayerList(parameters, self.CATEGORICAL_RASTERS, context) or []
        reference = self.parameterAsRasterLayer(parameters, self.REFERENCE_RASTER, context)
        copy_reference = reference is not None and self.parameterAsBool(parameters, self.REFERENCE_BANDS, context)
        if not (lines or points or polygons is not None or continuous or categorical or copy_reference):
            raise QgsProcessingException(
                "LINES: no evidence given; choose at least one layer (LINES, POLYGONS, POINTS, CONTINUOUS_RASTERS or "
                "CATEGORICAL_RASTERS)."
            )
        mask_layer = self.parameterAsSource(parameters, self.MASK, context)
        for layer, parameter in (
            *((lyr, self.LINES) for lyr in lines),
            *((lyr, self.POINTS) for lyr in points),
            (polygons, self.POLYGONS),
            (mask_layer, self.MASK),
        ):  # a table (a CSV read without its coordinates) has no extent or CRS for the grid either: say why first
            if isinstance(layer, QgsRasterLayer):  # a model's step or a batch row, where QGIS's check did not run
                raise QgsProcessingException(
                    f"{parameter}: '{layer.name()}' is a raster, not a vector layer; give a vector file (e.g. a "
                    "GeoPackage), or give the raster where rasters go."
                )
            if layer is not None:
                require_geometry(layer, parameter)
        return GivenLayers(lines, points, polygons, continuous, categorical, reference if copy_reference else None)

    def _sources(self, parameters, context, feedback, given: GivenLayers, crs, grid: GridSpec, mask, shared: bool):
        """Every source of bands in the stack's order (the grid raster's own bands, lines, polygons, points,
        continuous then categorical rasters), refused when two would give bands of one name. ``shared``: Dask
        workers open the raster files themselves."""
        found: List[FoundSource] = []
        try:
            found.extend(self._reference_bands(given.copied_reference, grid, feedback, shared))
            found.extend(self._vector_sources(parameters, context, feedback, given, crs, grid, mask))
            self._raster_sources(parameters, context, feedback, given, crs, grid, shared, found)
            refuse_repeated_bands([f.evidence for f in found], [f.parameter for f in found], [f.file for f in found])
        except BaseException:  # a refusal or a cancel: the rasters opened so far are closed, not left to the GC
            _close_rasters([f.evidence for f in found])
            raise
        return [f.evidence for f in found]

    def _reference_bands(self, reference, grid: GridSpec, feedback, shared: bool) -> List[FoundSource]:
        """The grid raster's bands (with REFERENCE_BANDS): on its own grid, nearest neighbour copies every cell as
        it is."""
        if reference is None:
            return []
        path = _raster_file(reference, self.REFERENCE_RASTER, shared)
        source = RasterEvidence(
            _layer_name(reference), path, grid, "nearest", self.REFERENCE_RASTER, "continuous",
            _layer_crs_wkt(reference), _shown_file(reference),
        )  # fmt: skip
        _warn_colour_coded(source, False, feedback)  # a picture's colours copied as bands: say so
        return [
            FoundSource(
                source,
                f"{self.REFERENCE_RASTER} ({self.REFERENCE_BANDS})",
                _shown_file(reference) or layer_file(reference),
            )
        ]

    def _vector_sources(self, parameters, context, feedback, given: GivenLayers, crs, grid, mask) -> List[FoundSource]:
        """The lines, the polygons and the points, each layer read and checked in that order (all are read before
        any is added)."""
        found = []
        for sources, parameter, behind in (
            (self._lines(parameters, context, feedback, given.lines, crs, grid), self.LINES,
             [layer_file(x) for x in given.lines]),
            ([self._polygons(parameters, context, feedback, given.polygons, crs, grid, mask)]
             if given.polygons is not None else [], self.POLYGONS, [input_file(parameters, self.POLYGONS, context)]),
            (self._points(context, feedback, given.points, crs, grid), self.POINTS,
             [layer_file(x) for x in given.points]),
        ):  # fmt: skip
            found += [FoundSource(s, parameter, str(f or "")) for s, f in zip(sources, behind)]
        return found

    def _raster_sources(
        self, parameters, context, feedback, given: GivenLayers, crs, grid: GridSpec, shared: bool, found: list
    ) -> None:
        """The continuous, then the categorical rasters added to ``found`` as each is opened (so that a refusal of a
        later one closes it), each resampled by its method, with a warning for each raster whose values are colours
        or which holds cells the stack cannot keep as they are."""
        for layers, method_name, parameter in (
            (given.continuous, self.CONTINUOUS_METHOD, self.CONTINUOUS_RASTERS),
            (given.categorical, self.CATEGORICAL_METHOD, self.CATEGORICAL_RASTERS),
        ):
            method = self.enum_name(parameters, method_name, context)
            for layer in layers:
                refuse_unrelated_crs(layer.crs(), crs, context, parameter, "the grid's", _layer_name(layer))
                path = _raster_file(layer, parameter, shared)
                source = RasterEvidence(
                    _layer_name(layer), path, grid, method, parameter, None, _layer_crs_wkt(layer), _shown_file(layer)
                )
                found.append(FoundSource(source, parameter, _shown_file(layer) or layer_file(layer)))
                _warn_colour_coded(source, parameter == self.CONTINUOUS_RASTERS, feedback)
                # as every reader says them: a fill value used as data (no nodata tag), float64 cells beyond what
                # the float32 stack holds, a band of one value
                for warning in raster_warnings([(path, i) for i in source.indexes], parameter, pictures=False):
                    feedback.pushWarning(warning)

    def _destinations(self, parameters, context) -> Tuple[str, str]:
        """The stack's path and the band table's ('' without one)."""
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        table = (
            self.parameterAsFileOutput(parameters, self.OUTPUT_TABLE, context)
            if parameters.get(self.OUTPUT_TABLE) not in (None, "")
            else ""
        )
        return output, table

    def _written_stack(self, feedback, output: str, grid: GridSpec, sources, mask, provenance, runner):
        """The stack written tile by tile (committed only when every tile is), the rasters closed after it either
        way; what :func:`core.evidence.stack.write_stack` found of each source on the grid."""
        try:
            with runner:
                written = write_stack(
                    output,
                    grid,
                    sources,
                    mask,
                    provenance=provenance,
                    progress=lambda f: feedback.setProgress(PREPARE_SHARE + (99 - PREPARE_SHARE) * f),
                    is_cancelled=feedback.isCanceled,
                    parameter=self.OUTPUT,
                    runner=runner,
                )
        finally:
            _close_rasters(sources)
        check_cancelled(feedback.isCanceled)  # a cancel after the last tile: the stack is not committed either
        return written

    def _finished(self, context, feedback, output: str, table: str, sources, bands, written, grid: GridSpec) -> dict:
        """The notes on rasters that cover little of the grid, the band table written, the stack styled: the
        results."""
        for note in sparse_raster_notes(sources, written, grid):
            feedback.pushWarning(note)
        results = {self.OUTPUT: output}
        if table:
            write_text(table, table_csv(bands), parameter=self.OUTPUT_TABLE)
            results[self.OUTPUT_TABLE] = table
        # the map shows band 1: a distance band is coloured warm near the features (faults, contacts), where the
        # evidence lies, not far from them
        distance_first = bool(bands) and bands[0].kind == "distance"
        self.style_on_load(context, output, "element_pseudocolor", name="Evidence", inverted=distance_first)
        feedback.setProgress(100)
        return results

    # ---- the grid ------------------------------------------------------------------------------------------

    def _grid(self, parameters, context, feedback, lines, points, polygons) -> Tuple[GridSpec, Any]:
        """The output grid and its QGIS CRS: the reference raster's, or EXTENT at PIXEL_SIZE in CRS."""
        reference = self.parameterAsRasterLayer(parameters, self.REFERENCE_RASTER, context)
        if reference is not None:
            return self._reference_grid(reference, parameters, feedback)
        crs, crs_parameter = self._crs(parameters, context, lines, points, polygons)
        if not crs.isValid():
            raise QgsProcessingException(
                "CRS: the grid has no CRS; choose a CRS, a REFERENCE_RASTER, or layers with a CRS."
            )
        if crs_parameter == self.CRS and crs.isGeographic():  # typed: no layer to reproject, a CRS to choose
            where = _centre_in_degrees([*lines, *points, *([polygons] if polygons is not None else [])], context)
            raise QgsProcessingException(
                f"CRS: the grid's CRS is in a geographic CRS ({crs.authid() or crs.description()}, degrees), but "
                "distances and pixel sizes must be in metres or feet. Choose a projected CRS for the grid"
                + (utm_advice(where) if where is not None else " (e.g. the local UTM zone)")
                + "."
            )
        require_projected(crs, crs_parameter, "the grid's CRS", "distances and pixel sizes must be in metres or feet",
                          REPROJECT_ADVICE + " or choose a projected CRS")  # fmt: skip
        pixel = (
            self.parameterAsDouble(parameters, self.PIXEL_SIZE, context)
            if parameters.get(self.PIXEL_SIZE) not in (None, "")
            else 0.0
        )
        if not pixel > 0:
            raise QgsProcessingException(
                "PIXEL_SIZE: give the cell size in the CRS's map units (or a REFERENCE_RASTER whose grid to use)."
            )
        bounds = self._bounds(parameters, context, crs, lines + points, polygons)
        require_projected(crs, crs_parameter, "the grid's CRS", "distances and pixel sizes must be in metres or feet",
                          REPROJECT_ADVICE + " or choose a projected CRS", QgsRectangle(*bounds), feedback)  # fmt: skip
        grid = GridSpec.from_extent(*bounds, pixel_size=pixel, crs_wkt=crs.toWkt())
        feedback.pushInfo(f"Grid: {grid.describe()} ({crs.authid() or 'custom CRS'})")
        warn_few_cells(grid, bounds, feedback, "(in the CRS's map units), or a REFERENCE_RASTER whose grid to use")
        return grid, crs

    def _reference_grid(self, reference: QgsRasterLayer, parameters, feedback) -> Tuple[GridSpec, Any]:
        import rasterio

        from ..core.io.inputs import no_gdal_sidecars

        path = _raster_file(reference, self.REFERENCE_RASTER)
        with no_gdal_sidecars(), rasterio.open(path) as src:
            # a file without a CRS is read in the one set on the layer in QGIS, whose unit then sizes the distances
            own = src.crs.to_wkt() if src.crs else _layer_crs_wkt(reference)
            grid = reference_grid(src.transform, src.width, src.height, own)
        crs = reference.crs()
        if not crs.isValid():
            raise QgsProcessingException(
                "REFERENCE_RASTER: the raster has no CRS; assign one (Raster › Projections › Assign Projection)."
                + side_file_crs_note(path)
            )
        require_projected(crs, self.REFERENCE_RASTER, f"'{reference.name()}'", "distances must be in metres or feet",
                          extent=reference.extent(), feedback=feedback)  # fmt: skip
        if any(parameters.get(p) not in (None, "", 0, 0.0, "0") for p in (self.EXTENT, self.PIXEL_SIZE, self.CRS)):
            feedback.pushWarning("EXTENT, PIXEL_SIZE and CRS are ignored: the grid is the REFERENCE_RASTER's.")
        feedback.pushInfo(f"Grid of '{reference.name()}': {grid.describe()}")
        return grid, crs

    def _crs(self, parameters, context, lines, points, polygons) -> Tuple[Any, str]:
        """The grid CRS and the parameter it came from: CRS, else EXTENT's, else the first layer's."""
        if parameters.get(self.CRS) not in (None, ""):
            crs = self.parameterAsCrs(parameters, self.CRS, context)
            if not crs.isValid():
                raise QgsProcessingException(unreadable_crs(self.CRS, parameters.get(self.CRS)))
            return crs, self.CRS
        if parameters.get(self.EXTENT) not in (None, ""):
            crs = self.parameterAsExtentCrs(parameters, self.EXTENT, context)
            if crs.isValid():
                return crs, self.EXTENT
        layers = [(lyr, self.LINES) for lyr in lines] + [(polygons, self.POLYGONS)] + [(p, self.POINTS) for p in points]
        for layer, parameter in layers:
            if layer is not None and defined_crs(layer.sourceCrs()):
                return layer.sourceCrs(), parameter
        mask = self.parameterAsSource(parameters, self.MASK, context)
        if mask is not None:
            return mask.sourceCrs(), self.MASK
        return QgsCoordinateReferenceSystem(), self.CRS

    def _bounds(self, parameters, context, crs, vector_layers, polygons) -> Tuple[float, float, float, float]:
        if parameters.get(self.EXTENT) not in (None, ""):
            rect = self.parameterAsExtent(parameters, self.EXTENT, context, crs)
        else:
            mask = self.parameterAsSource(parameters, self.MASK, context)
            layers = [mask] if mask is not None else [*vector_layers, *([polygons] if polygons is not None else [])]
            rect = QgsRectangle()
            rect.setMinimal()
            for layer in layers:
                extent = source_transform(layer, crs, context).transformBoundingBox(layer_extent(layer))
                rect.combineExtentWith(extent)
            if rect.isEmpty() or rect.isNull():
                raise QgsProcessingException(
                    "EXTENT: no extent given and the layers have none to use; give an EXTENT or a REFERENCE_RASTER."
                )
        return rect.xMinimum(), rect.yMinimum(), rect.xMaximum(), rect.yMaximum()

    def _mask(self, parameters, context, crs, grid: GridSpec, feedback=None) -> Optional[list]:
        source = self.parameterAsSource(parameters, self.MASK, context)
        if source is None:
            return None
        require_mask_polygons(source, self.MASK)
        geometries, _ = shapely_features(source, crs, context, self.MASK, feedback=feedback, whose="the grid's")
        if not geometries:
            raise QgsProcessingException(f"MASK: the mask layer has no polygons; {MASK_ADVICE.format('MASK')}")
        if mask_cells(geometries, grid) == 0:
            raise QgsProcessingException(
                "MASK: the mask polygons do not cover the centre of any cell of the grid; check that the mask "
                "overlaps the extent (and its CRS)." + missed_grid_detail(geometries, grid)
            )
        return geometries

    # ---- the sources ---------------------------------------------------------------------------------------

    def _read(self, layer, crs, context, feedback, parameter: str, grid: GridSpec, field: Optional[str] = None):
        """Shapely geometries (and ``field`` values) of a layer in the grid's CRS; refused when the layer holds
        another kind of geometry than ``parameter`` takes, or none reaches the grid's extent. A layer without CRS
        is taken to be in the grid's, with a warning."""
        name = _layer_name(layer)
        require_kind(layer, parameter, name)
        geometries, values = shapely_features(layer, crs, context, parameter, field, feedback, "the grid's", name)
        bounds = combined_bounds(geometries)
        if bounds is None:
            raise QgsProcessingException(
                f"{parameter}: layer '{name}' has no features with geometry; choose a layer with features (if only "
                "selected features are used, select some), or remove it."
            )
        if not bbox_overlaps(bounds, grid):
            raise QgsProcessingException(
                f"{parameter}: layer '{name}' has no features within the grid's extent ({grid.xmin:.0f}, "
                f"{grid.ymin:.0f} – {grid.xmax:.0f}, {grid.ymax:.0f}); check the layer's CRS and the EXTENT, or "
                "remove the layer."
            )
        return geometries, values

    def _lines(self, parameters, context, feedback, layers, crs, grid) -> list:
        radius = (
            self.parameterAsDouble(parameters, self.DENSITY_RADIUS, context)
            if parameters.get(self.DENSITY_RADIUS) not in (None, "")
            else 0.0
        )
        check_density_radius(radius, grid)
        crossings = self.parameterAsBool(parameters, self.INTERSECTIONS, context)
        sources: List[LineEvidence] = []
        for done, layer in enumerate(layers):
            name = _layer_name(layer)
            geometries, _ = self._read(layer, crs, context, feedback, self.LINES, grid)
            if len(segments_of(geometries)) == 0:
                raise QgsProcessingException(f"LINES: layer '{name}' has no lines with two or more vertices.")
            zero_length = zero_length_note(name, geometries)
            if zero_length:
                feedback.pushWarning(zero_length)
            if QgsWkbTypes.geometryType(layer.wkbType()) == QgsWkbTypes.PolygonGeometry:
                feedback.pushWarning(polygons_as_lines_note(name))

            def searched(fraction: float, done: int = done) -> None:
                # the search for copies and crossings, tens of seconds on 20,000 faults: a share of the run's start
                feedback.setProgress(PREPARE_SHARE * (done + fraction) / len(layers))

            source = LineEvidence(
                name,
                geometries,
                grid,
                radius or None,
                crossings,
                "the lines",
                is_cancelled=feedback.isCanceled,
                progress=searched,
            )
            far_note = far_cut_info(name, source.cut_far, source.farthest, grid)
            if far_note:
                feedback.pushInfo(far_note)
            kind_note = kind_field_note(name, _kind_fields(layer))
            if kind_note:  # a type field (thrust, normal) a user may expect to give bands of its own
                feedback.pushInfo(kind_note)
            if radius or crossings:  # distances are the same either way
                repeated = repeated_lines_note(
                    name, source.repeated_features, source.repeated_segments, source.overlapping_segments
                )
                if repeated:
                    feedback.pushWarning(repeated)
            near = near_duplicate_note(  # only counted with a density or intersections
                name, source.near_features, source.near_tolerance, source.near_length, grid
            )
            if near:
                feedback.pushWarning(near)
            if crossings:
                feedback.pushInfo(intersections_info(name, source.n_intersections))
                note = intersection_note(source)
                if note:
                    feedback.pushWarning(note)
            sources.append(source)
        return sources

    def _polygons(self, parameters, context, feedback, source, crs, grid, mask=None) -> PolygonEvidence:
        field = self.parameterAsString(parameters, self.CLASS_FIELD, context)
        if not field:
            raise QgsProcessingException(
                "CLASS_FIELD: choose the field of POLYGONS that holds the classes (e.g. the rock type)."
            )
        check_fields(source, [field], self.CLASS_FIELD)
        geometries, values = self._read(source, crs, context, feedback, self.POLYGONS, grid, field)
        labels = [class_label(v) for v in values]
        refuse_undecoded_classes(
            labels, field, _layer_name(source), self.CLASS_FIELD, input_file(parameters, self.POLYGONS, context)
        )
        unclassed = unclassed_note(_layer_name(source), field, labels)
        if unclassed:
            feedback.pushWarning(unclassed)
        labels, merged = one_spelling(labels)
        for note in spelling_notes(_layer_name(source), field, merged):
            feedback.pushWarning(note)
        wanted = wanted_classes(self.parameterAsString(parameters, self.CLASSES, context) or "", labels)
        name = _layer_name(source)
        max_classes = self.parameterAsInt(parameters, self.MAX_CLASSES, context)
        # a field with a value of its own in every polygon (an ID chosen by mistake): say so, and name fields that
        # could hold the rock types
        id_like = id_like_hint(labels, field)
        if id_like:
            id_like = id_like_hint(labels, field, _class_fields(source, field, len(labels)))
        classes = choose_classes(labels, wanted, max_classes, field, hint=id_like)
        if id_like and not wanted:
            feedback.pushWarning(f"CLASS_FIELD: {id_like}")
        contacts = self.parameterAsBool(parameters, self.CONTACTS, context)
        single = single_class_note(name, labels) if contacts else ""
        if single:  # a river, an intrusion: its outline is no contact between classes
            feedback.pushWarning(single)
            contacts = False
        try:
            evidence = PolygonEvidence(name, geometries, labels, classes, grid, contacts, field)
        except ValueError:
            raise no_contacts_error(name, labels, grid) from None
        uncovered, unmeasured = uncovered_note(name, geometries, grid, mask)
        if unmeasured:
            feedback.pushDebugInfo(unmeasured)
        if uncovered:
            feedback.pushWarning(uncovered)
        collections = collections_note(name, evidence.not_polygons)
        if collections:
            feedback.pushWarning(collections)
        overlaps = overlaps_note(name, geometries, labels, classes, grid, feedback.isCanceled)
        if overlaps:
            feedback.pushWarning(overlaps)
        feedback.pushInfo(classes_info(name, field, classes))
        return evidence

    def _points(self, context, feedback, layers, crs, grid) -> list:
        sources = []
        for layer in layers:
            geometries, _ = self._read(layer, crs, context, feedback, self.POINTS, grid)
            sources.append(PointEvidence(_layer_name(layer), points_of(geometries), "the points"))
        return sources


def _kind_fields(layer) -> List[Tuple[str, List[str]]]:
    """The text fields of the line layer ``layer`` that sort its features into a few kinds
    (:func:`core.evidence.line_notes.kind_fields`)."""
    fields = layer.fields() if hasattr(layer, "fields") else None
    count = layer.featureCount() if hasattr(layer, "featureCount") else -1
    if fields is None or count < 3:
        return []
    from qgis.PyQt.QtCore import QVariant

    candidates = []
    for index in range(fields.count()):
        if fields.at(index).type() != QVariant.String:
            continue
        name = fields.at(index).name()
        if not could_hold_kinds(name):  # names, comments, sources: not kinds, and not worth a scan of the layer
            continue
        # 21 values tell "more than 20" without reading every distinct value of a national layer
        candidates.append((name, layer.uniqueValues(index, MAX_KINDS + 1)))
    return kind_fields(candidates, count)


def _class_fields(source, field: str, polygons: int) -> List[Tuple[str, int]]:
    """The fields of ``source`` other than ``field`` that could hold the rock types
    (:func:`core.evidence.polygon_notes.class_fields`)."""
    from qgis.PyQt.QtCore import QVariant

    candidates = []
    fields = source.fields()
    for index in range(fields.count()):
        other = fields.at(index)
        if other.name() == field:
            continue
        limit = polygons // 2 + 1  # enough to tell a field of too many values
        candidates.append((other.name(), other.type() == QVariant.String, source.uniqueValues(index, limit)))
    return class_fields(candidates, polygons)


def _layer_name(layer) -> str:
    """The layer's name, or its file's (a layer given as a URI, e.g. a CSV's, has an empty name), for the bands. One of
    several layers of a file given as a path (``structure.gpkg|layername=dykes``, or ``|layerid=1``), which QGIS
    names after the file, is named for both, 'dykes (structure)': after the file alone, two layers of one GeoPackage
    were refused as 'the same layer twice'; after the layer alone, two files' 'faults' layers would be."""
    name = getattr(layer, "name", None)
    text = str(name() if callable(name) else layer.sourceName()).strip()
    if not hasattr(layer, "source") or not hasattr(layer, "providerType"):
        return text or "layer"
    path = layer_file(layer)
    file_name = os.path.basename(path)
    stem = os.path.splitext(file_name)[0]
    # QGIS names a layer given as a path by the file name up to its first dot ('gtk' for gtk.bedrock.v2.gpkg)
    if path and text in ("", stem, file_name.split(".")[0]):
        parts = QgsProviderRegistry.instance().decodeUri(layer.providerType(), layer.source())
        layers = vector_layer_names(path)
        sub = str(parts.get("layerName") or "")
        if not sub and str(parts.get("layerId", "")).isdigit() and int(parts["layerId"]) < len(layers):
            sub = layers[int(parts["layerId"])]
        if sub and len(layers) > 1:
            return f"{sub} ({stem})"
    if path and text == stem and isinstance(layer, QgsRasterLayer):
        return layer_label(path)  # 'OUTPUT' of a step before, in the modeler: what it holds
    return text or stem or "layer"


#: the kind of geometry each vector parameter takes, and the parameter that takes the other kinds
KINDS = {"LINES": "lines", "POLYGONS": "polygons", "POINTS": "points"}


def require_kind(layer, parameter: str, name: str) -> None:
    """Refuse a layer given to the parameter for another kind of geometry (deposits as LINES, faults as POLYGONS);
    polygons given as LINES are measured to their outlines (warned in :meth:`EvidenceAlgorithm._lines`)."""
    kind = {
        QgsWkbTypes.PointGeometry: "points",
        QgsWkbTypes.LineGeometry: "lines",
        QgsWkbTypes.PolygonGeometry: "polygons",
    }.get(QgsWkbTypes.geometryType(layer.wkbType()))
    if kind is None or kind == KINDS[parameter] or (parameter == "LINES" and kind == "polygons"):
        return
    instead = next(p for p, k in KINDS.items() if k == kind)
    raise QgsProcessingException(
        f"{parameter}: layer '{name}' holds {kind}, not {KINDS[parameter]}; give it as {instead} (distance to the "
        f"{kind}{', or a band of 1 inside each class' if kind == 'polygons' else ''}), or choose a layer of "
        f"{KINDS[parameter]}."
    )


def _centre_in_degrees(layers, context):
    """The layers' centre as a longitude and latitude (QgsPointXY), None without one: each layer's centre (of its
    features, across 180° where they lie on both sides of it, for a layer in degrees; of its extent otherwise), and
    the middle of those (:func:`core.grid.centre_longitude`)."""
    from qgis.core import QgsCoordinateTransform, QgsCsException, QgsPointXY

    from ..core.grid import centre_longitude

    wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
    centres = []
    for layer in layers:
        if not defined_crs(layer.sourceCrs()) or layer.sourceExtent().isNull():
            continue
        try:
            if layer.sourceCrs().isGeographic():
                centre = geographic_centre(layer)
                if layer.sourceCrs() != wgs84:  # another datum's degrees: within metres of WGS 84's
                    centre = QgsCoordinateTransform(layer.sourceCrs(), wgs84, context.transformContext()).transform(
                        centre
                    )
            else:
                to_degrees = QgsCoordinateTransform(layer.sourceCrs(), wgs84, context.transformContext())
                centre = to_degrees.transform(layer.sourceExtent().center())
        except QgsCsException:
            continue
        centres.append((centre.x(), centre.y()))
    if not centres:
        return None
    return QgsPointXY(centre_longitude([x for x, _ in centres]), sum(y for _, y in centres) / len(centres))


def _layer_crs_wkt(layer) -> Optional[str]:
    """The CRS of a QGIS layer as WKT (the file's, or one set on the layer in QGIS), None when it has none."""
    crs = layer.crs()
    return crs.toWkt() if crs.isValid() else None


def _warn_colour_coded(source: RasterEvidence, continuous: bool, feedback) -> None:
    """Warn when a raster's values are colours rather than measurements (:func:`core.evidence.rasters.colour_note`)."""
    note = colour_note(source.layer, source.parameter, source.colour_coding, continuous)
    if note:
        feedback.pushWarning(note)


def _shown_file(layer) -> Optional[str]:
    """The file a raster layer is named by in messages: a VRT's own file, not the memory copy read in its place."""
    return layer.customProperty(VRT_PROPERTY) or None


def _raster_file(layer, parameter: str, shared: bool = False) -> str:
    """The file of a GDAL raster layer (a VRT: its memory copy, which reads without rewriting the file; with
    ``shared``, for Dask workers, which cannot see this process's memory files: the VRT file itself, which the
    workers open read-only with GDAL's PAM off)."""
    require_gdal_raster(layer, parameter)
    path = layer.source() if layer.customProperty(VRT_PROPERTY) and not shared else layer_file(layer)
    if not path:
        raise QgsProcessingException(f"{parameter}: '{layer.name()}' is not a raster file; save it first.")
    return path


def _close_rasters(sources) -> None:
    """Close the raster files among evidence ``sources`` (closing twice does nothing)."""
    for source in sources:
        if isinstance(source, RasterEvidence):
            source.close()
