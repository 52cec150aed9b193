"""Evidence from rasters (magnetics, gravity, radiometrics, DEM): every band resampled onto the grid by GDAL's
warper (``rasterio.warp.reproject``), reprojecting when the CRS differs, window by window."""

from __future__ import annotations

import threading
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ..callbacks import CancelCallback, check_cancelled
from ..distributed.tasks import check_unchanged, file_stamp
from ..errors import InputError
from ..grid import GridSpec
from ..io.inputs import no_gdal_sidecars, unreadable_raster
from ..io.rasters import (
    band_labels,
    colour_coding,
    data_bands,
    side_file_crs_note,
    signed_byte_nodata,
    unscale,
    warp_nodata,
)
from .bands import BandSpec, band_name, clean_label

#: resampling for continuous bands (measurements) and for categorical ones (codes), as GDAL names them
CONTINUOUS_METHODS = ("bilinear", "average", "cubic")
CATEGORICAL_METHODS = ("nearest", "mode")


def _read_failure(src: Any, band: int) -> str:
    """Why band ``band`` of the rasterio dataset ``src`` cannot be read, from a plain read block by block (GDAL's
    warper says only 'Chunk and warp failed'; a read names the damaged block or the VRT's missing source), or ""
    when every block reads."""
    import rasterio

    for _, window in src.block_windows(band):
        try:
            src.read(band, window=window)
        except (rasterio.errors.RasterioError, OSError) as exc:
            return str(exc)
    return ""


def colour_note(layer: str, parameter: str, coding: str, continuous: bool) -> str:
    """A warning when the values of raster ``layer`` (given to ``parameter``) are colours rather than measurements
    (``coding``, from :func:`..io.rasters.colour_coding`): a colour table (class codes) given as continuous evidence
    would be averaged between classes; a picture's red, green and blue say how a map looked, not what was measured.
    "" otherwise."""
    if coding == "palette" and continuous:
        return (
            f"CONTINUOUS_RASTERS: '{layer}' has a colour table: its values are class codes, which "
            "resampling would average into codes of no class. Give it as CATEGORICAL_RASTERS (one band per "
            "class)."
        )
    if coding == "rgb":
        return (
            f"{parameter}: '{layer}' has its bands marked red, green and blue (as GDAL marks any 3- "
            "or 4-band byte GeoTIFF): if it is a picture of a map, its bands are colours, not measured values; use "
            "the grid it was drawn from (e.g. the magnetics in nT), if you have it."
        )
    return ""


class RasterEvidence:
    """Bands ``<layer>:<band description>`` (``band N`` without one) of the raster at ``path``, resampled with
    ``method`` (one of :data:`CONTINUOUS_METHODS` or :data:`CATEGORICAL_METHODS`, which sets the band kind unless
    ``kind`` is given). ``assigned_crs_wkt``: the CRS to read a file without one in (set on the layer in QGIS).
    The unit is the band's own (GDAL unit type), if it has one. Source nodata stays nodata (NaN).

    The file is opened (with GDAL's PAM off: nothing is written beside it) on first use in each process, so the
    object can be sent to another worker; :meth:`close` closes it. A GDAL dataset must not be read by two threads
    at once, so windows of one source are read one at a time (a Dask worker may run several threads).
    """

    def __init__(
        self,
        layer: str,
        path: str,
        grid: GridSpec,
        method: str,
        parameter: str = "RASTERS",
        kind: Optional[str] = None,
        assigned_crs_wkt: Optional[str] = None,
        shown: Optional[str] = None,
    ) -> None:
        if method not in CONTINUOUS_METHODS + CATEGORICAL_METHODS:
            raise ValueError(f"unknown resampling {method!r}")
        self.layer, self.path, self.method, self.parameter = layer, path, method, parameter
        #: the file as messages name it: the user's VRT, not the memory copy read in its place
        self.shown = shown or path
        self._ds: Optional[Any] = None
        self._signed: Dict[int, np.ndarray] = {}  # int8 bands read whole (see _signed_bytes)
        self._lock = threading.Lock()
        self._stamp: Optional[Tuple[int, int]] = None
        src = self._dataset()
        # the file as opened here: a worker that opens it again (Dask) checks it is still this file, or the stack
        # would hold tiles of a file written again meanwhile beside tiles of the one checked
        self._stamp = file_stamp(path)
        #: the CRS the file is read in when it has none of its own (one set on the layer in QGIS), else None
        self.assigned_crs_wkt = assigned_crs_wkt if src.crs is None and assigned_crs_wkt else None
        if src.crs is None and grid.crs_wkt and not self.assigned_crs_wkt:
            raise InputError(
                f"raster '{path}' has no CRS, so it cannot be placed on the grid; assign its CRS first (Raster › "
                "Projections › Assign Projection)." + side_file_crs_note(path),
                parameter,
            )
        kind = kind or ("continuous" if method in CONTINUOUS_METHODS else "categorical")
        #: how GDAL says the bands are coloured when that makes them codes, not measurements: "palette" (a colour
        #: table: class codes) or "rgb" (a picture's red, green, blue); "" otherwise
        self.colour_coding = colour_coding(src)
        self.bands: List[BandSpec] = []
        #: the 1-based bands read: every band but an alpha band, which is the others' mask (GDAL's warper uses it)
        self.indexes = data_bands(src)
        #: the alpha band (1-based) the warper masks the others by, 0 when none (it reads it only when told)
        self.alpha = next((i for i in range(1, src.count + 1) if i not in self.indexes), 0)
        labels = band_labels([clean_label(d or "") for d in src.descriptions])  # 'tmi' twice: 'tmi (band 2)'
        for i in (k - 1 for k in self.indexes):
            what = labels[i]
            unit = clean_label(src.units[i] or "") if src.units else ""
            self.bands.append(
                BandSpec(band_name(layer, what), unit, kind, layer, description=f"{what} resampled ({method})")
            )

    def thin_note(self, grid: GridSpec) -> str:
        """Why no cell of ``grid`` took a value from a raster that lies on it: a strip thinner than two of the
        grid's cells across (a single flight line, one row of cells) falls between cell centres, where bilinear,
        cubic and nearest resampling take their values; '' when the raster is not such a strip."""
        from rasterio.warp import transform_bounds

        if self.method in ("average", "mode"):
            return ""
        src = self._dataset()
        crs = self.assigned_crs_wkt or src.crs
        try:
            left, bottom, right, top = (
                transform_bounds(crs, grid.crs_wkt, *src.bounds) if crs and grid.crs_wkt else tuple(src.bounds)
            )
        except Exception:  # rasterio raises CRSError or a GDAL error: no note, the plain message stands
            return ""
        across = min(right - left, top - bottom)
        on_grid = left < grid.xmax and right > grid.xmin and bottom < grid.ymax and top > grid.ymin
        if not on_grid or across >= 2 * grid.pixel_size:
            return ""
        better = "CONTINUOUS_METHOD 'average'" if self.method in CONTINUOUS_METHODS else "CATEGORICAL_METHOD 'mode'"
        return (
            f"it lies on the grid, but it is {src.width} x {src.height} cells, a strip {grid.length_text(across)} "
            f"across, thinner than two of the grid's {grid.length_text(grid.pixel_size)} cells: {self.method} "
            "resampling takes each "
            f"cell's value at its centre, and no centre falls on the strip. Choose {better}, which takes "
            "whatever part of a cell the raster covers, or leave it out."
        )

    def _dataset(self) -> Any:
        if self._ds is None:
            import rasterio

            if self._stamp is not None:
                check_unchanged(((self.path, *self._stamp, self.parameter),))

            with no_gdal_sidecars():
                try:
                    self._ds = rasterio.open(self.path)
                except Exception as exc:  # rasterio raises RasterioIOError, a broad family
                    raise InputError(f"cannot open raster '{self.shown}': {exc}", self.parameter) from None
        return self._ds

    def window(
        self, grid: GridSpec, r0: int, r1: int, c0: int, c1: int, is_cancelled: CancelCallback = None
    ) -> np.ndarray:
        """(bands, rows, cols) float32 for one window; NaN where the source has no data."""
        with self._lock:
            return self._window(grid, r0, r1, c0, c1, is_cancelled)

    def _window(self, grid: GridSpec, r0: int, r1: int, c0: int, c1: int, is_cancelled: CancelCallback) -> np.ndarray:
        import rasterio
        from affine import Affine
        from rasterio.warp import Resampling, reproject

        src = self._dataset()
        out = np.full((len(self.indexes), r1 - r0, c1 - c0), np.nan, dtype=np.float32)
        transform = grid.affine() * Affine.translation(c0, r0)
        with no_gdal_sidecars():
            for k, band in enumerate(self.indexes):
                check_cancelled(is_cancelled)
                # signed bytes: GDAL 3.6's warper reads them as 0-255; warp rasterio's read of them instead
                signed = src.dtypes[band - 1] == "int8"
                try:
                    reproject(
                        source=self._signed_bytes(band) if signed else rasterio.band(src, band),
                        src_transform=src.transform if signed else None,
                        src_crs=self.assigned_crs_wkt or src.crs,
                        # the band's own nodata (a VRT's bands may differ), not band 1's
                        src_nodata=np.nan if signed else warp_nodata(src.nodatavals[band - 1]),
                        src_alpha=0 if signed else self.alpha,
                        destination=out[k],
                        dst_transform=transform,
                        dst_crs=grid.crs_wkt or src.crs,
                        dst_nodata=np.nan,
                        resampling=getattr(Resampling, self.method),
                    )
                except (rasterio.errors.RasterioError, OSError) as exc:
                    raise InputError(
                        unreadable_raster(self.shown, _read_failure(src, band) or exc),
                        self.parameter,
                    ) from None
        out[np.isinf(out)] = np.nan
        for k, band in enumerate(self.indexes):  # in the band's own units (scale and offset commute with resampling)
            out[k] = unscale(out[k], src, band)
        return out

    def _signed_bytes(self, band: int) -> np.ndarray:
        """Band ``band`` (1-based) of an int8 source as float32, NaN where nodata (:func:`signed_byte_nodata`), read
        once and kept."""
        if band not in self._signed:
            src = self._dataset()
            data = signed_byte_nodata(src, band, src.read(band, masked=True))
            self._signed[band] = np.ma.filled(data.astype(np.float32), np.nan)
        return self._signed[band]

    def close(self) -> None:
        if self._ds is not None:
            self._ds.close()
            self._ds = None

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_ds"] = None  # an open dataset does not travel; the worker opens the file itself
        state["_signed"] = {}
        del state["_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
