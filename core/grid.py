"""Raster grid geometry: a north-up grid described by its corner, cell size and shape."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np

from .errors import GridTooLargeError, InputError
from .reports.legend import readable_number

EDGE_TOLERANCE = 1e-9
"""Share of a cell within which a point beyond the grid's east or south edge still counts as on it (rounding)."""

_UNIT_ABBREVIATIONS = {"metre": "m", "meter": "m", "foot": "ft", "us survey foot": "US ft", "kilometre": "km"}


@dataclass(frozen=True)
class GridSpec:
    """A north-up raster grid.

    ``xmin``/``ymax`` are the outer corner of the top-left cell; rows run south.
    ``crs_wkt`` is carried along untouched so outputs keep the input's CRS.
    """

    xmin: float
    ymax: float
    pixel_size: float
    width: int
    height: int
    crs_wkt: Optional[str] = None

    @property
    def xmax(self) -> float:
        return self.xmin + self.width * self.pixel_size

    @property
    def ymin(self) -> float:
        return self.ymax - self.height * self.pixel_size

    @property
    def transform(self) -> Tuple[float, float, float, float, float, float]:
        """GDAL-order geotransform (x0, dx, 0, y0, 0, -dy)."""
        return (self.xmin, self.pixel_size, 0.0, self.ymax, 0.0, -self.pixel_size)

    def affine(self):  # -> affine.Affine; imported lazily (not on GPU machines)
        from affine import Affine

        return Affine(self.pixel_size, 0.0, self.xmin, 0.0, -self.pixel_size, self.ymax)

    def cell_centres(self, row_start: int = 0, row_stop: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray]:
        """x and y of cell centres for rows ``row_start:row_stop``, flattened row-major."""
        row_stop = self.height if row_stop is None else row_stop
        xs, ys = self.centres_of(np.arange(row_start, row_stop), np.arange(self.width))
        gx, gy = np.meshgrid(xs, ys)
        return gx.ravel(), gy.ravel()

    def centres_of(self, rows: np.ndarray, cols: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """x and y of the centres of the cells (``rows``, ``cols``), any matching shapes."""
        return (
            self.xmin + (np.asarray(cols) + 0.5) * self.pixel_size,
            self.ymax - (np.asarray(rows) + 0.5) * self.pixel_size,
        )

    def cell_floor(self, x: np.ndarray, y: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Row and column of the cells holding points, as whole floats (no integer overflow far off the grid).
        A point on a cell edge belongs to the cell east or south of it, except on the grid's own east and south
        edges, where it belongs to the last cell: a deposit on the edge of a grid drawn around the deposits is
        inside it."""
        with np.errstate(over="ignore", invalid="ignore"):  # a coordinate of 1e308: inf, off the grid
            col = (np.asarray(x, dtype=float) - self.xmin) / self.pixel_size
            row = (self.ymax - np.asarray(y, dtype=float)) / self.pixel_size
        col = np.where((col >= self.width) & (col <= self.width + EDGE_TOLERANCE), self.width - 1, np.floor(col))
        row = np.where((row >= self.height) & (row <= self.height + EDGE_TOLERANCE), self.height - 1, np.floor(row))
        return row, col

    def holds(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Which (``rows``, ``cols``) name a cell of the grid (:func:`on_shape` over its height and width)."""
        return on_shape(rows, cols, (self.height, self.width))

    def rowcol(self, x: np.ndarray, y: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Row and column indices of the cells holding points (:meth:`cell_floor`); -1 or the width / height
        for points off the grid."""
        row, col = self.cell_floor(x, y)
        row = np.nan_to_num(np.clip(row, -1, self.height), nan=-1)
        col = np.nan_to_num(np.clip(col, -1, self.width), nan=-1)
        return row.astype(np.int64), col.astype(np.int64)

    @classmethod
    def from_extent(
        cls,
        xmin: float,
        ymin: float,
        xmax: float,
        ymax: float,
        pixel_size: float,
        crs_wkt: Optional[str] = None,
        max_cells: int = 400_000_000,
    ) -> "GridSpec":
        """Grid covering an extent; the right and bottom edges grow to whole cells."""
        if not (pixel_size > 0 and math.isfinite(pixel_size)):
            raise InputError("the pixel size must be a positive number of map units.", "PIXEL_SIZE")
        if not all(math.isfinite(v) for v in (xmin, ymin, xmax, ymax)) or xmax <= xmin or ymax <= ymin:
            raise InputError("the extent is empty or invalid; choose an extent with an area.", "EXTENT")
        # Python floats: a numpy scalar extent would divide with an overflow warning in the log (1e-308 cells)
        span_x, span_y, pixel_size = float(xmax) - float(xmin), float(ymax) - float(ymin), float(pixel_size)
        if pixel_size > max(span_x, span_y):  # one cell: a typing slip (1e308, 250000 for 250) or another unit
            unit = unit_abbreviation(crs_wkt)
            raise InputError(
                f"a pixel size of {readable_number(pixel_size)} {unit} is larger than the whole extent "
                f"({readable_number(span_x)} x {readable_number(span_y)} {unit}): the map would be a single cell. "
                f"Give a pixel size well under the extent's size, in {unit}; check for a slip of the keyboard or a "
                "size meant in another unit.",
                "PIXEL_SIZE",
            )
        columns, rows = span_x / pixel_size, span_y / pixel_size  # inf for a pixel size of 1e-308
        countable = math.isfinite(columns) and math.isfinite(rows)
        width = max(1, int(math.ceil(columns - 1e-9))) if countable else 0
        height = max(1, int(math.ceil(rows - 1e-9))) if countable else 0
        if not countable or width * height > max_cells:
            cells = f"{width} x {height} = {width * height:,} cells" if countable else "more cells than can be counted"
            raise GridTooLargeError(
                f"a pixel size of {readable_number(pixel_size)} over this extent gives {cells}, more than the "
                f"{max_cells:,} allowed; use a larger pixel size (check that the pixel size is in the layer's map "
                "units).",
                "PIXEL_SIZE",
            )
        return cls(float(xmin), float(ymax), float(pixel_size), width, height, crs_wkt)

    @property
    def metres_per_unit(self) -> float:
        """Metres in one map unit of the grid's CRS (:func:`metres_per_unit`)."""
        return metres_per_unit(self.crs_wkt)

    @property
    def cell_km2(self) -> float:
        """The area of one cell in km² (pixel size in the CRS's units, converted to metres)."""
        return (self.pixel_size * self.metres_per_unit) ** 2 / 1e6

    def length_text(self, value: float) -> str:
        """A length in the grid's map units as messages write it: '1,000,000 m', '300 US ft', '0.01 map units'."""
        return f"{readable_number(value)} {unit_abbreviation(self.crs_wkt)}"

    def same_cells(self, other: "GridSpec") -> bool:
        """Whether ``other`` holds the same cells (CRS aside): the same shape, and corners and extent within a
        thousandth of a cell. A tolerance relative to the coordinates (numpy's allclose) let a raster shifted by a
        quarter of a 250 m cell at northing 7,500,000 pass as the same grid."""
        tolerance = 1e-3 * self.pixel_size
        return (
            self.width == other.width
            and self.height == other.height
            and abs(self.xmin - other.xmin) <= tolerance
            and abs(self.ymax - other.ymax) <= tolerance
            and abs(self.pixel_size - other.pixel_size) * max(self.width, self.height) <= tolerance
        )

    def describe(self) -> str:
        """The grid's shape and cell size as logs write it: '40 x 40 cells of 250 m'."""
        return f"{self.width} x {self.height} cells of {self.length_text(self.pixel_size)}"

    def rows_per_block(self, bytes_per_cell: int, budget_bytes: int = 256 * 2**20) -> int:
        """How many whole rows fit in a memory budget, at least one."""
        return max(1, min(self.height, budget_bytes // max(1, bytes_per_cell * self.width)))


def on_shape(rows: np.ndarray, cols: np.ndarray, shape: Tuple[int, ...]) -> np.ndarray:
    """Which (``rows``, ``cols``) index a cell of an array of ``shape`` (height, width, ...): 0 <= row < height and
    0 <= col < width, element-wise, for whole numbers as ints or as floats (:meth:`GridSpec.cell_floor`); a NaN is
    on no cell. Negative indices count as off the grid, not from the end as numpy would take them."""
    rows, cols = np.asarray(rows), np.asarray(cols)
    return (rows >= 0) & (rows < shape[0]) & (cols >= 0) & (cols < shape[1])


@functools.lru_cache(maxsize=16)
def metres_per_unit(crs_wkt: Optional[str]) -> float:
    """Metres in one linear map unit of a projected CRS: 0.3048 for international feet, 0.3048006096 for US survey
    feet, 1.0 for metres. 1.0 as well without a CRS, for a geographic CRS (refused where distances matter) and
    when the CRS cannot be read: the coordinates are then taken as they are. Distances and areas that are
    reported in metres or km (evidence distance bands, anomaly areas) are converted with it, so a State Plane
    grid in feet gives the same numbers as the same grid in a metric CRS."""
    if not crs_wkt:
        return 1.0
    try:
        from rasterio.crs import CRS

        crs = CRS.from_user_input(crs_wkt)
        if not crs.is_projected:
            return 1.0
        factor = float(crs.linear_units_factor[1])
    except Exception:  # an unreadable or unit-less CRS: coordinates as they are  # noqa: BLE001
        return 1.0
    return factor if math.isfinite(factor) and factor > 0 else 1.0


@functools.lru_cache(maxsize=16)
def unit_abbreviation(crs_wkt: Optional[str]) -> str:
    """The short name of a projected CRS's linear unit ('m', 'ft', 'US ft'); 'map units' for any other CRS, a
    CRS without a known unit, or none."""
    if not crs_wkt:
        return "map units"
    try:
        from rasterio.crs import CRS

        crs = CRS.from_user_input(crs_wkt)
        name = str(crs.linear_units).lower() if crs.is_projected else ""
    except Exception:  # an unreadable CRS: no unit to name  # noqa: BLE001
        return "map units"
    return _UNIT_ABBREVIATIONS.get(name, "map units")


def available_memory() -> Optional[int]:
    """Bytes of memory available to a new allocation (Linux MemAvailable, else physical pages), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import os

        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def size_text(n: float) -> str:
    """A size in bytes as messages give it: '1.5 GiB', '12.0 MiB', '3.2 KiB', '512 bytes'."""
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:,.0f} bytes"


@dataclass(frozen=True)
class StackMemory:
    """An evidence stack against the memory available: its ``bands`` of ``cells`` as float32 (``size`` bytes), the
    peak of reading it whole (``whole`` bytes) and the memory available (None: unknown)."""

    bands: int
    cells: int
    size: int
    whole: int
    available: Optional[int]

    @classmethod
    def of(cls, bands: int, cells: int, per_byte: float, per_cell: float, available: Optional[int]) -> "StackMemory":
        """The stack's memory when reading it whole takes ``per_byte`` bytes a stack byte and ``per_cell`` a cell."""
        size = bands * cells * 4
        return cls(bands, cells, size, int(size * per_byte + cells * per_cell), available)

    @property
    def fits(self) -> bool:
        """Whether reading it whole takes at most 80 % of the memory available (unknown: taken to fit)."""
        return self.available is None or self.whole <= 0.8 * self.available

    def why_stream(self, limit: int, distributed: bool) -> Optional[str]:
        """Why to read it window by window, as the message says it: a scheduler is set, it is larger than ``limit``
        bytes, or read whole it would not fit; None to read it whole."""
        if self.size <= limit and not distributed and self.fits:
            return None
        if distributed and self.size <= limit and self.fits:
            return "a scheduler is set"
        if self.size > limit:
            return "it is large"
        return (
            f"read whole it would need about {size_text(self.whole)} of the {size_text(self.available or 0)} of "
            "memory available"
        )


def check_memory(
    n_values: int,
    bytes_per_value: float,
    parameter: str,
    what: str,
    advice: str,
    fraction: float = 0.8,
    available: Optional[int] = None,
) -> int:
    """Estimate the bytes a step needs and refuse it, with the numbers, when they exceed ``fraction`` of
    the available memory (:class:`GridTooLargeError`). Returns the estimate."""
    need = int(n_values * bytes_per_value)
    available = available_memory() if available is None else available
    if available is not None and need > fraction * available:
        raise GridTooLargeError(
            f"{what} needs about {need / 2**30:,.1f} GiB of memory, but only {available / 2**30:,.1f} GiB is "
            f"available; {advice}",
            parameter,
        )
    return need


#: a grid of more cells than this gets a word before the long work starts
MANY_CELLS = 50_000_000


def many_cells_note(width: int, height: int, bands: int, pixel_size: float, unit: str) -> str:
    """The warning for a grid of more than :data:`MANY_CELLS` cells (a PIXEL_SIZE typed a digit short, say): how
    large, and the PIXEL_SIZE that gives a quarter of the cells; "" for a smaller grid."""
    cells = width * height
    if cells <= MANY_CELLS:
        return ""
    size_gb = cells * bands * 4 / 1e9  # float32 bands
    return (
        f"PIXEL_SIZE: the grid is {width:,} x {height:,} cells ({cells / 1e6:,.0f} million) of {pixel_size:g} {unit}: "
        f"the run takes long (Cancel stops it) and writes about {size_gb:,.1f} GB. A PIXEL_SIZE of "
        f"{2 * pixel_size:g} gives a quarter of the cells."
    )


def cell_size_change_note(trained_m: float, here_m: float, cells: int) -> str:
    """predict's warning when the inputs' cells (``here_m`` metres) are another size than the training's
    (``trained_m``), for a model reading ``cells`` x ``cells`` cells around each (1: each cell alone)."""
    if cells > 1:
        what = (
            f"the window it reads covers {here_m / trained_m:.3g} times the ground it learned from (its {cells} x "
            f"{cells} cells: {cells * here_m:,.0f} m instead of {cells * trained_m:,.0f} m)"
        )
    else:  # a model of each cell alone has no window (review 36: it was said to have one of 0.5 times)
        what = (
            f"each cell's values stand for {(here_m / trained_m) ** 2:.3g} times the ground the training cells' did "
            "(highs a small cell holds are averaged away in a larger one)"
        )
    return (
        f"INPUT_RASTERS: the model was trained on cells of {trained_m:,.6g} m, these have cells of {here_m:,.6g} m: "
        f"{what}. Resample the inputs to {trained_m:,.6g} m cells (Raster › Projections › Warp) for a map the "
        "training supports."
    )


def distances_to_box(xy: np.ndarray, bounds: Sequence[float]) -> np.ndarray:
    """The distance from each point of ``xy`` (n, 2) to the box ``bounds`` (xmin, ymin, xmax, ymax); 0 inside it."""
    dx = np.maximum(np.maximum(bounds[0] - xy[:, 0], xy[:, 0] - bounds[2]), 0.0)
    dy = np.maximum(np.maximum(bounds[1] - xy[:, 1], xy[:, 1] - bounds[3]), 0.0)
    return np.hypot(dx, dy)


def padded_extent(
    xmin: float, ymin: float, xmax: float, ymax: float, fraction: float = 0.05, minimum: float = 0.0
) -> Tuple[float, float, float, float]:
    """Extent grown on every side by ``fraction`` of its larger side (at least ``minimum``)."""
    margin = max(fraction * max(xmax - xmin, ymax - ymin), minimum)
    return xmin - margin, ymin - margin, xmax + margin, ymax + margin


def checked_mask(mask: np.ndarray, shape: Tuple[int, ...]) -> np.ndarray:
    """``mask`` as booleans, refused unless it has the grid's (rows, columns) ``shape``."""
    mask = np.asarray(mask)
    if mask.shape != tuple(shape):
        raise InputError(
            f"the mask ({mask.shape[0] if mask.ndim else 0} x {mask.shape[1] if mask.ndim > 1 else 0} cells) does "
            f"not match the raster grid ({shape[0]} x {shape[1]} cells).",
            "MASK",
        )
    return mask.astype(bool)


def centre_longitude(longitudes) -> float:
    """The longitude in the middle of points given by their ``longitudes`` (degrees): the centre of the shortest
    arc of the parallel holding them all, the largest gap between them left out. Points on both sides of the
    antimeridian (Chukotka, Fiji, the Aleutians: longitudes near 180 and near -180) are centred across 180° (179.5
    to -179.9 gives 179.8), where their extent's centre would be near 0, on the other side of the Earth. Returns a
    longitude from -180 to 180."""
    lon = np.sort(np.mod(np.asarray(longitudes, dtype=float).ravel() + 180.0, 360.0) - 180.0)
    lon = lon[np.isfinite(lon)]
    if lon.size == 0:
        raise ValueError("no finite longitude")
    gaps = np.diff(np.append(lon, lon[0] + 360.0))  # after each point, to the next one eastwards
    widest = int(np.argmax(gaps))
    start = lon[(widest + 1) % lon.size]  # the points run east from the one after the widest gap
    centre = start + (360.0 - gaps[widest]) / 2.0
    return float(centre - 360.0 if centre >= 180.0 else centre)


def unwrapped_longitudes(longitudes) -> np.ndarray:
    """Longitudes (degrees) made continuous around their centre (:func:`centre_longitude`), each within 180° of it:
    points on both sides of the antimeridian (179.5 and -179.9) become 179.5 and 180.1, so that their least and
    greatest span the 0.6° they cover, not the 359.4° the other way round. NaN stays NaN."""
    x = np.asarray(longitudes, dtype=float)
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return x.copy()
    centre = centre_longitude(finite)
    return centre + (np.mod(x - centre + 180.0, 360.0) - 180.0)


def wrap_longitudes(longitudes, west: float, east: float) -> np.ndarray:
    """Longitudes (degrees) moved by whole turns of 360° into a raster's span from ``west`` to ``east`` where that
    puts them inside it: a deposit at -179.8 on a raster in EPSG:4326 written from 179.5 to 180.5 (as GDAL writes
    a grid across the antimeridian) lies at 180.2 on it. Longitudes no turn brings inside, and NaN, are returned as
    they are."""
    x = np.array(longitudes, dtype=float)
    turns = np.ceil((west - x) / 360.0)  # the fewest turns east that bring x to west or beyond
    moved = x + 360.0 * turns
    inside = np.isfinite(x) & ((x < west) | (x > east)) & (moved >= west) & (moved <= east)
    x[inside] = moved[inside]
    return x


def missing_grids(source_crs: str, target_crs: str, lon: Optional[float] = None, lat: Optional[float] = None) -> list:
    """Short names of the grid files (e.g. 'us_noaa_conus.tif') that the transformations PROJ knows between two CRSs
    (any form pyproj reads: WKT, 'EPSG:4267') need and cannot find here (not installed, no network), for those
    whose area of use holds (``lon``, ``lat``) when given; [] when every one is usable or the CRSs cannot be read.
    Without them PROJ falls back on a worse transformation, down to a ballpark one with no datum shift."""
    import warnings

    try:
        from pyproj import CRS
        from pyproj.transformer import AreaOfInterest, TransformerGroup

        area = None if lon is None or lat is None else AreaOfInterest(lon, lat, lon, lat)
        with warnings.catch_warnings():  # 'Best transformation is not available': what this function reports
            warnings.simplefilter("ignore")
            group = TransformerGroup(
                CRS.from_user_input(source_crs), CRS.from_user_input(target_crs), always_xy=True, area_of_interest=area
            )
    except Exception:  # an unreadable CRS, or no operation at all: nothing to name  # noqa: BLE001
        return []
    names: list = []
    for operation in group.unavailable_operations:
        for grid in operation.grids:
            if not grid.available and grid.short_name and grid.short_name not in names:
                names.append(grid.short_name)
    return names


def utm_epsg(lon: float, lat: float) -> int:
    """The EPSG code of the WGS 84 / UTM zone holding (lon, lat) in degrees: 326zz north of the equator, 327zz
    south; plain 6° zones, as PROJ's areas of use for these CRSs (without the military grid's Norway and Svalbard
    exceptions, which matter for map sheets, not for a local projection)."""
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise ValueError(f"({lon}, {lat}) is not a longitude and latitude in degrees")
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    return (32600 if lat >= 0.0 else 32700) + zone


def scale_at(crs_wkt: Optional[str], x: float, y: float) -> Optional[Tuple[float, float, float, float]]:
    """(scale, area scale, longitude, latitude) of a projected CRS at map point (x, y): how many metres its
    coordinates step for one metre on the ground there (a metre east and a metre north, measured on the CRS's
    ellipsoid by pyproj's geodesic; whichever is farther from 1), square metres of map per square metre of ground
    (the parallelogram those two steps span), and the point's longitude and latitude in degrees. A transverse
    Mercator (UTM, TM35FIN) or a State Plane zone gives about 1 over its area; Web Mercator (EPSG:3857) gives about
    1 / cos(latitude), 2.62 at 67.6° N, where distances and cell sizes read in its metres are 2.62 times (areas 6.9
    times) those on the ground. None without a projected CRS, or when PROJ cannot say (outside the projection's
    domain)."""
    if not crs_wkt:
        return None
    try:
        from pyproj import CRS, Transformer

        crs = CRS.from_user_input(crs_wkt)
        if not crs.is_projected:
            return None
        to_degrees = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
        lon, lat = to_degrees.transform(x, y)
        half = 0.5 / metres_per_unit(crs_wkt)  # half a metre in map units, east-west then north-south
        lons, lats = to_degrees.transform([x - half, x + half, x, x], [y, y, y - half, y + half])
        geod = crs.get_geod()
        if geod is None:
            return None
        east = geod.inv(lons[0], lats[0], lons[1], lats[1])[2]
        north = geod.inv(lons[2], lats[2], lons[3], lats[3])[2]
        scales = (1.0 / east, 1.0 / north)
        # the ground area of a map square of 100 m (a sheared projection skews it; azimuths, which would give it
        # from the two steps, mean nothing at a pole); 100 m, as a geodesic area of 1 m² is noise near a pole
        side = 50.0 / metres_per_unit(crs_wkt)
        xs, ys = [x - side, x + side, x + side, x - side], [y - side, y - side, y + side, y + side]
        corners = to_degrees.transform(xs, ys)
        ground_area = abs(geod.polygon_area_perimeter(*corners)[0]) / 100.0**2
    except Exception:  # an unreadable CRS or a point PROJ cannot project: nothing to say  # noqa: BLE001
        return None
    if not all(math.isfinite(v) for v in scales + (lon, lat, ground_area)) or min(scales) <= 0 or ground_area <= 0:
        return None
    return max(scales, key=lambda s: abs(math.log(s))), 1.0 / ground_area, float(lon), float(lat)
