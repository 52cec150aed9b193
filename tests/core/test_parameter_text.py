"""core.parameter_text: lists typed in a text box, checked against a reading written out here by hand (a regular
expression tokeniser and Python's own float(), unicodedata's NFKC for full-width digits), not the code's output."""

import re
import unicodedata

import pytest

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.parameter_text import (
    ascii_separators,
    decimal_comma_hint,
    folded,
    listed,
    mistyped_path,
    no_value,
    number_list,
    option_number,
    probability_limits,
    shown_path,
)


def reference_numbers(text):
    """An independent reading: NFKC for full-width forms, semicolons (if any) else commas as separators, a decimal
    comma turned into a point only between semicolons, '%' stripped."""
    text = unicodedata.normalize("NFKC", text).replace("、", ",").strip()  # NFKC maps '，' and '；' as well
    pieces = re.split(";" if ";" in text else ",", text)
    percent = any(p.strip().endswith("%") for p in pieces)
    out = []
    for p in pieces:
        p = p.strip().rstrip("%").strip()
        if ";" in text:
            p = re.sub(r"^([-+]?\d*),(\d+)$", r"\1.\2", p)
        out.append(float(p))
    return out, percent


@pytest.mark.parametrize(
    "text",
    [
        "85,95,98",
        "90;95;97,5",
        "0,3;0,7",
        "-0,25;1,5;2",
        "85 %, 95%, 98 %",
        "90 %;95 %;97,5 %",
        "８５，９５，９８",
        "85、95、98",
        "1,5；2；2,5",
        " 1 , 2 , 3 ",
        "1e2,2.5e2",
    ],
)
def test_number_list_reads_like_the_reference(text):
    assert number_list(text) == reference_numbers(text)


@pytest.mark.parametrize("text", ["", "a,b", "85,,95", "1,5,2;", "85;95,5,3", "nine"])
def test_number_list_refuses_what_is_no_list_of_numbers(text):
    with pytest.raises(ValueError):
        number_list(text)


def test_ascii_separators_are_the_cjk_ones_only():
    text = "Cu，Pb、Zn；Ag"
    assert ascii_separators(text) == "Cu,Pb,Zn;Ag"
    # every other character unchanged (full-width digits are number_list's: float() reads them)
    other = "".join(chr(c) for c in range(0x20, 0x3100) if c not in (0xFF0C, 0x3001, 0xFF1B))
    assert ascii_separators(other) == other


def test_decimal_comma_hint_only_for_comma_lists():
    assert decimal_comma_hint("85;95;97,5") == ""
    assert decimal_comma_hint("85 95") == ""
    hint = decimal_comma_hint("85,95,97,5", "a;b", "c.d")
    assert hint.startswith(" If a comma is meant as a decimal comma") and "(e.g. a;b)" in hint and "(c.d)" in hint


def test_folded_and_option_words():
    assert folded("  Ordinary   KRİGİNG ,idw ") == "ordinary kriging, idw"
    options = ["Inverse distance weighting (IDW)", "Ordinary kriging", "Automatic (best cross-validation)"]
    assert [option_number(options, t) for t in ("1", "ordinary", "KRIGING", "idw", "Automatic", "x", "")] == [
        1, 1, 1, 0, 2, None, None,
    ]  # fmt: skip
    assert option_number(["CNN per cell (no context)", "CNN per cell, distilled"], "per cell") is None
    assert option_number(["a", "b"], "²") is None
    assert listed(["CNN, positive-unlabelled", "CNN"], "CNN, positive-unlabelled,CNN") == [
        "CNN, positive-unlabelled",
        "CNN",
    ]


def test_no_value():
    class Null:
        def isNull(self):  # noqa: N802 (QVariant's name)
            return True

    assert no_value(None) and no_value("") and no_value(Null())
    assert not no_value(" ") and not no_value(0) and not no_value([])


@pytest.mark.parametrize(
    "text, expected",
    [("0.3,0.7", (0.3, 0.7)), ("0,3;0,7", (0.3, 0.7)), ("30%,70%", (0.3, 0.7)), (" 0 , 1 ", (0.0, 1.0)), ("  ", None)],
)
def test_probability_limits_read(text, expected):
    assert probability_limits(text, "CLASS_THRESHOLDS") == expected


@pytest.mark.parametrize("text", ["0,3,0,7", "0.5", "a,b", "0.2,0.4,0.6"])
def test_probability_limits_say_how_to_type_them(text):
    with pytest.raises(InputError) as caught:
        probability_limits(text, "CLASS_THRESHOLDS")
    assert str(caught.value) == (
        f"CLASS_THRESHOLDS: give two probabilities separated by a comma, e.g. 0.5,0.8 (got '{text}'; with decimal "
        "commas, separate them with a semicolon: 0,5;0,8)."
    )


@pytest.mark.parametrize("text", ["0.7,0.3", "0.5,0.5", "0.5,1.2", "-0.1,0.5", "50,80"])
def test_probability_limits_in_order_within_zero_and_one(text):
    with pytest.raises(InputError, match=r"^CLASS_THRESHOLDS: the limits must satisfy 0 <= low/moderate < "):
        probability_limits(text, "CLASS_THRESHOLDS")


@pytest.mark.parametrize(
    "text, why, meant",
    [
        ("/d/cu.tif ", "the path ends with a space", "/d/cu.tif"),
        ("/d/cu.tif\n", "the path ends with a line break", "/d/cu.tif"),
        ("/d/cu.tif\r\n", "the path ends with a line break", "/d/cu.tif"),
        ("\t/d/cu.tif", "the path starts with a tab", "/d/cu.tif"),
        (" file:///d/with%20space%23.tif\n", "the path ends with a line break", "/d/with space#.tif"),
        ("file:///d/cu.tif", "it is a file:// URL, not a path (QGIS reads it as a file name)", "/d/cu.tif"),
        ("FILE://localhost/d/cu.tif", "it is a file:// URL, not a path (QGIS reads it as a file name)", "/d/cu.tif"),
        ("file://server/share/cu.tif", "it is a file:// URL, not a path (QGIS reads it as a file name)",
         "//server/share/cu.tif"),
        ("~/data/x.gpkg", "'~' (the home folder) is expanded only by a shell, and only when not in quotes",
         "/home/geologist/data/x.gpkg"),
    ],
)  # fmt: skip
def test_mistyped_path_names_the_slip_and_the_path_meant(text, why, meant, monkeypatch):
    monkeypatch.setenv("HOME", "/home/geologist")
    assert mistyped_path(text) == (why, meant)


@pytest.mark.parametrize(
    "text",
    [
        "/d/cu.tif",
        "/d/with space.tif",  # a space inside a name is no slip
        "file:///d/samples.csv?delimiter=,&xField=x",  # a delimited-text layer's settings, not a file's URL
        "~nobody_of_this_name/x.tif",  # no such user: nothing to expand
        "delimitedtext://file:///d/samples.csv?delimiter=,",
        " ",
    ],
)
def test_mistyped_path_leaves_paths_without_a_slip(text):
    assert mistyped_path(text) == ("", "")


def test_shown_path_writes_line_breaks_and_tabs_visibly():
    assert shown_path("a\tb\r\n") == "a\\tb\\r\\n"
