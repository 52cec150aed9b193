"""The tile size of dense prediction, chosen from the network, the machine's cache and its memory.

A tile of ``t`` x ``t`` cells is read with a halo of ``h`` cells on every side and run through each network of the
ensemble at once (:func:`.inference.predict_window_scores`). The rule (:func:`choose_tile_size`):

1. **Halo**: the halo's cells are read and convolved once more by the neighbouring tile; at least
   ``t >= 2 h / (sqrt(1 + HALO_OVERHEAD) - 1)`` keeps that re-done work under ``HALO_OVERHEAD`` (5 %) of the cells.
2. **Cache**: the largest activation of one network over the tile (``hidden`` channels x 4 bytes x ``t`` squared)
   should fit in this CPU's share of the last-level cache (its size over the CPUs sharing it, from
   ``/sys/devices/system/cpu/cpu0/cache``; ``FALLBACK_CACHE`` when unknown), so the elementwise passes (ReLU,
   pooling, the output layer's matrix product) read it from the cache: the tile grows up to that size.
3. **Memory**: the tile's working set, :func:`bytes_per_cell` x the window's cells, stays within the smaller of
   ``available memory / MEMORY_FRACTION`` and ``GDAL_CACHEMAX / GDAL_FRACTION`` (GDAL's block cache is what the
   user gives raster I/O; the tile stays a small share of it): the tile shrinks to fit, even below (1).

The size is ``min(max(halo size, cache size), memory size)``, a multiple of ``STEP`` cells, at least ``STEP`` and
no larger than the raster needs. Small tiles cost more than their halo: on the 2-core development machine one
network predicted about 150k cells per CPU-second on tiles of 128, 250k on 256, 380k on 512 and 440k-480k on
768-1536 (``bench/bench_predict_throughput.py``). The tile size changes no probability (each cell's prediction
depends on its own patch only) but it numbers the tiles, and tile ``i`` draws its MC-dropout masks from seed
``seed + i``: the uncertainty raster of a run is reproduced with the same tile size, which the log and the
outputs' provenance record.
"""

from __future__ import annotations

import math
import os
from typing import NamedTuple, Optional

#: most of the cells re-done for the halo
HALO_OVERHEAD = 0.05
#: tile sides are multiples of this (cells)
STEP = 64
#: the last-level cache share assumed when sysfs says nothing (bytes)
FALLBACK_CACHE = 2 * 2**20
#: the tile's working set stays within available memory / this
MEMORY_FRACTION = 16
#: ... and within GDAL_CACHEMAX / this (5: on the 2-core machine, 24 GB, GDAL's default 1.2 GB cache, tiles of 512
#: as before; 640, with 1/4, ran no faster there and raised qgis_process's peak RSS from 1.25 to 1.35 GB)
GDAL_FRACTION = 5
#: the largest tile considered (cells)
MAX_TILE = 8192


class TileChoice(NamedTuple):
    """A tile size and why: ``reason`` is one line for the log."""

    size: int
    reason: str


def bytes_per_cell(
    bands: int, width: int, hidden: int, coarse: bool = False, mc_samples: int = 0, bins: int = 0
) -> int:
    """Bytes of the tile's working set per window cell: two float32 copies of the bands (the tile's normalised
    window and, read ahead meanwhile, the next tile's raw window: :func:`..io.windows.prefetched_tiles`, one
    window at most; the tile's own raw window is freed once normalised, so there are two as without reading
    ahead), a convolution's output and the pooling's intermediate (``width`` channels each), the hidden layer
    (``hidden`` channels), the coarse view's pooled bands and activations when there is one, and with MC-dropout
    samples the float64 sums and sums of squares of every cell (16 bytes). The samples themselves (12 bytes per
    sample and cell) are computed over chunks of :data:`.inference.MC_CHUNK` cells, a fixed 12 x samples x 65,536
    bytes (15.7 MB at 20 samples) that no longer grows with the tile and is not counted per cell. A model with
    INPUT_TRANSFORM quantile briefly holds one more window while the next one is transformed (not counted); with
    INPUT_TRANSFORM piecewise each branch first encodes every band in ``bins`` bins (``bands x bins`` floats, the
    coarse view's too).
    Measured on the 30-band default network before the read-ahead and the chunks (estimates then 752 and 992):
    663-692 bytes without MC-dropout, 838-888 with 20 samples."""
    floats = 2 * bands + 2 * width + hidden + ((bands + width) if coarse else 0) + bands * bins * (2 if coarse else 1)
    return 4 * floats + (16 if mc_samples > 0 else 0)


def cache_share(root: str = "/sys/devices/system/cpu/cpu0/cache") -> Optional[int]:
    """One CPU's share (bytes) of its last-level data or unified cache (size over the CPUs sharing it), from
    Linux's sysfs; None when it cannot be read."""
    best = None  # (level, bytes)
    try:
        entries = sorted(os.listdir(root))
    except OSError:
        return None
    for entry in entries:
        if not entry.startswith("index"):
            continue
        path = os.path.join(root, entry)
        try:
            kind = _read(os.path.join(path, "type"))
            level = int(_read(os.path.join(path, "level")))
            size = _parse_size(_read(os.path.join(path, "size")))
            sharing = _count_cpus(_read(os.path.join(path, "shared_cpu_list")))
        except (OSError, ValueError):
            continue
        if kind not in ("Data", "Unified") or size <= 0:
            continue
        if best is None or level > best[0]:
            best = (level, size // max(1, sharing))
    return None if best is None else best[1]


def gdal_cache_max(total_memory: Optional[int] = None) -> Optional[int]:
    """GDAL's block cache limit in bytes: the ``GDAL_CACHEMAX`` environment variable as GDAL reads it (a number below
    100,000 is megabytes, a larger one bytes, ``N%`` a share of the physical memory), else GDAL's default of 5 % of the
    physical memory; None when neither is known."""
    value = os.environ.get("GDAL_CACHEMAX")  # GDAL reads the environment when it first caches a block
    total = physical_memory() if total_memory is None else total_memory
    if value is not None:
        text = str(value).strip()
        try:
            if text.endswith("%"):
                return None if total is None else int(total * float(text[:-1]) / 100)
            number = float(text)
        except ValueError:
            number = None
        if number is not None and number > 0:
            return int(number * 2**20) if number < 100000 else int(number)
    return None if total is None else total // 20


def physical_memory() -> Optional[int]:
    """Bytes of physical memory, or None."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def choose_tile_size(
    halo: int,
    cell_bytes: int,
    hidden: int,
    height: int,
    width: int,
    cache: Optional[int],
    available: Optional[int],
    gdal_cache: Optional[int],
) -> TileChoice:
    """The tile side (cells) by the rule of this module's docstring, and one line saying why.

    ``cell_bytes`` is :func:`bytes_per_cell`; ``cache`` one CPU's share of the last-level cache
    (:func:`cache_share`), ``available`` the free memory and ``gdal_cache`` GDAL_CACHEMAX, in bytes (None:
    unknown: the fallback cache share, no memory limit of that kind)."""
    by_halo = 2 * halo / (math.sqrt(1 + HALO_OVERHEAD) - 1)
    halo_size = _round_up(by_halo)
    cache_bytes = cache if cache and cache > 0 else FALLBACK_CACHE
    cache_size = _round_down(math.sqrt(cache_bytes / (4 * max(1, hidden))))
    budgets = []
    if available:
        budgets.append((available // MEMORY_FRACTION, f"1/{MEMORY_FRACTION} of {_mib(available)} available"))
    if gdal_cache:
        budgets.append((gdal_cache // GDAL_FRACTION, f"1/{GDAL_FRACTION} of GDAL_CACHEMAX {_mib(gdal_cache)}"))
    size = max(halo_size, cache_size)
    why = (
        f"halo {halo}: {halo_size} keeps the re-read halo under {100 * HALO_OVERHEAD:g} %"
        if halo_size >= cache_size
        else f"{hidden} hidden channels of {cache_size}^2 cells fit in the last-level cache's {_mib(cache_bytes)} per "
        f"CPU{'' if cache else ' (cache size unknown: assumed)'}"
    )
    if budgets:
        budget, budget_why = min(budgets)
        memory_size = _round_down(math.sqrt(budget / max(1, cell_bytes)) - 2 * halo)
        if memory_size < size:
            why = f"{why}, but {cell_bytes} bytes per cell must fit in {_mib(budget)} ({budget_why}): {memory_size}"
            size = memory_size
        else:
            why += f"; working set {_mib(cell_bytes * (size + 2 * halo) ** 2)} within {_mib(budget)} ({budget_why})"
    needed = _round_up(max(height, width, 1))
    if needed < size:
        size = needed
        why += f"; the raster needs no more than {needed}"
    return TileChoice(int(min(size, MAX_TILE)), why)


def _round_up(x: float) -> int:
    return max(STEP, int(math.ceil(x / STEP)) * STEP)


def _round_down(x: float) -> int:
    return max(STEP, int(x // STEP) * STEP) if x == x else STEP


def _mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def _read(path: str) -> str:
    with open(path, encoding="ascii") as handle:
        return handle.read().strip()


def _parse_size(text: str) -> int:
    """sysfs cache sizes: '48K', '2048K', '480M', or bytes."""
    units = {"K": 2**10, "M": 2**20, "G": 2**30}
    if text and text[-1].upper() in units:
        return int(text[:-1]) * units[text[-1].upper()]
    return int(text)


def _count_cpus(text: str) -> int:
    """CPUs in a sysfs list such as '0-3,8-11'."""
    count = 0
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        lo, _, hi = part.partition("-")
        count += int(hi or lo) - int(lo) + 1
    return max(1, count)


def tile_size_here(
    halo: int,
    cell_bytes: int,
    hidden: int,
    height: int,
    width: int,
    cache_root: str = "/sys/devices/system/cpu/cpu0/cache",
) -> TileChoice:
    """:func:`choose_tile_size` with this machine's cache share, available memory and GDAL_CACHEMAX. Call it once,
    in the process that splits the raster into tiles: the workers of a distributed run get the size with their
    tiles, so they compute the same tiles whatever their own machine."""
    from ..grid import available_memory

    return choose_tile_size(
        halo, cell_bytes, hidden, height, width, cache_share(cache_root), available_memory(), gdal_cache_max()
    )
