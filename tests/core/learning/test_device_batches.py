"""Training batches made on the device (one gather per batch) against patches cut and turned one by one."""

import numpy as np
import pytest
import torch

from geochem_prospector.core.learning import training
from geochem_prospector.core.learning.estimator import PatchCNN
from geochem_prospector.core.learning.patches import DevicePatches, dihedral, extract_patches, pad_halo
from geochem_prospector.core.learning.training import DeviceBatches, HostBatches, batches_for, roc_auc
from tests.core.learning.test_cnn import SMALL, synthetic


@pytest.mark.parametrize("size", [1, 5, 9])
def test_a_gathered_patch_is_the_cut_patch_turned_by_its_transform(size):
    rng = np.random.default_rng(size)
    bands = rng.normal(size=(4, 23, 31)).astype(np.float32)
    padded = pad_halo(bands, size // 2)
    rows, cols = rng.integers(0, 23, 200), rng.integers(0, 31, 200)
    ks = rng.integers(0, 8, 200)
    gathered = DevicePatches(padded, size, "cpu").gather(
        torch.as_tensor(rows), torch.as_tensor(cols), torch.as_tensor(ks)
    )
    # brute force: each patch by slicing the padded stack around its centre, then its own transform
    for i in range(200):
        cut = torch.as_tensor(padded[:, rows[i] : rows[i] + size, cols[i] : cols[i] + size])[None]
        assert torch.equal(gathered[i], dihedral(cut, int(ks[i]))[0]), (i, ks[i])
    assert gathered.is_contiguous()
    # and every transform of one patch is among its 8 rotations and reflections, each once
    one = torch.as_tensor(extract_patches(padded, rows[:1], cols[:1], size))
    turned = DevicePatches(padded, size, "cpu").gather(
        torch.as_tensor(rows[:1]).repeat(8), torch.as_tensor(cols[:1]).repeat(8), torch.arange(8)
    )
    for k in range(8):
        assert torch.equal(turned[k], dihedral(one, k)[0])


def _data(monkeypatch, semi_supervised: bool, teacher: str = "none"):
    """The settings and TrainingData the estimator trains on (captured from a one-epoch fit)."""
    captured = {}
    real_fit = training.fit_member

    def capture(config, data, *args, **kwargs):
        captured["config"], captured["data"] = config, data
        return real_fit(config, data, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(training, "fit_member", capture)
        bands, labels = synthetic()
        PatchCNN(**{**SMALL, "epochs": 1, "semi_supervised": semi_supervised, "teacher": teacher}).fit(bands, labels)
    return captured["config"], captured["data"]


def test_device_batches_visit_the_epochs_cells_in_order_with_their_labels_and_weights(monkeypatch):
    config, data = _data(monkeypatch, semi_supervised=True, teacher="gradient_boosting")
    order = np.random.default_rng(0).permutation(data.train)
    batches = DeviceBatches(data, config.field, "cpu")
    batches.start_epoch(order, np.random.default_rng(1), distil=True, unlabelled=True)
    ys, ws = [], []
    for start in range(0, order.size, 32):
        stop = min(start + 32, order.size)
        x, y, w = batches.labelled(start, stop, None)
        assert x.shape == (stop - start, data.n_bands, config.field, config.field)
        # each patch is one of the 8 orientations of its cell's patch
        cut = torch.as_tensor(
            extract_patches(data.padded, data.rows[order[start:stop]], data.cols[order[start:stop]], config.field)
        )
        for i in range(stop - start):
            assert any(torch.equal(x[i], dihedral(cut[i : i + 1], k)[0]) for k in range(8))
        ys.append(y.numpy())
        ws.append(w.numpy())
        xs, soft = batches.soft(start, stop, None)
        assert xs.shape[0] == soft.shape[0] == (stop - start) * training.DISTIL_BATCH_FACTOR
        assert set(soft.numpy().tolist()) <= set(data.soft_targets.astype(np.float32).tolist())
        student, teacher = batches.unlabelled(start, stop, None)
        assert student.shape == teacher.shape == x.shape
    np.testing.assert_array_equal(np.concatenate(ys), data.y[order])
    np.testing.assert_array_equal(np.concatenate(ws), data.weights[order].astype(np.float32))


def test_the_cpu_keeps_host_batches_and_a_cuda_device_gets_device_batches(monkeypatch):
    config, data = _data(monkeypatch, semi_supervised=False)
    assert isinstance(batches_for(data, config.field, "cpu"), HostBatches)
    # a CUDA device with room for the stack (faked: the choice, not the device, is under test)
    monkeypatch.setattr(training, "device_bytes_free", lambda device: 10 * data.padded.nbytes)
    monkeypatch.setattr(training, "DeviceBatches", lambda data, size, device: ("device", device))
    assert batches_for(data, config.field, "cuda:0") == ("device", "cuda:0")
    monkeypatch.setattr(training, "device_bytes_free", lambda device: data.padded.nbytes)  # no room: the host
    assert isinstance(batches_for(data, config.field, "cuda:0"), HostBatches)


@pytest.mark.parametrize("semi_supervised", [False, True])
def test_a_network_trained_on_device_batches_learns_the_signal(monkeypatch, semi_supervised):
    made = []
    monkeypatch.setattr(
        training, "batches_for", lambda data, size, device: made.append(size) or DeviceBatches(data, size, device)
    )
    bands, labels = synthetic()
    settings = {**SMALL, "epochs": 12, "patience": 12, "semi_supervised": semi_supervised}
    model = PatchCNN(**settings).fit(bands, labels)
    prob = model.predict_proba(bands, device="cpu")
    known = np.isfinite(labels) & np.isfinite(prob)
    assert roc_auc(labels[known] == 1, prob[known]) > 0.85
    assert made, "the network was not trained on device batches"
    again = PatchCNN(**settings).fit(bands, labels)  # the per-epoch draws follow the seed too
    assert all(
        torch.equal(a, b) for a, b in zip(model.nets_[0].state_dict().values(), again.nets_[0].state_dict().values())
    )
