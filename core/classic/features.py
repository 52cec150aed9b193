"""Per-cell features for the classic learners: the evidence bands at the cell, optionally with the mean and the
standard deviation of each band over a square window around it (so that these learners see some context too).

Windowed statistics use the cells with a value only (NaN = nodata); a cell is usable when its own bands all have a
value and every window holds at least one value. Everything is numpy; the window's half width is the halo a tiled
prediction reads around each tile.
"""

from __future__ import annotations

from typing import List, Optional, Sequence

import numpy as np

from ..errors import InputError

#: the largest neighbourhood window accepted (cells)
MAX_WINDOW = 51


def check_window(window: int) -> int:
    """0 (the cell alone) or an odd window size from 3 to :data:`MAX_WINDOW`."""
    window = int(window)
    if window != 0 and (window < 3 or window % 2 == 0 or window > MAX_WINDOW):
        raise InputError(
            f"the neighbourhood window must be 0 (the cell alone) or an odd number of cells from 3 to {MAX_WINDOW}, "
            f"not {window}.",
            "WINDOW",
        )
    return window


def feature_names(band_names: Sequence[str], window: int) -> List[str]:
    """The features' names, in the order of :func:`cell_features`."""
    names = list(band_names)
    if window:
        names += [f"{b} mean {window}x{window}" for b in band_names]
        names += [f"{b} std {window}x{window}" for b in band_names]
    return names


def _box_sum(z: np.ndarray, half: int) -> np.ndarray:
    """Sum over the (2 half + 1)^2 window around each cell of the inner part of a (bands, h + 2 half, w + 2 half)
    array: rows then columns, added in a fixed order, so a cell's sum does not depend on where a tile starts
    (tiled prediction equals whole-raster prediction bit for bit)."""
    k = 2 * half + 1
    h, w = z.shape[1] - 2 * half, z.shape[2] - 2 * half
    rows = z[:, 0:h, :].copy()
    for d in range(1, k):
        rows += z[:, d : d + h, :]
    out = rows[:, :, 0:w].copy()
    for d in range(1, k):
        out += rows[:, :, d : d + w]
    return out


def window_features(window_bands: np.ndarray, window: int, shift: Optional[np.ndarray] = None) -> np.ndarray:
    """Features (n_features, h, w) of the inner cells of a (bands, h + 2 halo, w + 2 halo) array, halo =
    ``window // 2`` (NaN = nodata, also beyond the raster). NaN where a cell is not usable.

    ``shift`` (one value per band, e.g. the band's training mean; default 0) is subtracted before the window sums,
    so that the standard deviation of large values loses no precision; a fitted model stores it.
    """
    x = np.asarray(window_bands, dtype=np.float64)
    half = window // 2
    inner = x[:, half : x.shape[1] - half, half : x.shape[2] - half]
    if not window:
        return inner.copy()
    ok = np.isfinite(x)
    offset = np.zeros((x.shape[0], 1, 1)) if shift is None else np.asarray(shift, np.float64).reshape(-1, 1, 1)
    z = np.where(ok, x - offset, 0.0)
    count = _box_sum(ok.astype(np.float64), half)
    with np.errstate(invalid="ignore", divide="ignore"):
        s1 = _box_sum(z, half) / count
        var = np.clip(_box_sum(z * z, half) / count - s1**2, 0.0, None)
    feats = np.concatenate([inner, s1 + offset, np.sqrt(var)])
    feats[:, ~(np.isfinite(inner).all(axis=0) & (count > 0).all(axis=0))] = np.nan
    return feats


def band_shift(bands: np.ndarray) -> np.ndarray:
    """Each band's mean over its cells with a value (0 for an empty band): the ``shift`` of :func:`window_features`."""
    out = np.zeros(bands.shape[0])
    for i, band in enumerate(np.asarray(bands, dtype=np.float64)):
        ok = np.isfinite(band)
        out[i] = float(band[ok].mean()) if ok.any() else 0.0
    return out


def cell_features(bands: np.ndarray, window: int = 0, shift: Optional[np.ndarray] = None) -> np.ndarray:
    """Features (n_features, H, W) of a whole (bands, H, W) stack (NaN beyond the raster)."""
    bands = np.asarray(bands, dtype=np.float64)
    half = window // 2
    padded = np.pad(bands, ((0, 0), (half, half), (half, half)), constant_values=np.nan) if half else bands
    return window_features(padded, window, shift)
