"""Patches of the evidence stack: robust normalisation, halo padding, extraction, dihedral augmentation."""

from __future__ import annotations

from typing import Any, Callable, Tuple

import numpy as np
import torch

from .quantiles import sampled

#: normalised values are clipped to +-CLIP robust standard deviations
CLIP = 10.0


def robust_normalisation(bands: np.ndarray, max_cells: int = 1_000_000, seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """Per-band median and robust scale (IQR / 1.349, falling back to the std, then 1) over valid cells."""
    medians, scales = [], []
    for values in sampled((band[np.isfinite(band)] for band in bands), max_cells, seed):
        if values.size == 0:
            medians.append(0.0)
            scales.append(1.0)
            continue
        q1, med, q3 = np.percentile(values.astype(np.float64), [25, 50, 75])
        scale = (q3 - q1) / 1.349
        if not scale > 0:
            scale = float(np.std(values))
        if not scale > 0:
            scale = 1.0
        medians.append(float(med))
        scales.append(float(scale))
    return np.asarray(medians, dtype=np.float32), np.asarray(scales, dtype=np.float32)


def normalise(bands: np.ndarray, median: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """(x - median) / scale clipped to +-CLIP, nodata (NaN) set to 0 (the median); float32."""
    z = (np.asarray(bands, dtype=np.float32) - median[:, None, None]) / scale[:, None, None]
    np.clip(z, -CLIP, CLIP, out=z)
    z[~np.isfinite(z)] = 0.0
    return z


def valid_centres(bands: np.ndarray) -> np.ndarray:
    """Cells where every band has a value: the only cells that are trained on or predicted."""
    return np.isfinite(bands).all(axis=0)


def valid_centre_count(bands: np.ndarray) -> int:
    """How many cells :func:`valid_centres` finds, counted band by band: a national stack's every-band mask at once
    would take a copy of the whole stack."""
    valid = np.ones(np.shape(bands)[1:], dtype=bool)
    for band in bands:
        valid &= np.isfinite(band)
    return int(np.count_nonzero(valid))


def extract_patches(padded: Any, rows: np.ndarray, cols: np.ndarray, patch_size: int) -> np.ndarray:
    """(n, bands, p, p) patches centred on (rows, cols) of the unpadded grid; ``padded`` has a halo of p // 2, or is
    a bank of patches read window by window (:class:`.streaming.PatchBank`, which has ``patches(rows, cols, p)``)."""
    if not isinstance(padded, np.ndarray):
        return padded.patches(rows, cols, patch_size)
    # numpy's stubs lack the axis tuple
    window = (patch_size, patch_size)
    view = np.lib.stride_tricks.sliding_window_view(padded, window, axis=(1, 2))  # type: ignore[call-overload]
    return np.ascontiguousarray(view[:, rows, cols].transpose(1, 0, 2, 3))


def pad_halo(z: np.ndarray, halo: int) -> np.ndarray:
    """Zero (= median) padding of a normalised stack, as outside the raster is nodata."""
    return np.pad(z, ((0, 0), (halo, halo), (halo, halo)))


def dihedral(x: torch.Tensor, k: int) -> torch.Tensor:
    """One of the 8 rotations/reflections of the square (k = 0 is the identity)."""
    if k >= 4:
        x = torch.flip(x, dims=(3,))
    return torch.rot90(x, k % 4, dims=(2, 3))


def augment(x: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    """Apply a random dihedral transform to each patch."""
    ks = rng.integers(0, 8, size=x.shape[0])
    out = torch.empty_like(x)
    for k in range(8):
        idx = np.flatnonzero(ks == k)
        if idx.size:
            sel = torch.as_tensor(idx, device=x.device)
            out[sel] = dihedral(x[sel], k)
    return out


def window_reader(bands: np.ndarray) -> Callable[[int, int, int, int], np.ndarray]:
    """A ``read_window`` over an in-memory (bands, H, W) array, NaN outside it."""
    n, height, width = bands.shape

    def read(r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        out = np.full((n, r1 - r0, c1 - c0), np.nan, dtype=np.float32)
        rr0, rr1, cc0, cc1 = max(r0, 0), min(r1, height), max(c0, 0), min(c1, width)
        if rr1 > rr0 and cc1 > cc0:
            out[:, rr0 - r0 : rr1 - r0, cc0 - c0 : cc1 - c0] = bands[:, rr0:rr1, cc0:cc1]
        return out

    return read


def dihedral_offsets(patch_size: int) -> torch.Tensor:
    """(8, 2, p, p): for each transform k of :func:`dihedral`, the (row, column) of the patch that each cell of
    the transformed patch takes, so that gathering a patch's cells at these offsets is ``dihedral(patch, k)``."""
    steps = torch.arange(patch_size)
    grid = torch.stack(torch.meshgrid(steps, steps, indexing="ij"))[None]  # (1, 2, p, p): each cell's own place
    return torch.cat([dihedral(grid, k) for k in range(8)])


class DevicePatches:
    """A padded stack held on the torch device, from which augmented patches are gathered in one indexing step.

    ``gather(rows, cols, ks)`` equals ``augment`` of :func:`extract_patches` with transforms ``ks``, cell for cell,
    but the patches never pass through the host: on a GPU, cutting patches with numpy and copying each batch
    across (with a wait for the device at every copy) is what bounded training, not the network. The stack is
    stored cells x bands (channels last), so one patch cell is one contiguous row of band values.
    """

    def __init__(self, padded: np.ndarray, patch_size: int, device: str) -> None:
        bands, height, width = padded.shape
        self.bands, self.width, self.size = bands, width, patch_size
        stack = torch.as_tensor(np.ascontiguousarray(padded, dtype=np.float32)).to(device)
        self.cells = stack.permute(1, 2, 0).reshape(height * width, bands).contiguous()
        del stack
        offsets = dihedral_offsets(patch_size).to(device)
        self.offsets = offsets[:, 0] * width + offsets[:, 1]  # (8, p, p) steps from a patch's corner cell

    def gather(self, rows: torch.Tensor, cols: torch.Tensor, ks: torch.Tensor) -> torch.Tensor:
        """(n, bands, p, p) patches centred on (rows, cols) of the unpadded grid (the corner cells of the padded
        one), patch i in dihedral orientation ks[i]; every argument a long tensor on the device."""
        corner = rows * self.width + cols
        flat = (corner[:, None, None] + self.offsets[ks]).reshape(-1)
        p = self.size
        return self.cells[flat].reshape(-1, p, p, self.bands).permute(0, 3, 1, 2).contiguous()


def device_bytes_free(device: str) -> int:
    """Free memory of a CUDA device in bytes (0 for any other device)."""
    if not device.startswith("cuda"):
        return 0
    free, _ = torch.cuda.mem_get_info(torch.device(device))
    return int(free)
