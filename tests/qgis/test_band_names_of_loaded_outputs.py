"""pseudolabel names the evidence bands of a step's output loaded in the desktop by the file, not by the name the
plugin gave the loaded layer.

Under Xvfb (sweep 32a) the element raster loaded as "Cu_ppm (IDW): band 1 of Cu_ppm, Au (ppb), …", and
pseudolabel's log and provenance named its bands "Cu_ppm (IDW): band 1 of Cu_ppm, Au (ppb), …:Au (ppb)" (band 1
said of band 2), where traincnn and predict say "elements:Au (ppb)". Reference: GDAL's band descriptions of the
file, prefixed by the file's name; a layer the user renamed keeps the user's name.
"""

import os

from osgeo import gdal


def test_pseudolabel_names_bands_by_the_file_not_the_styled_layer_name(prospector_provider, tmp_path):
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject, QgsRasterLayer

    from geochem_prospector.core.io.rasters import read_provenance
    from geochem_prospector.ui import sample_data

    project = QgsProject.instance()
    project.clear()
    try:
        loaded = sample_data.load_sample_data(project, str(tmp_path / "samples"))
        till, area, deposits = (loaded[k] for k in ("till_geochemistry", "study_area", "deposits"))
        path = str(tmp_path / "elements.tif")
        processing.runAndLoadResults(
            "prospector:interpolate",
            {"INPUT": till, "FIELDS": ["Cu", "Th"], "PIXEL_SIZE": 4000, "MASK": area, "OUTPUT": path},
        )
        (styled,) = [layer for layer in project.mapLayers().values() if layer.source() == path]
        assert styled.name().startswith("Cu (ppm, IDW): band 1 of")  # the name the plugin gave it on loading
        dataset = gdal.Open(path)
        descriptions = [dataset.GetRasterBand(i + 1).GetDescription() for i in range(dataset.RasterCount)]
        dataset = None
        renamed = QgsRasterLayer(path, "Till elements 2024")  # a name of the user's own
        project.addMapLayer(renamed)
        for layer, prefix in ((styled, "elements"), (renamed, "Till elements 2024")):
            feedback = QgsProcessingFeedback()
            context = QgsProcessingContext()
            context.setProject(project)
            out = str(tmp_path / f"labels_{prefix[:4]}.tif")
            processing.run(
                "prospector:pseudolabel",
                {"INPUT_RASTERS": [layer.id()], "LABELS": deposits, "MASK": area, "OUTPUT": out}
                | {"OUTPUT_CONFIDENCE": out[:-4] + "_conf.tif", "OUTPUT_SUMMARY": out[:-4] + ".html"},
                context=context,
                feedback=feedback,
            )
            assert read_provenance(out)["evidence_bands"] == [f"{prefix}:{d}" for d in descriptions]
            assert os.path.exists(out)
        # the plugin's loaded layer renamed by the user afterwards: the user's name is kept (review 34)
        styled.setName("Elements, my run")
        out = str(tmp_path / "labels_renamed.tif")
        context = QgsProcessingContext()
        context.setProject(project)
        processing.run(
            "prospector:pseudolabel",
            {"INPUT_RASTERS": [styled.id()], "LABELS": deposits, "MASK": area, "OUTPUT": out}
            | {"OUTPUT_CONFIDENCE": out[:-4] + "_conf.tif", "OUTPUT_SUMMARY": out[:-4] + ".html"},
            context=context,
            feedback=QgsProcessingFeedback(),
        )
        assert read_provenance(out)["evidence_bands"] == [f"Elements, my run:{d}" for d in descriptions]
    finally:
        project.clear()
