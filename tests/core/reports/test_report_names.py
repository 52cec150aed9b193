"""Names from files a colleague sent (band descriptions, map and deposit names) in the reports: a right-to-left
override in one name must not reorder the text after it, and a 300-character name must not squeeze the numbers
beside it into a column one digit wide. The structure is read with Python's own HTML parser; the layout with
headless Chromium's (skipped where none is installed)."""

import html.parser
import os
import re
import subprocess

import numpy as np
import pytest

from geochem_prospector.core.classic.learner import ClassicLearner
from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.reports.classic import classic_report_html
from geochem_prospector.core.reports.evaluation import report_html

from .test_report_widths import _chromium

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: what follows shows reversed until the paragraph ends
LONG = "Kittilän malminetsintä " * 13  # 299 characters
NAMES = ["stack:<script>alert(1)</script>", f"stack:נחושת {RLO}Cu", "stack:Pb", "stack:" + LONG[:294]]


@pytest.fixture(scope="module")
def forest_page():
    rng = np.random.default_rng(3)
    bands = rng.normal(size=(4, 30, 30))
    labels = np.full((30, 30), np.nan)
    labels[bands[2] > 1.0] = 1
    labels[bands[2] < -0.5] = 0
    model = ClassicLearner("random_forest", window=3, n_estimators=5, seed=1).fit(bands, labels, band_names=NAMES)
    return classic_report_html(model.metadata_)


class _Texts(html.parser.HTMLParser):
    """Every text run of the page with the tags open around it."""

    def __init__(self):
        super().__init__()
        self.open, self.texts = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in ("br", "wbr", "meta"):
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag) :]

    def handle_data(self, data):
        self.texts.append((data, tuple(self.open)))


def test_a_right_to_left_override_in_a_band_name_stays_inside_that_name(forest_page):
    """Each run holding the override (or Hebrew letters) is inside a <bdi> of its own, which ends it there: the
    features listed after it (and the table rows) read as typed, not reversed."""
    parser = _Texts()
    parser.feed(forest_page)
    runs = [(text, tags) for text, tags in parser.texts if RLO in text or "נ" in text]
    assert len(runs) >= 4  # the importance table (cell, mean, std) and the features paragraph
    for text, tags in runs:
        assert "bdi" in tags, f"{text!r} is not isolated: it reverses what follows it ({tags})"
        assert text.startswith("stack:נחושת"), text  # the run is the name alone, nothing after it
    # the escaping is kept: nothing of a name becomes a tag
    assert "<script>" not in forest_page and "&lt;script&gt;alert(1)&lt;/script&gt;" in forest_page
    # names without right-to-left text are left as they were (no markup around plain names)
    assert "<bdi>stack:Pb" not in forest_page


def _line_counts(page: str, tmp_path, selector: str) -> list:
    """(text, number of lines) of every element ``selector`` picks, laid out by Chromium at 1,100 px."""
    path = tmp_path / "page.html"
    probe = (
        "<script>var out=[];document.querySelectorAll(" + repr(selector) + ").forEach(function(e){"
        "var r=document.createRange();r.selectNodeContents(e);var tops={};"
        "Array.prototype.forEach.call(r.getClientRects(),function(q){if(q.width>0)tops[Math.round(q.top)]=1});"
        "out.push([e.textContent,Object.keys(tops).length])});"
        "document.body.setAttribute('data-lines',JSON.stringify(out))</script></body>"
    )
    path.write_text(page.replace("</body>", probe), encoding="utf-8")
    dom = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1100,1200", "--dump-dom",
         path.as_uri()],
        capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)},
    ).stdout  # fmt: skip
    import html as html_module
    import json

    return json.loads(html_module.unescape(re.search(r'data-lines="([^"]*)"', dom).group(1)))


@pytest.mark.skipif(_chromium() is None, reason="no Chromium on this machine to lay the page out")
def test_numbers_beside_a_long_name_stay_on_one_line(forest_page, tmp_path):
    """The importance of a feature named with 300 characters: each value on one line (was '0.' '97' '3', the
    column one digit wide), and each heading word whole ('value', not 'va' 'lu' 'e')."""
    numbers = _line_counts(forest_page, tmp_path, "td.n")
    assert numbers and all(lines == 1 for _, lines in numbers), [n for n in numbers if n[1] > 1]
    headings = _line_counts(forest_page, tmp_path, "th")
    assert headings and all(lines == 1 for text, lines in headings if text in ("value", "feature")), headings


@pytest.mark.skipif(_chromium() is None, reason="no Chromium on this machine to lay the page out")
def test_evaluation_numbers_beside_a_long_map_name_stay_on_one_line(tmp_path):
    from geochem_prospector.core.evaluation.evaluate import evaluate

    rng = np.random.default_rng(4)
    grid = GridSpec(xmin=0.0, ymax=400.0, pixel_size=10.0, width=40, height=40)
    raster = rng.normal(0.5, 0.2, size=(40, 40)).astype(np.float32)
    xy = np.array([[105.0, 195.0], [305.0, 125.0], [205.0, 305.0]])
    ev = evaluate(raster, grid, xy, iterations=20)
    page = report_html(ev, baselines=[(LONG + "x" * 30, ev)], deposit_names=[LONG, "b", "c"])
    cells = [
        (text, lines)
        for text, lines in _line_counts(page, tmp_path, "td:not(:first-child)")
        if re.fullmatch(r"[\d.,%\s–-]+|\d+\s%\sin\s\d+\s%", text)  # AUC, interval, capture, P-A, counts
    ]
    assert len(cells) > 10 and all(lines == 1 for _, lines in cells), [c for c in cells if c[1] > 1]
    headings = _line_counts(page, tmp_path, "th")
    assert all(lines <= len(text.split()) for text, lines in headings), headings  # no word split in two
