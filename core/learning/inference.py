"""Dense prediction of a window by an ensemble of patch networks, with MC-dropout spread.

The networks are shift-equivariant, so one pass over a window with a halo of half their field (``patch_size // 2``
cells, more with a coarse view) gives, at every inner cell, exactly the per-patch prediction. This per-window function
is the unit of work of tiled (and
distributed) prediction. How the networks are combined (mean logit / temperature, or the mean probability of
older model files) is the model's :class:`.calibration.Calibration`.

On the CPU the window is normalised straight into a channels-last tensor (the layout oneDNN's convolutions run
fastest in, about 1.5-2x NCHW on this project's machines; ``bench/bench_predict_throughput.py``), once for all
the networks, with the same float32 operations as :func:`.patches.normalise`; the activations stay channels-last
the ReLUs run in place, the stride-1 max pooling as two elementwise maxima (no indices), and the last layer on
the cells' feature vectors as one matrix product; the MC-dropout samples over chunks of :data:`MC_CHUNK` cells with the
same masks, so their buffers do not grow with the tile. The values equal the per-patch
forward within float32 rounding (summation order).
"""

from __future__ import annotations

from typing import NamedTuple, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 (the usual PyTorch alias)
from torch import nn

from .calibration import COMBINE_LOGITS, Calibration
from .network import PatchNet
from .patches import CLIP, valid_centres

#: MC-dropout samples are computed over chunks of this many cells (the same masks for all): their float32 outputs
#: and float64 probabilities (12 bytes x samples a cell) take at most 12 x samples x MC_CHUNK bytes (15.7 MB at 20
#: samples) whatever the tile size
MC_CHUNK = 65_536


class WindowScores(NamedTuple):
    """A window's prediction: probability of the positive class, its MC-dropout spread (or None), and the
    ranking score (the ensemble's log-odds of the positive class; the probability for models that average
    probabilities), NaN where the centre cell lacks a band."""

    prob: np.ndarray
    std: Optional[np.ndarray]
    score: np.ndarray


def predict_window(
    nets: Sequence[PatchNet],
    window: np.ndarray,
    median: np.ndarray,
    scale: np.ndarray,
    halo: int,
    positive: int,
    device: str = "cpu",
    mc_samples: int = 0,
    seed: int = 0,
    calibration: Optional[Calibration] = None,
) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Dense prediction over a (bands, h + 2 halo, w + 2 halo) window (NaN = nodata, also outside the raster).

    Returns the probability (h, w) of class index ``positive``, combined over the networks as ``calibration``
    says (None: the mean probability, as model files without a calibration, 0.2.x), and, when ``mc_samples`` > 0,
    its standard deviation (h, w) over every network's MC-dropout samples; NaN where the centre cell lacks a band.
    """
    scored = predict_window_scores(nets, window, median, scale, halo, positive, device, mc_samples, seed, calibration)
    return scored.prob, scored.std


def predict_window_scores(
    nets: Sequence[PatchNet],
    window: np.ndarray,
    median: np.ndarray,
    scale: np.ndarray,
    halo: int,
    positive: int,
    device: str = "cpu",
    mc_samples: int = 0,
    seed: int = 0,
    calibration: Optional[Calibration] = None,
) -> WindowScores:
    """:func:`predict_window` with the ranking score as well (see :class:`WindowScores`)."""
    x, bad = prepare_window(window, median, scale, halo, device)
    return predict_prepared_scores(nets, x, bad, positive, device, mc_samples, seed, calibration)


def prepare_window(
    window: np.ndarray, median: np.ndarray, scale: np.ndarray, halo: int, device: str = "cpu"
) -> Tuple[torch.Tensor, np.ndarray]:
    """What :func:`predict_prepared_scores` needs of a window: the normalised tensor (:func:`normalised_tensor`)
    and the inner cells lacking a band (h, w); the window itself is no longer needed after this (a caller that
    drops it keeps one copy of the tile instead of two while the networks run)."""
    inner = window[:, halo : window.shape[1] - halo, halo : window.shape[2] - halo]
    bad = ~valid_centres(inner)
    return normalised_tensor(window, median, scale, device), bad


def predict_prepared_scores(
    nets: Sequence[PatchNet],
    x: torch.Tensor,
    bad: np.ndarray,
    positive: int,
    device: str = "cpu",
    mc_samples: int = 0,
    seed: int = 0,
    calibration: Optional[Calibration] = None,
) -> WindowScores:
    """:func:`predict_window_scores` of a window given as :func:`prepare_window` made it."""
    calibration = calibration or Calibration()
    temperature = calibration.temperature
    by_logits = calibration.combine == COMBINE_LOGITS
    total = None
    sums = squares = None
    with torch.no_grad():
        gen = torch.Generator(device=device).manual_seed(seed) if mc_samples > 0 else None
        for net in nets:
            net.eval()
            h = _hidden(net, x)
            z = _head(net, h)
            if by_logits:
                total = z if total is None else total + z
            else:
                p = F.softmax(z / temperature if temperature != 1.0 else z, dim=1)[0, positive]
                total = p if total is None else total + p
            if gen is None:
                continue
            # One dropout mask per sample, shared by the tile's cells: each cell's distribution over masks is
            # exactly per-patch MC-dropout, and the masks fold into the last layer's weights (one matmul).
            keep = 1.0 - net.dropout_p
            n_hidden, n_classes = h.shape[1], net.out.weight.shape[0]
            masks = (torch.rand(mc_samples, n_hidden, generator=gen, device=device) < keep).float() / keep
            weight = net.out.weight[:, :, 0, 0]  # (classes, hidden)
            cells = _cells(h)  # (cells, hidden)
            bias = net.out.bias
            assert bias is not None  # the output convolution has a bias
            if sums is None or squares is None:  # float64 sums: no cancellation in the variance below
                sums = torch.zeros(cells.shape[0], dtype=torch.float64, device=cells.device)
                squares = torch.zeros(cells.shape[0], dtype=torch.float64, device=cells.device)
            if n_classes == 2:  # softmax of two logits = sigmoid of their difference: one output per mask
                other = 1 - positive
                folded = masks * (weight[positive] - weight[other])[None]  # (samples, hidden)
                offset = bias[positive] - bias[other]
            else:
                folded = (masks[:, None, :] * weight[None]).reshape(mc_samples * n_classes, n_hidden)
                offset = bias.repeat(mc_samples)
            # the same masks for every chunk of MC_CHUNK cells: the (cells, samples) buffers stay that small
            for start in range(0, cells.shape[0], MC_CHUNK):
                part = slice(start, start + MC_CHUNK)
                if n_classes == 2:
                    outputs = torch.addmm(offset, cells[part], folded.T)  # (chunk, samples)
                    samples = torch.sigmoid(outputs / temperature if temperature != 1.0 else outputs).double()
                else:
                    outputs = cells[part] @ folded.T + offset  # (chunk, samples x classes)
                    logits = outputs.reshape(-1, mc_samples, n_classes)
                    if temperature != 1.0:
                        logits = logits / temperature
                    samples = F.softmax(logits, dim=2)[:, :, positive].double()
                sums[part] += samples.sum(1)
                squares[part] += samples.square_().sum(1)
                del outputs, samples
        assert total is not None, "predict_window needs at least one network"
        if by_logits:
            log_p = F.log_softmax(total[0] / (len(nets) * temperature), dim=0)
            prob = log_p[positive].exp().cpu().numpy()
            others = torch.cat([log_p[:positive], log_p[positive + 1 :]])
            score = (log_p[positive] - torch.logsumexp(others, dim=0)).cpu().numpy()  # log-odds: no saturation
        else:
            prob = (total / len(nets)).cpu().numpy()
            score = prob.copy()
        std = None
        if sums is not None and squares is not None:
            n_samples = mc_samples * len(nets)
            mean = sums / n_samples
            var = (squares / n_samples - mean**2).clamp_min(0.0)
            std = var.sqrt().reshape(prob.shape).cpu().numpy()
    prob[bad] = np.nan
    score[bad] = np.nan
    if std is not None:
        std[bad] = np.nan
    return WindowScores(
        prob.astype(np.float32), std if std is None else std.astype(np.float32), score.astype(np.float32)
    )


def normalised_tensor(window: np.ndarray, median: np.ndarray, scale: np.ndarray, device: str = "cpu") -> torch.Tensor:
    """The window (bands, H, W) normalised as :func:`.patches.normalise` does it (the same float32 operations in
    the same order: (x - median) / scale, clipped to +-CLIP, NaN to 0; so the same values), as a (1, bands, H, W)
    tensor on ``device``: channels-last on the CPU, written in that layout by the subtraction itself (no copy)."""
    x = torch.as_tensor(np.asarray(window, dtype=np.float32))[None]
    median_t = torch.as_tensor(np.asarray(median, dtype=np.float32))[None, :, None, None]
    scale_t = torch.as_tensor(np.asarray(scale, dtype=np.float32))[None, :, None, None]
    if device == "cpu":
        out = torch.empty(x.shape, dtype=torch.float32, memory_format=torch.channels_last)
    else:
        x, median_t, scale_t = x.to(device), median_t.to(device), scale_t.to(device)
        out = torch.empty_like(x)
    torch.sub(x, median_t, out=out)
    out.div_(scale_t).clamp_(-CLIP, CLIP)  # NaN stays NaN through both, as in numpy; +-inf becomes +-CLIP
    return out.nan_to_num_(nan=0.0)


def _cells(h: torch.Tensor) -> torch.Tensor:
    """(cells, channels) view of a (1, channels, H, W) map: no copy for a channels-last map."""
    return h.permute(0, 2, 3, 1).reshape(-1, h.shape[1])


def _head(net: PatchNet, h: torch.Tensor) -> torch.Tensor:
    """``net.head(h)`` (eval mode: no dropout) as (1, classes, H, W) logits, the 1 x 1 output convolution computed
    as one matrix product over the cells' hidden vectors (a 1 x 1 convolution with 2 outputs is memory-bound)."""
    bias = net.out.bias
    assert bias is not None  # the output convolution has a bias
    weight = net.out.weight[:, :, 0, 0]  # (classes, hidden)
    z = torch.addmm(bias, _cells(h), weight.T)  # (cells, classes)
    return z.reshape(1, h.shape[2], h.shape[3], -1).permute(0, 3, 1, 2)


def _hidden(net: PatchNet, x: torch.Tensor) -> torch.Tensor:
    """``net.hidden(x)`` in eval mode, computed with fewer passes over memory (:func:`_branch`); the same
    operations on the same values, so the same result."""
    if not net.coarse:
        return net.fc(_branch(net.features, x)).relu_()
    c = net.crop
    fine = net.fc(_branch(net.features, x[:, :, c : x.shape[2] - c, c : x.shape[3] - c]))
    pooled = F.avg_pool2d(x, net.coarse, stride=1)
    coarse = net.coarse_fc(_branch(net.coarse_features, pooled))
    return fine.add_(coarse).relu_()


def _branch(layers: nn.Sequential, x: torch.Tensor) -> torch.Tensor:
    """A branch of :class:`PatchNet` (convolutions, ReLUs, 2 x 2 max pooling of stride 1): ReLU in place on the
    convolution's fresh output; the pooling as the maximum of rows ``d`` apart, then of columns ``d`` apart
    (``d`` its dilation): exact, and about twice as fast as ``max_pool2d`` here, which also builds indices."""
    for layer in layers:
        if isinstance(layer, nn.ReLU):
            x = x.relu_()
        elif isinstance(layer, nn.MaxPool2d):
            d = layer.dilation if isinstance(layer.dilation, int) else layer.dilation[0]
            assert layer.kernel_size in (2, (2, 2)) and layer.stride in (1, (1, 1)), "PatchNet pools 2 x 2, stride 1"
            rows = torch.maximum(x[:, :, :-d, :], x[:, :, d:, :])
            x = torch.maximum(rows[:, :, :, :-d], rows[:, :, :, d:])
        else:
            x = layer(x)
    return x
