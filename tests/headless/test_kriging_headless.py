"""prospector:interpolate with ordinary kriging through qgis_process.bin: all three outputs."""

import csv
import os

import rasterio

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(REPO, "resources", "sample_data")


def test_kriging_variance_and_cv_headless(qgis_process, tmp_path):
    out, var, cv = tmp_path / "cu.tif", tmp_path / "cu_var.tif", tmp_path / "cv.csv"
    code, result, log = qgis_process(
        "prospector:interpolate",
        {
            "INPUT": os.path.join(SAMPLES, "till_geochemistry.gpkg"),
            "FIELDS": ["Cu"],
            "PIXEL_SIZE": 1000,
            "METHOD": 1,
            "NEIGHBORS": 16,
            "LOG_TRANSFORM": "true",
            "MASK": os.path.join(SAMPLES, "study_area.gpkg"),
            "OUTPUT": str(out),
            "OUTPUT_VARIANCE": str(var),
            "OUTPUT_CV": str(cv),
        },
    )
    assert code == 0, log
    assert result["results"]["OUTPUT_VARIANCE"] == str(var) and result["results"]["OUTPUT_CV"] == str(cv)
    assert "Cu: variogram (ln units)" in log
    with rasterio.open(out) as a, rasterio.open(var) as b:
        assert a.shape == b.shape and b.descriptions == ("Cu_variance",)
        assert (a.read(1, masked=True).mask == b.read(1, masked=True).mask).all()
    methods = [row["method"] for row in csv.DictReader(open(cv, encoding="utf-8"))]
    assert methods.count("idw") == 3 and methods.count("ordinary kriging") == 1
