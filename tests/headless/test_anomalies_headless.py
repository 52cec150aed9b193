"""prospector:anomalies through qgis_process.bin, with the C-A method, as a user runs it headless."""

import os

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio

from geochem_prospector.core.grid import GridSpec, padded_extent
from geochem_prospector.core.interpolation.idw import idw_grid
from geochem_prospector.core.io.rasters import rasterize_mask, write_geotiff
from tests.conftest import SAMPLE_DATA as SAMPLES

ELEMENTS = ["Cu", "Ni", "Th", "La"]


@pytest.fixture(scope="module")
def raster(tmp_path_factory):
    """elements.tif: the sample till's Cu, Ni, Th and La by IDW (log values, 1 km cells, the study area), written
    once for the module's tests, which only read it."""
    path = str(tmp_path_factory.mktemp("anomalies") / "elements.tif")
    till = gpd.read_file(os.path.join(SAMPLES, "till_geochemistry.gpkg"))
    area = gpd.read_file(os.path.join(SAMPLES, "study_area.gpkg"))
    xy = np.column_stack([till.geometry.x, till.geometry.y])
    grid = GridSpec.from_extent(*padded_extent(*xy.min(0), *xy.max(0)), pixel_size=1000.0, crs_wkt=till.crs.to_wkt())
    mask = rasterize_mask(list(area.geometry), grid)
    values = till[ELEMENTS].to_numpy(float)
    values[values <= 0] = np.nan  # below detection: left out here
    bands = idw_grid(xy, values, grid, log_transform=True, mask=mask)
    write_geotiff(path, bands, grid, ELEMENTS)
    return path


def output_paths(tmp_path):
    return {
        "OUTPUT": str(tmp_path / "classes.tif"),
        "OUTPUT_CONTOURS": str(tmp_path / "contours.gpkg"),
        "OUTPUT_ANOMALIES": str(tmp_path / "anomalies.gpkg"),
        "OUTPUT_TABLE": str(tmp_path / "thresholds.csv"),
    }


def test_anomalies_runs_headless(qgis_process, raster, tmp_path):
    outputs = output_paths(tmp_path)
    code, result, log = qgis_process(
        "prospector:anomalies",
        {
            "INPUT_RASTER": raster,
            "METHOD": 1,  # C-A fractal, breaks chosen by BIC
            "ASSOCIATION": "Th,La",
            "DEPOSITS": os.path.join(SAMPLES, "deposits.gpkg"),
            **outputs,
        },
    )
    assert code == 0, log
    for key, path in outputs.items():
        assert result["results"][key] == path and os.path.exists(path)
    with rasterio.open(outputs["OUTPUT"]) as src:
        assert src.descriptions == (*ELEMENTS, "index") and src.crs.to_epsg() == 3067
    table = pd.read_csv(outputs["OUTPUT_TABLE"])
    assert table["weak"].notna().all() and table["detail"].str.contains("BIC").all()
    anomalies = gpd.read_file(outputs["OUTPUT_ANOMALIES"])
    assert len(anomalies) > 0 and anomalies["rank"].min() == 1


def test_bad_association_gives_clear_error(qgis_process, raster, tmp_path):
    out = tmp_path / "classes.tif"
    code, _, log = qgis_process(
        "prospector:anomalies",
        {
            "INPUT_RASTER": raster,
            "ASSOCIATION": "Au,Ag",
            "OUTPUT": str(out),
            "OUTPUT_CONTOURS": str(tmp_path / "c.gpkg"),
            "OUTPUT_ANOMALIES": str(tmp_path / "a.gpkg"),
        },
    )
    assert code != 0
    assert "ASSOCIATION" in log and "Traceback" not in log
    assert not out.exists()


def test_band_choosers_headless(qgis_process, raster, tmp_path):
    """The band choosers as a command line gives them: the key repeated (ELEMENT_BANDS=1 ELEMENT_BANDS=3 ...)."""
    outputs = output_paths(tmp_path)
    code, _, log = qgis_process(
        "prospector:anomalies",
        {"INPUT_RASTER": raster, "ELEMENT_BANDS": [1, 3, 4], "ASSOCIATION_BANDS": [3, 4], **outputs},
    )
    assert code == 0, log
    with rasterio.open(outputs["OUTPUT"]) as src:
        assert src.descriptions == ("Cu", "Th", "La", "index")
    with rasterio.open(raster) as src:
        th = src.read(3, masked=True).compressed()
    table = pd.read_csv(outputs["OUTPUT_TABLE"])
    assert np.allclose(table.iloc[1][["weak", "moderate", "strong"]].astype(float), np.percentile(th, [85, 95, 98]))
    assert "index" in table["element"].iloc[-1] and "Th 0." in table["detail"].iloc[-1]
