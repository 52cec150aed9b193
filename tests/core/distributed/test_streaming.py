"""Training that reads its patches window by window (core.learning.streaming) against the in-memory path: the same
patches bit for bit, the same trained networks on a raster the in-memory path holds whole, and the same again with
the windows read on a local Dask cluster of 2 workers."""

import numpy as np
import pytest

pytest.importorskip("torch", reason="PyTorch is not installed")

from geochem_prospector.core.errors import InputError  # noqa: E402
from geochem_prospector.core.grid import GridSpec  # noqa: E402
from geochem_prospector.core.io.rasters import write_geotiff  # noqa: E402
from geochem_prospector.core.learning.estimator import PatchCNN  # noqa: E402
from geochem_prospector.core.learning.patches import extract_patches, normalise, pad_halo  # noqa: E402
from geochem_prospector.core.learning.streaming import _read_bank, fit_windows  # noqa: E402
from tests.core.learning.test_cnn import SMALL, synthetic  # noqa: E402
from tests.helpers import assert_same_networks  # noqa: E402


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    bands, labels = synthetic()
    rng = np.random.default_rng(5)
    weights = rng.uniform(0.2, 1.0, labels.shape)
    grid = GridSpec(500000.0, 7000000.0, 25.0, bands.shape[2], bands.shape[1], None)
    folder = tmp_path_factory.mktemp("stream")
    write_geotiff(str(folder / "ev.tif"), bands, grid, ["a", "b", "c"])
    write_geotiff(str(folder / "labels.tif"), labels[None], grid, ["label"], nodata=-1)
    write_geotiff(str(folder / "conf.tif"), weights[None], grid, ["confidence"])
    selection = [(str(folder / "ev.tif"), b) for b in (1, 2, 3)]
    return bands, labels, weights, grid, selection, [(str(folder / "labels.tif"), 1)], [(str(folder / "conf.tif"), 1)]


def test_patches_read_window_by_window_are_the_in_memory_patches(files):
    bands, _, _, grid, selection, _, _ = files
    median = np.array([100.0, 0.1, -0.2], np.float32)
    scale = np.array([2.0, 1.1, 0.9], np.float32)
    rng = np.random.default_rng(0)
    rows, cols = rng.integers(0, grid.height, 300), rng.integers(0, grid.width, 300)
    rows[:4], cols[:4] = [0, 0, grid.height - 1, 5], [0, grid.width - 1, grid.width - 1, 3]  # corners, nodata corner
    from geochem_prospector.core.learning.estimator import tile_windows

    bank, _ = _read_bank(selection, grid, tile_windows(grid.height, grid.width, 16), 16, median, scale, 7, rows, cols,
                      None, None, None)  # fmt: skip
    expected = extract_patches(pad_halo(normalise(bands, median, scale), 3), rows, cols, 7)
    assert extract_patches(bank, rows, cols, 7).tobytes() == expected.tobytes()
    with pytest.raises(KeyError):
        bank.patches(np.array([0]), np.array([1 if (0, 1) not in set(zip(rows, cols)) else 2]), 7)


def assert_same_model(a, b):
    """The shared :func:`assert_same_networks`, and the validation losses the two fits recorded are equal too."""
    assert_same_networks(a, b)
    assert a.metadata_["metrics"]["validation_loss"] == b.metadata_["metrics"]["validation_loss"]


@pytest.mark.parametrize(
    "semi, coarse",
    [
        (False, {}),
        (True, {}),
        (False, {"patch_size": 5, "coarse": 3, "block_size": 12}),  # coarse: 15-cell view
        (True, {"input_transform": "quantile"}),  # the quantiles fitted on the scans' sample, applied per window
        (True, {"input_transform": "piecewise"}),  # the bin edges from the scans' sample, in the network
    ],
)
def test_window_by_window_training_is_the_in_memory_training(files, semi, coarse):
    bands, labels, weights, grid, selection, label_sel, weight_sel = files
    settings = {**SMALL, "ensemble": 2, "semi_supervised": semi, **coarse}
    in_memory = PatchCNN(**settings).fit(bands, labels, band_names=["a", "b", "c"], sample_weight=weights)
    fractions = []
    streamed = fit_windows(
        PatchCNN(**settings), selection, grid, label_sel, weight_sel, ["a", "b", "c"], window=16,
        unlabelled_cells=grid.width * grid.height, progress=fractions.append,
    )  # fmt: skip
    assert_same_model(in_memory, streamed)
    # the training range predict checks against: every cell's, the small raster being sampled whole
    assert streamed.metadata_["band_range"] == in_memory.metadata_["band_range"]
    assert in_memory.metadata_["band_range"] == [[float(np.nanmin(b)), float(np.nanmax(b))] for b in bands]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    prob = streamed.predict_proba(bands)
    assert prob.tobytes() == in_memory.predict_proba(bands).tobytes()


def test_window_by_window_training_on_two_workers(files):
    pytest.importorskip("distributed", reason="Dask's distributed scheduler (python3-distributed) is not installed")
    from geochem_prospector.core.distributed.runner import TaskRunner

    _, _, _, grid, selection, label_sel, _ = files
    settings = {**SMALL, "ensemble": 1}
    kwargs = dict(band_names=["a", "b", "c"], window=16, unlabelled_cells=500)  # a subset of the unlabelled cells
    here = fit_windows(PatchCNN(**settings), selection, grid, label_sel, **kwargs)
    with TaskRunner("local:2") as runner:
        there = fit_windows(PatchCNN(**settings), selection, grid, label_sel, runner=runner, **kwargs)
    assert_same_model(here, there)
    assert here.metadata_["data_hashes"] == there.metadata_["data_hashes"]


def test_positive_unlabelled_training_window_by_window_is_the_in_memory_training(files, monkeypatch):
    """The unlabelled sample is drawn as the in-memory path draws it (ranks among the row-major candidates, the
    same generator), located from per-row counts and resolved by the windows: here a real subset (about 3 per
    positive) over 30 windows of 8 cells, positives weighted by the confidence."""
    from geochem_prospector.core.learning import pu

    monkeypatch.setattr(pu, "MIN_UNLABELLED", 50)
    monkeypatch.setattr(pu, "UNLABELLED_PER_POSITIVE", 3)
    bands, labels, weights, grid, selection, label_sel, weight_sel = files
    settings = {**SMALL, "training": "pu", "ensemble": 2}
    weights = weights.astype(np.float32)  # as the confidence raster holds them (the PU risk sums them in float64)
    in_memory = PatchCNN(**settings).fit(bands, labels, band_names=["a", "b", "c"], sample_weight=weights)
    n_pos = int(np.sum((labels == 1) & np.isfinite(bands).all(axis=0)))
    candidates = int(np.isfinite(bands).all(axis=0).sum()) - n_pos
    assert 3 * n_pos < candidates  # a sample, not every candidate
    streamed = fit_windows(
        PatchCNN(**settings), selection, grid, label_sel, weight_sel, ["a", "b", "c"], window=8,
        unlabelled_cells=grid.width * grid.height,
    )  # fmt: skip
    assert_same_model(in_memory, streamed)
    assert streamed.metadata_["settings"]["class_prior"] == in_memory.metadata_["settings"]["class_prior"]
    assert streamed.metadata_["reading"]["windows_read_for_unlabelled_sample"] == 30


def test_pretraining_window_by_window_is_the_in_memory_pretraining(files):
    """A pool at least as large as the raster holds every valid cell, in the in-memory path's order."""
    bands, labels, _, grid, selection, label_sel, _ = files
    settings = {**SMALL, "pretrain_epochs": 2, "semi_supervised": False}
    in_memory = PatchCNN(**settings).fit(bands, labels, band_names=["a", "b", "c"])
    streamed = fit_windows(PatchCNN(**settings), selection, grid, label_sel, None, ["a", "b", "c"], window=16,
                           pretrain_cells=grid.width * grid.height)  # fmt: skip
    assert_same_model(in_memory, streamed)
    assert streamed.metadata_["reading"]["pretraining_pool_cells"] == int(np.isfinite(bands).all(axis=0).sum())


def test_the_pretraining_pool_is_a_seeded_sample_of_valid_cells(files):
    """Against a brute-force scan: every pool cell has all bands, none twice, each window gives its share (or
    all its valid cells); the same seed gives the same pool, another seed another."""
    from geochem_prospector.core.learning.estimator import tile_windows
    from geochem_prospector.core.learning.streaming import scan_window

    bands, _, _, grid, selection, label_sel, _ = files
    valid = np.isfinite(bands).all(axis=0)

    def pool(seed):
        cells = []
        for i, (r0, r1, c0, c1) in enumerate(tile_windows(grid.height, grid.width, 16)):
            scan = scan_window(selection, label_sel, None, grid, i, r0, r1, c0, c1, seed, 10, 0, 40)
            assert scan.pool_rows.size == min(40, int(valid[r0:r1, c0:c1].sum()))
            assert (
                (scan.pool_rows >= r0) & (scan.pool_rows < r1) & (scan.pool_cols >= c0) & (scan.pool_cols < c1)
            ).all()
            cells += list(zip(scan.pool_rows.tolist(), scan.pool_cols.tolist()))
        return cells

    first = pool(3)
    assert len(set(first)) == len(first) and all(valid[r, c] for r, c in first)
    assert pool(3) == first and pool(4) != first


def test_point_labels_window_by_window_are_the_rasterised_points(files):
    """Labelled points (several on one cell: the higher class wins) give the networks of the in-memory fit on the
    label raster built point by point."""
    from geochem_prospector.core.learning.streaming import PointLabels

    bands, _, _, grid, selection, _, _ = files
    rng = np.random.default_rng(11)
    rows, cols = rng.integers(0, grid.height, 400), rng.integers(0, grid.width, 400)
    values = (bands[0, rows, cols] > 100.6).astype(float)
    rows[-5:], cols[-5:], values[-5:] = rows[0], cols[0], [1, 0, 1, 0, 0]  # one cell, classes 0 and 1
    labels = np.full((grid.height, grid.width), np.nan)
    for r, c, v in zip(rows, cols, values):  # brute force: the highest class of a cell's points
        labels[r, c] = v if np.isnan(labels[r, c]) else max(labels[r, c], v)
    assert labels[rows[0], cols[0]] == 1
    in_memory = PatchCNN(**SMALL).fit(bands, labels, band_names=["a", "b", "c"])
    streamed = fit_windows(PatchCNN(**SMALL), selection, grid, PointLabels(rows, cols, values), None, ["a", "b", "c"],
                           window=16, unlabelled_cells=grid.width * grid.height)  # fmt: skip
    assert_same_model(in_memory, streamed)


def test_patches_cut_on_two_workers_with_one_killed_train_the_in_memory_networks(files):
    """traincnn with a SCHEDULER: the windows are read and the patches cut on the workers, the training runs here.
    A worker killed while the patches are cut: Dask recomputes its windows, and the networks are still those of the
    whole stack trained in this process (every unlabelled cell kept, so the sampling is the same)."""
    pytest.importorskip("distributed", reason="Dask's distributed scheduler (python3-distributed) is not installed")
    from tests.helpers import run_killing_a_worker

    bands, labels, weights, grid, selection, label_sel, weight_sel = files
    settings = {**SMALL, "ensemble": 2}
    in_memory = PatchCNN(**settings).fit(bands, labels, band_names=["a", "b", "c"], sample_weight=weights)
    logged = []
    there = run_killing_a_worker(
        lambda runner, kill_one: fit_windows(
            PatchCNN(**settings), selection, grid, label_sel, weight_sel, ["a", "b", "c"], runner=runner, window=8,
            unlabelled_cells=grid.width * grid.height, progress=kill_one, log=logged.append,
        ),
        after=0.06,  # 0.05-0.1: cutting the patches, 30 windows
    )  # fmt: skip
    assert_same_model(in_memory, there)
    reading = there.metadata_["reading"]
    assert reading["scheduler"] == "a local Dask cluster of 2 worker process(es)"
    assert reading["windows_scanned"] == 30 and reading["windows_read_for_patches"] == 30  # 5 x 6 windows of 8
    assert any("on a local Dask cluster of 2 worker process(es): 30 windows of 8 cells scanned" in m for m in logged)


def test_cancel_while_the_workers_cut_patches_stops_before_training(files):
    pytest.importorskip("distributed", reason="Dask's distributed scheduler (python3-distributed) is not installed")
    from geochem_prospector.core.distributed.runner import TaskRunner
    from geochem_prospector.core.errors import Cancelled

    _, _, _, grid, selection, label_sel, _ = files
    seen = []
    model = PatchCNN(**SMALL)
    with TaskRunner("local:2") as runner:
        with pytest.raises(Cancelled):
            fit_windows(model, selection, grid, label_sel, runner=runner, window=8, progress=seen.append,
                        is_cancelled=lambda: bool(seen) and seen[-1] > 0.06)  # fmt: skip
    assert 0.06 < seen[-1] <= 0.1 and not hasattr(model, "nets_")  # stopped while cutting, nothing trained


def test_band_sparsity_window_by_window_is_the_in_memory_training_and_a_teacher_is_refused(files):
    """BAND_SPARSITY acts in the shared training loop: the same networks read window by window. A teacher scores
    the whole stack in memory, so window-by-window training refuses it, naming TEACHER and what to do."""
    bands, labels, _, grid, selection, label_sel, _ = files
    settings = {**SMALL, "band_sparsity": 2.0, "semi_supervised": False}
    in_memory = PatchCNN(**settings).fit(bands, labels, band_names=["a", "b", "c"])
    streamed = fit_windows(PatchCNN(**settings), selection, grid, label_sel, None, ["a", "b", "c"], window=16)
    assert_same_model(in_memory, streamed)
    with pytest.raises(InputError, match="^TEACHER: .*leave SCHEDULER empty, use a smaller area, or TEACHER none"):
        fit_windows(PatchCNN(**SMALL, teacher="gradient_boosting"), selection, grid, label_sel, window=16)


def test_a_stack_written_again_between_the_passes_is_refused(tmp_path):
    """Training window by window reads the evidence twice (labelled cells and normalisation, then patches): a
    stack written again in between (another run writing the same output) would give patches of one file normalised
    by the statistics of the other. Replaced when the first pass reports its end (5 %), the run is refused naming
    the parameter; with the file left alone the same run trains."""
    rng = np.random.default_rng(3)
    bands = rng.normal(size=(2, 48, 48)).astype(np.float32)
    labels = np.full((48, 48), np.nan, np.float32)
    labels[::4, ::4] = (bands[0, ::4, ::4] > 0).astype(np.float32)
    grid = GridSpec(500000.0, 7000000.0, 100.0, 48, 48, None)
    stack, label_path = str(tmp_path / "stack.tif"), str(tmp_path / "labels.tif")
    write_geotiff(stack, bands, grid, ["a", "b"])
    write_geotiff(label_path, labels[None], grid, ["label"], nodata=-1)
    settings = {**SMALL, "epochs": 1, "semi_supervised": False}
    selection = [(stack, 1), (stack, 2)]

    def fit(progress=None):
        return fit_windows(
            PatchCNN(**settings), selection, grid, [(label_path, 1)], window=16, unlabelled_cells=0,
            progress=progress,
        )  # fmt: skip

    assert fit() is not None
    done = []

    def rewrite_after_the_first_pass(fraction):
        if fraction >= 0.05 and not done:
            done.append(fraction)
            write_geotiff(stack, bands * 3, grid, ["a", "b"])

    with pytest.raises(InputError, match=r"^INPUT_RASTERS: '.*stack\.tif' was replaced or written again"):
        fit(rewrite_after_the_first_pass)
    assert done


@pytest.mark.parametrize("kind", ["all nodata", "no value at any label"])
def test_a_confidence_raster_without_a_value_at_the_labels_is_refused_window_by_window(files, tmp_path, kind):
    """Sweep 20a: streamed training judged each window's confidence alone (a window may lack values) and trained
    on a confidence raster of nodata only, or one with values off the labels only, every label weighed 1. Over 8-cell
    windows, where many windows hold values and some hold none, it is now refused as the whole raster is: the
    message of the in-memory fit (labels off the values) and of traincnn's check of the whole raster (all nodata)."""
    from geochem_prospector.core.labels.confidence import check_confidence

    bands, labels, _, grid, selection, label_sel, _ = files
    conf = np.full(labels.shape, np.nan) if kind == "all nodata" else np.where(labels >= 0, np.nan, 0.5)
    write_geotiff(str(tmp_path / "conf_bad.tif"), conf[None], grid, ["confidence"])
    with pytest.raises(InputError) as expected:
        if kind == "all nodata":
            check_confidence(conf, "conf_bad")
        PatchCNN(**SMALL).fit(bands, labels, band_names=["a", "b", "c"], sample_weight=conf)
    with pytest.raises(InputError) as streamed:
        fit_windows(
            PatchCNN(**SMALL), selection, grid, label_sel, [(str(tmp_path / "conf_bad.tif"), 1)], ["a", "b", "c"],
            window=8,
        )  # fmt: skip
    assert streamed.value.parameter == expected.value.parameter == "CONFIDENCE"
    assert str(streamed.value) == str(expected.value)
