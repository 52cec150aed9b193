"""Experimental variogram vs brute force; model fits vs known and published variograms."""

import os

import numpy as np
import pytest

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.interpolation.variogram import (
    MODELS,
    ExperimentalVariogram,
    Variogram,
    auto_variogram,
    experimental_variogram,
    fit_variogram,
)
from tests.conftest import TEST_DATA

DATA = TEST_DATA


def test_experimental_matches_pair_loop():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 100, size=(60, 2))
    z = rng.normal(size=60)
    ev = experimental_variogram(xy, z, n_lags=6, max_lag=60.0)
    width = 10.0
    sums, counts, dists = np.zeros(6), np.zeros(6), np.zeros(6)
    for i in range(60):
        for j in range(i + 1, 60):
            d = np.hypot(*(xy[i] - xy[j]))
            if 0 < d <= 60:
                b = min(int(d // width), 5)
                sums[b] += (z[i] - z[j]) ** 2
                counts[b] += 1
                dists[b] += d
    np.testing.assert_allclose(ev.gamma, sums / (2 * counts))
    np.testing.assert_allclose(ev.lags, dists / counts)
    np.testing.assert_array_equal(ev.counts, counts)


@pytest.mark.parametrize("model", MODELS)
def test_fit_recovers_generating_model(model):
    true = Variogram(model, 0.2, 1.3, 40.0)
    lags = np.linspace(3, 90, 15)
    ev = ExperimentalVariogram(lags, true(lags), np.full(15, 100))
    best, scores = fit_variogram(ev)
    assert best.model == model
    np.testing.assert_allclose([best.nugget, best.psill, best.range], [0.2, 1.3, 40.0], rtol=2e-3, atol=1e-3)
    assert scores[model] == min(scores.values())


@pytest.mark.parametrize("unit", [1e-9, 1e-4, 1e9])
def test_fit_does_not_depend_on_the_units(unit):
    """The same variogram in other units (Cu as a fraction, or as counts): the fit is the same, scaled. Before, a
    variogram of 1e-16 (values of 1e-8) could not start ('x0 is infeasible') and one of 1e-6 stayed at its start."""
    true = Variogram("exponential", 0.2, 1.3, 40.0)
    lags = np.linspace(3, 90, 15)
    rng = np.random.default_rng(1)
    gamma = true(lags) * rng.uniform(0.9, 1.1, 15)  # noisy, so the fit has something to do
    reference, reference_scores = fit_variogram(ExperimentalVariogram(lags, gamma, np.full(15, 100)))
    scaled, scores = fit_variogram(ExperimentalVariogram(lags, gamma * unit**2, np.full(15, 100)))
    assert scaled.model == reference.model
    np.testing.assert_allclose(
        [scaled.nugget / unit**2, scaled.psill / unit**2, scaled.range],
        [reference.nugget, reference.psill, reference.range],
        rtol=1e-6,
    )
    for model, score in scores.items():
        assert score / unit**4 == pytest.approx(reference_scores[model], rel=1e-6)


def test_meuse_log_zinc_matches_published_variogram():
    """gstat vignette: log(zinc) spherical, nugget 0.0507, partial sill 0.5906, range 897 m.

    Tolerance: nugget within 0.02 absolute, partial sill and range within 5 %.
    """
    import pandas as pd

    d = pd.read_csv(os.path.join(DATA, "meuse", "meuse.csv"))
    vg, _, ev = auto_variogram(d[["x", "y"]].values, np.log(d["zinc"].values), models=["spherical"])
    assert len(ev.lags) == 15 and ev.lags.max() < 1600
    assert abs(vg.nugget - 0.0507) < 0.02
    assert vg.psill == pytest.approx(0.5906, rel=0.05)
    assert vg.range == pytest.approx(897.0, rel=0.05)


def test_model_formulas_and_validation():
    h = np.array([0.0, 50.0, 100.0, 1e6])
    sph = Variogram("spherical", 1.0, 2.0, 100.0)
    np.testing.assert_allclose(sph(h), [0.0, 1 + 2 * (0.75 - 0.0625), 3.0, 3.0])
    exp = Variogram("exponential", 0.0, 1.0, 100.0)
    assert exp(np.array(100.0)) == pytest.approx(1 - np.exp(-3))
    np.testing.assert_allclose(sph.covariance(h), 3.0 - sph(h))
    with pytest.raises(InputError):
        Variogram("cubic", 0, 1, 1)
    with pytest.raises(InputError):
        Variogram("spherical", 0, 0, 1)
    with pytest.raises(InputError):
        experimental_variogram(np.zeros((5, 2)), np.arange(5.0))


def test_large_inputs_use_a_fixed_subset():
    rng = np.random.default_rng(2)
    xy = rng.uniform(0, 1000, size=(5000, 2))
    z = np.sin(xy[:, 0] / 200) + rng.normal(0, 0.1, 5000)
    a = experimental_variogram(xy, z, max_samples=1000)
    b = experimental_variogram(xy, z, max_samples=1000)
    np.testing.assert_array_equal(a.gamma, b.gamma)
    assert a.counts.sum() <= 1000 * 999 / 2


def test_cressie_hawkins_matches_gstools():
    gs = pytest.importorskip("gstools", reason="gstools (test-only reference) not installed")
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 100, size=(150, 2))
    z = rng.lognormal(0, 1, 150)  # skewed, with outliers: where the robust estimator matters
    ours = experimental_variogram(xy, z, n_lags=6, max_lag=60.0, estimator="cressie_hawkins")
    _, gamma, counts = gs.vario_estimate(
        xy.T, z, bin_edges=np.linspace(0, 60, 7), estimator="cressie", return_counts=True
    )
    np.testing.assert_array_equal(ours.counts, counts)
    np.testing.assert_allclose(ours.gamma, gamma, rtol=1e-10)
    classic = experimental_variogram(xy, z, n_lags=6, max_lag=60.0)
    _, gamma_m = gs.vario_estimate(xy.T, z, bin_edges=np.linspace(0, 60, 7), estimator="matheron")
    np.testing.assert_allclose(classic.gamma, gamma_m, rtol=1e-10)
    # one wild value inflates Matheron's semivariance far more than Cressie-Hawkins'
    wild = z.copy()
    wild[0] = 1000.0
    ch = experimental_variogram(xy, wild, n_lags=6, max_lag=60.0, estimator="cressie_hawkins").gamma
    ma = experimental_variogram(xy, wild, n_lags=6, max_lag=60.0).gamma
    assert np.all(ch / ours.gamma < 0.5 * ma / classic.gamma)


@pytest.mark.parametrize("truth", [30.0, 120.0])
@pytest.mark.parametrize("estimator", ["matheron", "cressie_hawkins"])
def test_anisotropy_is_fitted_on_an_anisotropic_field(truth, estimator):
    gs = pytest.importorskip("gstools", reason="gstools (test-only reference) not installed")
    from geochem_prospector.core.interpolation.variogram import fit_anisotropy

    # a Gaussian field simulated by GSTools whose range is 3x longer ``truth`` degrees from east than across
    model = gs.Exponential(dim=2, var=1.0, len_scale=[400.0, 400.0 / 3], angles=np.radians(truth))
    rng = np.random.default_rng(8)
    xy = rng.uniform(0, 3000, size=(900, 2))
    z = gs.SRF(model, seed=11)(xy.T)
    angle, ratio = fit_anisotropy(xy, z, estimator=estimator)
    assert 2.0 <= ratio <= 4.5  # 3 in truth; one realisation of 900 samples
    assert abs((angle - truth + 90.0) % 180.0 - 90.0) <= 15.0
    _, iso_ratio = fit_anisotropy(xy, gs.SRF(gs.Exponential(dim=2, len_scale=300.0), seed=3)(xy.T))
    assert iso_ratio < 1.5


def test_given_anisotropy_round_trips_and_is_validated():
    vg = Variogram("spherical", 0.1, 1.0, 500.0, angle=45.0, ratio=2.0)
    assert vg.as_dict() == {
        "model": "spherical",
        "nugget": 0.1,
        "psill": 1.0,
        "range": 500.0,
        "angle": 45.0,
        "ratio": 2.0,
    }
    assert Variogram("spherical", 0.1, 1.0, 500.0).as_dict() == {
        "model": "spherical",
        "nugget": 0.1,
        "psill": 1.0,
        "range": 500.0,
    }
    assert "anisotropy ratio 2" in vg.describe()
    with pytest.raises(InputError, match="ANISOTROPY_RATIO"):
        Variogram("spherical", 0.1, 1.0, 500.0, ratio=0.5)


def test_the_description_gives_the_range_in_the_unit_given():
    """interpolate's log wrote "range 30,950" for a range in metres: the unit now follows the number when given
    (written by hand here), and is left out as before when not."""
    vg = Variogram("exponential", 0.09739, 0.3592, 30947.97)
    assert vg.describe("m") == "exponential, nugget 0.09739, partial sill 0.3592, range 30,950 m"
    assert vg.describe() == "exponential, nugget 0.09739, partial sill 0.3592, range 30,950"
    assert vg.describe("US ft").endswith("range 30,950 US ft")


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("lag_range", [1e-308, 5e-324, 1e-300, 1e308])
def test_extreme_ranges_give_the_closed_form_without_numpy_warnings(model, lag_range):
    """A range far below every lag is a pure nugget (gamma = sill beyond 0), one far above every lag no structure
    (gamma = nugget): by hand, and no overflow or invalid-value warning on the way (numpy prints them to the log)."""
    import warnings

    h = np.array([0.0, 1e-3, 1.0, 250.0, 1e4, 1e6])
    v = Variogram(model, 0.2, 1.3, lag_range)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gamma, unit = v(h), v.unit_covariance(h.copy())
    beyond = 1.5 if lag_range < 1 else 0.2  # sill, or nugget
    assert gamma[0] == 0.0 and np.allclose(gamma[1:], beyond, rtol=0, atol=1e-12)
    assert unit[0] == 1.0 and np.allclose(unit[1:], (1.5 - beyond) / 1.5, rtol=0, atol=1e-12)


@pytest.mark.parametrize("model", MODELS)
def test_ordinary_ranges_give_the_textbook_models(model):
    """Clipping the lags leaves the models as written (Webster & Oliver): spherical 1.5 r - 0.5 r^3 up to the
    range, exponential 1 - exp(-3 r), gaussian 1 - exp(-3 r^2), with r = h / range."""
    h = np.linspace(0.0, 5000.0, 501)[1:]
    r = h / 800.0
    expected = {
        "spherical": np.where(r < 1, 1.5 * r - 0.5 * r**3, 1.0),
        "exponential": 1 - np.exp(-3 * r),
        "gaussian": 1 - np.exp(-3 * r * r),
    }[model]
    v = Variogram(model, 0.1, 0.9, 800.0)
    assert np.allclose(v(h), 0.1 + 0.9 * expected, rtol=0, atol=1e-14)
    assert np.allclose(v.unit_covariance(h.copy()), 0.9 * (1 - expected), rtol=0, atol=1e-14)
