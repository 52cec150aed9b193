"""core.anomalies.settings: the anomalies algorithm's text parameters, against lists written out by hand and
numpy's own checks (np.diff for the order), with the refusals' wording."""

import numpy as np
import pytest

from geochem_prospector.core.anomalies.settings import (
    checked_band_numbers,
    parse_band_numbers,
    parse_names,
    threshold_levels,
)
from geochem_prospector.core.errors import InputError


@pytest.mark.parametrize(
    "text, known, names",
    [
        ("Cu, Ni;Co", (), ["Cu", "Ni", "Co"]),
        ("Cu，Pb、Zn；Ag", (), ["Cu", "Pb", "Zn", "Ag"]),  # a Chinese input method's separators
        ("Zn,ppm;Cu", ("Zn,ppm", "Cu"), ["Zn,ppm", "Cu"]),  # a band's name holding a comma kept whole
        ("Zn ppm, Cu", ("Zn ppm ", "Cu"), ["Zn ppm ", "Cu"]),  # given as the band spells it
        (" , ;", (), []),
        ("", (), []),
    ],
)
def test_parse_names(text, known, names):
    assert parse_names(text, known) == names


def test_band_numbers_text_and_lists():
    assert parse_band_numbers("1;3", "ELEMENT_BANDS") == [1, 3]
    assert parse_band_numbers([2, "4"], "ELEMENT_BANDS") == [2, 4]
    assert parse_band_numbers("1, 3;", "ELEMENT_BANDS") == [1, 3]
    assert parse_band_numbers(None, "ELEMENT_BANDS") == []
    with pytest.raises(InputError, match=r"^ASSOCIATION_BANDS: 'Cu' is not a band number"):
        parse_band_numbers("1;Cu", "ASSOCIATION_BANDS")
    assert checked_band_numbers("3;1", "ELEMENT_BANDS", 3) == [3, 1]
    with pytest.raises(InputError, match=r"^ELEMENT_BANDS: band 0, 5 does not exist; the raster has 4 band\(s\)\.$"):
        checked_band_numbers("0;2;5", "ELEMENT_BANDS", 4)
    with pytest.raises(InputError, match=r"^ELEMENT_BANDS: a band is chosen twice; choose each band once\.$"):
        checked_band_numbers([2, 2], "ELEMENT_BANDS", 4)
    # one grey band and GDAL's alpha band (band 2): past the last, and the alpha itself, are refused by name
    with pytest.raises(InputError, match=r"^ELEMENT_BANDS: band 3 does not exist; the raster has 1 element band and "):
        checked_band_numbers("3", "ELEMENT_BANDS", 2, [1])
    with pytest.raises(InputError, match=r"^ASSOCIATION_BANDS: band 2 is the raster's alpha band"):
        checked_band_numbers("1;2", "ASSOCIATION_BANDS", 2, [1])
    assert checked_band_numbers("1", "ELEMENT_BANDS", 2, [1]) == [1]
    # two alpha bands (3 and 4): named in the plural, and a band typed twice is named once (review 29)
    with pytest.raises(InputError, match=r"and 2 alpha bands \(bands 3, 4: transparency"):
        checked_band_numbers("5", "ELEMENT_BANDS", 4, [1, 2])
    with pytest.raises(InputError, match=r"^ELEMENT_BANDS: bands 3, 4 are the raster's alpha bands \("):
        checked_band_numbers("3;4", "ELEMENT_BANDS", 4, [1, 2])
    with pytest.raises(InputError, match=r"^ELEMENT_BANDS: band 2 is the raster's alpha band \("):
        checked_band_numbers([2, 2], "ELEMENT_BANDS", 3, [1, 3])


@pytest.mark.parametrize(
    "percentiles, multipliers, expected",
    [
        ("85,95,98", "1,2,3", ([85.0, 95.0, 98.0], [1.0, 2.0, 3.0])),
        ("90;95;97,5", "1,5;2;2,5", ([90.0, 95.0, 97.5], [1.5, 2.0, 2.5])),
        ("85 %, 95%, 98 %", "1,2,3", ([85.0, 95.0, 98.0], [1.0, 2.0, 3.0])),
        ("８５，９５、９８", "１，２，３", ([85.0, 95.0, 98.0], [1.0, 2.0, 3.0])),
    ],
)
def test_threshold_levels_read(percentiles, multipliers, expected):
    for method in ("percentile", "mean_sd", "median_mad", "ca", "tukey"):
        got = threshold_levels(method, percentiles, multipliers)
        assert got == expected
        assert all(np.all(np.diff(v) > 0) for v in got)


@pytest.mark.parametrize(
    "method, percentiles, multipliers, message",
    [
        (
            "percentile",
            "85,95,97,5",
            "1,2,3",
            r"^PERCENTILES: give three percentiles .*\(got '85,95,97,5'\)\. If a comma",
        ),
        ("percentile", "0.9,0.95,0.98", "1,2,3", r"^PERCENTILES: percentiles run from 0 to 100, .* give 90,95,98\.$"),
        ("percentile", "95,85,98", "1,2,3", r"^PERCENTILES: the levels must increase .* e\.g\. 85,95,98\.$"),
        ("percentile", "a,b,c", "1,2,3", r"^PERCENTILES: 'a,b,c' is not a comma-separated list of numbers"),
        ("mean_sd", "85,95,98", "1%,2,3", r"^MULTIPLIERS: give the numbers without '%', e\.g\. 1,2,3"),
        (
            "median_mad",
            "85,95,98",
            "1,5,2,5",
            r"^MULTIPLIERS: give three values of k, e\.g\. 1,2,3\. If a comma .*1,5;2;2,5",
        ),
        ("mean_sd", "85,95,98", "3,2,1", r"^MULTIPLIERS: the levels must increase .*3, 2, 1 do not"),
    ],
)
def test_threshold_levels_refused(method, percentiles, multipliers, message):
    with pytest.raises(InputError, match=message):
        threshold_levels(method, percentiles, multipliers)


def test_threshold_levels_not_checked_for_methods_that_ignore_them():
    # a C-A or Tukey run reads neither box: only that each is a list of numbers
    assert threshold_levels("ca", "95,85", "3,2,1,0") == ([95.0, 85.0], [3.0, 2.0, 1.0, 0.0])
    with pytest.raises(InputError, match=r"^MULTIPLIERS: give the numbers without '%'"):
        threshold_levels("tukey", "85,95,98", "1%,2,3")
