"""The CNN on a GPU, where one is present (skipped elsewhere; CI has none): same results as on the CPU."""

import numpy as np
import pytest
import torch

from geochem_prospector.core.learning.estimator import PatchCNN
from tests.core.learning.test_cnn import SMALL, synthetic

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


def test_ensemble_trains_on_cuda_and_predicts_as_on_the_cpu(tmp_path):
    bands, labels = synthetic()
    model = PatchCNN(**{**SMALL, "device": "cuda", "ensemble": 2, "epochs": 4}).fit(bands, labels)
    assert model.metadata_["settings"]["device"].startswith("cuda")
    assert all(p.device.type == "cpu" for net in model.nets_ for p in net.parameters())  # saved and used anywhere
    gpu = model.predict_proba(bands, device="cuda", tile=16)
    gpu_std = model.predict_uncertainty(bands, mc_samples=8, device="cuda", tile=16)
    cpu = model.predict_proba(bands, device="cpu", tile=16)
    ok = np.isfinite(cpu)
    assert np.array_equal(ok, np.isfinite(gpu)) and np.array_equal(ok, np.isfinite(gpu_std))
    np.testing.assert_allclose(gpu[ok], cpu[ok], atol=1e-3)  # cuDNN may use TF32 convolutions
    assert (gpu_std[ok] >= 0).all() and gpu_std[ok].max() > 0
    rows, cols = np.nonzero(ok)
    per_patch = model.predict_proba_cells(bands, rows[:200], cols[:200], device="cuda")[:, 1]
    np.testing.assert_allclose(per_patch, gpu[rows[:200], cols[:200]], atol=1e-3)
    model.save(str(tmp_path / "m.pt"))
    loaded = PatchCNN.load(str(tmp_path / "m.pt"))
    np.testing.assert_array_equal(loaded.predict_proba(bands, "cpu", tile=16), cpu)


def test_masked_band_pretraining_runs_on_device_batches_on_cuda(monkeypatch):
    """On a GPU pre-training cuts its patches there (DeviceBatches): the reconstruction loss falls as on the CPU."""
    from geochem_prospector.core.learning import training
    from tests.core.learning.test_device_batches import _related_bands

    made = []
    real = training.DeviceBatches.pretraining
    monkeypatch.setattr(training.DeviceBatches, "pretraining", lambda self, *a: made.append(1) or real(self, *a))
    bands, labels = _related_bands()
    logs = []
    PatchCNN(**{**SMALL, "device": "cuda", "epochs": 1, "pretrain_epochs": 6}).fit(bands, labels, log=logs.append)
    losses = [float(line.rsplit(" ", 1)[1]) for line in logs if line.startswith("pre-training epoch")]
    assert made and len(losses) == 6 and losses[-1] < 0.5 * losses[0], losses
