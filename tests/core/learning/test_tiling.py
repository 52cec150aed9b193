"""The tile size rule of core.learning.tiling against brute force over every candidate size and hand-computed
machine figures (a fake sysfs cache tree, GDAL_CACHEMAX as GDAL reads it)."""

import math

import numpy as np
import pytest

from geochem_prospector.core.learning import tiling
from geochem_prospector.core.learning.tiling import STEP, bytes_per_cell, cache_share, choose_tile_size


def brute_force(halo, cell_bytes, hidden, height, width, cache, budget):
    """The rule of the module docstring by trying every multiple of STEP: the smallest size whose halo adds at most
    5 % of the cells, or the largest whose hidden activation fits the cache if larger; then the largest whose working
    set fits the budget if smaller; then no larger than the raster needs."""
    sizes = range(STEP, 8192 + 1, STEP)
    by_halo = min(t for t in sizes if ((t + 2 * halo) / t) ** 2 - 1 <= 0.05)
    fitting = [t for t in sizes if hidden * 4 * t * t <= cache]
    size = max(by_halo, max(fitting) if fitting else STEP)
    if budget is not None:
        fits = [t for t in sizes if cell_bytes * (t + 2 * halo) ** 2 <= budget]
        size = min(size, max(fits) if fits else STEP)
    need = STEP * math.ceil(max(height, width) / STEP)
    return min(size, need)


@pytest.mark.parametrize("halo", [2, 4, 22])
@pytest.mark.parametrize("cache_mib", [1, 4, 240])
@pytest.mark.parametrize("budget_mib", [None, 3, 40, 300, 4000])
def test_the_rule_equals_brute_force(halo, cache_mib, budget_mib):
    cell_bytes, hidden = bytes_per_cell(30, 32, 64), 64
    budget = None if budget_mib is None else budget_mib * 2**20
    got = choose_tile_size(halo, cell_bytes, hidden, 20_000, 30_000, cache_mib * 2**20, budget and 16 * budget, None)
    assert got.size == brute_force(halo, cell_bytes, hidden, 20_000, 30_000, cache_mib * 2**20, budget)
    assert got.size % STEP == 0 and got.reason
    # GDAL_CACHEMAX / 5 is a budget just as available memory / 16 is; the smaller one binds
    if budget is not None:
        both = choose_tile_size(halo, cell_bytes, hidden, 20_000, 30_000, cache_mib * 2**20, 10**15, 5 * budget)
        assert both.size == got.size and "GDAL_CACHEMAX" in both.reason


def test_halo_bound_by_hand():
    # halo 4: 320 + 8 = 328 -> (328/320)^2 = 1.0506 (over 5 %), 384: (392/384)^2 = 1.042 -> 384
    got = choose_tile_size(4, 752, 64, 10_000, 10_000, cache=1024, available=None, gdal_cache=None)
    assert got.size == 384 and "halo 4" in got.reason
    # 240 MiB of cache per CPU: 64 hidden channels x 4 bytes x 990^2 = 251 MB -> 960; 1.25 GiB of GDAL cache: 256
    # MiB for 752 bytes a cell: sqrt(256 MiB / 752) = 597 cells with the halo, 589 without -> 576
    got = choose_tile_size(4, 752, 64, 10_000, 10_000, 240 * 2**20, available=None, gdal_cache=5 * 2**28)
    assert got.size == 576 and "GDAL_CACHEMAX" in got.reason
    # this machine: 1,205 MiB of GDAL cache (5 % of 24 GB): 241 MiB, sqrt(241 MiB / 752) = 566 - 8 -> 512
    assert choose_tile_size(4, 752, 64, 10_000, 10_000, 240 * 2**20, 19 * 2**30, 1_263_803_596).size == 512
    # a raster of 300 x 200 needs one tile of 320
    assert choose_tile_size(4, 752, 64, 200, 300, 240 * 2**20, None, None).size == 320


def test_working_set_estimate_by_hand():
    # the normalised tile + the next raw window read ahead (2 x 30 floats), a convolution output and the pooling's
    # intermediate (2 x 32), the hidden layer (64): 188 floats; with MC-dropout the float64 sums and squares (16
    # bytes), whatever the number of samples (those are computed over chunks of a fixed number of cells)
    assert bytes_per_cell(30, 32, 64) == 752
    assert bytes_per_cell(30, 32, 64, mc_samples=20) == bytes_per_cell(30, 32, 64, mc_samples=200) == 768
    assert bytes_per_cell(30, 32, 64, coarse=True) == 752 + 4 * 62
    # INPUT_TRANSFORM piecewise: each branch's encoded input, 30 bands x 16 bins floats (twice with a coarse view)
    assert bytes_per_cell(30, 32, 64, bins=16) == 752 + 4 * 480
    assert bytes_per_cell(30, 32, 64, coarse=True, bins=16) == 752 + 4 * 62 + 4 * 960


def make_cache(root, entries):
    for i, (level, kind, size, cpus) in enumerate(entries):
        d = root / f"index{i}"
        d.mkdir(parents=True)
        (d / "level").write_text(f"{level}\n")
        (d / "type").write_text(f"{kind}\n")
        (d / "size").write_text(f"{size}\n")
        (d / "shared_cpu_list").write_text(f"{cpus}\n")


def test_cache_share_from_sysfs(tmp_path):
    # this machine's layout: 48K L1d, 64K L1i, 2048K L2 per CPU, 480M L3 shared by CPUs 0-1 -> 240 MiB each
    make_cache(tmp_path / "a", [(1, "Data", "48K", "0"), (1, "Instruction", "64K", "0"), (2, "Unified", "2048K", "0"),
                                (3, "Unified", "491520K", "0-1")])  # fmt: skip
    assert cache_share(str(tmp_path / "a")) == 491520 * 1024 // 2
    # a desktop: 32 MiB of L3 over 16 CPUs listed in ranges -> 2 MiB each
    make_cache(tmp_path / "b", [(2, "Unified", "1M", "0,8"), (3, "Unified", "32M", "0-7,8-15")])
    assert cache_share(str(tmp_path / "b")) == 2 * 2**20
    # instruction caches do not count; nothing readable -> None (the rule then assumes FALLBACK_CACHE)
    make_cache(tmp_path / "c", [(1, "Instruction", "64K", "0")])
    assert cache_share(str(tmp_path / "c")) is None
    assert cache_share(str(tmp_path / "missing")) is None
    unknown = choose_tile_size(4, 752, 64, 10_000, 10_000, None, None, None)
    assert unknown == choose_tile_size(4, 752, 64, 10_000, 10_000, tiling.FALLBACK_CACHE, None, None)
    assert "unknown" in unknown.reason or "halo" in unknown.reason


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


def test_tile_size_here_reads_this_machine(monkeypatch, tmp_path):
    make_cache(tmp_path, [(3, "Unified", "8M", "0-3")])  # 2 MiB per CPU
    monkeypatch.setenv("GDAL_CACHEMAX", "80")  # 80 MiB -> 16 MiB budget
    monkeypatch.setattr("geochem_prospector.core.grid.available_memory", lambda: 64 * 2**30)
    got = tiling.tile_size_here(4, 752, 64, 5_000, 5_000, cache_root=str(tmp_path))
    # the halo wants 384 (2 MiB of cache holds only 64 hidden channels of 90^2 cells); 16 MiB / 752 bytes: 149^2
    # cells with the halo -> 141 -> 128
    assert got.size == 128 == brute_force(4, 752, 64, 5_000, 5_000, 2 * 2**20, 16 * 2**20)
    assert math.isclose(16 * 2**20 / 752, 22310.4, rel_tol=1e-4) and np.sqrt(22310) < 150
