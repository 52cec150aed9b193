"""Numbers as tables written in other locales hold them: thousands grouped by spaces (French, Russian: the C
library's narrow no-break space), apostrophes (Swiss), full-width digits (Chinese, Japanese) and the minus sign.
The reference for the grouped forms is the C library itself: ``locale.format_string(..., grouping=True)`` writes
each number as that locale writes it, and the parser must read back the number that was written."""

import locale
import math

import numpy as np
import pytest

from geochem_prospector.core.io.values import same_unit, to_float_array, unit_in_name

#: numbers a geochemistry table holds: concentrations over six orders of magnitude, the highest the ones that
#: matter most (an anomaly map is made to find them)
NUMBERS = [0.25, 3.75, 12.5, 999.5, 1250.5, 48_210.25, 1_234_567.25]


def _written_in(name: str) -> list:
    try:
        old = locale.setlocale(locale.LC_NUMERIC)
        locale.setlocale(locale.LC_NUMERIC, name)
    except locale.Error:
        pytest.skip(f"the locale {name} is not installed here (localedef -i {name.split('.')[0]} -f UTF-8 {name})")
    try:
        return [locale.format_string("%.2f", n, grouping=True) for n in NUMBERS]
    finally:
        locale.setlocale(locale.LC_NUMERIC, old)


@pytest.mark.parametrize("name", ["fr_FR.UTF-8", "ru_RU.UTF-8", "de_CH.UTF-8", "de_DE.UTF-8"])
def test_numbers_written_by_the_c_library_in_a_locale_read_back(name):
    texts = _written_in(name)
    values, rep = to_float_array(texts, censored_factor=0.5)
    np.testing.assert_allclose(values, NUMBERS, rtol=0, atol=1e-9)
    assert rep.unparsable == 0


# (text as a table holds it, value): written by hand, as the locales' conventions say
HAND = [
    ("1 250,5", 1250.5),  # plain space, decimal comma
    ("1\u00a0250,5", 1250.5),  # no-break space (Excel in French and Russian)
    ("1\u202f250,5", 1250.5),  # narrow no-break space (glibc's fr_FR and ru_RU)
    ("12 500 000", 12_500_000.0),
    ("1'250.5", 1250.5),  # Swiss
    ("1\u2019250.5", 1250.5),  # Swiss, typographic apostrophe
    ("\uff11\uff12\uff0c\uff15", 12.5),  # full-width digits and comma
    ("\uff11\uff12\uff0e\uff15", 12.5),  # full-width point
]


def test_grouped_and_full_width_forms_by_hand():
    texts = [t for t, _ in HAND]
    for text, expected in HAND:
        values, rep = to_float_array([text, "3,75" if "," in text or "\uff0c" in text else "3.75"], 0.5)
        assert values[0] == expected, (text, values[0])
    values, rep = to_float_array(texts[:4] + ["3,75"], 0.5)
    assert rep.space_thousands == 4
    info, _ = rep.separator_notes("Cu")
    assert "space or apostrophe read as thousands separator in 4 values" in " ".join(info)


def test_minus_sign_reads_as_a_hyphen_minus():
    a, _ = to_float_array(["\u22125", "12.5", "3.75"], censored_factor=0.5)
    b, _ = to_float_array(["-5", "12.5", "3.75"], censored_factor=0.5)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("text", ["12 5", "1 2500", "0 250", "12 50", "Sample 1 250"])
def test_spaces_that_are_not_thousands_groups_stay_text(text):
    values, rep = to_float_array([text, "3.5"], censored_factor=0.5)
    assert math.isnan(values[0]) and rep.unparsable == 1 and rep.examples == [text]


# units as Russian and Chinese laboratories head their columns, and what each is (by the definitions: 1 g/t =
# 1e-6 = 1 ppm by mass, 1 mg/t = 1 ng/g = 1e-9 = 1 ppb, 1e-2 = 1 %)
UNIT_NAMES = [
    ("Au, мг/т", "мг/т", "ppb"),
    ("Ag_мкг/г", "мкг/г", "ppm"),
    ("Cu, мг/кг", "мг/кг", "ppm"),
    ("Au_мкг/кг", "мкг/кг", "ppb"),
    ("Au(×10⁻⁹)", "×10⁻⁹", "ppb"),
    ("Au (×10^-9)", "×10^-9", "ppb"),
    ("Cu/10⁻⁶", "10⁻⁶", "ppm"),
    ("Cu(10-6)", "10-6", "ppm"),
    ("Fe2O3/10⁻²", "10⁻²", "%"),
    ("Au (ng/g)", "ng/g", "ppb"),
]


@pytest.mark.parametrize("name, written, unit", UNIT_NAMES)
def test_units_in_russian_and_chinese_column_names(name, written, unit):
    assert unit_in_name(name) == written
    assert same_unit(written, unit)
    assert not same_unit(written, {"ppm": "ppb", "ppb": "ppm", "%": "ppm"}[unit])


def test_grams_a_tonne_in_cyrillic_is_grams_a_tonne_is_ppm():
    assert unit_in_name("Cu, г/т") == "г/т" and same_unit("г/т", "g/t") and same_unit("г/т", "ppm")
    assert same_unit("g/t", "ppm") and same_unit("gpt", "ppm")  # 1 g/t = 1e-6 by mass = 1 ppm


@pytest.mark.parametrize("name", ["Cu_10", "S_10-6x", "Zn_2010-6", "铜", "Au"])
def test_no_unit_read_into_other_names(name):
    assert unit_in_name(name) == ""
