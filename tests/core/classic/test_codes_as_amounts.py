"""The warning for class codes given to a learner that reads them as amounts (review 36), on both sides."""

from geochem_prospector.core.classic.learner import codes_as_amounts_note

NAMES = ["elements:Cu", "evidence:rock", "evidence:faults:distance_m"]
KINDS = ["", "categorical", "distance"]


def test_logistic_regression_given_codes_is_warned_naming_the_band():
    note = codes_as_amounts_note(NAMES, KINDS, ["random_forest", "logistic"])
    assert note.startswith("INPUT_RASTERS: 'evidence:rock' hold(s) class codes")
    assert "logistic regression reads as amounts" in note and "elements:Cu" not in note


def test_learners_that_split_codes_and_bands_without_codes_say_nothing():
    assert codes_as_amounts_note(NAMES, KINDS, ["random_forest", "gradient_boosting", "woe"]) == ""
    assert codes_as_amounts_note(NAMES, ["", "class", "distance"], ["logistic"]) == ""
    assert codes_as_amounts_note(NAMES, [], ["logistic"]) == ""  # kinds unread: no guess
