"""A step of a graphical model whose outputs the command line does not name: qgis_process (3.22) leaves those
outputs out of the step's parameters without checking them, so the step must write them to temporary files as the
dialog would, not refuse an empty file name ("cannot write 'no extension' files", which stopped the shipped
prospectivity_workflow at its anomalies step when run as `qgis_process run prospector:prospectivity_workflow` with
only its inputs)."""

import os

import geopandas as gpd
import rasterio


def test_required_outputs_left_out_are_written_to_temporary_files(prospector_provider, data, tmp_path):
    from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingFeedback, QgsProcessingUtils

    algorithm = QgsApplication.processingRegistry().createAlgorithmById("prospector:anomalies")
    context, feedback = QgsProcessingContext(), QgsProcessingFeedback()
    # as a model step gets them: OUTPUT named, the other required outputs missing, no parameter check run
    results, ok = algorithm.run(
        {"INPUT_RASTER": str(data / "elements.tif"), "OUTPUT": str(tmp_path / "classes.tif")}, context, feedback
    )
    context.temporaryLayerStore().removeAllMapLayers()
    assert ok, results
    with rasterio.open(tmp_path / "classes.tif") as src:
        assert src.count == 3  # Cu, Ni and the index
    for name in ("OUTPUT_CONTOURS", "OUTPUT_ANOMALIES"):
        path = results[name]
        assert path.endswith(".gpkg") and os.path.isfile(path), (name, path)
        assert os.path.realpath(path).startswith(os.path.realpath(QgsProcessingUtils.tempFolder()) + os.sep)
        gpd.read_file(path)  # a GeoPackage GDAL opens, not an empty name
