"""prospector:traincnn and prospector:predict in-process, on small synthetic rasters."""

import os

import numpy as np
import pytest
import rasterio
from qgis.core import QgsProcessingException, QgsProcessingFeedback

from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.io.rasters import write_geotiff
from geochem_prospector.core.learning.estimator import PatchCNN
from tests.helpers import assert_same_networks
from tests.qgis.synthetic import CRS, GRID, training_parameters

FAST = {"PATCH_SIZE": 5, "EPOCHS": 2, "BATCH_SIZE": 32, "SEED": 1, "DEVICE": "cpu", "ENSEMBLE": 1}


def traincnn_parameters(data, tmp_path, name="model", rasters=("elements",), **changes):
    """A tiny traincnn run (FAST) on the synthetic scene: :func:`training_parameters`, changed by ``changes``."""
    return training_parameters(data, tmp_path, name, rasters, **{**FAST, **changes})


def test_report_is_an_html_output(prospector_provider):
    alg = prospector_provider.algorithm("traincnn")
    assert alg.outputDefinition("OUTPUT_REPORT").type() == "outputHtml"  # opens in the results viewer
    assert alg.group() == "Deep learning"


def test_train_then_predict(run_algorithm, data, tmp_path):
    params = traincnn_parameters(data, tmp_path, "model", ("elements", "mag"), ENSEMBLE=2)
    rasters = params["INPUT_RASTERS"]
    result = run_algorithm("prospector:traincnn", params)
    model = PatchCNN.load(result["OUTPUT_MODEL"])
    assert model.band_names_ == ["elements:Cu", "elements:Ni", "mag:tmi"] and len(model.nets_) == 2
    assert model.metadata_["grid"]["pixel_size"] == 100.0 and "3067" in model.metadata_["grid"]["crs_wkt"]
    assert model.metadata_["provenance"]["algorithm"] == "prospector:traincnn"
    report = (tmp_path / "model.html").read_text()
    assert report.count("<svg") == 2 and "Validation ROC AUC" in report and "Confusion matrix" in report
    assert "<th>Networks in the ensemble</th><td>2</td>" in report
    provenance = report[report.index("<h2>Provenance</h2>") :]  # how the model was made, beside its metrics
    assert "<td>prospector:traincnn</td>" in provenance and "<th>Plugin version</th>" in provenance
    assert all(path in provenance for path in rasters) and "<th>SEED</th><td>1</td>" in provenance
    settings = report[report.index("<h2>Settings</h2>") : report.index("<h2>Provenance</h2>")]
    barren = '<th>Barren cells drawn per positive cell in each epoch <code class="key">barren_ratio</code></th>'
    assert barren in settings and "<th>barren_ratio</th>" not in settings  # words first, the stored key below
    patch = params["PATCH_SIZE"]
    assert f'<tr title="patch_size = {patch}"><th>Patch size <code class="key">patch_size</code></th>' in settings
    assert f"<td>{patch} x {patch} cells</td>" in settings

    out = run_algorithm(
        "prospector:predict",
        {
            "INPUT_RASTERS": rasters,
            "MODEL": result["OUTPUT_MODEL"],
            "DEVICE": "cpu",
            "MC_SAMPLES": 4,
            "TILE_SIZE": 16,
            "OUTPUT": str(tmp_path / "prob.tif"),
            "OUTPUT_UNCERTAINTY": str(tmp_path / "unc.tif"),
            "OUTPUT_CLASSES": str(tmp_path / "classes.tif"),
        },
    )
    with rasterio.open(out["OUTPUT"]) as src:
        prob = src.read(1, masked=True)
        assert src.dtypes[0] == "float32" and src.crs.to_epsg() == 3067
    with rasterio.open(out["OUTPUT_UNCERTAINTY"]) as src:
        unc = src.read(1, masked=True)
    with rasterio.open(out["OUTPUT_CLASSES"]) as src:
        classes = src.read(1, masked=True)
    assert prob.mask[:2, :3].all() and not prob.mask[2:, 3:].any()
    assert 0 <= prob.min() and prob.max() <= 1 and unc.min() >= 0
    # the file equals an in-memory prediction with the loaded model (same core path, no tiling effects)
    stack = np.concatenate([rasterio.open(p).read(masked=True).filled(np.nan) for p in rasters]).astype(np.float32)
    expected = model.predict_proba(stack, device="cpu", tile=1000)
    np.testing.assert_allclose(prob.filled(np.nan), expected, atol=1e-6)
    # classes: default limits leave about 10 % of the area high
    assert set(np.unique(classes.compressed())) <= {1, 2, 3}
    assert 0.05 < np.mean(classes.compressed() == 3) < 0.2


def test_point_labels_and_missing_band(run_algorithm, data, tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    labels = rasterio.open(data / "labels.tif").read(1, masked=True)
    rows, cols = np.nonzero(~labels.mask)
    pts = [Point(GRID.xmin + (c + 0.5) * 100, GRID.ymax - (r + 0.5) * 100) for r, c in zip(rows, cols)]
    cls = labels[rows, cols].astype(int)
    # the same classes as integers and as words (pseudolabel accepts both, so traincnn must too)
    words = np.where(cls == 1, "deposit", "barren")
    gpd.GeoDataFrame({"cls": cls, "kind": words}, geometry=pts, crs="EPSG:3067").to_file(
        tmp_path / "pts.gpkg", driver="GPKG"
    )
    points = {"LABELS": str(tmp_path / "pts.gpkg")}
    result = run_algorithm("prospector:traincnn", traincnn_parameters(data, tmp_path, "m", **points, LABEL_FIELD="cls"))
    hashes = PatchCNN.load(result["OUTPUT_MODEL"]).metadata_["data_hashes"]
    # the label raster the points make equals the label raster they were taken from (NaN = unlabelled)
    from geochem_prospector.core.learning.model_file import array_hash

    assert hashes["labels"] == array_hash(labels.astype(np.float64).filled(np.nan))
    text = run_algorithm("prospector:traincnn", traincnn_parameters(data, tmp_path, "t", **points, LABEL_FIELD="kind"))
    assert PatchCNN.load(text["OUTPUT_MODEL"]).metadata_["data_hashes"] == hashes
    with pytest.raises(QgsProcessingException, match=r"^LABEL_FIELD: class not found in the layer"):
        run_algorithm("prospector:traincnn", traincnn_parameters(data, tmp_path, "x", **points, LABEL_FIELD="class"))
    assert not (tmp_path / "x.pt").exists()
    with pytest.raises(QgsProcessingException, match="elements:Cu"):
        run_algorithm(
            "prospector:predict",
            {
                "INPUT_RASTERS": [str(data / "mag.tif")],
                "MODEL": result["OUTPUT_MODEL"],
                "OUTPUT": str(tmp_path / "p.tif"),
            },
        )
    assert not (tmp_path / "p.tif").exists()


def test_cancel_and_bad_model_write_nothing(run_algorithm, data, tmp_path):
    feedback = QgsProcessingFeedback()
    feedback.progressChanged.connect(lambda _: feedback.cancel())
    with pytest.raises(QgsProcessingException, match="[Cc]ancel"):
        run_algorithm("prospector:traincnn", traincnn_parameters(data, tmp_path), feedback=feedback)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    (tmp_path / "fake.pt").write_bytes(b"not a model")
    with pytest.raises(QgsProcessingException, match="MODEL"):
        run_algorithm(
            "prospector:predict",
            {
                "INPUT_RASTERS": [str(data / "elements.tif")],
                "MODEL": str(tmp_path / "fake.pt"),
                "OUTPUT": str(tmp_path / "p.tif"),
            },
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fake.pt"]


def test_plugin_loads_without_torch_and_says_what_is_missing():
    import subprocess
    import sys

    from geochem_prospector.algorithms import traincnn

    code = (
        "import sys; sys.modules['torch'] = None\n"
        f"sys.path.insert(0, {traincnn.__file__.rsplit('/algorithms/', 1)[0].rsplit('/', 1)[0]!r})\n"
        "from geochem_prospector.algorithms.provider import ProspectorProvider\n"
        "from geochem_prospector.algorithms.traincnn import import_cnn\n"
        "from qgis.core import QgsProcessingException\n"
        "try:\n    import_cnn()\nexcept QgsProcessingException as exc:\n    print('MESSAGE', exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "MESSAGE" in out.stdout and "PyTorch" in out.stdout and "pip install torch" in out.stdout, out.stderr


def test_rank_is_the_percentile_of_the_study_area(run_algorithm, data, tmp_path):
    """OUTPUT_RANK against scipy's rankdata of the model's scores inside the MASK, and in the order of the
    probabilities wherever they differ; the style has the top 1 / 5 / 10 / 20 % classes."""
    import geopandas as gpd
    from qgis.core import QgsRasterLayer
    from scipy import stats
    from shapely.geometry import box

    from geochem_prospector.common import STYLES_DIR

    params = traincnn_parameters(data, tmp_path)
    rasters = params["INPUT_RASTERS"]
    trained = run_algorithm("prospector:traincnn", params)
    # the study area: the western 20 of 32 columns
    area = box(GRID.xmin, GRID.ymax - GRID.height * 100, GRID.xmin + 20 * 100, GRID.ymax)
    gpd.GeoDataFrame(geometry=[area], crs="EPSG:3067").to_file(tmp_path / "area.gpkg", driver="GPKG")
    out = run_algorithm(
        "prospector:predict",
        {
            "INPUT_RASTERS": rasters,
            "MODEL": trained["OUTPUT_MODEL"],
            "MASK": str(tmp_path / "area.gpkg"),
            "DEVICE": "cpu",
            "MC_SAMPLES": 0,
            "TILE_SIZE": 16,
            "OUTPUT": str(tmp_path / "prob.tif"),
            "OUTPUT_RANK": str(tmp_path / "rank.tif"),
        },
    )
    with rasterio.open(out["OUTPUT"]) as src:
        prob = src.read(1, masked=True)
    with rasterio.open(out["OUTPUT_RANK"]) as src:
        rank = src.read(1, masked=True)
        assert src.dtypes[0] == "float32" and src.descriptions == ("percentile of the study area",)
    assert np.array_equal(rank.mask, prob.mask) and rank.mask[:, 20:].all() and not rank.mask[2:, 3:20].any()
    model = PatchCNN.load(trained["OUTPUT_MODEL"])
    stack = rasterio.open(rasters[0]).read(masked=True).filled(np.nan).astype(np.float32)
    score = model.predict_score(stack, device="cpu")[~rank.mask]
    expected = 100 * (stats.rankdata(score, method="average") - 0.5) / score.size
    np.testing.assert_allclose(rank.compressed(), expected, atol=1e-4)
    assert stats.percentileofscore(score, score.max(), kind="mean") == pytest.approx(rank.max(), abs=1e-4)
    # wherever two probabilities differ, the rank orders them alike
    p, r = prob.compressed().astype(np.float64), rank.compressed().astype(np.float64)
    order = np.argsort(p, kind="stable")
    rising = np.diff(p[order]) > 0
    assert (np.diff(r[order])[rising] > 0).all()
    layer = QgsRasterLayer(out["OUTPUT_RANK"], "rank")
    message, ok = layer.loadNamedStyle(os.path.join(STYLES_DIR, "prospectivity_rank.qml"))
    assert ok, message
    items = layer.renderer().shader().rasterShaderFunction().colorRampItemList()
    assert [i.value for i in items][:4] == [80, 90, 95, 99] and "top 1 %" in items[-1].label


def test_positive_unlabelled_training_is_selected_and_stored_by_name(run_algorithm, data, tmp_path):
    pu = {"TRAINING": 1, "CLASS_PRIOR": 0.2, "COARSE_VIEW": 3, "PRETRAIN_EPOCHS": 1, "BLOCK_SIZE": 1000}
    result = run_algorithm("prospector:traincnn", traincnn_parameters(data, tmp_path, "pu", **pu))
    model = PatchCNN.load(result["OUTPUT_MODEL"])
    assert model.metadata_["settings"]["training"] == "pu" and model.metadata_["settings"]["class_prior"] == 0.2
    assert model.metadata_["provenance"]["parameters"]["TRAINING"] == "pu"
    assert model.metadata_["settings"]["coarse"] == 3 and model.config_.field == 15
    assert model.metadata_["settings"]["pretrain_epochs"] == 1
    with pytest.raises(QgsProcessingException, match="CLASS_PRIOR"):  # beyond the parameter's 0-0.99
        run_algorithm("prospector:traincnn", traincnn_parameters(data, tmp_path, "bad", TRAINING=1, CLASS_PRIOR=0.995))
    assert not (tmp_path / "bad.pt").exists()


def test_teacher_and_band_sparsity_are_selected_and_stored_by_name(run_algorithm, data, tmp_path):
    """TEACHER 2 (gradient boosting on every labelled cell), DISTIL_TARGET 1 (log-odds), BAND_SPARSITY -1: stored
    by name, the strength as the one chosen among the grid (with every strength's validation AUC and the bands
    used in the metrics); the log says what the teacher learnt from and which strength was chosen."""
    from geochem_prospector.core.learning.sparsity import SPARSITY_GRID

    extra = {"TRAINING": 0, "TEACHER": 2, "DISTIL_TARGET": 1, "DISTIL_WEIGHT": 2.0, "BAND_SPARSITY": -1.0}
    result = run_algorithm("prospector:traincnn", traincnn_parameters(data, tmp_path, "distil", **extra))
    model = PatchCNN.load(result["OUTPUT_MODEL"])
    settings = model.metadata_["settings"]
    assert settings["teacher"] == "gradient_boosting_all" and settings["distil_target"] == "log_odds"
    assert settings["distil_weight"] == 2.0 and settings["band_sparsity"] in SPARSITY_GRID
    assert model.metadata_["provenance"]["parameters"]["TEACHER"] == "gradient_boosting_all"
    metrics = model.metadata_["metrics"]
    assert list(metrics["band_sparsity_choice"]) == [f"{s:g}" for s in SPARSITY_GRID]
    assert set(metrics["bands_used"]) == set(model.band_names_)


@pytest.mark.parametrize("choice,name,stored", [(1, "quantile", 1000), (2, "piecewise", 17)])
def test_input_transforms_are_selected_stored_and_applied_by_predict(
    run_algorithm, data, tmp_path, choice, name, stored
):
    """INPUT_TRANSFORM 1 (normal scores) and 2 (piecewise-linear encoding, appended): the model stores each band's
    quantiles (scikit-learn's on the same stack; 1,000, or the 17 edges of 16 bins) and predict's tiles apply them:
    the written map equals the loaded model's in-memory prediction."""
    sklearn_preprocessing = pytest.importorskip("sklearn.preprocessing")
    rasters = [str(data / "elements.tif"), str(data / "mag.tif")]
    result = run_algorithm(
        "prospector:traincnn",
        {
            "INPUT_RASTERS": rasters,
            "LABELS": str(data / "labels.tif"),
            **FAST,
            "INPUT_TRANSFORM": choice,
            "OUTPUT_MODEL": str(tmp_path / "q.pt"),
            "OUTPUT_REPORT": str(tmp_path / "q.html"),
        },
    )
    model = PatchCNN.load(result["OUTPUT_MODEL"])
    assert model.metadata_["settings"]["input_transform"] == name
    assert model.metadata_["provenance"]["parameters"]["INPUT_TRANSFORM"] == name
    stack = np.concatenate([rasterio.open(p).read(masked=True).filled(np.nan) for p in rasters]).astype(np.float32)
    table = model.metadata_["normalisation"]["quantiles"]
    n = min(stored, max(int(np.isfinite(band).sum()) for band in stack))  # at most one quantile per value
    assert len(table) == stack.shape[0] and {len(row) for row in table} == {n}
    for band, row in zip(stack, table):
        values = band[np.isfinite(band)].astype(np.float64)[:, None]
        qt = sklearn_preprocessing.QuantileTransformer(n_quantiles=n, subsample=values.size + 1)
        np.testing.assert_allclose(row, qt.fit(values).quantiles_[:, 0], rtol=1e-12)
    out = run_algorithm(
        "prospector:predict",
        {
            "INPUT_RASTERS": rasters,
            "MODEL": result["OUTPUT_MODEL"],
            "DEVICE": "cpu",
            "MC_SAMPLES": 0,
            "TILE_SIZE": 16,
            "OUTPUT": str(tmp_path / "prob.tif"),
        },
    )
    with rasterio.open(out["OUTPUT"]) as src:
        prob = src.read(1, masked=True).filled(np.nan)
    np.testing.assert_allclose(prob, model.predict_proba(stack, device="cpu", tile=1000), atol=1e-6)


def test_patch_size_1_trains_the_per_cell_network_and_3_is_refused(run_algorithm, data, tmp_path):
    params = traincnn_parameters(data, tmp_path, "cell", PATCH_SIZE=1)
    model = PatchCNN.load(run_algorithm("prospector:traincnn", params)["OUTPUT_MODEL"])
    assert model.config_.field == 1 and model.metadata_["patch_size"] == 1
    assert all(w.shape[2:] == (1, 1) for k, w in model.nets_[0].state_dict().items() if w.ndim == 4)
    with pytest.raises(QgsProcessingException, match="PATCH_SIZE: the patch size must be an odd number"):
        run_algorithm("prospector:traincnn", traincnn_parameters(data, tmp_path, "three", PATCH_SIZE=3))
    assert not (tmp_path / "three.pt").exists() and not (tmp_path / "three.html").exists()


def train_whole_and_by_windows(run_algorithm, params, tmp_path, monkeypatch):
    """traincnn run twice on ``params``: "whole" reads the stack into memory (threshold above any size),
    "windows" streams it (threshold 0, windows of 16 cells). Returns ({name: model}, {name: log lines})."""
    from geochem_prospector.algorithms import traincnn

    models, logs = {}, {}
    for name, threshold in (("whole", 1 << 40), ("windows", 0)):
        monkeypatch.setattr(traincnn, "STREAM_ABOVE_BYTES", threshold)
        monkeypatch.setattr(traincnn, "STREAM_WINDOW", 16)
        feedback = Recorder()
        result = run_algorithm(
            "prospector:traincnn",
            {**params, "OUTPUT_MODEL": str(tmp_path / f"{name}.pt"), "OUTPUT_REPORT": str(tmp_path / f"{name}.html")},
            feedback=feedback,
        )
        models[name], logs[name] = PatchCNN.load(result["OUTPUT_MODEL"]), feedback.lines
    return models, logs


def test_a_stack_read_window_by_window_trains_the_model_of_the_whole_stack(run_algorithm, data, tmp_path, monkeypatch):
    """#20: above STREAM_ABOVE_BYTES traincnn reads only the patches around labelled and sampled cells, window by
    window; on a raster the whole-stack path holds (every unlabelled cell kept) the trained networks are the same
    bit for bit. Here the threshold is 0 and the windows 16 cells, so this small raster is streamed in 9 windows."""
    rng = np.random.default_rng(3)
    write_geotiff(str(tmp_path / "conf.tif"), rng.uniform(0.3, 1, (1, GRID.height, GRID.width)), GRID, ["c"])
    confidence = str(tmp_path / "conf.tif")
    params = traincnn_parameters(
        data,
        tmp_path,
        "",
        ("elements", "mag"),
        CONFIDENCE=confidence,
        ENSEMBLE=2,
        BARREN_RATIO=0.5,
        TRAINING=0,  # labelled cells: the confidence weights and the barren cap are read (not with PU)
    )
    models, logs = train_whole_and_by_windows(run_algorithm, params, tmp_path, monkeypatch)
    assert any("read window by window" in line for line in logs["windows"])
    assert not any("read window by window" in line for line in logs["whole"])
    whole, windows = models["whole"], models["windows"]
    assert whole.band_names_ == windows.band_names_ and len(windows.nets_) == 2
    assert_same_networks(whole, windows)


@pytest.mark.parametrize("case", ["points", "pu and pre-training"])
def test_point_labels_pu_and_pretraining_read_window_by_window_train_the_whole_stacks_model(
    case, run_algorithm, data, tmp_path, monkeypatch
):
    """#20: labelled points, positive-unlabelled training and masked-band pre-training stream too (threshold 0,
    16-cell windows); on this small raster (every valid cell in the pools) the networks are the whole stack's."""
    import geopandas as gpd
    from shapely.geometry import Point

    params = traincnn_parameters(data, tmp_path, "", ("elements", "mag"))
    if case == "points":
        labels = rasterio.open(data / "labels.tif").read(1, masked=True)
        rows, cols = np.nonzero(~labels.mask)
        rows, cols = np.append(rows, rows[0]), np.append(cols, cols[0])  # a second point on one cell
        pts = [Point(GRID.xmin + (c + 0.5) * 100, GRID.ymax - (r + 0.5) * 100) for r, c in zip(rows, cols)]
        cls = np.append(labels[rows[:-1], cols[:-1]].astype(int), 1 - int(labels[rows[0], cols[0]]))
        gpd.GeoDataFrame({"cls": cls}, geometry=pts, crs="EPSG:3067").to_file(tmp_path / "pts.gpkg", driver="GPKG")
        params.update(LABELS=str(tmp_path / "pts.gpkg"), LABEL_FIELD="cls")
    else:
        params.update(TRAINING=1, PRETRAIN_EPOCHS=1)
    models, logs = train_whole_and_by_windows(run_algorithm, params, tmp_path, monkeypatch)
    assert any("read window by window (it is large)" in line for line in logs["windows"])
    whole, windows = models["whole"], models["windows"]
    assert windows.metadata_["reading"]["windows_scanned"] == 6  # 36 x 32 cells in windows of 16
    assert_same_networks(whole, windows)


def test_a_stack_on_different_grids_is_read_whole_and_says_why(run_algorithm, data, tmp_path, monkeypatch):
    from geochem_prospector.algorithms import traincnn

    other = GridSpec(GRID.xmin, GRID.ymax, 50.0, 2 * GRID.width, 2 * GRID.height, CRS)  # a finer grid
    write_geotiff(str(tmp_path / "fine.tif"), np.ones((1, other.height, other.width)), other, ["fine"])
    monkeypatch.setattr(traincnn, "STREAM_ABOVE_BYTES", 0)
    feedback = Recorder()
    rasters = [str(data / "elements.tif"), str(tmp_path / "fine.tif")]
    run_algorithm("prospector:traincnn", traincnn_parameters(data, tmp_path, INPUT_RASTERS=rasters), feedback=feedback)
    assert any("read into memory: the evidence rasters are on different grids" in line for line in feedback.lines)


def test_a_stack_too_large_for_the_memory_left_is_read_window_by_window(run_algorithm, data, tmp_path, monkeypatch):
    """A stack under STREAM_ABOVE_BYTES whose whole-stack reading (4 bytes a stack byte, 24 a cell) would not fit
    in 80 % of the memory available is read window by window, saying why, and trains the whole stack's networks;
    one that cannot be (rasters on different grids) is refused before reading, naming INPUT_RASTERS, nothing
    written. Before, traincnn made no memory estimate and read it whole."""
    from geochem_prospector.algorithms import traincnn

    params = traincnn_parameters(data, tmp_path, "", ("elements", "mag"))
    with rasterio.open(data / "elements.tif") as a, rasterio.open(data / "mag.tif") as b:
        cells, bands = a.width * a.height, a.count + b.count
    whole = bands * cells * 4 * 4.0 + cells * 24  # the estimate, from GDAL's own sizes
    models = {}
    for name, available in (("plenty", 1 << 40), ("short", int(whole / 0.8) - 1)):
        monkeypatch.setattr(traincnn, "available_memory", lambda available=available: available)
        feedback = Recorder()
        out = {"OUTPUT_MODEL": str(tmp_path / f"{name}.pt"), "OUTPUT_REPORT": str(tmp_path / f"{name}.html")}
        result = run_algorithm("prospector:traincnn", {**params, **out}, feedback=feedback)
        models[name] = PatchCNN.load(result["OUTPUT_MODEL"])
        streamed = [line for line in feedback.lines if "read window by window" in line]
        assert bool(streamed) == (name == "short"), feedback.lines
    expected = f"(read whole it would need about {whole / 1024:.1f} KiB of the {(int(whole / 0.8) - 1) / 1024:.1f} KiB"
    assert expected + " of memory available)" in streamed[0], streamed
    assert models["plenty"].metadata_["reading"] == {"mode": "whole stack in memory, in this process"}
    assert models["short"].metadata_["reading"]["windows_scanned"] == 1
    assert_same_networks(models["plenty"], models["short"])

    other = GridSpec(GRID.xmin, GRID.ymax, 50.0, 2 * GRID.width, 2 * GRID.height, CRS)  # a finer grid
    write_geotiff(str(tmp_path / "fine.tif"), np.ones((1, other.height, other.width)), other, ["fine"])
    monkeypatch.setattr(traincnn, "available_memory", lambda: 1000)
    rasters = [str(data / "elements.tif"), str(tmp_path / "fine.tif")]
    refused = traincnn_parameters(data, tmp_path, "refused", INPUT_RASTERS=rasters)
    with pytest.raises(QgsProcessingException, match=r"^INPUT_RASTERS: training on the whole evidence stack \(\d+ "
                       r"bands of 36 x 32 cells\) needs about [\d.]+ KiB of memory, but only 1,000 bytes is available, and "
                       r"it cannot be read window by window because the evidence rasters are on different grids\."):  # fmt: skip
        run_algorithm("prospector:traincnn", refused)
    assert not os.path.exists(refused["OUTPUT_MODEL"]) and not os.path.exists(refused["OUTPUT_REPORT"])


def test_scheduler_cuts_the_patches_on_workers_and_trains_the_same_networks(run_algorithm, data, tmp_path):
    """#20: with SCHEDULER the evidence is read window by window on a local Dask cluster (whatever its size) and
    the training runs here: the networks of the in-process run bit for bit (every unlabelled cell kept), the log
    and the report say where the windows were read; a cancel while the workers cut the patches writes nothing."""
    pytest.importorskip("distributed", reason="Dask's distributed scheduler (python3-distributed) is not installed")
    rasters = ("elements", "mag")
    models, logs = {}, {}
    for name, scheduler in (("here", ""), ("there", "local:2")):
        feedback = Recorder()
        params = traincnn_parameters(data, tmp_path, name, rasters, ENSEMBLE=2, SCHEDULER=scheduler)
        result = run_algorithm("prospector:traincnn", params, feedback=feedback)
        models[name], logs[name] = PatchCNN.load(result["OUTPUT_MODEL"]), feedback.lines
    here, there = models["here"], models["there"]
    assert here.metadata_["reading"] == {"mode": "whole stack in memory, in this process"}
    assert there.metadata_["reading"]["scheduler"] == "a local Dask cluster of 2 worker process(es)"
    assert there.metadata_["reading"]["windows_scanned"] == 1  # 36 x 32 cells: one window of 1024
    assert any("read window by window (a scheduler is set)" in line for line in logs["there"])
    assert any("on a local Dask cluster of 2 worker process(es): 1 windows of 1024 cells" in line
               for line in logs["there"])  # fmt: skip
    assert "window by window on a local Dask cluster of 2 worker process(es)" in (tmp_path / "there.html").read_text()
    assert_same_networks(here, there)

    feedback = QgsProcessingFeedback()
    feedback.progressChanged.connect(lambda value: value > 5 and feedback.cancel())  # the patches: 5-10 %
    with pytest.raises(QgsProcessingException, match="[Cc]ancel"):
        params = traincnn_parameters(data, tmp_path, "c", rasters, ENSEMBLE=2, SCHEDULER="local:2")
        run_algorithm("prospector:traincnn", params, feedback=feedback)
    assert not (tmp_path / "c.pt").exists() and not (tmp_path / "c.html").exists()


class Recorder(QgsProcessingFeedback):
    """A feedback that keeps the log lines."""

    def __init__(self):
        super().__init__()
        self.lines = []

    def pushInfo(self, info):  # noqa: N802 (QGIS API name)
        self.lines.append(info)
        super().pushInfo(info)


def test_the_tile_size_is_chosen_once_logged_and_changes_no_probability(run_algorithm, tmp_path, monkeypatch):
    """TILE_SIZE 0 (the default): the size comes from core.learning.tiling (GDAL_CACHEMAX of 1 MiB here: a working
    set of 256 KiB, so the smallest step, 64 cells: 3 x 3 tiles on 150 x 140 cells), is logged and recorded, and
    the probability equals one window over the whole raster; the uncertainty equals an explicit TILE_SIZE of the
    logged size bit for bit. TILE_SIZE 1-15 is refused naming the parameter, nothing written."""
    import json

    from geochem_prospector.core.io.rasters import PROVENANCE_TAG
    from tests.core.learning.test_cnn import SMALL, synthetic

    bands, labels = synthetic(height=150, width=140)
    grid = GridSpec(400_000.0, 7_500_000.0, 100.0, 140, 150, CRS)
    write_geotiff(str(tmp_path / "ev.tif"), bands, grid, ["a", "b", "c"])
    model = PatchCNN(**{**SMALL, "epochs": 1}).fit(bands, labels, band_names=["ev:a", "ev:b", "ev:c"])
    model.save(str(tmp_path / "model.pt"))
    monkeypatch.setenv("GDAL_CACHEMAX", "1")
    common = {"INPUT_RASTERS": [str(tmp_path / "ev.tif")], "MODEL": str(tmp_path / "model.pt"), "DEVICE": "cpu",
              "MC_SAMPLES": 3}  # fmt: skip
    feedback = Recorder()
    auto = run_algorithm(
        "prospector:predict",
        {**common, "OUTPUT": str(tmp_path / "p.tif"), "OUTPUT_UNCERTAINTY": str(tmp_path / "u.tif")},
        feedback=feedback,
    )
    chosen = [line for line in feedback.lines if line.startswith("Tile size:")]
    assert len(chosen) == 1 and chosen[0].startswith("Tile size: 64 cells") and "GDAL_CACHEMAX 1 MiB" in chosen[0]
    # where the time went, one line: 150 x 140 cells in tiles of 64 are 3 x 3 tiles
    timing = [line for line in feedback.lines if line.startswith("Prediction: ")]
    assert len(timing) == 1 and timing[0].startswith("Prediction: 9 tiles: waited "), timing
    assert all(f"{what} " in timing[0] for what in (" computed", " wrote", "(reading took"))
    with rasterio.open(auto["OUTPUT"]) as src:
        prob = src.read(1, masked=True).filled(np.nan)
        assert json.loads(src.tags()[PROVENANCE_TAG])["tile_size"] == 64
    expected = model.predict_proba(bands, device="cpu", tile=1000)  # one window
    np.testing.assert_allclose(prob, expected, atol=1e-6)
    assert np.isnan(prob).sum() == np.isnan(expected).sum()
    fixed = run_algorithm(
        "prospector:predict",
        {
            **common,
            "TILE_SIZE": 64,
            "OUTPUT": str(tmp_path / "p64.tif"),
            "OUTPUT_UNCERTAINTY": str(tmp_path / "u64.tif"),
        },
    )
    for a, b in ((auto["OUTPUT"], fixed["OUTPUT"]), (auto["OUTPUT_UNCERTAINTY"], fixed["OUTPUT_UNCERTAINTY"])):
        with rasterio.open(a) as x, rasterio.open(b) as y:
            assert x.read().tobytes() == y.read().tobytes()
    with pytest.raises(QgsProcessingException, match="TILE_SIZE: give 0"):
        run_algorithm("prospector:predict", {**common, "TILE_SIZE": 5, "OUTPUT": str(tmp_path / "bad.tif")})
    assert not (tmp_path / "bad.tif").exists()


#: the model file's setting -> the traincnn parameter that sets it
SETTING_PARAMETERS = {
    "patch_size": "PATCH_SIZE",
    "epochs": "EPOCHS",
    "batch_size": "BATCH_SIZE",
    "learning_rate": "LEARNING_RATE",
    "seed": "SEED",
    "device": "DEVICE",
    "validation": "VALIDATION",
    "block_size": "BLOCK_SIZE",
    "semi_supervised": "SEMI_SUPERVISED",
    "ensemble": "ENSEMBLE",
    "training": "TRAINING",
    "class_prior": "CLASS_PRIOR",
    "coarse": "COARSE_VIEW",
    "pretrain_epochs": "PRETRAIN_EPOCHS",
    "barren_ratio": "BARREN_RATIO",
    "input_transform": "INPUT_TRANSFORM",
    "teacher": "TEACHER",
    "distil_target": "DISTIL_TARGET",
    "distil_weight": "DISTIL_WEIGHT",
    "band_sparsity": "BAND_SPARSITY",
}


def test_report_settings_read_as_the_processing_form_names_them(prospector_provider):
    """The training report's settings table (the model file's keys) in the words of traincnn's form: each label is
    the parameter's own (without its trailing note), each enum value its option's text; every setting the trainer
    stores (TrainingConfig's fields) has words, so none shows as a raw key such as 'barren_ratio 0.0'."""
    from dataclasses import fields

    from qgis.core import QgsProcessingParameterEnum

    from geochem_prospector.algorithms.help import short_label
    from geochem_prospector.core.learning.training import TrainingConfig
    from geochem_prospector.core.reports.training import SETTING_WORDS

    alg = prospector_provider.algorithm("traincnn")
    assert {f.name for f in fields(TrainingConfig)} <= set(SETTING_WORDS)
    for key, name in SETTING_PARAMETERS.items():
        definition = alg.parameterDefinition(name)
        words, say = SETTING_WORDS[key]
        assert words == short_label(definition.description()), key
        if isinstance(definition, QgsProcessingParameterEnum) and name in alg.ENUM_NAMES:
            for stored, option in zip(alg.ENUM_NAMES[name], definition.options()):
                assert say(stored, None) == option, (key, stored)


def test_the_pu_log_counts_positive_and_unlabelled_cells_not_labelled_ones(run_algorithm, data, tmp_path):
    """Sweep 23a: TRAINING pu (the default) drew unlabelled cells as class 0, and the log called them "labelled
    cells (class 0: …)", as if they were barren labels. The positives it names are rasterio's count of the label
    raster's 1s where every band has a value."""
    recorder = Recorder()
    run_algorithm("prospector:traincnn", traincnn_parameters(data, tmp_path, "pu_log"), feedback=recorder)
    with rasterio.open(data / "labels.tif") as src:
        labels = src.read(1, masked=True)
    with rasterio.open(data / "elements.tif") as src:
        valid = np.isfinite(src.read()).all(axis=0)
    positives = int(np.sum((labels.filled(-1) == 1) & valid))
    log = "\n".join(recorder.lines)
    assert "labelled cells (class 0" not in log
    line = next(ln for ln in recorder.lines if " training cells (" in ln)
    total = int(line.split(" training cells")[0])
    assert f"({positives} positive, labelled 1; {total - positives} unlabelled, drawn from every other valid" in line
    report = (tmp_path / "pu_log.html").read_text()  # the confusion matrix's rows say what its classes are
    assert "<th>true 0 (unlabelled)</th>" in report and "<th>true 1 (positive)</th>" in report
