"""Survey levelling: recovers a known factor between two surveys, leaves a single survey unchanged; the
disparity checks by hand."""

import numpy as np
import pytest

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.interpolation.levelling import (
    level,
    limit_spread,
    median_disparity,
    reference_survey,
    spatial_groups,
)


def two_surveys(factor, n_a=300, n_b=120, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.lognormal(2.0, 0.8, n_a)
    b = factor * rng.lognormal(2.0, 0.8, n_b)
    return np.concatenate([a, b]), np.array(["A"] * n_a + ["B"] * n_b)


@pytest.mark.parametrize("method", ["median_iqr", "quantile"])
def test_a_survey_that_is_the_reference_times_a_factor_becomes_the_reference(method):
    rng = np.random.default_rng(1)
    a = rng.lognormal(1.0, 1.0, 200)
    order = rng.permutation(200)
    values = np.concatenate([a, 20.0 * a[order], [np.nan]])
    surveys = np.array(["lab1"] * 200 + ["lab2"] * 201)
    levelled, rows = level(values, surveys, "Cu", method)
    assert reference_survey(values, surveys) == "lab1"  # equal counts: the first name
    np.testing.assert_array_equal(levelled[:200], a)  # the reference is left as it is
    np.testing.assert_allclose(levelled[200:400], a[order], rtol=1e-12)  # the factor 20 is undone exactly
    lab1, lab2 = rows
    assert lab2.median_before / lab2.median_after == pytest.approx(20.0, rel=1e-12)
    assert lab2.median_after == pytest.approx(lab1.median_before, rel=1e-12)
    assert np.isnan(levelled[-1])


@pytest.mark.parametrize("method", ["median_iqr", "quantile"])
def test_levelling_recovers_a_known_factor_between_independent_samples(method):
    values, surveys = two_surveys(30.0)
    levelled, rows = level(values, surveys, "Au", method)
    a, b = rows
    assert a.survey == "A" and a.note == "reference survey" and not a.levelled
    assert b.levelled and b.median_before / a.median_before == pytest.approx(30.0, rel=0.2)
    assert b.median_after / a.median_before == pytest.approx(1.0, rel=0.1)
    assert b.iqr_log10_after == pytest.approx(a.iqr_log10_before, rel=0.1)
    np.testing.assert_array_equal(levelled[surveys == "A"], values[surveys == "A"])


def test_exact_factor_with_median_iqr():
    # survey B is exactly 10 x survey A's values: log10 shifted by 1, same IQR, so levelling gives A's values back
    a = np.random.default_rng(2).lognormal(0.0, 1.0, 51)
    levelled, _ = level(np.concatenate([a, 10 * a]), ["A"] * 51 + ["B"] * 51, "Cu")
    np.testing.assert_allclose(levelled[51:], a, rtol=1e-12)


def test_a_single_survey_is_unchanged_and_small_surveys_are_left_out():
    values, _ = two_surveys(1.0)
    levelled, rows = level(values, ["only"] * len(values), "Cu")
    np.testing.assert_array_equal(levelled, values)
    assert len(rows) == 1 and rows[0].note == "reference survey"
    values, surveys = two_surveys(1000.0, n_b=6)
    levelled, rows = level(values, surveys, "Au")
    np.testing.assert_array_equal(levelled, values)
    assert rows[1].note == "not levelled: 6 values, fewer than 10" and not rows[1].levelled
    with pytest.raises(InputError, match="SURVEY_FIELD"):
        level(values[:5], surveys[:5], "Au")


def test_disparities_by_hand():
    values, surveys = two_surveys(1000.0, n_b=6)
    low, m_low, high, m_high = median_disparity(values, surveys)
    assert (low, high) == ("A", "B") and m_low == pytest.approx(np.median(values[:300]))
    assert m_high == pytest.approx(np.median(values[300:]))
    values, surveys = two_surveys(3.0)
    assert median_disparity(values, surveys) is None
    assert limit_spread([0.1, 5.0, 0.5]) == (0.1, 5.0)
    assert limit_spread([0.5, 2.0]) is None


def test_one_survey_with_nested_pairs_is_one_group():
    """A 250 m grid whose every node has a close partner sample (40 m off, as the Jura's nested design): one survey,
    one group. By the nearest-sample distance (40 m) every node with its partner was a group of its own, and their
    medians compared as if they were surveys."""
    gx, gy = np.meshgrid(np.arange(16) * 250.0, np.arange(16) * 250.0)
    nodes = np.column_stack([gx.ravel(), gy.ravel()])
    xy = np.vstack([nodes, nodes + [40.0, 0.0]])
    assert len(set(spatial_groups(xy).tolist())) == 1
    assert len(set(spatial_groups(xy, neighbour=1).tolist())) == 256  # the nearest sample alone: split


def test_spatial_groups_split_surveys_separated_by_a_gap():
    rng = np.random.default_rng(3)
    west = rng.uniform(0, 1000, (80, 2))
    east = rng.uniform(0, 1000, (40, 2)) + [5000, 0]
    groups = spatial_groups(np.vstack([west, east]))
    assert len(set(groups[:80])) == 1 and len(set(groups[80:])) == 1 and groups[0] != groups[-1]


def test_limits_ten_times_apart_are_two_methods():
    """Half a survey at <5 and half at <0.5 (gold by two methods): 10 times apart, reported; a limit that moved by a
    dilution (2 or 5 times) is not. The ratios by hand: 5 / 0.5 = 10, 0.05 / 0.005 = 10, 2.5 / 0.5 = 5."""
    assert limit_spread([5.0, 0.5]) == (0.5, 5.0)
    assert limit_spread([0.005, 0.05]) == (0.005, 0.05)  # 10 in exact arithmetic, not in binary floats
    assert limit_spread([0.5, 2.5]) is None
