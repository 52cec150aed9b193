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


def _data(monkeypatch, semi_supervised: bool, teacher: str = "none", **settings):
    """The settings and TrainingData the estimator trains on (captured from a one-epoch fit)."""
    captured = {}
    real_fit = training.fit_member

    def capture(config, data, *args, **kwargs):
        captured["config"], captured["data"] = config, data
        return real_fit(config, data, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(training, "fit_member", capture)
        bands, labels = synthetic()
        PatchCNN(**{**SMALL, "epochs": 1, "semi_supervised": semi_supervised, "teacher": teacher, **settings}).fit(
            bands, labels
        )
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


def test_device_pretraining_batches_are_the_valid_cells_patches_turned_with_their_hidden_bands(monkeypatch):
    """Pre-training patches made on the device: every drawn valid cell once, in the drawn order, each patch one of
    the 8 orientations of its cell's patch (cut with numpy, the host's way), at least one band hidden."""
    config, data = _data(monkeypatch, semi_supervised=False, pretrain_epochs=1)
    pick = np.random.default_rng(0).choice(data.valid_rows.size, 300, replace=False)
    batches = DeviceBatches(data, config.field, "cpu")
    batches.start_pretraining(pick, np.random.default_rng(1))
    hiddens = []
    for start in range(0, pick.size, 64):
        stop = min(start + 64, pick.size)
        x, hidden = batches.pretraining(start, stop, None)
        assert x.shape == (stop - start, data.n_bands, config.field, config.field) and hidden.dtype == torch.bool
        idx = pick[start:stop]
        cut = torch.as_tensor(extract_patches(data.padded, data.valid_rows[idx], data.valid_cols[idx], config.field))
        for i in range(stop - start):
            assert any(torch.equal(x[i], dihedral(cut[i : i + 1], k)[0]) for k in range(8))
        hiddens.append(hidden.numpy())
    hidden = np.concatenate(hiddens)
    assert hidden.any(axis=1).all()
    # a band is hidden with MASK_PROBABILITY, or else when it is the one band forced hidden (1 in n_bands)
    share, expected = hidden.mean(), training.MASK_PROBABILITY + (1 - training.MASK_PROBABILITY) / data.n_bands
    assert abs(share - expected) < 0.05


def _related_bands():
    """Three bands a patch can reconstruct from one another (a smooth field, twice it, minus it, a little noise
    each), labelled where the field is high: what masked-band pre-training can learn."""
    from scipy import ndimage

    rng = np.random.default_rng(5)
    field = ndimage.gaussian_filter(rng.normal(size=(48, 48)), 3)
    field /= field.std()
    noise = 0.1 * rng.normal(size=(3, 48, 48))
    bands = np.stack([field, 2 * field, -field]) + noise
    labels = np.full((48, 48), np.nan)
    cells = rng.choice(48 * 48, 300, replace=False)
    labels.flat[cells] = (field.flat[cells] > 0.5).astype(float)
    return bands.astype(np.float32), labels


@pytest.mark.parametrize("on_device", [False, True])
def test_pretraining_lowers_the_reconstruction_loss_on_host_and_device_batches(monkeypatch, on_device):
    """The network pre-trains on device batches (as on a GPU) as on host batches (the CPU's): the masked-band loss
    falls where the bands can be told from one another, and a seed gives the same loss curve again."""
    made = []
    if on_device:
        monkeypatch.setattr(training, "batches_for", lambda data, size, device: DeviceBatches(data, size, device))
        real = DeviceBatches.pretraining
        monkeypatch.setattr(DeviceBatches, "pretraining", lambda self, *a: made.append(1) or real(self, *a))
    bands, labels = _related_bands()
    settings = {**SMALL, "epochs": 1, "pretrain_epochs": 6}
    curves = []
    for _ in range(2):
        logs = []
        PatchCNN(**settings).fit(bands, labels, log=logs.append)
        curves.append([float(line.rsplit(" ", 1)[1]) for line in logs if line.startswith("pre-training epoch")])
    losses = curves[0]
    assert len(losses) == 6 and losses[-1] < 0.5 * losses[0], losses
    assert curves[1] == losses
    assert bool(made) == on_device, "pre-training did not use the device's batches"
