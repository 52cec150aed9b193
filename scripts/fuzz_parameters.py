"""Fuzz every algorithm's parameters, one at a time (sweep 19a) or in pairs (sweep 20b; developers only, not a test).

Usage: QT_QPA_PLATFORM=offscreen PROJ_DATA=/usr/share/proj PYTHONDONTWRITEBYTECODE=1 \
    .venv/bin/python scripts/fuzz_parameters.py [--data DIR] [--alg NAME ...] [--param NAME ...] [--pairs]

``--pairs`` runs, instead of one parameter at a time, the pairs of :data:`PAIRS`: two (or three) parameters changed
together where they interact (a mask far from the extent, a tiny pixel over a big extent, more neighbours than
samples, folds more than the deposit clusters). ``--alg prospectivity_workflow`` fuzzes the graphical model on the
bundled sample data (:func:`model_params`): its layer inputs with the layer palette and its numbers with a few values.

For each algorithm of the provider `prospector`: start from the valid run of tests/error_cases.base_params on the
small synthetic inputs of tests/error_cases.build (checked to succeed), then change ONE parameter at a time to each
value of a hostile palette chosen by the parameter's type (numbers, enums, booleans, strings and fields, layers,
files, output paths). Every run goes through processing.run in this one QGIS process with a fresh output folder.

A run is a FINDING when: its message or log holds "Unexpected error" or a Python "Traceback"; it raised something
other than QgsProcessingException; a refusal does not start with a parameter name (nor is QGIS's own "Incorrect
parameter value for X" / "Could not load source layer for X"); an output is left after a refusal; an input file (or
its folder's list of names) changed; it took more than 60 s; or it "succeeded" writing a raster that is all nodata
or a vector layer without features, with no warning in its log. Prints a table of findings at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "build", "plugins"))
sys.path.insert(0, REPO)
from qgis_session import start  # noqa: E402 (beside this script)

HANG_S = 60.0
MORE = [False]  # --more-layers
#: QGIS's own refusals, before the algorithm runs: they name the parameter, not at the start
QGIS_OWN = re.compile(r"(Incorrect parameter value for|Could not load source layer for|Could not create destination)")
#: a "parameter name" is upper case with underscores (a model's inputs are lower case: "pixel_size")
STARTS_WITH_PARAM = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)\b")
MODEL = "prospectivity_workflow"
MODEL_STEP_FAILED = "Error encountered while running"
MODEL_HANG_S = 180.0  # a model run trains the CNN twice (traincnn, comparemodels)

#: the test grid of tests/error_cases (EPSG:3067, 40 x 40 cells of 250 m from 400000, 7500000)
_X0, _Y0 = 400_000, 7_500_000


def _extent(x0: float, x1: float, y0: float, y1: float, crs: str = "EPSG:3067") -> str:
    return f"{x0},{x1},{y0},{y1} [{crs}]"


GRID = _extent(_X0, _X0 + 10_000, _Y0, _Y0 + 10_000)
FAR = _extent(_X0 + 50_000, _X0 + 60_000, _Y0 + 50_000, _Y0 + 60_000)
HUGE = _extent(0, 1_000_000, 7_000_000, 8_000_000)
GRID_4326 = "25.0,25.2,67.6,67.7 [EPSG:4326]"

#: ``--pairs``: two (or three) parameters changed together where they interact. A value naming an input of
#: tests/error_cases.build (a key of ``d``, or a list of keys) becomes its path.
PAIRS: Dict[str, List[Tuple[str, Dict[str, Any]]]] = {
    "interpolate": [
        ("MASK far from EXTENT", {"MASK": "mask_outside", "EXTENT": GRID}),
        ("MASK EPSG:4326, EXTENT EPSG:3067", {"MASK": "mask_4326", "EXTENT": GRID}),
        ("EXTENT in EPSG:4326, PIXEL_SIZE 500 m", {"EXTENT": GRID_4326, "PIXEL_SIZE": 500}),
        ("EXTENT far from the samples", {"EXTENT": FAR, "PIXEL_SIZE": 500}),
        ("PIXEL_SIZE 1, EXTENT 1000 km", {"PIXEL_SIZE": 1, "EXTENT": HUGE}),
        ("PIXEL_SIZE 20 km > EXTENT", {"PIXEL_SIZE": 20_000, "EXTENT": GRID}),
        ("NEIGHBORS 1000 > samples, MAX_DISTANCE 0", {"NEIGHBORS": 1000, "MAX_DISTANCE": 0}),
        ("NEIGHBORS 1, MAX_DISTANCE 1 m", {"NEIGHBORS": 1, "MAX_DISTANCE": 1}),
        ("NEIGHBORS 0 (all), MAX_DISTANCE 1 m", {"NEIGHBORS": 0, "MAX_DISTANCE": 1}),
        ("kriging, NEIGHBORS 1", {"METHOD": 1, "NEIGHBORS": 1}),
        ("kriging, NEIGHBORS 1000", {"METHOD": 1, "NEIGHBORS": 1000}),
        ("kriging, one sample", {"METHOD": 1, "INPUT": "one", "FIELDS": ["Cu"]}),
        ("kriging, identical values", {"METHOD": 1, "INPUT": "identical"}),
        ("kriging, sill 0 range 1", {"METHOD": 1, "VARIOGRAM_MODEL": 1, "VARIOGRAM_SILL": 0, "VARIOGRAM_RANGE": 1}),
        ("kriging, nugget > sill", {"METHOD": 1, "VARIOGRAM_MODEL": 1, "VARIOGRAM_NUGGET": 10, "VARIOGRAM_SILL": 1}),
        ("kriging, range 1e9 m", {"METHOD": 1, "VARIOGRAM_MODEL": 3, "VARIOGRAM_RANGE": 1e9, "VARIOGRAM_SILL": 1}),
        (
            "given anisotropy 100:1, range 1 m",
            {"METHOD": 1, "ANISOTROPY": 2, "ANISOTROPY_RATIO": 100, "VARIOGRAM_RANGE": 1},
        ),
        ("auto, 1 sample", {"METHOD": 2, "INPUT": "one", "FIELDS": ["Cu"]}),
        ("LOG_TRANSFORM, negative codes", {"LOG_TRANSFORM": True, "INPUT": "negative"}),
        ("normal scores, identical values", {"TRANSFORM": 2, "INPUT": "identical"}),
        ("CENSORED_SHARE 0, negative codes", {"CENSORED_SHARE": 0, "INPUT": "negative"}),
        ("SURVEY_FIELD = the element", {"SURVEY_FIELD": "Cu", "LEVELLING": 1}),
        ("SURVEY_FIELD text, REFERENCE_SURVEY missing", {"SURVEY_FIELD": "name", "REFERENCE_SURVEY": "nope"}),
        ("samples EPSG:4326, EXTENT EPSG:3067", {"INPUT": "geographic", "EXTENT": GRID}),
    ],
    "anomalies": [
        ("MASK far from the raster", {"MASK": "mask_outside", "MIN_CELLS": 1}),
        ("MASK EPSG:4326, raster EPSG:3857", {"MASK": "mask_4326", "INPUT_RASTER": "raster_3857"}),
        ("MIN_CELLS 1e6 > raster", {"MIN_CELLS": 1_000_000, "METHOD": 0}),
        ("PERCENTILES 99.99, MIN_CELLS 1", {"PERCENTILES": "99.9,99.95,99.99", "MIN_CELLS": 1}),
        ("PERCENTILES decreasing", {"PERCENTILES": "98,95,85", "METHOD": 0}),
        ("MULTIPLIERS 0,0,0 with k-SD", {"METHOD": 2, "MULTIPLIERS": "0,0,0"}),
        ("MULTIPLIERS 100 with MAD", {"METHOD": 3, "MULTIPLIERS": "100,200,300"}),
        ("C-A, CA_BREAKS 3, constant raster", {"METHOD": 1, "CA_BREAKS": 3, "INPUT_RASTER": "constant"}),
        ("C-A, one band", {"METHOD": 1, "INPUT_RASTER": "oneband"}),
        ("PCA index, one band", {"INDEX_METHOD": 2, "INPUT_RASTER": "oneband"}),
        ("CLR index, negative cells", {"INDEX_METHOD": 1, "INPUT_RASTER": "raster_magnetics"}),
        ("ASSOCIATION band 9 of 2", {"ASSOCIATION_BANDS": [9]}),
        ("ELEMENT_BANDS 1, ASSOCIATION_BANDS 2", {"ELEMENT_BANDS": [1], "ASSOCIATION_BANDS": [2]}),
        ("INPUT samples, POINTS_LEVEL strong, far", {"INPUT": "deposits_outside", "POINTS_LEVEL": 2}),
        ("DEPOSITS far, AREA_LEVEL strong", {"DEPOSITS": "deposits_outside", "AREA_LEVEL": 2}),
        ("DEPOSITS EPSG:4326, raster EPSG:3857", {"DEPOSITS": "deposits_4326", "INPUT_RASTER": "raster_3857"}),
        ("raster of holes, MIN_CELLS 1", {"INPUT_RASTER": "holes", "MIN_CELLS": 1}),
    ],
    "pseudolabel": [
        ("POSITIVE_RADIUS > NEGATIVE_BUFFER", {"POSITIVE_RADIUS": 5000, "NEGATIVE_BUFFER": 100}),
        ("POSITIVE_RADIUS 0, NEGATIVE_BUFFER 0", {"POSITIVE_RADIUS": 0, "NEGATIVE_BUFFER": 0}),
        ("NEGATIVE_BUFFER 100 km", {"NEGATIVE_BUFFER": 100_000}),
        ("POSITIVE_RADIUS 100 km", {"POSITIVE_RADIUS": 100_000}),
        ("NEIGHBORS 100 > labelled cells", {"METHOD": 1, "NEIGHBORS": 100}),
        ("spreading, one deposit", {"METHOD": 1, "LABELS": "deposits_one"}),
        ("self-training, ITERATIONS 100, CONFIDENCE 1", {"METHOD": 2, "ITERATIONS": 100, "CONFIDENCE": 1.0}),
        ("self-training, CONFIDENCE 0.5", {"METHOD": 2, "CONFIDENCE": 0.5}),
        ("BAGS 1000", {"BAGS": 1000, "NEGATIVE_BUFFER": 0}),
        ("MASK far", {"MASK": "mask_outside"}),
        ("MASK EPSG:4326, raster EPSG:3857", {"MASK": "mask_4326", "INPUT_RASTERS": ["raster_3857"]}),
        ("LABELS EPSG:4326, raster EPSG:3857", {"LABELS": "deposits_4326", "INPUT_RASTERS": ["raster_3857"]}),
        ("LABELS far, MASK on the grid", {"LABELS": "deposits_outside", "MASK": "mask_cells"}),
        ("deposits all in one cluster, spreading", {"LABELS": "deposits_one_cluster", "METHOD": 1}),
        ("NEGATIVES = LABELS", {"NEGATIVES": "deposits"}),
        ("rasters of two grids", {"INPUT_RASTERS": ["raster", "raster_west_half"]}),
        ("LABEL_FIELD text of names", {"LABELS": "deposits", "LABEL_FIELD": "name"}),
    ],
    "evaluate": [
        ("MASK far", {"MASK": "mask_outside"}),
        ("MASK EPSG:4326, raster EPSG:3857", {"MASK": "mask_4326", "INPUT_RASTER": "raster_3857"}),
        ("DEPOSITS far", {"DEPOSITS": "deposits_outside"}),
        ("DEPOSITS EPSG:4326, raster EPSG:3857", {"DEPOSITS": "deposits_4326", "INPUT_RASTER": "raster_3857"}),
        ("CLUSTER_DISTANCE 1e9", {"CLUSTER_DISTANCE": 1e9}),
        ("one cluster, CLUSTER_DISTANCE 500", {"DEPOSITS": "deposits_one_cluster", "CLUSTER_DISTANCE": 500}),
        ("one deposit, ITERATIONS 100000", {"DEPOSITS": "deposits_one", "ITERATIONS": 100_000}),
        ("BAND 2 of a one-band raster", {"INPUT_RASTER": "oneband", "BAND": 2}),
        ("BASELINES of another grid", {"BASELINES": ["raster_west_half"]}),
        ("BASELINES EPSG:3857", {"BASELINES": ["raster_3857"]}),
        ("BASELINES = INPUT_RASTER, low first", {"BASELINES": ["raster"], "DIRECTION": 2}),
        ("constant raster, DIRECTION low", {"INPUT_RASTER": "constant", "DIRECTION": 2}),
        ("NAME_FIELD numeric", {"DEPOSITS": "samples", "NAME_FIELD": "Cu"}),
        ("deposits on nodata holes", {"INPUT_RASTER": "raster_holes_at_deposits", "CLUSTER_DISTANCE": 500}),
    ],
    "traincnn": [
        ("PATCH_SIZE 65 > raster", {"PATCH_SIZE": 65}),
        ("PATCH_SIZE 41 = raster + 1", {"PATCH_SIZE": 41}),
        ("PATCH_SIZE even 6", {"PATCH_SIZE": 6}),
        ("ENSEMBLE 100, EPOCHS 1", {"ENSEMBLE": 100, "EPOCHS": 1}),
        ("BATCH_SIZE 65536, EPOCHS 1", {"BATCH_SIZE": 65536, "EPOCHS": 1}),
        ("BATCH_SIZE 2, LEARNING_RATE 0.9", {"BATCH_SIZE": 2, "LEARNING_RATE": 0.9}),
        ("BLOCK_SIZE 1 m", {"BLOCK_SIZE": 1}),
        ("BLOCK_SIZE 100 km", {"BLOCK_SIZE": 100_000}),
        ("leave clusters out, one deposit cluster", {"VALIDATION": 1, "LABELS": "deposits_one_cluster"}),
        ("leave clusters out, label raster", {"VALIDATION": 1}),
        ("PU, CLASS_PRIOR 0.99", {"TRAINING": 1, "CLASS_PRIOR": 0.99}),
        ("COARSE_VIEW 51 > raster", {"COARSE_VIEW": 51}),
        ("COARSE_VIEW 3 < PATCH_SIZE 9", {"COARSE_VIEW": 3, "PATCH_SIZE": 9}),
        ("PRETRAIN_EPOCHS 1, one band", {"PRETRAIN_EPOCHS": 1, "INPUT_RASTERS": ["oneband"]}),
        ("BARREN_RATIO 0", {"BARREN_RATIO": 0}),
        ("BARREN_RATIO 1000, semi-supervised", {"BARREN_RATIO": 1000, "SEMI_SUPERVISED": True}),
        ("TEACHER, DISTIL_WEIGHT 0", {"TEACHER": 1, "DISTIL_WEIGHT": 0}),
        ("TEACHER, log-odds, weight 100", {"TEACHER": 2, "DISTIL_TARGET": 1, "DISTIL_WEIGHT": 100}),
        ("BAND_SPARSITY 1000, one band", {"BAND_SPARSITY": 1000, "INPUT_RASTERS": ["oneband"]}),
        (
            "LABELS EPSG:4326 points, raster EPSG:3857",
            {"LABELS": "label_points_4326", "INPUT_RASTERS": ["raster_3857"]},
        ),
        ("CONFIDENCE of another grid", {"CONFIDENCE": "raster_west_half"}),
        ("rasters of two grids", {"INPUT_RASTERS": ["raster", "raster_west_half"]}),
    ],
    "trainmodel": [
        ("WINDOW 51 > raster", {"WINDOW": 51, "METHOD": 0}),
        ("WINDOW 2 (even)", {"WINDOW": 2, "METHOD": 0}),
        ("N_ESTIMATORS 1, MAX_DEPTH 1000", {"METHOD": 0, "N_ESTIMATORS": 1, "MAX_DEPTH": 1000}),
        ("MIN_SAMPLES_LEAF 1e6 > cells", {"METHOD": 0, "MIN_SAMPLES_LEAF": 1_000_000}),
        ("gradient boosting, LEARNING_RATE 1e-6, N 1", {"METHOD": 1, "LEARNING_RATE": 1e-6, "N_ESTIMATORS": 1}),
        ("gradient boosting, MIN_SAMPLES_LEAF 1e6", {"METHOD": 1, "MIN_SAMPLES_LEAF": 1_000_000}),
        ("logistic, REGULARISATION 1e-9", {"METHOD": 2, "REGULARISATION": 1e-9}),
        ("logistic, REGULARISATION 1e300", {"METHOD": 2, "REGULARISATION": 1e300}),
        ("WoE, constant raster", {"METHOD": 3, "INPUT_RASTERS": ["constant"]}),
        ("WoE, WINDOW 5", {"METHOD": 3, "WINDOW": 5}),
        (
            "LABELS EPSG:4326 points, raster EPSG:3857",
            {"LABELS": "label_points_4326", "INPUT_RASTERS": ["raster_3857"]},
        ),
        ("CONFIDENCE of another grid", {"CONFIDENCE": "raster_west_half"}),
        ("rasters of two grids", {"INPUT_RASTERS": ["raster", "raster_west_half"]}),
        ("one-class labels, WoE", {"METHOD": 3, "LABELS": "labels_one_class"}),
    ],
    "comparemodels": [
        ("FOLDS 100 > deposits", {"FOLDS": 100}),
        ("FOLDS 3, deposits in one cluster", {"FOLDS": 3, "DEPOSITS": "deposits_one_cluster"}),
        ("FOLDS 2, CLUSTER_DISTANCE 1e9", {"FOLDS": 2, "CLUSTER_DISTANCE": 1e9}),
        ("CLUSTER_DISTANCE 0, FOLDS 3", {"CLUSTER_DISTANCE": 0, "FOLDS": 3}),
        ("one deposit, FOLDS 2", {"DEPOSITS": "deposits_one", "FOLDS": 2}),
        ("NEGATIVES 1e6 > cells", {"NEGATIVES": 1_000_000}),
        ("PATCH_SIZE 65 > raster, CNN", {"PATCH_SIZE": 65}),
        ("ENSEMBLE 100, EPOCHS 1", {"ENSEMBLE": 100, "EPOCHS": 1, "FOLDS": 2}),
        ("WINDOW 51 > raster, random forest", {"WINDOW": 51, "LEARNERS": [0]}),
        ("all learners, MIN_SAMPLES_LEAF 1e6", {"LEARNERS": [0, 1, 2, 3], "MIN_SAMPLES_LEAF": 1_000_000}),
        ("LABELS given with DEPOSITS", {"LABELS": "label_raster"}),
        ("LABELS of another grid", {"LABELS": "label_raster_coarse"}),
        ("MASK far", {"MASK": "mask_outside"}),
        ("MASK EPSG:4326, raster EPSG:3857", {"MASK": "mask_4326", "INPUT_RASTERS": ["raster_3857"]}),
        ("DEPOSITS far", {"DEPOSITS": "deposits_outside"}),
        ("CNN coarse view 51, PATCH 5", {"CNN_MODES": [3], "COARSE_VIEW": 51}),
        ("CNN PU, CLASS_PRIOR 0.99", {"CNN_MODES": [1], "CLASS_PRIOR": 0.99}),
        ("rasters of two grids", {"INPUT_RASTERS": ["raster", "raster_west_half"]}),
    ],
    "predict": [
        ("MASK far", {"MASK": "mask_outside"}),
        ("MASK EPSG:4326, raster EPSG:3857", {"MASK": "mask_4326", "INPUT_RASTERS": ["raster_3857"]}),
        ("TILE_SIZE 1, MC_SAMPLES 0", {"TILE_SIZE": 1, "MC_SAMPLES": 0}),
        ("TILE_SIZE 8192, MC_SAMPLES 1000", {"TILE_SIZE": 8192, "MC_SAMPLES": 1000}),
        ("CLASS_THRESHOLDS 1,1,1", {"CLASS_THRESHOLDS": "1,1,1"}),
        ("CLASS_THRESHOLDS decreasing", {"CLASS_THRESHOLDS": "0.9,0.5,0.1"}),
        ("CLASS_THRESHOLDS outside 0-1", {"CLASS_THRESHOLDS": "-1,2"}),
        ("model of other bands", {"MODEL": "model_other_bands"}),
        ("forest model, MC_SAMPLES 1000", {"MODEL": "model_forest", "MC_SAMPLES": 1000}),
        (
            "forest model, rasters of two grids",
            {"MODEL": "model_forest", "INPUT_RASTERS": ["raster", "raster_west_half"]},
        ),
        ("one-row raster, TILE_SIZE 1", {"INPUT_RASTERS": ["raster_one_row"], "TILE_SIZE": 1}),
    ],
    "evidence": [
        ("EXTENT far from REFERENCE_RASTER", {"EXTENT": FAR}),
        ("no reference, PIXEL_SIZE 1, EXTENT 1000 km", {"REFERENCE_RASTER": None, "EXTENT": HUGE, "PIXEL_SIZE": 1}),
        ("no reference, PIXEL_SIZE 20 km > EXTENT", {"REFERENCE_RASTER": None, "EXTENT": GRID, "PIXEL_SIZE": 20_000}),
        (
            "no reference, EXTENT EPSG:4326, PIXEL 250",
            {"REFERENCE_RASTER": None, "EXTENT": GRID_4326, "PIXEL_SIZE": 250},
        ),
        (
            "no reference, CRS EPSG:4326, PIXEL 250",
            {"REFERENCE_RASTER": None, "EXTENT": GRID, "PIXEL_SIZE": 250, "CRS": "EPSG:4326"},
        ),
        ("no reference, no extent, PIXEL 250", {"REFERENCE_RASTER": None, "PIXEL_SIZE": 250}),
        ("MASK far", {"MASK": "mask_outside"}),
        ("MASK EPSG:4326, reference EPSG:3857", {"MASK": "mask_4326", "REFERENCE_RASTER": "raster_3857"}),
        ("MASK far from EXTENT", {"MASK": "mask_outside", "REFERENCE_RASTER": None, "EXTENT": GRID, "PIXEL_SIZE": 500}),
        ("DENSITY_RADIUS 1 m", {"DENSITY_RADIUS": 1}),
        ("DENSITY_RADIUS 1000 km", {"DENSITY_RADIUS": 1_000_000}),
        ("LINES far, INTERSECTIONS", {"LINES": ["faults_far"], "INTERSECTIONS": True}),
        ("MAX_CLASSES 1, CLASSES given", {"MAX_CLASSES": 1, "CLASSES": "granite,gneiss"}),
        ("CLASSES absent from CLASS_FIELD", {"CLASSES": "nosuchrock"}),
        ("CLASS_FIELD with CONTACTS off, no LINES", {"CONTACTS": False, "LINES": []}),
        ("POLYGONS far (lithology_apart)", {"POLYGONS": "lithology_apart"}),
        ("CATEGORICAL classes, cubic", {"CATEGORICAL_RASTERS": ["raster_classes"], "CONTINUOUS_METHOD": 2}),
        ("CONTINUOUS EPSG:3857 on 3067 reference", {"CONTINUOUS_RASTERS": ["raster_3857"], "CONTINUOUS_METHOD": 1}),
        ("REFERENCE_BANDS of a one-band reference", {"REFERENCE_BANDS": True, "REFERENCE_RASTER": "oneband"}),
    ],
}


class LogFeedback:
    def __new__(cls):
        from qgis.core import QgsProcessingFeedback

        class _Feedback(QgsProcessingFeedback):
            def __init__(self):
                super().__init__()
                self.lines: List[str] = []
                self.warnings: List[str] = []
                self.errors: List[str] = []

            def pushInfo(self, info):  # noqa: N802
                self.lines.append(info)

            def pushWarning(self, warning):  # noqa: N802
                self.lines.append(warning)
                self.warnings.append(warning)

            def pushDebugInfo(self, info):  # noqa: N802
                self.lines.append(info)

            def pushConsoleInfo(self, info):  # noqa: N802
                self.lines.append(info)

            def reportError(self, error, fatalError=False):  # noqa: N802, N803
                self.lines.append(error)
                self.warnings.append(error)
                self.errors.append(error)

        return _Feedback()


def extra_inputs(folder: str) -> Dict[str, str]:
    """Inputs the matrix does not have: a point layer of null geometries only."""
    from osgeo import ogr, osr

    path = os.path.join(folder, "fuzz_null_points.gpkg")
    if not os.path.exists(path):
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(3067)
        ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
        layer = ds.CreateLayer("fuzz_null_points", srs, ogr.wkbPoint)
        for name in ("Cu", "Pb"):
            layer.CreateField(ogr.FieldDefn(name, ogr.OFTReal))
        layer.CreateField(ogr.FieldDefn("name", ogr.OFTString))
        layer.CreateField(ogr.FieldDefn("cls", ogr.OFTInteger))
        for i in range(5):
            feature = ogr.Feature(layer.GetLayerDefn())
            feature.SetField("Cu", 10.0 + i)
            feature.SetField("Pb", 2.0 + i)
            feature.SetField("name", f"n{i}")
            feature.SetField("cls", i % 2)
            layer.CreateFeature(feature)
        ds = None
    return {"null_points": path}


#: ``--more-layers``: a second palette of layers, in other CRSs or with holes, nulls and outlines
MORE_LAYERS = [
    "geographic",  # points in EPSG:4326
    "geographic_raster",  # raster in EPSG:4326
    "holes",  # raster with a nodata hole and NaN cells
    "deposits_polygons",  # deposits drawn as outlines
    "lithology_nulls",  # polygons with null classes
    "faults_null_empty",  # lines with null and empty geometries
    "label_points_4326",  # labelled points with a class field, EPSG:4326
    "deposits_outside",  # points far off the grid
]


SAMPLES = os.path.join(REPO, "resources", "sample_data")

#: the model's outputs, as tests/headless/test_workflow_model.py names them
MODEL_OUTPUTS = {
    "anomalies:anomaly_contours": "contours.gpkg",
    "anomalies:ranked_anomalies": "anomalies.gpkg",
    "pseudolabel:pseudolabels": "labels.tif",
    "traincnn:training_report": "training.html",
    "predict:prospectivity": "prospectivity.tif",
    "evaluate:evaluation_report": "evaluation.html",
    "evaluate:evaluation_table": "evaluation.csv",
    "comparemodels:comparison_report": "comparison.html",
    "comparemodels:comparison_table": "comparison.csv",
}


def model_params(d: Dict[str, str], folder: str) -> Dict[str, Any]:
    """A valid run of the workflow model: the bundled sample data on a 2 km grid, as its headless test runs it (the
    matrix's 3 deposits on a 10 km grid are too few for traincnn's validation and the comparison's folds)."""
    import geopandas as gpd

    training, heldout = os.path.join(folder, "model_training.gpkg"), os.path.join(folder, "model_heldout.gpkg")
    if not os.path.exists(heldout):
        deposits = gpd.read_file(os.path.join(SAMPLES, "deposits.gpkg"))
        deposits = deposits[deposits["in_study_area"].astype(bool)]
        south = deposits.geometry.y < 7491500
        deposits[~south].to_file(training, driver="GPKG")
        deposits[south].to_file(heldout, driver="GPKG")
    d["model_training"], d["model_heldout"] = training, heldout
    return {
        "samples": os.path.join(SAMPLES, "till_geochemistry.gpkg"),
        "elements": ["Cu", "Th", "La", "Fe"],
        "study_area": os.path.join(SAMPLES, "study_area.gpkg"),
        "training_deposits": training,
        "heldout_deposits": heldout,
        "pixel_size": 2000,
        "patch_size": 5,
        "epochs": 2,
        "ensemble": 1,
        "folds": 2,
    }


#: the model's inputs fuzzed, and how: its layers with the layer palette, its numbers with these values only
MODEL_NUMBERS = {
    "pixel_size": [("1 m", 1), ("100 km", 100_000), ("1e300", 1e300)],
    "patch_size": [("65", 65), ("6 (even)", 6)],
    "epochs": [("1e6 (past traincnn's 10000)", 1_000_000)],
    "ensemble": [("100", 100)],
    "folds": [("100", 100)],
}
#: pairs of the model's inputs
MODEL_PAIRS: List[Tuple[str, Dict[str, Any]]] = [
    ("training deposits = held-out deposits", {"heldout_deposits": "model_training"}),
    ("study area far from the samples", {"study_area": "mask_outside"}),
    ("lithology without its field", {"lithology": os.path.join(SAMPLES, "lithology.gpkg"), "lithology_field": None}),
    ("lithology of another place (the matrix's)", {"lithology": "lithology", "lithology_field": "rock"}),
    ("faults far from the area", {"faults": ["faults_far"]}),
    ("elements with a text field", {"elements": ["Cu", "Observatio"]}),
    ("pixel 100 m, patch 65", {"pixel_size": 100, "patch_size": 65}),
]


def layer_palette(d: Dict[str, str], more: bool = False) -> List[Tuple[str, Any]]:
    """Layers of every wrong kind (and some right kinds) a layer parameter may be given."""
    if more:
        return [(n, d[n]) for n in MORE_LAYERS if n in d]
    names = [
        "samples",  # points
        "faults",  # lines
        "lithology",  # polygons
        "empty",  # empty point layer
        "null_points",  # only null geometries
        "oneband",  # one-band raster
        "allnodata",  # raster of nodata only
        "raster_no_crs",  # raster without a CRS
        "constant",  # constant raster
        "label_raster",  # sparse label raster
    ]
    return [(n, d[n]) for n in names if n in d]


def number_palette(p) -> List[Tuple[str, Any]]:
    from qgis.core import QgsProcessingParameterNumber

    values: List[Tuple[str, Any]] = [("0", 0), ("-1", -1), ("-0.0", -0.0), ("1e-300", 1e-300), ("1e300", 1e300)]
    integer = p.dataType() == QgsProcessingParameterNumber.Integer
    lo, hi = p.minimum(), p.maximum()
    step = 1 if integer else max(abs(lo), abs(hi), 1.0) * 1e-9
    if lo > -1e300:
        values += [("min", lo), ("min-", lo - step)]
    if hi < 1e300:
        values += [("max", hi), ("max+", hi + step)]
    default = p.defaultValue()
    if isinstance(default, (int, float)) and default:
        values.append(("10x default", default * 10))
        values.append(("1000x default", default * 1000))
    else:
        values.append(("1e6", 1_000_000))
    return values


def palette(alg, p, d: Dict[str, str], fields_numeric: List[str]) -> List[Tuple[str, Any]]:
    """The hostile values for one parameter definition."""
    t = p.type()
    if p.isDestination():
        folder_existing = d["__out_existing_folder__"]
        return [
            ("existing folder", folder_existing),
            ("no extension", "{out}/noext"),
            (".txt extension", "{out}/out.txt"),
            ("missing folder", "{out}/no/such/folder/out" + _ext(p)),
        ]
    if t == "number":
        return number_palette(p)
    if t == "enum":
        opts = p.options()
        static = p.usesStaticStrings()  # such an enum takes its options' words, not their numbers
        values = [
            (f"option {i} ({o})", [o if static else i] if p.allowMultiple() else (o if static else i))
            for i, o in enumerate(opts)
        ]
        past = "no_such_option" if static else len(opts)
        values += [("index past the end", [past] if p.allowMultiple() else past)]
        if p.allowMultiple():
            values += [("all options", list(opts) if static else list(range(len(opts)))), ("none", [])]
        return values
    if t == "boolean":
        return [("True", True), ("False", False)]
    if t in ("string", "field"):
        values = [("''", ""), ("' '", " "), ("missing name", "NoSuchField"), ("300 chars", "x" * 300)]
        if t == "field":
            values += [("text field 'name'", "name"), ("numeric field 'Cu'", "Cu")]
            if p.allowMultiple():
                values = [(n, [v] if v != "" else []) for n, v in values]
                values += [("text+numeric", ["Cu", "name"]), ("duplicate", ["Cu", "Cu"])]
        return values
    if t in ("vector", "source", "raster", "multilayer", "layer"):
        values = list(layer_palette(d, MORE[0]))
        if t == "multilayer":
            values = [(n, [v]) for n, v in values] + [("none", []), ("raster twice", [d["raster"], d["raster"]])]
        return values
    if t == "file":
        return [
            ("random bytes", d["model_random"]) if "model_random" in d else ("raster", d["raster"]),
            ("raster as file", d["raster"]),
            ("missing file", "/no/such/file.pt"),
            ("a folder", os.path.dirname(d["raster"])),
            ("''", ""),
        ]
    if t == "extent":
        return [("zero area", "400000,400000,7500000,7500000 [EPSG:3067]"), ("far away", "0,1,0,1 [EPSG:3067]")]
    if t == "crs":
        return [("EPSG:4326", "EPSG:4326"), ("bad crs", "EPSG:999999")]
    return []


def _ext(p) -> str:
    try:
        return "." + p.defaultFileExtension()
    except Exception:  # noqa: BLE001
        return ""


def is_output(key: str) -> bool:
    """An algorithm's OUTPUT…, or a model's "child:output"."""
    return key.startswith("OUTPUT") or ":" in key


def resolve(d: Dict[str, str], value: Any) -> Any:
    """A key of ``d`` (or a list of keys) becomes its path."""
    if isinstance(value, list):
        return [resolve(d, item) for item in value]
    return d[value] if isinstance(value, str) and value in d else value


def digest_inputs(params: Dict[str, Any]) -> Dict[str, str]:
    from tests.error_cases import input_file

    result: Dict[str, str] = {}
    for key, value in params.items():
        if is_output(key):
            continue
        for item in value if isinstance(value, list) else [value]:
            path = input_file(item)
            if path:
                with open(path, "rb") as handle:
                    result[path] = hashlib.sha256(handle.read()).hexdigest()
                folder = os.path.dirname(os.path.abspath(path))
                result[folder + "/<names>"] = ",".join(sorted(os.listdir(folder)))
    return result


def empty_output(path: str) -> Optional[str]:
    """Why an output is empty (all nodata, no features), or None."""
    if not isinstance(path, str) or not os.path.isfile(path):
        return None
    low = path.lower()
    try:
        if low.endswith(".tif"):
            import numpy as np
            import rasterio

            with rasterio.open(path) as src:
                for band in range(1, src.count + 1):
                    if src.read_masks(band).any() and np.isfinite(src.read(band, masked=True).compressed()).any():
                        return None
                return "raster all nodata"
        if low.endswith(".gpkg"):
            from osgeo import ogr

            ds = ogr.Open(path)
            if ds is None:
                return "unreadable gpkg"
            counts = [ds.GetLayer(i).GetFeatureCount() for i in range(ds.GetLayerCount())]
            return "vector without features" if not any(counts) else None
    except Exception as error:  # noqa: BLE001
        return f"unreadable output: {error}"
    return None


def run_one(
    alg_id: str, params: Dict[str, Any], out: str, param_names: List[str], hang: float = HANG_S
) -> Dict[str, Any]:
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingException

    feedback = LogFeedback()
    context = QgsProcessingContext()
    before = digest_inputs(params)
    outputs = {k: v for k, v in params.items() if is_output(k) and isinstance(v, str)}
    existing = {p for p in outputs.values() if os.path.exists(p)}
    t0 = time.time()
    result, message, other = None, "", None
    import threading

    # a run past 3 x the hang limit is cancelled, so that one slow value does not stop the whole fuzz
    watchdog = threading.Timer(3 * hang, feedback.cancel)
    watchdog.start()
    try:
        result = processing.run(alg_id, params, context=context, feedback=feedback)
    except QgsProcessingException as error:
        message = str(error)
    except Exception as error:  # noqa: BLE001
        other = f"{type(error).__name__}: {error}"
        message = traceback.format_exc()
    finally:
        watchdog.cancel()
        context.temporaryLayerStore().removeAllMapLayers()
    elapsed = time.time() - t0
    import gc

    gc.collect()
    log = "\n".join(feedback.lines)
    problems = []
    if "Unexpected error" in message or "Unexpected error" in log:
        problems.append("Unexpected error")
    if "Traceback" in message or "Traceback" in log:
        problems.append("Traceback")
    if other:
        problems.append("not a QgsProcessingException: " + other.splitlines()[0][:120])
    if result is None and not other and message.startswith(MODEL_STEP_FAILED):
        # a model's refusal is "Error encountered while running <step>" (QGIS 3.22); the step's own message is the
        # error its feedback reported: that one must name the parameter
        step = [e.strip() for e in feedback.errors if e.strip() and not e.startswith(MODEL_STEP_FAILED)]
        message = message.strip() + "\n" + (step[-1] if step else "(the step reported no error)")
    if result is None and not other:
        # processing.run puts QGIS's "Unable to execute algorithm" above a refusal by checkParameterValues
        lines = [
            line
            for line in message.strip().splitlines()
            if line != "Unable to execute algorithm" and not line.startswith(MODEL_STEP_FAILED)
        ]
        first_line = lines[0] if lines else ""
        head = STARTS_WITH_PARAM.match(first_line)
        if not (head and head.group(1) in param_names) and not QGIS_OWN.search(message):
            problems.append("refusal not starting with a parameter name")
        left = [p for p in outputs.values() if p not in existing and os.path.exists(p)]
        left += [
            os.path.join(out, f) for f in (os.listdir(out) if os.path.isdir(out) else []) if f.startswith(".partial")
        ]
        if left and message.startswith(MODEL_STEP_FAILED):
            # QGIS 3.22 runs a model's steps one by one, each writing its outputs whole: the steps before the one
            # that refused keep theirs (not the plugin's to change); reported, not flagged
            message += "\n(kept from the steps before: " + ", ".join(os.path.basename(p) for p in left) + ")"
        elif left:
            problems.append("output left after refusal: " + ", ".join(os.path.basename(p) for p in left))
    if result is not None:
        for key, value in result.items():
            if is_output(key):
                why = empty_output(value)
                if why and not feedback.warnings:
                    problems.append(f"{key}: {why}, no warning")
    if elapsed > hang:
        problems.append(f"took {elapsed:.0f} s")
    after = digest_inputs(params)
    if after != before:
        changed = [k for k in before if before.get(k) != after.get(k)] + [k for k in after if k not in before]
        problems.append("input changed: " + ", ".join(os.path.basename(k) for k in changed))
    return {
        "ok": result is not None,
        "message": message.strip().replace("\n", " / ")[:300],
        "problems": problems,
        "seconds": round(elapsed, 2),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", help="folder of tests/error_cases.build's inputs (built there once, reused)")
    ap.add_argument("--alg", nargs="*", default=None)
    ap.add_argument("--param", nargs="*", default=None)
    ap.add_argument("--json", help="write every run as JSON lines here")
    ap.add_argument("--more-layers", action="store_true", help="only layer parameters, with the MORE_LAYERS palette")
    ap.add_argument("--skip", nargs="*", default=[], help="ALG:PARAM or ALG:PARAM:VALUE not to run")
    ap.add_argument("--pairs", action="store_true", help="run PAIRS (MODEL_PAIRS) instead of one parameter at a time")
    ap.add_argument("--after", help="ALG:PARAM: start that algorithm's parameters after this one (a resumed run)")
    args = ap.parse_args()
    MORE[0] = args.more_layers

    app, plugin = start()
    from qgis.core import QgsApplication

    from tests.error_cases import base_params, build, outputs_for

    data_folder = args.data or tempfile.mkdtemp(prefix="fuzz_inputs_")
    os.makedirs(data_folder, exist_ok=True)
    index = os.path.join(data_folder, "fuzz_index.json")
    if os.path.exists(index):
        with open(index) as handle:
            d = json.load(handle)
    else:
        t0 = time.time()
        d = build(data_folder)
        print(f"built inputs in {time.time() - t0:.0f} s", flush=True)
        with open(index, "w") as handle:
            json.dump(d, handle)
    d.update(extra_inputs(data_folder))
    scratch = tempfile.mkdtemp(prefix="fuzz_out_")
    d["__out_existing_folder__"] = os.path.join(scratch, "existing_folder")
    os.makedirs(d["__out_existing_folder__"], exist_ok=True)

    provider = QgsApplication.processingRegistry().providerById("prospector")
    algs = sorted(provider.algorithms(), key=lambda a: a.name())
    findings: List[Tuple[str, str, str, str, str]] = []
    runs = 0
    log = open(args.json, "w") if args.json else None
    counter = [0]

    def fresh() -> str:
        counter[0] += 1
        folder = os.path.join(scratch, f"run{counter[0]}")
        os.makedirs(folder)
        return folder

    every_name = sorted({p.name() for a in algs for p in a.parameterDefinitions()})
    for alg in algs:
        name = alg.name()
        if args.alg and name not in args.alg:
            continue
        definitions = alg.parameterDefinitions()
        param_names = [p.name() for p in definitions]
        hang = HANG_S
        if name == MODEL:
            valid = model_params(d, data_folder)

            def outputs(out: str, name: str = name) -> Dict[str, str]:
                return {key: os.path.join(out, file) for key, file in MODEL_OUTPUTS.items()}

            param_names += every_name  # a model's refusal is its step's: "PIXEL_SIZE: …"
            hang = MODEL_HANG_S
        else:
            try:
                valid = base_params(name, d)
            except KeyError:
                print(f"# {name}: no valid run in tests/error_cases.base_params, skipped", flush=True)
                continue

            def outputs(out: str, name: str = name) -> Dict[str, str]:
                return outputs_for(name, out)

        numeric = ["Cu", "Pb"]

        def params_with(out: str, changes: Optional[Dict[str, Any]] = None, valid=valid, outputs=outputs):
            params = {**valid, **outputs(out)}
            for key, value in (changes or {}).items():
                if isinstance(value, str) and "{out}" in value:
                    value = value.replace("{out}", out)
                if value is None:
                    params.pop(key, None)
                else:
                    params[key] = resolve(d, value)
            return params

        out = fresh()
        baseline = run_one(f"prospector:{name}", params_with(out), out, param_names, hang)
        runs += 1
        print(
            f"# {name}: baseline {'ok' if baseline['ok'] else 'FAILED ' + baseline['message']}"
            f" ({baseline['seconds']} s)",
            flush=True,
        )
        if not baseline["ok"] or baseline["problems"]:
            findings.append((name, "(baseline)", "", "; ".join(baseline["problems"]), baseline["message"]))
            if not baseline["ok"]:
                continue
        # what to run: (parameter label, value label, the changes)
        trials: List[Tuple[str, str, Dict[str, Any]]] = []
        if args.pairs:
            for label, changes in MODEL_PAIRS if name == MODEL else PAIRS.get(name, []):
                trials.append(("+".join(changes), label, changes))
        else:
            resume = args.after.split(":")[1] if args.after and args.after.startswith(name + ":") else None
            for p in definitions:
                if resume:
                    resume = None if p.name() == resume else resume
                    continue
                if args.param and p.name() not in args.param:
                    continue
                layer = p.type() in ("vector", "source", "raster", "multilayer", "layer")
                if args.more_layers and not layer:
                    continue
                if f"{name}:{p.name()}" in args.skip:
                    continue
                if name == MODEL:  # slow: its layers' palette and a few numbers only
                    values = palette(alg, p, d, numeric) if layer else MODEL_NUMBERS.get(p.name(), [])
                else:
                    values = palette(alg, p, d, numeric)
                trials += [(p.name(), label, {p.name(): value}) for label, value in values]
        for param, label, changes in trials:
            if f"{name}:{param}:{label}" in args.skip:
                print(f"{name:14} {param:22} {label:26} skipped", flush=True)
                continue
            out = fresh()
            params = params_with(out, changes)
            record = run_one(f"prospector:{name}", params, out, param_names, hang)
            runs += 1
            status = "ok" if record["ok"] else "refused"
            line = f"{name:14} {param:22} {label:26} {status:8} {record['seconds']:6.1f}s"
            if record["problems"]:
                line += "  FINDING: " + "; ".join(record["problems"]) + " | " + record["message"][:160]
                findings.append((name, param, label, "; ".join(record["problems"]), record["message"]))
            elif args.pairs:
                line += " | " + record["message"][:160]  # a pair's refusal is read too: does it name the cause?
            print(line, flush=True)
            if log:
                log.write(json.dumps({"alg": name, "param": param, "value": label, **record}) + "\n")
                log.flush()
            shutil.rmtree(out, ignore_errors=True)

    print(f"\n{runs} runs, {len(findings)} findings")
    print("| algorithm | parameter | value | finding | message |")
    print("|---|---|---|---|---|")
    for row in findings:
        print("| " + " | ".join(str(c).replace("|", "/")[:200] for c in row) + " |")
    shutil.rmtree(scratch, ignore_errors=True)
    del plugin
    return 0


if __name__ == "__main__":
    sys.exit(main())
