"""A CLR index of proportional bands is refused (sweep 13b).

One element in ppm, in % and in ppb: the centred log-ratios (checked by hand with numpy) are one number in every
cell but for rounding (1e-15; 1e-8 when stored as float32), and levels and 36 anomaly areas were drawn on that
rounding. Bands that vary apart
keep their index, equal to the mean of the robust z-scores of the hand-made log-ratios.
"""

import numpy as np
import pytest

from geochem_prospector.core.anomalies.screening import MIN_LOG_SCALE, integrated_index
from geochem_prospector.core.errors import InputError


def _cu() -> np.ndarray:
    return np.random.default_rng(3).lognormal(3, 0.8, (40, 40))


def test_proportional_bands_have_constant_log_ratios_and_are_refused():
    cu = _cu()
    bands = np.stack([cu, cu / 1e4, cu * 1e3])
    logs = np.log10(bands)
    clr = logs - logs.mean(axis=0)
    assert np.ptp(clr, axis=(1, 2)).max() < 1e-12  # one composition everywhere, by hand
    with pytest.raises(InputError, match="centred log-ratios of Cu_ppm, Cu_pct, Cu_ppb do not vary") as err:
        integrated_index(bands, ["Cu_ppm", "Cu_pct", "Cu_ppb"], ["Cu_ppm", "Cu_pct", "Cu_ppb"], "clr")
    assert err.value.parameter == "INDEX_METHOD"
    stored = bands.astype(np.float32).astype(np.float64)  # as a GeoTIFF of float32 holds them
    assert 0 < np.ptp(np.log10(stored) - np.log10(stored).mean(axis=0), axis=(1, 2)).max() < 1e-6
    with pytest.raises(InputError, match="do not vary"):
        integrated_index(stored, ["Cu_ppm", "Cu_pct", "Cu_ppb"], ["Cu_ppm"], "clr")
    # the same bands by robust z-scores: every band is Cu on another scale, the index is Cu's z-score
    index, _ = integrated_index(bands, ["Cu_ppm", "Cu_pct", "Cu_ppb"], ["Cu_ppm", "Cu_pct", "Cu_ppb"], "zscore")
    y = np.log10(cu)
    mad = 1.4826 * np.median(np.abs(y - np.median(y)))
    np.testing.assert_allclose(index, (y - np.median(y)) / max(mad, MIN_LOG_SCALE), atol=1e-9)


def test_bands_that_vary_apart_keep_their_clr_index():
    rng = np.random.default_rng(4)
    bands = np.stack([_cu(), rng.lognormal(2, 0.6, (40, 40)), rng.lognormal(4, 0.5, (40, 40))])
    index, _ = integrated_index(bands, ["Cu", "Pb", "Zn"], ["Cu", "Pb"], "clr")
    logs = np.log10(bands)
    clr = logs - logs.mean(axis=0)
    z = []
    for band in clr[:2]:
        mad = 1.4826 * np.median(np.abs(band - np.median(band)))
        z.append((band - np.median(band)) / max(mad, MIN_LOG_SCALE))
    np.testing.assert_allclose(index, np.mean(z, axis=0), atol=1e-9)
