"""Both ``predict_tiled``s read the next tile on one background thread (core.io.windows.prefetched_tiles).

References: the patch classifier one patch per cell (``PatchCNN.predict_proba_cells``, an independent path), MC-dropout
of each tile's window through ``predict_window_scores`` with the tile's seed, called here without any thread, and the
classic learner's arrays on the cells' features (``predict_features``); instruments around the reader record which
threads entered it and whether two were inside at once; ``threading.enumerate()`` after every way out.
"""

import threading
import time
import weakref

import numpy as np
import pytest

pytest.importorskip("torch", reason="PyTorch is not installed")

from geochem_prospector.core.classic.features import cell_features  # noqa: E402
from geochem_prospector.core.classic.learner import ClassicLearner  # noqa: E402
from geochem_prospector.core.errors import Cancelled, InputError  # noqa: E402
from geochem_prospector.core.io.windows import READER_THREAD, StackWindowReader  # noqa: E402
from geochem_prospector.core.learning.estimator import PatchCNN, tile_windows  # noqa: E402
from geochem_prospector.core.learning.inference import predict_window_scores  # noqa: E402
from geochem_prospector.core.learning.patches import window_reader  # noqa: E402
from tests.core.learning.test_cnn import SMALL, synthetic  # noqa: E402


@pytest.fixture(scope="module")
def trained():
    bands, labels = synthetic()
    return PatchCNN(**SMALL).fit(bands, labels, band_names=["a", "b", "c"]), bands


def reader_threads():
    return [t for t in threading.enumerate() if t.name.startswith(READER_THREAD)]


class WatchedReader:
    """Wraps a ``read_window``: records the threads that enter it, the most inside at once, and raises an
    InputError on call ``fail_at``."""

    def __init__(self, read, fail_at=None):
        self.read, self.fail_at = read, fail_at
        self.lock = threading.Lock()
        self.inside = self.most_inside = self.calls = 0
        self.threads = set()

    def __call__(self, r0, r1, c0, c1):
        with self.lock:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
            self.threads.add(threading.current_thread().name)
            call = self.calls
            self.calls += 1
        try:
            time.sleep(0.002)  # long enough for an overlap to show
            if call == self.fail_at:
                raise InputError("cannot read raster 'stack.tif' (truncated); make it again.", "INPUT_RASTERS")
            return self.read(r0, r1, c0, c1)
        finally:
            with self.lock:
                self.inside -= 1


def collect(height, width):
    prob = np.full((height, width), -1.0, np.float32)
    std = np.full((height, width), -1.0, np.float32)
    written = []

    def write(r0, c0, p, s):
        written.append((r0, c0))
        prob[r0 : r0 + p.shape[0], c0 : c0 + p.shape[1]] = p
        if s is not None:
            std[r0 : r0 + p.shape[0], c0 : c0 + p.shape[1]] = s

    return prob, std, written, write


def test_cnn_read_ahead_equals_the_per_patch_classifier_and_one_thread_reads(trained):
    model, bands = trained
    height, width = bands.shape[1:]
    reader = WatchedReader(window_reader(bands))
    prob, std, written, write = collect(height, width)
    times = model.predict_tiled(reader, height, width, write, tile=16, device="cpu", mc_samples=5)
    assert written == [(r0, c0) for r0, _, c0, _ in tile_windows(height, width, 16)]
    assert reader.calls == 9 and reader.most_inside == 1
    assert len(reader.threads) == 1 and next(iter(reader.threads)).startswith(READER_THREAD)
    assert times.tiles == 9 and reader_threads() == []
    rows, cols = np.nonzero(np.ones((height, width), bool))
    per_patch = model.predict_proba_cells(bands, rows, cols)[:, 1].reshape(height, width)
    assert np.array_equal(np.isnan(per_patch), np.isnan(prob))
    ok = np.isfinite(per_patch)
    np.testing.assert_allclose(prob[ok], per_patch[ok], rtol=0, atol=2e-6)
    # MC-dropout: tile i's own window and seed, computed here with no thread
    halo = model.config_.field // 2
    median, scale = model._norm()
    read = window_reader(bands)
    for i, (r0, r1, c0, c1) in enumerate(tile_windows(height, width, 16)):
        window = read(r0 - halo, r1 + halo, c0 - halo, c1 + halo)
        expected = predict_window_scores(
            model.nets_, window, median, scale, halo, model._positive_index(), "cpu", 5, model.config_.seed + i,
            model.calibration_,
        ).std  # fmt: skip
        np.testing.assert_array_equal(std[r0:r1, c0:c1], expected)


def test_cnn_frees_each_raw_window_once_normalised(trained, monkeypatch):
    """While the networks run on tile i, the only raw window alive is tile i + 1's, read ahead (none at the last
    tile): tile i's own was freed once normalised, so the loop holds as many copies of the bands as without
    reading ahead (the normalised tile and one raw window). Windows count themselves alive (weak references)."""
    from geochem_prospector.core.learning import estimator

    model, bands = trained
    height, width = bands.shape[1:]
    tiles = tile_windows(height, width, 16)
    base = window_reader(bands)
    alive, done = {}, []

    def read(r0, r1, c0, c1):
        window = base(r0, r1, c0, c1)
        k = len(done)  # one reader, one read at a time
        alive[k] = True
        weakref.finalize(window, alive.pop, k)
        done.append(k)
        return window

    seen = []
    original = estimator.predict_prepared_scores

    def watching(nets, x, bad, positive, device, mc, seed, calibration):
        i = seed - model.config_.seed
        deadline = time.monotonic() + 30
        while i + 1 < len(tiles) and len(done) < i + 2 and time.monotonic() < deadline:
            time.sleep(0.001)  # let the read ahead finish, so that its window is counted
        seen.append((i, sorted(alive)))
        return original(nets, x, bad, positive, device, mc, seed, calibration)

    monkeypatch.setattr(estimator, "predict_prepared_scores", watching)
    _, _, _, write = collect(height, width)
    model.predict_tiled(read, height, width, write, tile=16, device="cpu", mc_samples=0)
    assert seen == [(i, [i + 1] if i + 1 < len(tiles) else []) for i in range(len(tiles))]


def test_cnn_from_a_geotiff_through_the_stack_reader_equals_the_per_patch_classifier(trained, tmp_path):
    from geochem_prospector.core.grid import GridSpec
    from geochem_prospector.core.io.rasters import write_geotiff

    model, bands = trained
    height, width = bands.shape[1:]
    grid = GridSpec(500000.0, 7000000.0, 25.0, width, height, None)
    path = str(tmp_path / "stack.tif")
    write_geotiff(path, bands, grid, ["a", "b", "c"])
    reader = StackWindowReader([(path, 1), (path, 2), (path, 3)], grid)
    try:
        prob, _, _, write = collect(height, width)
        model.predict_tiled(reader, height, width, write, tile=16, device="cpu", mc_samples=0)
    finally:
        reader.close()
    rows, cols = np.nonzero(np.ones((height, width), bool))
    per_patch = model.predict_proba_cells(bands, rows, cols)[:, 1].reshape(height, width)
    ok = np.isfinite(per_patch)
    assert np.array_equal(np.isfinite(prob), ok)
    np.testing.assert_allclose(prob[ok], per_patch[ok], rtol=0, atol=2e-6)
    assert not (tmp_path / "stack.tif.aux.xml").exists()  # the read-ahead thread writes nothing beside the input


@pytest.mark.parametrize("k", [0, 3])
def test_cnn_read_error_at_tile_k_is_that_error_and_no_later_tile_is_written(trained, k):
    model, bands = trained
    height, width = bands.shape[1:]
    reader = WatchedReader(window_reader(bands), fail_at=k)
    _, _, written, write = collect(height, width)
    with pytest.raises(InputError, match=r"cannot read raster 'stack.tif' \(truncated\)") as caught:
        model.predict_tiled(reader, height, width, write, tile=16, device="cpu", mc_samples=0)
    assert caught.value.parameter == "INPUT_RASTERS"
    assert written == [(r0, c0) for r0, _, c0, _ in tile_windows(height, width, 16)][:k]
    assert reader.calls == k + 1 and reader_threads() == []
    assert all(p.device.type == "cpu" for net in model.nets_ for p in net.parameters())


def test_cnn_cancel_after_tile_k_stops_with_no_thread_left(trained):
    model, bands = trained
    height, width = bands.shape[1:]
    reader = WatchedReader(window_reader(bands))
    _, _, written, write = collect(height, width)
    with pytest.raises(Cancelled):
        model.predict_tiled(reader, height, width, write, tile=8, is_cancelled=lambda: len(written) >= 4)
    assert len(written) == 4 and reader.calls <= 5
    assert reader_threads() == []


def test_classic_read_ahead_equals_its_arrays_per_cell_and_read_errors_surface_at_their_tile():
    pytest.importorskip("sklearn")
    rng = np.random.default_rng(0)
    bands = rng.normal(size=(3, 30, 37)).astype(np.float32)
    bands[1, 4:7, 5:9] = np.nan
    labels = (bands[0] - bands[2] > 0.3).astype(np.float64)
    model = ClassicLearner("logistic", window=3).fit(bands, labels)
    from geochem_prospector.core.io.windows import array_window_reader

    reader = WatchedReader(array_window_reader(bands.astype(np.float64), np.float64))
    prob, _, written, write = collect(30, 37)
    times = model.predict_tiled(reader, 30, 37, write, tile=8)
    assert len(written) == 20 and times.tiles == 20 and reader.most_inside == 1
    assert len(reader.threads) == 1 and next(iter(reader.threads)).startswith(READER_THREAD)
    feats = cell_features(bands.astype(np.float64), 3, np.asarray(model.metadata_["shift"]))
    ok = np.isfinite(feats).all(axis=0)
    np.testing.assert_allclose(prob[ok], model.predict_features(feats[:, ok].T), rtol=0, atol=1e-6)
    assert np.isnan(prob[~ok]).all()

    failing = WatchedReader(array_window_reader(bands.astype(np.float64), np.float64), fail_at=5)
    _, _, written, write = collect(30, 37)
    with pytest.raises(InputError, match="truncated"):
        model.predict_tiled(failing, 30, 37, write, tile=8)
    assert len(written) == 5 and failing.calls == 6 and reader_threads() == []
