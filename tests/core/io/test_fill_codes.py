"""Missing-data codes (-999, -9999 …) in element fields are missing values, not detection limits.

Before this was fixed, a field holding -9999 for "not analysed" read it as "below a detection limit of 9999" and
interpolated 0.5 x 9999 = 4999.5 ppm there: the largest value of the field, a false anomaly.
"""

import math

import numpy as np

from geochem_prospector.core.io.values import is_fill_code, to_float_array


def test_nines_codes_are_fill_codes_and_detection_limits_are_not():
    assert [is_fill_code(v) for v in (-999, -9999.0, -99999, -999999999)] == [True] * 4
    # detection-limit codes, real negatives, positive nines and non-integers are not
    assert not any(is_fill_code(v) for v in (-5, -0.5, -99, -1000, -9998, -9999.5, 9999, 0, math.nan, -math.inf))


def test_fill_codes_are_missing_whatever_the_reading_of_negatives():
    raw = [12.0, -9999, "-9999", -5, 30.0, "<5", -999, 8.0]
    values, rep = to_float_array(raw, censored_factor=0.5)
    # by hand: -5 and '<5' are below a limit of 5 (2.5); the three codes are missing
    expected = [12.0, math.nan, math.nan, 2.5, 30.0, 2.5, math.nan, 8.0]
    np.testing.assert_array_equal(values, expected)
    assert (rep.fill_codes, rep.censored, rep.numeric, rep.missing) == (3, 2, 3, 0)
    assert rep.fill_examples == [-9999.0, -999.0]
    assert rep.detection_limits == [5.0]
    # the codes do not count as negatives deciding how the field's other negatives read
    assert (rep.negatives, rep.negative_distinct, rep.negative_reading) == (1, 1, "below detection")


def test_fill_codes_are_missing_without_a_censoring_factor_too():
    values, rep = to_float_array([-9999, -2, 4.5])
    np.testing.assert_array_equal(values, [math.nan, -2.0, 4.5])
    assert rep.fill_codes == 1 and rep.numeric == 2


def test_a_field_of_codes_only_has_no_numbers():
    values, rep = to_float_array([-9999] * 4, censored_factor=0.5)
    assert np.isnan(values).all() and rep.numeric + rep.censored == 0 and rep.fill_codes == 4
