"""prospector:evaluate through qgis_process.bin on the bundled sample data, checked against scikit-learn."""

import csv
import os

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from sklearn.metrics import roc_auc_score

from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.interpolation.idw import idw_grid
from geochem_prospector.core.io.rasters import rasterize_mask, write_geotiff

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(REPO, "resources", "sample_data")


@pytest.fixture(scope="module")
def cu_raster(tmp_path_factory):
    """Till Cu interpolated (IDW, log) on 1 km cells over the study area; nodata outside it."""
    till = gpd.read_file(os.path.join(SAMPLES, "till_geochemistry.gpkg"))
    area = gpd.read_file(os.path.join(SAMPLES, "study_area.gpkg"))
    grid = GridSpec.from_extent(*area.total_bounds, pixel_size=1000.0, crs_wkt=till.crs.to_wkt())
    mask = rasterize_mask(list(area.geometry), grid)
    xy = np.column_stack([till.geometry.x, till.geometry.y])
    cu = idw_grid(xy, till["Cu"].to_numpy(float), grid, mask=mask, log_transform=True)
    return write_geotiff(str(tmp_path_factory.mktemp("evaluate") / "cu.tif"), cu, grid, ["Cu"])


def test_evaluate_sample_data_headless(qgis_process, cu_raster, tmp_path):
    report, table = tmp_path / "evaluation.html", tmp_path / "evaluation.csv"
    code, result, log = qgis_process(
        "prospector:evaluate",
        {
            "INPUT_RASTER": cu_raster,
            "DEPOSITS": os.path.join(SAMPLES, "deposits.gpkg"),
            "NAME_FIELD": "Name",
            "ITERATIONS": 500,
            "OUTPUT_REPORT": str(report),
            "OUTPUT_TABLE": str(table),
        },
    )
    assert code == 0, log
    out = result["results"]
    # the 9 deposits outside the study area fall on nodata or off the raster, and are reported
    deposits = gpd.read_file(os.path.join(SAMPLES, "deposits.gpkg"))
    assert out["DEPOSITS_USED"] == deposits["in_study_area"].sum() == 17
    assert out["DEPOSITS_SKIPPED"] == 9
    # independent reference: sample the raster with rasterio, AUC with scikit-learn
    with rasterio.open(cu_raster) as src:
        band = src.read(1, masked=True)
        rows, cols = zip(*(src.index(x, y) for x, y in zip(deposits.geometry.x, deposits.geometry.y)))
    rows, cols = np.array(rows), np.array(cols)
    inside = (rows >= 0) & (rows < band.shape[0]) & (cols >= 0) & (cols < band.shape[1])
    values = band[rows[inside], cols[inside]].compressed()
    background = band.compressed()
    expected = roc_auc_score(np.r_[np.ones(values.size), np.zeros(background.size)], np.r_[values, background])
    assert values.size == 17
    assert out["AUC"] == pytest.approx(expected, abs=1e-9)
    assert out["AUC_LOW"] <= out["AUC"] <= out["AUC_HIGH"]
    assert 0 <= out["CAPTURE_1"] <= out["CAPTURE_5"] <= out["CAPTURE_10"] <= out["CAPTURE_20"] <= 100
    assert out["OUTPUT_REPORT"] == str(report) and "<svg" in report.read_text(encoding="utf-8")
    with open(table, newline="", encoding="utf-8") as handle:
        rows_by_name = {r["name"]: r for r in csv.DictReader(handle) if r["kind"] == "deposit"}
    outside = set(deposits.loc[~deposits["in_study_area"], "Name"])
    assert {name for name, r in rows_by_name.items() if r["status"] != "used"} == outside


def test_bad_band_headless_is_a_clear_error(qgis_process, cu_raster, tmp_path):
    report = tmp_path / "r.html"
    code, _, log = qgis_process(
        "prospector:evaluate",
        {
            "INPUT_RASTER": cu_raster,
            "BAND": 4,
            "DEPOSITS": os.path.join(SAMPLES, "deposits.gpkg"),
            "OUTPUT_REPORT": str(report),
            "OUTPUT_TABLE": str(tmp_path / "t.csv"),
        },
    )
    assert code != 0
    assert "BAND: band 4 does not exist" in log and "Traceback" not in log
    assert not report.exists()
