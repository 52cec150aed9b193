"""Normal-score (quantile) transform of the evidence bands, fitted on the training stack and stored in the model.

Geochemical bands are strongly skewed, and a median / IQR normalisation clipped at +-CLIP leaves their long tails
where a few extreme cells dominate a convolution's sums. Tree learners are invariant to monotone transforms; a
network is not. The normal-score transform maps each band through its own empirical distribution function to a
standard normal: ranks are kept, the skew is gone, and every band has the same spread.

Per band, ``QUANTILES`` values at evenly spaced probabilities (0, 1 / (n - 1), ..., 1) are stored; a value maps to
its probability by linear interpolation between them (the mean of the interpolation from below and from above,
so a run of equal quantiles maps to its middle), clipped to [BOUND, 1 - BOUND], then through the standard normal
quantile function: the same rule as scikit-learn's ``QuantileTransformer(output_distribution="normal")``, whose
outputs the tests compare with. Values beyond the fitted range take the bounds (+-5.2); NaN stays NaN.

The transform is elementwise, so a window, a patch and the whole stack give each cell the same value: training,
``predict`` and Dask workers apply it to what they read, before the usual median / IQR normalisation (which then
finds a median near 0 and a scale near 1).

INPUT_TRANSFORM piecewise stores a coarser table of the same kind (PIECEWISE_BINS + 1 quantiles per band): the bin
edges of the network's piecewise-linear encoding (:mod:`.piecewise`); the bands themselves then go through no
transform here (:func:`data_quantiles`).
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, List, Optional

import numpy as np

from ..lazy import lazy_function

ndtri = lazy_function("scipy.special", "ndtri")  # scipy imported when used: the plugin loads without it

#: quantiles stored per band (scikit-learn's default n_quantiles)
QUANTILES = 1000
#: probabilities are kept within [BOUND, 1 - BOUND] before the normal quantile function (scikit-learn's
#: BOUNDS_THRESHOLD), so the outputs lie within about +-5.2
BOUND = 1e-7
#: cells sampled per band to fit the quantiles (scikit-learn's default subsample is 10,000; more is cheap here)
MAX_CELLS = 1_000_000
#: bins per band of INPUT_TRANSFORM piecewise (PIECEWISE_BINS + 1 quantiles stored per band)
PIECEWISE_BINS = 16


def fit_input_quantiles(bands: np.ndarray, input_transform: str, seed: int = 0) -> Optional[np.ndarray]:
    """The quantile table a model of ``input_transform`` stores (fitted on the training stack or its sample):
    QUANTILES per band for normal scores ("quantile"), PIECEWISE_BINS + 1 for the piecewise-linear encoding's bin
    edges ("piecewise"), None for "robust"."""
    if input_transform == "quantile":
        return fit_quantiles(bands, seed=seed)
    if input_transform == "piecewise":
        return fit_quantiles(bands, PIECEWISE_BINS + 1, seed=seed)
    return None


def data_quantiles(quantiles: Optional[Any], input_transform: str) -> Optional[Any]:
    """The table the bands themselves go through before the normalisation (:func:`transform`): the stored
    ``quantiles`` for normal scores, None otherwise (the piecewise-linear encoding is the network's first layer)."""
    return quantiles if input_transform == "quantile" else None


def sampled(values: Iterable[np.ndarray], max_cells: int, seed: int = 0) -> Iterator[np.ndarray]:
    """Each of ``values`` (one array a band, read lazily), or ``max_cells`` of its elements drawn at random without
    replacement when it has more: one generator seeded with ``seed`` draws band after band, so a band's sample
    depends on the seed and on the sizes of the bands before it (the sample both normalisations are fitted on)."""
    rng = np.random.default_rng(seed)
    for band_values in values:
        yield rng.choice(band_values, max_cells, replace=False) if band_values.size > max_cells else band_values


def fit_quantiles(
    bands: np.ndarray, n_quantiles: int = QUANTILES, max_cells: int = MAX_CELLS, seed: int = 0
) -> np.ndarray:
    """(bands, n) quantiles of each band's finite values at probabilities ``linspace(0, 1, n)`` (n at most the
    number of values), from at most ``max_cells`` values drawn at random; a band without values gets zeros."""
    rows: List[np.ndarray] = []
    finite = [band[np.isfinite(band)] for band in np.asarray(bands)]
    n = max(2, min(int(n_quantiles), max([v.size for v in finite] + [2])))
    for values in sampled(finite, max_cells, seed):
        if values.size == 0:
            rows.append(np.zeros(n))
            continue
        q = np.nanpercentile(values.astype(np.float64), np.linspace(0.0, 1.0, n) * 100)
        rows.append(np.maximum.accumulate(q))  # monotone despite rounding in the percentile interpolation
    return np.asarray(rows, dtype=np.float64)


def apply_quantiles(bands: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """The normal scores (float32, same shape) of a (bands, ...) array through each band's stored ``quantiles``
    (bands, n); NaN stays NaN, values beyond the fitted range take the bounds."""
    data = np.asarray(bands)
    quantiles = np.asarray(quantiles, dtype=np.float64)
    out = np.empty(data.shape, dtype=np.float32)
    refs = np.linspace(0.0, 1.0, quantiles.shape[1])
    lo, hi = float(ndtri(BOUND)), float(ndtri(1.0 - BOUND))
    for j in range(data.shape[0]):
        x = np.asarray(data[j], dtype=np.float64)
        q = quantiles[j]
        # the mean of the interpolation from below and from above: ties map to the middle of their run
        p = 0.5 * (np.interp(x, q, refs) - np.interp(-x, -q[::-1], -refs[::-1]))
        p = np.clip(p, BOUND, 1.0 - BOUND)
        z = ndtri(p)
        z[x <= q[0]] = lo
        z[x >= q[-1]] = hi
        z[np.isnan(x)] = np.nan
        out[j] = z
    return out


def transform(bands: np.ndarray, quantiles: Optional[Any]) -> np.ndarray:
    """``bands`` through the ``quantiles`` (an array, or the model file's nested lists), or ``bands`` itself,
    unchanged and uncopied, when the model has none (median / IQR only, every model file before INPUT_TRANSFORM)."""
    if quantiles is None:
        return bands
    return apply_quantiles(bands, np.asarray(quantiles, dtype=np.float64))
