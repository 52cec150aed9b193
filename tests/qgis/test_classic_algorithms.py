"""prospector:trainmodel, predict with its model file, and prospector:comparemodels, in-process, on small rasters."""

import numpy as np
import pytest
import rasterio
from qgis.core import QgsProcessingException

from geochem_prospector.core.io.rasters import write_geotiff
from tests.qgis.synthetic import GRID, training_parameters

sklearn = pytest.importorskip("sklearn")


def test_trainmodel_is_an_html_report_in_machine_learning(prospector_provider):
    alg = prospector_provider.algorithm("trainmodel")
    assert alg.outputDefinition("OUTPUT_REPORT").type() == "outputHtml"
    assert alg.group() == "Machine learning" and alg.canExecute()[0]


def test_logistic_model_predicts_like_sklearn(run_algorithm, data, tmp_path):
    """The map written by predict from a trainmodel file equals scikit-learn fitted here on the same cells."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    params = training_parameters(data, tmp_path, "logistic", ("elements", "mag"), METHOD=2, REGULARISATION=0.5)
    rasters = params["INPUT_RASTERS"]
    result = run_algorithm("prospector:trainmodel", params)
    report = (tmp_path / "logistic.html").read_text()
    assert "Coefficients" in report and "elements:Cu" in report and "prospector:trainmodel" in report
    out = run_algorithm(
        "prospector:predict",
        {"INPUT_RASTERS": rasters, "MODEL": result["OUTPUT_MODEL"], "TILE_SIZE": 16, "OUTPUT": str(tmp_path / "p.tif")},
    )
    assert out["OUTPUT_UNCERTAINTY"] is None
    with rasterio.open(out["OUTPUT"]) as src:
        prob = src.read(1, masked=True)
    with (
        rasterio.open(data / "elements.tif") as a,
        rasterio.open(data / "mag.tif") as b,
        rasterio.open(data / "labels.tif") as lab,
    ):
        bands = np.concatenate([a.read(masked=True).filled(np.nan), b.read(masked=True).filled(np.nan)])
        labels = lab.read(1, masked=True).filled(np.nan)
    x_all = bands.reshape(3, -1).T.astype(np.float64)
    ok = np.isfinite(x_all).all(axis=1)
    use = ok & np.isfinite(labels.ravel())
    y = labels.ravel()[use] >= 1
    w = np.where(y, use.sum() / (2 * y.sum()), use.sum() / (2 * (~y).sum()))
    scaler = StandardScaler().fit(x_all[use])
    reference = LogisticRegression(C=0.5, max_iter=5000).fit(scaler.transform(x_all[use]), y, sample_weight=w)
    expected = reference.predict_proba(scaler.transform(x_all[ok]))[:, 1]
    np.testing.assert_allclose(prob.ravel()[ok].filled(np.nan), expected, atol=1e-5)
    assert prob.mask.ravel()[~ok].all()


def test_a_classic_model_says_once_why_it_writes_no_uncertainty_and_checks_the_training_range(
    run_algorithm, data, tmp_path
):
    """MC_SAMPLES and OUTPUT_UNCERTAINTY given to a classic model: one line says neither applies (it said 'MC_SAMPLES
    is 0' after the user gave 5); the file is not written; the same rasters are within the stored training range."""
    from tests.qgis.feedback import RecordingFeedback

    params = training_parameters(data, tmp_path, "logistic", ("elements", "mag"), METHOD=2)
    model = run_algorithm("prospector:trainmodel", params)["OUTPUT_MODEL"]
    feedback = RecordingFeedback()
    unc = tmp_path / "u.tif"
    out = run_algorithm(
        "prospector:predict",
        {"INPUT_RASTERS": params["INPUT_RASTERS"], "MODEL": model, "MC_SAMPLES": 5, "OUTPUT_UNCERTAINTY": str(unc),
         "OUTPUT": str(tmp_path / "p.tif")},
        feedback,
    )  # fmt: skip
    said = [i for i in feedback.infos if ("uncertainty" in i.lower() or "MC_SAMPLES" in i) and "Results" not in i]
    assert said == [
        "No uncertainty raster (OUTPUT_UNCERTAINTY) is written, and MC_SAMPLES is ignored: the model's uncertainty "
        "is none (a classic learner has no uncertainty raster)."
    ]
    assert out["OUTPUT_UNCERTAINTY"] is None and not unc.exists()
    assert any(i.startswith("Evidence within the training range in every band") for i in feedback.infos)
    assert not feedback.warnings


@pytest.mark.parametrize("given", [{}, {"MC_SAMPLES": 20}])
def test_a_classic_model_run_with_the_defaults_says_nothing_of_uncertainty(run_algorithm, data, tmp_path, given):
    """Neither MC_SAMPLES nor OUTPUT_UNCERTAINTY given (qgis_process with the defaults), or MC_SAMPLES at its default
    20 (as the dialog and the modeler pass it): no line about them. It said 'No uncertainty raster
    (OUTPUT_UNCERTAINTY) is written, and MC_SAMPLES is ignored' on every such run, about settings the user never
    made."""
    from tests.qgis.feedback import RecordingFeedback

    params = training_parameters(data, tmp_path, "logistic", ("elements", "mag"), METHOD=2)
    model = run_algorithm("prospector:trainmodel", params)["OUTPUT_MODEL"]
    feedback = RecordingFeedback()
    out = run_algorithm(
        "prospector:predict",
        {"INPUT_RASTERS": params["INPUT_RASTERS"], "MODEL": model, "OUTPUT": str(tmp_path / "p.tif"), **given},
        feedback,
    )
    said = [i for i in feedback.infos if ("uncertainty" in i.lower() or "MC_SAMPLES" in i) and "Results" not in i]
    assert said == [] and out["OUTPUT_UNCERTAINTY"] is None and not feedback.warnings
    with rasterio.open(out["OUTPUT"]) as src:
        assert src.count == 1 and np.isfinite(src.read(1, masked=True).compressed()).all()


@pytest.mark.parametrize("method", [0, 1, 3])
def test_other_learners_train_and_predict(run_algorithm, data, tmp_path, method):
    params = training_parameters(data, tmp_path, "m", METHOD=method, WINDOW=3, N_ESTIMATORS=10)
    rasters = params["INPUT_RASTERS"]
    result = run_algorithm("prospector:trainmodel", params)
    report = (tmp_path / "m.html").read_text()
    assert ("Weights of evidence" in report and "Agterberg" in report) if method == 3 else "importances" in report
    out = run_algorithm(
        "prospector:predict",
        {"INPUT_RASTERS": rasters, "MODEL": result["OUTPUT_MODEL"], "OUTPUT": str(tmp_path / "p.tif")},
    )
    with rasterio.open(out["OUTPUT"]) as src:
        prob = src.read(1, masked=True)
    assert 0 <= prob.min() <= prob.max() <= 1 and prob.count() > 0.9 * prob.size


def test_labels_of_one_class_are_refused(run_algorithm, data, tmp_path):
    labels = np.ones((1, GRID.height, GRID.width))
    write_geotiff(str(tmp_path / "ones.tif"), labels, GRID, ["label"], nodata=-1)
    with pytest.raises(QgsProcessingException, match="LABELS: both mineralised"):
        run_algorithm(
            "prospector:trainmodel", training_parameters(data, tmp_path, "m", LABELS=str(tmp_path / "ones.tif"))
        )
    assert not (tmp_path / "m.pt").exists() and not (tmp_path / "m.html").exists()


def deposits_layer(data, tmp_path):
    """deposits.gpkg: 8 deposits on the highest Cu cells of the synthetic rasters, in separate places."""
    import geopandas as gpd
    from shapely.geometry import Point

    with rasterio.open(data / "elements.tif") as src:
        cu = src.read(1, masked=True).filled(np.nan)
    # deposits on the highest Cu cells, in separate places
    order = np.argsort(np.nan_to_num(-cu, nan=0).ravel())
    picked = []
    for flat in order:
        r, c = divmod(int(flat), GRID.width)
        if all(max(abs(r - r2), abs(c - c2)) > 4 for r2, c2 in picked):
            picked.append((r, c))
        if len(picked) == 8:
            break
    points = [Point(GRID.xmin + (c + 0.5) * 100, GRID.ymax - (r + 0.5) * 100) for r, c in picked]
    gpd.GeoDataFrame({"name": [f"d{i}" for i in range(8)]}, geometry=points, crs="EPSG:3067").to_file(
        tmp_path / "deposits.gpkg"
    )


def compare_params(data, tmp_path, **changes):
    """A small comparemodels run on the synthetic rasters and deposits_layer's deposits, changed by ``changes``."""
    return {
        "INPUT_RASTERS": [str(data / "elements.tif"), str(data / "mag.tif")],
        "DEPOSITS": str(tmp_path / "deposits.gpkg"),
        "LEARNERS": [2],
        "FOLDS": 2,
        "CLUSTER_DISTANCE": 300,
        "NEGATIVES": 100,
        "PATCH_SIZE": 5,
        "EPOCHS": 1,
        "ENSEMBLE": 1,
        "ITERATIONS": 50,
        "OUTPUT_REPORT": str(tmp_path / "compare.html"),
        "OUTPUT_TABLE": str(tmp_path / "compare.csv"),
        **changes,
    }


def test_comparemodels_report_table_and_winner(run_algorithm, data, tmp_path):
    import csv

    from geochem_prospector.core.learning.classic_file import load_model

    deposits_layer(data, tmp_path)
    params = compare_params(
        data, tmp_path, LEARNERS=[2, 3], N_ESTIMATORS=10, EPOCHS=2, ITERATIONS=100, CNN_MODES=[0],
        OUTPUT_MODEL=str(tmp_path / "winner.pt"),
    )  # fmt: skip
    result = run_algorithm("prospector:comparemodels", params)
    rows = list(csv.DictReader(open(result["OUTPUT_TABLE"], encoding="utf-8")))
    assert {r["learner"] for r in rows} == {"best band", "logistic", "woe", "cnn"}
    assert len(rows) == 4 * 3  # two folds and the pooled row per learner
    pooled = {r["learner"]: r for r in rows if r["fold"] == "all"}
    assert [k for k, r in pooled.items() if r["recommended"] == "yes"] == [result["RECOMMENDED"]]
    for r in pooled.values():
        per_fold = [float(f["auc"]) for f in rows if f["learner"] == r["learner"] and f["fold"] != "all"]
        weights = [int(f["deposits"]) for f in rows if f["learner"] == r["learner"] and f["fold"] != "all"]
        assert float(r["auc"]) == pytest.approx(np.average(per_fold, weights=weights), abs=1e-5)
    report = open(result["OUTPUT_REPORT"], encoding="utf-8").read()
    assert "Recommended:" in report and "<svg" in report and "minus best band" in report
    if result["RECOMMENDED"] == "best band":
        assert result["OUTPUT_MODEL"] is None and not (tmp_path / "winner.pt").exists()
    else:
        assert load_model(result["OUTPUT_MODEL"]).band_names_[0] == "elements:Cu"


def test_comparemodels_compares_cnn_modes_side_by_side(run_algorithm, data, tmp_path):
    """CNN_MODES: each mode is a learner on the same folds; a variant's paired difference to the default CNN is the
    difference of their held-out AUCs when both scored every deposit (mean of differences = difference of means)."""
    import csv

    deposits_layer(data, tmp_path)
    result = run_algorithm("prospector:comparemodels", compare_params(data, tmp_path, CNN_MODES=[0, 1, 3, 5]))
    rows = list(csv.DictReader(open(result["OUTPUT_TABLE"], encoding="utf-8")))
    pooled = {r["learner"]: r for r in rows if r["fold"] == "all"}
    assert set(pooled) == {"best band", "logistic", "cnn", "cnn_pu", "cnn_coarse", "cnn_cell"}
    assert pooled["cnn_pu"]["auc"] != "nan" and pooled["cnn"]["auc"] != "nan"
    for mode in ("cnn_pu", "cnn_cell"):  # the per-cell network (mode 5, PATCH_SIZE 1) is paired like the others
        expected = float(pooled[mode]["auc"]) - float(pooled["cnn"]["auc"])
        assert float(pooled[mode]["minus_cnn"]) == pytest.approx(expected, abs=1e-5)
    report = open(result["OUTPUT_REPORT"], encoding="utf-8").read()
    if pooled["cnn_coarse"]["auc"] == "nan":  # its 15-cell view leaves too few spatial blocks on this small grid
        assert "Left out:" in report and "CNN with a coarse view" in report
    else:
        expected = float(pooled["cnn_coarse"]["auc"]) - float(pooled["cnn"]["auc"])
        assert float(pooled["cnn_coarse"]["minus_cnn"]) == pytest.approx(expected, abs=1e-5)
    assert pooled["cnn"]["minus_cnn"] == "" and pooled["logistic"]["minus_cnn"] == ""
    assert "minus CNN (labelled cells)" in report and "CNN, positive-unlabelled" in report and "CNN per cell" in report


def test_comparemodels_refuses_an_even_coarse_view_before_training(run_algorithm, data, tmp_path):
    deposits_layer(data, tmp_path)
    with pytest.raises(QgsProcessingException, match="COARSE_VIEW"):
        run_algorithm("prospector:comparemodels", compare_params(data, tmp_path, CNN_MODES=[0, 3], COARSE_VIEW=4))
    assert not (tmp_path / "compare.html").exists() and not (tmp_path / "compare.csv").exists()


def test_comparemodels_learns_from_a_label_raster(run_algorithm, data, tmp_path):
    """LABELS: the folds learn from the given raster (the report says so); the deposits still define the folds."""
    import csv

    deposits_layer(data, tmp_path)
    result = run_algorithm("prospector:comparemodels", compare_params(data, tmp_path, LABELS=str(data / "labels.tif")))
    report = open(result["OUTPUT_REPORT"], encoding="utf-8").read()
    assert "the given label raster (LABELS)" in report
    rows = list(csv.DictReader(open(result["OUTPUT_TABLE"], encoding="utf-8")))
    pooled = {r["learner"]: r for r in rows if r["fold"] == "all"}
    assert int(pooled["logistic"]["deposits"]) == 8 and pooled["logistic"]["auc"] != "nan"


def test_a_classic_models_map_loads_named_for_its_learner_not_the_cnn(prospector_provider, data, tmp_path):
    """A random forest's (here logistic regression's) map loaded as 'Prospectivity (CNN)' in a 'Prospectivity
    (CNN)' group: the layer and its group now name the learner that made it."""
    import processing
    from qgis.core import QgsProject

    params = training_parameters(data, tmp_path, "logistic", ("elements", "mag"), METHOD=2)
    model = processing.run("prospector:trainmodel", params)["OUTPUT_MODEL"]
    project = QgsProject.instance()
    project.clear()
    try:
        processing.runAndLoadResults(
            "prospector:predict",
            {"INPUT_RASTERS": params["INPUT_RASTERS"], "MODEL": model, "OUTPUT": str(tmp_path / "p.tif")},
        )
        group = project.layerTreeRoot().findGroup("Prospectivity (logistic regression)")
        assert group is not None, [g.name() for g in project.layerTreeRoot().children()]
        names = [n.name() for n in group.children()]
        assert names == ["Prospectivity (logistic regression): most prospective % of the area"]
    finally:
        project.clear()


def test_prospectivity_class_legend_lists_only_the_classes_in_the_raster(prospector_provider, data, tmp_path):
    """CLASS_THRESHOLDS above most of the map leave some class empty; the loaded legend lists the classes the
    raster holds (read with rasterio), as the pseudo-labels' does (sweep 14b; before: low, moderate and high
    whatever the raster held)."""
    import processing
    from qgis.core import QgsProject

    params = training_parameters(data, tmp_path, "logistic", ("elements", "mag"), METHOD=2)
    model = processing.run("prospector:trainmodel", params)["OUTPUT_MODEL"]
    project = QgsProject.instance()
    project.clear()
    try:
        result = processing.runAndLoadResults(
            "prospector:predict",
            {
                "INPUT_RASTERS": params["INPUT_RASTERS"],
                "MODEL": model,
                "CLASS_THRESHOLDS": "0.99999,0.999999",
                "OUTPUT": str(tmp_path / "p.tif"),
                "OUTPUT_CLASSES": str(tmp_path / "classes.tif"),
            },
        )
        with rasterio.open(result["OUTPUT_CLASSES"]) as src:
            held = set(np.unique(src.read(1, masked=True).compressed()).tolist())
        assert held and held != {1, 2, 3}  # the case the test is about: a class left empty
        (layer,) = project.mapLayersByName("Prospectivity classes")
        assert {int(c.value) for c in layer.renderer().classes()} == held
    finally:
        project.clear()


def test_a_window_refusal_offers_only_windows_that_exist():
    """WINDOW is 0 or odd and at least 3: on a grid 2 cells wide the refusal offers 0 alone (it offered 'at most
    1'); on 40 cells, at most 39."""
    from qgis.core import QgsProcessingException

    from geochem_prospector.algorithms.trainmodel import check_window
    from geochem_prospector.core.grid import GridSpec

    with pytest.raises(QgsProcessingException) as narrow:
        check_window(GridSpec(0.0, 2.0, 1.0, 50, 2), 3)
    assert "use WINDOW 0 for the cell alone" in str(narrow.value) and "at most" not in str(narrow.value)
    with pytest.raises(QgsProcessingException, match=r"at most 39 here \(a few cells is usual\), or 0 for the cell"):
        check_window(GridSpec(0.0, 40.0, 1.0, 40, 40), 41)
    check_window(GridSpec(0.0, 40.0, 1.0, 40, 40), 39)  # fits: no refusal


@pytest.mark.parametrize("method", [0, 1])
def test_a_cancel_stops_the_trees_within_a_few(run_algorithm, data, tmp_path, monkeypatch, method):
    """Cancel while the forest (or the boosting) grows: the training stops within a chunk of trees, not after all
    of them (on the Lapland evidence at 50 m a random forest of 100 trees ran 114 s with no progress between 10 %
    and 100 %, and a cancel waited for the last tree); nothing is written. The trees are counted, not timed."""
    from qgis.core import QgsProcessingFeedback
    from sklearn.tree._classes import BaseDecisionTree

    grown = {"before": 0, "after": 0}
    feedback = QgsProcessingFeedback()
    fit = BaseDecisionTree._fit

    def counted(self, *args, **kwargs):
        grown["after" if feedback.isCanceled() else "before"] += 1
        if grown["before"] == 25:
            feedback.cancel()
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(BaseDecisionTree, "_fit", counted)
    progress = []
    feedback.progressChanged.connect(progress.append)
    params = training_parameters(data, tmp_path, "m", METHOD=method, N_ESTIMATORS=200)
    with pytest.raises(QgsProcessingException, match="Cancelled by the user"):
        run_algorithm("prospector:trainmodel", params, feedback)
    assert grown["before"] == 25 and grown["after"] <= 10, grown  # a forest grows 200 // 20 trees a chunk
    assert [p for p in progress if 10 < p < 100], progress  # progress rose while the trees grew
    assert not (tmp_path / "m.pt").exists() and not (tmp_path / "m.html").exists()


def test_tied_classes_and_ranks_are_said_with_the_shares_they_hold(run_algorithm, data, tmp_path):
    """sweep 21c: weights of evidence on one band scores few distinct values, and one of them holds much of the
    area. predict's log said 'by area: the highest 10 % high, the next 20 % moderate' and nothing about the rank
    classes whatever the rasters held. The shares it now gives equal those counted in the written rasters (classes
    cell by cell; rank classes from scipy's mid-rank percentile of the probabilities), and a tie that moves them
    is warned about."""
    from scipy import stats

    from tests.qgis.feedback import RecordingFeedback

    params = training_parameters(data, tmp_path, "woe", ("mag",), METHOD=3)
    model = run_algorithm("prospector:trainmodel", params)["OUTPUT_MODEL"]
    feedback = RecordingFeedback()
    out = run_algorithm(
        "prospector:predict",
        {
            "INPUT_RASTERS": params["INPUT_RASTERS"],
            "MODEL": model,
            "OUTPUT": str(tmp_path / "p.tif"),
            "OUTPUT_CLASSES": str(tmp_path / "classes.tif"),
            "OUTPUT_RANK": str(tmp_path / "rank.tif"),
        },
        feedback,
    )
    with rasterio.open(out["OUTPUT"]) as src:
        prob = src.read(1, masked=True).compressed().astype(np.float64)
    with rasterio.open(out["OUTPUT_CLASSES"]) as src:
        classes = src.read(1, masked=True).compressed()
    held = [100.0 * np.mean(classes == c) for c in (1, 2, 3)]
    (line,) = [i for i in feedback.infos if i.startswith("Class limits")]
    assert f"high holds {held[2]:.2f} %, moderate {held[1]:.2f} %, low {held[0]:.2f} %" in line
    assert len(np.unique(prob)) <= 4  # the case the test is about: a map of a few values
    percentile = np.array([stats.percentileofscore(prob, x, kind="mean") for x in np.unique(prob)])
    counts = np.array([np.sum(prob == x) for x in np.unique(prob)])
    top = {p: 100.0 * counts[percentile > 100 - p].sum() / prob.size for p in (20, 10, 5, 1)}
    rank_notes = [w for w in feedback.warnings if w.startswith("OUTPUT_RANK: ties")]
    class_notes = [w for w in feedback.warnings if w.startswith("OUTPUT_CLASSES: ties")]
    off_rank = [p for p in top if abs(top[p] - p) > max(100 / prob.size, 0.1 * p)]
    assert off_rank and len(rank_notes) == 1  # few values cannot fill 1, 5, 10 and 20 % of the area
    for p in off_rank:
        assert f"'top {p:g} %' {top[p]:.2f} %" in rank_notes[0]
    off_class = abs(held[2] - 10) > 1 or abs(held[1] - 20) > 2
    assert len(class_notes) == int(off_class)
    if off_class:
        assert f"high {held[2]:.2f} % (asked 10 %)" in class_notes[0]
