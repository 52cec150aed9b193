"""prospector:trainmodel, predict with its model file, and prospector:comparemodels, in-process, on small rasters."""

import numpy as np
import pytest
import rasterio
from qgis.core import QgsProcessingException

from geochem_prospector.core.io.rasters import write_geotiff
from tests.qgis.test_cnn_algorithms import GRID, data  # noqa: F401 (the module's synthetic rasters)

sklearn = pytest.importorskip("sklearn")


def test_trainmodel_is_an_html_report_in_machine_learning(prospector_provider):
    alg = prospector_provider.algorithm("trainmodel")
    assert alg.outputDefinition("OUTPUT_REPORT").type() == "outputHtml"
    assert alg.group() == "Machine learning" and alg.canExecute()[0]


def test_logistic_model_predicts_like_sklearn(run_algorithm, data, tmp_path):  # noqa: F811
    """The map written by predict from a trainmodel file equals scikit-learn fitted here on the same cells."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    rasters = [str(data / "elements.tif"), str(data / "mag.tif")]
    result = run_algorithm(
        "prospector:trainmodel",
        {
            "INPUT_RASTERS": rasters,
            "LABELS": str(data / "labels.tif"),
            "METHOD": 2,
            "REGULARISATION": 0.5,
            "OUTPUT_MODEL": str(tmp_path / "logistic.pt"),
            "OUTPUT_REPORT": str(tmp_path / "logistic.html"),
        },
    )
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


@pytest.mark.parametrize("method", [0, 1, 3])
def test_other_learners_train_and_predict(run_algorithm, data, tmp_path, method):  # noqa: F811
    rasters = [str(data / "elements.tif")]
    result = run_algorithm(
        "prospector:trainmodel",
        {
            "INPUT_RASTERS": rasters,
            "LABELS": str(data / "labels.tif"),
            "METHOD": method,
            "WINDOW": 3,
            "N_ESTIMATORS": 10,
            "OUTPUT_MODEL": str(tmp_path / "m.pt"),
            "OUTPUT_REPORT": str(tmp_path / "m.html"),
        },
    )
    report = (tmp_path / "m.html").read_text()
    assert ("Weights of evidence" in report and "Agterberg" in report) if method == 3 else "importances" in report
    out = run_algorithm(
        "prospector:predict",
        {"INPUT_RASTERS": rasters, "MODEL": result["OUTPUT_MODEL"], "OUTPUT": str(tmp_path / "p.tif")},
    )
    with rasterio.open(out["OUTPUT"]) as src:
        prob = src.read(1, masked=True)
    assert 0 <= prob.min() <= prob.max() <= 1 and prob.count() > 0.9 * prob.size


def test_labels_of_one_class_are_refused(run_algorithm, data, tmp_path):  # noqa: F811
    labels = np.ones((1, GRID.height, GRID.width))
    write_geotiff(str(tmp_path / "ones.tif"), labels, GRID, ["label"], nodata=-1)
    with pytest.raises(QgsProcessingException, match="LABELS: both mineralised"):
        run_algorithm(
            "prospector:trainmodel",
            {
                "INPUT_RASTERS": [str(data / "elements.tif")],
                "LABELS": str(tmp_path / "ones.tif"),
                "OUTPUT_MODEL": str(tmp_path / "m.pt"),
                "OUTPUT_REPORT": str(tmp_path / "m.html"),
            },
        )
    assert not (tmp_path / "m.pt").exists() and not (tmp_path / "m.html").exists()
