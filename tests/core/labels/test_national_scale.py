"""Sweep 18c: pseudolabel on national grids. The preparation (seeds, standardised bands) reports progress and can
be cancelled; the standardised bands equal numpy's on the whole stack; label spreading's memory estimate covers
what its graph holds (tracemalloc), where the estimate for every method did not."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from geochem_prospector.core.errors import Cancelled
from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.labels import pseudolabel as pl
from geochem_prospector.core.labels.methods import _label_spreading
from geochem_prospector.core.labels.seeds import _standardise


def _stack(side: int = 60, bands: int = 5, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.lognormal(2, 1, size=(bands, side, side)) * np.arange(1, bands + 1)[:, None, None]).astype(np.float32)


def test_standardised_bands_equal_numpy_on_the_whole_stack():
    features = _stack()
    features[1, :, :] = 3.5  # a constant band: centred, not scaled
    valid = np.ones(features.shape[1:], dtype=bool)
    valid[::7, ::3] = False
    x = features[:, valid].T.astype(np.float64)  # the reference: numpy in float64 on every valid cell at once
    std = x.std(axis=0)
    std[std == 0] = 1.0
    expected = (x - x.mean(axis=0)) / std
    got = _standardise(features, valid)
    assert got.dtype == np.float32 and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_standardising_reports_progress_and_stops_when_cancelled():
    features = _stack(bands=4)
    valid = np.ones(features.shape[1:], dtype=bool)
    seen: list = []
    _standardise(features, valid, seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 5  # each band's statistics, then the cells
    calls = []

    def cancel_after_two() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        _standardise(features, valid, None, cancel_after_two)
    assert len(calls) == 3  # asked between the bands, stopped at the first ask


def _scene(side: int = 40):
    features = _stack(side)
    grid = GridSpec(0.0, float(side), 1.0, side, side)
    points = np.array([[5.5, 5.5], [30.5, 20.5], [12.5, 33.5]])
    return features, grid, points


@pytest.mark.parametrize("method", pl.METHODS)
def test_a_cancel_during_preparation_stops_before_the_method(monkeypatch, method):
    """A cancel asked while the bands are standardised (10-20 s on 16 M cells, before sweep 18c without a check)
    stops the run there: the method never starts."""
    features, grid, points = _scene()
    started = []
    for name in ("_pu_bagging", "_label_spreading", "_self_training"):
        monkeypatch.setattr(pl, name, lambda *a, **k: started.append(1))
    progress: list = []
    with pytest.raises(Cancelled):
        pl.pseudolabel(
            features,
            grid,
            points,
            settings=pl.PseudoLabelSettings(method=method),
            progress=progress.append,
            is_cancelled=lambda: bool(progress) and progress[-1] > 0,
        )
    assert not started
    assert 0 < progress[-1] <= pl.PREPARATION


def test_progress_rises_from_the_preparation_to_one():
    features, grid, points = _scene()
    seen: list = []
    pl.pseudolabel(features, grid, points, settings=pl.PseudoLabelSettings(bags=5), progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert any(0 < f <= pl.PREPARATION for f in seen)  # the preparation moves the bar before the first bag


def test_label_spreading_memory_estimate_covers_its_graph():
    """Peak of the arrays label spreading allocates (tracemalloc: numpy and scipy, not the KD-tree's C memory) on
    400,000 distinct cells (the principal components' covariance samples at most 200,000: a fixed cost), 20 bands,
    k 10 and 30, plus the stack and its standardised copy (8 bytes a cell and
    band): below the estimate, and above the estimate for every method, which had let it start."""
    rng = np.random.default_rng(3)
    n, bands = 400000, 20
    x = rng.normal(size=(n, bands)).astype(np.float32)
    seeds = np.full(n, -1, dtype=np.int16)
    seeds[:20] = 1
    seeds[20:40] = 0
    for k in (10, 30):
        tracemalloc.start()
        _label_spreading(x, seeds, np.zeros(n, dtype=bool), 2, k, 0.9, 50, None, None)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        per_cell = peak / n + 8 * bands
        assert per_cell < pl.memory_per_cell("label_spreading", bands, k)
        assert per_cell > pl.memory_per_cell("pu_bagging", bands, k)
