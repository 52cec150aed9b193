"""A vector layer's geometries as shapely objects in the rasters' CRS (faults, contacts, lithology polygons:
:func:`shapely_features`, with a field's values), and the study-area MASK made from a polygon layer
(:func:`mask_geometries`, :func:`mask_on_grid`): refused when the layer holds points or lines, no polygons, or
polygons that miss the grid."""

from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
from qgis.core import QgsFeatureRequest, QgsProcessingException, QgsProcessingFeatureSource, QgsWkbTypes

from ..core.errors import Cancelled
from ..core.io.rasters import rasterize_mask
from ..core.placement import finite_parts
from ..core.reports.legend import readable_number
from .crs_checks import (
    refuse_coordinates_beyond_crs,
    refuse_unrelated_crs,
    source_transform,
    unchecked_features,
    warn_ballpark_transform,
    warn_without_crs,
)
from .point_reading import plain_value, require_geometry


def shapely_geometries(
    source: QgsProcessingFeatureSource, crs, context, parameter: str, feedback=None, whose: str = "the rasters'"
) -> list:
    """A layer's geometries as shapely objects in ``crs`` (reprojected), empty ones left out."""
    return shapely_features(source, crs, context, parameter, feedback=feedback, whose=whose)[0]


def shapely_features(
    source: QgsProcessingFeatureSource,
    crs,
    context,
    parameter: str,
    field: str | None = None,
    feedback=None,
    whose: str = "the rasters'",
    name: str = "",
) -> Tuple[list, list]:
    """A layer's geometries as shapely objects in ``crs`` (reprojected), empty ones left out, and the values of
    ``field`` for them (an empty list without a field). Curved geometries (the arcs of a GeoPackage's
    CompoundCurve or CurvePolygon, which GEOS cannot read) are segmentized as QGIS draws them. A table without
    geometry is refused; a layer without CRS is taken to be in ``crs`` (``whose`` CRS, said in a warning to
    ``feedback``; ``name`` names the layer there)."""
    from qgis.core import QgsCsException, QgsGeometry
    from shapely import wkb

    require_geometry(source, parameter)
    warn_without_crs(source, crs, parameter, feedback, whose, name)
    refuse_coordinates_beyond_crs(source.sourceCrs(), source.sourceExtent(), parameter, crs, whose, name)
    refuse_unrelated_crs(source.sourceCrs(), crs, context, parameter, whose, name)
    warn_ballpark_transform(source, crs, context, parameter, feedback, whose, name)
    transform = source_transform(source, crs, context)
    request = QgsFeatureRequest()
    if field:
        request.setSubsetOfAttributes([field], source.fields())
    else:
        request.setNoAttributes()
    geometries, values, not_numbers, left_out = [], [], [], 0
    for feature in unchecked_features(source, request):
        if feedback is not None and feedback.isCanceled():
            raise Cancelled()
        geometry = feature.geometry()
        if geometry is None or geometry.isEmpty():
            continue
        try:
            geometry.transform(transform)
        except QgsCsException as exc:
            raise QgsProcessingException(
                f"{parameter}: a feature cannot be reprojected to the rasters' CRS ({exc}); check the layer's CRS."
            ) from None
        if QgsWkbTypes.isCurvedType(geometry.wkbType()):  # arcs (CompoundCurve, CurvePolygon): GEOS reads none
            geometry = QgsGeometry(geometry.constGet().segmentize())
        shape = wkb.loads(bytes(geometry.asWkb()))
        finite = finite_parts(shape)
        if finite is not shape:  # NaN or infinite coordinates: GEOS fails on them, or answers wrongly (review 36)
            not_numbers.append(feature.id())
            if finite is None or finite.is_empty:
                left_out += 1
                continue
        geometries.append(finite)
        if field:
            values.append(plain_value(feature[field]))
    if not_numbers and feedback is not None:
        feedback.pushWarning(not_numbers_warning(parameter, name or source.sourceName(), not_numbers, left_out))
    return geometries, values


def not_numbers_warning(parameter: str, name: str, feature_ids: list, left_out: int) -> str:
    """What ``shapely_features`` says of the features of layer ``name`` with coordinates that are not numbers, of
    which ``left_out`` kept nothing (a point, a polygon, a line without two such vertices in a row)."""
    shown = ", ".join(str(i) for i in feature_ids[:5]) + (", …" if len(feature_ids) > 5 else "")
    kept = len(feature_ids) - left_out
    fate = (
        [f"{left_out} left out whole (a point, a polygon, or a line without two good vertices in a row)"]
        if left_out
        else []
    ) + ([f"{kept} kept without those vertices"] if kept else [])
    return (
        f"{parameter}: {len(feature_ids)} feature(s) of '{name}' (id {shown}) have coordinates that are not numbers "
        f"(NaN, or infinite where the reprojection cannot place them): {' and '.join(fate)}. Fix or delete them "
        "(the Vertex Editor lists a feature's coordinates)."
    )


#: what to do about a mask layer without polygons (an empty layer, a filter or a selection that keeps none)
MASK_ADVICE = (
    "choose a polygon layer with features (if only selected features are used, select some; if the layer has a "
    "filter, check that it keeps some) or leave {} empty."
)


def require_mask_polygons(source, parameter: str = "MASK") -> None:
    """Refuse a mask layer of points or lines: QGIS lets a file path of any geometry through a polygon parameter,
    and rasterized, points or lines cover a few cells only, so the run "succeeded" with nearly everything masked
    away (anomalies wrote no contour, without a word)."""
    kind = QgsWkbTypes.geometryType(source.wkbType())
    if kind in (QgsWkbTypes.PointGeometry, QgsWkbTypes.LineGeometry):
        what = "points" if kind == QgsWkbTypes.PointGeometry else "lines"
        raise QgsProcessingException(
            f"{parameter}: the mask layer holds {what}, not polygons; a mask is the area to keep: choose a polygon "
            f"layer (e.g. the study area outline) or leave {parameter} empty."
        )


def mask_from_source(
    source: QgsProcessingFeatureSource | None,
    crs,
    grid,
    context,
    parameter: str = "MASK",
    feedback=None,
    whose: str = "the rasters'",
):
    """Boolean grid mask (True inside) from a polygon layer, None without a layer; refused if it misses the grid.
    A layer without CRS is taken to be in ``crs`` (``whose``), with a warning to ``feedback``."""
    return mask_on_grid(mask_geometries(source, crs, context, parameter, feedback, whose), grid, parameter)


def mask_geometries(
    source: QgsProcessingFeatureSource | None,
    crs,
    context,
    parameter: str = "MASK",
    feedback=None,
    whose: str = "the rasters'",
):
    """The mask layer's polygons as shapely geometries in ``crs`` (read once: a step that also estimates its memory
    from them passes them on to :func:`mask_on_grid`), None without a layer; refused if it holds no polygons."""
    if source is None:
        return None
    require_mask_polygons(source, parameter)
    geometries = shapely_geometries(source, crs, context, parameter, feedback, whose)
    if not geometries:
        raise QgsProcessingException(f"{parameter}: the mask layer has no polygons; {MASK_ADVICE.format(parameter)}")
    return geometries


def mask_on_grid(geometries, grid, parameter: str = "MASK"):
    """Boolean grid mask (True inside) of :func:`mask_geometries`' polygons, None without them; refused if they
    miss the grid."""
    if geometries is None:
        return None
    mask = rasterize_mask(geometries, grid)
    if not mask.any():
        raise QgsProcessingException(
            f"{parameter}: the mask polygons do not cover any cell of the grid; check that the layers overlap."
            + missed_grid_detail(geometries, grid)
        )
    return mask


def combined_bounds(geometries) -> Optional[Tuple[float, float, float, float]]:
    """(xmin, ymin, xmax, ymax) around the shapely ``geometries``, from each one's own bounds (a union fails on an
    invalid polygon, a bow-tie); None without a geometry of finite bounds."""
    bounds = np.array([g.bounds for g in geometries if g is not None and not g.is_empty], dtype=np.float64)
    bounds = bounds.reshape(-1, 4)[np.isfinite(bounds.reshape(-1, 4)).all(axis=1)]
    if not len(bounds):
        return None
    return (float(bounds[:, 0].min()), float(bounds[:, 1].min()), float(bounds[:, 2].max()), float(bounds[:, 3].max()))


def missed_grid_detail(geometries, grid) -> str:
    """Where polygons that miss ``grid`` lie, beside the grid, in its CRS (a sentence with its leading space), and,
    when they lie within ±180 and ±90 while the grid does not, that they look like degrees in a layer whose CRS
    says otherwise: an outline in EPSG:4326 given a projected CRS (Assign Projection, not Reproject) reached the
    grid's CRS at those numbers, and the bare "check that the layers overlap" did not say why (sweep 31a)."""
    # each polygon's own bounds: the detail must never turn the refusal into a traceback (review 33)
    bounds = combined_bounds(geometries)
    if bounds is None:
        return ""
    xmin, ymin, xmax, ymax = bounds

    def at(x0: float, x1: float) -> str:
        return f"{readable_number(x0, 7)} to {readable_number(x1, 7)}"

    text = (
        f" In the grid's CRS they lie at x {at(xmin, xmax)}, y {at(ymin, ymax)}; the grid at x "
        f"{at(grid.xmin, grid.xmax)}, y {at(grid.ymin, grid.ymax)}."
    )

    def in_degrees(x0: float, y0: float, x1: float, y1: float) -> bool:
        return -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90

    if in_degrees(xmin, ymin, xmax, ymax) and not in_degrees(grid.xmin, grid.ymin, grid.xmax, grid.ymax):
        text += (
            " Those numbers look like longitudes and latitudes in degrees in a layer whose CRS is in metres: set "
            "the mask layer's CRS to the one its coordinates are in (e.g. EPSG:4326, WGS 84: Layer Properties › "
            "Source, or Vector › Data Management Tools › Assign Projection; not Reproject Layer) and run again."
        )
    return text
