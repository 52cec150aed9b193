"""The sample-table notes of interpolate (:mod:`core.interpolation.sample_notes`) against figures worked out here with
numpy by brute force: medians, counts, the smallest positive value, which field is constant, which groups lie apart."""

import numpy as np
import pytest

from geochem_prospector.core.interpolation import levelling, sample_notes
from geochem_prospector.core.interpolation.sample_notes import Note


def test_limit_spread_note_names_the_smallest_and_largest_limit_ten_times_apart():
    limits = [5.0, 0.5, 1.0]
    note = sample_notes.limit_spread_note("Au", limits)
    lo, hi = min(limits), max(limits)
    assert note is not None and note.startswith(f"Au: detection limits {lo:g} and {hi:g} ({hi / lo:.0f} x apart)")
    assert "SURVEY_FIELD" in note
    assert sample_notes.limit_spread_note("Au", [1.0, 5.0]) is None  # 5 x apart: one method's dilutions
    assert sample_notes.limit_spread_note("Au", [5.0]) is None


def test_spatial_median_notes_compare_the_medians_of_two_groups_lying_apart():
    rng = np.random.default_rng(3)
    west = rng.uniform(0, 1000, size=(30, 2))
    east = rng.uniform(0, 1000, size=(30, 2)) + [50_000, 0]
    xy = np.vstack([west, east])
    low, high = rng.lognormal(0, 0.2, 30), 50 * rng.lognormal(0, 0.2, 30)
    values = np.column_stack([np.concatenate([low, high]), np.concatenate([low, low])])
    notes = sample_notes.spatial_median_notes(["Cu", "Pb"], xy, values)
    assert len(notes) == 1  # Pb's groups share one median
    m_low, m_high = float(np.median(low)), float(np.median(high))
    assert notes[0].startswith(f"Cu: the median of one group of samples ({m_high:.4g}) is {m_high / m_low:.0f} x ")
    assert f"that of another ({m_low:.4g})" in notes[0]


def test_survey_notes_give_the_surveys_medians_and_the_levelled_ones():
    values = np.array([1.0, 1.2, 0.8, 1.1, 0.9, 30.0, 25.0, 35.0, 28.0, 32.0])
    surveys = np.array(["A"] * 5 + ["B"] * 5)
    note = sample_notes.survey_median_note("Cu", values, surveys)
    a, b = float(np.median(values[:5])), float(np.median(values[5:]))
    assert note == f"Cu: survey medians differ {b / a:.0f} x (survey 'A' {a:.4g}, survey 'B' {b:.4g}) before levelling."
    assert sample_notes.survey_median_note("Cu", values[:5], surveys[:5]) is None
    assert sample_notes.one_survey_note(["till 2019"]).startswith("SURVEY_FIELD: every sample is of one survey")
    assert sample_notes.one_survey_note(["A", "B"]) is None

    rows = [
        levelling.SurveyLevel("A", "Cu", 40, 1.0, 1.0, 0.1, 0.1, False, "reference"),
        levelling.SurveyLevel("B", "Cu", 40, 30.0, 1.0, 0.1, 0.1, True, "levelled"),
        levelling.SurveyLevel("C", "Cu", 4, 9.0, 9.0, 0.1, 0.1, False, "not levelled: 4 values, fewer than 10"),
    ]
    assert sample_notes.levelled_notes("Cu", rows) == [
        Note("Cu: survey 'B' (40 values) levelled: median 30 -> 1", warning=False),
        Note("Cu: survey 'C' not levelled: 4 values, fewer than 10 (too few to level)."),
    ]


def test_constant_notes_name_the_fields_of_one_value_only():
    values = np.array([[2.5, 1.0, 7.0], [2.5, 2.0, np.nan], [2.5, 3.0, np.nan], [np.nan, 4.0, np.nan]])
    expected = [
        name
        for j, name in enumerate(["Au", "Cu", "Ni"])
        if np.isfinite(values[:, j]).sum() > 1 and len(set(values[np.isfinite(values[:, j]), j])) == 1
    ]
    notes = sample_notes.constant_notes(["Au", "Cu", "Ni"], values)
    assert [n.split(":")[0] for n in notes] == expected == ["Au"]  # Ni holds one value at one sample only
    assert notes[0].startswith("Au: every sample holds the same value (2.5), so its band is 2.5 everywhere")


def test_isolated_high_notes_give_the_value_its_place_and_the_median():
    rng = np.random.default_rng(8)
    cu = np.round(rng.lognormal(3, 0.5, 60), 2)
    cu[17] = 250_000.0  # a grade in ppb typed in ppm
    xy = rng.uniform(0, 10_000, size=(60, 2))
    values = np.column_stack([cu, np.round(rng.lognormal(3, 0.5, 60), 2)])
    notes = sample_notes.isolated_high_notes(["Cu", "Pb"], xy, values)
    assert len(notes) == 1
    median = float(np.median(cu[cu > 0]))
    below = float(np.sort(cu)[-2])
    assert notes[0].startswith(
        f"Cu: 1 sample(s) hold(s) values at least 1000 x the median ({median:.4g}) and {250_000 / below:.0f} x "
        f"the next value ({below:.4g}), standing alone (250,000 at {xy[17, 0]:.0f}, {xy[17, 1]:.0f})"
    )
    assert notes[0].endswith(f'(e.g. "Cu" < {below * 2:.4g}).')


def test_zero_notes_only_for_fields_that_write_below_detection_otherwise():
    values = np.array([[0.0, 0.0, -3.0], [0.0, 0.0, 0.0], [5.0, 2.0, 4.0], [np.nan, 3.0, 1.0]])
    censored, signed = [2, 0, 2], [False, False, True]
    notes = sample_notes.zero_notes(["Cu", "Ni", "mag"], values, censored, signed)
    # by hand: Cu writes '<x' and holds 2 zeros of 3 values; Ni writes no '<x'; mag's negatives are values
    assert len(notes) == 1
    zeros, finite = int((values[:, 0] == 0).sum()), int(np.isfinite(values[:, 0]).sum())
    assert notes[0].startswith(f"Cu: {zeros} of {finite} values are 0, read as at or below detection")
    assert 'NULLIF("Cu", 0)' in notes[0]


@pytest.mark.parametrize(
    "choice, share, fixed, signed, constant, log, expected, said",
    [
        ("log_setting", 0.1, False, False, False, True, "log", []),
        ("log_setting", 0.1, False, False, False, False, "none", []),
        ("normal_score", 0.1, False, False, False, True, "normal_score", []),
        ("auto", 0.4, False, False, False, True, "normal_score", ["heavily censored: 40 %", "normal scores"]),
        ("auto", 0.4, True, False, False, True, "log", ["heavily censored", "the units of the fixed variogram"]),
        ("log_setting", 0.4, False, False, False, True, "log", ["heavily censored", "as TRANSFORM asks"]),
        ("auto", 0.1, False, True, False, True, "none", ["negative values are real values"]),
        ("auto", 0.9, False, False, True, True, "log", []),  # one value: no normal scores, no word
    ],
)
def test_field_transforms_follow_the_settings_and_the_censoring(
    choice, share, fixed, signed, constant, log, expected, said
):
    transforms, notes = sample_notes.field_transforms(["Cu"], [share], choice, 0.25, log, fixed, [signed], [constant])
    assert transforms == [expected]
    assert all(any(part in n for n in notes) for part in said) and bool(notes) == bool(said)
    assert all(n.startswith("Cu: ") for n in notes)


def test_substitute_for_log_sets_values_at_or_below_zero_to_half_the_smallest_positive():
    values = np.array([[0.0, 0.0], [-1.0, 3.0], [0.8, np.nan], [4.0, 2.0]])
    before = values.copy()
    out, notes = sample_notes.substitute_for_log(["Cu", "Pb"], values, ["log", "none"])
    half = float(values[values[:, 0] > 0, 0].min()) / 2
    assert np.array_equal(values, before, equal_nan=True)  # the input is left as it was
    np.testing.assert_array_equal(out[:, 0], [half, half, 0.8, 4.0])
    np.testing.assert_array_equal(out[:, 1], values[:, 1])  # not gridded on logarithms: unchanged, zero kept
    assert notes == [f"Cu: 2 values <= 0 set to {half:g}, half the smallest positive value, before the log transform."]


def test_merged_sites_note_says_each_fields_space():
    note = sample_notes.merged_sites_note(["Cu", "Pb", "Au", "mag"], ["log", "log", "normal_score", "none"], 42, 36)
    assert note.startswith("INPUT: the 42 samples lie at 36 sites: ")
    assert "Cu, Pb on log values (the geometric mean" in note
    assert "; Au on normal scores" in note and note.endswith("; mag on their values.")
    assert "on their values" not in sample_notes.merged_sites_note(["Cu"], ["log"], 2, 1)


def test_stated_unit_notes_name_each_field_whose_unit_contradicts_units():
    fields = ["Au_ppb", "Cu", "Ag_ppm", "Pt_ppb"]
    band_units = ["ppb", "ppm", "ppm", "ppb"]
    given_units = ["ppm", "ppm", "ppm", ""]  # Pt: UNITS gives none ('Au=ppb' alone), nothing to contradict
    expected = (
        "UNITS: the field 'Au_ppb' states its unit, ppb, and UNITS says 'ppm': its band and legend use ppb, the "
        "unit in the field's name. If its values are in ppm, rename the field."
    )
    assert sample_notes.stated_unit_notes(fields, band_units, given_units, True) == [Note(expected, warning=False)]
    assert sample_notes.stated_unit_notes(fields, band_units, given_units, False) == [Note(expected, warning=True)]
    assert sample_notes.stated_unit_notes(["Cu"], ["mg/kg"], ["ppm"], False) == []  # one unit, two spellings


def test_a_substitute_far_below_the_data_is_said_with_how_far():
    """Review 36: Zr's zeros set to 0.0055 beside a median of 12 (one odd value of 0.011): the note says how many
    times below the median the substitute lies and what to do; a substitute within a hundred times says nothing more."""
    zr = np.array([0.0, 0.0, 0.011, 10.0, 12.0, 14.0, 20.0])
    _, notes = sample_notes.substitute_for_log(["Zr"], zr[:, None], ["log"])
    assert notes[0].startswith("Zr: 2 values <= 0 set to 0.0055, half the smallest positive value")
    assert "That is 2,182 times below the median (12)" in notes[0]  # 12 / 0.0055
    _, plain = sample_notes.substitute_for_log(["Cu"], np.array([[0.0], [0.5], [4.0], [6.0]]), ["log"])
    assert "times below the median" not in plain[0]  # 0.25 against a median of 4: 16 times
