"""core.interpolation: the normal-score back-transform of a band (against np.interp on the fitted table and scipy's
numerical integration of g(Y), Y ~ N(m, s²)) and the levelling's provenance record (against the rows by hand)."""

import numpy as np
import pytest
from scipy import integrate, stats

from geochem_prospector.core.interpolation.anamorphosis import NormalScore, back_transformed
from geochem_prospector.core.interpolation.levelling import SurveyLevel, levelling_record


def test_no_anamorphosis_leaves_the_band_as_it_is():
    band = np.arange(6.0).reshape(2, 3)
    assert back_transformed(None, band) is band
    assert back_transformed(None, band, np.ones_like(band)) is band


def test_back_transform_of_scores_and_of_the_kriged_mean():
    z = np.random.default_rng(1).lognormal(1.0, 0.7, 60)
    ns = NormalScore.fit(z)
    band = np.array([[-3.0, -0.5, 0.0], [0.4, 1.2, np.nan]])
    got = back_transformed(ns, band)
    assert got.dtype == np.float32
    expected = np.interp(band, ns.scores, ns.values)  # g, constant beyond the table
    np.testing.assert_allclose(got[:, :2], expected[:, :2].astype(np.float32), rtol=1e-6)
    assert np.isnan(got[1, 2])

    variance = np.array([[0.3, 0.0, 1.0], [0.5, 0.2, 0.1]])
    mean = back_transformed(ns, band, variance)
    assert mean.dtype == np.float32

    def expectation(m, v):
        if v == 0:
            return float(np.interp(m, ns.scores, ns.values))
        s = np.sqrt(v)
        f = lambda y: np.interp(y, ns.scores, ns.values) * stats.norm.pdf(y, m, s)  # noqa: E731
        return integrate.quad(f, m - 12 * s, m + 12 * s, points=list(ns.scores), limit=400)[0]

    for i, j in np.ndindex(2, 3):
        if np.isnan(band[i, j]):
            assert np.isnan(mean[i, j])
        else:
            assert mean[i, j] == pytest.approx(expectation(band[i, j], variance[i, j]), rel=1e-5)


def test_levelling_record():
    rows = [
        SurveyLevel("1998", "Cu", 40, 12.0, 12.0, 0.3, 0.3, False, "reference"),
        SurveyLevel("2005", "Cu", 25, 18.0, 12.5, 0.35, 0.34, True),
    ]
    assert levelling_record(None, "median", rows) is None
    assert levelling_record("", "median", rows) is None
    assert levelling_record("Year", "quantile", rows) == {
        "field": "Year",
        "method": "quantile",
        "surveys": [
            {"survey": "1998", "element": "Cu", "n": 40, "median_before": 12.0, "median_after": 12.0,
             "levelled": False, "note": "reference"},
            {"survey": "2005", "element": "Cu", "n": 25, "median_before": 18.0, "median_after": 12.5,
             "levelled": True, "note": ""},
        ],
    }  # fmt: skip
