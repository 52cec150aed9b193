"""The patch network (shift-equivariant, so dense prediction equals per-patch) and the torch device choice."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F  # noqa: N812 (the usual PyTorch alias)
from torch import nn

from ..errors import InputError
from .piecewise import PiecewiseLinear


def _branch(in_bands: int, patch_size: int, width: int, dilation: int, bins: int = 0) -> Tuple[nn.Sequential, int]:
    """conv3x3-ReLU-maxpool2(stride 1)[-conv3x3-ReLU] with every kernel spaced ``dilation`` cells apart (after
    each band's piecewise-linear encoding in ``bins`` bins when ``bins`` > 0); returns the layers and the size (in
    kernel steps) of the map left for the fully connected layer."""
    d = dilation
    encoding: List[nn.Module] = [PiecewiseLinear(in_bands, bins)] if bins > 0 else []
    channels = in_bands * bins if bins > 0 else in_bands
    if patch_size == 1:  # a per-cell network: the same depth with 1 x 1 kernels, no context
        return nn.Sequential(
            *encoding, nn.Conv2d(channels, width, 1), nn.ReLU(), nn.Conv2d(width, width, 1), nn.ReLU()
        ), 1
    layers: List[nn.Module] = [
        *encoding,
        nn.Conv2d(channels, width, 3, dilation=d),
        nn.ReLU(),
        nn.MaxPool2d(2, stride=1, dilation=d),
    ]
    size = patch_size - 3
    if patch_size >= 7:
        layers += [nn.Conv2d(width, width, 3, dilation=d), nn.ReLU()]
        size -= 2
    return nn.Sequential(*layers), size


class PatchNet(nn.Module):
    """conv3x3-ReLU-maxpool2(stride 1)[-conv3x3-ReLU]-FC-ReLU-dropout-FC; receptive field = ``patch_size``.

    ``patch_size`` 1 is the per-cell control: conv1x1-ReLU-conv1x1-ReLU-FC-ReLU-dropout-FC, the same depth and
    widths seeing the centre cell's bands alone (a multilayer perceptron per cell).

    ``coarse`` (an odd factor k >= 3; 0 = none) adds a second view of the neighbourhood at k times coarser
    resolution: the bands averaged over k x k cells (average pooling, stride 1), seen by the same kind of branch
    with every kernel spaced k cells apart, so it covers ``k * patch_size`` cells with ``patch_size`` x
    ``patch_size`` coarse cells. Both branches meet in the fully connected layer (their outputs are summed, which
    is one fully connected layer over both feature maps). The receptive field is then ``k * patch_size`` cells and
    the fine branch sees its centre. Every layer stays shift-equivariant at the fine resolution.

    ``bins`` > 0 (INPUT_TRANSFORM piecewise) puts each band's piecewise-linear encoding in ``bins`` bins
    (:class:`.piecewise.PiecewiseLinear`) before each branch's first convolution; its edges are set by
    :meth:`set_edges` (from the model's quantiles), never learnt.
    """

    def __init__(
        self,
        in_bands: int,
        n_classes: int,
        patch_size: int,
        width: int = 32,
        hidden: int = 64,
        coarse: int = 0,
        bins: int = 0,
    ) -> None:
        super().__init__()
        self.features, size = _branch(in_bands, patch_size, width, 1, bins)
        self.fc = nn.Conv2d(width, hidden, size)  # fully connected over the remaining size x size map
        self.coarse = coarse if coarse >= 3 else 0
        self.crop = 0
        if self.coarse:
            self.coarse_features, _ = _branch(in_bands, patch_size, width, self.coarse, bins)
            self.coarse_fc = nn.Conv2d(width, hidden, size, dilation=self.coarse, bias=False)
            self.crop = (self.coarse * patch_size - patch_size) // 2
        self.out = nn.Conv2d(hidden, n_classes, 1)
        self.dropout_p = 0.0
        # training's dropout masks come from this generator when set (not torch's global one, which networks
        # trained side by side in threads would share); None: the global one, as F.dropout draws
        self.dropout_generator: Optional[torch.Generator] = None

    def set_edges(self, edges: Any) -> None:
        """The (bands, bins + 1) bin edges of every piecewise-linear encoding, in normalised units."""
        for module in self.modules():
            if isinstance(module, PiecewiseLinear):
                module.set_edges(edges)

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        if not self.coarse:
            return F.relu(self.fc(self.features(x)))
        c = self.crop
        fine = self.fc(self.features(x[:, :, c : x.shape[2] - c, c : x.shape[3] - c]))
        pooled = F.avg_pool2d(x, self.coarse, stride=1)
        return F.relu(fine + self.coarse_fc(self.coarse_features(pooled)))

    def head(self, h: torch.Tensor) -> torch.Tensor:
        if self.training and self.dropout_p > 0:
            if self.dropout_generator is None:
                h = F.dropout(h, self.dropout_p, training=True)
            else:  # F.dropout's own steps on the CPU (a Bernoulli mask over keep, divided by keep): the same masks
                keep = 1.0 - self.dropout_p
                noise = torch.empty_like(h).bernoulli_(keep, generator=self.dropout_generator)
                h = h * noise.div_(keep)
        return self.out(h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B, classes, H - field + 1, W - field + 1); a single patch of the receptive field gives a 1 x 1
        map."""
        return self.head(self.hidden(x))


def receptive_field(patch_size: int, coarse: int) -> int:
    """Cells across the window a :class:`PatchNet` sees around a cell: the patch, or k times it with a coarse view."""
    return patch_size * coarse if coarse >= 3 else patch_size


def state_shapes(
    in_bands: int, n_classes: int, patch_size: int, width: int, hidden: int, coarse: int = 0, bins: int = 0
) -> Dict[str, Tuple[int, ...]]:
    """The shape of every tensor of a :class:`PatchNet`'s state dict, allocating nothing (built on torch's meta
    device), so a model file's tensors can be checked against its settings before any is read."""
    with torch.device("meta"):
        net = PatchNet(in_bands, n_classes, patch_size, width, hidden, coarse, bins)
    return {name: tuple(t.shape) for name, t in net.state_dict().items()}


def resolve_device(device: str) -> str:
    """``auto`` -> cuda when available, else cpu; a clear error when cuda is asked for and missing."""
    device = (device or "auto").lower()
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InputError("CUDA was requested but no CUDA GPU is usable by PyTorch here; use auto or cpu.", "DEVICE")
    if device not in ("cpu",) and not device.startswith("cuda"):
        raise InputError(f"unknown device '{device}'; use auto, cpu or cuda.", "DEVICE")
    return device
