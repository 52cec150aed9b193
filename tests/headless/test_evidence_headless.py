"""prospector:evidence through qgis_process.bin on the bundled data, as a user runs it headless; a refusal's
message reaches the command line."""

import os
import shutil

import numpy as np
import rasterio

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(REPO, "resources", "sample_data")


def test_evidence_runs_headless(qgis_process, tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point
    from shapely.ops import unary_union

    magnetics = shutil.copy(os.path.join(SAMPLES, "magnetics_tmi_nT.tif"), tmp_path)
    outputs = {"OUTPUT": str(tmp_path / "evidence.tif"), "OUTPUT_TABLE": str(tmp_path / "bands.csv")}
    code, result, log = qgis_process(
        "prospector:evidence",
        {
            "REFERENCE_RASTER": magnetics,
            "LINES": os.path.join(SAMPLES, "faults.gpkg"),
            "POLYGONS": os.path.join(SAMPLES, "lithology.gpkg"),
            "CLASS_FIELD": "GENERALI_1",
            "CLASSES": "Granit",
            "CONTINUOUS_RASTERS": magnetics,
            "MASK": os.path.join(SAMPLES, "study_area.gpkg"),
            **outputs,
        },
    )
    assert code == 0, log
    for key, path in outputs.items():
        assert result["results"][key] == path and os.path.exists(path)
    with rasterio.open(outputs["OUTPUT"]) as src:
        assert src.descriptions == (
            "faults:distance_m", "lithology:Granit", "lithology:contact_distance_m", "magnetics_tmi_nT:band 1",
        )  # fmt: skip
        assert src.units[:3] == ("m", "1", "m")
        distance = src.read(1, masked=True)
        transform = src.transform
    # distance to faults at a few cells: shapely's
    faults = unary_union(list(gpd.read_file(os.path.join(SAMPLES, "faults.gpkg")).geometry))
    rows, cols = np.nonzero(~distance.mask)
    for r, c in list(zip(rows, cols))[:: max(1, len(rows) // 40)]:
        x, y = transform * (c + 0.5, r + 0.5)
        assert abs(float(distance[r, c]) - faults.distance(Point(x, y))) <= 0.01


def test_refusal_reaches_the_command_line(qgis_process, tmp_path):
    code, _, log = qgis_process(
        "prospector:evidence",
        {
            "POLYGONS": os.path.join(SAMPLES, "lithology.gpkg"),
            "CLASS_FIELD": "ROCK_ASS_1",
            "PIXEL_SIZE": 1000,
            "OUTPUT": str(tmp_path / "evidence.tif"),
        },
    )
    assert code != 0
    assert "CLASSES: field 'ROCK_ASS_1' has 23 different values" in log and "Traceback" not in log
    assert not os.listdir(tmp_path)
