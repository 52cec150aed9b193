"""evaluate warns when its deposits are the points the model behind the raster was trained on.

The chain pseudolabel -> traincnn -> predict -> evaluate with the same deposit layer as LABELS and as DEPOSITS
measures the model's fit to its training, not its prediction; before, nothing said so. pseudolabel, traincnn and
trainmodel record the mineralised points in their provenance, predict carries them into its output, evaluate
compares cells. Held-out deposits draw no such warning.
"""

import re

import numpy as np
import pytest

from tests.error_cases import SIZE, X0, Y0, _points, _raster

WARNING = re.compile(r"^DEPOSITS: (\d+) of the (\d+) deposits used \(([^)]*)\) lie on cells that the model behind")


def _feedback():
    from qgis.core import QgsProcessingFeedback

    class Log(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.lines = []

        def pushWarning(self, warning):  # noqa: N802 (QGIS API name)
            self.lines.append(warning)
            super().pushWarning(warning)

    return Log()


def _scene(folder):
    rng = np.random.default_rng(5)
    bands = np.exp(rng.normal(3, 0.5, (2, SIZE, SIZE)))
    raster = _raster(str(folder / "elements.tif"), bands, ["Cu", "Pb"])
    trained = [(X0 + 1600, Y0 + 2100), (X0 + 5100, Y0 + 6100), (X0 + 8100, Y0 + 3100), (X0 + 3100, Y0 + 8100)]
    held_out = [(X0 + 6600, Y0 + 8600), (X0 + 1100, Y0 + 5600)]
    deposits = _points(str(folder / "deposits.gpkg"), trained, {"name": ["a", "b", "c", "d"]})
    others = _points(str(folder / "held_out.gpkg"), held_out, {"name": ["e", "f"]})
    barren = [(X0 + 9000, Y0 + 9000), (X0 + 9000, Y0 + 500), (X0 + 500, Y0 + 500), (X0 + 4600, Y0 + 4400)]
    labels = _points(str(folder / "labels.gpkg"), trained + barren, {"cls": ["1"] * 4 + ["0"] * 4})
    return raster, deposits, others, labels


def _warnings(run_algorithm, prospectivity, deposits, folder, name):
    log = _feedback()
    result = run_algorithm(
        "prospector:evaluate",
        {
            "INPUT_RASTER": prospectivity,
            "DEPOSITS": deposits,
            "ITERATIONS": 10,
            "OUTPUT_REPORT": str(folder / f"{name}.html"),
            "OUTPUT_TABLE": str(folder / f"{name}.csv"),
        },
        feedback=log,
    )
    found = [m for m in (WARNING.match(line) for line in log.lines) if m]
    # the count the workflow panel reads ("on deposits the model was trained on") is the warning's
    assert result["DEPOSITS_ON_TRAINING"] == (int(found[0].group(1)) if found else 0)
    return found


def _predict(run_algorithm, raster, model, folder, name):
    return run_algorithm(
        "prospector:predict",
        {
            "INPUT_RASTERS": [raster],
            "MODEL": model,
            "DEVICE": "cpu",
            "MC_SAMPLES": 2,
            "OUTPUT": str(folder / f"{name}.tif"),
        },
    )["OUTPUT"]


def _pseudolabels(run_algorithm, raster: str, deposits: str, tmp_path) -> str:
    """pseudolabel's label raster grown from ``deposits`` (which it records as its mineralised points)."""
    return run_algorithm(
        "prospector:pseudolabel",
        {
            "INPUT_RASTERS": [raster],
            "LABELS": deposits,
            "POSITIVE_RADIUS": 300,
            "NEGATIVE_BUFFER": 1000,
            "BAGS": 5,
            "SEED": 1,
            "OUTPUT": str(tmp_path / "labels.tif"),
            "OUTPUT_CONFIDENCE": str(tmp_path / "confidence.tif"),
        },
    )["OUTPUT"]


def test_the_training_deposits_are_named_and_held_out_ones_are_not(run_algorithm, tmp_path):
    raster, deposits, held_out, labels = _scene(tmp_path)
    label_raster = _pseudolabels(run_algorithm, raster, deposits, tmp_path)
    cnn = {"INPUT_RASTERS": [raster], "PATCH_SIZE": 5, "EPOCHS": 1, "ENSEMBLE": 1, "SEED": 1, "DEVICE": "cpu",
           "SEMI_SUPERVISED": False}  # fmt: skip
    models = {
        "cnn on pseudo-labels": run_algorithm(
            "prospector:traincnn",
            {
                **cnn,
                "LABELS": label_raster,
                "OUTPUT_MODEL": str(tmp_path / "cnn.pt"),
                "OUTPUT_REPORT": str(tmp_path / "cnn.html"),
            },
        )["OUTPUT_MODEL"],
        "cnn on points": run_algorithm(
            "prospector:traincnn",
            {
                **cnn,
                "LABELS": labels,
                "LABEL_FIELD": "cls",
                "OUTPUT_MODEL": str(tmp_path / "cnn_points.pt"),
                "OUTPUT_REPORT": str(tmp_path / "cnn_points.html"),
            },
        )["OUTPUT_MODEL"],
        "logistic regression on points": run_algorithm(
            "prospector:trainmodel",
            {
                "INPUT_RASTERS": [raster],
                "LABELS": labels,
                "LABEL_FIELD": "cls",
                "METHOD": 2,
                "OUTPUT_MODEL": str(tmp_path / "lr.pt"),
                "OUTPUT_REPORT": str(tmp_path / "lr.html"),
            },
        )["OUTPUT_MODEL"],
    }
    for i, (how, model) in enumerate(models.items()):
        prospectivity = _predict(run_algorithm, raster, model, tmp_path, f"map{i}")
        found = _warnings(run_algorithm, prospectivity, deposits, tmp_path, f"same{i}")
        assert [m.groups() for m in found] == [("4", "4", "a, b, c, d")], how
        assert _warnings(run_algorithm, prospectivity, held_out, tmp_path, f"held{i}") == [], how
    # the element raster was made by no model: no warning
    assert _warnings(run_algorithm, raster, deposits, tmp_path, "elements") == []


def test_deposits_in_another_crs_are_placed_before_they_are_compared(run_algorithm, tmp_path):
    """The training points are recorded in the rasters' CRS; deposits in EPSG:4326 are reprojected first."""
    import geopandas as gpd

    raster, deposits, _, _ = _scene(tmp_path)
    gpd.read_file(deposits).to_crs("EPSG:4326").to_file(tmp_path / "deposits_4326.gpkg", driver="GPKG")
    label_raster = _pseudolabels(run_algorithm, raster, str(tmp_path / "deposits_4326.gpkg"), tmp_path)
    model = run_algorithm(
        "prospector:trainmodel",
        {"INPUT_RASTERS": [raster], "LABELS": label_raster, "METHOD": 2, "OUTPUT_MODEL": str(tmp_path / "lr.pt"),
         "OUTPUT_REPORT": str(tmp_path / "lr.html")},
    )["OUTPUT_MODEL"]  # fmt: skip
    prospectivity = _predict(run_algorithm, raster, model, tmp_path, "map")
    found = _warnings(run_algorithm, prospectivity, deposits, tmp_path, "same")
    assert [m.groups() for m in found] == [("4", "4", "a, b, c, d")]


def test_a_model_trained_window_by_window_records_its_training_deposits(run_algorithm, tmp_path, monkeypatch):
    """traincnn reading a large stack window by window (here forced: threshold 0) takes the label raster's
    mineralised points into the model's provenance as the in-memory path does; before, it recorded none."""
    from geochem_prospector.algorithms import traincnn

    raster, deposits, held_out, _ = _scene(tmp_path)
    label_raster = _pseudolabels(run_algorithm, raster, deposits, tmp_path)
    monkeypatch.setattr(traincnn, "STREAM_ABOVE_BYTES", 0)
    log = _feedback()
    model = run_algorithm(
        "prospector:traincnn",
        {"INPUT_RASTERS": [raster], "LABELS": label_raster, "PATCH_SIZE": 5, "EPOCHS": 1, "ENSEMBLE": 1, "SEED": 1,
         "DEVICE": "cpu", "SEMI_SUPERVISED": False, "OUTPUT_MODEL": str(tmp_path / "cnn.pt"),
         "OUTPUT_REPORT": str(tmp_path / "cnn.html")},
        feedback=log,
    )["OUTPUT_MODEL"]  # fmt: skip
    assert any("read window by window" in line for line in log.lines + [log.textLog()])
    prospectivity = _predict(run_algorithm, raster, model, tmp_path, "map")
    found = _warnings(run_algorithm, prospectivity, deposits, tmp_path, "same")
    assert [m.groups() for m in found] == [("4", "4", "a, b, c, d")]
    assert _warnings(run_algorithm, prospectivity, held_out, tmp_path, "held") == []


@pytest.mark.parametrize("labels", ["deposits", "label raster"])
def test_comparemodels_retrained_model_records_the_deposits_it_learnt_from(labels, run_algorithm, tmp_path):
    """comparemodels' OUTPUT_MODEL is the recommended learner retrained on every deposit (or on LABELS, a label
    raster pseudolabel grew from them); it recorded none of them, so evaluate with the same deposits drew no
    warning. Here the deposits lie where Cu and Pb are both high or both low (no single band ranks them: a learner
    wins and is written)."""
    rng = np.random.default_rng(11)
    bands = rng.normal(size=(2, SIZE, SIZE))
    rows, cols = np.nonzero((np.abs(bands[0]) > 0.8) & (np.abs(bands[1]) > 0.8) & (bands[0] * bands[1] > 0))
    pick = rng.choice(rows.size, 24, replace=False)
    xy = [(X0 + (c + 0.5) * 250, Y0 + SIZE * 250 - (r + 0.5) * 250) for r, c in zip(rows[pick], cols[pick])]
    raster = _raster(str(tmp_path / "elements.tif"), np.exp(bands), ["Cu", "Pb"])
    deposits = _points(str(tmp_path / "deposits.gpkg"), xy, {"name": [f"d{i}" for i in range(len(xy))]})
    result = run_algorithm(
        "prospector:comparemodels",
        {"INPUT_RASTERS": [raster], "DEPOSITS": deposits, "LEARNERS": [0], "FOLDS": 3, "CLUSTER_DISTANCE": 300,
         "PATCH_SIZE": 5, "EPOCHS": 1, "ENSEMBLE": 1, "ITERATIONS": 20, "CNN_MODES": [0],
         "OUTPUT_REPORT": str(tmp_path / "compare.html"), "OUTPUT_TABLE": str(tmp_path / "compare.csv"),
         "OUTPUT_MODEL": str(tmp_path / "best.pt"),
         "LABELS": _pseudolabels(run_algorithm, raster, deposits, tmp_path) if labels == "label raster" else None},
    )  # fmt: skip
    assert result["RECOMMENDED"] != "best band" and result["OUTPUT_MODEL"]
    prospectivity = _predict(run_algorithm, raster, result["OUTPUT_MODEL"], tmp_path, "map")
    found = _warnings(run_algorithm, prospectivity, deposits, tmp_path, "same")
    assert [m.groups()[:2] for m in found] == [("24", "24")]


@pytest.mark.parametrize("streamed", [False, True], ids=["whole stack", "window by window"])
def test_point_labels_in_words_record_their_deposits_on_both_training_paths(run_algorithm, tmp_path, monkeypatch,
                                                                             streamed):  # fmt: skip
    """Point labels given as words ('Au', 'Cu', 'barren'), trained on the whole stack or window by window (a stack
    too large to hold): the PU warning names the classes by their words, and the map the model makes warns about
    the four deposits it learnt from (review 32: no test covered the words or the record on the streamed path)."""
    from geochem_prospector.algorithms import traincnn

    raster, deposits, _, _ = _scene(tmp_path)
    trained = [(X0 + 1600, Y0 + 2100), (X0 + 5100, Y0 + 6100), (X0 + 8100, Y0 + 3100), (X0 + 3100, Y0 + 8100)]
    barren = [(X0 + 9000, Y0 + 9000), (X0 + 9000, Y0 + 500), (X0 + 500, Y0 + 500), (X0 + 4600, Y0 + 4400)]
    words = _points(str(tmp_path / "words.gpkg"), trained + barren, {"cls": ["Au", "Au", "Cu", "Cu"] + ["barren"] * 4})
    if streamed:
        monkeypatch.setattr(traincnn, "STREAM_ABOVE_BYTES", 0)
    log = _feedback()
    model = run_algorithm(
        "prospector:traincnn",
        {"INPUT_RASTERS": [raster], "LABELS": words, "LABEL_FIELD": "cls", "PATCH_SIZE": 5, "EPOCHS": 1,
         "ENSEMBLE": 1, "SEED": 1, "DEVICE": "cpu", "SEMI_SUPERVISED": False,
         "OUTPUT_MODEL": str(tmp_path / "cnn.pt"), "OUTPUT_REPORT": str(tmp_path / "cnn.html")},
        feedback=log,
    )["OUTPUT_MODEL"]  # fmt: skip
    text = "\n".join(log.lines) + log.textLog()  # the info lines are in QGIS's text log
    assert ("window by window" in text) == streamed
    assert "1 ('Au')" in text and "2 ('Cu')" in text
    prospectivity = _predict(run_algorithm, raster, model, tmp_path, "map")
    found = _warnings(run_algorithm, prospectivity, deposits, tmp_path, "same")
    assert [m.groups() for m in found] == [("4", "4", "a, b, c, d")]


@pytest.mark.parametrize("streamed", [False, True], ids=["whole stack", "window by window"])
def test_a_label_raster_made_with_gdal_rasterize_records_its_mineralised_cells(run_algorithm, tmp_path, monkeypatch,
                                                                               streamed):  # fmt: skip
    """A label raster made outside the plugin (gdal_rasterize of the deposits: 1 on their cells, 0 elsewhere) holds no
    record of its points; the model recorded nothing, so evaluate on the same deposits drew no warning. The model
    now records the raster's mineralised cells, and the warning names them as such; held-out deposits draw none."""
    import subprocess

    from geochem_prospector.algorithms import traincnn

    raster, deposits, held_out, _ = _scene(tmp_path)
    rasterised = str(tmp_path / "rasterised.tif")
    extent = [str(v) for v in (X0, Y0, X0 + SIZE * 250, Y0 + SIZE * 250)]
    subprocess.run(
        ["gdal_rasterize", "-q", "-burn", "1", "-init", "0", "-ot", "Byte", "-te", *extent, "-tr", "250", "250",
         deposits, rasterised],
        check=True,
    )  # fmt: skip
    if streamed:
        monkeypatch.setattr(traincnn, "STREAM_ABOVE_BYTES", 0)
    model = run_algorithm(
        "prospector:traincnn",
        {"INPUT_RASTERS": [raster], "LABELS": rasterised, "PATCH_SIZE": 5, "EPOCHS": 1, "ENSEMBLE": 1, "SEED": 1,
         "DEVICE": "cpu", "SEMI_SUPERVISED": False, "OUTPUT_MODEL": str(tmp_path / "cnn.pt"),
         "OUTPUT_REPORT": str(tmp_path / "cnn.html")},
    )["OUTPUT_MODEL"]  # fmt: skip
    prospectivity = _predict(run_algorithm, raster, model, tmp_path, "map")
    found = _warnings(run_algorithm, prospectivity, deposits, tmp_path, "same")
    assert [m.groups() for m in found] == [("4", "4", "a, b, c, d")]
    assert "(the mineralised cells of the label raster 'rasterised')" in found[0].string
    assert _warnings(run_algorithm, prospectivity, held_out, tmp_path, "held") == []


def test_a_model_trained_on_more_cells_than_a_record_places_says_it_cannot_tell(run_algorithm, tmp_path):
    """A rasterised label raster with 5,625 mineralised cells (more than the 5,000 a record places): evaluate said
    nothing, which reads as "no deposit was trained on" (review 33). It now warns that it cannot tell, and
    DEPOSITS_ON_TRAINING is -1, not 0."""
    from tests.error_cases import _raster

    rng = np.random.default_rng(2)
    raster = _raster(str(tmp_path / "elements.tif"), np.exp(rng.normal(3, 0.5, (2, 80, 80))), ["Cu", "Pb"])
    labels = np.zeros((1, 80, 80))
    labels[0, :75, :75] = 1
    label_raster = _raster(str(tmp_path / "rasterised.tif"), labels, ["class"], nodata=255)
    model = run_algorithm(
        "prospector:trainmodel",
        {"INPUT_RASTERS": [raster], "LABELS": label_raster, "METHOD": 2, "OUTPUT_MODEL": str(tmp_path / "lr.pt"),
         "OUTPUT_REPORT": str(tmp_path / "lr.html")},
    )["OUTPUT_MODEL"]  # fmt: skip
    prospectivity = _predict(run_algorithm, raster, model, tmp_path, "map")
    (tmp_path / "scene").mkdir()
    _, deposits, _, _ = _scene(tmp_path / "scene")  # four deposits inside the mineralised block
    log = _feedback()
    result = run_algorithm(
        "prospector:evaluate",
        {"INPUT_RASTER": prospectivity, "DEPOSITS": deposits, "ITERATIONS": 10,
         "OUTPUT_REPORT": str(tmp_path / "e.html"), "OUTPUT_TABLE": str(tmp_path / "e.csv")},
        feedback=log,
    )  # fmt: skip
    said = [line for line in log.lines if "cannot tell whether the deposits used are among them" in line]
    assert len(said) == 1 and "trained on 5,625 mineralised cells" in said[0], log.lines
    assert result["DEPOSITS_ON_TRAINING"] == -1
    assert not [line for line in log.lines if WARNING.match(line)]
