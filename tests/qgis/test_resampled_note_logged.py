"""trainmodel and traincnn log the raster they resample onto the first raster's grid (sweep 31a: it went by without
a word); core's note is tested in tests/core/io/test_stack_resampled_note.py, this checks the adapters say it."""

import subprocess

import pytest

from tests.qgis.feedback import RecordingFeedback
from tests.qgis.synthetic import training_parameters


@pytest.mark.parametrize("algorithm", ["prospector:trainmodel", "prospector:traincnn"])
def test_a_raster_on_another_grid_is_logged(run_algorithm, data, tmp_path, algorithm):
    mag = str(tmp_path / "mag_utm.tif")
    subprocess.run(
        ["gdalwarp", "-q", "-t_srs", "EPSG:32635", "-tr", "75", "75", str(data / "mag.tif"), mag], check=True
    )
    params = training_parameters(data, tmp_path, INPUT_RASTERS=[str(data / "elements.tif"), mag])
    if algorithm == "prospector:traincnn":
        params.update(EPOCHS=1, ENSEMBLE=1, PATCH_SIZE=5)
    feedback = RecordingFeedback()
    run_algorithm(algorithm, params, feedback)
    said = [info for info in feedback.infos if "'mag_utm.tif'" in info]
    assert len(said) == 1 and "is on another grid than 'elements.tif'" in said[0] and "(bilinear)" in said[0]
