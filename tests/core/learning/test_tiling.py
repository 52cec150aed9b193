"""The tile size rule of core.learning.tiling against brute force over every candidate size, hand-computed figures
and GDAL_CACHEMAX as GDAL reads it."""

import math

import pytest

from geochem_prospector.core.learning import tiling
from geochem_prospector.core.learning.tiling import (
    LARGEST_BUFFER,
    STEP,
    bytes_per_cell,
    choose_tile_size,
    largest_bytes_per_cell,
)


def brute_force(halo, cell_bytes, largest, height, width, budget):
    """The rule of the module docstring by trying every multiple of STEP: the largest size whose biggest buffer
    (``largest`` bytes a window cell) stays within 32 MiB, a multiple of 128 unless even 128 is too large, or the
    smallest whose halo adds at most 25 % of the cells if larger; then the largest whose working set fits the budget if smaller; then no larger than the raster needs."""
    sizes = range(STEP, 8192 + 1, STEP)
    by_halo = min(t for t in sizes if ((t + 2 * halo) / t) ** 2 - 1 <= 0.25)
    small = [t for t in sizes if largest * (t + 2 * halo) ** 2 <= 32 * 2**20]
    aligned = [t for t in small if t % 128 == 0]
    size = max(by_halo, max(aligned) if aligned else max(small) if small else STEP)
    if budget is not None:
        fits = [t for t in sizes if cell_bytes * (t + 2 * halo) ** 2 <= budget]
        size = min(size, max(fits) if fits else STEP)
    need = STEP * math.ceil(max(height, width) / STEP)
    return min(size, need)


@pytest.mark.parametrize("halo", [2, 4, 22, 60])
@pytest.mark.parametrize("channels", [(30, 32, 64, 0), (30, 32, 64, 20), (300, 32, 64, 0), (8, 16, 16, 0)])
@pytest.mark.parametrize("budget_mib", [None, 3, 40, 300, 4000])
def test_the_rule_equals_brute_force(halo, channels, budget_mib):
    cell_bytes, largest = bytes_per_cell(*channels[:3], mc_samples=channels[3]), largest_bytes_per_cell(*channels)
    budget = None if budget_mib is None else budget_mib * 2**20
    got = choose_tile_size(halo, cell_bytes, largest, 20_000, 30_000, budget and 16 * budget, None)
    assert got.size == brute_force(halo, cell_bytes, largest, 20_000, 30_000, budget)
    assert got.size % STEP == 0 and got.reason
    # GDAL_CACHEMAX / 5 is a budget just as available memory / 16 is; the smaller one binds
    if budget is not None:
        both = choose_tile_size(halo, cell_bytes, largest, 20_000, 30_000, 10**15, 5 * budget)
        assert both.size == got.size and "GDAL_CACHEMAX" in both.reason


def test_the_rule_by_hand():
    # 30 bands, width 32, 64 hidden channels: the hidden layer is the largest buffer, 256 bytes a cell; 32 MiB holds
    # 131,072 cells = 362^2, minus the halo of 4 on both sides: 354 -> 256 in steps of 128 (384 + 8 = 392 would be
    # a 39 MB buffer)
    assert largest_bytes_per_cell(30, 32, 64) == 256 and (320 + 8) ** 2 * 256 <= LARGEST_BUFFER < (384 + 8) ** 2 * 256
    got = choose_tile_size(4, 752, 256, 10_000, 10_000, available=None, gdal_cache=None)
    assert got.size == 256 and "32 MiB" in got.reason
    # 20 MC-dropout samples: 160 bytes of float64 samples a cell, still under the hidden layer's 256
    assert largest_bytes_per_cell(30, 32, 64, mc_samples=20) == 256
    # 50 samples: 400 bytes a cell -> sqrt(32 MiB / 400) = 289.6 - 8 -> 256
    assert choose_tile_size(4, 1352, largest_bytes_per_cell(30, 32, 64, 50), 10_000, 10_000, None, None).size == 256
    # a coarse view's halo of 22: 362 - 44 = 318 -> 256 would re-read (300/256)^2 - 1 = 37 % of the cells; the halo
    # rule wants 2 x 22 / (sqrt(1.25) - 1) = 372.6 -> 384 (24 %)
    got = choose_tile_size(22, 1000, 256, 10_000, 10_000, None, None)
    assert got.size == 384 and "halo 22" in got.reason
    # this machine: 1,205 MiB of GDAL cache (5 % of 24 GB) / 5 = 241 MiB holds 566^2 cells of 752 bytes: no bound
    assert choose_tile_size(4, 752, 256, 10_000, 10_000, 19 * 2**30, 1_263_803_596).size == 256
    # 1,000 bands: 4,000 bytes a cell -> sqrt(32 MiB / 4000) = 91.6 - 8 -> 64 (below 128: steps of 64), but the
    # halo rule wants 2 x 4 / (sqrt(1.25) - 1) = 67.8 -> 128
    got = choose_tile_size(4, 9000, 4000, 10_000, 10_000, None, None)
    assert got.size == 128 and "halo 4" in got.reason
    # a GDAL cache of 80 MiB: 16 MiB / 752 bytes = 149^2 cells with the halo -> 141 -> 128
    got = choose_tile_size(4, 752, 256, 10_000, 10_000, 19 * 2**30, 80 * 2**20)
    assert got.size == 128 and "GDAL_CACHEMAX" in got.reason
    # a raster of 300 x 200 gets tiles of 256; one of 150 x 100 a single tile of 192
    assert choose_tile_size(4, 752, 256, 200, 300, None, None).size == 256
    assert choose_tile_size(4, 752, 256, 100, 150, None, None).size == 192


def test_working_set_estimate_by_hand():
    # window + normalised copy (2 x 30 floats), a convolution output and the pooling's intermediate (2 x 32), the
    # hidden layer (64): 188 floats; 20 MC-dropout samples at 12 bytes
    assert bytes_per_cell(30, 32, 64) == 752
    assert bytes_per_cell(30, 32, 64, mc_samples=20) == 992
    assert bytes_per_cell(30, 32, 64, coarse=True) == 752 + 4 * 62
    # the largest buffer: 300 bands outweigh 64 hidden channels
    assert largest_bytes_per_cell(300, 32, 64) == 1200


@pytest.mark.parametrize(
    "value, expected",
    [("512", 512 * 2**20), ("250000000", 250_000_000), ("10%", 1_000_000_000), (None, 500_000_000)],
)
def test_gdal_cachemax_as_gdal_reads_it(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("GDAL_CACHEMAX", raising=False)
    else:
        monkeypatch.setenv("GDAL_CACHEMAX", value)
    assert tiling.gdal_cache_max(total_memory=10_000_000_000) == expected


def test_tile_size_here_reads_this_machine(monkeypatch):
    monkeypatch.setenv("GDAL_CACHEMAX", "80")  # 80 MiB -> 16 MiB budget
    monkeypatch.setattr("geochem_prospector.core.grid.available_memory", lambda: 64 * 2**30)
    got = tiling.tile_size_here(4, 752, 256, 5_000, 5_000)
    assert got.size == 128 == brute_force(4, 752, 256, 5_000, 5_000, 16 * 2**20)
    monkeypatch.setattr("geochem_prospector.core.grid.available_memory", lambda: 64 * 2**20)  # 4 MiB budget
    assert tiling.tile_size_here(4, 752, 256, 5_000, 5_000).size == brute_force(4, 752, 256, 5_000, 5_000, 4 * 2**20)
