"""blas_threads: the BLAS pool's size inside and after the block, as threadpoolctl itself reports it; kriging's local
systems are solved inside such a block."""

from __future__ import annotations

import numpy as np
import pytest

from geochem_prospector.core import threads
from geochem_prospector.core.interpolation import kriging
from geochem_prospector.core.interpolation.variogram import auto_variogram

threadpoolctl = pytest.importorskip("threadpoolctl")


def blas_pool_sizes():
    return [info["num_threads"] for info in threadpoolctl.threadpool_info() if info.get("user_api") == "blas"]


def test_limits_blas_inside_and_restores_it_after():
    np.linalg.solve(np.eye(3), np.ones(3))  # BLAS loaded
    before = blas_pool_sizes()
    if not before:
        pytest.skip("no BLAS library that threadpoolctl knows is loaded")
    with threads.blas_threads(1) as limited:
        assert limited
        assert blas_pool_sizes() == [1] * len(before)
    assert blas_pool_sizes() == before


def test_none_changes_nothing():
    before = blas_pool_sizes()
    with threads.blas_threads(None) as limited:
        assert not limited
        assert blas_pool_sizes() == before


def test_local_kriging_solves_on_one_blas_thread(monkeypatch):
    seen = []
    solve = kriging._solve_local

    def spy(*args, **kwargs):
        seen.append(blas_pool_sizes())
        return solve(*args, **kwargs)

    monkeypatch.setattr(kriging, "_solve_local", spy)
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 1000, (200, 2))
    z = np.sin(xy[:, 0] / 200) + rng.normal(0, 0.1, 200)
    targets = rng.uniform(0, 1000, (50, 2))
    kriging.krige_points(xy, z, targets, auto_variogram(xy, z)[0], neighbors=12)
    assert seen and all(sizes and set(sizes) == {1} for sizes in seen)
