"""prospector:interpolate with SURVEY_FIELD: levelled surveys, the table, the warnings; compiled-data checks."""

import csv
import json

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from shapely.geometry import Point

from geochem_prospector.core.io.rasters import PROVENANCE_TAG
from tests.qgis.feedback import RecordingFeedback


def compiled_layer(tmp_path, gap=0.0):
    """Survey 'total' (west, 150 samples), survey 'leach' (east, 60 samples, values 30 x lower: a weak
    partial leach), survey 'old' (6 samples, 1000 x higher), all from one lognormal distribution."""
    rng = np.random.default_rng(4)
    west = rng.uniform([0, 0], [5000, 6000], (150, 2))
    east = rng.uniform([5000 + gap, 0], [8000 + gap, 6000], (60, 2))
    old = rng.uniform([2000, 2000], [3000, 3000], (6, 2))
    au = rng.lognormal(1.0, 0.5, 216)
    au[150:210] /= 30.0
    au[210:] *= 1000.0
    survey = ["total"] * 150 + ["leach"] * 60 + ["old"] * 6
    geometry = [Point(x, y) for x, y in np.vstack([west, east, old])]
    layer = gpd.GeoDataFrame({"Au": au, "survey": survey}, geometry=geometry, crs="EPSG:3067")
    path = tmp_path / f"compiled_{gap:g}.gpkg"
    layer.to_file(path, driver="GPKG")
    return str(path), au


def test_surveys_are_levelled_onto_the_largest(run_algorithm, tmp_path):
    path, au = compiled_layer(tmp_path)
    out, table = tmp_path / "au.tif", tmp_path / "surveys.csv"
    feedback = RecordingFeedback()
    run_algorithm(
        "prospector:interpolate",
        {
            "INPUT": path,
            "FIELDS": ["Au"],
            "PIXEL_SIZE": 250,
            "LOG_TRANSFORM": True,
            "SURVEY_FIELD": "survey",
            "OUTPUT": str(out),
            "OUTPUT_SURVEYS": str(table),
        },
        feedback,
    )
    rows = {r["survey"]: r for r in csv.DictReader(open(table, encoding="utf-8"))}
    assert rows["total"]["note"] == "reference survey" and rows["total"]["levelled"] == "False"
    # the leach survey's median comes onto the reference's, recovering the factor 30 it was divided by
    factor = float(rows["leach"]["median_after"]) / float(rows["leach"]["median_before"])
    assert factor == pytest.approx(30.0, rel=0.25)
    # (equal to rounding: the median of an even count averages two values, the levelling works on logs)
    assert float(rows["leach"]["median_after"]) == pytest.approx(float(rows["total"]["median_before"]), rel=1e-3)
    assert float(rows["leach"]["median_before"]) == pytest.approx(np.median(au[150:210]), rel=1e-6)
    assert rows["old"]["note"] == "not levelled: 6 values, fewer than 10"
    text = "\n".join(feedback.warnings)
    assert "Au: survey 'old' not levelled: 6 values, fewer than 10 (too few to level)." in text
    assert "Au: survey medians differ" in text and "survey 'leach'" in text and "survey 'old'" in text
    with rasterio.open(out) as src:
        prov = json.loads(src.tags()[PROVENANCE_TAG])
        band = src.read(1, masked=True)
        cols = np.arange(src.width) * 250 + src.transform.c
    assert prov["levelling"]["field"] == "survey" and prov["levelling"]["method"] == "median_iqr"
    west, east = band[:, cols < 4500].compressed(), band[:, cols > 5500].compressed()
    assert 0.5 < np.median(east) / np.median(west) < 2  # no step at the survey boundary


def test_compiled_data_without_survey_field_is_reported(run_algorithm, tmp_path):
    path, _ = compiled_layer(tmp_path, gap=4000.0)
    feedback = RecordingFeedback()
    run_algorithm(
        "prospector:interpolate",
        {"INPUT": path, "FIELDS": ["Au"], "PIXEL_SIZE": 500, "OUTPUT": str(tmp_path / "raw.tif")},
        feedback,
    )
    assert any("the groups lying apart" in w and "SURVEY_FIELD" in w for w in feedback.warnings)


def test_survey_table_needs_the_field(run_algorithm, tmp_path):
    from qgis.core import QgsProcessingException

    path, _ = compiled_layer(tmp_path)
    with pytest.raises(QgsProcessingException, match="OUTPUT_SURVEYS"):
        run_algorithm(
            "prospector:interpolate",
            {"INPUT": path, "FIELDS": ["Au"], "PIXEL_SIZE": 500, "OUTPUT": str(tmp_path / "x.tif"),
             "OUTPUT_SURVEYS": str(tmp_path / "s.csv")},
        )  # fmt: skip
    assert not (tmp_path / "x.tif").exists()


def test_negative_values_of_a_centred_field_are_values(run_algorithm, tmp_path):
    rng = np.random.default_rng(6)
    xy = rng.uniform(0, 4000, (80, 2))
    centred = rng.normal(0, 1, 80).round(3)  # e.g. a field levelled and centred elsewhere
    codes = np.where(rng.random(80) < 0.2, -2.0, rng.lognormal(2, 0.5, 80))  # -2 = below 2
    layer = gpd.GeoDataFrame({"Zc": centred, "Cu": codes}, geometry=[Point(x, y) for x, y in xy], crs="EPSG:3067")
    path = tmp_path / "centred.gpkg"
    layer.to_file(path, driver="GPKG")
    feedback = RecordingFeedback()
    out = tmp_path / "c.tif"
    run_algorithm(
        "prospector:interpolate",
        {"INPUT": str(path), "FIELDS": ["Zc", "Cu"], "PIXEL_SIZE": 200, "OUTPUT": str(out)},
        feedback,
    )
    n_neg = int((centred < 0).sum())
    assert any(w.startswith(f"Zc: {n_neg} negative values (") and "read as values" in w for w in feedback.warnings)
    assert any(i.startswith("Cu: ") and "read as below-detection codes" in i for i in feedback.infos)
    with rasterio.open(out) as src:
        zc = src.read(1, masked=True)
    assert zc.min() < -0.5  # the negatives were kept


def test_another_reference_survey(run_algorithm, tmp_path):
    from qgis.core import QgsProcessingException

    path, au = compiled_layer(tmp_path)
    table = tmp_path / "surveys.csv"
    params = {"INPUT": path, "FIELDS": ["Au"], "PIXEL_SIZE": 500, "SURVEY_FIELD": "survey", "LEVELLING": 1,
              "REFERENCE_SURVEY": "leach", "OUTPUT": str(tmp_path / "q.tif"), "OUTPUT_SURVEYS": str(table)}  # fmt: skip
    run_algorithm("prospector:interpolate", params)
    rows = {r["survey"]: r for r in csv.DictReader(open(table, encoding="utf-8"))}
    assert rows["leach"]["note"] == "reference survey"
    # quantile mapping of 150 values onto the 60 of 'leach': the median maps onto leach's median
    assert float(rows["total"]["median_after"]) == pytest.approx(np.median(au[150:210]), rel=0.05)
    with pytest.raises(QgsProcessingException, match="^REFERENCE_SURVEY: 'nope' is not a value of the survey field"):
        run_algorithm("prospector:interpolate", dict(params, REFERENCE_SURVEY="nope", OUTPUT=str(tmp_path / "n.tif")))
    assert not (tmp_path / "n.tif").exists()
