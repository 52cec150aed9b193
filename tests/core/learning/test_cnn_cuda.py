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
