"""Dense prediction of a window by an ensemble of patch networks, with MC-dropout spread.

The networks are shift-equivariant, so one pass over a window with a halo of half their field (``patch_size // 2``
cells, more with a coarse view) gives, at every inner cell, exactly the per-patch prediction. This per-window function is the unit of work of tiled (and
distributed) prediction. How the networks are combined (mean logit / temperature, or the mean probability of
older model files) is the model's :class:`.calibration.Calibration`.
"""

from __future__ import annotations

from typing import NamedTuple, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 (the usual PyTorch alias)

from .calibration import COMBINE_LOGITS, Calibration
from .network import PatchNet
from .patches import normalise, valid_centres


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
    calibration = calibration or Calibration()
    temperature = calibration.temperature
    by_logits = calibration.combine == COMBINE_LOGITS
    inner = window[:, halo : window.shape[1] - halo, halo : window.shape[2] - halo]
    bad = ~valid_centres(inner)
    x = torch.as_tensor(normalise(window, median, scale))[None].to(device)
    total = None
    sums = squares = None
    with torch.no_grad():
        gen = torch.Generator(device=device).manual_seed(seed) if mc_samples > 0 else None
        for net in nets:
            net.eval()
            h = net.hidden(x)
            z = net.head(h)
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
            folded = (masks[:, None, :] * weight[None]).reshape(mc_samples * n_classes, n_hidden)
            cells = h[0].reshape(n_hidden, -1).T  # (cells, hidden)
            bias = net.out.bias
            assert bias is not None  # the output convolution has a bias
            logits = (cells @ folded.T + bias.repeat(mc_samples)).reshape(-1, mc_samples, n_classes)
            if temperature != 1.0:
                logits = logits / temperature
            samples = F.softmax(logits, dim=2)[:, :, positive].double()  # float64 sums: no cancellation below
            sums = samples.sum(1) if sums is None else sums + samples.sum(1)
            squares = (samples**2).sum(1) if squares is None else squares + (samples**2).sum(1)
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
