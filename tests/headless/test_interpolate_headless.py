"""prospector:interpolate through qgis_process.bin, as a user runs it headless."""

import os

import numpy as np
import rasterio

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(REPO, "resources", "sample_data")


def test_interpolate_runs_headless(qgis_process, tmp_path):
    out = tmp_path / "till.tif"
    code, result, log = qgis_process(
        "prospector:interpolate",
        {
            "INPUT": os.path.join(SAMPLES, "till_geochemistry.gpkg"),
            "FIELDS": ["Cu", "Ni"],
            "PIXEL_SIZE": 500,
            "MASK": os.path.join(SAMPLES, "study_area.gpkg"),
            "LOG_TRANSFORM": "true",
            "OUTPUT": str(out),
        },
    )
    assert code == 0, log
    assert result["results"]["OUTPUT"] == str(out)
    with rasterio.open(out) as src:
        assert src.count == 2 and src.descriptions == ("Cu", "Ni")
        assert src.crs.to_epsg() == 3067 and src.res == (500.0, 500.0)
        cu = src.read(1, masked=True)
        assert 0.05 < cu.mask.mean() < 0.6  # outside the study area is nodata
        assert 1 < np.median(cu.compressed()) < 200  # ppm, plausible for till Cu


def test_bad_parameter_gives_clear_error(qgis_process, tmp_path):
    out = tmp_path / "bad.tif"
    code, _, log = qgis_process(
        "prospector:interpolate",
        {"INPUT": os.path.join(SAMPLES, "till_geochemistry.gpkg"), "FIELDS": "NoSuchElement", "OUTPUT": str(out)},
    )
    assert code != 0
    assert "FIELDS" in log and "Traceback" not in log
    assert not out.exists()
