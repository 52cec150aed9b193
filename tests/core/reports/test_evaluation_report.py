"""The evaluation's CSV and HTML carry the same numbers as core.metrics, and every deposit."""

import csv
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.evaluation.deposits import NODATA, OUTSIDE_RASTER
from geochem_prospector.core.evaluation.evaluate import evaluate
from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.reports import evaluation as evaluation_report
from tests.core.reports.test_report_widths import _chromium, page_width


@pytest.fixture
def evaluation():
    rng = np.random.default_rng(1)
    grid = GridSpec(xmin=0.0, ymax=400.0, pixel_size=10.0, width=40, height=40)
    raster = rng.gamma(2.0, size=(40, 40)).astype(np.float32)
    raster[:5] = np.nan
    xy = np.array([[105.0, 205.0], [5.0, 395.0], [900.0, 5.0], [255.0, 15.0], [305.0, 125.0]])
    names = ["Alpha", "Nodata <mine>", "Far away", "Delta", "Echo"]
    return evaluate(raster, grid, xy, iterations=100), names


def test_csv_holds_metrics_curve_and_every_deposit(evaluation, tmp_path):
    ev, names = evaluation
    path = evaluation_report.write_table(str(tmp_path / "t.csv"), ev, names)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    values = {r["name"]: float(r["value"]) for r in rows if r["kind"] == "metric"}
    assert values["auc"] == pytest.approx(ev.auc)
    assert values["deposits_used"] == 3 and values["deposits_nodata_cell"] == 1
    assert values["deposits_outside_raster"] == 1
    assert values["capture_top_10pct"] == pytest.approx(ev.capture[10.0])
    deposits = {r["name"]: r for r in rows if r["kind"] == "deposit"}
    assert list(deposits) == names
    assert deposits["Far away"]["status"] == OUTSIDE_RASTER
    assert deposits["Nodata <mine>"]["status"] == NODATA
    curve = [r for r in rows if r["kind"] == "success_curve"]
    area = np.array([float(r["area_percent"]) for r in curve])
    found = np.array([float(r["deposit_percent"]) for r in curve])
    assert area[0] == 0 and area[-1] == 100 and found[-1] == 100
    # the area under the written curve is the AUC
    assert np.trapz(found, area) / 1e4 == pytest.approx(ev.auc, abs=1e-9)


def test_html_is_self_contained_with_svg_plots(evaluation, tmp_path):
    ev, names = evaluation
    path = evaluation_report.write_report(str(tmp_path / "r.html"), ev, inputs={"raster": "a & b"}, deposit_names=names)
    text = open(path, encoding="utf-8").read()
    svgs = [s.split("</svg>")[0] + "</svg>" for s in text.split("<svg")[1:]]
    assert len(svgs) == 2
    for svg in svgs:
        ET.fromstring("<svg" + svg)  # well-formed XML
    assert "Nodata &lt;mine&gt;" in text and "a &amp; b" in text
    assert (
        f"{ev.auc:.3f}" in text
        and "matplotlib" not in text
        and "http" not in text.replace("http://www.w3.org/2000/svg", "")
    )


def test_unwritable_folder_names_the_output(evaluation, tmp_path):
    ev, _ = evaluation
    with pytest.raises(InputError, match="OUTPUT_REPORT"):
        evaluation_report.write_report(str(tmp_path / "missing" / "r.html"), ev)


def test_report_title_names_the_band_only_when_it_says_more_than_the_layer():
    """The demo's evaluation of prospectivity.tif (band 'prospectivity') was titled 'Evaluation of prospectivity
    (prospectivity)'."""
    from geochem_prospector.core.reports.evaluation import report_title

    assert report_title("prospectivity", "prospectivity") == "Evaluation of prospectivity"
    assert report_title("Prospectivity", " prospectivity ") == "Evaluation of Prospectivity"
    assert report_title("elements", "Cu") == "Evaluation of elements (band Cu)"
    assert report_title("map", "") == "Evaluation of map"
    assert report_title("magnetics_tmi_nT", "band 1") == "Evaluation of magnetics_tmi_nT (band 1)"  # not 'band band 1'


def test_distance_band_report_says_it_ranked_low_values_first(tmp_path):
    """A distance to faults, deposits near the fault: the report says which way the cells were ranked, the P-A axis
    selects cells at or below the threshold, thresholds and values stay in metres, the baselines table says each
    map's direction, and the CSV carries the direction beside the AUC (scikit-learn on the negated distances)."""
    from sklearn.metrics import roc_auc_score

    grid = GridSpec(xmin=0.0, ymax=400.0, pixel_size=10.0, width=40, height=40)
    distance = np.abs(np.arange(40)[:, None] - 20.0) * 10.0 * np.ones((1, 40))
    xy = np.array([[105.0, 195.0], [305.0, 215.0], [205.0, 185.0]])  # rows 20, 18, 21: 0, 20 and 10 m
    ev = evaluate(distance, grid, xy, iterations=50, low_values_favourable=True)
    other = evaluate(distance, grid, xy, iterations=50)
    page = evaluation_report.report_html(
        ev, value_name="faults:distance_m", unit="m", baselines=[("same band, high first", other)]
    )
    assert "Cells ranked from the lowest faults:distance_m up" in page
    assert "<td>cells ranked</td><td>lowest values first (low values prospective)</td>" in page
    assert "faults:distance_m threshold, m (cells with value &lt;= threshold)" in page
    assert "<th>share of area (lowest values first)</th>" in page
    section = page.split("<h2>Against the baselines</h2>")[1].split("<h2>")[0]
    assert "<th>map, ranked</th>" in section
    low, high = "<small>low values first (a distance)</small>", "<small>high values first</small>"
    assert f'<td class="map">evaluated map{low}</td><td>{ev.auc:.3f}</td>' in section
    assert f'<td class="map">same band, high first{high}</td><td>{other.auc:.3f}</td>' in section
    assert "<td>0</td><td>" in page.split("<h2>Deposits</h2>")[1]  # a deposit on the fault: 0 m, not -0
    # shares keep their number and '%' on one line in the narrow columns of an 800 px window
    pa = f"<td>{ev.pa.prediction_rate:.0f}\u00a0% in {ev.pa.area:.0f}\u00a0%</td>"
    assert pa in section and f"<td>{ev.capture[10.0]:.0f}\u00a0%</td>" in section
    path = evaluation_report.write_table(str(tmp_path / "t.csv"), ev)
    with open(path, newline="", encoding="utf-8") as handle:
        metrics = {r["name"]: float(r["value"]) for r in csv.DictReader(handle) if r["kind"] == "metric"}
    values, background = distance[[20, 18, 21], [10, 30, 20]], distance.ravel()
    y = np.r_[np.ones(3), np.zeros(background.size)]
    assert metrics["auc"] == pytest.approx(roc_auc_score(y, -np.r_[values, background]))
    assert metrics["auc"] > 0.9 and metrics["low_values_favourable"] == 1.0


@pytest.mark.parametrize(
    "layer, band, expected",
    [
        ("evidence", "faults:distance_m", "evidence (faults:distance_m)"),  # band 1 of the demo's evidence stack
        ("magnetics_tmi_nT", "band 1", "magnetics_tmi_nT"),  # an unnamed band adds nothing
        ("reversed", "reversed", "reversed"),
        ("anomaly_index", "", "anomaly_index"),
    ],
)
def test_baseline_named_with_its_band_when_that_says_more(layer, band, expected):
    assert evaluation_report.baseline_name(layer, band) == expected


@pytest.mark.skipif(_chromium() is None, reason="no Chromium on this machine to lay the page out")
def test_a_long_name_without_spaces_wraps_in_the_table(evaluation, tmp_path):
    """A deposit named with 400 characters and no space (a database key, a pasted URL) made the deposit table, and
    so the page, 400 characters wide; the name now wraps inside its cell (Chromium's own layout, 800 px)."""
    ev, names = evaluation
    long_names = ["Alpha_" + "x" * 400, *names[1:]]
    page = evaluation_report.report_html(ev, deposit_names=long_names)
    assert long_names[0] in page
    scroll, client = page_width(page, tmp_path)
    assert 700 < client <= 800 and scroll <= client, f"the page scrolls sideways: {scroll} px in a {client} px window"


def test_csv_thresholds_select_the_cells_of_their_curve_point(tmp_path):
    """sweep 21c: the CSV's thresholds were written to 10 significant digits, a float32 value rounded up: the
    demo's row 'cells >= 0.4838575721' held 0 % of the deposits where the curve said 12.5 %, the deposit on that cell
    left out, and every area one cell short. Each success-curve row's threshold now selects, in float64 as a reader
    of the CSV compares, exactly the area and the deposits of its row (counted by brute force on the raster)."""
    rng = np.random.default_rng(21)
    raster = rng.uniform(0, 1, (40, 50)).astype(np.float32)  # float32, as a written map
    grid = GridSpec(0.0, 40.0, 1.0, 50, 40)  # width 50, height 40
    rows, cols = rng.integers(0, 40, 12), rng.integers(0, 50, 12)
    xy = np.column_stack([cols + 0.5, 40 - rows - 0.5])
    ev = evaluate(raster, grid, xy, iterations=20)
    path = evaluation_report.write_table(str(tmp_path / "t.csv"), ev)
    with open(path, newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    cells = raster.astype(np.float64).ravel()
    deposits = raster[rows, cols].astype(np.float64)
    curve = [r for r in table if r["kind"] == "success_curve" and r["threshold"]]
    assert len(curve) > 10
    for r in curve:
        t = float(r["threshold"])
        # shares to their 10 written digits; one cell is 0.05 % of the area, one deposit 8.3 %
        assert 100 * np.mean(cells >= t) == pytest.approx(float(r["area_percent"]), abs=1e-7)
        assert 100 * np.mean(deposits >= t) == pytest.approx(float(r["deposit_percent"]), abs=1e-7)
    written = {r["name"]: float(r["value"]) for r in table if r["kind"] == "deposit"}
    assert sorted(written.values()) == sorted(deposits.tolist())  # each deposit's value, exactly as the raster's


def _pa_svg(html: str) -> ET.Element:
    """The P-A plot's <svg> element of an evaluation page."""
    for part in html.split("<svg")[1:]:
        svg = ET.fromstring("<svg" + part.split("</svg>")[0] + "</svg>")
        if "Prediction-area" in "".join(svg.itertext()):
            return svg
    raise AssertionError("no P-A plot in the report")


def _marker_position(svg: ET.Element) -> float:
    """Where the P-A point sits across the plot frame: 0 at its left edge, 1 at its right."""
    ns = "{http://www.w3.org/2000/svg}"
    frame = next(r for r in svg.iter(f"{ns}rect") if r.get("stroke"))
    left, width = float(frame.get("x")), float(frame.get("width"))
    circle = next(svg.iter(f"{ns}circle"))
    return (float(circle.get("cx")) - left) / width


def test_pa_plot_of_a_skewed_probability_map_spreads_its_point(tmp_path):
    """sweep 21c: on the demo's map (most of the area near 0, the P-A point at 0.0006 of a range to 0.48) the linear
    threshold axis pressed the area curve and the P-A point against the frame's left edge. Positive values over two
    decades or more now get a log axis: the point sits where log10 puts it, well inside the frame."""
    rng = np.random.default_rng(5)
    raster = (1.0 / (1.0 + np.exp(-rng.normal(-9.0, 4.0, (60, 60))))).astype(np.float32)  # probabilities, skewed
    grid = GridSpec(0.0, 60.0, 1.0, 60, 60)
    hot = np.argsort(raster.ravel())[-400:]  # deposits among the higher cells, as a useful map puts them
    pick = rng.choice(hot, 12, replace=False)
    rows, cols = np.unravel_index(pick, raster.shape)
    ev = evaluate(raster, grid, np.column_stack([cols + 0.5, 60 - rows - 0.5]), iterations=20)
    svg = _pa_svg(evaluation_report.report_html(ev))
    assert "log scale" in "".join(svg.itertext())
    kept = ev.curve.thresholds[ev.curve.downsample(evaluation_report.MAX_CURVE_POINTS)]
    kept = kept[np.isfinite(kept) & (kept > 0)]
    lo = max(kept.min(), kept.max() * 10.0**-evaluation_report.PA_MAX_DECADES)
    expected = (np.log10(ev.pa.threshold) - np.log10(lo)) / (np.log10(kept.max()) - np.log10(lo))
    assert _marker_position(svg) == pytest.approx(expected, abs=0.01)
    linear = (ev.pa.threshold - kept.min()) / (kept.max() - kept.min())
    assert linear < 0.05 and 0.1 < expected < 0.9  # the squeeze the log axis undoes, on this map


@pytest.mark.parametrize("offset", [0.0, 100.0])
def test_pa_plot_stays_linear_for_values_with_zero_or_a_narrow_range(offset, tmp_path):
    """A band with zeros (a distance) or within two decades (log10 element values shifted up) keeps a linear axis."""
    rng = np.random.default_rng(6)
    raster = (offset + rng.gamma(2.0, size=(30, 30))).astype(np.float32)
    raster[0, 0] = offset
    grid = GridSpec(0.0, 30.0, 1.0, 30, 30)
    ev = evaluate(raster, grid, np.array([[5.5, 5.5], [20.5, 12.5], [14.5, 25.5]]), iterations=20)
    svg = _pa_svg(evaluation_report.report_html(ev))
    assert "log scale" not in "".join(svg.itertext())
    kept = ev.curve.thresholds[ev.curve.downsample(evaluation_report.MAX_CURVE_POINTS)]
    kept = kept[np.isfinite(kept)]
    expected = (ev.pa.threshold - kept.min()) / (kept.max() - kept.min())
    assert _marker_position(svg) == pytest.approx(expected, abs=0.01)


def test_log_ticks_are_the_powers_of_ten_inside_the_range():
    from geochem_prospector.core.reports.svgplot import log_ticks

    assert log_ticks(3e-9, 0.48) == pytest.approx([10.0**k for k in range(-8, 0)])
    assert log_ticks(0.03, 0.48) == pytest.approx([0.05, 0.1, 0.2])  # under three decades: 2 and 5 times too
    assert log_ticks(0.0, 1.0) == [] and log_ticks(1.0, 1.0) == []
