"""Censored (below-detection) values, missing/text counts and co-located sample averaging."""

import math

import numpy as np
import pytest

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.io.values import (
    average_duplicates,
    not_analysed_warning,
    same_unit,
    to_float_array,
    unit_in_name,
)


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


def test_over_limit_values_are_read_as_their_upper_limit():
    """A laboratory writes results above its upper detection limit as '>10000': the highest samples of a survey,
    which must not vanish as text."""
    raw = [">10000", "> 500", ">=2,5", "0,5", "12", "<1", ">", ">abc"]
    values, rep = to_float_array(raw, censored_factor=0.5)
    expected = [10000.0, 500.0, 2.5, 0.5, 12.0, 0.5, math.nan, math.nan]
    np.testing.assert_array_equal(values, expected)
    assert (rep.over_limit, rep.censored, rep.numeric, rep.unparsable) == (3, 1, 2, 2)
    assert rep.upper_limits == [10000.0, 500.0, 2.5]
    assert rep.decimal_mark == "comma"  # '>=2,5' and '0,5' both show a decimal comma


def test_over_limit_values_beyond_the_raster_range_are_missing():
    values, rep = to_float_array([">1e39", "3"], censored_factor=0.5, max_abs=3.4e38)
    np.testing.assert_array_equal(values, [math.nan, 3.0])
    assert rep.over_limit == 0 and rep.beyond_range == 1


def test_over_limit_text_without_factor_stays_text():
    values, rep = to_float_array([">10000", "3"])
    np.testing.assert_array_equal(values, [math.nan, 3.0])
    assert rep.over_limit == 0 and rep.unparsable == 1


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


# ---- numbers as meant: thousands separators and decimal commas, decided per field --------------------------------


def read(raw, **kwargs):
    values, rep = to_float_array(raw, **kwargs)
    return values.tolist(), rep


def test_both_separators_in_one_value_show_which_is_which():
    values, rep = read(["1,250.5", "2,400", "850"])  # '1,250.5': the comma groups thousands
    assert values == [1250.5, 2400.0, 850.0]
    assert (rep.decimal_mark, rep.comma_thousands, rep.comma_decimal, rep.ambiguous) == ("point", 2, 0, 0)
    values, rep = read(["1.250,5", "2,4", "1.250", "3"])  # '1.250,5': the point groups thousands
    assert values == [1250.5, 2.4, 1250.0, 3.0]
    assert (rep.decimal_mark, rep.comma_decimal, rep.point_thousands, rep.ambiguous) == ("comma", 2, 2, 0)


def test_digit_groups_beside_point_decimals_are_thousands():
    values, rep = read(["1,250", "12,400", "2.5", "1,250,000", "0.125"])
    assert values == [1250.0, 12400.0, 2.5, 1250000.0, 0.125]
    assert (rep.decimal_mark, rep.comma_thousands, rep.ambiguous) == ("point", 3, 0)
    values, _ = read(["1,250", "7,100,000"])  # two commas can only be groups
    assert values == [1250.0, 7100000.0]


def test_a_comma_not_followed_by_three_digits_is_a_decimal_comma():
    values, rep = read(["0,5", "12,75", "1,250", "0,125", "1250,5", "1,2345"])
    # once the field shows decimal commas, '1,250' is 1.25 and '0,125' (a group never starts with 0) 0.125
    assert values == [0.5, 12.75, 1.25, 0.125, 1250.5, 1.2345]
    assert (rep.decimal_mark, rep.comma_decimal, rep.comma_thousands, rep.ambiguous) == ("comma", 6, 0, 0)
    infos, warnings = rep.separator_notes("Cu")
    assert warnings == [] and infos == [
        "Cu: comma read as decimal comma in 6 values (e.g. '0,5' = 0.5), as the field writes decimals with a "
        "comma (e.g. '0,5')."
    ]


def test_only_digit_groups_is_ambiguous_and_read_with_the_point_rule():
    values, rep = read(["1,250", "2,400", "850", None, "3,100"])
    assert values[:3] + values[4:] == [1250.0, 2400.0, 850.0, 3100.0] and math.isnan(values[3])
    assert (rep.decimal_mark, rep.comma_thousands, rep.ambiguous, rep.numeric, rep.missing) == ("", 3, 3, 4, 1)
    infos, warnings = rep.separator_notes("Cu")
    assert infos == [] and len(warnings) == 1
    assert warnings[0].startswith(
        "Cu: comma read as thousands separator in 3 values (e.g. '1,250' = 1250); 3 of 5 values are ambiguous"
    )
    assert "replace(\"Cu\", ',', '.')" in warnings[0]
    # points alone: '1.250' stays 1.25 as always, but is counted too (a decimal-comma table would mean 1250)
    values, rep = read(["1.250", "2.000", "850"])
    assert values == [1.25, 2.0, 850.0] and rep.ambiguous == 2 and rep.point_thousands == 0
    assert "replace(\"Cu\", '.', '')" in rep.separator_notes("Cu")[1][0]


def test_a_field_mixing_both_forms_reads_each_value_by_its_own_form():
    values, rep = read(["2.5", "0,5", "1,250", "1,250.5"])
    assert values == [2.5, 0.5, 1250.0, 1250.5]
    assert (rep.decimal_mark, rep.ambiguous, rep.comma_decimal, rep.comma_thousands) == ("mixed", 1, 1, 2)
    infos, warnings = rep.separator_notes("Cu")
    assert infos == [] and len(warnings) == 2
    assert warnings[0].startswith("Cu: the field mixes decimal points (e.g. '2.5') and decimal commas (e.g. '0,5')")
    assert warnings[1].startswith("Cu: 1 of 4 values are ambiguous (e.g. '1,250' = 1250)")


def test_decided_fields_log_information_not_warnings():
    _, rep = read(["1,250", "2,400.5", "850"])
    assert rep.separator_notes("Cu") == (
        [
            "Cu: comma read as thousands separator in 2 values (e.g. '1,250' = 1250), as the field writes decimals "
            "with a point (e.g. '2,400.5')."
        ],
        [],
    )
    assert read(["2.5", "850", 3])[1].separator_notes("Cu") == ([], [])  # nothing unusual: nothing said


def test_below_detection_limits_follow_the_field_rule():
    # decimal-comma field: '<1,000' is a limit of 1.0
    values, rep = read(["<1,000", "<0,5", "2,5"], censored_factor=0.5)
    assert values == [0.5, 0.25, 2.5] and rep.censored == 2 and rep.detection_limits == [1.0, 0.5]
    # point field: '<1,000' is a limit of 1000; a negative code with thousands is one too
    values, rep = read(["<1,000", "2.5", "1,500", "-1,250"], censored_factor=0.5)
    assert values == [500.0, 2.5, 1500.0, 625.0] and rep.detection_limits == [1000.0, 1250.0]
    assert rep.comma_thousands == 3 and rep.ambiguous == 0


def test_numbers_stay_as_they_are_and_bad_groupings_are_text():
    from decimal import Decimal

    values, rep = read([1250, 2.5, Decimal("1.5"), np.float32(3.0), "1,5E-3", "0,5"])
    assert values == [1250.0, 2.5, 1.5, 3.0, 0.0015, 0.5]
    assert rep.comma_decimal == 2 and rep.numeric == 6
    values, rep = read(["1,25,0", "12,34.5", "1.2.3", "1.250,000.5", "7"])
    assert all(math.isnan(v) for v in values[:4]) and values[4] == 7.0
    assert rep.unparsable == 4 and rep.examples == ["1,25,0", "12,34.5", "1.2.3", "1.250,000.5"]


def test_values_beyond_float32_are_missing_and_counted():
    from geochem_prospector.core.io.values import FLOAT32_MAX

    raw = [1e39, "1e39", 5, "-1e39", 3.0e38, -3.0e38, float("inf")]
    values, rep = read(raw, censored_factor=0.5, max_abs=FLOAT32_MAX)
    assert [v if math.isfinite(v) else None for v in values] == [None, None, 5.0, None, 3.0e38, 1.5e38, None]
    assert (rep.beyond_range, rep.numeric, rep.censored, rep.missing) == (3, 2, 1, 1)
    assert rep.beyond_examples == [1e39, 1e39, 5e38]  # '-1e39' as a below-detection code: half of 1e39
    values, rep = read(raw)  # without max_abs nothing changes
    assert rep.beyond_range == 0 and values[0] == 1e39


def test_negatives_are_codes_only_where_that_reading_is_consistent():
    # a laboratory's codes: few distinct negatives (-5 = below 5, -0.5 = below 0.5)
    raw = [-5, -5, -0.5, 12.0, 30.0, -5, 8.0]
    values, rep = to_float_array(raw, censored_factor=0.5)
    np.testing.assert_array_equal(values, [2.5, 2.5, 0.25, 12.0, 30.0, 2.5, 8.0])
    assert rep.negative_reading == "below detection" and (rep.negatives, rep.negative_distinct) == (4, 2)
    # levelled or centred values: negatives of every size, as many distinct ones as values
    centred = list(np.random.default_rng(0).normal(0, 1, 200).round(4))
    values, rep = to_float_array(centred, censored_factor=0.5)
    np.testing.assert_array_equal(values, centred)
    assert rep.negative_reading == "values" and rep.censored == 0 and rep.negatives == sum(v < 0 for v in centred)
    # many negatives but few distinct codes, all below the detected values' median: codes
    many = [-1.0] * 300 + [-2.0] * 100 + [-0.5, -0.2, -0.1, -0.05, -0.02, -0.01] * 5 + list(np.linspace(3, 90, 200))
    assert to_float_array(many, censored_factor=0.5)[1].negative_reading == "below detection"
    # the caller can still decide
    values, rep = to_float_array(centred, censored_factor=0.5, negative_is_censored=True)
    assert rep.censored == rep.negatives and rep.negative_reading == "below detection"
    # no factor: negatives are values, said so
    assert to_float_array([-1, 2])[1].negative_reading == "values"


def test_non_element_fields_are_named():
    """Identifiers, dates and quality flags (the sample data's Year and *_flag fields, GeoPackage's fid) are named;
    element symbols, including ones that share letters with them (Y, Cd), are not."""
    from geochem_prospector.core.io.values import non_element_fields

    names = ["fid", "Year", "Cu_flag", "FLAG_Ni", "sample_id", "ID", "Date", "Cu", "Y", "Cd", "Fe", "Au_ppb", "Ti"]
    assert non_element_fields(names) == ["fid", "Year", "Cu_flag", "FLAG_Ni", "sample_id", "ID", "Date"]


@pytest.mark.parametrize(
    "name, unit",
    [
        ("Au_ppb", "ppb"),
        ("Cu (ppm)", "ppm"),
        ("Fe2O3 wt%", "wt%"),
        ("Au_g/t", "g/t"),
        ("Pb_ppm_aqua_regia", "ppm"),
        ("SiO2_%", "%"),
        ("Cu", ""),
        ("Cupper", ""),
        ("ppmx_Cu", ""),
        ("Cu_pct_rank", ""),  # a percentile rank, in no unit
        ("Au_ppb_log", ""),
        ("Cu_ppm_z", ""),
        ("ppm_flag", ""),
        ("Au:ppb", "ppb"),  # a colon, a comma or R's point between element and unit
        ("Zn,ppm", "ppm"),
        ("Au.ppb", "ppb"),
        ("Ni_\u00b5g/g", "\u00b5g/g"),  # micro sign
        ("Ni_\u03bcg/g", "\u03bcg/g"),  # Greek mu
    ],
)
def test_unit_in_a_field_name(name, unit):
    assert unit_in_name(name) == unit


def test_one_unit_spelt_two_ways():
    assert same_unit("pct", "%") and same_unit("WT%", "%") and same_unit("mg/kg", "ppm") and same_unit("PPM", "ppm")
    assert not same_unit("ppb", "ppm") and not same_unit("%", "ppm")
    # casefold() makes the micro sign a Greek mu: either spelling is still ppm (was: 'µg/g' warned as not ppm)
    assert same_unit("\u00b5g/g", "ppm") and same_unit("\u03bcg/g", "ppm") and same_unit("\u00b5g/kg", "ppb")


def test_duplicates_of_a_log_field_averaged_on_logs_like_scipy_gmean():
    """A field gridded on logarithms: co-located samples become their geometric mean (scipy's gmean), the value
    whose logarithm is the mean of theirs; the other columns keep the arithmetic mean; single sites unchanged."""
    from scipy.stats import gmean

    rng = np.random.default_rng(7)
    xy = np.round(rng.uniform(0, 6, size=(200, 2)))  # many exact repeats on a coarse lattice
    values = np.exp(rng.normal(3, 1.5, size=(200, 2)))
    values[rng.random((200, 2)) < 0.2] = np.nan
    merged_xy, merged, _ = average_duplicates(xy, values, log_columns=[True, False])
    for site, row in zip(merged_xy, merged):
        here = (xy == site).all(axis=1)
        cu, pb = values[here, 0], values[here, 1]
        cu, pb = cu[np.isfinite(cu)], pb[np.isfinite(pb)]
        np.testing.assert_allclose(row[0], gmean(cu) if cu.size else np.nan, rtol=1e-12)
        np.testing.assert_allclose(row[1], pb.mean() if pb.size else np.nan, rtol=1e-12)
    # the brief's case: 10 and 1000 at one site give 100 on logs, 505 on values
    pair = np.array([[0.0, 0.0], [0.0, 0.0], [9.0, 9.0]])
    _, on_logs, _ = average_duplicates(pair, np.array([[10.0], [1000.0], [3.0]]), log_columns=[True])
    _, on_values, _ = average_duplicates(pair, np.array([[10.0], [1000.0], [3.0]]))
    assert sorted(on_logs[:, 0].round(9).tolist()) == [3.0, 100.0]
    assert sorted(on_values[:, 0].tolist()) == [3.0, 505.0]


def test_log_averaged_column_refuses_values_at_or_below_zero():
    xy = np.array([[0.0, 0.0], [0.0, 0.0]])
    with pytest.raises(ValueError):
        average_duplicates(xy, np.array([[0.0], [5.0]]), log_columns=[True])


def test_below_detection_words_read_at_the_fields_one_limit():
    """'bdl', '<DL', 'not detected' (sweep 25b): below detection without a limit. Skipped as text, a field of
    mostly 'bdl' was gridded from its detected samples only; with one limit in the field they are that limit's
    substitute, like '<0.5' (brute force: the hand-made list below)."""
    raw = ["12", "<0.5", "bdl", "BDL", "b.d.l.", "<DL", "<LOD", "not detected", "below detection limit", "3.5"]
    values, rep = to_float_array(raw, censored_factor=0.5)
    expected = [12.0, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 3.5]
    assert values.tolist() == expected
    assert (rep.censored, rep.word_censored, rep.word_unlimited, rep.unparsable) == (8, 7, 0, 0)
    assert rep.detection_limits == [0.5]
    # negative codes give the limit as well; a missing-data code is no limit
    values, rep = to_float_array(["-0.5", "bdl", "7", "-9999", "8"], censored_factor=0.5)
    assert values[:3].tolist() == [0.25, 0.25, 7.0] and rep.word_censored == 1 and rep.fill_codes == 1


def test_below_detection_words_without_one_limit_are_left_out_and_counted():
    # no limit in the field, or two: nothing to read them at; 'n.d.' (often "not determined") stays text
    for raw, unlimited in ((["12", "bdl", "3", "n.d."], 1), (["<0.5", "<1", "BDL", "4"], 1)):
        values, rep = to_float_array(raw, censored_factor=0.5)
        assert rep.word_unlimited == unlimited and rep.word_censored == 0
        assert np.isnan(values[[i for i, v in enumerate(raw) if v.lower() in ("bdl", "n.d.")]]).all()
    _, rep = to_float_array(["12", "bdl", "n.d."], censored_factor=0.5)
    assert rep.unparsable == 0 and rep.not_analysed == 1 and rep.not_analysed_examples == ["n.d."]
    # without censored_factor the words are text, as '<5' is
    _, rep = to_float_array(["12", "bdl"])
    assert rep.unparsable == 1 and rep.word_unlimited == 0


@pytest.mark.parametrize(
    "code",
    [
        "n.d.",
        "ND",
        "nd",
        "N.D.",
        "n/d",
        "n.a.",
        "NA",
        "N/A",
        "n.s.",
        "-",
        "--",
        "—",
        "not determined",
        "Not analysed",
        "not analyzed",
    ],
)
def test_no_result_entries_are_missing_never_zero_nor_below_detection(code):
    """'n.d.' means "not determined" as often as "not detected": read as missing (not analysed), counted apart from
    other text, never as 0 or at a detection limit, even beside '<5' entries that give the field one limit."""
    raw = ["12", code, "<5", "3.5", code, "7"]
    values, rep = to_float_array(raw, censored_factor=0.5)
    expected = [12.0, math.nan, 2.5, 3.5, math.nan, 7.0]  # by hand: the codes missing, '<5' at half its limit
    np.testing.assert_array_equal(values, expected)
    assert (rep.not_analysed, rep.unparsable, rep.censored, rep.numeric) == (2, 0, 1, 3)
    assert rep.not_analysed_examples == [code]


def test_no_result_warning_names_the_parameter_and_counts_each_field():
    _, cu = to_float_array(["1", "n.d.", "ND", "4"], censored_factor=0.5)
    _, pb = to_float_array(["1", "2", "3", "4"], censored_factor=0.5)
    _, zn = to_float_array(["-", "2", "3", "4"], censored_factor=0.5)
    text = not_analysed_warning("FIELDS", ["Cu", "Pb", "Zn"], [cu, pb, zn])
    assert text is not None and text.startswith("FIELDS: values that give no result (e.g. 'n.d.', 'ND', '-'")
    assert "Cu 2 of 4, Zn 1 of 4;" in text and "Pb" not in text
    assert not_analysed_warning("INPUT", ["Pb"], [pb]) is None
    # a word that is no result code stays text, as before
    _, other = to_float_array(["1", "n.d.x", "no"], censored_factor=0.5)
    assert other.not_analysed == 0 and other.unparsable == 2
