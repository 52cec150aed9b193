"""The patch network (shift-equivariant, so dense prediction equals per-patch) and the torch device choice."""

from __future__ import annotations

from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F  # noqa: N812 (the usual PyTorch alias)
from torch import nn

from ..errors import InputError


class PatchNet(nn.Module):
    """conv3x3-ReLU-maxpool2(stride 1)[-conv3x3-ReLU]-FC-ReLU-dropout-FC; receptive field = ``patch_size``."""

    def __init__(self, in_bands: int, n_classes: int, patch_size: int, width: int = 32, hidden: int = 64) -> None:
        super().__init__()
        layers: List[nn.Module] = [nn.Conv2d(in_bands, width, 3), nn.ReLU(), nn.MaxPool2d(2, stride=1)]
        size = patch_size - 3
        if patch_size >= 7:
            layers += [nn.Conv2d(width, width, 3), nn.ReLU()]
            size -= 2
        self.features = nn.Sequential(*layers)
        self.fc = nn.Conv2d(width, hidden, size)  # fully connected over the remaining size x size map
        self.out = nn.Conv2d(hidden, n_classes, 1)
        self.dropout_p = 0.0

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.fc(self.features(x)))

    def head(self, h: torch.Tensor) -> torch.Tensor:
        if self.training and self.dropout_p > 0:
            h = F.dropout(h, self.dropout_p, training=True)
        return self.out(h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B, classes, H - patch + 1, W - patch + 1); a single patch gives a 1 x 1 map."""
        return self.head(self.hidden(x))


def state_shapes(in_bands: int, n_classes: int, patch_size: int, width: int, hidden: int) -> Dict[str, Tuple[int, ...]]:
    """The shape of every tensor of a :class:`PatchNet`'s state dict, allocating nothing (built on torch's meta
    device), so a model file's tensors can be checked against its settings before any is read."""
    with torch.device("meta"):
        net = PatchNet(in_bands, n_classes, patch_size, width, hidden)
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
