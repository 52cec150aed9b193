"""A label confidence raster checked before it weights anything: a confidence runs from 0 to 1."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from ..errors import InputError

#: float32 rounding of a probability: 1.0000001 is 1
TOLERANCE = 1e-6


def check_confidence(values: np.ndarray, name: str, whole: bool = True) -> None:
    """Refuse a confidence raster with values outside 0..1: weights in percent (87.5) or an untagged fill
    (-9999) would be taken as they are (below 0 as 0), a nodata cell counting 1 beside them, so that the labels
    it should weigh most would count least or not at all. ``whole``: ``values`` is the whole raster, refused when
    it holds no value at all (every label would count 1, as without a confidence raster, without a word; sweep
    19a); a window of it (``whole`` False) may be all nodata."""
    data = np.asarray(values, dtype=np.float64)
    data = data[np.isfinite(data)]
    if data.size == 0:
        if whole:
            require_confidence_values(0, name)
        return
    low, high = float(data.min()), float(data.max())
    if low >= -TOLERANCE and high <= 1.0 + TOLERANCE:
        return
    if low >= 0.0 and 1.5 < high <= 100.0:
        advice = (
            f'if it is in percent, divide it by 100 first (Raster › Raster Calculator: "{name}@1" / 100) and give '
            "that raster"
        )
    elif low >= 0.0 and high <= 100.0:
        advice = "check that it holds confidences (0 to 1), e.g. pseudolabel's OUTPUT_CONFIDENCE"
    else:
        advice = "check its nodata value (a fill such as -9999 must be tagged as nodata) and that it is a confidence"
    raise InputError(
        f"'{name}' holds {f'the value {low:g}' if low == high else f'values from {low:g} to {high:g}'}, but a label's "
        f"confidence runs from 0 to 1 (as "
        f"pseudolabel's OUTPUT_CONFIDENCE writes it); {advice}.",
        "CONFIDENCE",
    )


def confidence_weights(
    sample_weight: Optional[np.ndarray], shape: Sequence[int], rows: np.ndarray, cols: np.ndarray, whole: bool = True
) -> np.ndarray:
    """The confidence raster's weights at cells (rows, cols), NaN as 1 and negative as 0 (all 1 without one).
    Refused when the raster has no value at any of those cells: it would weigh every label alike, as none does,
    which is a confidence raster made with other labels or another grid, not this one; with ``whole`` False the
    cells are one window's (streamed training), which may all lack a value."""
    if sample_weight is None:
        return np.ones(rows.size)
    sw_full = np.asarray(sample_weight, dtype=np.float64)
    if sw_full.shape != tuple(shape):
        raise InputError("the confidence raster must be on the evidence rasters' grid.", "CONFIDENCE")
    at_labels = sw_full[rows, cols]
    if whole:
        require_values_at_labels(at_labels.size, int(np.isfinite(at_labels).sum()))
    return np.clip(np.nan_to_num(at_labels, nan=1.0), 0.0, None)


def require_confidence_values(n_values: int, name: str) -> None:
    """Refuse a confidence raster with no cell holding a value (``n_values`` 0): all nodata, it would weigh every
    label alike, without a word. Counted over the whole raster, or summed over its windows (streamed training)."""
    if n_values == 0:
        raise InputError(
            f"'{name}' has no cell with a value (all nodata), so it would weigh every label alike, as no "
            "confidence raster does; check its nodata value and that it is a confidence raster (e.g. "
            "pseudolabel's OUTPUT_CONFIDENCE), or leave CONFIDENCE empty.",
            "CONFIDENCE",
        )


def require_values_at_labels(n_labelled: int, n_with_value: int) -> None:
    """Refuse a confidence raster with a value at none (``n_with_value`` 0) of the ``n_labelled`` labelled cells: it
    would weigh every label alike, a confidence made with other labels or on another grid. Counted over the whole
    raster, or summed over its windows (streamed training)."""
    if n_labelled and not n_with_value:
        raise InputError(
            f"the confidence raster has no value at any of the {n_labelled} labelled cells (nodata at all of "
            "them), so it would weigh every label alike, as no confidence raster does; give the confidence made "
            "with these labels (pseudolabel's OUTPUT_CONFIDENCE beside its OUTPUT), or leave CONFIDENCE empty.",
            "CONFIDENCE",
        )
