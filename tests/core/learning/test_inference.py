"""core.learning.inference: the optimised dense window prediction against independent references.

References: (1) the plain PyTorch module forward (``net(x)``, NCHW, ``max_pool2d``, the output convolution) of each
patch cut by hand from the normalised window (brute force per patch), combined by hand; (2) the same module run
densely over the whole window in NCHW: the path of the previous releases; (3) MC-dropout by hand: the masks drawn
as documented (one generator seeded with ``seed``, ``mc_samples`` masks per network, in order) and applied to each
patch's hidden vector one mask at a time. Random cells include tile edges and NaN cells.
"""

import numpy as np
import pytest
import torch

from geochem_prospector.core.learning.calibration import Calibration
from geochem_prospector.core.learning.inference import normalised_tensor, predict_window_scores
from geochem_prospector.core.learning.network import PatchNet
from geochem_prospector.core.learning.patches import normalise


def networks(n, bands, patch, coarse=0, seed=0):
    torch.manual_seed(seed)
    nets = []
    for _ in range(n):
        net = PatchNet(bands, 2, patch, width=32, hidden=64, coarse=coarse).eval()
        with torch.no_grad():  # larger biases than the initialisation: ReLUs and maxima that matter
            for p in net.parameters():
                p.add_(0.05 * torch.randn_like(p))
        net.dropout_p = 0.3
        nets.append(net)
    return nets


def window_with_gaps(bands, size, seed=1):
    rng = np.random.default_rng(seed)
    w = (rng.standard_normal((bands, size, size)) * 3 + 5).astype(np.float32)
    w[rng.integers(0, bands, 60), rng.integers(0, size, 60), rng.integers(0, size, 60)] = np.nan
    w[:, :3, :] = np.nan  # outside the raster (a tile on the top edge)
    w[0, 10:13, 20:40] = np.inf  # out of float32 range
    return w


def sample_cells(inner, seed=2):
    """Random inner cells plus the four corners and the edges of the tile."""
    rng = np.random.default_rng(seed)
    rows = np.concatenate([rng.integers(0, inner, 80), [0, 0, inner - 1, inner - 1, 0, inner // 2, inner - 1]])
    cols = np.concatenate([rng.integers(0, inner, 80), [0, inner - 1, 0, inner - 1, inner // 2, 0, inner // 2]])
    return rows, cols


def per_patch_logits(nets, z, field, rows, cols):
    """(nets, cells, classes): the plain module forward of each hand-cut patch of the normalised window."""
    patches = np.stack([z[:, r : r + field, c : c + field] for r, c in zip(rows, cols)])
    with torch.no_grad():
        return torch.stack([net(torch.as_tensor(patches)).flatten(1) for net in nets]).double()


@pytest.mark.parametrize(
    "n_nets,patch,coarse,calibration",
    [
        (1, 9, 0, Calibration()),  # mean probability (model files of 0.2.x)
        (3, 9, 0, Calibration(combine="logits", temperature=1.7)),
        (2, 5, 3, Calibration(combine="logits", temperature=1.0)),  # coarse view: field 15
    ],
)
def test_dense_window_equals_the_per_patch_forward_and_the_previous_dense_path(n_nets, patch, coarse, calibration):
    bands = 7
    nets = networks(n_nets, bands, patch, coarse)
    field = patch * coarse if coarse else patch
    halo, inner = field // 2, 70
    window = window_with_gaps(bands, inner + 2 * halo)
    median = np.linspace(4, 6, bands).astype(np.float32)
    scale = np.linspace(0.5, 2, bands).astype(np.float32)
    scored = predict_window_scores(nets, window, median, scale, halo, 1, "cpu", 0, 0, calibration)
    assert scored.std is None

    z = normalise(window, median, scale)
    valid = np.isfinite(window[:, halo:-halo, halo:-halo]).all(axis=0)
    rows, cols = sample_cells(inner)
    rows = np.concatenate([rows, np.argwhere(~valid)[:5, 0]])  # cells lacking a band
    cols = np.concatenate([cols, np.argwhere(~valid)[:5, 1]])
    logits = per_patch_logits(nets, z, field, rows, cols)  # (nets, cells, 2)
    if calibration.combine == "logits":
        log_p = torch.log_softmax(logits.mean(0) / calibration.temperature, 1)
        expected_prob = log_p[:, 1].exp().numpy()
        expected_score = (log_p[:, 1] - log_p[:, 0]).numpy()
    else:
        expected_prob = torch.softmax(logits, 2)[:, :, 1].mean(0).numpy()
        expected_score = expected_prob
    ok = valid[rows, cols]
    assert (~ok).sum() >= 5 and ok.sum() > 50
    assert np.isnan(scored.prob[rows[~ok], cols[~ok]]).all() and np.isnan(scored.score[rows[~ok], cols[~ok]]).all()
    np.testing.assert_allclose(scored.prob[rows[ok], cols[ok]], expected_prob[ok], rtol=0, atol=2e-6)
    np.testing.assert_allclose(scored.score[rows[ok], cols[ok]], expected_score[ok], rtol=1e-5, atol=2e-5)

    # the previous releases' dense path: each module run over the whole window, NCHW (every cell)
    with torch.no_grad():
        dense = torch.stack([net(torch.as_tensor(z)[None])[0] for net in nets]).double()  # (nets, 2, h, w)
    if calibration.combine == "logits":
        previous = torch.softmax(dense.mean(0) / calibration.temperature, 0)[1].numpy()
    else:
        previous = torch.softmax(dense, 1)[:, 1].mean(0).numpy()
    assert np.array_equal(np.isnan(scored.prob), ~valid)
    np.testing.assert_allclose(scored.prob[valid], previous[valid], rtol=0, atol=2e-6)


def mc_spread_by_hand(nets, window, median, scale, patch, rows, cols, mc, seed, calibration, positive):
    """The MC-dropout spread of the cells (rows, cols) computed patch by patch in float64: each network's hidden
    vector of the cell's own patch, the masks drawn as predict draws them (one generator seeded with ``seed``, ``mc``
    masks per network in order), applied by hand before the output layer."""
    z = normalise(window, median, scale)
    patches = torch.as_tensor(np.stack([z[:, r : r + patch, c : c + patch] for r, c in zip(rows, cols)]))
    gen = torch.Generator().manual_seed(seed)
    samples = []
    with torch.no_grad():
        for net in nets:
            keep = 1 - net.dropout_p
            h = net.hidden(patches).flatten(1).double()  # (cells, hidden)
            masks = (torch.rand(mc, h.shape[1], generator=gen) < keep).float() / keep
            w, b = net.out.weight[:, :, 0, 0].double(), net.out.bias.double()
            for m in masks.double():
                samples.append(torch.softmax(((h * m) @ w.T + b) / calibration.temperature, 1)[:, positive])
    return torch.stack(samples).std(0, unbiased=False).numpy()


def test_mc_dropout_spread_equals_masks_applied_patch_by_patch():
    bands, patch, mc, seed = 5, 9, 6, 11
    nets = networks(2, bands, patch)
    halo, inner = patch // 2, 40
    window = window_with_gaps(bands, inner + 2 * halo, seed=3)
    median, scale = np.full(bands, 5, np.float32), np.full(bands, 3, np.float32)
    calibration = Calibration(combine="logits", temperature=1.3)
    scored = predict_window_scores(nets, window, median, scale, halo, 1, "cpu", mc, seed, calibration)
    assert scored.std is not None

    rows, cols = sample_cells(inner, seed=4)
    expected = mc_spread_by_hand(nets, window, median, scale, patch, rows, cols, mc, seed, calibration, 1)
    valid = np.isfinite(window[:, halo:-halo, halo:-halo]).all(axis=0)[rows, cols]
    np.testing.assert_allclose(scored.std[rows[valid], cols[valid]], expected[valid], rtol=0, atol=2e-6)
    assert np.isnan(scored.std[rows[~valid], cols[~valid]]).all()
    assert np.array_equal(np.isnan(scored.std), np.isnan(scored.prob))


def test_the_normalised_tensor_is_exactly_patches_normalise_in_channels_last_layout():
    rng = np.random.default_rng(0)
    window = (rng.standard_normal((4, 13, 17)) * 50).astype(np.float32)
    window[1, 2, 3], window[2, 5, 5], window[3, 0, 0], window[0, 7, 7] = np.nan, np.inf, -np.inf, 1e30
    median = np.array([1, -2, 0.5, 3], np.float32)
    scale = np.array([2, 0.25, 7, 1e-3], np.float32)
    x = normalised_tensor(window, median, scale)
    assert x.shape == (1, 4, 13, 17) and x.dtype == torch.float32
    assert x.is_contiguous(memory_format=torch.channels_last)
    np.testing.assert_array_equal(x[0].numpy(), normalise(window, median, scale))  # bit for bit, NaN -> 0, inf clipped


def test_mc_dropout_over_chunks_of_cells_equals_masks_applied_patch_by_patch(monkeypatch):
    """The same reference with the cells taken 37 at a time (not a divisor of the 1,600 cells): the same masks
    for every chunk, so the same spread; and that of one chunk holding every cell within float32 rounding (the
    matrix product of fewer rows may round an ulp differently)."""
    from geochem_prospector.core.learning import inference

    bands, patch, mc, seed = 5, 9, 6, 11
    nets = networks(2, bands, patch)
    halo = patch // 2
    window = window_with_gaps(bands, 40 + 2 * halo, seed=3)
    median, scale = np.full(bands, 5, np.float32), np.full(bands, 3, np.float32)
    calibration = Calibration(combine="logits", temperature=1.3)
    whole = predict_window_scores(nets, window, median, scale, halo, 1, "cpu", mc, seed, calibration).std
    monkeypatch.setattr(inference, "MC_CHUNK", 37)
    test_mc_dropout_spread_equals_masks_applied_patch_by_patch()
    chunked = predict_window_scores(nets, window, median, scale, halo, 1, "cpu", mc, seed, calibration).std
    assert np.array_equal(np.isnan(chunked), np.isnan(whole))
    np.testing.assert_allclose(chunked, whole, rtol=0, atol=1e-7)


def test_mc_dropout_buffers_do_not_grow_with_the_tile(monkeypatch):
    """Every (cells, samples) product of the MC-dropout pass has at most MC_CHUNK rows, whatever the window."""
    from geochem_prospector.core.learning import inference

    monkeypatch.setattr(inference, "MC_CHUNK", 1000)
    shapes = []
    addmm = torch.addmm

    def recording(*args, **kwargs):
        out = addmm(*args, **kwargs)
        shapes.append(tuple(out.shape))
        return out

    monkeypatch.setattr(torch, "addmm", recording)
    bands, patch, mc = 4, 5, 7
    nets = networks(2, bands, patch)
    halo = patch // 2
    window = window_with_gaps(bands, 100 + 2 * halo, seed=5)  # 10,000 cells
    median, scale = np.full(bands, 5, np.float32), np.full(bands, 3, np.float32)
    predict_window_scores(nets, window, median, scale, halo, 1, "cpu", mc, 0, Calibration(combine="logits"))
    mc_products = [s for s in shapes if s[1] == mc]
    assert len(mc_products) == 2 * 10 and max(rows for rows, _ in mc_products) == 1000  # 10 chunks per network


def test_mc_dropout_of_three_classes_over_chunks_equals_masks_applied_patch_by_patch(monkeypatch):
    from geochem_prospector.core.learning import inference

    monkeypatch.setattr(inference, "MC_CHUNK", 53)
    bands, patch, mc, seed, positive = 4, 5, 5, 2, 2
    torch.manual_seed(7)
    nets = []
    for _ in range(2):
        net = PatchNet(bands, 3, patch, width=8, hidden=16).eval()
        with torch.no_grad():
            for p in net.parameters():
                p.add_(0.05 * torch.randn_like(p))
        net.dropout_p = 0.4
        nets.append(net)
    halo, inner = patch // 2, 30
    window = window_with_gaps(bands, inner + 2 * halo, seed=6)
    median, scale = np.full(bands, 5, np.float32), np.full(bands, 3, np.float32)
    calibration = Calibration(combine="logits", temperature=0.8)
    scored = predict_window_scores(nets, window, median, scale, halo, positive, "cpu", mc, seed, calibration)

    rows, cols = sample_cells(inner, seed=8)
    expected = mc_spread_by_hand(nets, window, median, scale, patch, rows, cols, mc, seed, calibration, positive)
    valid = np.isfinite(window[:, halo:-halo, halo:-halo]).all(axis=0)[rows, cols]
    assert valid.sum() > 50
    np.testing.assert_allclose(scored.std[rows[valid], cols[valid]], expected[valid], rtol=0, atol=2e-6)
