"""Checks of the inputs' CRSs and of the grid's cells, each refusal or warning saying what to do: a geographic CRS,
or a projected one whose map units are not the ground's, where distances must be metres (:func:`require_projected`,
with the local UTM zone as advice); a layer outside its CRS's area of use, or whose coordinates its CRS cannot hold;
CRSs PROJ cannot relate (a mine grid) or relates only by a ballpark transformation; a layer without a CRS; distances
typed in map units other than metres; and grids of too few or unequal cells. Nothing here reads a feature's values."""

from __future__ import annotations

import math
import re
from typing import List, Optional, Tuple

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeatureRequest,
    QgsPointXY,
    QgsProcessingException,
    QgsProcessingFeatureSource,
)

from ..core.grid import centre_longitude


def unreadable_crs(parameter: str, value) -> str:
    """The refusal of a CRS parameter QGIS could not read. A compound code (a horizontal CRS plus heights, as
    'EPSG:3067+5717' or 'EPSG:32635+3855', the way a GeoTIFF or GeoPackage carrying heights names its CRS) is one
    QGIS 3.22 reads no CRS from: the grid is 2D, so its horizontal part is the one to give."""
    text = str(value).strip()
    compound = re.fullmatch(r"(?i)(EPSG):(\d+)\s*\+\s*(\d+)", text)
    if compound:
        return (
            f"{parameter}: '{text}' is a compound CRS (a horizontal CRS plus a vertical one for heights), which QGIS "
            f"cannot read from a code; the grid is 2D: give its horizontal part, EPSG:{compound.group(2)}."
        )
    return (
        f"{parameter}: QGIS reads no CRS from '{text}'; give an authority code (e.g. EPSG:3067), a WKT or a PROJ "
        "string, or leave it empty to use the layers' CRS."
    )


def _same_ellipsoid(a, b) -> bool:
    """Whether two CRSs lie on one ellipsoid, to a metre in the semi-axes (GRS80 and WGS 84 are one); False when
    either has none QGIS can read."""
    from qgis.core import QgsEllipsoidUtils

    first, second = (QgsEllipsoidUtils.ellipsoidParameters(crs.ellipsoidAcronym()) for crs in (a, b))
    if not (first.valid and second.valid):
        return False
    return abs(first.semiMajor - second.semiMajor) < 1.0 and abs(first.semiMinor - second.semiMinor) < 1.0


def warn_ballpark_transform(
    source, crs, context, parameter: str, feedback, whose: str = "the rasters'", name: str = ""
) -> None:
    """Warn when a layer reaches ``crs`` only through PROJ's ballpark transformation: its datum is one PROJ knows no
    shift from (a .prj whose datum is 'D_Unknown', a custom CRS without TOWGS84), so the coordinates are moved as
    if the datums were one, which can put the features tens to hundreds of metres off (187 m for KKJ read so in
    Lapland), with no word from QGIS. Not on one ellipsoid: a mine grid defined on GRS80 is meant on ETRS89."""
    from qgis.core import QgsCoordinateTransform, QgsCsException

    layer_crs = source.sourceCrs()
    if feedback is None or not defined_crs(layer_crs) or not defined_crs(crs) or layer_crs == crs:
        return
    transform = QgsCoordinateTransform(layer_crs, crs, context.transformContext())
    extent = source.sourceExtent()
    if not transform.isValid() or extent is None or extent.isNull():
        return
    try:
        transform.transform(extent.center())
    except QgsCsException:
        return
    operation = transform.instantiatedCoordinateOperationDetails().name
    if "ballpark" not in operation.lower() or _same_ellipsoid(layer_crs, crs):
        return  # a custom CRS on the other's ellipsoid (a mine grid defined on GRS80): meant on the same datum
    layer = f" '{name}'" if name else ""
    grids = _missing_grids(layer_crs, crs, extent.center(), context)
    if grids:
        fix = (
            f"The transformations PROJ knows here need grids that are not installed ({', '.join(grids[:4])}): "
            f"install them (projsync --file {grids[0]}, or the PROJ-data archive from cdn.proj.org unpacked into "
            "PROJ's data folder; Debian's proj-data package holds only some older grids) and run again."
        )
    else:
        fix = (
            "If the layer's datum is known, give the layer the CRS with that datum (Layer Properties › Source, e.g. "
            "its EPSG code instead of a .prj whose datum is unknown) and run again."
        )
    feedback.pushWarning(
        f"{parameter}: the layer{layer} is in {_crs_name(layer_crs, 'a custom CRS')} and {whose} CRS is "
        f"{_crs_name(crs, 'a custom CRS')}; PROJ had no transformation between their datums it could use here, so "
        f"its features were moved by a ballpark one ({operation}): no datum shift, which can place them tens to "
        f"hundreds of metres off. {fix}"
    )


def _missing_grids(layer_crs, crs, centre, context) -> list:
    """:func:`core.grid.missing_grids` for the transformations from a layer's CRS to ``crs`` around its extent's
    ``centre`` (in the layer's CRS)."""
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsCsException

    from ..core.grid import missing_grids

    lon = lat = None
    try:
        degrees = QgsCoordinateTransform(
            layer_crs, QgsCoordinateReferenceSystem("EPSG:4326"), context.transformContext()
        )
        point = degrees.transform(centre)
        lon, lat = point.x(), point.y()
    except QgsCsException:
        pass
    wkt = QgsCoordinateReferenceSystem.WKT2_2019
    return missing_grids(layer_crs.toWkt(wkt), crs.toWkt(wkt), lon, lat)


def refuse_unrelated_rasters(layers, parameter: str) -> None:
    """Refuse rasters whose CRS cannot be transformed into the first's (a mine grid beside a CRS tied to the
    Earth): :func:`refuse_unrelated_crs`, before GDAL's warp fails on them."""
    for layer in layers[1:]:
        refuse_unrelated_crs(layer.crs(), layers[0].crs(), None, parameter, "the first raster's", layer.name())


#: how to fix a geographic CRS, for rasters and for vector layers
WARP_ADVICE = "Warp it to a projected CRS first (Raster › Projections › Warp, e.g. to the local UTM zone)"


REPROJECT_ADVICE = (
    "Reproject it to a projected CRS first (Vector › Data Management Tools › Reproject Layer, e.g. to the local "
    "UTM zone)"
)


def unchecked_features(source, request: QgsFeatureRequest):
    """A source's features without QGIS's geometry validity check: with the desktop's default setting (stop at an
    invalid geometry) it refuses a whole geological map for one ring touching itself, and its other choice (skip
    invalid features) leaves that unit out without a word. The polygons are repaired where they are used
    (``core.evidence.polygons.valid_polygon``, every lobe kept)."""
    if isinstance(source, QgsProcessingFeatureSource):
        return source.getFeatures(request, QgsProcessingFeatureSource.FlagSkipGeometryValidityChecks)
    return source.getFeatures(request)


def geographic_centre(source) -> QgsPointXY:
    """The centre of a layer in degrees: its extent's latitude, and the longitude of :func:`core.grid.
    centre_longitude` over its features (up to 100,000 of them; the extent's centre when none has a geometry):
    across 180° for samples on both sides of the antimeridian, whose extent runs the long way round."""
    request = QgsFeatureRequest().setNoAttributes().setLimit(100_000)
    longitudes = []
    for feature in unchecked_features(source, request):
        geometry = feature.geometry()
        if geometry is not None and not geometry.isEmpty():
            longitudes.append(geometry.boundingBox().center().x())
    extent = source.sourceExtent()
    if not longitudes:
        return extent.center()
    return QgsPointXY(centre_longitude(longitudes), extent.center().y())


def layer_extent(source):
    """A layer's extent, for a layer in degrees whose features lie on both sides of the antimeridian the short way
    across it (longitudes beyond 180, e.g. 179.5 to 180.1: :func:`core.grid.unwrapped_longitudes`), where its
    extent runs the long way round, over the whole Earth (up to 100,000 features are read)."""
    from qgis.core import QgsRectangle

    from ..core.grid import unwrapped_longitudes

    extent = source.sourceExtent()
    if not (defined_crs(source.sourceCrs()) and source.sourceCrs().isGeographic()) or extent.width() <= 180.0:
        return extent
    xs, ys = [], []
    for feature in unchecked_features(source, QgsFeatureRequest().setNoAttributes().setLimit(100_000)):
        geometry = feature.geometry()
        if geometry is not None and not geometry.isEmpty():
            box = geometry.boundingBox()
            xs += [box.xMinimum(), box.xMaximum()]
            ys += [box.yMinimum(), box.yMaximum()]
    if not xs:
        return extent
    lons = unwrapped_longitudes(xs)
    return QgsRectangle(float(lons.min()), min(ys), float(lons.max()), max(ys))


def utm_advice(centre) -> str:
    """': here EPSG:32635 (WGS 84 / UTM zone 35N, the zone of the layer's centre)' for a centre point in degrees;
    '' when it is not a longitude and latitude."""
    from ..core.grid import utm_epsg

    try:
        code = utm_epsg(centre.x(), centre.y())
    except ValueError:
        return ""
    if not -80.0 <= centre.y() <= 84.0:  # beyond UTM's latitudes
        return ": here a polar stereographic CRS (EPSG:3413 in the Arctic, EPSG:3031 in the Antarctic)"
    hemisphere = "N" if code < 32700 else "S"
    return f": here EPSG:{code} (WGS 84 / UTM zone {code % 100}{hemisphere}, the zone of the layer's centre)"


#: a projected CRS whose scale anywhere over the data (centre, corners, edge midpoints) is off by more than this is
#: refused: its distances, cell sizes and areas are not the ground's (Web Mercator beyond 25° of latitude); by more
#: than SCALE_WARNING, a warning
SCALE_REFUSED = 0.10


SCALE_WARNING = 0.05


def require_projected(
    crs, parameter: str, subject: str, why: str, advice: str = WARP_ADVICE, extent=None, feedback=None
) -> None:
    """Refuse a geographic CRS (degrees): cells and distances must be in metres. ``subject`` names the layer,
    ``why`` says what needs metres. Given the layer's ``extent`` (a QgsRectangle in ``crs``), refuse as well a
    projected CRS whose metres are not the ground's there (:func:`core.grid.scale_at`: Web Mercator at high
    latitude), and warn (with ``feedback``) of a smaller distortion."""
    if crs.isValid() and crs.isGeographic():
        raise QgsProcessingException(
            f"{parameter}: {subject} is in a geographic CRS ({crs.authid()}, degrees), but {why}. {advice}."
        )
    if extent is None or not crs.isValid() or extent.isNull():
        return
    refuse_outside_area_of_use(crs, parameter, subject, extent, feedback)
    from ..core.grid import scale_at

    xs, ys = _scale_points(extent)
    wkt = crs.toWkt()
    at_points = {(x, y): scale_at(wkt, x, y) for x in xs for y in ys if math.isfinite(x + y)}
    scales = [found for found in at_points.values() if found is not None]
    if not scales:
        return
    scale, area, lon, lat = max(scales, key=lambda found: abs(math.log(found[0])))
    centre = at_points.get((extent.center().x(), extent.center().y())) or (scale, area, lon, lat)
    zone = utm_advice(QgsPointXY(centre[2], centre[3]))  # the zone of the layer's centre, as the advice says
    if abs(scale - 1.0) <= SCALE_WARNING:
        return
    name = _crs_name(crs, "a custom CRS")
    where = "its centre" if len(scales) == 1 else "the point of its extent farthest from 1"
    stretch = (
        f"whose map units are {scale:.2f} times the ground distance at {where} ({_latitude(lat)}): a distance or "
        f"cell size read in them is {scale:.2f} times the one on the ground, an area {area:.2f} times"
    )
    if abs(scale - 1.0) > SCALE_REFUSED:
        raise QgsProcessingException(f"{parameter}: {subject} is in {name}, {stretch}; but {why}. {advice}{zone}.")
    if feedback is not None:
        feedback.pushWarning(
            f"{parameter}: {subject} is in {name}, {stretch}; the run goes on, with distances and areas off by as "
            f"much. For figures on the ground: {advice[0].lower()}{advice[1:]}{zone}."
        )


def refuse_outside_area_of_use(crs, parameter: str, subject: str, extent, feedback=None) -> None:
    """Refuse a layer whose centre lies far outside its projected CRS's area of use (:func:`core.placement.
    outside_area_of_use`) when one slip of a database export explains it (easting and northing swapped, a UTM zone
    number in front of the eastings, southern northings without their false northing) or PROJ cannot place it at
    all; warn (with ``feedback``) when it lies far outside for no reason found: a grid made there would lie apart
    from every map and layer of the place."""
    from ..core.placement import outside_area_of_use

    centre = extent.center()
    placed = outside_area_of_use(crs.toWkt(QgsCoordinateReferenceSystem.WKT2_2019), centre.x(), centre.y())
    if placed is None:
        return
    where = (
        "beyond where the projection can place it"
        if placed.lon is None or placed.lat is None
        else f"at {_latitude(placed.lat)}, {_longitude(placed.lon)}, {placed.away:.0f}° beyond that area"
    )
    text = (
        f"{parameter}: {subject} lies outside the area where its CRS, {_crs_name(crs, 'a custom CRS')}, is used "
        f"({placed.area}): its centre (x {centre.x():,.0f}, y {centre.y():,.0f}) is {where}."
    )
    if placed.slip:
        raise QgsProcessingException(
            f"{text} The coordinates look like {placed.slip}: undone, they fall inside it. Correct them "
            f"({placed.fix}) and load the layer again, or give the layer the CRS its coordinates are in."
        )
    if placed.lon is None:
        raise QgsProcessingException(f"{text} Check the layer's CRS and which fields hold its coordinates.")
    if feedback is not None:
        feedback.pushWarning(
            f"{text} The run goes on; if the place is wrong, check the layer's CRS and which fields hold its "
            "coordinates."
        )


def _scale_points(extent, inset: float = 0.0) -> Tuple[List[float], List[float]]:
    """The x and y of an extent's centre, corners and edge midpoints, where a CRS's scale is read (a scale that
    varies over the data is worst at an edge, or between edges for a conic CRS), without repeats: one point, or a
    line, for a single sample or a straight traverse. ``inset`` moves the edges inwards (to cells' centres)."""
    centre = extent.center()
    xs = {min(extent.xMinimum() + inset, centre.x()), centre.x(), max(extent.xMaximum() - inset, centre.x())}
    ys = {min(extent.yMinimum() + inset, centre.y()), centre.y(), max(extent.yMaximum() - inset, centre.y())}
    return sorted(xs), sorted(ys)


def _crs_name(crs, unnamed: str) -> str:
    """'EPSG:3857, WGS 84 / Pseudo-Mercator': the CRS's code and description, as a message names it."""
    return f"{crs.authid()}, {crs.description()}" if crs.authid() else crs.description() or unnamed


def _latitude(lat: float) -> str:
    return f"{abs(lat):.1f}° {'N' if lat >= 0 else 'S'}"


#: cells whose ground areas differ by more than this within a raster (its centre, corners and edge midpoints) get a
#: warning
UNEQUAL_CELLS = 0.05


def warn_unequal_cells(crs, extent, cell_size: float, parameter: str, feedback) -> None:
    """Warn when a raster's cells cover ground areas that differ by more than :data:`UNEQUAL_CELLS` within it (Web
    Mercator over several degrees of latitude, a conic CRS far from its standard parallels, a transverse Mercator
    far from its meridian): shares of the area counted in cells (success rate, capture, P-A) then count unequal
    areas as equal. The areas are read at the centre, corners and edge midpoints (cells' centres), as the CRS
    checks of :func:`require_projected` do."""
    from ..core.grid import metres_per_unit, scale_at

    if not crs.isValid() or crs.isGeographic() or extent.isEmpty():
        return
    wkt = crs.toWkt()
    xs, ys = _scale_points(extent, inset=cell_size / 2)
    found = [scale_at(wkt, x, y) for y in ys for x in xs]
    if None in found:
        return
    ground = (cell_size * metres_per_unit(wkt)) ** 2 / 1e6  # km² of map in one cell
    areas = [(ground / point[1], point[2], point[3]) for point in found]  # type: ignore[index]
    largest, smallest = max(areas), min(areas)
    if largest[0] / smallest[0] - 1.0 <= UNEQUAL_CELLS:
        return
    middle = found[len(found) // 2][2:]  # type: ignore[index]  # the centre's (lon, lat): row by row, west to east

    def place(area: Tuple[float, float, float]) -> str:
        return f"{area[0]:,.4g} km² at {_latitude(area[2])}, {_longitude(area[1])}"

    feedback.pushWarning(
        f"{parameter}: in {_crs_name(crs, 'its CRS')} the raster's cells are not of one ground size: one covers "
        f"{place(largest)} but {place(smallest)}, {100 * (largest[0] / smallest[0] - 1.0):.0f} % apart, so the "
        "shares of the area (success rate, capture, P-A) count unequal areas as equal. For exact figures: "
        f"{WARP_ADVICE[0].lower()}{WARP_ADVICE[1:]}{utm_advice(QgsPointXY(*middle))}."
    )


def _longitude(lon: float) -> str:
    return f"{abs(lon):.1f}° {'E' if lon >= 0 else 'W'}"


#: fewer cells than anomalies and pseudolabel need (core.anomalies.thresholds, core.labels.pseudolabel)
FEWEST_CELLS = 10


def warn_few_cells(grid, bounds, feedback, how: str) -> None:
    """Warn of a grid of fewer than FEWEST_CELLS cells (a PIXEL_SIZE about the size of the extent): its cells say
    nothing of the ground within them. ``bounds``: the extent asked for; ``how``: what else to give, after 'Use a
    smaller PIXEL_SIZE '."""
    if grid.width * grid.height < FEWEST_CELLS:
        feedback.pushWarning(
            f"PIXEL_SIZE: the grid is only {grid.describe()} over "
            f"{grid.length_text(bounds[2] - bounds[0])} x {grid.length_text(bounds[3] - bounds[1])}, too few for a "
            f"map: anomalies "
            f"and pseudolabel need at least {FEWEST_CELLS} cells. Use a smaller PIXEL_SIZE {how}."
        )


def say_ground_distance(
    feedback, parameter: str, value: float, metres_per_unit: float, default: Optional[float] = None
) -> None:
    """Say what a distance typed in map units is on the ground when the CRS is not in metres (US State Plane
    feet): a warning when it is the parameter's default, which was chosen in metres, else a line of the log."""
    if value <= 0 or abs(metres_per_unit - 1.0) < 1e-9:
        return
    metres = value * metres_per_unit
    line = f"{parameter}: {value:,g} map units of this CRS (1 unit = {metres_per_unit:.6g} m) are {metres:,.0f} m."
    if default is not None and value == default:
        feedback.pushWarning(
            f"{line} The default was chosen as {default:,g} m; for that distance give {default / metres_per_unit:,.0f}."
        )
    else:
        feedback.pushInfo(line)


def defined_crs(crs) -> bool:
    """Whether a CRS places coordinates: valid, and not the placeholder a GeoPackage layer without a CRS gets
    ('Undefined geographic SRS', srs_id 0, which QGIS reads as valid, not geographic, in degrees; or 'Undefined
    Cartesian SRS', srs_id -1)."""
    return crs.isValid() and not (not crs.authid() and crs.description().lower().startswith("undefined"))


def refuse_coordinates_beyond_crs(layer_crs, extent, parameter: str, crs=None, whose: str = "", name: str = "") -> None:
    """Refuse a layer whose CRS is in degrees while its coordinates are not longitudes and latitudes (beyond
    ±360°, ±90°): metres in a layer given a geographic CRS it was not made in, as QGIS gives a scratch or text
    layer made without one its default CRS. Read as degrees they cannot be placed, and every feature would be
    dropped as one 'without geometry'. ``crs`` and ``whose`` name the CRS to suggest, ``name`` the layer."""
    if not defined_crs(layer_crs) or not layer_crs.isGeographic() or extent is None or extent.isNull():
        return
    if -360.0 <= extent.xMinimum() and extent.xMaximum() <= 360.0 and -90.0 <= extent.yMinimum():
        if extent.yMaximum() <= 90.0:
            return
    layer = f" '{name}'" if name else ""
    hint = f", e.g. {whose} CRS ({crs.authid()}) if they are in it," if crs is not None and crs.authid() else ""
    raise QgsProcessingException(
        f"{parameter}: the layer{layer} is in {_crs_name(layer_crs, 'a geographic CRS')}, in degrees, but its "
        f"coordinates are not longitudes and latitudes (its extent: {extent.xMinimum():.0f}, "
        f"{extent.yMinimum():.0f} – {extent.xMaximum():.0f}, {extent.yMaximum():.0f}): its CRS is wrong (QGIS gives a "
        "layer made without one a default CRS). Set the CRS its coordinates are in (Layer Properties › Source, or "
        f"Vector › Data Management Tools › Assign Projection; not Reproject Layer){hint} and run again."
    )


def _is_local(crs) -> bool:
    """Whether a CRS is a local engineering one (a mine grid: WKT LOCAL_CS / ENGCRS), tied to no place on Earth."""
    from qgis.core import QgsCoordinateReferenceSystem

    wkt = crs.toWkt(QgsCoordinateReferenceSystem.WKT2_2019).lstrip().upper()
    return wkt.startswith(("ENGCRS", "ENGINEERINGCRS")) or crs.toWkt().lstrip().upper().startswith("LOCAL_CS")


def refuse_unrelated_crs(layer_crs, crs, context, parameter: str, whose: str = "the rasters'", name: str = "") -> None:
    """Refuse a layer whose CRS PROJ cannot transform into ``crs``: a mine grid (a local engineering CRS, tied to
    no place on Earth) against a CRS that is, either way round. QGIS then passes the coordinates through unchanged
    (logging only "Cannot create transform"), so the features would be placed at their mine-grid numbers in the
    other CRS, or fall outside every cell (``context`` None: the default transformations). Two local CRSs are taken as
    one grid (a GeoTIFF and a GeoPackage write
    the same mine grid's WKT differently), and ``crs`` undefined is warned of elsewhere."""
    from qgis.core import QgsCoordinateTransform, QgsCoordinateTransformContext

    if not defined_crs(layer_crs) or not defined_crs(crs) or layer_crs == crs:
        return
    if _is_local(layer_crs) and _is_local(crs):
        return
    transforms = context.transformContext() if context is not None else QgsCoordinateTransformContext()
    if QgsCoordinateTransform(layer_crs, crs, transforms).isValid():
        return
    layer = f" '{name}'" if name else ""
    raise QgsProcessingException(
        f"{parameter}: the layer{layer} is in {_crs_name(layer_crs, 'a custom CRS')} and {whose} CRS is "
        f"{_crs_name(crs, 'a custom CRS')}, and no transformation between them is known (a local engineering CRS, "
        "such as a mine grid, is tied to no place on Earth), so it cannot be placed on the grid. Put all "
        "the layers in one CRS: give the mine grid its place on Earth (a custom CRS in Settings › Custom "
        "Projections with the grid's origin, rotation and scale, then Assign Projection to the mine-grid layers) or "
        "transform the mine-grid layers with their control points (Raster › Georeferencer), and run again."
    )


def source_transform(source: QgsProcessingFeatureSource, crs, context):
    """The transform from a layer's CRS to ``crs``; none (the identity) for a layer without a defined CRS."""
    from qgis.core import QgsCoordinateTransform

    start = source.sourceCrs() if defined_crs(source.sourceCrs()) else crs
    return QgsCoordinateTransform(start, crs, context.transformContext())


def warn_without_crs(
    source: QgsProcessingFeatureSource, crs, parameter: str, feedback, whose: str = "the rasters'", name: str = ""
) -> None:
    """Say that a layer without a CRS is read as if in ``crs`` (its coordinates are taken as they are); ``whose``
    says whose CRS that is, ``name`` names the layer (for parameters taking several)."""
    if feedback is not None and not defined_crs(source.sourceCrs()):
        layer = f" '{name}'" if name else ""
        feedback.pushWarning(
            f"{parameter}: the layer{layer} has no CRS; its coordinates were taken to be in {whose} CRS "
            f"({crs.authid() or crs.description() or 'unknown'}). If they are not, set the layer's CRS (Layer "
            "Properties › Source, or Vector › Data Management Tools › Assign Projection) and run again."
        )
