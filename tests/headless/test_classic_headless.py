"""prospector:trainmodel then prospector:predict through qgis_process.bin: QGIS's own Python trains with the
scikit-learn it finds, writes the safe model file, and predict reads it like a CNN's."""

import rasterio

from tests.headless.scenes import signal_scene


def test_trainmodel_and_predict_headless(qgis_process, tmp_path):
    grid, signal, labels = signal_scene(tmp_path)

    code, result, log = qgis_process(
        "prospector:trainmodel",
        {
            "INPUT_RASTERS": str(tmp_path / "ev.tif"),
            "LABELS": str(tmp_path / "labels.tif"),
            "METHOD": "1",  # gradient boosting
            "N_ESTIMATORS": 20,
            "WINDOW": 3,
            "OUTPUT_MODEL": str(tmp_path / "model.pt"),
            "OUTPUT_REPORT": str(tmp_path / "report.html"),
        },
    )
    assert code == 0, log
    assert "Feature importances" in (tmp_path / "report.html").read_text()
    code, result, log = qgis_process(
        "prospector:predict",
        {
            "INPUT_RASTERS": str(tmp_path / "ev.tif"),
            "MODEL": str(tmp_path / "model.pt"),
            "OUTPUT": str(tmp_path / "p.tif"),
        },
    )
    assert code == 0, log
    with rasterio.open(tmp_path / "p.tif") as src:
        prob = src.read(1, masked=True)
    assert prob.count() == grid.width * grid.height and 0 <= prob.min() and prob.max() <= 1
    inside = signal > 0.5
    assert prob[inside].mean() > prob[~inside].mean() + 0.2  # it learned the signal
