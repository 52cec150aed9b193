"""The shipped graphical model runs the whole workflow (with the learner comparison) through qgis_process and writes
every output."""

import csv
import os
import re

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
        "comparemodels:comparison_report": tmp_path / "comparison.html",
        "comparemodels:comparison_table": tmp_path / "comparison.csv",
    }
    if not geology:
        # a model output left off the command line goes to a temporary file, with a warning that names its step
        del outputs["anomalies:anomaly_contours"]
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
            # 2 km cells and 5-cell patches (traincnn and the comparison's CNN share them): their spatial validation
            # blocks (4 patches wide) are small enough to split; with 9-cell patches, or on a 1 or 1.5 km grid, the
            # comparison's CNN cannot split the few labels of a fold's 4 or 5 training deposits
            "pixel_size": 2000,
            "patch_size": 5,
            "epochs": 2,
            "ensemble": 2,
            "folds": 2,  # the comparison trains the model's small CNN ensemble once per fold
            **outputs,
            **geology_inputs,
        },
    )
    assert code == 0, log[-3000:]
    # the evidence step stacks the element rasters with the geology; the later steps read that stack. The files
    # between the steps are named for their output parameter (OUTPUT.tif): the bands are named for what the steps
    # made, not 'OUTPUT:OUTPUT:Cu' (before)
    assert "faults:distance_m" in log if geology else "faults:distance_m" not in log
    assert ("lithology:contact_distance_m" in log) == geology
    assert "evidence:elements:Cu" in log and "OUTPUT:Cu" not in log, [line for line in log.splitlines() if "Cu" in line]
    assert "member 2/2: epoch 2/2" in log  # the model's ensemble parameter reaches traincnn
    unnamed = re.findall(r"(\w+) of (prospector:\w+): no file is named for this output", log)
    assert unnamed == ([] if geology else [("OUTPUT_CONTOURS", "prospector:anomalies")]), unnamed
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
    # the comparison step: every learner, the CNN as traincnn trains it (positive-unlabelled) and the best band, on 2
    # folds of the training deposits only
    with open(outputs["comparemodels:comparison_table"], newline="", encoding="utf-8") as handle:
        compared = list(csv.DictReader(handle))
    learners = {"best band", "woe", "logistic", "random_forest", "gradient_boosting", "cnn_pu"}
    assert {row["learner"] for row in compared} == learners
    pooled = {row["learner"]: row for row in compared if row["fold"] == "all"}
    assert [row["recommended"] for row in pooled.values()].count("yes") == 1
    for learner in learners:
        folds = [row for row in compared if row["learner"] == learner and row["fold"] != "all"]
        assert len(folds) == 2, (learner, folds)
        held_out = sum(int(row["deposits"]) for row in folds)
        assert held_out == int(pooled[learner]["deposits"])
        assert 0 < held_out <= int((~south).sum())  # the training deposits, never the held-out ones
        assert 0.0 <= float(pooled[learner]["auc"]) <= 1.0
