"""Coordinates that cannot be where their CRS is used: the slips of a database export (easting and northing swapped,
a UTM easting with its zone number in front, southern northings without their false northing of 10,000,000 m,
western longitudes without their minus sign), found by the CRS's area of use (PROJ's database)."""

import math
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Tuple

import numpy as np

#: a layer whose centre lies more than this many degrees (of latitude, or of longitude) beyond its CRS's area of use
#: is outside it: a survey beside a national grid's border, or a zone or two beyond its UTM zone, is not
MARGIN_DEGREES = 10.0
#: a UTM false northing: what southern-hemisphere northings carry (0 at the south pole... 10,000,000 m at the equator)
FALSE_NORTHING_SOUTH = 10_000_000.0


@dataclass(frozen=True)
class Placement:
    """Where a layer's centre lies for its CRS: ``area`` the CRS's area of use (name, and west, south, east, north in
    degrees), ``lon`` / ``lat`` the centre in degrees (None when PROJ cannot place it at all), ``away`` how many
    degrees it lies beyond the area (inf when unplaced), and ``slip``, when undoing one slip of a database export
    puts it inside the area, what that slip was (e.g. 'easting and northing swapped'), else None."""

    area: str
    bounds: Tuple[float, float, float, float]
    lon: Optional[float]
    lat: Optional[float]
    away: float
    slip: Optional[str]
    fix: Optional[str]


def degrees_beyond(bounds: Tuple[float, float, float, float], lon: float, lat: float) -> float:
    """How many degrees (of latitude or longitude, the larger) ``lon`` / ``lat`` lie beyond ``bounds`` (west, south,
    east, north; west > east for an area across the antimeridian); 0 inside."""
    west, south, east, north = bounds
    dlat = max(south - lat, lat - north, 0.0)
    lon = (lon + 180.0) % 360.0 - 180.0
    if west <= east:
        inside = west <= lon <= east
    else:  # across 180°
        inside = lon >= west or lon <= east
    if inside:
        dlon = 0.0
    else:
        dlon = min((west - lon) % 360.0, (lon - east) % 360.0)
    return max(dlat, dlon)


def _placer(crs_wkt: str) -> Optional[Tuple[object, Callable[[float, float], Optional[Tuple[float, float]]]]]:
    """The CRS's area of use and a function giving (lon, lat) of a map point, None where PROJ cannot place it (no
    result, or one that does not map back onto the point)."""
    from pyproj import CRS, Transformer

    crs = CRS.from_user_input(crs_wkt)
    area = crs.area_of_use
    if area is None:  # WKT1 carries no area of use: that of the EPSG CRS it is, when PROJ can tell
        code = crs.to_epsg(min_confidence=90)
        area = CRS.from_epsg(code).area_of_use if code else None
    if area is None or not crs.is_projected:
        return None
    to_degrees = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
    to_map = Transformer.from_crs(crs.geodetic_crs, crs, always_xy=True)

    def place(x: float, y: float) -> Optional[Tuple[float, float]]:
        try:
            lon, lat = to_degrees.transform(x, y)
            back = to_map.transform(lon, lat)
        except Exception:  # PROJ refuses the point  # noqa: BLE001
            return None
        if not all(math.isfinite(v) for v in (lon, lat, *back)) or abs(lat) > 90.0:
            return None
        if math.hypot(back[0] - x, back[1] - y) > max(1.0, 1e-6 * math.hypot(x, y)):
            return None  # beyond the projection's domain: the degrees PROJ gives are not the point's
        return float(lon), float(lat)

    return area, place


def outside_area_of_use(crs_wkt: Optional[str], x: float, y: float) -> Optional[Placement]:
    """Whether the map point (``x``, ``y``), a layer's centre in a projected CRS, lies outside the CRS's area of use
    by more than :data:`MARGIN_DEGREES` (or where PROJ cannot place it at all): a :class:`Placement`, else None.
    None as well for a CRS without an area of use (a local grid) or one that cannot be read. The slips tried are
    :func:`slipped_coordinates`' (x and y swapped, a UTM zone written in front of the easting, a negative northing
    without its false northing), the first that puts the point inside the area (within a degree) named."""
    if not crs_wkt or not all(math.isfinite(v) for v in (x, y)):
        return None
    try:
        found = _placer(crs_wkt)
    except Exception:  # an unreadable CRS: nothing to say  # noqa: BLE001
        return None
    if found is None:
        return None
    area, place = found
    bounds = (area.west, area.south, area.east, area.north)  # type: ignore[attr-defined]

    def away(point: Optional[Tuple[float, float]]) -> float:
        return math.inf if point is None else degrees_beyond(bounds, *point)

    here = place(x, y)
    distance = away(here)
    if distance <= MARGIN_DEGREES:
        return None
    # in a CRS used north of the equator, negative northings are places south of it: no false northing was lost
    candidates = [
        (why, how, float(cx[0]), float(cy[0]))
        for why, how, cx, cy in slipped_coordinates(np.array([x]), np.array([y]), geographic=False)
        if bounds[3] <= 0.0 or float(cy[0]) != y + FALSE_NORTHING_SOUTH
    ]
    slip, fix = next(((why, how) for why, how, cx, cy in candidates if away(place(cx, cy)) <= 1.0), (None, None))
    return Placement(
        area=str(area.name).split(". ")[0].rstrip("."),  # type: ignore[attr-defined]  # not its list of countries
        bounds=bounds,
        lon=None if here is None else here[0],
        lat=None if here is None else here[1],
        away=distance,
        slip=slip,
        fix=fix,
    )


def slipped_coordinates(
    xs: np.ndarray, ys: np.ndarray, geographic: bool
) -> List[Tuple[str, str, np.ndarray, np.ndarray]]:
    """The coordinates ``xs``, ``ys`` (a layer's own, in its CRS) with one slip of a database export undone, for
    each slip that could have made them: (what the slip was, how to undo it, x, y). In degrees: latitude and
    longitude swapped, western longitudes or southern latitudes without their minus sign. In a projected CRS:
    easting and northing swapped, a UTM zone number in front of every easting (all of 8 digits or more, one zone),
    southern northings without their false northing (all negative)."""
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    if geographic:
        return [
            ("the latitude and longitude swapped (x holds the latitudes)",
             "exchange the x and y fields: x is the longitude", ys, xs),
            ("the western longitudes without their minus sign",
             "make the longitudes west of Greenwich negative", -np.abs(xs), ys),
            ("the southern latitudes without their minus sign",
             "make the latitudes south of the equator negative", xs, -np.abs(ys)),
        ]  # fmt: skip
    found = [
        ("the easting and northing swapped (x holds the northings)",
         "exchange the x and y fields: in a CSV the X field is the easting", ys, xs),
    ]  # fmt: skip
    finite = np.isfinite(xs)
    zones = np.floor(np.abs(xs[finite]) / 1e6)
    if zones.size and np.all(np.abs(xs[finite]) >= 1e7) and np.all(zones == zones[0]) and 1 <= zones[0] <= 60:
        zone = int(zones[0])
        found.append(
            (f"the UTM zone number ({zone}) written in front of the eastings",
             f"subtract {zone * 1_000_000:,} from the eastings", xs - np.sign(xs) * zone * 1e6, ys)
        )  # fmt: skip
    if np.all(ys[np.isfinite(ys)] < 0):
        found.append(
            ("the southern hemisphere's false northing (10,000,000 m) left out of the northings",
             "add 10,000,000 to the northings", xs, ys + FALSE_NORTHING_SOUTH)
        )  # fmt: skip
    return found


#: metres a degree of latitude spans (the mean; within 0.6 % anywhere): a rounding step's size on the ground
METRES_PER_DEGREE = 111_320.0
#: the steps a database rounds degrees to, coarsest first, with how a message names them
DEGREE_STEPS: Tuple[Tuple[float, str], ...] = (
    (1.0, "whole degrees"),
    (0.5, "half degrees"),
    (0.1, "0.1°"),
    (1.0 / 60.0, "whole minutes of arc"),
    (0.05, "0.05°"),
    (0.01, "0.01°"),
    (1.0 / 120.0, "half minutes of arc"),
    (0.005, "0.005°"),
    (0.001, "0.001°"),
)
#: the fewest points taken for a survey on a planned grid (fewer, such as a district's deposits, are never one)
GRID_POINTS = 20
#: the steps a database rounds projected coordinates to, in metres, coarsest first
METRE_STEPS: Tuple[float, ...] = (10_000.0, 5_000.0, 1_000.0, 500.0, 100.0, 50.0, 10.0)


@dataclass(frozen=True)
class Rounding:
    """Coordinates all on multiples of one step: ``step`` in the layer's units, ``label`` how a message names it
    ('0.01°', '1 km'), ``ground`` the step on the ground in metres (north-south for degrees)."""

    step: float
    label: str
    ground: float


def _all_multiples(values: np.ndarray, step: float) -> bool:
    ratio = values / step
    return bool(np.all(np.abs(ratio - np.round(ratio)) <= 1e-6 * np.maximum(1.0, np.abs(ratio)) + 1e-9))


def coordinate_rounding(
    xs: np.ndarray, ys: np.ndarray, geographic: bool, metres_per_unit: float = 1.0
) -> Optional[Rounding]:
    """The coarsest step every point's x and y are multiples of (a layer's own coordinates, in its CRS), among the
    steps databases round to (:data:`DEGREE_STEPS`, :data:`METRE_STEPS`); None when there is none or no finite
    point. Rounding to 0.01° moves a point up to 0.005° (about 560 m): on a 250 m grid a deposit so rounded marks a
    cell two cells from its own. ``metres_per_unit`` converts projected units (feet) to metres."""
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    finite = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[finite], ys[finite]
    if xs.size == 0:
        return None
    found: Optional[Rounding] = None
    if geographic:
        for step, label in DEGREE_STEPS:
            if _all_multiples(xs, step) and _all_multiples(ys, step):
                found = Rounding(step, label, step * METRES_PER_DEGREE)
                break
    else:
        for metres in METRE_STEPS:
            step = metres / metres_per_unit
            if _all_multiples(xs, step) and _all_multiples(ys, step):
                label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
                found = Rounding(step, label, metres)
                break
    if found is not None and planned_grid(xs, ys, found.step):
        return None
    return found


def planned_grid(xs: np.ndarray, ys: np.ndarray, step: float) -> bool:
    """Whether points on multiples of ``step`` are a survey laid out on a grid, not positions rounded to it: at
    least :data:`GRID_POINTS` of them, apart (at most one in ten shares its place with another), and regular (seven
    in ten lie at the same distance from their nearest neighbour, at most three steps). A soil grid's samples at
    their planned stations are such points; occurrences rounded to 0.01° or 1 km are few, scattered at uneven
    distances, or fall on one another."""
    from .neighbours import local_spacing

    places = np.unique(np.column_stack([xs, ys]), axis=0)
    if len(xs) < GRID_POINTS or len(places) < 0.9 * len(xs):
        return False
    nearest = local_spacing(places)
    median = float(np.median(nearest))
    regular = np.mean(np.abs(nearest - median) <= 1e-6 * max(median, step))
    return bool(median <= 3 * step and regular >= 0.7)


#: samples that stand for less ground than a square of this side (metres: the hull's area per sample) are a detailed
#: grid at most, and more often coordinates in kilometres read as metres (a local grid in km given a CRS in metres:
#: a regional survey's 1 to 10 km spacing reads as 1 to 10 m)
SMALLEST_SAMPLE_SPACING_M = 10.0


def kilometre_coordinates_hint(
    spacing_m: float,
    width_m: float,
    height_m: float,
    count: int,
    bounds: Optional[Tuple[float, float, float, float]] = None,
) -> Optional[str]:
    """Why samples ``spacing_m`` apart (metres on the ground, :func:`core.neighbours.area_spacing` times the metres
    in a map unit) over ``width_m`` x ``height_m`` look like coordinates in kilometres read as metres, in words for
    a warning; None when they are at least :data:`SMALLEST_SAMPLE_SPACING_M` apart or span no area. The Jura
    survey's local grid in km, given a CRS in metres, made 0.057 m cells over 4.3 x 5.1 m without a word.
    With the samples' ``bounds`` (xmin, ymin, xmax, ymax in map units) inside -180..180 and -90..90, the words add
    that they may be longitudes and latitudes (a table's lon/lat columns in a layer given a projected CRS), whose
    fix differs; a local grid in km near its origin fits those ranges too, so both are said."""
    if not (0 < spacing_m < SMALLEST_SAMPLE_SPACING_M) or count < 3:
        return None
    degrees = ""
    if bounds is not None and -180 <= bounds[0] <= bounds[2] <= 180 and -90 <= bounds[1] <= bounds[3] <= 90:
        degrees = (
            f" Or, as they lie within ±180 and ±90 (x {bounds[0]:.6g} to {bounds[2]:.6g}, y {bounds[1]:.6g} to "
            f"{bounds[3]:.6g}), they may be longitudes and latitudes in degrees: then give the layer the CRS they "
            "are in (Layer Properties › Source › Assigned CRS, e.g. EPSG:4326, WGS 84) and reproject it to a "
            "projected CRS in metres (Vector › Data Management Tools › Reproject Layer)."
        )
    return (
        f"the {count} samples lie {spacing_m:.2g} m apart on average (the side of the square each stands for), "
        f"over {width_m:.3g} m x {height_m:.3g} m. Unless that is a detailed grid, the coordinates may be "
        "kilometres (a local grid) read as metres: then every distance and cell is 1,000 times too small and every "
        'area a million times: give the layer coordinates in metres (Field Calculator: "x" * 1000, or the table\'s '
        f"projected coordinates where it has them) and a CRS in metres.{degrees} The run goes on"
    )


def local_grid_advice(xmin: float, ymin: float, xmax: float, ymax: float) -> str:
    """For a layer without CRS whose coordinates (its extent) span no more than 360 units (degrees, or kilometres
    of a local grid, as the Jura survey's 0.6-5.7 km): what its span suggests and what to do, as a sentence that
    follows the refusal (with its leading space); '' otherwise."""
    from .reports.legend import readable_number

    width, height = xmax - xmin, ymax - ymin
    if max(width, height) > 360:
        return ""
    span = f"x {readable_number(xmin)} to {readable_number(xmax)}, y {readable_number(ymin)} to {readable_number(ymax)}"
    return (
        f" Its coordinates span only {readable_number(width)} x {readable_number(height)} units "
        f"({span}): degrees take EPSG:4326 (then reproject it to metres); kilometres of a local grid must first "
        'become metres (Field Calculator: "x" * 1000, or the table\'s projected coordinates where it has them), as '
        "distances and cells are in metres."
    )


def finite_parts(geometry: Any) -> Optional[Any]:
    """``geometry`` (shapely) without its vertices whose x or y is not a number (NaN, or infinite where a
    reprojection could not place it; a Z of NaN is kept): a line keeps its runs of two or more good vertices,
    multi-points their finite points, and a polygon with one is left out whole (its outline cannot be closed
    without it); None when nothing is left. A geometry whose x and y are all finite is returned as it is."""
    from shapely.geometry import GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon

    if geometry is None or geometry.is_empty or _all_finite(geometry):
        return geometry
    kind = geometry.geom_type
    if kind in ("LineString", "LinearRing"):
        xy = np.asarray(geometry.coords, dtype=np.float64)
        finite = np.isfinite(xy[:, :2]).all(axis=1)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], finite.astype(np.int8), [0]])))
        runs = [LineString(xy[a:b]) for a, b in zip(edges[::2], edges[1::2]) if b - a >= 2]
        return None if not runs else runs[0] if len(runs) == 1 else MultiLineString(runs)
    if kind == "MultiLineString":
        parts = [p for part in geometry.geoms if (p := finite_parts(part)) is not None]
        lines = [line for p in parts for line in getattr(p, "geoms", [p])]
        return MultiLineString(lines) if lines else None
    if kind == "MultiPoint":
        points = [p for p in geometry.geoms if _all_finite(p)]
        return MultiPoint(points) if points else None
    if kind == "MultiPolygon":
        polygons = [p for p in geometry.geoms if _all_finite(p)]
        return MultiPolygon(polygons) if polygons else None
    if kind == "GeometryCollection":
        kept = [p for part in geometry.geoms if (p := finite_parts(part)) is not None]
        return GeometryCollection(kept) if kept else None
    return None  # a point or a polygon with a coordinate that is not a number


def _all_finite(geometry: Any) -> bool:
    """Whether every x and y of ``geometry`` is a number (shapely 1.8 has no ``get_coordinates``; its bounds pass
    over NaN)."""
    kind = geometry.geom_type
    if kind == "Polygon":
        return all(_all_finite(ring) for ring in (geometry.exterior, *geometry.interiors))
    if hasattr(geometry, "geoms"):
        return all(_all_finite(part) for part in geometry.geoms)
    xy = np.asarray(geometry.coords, dtype=np.float64).reshape(-1, len(geometry.coords[0]) if geometry.coords else 2)
    return bool(np.isfinite(xy[:, :2]).all())  # a Z or M of NaN ('no height', as exports write it) is no matter
