"""prospector:traincnn then prospector:predict through qgis_process.bin, on a small synthetic raster."""

import rasterio

from tests.headless.scenes import signal_scene, traincnn_parameters


def test_train_and_predict_headless(qgis_process, tmp_path):
    grid = signal_scene(tmp_path)[0]

    code, result, log = qgis_process("prospector:traincnn", traincnn_parameters(tmp_path))
    assert code == 0, log
    assert result["results"]["OUTPUT_MODEL"] == str(tmp_path / "model.pt")
    assert "epoch 1/2" in log and "<svg" in (tmp_path / "report.html").read_text()
    assert "member 5/5: epoch 1/2" in log  # ENSEMBLE's default: five networks

    code, result, log = qgis_process(
        "prospector:predict",
        {
            "INPUT_RASTERS": str(tmp_path / "ev.tif"),
            "MODEL": str(tmp_path / "model.pt"),
            "DEVICE": "cpu",
            "OUTPUT": str(tmp_path / "prob.tif"),
            "OUTPUT_UNCERTAINTY": str(tmp_path / "unc.tif"),
        },
    )
    assert code == 0, log
    with rasterio.open(tmp_path / "prob.tif") as src:
        prob = src.read(1, masked=True)
        assert src.crs.to_epsg() == 3067 and src.descriptions == ("prospectivity",)
    assert prob.count() == grid.width * grid.height and 0 <= prob.min() and prob.max() <= 1
    assert (tmp_path / "unc.tif").exists()
