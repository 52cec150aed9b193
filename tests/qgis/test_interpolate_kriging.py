"""prospector:interpolate with ordinary kriging, censored values, duplicates and the CV table, in-process."""

import csv
import json
import os

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from shapely.geometry import Point

from geochem_prospector.core.io.rasters import PROVENANCE_TAG
from tests.qgis.feedback import RecordingFeedback

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(REPO, "resources", "sample_data")


def test_kriging_with_variance_and_cv(run_algorithm, tmp_path):
    out, var, cv = tmp_path / "ok.tif", tmp_path / "ok_var.tif", tmp_path / "cv.csv"
    feedback = RecordingFeedback()
    result = run_algorithm(
        "prospector:interpolate",
        {
            "INPUT": os.path.join(SAMPLES, "till_geochemistry.gpkg"),
            "FIELDS": ["Cu", "Ni"],
            "PIXEL_SIZE": 1000,
            "METHOD": 1,
            "NEIGHBORS": 16,
            "LOG_TRANSFORM": True,
            "OUTPUT": str(out),
            "OUTPUT_VARIANCE": str(var),
            "OUTPUT_CV": str(cv),
        },
        feedback,
    )
    assert result["OUTPUT"] == str(out) and result["OUTPUT_VARIANCE"] == str(var) and result["OUTPUT_CV"] == str(cv)
    with rasterio.open(out) as src:
        assert src.descriptions == ("Cu", "Ni")
        cu = src.read(1, masked=True)
        prov = json.loads(src.tags()[PROVENANCE_TAG])
    samples = gpd.read_file(os.path.join(SAMPLES, "till_geochemistry.gpkg"))
    # kriged surface stays within the data range and is centred like the data
    assert samples.Cu.min() * 0.5 < cu.min() and cu.max() < samples.Cu.max() * 1.5
    assert 0.5 < np.median(cu.compressed()) / samples.Cu.median() < 2
    assert prov["method"] == "ordinary kriging" and set(prov["variograms"]) == {"Cu", "Ni"}
    assert prov["variograms"]["Cu"]["model"] in ("spherical", "exponential", "gaussian")
    assert any("Cu: variogram" in line for line in feedback.infos)
    with rasterio.open(var) as src:
        v = src.read(1, masked=True)
        assert src.descriptions == ("Cu_variance", "Ni_variance")
        sill = prov["variograms"]["Cu"]["nugget"] + prov["variograms"]["Cu"]["psill"]
        assert v.min() >= 0 and v.max() <= 1.5 * sill
    rows = list(csv.DictReader(open(cv, encoding="utf-8")))
    assert {(r["element"], r["method"]) for r in rows} >= {("Cu", "idw"), ("Cu", "ordinary kriging"), ("Ni", "idw")}
    assert len(rows) == 2 * 4  # powers 1, 2, 3 + kriging per element
    for r in rows:
        assert r["scheme"] == "leave-one-out" and int(r["n"]) > 1000
        assert float(r["rmse"]) >= float(r["mae"]) > 0 and float(r["r2"]) < 1


def test_censored_text_and_duplicates_reported(run_algorithm, tmp_path):
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 5000, size=(60, 2))
    raw = [f"{v:.2f}" for v in rng.lognormal(3, 0.5, 60)]
    raw[0], raw[1], raw[2], raw[3], raw[4] = "<5", "< 0.5", "-2", "", "n.a."
    xy[5] = xy[6]  # a field duplicate
    layer = gpd.GeoDataFrame({"Cu": raw}, geometry=[Point(x, y) for x, y in xy], crs="EPSG:3067")
    path = tmp_path / "pts.gpkg"
    layer.to_file(path, driver="GPKG")
    feedback = RecordingFeedback()
    out = tmp_path / "cu.tif"
    run_algorithm(
        "prospector:interpolate",
        {"INPUT": str(path), "FIELDS": ["Cu"], "PIXEL_SIZE": 250, "METHOD": 1, "OUTPUT": str(out)},
        feedback,
    )
    text = "\n".join(feedback.warnings)
    assert "3 of 60 values below detection" in text and "set to 0.5 x" in text
    # 'n.a.' is no result (not analysed), left out with its own warning, not among the text that is no number
    assert "1 of 60 samples skipped (1 empty/NULL)." in text
    assert "FIELDS: values that give no result (e.g. 'n.a.': not determined, not analysed) were left out" in text
    assert "Cu 1 of 60;" in text
    assert "INPUT: the 60 samples lie at 59 sites" in text
    with rasterio.open(out) as src:
        prov = json.loads(src.tags()[PROVENANCE_TAG])
        assert prov["censored"] == {"Cu": 3} and prov["duplicates_merged"] == 1


def test_fixed_variogram_and_bad_combinations(run_algorithm, tmp_path):
    from qgis.core import QgsProcessingException

    params = {
        "INPUT": os.path.join(SAMPLES, "till_geochemistry.gpkg"),
        "FIELDS": ["Cu"],
        "PIXEL_SIZE": 2000,
        "METHOD": 1,
        "VARIOGRAM_MODEL": 1,
        "VARIOGRAM_NUGGET": 10,
        "VARIOGRAM_SILL": 50,
        "VARIOGRAM_RANGE": 8000,
        "OUTPUT": str(tmp_path / "fixed.tif"),
    }
    run_algorithm("prospector:interpolate", params)
    with rasterio.open(tmp_path / "fixed.tif") as src:
        prov = json.loads(src.tags()[PROVENANCE_TAG])
    assert prov["variograms"]["Cu"] == {"model": "spherical", "nugget": 10.0, "psill": 50.0, "range": 8000.0}
    bad = dict(params, METHOD=0, OUTPUT_VARIANCE=str(tmp_path / "v.tif"), OUTPUT=str(tmp_path / "bad.tif"))
    with pytest.raises(QgsProcessingException, match="OUTPUT_VARIANCE"):
        run_algorithm("prospector:interpolate", bad)
    assert not (tmp_path / "bad.tif").exists()
    with pytest.raises(QgsProcessingException, match="VARIOGRAM_MODEL"):
        run_algorithm("prospector:interpolate", dict(params, VARIOGRAM_MODEL=0, OUTPUT=str(tmp_path / "b2.tif")))
