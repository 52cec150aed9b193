"""The reports as a geologist reads them: numbers written out (11,270, not 1.127e+04), thresholds in the band's unit,
the validation split in words, captures in percent, distances in metres, features and deposits by name, and the
data each report was computed on. References: values by hand, scikit-learn's own fit summary and the arrays the
split and the comparison return, never an earlier report."""

import re

import numpy as np
import pytest

from geochem_prospector.core.evaluation.evaluate import evaluate
from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.reports.legend import readable_number


@pytest.mark.parametrize(
    "value, expected",
    [
        (11270.3, "11,270"),  # the demo's magnetics deposit printed '1.127e+04'
        (1994.0, "1994"),
        (0.5952, "0.5952"),
        (455.685791015625, "455.7"),
        (-2287.6, "-2288"),
        (0.0004, "4.000e-04"),
        (3.4e38, "3.400e+38"),  # a fill value stays recognisable
        (0.0, "0"),
        (float("nan"), "n/a"),
    ],
)
def test_readable_number_by_hand(value, expected):
    assert readable_number(value) == expected


@pytest.mark.parametrize(
    "value, digits, expected",
    [
        (157.977, 2, "160"),  # comparemodels' seconds column printed '1.6e+02' for a 158 s CNN
        (36.108, 2, "36"),
        (1234.5, 2, "1200"),
        (98765.0, 2, "99,000"),
        (0.156181, 2, "0.16"),
        (999.6, 3, "1000"),
    ],
)
def test_readable_number_with_few_digits_writes_whole_numbers_out(value, digits, expected):
    assert readable_number(value, digits) == expected


@pytest.fixture
def magnetics_like():
    """A map in the thousands (as the demo's magnetics, nT) with one deposit on a cell of 11,270.3."""
    rng = np.random.default_rng(4)
    grid = GridSpec(xmin=0.0, ymax=400.0, pixel_size=10.0, width=40, height=40)
    raster = rng.normal(100.0, 600.0, size=(40, 40)).astype(np.float32)
    raster[20, 10] = 11270.3
    xy = np.array([[105.0, 195.0], [305.0, 125.0], [205.0, 305.0]])  # the first on row 20, column 10
    return evaluate(raster, grid, xy, iterations=50)


def _pa_svg(page):
    return re.search(r"<svg[^>]*>\s*<title>Prediction-area \(P-A\) plot</title>.*?</svg>", page, re.S).group(0)


def test_evaluation_thresholds_carry_the_unit_or_say_band_value(magnetics_like):
    from geochem_prospector.core.reports.evaluation import report_html

    unknown = report_html(magnetics_like, value_name="magnetics_tmi_nT", unit="")
    assert "magnetics_tmi_nT threshold, band value (cells with value &gt;= threshold)" in _pa_svg(unknown)
    assert "<th>threshold (band value)</th>" in unknown and "<th>map value (band value)</th>" in unknown
    known = report_html(magnetics_like, value_name="faults:distance_m", unit="m")
    assert "faults:distance_m threshold, m (cells" in _pa_svg(known)
    assert re.search(r"\(threshold [\d,.-]+ m\)", known)  # the P-A threshold in the key numbers


def test_evaluation_map_values_read_in_full_not_as_exponents(magnetics_like):
    from geochem_prospector.core.reports.evaluation import report_html

    page = report_html(magnetics_like, deposit_names=["Sivakkalehto", "b", "c"])
    assert "<td>Sivakkalehto</td><td>11,270</td>" in page
    tables = "".join(re.findall(r"<table[^>]*>.*?</table>", page, re.S))  # the numbers tables too
    assert not re.search(r"\de[+-]\d", tables), "a number in a table is written as an exponent"


def test_validation_split_reads_as_a_sentence_with_the_splits_own_counts():
    """The split record the demo's CNN report printed as JSON, from a real spatial split: its numbers must be
    the lengths of the index arrays the split returned."""
    from geochem_prospector.core.learning.splits import spatial_split
    from geochem_prospector.core.reports.training import training_report_html

    rng = np.random.default_rng(0)
    rows, cols = np.divmod(np.arange(60 * 60), 60)
    y = (rng.random(rows.size) < 0.2).astype(int)
    train, val, info = spatial_split(rows, cols, y, (60, 60), "blocks", 10, 2, rng)
    page = training_report_html({"metrics": {"split": info, "confusion_matrix": [[1, 0], [0, 1]]}, "classes": [0, 1]})
    cell = re.search(r"<th>Validation split</th><td>([^<]*)</td>", page).group(1)
    assert "{" not in cell and '"' not in cell
    dropped = rows.size - train.size - val.size
    assert cell.startswith(f"Whole square blocks of cells: {info['validation_groups']} of {info['groups']} held out")
    assert f"{train.size:,} training and {val.size:,} validation cells, {dropped:,} training cells dropped" in cell


def test_classic_report_names_features_by_band_and_reads_patterns_and_p_values():
    """Weights of evidence fitted on bands named as the evidence stack names them: every table row names its
    band; thresholds keep their sign with the number; a p-value below 0.001 reads '< 0.001', not 0.000."""
    from geochem_prospector.core.classic.learner import ClassicLearner
    from geochem_prospector.core.reports.classic import classic_report_html

    rng = np.random.default_rng(1)
    cu = rng.lognormal(3, 1, (40, 40)) * 1000
    distance = rng.uniform(0, 5000, (40, 40))
    labels = np.full((40, 40), np.nan)
    labels[cu > np.percentile(cu, 90)] = 1
    labels[cu < np.percentile(cu, 60)] = 0
    names = ["Cu", "faults:distance_m"]
    model = ClassicLearner("woe").fit(np.stack([cu, distance]), labels, band_names=names)
    page = classic_report_html(model.metadata_)
    weights = re.search(r"<h2>Weights of evidence</h2>.*?</table>", page, re.S).group(0)
    shown = re.findall(
        r'<tr><td class="feature">(.*?)</td><td class="pattern">([^<]*)<small>binary</small></td>', weights
    )
    assert [f.replace("<wbr>", "") for f, _ in shown] == names and "feature 1" not in page and "band 1" not in page
    for (_, pattern), row in zip(shown, model.metadata_["summary"]["weights"]):
        sign, _, value = row["pattern"].partition(" ")
        assert pattern == {">=": "≥", "<": "&lt;"}[sign] + "&nbsp;" + readable_number(float(value))
    p = model.metadata_["summary"]["conditional_independence"]["p_value"]
    last_cell = re.search(r"<h2>Conditional independence.*?<td[^>]*>([^<]*)</td></tr></table>", page, re.S).group(1)
    assert last_cell == ("&lt; 0.001" if p < 0.001 else f"{p:.3f}")


def test_reports_say_what_data_they_were_computed_on():
    from geochem_prospector.core.reports.classic import classic_report_html
    from geochem_prospector.core.reports.training import data_sentence, training_report_html

    provenance = {
        "inputs": ["/data/demo/elements.tif", "/data/demo/evidence.tif"],
        "parameters": {
            "LABELS": "/data/demo/pseudolabels.tif",
            "MASK": "/data/study_area.gpkg|layername=study_area",
            "INPUT_RASTERS": ["/data/demo/elements.tif", "/data/demo/evidence.tif"],
        },
    }
    sentence = data_sentence({"provenance": provenance})
    assert (
        "<b>Computed on</b> evidence elements.tif, evidence.tif; labels pseudolabels.tif; study area study_area.gpkg"
        in sentence
    )
    cnn = training_report_html({"provenance": provenance, "metrics": {}, "classes": []})
    assert sentence in cnn and cnn.index(sentence) < cnn.index("<h2>")
    # a list of layers reads one per line in the provenance, not as a JSON list
    assert "<th>INPUT_RASTERS</th><td>/data/demo/elements.tif<br>/data/demo/evidence.tif</td>" in cnn
    metadata = {"method": "logistic", "summary": {"coefficients": {"Cu": 1.0}}, "provenance": provenance}
    assert sentence in classic_report_html(metadata)
    assert data_sentence({}) == ""


def test_inputs_are_named_as_the_project_showed_them_where_their_files_say_nothing():
    """Temporary outputs of earlier steps are all OUTPUT.tif: the layer names provenance recorded come first, the
    file beside them; a list of names that does not match the inputs one to one is not used (files alone)."""
    from geochem_prospector.core.reports.training import data_sentence

    provenance = {
        "inputs": ["/tmp/processing_a/1f/OUTPUT.tif", "/tmp/processing_a/2e/OUTPUT.tif"],
        "parameters": {"LABELS": "/tmp/processing_a/3d/OUTPUT.tif", "MASK": "/data/area.gpkg"},
        "input_names": {"INPUT_RASTERS": ["Elements <IDW>", ""], "LABELS": "Pseudo-labels"},
    }
    sentence = data_sentence({"provenance": provenance})
    assert (
        "evidence Elements &lt;IDW&gt; (OUTPUT.tif), OUTPUT.tif; labels Pseudo-labels (OUTPUT.tif); "
        "study area area.gpkg" in sentence
    )
    provenance["input_names"]["INPUT_RASTERS"] = ["Elements"]  # one name for two rasters
    assert "evidence OUTPUT.tif, OUTPUT.tif; labels Pseudo-labels" in data_sentence({"provenance": provenance})


def test_comparison_reads_captures_in_percent_distances_in_metres_and_names_the_deposits_left_out():
    from geochem_prospector.core.evaluation.compare import compare
    from geochem_prospector.core.reports.comparison import report_html

    rng = np.random.default_rng(2)
    bands = rng.normal(size=(2, 50, 50))
    valid = np.ones((50, 50), bool)
    centres = rng.integers(8, 42, size=(6, 2))
    rows, cols = centres[:, 0], centres[:, 1]
    for r, c in centres:  # deposits, and the 3 x 3 cells labelled around each, on low values of band 2
        bands[1, r - 1 : r + 2, c - 1 : c + 2] -= 3.0
    fixed = -bands[1]
    names = ["Cu", "faults:distance_m"]
    result = compare(
        bands, valid, rows, cols, {"fixed": lambda b, lab: fixed}, folds=3, cluster_cells=2.0, band_names=names
    )
    result.settings.update(cluster_distance=3000.0, distance_unit="m", left_out=["Vähäjoki", "Puro"])
    page = report_html(result, names)
    assert re.search(r"linked within\s3000 m\)", page) and "map units" not in page
    assert f"({result.settings['iterations']:,} draws)" in page and "(1000 draws)" not in page
    assert (
        "(2 more left out, without coordinates, off the rasters, on nodata or outside the mask: Vähäjoki, Puro)" in page
    )
    for name in ("best band", "fixed"):
        p = result.learners[name].placement
        by_hand = f"{100 * np.mean(p[np.isfinite(p)] >= 0.9):.0f} %"
        shown = "best single band" if name == "best band" else name
        row = re.search(rf"<tr><td>(?:<b>)?{shown}.*?</tr>", page).group(0)
        assert f'<td class="n">{by_hand}</td>' in row or f"<td>{by_hand}</td>" in row
    notes = re.findall(r"<li>fold \d: faults:distance_m \(low values favourable; training AUC ([\d.]+)", page)
    assert notes and all(float(a) > 0.5 for a in notes)  # an AUC ranked the favourable way, never 1 - AUC


def test_pseudolabel_summary_says_what_it_was_computed_on(tmp_path):
    """The pseudo-labelling summary named no file: its evidence comes from INPUT_RASTERS (no 'inputs' record); its
    CONFIDENCE is a number, recorded as the string '0.9' by qgis_process, not a raster."""
    from geochem_prospector.core.reports.labels import write_summary
    from geochem_prospector.core.reports.training import data_sentence

    parameters = {"INPUT_RASTERS": ["/d/elements.tif", "/d/evidence.tif"], "LABELS": "/d/dep.gpkg", "CONFIDENCE": "0.9"}
    sentence = data_sentence({"provenance": {"parameters": parameters}}, provenance_below=False)
    assert sentence == '<p class="data"><b>Computed on</b> evidence elements.tif, evidence.tif; labels dep.gpkg.</p>'
    record = {"classes": [], "valid_cells": 1, "labelled_cells": 0, "unlabelled_cells": 1, "settings": {}}
    path = write_summary(str(tmp_path / "s.html"), {**record, "history": [], "warnings": []}, data=sentence)
    assert sentence in open(path, encoding="utf-8").read()


def test_classic_report_lists_only_the_settings_its_learner_uses():
    """A random forest's report listed learning_rate and regularisation, which only boosting and logistic
    regression use (scikit-learn's RandomForestClassifier takes neither: its get_params() is the reference)."""
    from sklearn.ensemble import RandomForestClassifier

    from geochem_prospector.core.classic.learner import ClassicLearner
    from geochem_prospector.core.reports.classic import classic_report_html

    settings = ClassicLearner("random_forest").get_params()
    page = classic_report_html(
        {"method": "random_forest", "summary": {"importance": {"Cu": 1.0}}, "settings": settings}
    )
    section = page[page.index("<h2>Settings</h2>") :]
    assert "learning" not in section and "regularisation" not in section
    assert not {"learning_rate", "C"} & set(RandomForestClassifier().get_params())  # why they are left out
    assert "<td>trees</td><td>200</td>" in section and "<td>largest tree depth</td><td>unlimited (0)</td>" in section
    assert "none: the cell&#x27;s own values only (0)" in section


def test_evaluation_report_says_what_it_was_computed_on_before_any_figure(magnetics_like):
    from geochem_prospector.core.reports.evaluation import report_html

    inputs = {"prospectivity raster": "magnetics (/d/mag.tif), band 1", "deposits": "deposits_heldout", "CRS": "x"}
    page = report_html(magnetics_like, inputs=inputs)
    line = "<p><b>Computed on</b> map magnetics (/d/mag.tif), band 1; deposits deposits_heldout.</p>"
    assert line in page and page.index(line) < page.index("<h2>")


def test_cnn_settings_read_in_words_with_the_stored_key_kept():
    """The demo's report listed 'barren_ratio 0.0', 'block_size 12' …: each setting now reads as traincnn's form
    names it, its value in words (0 = every barren cell; cells with their ground size from the model's grid), the
    key the model file stores small beneath it and key = value as stored in the row's title; a key this version
    does not know stays listed, as stored."""
    from geochem_prospector.core.reports.training import training_report_html

    settings = {"barren_ratio": 0.0, "block_size": 12, "validation": "blocks", "dropout": 0.3, "future_knob": 7}
    page = training_report_html({"settings": settings, "grid": {"pixel_size": 250.0}, "metrics": {}, "classes": []})
    table = re.search(r"<h2>Settings</h2>.*?</table>", page, re.S).group(0)
    rows = re.findall(
        r'<tr title="([^"]*)"><th>(.*?) <code class="key">([^<]*)</code></th><td>([^<]*)</td></tr>', table
    )
    assert rows == [
        ("validation = &#x27;blocks&#x27;", "Validation", "validation", "Spatial blocks"),
        ("block_size = 12", "Validation block size", "block_size", "12 cells (3,000 map units)"),
        (
            "barren_ratio = 0.0",
            "Barren cells drawn per positive cell in each epoch",
            "barren_ratio",
            "all: every barren cell in every epoch (0)",
        ),
        ("dropout = 0.3", "Dropout (share of units dropped while training)", "dropout", "30 %"),
        ("future_knob = 7", "future_knob", "future_knob", "7"),
    ]


def test_positive_unlabelled_figures_say_what_they_compare():
    """Under positive-unlabelled training the validation cells are deposits and unlabelled ground: the accuracy
    counts unlabelled cells as barren and the loss is the PU risk, and the report says so (labelled-cell training
    keeps the plain names)."""
    from geochem_prospector.core.reports.training import training_report_html

    metrics = {"validation_roc_auc": 0.9, "validation_accuracy": 0.98, "validation_loss": 0.1}
    unfitted = {"combine": "logits", "temperature": 1.0, "validation_nll_at_1": None, "validation_nll": None}
    history = [
        {"epoch": e, "iteration": 10 * e, "train_loss": 0.5 / e, "train_accuracy": 0.9, "val_loss": 0.6 / e,
         "val_accuracy": 0.9}
        for e in (1, 2, 3)
    ]  # fmt: skip
    pu = training_report_html(
        {"settings": {"training": "pu"}, "metrics": metrics, "classes": [0, 1], "calibration": unfitted,
         "history": history}
    )  # fmt: skip
    plain = training_report_html(
        {"settings": {"training": "pseudolabels"}, "metrics": metrics, "classes": [0, 1], "history": history}
    )
    # the curves' titles too: the loss curve is the PU risk, not a cross-entropy
    assert "Loss (non-negative PU risk)" in pu and "cross-entropy" not in pu
    assert "Accuracy (unlabelled cells counted as barren)" in pu
    assert "Loss (class-weighted cross-entropy)" in plain and "PU risk" not in plain
    assert "Validation ROC AUC (positive cells against unlabelled ones)" in pu
    assert "Validation accuracy (unlabelled cells counted as barren)" in pu
    assert "Validation loss (non-negative PU risk)" in pu
    assert "Temperature T" in pu and "Validation NLL" not in pu  # no temperature fitted: no likelihood to give
    assert "unlabelled ones" not in plain and "<th>Validation accuracy</th>" in plain


def test_computed_on_names_a_csv_given_as_uri_by_its_file_name(tmp_path):
    """A CSV given to qgis_process as a delimited-text URI read 'labels meuse_lab.csv?delimiter=,&xField=x&…' in
    the pseudo-label summary (sweep 22a). The reference: the file's own name, its URI built by pathlib."""
    from geochem_prospector.core.reports.training import data_sentence

    csv = tmp_path / "labelled samples.csv"  # a space: escaped as %20 in the URI
    uri = f"delimitedtext://{csv.as_uri()}?delimiter=,&xField=x&yField=y&crs=EPSG:28992"
    assert "%20" in uri and "?" in uri
    parameters = {"INPUT_RASTERS": [str(tmp_path / "el.tif")], "LABELS": uri, "MASK": f"{csv.as_uri()}?type=csv"}
    sentence = data_sentence({"provenance": {"parameters": parameters}}, provenance_below=False)
    assert sentence == (
        f'<p class="data"><b>Computed on</b> evidence el.tif; labels {csv.name}; study area {csv.name}.</p>'
    )
