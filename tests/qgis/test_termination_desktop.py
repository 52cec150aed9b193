"""A run inside a QGIS application that is not qgis_process (the desktop's batch dialog and Python console run
algorithms on the thread that serves the windows; here pytest-qgis's application, platform 'external') leaves the
termination signals alone: a session's SIGTERM must not raise in whatever Python code that thread runs next."""

import signal

import numpy as np


def test_an_in_process_run_installs_no_termination_handler(run_algorithm, tmp_path):
    from qgis.core import QgsApplication, QgsProcessingFeedback

    from geochem_prospector.core.grid import GridSpec
    from geochem_prospector.core.io.rasters import write_geotiff

    assert QgsApplication.platform() != "qgis_process"
    seen = []

    class Watching(QgsProcessingFeedback):
        def setProgress(self, progress):  # noqa: N802 (QGIS API name)
            seen.append(signal.getsignal(signal.SIGTERM))
            super().setProgress(progress)

    before = signal.getsignal(signal.SIGTERM)
    raster = str(tmp_path / "cu.tif")
    grid = GridSpec(xmin=400000.0, ymax=7503000.0, pixel_size=100.0, width=30, height=30, crs_wkt="EPSG:3067")
    write_geotiff(raster, np.random.default_rng(0).lognormal(size=(1, 30, 30)).astype(np.float32), grid, ["Cu"])
    run_algorithm(
        "prospector:anomalies",
        {"INPUT_RASTER": raster, "OUTPUT": str(tmp_path / "classes.tif"),
         "OUTPUT_CONTOURS": str(tmp_path / "contours.gpkg"), "OUTPUT_ANOMALIES": str(tmp_path / "areas.gpkg")},
        feedback=Watching(),
    )  # fmt: skip
    assert seen and all(handler is before for handler in seen)
