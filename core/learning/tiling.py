"""The tile size of dense prediction, chosen from the network's buffers, the halo and the memory.

A tile of ``t`` x ``t`` cells is read with a halo of ``h`` cells on every side and run through each network of the
ensemble at once (:func:`.inference.predict_window_scores`). Every tile allocates and frees the same few large
buffers (the window, the activations, the MC-dropout samples). The rule (:func:`choose_tile_size`):

1. **Buffers**: the largest of them (:func:`largest_bytes_per_cell` x the window's cells) stays within
   ``LARGEST_BUFFER``, 32 MiB, the ceiling of glibc's dynamic mmap threshold on 64-bit Linux, in steps of
   ``BUFFER_STEP``. A larger block is
   mapped fresh from the kernel at every allocation and unmapped at every free, so each tile pays a page fault for
   every 4 KiB of it. Through ``qgis_process`` at 10,000 x 10,000 x 30 on a quiet machine, tiles of 512 (a
   69 MB hidden layer) took 0.10-0.13 page faults a cell, 96-104 s and 2.03 GB; tiles of 256 (17.8 MB) 0.010, 95 s
   and 1.84 GB; tiles of 320 (27.5 MB, under the ceiling but a working set of 81 MB, more than the heap glibc then
   keeps) 0.13, 108 s and 1.87 GB (``bench/results/2026-12-03-predict-quiet``).
2. **Halo**: the halo's cells are read and convolved once more by the neighbouring tile; the tile grows to at
   least ``t >= 2 h / (sqrt(1 + MAX_HALO_OVERHEAD) - 1)`` so that this re-done work stays under 25 % of the cells
   even where (1) would give a small tile (wide halos, such as a coarse view's).
3. **Memory**: the tile's working set, :func:`bytes_per_cell` x the window's cells, stays within the smaller of
   ``available memory / MEMORY_FRACTION`` and ``GDAL_CACHEMAX / GDAL_FRACTION`` (GDAL's block cache is what the
   user gives raster I/O; the tile stays a small share of it): the tile shrinks to fit, even below (2).

The size is ``min(max(buffer size, halo size), memory size)``, a multiple of ``STEP`` cells, at least ``STEP`` and
no larger than the raster needs. The tile size changes no probability (each cell's prediction depends on its own
patch only) but it numbers the tiles, and tile ``i`` draws its MC-dropout masks from seed ``seed + i``: the
uncertainty raster of a run is reproduced with the same tile size, which the log and the outputs' provenance
record.
"""

from __future__ import annotations

import math
import os
from typing import NamedTuple, Optional

#: the largest buffer of a tile (bytes): glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit, above which every
#: allocation is mapped (and page-faulted) afresh
LARGEST_BUFFER = 32 * 2**20
#: most of the cells re-done for the halo
MAX_HALO_OVERHEAD = 0.25
#: tile sides are multiples of this (cells)
STEP = 64
#: ... and the buffer rule's of this: 256 rather than 320 for the default network (320 + halo still page-faulted
#: 0.13 times a cell at 10,000^2 through qgis_process, 256 0.010; bench/results/2026-12-03-predict-quiet)
BUFFER_STEP = 128
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


def bytes_per_cell(bands: int, width: int, hidden: int, coarse: bool = False, mc_samples: int = 0) -> int:
    """Bytes of the tile's working set per window cell: the window read (float32 bands) and its normalised
    copy, a convolution's output and the pooling's intermediate (``width`` channels each), the hidden layer
    (``hidden`` channels), the coarse view's pooled bands and activations when there is one, and the MC-dropout
    samples (float64 and their float32 margins, 12 bytes per sample). Measured on the 30-band default network:
    663-692 bytes without MC-dropout (estimate 752), 838-888 with 20 samples (estimate 992)."""
    floats = 2 * bands + 2 * width + hidden + ((bands + width) if coarse else 0)
    return 4 * floats + 12 * max(0, mc_samples)


def largest_bytes_per_cell(bands: int, width: int, hidden: int, mc_samples: int = 0) -> int:
    """Bytes per window cell of the tile's largest single buffer: the window's bands or an activation (float32
    channels: ``bands``, ``width``, ``hidden``; a coarse view has no wider ones), or the MC-dropout samples (float64,
    one per sample)."""
    return max(4 * bands, 4 * width, 4 * hidden, 8 * max(0, mc_samples))


def gdal_cache_max(total_memory: Optional[int] = None) -> Optional[int]:
    """GDAL's block cache limit in bytes: the ``GDAL_CACHEMAX`` environment variable as GDAL reads it (a number below 100,000
    is megabytes, a larger one bytes, ``N%`` a share of the physical memory), else GDAL's default of 5 % of the
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
    largest_cell_bytes: int,
    height: int,
    width: int,
    available: Optional[int],
    gdal_cache: Optional[int],
) -> TileChoice:
    """The tile side (cells) by the rule of this module's docstring, and one line saying why.

    ``cell_bytes`` is :func:`bytes_per_cell`, ``largest_cell_bytes`` :func:`largest_bytes_per_cell`; ``available``
    the free memory and ``gdal_cache`` GDAL_CACHEMAX, in bytes (None: unknown, no memory limit of that kind)."""
    fitting = math.sqrt(LARGEST_BUFFER / max(1, largest_cell_bytes)) - 2 * halo
    buffer_size = (
        max(STEP, int(fitting // BUFFER_STEP) * BUFFER_STEP) if fitting >= BUFFER_STEP else _round_down(fitting)
    )
    halo_size = _round_up(2 * halo / (math.sqrt(1 + MAX_HALO_OVERHEAD) - 1))
    if buffer_size >= halo_size:
        size = buffer_size
        why = f"its largest buffer ({largest_cell_bytes} bytes a cell) stays under {_mib(LARGEST_BUFFER)}"
    else:
        size = halo_size
        why = f"halo {halo}: {halo_size} keeps the re-read halo under {100 * MAX_HALO_OVERHEAD:g} %"
    budgets = []
    if available:
        budgets.append((available // MEMORY_FRACTION, f"1/{MEMORY_FRACTION} of {_mib(available)} available"))
    if gdal_cache:
        budgets.append((gdal_cache // GDAL_FRACTION, f"1/{GDAL_FRACTION} of GDAL_CACHEMAX {_mib(gdal_cache)}"))
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


def tile_size_here(halo: int, cell_bytes: int, largest_cell_bytes: int, height: int, width: int) -> TileChoice:
    """:func:`choose_tile_size` with this machine's available memory and GDAL_CACHEMAX. Call it once, in the
    process that splits the raster into tiles: the workers of a distributed run get the size with their tiles, so
    they compute the same tiles whatever their own machine."""
    from ..grid import available_memory

    return choose_tile_size(halo, cell_bytes, largest_cell_bytes, height, width, available_memory(), gdal_cache_max())
