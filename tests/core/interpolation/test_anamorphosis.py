"""Normal-score transform against a direct empirical-CDF computation (scipy's rankdata and norm.ppf), its
back-transform against numerical integration, and normal-score kriging's behaviour at and far from samples."""

import numpy as np
import pytest
from scipy import stats

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.interpolation.anamorphosis import NormalScore
from geochem_prospector.core.interpolation.selection import Candidate, fit_variogram_for, predict
from geochem_prospector.core.interpolation.variogram import Variogram


def reference_scores(z):
    """Hazen plotting positions of the average rank; ties get the mean score of the ranks they span."""
    n = len(z)
    lo = stats.rankdata(z, method="min")
    hi = stats.rankdata(z, method="max")
    return np.array([np.mean(stats.norm.ppf((np.arange(a, b + 1) - 0.5) / n)) for a, b in zip(lo, hi)])


def test_untied_scores_are_the_normal_quantiles_of_the_empirical_cdf():
    z = np.random.default_rng(1).lognormal(1.0, 1.2, 300)
    ns = NormalScore.fit(z)
    expected = stats.norm.ppf((stats.rankdata(z) - 0.5) / len(z))
    np.testing.assert_allclose(ns.transform(z), expected, atol=1e-12)
    np.testing.assert_allclose(ns.back_transform(ns.transform(z)), z, rtol=1e-12)
    # the scores of a sample are (very nearly) standard normal
    assert stats.kstest(ns.transform(z), "norm").pvalue > 0.9


def test_ties_at_the_detection_limit_share_one_score():
    rng = np.random.default_rng(2)
    z = rng.lognormal(0.0, 1.0, 400)
    z[z < np.quantile(z, 0.37)] = 0.025  # 37 % below detection, one substitute
    ns = NormalScore.fit(z)
    scores = ns.transform(z)
    np.testing.assert_allclose(scores, reference_scores(z), atol=1e-12)
    censored = scores[z == 0.025]
    assert np.ptp(censored) == 0
    # the block sits at the conditional mean of a standard normal below its 37 % quantile, not in a far tail
    q = stats.norm.ppf(0.37)
    assert censored[0] == pytest.approx(-stats.norm.pdf(q) / 0.37, abs=0.01)
    assert abs(scores.mean()) < 1e-12  # block means keep the scores centred
    value, share = ns.largest_tie()
    assert value == 0.025 and share == pytest.approx(np.mean(z == 0.025))


def test_back_transform_mean_equals_numerical_integration():
    z = np.random.default_rng(3).lognormal(2.0, 0.8, 150)
    ns = NormalScore.fit(z)
    for mean, var in ((0.0, 1.0), (1.2, 0.3), (-0.7, 0.05), (3.5, 2.0), (0.4, 0.0)):
        if var == 0:
            expected = float(np.interp(mean, ns.scores, ns.values))
        else:
            sd = np.sqrt(var)
            y = np.linspace(mean - 12 * sd, mean + 12 * sd, 2_000_001)
            expected = np.trapz(np.interp(y, ns.scores, ns.values) * stats.norm.pdf(y, mean, sd), y)
        got = ns.back_transform_mean(np.array([mean]), np.array([var]))[0]
        assert got == pytest.approx(expected, rel=1e-6)
    # NaN in, NaN out; shapes kept
    assert np.isnan(ns.back_transform_mean(np.array([np.nan]), np.array([1.0]))[0])
    assert ns.back_transform_mean(np.zeros((3, 4)), np.ones((3, 4))).shape == (3, 4)


def test_constant_field_is_refused():
    with pytest.raises(InputError, match="2 distinct values"):
        NormalScore.fit(np.full(10, 3.0))


def test_normal_score_kriging_is_exact_on_samples_and_tends_to_the_mean_far_away():
    rng = np.random.default_rng(4)
    xy = rng.uniform(0, 1000, (120, 2))
    z = np.exp(np.sin(xy[:, 0] / 200) + 0.3 * rng.normal(size=120))
    vg, _ = fit_variogram_for(xy, z, "normal_score")
    assert vg.sill == pytest.approx(1.0, abs=0.5)  # normal scores have unit variance
    candidate = Candidate("kriging", "normal_score", variogram=vg)
    on_samples = predict(candidate, xy, z, xy[:10], neighbors=16)
    np.testing.assert_allclose(on_samples, z[:10], rtol=1e-9)
    # far from every sample (global kriging, unit sill, short range) the weights are ~1/n, the score ~0 and its
    # variance ~1: E[g(Y)] is then the mean of the sample distribution, where exp(y*) of log kriging is its median
    unit = Candidate("kriging", "normal_score", variogram=Variogram("exponential", 0.0, 1.0, 30.0))
    far = predict(unit, xy, z, np.array([[1e7, 1e7]]), neighbors=0)[0]
    assert far == pytest.approx(z.mean(), rel=0.03)
