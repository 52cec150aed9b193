"""Training window by window (#20) holds far less than the raster: the peak of the memory Python and numpy allocate
(tracemalloc; numpy reports its arrays to it) while fit_windows trains on a raster, against a budget of a quarter of
the raster's size; the whole-stack fit on the same raster, measured the same way, is the reference that shows the
measurement sees a whole-stack read. GDAL's block cache (bounded by GDAL_CACHEMAX) and torch's own allocations are
not in tracemalloc's view; the networks here are tiny."""

import tracemalloc

import numpy as np
import pytest

pytest.importorskip("torch", reason="PyTorch is not installed")

from geochem_prospector.core.grid import GridSpec  # noqa: E402
from geochem_prospector.core.io.rasters import write_geotiff  # noqa: E402
from geochem_prospector.core.learning import streaming  # noqa: E402
from geochem_prospector.core.learning.estimator import PatchCNN  # noqa: E402
from tests.core.learning.test_cnn import SMALL  # noqa: E402

SIZE, BANDS = 1024, 6  # 24 MiB of float32 evidence


@pytest.fixture(scope="module")
def raster(tmp_path_factory):
    rng = np.random.default_rng(0)
    bands = rng.normal(size=(BANDS, SIZE, SIZE)).astype(np.float32)
    labels = np.full((SIZE, SIZE), np.nan, np.float32)
    r, c = rng.integers(0, SIZE, 400), rng.integers(0, SIZE, 400)
    labels[r, c] = (bands[0, r, c] > 0.5).astype(np.float32)
    grid = GridSpec(500000.0, 7000000.0, 100.0, SIZE, SIZE, None)
    folder = tmp_path_factory.mktemp("big")
    write_geotiff(str(folder / "ev.tif"), bands, grid, [f"b{i}" for i in range(BANDS)])
    write_geotiff(str(folder / "labels.tif"), labels[None], grid, ["label"], nodata=-1)
    small = GridSpec(500000.0, 7000000.0, 100.0, 40, 40, None)  # for a warm-up run: modules imported untraced
    write_geotiff(str(folder / "small.tif"), bands[:, :40, :40], small, [f"b{i}" for i in range(BANDS)])
    write_geotiff(str(folder / "small_labels.tif"), warm_labels()[None], small, ["label"], nodata=-1)
    return folder, grid, bands, labels


def warm_labels():
    labels = np.zeros((40, 40))
    labels[::3, ::3] = 1
    return labels


def peak_bytes(run):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_training_window_by_window_peaks_well_under_the_raster_size(raster, monkeypatch):
    folder, grid, bands, labels = raster
    monkeypatch.setattr(streaming, "NORMALISATION_CELLS", 50_000)  # the fixed-size sample, scaled to this raster
    raster_bytes = bands.nbytes
    settings = {**SMALL, "epochs": 1, "semi_supervised": False}
    selection = [(str(folder / "ev.tif"), b + 1) for b in range(BANDS)]

    def streamed():
        streaming.fit_windows(
            PatchCNN(**settings), selection, grid, [(str(folder / "labels.tif"), 1)], window=128, unlabelled_cells=0
        )

    def whole():
        PatchCNN(**settings).fit(bands, labels)

    # warm-up: the modules training imports (torch, scipy, rasterio) are Python objects tracemalloc would count
    small = GridSpec(500000.0, 7000000.0, 100.0, 40, 40, None)
    PatchCNN(**settings).fit(bands[:, :40, :40], warm_labels())
    streaming.fit_windows(
        PatchCNN(**settings), [(str(folder / "small.tif"), b + 1) for b in range(BANDS)], small,
        [(str(folder / "small_labels.tif"), 1)], window=16, unlabelled_cells=0,
    )  # fmt: skip
    budget = raster_bytes // 4
    streamed_peak = peak_bytes(streamed)
    whole_peak = peak_bytes(whole)
    assert whole_peak > raster_bytes  # the reference: a whole-stack fit holds at least one copy of the stack
    assert streamed_peak < budget, f"{streamed_peak / 2**20:.1f} MiB, budget {budget / 2**20:.1f} MiB"


def test_positive_unlabelled_training_with_pretraining_window_by_window_peaks_under_the_budget(raster, monkeypatch):
    """The modes that draw from every valid cell (PU's unlabelled sample, pre-training's pool) and point labels,
    window by window, under a third of the raster. Their memory follows the cells drawn (one patch each: 1,176
    bytes here), not the raster: the PU sample has at least 2,000 cells whatever the raster (2.7 MiB of patches on
    this 24 MiB one), and a pool of 8,192 cells would alone take 9 MiB."""
    from geochem_prospector.core.learning.streaming import PointLabels

    folder, grid, bands, labels = raster
    monkeypatch.setattr(streaming, "NORMALISATION_CELLS", 50_000)
    selection = [(str(folder / "ev.tif"), b + 1) for b in range(BANDS)]
    rows, cols = np.nonzero(np.isfinite(labels))
    points = PointLabels(rows, cols, labels[rows, cols].astype(np.float64))
    small = GridSpec(500000.0, 7000000.0, 100.0, 40, 40, None)
    warm_rows, warm_cols = np.nonzero(np.isfinite(warm_labels()))
    settings = {**SMALL, "epochs": 1, "semi_supervised": False, "training": "pu", "pretrain_epochs": 1}
    streaming.fit_windows(  # warm-up, untraced
        PatchCNN(**settings), [(str(folder / "small.tif"), b + 1) for b in range(BANDS)], small,
        PointLabels(warm_rows, warm_cols, warm_labels()[warm_rows, warm_cols]), window=16, unlabelled_cells=0,
        pretrain_cells=200,
    )  # fmt: skip

    def streamed():
        model = streaming.fit_windows(
            PatchCNN(**settings), selection, grid, points, window=128, unlabelled_cells=0, pretrain_cells=1024
        )
        reading.update(model.metadata_["reading"])

    reading = {}
    peak = peak_bytes(streamed)
    # the bank: ~400 labelled points, the PU sample (2,000 at least), 1,024 pool cells; 7 x 7 x 6 floats each
    assert reading["pretraining_pool_cells"] == 1024 and reading["patch_cells"] < 4000
    assert peak < bands.nbytes // 3, f"{peak / 2**20:.1f} MiB, budget {bands.nbytes / 3 / 2**20:.1f} MiB"


def test_the_gap_around_validation_cells_is_found_without_a_grid():
    """The split's gap (training cells within `gap` cells of a validation cell are dropped) from a k-d tree over the
    labelled cells equals the square dilation of a whole-grid mask and a brute-force Chebyshev distance."""
    from geochem_prospector.core.learning.splits import _dilate_square, _near

    rng = np.random.default_rng(2)
    rows, cols = rng.integers(0, 60, 500), rng.integers(0, 70, 500)
    val = np.flatnonzero(rng.random(500) < 0.2)
    for gap in (0, 1, 4):
        grid = np.zeros((60, 70), bool)
        grid[rows[val], cols[val]] = True
        dilated = _dilate_square(grid, gap)[rows, cols] if gap else grid[rows, cols]
        brute = np.array(
            [np.any(np.maximum(abs(rows[val] - r), abs(cols[val] - c)) <= gap) for r, c in zip(rows, cols)]
        )
        assert np.array_equal(_near(rows, cols, val, gap), brute)
        assert np.array_equal(dilated, brute)
    assert not _near(rows, cols, val[:0], 3).any()


def test_unlabelled_bank_cells_as_the_memory_allows():
    from geochem_prospector.core.learning.streaming import unlabelled_bank_cells

    # 512 MiB of float32 patches: 4 bands of 9 x 9 cells take 1,296 bytes a cell; a coarse view of 3, 27 x 27 cells
    assert unlabelled_bank_cells(4, 9, 0) == 536_870_912 // 1_296 == 414_252
    assert unlabelled_bank_cells(4, 9, 3) == 536_870_912 // (4 * 27 * 27 * 4) == 46_028
    assert unlabelled_bank_cells(4, 9, 2) == 414_252  # a coarse view below 3 is none
    assert unlabelled_bank_cells(1, 3, 0) == 1_000_000  # 14.9 million would fit: a million at most
