"""A band-selecting sparsity penalty (traincnn BAND_SPARSITY): group lasso over the first layer's weights, one
group per input band, applied as a proximal step after each optimiser step.

The penalty ``strength * sum_b ||W_b||_2`` (``W_b``: every first-layer weight that reads band ``b``, in every branch;
with INPUT_TRANSFORM piecewise, all of the band's bins) has the proximal operator of group soft-thresholding:
``W_b <- W_b * max(0, 1 - t / ||W_b||)`` with ``t = learning rate * strength``, which sets a whole band's weights to
exactly zero, so the network uses few bands, as gradient boosting's trees do. The strength can be chosen on the
network's validation cells among :data:`SPARSITY_GRID` (never on anything the caller held out).
"""

from __future__ import annotations

from typing import List

import numpy as np
import torch
from torch import nn

#: the strengths BAND_SPARSITY -1 chooses among (on the validation cells). With Adam a weight moves about one
#: learning rate per step, so a band's group of w first-layer weights at most ~sqrt(w) learning rates (5.7 for
#: the default width 32): strengths below that let a band with a steady gradient grow while the prox removes the
#: rest; from a light pull (0.25) to one only steady bands survive (4)
SPARSITY_GRID = (0.25, 0.5, 1.0, 2.0, 4.0)

#: with a penalty, the first layer starts at this share of PyTorch's default initialisation: early stopping keeps
#: networks of a few dozen steps, and at one learning rate a step no band's default weights (norm ~0.7) could be
#: shrunk to zero in that time; from small weights only the bands the data keep pushing grow
FIRST_LAYER_INIT_SCALE = 0.1

#: BAND_SPARSITY's "choose on the validation cells" value
CHOOSE = -1.0


#: a band counts as used when its first-layer norm is at least this share of the largest band's (Adam's steps keep
#: a band the prox removes a few learning rates from zero, not at exactly zero)
USED_SHARE = 0.01


def bands_in_use(net: nn.Module, n_bands: int) -> np.ndarray:
    """(bands,) True where the band's first-layer norm is at least USED_SHARE of the largest band's."""
    norms = band_norms(net, n_bands)
    return norms >= USED_SHARE * max(float(norms.max()), 1e-30)


def first_layers(net: nn.Module) -> List[nn.Conv2d]:
    """The first convolution of each branch of a :class:`.network.PatchNet` (the layers that read the bands)."""
    layers = []
    for name in ("features", "coarse_features"):
        branch = getattr(net, name, None)
        if branch is not None:
            layers.append(next(m for m in branch if isinstance(m, nn.Conv2d)))
    return layers


def band_groups(weight: torch.Tensor, n_bands: int) -> torch.Tensor:
    """(out, channels, k, k) first-layer weights -> (bands, weights of that band): channels are band-major (a
    band, or a band's piecewise bins, in consecutive channels)."""
    out, channels = weight.shape[:2]
    per_band = channels // n_bands
    return weight.reshape(out, n_bands, per_band, *weight.shape[2:]).transpose(0, 1).reshape(n_bands, -1)


def band_norms(net: nn.Module, n_bands: int) -> np.ndarray:
    """The Euclidean norm of each band's first-layer weights over every branch (0: the band is unused)."""
    with torch.no_grad():
        groups = torch.cat([band_groups(layer.weight, n_bands) for layer in first_layers(net)], dim=1)
        return groups.norm(dim=1).double().cpu().numpy()


def shrink_first_layers(net: nn.Module, factor: float = FIRST_LAYER_INIT_SCALE) -> None:
    """Scale every first-layer weight of a fresh network by ``factor`` (in place; biases unchanged)."""
    with torch.no_grad():
        for layer in first_layers(net):
            layer.weight.mul_(factor)


def group_soft_threshold(net: nn.Module, n_bands: int, threshold: float) -> None:
    """The group lasso's proximal step, in place: each band's first-layer weights (every branch together) are
    shrunk towards zero by ``threshold`` in Euclidean norm, and set to zero when their norm is below it."""
    if threshold <= 0:
        return
    layers = first_layers(net)
    with torch.no_grad():
        norms = torch.as_tensor(band_norms(net, n_bands), dtype=layers[0].weight.dtype).to(layers[0].weight.device)
        factor = torch.clamp(1.0 - threshold / norms.clamp_min(1e-30), min=0.0)
        for layer in layers:
            out, channels = layer.weight.shape[:2]
            per_band = channels // n_bands
            scale = factor.repeat_interleave(per_band)  # one factor per input channel, band-major
            layer.weight.mul_(scale[None, :, None, None])
