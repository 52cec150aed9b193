"""core.io.rasters.band_labels: one name per band, each once, from GDAL band descriptions."""

import numpy as np

from geochem_prospector.core.io.rasters import band_labels


def test_a_repeated_description_gets_its_band_number():
    assert band_labels(["tmi", "tmi", None, "k", "tmi"]) == ["tmi", "tmi (band 2)", "band 3", "k", "tmi (band 5)"]


def test_distinct_descriptions_are_kept_as_they_are():
    assert band_labels(["Cu", "Pb", ""]) == ["Cu", "Pb", "band 3"]


def test_a_name_made_for_a_band_that_another_band_already_has_is_counted_on():
    names = band_labels(["x (band 3)", "x", "x", None, "band 4"])
    assert names == ["x (band 3)", "x", "x (band 3) (2)", "band 4", "band 4 (band 5)"]
    assert len(set(names)) == len(names)


def test_files_named_for_an_output_parameter_name_their_bands_by_what_the_step_made(tmp_path):
    """The modeler names the files between its steps after the output parameter ('OUTPUT.tif'): a file this plugin
    wrote is named for what it holds, by the algorithm GDAL reads in its provenance tag; any other file, and a file
    named by the user, keep their own name."""
    import json

    from osgeo import gdal

    from geochem_prospector.core.grid import GridSpec
    from geochem_prospector.core.io.rasters import PROVENANCE_TAG, layer_label, read_stack, write_geotiff

    grid = GridSpec(0.0, 4.0, 1.0, 4, 4, crs_wkt="EPSG:3067")
    bands = np.ones((1, 4, 4), dtype=np.float32)
    cases = {
        ("step1", "OUTPUT.tif", "prospector:evidence"): "evidence",
        ("step2", "OUTPUT_CONFIDENCE.tif", "prospector:pseudolabel"): "label_confidence",
        ("step3", "OUTPUT.tif", "qgis:rastercalculator"): "OUTPUT",
        ("step4", "OUTPUT.tif", None): "OUTPUT",
        ("step5", "stack.tif", "prospector:evidence"): "stack",
    }
    for (folder, name, algorithm), expected in cases.items():
        (tmp_path / folder).mkdir()
        path = str(tmp_path / folder / name)
        write_geotiff(path, bands, grid, ["Cu"], provenance={"algorithm": algorithm} if algorithm else None)
        tag = gdal.Open(path).GetMetadataItem(PROVENANCE_TAG)  # the reference: GDAL's own reading of the tag
        assert (json.loads(tag)["algorithm"] if tag else None) == algorithm
        assert layer_label(path) == expected
        assert read_stack([path]).band_names == [f"{expected}:Cu"]
