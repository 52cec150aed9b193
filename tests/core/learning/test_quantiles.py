"""INPUT_TRANSFORM quantile (normal scores fitted on the training stack, stored in the model) and the per-cell
network (patch 1): against scikit-learn's QuantileTransformer, and against the network computed by hand."""

import numpy as np
import pytest
import torch
from scipy import ndimage

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.learning.estimator import PatchCNN
from geochem_prospector.core.learning.patches import extract_patches, pad_halo
from geochem_prospector.core.learning.quantiles import QUANTILES, apply_quantiles, fit_quantiles

sklearn_preprocessing = pytest.importorskip("sklearn.preprocessing")


def skewed(seed=0, height=36, width=40):
    """Three strongly skewed bands (log-normal, one with a long tail of outliers, one with ties), a nodata corner,
    labels following band 0 at scattered cells."""
    rng = np.random.default_rng(seed)
    bands = np.empty((3, height, width), np.float32)
    bands[0] = np.exp(ndimage.gaussian_filter(rng.normal(size=(height, width)), 2) * 8)
    bands[1] = np.exp(rng.normal(size=(height, width)) * 2)
    bands[1, rng.integers(0, height, 20), rng.integers(0, width, 20)] = 1e6
    bands[2] = np.round(rng.gamma(0.5, 3, size=(height, width)))  # many ties (zeros)
    bands[:, :3, :5] = np.nan
    labels = np.full((height, width), np.nan)
    r, c = rng.integers(0, height, 300), rng.integers(0, width, 300)
    labels[r, c] = (bands[0, r, c] > np.nanpercentile(bands[0], 70)).astype(float)
    return bands, labels


def sklearn_normal_scores(bands, n_quantiles=QUANTILES):
    """Each band's normal scores from scikit-learn, fitted on its finite cells (every cell: no subsampling)."""
    x = bands.reshape(bands.shape[0], -1).T.astype(np.float64)
    qt = sklearn_preprocessing.QuantileTransformer(
        n_quantiles=min(n_quantiles, x.shape[0]), output_distribution="normal", subsample=x.shape[0] + 1
    )
    ok = np.isfinite(x).all(axis=1)
    qt.fit(x[ok])
    out = np.full(x.shape, np.nan)
    out[ok] = qt.transform(x[ok])
    return out.T.reshape(bands.shape), qt


def test_quantiles_and_normal_scores_equal_scikit_learns():
    bands, _ = skewed()
    expected, qt = sklearn_normal_scores(bands)
    quantiles = fit_quantiles(bands)
    np.testing.assert_allclose(quantiles, qt.quantiles_.T, rtol=1e-12, atol=0)
    z = apply_quantiles(bands, quantiles)
    assert z.dtype == np.float32 and np.array_equal(np.isnan(z), np.isnan(bands))
    ok = np.isfinite(bands)
    np.testing.assert_allclose(z[ok], expected[ok], atol=2e-6)
    # values outside the fitted range: scikit-learn's bounds (about +-5.2)
    beyond = np.array([[[-1.0, 1e12]], [[-1.0, 1e12]], [[-5.0, 1e9]]], np.float32)
    expected_beyond = qt.transform(beyond.reshape(3, 2).T.astype(np.float64)).T.reshape(beyond.shape)
    np.testing.assert_allclose(apply_quantiles(beyond, quantiles), expected_beyond, atol=1e-6)


def test_normal_scores_keep_the_order_of_every_band():
    bands, _ = skewed(1)
    z = apply_quantiles(bands, fit_quantiles(bands))
    for j in range(bands.shape[0]):
        ok = np.isfinite(bands[j])
        order = np.argsort(bands[j][ok], kind="stable")
        assert np.all(np.diff(z[j][ok][order]) >= 0)


@pytest.fixture(scope="module")
def quantile_model():
    bands, labels = skewed()
    settings = dict(patch_size=5, epochs=2, batch_size=32, seed=3, device="cpu", width=8, hidden=16, ensemble=2)
    return PatchCNN(**settings, input_transform="quantile").fit(bands, labels, band_names=["a", "b", "c"]), bands


def test_a_quantile_model_predicts_from_scikit_learns_normal_scores(quantile_model):
    """The probability of every cell equals the networks run on patches cut by hand from scikit-learn's normal
    scores, normalised with the stored median / scale: training, dense prediction and the stored table agree."""
    model, bands = quantile_model
    meta = model.metadata_
    assert meta["settings"]["input_transform"] == "quantile"
    assert np.asarray(meta["normalisation"]["quantiles"]).shape == (3, QUANTILES)
    scores, _ = sklearn_normal_scores(bands)
    median = np.asarray(meta["normalisation"]["median"], np.float32)
    scale = np.asarray(meta["normalisation"]["scale"], np.float32)
    # bands without ties: normal scores have median 0 and IQR / 1.349 = 1 (band 2 is mostly tied zeros)
    assert np.all(np.abs(median[:2]) < 0.01) and np.all(np.abs(scale[:2] - 1) < 0.05)
    z = np.nan_to_num(np.clip((scores.astype(np.float32) - median[:, None, None]) / scale[:, None, None], -10, 10))
    rows, cols = np.nonzero(np.isfinite(bands).all(axis=0))
    x = torch.as_tensor(extract_patches(pad_halo(z, 2), rows, cols, 5))
    with torch.no_grad():
        logits = torch.stack([net(x).flatten(1) for net in model.nets_]).mean(0)
    t = meta["calibration"]["temperature"]
    expected = torch.softmax(logits.double() / t, 1)[:, 1].numpy()
    dense = model.predict_proba(bands, device="cpu", tile=16)  # tiles: the transform per window
    np.testing.assert_allclose(dense[rows, cols], expected, atol=2e-5)
    np.testing.assert_allclose(model.predict_proba_cells(bands, rows, cols)[:, 1], expected, atol=2e-5)


def test_a_quantile_model_file_round_trip(quantile_model, tmp_path):
    model, bands = quantile_model
    path = model.save(str(tmp_path / "q.pt"))
    loaded = PatchCNN.load(path)
    assert loaded.input_transform == "quantile"
    np.testing.assert_array_equal(
        loaded.predict_proba(bands, device="cpu", tile=16), model.predict_proba(bands, device="cpu", tile=16)
    )


def test_the_default_stays_the_median_iqr_normalisation():
    bands, labels = skewed()
    model = PatchCNN(patch_size=5, epochs=1, seed=1, device="cpu", width=4, hidden=8).fit(bands, labels)
    assert model.metadata_["settings"]["input_transform"] == "robust"
    assert "quantiles" not in model.metadata_["normalisation"]


def test_the_per_cell_network_is_a_perceptron_of_the_cells_own_bands():
    """Patch 1: each cell's probability is the hand-computed two 1 x 1 layers + fully connected + output of its
    own normalised bands, whatever its neighbours hold."""
    bands, labels = skewed(2)
    model = PatchCNN(patch_size=1, epochs=2, batch_size=32, seed=0, device="cpu", width=8, hidden=16).fit(
        bands, labels, band_names=["a", "b", "c"]
    )
    meta = model.metadata_
    median = np.asarray(meta["normalisation"]["median"], np.float64)
    scale = np.asarray(meta["normalisation"]["scale"], np.float64)
    rows, cols = np.nonzero(np.isfinite(bands).all(axis=0))
    x = np.clip((bands[:, rows, cols].T - median) / scale, -10, 10)
    s = {k: v.double().numpy().reshape(v.shape[0], -1) for k, v in model.nets_[0].state_dict().items()}
    h = np.maximum(x @ s["features.0.weight"].T + s["features.0.bias"].T, 0)
    h = np.maximum(h @ s["features.2.weight"].T + s["features.2.bias"].T, 0)
    h = np.maximum(h @ s["fc.weight"].T + s["fc.bias"].T, 0)
    logits = (h @ s["out.weight"].T + s["out.bias"].T) / meta["calibration"]["temperature"]
    expected = 1 / (1 + np.exp(logits[:, 0] - logits[:, 1]))
    dense = model.predict_proba(bands, device="cpu", tile=16)
    np.testing.assert_allclose(dense[rows, cols], expected, atol=2e-6)
    shuffled = bands.copy()
    shuffled[:, 20:, :] = shuffled[:, 20:, ::-1]  # new neighbours for every cell there, same cells elsewhere
    again = model.predict_proba(shuffled, device="cpu", tile=16)
    np.testing.assert_allclose(again[:20], dense[:20], atol=1e-6)
    np.testing.assert_allclose(again[20:, ::-1], dense[20:], atol=1e-6)


@pytest.mark.parametrize(
    "settings,parameter",
    [
        ({"input_transform": "rank"}, "INPUT_TRANSFORM"),
        ({"patch_size": 3}, "PATCH_SIZE"),
        ({"patch_size": 1, "coarse": 3}, "COARSE_VIEW"),
    ],
)
def test_bad_settings_name_the_parameter(settings, parameter):
    bands, labels = skewed()
    with pytest.raises(InputError) as err:
        PatchCNN(**{"epochs": 1, "device": "cpu", **settings}).fit(bands, labels)
    assert err.value.parameter == parameter
