"""An ensemble's networks trained side by side in threads on the CPU: the same networks as one after another,
callbacks from the calling thread only, a cancel or a failure stops every network."""

import threading

import pytest
import torch
import torch.nn.functional as F  # noqa: N812

from geochem_prospector.core.callbacks import Cancelled
from geochem_prospector.core.errors import InputError
from geochem_prospector.core.learning import ensemble, training
from geochem_prospector.core.learning.ensemble import member_workers
from geochem_prospector.core.learning.estimator import PatchCNN
from geochem_prospector.core.learning.network import PatchNet
from geochem_prospector.core.learning.sparsity import SPARSITY_GRID
from tests.core.learning.test_cnn import SMALL, synthetic


@pytest.fixture
def one_thread():
    """torch on one thread in this test (and so in each network's thread), set back afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_how_many_networks_train_at_once_and_with_how_many_threads():
    assert member_workers(1, "cpu", threads=16) == (1, 16)  # one network: all the threads
    assert member_workers(5, "cpu", threads=1) == (1, 1)  # one thread: one after another
    assert member_workers(5, "cuda:0", threads=16) == (1, 16)  # a GPU: one after another
    assert member_workers(3, "cpu", threads=2) == (3, 1)  # more networks than threads: one each, by turns
    assert member_workers(5, "cpu", threads=16) == (5, 3)
    assert member_workers(100, "cpu", threads=64) == (ensemble.MAX_MEMBER_WORKERS, 4)


def test_dropout_from_a_private_generator_draws_the_masks_of_torchs_global_one():
    torch.manual_seed(0)
    net = PatchNet(3, 2, 5, width=8, hidden=16)
    net.dropout_p = 0.3
    net.train()
    h = torch.rand(64, 16, 3, 3)
    torch.manual_seed(11)
    expected = [F.dropout(h, 0.3, training=True) for _ in range(3)]
    torch.manual_seed(11)
    net.dropout_generator = torch.Generator().manual_seed(11)
    state = torch.get_rng_state()
    for want in expected:
        assert torch.equal(net.out(want), net.head(h))
    assert torch.equal(torch.get_rng_state(), state)  # the global generator was not drawn from


def _fit(monkeypatch, workers: int, **settings):
    """A fit with ``workers`` networks at once; returns the model, the threads each network trained in, and the
    threads the log and progress callbacks were called from."""
    trained_in, called_from, progress, lines = [], set(), [], []
    real_fit = training.fit_member

    def fit_member(*args, **kwargs):
        trained_in.append(threading.current_thread().name)
        return real_fit(*args, **kwargs)

    def log(message):
        called_from.add(threading.current_thread().name)
        lines.append(message)

    def report(fraction):
        called_from.add(threading.current_thread().name)
        progress.append(fraction)

    monkeypatch.setattr(ensemble, "fit_member", fit_member)  # side by side
    monkeypatch.setattr(training, "fit_member", fit_member)  # one after another, through train_network
    monkeypatch.setattr(ensemble, "member_workers", lambda n, device: (workers, 1))
    bands, labels = synthetic()
    model = PatchCNN(**{**SMALL, "epochs": 3, **settings}).fit(bands, labels, progress=report, log=log)
    return model, trained_in, called_from, progress, lines


@pytest.mark.parametrize(
    "settings",
    [
        {"ensemble": 3},
        {"ensemble": 3, "semi_supervised": True},  # mean teacher
        {"ensemble": 2, "pretrain_epochs": 1},  # masked-band pre-training: its decoder is drawn up front
        {"ensemble": 2, "training": "pu"},
        {"ensemble": 3, "patch_size": 1},
        {"ensemble": 2, "band_sparsity": -1},  # its strength chosen among networks trained side by side too
    ],
    ids=["plain", "mean-teacher", "pretrain", "pu", "per-cell", "band-sparsity-choice"],
)
def test_side_by_side_networks_equal_those_trained_one_after_another(monkeypatch, one_thread, settings):
    parallel, threads, _, _, _ = _fit(monkeypatch, settings["ensemble"], **settings)
    candidates = len(SPARSITY_GRID) if settings.get("band_sparsity") == -1 else 0
    assert all(name.startswith("prospector-network") for name in threads)
    assert len(threads) == settings["ensemble"] + candidates
    serial, threads, _, _, _ = _fit(monkeypatch, 1, **settings)
    assert threads == [threading.current_thread().name] * (settings["ensemble"] + candidates)
    for a, b in zip(parallel.nets_, serial.nets_):
        state = b.state_dict()
        assert all(torch.equal(v, state[k]) for k, v in a.state_dict().items())
    assert parallel.metadata_["metrics"]["ensemble"] == serial.metadata_["metrics"]["ensemble"]
    if candidates:  # every strength's network scored alike, so the same strength chosen
        choice = parallel.metadata_["metrics"]["band_sparsity_choice"]
        assert choice == serial.metadata_["metrics"]["band_sparsity_choice"] and len(choice) == candidates
    # and the networks differ from one another (each its own seed)
    first, second = parallel.nets_[0].state_dict(), parallel.nets_[1].state_dict()
    assert not all(torch.equal(first[k], second[k]) for k in first)


def test_callbacks_come_from_the_calling_thread_in_order(monkeypatch, one_thread):
    model, _, called_from, progress, lines = _fit(monkeypatch, 3, ensemble=3)
    assert called_from == {threading.current_thread().name}
    assert progress == sorted(progress) and progress[-1] == pytest.approx(1.0)
    for member in (1, 2, 3):  # every epoch of every network is logged, with its network named
        assert sum(line.startswith(f"member {member}/3: epoch ") for line in lines) == 3


def test_a_cancel_stops_every_network(monkeypatch, one_thread):
    asked = []

    def is_cancelled():
        asked.append(threading.current_thread().name)
        return len(asked) > 20  # some batches in

    monkeypatch.setattr(ensemble, "member_workers", lambda n, device: (n, 1))
    bands, labels = synthetic()
    with pytest.raises(Cancelled):
        PatchCNN(**{**SMALL, "epochs": 50, "ensemble": 3}).fit(bands, labels, is_cancelled=is_cancelled)
    assert not [t for t in threading.enumerate() if t.name.startswith("prospector-network")]
    assert len(asked) < 200  # each network stopped within a batch or so, not after its 50 epochs


def test_a_failing_network_stops_the_others_and_its_error_is_raised(monkeypatch, one_thread):
    real_fit = training.fit_member
    started, epochs = [], []

    def fit_member(config, data, start, *args, **kwargs):
        started.append(1)
        if len(started) == 2:
            raise InputError(
                "training diverged (the validation loss is not a number); lower LEARNING_RATE.", "LEARNING_RATE"
            )
        return real_fit(config, data, start, *args, **kwargs)

    monkeypatch.setattr(ensemble, "fit_member", fit_member)
    monkeypatch.setattr(ensemble, "member_workers", lambda n, device: (n, 1))
    bands, labels = synthetic()
    with pytest.raises(InputError, match="LEARNING_RATE"):
        PatchCNN(**{**SMALL, "epochs": 200, "patience": 200, "ensemble": 3}).fit(
            bands, labels, log=lambda line: epochs.append(line) if ": epoch " in line else None
        )
    assert not [t for t in threading.enumerate() if t.name.startswith("prospector-network")]
    assert len(epochs) < 20  # the other two stopped, not after their 200 epochs


def test_the_calling_threads_torch_thread_count_is_kept(monkeypatch):
    before = torch.get_num_threads()
    monkeypatch.setattr(ensemble, "member_workers", lambda n, device: (n, 1))
    bands, labels = synthetic()
    PatchCNN(**{**SMALL, "epochs": 1, "ensemble": 2}).fit(bands, labels)
    assert torch.get_num_threads() == before


def test_an_error_in_the_calling_threads_callback_stops_every_network(monkeypatch, one_thread):
    # a progress or log callback that raises, or Ctrl-C, in the calling thread: the networks stop with it rather
    # than train to their last epoch while the error waits
    asked = []

    def progress(fraction):
        raise KeyboardInterrupt

    monkeypatch.setattr(ensemble, "member_workers", lambda n, device: (n, 1))
    bands, labels = synthetic()
    with pytest.raises(KeyboardInterrupt):
        PatchCNN(**{**SMALL, "epochs": 100, "patience": 100, "ensemble": 3}).fit(
            bands, labels, progress=progress, is_cancelled=lambda: asked.append(1)
        )
    assert not [t for t in threading.enumerate() if t.name.startswith("prospector-network")]
    assert len(asked) < 200  # a batch or an epoch each, not 100 epochs of about 7 batches
