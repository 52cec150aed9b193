"""A graphical model built as the modeler saves one (.model3) chains interpolate → anomalies and evidence →
pseudolabel → traincnn → predict → evaluate with temporary outputs between the steps: its final outputs equal the
same steps run one by one (the map cell for cell, the evaluation table byte for byte)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from tests.error_cases import build

STEPS = {
    "interpolate": {"FIELDS": ["Cu", "Pb"], "PIXEL_SIZE": 250, "NEIGHBORS": 8},
    "anomalies": {"METHOD": 0, "MIN_CELLS": 2},
    "evidence": {"CLASS_FIELD": "rock"},
    "pseudolabel": {"POSITIVE_RADIUS": 600, "NEGATIVE_BUFFER": 1000, "BAGS": 5, "SEED": 1},
    "traincnn": {"PATCH_SIZE": 5, "EPOCHS": 1, "ENSEMBLE": 1, "BATCH_SIZE": 32, "SEED": 1, "DEVICE": "cpu",
                 "SEMI_SUPERVISED": False},
    "predict": {"DEVICE": "cpu", "MC_SAMPLES": 2},
    "evaluate": {"ITERATIONS": 20, "SEED": 1},
}  # fmt: skip


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return build(str(tmp_path_factory.mktemp("model_chain_inputs")))


def _chain_model(path: str):
    """The chain as a QgsProcessingModelAlgorithm written to ``path``; its outputs: the anomaly areas, the
    prospectivity map and the evaluation table (everything between the steps is a temporary output)."""
    from qgis.core import (
        QgsProcessing,
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelOutput,
        QgsProcessingModelParameter,
        QgsProcessingParameterFeatureSource,
    )
    from qgis.core import QgsProcessingModelChildParameterSource as Source

    model = QgsProcessingModelAlgorithm("chain", "tests")
    for name, kind in (
        ("samples", QgsProcessing.TypeVectorPoint),
        ("deposits", QgsProcessing.TypeVectorPoint),
        ("faults", QgsProcessing.TypeVectorLine),
        ("lithology", QgsProcessing.TypeVectorPolygon),
    ):
        model.addModelParameter(
            QgsProcessingParameterFeatureSource(name, name, [kind]), QgsProcessingModelParameter(name)
        )

    def step(alg: str, sources, output: str = "") -> None:
        child = QgsProcessingModelChildAlgorithm(f"prospector:{alg}")
        child.setChildId(alg)
        for key, value in STEPS[alg].items():
            child.addParameterSources(key, [Source.fromStaticValue(value)])
        for key, value in sources.items():
            child.addParameterSources(key, value if isinstance(value, list) else [value])
        if output:
            out = QgsProcessingModelOutput(output)
            out.setChildId(alg)
            out.setChildOutputName(output)
            child.setModelOutputs({output: out})
        model.addChildAlgorithm(child)

    stack = Source.fromChildOutput("evidence", "OUTPUT")
    grid = Source.fromChildOutput("interpolate", "OUTPUT")
    step("interpolate", {"INPUT": Source.fromModelParameter("samples")})
    step("anomalies", {"INPUT_RASTER": grid}, "OUTPUT_ANOMALIES")
    step(
        "evidence",
        {
            "REFERENCE_RASTER": grid,
            "LINES": [Source.fromModelParameter("faults")],
            "POLYGONS": Source.fromModelParameter("lithology"),
            "CONTINUOUS_RASTERS": [grid],
        },
    )
    step("pseudolabel", {"INPUT_RASTERS": [stack], "LABELS": Source.fromModelParameter("deposits")})
    step("traincnn", {"INPUT_RASTERS": [stack], "LABELS": Source.fromChildOutput("pseudolabel", "OUTPUT")})
    step("predict", {"INPUT_RASTERS": [stack], "MODEL": Source.fromChildOutput("traincnn", "OUTPUT_MODEL")}, "OUTPUT")
    step(
        "evaluate",
        {
            "INPUT_RASTER": Source.fromChildOutput("predict", "OUTPUT"),
            "DEPOSITS": Source.fromModelParameter("deposits"),
        },
        "OUTPUT_TABLE",
    )
    model.updateDestinationParameters()
    assert model.toFile(path)
    return path


def test_a_model_chain_gives_what_its_steps_give_one_by_one(data, run_algorithm, tmp_path):
    import geopandas as gpd
    import processing
    import rasterio
    from qgis.core import QgsProcessingModelAlgorithm

    model = QgsProcessingModelAlgorithm()
    assert model.fromFile(_chain_model(str(tmp_path / "chain.model3")))  # as the modeler reads a saved model
    inputs = {k: data[k] for k in ("samples", "deposits", "faults", "lithology")}
    chained = {
        "anomalies:OUTPUT_ANOMALIES": str(tmp_path / "chained_areas.gpkg"),
        "predict:OUTPUT": str(tmp_path / "chained_map.tif"),
        "evaluate:OUTPUT_TABLE": str(tmp_path / "chained_evaluation.csv"),
    }
    result = processing.run(model, {**inputs, **chained})
    children = result["CHILD_RESULTS"]
    for alg, key in (
        ("interpolate", "OUTPUT"),
        ("evidence", "OUTPUT"),
        ("pseudolabel", "OUTPUT"),
        ("traincnn", "OUTPUT_MODEL"),
    ):
        between = str(children[alg][key])  # a temporary output, in QGIS's processing folder, read by the next step
        assert os.path.isfile(between) and not between.startswith(str(tmp_path)), (alg, between)

    from geochem_prospector.core.learning.estimator import PatchCNN

    # the files between the steps are named for their output parameter (OUTPUT.tif): the bands are named for what
    # the steps made ('evidence:elements:Cu'), not 'OUTPUT:OUTPUT:Cu' as before
    chained_bands = PatchCNN.load(str(children["traincnn"]["OUTPUT_MODEL"])).band_names_
    assert os.path.basename(str(children["evidence"]["OUTPUT"])) == "OUTPUT.tif"
    assert {"evidence:elements:Cu", "evidence:elements:Pb"} <= set(chained_bands), chained_bands
    assert not [name for name in chained_bands if "OUTPUT" in name], chained_bands

    def path(name: str) -> str:
        return str(tmp_path / name)

    def run(alg: str, params) -> None:
        run_algorithm(f"prospector:{alg}", {**STEPS[alg], **params})

    run("interpolate", {"INPUT": data["samples"], "OUTPUT": path("grid.tif")})
    run("anomalies", {"INPUT_RASTER": path("grid.tif"), "OUTPUT": path("classes.tif"),
                      "OUTPUT_CONTOURS": path("contours.gpkg"), "OUTPUT_ANOMALIES": path("areas.gpkg")})  # fmt: skip
    run("evidence", {"REFERENCE_RASTER": path("grid.tif"), "LINES": [data["faults"]], "POLYGONS": data["lithology"],
                     "CONTINUOUS_RASTERS": [path("grid.tif")], "OUTPUT": path("stack.tif")})  # fmt: skip
    run("pseudolabel", {"INPUT_RASTERS": [path("stack.tif")], "LABELS": data["deposits"], "OUTPUT": path("labels.tif"),
                        "OUTPUT_CONFIDENCE": path("confidence.tif")})  # fmt: skip
    run("traincnn", {"INPUT_RASTERS": [path("stack.tif")], "LABELS": path("labels.tif"),
                     "OUTPUT_MODEL": path("model.pt"), "OUTPUT_REPORT": path("model.html")})  # fmt: skip
    run("predict", {"INPUT_RASTERS": [path("stack.tif")], "MODEL": path("model.pt"), "OUTPUT": path("map.tif")})
    run("evaluate", {"INPUT_RASTER": path("map.tif"), "DEPOSITS": data["deposits"],
                     "OUTPUT_TABLE": path("evaluation.csv"), "OUTPUT_REPORT": path("evaluation.html")})  # fmt: skip

    # one by one, the user's own file names name the bands, as before
    assert {"stack:grid:Cu", "stack:grid:Pb"} <= set(PatchCNN.load(path("model.pt")).band_names_)
    with rasterio.open(chained["predict:OUTPUT"]) as a, rasterio.open(path("map.tif")) as b:
        assert a.read(1).size > 1000 and np.array_equal(a.read(1), b.read(1))
    with open(chained["evaluate:OUTPUT_TABLE"], "rb") as a, open(path("evaluation.csv"), "rb") as b:
        assert a.read() == b.read()
    assert children["evaluate"]["DEPOSITS_USED"] == 3 and 0.5 < children["evaluate"]["AUC"] <= 1.0
    chained_areas, areas = gpd.read_file(chained["anomalies:OUTPUT_ANOMALIES"]), gpd.read_file(path("areas.gpkg"))
    assert len(chained_areas) == len(areas) > 0
    assert np.allclose(sorted(chained_areas.geometry.area), sorted(areas.geometry.area))
