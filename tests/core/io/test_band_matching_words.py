"""What predict says when the model's bands and the inputs' do not match (:mod:`core.io.windows`, moved out of the
predict adapter), against messages written out here by hand."""

import pytest

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.io.windows import (
    bands_in_several_inputs,
    described_twice,
    model_band_order,
    near_misses,
    shown_names,
    unused_bands_warning,
)


def test_shown_names_lists_the_first_and_counts_the_rest():
    assert shown_names(["a", "b", "c"]) == "a, b, c"
    assert shown_names([f"b{i}" for i in range(10)]) == "b0, b1, b2, b3, b4, b5, b6, b7 and 2 more"
    assert shown_names(("x", "y", "z"), limit=2) == "x, y and 1 more"
    assert shown_names([]) == ""


def test_bands_in_several_inputs_by_their_band_part():
    available = ["till:Cu", "soil:Cu", "till:Pb", "mag:tmi"]
    assert bands_in_several_inputs(["old:Cu", "old:Pb", "old:Au"], available) == {"old:Cu": ["till:Cu", "soil:Cu"]}
    assert bands_in_several_inputs([], available) == {}


def test_described_twice_unless_the_model_reads_the_copies():
    available = ["el:Cu", "el:Cu (band 2)", "el:Pb"]
    selection = [("el.tif", 1), ("el.tif", 2), ("el.tif", 3)]
    assert described_twice(["elements:Cu"], [0], available, selection) == [
        "'el' describes bands 1 and 2 as 'Cu', and the model reads one band 'elements:Cu'"
    ]
    assert described_twice(["el:Cu", "el:Cu (band 2)"], [0, 1], available, selection) == []
    assert described_twice(["el:Pb"], [2], available, selection) == []


def test_near_misses_in_case_or_without_descriptions():
    assert near_misses(["m:Co"], ["s:CO", "s:Ni"]) == (
        " Only upper and lower case differ in 's:CO' for 'm:Co': names are matched exactly (Co is not CO), so give the "
        "bands the descriptions the model was trained on (in GDAL: band.SetDescription), or train a model on these "
        "rasters."
    )
    assert near_misses(["m:Co"], ["s:band 1", "s:band 2"]).startswith(" The inputs' bands have no descriptions")
    assert near_misses(["m:Co"], ["s:Ni"]) == ""
    assert near_misses(["m:Co"], []) == ""


def test_model_band_order_by_name_then_by_the_band_part_alone():
    available = ["mag:tmi", "till:Cu", "till:Pb"]
    selection = [("mag.tif", 1), ("till.tif", 1), ("till.tif", 2)]
    assert model_band_order(["till:Pb", "old:tmi"], available, selection, "INPUT_RASTERS") == [2, 0]


def test_model_band_order_refuses_a_band_it_cannot_tell():
    selection = [("el.tif", 1), ("el.tif", 2)]
    cases = [
        (["old:Cu"], ["till:Cu", "soil:Cu"], "band(s) old:Cu needed by the model are each in more than one input "
         "(till:Cu, soil:Cu)"),
        (["old:Au"], ["till:Cu", "till:Pb"], "band(s) old:Au needed by the model are not among the inputs "
         "(till:Cu, till:Pb)"),
        (["old:band 1"], ["new:band 1", "new:Pb"], "the model's bands have no names, only numbers, so in another "
         "raster they would be matched by position alone ('old:band 1' as 'new:band 1')"),
        (["m:Cu"], ["el:Cu", "el:Cu (band 2)"], "'el' describes bands 1 and 2 as 'Cu', and the model reads one "
         "band 'm:Cu', so which one"),
    ]  # fmt: skip
    for wanted, available, start in cases:
        with pytest.raises(InputError) as raised:
            model_band_order(wanted, available, selection, "INPUT_RASTERS")
        assert str(raised.value).startswith("INPUT_RASTERS: " + start)


def test_unused_bands_warning_names_the_bands_left_out():
    available = ["mag:tmi", "till:Cu", "till:Pb"]
    assert unused_bands_warning(["till:Cu"], [1], available, "INPUT_RASTERS") == (
        "INPUT_RASTERS: 2 band(s) of the inputs are not used, as the model was trained without them: mag:tmi, "
        "till:Pb (it reads 1: till:Cu). To use them, train a model on these rasters (traincnn or trainmodel)."
    )
    assert unused_bands_warning(["a:x", "a:y"], [1, 0], ["a:y", "a:x"], "INPUT_RASTERS") == ""
