"""Piecewise-linear encoding of each band (INPUT_TRANSFORM piecewise), the first layer of the network.

Gorishniy, Rubachev & Babenko (2022, "On Embeddings for Numerical Features in Tabular Deep Learning") found that
multilayer perceptrons close much of their gap to gradient boosting on tabular data when each numerical feature
enters as the bins it fills rather than as one number. A band's range is cut into ``bins`` bins at its training
quantiles ``b_0 <= b_1 <= ... <= b_T`` (the stack's, fitted without labels and stored in the model file as
``normalisation.quantiles``, ``T + 1`` values per band), and a value ``x`` becomes ``T`` numbers:

    e_t(x) = clamp((x - b_{t-1}) / (b_t - b_{t-1}), 0, 1),   t = 1 .. T

so the bins below ``x`` are full (1), the bins above empty (0) and the bin holding ``x`` filled in proportion. A
bin of zero width (equal quantiles, e.g. a detection limit) is a step: 1 above its edge, 0 at or below it. Unlike
the paper, the first and last bins are clamped too, so a value beyond the training range is encoded as the range's
end: the network's response is constant there, as a tree's is, instead of extrapolating linearly.

The encoding acts on the normalised bands (median / IQR, clipped at +-CLIP, nodata 0), with the edges normalised by
the same float32 operations (:func:`piecewise_edges`). It is elementwise per cell, so it lives in the network (its
first layer, :class:`PiecewiseLinear`): training, window-by-window training, tiled prediction and Dask workers all
run it on what they already pass the network, and a model file stores only the quantiles it is rebuilt from.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from .patches import normalise
from .quantiles import PIECEWISE_BINS

__all__ = ["PIECEWISE_BINS", "PiecewiseLinear", "encoding_bins", "piecewise_edges"]

#: 1 / width of a bin of zero width: a step at its edge
STEP = 1e30


def piecewise_edges(quantiles: Any, median: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The bin edges (bands, bins + 1) in the network's input units: the stored ``quantiles`` (bands, bins + 1)
    normalised exactly as the bands are (:func:`.patches.normalise`: (q - median) / scale, clipped at +-CLIP)."""
    q = np.asarray(quantiles, dtype=np.float32)
    return normalise(q[:, None, :], np.asarray(median, np.float32), np.asarray(scale, np.float32))[:, 0, :]


class PiecewiseLinear(nn.Module):
    """(B, bands, H, W) -> (B, bands * bins, H, W): each band's piecewise-linear encoding (channels band-major:
    band 0's bins first). The edges are buffers set by :meth:`set_edges`, not parameters and not in the state dict
    (they are rebuilt from the model file's quantiles)."""

    left: torch.Tensor
    inverse_width: torch.Tensor

    def __init__(self, bands: int, bins: int) -> None:
        super().__init__()
        self.bands, self.bins = int(bands), int(bins)
        self.register_buffer("left", torch.zeros(self.bands, self.bins), persistent=False)
        self.register_buffer("inverse_width", torch.ones(self.bands, self.bins), persistent=False)

    def set_edges(self, edges: Any) -> None:
        """Set the (bands, bins + 1) non-decreasing edges."""
        e = torch.as_tensor(np.asarray(edges, dtype=np.float32))
        if tuple(e.shape) != (self.bands, self.bins + 1):
            raise ValueError(f"piecewise edges of shape {tuple(e.shape)}, expected {(self.bands, self.bins + 1)}")
        width = e[:, 1:] - e[:, :-1]
        inverse = torch.where(width > 0, 1.0 / width.clamp_min(torch.finfo(torch.float32).tiny), STEP)
        self.left.copy_(e[:, :-1])
        self.inverse_width.copy_(inverse)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        u = x.unsqueeze(2) - self.left[None, :, :, None, None]  # the one (b, c, bins, h, w) buffer, then in place
        u.mul_(self.inverse_width[None, :, :, None, None]).clamp_(0.0, 1.0)
        return u.reshape(b, c * self.bins, h, w)

    def extra_repr(self) -> str:
        return f"bands={self.bands}, bins={self.bins}"


def encoding_bins(net: nn.Module) -> int:
    """The bins per band of ``net``'s piecewise-linear encoding, 0 when it has none."""
    return max((m.bins for m in net.modules() if isinstance(m, PiecewiseLinear)), default=0)
