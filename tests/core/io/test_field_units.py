"""UNITS with a unit per field (sweep 21a: the Kola C-horizon gives Au, Pd and Pt in µg/kg beside the rest in mg/kg,
and one UNITS labelled the gold band and its legends 'ppm')."""

import pytest

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.io.values import field_units

FIELDS = ["Cu", "Ni", "Au", "Pd"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ppm", ["ppm"] * 4),
        ("", [""] * 4),
        ("ppm; Au=ppb; Pd=ppb", ["ppm", "ppm", "ppb", "ppb"]),
        ("Au = ppb ;ppm", ["ppm", "ppm", "ppb", "ppm"]),  # any order, spaces around
        ("au=ppb", ["", "", "ppb", ""]),  # a pair alone: the others without a unit; any case
        ("mg/kg; Au=µg/kg", ["mg/kg", "mg/kg", "µg/kg", "mg/kg"]),
    ],
)
def test_one_unit_then_field_unit_pairs(text, expected):
    assert field_units(text, FIELDS) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("ppm; Ag=ppb", r"^UNITS: 'Ag=ppb' names no single field of FIELDS \(Cu, Ni, Au, Pd\) with a unit; write one"),
        ("ppm; Au=", r"^UNITS: 'Au=' names no single field"),
        ("ppm; ppb", r"^UNITS: 'ppm; ppb' gives two units for all fields \('ppm' and 'ppb'\); give one unit, then"),
    ],
)
def test_a_pair_naming_no_field_is_refused(text, message):
    with pytest.raises(InputError, match=message):
        field_units(text, FIELDS)


def test_a_name_two_fields_share_in_another_case_is_refused():
    with pytest.raises(InputError, match="names no single field"):
        field_units("ppm; CU=ppb", ["Cu", "cu"])
    assert field_units("ppm; cu=ppb", ["Cu", "cu"]) == ["ppm", "ppb"]  # the exact spelling first
