"""Dense prediction of a window by an ensemble of patch networks, with MC-dropout spread.

The networks are shift-equivariant, so one pass over a window with a halo of ``patch_size // 2`` cells gives, at
every inner cell, exactly the per-patch prediction. This per-window function is the unit of work of tiled (and
distributed) prediction.
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 (the usual PyTorch alias)

from .network import PatchNet
from .patches import normalise, valid_centres


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
) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Dense prediction over a (bands, h + 2 halo, w + 2 halo) window (NaN = nodata, also outside the raster).

    Returns the probability (h, w) of class index ``positive``, the mean over the networks, and, when
    ``mc_samples`` > 0, its standard deviation (h, w) over every network's MC-dropout samples; NaN where the
    centre cell lacks a band.
    """
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
            p = F.softmax(net.head(h), dim=1)[0, positive]
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
            samples = F.softmax(logits, dim=2)[:, :, positive].double()  # float64 sums: no cancellation below
            sums = samples.sum(1) if sums is None else sums + samples.sum(1)
            squares = (samples**2).sum(1) if squares is None else squares + (samples**2).sum(1)
        assert total is not None, "predict_window needs at least one network"
        prob = (total / len(nets)).cpu().numpy()
        std = None
        if sums is not None and squares is not None:
            n_samples = mc_samples * len(nets)
            mean = sums / n_samples
            var = (squares / n_samples - mean**2).clamp_min(0.0)
            std = var.sqrt().reshape(prob.shape).cpu().numpy()
    prob[bad] = np.nan
    if std is not None:
        std[bad] = np.nan
    return prob.astype(np.float32), std if std is None else std.astype(np.float32)
