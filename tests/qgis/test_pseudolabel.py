"""prospector:pseudolabel in-process: sample data in, styled label + confidence rasters and a summary out."""

import json
import os

import numpy as np
import pytest
import rasterio

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(REPO, "resources", "sample_data")


@pytest.fixture(scope="module")
def till_raster(tmp_path_factory):
    """Cu and La till rasters (1 km) built with the core IDW, as prospector:interpolate would."""
    import geopandas as gpd

    from geochem_prospector.core.grid import GridSpec
    from geochem_prospector.core.interpolation.idw import idw_grid
    from geochem_prospector.core.io.rasters import write_geotiff

    till = gpd.read_file(os.path.join(SAMPLES, "till_geochemistry.gpkg"))
    area = gpd.read_file(os.path.join(SAMPLES, "study_area.gpkg"))
    grid = GridSpec.from_extent(*area.total_bounds, pixel_size=1000.0, crs_wkt=till.crs.to_wkt())
    xy = np.column_stack([till.geometry.x, till.geometry.y])
    values = np.column_stack([till[e].astype(float) for e in ("Cu", "La")])
    folder = tmp_path_factory.mktemp("till")
    path = str(folder / "till.tif")
    write_geotiff(path, idw_grid(xy, values, grid), grid, ["Cu", "La"])
    return path


@pytest.fixture(scope="module")
def magnetics(tmp_path_factory):
    """A copy of the bundled magnetics: QGIS writes .aux.xml statistics beside rasters it opens."""
    import shutil

    return shutil.copy(os.path.join(SAMPLES, "magnetics_tmi_nT.tif"), tmp_path_factory.mktemp("mag"))


def test_pu_bagging_on_sample_data(run_algorithm, till_raster, magnetics, tmp_path):
    out, conf, summary = tmp_path / "labels.tif", tmp_path / "conf.tif", tmp_path / "summary.json"
    result = run_algorithm(
        "prospector:pseudolabel",
        {
            "INPUT_RASTERS": [till_raster, magnetics],
            "LABELS": os.path.join(SAMPLES, "deposits.gpkg"),
            "MASK": os.path.join(SAMPLES, "study_area.gpkg"),
            "METHOD": 0,
            "POSITIVE_RADIUS": 1000,
            "NEGATIVE_BUFFER": 3000,
            "CONFIDENCE": 0.9,
            "SEED": 3,
            "OUTPUT": str(out),
            "OUTPUT_CONFIDENCE": str(conf),
            "OUTPUT_SUMMARY": str(summary),
        },
    )
    assert result["OUTPUT"] == str(out) and result["OUTPUT_SUMMARY"] == str(summary)
    with rasterio.open(out) as src:
        assert src.dtypes[0] == "uint8" and src.nodata == 255 and src.res == (1000.0, 1000.0)
        labels = src.read(1)
        assert "GEOCHEM_PROSPECTOR_PROVENANCE" in src.tags()
    with rasterio.open(conf) as src:
        confidence = src.read(1, masked=True)
    assert set(np.unique(labels)) == {0, 1, 255}
    assert confidence.min() >= 0 and confidence.max() <= 1
    assert (confidence[labels != 255] >= 0.9).all()
    record = json.loads(summary.read_text())
    counts = {r["class_id"]: r["total"] for r in record["classes"]}
    assert counts == {0: int((labels == 0).sum()), 1: int((labels == 1).sum())}  # summary agrees with the raster
    assert record["valid_cells"] == int((~confidence.mask).sum())
    assert any("outside the grid" in w for w in record["warnings"])  # 9 of the 26 deposits lie outside the mask


def test_class_field_with_label_spreading(run_algorithm, till_raster, tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    deposits = gpd.read_file(os.path.join(SAMPLES, "deposits.gpkg"))
    deposits = deposits[deposits["in_study_area"].astype(bool)]
    barren = [Point(395000, 7470000), Point(405000, 7530000)]  # far from every deposit
    points = gpd.GeoDataFrame(
        {"kind": ["mineralised"] * len(deposits) + ["barren"] * 2},
        geometry=list(deposits.geometry) + barren,
        crs=deposits.crs,
    )
    labels_path = str(tmp_path / "labels_in.gpkg")
    points.to_file(labels_path, driver="GPKG")
    out = tmp_path / "labels.tif"
    run_algorithm(
        "prospector:pseudolabel",
        {
            "INPUT_RASTERS": [till_raster],
            "LABELS": labels_path,
            "LABEL_FIELD": "kind",
            "METHOD": 1,
            "NEGATIVE_BUFFER": 2000,
            "CONFIDENCE": 0.7,
            "OUTPUT": str(out),
            "OUTPUT_CONFIDENCE": str(tmp_path / "conf.tif"),
            "OUTPUT_SUMMARY": str(tmp_path / "summary.csv"),
        },
    )
    with rasterio.open(out) as src:
        labels = src.read(1)
    assert {0, 1} <= set(np.unique(labels)) <= {0, 1, 255}
    assert "mineralised" in (tmp_path / "summary.csv").read_text()


def test_labels_outside_the_rasters_give_a_clear_error(run_algorithm, till_raster, tmp_path):
    import geopandas as gpd
    from qgis.core import QgsProcessingException
    from shapely.geometry import Point

    far = str(tmp_path / "far.gpkg")
    gpd.GeoDataFrame({"id": [1]}, geometry=[Point(100000, 6700000)], crs="EPSG:3067").to_file(far, driver="GPKG")
    out = tmp_path / "labels.tif"
    with pytest.raises(QgsProcessingException, match="LABELS"):
        run_algorithm(
            "prospector:pseudolabel",
            {
                "INPUT_RASTERS": [till_raster],
                "LABELS": far,
                "OUTPUT": str(out),
                "OUTPUT_CONFIDENCE": "TEMPORARY_OUTPUT",
            },
        )
    assert not out.exists()


def test_cancel_leaves_no_output(run_algorithm, till_raster, tmp_path):
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    class CancelOnProgress(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.progressChanged.connect(lambda value: value > 5 and self.cancel())

    out, conf = tmp_path / "labels.tif", tmp_path / "conf.tif"
    with pytest.raises(QgsProcessingException, match="Cancelled"):
        run_algorithm(
            "prospector:pseudolabel",
            {
                "INPUT_RASTERS": [till_raster],
                "LABELS": os.path.join(SAMPLES, "deposits.gpkg"),
                "BAGS": 200,
                "OUTPUT": str(out),
                "OUTPUT_CONFIDENCE": str(conf),
            },
            feedback=CancelOnProgress(),
        )
    assert not out.exists() and not conf.exists() and not list(tmp_path.iterdir())
