"""The shipped graphical model runs the whole workflow through qgis_process and writes every output."""

import csv
import os

import geopandas as gpd
import numpy as np
import pytest
import rasterio

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(REPO, "resources", "sample_data")


@pytest.mark.parametrize("geology", [True, False], ids=["with faults and lithology", "without"])
def test_prospectivity_workflow_model(qgis_process, tmp_path, geology):
    deposits = gpd.read_file(os.path.join(SAMPLES, "deposits.gpkg"))
    deposits = deposits[deposits["in_study_area"].astype(bool)]
    south = deposits.geometry.y < 7491500  # a spatially separate held-out group
    deposits[~south].to_file(tmp_path / "training.gpkg", driver="GPKG")
    deposits[south].to_file(tmp_path / "heldout.gpkg", driver="GPKG")
    outputs = {
        "anomalies:anomaly_contours": tmp_path / "contours.gpkg",
        "anomalies:ranked_anomalies": tmp_path / "anomalies.gpkg",
        "pseudolabel:pseudolabels": tmp_path / "labels.tif",
        "traincnn:training_report": tmp_path / "training.html",
        "predict:prospectivity": tmp_path / "prospectivity.tif",
        "evaluate:evaluation_report": tmp_path / "evaluation.html",
        "evaluate:evaluation_table": tmp_path / "evaluation.csv",
    }
    geology_inputs = {}
    if geology:
        geology_inputs = {
            "faults": os.path.join(SAMPLES, "faults.gpkg"),
            "lithology": os.path.join(SAMPLES, "lithology.gpkg"),
            "lithology_field": "GENERALI_1",
        }
    code, result, log = qgis_process(
        "prospector:prospectivity_workflow",
        {
            "samples": os.path.join(SAMPLES, "till_geochemistry.gpkg"),
            "elements": ["Cu", "Th", "La", "Fe"],
            "study_area": os.path.join(SAMPLES, "study_area.gpkg"),
            "training_deposits": tmp_path / "training.gpkg",
            "heldout_deposits": tmp_path / "heldout.gpkg",
            # with 13 more bands, 2 km cells leave too few pseudo-labels for traincnn's spatial validation split
            "pixel_size": 1000 if geology else 2000,
            "epochs": 2,
            "ensemble": 2,
            **outputs,
            **geology_inputs,
        },
    )
    assert code == 0, log[-3000:]
    # the evidence step stacks the element rasters with the geology; the later steps read that stack
    stacked = ["interpolate_OUTPUT", "OUTPUT"]
    assert "faults:distance_m" in log if geology else "faults:distance_m" not in log
    assert ("lithology:contact_distance_m" in log) == geology
    assert any(f"{name}:Cu" in log for name in stacked), log[-3000:]
    assert "member 2/2: epoch 2/2" in log  # the model's ensemble parameter reaches traincnn
    for path in outputs.values():
        assert path.exists() and path.stat().st_size > 0, path
    with rasterio.open(outputs["predict:prospectivity"]) as src:
        probability = src.read(1, masked=True).compressed()
    assert probability.size > 100 and probability.min() >= 0 and probability.max() <= 1
    with rasterio.open(outputs["pseudolabel:pseudolabels"]) as src:
        assert set(np.unique(src.read(1, masked=True).compressed())) <= {0, 1}
    assert len(gpd.read_file(outputs["anomalies:ranked_anomalies"])) > 0
    with open(outputs["evaluate:evaluation_table"], newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows, "the evaluation table is empty"
    metrics = {row["name"]: row["value"] for row in rows if row.get("kind") == "metric"}
    assert 0.0 <= float(metrics["auc"]) <= 1.0, metrics
    assert int(float(metrics["deposits_used"])) == int(south.sum())
