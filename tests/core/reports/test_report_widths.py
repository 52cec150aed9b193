"""Reports read on a laptop screen: at 800 px the weights-of-evidence table wraps instead of scrolling sideways.
Measured by headless Chromium's own layout (skipped where no Chromium is installed), and the table's make-up checked
against the learner's own weights without a browser."""

import os
import re
import shutil
import subprocess

import numpy as np
import pytest

from geochem_prospector.core.classic.learner import ClassicLearner
from geochem_prospector.core.reports.classic import classic_report_html

NAMES = [
    "Cu",
    "faults:distance_m",
    "lithology:contact_distance_m",
    "lithology:Quartzite, originally sands deposited in ocean's shore zone",
    "lithology:Granit",
    "magnetics_tmi_nT:band 1",
]


@pytest.fixture(scope="module")
def woe_page():
    """A weights-of-evidence model on bands named as the demo's evidence stack names them (long lithology names,
    thousands of weighted cells)."""
    rng = np.random.default_rng(1)
    shape = (60, 60)
    bands = np.stack(
        [
            rng.lognormal(3, 1, shape) * 10,
            rng.uniform(0, 12000, shape),
            rng.uniform(0, 9000, shape),
            (rng.random(shape) < 0.3).astype(float),
            (rng.random(shape) < 0.2).astype(float),
            rng.normal(100, 600, shape),
        ]
    )
    labels = np.full(shape, np.nan)
    labels[bands[0] > np.percentile(bands[0], 90)] = 1
    labels[bands[0] < np.percentile(bands[0], 60)] = 0
    model = ClassicLearner("woe").fit(bands, labels, band_names=NAMES)
    return model.metadata_, classic_report_html(model.metadata_)


def _chromium():
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)


def page_width(page: str, tmp_path, window: int = 800) -> tuple:
    """(scroll width, client width) of the page laid out by headless Chromium in a ``window``-px-wide window."""
    path = tmp_path / "page.html"
    probe = (
        "<script>document.body.setAttribute('data-width', document.documentElement.scrollWidth + '/' + "
        "document.documentElement.clientWidth)</script></body>"
    )
    path.write_text(page.replace("</body>", probe), encoding="utf-8")
    out = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", f"--window-size={window},1200", "--dump-dom",
         path.as_uri()],
        capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)},
    ).stdout  # fmt: skip
    scroll, client = re.search(r'data-width="(\d+)/(\d+)"', out).groups()
    return int(scroll), int(client)


@pytest.mark.skipif(_chromium() is None, reason="no Chromium on this machine to lay the page out")
def test_weights_of_evidence_table_fits_800_px(woe_page, tmp_path):
    _, page = woe_page
    scroll, client = page_width(page, tmp_path)
    assert 700 < client <= 800 and scroll <= client, f"the page scrolls sideways: {scroll} px in a {client} px window"
    # the same page and probe do find a table that is too wide: 40 unbreakable columns
    wide = page.replace("<h2>Training cells</h2>", "<table><tr>" + "<td>0.123456789</td>" * 40 + "</tr></table>")
    assert page_width(wide, tmp_path)[0] > client


def test_weights_table_keeps_every_weight_with_its_deviation(woe_page):
    """Eight columns instead of twelve: each weight stands over its standard deviation in one cell, the kind under
    the pattern; every number is still the learner's own."""
    metadata, page = woe_page
    weights = re.search(r"<h2>Weights of evidence</h2>.*?</table>", page, re.S).group(0)
    header = re.findall(r"<th>([^<]*)</th>", weights)
    assert header == ["feature", "pattern", "deposit cells", "other cells", "W+", "W-", "C", "C/s(C)"]
    rows = re.findall(r"<tr>(<td.*?)</tr>", weights)
    assert len(rows) == len(metadata["summary"]["weights"])
    for row, fitted in zip(rows, metadata["summary"]["weights"]):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        assert cells[0].replace("<wbr>", "") == fitted["feature"].replace("'", "&#x27;")
        assert cells[1].endswith(f"<small>{fitted['kind']}</small>")
        for cell, (w, sd) in zip(
            cells[4:7], [("w_plus", "s_w_plus"), ("w_minus", "s_w_minus"), ("contrast", "s_contrast")]
        ):
            assert cell == f"{fitted[w]:.3f}<small>± {fitted[sd]:.3f}</small>"
        assert cells[7] == f"{fitted['studentised_contrast']:.3f}"
        assert cells[2] == f"{fitted['deposit_cells']:,.1f}" and cells[3] == f"{fitted['other_cells']:,.1f}"
