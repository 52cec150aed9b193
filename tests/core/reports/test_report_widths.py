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


LONG_PATH = "/home/geologist/" + "/".join(["Projektit_Kittila_2026_evidence_stack_final"] * 4) + "/stack_250m.tif"


def _report_with_long_words(kind: str, tmp_path) -> str:
    """Each report as a user's run writes it, its inputs in a folder 200 characters deep with no space, and (the
    comparison) a deposit left out whose name is a 300-character key."""
    from geochem_prospector.core.evaluation.compare import compare
    from geochem_prospector.core.reports.comparison import report_html as comparison_html
    from geochem_prospector.core.reports.labels import write_summary
    from geochem_prospector.core.reports.training import data_sentence, training_report_html

    provenance = {"inputs": [LONG_PATH], "parameters": {"LABELS": LONG_PATH, "INPUT_RASTERS": [LONG_PATH]}}
    if kind == "training":
        return training_report_html({"provenance": provenance, "metrics": {}, "classes": []})
    if kind == "classic":
        metadata = {"method": "logistic", "summary": {"coefficients": {"Cu": 1.0}}, "provenance": provenance}
        return classic_report_html(metadata)
    if kind == "comparison":
        rng = np.random.default_rng(2)
        bands = rng.normal(size=(2, 50, 50))
        centres = rng.integers(8, 42, size=(6, 2))
        for r, c in centres:
            bands[1, r - 1 : r + 2, c - 1 : c + 2] -= 3.0
        result = compare(bands, np.ones((50, 50), bool), centres[:, 0], centres[:, 1],
                         {"fixed": lambda b, lab: -bands[1]}, folds=3, cluster_cells=2.0, band_names=["Cu", "Pb"])  # fmt: skip
        result.settings.update(cluster_distance=3000.0, distance_unit="m", left_out=["Deposit_" + "x" * 300])
        return comparison_html(result, ["Cu", "Pb"], provenance)
    sentence = data_sentence({"provenance": provenance}, provenance_below=False)
    record = {"classes": [], "valid_cells": 1, "labelled_cells": 0, "unlabelled_cells": 1, "settings": {}}
    path = write_summary(str(tmp_path / "s.html"), {**record, "history": [], "warnings": [LONG_PATH]}, data=sentence)
    return open(path, encoding="utf-8").read()


@pytest.mark.skipif(_chromium() is None, reason="no Chromium on this machine to lay the page out")
@pytest.mark.parametrize("kind", ["training", "classic", "comparison", "pseudolabel"])
def test_long_paths_and_names_wrap_instead_of_widening_the_page(kind, tmp_path):
    """A path or name without spaces made every report as wide as it (1,692-2,932 px in an 800 px window); it now wraps."""
    page = _report_with_long_words(kind, tmp_path)
    assert LONG_PATH in page
    scroll, client = page_width(page, tmp_path)
    assert 700 < client <= 800 and scroll <= client, f"the page scrolls sideways: {scroll} px in a {client} px window"
