"""Class-balanced sampling per epoch (BARREN_RATIO): what an epoch visits, that every barren cell is visited across
epochs, the importance weights, and that early stopping and cancel still end capped runs; checked against counts
and sets computed by hand / brute force, and against numpy's own permutation for the uncapped path."""

import math

import numpy as np
import pytest
from scipy import ndimage

pytest.importorskip("torch", reason="PyTorch is not installed")

from geochem_prospector.core.errors import Cancelled, InputError  # noqa: E402
from geochem_prospector.core.learning.estimator import PatchCNN  # noqa: E402
from geochem_prospector.core.learning.training import MIN_BARREN_PER_EPOCH, EpochSampler, TrainingData  # noqa: E402
from tests.core.learning.test_cnn import SMALL  # noqa: E402


def cells(n_pos, n_barren, n_classes=2, positive=1, seed=0):
    """A TrainingData holding only what the sampler reads: labels of the training cells (shuffled)."""
    rng = np.random.default_rng(seed)
    other = [c for c in range(n_classes) if c != positive]
    y = np.concatenate([np.full(n_pos, positive), rng.choice(other, n_barren)])
    y = y[rng.permutation(y.size)]
    train = np.arange(y.size)
    empty = np.empty(0, np.int64)
    return TrainingData(
        np.empty((1, 1, 1), np.float32), empty, empty, y, np.ones(y.size), train, empty, empty, empty, False,
        np.ones(n_classes), 1, n_classes, positive=positive,
    )  # fmt: skip


def test_an_epoch_visits_every_positive_and_a_capped_fresh_draw_of_barren_cells():
    data = cells(300, 20_000)
    sampler = EpochSampler(data, 2.0)
    cap = max(600, MIN_BARREN_PER_EPOCH)  # by hand: 2 per positive, at least the floor
    assert sampler.capped and sampler.cap == cap and sampler.per_epoch == 300 + cap
    positives = set(np.flatnonzero(data.y == 1).tolist())
    rng = np.random.default_rng(1)
    seen = []
    epochs = math.ceil(20_000 / cap)
    for _ in range(epochs):
        order, factor = sampler.epoch(rng)
        assert len(set(order.tolist())) == order.size == 300 + cap  # none twice in one epoch
        assert positives <= set(order.tolist())
        barren = [i for i in order.tolist() if i not in positives]
        seen.append(set(barren))
        assert factor[1] == 1.0 and factor[0] == pytest.approx(20_000 / cap)
    # every barren cell is visited within ceil(n / cap) epochs (brute-force union)
    assert set().union(*seen) == set(np.flatnonzero(data.y == 0).tolist())
    # and the next epoch starts a new cycle, still without repeats
    order, _ = sampler.epoch(rng)
    assert len(set(order.tolist())) == order.size


def test_the_importance_weights_are_per_barren_class():
    data = cells(100, 9_000, n_classes=3, positive=1)
    sampler = EpochSampler(data, 1.0)
    order, factor = sampler.epoch(np.random.default_rng(0))
    drawn = np.bincount(data.y[order], minlength=3)
    total = np.bincount(data.y, minlength=3)
    assert factor[1] == 1.0
    for c in (0, 2):  # n / drawn of each barren class, so the epoch's weight per class is the full data's
        assert factor[c] == pytest.approx(total[c] / drawn[c])
        assert factor[c] * drawn[c] == pytest.approx(total[c])


@pytest.mark.parametrize("ratio, n_barren", [(0.0, 20_000), (1.0, MIN_BARREN_PER_EPOCH - 100)])
def test_without_a_binding_cap_an_epoch_is_a_permutation_of_every_training_cell(ratio, n_barren):
    data = cells(50, n_barren)
    sampler = EpochSampler(data, ratio)
    order, factor = sampler.epoch(np.random.default_rng(7))
    assert not sampler.capped and np.all(factor == 1.0)
    assert np.array_equal(order, np.random.default_rng(7).permutation(data.train))  # exactly the old epoch


@pytest.fixture
def small_floor(monkeypatch):
    """A floor of 128 barren cells per epoch, so that tiny rasters (CPU time in tests) have a cap that binds."""
    from geochem_prospector.core.learning import training

    monkeypatch.setattr(training, "MIN_BARREN_PER_EPOCH", 128)


def many_barren(seed=0, size=36):
    """A raster whose every cell is labelled: about 1 in 12 positive (a smooth signal), the rest barren."""
    rng = np.random.default_rng(seed)
    bands = rng.normal(size=(2, size, size)).astype(np.float32)
    bands[0] = ndimage.gaussian_filter(bands[0], 2) * 6
    labels = (bands[0] > np.quantile(bands[0], 0.92)).astype(float)
    return bands, labels


def test_capped_training_visits_what_the_sampler_says_per_epoch(small_floor):
    bands, labels = many_barren()
    settings = {**SMALL, "epochs": 2, "early_stopping": False, "semi_supervised": False}
    log = []
    model = PatchCNN(**settings, barren_ratio=1.0).fit(bands, labels, log=log.append)
    history = model.metadata_["history"]
    n_train = history[0]["iteration"]  # batches of the first epoch
    line = next(m for m in log if m.startswith("class-balanced sampling"))
    n_pos, cap = _numbers(line)[:2]
    assert n_train == math.ceil((n_pos + cap) / SMALL["batch_size"])
    assert history[1]["iteration"] == 2 * n_train
    uncapped = PatchCNN(**settings, barren_ratio=0.0).fit(bands, labels)
    n_all = n_pos + _numbers(line)[2]  # every training cell, positive and barren
    assert uncapped.metadata_["history"][0]["iteration"] == math.ceil(n_all / SMALL["batch_size"])
    assert model.metadata_["settings"]["barren_ratio"] == 1.0


def _numbers(text):
    return [int(w) for w in text.replace(",", " ").split() if w.isdigit()]


def test_early_stopping_ends_a_capped_run_that_stopped_improving(small_floor):
    rng = np.random.default_rng(3)
    bands, _ = many_barren()
    labels = (rng.random(bands.shape[1:]) < 0.08).astype(float)  # labels unrelated to the bands: nothing to learn
    settings = {**SMALL, "epochs": 60, "patience": 4, "semi_supervised": False, "barren_ratio": 1.0}
    log = []
    model = PatchCNN(**settings).fit(bands, labels, log=log.append)
    assert any(m.startswith("class-balanced sampling") for m in log)
    history = model.metadata_["history"]
    losses = [h["val_loss"] for h in history]
    # brute force: the epoch of the lowest loss (first one within 1e-6 improvements) and the stop patience later
    best, best_epoch = math.inf, 0
    for epoch, loss in enumerate(losses, 1):
        if loss < best - 1e-6:
            best, best_epoch = loss, epoch
    assert len(history) < 60
    assert len(history) == best_epoch + 4
    assert model.metadata_["metrics"]["best_epoch"] == best_epoch


def test_cancel_stops_a_capped_run_within_one_batch(small_floor):
    bands, labels = many_barren()
    assert int((labels == 0).sum() * 0.6) > 128  # the cap binds on the training cells
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) >= 5

    with pytest.raises(Cancelled):
        PatchCNN(**SMALL, barren_ratio=1.0).fit(bands, labels, is_cancelled=cancelled)
    assert len(calls) == 5


@pytest.mark.parametrize("ratio", [-1.0, 0.05, 1001.0, float("nan")])
def test_a_bad_barren_ratio_names_the_parameter(ratio):
    bands, labels = many_barren()
    with pytest.raises(InputError, match="^BARREN_RATIO:"):
        PatchCNN(**SMALL, barren_ratio=ratio).fit(bands, labels)
