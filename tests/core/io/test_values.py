"""Censored (below-detection) values, missing/text counts and co-located sample averaging."""

import math

import numpy as np
import pytest

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.io.values import average_duplicates, to_float_array


def test_censored_values_become_fraction_of_detection_limit():
    raw = ["<5", "< 0.5", "<0,5", -2, "-4", "3.1", "", None, "abc", "nan", 4, 0]
    values, rep = to_float_array(raw, censored_factor=0.5)
    expected = [2.5, 0.25, 0.25, 1.0, 2.0, 3.1, math.nan, math.nan, math.nan, math.nan, 4.0, 0.0]
    np.testing.assert_array_equal(values, expected)
    assert (rep.total, rep.numeric, rep.censored, rep.missing, rep.unparsable) == (12, 3, 5, 3, 1)
    assert rep.detection_limits == [5.0, 0.5, 2.0, 4.0]
    assert rep.examples == ["abc"]


def test_other_factors_and_negative_convention_off():
    values, rep = to_float_array(["<10", -3, 7], censored_factor=0.0)
    np.testing.assert_array_equal(values, [0.0, 0.0, 7.0])
    values, rep = to_float_array(["<10", -3, 7], censored_factor=1.0, negative_is_censored=False)
    np.testing.assert_array_equal(values, [10.0, -3.0, 7.0])
    assert rep.censored == 1 and rep.numeric == 2


def test_without_factor_behaviour_is_unchanged():
    values, rep = to_float_array(["<5", -2, "1.5"])
    np.testing.assert_array_equal(values, [math.nan, -2.0, 1.5])
    assert rep.unparsable == 1 and rep.censored == 0 and rep.numeric == 2


def test_bad_factor_refused():
    with pytest.raises(InputError, match="CENSORED_FACTOR"):
        to_float_array(["1"], censored_factor=-1)


def brute_force_merge(xy, values):
    """Group by exact coordinates with a dict; nanmean per column."""
    groups = {}
    for i, key in enumerate(map(tuple, xy)):
        groups.setdefault(key, []).append(i)
    out_xy, out_v = [], []
    for key, members in groups.items():
        out_xy.append(key)
        with np.errstate(all="ignore"):
            col = values[members]
            out_v.append([np.nan if np.isnan(c).all() else np.nanmean(c) for c in col.T])
    order = np.lexsort(np.array(out_xy).T[::-1])
    return np.array(out_xy)[order], np.array(out_v)[order]


def test_duplicates_averaged_like_brute_force():
    rng = np.random.default_rng(1)
    xy = np.round(rng.uniform(0, 10, size=(300, 2)))  # many exact repeats on a coarse lattice
    values = rng.normal(size=(300, 2))
    values[rng.random((300, 2)) < 0.2] = np.nan
    merged_xy, merged, n_merged = average_duplicates(xy, values)
    ref_xy, ref = brute_force_merge(xy, values)
    order = np.lexsort(merged_xy.T[::-1])
    np.testing.assert_allclose(merged_xy[order], ref_xy)
    np.testing.assert_allclose(merged[order], ref, equal_nan=True)
    assert n_merged == 300 - len(ref_xy) > 0


def test_tolerance_and_no_duplicates():
    xy = np.array([[0.0, 0.0], [0.0005, 0.0], [5.0, 5.0]])
    v = np.array([1.0, 3.0, 7.0])
    m_xy, m_v, n = average_duplicates(xy, v, tolerance=1e-3)
    assert n == 1 and sorted(m_v) == [2.0, 7.0]
    m_xy, m_v, n = average_duplicates(xy, v)
    assert n == 0 and np.array_equal(m_v, v)
