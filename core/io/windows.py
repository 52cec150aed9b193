"""Windowed raster reading and writing, so prediction memory is bounded whatever the raster size."""

from __future__ import annotations

import re
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, TypeVar

import numpy as np

from ..callbacks import CancelCallback, ProgressCallback, check_cancelled, report
from ..errors import InputError
from ..grid import GridSpec
from .inputs import no_gdal_sidecars, unreadable_raster
from .rasters import PROVENANCE_TAG, band_labels, data_bands, is_scaled, signed_byte_nodata, unnamed_band, unscale


class StackWindowReader:
    """Reads (bands, rows, cols) windows from several rasters on one grid; NaN for nodata and outside.

    ``selection`` lists (path, 1-based band index) in output band order; a file that cannot be read (truncated,
    corrupt) raises :class:`InputError` naming ``parameter``. A file's float32 bands whose mask is their nodata
    value (or none) are read in one raw GDAL call and their nodata cells found in numpy (several times faster
    than GDAL's mask band); any other band, or a value within GDAL's tolerance of nodata without equalling it,
    is read through GDAL's mask as before: the same values either way.
    """

    def __init__(self, selection: Sequence[Tuple[str, int]], grid: GridSpec, parameter: str = "INPUT_RASTERS") -> None:
        import rasterio

        self.grid = grid
        self.parameter = parameter
        self._datasets: Dict[str, Any] = {}
        self._selection = list(selection)
        with no_gdal_sidecars():  # PAM off from the open on: nothing is written beside the inputs on close
            for path, _ in self._selection:
                if path not in self._datasets:
                    self._datasets[path] = rasterio.open(path)

    @property
    def selection(self) -> List[Tuple[str, int]]:
        """(path, band) of each output band: what a Dask worker needs to open the same reader."""
        return list(self._selection)

    def __call__(self, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        import rasterio
        from rasterio.windows import Window

        out = np.empty((len(self._selection), r1 - r0, c1 - c0), dtype=np.float32)
        rr0, rr1 = max(r0, 0), min(r1, self.grid.height)
        cc0, cc1 = max(c0, 0), min(c1, self.grid.width)
        whole = (rr0, rr1, cc0, cc1) == (r0, r1, c0, c1)
        if not whole:
            out.fill(np.nan)
        if rr1 <= rr0 or cc1 <= cc0:
            return out
        window = Window(cc0, rr0, cc1 - cc0, rr1 - rr0)
        inner = (slice(rr0 - r0, rr1 - r0), slice(cc0 - c0, cc1 - c0))
        try:
            for path, rows in self._groups().items():
                dataset = self._datasets[path]
                fast = [i for i in rows if self._raw_ok(dataset, self._selection[i][1])]
                if fast:  # one GDAL call for the file's float32 bands, nodata found in numpy (see _raw_ok)
                    bands = [self._selection[i][1] for i in fast]
                    direct = fast == list(range(fast[0], fast[-1] + 1))  # straight into out (strided): no copy
                    if direct:
                        data = dataset.read(
                            bands, window=window, out=out[fast[0] : fast[-1] + 1][(slice(None),) + inner]
                        )
                    else:
                        data = dataset.read(bands, window=window)
                    for k, i in enumerate(fast):
                        if not self._mask_raw(data[k], dataset.nodatavals[self._selection[i][1] - 1]):
                            data[k] = self._read_masked(dataset, self._selection[i][1], window)
                        if not direct:
                            out[i][inner] = data[k]
                for i in rows:
                    if i not in fast:
                        out[i][inner] = self._read_masked(dataset, self._selection[i][1], window)
        except (rasterio.errors.RasterioError, OSError) as exc:  # RasterioIOError is an OSError only
            raise InputError(
                unreadable_raster(path, exc),
                self.parameter,
            ) from None
        return out

    def _groups(self) -> Dict[str, List[int]]:
        """Output band indexes by file, in order."""
        groups: Dict[str, List[int]] = {}
        for i, (path, _) in enumerate(self._selection):
            groups.setdefault(path, []).append(i)
        return groups

    @staticmethod
    def _raw_ok(dataset: Any, band: int) -> bool:
        """Whether the band can be read raw: float32 (no conversion), its mask from the nodata value alone or
        none at all (no mask band, no alpha)."""
        from rasterio.enums import MaskFlags

        flags = dataset.mask_flag_enums[band - 1]
        raw = dataset.dtypes[band - 1] == "float32" and not is_scaled(dataset, band)
        return raw and list(flags) in ([MaskFlags.nodata], [MaskFlags.all_valid])

    @staticmethod
    def _mask_raw(block: np.ndarray, nodata: Optional[float]) -> bool:
        """Set nodata and +-inf cells of a raw float32 block to NaN in place, as the masked read does; False
        (block untouched) when a value lies near the nodata value without equalling it, where GDAL's own
        tolerance decides (the caller then reads that band masked)."""
        if nodata is not None and not np.isnan(nodata):
            nd = np.float32(nodata)
            tol = max(1e-5 * abs(float(nd)), 1e-30)  # far wider than GDAL's few-ulp tolerance
            # the bounds in float64: around -3.4028235e38 (the lowest float32, a common dummy) they pass float32's
            exact = block == nd
            near = (block >= np.float64(nd) - tol) & (block <= np.float64(nd) + tol)
            if np.count_nonzero(near) != np.count_nonzero(exact):
                return False
            block[exact] = np.nan
        block[np.isinf(block)] = np.nan  # beyond float32 written as inf: nodata, as read_raster reads it
        return True

    @staticmethod
    def _read_masked(dataset: Any, band: int, window: Any) -> np.ndarray:
        """One band through GDAL's mask (nodata, mask band or alpha), as float32 with NaN where masked, in the
        band's own units (its GDAL scale and offset applied, as read_raster reads it)."""
        data = signed_byte_nodata(dataset, band, dataset.read(band, window=window, masked=True))
        with np.errstate(over="ignore", invalid="ignore"):  # beyond float32: nodata, as read_raster reads it
            block = np.ma.filled(data.astype(np.float32), np.nan)
        block[np.isinf(block)] = np.nan
        return unscale(block, dataset, band)

    def close(self) -> None:
        for ds in self._datasets.values():
            ds.close()
        self._datasets.clear()


def open_geotiff_writer(
    path: str,
    grid: GridSpec,
    band_names: Sequence[str],
    dtype: str = "float32",
    nodata: float = -9999.0,
    provenance: Optional[Mapping[str, Any]] = None,
):
    """An open rasterio dataset for writing windows (tiled, DEFLATE); close it before renaming."""
    import json

    import rasterio

    tiled = grid.width >= 256 and grid.height >= 256
    profile = dict(
        driver="GTiff",
        width=grid.width,
        height=grid.height,
        count=len(band_names),
        dtype=dtype,
        crs=grid.crs_wkt or None,
        transform=grid.affine(),
        nodata=nodata,
        compress="deflate",
        tiled=tiled,
        interleave="band",
        # bands of values, not a picture: GDAL marks 3 or 4 byte bands red, green, blue (and alpha) otherwise
        photometric="MINISBLACK",
        BIGTIFF="IF_SAFER",
        num_threads="ALL_CPUS",  # GDAL compresses the tiles in parallel
    )
    if tiled:
        profile.update(blockxsize=256, blockysize=256)
    dst = rasterio.open(path, "w", **profile)
    for i, name in enumerate(band_names, start=1):
        dst.set_band_description(i, str(name))
    if provenance is not None:
        dst.update_tags(**{PROVENANCE_TAG: json.dumps(provenance, default=str, sort_keys=True)})
    return dst


def write_window(dst, row0: int, col0: int, data: np.ndarray, nodata: float) -> None:
    """Write a 2-D block at (row0, col0), NaN becoming ``nodata``."""
    from rasterio.windows import Window

    block = np.asarray(data)
    if np.issubdtype(block.dtype, np.floating):
        block = np.where(np.isfinite(block), block, nodata).astype(dst.dtypes[0])
    dst.write(block, 1, window=Window(col0, row0, block.shape[1], block.shape[0]))


def blank_outside(mask: Optional[np.ndarray], row0: int, col0: int, *tiles: Optional[np.ndarray]) -> None:
    """Set NaN (nodata) in each tile where the window of ``mask`` at (row0, col0) is False; in place, as the tiles
    are buffers about to be written. No mask, or a tile None: nothing to do."""
    if mask is None:
        return
    for tile in tiles:
        if tile is not None:
            tile[~mask[row0 : row0 + tile.shape[0], col0 : col0 + tile.shape[1]]] = np.nan


def band_table(paths: Sequence[str], layer_names: Sequence[str]) -> Tuple[List[Tuple[str, int]], List[str], list]:
    """(path, band) pairs, their ``<layer>:<band>`` names and each file's grid, without reading pixels."""
    import rasterio

    selection, names, grids = [], [], []
    for path, layer in zip(paths, layer_names):
        with no_gdal_sidecars(), rasterio.open(path) as src:
            t = src.transform
            grids.append(
                GridSpec(t.c, t.f, t.a, src.width, src.height, src.crs.to_wkt() if src.crs else None)
                if t.b == 0 and t.d == 0 and t.e < 0 and abs(abs(t.e) - t.a) <= 1e-6 * t.a
                else None
            )
            labels = band_labels(src.descriptions)
            for i in data_bands(src):  # an alpha band is the others' mask, not evidence
                selection.append((path, i))
                names.append(f"{layer}:{labels[i - 1]}")
    return selection, names, grids


def match_bands(wanted: Sequence[str], available: Sequence[str]) -> Tuple[List[int], List[str]]:
    """Indexes into ``available`` for each wanted ``<layer>:<band>`` name, and the names not found.

    An exact name wins; otherwise the band part alone matches when it is unique on both sides (so a model trained
    on ``till:Cu`` runs on ``other_area:Cu``).
    """

    def band_part(name: str) -> str:
        return name.split(":", 1)[-1]

    wanted_parts = [band_part(w) for w in wanted]
    avail_parts = [band_part(a) for a in available]
    found, missing = [], []
    for w, part in zip(wanted, wanted_parts):
        if w in available:
            found.append(list(available).index(w))
        elif wanted_parts.count(part) == 1 and avail_parts.count(part) == 1:
            found.append(avail_parts.index(part))
        else:
            missing.append(w)
    return found, missing


def bands_in_several_inputs(missing: Sequence[str], available: Sequence[str]) -> Dict[str, List[str]]:
    """For each band of ``missing`` (:func:`match_bands`) that more than one input has under its band part alone,
    the inputs' names of it: which one the model means cannot be told."""
    found_in = {w: [a for a in available if a.split(":", 1)[-1] == w.split(":", 1)[-1]] for w in missing}
    return {w: names for w, names in found_in.items() if len(names) > 1}


def described_twice(wanted: Sequence[str], found: Sequence[int], available: Sequence[str],
                    selection: Sequence[Tuple[str, int]]) -> List[str]:  # fmt: skip
    """For each band the model reads from an input that describes it on more than one band ('Cu', and 'Cu (band
    2)' as band_labels names the second), unless the model reads those copies too (it was trained on such a
    file): "'<file>' describes bands 1 and 2 as 'Cu', and the model reads one band 'elements:Cu'"."""
    said: List[str] = []
    for name, i in zip(wanted, found):
        copies = [
            j
            for j, other in enumerate(available)
            if j != i and re.fullmatch(re.escape(available[i]) + r" \(band \d+\)( \(\d+\))?", other)
        ]
        if copies and not any(j in found for j in copies):  # the model reads the copies too: as trained
            layer, band = available[i].split(":", 1)
            numbers = " and ".join(str(selection[k][1]) for k in (i, *copies))
            said.append(f"'{layer}' describes bands {numbers} as '{band}', and the model reads one band '{name}'")
    return said


def near_misses(missing: Sequence[str], available: Sequence[str]) -> str:
    """What a stack from another program most often gets wrong, said when it is so: band descriptions that differ
    from the model's only in upper and lower case (which are not matched: Co is not CO), or none at all."""

    def band(name: str) -> str:
        return name.split(":", 1)[-1]

    case = [
        f"'{a}' for '{w}'"
        for w in missing
        for a in available
        if band(a) != band(w) and band(a).strip().casefold() == band(w).strip().casefold()
    ]
    if case:
        return (
            f" Only upper and lower case differ in {shown_names(case)}: names are matched exactly (Co is not CO), so "
            "give the bands the descriptions the model was trained on (in GDAL: band.SetDescription), or train a "
            "model on these rasters."
        )
    if available and all(unnamed_band(a) for a in available):
        return (
            " The inputs' bands have no descriptions, so none can be matched: give the stack the band descriptions "
            "the model was trained on (as prospector:interpolate and prospector:evidence write them; in GDAL: "
            "band.SetDescription), or train a model on these rasters."
        )
    return ""


def shown_names(names: Sequence[str], limit: int = 8) -> str:
    """Band names for a message, the first ``limit`` of them and how many more."""
    shown = ", ".join(list(names)[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def model_band_order(
    wanted: Sequence[str], available: Sequence[str], selection: Sequence[Tuple[str, int]], parameter: str
) -> List[int]:
    """The index into ``available`` of each band a model reads (``wanted``, in its order: :func:`match_bands`),
    refused (InputError on ``parameter``) where a band is missing, in several inputs, matched by position alone or
    described twice in one input: which band the model means cannot be told."""
    found, missing = match_bands(wanted, available)
    twice = bands_in_several_inputs(missing, available)
    if twice:  # there, but in several inputs: which one the model means cannot be told
        layers_then = sorted({w.split(":", 1)[0] for w in twice})
        raise InputError(
            f"band(s) {', '.join(twice)} needed by the model are each in more than one input "
            f"({'; '.join(', '.join(found_in) for found_in in twice.values())}), so which one the model means "
            "cannot be told; give one raster holding each band, or name the layers as they were at training "
            f"({', '.join(layers_then)}).",
            parameter,
        )
    if missing:
        raise InputError(
            f"band(s) {', '.join(missing)} needed by the model are not among the inputs "
            f"({', '.join(available)}); add the rasters the model was trained on (bands are matched by name: "
            "'layer:band description', or the band description alone when only one input has it)."
            + near_misses(missing, [a for i, a in enumerate(available) if i not in set(found)]),
            parameter,
        )
    unnamed = [f"'{w}' as '{available[i]}'" for w, i in zip(wanted, found) if available[i] != w and unnamed_band(w)]
    if unnamed:  # 'band 1' to 'band 1' of another file is a match by position, which nothing can check
        raise InputError(
            f"the model's bands have no names, only numbers, so in another raster they would be matched by "
            f"position alone ({shown_names(unnamed)}), and bands in another order would be read without a "
            "word. If it is the stack the model was trained on, give it under that name "
            f"({', '.join(sorted({w.split(':', 1)[0] for w in wanted}))}); otherwise give the "
            "training stack's bands descriptions (in GDAL: band.SetDescription) and train the model again.",
            parameter,
        )
    doubled = described_twice(list(wanted), found, available, selection)
    if doubled:  # 'Cu' and 'Cu (band 2)' of one file: the model learnt one Cu, and which is not known
        raise InputError(
            f"{'; '.join(doubled)}, so which one the model means cannot be told (the first would be read without "
            "a word). Give a raster in which only the band the model was trained on has that description (e.g. "
            "Raster › Conversion › Translate, keeping the bands it needs), or train a model on these rasters.",
            parameter,
        )
    return found


def unused_bands_warning(wanted: Sequence[str], found: Sequence[int], available: Sequence[str], parameter: str) -> str:
    """A warning naming the inputs' bands a model does not read (``found``: :func:`model_band_order`), or ''."""
    unused = [name for i, name in enumerate(available) if i not in set(found)]
    if not unused:  # a stack rebuilt with one more layer: the model cannot use what it was not trained on
        return ""
    return (
        f"{parameter}: {len(unused)} band(s) of the inputs are not used, as the model was trained without "
        f"them: {shown_names(unused)} (it reads {len(found)}: {shown_names(list(wanted))}). To use "
        "them, train a model on these rasters (traincnn or trainmodel)."
    )


def array_window_reader(bands: np.ndarray, dtype: Any = np.float32) -> Callable[[int, int, int, int], np.ndarray]:
    """A ``read_window(r0, r1, c0, c1)`` over an in-memory (bands, H, W) array, NaN outside it (no torch needed)."""
    n, height, width = bands.shape

    def read(r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        out = np.full((n, r1 - r0, c1 - c0), np.nan, dtype=dtype)
        rr0, rr1, cc0, cc1 = max(r0, 0), min(r1, height), max(c0, 0), min(c1, width)
        if rr1 > rr0 and cc1 > cc0:
            out[:, rr0 - r0 : rr1 - r0, cc0 - c0 : cc1 - c0] = bands[:, rr0:rr1, cc0:cc1]
        return out

    return read


#: the name of the thread that reads the next tile's window (:func:`prefetched_tiles`)
READER_THREAD = "prospector-read-ahead"

_Window = TypeVar("_Window")
_Result = TypeVar("_Result")


@dataclass
class TileTimes:
    """Where a tiled prediction's time went, in seconds (sums of ``time.perf_counter`` intervals): ``waited`` is
    the tile loop waiting for a window, ``read`` the reads themselves on the read-ahead thread (beside the
    computation, so ``read`` - ``waited`` of it was hidden), ``computed`` and ``wrote`` the loop's own work."""

    tiles: int = 0
    read: float = 0.0
    waited: float = 0.0
    computed: float = 0.0
    wrote: float = 0.0

    def line(self) -> str:
        """One line for the log."""
        return (
            f"{self.tiles} tile{'' if self.tiles == 1 else 's'}: waited {self.waited:.1f} s for reads (reading took "
            f"{self.read:.1f} s, on a thread "
            f"beside the computation), computed {self.computed:.1f} s, wrote {self.wrote:.1f} s"
        )


def prefetched_tiles(
    count: int,
    read: Callable[[int], _Window],
    compute: Callable[[int, _Window], _Result],
    write: Callable[[int, _Result], None],
    progress: ProgressCallback = None,
    is_cancelled: CancelCallback = None,
) -> TileTimes:
    """For each tile ``i`` in order: ``write(i, compute(i, read(i)))``, with ``read(i + 1)`` running on one
    background thread while tile ``i`` is computed and written (GDAL and numpy release the GIL while reading).

    - ``read`` is only ever called on that one thread, one call at a time (a GDAL dataset handle must not be
      read concurrently); ``compute`` and ``write`` run in the calling thread, in tile order.
    - At most one window is read ahead: while tile ``i`` is computed, the loop holds its window and the thread
      reads tile ``i + 1``'s; window ``i`` is released before tile ``i + 2`` is started.
    - An exception raised by ``read(k)`` is raised here, unchanged, at tile ``k``: tiles before ``k`` are
      written, tile ``k`` and later ones are not.
    - ``is_cancelled`` is checked before each tile (raising :class:`..errors.Cancelled`); ``progress`` gets
      ``(i + 1) / count`` after each write.
    - The thread never outlives the call: on return and on any exception a read not yet started is dropped, one
      in progress is waited for (it cannot be interrupted) and the thread is joined.

    Returns the :class:`TileTimes` of the run.
    """
    times = TileTimes()
    if count <= 0:
        return times

    def timed_read(i: int) -> _Window:
        started = time.perf_counter()
        try:
            with no_gdal_sidecars():  # as where the datasets were opened: reading writes nothing beside them
                return read(i)
        finally:
            times.read += time.perf_counter() - started  # only this thread adds to it

    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=READER_THREAD)
    pending: "Optional[Future[_Window]]" = None
    try:
        check_cancelled(is_cancelled)
        pending = executor.submit(timed_read, 0)
        for i in range(count):
            if i:
                check_cancelled(is_cancelled)
            assert pending is not None  # read(i) was submitted before tile i
            started = time.perf_counter()
            window = pending.result()  # read(i)'s exception, if any, is raised here
            times.waited += time.perf_counter() - started
            pending = executor.submit(timed_read, i + 1) if i + 1 < count else None  # the future held no longer
            started = time.perf_counter()
            result = compute(i, window)
            del window
            computed = time.perf_counter()
            write(i, result)
            del result
            times.computed += computed - started
            times.wrote += time.perf_counter() - computed
            times.tiles += 1
            report(progress, (i + 1) / count)
    finally:
        if pending is not None:
            pending.cancel()
        executor.shutdown(wait=True, cancel_futures=True)
    return times
