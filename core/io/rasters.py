"""GeoTIFF reading and writing with rasterio: atomic writes (see :mod:`.outputs`), band names, provenance tags.

Inputs are read with GDAL's PAM off (:func:`.inputs.no_gdal_sidecars`): reading writes nothing beside them.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from ..callbacks import CancelCallback, ProgressCallback, check_cancelled, report
from ..errors import InputError
from ..grid import GridSpec, check_memory
from .inputs import no_gdal_sidecars, unreadable_raster
from .outputs import atomic_output
from .values import FLOAT32_MAX

#: GeoTIFF metadata tag holding the JSON provenance record
PROVENANCE_TAG = "GEOCHEM_PROSPECTOR_PROVENANCE"


def read_provenance(path: str) -> Dict[str, Any]:
    """The provenance record a GeoTIFF written here holds (:data:`PROVENANCE_TAG`); empty for any other raster, or
    one that cannot be read (the record is an aid, never a reason to fail)."""
    import rasterio

    try:
        with no_gdal_sidecars(), rasterio.open(path) as src:
            record = json.loads(src.tags().get(PROVENANCE_TAG, "{}"))
    except (rasterio.errors.RasterioError, ValueError, OSError):
        return {}
    return record if isinstance(record, dict) else {}


def band_row_blocks(src: Any, band: int = 1, cells_per_read: int = 32 * 2**20) -> Iterator[Tuple[int, np.ndarray]]:
    """Band ``band`` of the open rasterio dataset ``src`` in blocks of whole rows of about ``cells_per_read`` cells
    (a raster too large to hold): each block's first row and its values as float64, nodata as NaN."""
    from rasterio.windows import Window

    rows_per_read = max(1, min(src.height, cells_per_read // max(1, src.width)))
    for top in range(0, src.height, rows_per_read):
        window = Window(0, top, src.width, min(rows_per_read, src.height - top))
        yield top, np.ma.filled(src.read(band, window=window, masked=True).astype(np.float64), np.nan)


def value_counts(
    path: str, band: int = 1, limit: int = 4096, cells_per_read: int = 32 * 2**20
) -> Tuple[np.ndarray, np.ndarray]:
    """The distinct finite values of ``band`` of the raster at ``path`` (nodata left out) and their cell counts,
    read in blocks of rows (:func:`band_row_blocks`); the reading stops once more than ``limit`` distinct values
    are found (a measurement, not classes)."""
    import rasterio

    distinct, counts = np.zeros(0), np.zeros(0, dtype=np.int64)
    with no_gdal_sidecars(), rasterio.open(path) as src:
        for _, values in band_row_blocks(src, band, cells_per_read):
            found, found_counts = np.unique(values[np.isfinite(values)], return_counts=True)
            merged = np.concatenate([distinct, found])
            distinct, where = np.unique(merged, return_inverse=True)
            counts = np.bincount(where, weights=np.concatenate([counts, found_counts]), minlength=distinct.size)
            counts = counts.astype(np.int64)
            if distinct.size > limit:
                break
    return distinct, counts


#: what a band written by this plugin's predict or pseudolabel holds, by (algorithm, band description)
_OWN_OUTPUTS = {
    ("prospector:predict", "prospectivity"): "the prospectivity (probability) map made by predict",
    ("prospector:predict", "uncertainty"): "the uncertainty map made by predict",
    ("prospector:predict", "percentile of the study area"): "the rank (percentile) map made by predict",
    (
        "prospector:predict",
        "prospectivity class",
    ): "the prospectivity classes (1 low, 2 moderate, 3 high) made by predict",
    ("prospector:pseudolabel", "class"): "the label raster made by pseudolabel",
    ("prospector:pseudolabel", "confidence"): "the pseudo-label confidence made by pseudolabel",
}


#: what a layer is called when its file is named only for the output parameter that wrote it, as the graphical
#: modeler names the files between its steps ('OUTPUT.tif'), by the algorithm its provenance names and that name
_OUTPUT_LAYER_NAMES = {
    ("prospector:interpolate", "OUTPUT"): "elements",
    ("prospector:interpolate", "OUTPUT_VARIANCE"): "kriging_variance",
    ("prospector:evidence", "OUTPUT"): "evidence",
    ("prospector:anomalies", "OUTPUT"): "anomaly_classes",
    ("prospector:anomalies", "OUTPUT_INDEX"): "anomaly_index",
    ("prospector:pseudolabel", "OUTPUT"): "labels",
    ("prospector:pseudolabel", "OUTPUT_CONFIDENCE"): "label_confidence",
    ("prospector:predict", "OUTPUT"): "prospectivity",
    ("prospector:predict", "OUTPUT_UNCERTAINTY"): "uncertainty",
    ("prospector:predict", "OUTPUT_CLASSES"): "prospectivity_classes",
    ("prospector:predict", "OUTPUT_RANK"): "prospectivity_rank",
}


def layer_label(path: str) -> str:
    """The layer part of the band names of the raster at ``path``: the file name without its extension, unless the
    file is named only for the output parameter that wrote it ('OUTPUT', 'OUTPUT_CONFIDENCE': the graphical modeler's
    files between steps) and one of this plugin's steps wrote it: then what it holds ('elements', 'evidence'), so a
    model chained in the modeler names its bands 'evidence:elements:Cu', not 'OUTPUT:OUTPUT:Cu'."""
    stem = os.path.splitext(os.path.basename(path))[0]
    if not stem.startswith("OUTPUT"):
        return stem
    return _OUTPUT_LAYER_NAMES.get((str(read_provenance(path).get("algorithm")), stem), stem)


def made_by(path: str, band: int = 1) -> str:
    """Plain words for what band ``band`` (1-based) of a raster written by this plugin's ``predict``,
    ``pseudolabel`` or ``anomalies`` holds (its provenance record and band description), e.g. 'the uncertainty
    map made by predict'; '' for any other raster or band (evidence, element and index rasters included)."""
    algorithm = read_provenance(path).get("algorithm")
    if algorithm == "prospector:anomalies":  # its classes raster is whole numbers, its index raster is not
        dtype = _band_text(path, band, lambda src: src.dtypes[band - 1])
        return (
            "the anomaly classes (0 background, 1 weak, 2 moderate, 3 strong) made by anomalies"
            if (dtype.startswith(("uint", "int")))
            else ""
        )
    description = _band_text(path, band, lambda src: src.descriptions[band - 1])
    return _OWN_OUTPUTS.get((str(algorithm), description), "")


def clear_beyond_float32(bands: np.ndarray) -> List[int]:
    """Set cells beyond the float32 range (or infinite) to NaN, in place; how many per band.

    A float32 output would hold them as infinity, or as nodata without a word: callers say how many.
    """
    bands = np.asarray(bands)
    counts = []
    for band in bands if bands.ndim == 3 else bands[None]:
        with np.errstate(invalid="ignore"):
            beyond = np.abs(band) > FLOAT32_MAX  # infinity included, NaN not
        counts.append(int(beyond.sum()))
        if counts[-1]:
            band[beyond] = np.nan
    return counts


#: cells of one band converted, compressed and written at a time by :func:`write_geotiff` (1 M: 4 MB of float32;
#: whole rows of tiles, so at least 256 rows): with 4 M, a window's compression kept the progress still for a
#: third of a 4,000 x 4,000 write, and 1 M took no longer (bench/bench_write_geotiff.py)
WRITE_WINDOW_CELLS = 2**20
#: share of :func:`write_geotiff`'s progress for writing the windows (compressed as they go); the rest moves as
#: the file is read back, tile by tile, before it is committed (about a third of the time: 0.27 of 0.81 s on
#: 4,000 x 4,000 float32 cells)
WRITE_SHARE = 2 / 3


def write_geotiff(
    path: str,
    bands: np.ndarray,
    grid: GridSpec,
    band_names: Sequence[str],
    nodata: float = -9999.0,
    provenance: Optional[Mapping[str, Any]] = None,
    extra_tags: Optional[Mapping[str, str]] = None,
    dtype: str = "float32",
    parameter: str = "OUTPUT",
    band_tags: Optional[Sequence[Mapping[str, str]]] = None,
    band_units: Optional[Sequence[str]] = None,
    progress: ProgressCallback = None,
    is_cancelled: CancelCallback = None,
) -> str:
    """Write a (bands, rows, cols) array as a tiled, DEFLATE-compressed GeoTIFF, atomically.

    The bands are converted and written in windows of rows (:data:`WRITE_WINDOW_CELLS` cells of one band at a time),
    so a national grid is not copied whole, ``progress(fraction)`` moves per window and ``is_cancelled`` stops the
    write between windows (nothing is left at ``path``).

    NaN cells are written as ``nodata``. Band descriptions carry ``band_names``, GDAL's unit type ``band_units``
    (one per band, '' for none; what QGIS, ``evaluate`` and the evidence stack show);
    ``provenance`` is stored as JSON in the dataset tags, ``band_tags`` (one mapping per band) in the bands'
    metadata. ``parameter`` names the output in errors.
    """
    import rasterio

    bands = np.asarray(bands)
    if bands.ndim == 2:
        bands = bands[None]
    if bands.shape[0] != len(band_names):
        raise ValueError("one band name is needed per band")
    if bands.shape[1:] != (grid.height, grid.width):  # rasterio had resampled such an array into the grid silently
        raise ValueError(f"the bands' {bands.shape[1:]} cells do not match the grid's {(grid.height, grid.width)}")
    floating = np.issubdtype(np.dtype(dtype), np.floating)
    profile = dict(
        driver="GTiff",
        width=grid.width,
        height=grid.height,
        count=bands.shape[0],
        dtype=dtype,
        crs=grid.crs_wkt or None,
        transform=grid.affine(),
        nodata=nodata,
        compress="deflate",
        predictor=3 if floating else 2,
        tiled=grid.width >= 256 and grid.height >= 256,
        interleave="band",
        # bands of values, not a picture: GDAL marks 3 or 4 byte bands red, green, blue (and alpha) otherwise
        photometric="MINISBLACK",
        num_threads="ALL_CPUS",  # GDAL compresses the tiles in parallel
    )
    if profile["tiled"]:
        profile.update(blockxsize=256, blockysize=256)
    writing = None if progress is None else (lambda f: progress(WRITE_SHARE * f))
    reading = None if progress is None else (lambda f: progress(WRITE_SHARE + (1 - WRITE_SHARE) * f))
    with atomic_output(path, parameter, read_back_progress=reading) as tmp:  # read back: the rest, not a silence
        # the file's structure and metadata first, its tiles left unwritten (SPARSE_OK), then the pixels
        with rasterio.open(tmp, "w", sparse_ok=True, **profile) as dst:
            for i, name in enumerate(band_names, start=1):
                dst.set_band_description(i, str(name))
                if band_units is not None and band_units[i - 1]:
                    dst.set_band_unit(i, str(band_units[i - 1]))
                if band_tags is not None and band_tags[i - 1]:
                    dst.update_tags(i, **{k: str(v) for k, v in band_tags[i - 1].items()})
            tags: Dict[str, str] = dict(extra_tags or {})
            if provenance is not None:
                tags[PROVENANCE_TAG] = json.dumps(provenance, default=str, sort_keys=True)
            if tags:
                dst.update_tags(**tags)
        _write_pixels(tmp, bands, grid, dtype, nodata, writing, is_cancelled)
    return path


def _write_pixels(
    tmp: str,
    bands: np.ndarray,
    grid: GridSpec,
    dtype: str,
    nodata: float,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
) -> None:
    """Write ``bands`` into the GeoTIFF ``tmp`` (created without its pixels) window by window, each window's tiles
    compressed (in parallel) and written before its progress is reported: GDAL's cache had kept them all until the
    file closed, so a large grid's progress reached 100 % and then went silent for most of the write (94 % of it on
    4,000 x 4,000 cells; ~13 s on a national grid) while they were compressed at close."""
    from osgeo import gdal

    floating = np.issubdtype(np.dtype(dtype), np.floating)
    # whole tiles of rows, at least one: the window's copy stays small whatever the grid
    step = max(256, (WRITE_WINDOW_CELLS // max(1, grid.width)) // 256 * 256)
    windows = [(b, r) for b in range(bands.shape[0]) for r in range(0, grid.height, step)]
    with no_gdal_sidecars():
        dataset = gdal.OpenEx(tmp, gdal.OF_RASTER | gdal.OF_UPDATE, open_options=["NUM_THREADS=ALL_CPUS"])
        if dataset is None:
            raise OSError(f"GDAL could not reopen '{tmp}' to write its pixels: {gdal.GetLastErrorMsg()}")
        try:
            for done, (b, row0) in enumerate(windows):
                check_cancelled(is_cancelled)
                with np.errstate(over="ignore", invalid="ignore"):  # beyond float32: inf, written as nodata like NaN
                    data = bands[b, row0 : row0 + step].astype(dtype, copy=True)
                if floating:
                    data[~np.isfinite(data)] = nodata
                if dataset.GetRasterBand(b + 1).WriteArray(data, 0, row0) != 0:
                    raise OSError(f"GDAL could not write band {b + 1}: {gdal.GetLastErrorMsg()}")
                dataset.FlushCache()  # this window's tiles compressed and on disk: its progress is the file's
                report(progress, (done + 1) / len(windows))
        finally:
            dataset = None  # closes the file (what is left to write: the tile index)


@dataclass
class RasterData:
    """Bands read from a raster, with their grid and names; NaN marks nodata.

    ``warnings`` says what in the values looks wrong (a fill value used as data, values beyond float32), for the
    caller to show (the algorithms push them with ``feedback.pushWarning``); ``notes`` what was done to them that
    the log should say (a raster resampled onto another's grid: ``feedback.pushInfo``).
    """

    bands: np.ndarray  # (count, height, width) float32
    grid: GridSpec
    band_names: list
    warnings: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)


#: values rasters often hold for missing data; used as data when the file has no nodata value to say so
FILL_VALUES = (  # -1e32: Geosoft's dummy of a float grid
    -999.0, -9999.0, -99999.0, -999999.0, -32767.0, -32768.0, 255.0, 32767.0, 65535.0,
    -1e20, 1e20, -1e30, 1e30, -1e32, 1e32, -1e38, 1e38, -3.4e38, 3.4e38, -FLOAT32_MAX, FLOAT32_MAX,
)  # fmt: skip
#: a fill value is suspected when at least this share of a band's valid cells holds it ...
FILL_SHARE = 0.01
_FILL32 = np.array(FILL_VALUES, dtype=np.float32)


@dataclass
class SuspectedFill:
    """A band's minimum or maximum that looks like a fill value: which, in how many cells, and the other values' range
    (NaN when every cell holds it)."""

    value: float
    cells: int
    valid: int
    low: float
    high: float


def suspected_fill(band: np.ndarray) -> Optional[SuspectedFill]:
    """The fill value a band without nodata seems to hold as data, or None.

    Suspected when the band's minimum (or maximum) is one of :data:`FILL_VALUES`, at least :data:`FILL_SHARE` of
    the valid cells hold it, and it lies farther from the other values than they spread (e.g. -9999 beside
    values from 20 to 220). NaN cells are ignored.
    """
    band = np.asarray(band, dtype=np.float32)
    valid = np.isfinite(band)
    n_valid = int(valid.sum())
    if n_valid == 0:
        return None
    for extreme in (
        float(np.min(band, where=valid, initial=np.inf)),
        float(np.max(band, where=valid, initial=-np.inf)),
    ):
        if not (_FILL32 == np.float32(extreme)).any():
            continue
        hits = band == np.float32(extreme)
        cells = int(hits.sum())
        if cells < FILL_SHARE * n_valid:
            continue
        rest = valid & ~hits
        if not rest.any():
            return SuspectedFill(extreme, cells, n_valid, math.nan, math.nan)
        low = float(np.min(band, where=rest, initial=np.inf))
        high = float(np.max(band, where=rest, initial=-np.inf))
        gap = low - extreme if extreme < low else extreme - high
        if gap > high - low:
            return SuspectedFill(extreme, cells, n_valid, low, high)
    return None


#: parameters whose rasters hold labels or weights, not evidence: one value everywhere is no mistake there
LABEL_PARAMETERS = ("LABELS", "CONFIDENCE")


def beyond_float32_warning(beyond: int, name: str, path: str, parameter: str) -> str:
    """The warning for ``beyond`` cells of band ``name`` of the raster at ``path`` beyond the float32 range (or
    infinite), read as nodata."""
    return (
        f"{parameter}: band '{name}' of '{os.path.basename(path)}' has {beyond:,} cell{'s' if beyond != 1 else ''} "
        "beyond the float32 range (magnitude above 3.4e38, or infinite), which are not measurements; they were read "
        "as nodata (GDAL's 'ERROR 5 ... should be finite values' lines come from QGIS opening such a raster). If "
        f"they mark missing data, set the file's nodata value to them (gdal_edit.py -a_nodata VALUE '{path}')."
    )


def band_warnings(
    band: np.ndarray, has_nodata: bool, name: str, path: str, parameter: str, beyond: int = 0
) -> List[str]:
    """What looks wrong in one band as read: a fill value used as data (only without a nodata value) and
    ``beyond`` cells beyond the float32 range, read as nodata."""
    where = f"band '{name}' of '{os.path.basename(path)}'"
    warnings = [beyond_float32_warning(beyond, name, path, parameter)] if beyond else []
    fill = None if has_nodata else suspected_fill(band)
    if fill is None and parameter not in LABEL_PARAMETERS:  # one class or one weight everywhere is no mistake
        warnings += _uninformative_band(band, where, parameter)
    if fill is not None:
        value = f"{fill.value:.9g}"
        if math.isnan(fill.low):
            found = f"every one of its {fill.valid:,} cells holds {value}"
        else:
            side = "below" if fill.value < fill.low else "above"
            found = (
                f"{fill.cells:,} of its {fill.valid:,} cells ({100 * fill.cells / fill.valid:.1f} %) hold {value}, "
                f"far {side} its other values ({fill.low:.4g} to {fill.high:.4g})"
            )
        warnings.append(
            f"{parameter}: {where} has no nodata value, but {found}: that looks like a fill value for missing "
            f"data, and it was used as data. If it is one, set the file's nodata value to {value} "
            f"(gdal_edit.py -a_nodata {value} '{path}', or Raster › Conversion › Translate with 'Assign a specified "
            "nodata value to output bands' for a copy) and run again."
        )
    return warnings


def _uninformative_band(band: np.ndarray, where: str, parameter: str) -> List[str]:
    """A band with no cell holding a value, or with one value in every cell: it carries no evidence. QGIS's
    default stretch of such a raster makes GDAL print 'ERROR 1 ... no valid pixels' or 'ERROR 5 ... dfMax should
    be strictly greater than dfMin' when it opens the layer (before any algorithm runs): the warning says why."""
    if np.isnan(band).all():  # read with NaN for nodata (infinite values too)
        return [
            f"{parameter}: {where} has no cell with a value (all nodata): it carries no evidence (GDAL's 'ERROR 1 "
            "... no valid pixels' lines come from QGIS opening it). Check the file's nodata value, or leave it out."
        ]
    low, high = float(np.fmin.reduce(band, axis=None)), float(np.fmax.reduce(band, axis=None))  # no copy
    if low != high:
        return []
    return [
        f"{parameter}: {where} holds one value ({low:.9g}) in every cell with a value: it carries no evidence and "
        "cannot separate one cell from another (GDAL's 'ERROR 5 ... dfMax should be strictly greater than dfMin' "
        "lines come from QGIS opening it). Check how it was made, or leave it out."
    ]


def unholdable_nodata(src: Any, index: int, name: str, path: str, parameter: str) -> List[str]:
    """A word when the nodata value of band ``index`` (1-based) of the open dataset ``src`` is one its whole-number
    type cannot hold (-9999 in a Byte band): GDAL then marks no cell as nodata, so the cells meant as missing are
    read as measurements. (rasterio hides such a value, so it is asked of GDAL itself.)"""
    dtype = np.dtype(src.dtypes[index - 1])
    if src.nodatavals[index - 1] is not None or dtype.kind not in "iu":
        return []
    try:
        from osgeo import gdal

        with no_gdal_sidecars():
            dataset = gdal.OpenEx(path, gdal.OF_RASTER | gdal.OF_READONLY)
            nodata = dataset.GetRasterBand(index).GetNoDataValue() if dataset is not None else None
            dataset = None
    except Exception:  # noqa: BLE001 - a word is never worth failing for; the reader names real problems
        return []
    limits = np.iinfo(dtype)
    if nodata is None or math.isnan(nodata) or (limits.min <= nodata <= limits.max and float(nodata).is_integer()):
        return []
    return [
        f"{parameter}: band '{name}' of '{os.path.basename(path)}' holds whole numbers from {limits.min} to "
        f"{limits.max} ({dtype.name}), but its nodata value is {nodata:g}, which no cell can hold, so no cell was read "
        "as nodata: cells meant as missing were used as data. Set a nodata value the band can hold (gdal_edit.py "
        f"-a_nodata 0 '{path}' if 0 marks them) and run again."
    ]


def _has_nodata(src: Any, index: int) -> bool:
    """Whether band ``index`` (1-based) says which cells are missing: a nodata value, a mask or alpha band."""
    from rasterio.enums import MaskFlags

    return list(src.mask_flag_enums[index - 1]) != [MaskFlags.all_valid]


def warp_nodata(nodata: Optional[float]) -> Optional[float]:
    """``nodata`` as GDAL's warper must be told it: a value within 1e-5 (relative) of the largest float32 is that
    value, ±3.4028235e38. A tag written with six digits ('-3.40282e+38', as ENVI headers and some exports write
    it) names cells that hold the lowest float32: GDAL's mask (every masked read here) takes them as nodata, but the
    warper compares exactly and would resample them as values of -3.4e38 (gdalwarp adjusts the value the same way)."""
    if nodata is not None and math.isfinite(nodata) and abs(abs(nodata) - FLOAT32_MAX) <= 1e-5 * FLOAT32_MAX:
        return math.copysign(FLOAT32_MAX, nodata)
    return nodata


def signed_byte_nodata(src: Any, index: int, data: np.ma.MaskedArray) -> np.ma.MaskedArray:
    """``data`` (a masked read of band ``index``, 1-based, of ``src``) with the band's nodata cells masked when it
    holds signed bytes. GDAL 3.6 (QGIS 3.22's) has no signed byte type: it reads an int8 band (PIXELTYPE=SIGNEDBYTE)
    as bytes of 0-255, so its mask never matches a negative nodata value (-128); rasterio gives the values right,
    so the cells equal to the nodata value are masked here. Any other band is returned as it is."""
    nodata = src.nodatavals[index - 1]
    if src.dtypes[index - 1] != "int8" or nodata is None:
        return data
    return np.ma.masked_where(np.ma.getdata(data) == nodata, data)


def _to_float32(data: np.ndarray) -> "tuple[np.ndarray, List[int]]":
    """A masked read as float32 with NaN for nodata; cells beyond the float32 range (or infinite) become NaN too,
    counted per band (without numpy's overflow warning)."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.ma.filled(np.ma.asarray(data).astype(np.float32), np.nan)
    beyond = []
    for band in out if out.ndim == 3 else out[None]:
        inf = np.isinf(band)
        beyond.append(int(inf.sum()))
        if beyond[-1]:
            band[inf] = np.nan
    return out, beyond


def unscale(block: np.ndarray, src: Any, band: int) -> np.ndarray:
    """``block`` (float32, NaN = nodata) of band ``band`` (1-based) of the open dataset ``src`` in the band's own
    units: raw x scale + offset where GDAL gives the band a scale or an offset (radiometrics or gravity stored as
    int16 counts, say), as QGIS and ``gdal_translate -unscale`` show it; ``block`` itself, untouched, otherwise."""
    if not is_scaled(src, band):
        return block
    scale, offset = float(src.scales[band - 1]), float(src.offsets[band - 1])
    return (block.astype(np.float64) * scale + offset).astype(np.float32)


def is_scaled(src: Any, band: int) -> bool:
    """Whether band ``band`` (1-based) of ``src`` has a GDAL scale or offset that :func:`unscale` applies."""
    return float(src.scales[band - 1]) != 1.0 or float(src.offsets[band - 1]) != 0.0


def band_unit(path: str, band: int) -> str:
    """The GDAL unit type of band ``band`` (1-based) of the raster at ``path`` ('nT', 'm'); '' when it has none or
    cannot be read (the caller then says 'band value')."""
    return _band_text(path, band, lambda src: src.units[band - 1])


def stack_units(paths: Sequence[str]) -> List[str]:
    """The GDAL unit type of every band of ``paths``, in the order :func:`read_stack` stacks them ('' where a band
    has none); an empty list when a file cannot be read (a label is never worth failing for)."""
    return _per_band(paths, lambda src: list(src.units))


def _per_band(paths: Sequence[str], read: Callable[[Any], List[Any]]) -> List[str]:
    """``read(dataset)`` (one value per band) of every raster of ``paths`` in turn, as text ('' for none); an
    empty list when a file cannot be read."""
    import rasterio

    found: List[str] = []
    with no_gdal_sidecars():
        for path in paths:
            try:
                with rasterio.open(path) as src:
                    found += [str(v or "") for v in read(src)]
            except Exception:  # rasterio raises RasterioIOError, a broad family
                return []
    return found


#: band metadata item in which interpolate records the lower detection limits met in the band's field
#: ('0.2,1'), which anomalies compares its levels with
DETECTION_LIMITS_TAG = "detection_limits"
#: band metadata item: the smallest positive value measured in the field (below its written limits where another
#: laboratory, which wrote no '<x', measured lower)
LOWEST_MEASURED_TAG = "lowest_measured"


def band_detection_limits(path: str, band: int) -> Tuple[List[float], float]:
    """The lower detection limits interpolate recorded for band ``band`` (1-based) of ``path``
    (:data:`DETECTION_LIMITS_TAG`), ascending, and the lowest value measured in its field
    (:data:`LOWEST_MEASURED_TAG`, inf when not recorded); ([], inf) when none are recorded or they cannot be read."""
    # both items in one opening of the file (a newline is in neither: they are lists of numbers)
    both = _band_text(
        path,
        band,
        lambda src: "\n".join(src.tags(band).get(t, "") for t in (DETECTION_LIMITS_TAG, LOWEST_MEASURED_TAG)),
    )
    text, _, lowest = both.partition("\n")
    try:
        limits = sorted(float(v) for v in text.split(",") if v.strip())
        measured = float(lowest) if lowest.strip() else math.inf
    except ValueError:
        return [], math.inf
    return [v for v in limits if math.isfinite(v) and v > 0], measured if measured > 0 else math.inf


def stack_kinds(paths: Sequence[str]) -> List[str]:
    """What every band of ``paths`` holds, as :func:`band_kind` reads it, in the order :func:`read_stack` stacks
    them ('' where a band has no KIND); an empty list when a file cannot be read (a note is never worth failing
    for)."""
    return _per_band(paths, lambda src: [src.tags(i).get("KIND") for i in range(1, src.count + 1)])


def band_kind(path: str, band: int) -> str:
    """What band ``band`` (1-based) holds, as ``prospector:evidence`` records it in the band's metadata item
    ``KIND`` ('distance', 'density', 'class', 'continuous', 'categorical'); '' when the band has none or the file
    cannot be read."""
    return _band_text(path, band, lambda src: src.tags(band).get("KIND"))


def _band_text(path: str, band: int, read: Callable[[Any], Optional[str]]) -> str:
    """``read(dataset)`` for band ``band`` of the raster at ``path``, as text; '' when it gives nothing, the band
    does not exist or the file cannot be read (a label is never worth failing for)."""
    import rasterio

    with no_gdal_sidecars():
        try:
            with rasterio.open(path) as src:
                return str(read(src) or "") if 1 <= band <= src.count else ""
        except Exception:  # rasterio raises RasterioIOError, a broad family
            return ""


def raster_warnings(
    selection: Sequence[Tuple[str, int]],
    parameter: str = "INPUT_RASTERS",
    max_cells: int = 4_000_000,
    pictures: bool = True,
) -> List[str]:
    """:func:`band_warnings` for the (path, 1-based band) pairs of ``selection`` without reading the bands whole,
    for readers that work tile by tile: each band is checked on :func:`sample_band`'s sample of about
    ``max_cells`` cells (every cell of a smaller band); with ``pictures``, :func:`picture_warnings` too."""
    import rasterio
    import rasterio.errors

    warnings: List[str] = []
    for path in dict.fromkeys(p for p, _ in selection):
        try:
            src = rasterio.open(path)
        except Exception:  # rasterio raises RasterioIOError, a broad family; the reader names the problem
            continue
        with src:
            names = band_labels(src.descriptions)
            if pictures:
                warnings += picture_warnings(src, [i for p, i in selection if p == path], path, parameter)
            for index in [i for p, i in selection if p == path]:
                try:
                    sample = sample_band(src, index, max_cells)
                except (rasterio.errors.RasterioError, OSError):
                    break  # unreadable: the reader refuses it with the reason
                band, beyond = _to_float32(sample)
                warnings += band_warnings(band, _has_nodata(src, index), names[index - 1], path, parameter, beyond[0])
                warnings += unholdable_nodata(src, index, names[index - 1], path, parameter)
    return warnings


def sample_band(src: Any, index: int, max_cells: int) -> np.ma.MaskedArray:
    """About ``max_cells`` cells of band ``index`` (1-based) of the open dataset ``src``, masked where nodata: the
    whole band when it is that small; else whole storage blocks spread evenly over it (:func:`spread_blocks`),
    flattened; else (blocks too large to sample) every n-th cell.

    Why blocks: GDAL decompresses a whole block to give one of its cells, so every n-th cell of a tiled file costs
    reading all of it (10 s of a 12 GB stack before predict's first tile); a spread of whole blocks reads only them.
    """
    from rasterio.enums import Resampling
    from rasterio.windows import Window

    height, width = src.height, src.width
    if height * width <= max_cells:
        return signed_byte_nodata(src, index, src.read(index, masked=True))
    windows = spread_blocks(height, width, tuple(src.block_shapes[index - 1]), max_cells)
    if windows is None:
        step = math.sqrt(height * width / max_cells)
        shape = (max(1, int(height / step)), max(1, int(width / step)))
        return signed_byte_nodata(
            src, index, src.read(index, out_shape=shape, resampling=Resampling.nearest, masked=True)
        )
    parts = [
        signed_byte_nodata(src, index, src.read(index, window=Window(c0, r0, c1 - c0, r1 - r0), masked=True)).ravel()
        for r0, r1, c0, c1 in windows
    ]
    return np.ma.concatenate(parts)


def spread_blocks(
    height: int, width: int, block_shape: Tuple[int, int], max_cells: int
) -> Optional[List[Tuple[int, int, int, int]]]:
    """Whole blocks of ``block_shape`` (rows, columns) of a ``height`` x ``width`` band, as (row0, row1, col0, col1)
    windows clipped to the band, holding at most ``max_cells`` cells and spread evenly over its rows and columns
    of blocks (the first and last of each included); None when one block alone exceeds ``max_cells``."""
    block_h, block_w = max(1, min(block_shape[0], height)), max(1, min(block_shape[1], width))
    budget = max_cells // (block_h * block_w)
    if budget < 1:
        return None
    block_rows, block_cols = -(-height // block_h), -(-width // block_w)
    ratio = math.sqrt(block_rows * block_cols / budget)  # the same share of block rows and columns
    n_cols = max(1, min(block_cols, int(block_cols / ratio)))
    n_rows = max(1, min(block_rows, budget // n_cols))

    def spread(count: int, total: int) -> List[int]:
        return sorted({round(k * (total - 1) / (count - 1)) for k in range(count)}) if count > 1 else [0]

    return [
        (r * block_h, min(height, (r + 1) * block_h), c * block_w, min(width, (c + 1) * block_w))
        for r in spread(n_rows, block_rows)
        for c in spread(n_cols, block_cols)
    ]


def read_raster(
    path: str,
    band_names: Optional[Sequence[str]] = None,
    indexes: Optional[Sequence[int]] = None,
    parameter: str = "INPUT_RASTER",
    band_parameter: Optional[str] = None,
) -> RasterData:
    """Read a north-up raster as float32 with NaN for nodata; select bands by description or 1-based index (by
    default every band but an alpha band, which is the others' mask: :func:`data_bands`).

    ``parameter`` names the raster in error messages, ``band_parameter`` (default: ``parameter``) the
    parameter that gave ``band_names``.

    The memory the read needs is estimated first: a raster too large is refused with the numbers
    (:class:`GridTooLargeError`) before anything is allocated.

    The values are used as they are, but what looks wrong is said in ``RasterData.warnings``: a band without a
    nodata value whose minimum or maximum looks like a fill value (-9999, -1e30, ...; :func:`suspected_fill`),
    and cells beyond the float32 range, which cannot be held as numbers and are read as nodata.
    """
    import rasterio

    with no_gdal_sidecars():  # reading writes nothing beside the input (no .aux.xml)
        try:
            src = rasterio.open(path)
        except Exception as exc:  # rasterio raises RasterioIOError, a broad family
            raise InputError(f"cannot open raster '{path}': {exc}", parameter) from exc
        return _read_open(src, path, band_names, indexes, parameter, band_parameter)


#: the name :func:`band_labels` gives a band without a description ('band 3')
UNNAMED_BAND = re.compile(r"band \d+")


def unnamed_band(name: str) -> bool:
    """Whether a band name ('layer:band 3' or 'band 3') is the number :func:`band_labels` gives a band without a
    description: a model knows such a band by its position alone."""
    return UNNAMED_BAND.fullmatch(str(name).split(":", 1)[-1]) is not None


def band_labels(descriptions: Sequence[Optional[str]]) -> List[str]:
    """One name per band from GDAL's band descriptions: ``band N`` for a band without one, and ``<description>
    (band N)`` for a band whose description an earlier band of the file already has (two bands both called 'tmi'),
    so that every band keeps a name of its own: model files store their bands by name (each once) and predict
    finds them by name."""
    names: List[str] = []
    for i, description in enumerate(descriptions):
        name = description or f"band {i + 1}"
        if name in names:
            name = f"{name} (band {i + 1})"
        base, copy = name, 2
        while name in names:  # 'x (band 3)' given as an earlier band's description: count the copies on
            name, copy = f"{base} ({copy})", copy + 1
        names.append(name)
    return names


def colour_coding(src: Any) -> str:
    """ "palette" when a band of the rasterio dataset ``src`` carries a colour table (its values index classes),
    "rgb" when its bands are a picture's red, green and blue, else ""."""
    from rasterio.enums import ColorInterp

    interpretations = set(src.colorinterp or ())
    if ColorInterp.palette in interpretations:
        return "palette"
    if {ColorInterp.red, ColorInterp.green, ColorInterp.blue} <= interpretations:
        return "rgb"
    return ""


def picture_warnings(src: Any, indexes: Sequence[int], path: str, parameter: str) -> List[str]:
    """A warning when bands ``indexes`` (1-based) of the open dataset ``src`` are a picture's red, green or blue
    (:func:`colour_coding`): a screenshot or exported image of a map, whose values say how the map was coloured,
    not what was measured or predicted, so thresholds, learners and rankings on them work on colours."""
    from rasterio.enums import ColorInterp

    if colour_coding(src) != "rgb":
        return []
    interpretations = list(src.colorinterp or ())
    colours = {ColorInterp.red: "red", ColorInterp.green: "green", ColorInterp.blue: "blue"}
    read = [
        colours[interpretations[i - 1]]
        for i in indexes
        if i <= len(interpretations) and interpretations[i - 1] in colours
    ]
    if not read:
        return []
    which = " and ".join(", ".join(read).rsplit(", ", 1)) + (" bands were" if len(read) > 1 else " band was")
    return [
        f"{parameter}: '{os.path.basename(path)}' has its bands marked red, green and blue (as GDAL marks any 3- or "
        f"4-band byte GeoTIFF), and its {which} read as values: if it is a picture of a map (a screenshot, an "
        "exported image), its values are colours, not measured or predicted ones, and a colour ramp's red, green or "
        "blue does not rise with what the map shows. Use the grid the picture was drawn from (e.g. the magnetics in "
        "nT, the probabilities), if you have it."
    ]


def data_bands(src: Any) -> List[int]:
    """1-based indexes of the bands of the open rasterio dataset ``src`` that hold values: every band but an alpha
    band (GDAL colour interpretation 'alpha', 0 where a picture is transparent), which GDAL already reads as the
    other bands' mask; every band when all are alpha."""
    from rasterio.enums import ColorInterp

    interpretations = list(src.colorinterp or ())
    kept = [
        i for i in range(1, src.count + 1) if i > len(interpretations) or interpretations[i - 1] != ColorInterp.alpha
    ]
    return kept or list(range(1, src.count + 1))


def bands_in_words(path: str) -> Tuple[int, str, str]:
    """The bands of the raster at ``path`` as a user reads them, by GDAL's colour interpretation: the number of
    bands that hold values (:func:`data_bands`: an alpha band is transparency, not values), their description
    ('4 bands'; '3 colour bands (red, green, blue) and an alpha band (transparency)' for a picture
    (:func:`colour_coding`); '2 bands and an alpha band (transparency)') and, for a picture, band 1's colour
    ('red'; '' for other rasters). (0, '', '') when the file cannot be read."""
    import rasterio
    from rasterio.enums import ColorInterp

    with no_gdal_sidecars():
        try:
            with rasterio.open(path) as src:
                kept, picture, count = data_bands(src), colour_coding(src) == "rgb", src.count
                interpretations = list(src.colorinterp or ())
        except Exception:  # rasterio raises RasterioIOError, a broad family
            return 0, "", ""
    alphas = count - len(kept)
    colours = [c.name for c in interpretations if c in (ColorInterp.red, ColorInterp.green, ColorInterp.blue)]
    if picture:
        words = f"{len(colours)} colour bands ({', '.join(colours)})"
        others = len(kept) - len(colours)
        if others:
            words += f", {others} other band{'s' if others > 1 else ''}"
    else:
        words = f"{len(kept)} band{'s' if len(kept) != 1 else ''}"
    if alphas:
        words += " and an alpha band (transparency)" if alphas == 1 else f" and {alphas} alpha bands (transparency)"
    first = interpretations[0].name if picture and interpretations and interpretations[0].name in colours else ""
    return len(kept), words, first


def band_choice_problem(numbers: Sequence[int], count: int, kept: Sequence[int]) -> str:
    """What is wrong with choosing the 1-based bands ``numbers`` of a raster of ``count`` bands whose bands ``kept``
    hold values (:func:`data_bands`: the others are alpha bands); '' when nothing is. A band past the last is said
    with the raster's bands (an alpha band apart, so that 'the raster has 4 band(s)' does not offer band 4 of an
    RGBA-like file as an element), and an alpha band chosen is named: it is GDAL's mask of the others, not values."""
    alphas = [i for i in range(1, count + 1) if i not in kept]
    choose = (
        f"bands {kept[0]} to {kept[-1]}"
        if len(kept) > 1 and list(kept) == list(range(kept[0], kept[-1] + 1))
        else ("bands " if len(kept) > 1 else "band ") + ", ".join(map(str, kept))
    )
    what = f"bands {', '.join(map(str, alphas))}" if len(alphas) > 1 else f"band {alphas[0]}" if alphas else ""
    bad = list(dict.fromkeys(n for n in numbers if not 1 <= n <= count))  # a band typed twice is named once
    if bad:
        if not alphas:
            return f"band {', '.join(map(str, bad))} does not exist; the raster has {count} band(s)."
        holders = f"{len(kept)} element band{'s' if len(kept) != 1 else ''}"
        return (
            f"band {', '.join(map(str, bad))} does not exist; the raster has {holders} and "
            f"{'an alpha band' if len(alphas) == 1 else f'{len(alphas)} alpha bands'} ({what}: transparency, not "
            f"values); choose {choose}."
        )
    chosen = list(dict.fromkeys(n for n in numbers if n in alphas))
    if chosen:
        which = (
            f"bands {', '.join(map(str, chosen))} are the raster's alpha bands"
            if len(chosen) > 1
            else f"band {chosen[0]} is the raster's alpha band"
        )
        return f"{which} (transparency: GDAL's mask of the other bands), not values; choose {choose}."
    return ""


def band_roles(path: str) -> Tuple[int, List[int]]:
    """The number of bands of the raster at ``path`` and the 1-based bands that hold values (:func:`data_bands`);
    (0, []) when it cannot be read."""
    import rasterio

    with no_gdal_sidecars():
        try:
            with rasterio.open(path) as src:
                return src.count, data_bands(src)
        except Exception:  # rasterio raises RasterioIOError, a broad family
            return 0, []


def side_file_crs_note(path: str) -> str:
    """A sentence to add where a raster without a CRS is refused: '' unless GDAL's side file ``<path>.aux.xml``
    holds one (where QGIS's Assign Projection and gdal_edit.py put a CRS for a format that cannot hold it, a Surfer
    grid say). Inputs are read with those side files off (nothing may be written beside an input), so assigning the
    CRS again cannot help: the sentence says to convert the file to a GeoTIFF with its CRS."""
    try:
        with open(path + ".aux.xml", encoding="utf-8", errors="replace") as handle:
            if "<SRS" not in handle.read(1_000_000):
                return ""
    except OSError:  # none (or a /vsizip/ path, a URI): nothing to add
        return ""
    name = os.path.basename(path)
    return (
        f" Its CRS is in the side file '{name}.aux.xml' (where QGIS and gdal_edit.py keep a CRS assigned to a format "
        "that cannot hold one), which is not read here, so that nothing is written beside an input either; assigning "
        "it again will not help. Convert it to a GeoTIFF with its CRS (Raster › Conversion › Translate with 'Override "
        f"the projection for the output file', or gdal_translate -a_srs EPSG:… '{name}' out.tif) and use that."
    )


def require_north_up(t: Any, path: str, parameter: str) -> None:
    """Refuse a geotransform that is rotated, sheared or flipped (bottom-up rows, or columns running east to west),
    or whose cells are not square, naming the file and what to do."""
    if t.b != 0 or t.d != 0 or t.e >= 0 or t.a <= 0:
        raise InputError(
            f"'{os.path.basename(path)}' is not north-up (it is rotated or flipped); warp it first (Raster › "
            "Projections › Warp).",
            parameter,
        )
    if abs(abs(t.e) - t.a) > 1e-6 * t.a:
        side = f"{max(t.a, abs(t.e)):.4g}"
        raise InputError(
            f"'{os.path.basename(path)}' has cells that are not square ({t.a:.4g} x {abs(t.e):.4g}); warp it to "
            f"square cells first (Raster › Projections › Warp, output "
            f"file resolution {side} by {side}; gdalwarp -tr {side} {side}), or put it on the evidence grid with "
            "prospector:evidence (CONTINUOUS_RASTERS), which resamples it.",
            parameter,
        )


def _read_open(
    src: Any,
    path: str,
    band_names: Optional[Sequence[str]],
    indexes: Optional[Sequence[int]],
    parameter: str,
    band_parameter: Optional[str],
) -> RasterData:
    import rasterio.errors

    with src:
        require_north_up(src.transform, path, parameter)
        t = src.transform
        names = band_labels(src.descriptions)
        if indexes is not None:
            bad = [i for i in indexes if not 1 <= int(i) <= src.count]
            if bad:
                raise InputError(
                    f"band {', '.join(str(b) for b in bad)} does not exist; the raster has {src.count} band(s).",
                    "BAND",
                )
            indexes = [int(i) for i in indexes]
        elif band_names is None:
            indexes = data_bands(src)
        else:
            missing = [b for b in band_names if b not in names]
            if missing:
                raise InputError(
                    f"band(s) {', '.join(missing)} not found; the raster has {', '.join(names)}.",
                    band_parameter or parameter,
                )
            indexes = [names.index(b) + 1 for b in band_names]
        # masked read: source values + mask byte, then the float32 copy and its filled copy
        per_value = np.dtype(src.dtypes[(indexes or [1])[0] - 1]).itemsize + 1 + 4 + 4
        check_memory(
            len(indexes) * src.width * src.height,
            per_value,
            parameter,
            f"reading {len(indexes)} band(s) of {src.width} x {src.height} cells",
            "use a coarser raster (Raster › Projections › Warp with a larger cell size) or clip it to the study area.",
        )
        try:  # band by band when their types differ (a VRT of int16 and float32 bands): one read needs one type
            same = len({src.dtypes[i - 1] for i in indexes}) == 1
            read = src.read(indexes, masked=True) if same else np.ma.stack([src.read(i, masked=True) for i in indexes])
            read = np.ma.stack([signed_byte_nodata(src, i, read[k]) for k, i in enumerate(indexes)])
            data, beyond = _to_float32(read)
        except (rasterio.errors.RasterioError, OSError) as exc:  # RasterioIOError is an OSError only
            raise InputError(
                unreadable_raster(path, exc),
                parameter,
            ) from None
        grid = GridSpec(t.c, t.f, t.a, src.width, src.height, src.crs.to_wkt() if src.crs else None)
        warnings = [  # on the stored values: a fill code (-9999, -32768) is a stored value
            w
            for k, i in enumerate(indexes)
            for w in band_warnings(data[k], _has_nodata(src, i), names[i - 1], path, parameter, beyond[k])
            + unholdable_nodata(src, i, names[i - 1], path, parameter)
        ] + picture_warnings(src, indexes, path, parameter)
        for k, i in enumerate(indexes):
            data[k] = unscale(data[k], src, i)
        return RasterData(data, grid, [names[i - 1] for i in indexes], warnings)


def rasterize_mask(geometries: Sequence[Any], grid: GridSpec) -> np.ndarray:
    """Boolean (height, width) array, True where a cell centre lies in any of the shapely geometries; a point
    (or a multipoint's part) marks the cell holding it, by :meth:`GridSpec.rowcol`, so a point on the grid's own
    east or south edge marks the last cell as it does for deposits (GDAL's rasterizer leaves it out)."""
    from rasterio import features

    geoms = [g for g in geometries if g is not None and not g.is_empty]
    if not geoms:
        raise InputError("the mask layer has no polygons; choose a polygon layer or leave the mask empty.", "MASK")
    points = [p for g in geoms if g.geom_type in ("Point", "MultiPoint") for p in getattr(g, "geoms", [g])]
    others = [g for g in geoms if g.geom_type not in ("Point", "MultiPoint")]
    out = np.zeros((grid.height, grid.width), dtype=bool)
    if others:
        out |= features.rasterize(
            ((g, 1) for g in others), out_shape=out.shape, transform=grid.affine(), fill=0, dtype="uint8"
        ).astype(bool)
    if points:
        rows, cols = grid.rowcol(np.array([p.x for p in points]), np.array([p.y for p in points]))
        inside = grid.holds(rows, cols)
        out[rows[inside], cols[inside]] = True
    return out


def read_stack(
    paths: Sequence[str],
    layer_names: Optional[Sequence[str]] = None,
    reference: Optional[GridSpec] = None,
    resampling: str = "bilinear",
    parameter: str = "INPUT_RASTERS",
) -> RasterData:
    """Read several rasters as one stack on a common grid.

    Every raster is reprojected/resampled onto ``reference`` (default: the
    first raster's grid). Bands are named ``<layer>:<band description>``, the
    layer name defaulting to the file name without extension. NaN is nodata.
    """
    import rasterio
    from rasterio.warp import Resampling, reproject

    if not paths:
        raise InputError("give at least one evidence raster.", parameter)
    names = list(layer_names) if layer_names is not None else [layer_label(p) for p in paths]
    first = read_raster(paths[0], parameter=parameter) if reference is None else None
    grid = reference if reference is not None else first.grid  # type: ignore[union-attr]  # first is read then
    stacks: List[np.ndarray] = []
    band_names: List[str] = []
    warnings: List[str] = []
    notes: List[str] = []
    for path, layer in zip(paths, names):
        if first is not None and path == paths[0]:
            data = first
        else:
            data = read_raster(path, parameter=parameter)
        same_cells = data.grid.same_cells(grid)
        if not data.grid.crs_wkt and grid.crs_wkt:  # no CRS: it cannot be reprojected, only taken cell for cell
            if not same_cells:
                raise InputError(
                    f"'{os.path.basename(path)}' has no CRS and another grid than the first raster, so it cannot be "
                    "placed on it; assign its CRS (Raster › Projections › Assign Projection) and run again."
                    + side_file_crs_note(path),
                    parameter,
                )
            warnings.append(
                f"{parameter}: '{os.path.basename(path)}' has no CRS; it has the first raster's grid, so it was taken "
                "to be in the first raster's CRS. Assign its CRS (Raster › Projections › Assign Projection) if not."
            )
        if data.grid == grid or (same_cells and (not data.grid.crs_wkt or _same_crs(data.grid.crs_wkt, grid.crs_wkt))):
            bands = data.bands
        else:
            # class codes (evidence's CATEGORICAL_RASTERS band, tagged so) are taken from the nearest cell: any
            # other resampling mixes codes into ones no rock has (review 36)
            kinds = stack_kinds([path]) or [""] * data.bands.shape[0]  # one opening for every band's KIND
            codes = [kind == "categorical" for kind in kinds]
            if reference is None:  # said, as evidence says it: a grid of 75 m in another CRS went by silently (31a)
                notes.append(_resampled_note(path, data.grid, paths[0], grid, resampling, parameter, sum(codes)))
            bands = np.full((data.bands.shape[0], grid.height, grid.width), np.nan, dtype=np.float32)
            with rasterio.Env():
                for i in range(data.bands.shape[0]):
                    reproject(
                        source=data.bands[i],
                        destination=bands[i],
                        src_transform=data.grid.affine(),
                        src_crs=data.grid.crs_wkt,
                        src_nodata=np.nan,
                        dst_transform=grid.affine(),
                        dst_crs=grid.crs_wkt or data.grid.crs_wkt,
                        dst_nodata=np.nan,
                        resampling=Resampling.nearest if codes[i] else getattr(Resampling, resampling),
                    )
        if reference is None and stacks:  # a later raster on the first one's grid: does it cover it?
            warnings += _coverage_warnings(
                stacks[0], bands, os.path.basename(path), os.path.basename(paths[0]), parameter
            )
        stacks.append(bands)
        band_names.extend(f"{layer}:{b}" for b in data.band_names)
        warnings.extend(data.warnings)
    return RasterData(np.concatenate(stacks, axis=0), grid, band_names, warnings, notes)


def _resampled_note(
    path: str, own: GridSpec, first_path: str, grid: GridSpec, resampling: str, parameter: str, code_bands: int = 0
) -> str:
    """The log line for a raster of a stack read onto the first raster's grid (another CRS, cell size or origin);
    ``code_bands`` of its bands hold class codes, taken from the nearest cell."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    def crs_name(wkt: Optional[str]) -> str:
        try:
            return CRS.from_wkt(wkt).name if wkt else "no CRS"
        except CRSError:  # a note, never a reason to fail
            return "a CRS pyproj cannot name"

    def where(g: GridSpec) -> str:  # the corner too: grids of one shape and cell size may differ only there
        return f"{g.describe()} from x {g.xmin:.10g}, y {g.ymax:.10g}, {crs_name(g.crs_wkt)}"

    moved = f"{parameter}: '{os.path.basename(path)}' ({where(own)}) is on another grid than "
    moved += f"'{os.path.basename(first_path)}' ({where(grid)}): resampled onto it"
    if code_bands:
        return (
            f"{moved} in memory, {resampling} but for its {code_bands} band(s) of class codes (marked so by "
            "prospector:evidence), taken from the nearest cell."
        )
    return (
        f"{moved} ({resampling}) in memory. A raster of class codes (a geological map) mixes its codes this way: put "
        "it on the grid with prospector:evidence (CATEGORICAL_RASTERS), which keeps them."
    )


#: a later raster without a value in more than this share of the first raster's cells gets a warning
UNCOVERED_SHARE = 0.05


def _coverage_warnings(first: np.ndarray, bands: np.ndarray, name: str, first_name: str, parameter: str) -> List[str]:
    """A word when a raster of a stack has no value (lies outside, or nodata) in a large share of the cells where
    the first raster has one: every learning step uses only the cells where every band has a value, so that share
    of the study area drops out of the labels, the training and the map without being asked."""
    covered = np.isfinite(first).any(axis=0)
    missing = covered & ~np.isfinite(bands).all(axis=0)
    share = float(missing.sum()) / max(int(covered.sum()), 1)
    if share <= UNCOVERED_SHARE:
        return []
    return [
        f"{parameter}: '{name}' has no value in {100 * share:.0f} % of the cells where '{first_name}' has one (it "
        "covers only part of the grid, or has nodata there); those cells are left out, as the labels, the training "
        "and the map use only cells where every band has a value. Check its extent, or clip the rasters to the area "
        "they share (Raster › Extraction › Clip Raster by Extent)."
    ]


def require_values(stack: RasterData, parameter: str = "INPUT_RASTERS") -> None:
    """Refuse a stack with a band that has no value in any cell (all nodata on the stack's grid: a wrong nodata
    value, or a raster that lies elsewhere): the learners use only cells where every band has a value, so such a
    band leaves none, and without this the refusal would come later and blame the labels or the deposits."""
    require_band_values(stack.band_names, [int(np.isfinite(band).any()) for band in stack.bands], parameter)


def require_band_values(band_names: Sequence[str], counts: Sequence[int], parameter: str = "INPUT_RASTERS") -> None:
    """:func:`require_values` from each band's count of cells with a value (as a window-by-window pass counts
    them, never holding the stack)."""
    empty = [name for name, n in zip(band_names, counts) if n == 0]
    if empty:
        raise InputError(
            f"band(s) {', '.join(empty)} have no value in any cell of the grid (all nodata), so no cell has a value "
            "in every band. Check the raster's nodata value and that it overlaps the first raster, or leave it out.",
            parameter,
        )


def _same_crs(a: Optional[str], b: Optional[str]) -> bool:
    if not a or not b:
        return a == b
    from rasterio.crs import CRS

    return CRS.from_wkt(a) == CRS.from_wkt(b)
