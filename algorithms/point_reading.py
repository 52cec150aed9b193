"""Reading point layers of samples and deposits: coordinates in the rasters' CRS and raw field values
(:func:`point_attributes`), read as numbers with a report of how (:func:`point_samples`, :func:`parsed_columns`,
:func:`report_values`); checks of fields and geometry (:func:`check_fields`, :func:`refuse_date_field`,
:func:`require_geometry`, :func:`refuse_not_points`), of points a database export misplaced
(:func:`check_point_places`) and of deposit layers mixing commodities (:func:`warn_mixed_commodities`); and attribute
values as plain Python (:func:`plain_value`, :func:`written_value`)."""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeatureRequest,
    QgsPointXY,
    QgsProcessingException,
    QgsProcessingFeatureSource,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QDate, QDateTime, Qt, QTime

from ..core.errors import Cancelled
from ..core.grid import metres_per_unit
from ..core.io.values import ValueReport, not_analysed_warning, to_float_array
from ..core.labels.commodities import one_system
from ..core.placement import METRES_PER_DEGREE
from ..core.reports.cells import ranked_counts
from .crs_checks import (
    defined_crs,
    refuse_coordinates_beyond_crs,
    refuse_unrelated_crs,
    warn_ballpark_transform,
    warn_without_crs,
)


def check_fields(source: QgsProcessingFeatureSource, fields: Sequence[str], parameter: str) -> None:
    """Refuse field names the layer does not have (QGIS does not check names given by qgis_process or a script)."""
    names = source.fields().names()
    missing = [f for f in fields if f and f not in names]
    if missing:
        several = [f for f in missing if "," in f and all(part.strip() in names for part in f.split(","))]
        hint = ""
        if several:  # 'Cu,Ni' typed as one value: qgis_process and scripts take a list differently
            example = several[0].replace(" ", "")
            hint = (
                f" To give several fields, repeat {parameter} "
                f"({' '.join(f'{parameter}={p}' for p in example.split(','))})"
                f" or separate them with semicolons ({parameter}='{example.replace(',', ';')}')."
            )
        # a CSV whose columns repeat a name up to case ('cu', 'Cu'): QGIS renames the later ones 'Cu_1', 'CU_2'
        renamed = [(f, n) for f in missing for n in names if re.fullmatch(rf"{re.escape(f)}_\d+", n)]
        if renamed:
            shown = ", ".join(f"'{f}' as '{n}'" for f, n in renamed)
            hint += (
                f" The file's columns repeat {', '.join(repr(f) for f in dict.fromkeys(f for f, _ in renamed))} up to "
                f"capitals, so QGIS renamed the later ones: {shown}; give those names, or rename the columns in the "
                f"file."
            )
        unread = [n for n in names if "\ufffd" in n]
        if unread:  # a Latin-1 CSV read as UTF-8: 'Cu_µg/g' is 'Cu_�g/g' and cannot be chosen by its name
            hint += (
                f" Its column names hold characters that could not be read (e.g. '{unread[0]}'): the file is read in "
                "another encoding than it was written in. Give its encoding: for a CSV, the Encoding of Layer › Add "
                "Layer › Add Delimited Text Layer, or 'encoding=windows-1252' in a qgis_process delimitedtext URI; for "
                "a shapefile, a .cpg file holding '1252' beside it. Then run again."
            )
        raise QgsProcessingException(
            f"{parameter}: {', '.join(missing)} not found in the layer (it has {', '.join(names) or 'no fields'}); "
            "pick existing fields." + hint
        )


def report_values(
    feedback,
    fields: Sequence[str],
    reports: Sequence[ValueReport],
    parameter: str = "FIELDS",
    censored_factor: float | None = None,
) -> None:
    """Refuse a field without any number; report how text values were read (thousands separators, decimal
    commas, ambiguous values), below-detection substitutes, over-limit values read as their limit, values beyond the
    float32 range and skipped values (NULL, text)."""
    for name, rep in zip(fields, reports):
        skipped = rep.missing + rep.unparsable
        if rep.numeric + rep.censored + rep.over_limit == 0:
            if rep.beyond_range:
                raise QgsProcessingException(
                    f"{parameter}: field '{name}' has no values within the float32 range of the output rasters "
                    f"({rep.beyond_range} of {rep.total} are beyond ±3.4e38, e.g. {rep.beyond_examples[0]:g}); "
                    "choose an element field, or replace the fill codes by NULL."
                )
            codes = (
                f", {rep.fill_codes} of them missing-data codes such as {rep.fill_examples[0]:g}"
                if rep.fill_codes
                else ""
            )
            if rep.not_analysed:
                codes += f", {rep.not_analysed} of them not analysed, e.g. '{rep.not_analysed_examples[0]}'"
            if rep.word_unlimited:
                codes += (
                    f", {rep.word_unlimited} of them below detection without a limit, e.g. '{rep.word_examples[0]}'"
                )
            raise QgsProcessingException(
                f"{parameter}: field '{name}' has no numeric values (of {rep.total}{codes}); choose an element field."
            )
        infos, warnings = rep.separator_notes(name)
        for line in infos:
            feedback.pushInfo(line)
        for line in warnings:
            feedback.pushWarning(line)
        if rep.beyond_range:
            examples = ", ".join(f"{v:g}" for v in rep.beyond_examples[:3])
            feedback.pushWarning(
                f"{name}: {rep.beyond_range} of {rep.total} values are beyond the float32 range of the output "
                f"rasters (±3.4e38, e.g. {examples}) and were left out as missing: no concentration is that large, "
                "so they are fill codes. Replace them by NULL in the layer to silence this."
            )
        if rep.fill_codes:
            codes = ", ".join(f"{v:g}" for v in rep.fill_examples)
            feedback.pushWarning(
                f"{name}: {rep.fill_codes} of {rep.total} values are {codes}, a code for missing data (no laboratory "
                "reports a detection limit of thousands), and were left out as missing. Replace them by NULL in the "
                "layer to silence this."
            )
        if rep.negative_reading == "values" and censored_factor is not None:
            feedback.pushWarning(
                f"{name}: {rep.negatives} negative values ({rep.negative_distinct} different) were read as values, "
                "not as below-detection codes: a laboratory has few detection limits, so the field looks levelled "
                "or centred. Replace real codes by '<limit' text if that is wrong."
            )
        elif rep.negative_reading == "below detection":
            feedback.pushInfo(
                f"{name}: {rep.negatives} negative values ({rep.negative_distinct} different) read as below-detection "
                "codes (-x = below the detection limit x)."
            )
        if rep.censored:
            limits = ", ".join(f"{v:g}" for v in rep.detection_limits[:5])
            feedback.pushWarning(
                f"{name}: {rep.censored} of {rep.total} values below detection (limits {limits}) set to "
                f"{censored_factor:g} x the detection limit."
            )
        words = ", ".join(f"'{w}'" for w in rep.word_examples)
        if rep.word_censored:
            feedback.pushInfo(
                f"{name}: {rep.word_censored} of the values below detection are written {words} without a limit, "
                f"and were read at the field's one detection limit ({rep.detection_limits[0]:g})."
            )
        if rep.word_unlimited:
            limits = ", ".join(f"{v:g}" for v in rep.detection_limits[:5])
            why = f"several detection limits ({limits})" if limits else "no detection limit ('<0.5')"
            feedback.pushWarning(
                f"{name}: {rep.word_unlimited} of {rep.total} values are below detection without a limit ({words}), "
                f"and the field gives {why} to read them at, so they were left out: the map holds the detected "
                f"values only and overstates {name} where they lie. Write them as '<limit' with the laboratory's "
                "detection limit (Field Calculator, e.g. "
                f"CASE WHEN \"{name}\" = '{rep.word_examples[0]}' THEN '<0.5' ELSE \"{name}\" END) and run again."
            )
        if rep.over_limit:
            limits = ", ".join(f"{v:g}" for v in rep.upper_limits[:5])
            feedback.pushWarning(
                f"{name}: {rep.over_limit} of {rep.total} values above the upper detection limit (limits {limits}, "
                f"written '>{rep.upper_limits[0]:g}') set to that limit: they are at least that high, so the map "
                "understates them. If the laboratory re-assayed them (an ore-grade method), put those results in the "
                "field and run again."
            )
        if skipped:
            parts = ([f"{rep.missing} empty/NULL"] if rep.missing else []) + (
                [f"{rep.unparsable} not numbers, e.g. {', '.join(rep.examples[:3])}"] if rep.unparsable else []
            )
            feedback.pushWarning(f"{name}: {skipped} of {rep.total} samples skipped ({', '.join(parts)}).")
    unanalysed = not_analysed_warning(parameter, fields, reports)
    if unanalysed:
        feedback.pushWarning(unanalysed)


def plain_value(value: object) -> object:
    """An attribute value as plain Python: a date, date-time or time as ISO text ('2001-05-01',
    '2001-05-01T12:00:00', with '.250' where it has milliseconds), not PyQt's 'PyQt5.QtCore.QDate(2001, 5, 1)'; an
    invalid one as None; anything else as it is (NULL stays NULL). Called once per value read (5 million for
    100,000 samples of 50 elements): Qt's classes are imported with the module, not per call (QGIS's import hook
    took 12 s of a 140 s run so)."""
    if isinstance(value, (QDate, QDateTime, QTime)):
        if not value.isValid():
            return None
        clock = value.time() if isinstance(value, QDateTime) else value
        # two readings a second apart by less than a second stay two values
        with_ms = isinstance(clock, QTime) and clock.msec() != 0
        return value.toString(Qt.ISODateWithMs if with_ms else Qt.ISODate)
    return value


#: field types that hold dates or times, never classes
_DATE_TYPES = ("Date", "DateTime", "Time")


def refuse_date_field(source: QgsProcessingFeatureSource, field: Optional[str], parameter: str) -> None:
    """Refuse a date, date-time or time field as a class field (LABEL_FIELD): its values are when, not what; read
    as classes, each date became a mineralised class of its own."""
    from qgis.PyQt.QtCore import QVariant

    index = source.fields().lookupField(field) if field and source is not None else -1
    if index < 0:
        return
    definition = source.fields().at(index)
    kind = definition.typeName()
    if definition.type() in (QVariant.Date, QVariant.DateTime, QVariant.Time) or kind in _DATE_TYPES:
        raise QgsProcessingException(
            f"{parameter}: '{field}' is a {kind.lower() or 'date'} field: it says when, not which class, so its "
            "dates cannot be classes. Choose the field holding the class (0 = barren, 1 = mineralised, or words "
            "such as 'barren' / 'deposit')."
        )


#: features read between two progress reports in :func:`point_attributes`
PROGRESS_EVERY = 1000


def point_attributes(
    source: QgsProcessingFeatureSource,
    fields: Sequence[str],
    crs: QgsCoordinateReferenceSystem,
    context,
    feedback,
    parameter: str = "INPUT",
    fields_parameter: str = "FIELDS",
    progress=None,
) -> Tuple[np.ndarray, List[List[object]]]:
    """Point coordinates (in ``crs``) and the raw field values (one list per field) from a feature source.

    Multipoint features contribute every part with the same values. ``parameter`` names the layer and
    ``fields_parameter`` the parameter holding ``fields`` in error messages. ``progress(fraction)`` is told the
    share of the features read every :data:`PROGRESS_EVERY` features (100,000 samples take seconds).
    """
    if source is None:
        raise QgsProcessingException(f"{parameter}: the layer could not be read; choose a valid point layer.")
    require_geometry(source, parameter)
    if QgsWkbTypes.geometryType(source.wkbType()) != QgsWkbTypes.PointGeometry:
        what = "polygons" if QgsWkbTypes.geometryType(source.wkbType()) == QgsWkbTypes.PolygonGeometry else "lines"
        raise QgsProcessingException(
            f"{parameter}: a point layer is needed, but the layer holds {what}. For samples or deposits drawn as "
            "outlines, give a point inside each (Processing Toolbox › Vector geometry › Point on surface) and run "
            "again."
        )
    check_fields(source, fields, fields_parameter)
    warn_without_crs(source, crs, parameter, feedback)
    refuse_coordinates_beyond_crs(source.sourceCrs(), source.sourceExtent(), parameter, crs, "the rasters'")
    refuse_unrelated_crs(source.sourceCrs(), crs, context, parameter)
    warn_ballpark_transform(source, crs, context, parameter, feedback)
    request = QgsFeatureRequest().setSubsetOfAttributes(list(fields), source.fields())
    if defined_crs(source.sourceCrs()):  # without one, the coordinates are taken as they are (warned above)
        request.setDestinationCrs(crs, context.transformContext())
    xy: List[Tuple[float, float]] = []
    raw: List[List[object]] = [[] for _ in fields]
    no_geometry = 0
    not_points: Dict[str, List[str]] = {}
    total = 0
    expected = max(1, source.featureCount())
    for feature in source.getFeatures(request):
        if feedback is not None and feedback.isCanceled():
            raise Cancelled()
        if progress is not None and total % PROGRESS_EVERY == 0:
            progress(min(1.0, total / expected))
        total += 1
        geometry = feature.geometry()
        if geometry is None or geometry.isEmpty():
            no_geometry += 1
            continue
        parts = point_parts(geometry)
        if parts is None:
            not_points.setdefault(geometry_kind(geometry), []).append(f"feature {feature.id()}")
            continue
        attrs = [plain_value(feature[f]) for f in fields]
        for part in parts:
            xy.append((part.x(), part.y()))
            for column, value in zip(raw, attrs):
                column.append(value)
    refuse_not_points(parameter, not_points, total)
    if no_geometry and feedback is not None:
        feedback.pushWarning(
            f"{parameter}: {no_geometry} feature{'s' if no_geometry != 1 else ''} without geometry (NULL or empty) "
            "skipped; give them coordinates if they should count."
        )
    if not xy and total and no_geometry == total and not _any_source_geometry(source):
        # Create points layer from table makes empty points of X/Y fields written with decimal commas (sweep 31a)
        raise QgsProcessingException(
            f"{parameter}: none of the layer's {total} features has a geometry (all NULL or empty). Points made "
            "from a table whose X and Y fields hold decimal commas (12,5) come out empty this way (Processing "
            "Toolbox › Vector creation › Create points layer from table reads such fields as no number): add the "
            "CSV as a point layer with 'Decimal separator is comma' ticked (Layer › Add Layer › Add Delimited Text "
            "Layer; headless, add 'decimalPoint=,' to its delimitedtext:// URI), or replace the commas in the X and "
            "Y fields first (Field Calculator: to_real(replace(\"X\", ',', '.')))."
        )
    if not xy:
        raise QgsProcessingException(
            f"{parameter}: the layer has no point features with geometry; choose a layer with points (if only "
            "selected features are used, select some)."
        )
    return np.asarray(xy, dtype=np.float64), raw


def _any_source_geometry(source, look_at: int = 100) -> bool:
    """Whether any of the first ``look_at`` features has a geometry of its own (before any reprojection, whose
    failure also leaves a feature without one)."""
    request = QgsFeatureRequest().setNoAttributes().setLimit(look_at)
    return any(f.hasGeometry() and not f.geometry().isEmpty() for f in source.getFeatures(request))


#: a field naming what a deposit or occurrence is of (a mineral-occurrence database's commodity column)
COMMODITY_FIELD = re.compile(r"commod|^metals?$|^main_?metal|^substanc|hy[oö]dyke|^ore_?type", re.IGNORECASE)


def warn_mixed_commodities(source, parameter: str, feedback, purpose: str) -> None:
    """Warn when a deposit layer holds a commodity field (:data:`COMMODITY_FIELD`, text) of several values, as a
    national mineral-occurrence database does (gold, iron, nickel, graphite …): every point is taken as one kind of
    target for ``purpose``, which a map made for one commodity is not. Says how to keep one."""
    from qgis.PyQt.QtCore import QVariant

    if feedback is None:
        return
    fields = [f for f in source.fields() if f.type() == QVariant.String and COMMODITY_FIELD.search(f.name())]
    if not fields:
        return
    name = fields[0].name()
    counts: Dict[str, int] = {}
    for feature in source.getFeatures(QgsFeatureRequest().setSubsetOfAttributes([name], source.fields())):
        value = plain_value(feature[name])
        if isinstance(value, str) and value.strip():
            counts[value.strip()] = counts.get(value.strip(), 0) + 1
    if len(counts) < 2:
        return
    shown, first = ranked_counts(counts, "'{}' {}", 5)
    system = one_system(counts)
    if system is not None:  # the metals of one mineral system (Fe, Cu and Au of IOCG deposits): one target
        feedback.pushInfo(
            f"{parameter}: the points are of {len(counts)} commodities by the field '{name}' ({shown}), all of one "
            f"mineral system ({system}), taken as one kind of target for {purpose}."
        )
        return
    feedback.pushWarning(
        f"{parameter}: the points are of {len(counts)} commodities by the field '{name}' ({shown}), and all of them "
        f"are taken as one kind of target for {purpose}. For one commodity, give the layer filtered by that field "
        f"(Layer Properties › Source › Query Builder, e.g. \"{name}\" = '{first}'; in qgis_process add "
        f"|subset=\"{name}\" = '{first}' to the layer's path)."
    )


def check_point_places(source, crs, context, grid, xy, parameter: str, noun: str, feedback) -> None:
    """Points a database export has misplaced, ``source``'s (``xy`` in ``crs``; ``noun`` names them, 'deposits').
    When none lies on ``grid``: refuse naming the slip that puts most of them there
    (:func:`core.placement.slipped_coordinates`: latitude and longitude swapped, a missing minus sign, a UTM zone
    number in front of the eastings …), or the rounding that moved them (whole degrees). When most do: warn when
    the points off the raster would lie on it with one slip undone (rows of a table slipped, the rest right). And
    when all of at least three are rounded to a step of a cell or more (0.01°, 1 km), so that each marks a cell up
    to half a step from its own."""
    from ..core.placement import coordinate_rounding

    bounds = (grid.xmin, grid.ymin, grid.xmax, grid.ymax)

    def on_grid(x: float, y: float) -> bool:
        return bounds[0] <= x <= bounds[2] and bounds[1] <= y <= bounds[3]

    on_raster = [on_grid(x, y) for x, y in xy]
    layer_crs = source.sourceCrs()
    points = []
    for feature in source.getFeatures(QgsFeatureRequest().setNoAttributes().setLimit(100_000)):
        parts = point_parts(feature.geometry()) if feature.hasGeometry() else None
        points += [(p.x(), p.y()) for p in parts or []]
    if not points:
        return
    xs, ys = np.asarray(points, dtype=np.float64).T
    geographic = layer_crs.isValid() and layer_crs.isGeographic()
    rounding = coordinate_rounding(xs, ys, geographic, metres_per_unit(layer_crs.toWkt()) if not geographic else 1.0)
    metres_per_map_unit = METRES_PER_DEGREE if crs.isGeographic() else grid.metres_per_unit
    cell = grid.pixel_size * metres_per_map_unit
    coarse = rounding if rounding is not None and rounding.ground >= cell else None
    if any(on_raster) and coarse is not None and len(points) >= 3:
        feedback.pushWarning(
            f"{parameter}: the coordinates of all {len(points)} {noun} are rounded to {coarse.label} (a step "
            f"of about {ground_text(coarse.ground)} on the ground, {coarse.ground / cell:.0f} cells of "
            f"{ground_text(cell)}): rounding moves a point up to half a step, so each may mark a cell up to "
            f"{max(1, round(coarse.ground / 2 / cell))} cells from its own, and what is computed from them is "
            "blurred at that scale. Use coordinates with more decimals where the database holds them, "
            f"or read the results at a cell size of {ground_text(coarse.ground)} or more."
        )
    if all(on_raster) or not defined_crs(layer_crs) or not defined_crs(crs):
        return
    if 0 < sum(on_raster) < len(on_raster) / 2:  # a regional or world list: its points off the raster are elsewhere
        return
    from qgis.core import QgsCoordinateTransform, QgsCsException

    from ..core.placement import slipped_coordinates

    transform = QgsCoordinateTransform(layer_crs, crs, context.transformContext())

    def placed(x: float, y: float) -> bool:
        try:
            point = transform.transform(QgsPointXY(float(x), float(y)))
        except QgsCsException:
            return False
        return on_grid(point.x(), point.y())

    off = np.ones(len(points), dtype=bool)
    if any(on_raster):  # rows of the table slipped, the rest right: the slips are looked for among those off it
        off = np.array([not placed(x, y) for x, y in points], dtype=bool)
        if not off.any():
            return
    best = None
    for why, fix, sx, sy in slipped_coordinates(xs[off], ys[off], geographic):
        inside = [(x0, y0) for x0, y0, x, y in zip(xs[off], ys[off], sx, sy) if placed(x, y)]
        if inside and (best is None or len(inside) > len(best[0])):
            best = (inside, why, fix)
    if best is not None and not any(on_raster):
        inside, why, fix = best
        raise QgsProcessingException(
            f"{parameter}: none of the {len(points)} {noun} lies on the raster, but {len(inside)} of them do with "
            f"their coordinates corrected for {why}. Correct them ({fix}) and load the layer again."
        )
    if best is not None:
        inside, why, fix = best
        shown = ", ".join(f"({x:.6g}, {y:.6g})" for x, y in inside[:5]) + (" …" if len(inside) > 5 else "")
        feedback.pushWarning(
            f"{parameter}: {int(off.sum())} of the {len(points)} {noun} {'lies' if off.sum() == 1 else 'lie'} off "
            f"the raster, and {len(inside)} of "
            f"those would lie on it with their coordinates corrected for {why}: {shown} in the layer's x, y. Check "
            f"those rows ({fix} where they are wrong); as they are, they are left out."
        )
        return
    if coarse is not None and not any(on_raster) and _within(xy, bounds, coarse.ground / metres_per_map_unit):
        raise QgsProcessingException(
            f"{parameter}: none of the {len(points)} {noun} lies on the raster, and their coordinates are all "
            f"rounded to {coarse.label} (a step of about {ground_text(coarse.ground)} on the ground): rounding "
            f"moves a point up to half a step, here enough to move it off the raster. Use the {noun}' coordinates "
            "with more decimals (the database's own, or positions read from a map)."
        )


def _within(xy, bounds, distance: float) -> bool:
    """Whether every placed point of ``xy`` lies within ``distance`` (map units) of the box ``bounds``: rounding
    to a step can move a point off a raster only by half the step (the diagonal: 0.71 of it)."""
    placed = np.asarray([p for p in xy if np.isfinite(p).all()], dtype=np.float64).reshape(-1, 2)
    if placed.size == 0:
        return False
    dx = np.maximum.reduce([bounds[0] - placed[:, 0], placed[:, 0] - bounds[2], np.zeros(len(placed))])
    dy = np.maximum.reduce([bounds[1] - placed[:, 1], placed[:, 1] - bounds[3], np.zeros(len(placed))])
    return bool(np.all(np.hypot(dx, dy) <= distance))


def ground_text(metres: float) -> str:
    """A length on the ground as messages write it: '560 m', '1.1 km', '111 km'."""
    if metres >= 10_000:
        return f"{metres / 1000:,.0f} km"
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"


def point_parts(geometry) -> Optional[list]:
    """The points (QgsPointXY) of a point or multipoint geometry, Z and M left out; None for any other geometry: a
    polygon, line or collection in a layer of mixed geometry types (a GeoPackage layer of type GEOMETRY), which QGIS
    gives as a point layer when its first feature is a point."""
    if QgsWkbTypes.geometryType(geometry.wkbType()) != QgsWkbTypes.PointGeometry:
        return None
    return geometry.asMultiPoint() if geometry.isMultipart() else [geometry.asPoint()]


def geometry_kind(geometry) -> str:
    """'polygon', 'line' or 'geometry collection': what a feature that is not a point is, in words."""
    kind = QgsWkbTypes.geometryType(geometry.wkbType())
    return {QgsWkbTypes.PolygonGeometry: "polygon", QgsWkbTypes.LineGeometry: "line"}.get(kind, "geometry collection")


#: features named in the refusal of a point layer holding other geometries, per kind
NOT_POINTS_SHOWN = 5


def refuse_not_points(parameter: str, not_points: Dict[str, List[str]], total: int) -> None:
    """Refuse a point layer some of whose features are not points (``not_points``: the names of those features by
    :func:`geometry_kind`; ``total`` features in all): a layer of mixed geometry types, e.g. deposits kept as
    points beside the footprints of mines. Leaving them out would drop deposits without a word."""
    if not not_points:
        return
    count = sum(len(names) for names in not_points.values())
    kinds = []
    for kind, names in not_points.items():
        shown = ", ".join(names[:NOT_POINTS_SHOWN]) + (" …" if len(names) > NOT_POINTS_SHOWN else "")
        kinds.append(f"{len(names)} {kind}{'s' if len(names) != 1 else ''} ({shown})")
    raise QgsProcessingException(
        f"{parameter}: {count} of the layer's {total} features {'is not a point' if count == 1 else 'are not points'}: "
        f"{'; '.join(kinds)}; the layer mixes points with other geometry types. Give a point for each (Processing "
        "Toolbox › Vector geometry › Point on surface makes one inside each polygon) and run again."
    )


def require_geometry(layer, parameter: str) -> None:
    """Refuse a layer without geometry: a table, most often a CSV or text file whose X and Y fields were read as
    text (decimal commas: '12,5' is no number to a reader expecting '12.5'), which QGIS then loads without
    coordinates and without a CRS, or a spreadsheet (xlsx, ods), which QGIS always opens as a table."""
    if QgsWkbTypes.geometryType(layer.wkbType()) != QgsWkbTypes.NullGeometry:
        return
    x_field, y_field, sample = _coordinate_fields(layer)
    if x_field and sample is not None and "," not in sample:  # coordinates written as numbers, never made points
        raise QgsProcessingException(
            f"{parameter}: the layer has no geometry: it is a table without coordinates, though its fields "
            f"'{x_field}' and '{y_field}' hold them (e.g. {sample}). A CSV file or a spreadsheet given by its path "
            "is read as a table; add a CSV as a point layer (Layer › Add Layer › Add Delimited Text Layer, with X "
            f"field '{x_field}', Y field '{y_field}' and its CRS), or make points of any table with Processing "
            f"Toolbox › Vector creation › Create points layer from table (the same fields and CRS; headless: "
            "qgis_process run native:createpointslayerfromtable) and give that layer; a CSV also goes to "
            f"qgis_process as 'delimitedtext://file:///…/file.csv?xField={x_field}&yField={y_field}&crs=EPSG:…'."
        )
    raise QgsProcessingException(
        f"{parameter}: the layer has no geometry: it is a table without coordinates. For a CSV or text file, "
        "check that the X and Y fields were read as numbers: with decimal commas (12,5) tick 'Decimal "
        "separator is comma' when adding it (Layer › Add Layer › Add Delimited Text Layer), or add "
        "'decimalPoint=,' to its URI. For a spreadsheet (xlsx, ods), format the coordinate cells as numbers, then "
        "make points with Processing Toolbox › Vector creation › Create points layer from table."
    )


#: words in the names of fields that hold coordinates in tables of samples, most telling first: each X word and
#: the Y word of its twin field (x, Easting (m), X_EUREF, POINT_X as ArcGIS exports it, UTM_E, XCOO as the Kola
#: atlas tables have it, LONG_DD ...)
_Y_TWIN = {
    "x": "y", "xcoo": "ycoo", "xcoord": "ycoord", "xcoordinate": "ycoordinate", "easting": "northing",
    "east": "north", "utme": "utmn", "e": "n", "longitude": "latitude", "long": "lat", "lon": "lat",
}  # fmt: skip
_X_WORDS = tuple(_Y_TWIN)
_Y_WORDS = tuple(dict.fromkeys(_Y_TWIN.values()))


def _words(name: str) -> List[str]:
    return re.split(r"([^a-z0-9]+)", name.lower())


def _coordinate_field_pair(names: Sequence[str]) -> Tuple[str, str]:
    """The X and Y fields among ``names`` ('' when none): an X field's twin first (XCOO and YCOO, not the yttrium
    column 'Y' of the same table), else the names holding the most telling coordinate words."""

    def best(words: Sequence[str]) -> List[str]:
        ranked = sorted(
            (min(words.index(w) for w in found), i)
            for i, name in enumerate(names)
            if (found := set(_words(name)) & set(words))
        )
        return [names[i] for _, i in ranked]

    xs, ys = best(_X_WORDS), best(_Y_WORDS)
    lowered = {name.lower(): name for name in names}
    for x_name in xs:
        parts = _words(x_name)
        for k, part in enumerate(parts):
            if part in _X_WORDS:
                twin = "".join(parts[:k] + [_Y_TWIN[part]] + parts[k + 1 :])
                if twin in lowered:
                    return x_name, lowered[twin]

    # without a twin, 'Y' or 'N' alone, or with a unit (Y_ppm, N_pct), is more likely yttrium or nitrogen
    def element_like(name: str) -> bool:
        words = _words(name)
        return name.lower() in ("y", "n") or bool(set(words) & {"ppm", "ppb", "pct", "percent", "wt", "mg", "kg"})

    ys = [y for y in ys if not element_like(y)] + [y for y in ys if element_like(y)]
    return (xs[0], ys[0]) if xs and ys else ("", "")


def _coordinate_fields(layer) -> Tuple[str, str, Optional[str]]:
    """The X and Y fields of a table, by name, and the first X value as written ('' names when there are none)."""
    x_field, y_field = _coordinate_field_pair([f.name() for f in layer.fields()])
    if not x_field or not y_field:
        return "", "", None
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry).setLimit(1)
    for feature in layer.getFeatures(request):
        value = feature[x_field]
        return x_field, y_field, None if value is None else str(value)
    return x_field, y_field, None


def point_samples(
    source: QgsProcessingFeatureSource,
    fields: Sequence[str],
    crs: QgsCoordinateReferenceSystem,
    context,
    feedback,
    parameter: str = "INPUT",
    censored_factor: float | None = None,
    fields_parameter: str = "FIELDS",
    max_abs: float | None = None,
    progress=None,
) -> Tuple[np.ndarray, np.ndarray, list]:
    """Point coordinates (in ``crs``) and raw-parsed field values from a feature source.

    Multipoint features contribute every part with the same values. Returns
    ``xy`` (n, 2), ``values`` (n, n_fields) with NaN for missing/non-numeric,
    and one :class:`~core.values.ValueReport` per field. With ``censored_factor``
    below-detection entries ("<5", negative codes) become that fraction of their
    detection limit (see :func:`core.values.to_float_array`). ``fields_parameter``
    names the parameter holding ``fields`` in error messages. With ``max_abs`` values of a larger magnitude
    are missing (counted in the report). ``progress(fraction)`` is told the share done: reading the features
    (the first half), then parsing each field (the second).
    """
    xy, raw = point_attributes(
        source,
        fields,
        crs,
        context,
        feedback,
        parameter,
        fields_parameter,
        progress=None if progress is None else lambda f: progress(0.5 * f),
    )
    values, reports = parsed_columns(
        raw,
        len(xy),
        censored_factor=censored_factor,
        max_abs=max_abs,
        is_cancelled=None if feedback is None else feedback.isCanceled,
        progress=None if progress is None else lambda f: progress(0.5 + 0.5 * f),
    )
    return xy, values, reports


def parsed_columns(
    raw: Sequence[Sequence[object]],
    n: int,
    censored_factor: float | None = None,
    max_abs: float | None = None,
    is_cancelled=None,
    progress=None,
) -> Tuple[np.ndarray, list]:
    """Raw field values of ``n`` points (one list per field, as :func:`point_attributes` gives them) read as
    numbers: an array (n, n_fields) with NaN for missing or non-numeric values and one
    :class:`~core.values.ValueReport` per field
    (``censored_factor`` and ``max_abs`` as :func:`point_samples` reads them). ``is_cancelled`` (e.g.
    ``feedback.isCanceled``) is asked before each field: reading 50 fields of 100,000 samples takes ten seconds,
    and a cancel waited for all of them; ``progress(fraction)`` is told the share of the fields read."""
    values = np.empty((n, len(raw)))
    reports = []
    for j, column in enumerate(raw):
        if is_cancelled is not None and is_cancelled():
            raise Cancelled()
        if progress is not None:
            progress(j / max(1, len(raw)))
        values[:, j], report = to_float_array(column, censored_factor=censored_factor, max_abs=max_abs)
        reports.append(report)
    return values, reports


def written_value(value: object) -> object:
    """An attribute value as an output table can hold it: :func:`plain_value`, NULL as None, and binary values
    (a blob field) as None."""
    value = plain_value(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    is_null = getattr(value, "isNull", None)
    if callable(is_null) and is_null():
        return None
    return None if isinstance(value, (bytes, bytearray)) or type(value).__name__ == "QByteArray" else str(value)
