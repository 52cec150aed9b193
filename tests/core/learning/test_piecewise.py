"""INPUT_TRANSFORM piecewise: each band's piecewise-linear encoding at its training quantiles (Gorishniy, Rubachev &
Babenko 2022) as the network's first layer. Against values computed by hand, scikit-learn's quantiles, the
per-patch classifier and the model file read back."""

import numpy as np
import pytest
import torch

from geochem_prospector.core.learning.estimator import PatchCNN
from geochem_prospector.core.learning.piecewise import PiecewiseLinear, encoding_bins, piecewise_edges
from geochem_prospector.core.learning.quantiles import PIECEWISE_BINS, fit_input_quantiles
from tests.core.learning.test_quantiles import skewed

sklearn_preprocessing = pytest.importorskip("sklearn.preprocessing")


def test_the_encoding_of_values_computed_by_hand():
    """Edges -1, 0, 0, 2 (three bins, the middle one of zero width: a step at 0):
    -2 (below the range) -> 0 0 0; -0.5 -> 0.5 0 0; 0 (on the step) -> 1 0 0; 1 -> 1 1 0.5; 3 (above) -> 1 1 1.
    A second band, edges 10, 20, 30, 40: 25 -> 1 0.5 0."""
    layer = PiecewiseLinear(2, 3)
    layer.set_edges([[-1.0, 0.0, 0.0, 2.0], [10.0, 20.0, 30.0, 40.0]])
    x = torch.tensor([[-2.0, -0.5, 0.0, 1.0, 3.0], [25.0, 25.0, 25.0, 25.0, 25.0]])[None, :, None, :]  # (1, 2, 1, 5)
    out = layer(x)
    assert out.shape == (1, 6, 1, 5)
    expected_band0 = [[0, 0, 0], [0.5, 0, 0], [1, 0, 0], [1, 1, 0.5], [1, 1, 1]]
    np.testing.assert_array_equal(out[0, :3, 0, :].T.numpy(), np.asarray(expected_band0, np.float32))
    np.testing.assert_array_equal(out[0, 3:, 0, :].T.numpy(), np.tile([1.0, 0.5, 0.0], (5, 1)).astype(np.float32))


def test_the_edges_are_normalised_as_the_bands_are():
    """(q - median) / scale clipped at +-10, by hand: quantiles 0 1 10 100, median 1, scale 2 -> -0.5 0 4.5 10."""
    edges = piecewise_edges([[0.0, 1.0, 10.0, 100.0]], np.array([1.0]), np.array([2.0]))
    np.testing.assert_array_equal(edges, np.array([[-0.5, 0.0, 4.5, 10.0]], np.float32))


def test_the_stored_quantiles_are_scikit_learns():
    bands, _ = skewed()
    table = fit_input_quantiles(bands, "piecewise")
    x = bands.reshape(3, -1).T.astype(np.float64)
    ok = np.isfinite(x).all(axis=1)
    qt = sklearn_preprocessing.QuantileTransformer(n_quantiles=PIECEWISE_BINS + 1, subsample=ok.sum() + 1).fit(x[ok])
    np.testing.assert_allclose(table, qt.quantiles_.T, rtol=1e-12, atol=0)
    assert fit_input_quantiles(bands, "robust") is None


@pytest.fixture(scope="module")
def piecewise_model():
    bands, labels = skewed()
    settings = dict(patch_size=5, epochs=2, batch_size=32, seed=3, device="cpu", width=8, hidden=16, ensemble=2)
    return PatchCNN(**settings, input_transform="piecewise").fit(bands, labels, band_names=["a", "b", "c"]), bands


def hand_encoding(bands, meta):
    """Every cell's encoding computed by hand in float64 from the model file's metadata: normalise, then per band
    and bin min(max((z - left) / width, 0), 1) (a step for a bin of zero width)."""
    norm = meta["normalisation"]
    median, scale = np.asarray(norm["median"]), np.asarray(norm["scale"])
    q = np.asarray(norm["quantiles"], np.float64)
    z = np.nan_to_num(np.clip((bands.astype(np.float64) - median[:, None, None]) / scale[:, None, None], -10, 10))
    e = np.clip((q - median[:, None]) / scale[:, None], -10, 10)
    out = []
    for j in range(bands.shape[0]):
        for t in range(q.shape[1] - 1):
            left, width = e[j, t], e[j, t + 1] - e[j, t]
            out.append((z[j] > left).astype(float) if width == 0 else np.clip((z[j] - left) / width, 0, 1))
    return np.asarray(out)


def test_the_network_sees_the_hand_encoding_of_the_stored_quantiles(piecewise_model):
    model, bands = piecewise_model
    meta = model.metadata_
    assert meta["settings"]["input_transform"] == "piecewise"
    assert np.asarray(meta["normalisation"]["quantiles"]).shape == (3, PIECEWISE_BINS + 1)
    median, scale = model._norm()
    from geochem_prospector.core.learning.patches import normalise

    z = torch.as_tensor(normalise(bands, median, scale))[None]
    encoded = model.nets_[0].features[0](z)[0].numpy()
    assert encoded.shape == (3 * PIECEWISE_BINS, *bands.shape[1:])
    np.testing.assert_allclose(encoded, hand_encoding(bands, meta), atol=1e-5)


def test_dense_prediction_is_the_per_patch_classifier(piecewise_model):
    """The encoding is elementwise, so the tiled prediction (the transform per window, halo included) equals the
    networks run on patches cut one by one."""
    model, bands = piecewise_model
    rows, cols = np.nonzero(np.isfinite(bands).all(axis=0))
    dense = model.predict_proba(bands, device="cpu", tile=16)
    np.testing.assert_allclose(dense[rows, cols], model.predict_proba_cells(bands, rows, cols)[:, 1], atol=2e-6)


def test_values_beyond_the_training_range_score_as_its_end(piecewise_model):
    """The first and last bins are clamped: a band pushed far beyond its fitted range changes nothing once past
    the last edge (a median / IQR network would keep extrapolating)."""
    model, bands = piecewise_model
    q = np.asarray(model.metadata_["normalisation"]["quantiles"])
    high, higher = bands.copy(), bands.copy()
    high[1, 10:20, 10:20] = q[1, -1]
    higher[1, 10:20, 10:20] = q[1, -1] * 1e3
    low, lower = bands.copy(), bands.copy()
    low[1, 10:20, 10:20] = q[1, 0]
    lower[1, 10:20, 10:20] = q[1, 0] / 1e3
    for a, b in ((high, higher), (low, lower)):
        np.testing.assert_array_equal(model.predict_score(a, "cpu", 16), model.predict_score(b, "cpu", 16))


def test_a_piecewise_model_file_round_trip(piecewise_model, tmp_path):
    model, bands = piecewise_model
    path = model.save(str(tmp_path / "p.pt"))
    loaded = PatchCNN.load(path)
    assert loaded.input_transform == "piecewise"
    assert "features.0.left" not in loaded.nets_[0].state_dict()  # rebuilt from the quantiles, not stored twice
    np.testing.assert_array_equal(
        loaded.predict_proba(bands, device="cpu", tile=16), model.predict_proba(bands, device="cpu", tile=16)
    )
    # the bands themselves go through no transform: only the network encodes them
    np.testing.assert_array_equal(loaded.transform_bands(bands), bands)


def test_encoding_bins_are_read_from_the_network(piecewise_model):
    model, _ = piecewise_model
    assert encoding_bins(model.nets_[0]) == PIECEWISE_BINS  # what predict's tile rule counts
    plain = PatchCNN(patch_size=5, epochs=1, batch_size=32, seed=3, device="cpu", width=8, hidden=16)
    bands, labels = skewed()
    assert encoding_bins(plain.fit(bands, labels).nets_[0]) == 0
