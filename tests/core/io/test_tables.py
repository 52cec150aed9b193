"""CSV cells a spreadsheet would run as formulas are written as text; numbers stay numbers."""

import csv
import io

import pytest

from geochem_prospector.core.io.tables import SafeDictWriter, SafeWriter, safe_cell


@pytest.mark.parametrize(
    "value, written",
    [
        ('=HYPERLINK("http://x","a")', '\'=HYPERLINK("http://x","a")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-0.5", "-0.5"),  # text that reads as a number stays a number
        ("+12", "+12"),
        ("-1e3", "-1e3"),
        ("Kolari", "Kolari"),
        ("a=b", "a=b"),
        ("", ""),
        (-3.5, -3.5),
        (7, 7),
        (None, None),
    ],
)
def test_safe_cell(value, written):
    assert safe_cell(value) == written


def test_writers_neutralise_every_cell_and_a_spreadsheet_reads_text_back():
    buf = io.StringIO()
    SafeWriter(buf).writerow(["=1+1", -2.0, "x"])
    SafeDictWriter(buf, fieldnames=["name", "value"]).writerow({"name": "@cmd", "value": -1})
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    assert rows == [["'=1+1", "-2.0", "x"], ["'@cmd", "-1"]]
