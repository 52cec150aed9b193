"""One aligned evidence stack: every source's bands computed tile by tile and written into one GeoTIFF."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Hashable, Iterator, List, Mapping, Optional, Protocol, Sequence, Tuple, Union

import numpy as np

from ..callbacks import CancelCallback, ProgressCallback, check_cancelled
from ..distributed.runner import TaskRunner, run_tasks
from ..errors import InputError
from ..grid import GridSpec
from .bands import BandSpec

NODATA = -9999.0
#: tile side (cells): a tile of every band is what is held in memory at once
TILE = 512
#: a raster band with values in less than this share of the cells where the stack holds any evidence is said:
#: the learning steps and predict use only cells where every band has a value
SPARSE_BAND_SHARE = 0.9


@dataclass(frozen=True)
class WrittenStack:
    """What :func:`write_stack` wrote: its bands, and per band the cells with a value (``valued``) out of the cells
    where any band has one (``evidence_cells``)."""

    bands: List[BandSpec]
    valued: List[int]
    evidence_cells: int


class EvidenceSource(Protocol):
    """What :func:`write_stack` needs of a source: its bands and a per-window function."""

    bands: List[BandSpec]

    def window(
        self, grid: GridSpec, r0: int, r1: int, c0: int, c1: int, is_cancelled: CancelCallback = None
    ) -> np.ndarray: ...


def reference_grid(transform: Any, width: int, height: int, crs_wkt: Optional[str]) -> GridSpec:
    """The grid of the REFERENCE_RASTER whose geotransform is ``transform`` (an affine with ``a`` to ``f``), refused
    unless north-up with square cells: rotated, sheared or flipped rows and oblong cells have no :class:`GridSpec`."""
    t = transform
    if t.b != 0 or t.d != 0 or t.e >= 0 or abs(abs(t.e) - t.a) > 1e-6 * t.a:
        raise InputError(
            "the reference raster must be north-up with square cells; warp it first (Raster › Projections › Warp).",
            "REFERENCE_RASTER",
        )
    return GridSpec(t.c, t.f, t.a, width, height, crs_wkt)


def tiles(grid: GridSpec, size: int = TILE) -> Iterator[Tuple[int, int, int, int]]:
    """Windows (r0, r1, c0, c1) of at most ``size`` x ``size`` cells covering the grid, row of tiles by row."""
    for r0 in range(0, grid.height, size):
        for c0 in range(0, grid.width, size):
            yield r0, min(r0 + size, grid.height), c0, min(c0 + size, grid.width)


def mask_window(mask_geometries: Optional[Sequence[Any]], grid: GridSpec, r0: int, r1: int, c0: int, c1: int):
    """(rows, cols) bool, True where the window's cell centres lie in the mask polygons; None without a mask."""
    if mask_geometries is None:
        return None
    from affine import Affine
    from rasterio import features

    shape = (r1 - r0, c1 - c0)
    if not mask_geometries:
        return np.zeros(shape, dtype=bool)
    transform = grid.affine() * Affine.translation(c0, r0)
    shapes = ((g, 1) for g in mask_geometries)
    return features.rasterize(shapes, out_shape=shape, transform=transform, fill=0, dtype="uint8").astype(bool)


def mask_cells(mask_geometries: Sequence[Any], grid: GridSpec, size: int = TILE) -> int:
    """How many cells of the grid the mask polygons cover (tile by tile: bounded memory)."""
    geoms = [g for g in mask_geometries if g is not None and not g.is_empty]
    total = 0
    for r0, r1, c0, c1 in tiles(grid, size):
        m = mask_window(geoms, grid, r0, r1, c0, c1)
        total += int(m.sum()) if m is not None else 0
    return total


def evidence_window(
    sources: Sequence[EvidenceSource],
    grid: GridSpec,
    r0: int,
    r1: int,
    c0: int,
    c1: int,
    mask_geometries: Optional[Sequence[Any]] = None,
    is_cancelled: CancelCallback = None,
) -> np.ndarray:
    """(bands, rows, cols) float32 of every source for one window, NaN outside the mask: the unit of work."""
    blocks = [s.window(grid, r0, r1, c0, c1, is_cancelled) for s in sources]
    out = np.concatenate(blocks, axis=0).astype(np.float32, copy=False)
    inside = mask_window(mask_geometries, grid, r0, r1, c0, c1)
    if inside is not None:
        out[:, ~inside] = np.nan
    return out


def write_stack(
    path: str,
    grid: GridSpec,
    sources: Sequence[EvidenceSource],
    mask_geometries: Optional[Sequence[Any]] = None,
    provenance: Optional[Mapping[str, Any]] = None,
    tile: int = TILE,
    progress: ProgressCallback = None,
    is_cancelled: CancelCallback = None,
    parameter: str = "OUTPUT",
    runner: Optional[TaskRunner] = None,
) -> WrittenStack:
    """Write every source's bands into one float32 GeoTIFF at ``path`` (atomically: see
    :func:`..io.outputs.atomic_output`), tile by tile; returns the bands written and how many cells each has a value in.

    Each tile is one task (:func:`evidence_window`) on ``runner`` (:class:`..distributed.runner.TaskRunner`; None =
    this process). On Dask the sources and the mask are sent to the cluster once per run (a raster source travels
    as its path, and each worker opens the file itself; a vector source as its prepared segment / point arrays or
    polygons), and the tiles come back in order into the one file, so the result is bit-identical to the
    in-process run for the same ``tile``. No halo is read: distances are exact against every feature, and the
    density of a tile uses the line pieces within the radius around it.

    Each band carries its name as description, its unit (GDAL unit type, which QGIS shows) and metadata items
    ``KIND``, ``UNIT``, ``SOURCE`` and, for class bands, ``CLASS_VALUE``; the dataset carries the band table
    (``EVIDENCE_BANDS``, JSON) and ``provenance``. NaN (no data, outside the mask) is written as :data:`NODATA`.
    """
    from rasterio.windows import Window

    from ..io.outputs import atomic_output
    from ..io.windows import open_geotiff_writer

    bands = [b for s in sources for b in s.bands]
    if not bands:
        raise InputError("no evidence to compute; give at least one layer.", parameter)
    names = [b.name for b in bands]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError(
            f"two bands would be named {', '.join(duplicates)}: two inputs have the same layer name; rename one layer.",
            parameter,
        )
    windows = list(tiles(grid, tile))
    with atomic_output(path, parameter) as tmp:
        dst = open_geotiff_writer(tmp, grid, names, provenance=provenance, nodata=NODATA)
        try:
            for i, b in enumerate(bands, start=1):
                dst.set_band_unit(i, b.unit)
                tags = {"KIND": b.kind, "UNIT": b.unit, "SOURCE": b.source}
                if b.value is not None:
                    tags["CLASS_VALUE"] = b.value
                dst.update_tags(i, **tags)
            dst.update_tags(EVIDENCE_BANDS=json.dumps([b.__dict__ for b in bands], sort_keys=True))
            here = runner is None or runner.in_process
            shared_sources: Any = list(sources)
            shared_mask: Any = mask_geometries
            if runner is not None and not here:
                shared_sources = runner.share(shared_sources)
                if mask_geometries is not None:
                    shared_mask = runner.share(list(mask_geometries))
            # in this process a tile also stops between bands when cancelled; a callable does not travel to workers
            cancel = is_cancelled if here else None
            tasks: List[Tuple[Hashable, Tuple[Any, ...]]] = [
                ((r0, c0), (shared_sources, grid, r0, r1, c0, c1, shared_mask, cancel)) for r0, r1, c0, c1 in windows
            ]

            valid = np.zeros(len(bands), dtype=np.int64)
            any_valid = np.zeros(1, dtype=np.int64)

            def consume(key: Any, block: np.ndarray) -> None:
                r0, c0 = key
                finite = np.isfinite(block)
                valid[:] += np.count_nonzero(finite, axis=(1, 2))
                any_valid[0] += np.count_nonzero(finite.any(axis=0))
                block = np.where(np.isfinite(block), block, np.float32(NODATA)).astype(np.float32)
                dst.write(block, window=Window(c0, r0, block.shape[2], block.shape[1]))

            check_cancelled(is_cancelled)
            run_tasks(runner, evidence_window, tasks, consume, progress, is_cancelled)
        finally:
            dst.close()
        check_raster_coverage(sources, valid, mask_geometries is not None, grid)  # refused: the stack is not committed
    return WrittenStack(bands, [int(v) for v in valid], int(any_valid[0]))


def per_source(
    sources: Sequence[EvidenceSource], per_band: Union[Sequence[int], np.ndarray]
) -> Iterator[Tuple[EvidenceSource, Any]]:
    """Each source with its slice of ``per_band`` (one item per band of the stack, sources in order): the counts
    :func:`write_stack` gathers as it writes, read by :func:`check_raster_coverage` and :func:`sparse_raster_notes`
    without reading the stack again."""
    start = 0
    for source in sources:
        yield source, per_band[start : start + len(source.bands)]
        start += len(source.bands)


def check_raster_coverage(
    sources: Sequence[EvidenceSource], valid: np.ndarray, masked: bool, grid: Optional[GridSpec] = None
) -> None:
    """Refuse a raster source with a band that has no value on the grid (``valid``: cells with a value, per band
    of ``sources`` in order). Such a band is all nodata, and traincnn, trainmodel and predict use only the cells
    where every band has a value: the stack would leave them no cell at all."""
    from .rasters import RasterEvidence

    for source, counts in per_source(sources, valid):
        empty = [b.name for b, n in zip(source.bands, counts) if n == 0]
        if isinstance(source, RasterEvidence) and empty:
            where = "within the grid's extent and the MASK" if masked else "within the grid's extent"
            why = source.thin_note(grid) if grid is not None else ""
            raise InputError(
                f"raster '{source.layer}' has no value {where} in band(s) {', '.join(empty)}: "
                + (
                    why
                    or "every cell is nodata (the raster lies elsewhere, or its nodata value covers every cell), so "
                    "the stack would hold an all-nodata band, and the learning steps use only cells where every band "
                    "has a value. Check the raster's extent, CRS and nodata value, or remove it."
                ),
                source.parameter,
            )


def share_rounded_down(part: int, whole: int) -> str:
    """``part`` of ``whole`` in percent, rounded down (to 0.1 below 10 %, to 1 above), so that a share just under a
    threshold never reads as the threshold: 8,996 of 10,000 is '89', 4 of 10,000 'under 0.1'. Exact in integers."""
    tenths = part * 1000 // whole
    if tenths == 0:
        return "under 0.1"
    return f"{tenths // 10}.{tenths % 10}" if tenths < 100 else f"{part * 100 // whole}"


def sparse_raster_notes(sources: Sequence[EvidenceSource], written: WrittenStack, grid: GridSpec) -> List[str]:
    """One note per raster source with a band that has values in less than :data:`SPARSE_BAND_SHARE` of the cells
    where the stack holds any evidence (a survey over a corner of the area, a raster of another district): the
    learning steps, pseudolabel and predict use only cells where every band has a value, so the whole stack
    shrinks to that raster's cover. Names the parameter, the raster, the share and what to do."""
    from .rasters import RasterEvidence

    notes: List[str] = []
    for source, valued in per_source(sources, written.valued):
        if not isinstance(source, RasterEvidence) or written.evidence_cells == 0:
            continue
        least = min(valued)
        if least >= SPARSE_BAND_SHARE * written.evidence_cells:
            continue
        shown = share_rounded_down(least, written.evidence_cells)
        notes.append(
            f"{source.parameter}: raster '{source.layer}' has values in "
            f"{shown if shown.startswith('under') else 'only ' + shown} % of the cells where the stack "
            f"holds evidence ({least:,} of {written.evidence_cells:,} cells of {grid.length_text(grid.pixel_size)}): "
            "pseudolabel, traincnn, trainmodel and predict use only cells where every band has a value, so they "
            "would work on that part alone. Give a raster that covers the area, a MASK of the ground it covers, or "
            "leave it out of the stack."
        )
    return notes
