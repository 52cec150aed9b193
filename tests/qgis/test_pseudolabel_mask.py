"""pseudolabel with a MASK (sweep 21b): the MASK is read (and its geometry type checked) once, for the memory
estimate and the run alike, and every method's estimate counts what it labels inside the MASK only."""

import os

import pytest

from tests.error_cases import X0, Y0, _points, _sweep18c_inputs, _sweep20a_inputs


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    """The error matrix's national grid (6,000 x 5,000 cells of 150 m, all nodata in a few kilobytes), its 10 km
    study area in the south-west corner, and two deposits inside it."""
    folder = str(tmp_path_factory.mktemp("national"))
    paths = {**_sweep18c_inputs(folder), **_sweep20a_inputs(folder)}
    xy = [(X0 + 5000, Y0 + 5000), (X0 + 7000, Y0 + 4000)]
    paths["deposits"] = _points(os.path.join(folder, "deposits.gpkg"), xy, {"name": ["a", "b"]})
    return paths


@pytest.mark.parametrize("method", [0, 2], ids=["PU bagging", "self-training"])
def test_a_small_mask_is_not_refused_for_memory_where_the_whole_grid_is(
    national, run_algorithm, monkeypatch, tmp_path, method
):
    """With memory for under the whole grid's estimate (64 bytes a cell: 16 x bands + 48, one band, 30 M cells)
    but over the MASK's (21 bytes a cell for the rasters read whole, the rest for the 4,715 cells the MASK may
    keep), the run without a MASK is refused for memory and the run with it is not: it reads the rasters and stops
    at their nodata (before sweep 21b both were refused)."""
    from qgis.core import QgsProcessingException

    from geochem_prospector.core import grid as core_grid
    from geochem_prospector.core.labels.pseudolabel import METHODS, memory_needed

    whole = memory_needed(METHODS[method], 1, 10, 6000 * 5000)
    monkeypatch.setattr(core_grid, "available_memory", lambda: int(0.9 * whole / 0.8))  # refused above 80 %
    params = {
        "INPUT_RASTERS": [national["national"]],
        "LABELS": national["deposits"],
        "METHOD": method,
        "OUTPUT": str(tmp_path / "labels.tif"),
        "OUTPUT_CONFIDENCE": str(tmp_path / "confidence.tif"),
    }
    with pytest.raises(QgsProcessingException, match=r"^INPUT_RASTERS: pseudo-labelling these rasters .* needs about"):
        run_algorithm("prospector:pseudolabel", params)
    with pytest.raises(QgsProcessingException) as refused:
        run_algorithm("prospector:pseudolabel", {**params, "MASK": national["national_study_area"]})
    assert "needs about" not in str(refused.value)
    assert str(refused.value).startswith("INPUT_RASTERS: band(s)"), str(refused.value)  # all nodata


@pytest.mark.parametrize("method", [0, 1, 2], ids=["PU bagging", "label spreading", "self-training"])
def test_the_mask_is_read_once(data, run_algorithm, monkeypatch, tmp_path, method):
    """Label spreading read the MASK's features and checked their geometry type twice, once for its memory
    estimate and once to rasterize them; every method now reads them once, for both."""
    import geopandas as gpd
    from shapely.geometry import Point, box

    from geochem_prospector.algorithms import geometries, pseudolabel
    from tests.qgis.synthetic import CRS, GRID

    reads, checks = [], []
    read, check = geometries.shapely_geometries, geometries.require_mask_polygons

    def counted_read(source, crs, context, parameter, *args, **kwargs):
        reads.append(parameter)
        return read(source, crs, context, parameter, *args, **kwargs)

    def counted_check(source, parameter="MASK"):
        checks.append(parameter)
        return check(source, parameter)

    for module in (geometries, pseudolabel):
        monkeypatch.setattr(module, "shapely_geometries", counted_read, raising=False)
        monkeypatch.setattr(module, "require_mask_polygons", counted_check, raising=False)
    x0, y1 = GRID.xmin, GRID.ymax
    area = box(x0 + 300, y1 - 3000, x0 + 3300, y1 - 300)
    mask = str(tmp_path / "area.gpkg")
    gpd.GeoDataFrame({"id": [1]}, geometry=[area], crs=CRS).to_file(mask, driver="GPKG")
    deposits = str(tmp_path / "deposits.gpkg")
    points = [Point(x0 + 1050, y1 - 1050), Point(x0 + 2550, y1 - 2150)]
    gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=points, crs=CRS).to_file(deposits, driver="GPKG")
    result = run_algorithm(
        "prospector:pseudolabel",
        {
            "INPUT_RASTERS": [str(data / "elements.tif")],
            "LABELS": deposits,
            "MASK": mask,
            "METHOD": method,
            "POSITIVE_RADIUS": 150,
            "NEGATIVE_BUFFER": 500,
            "BAGS": 5,
            "OUTPUT": str(tmp_path / "labels.tif"),
            "OUTPUT_CONFIDENCE": str(tmp_path / "confidence.tif"),
        },
    )
    assert os.path.isfile(result["OUTPUT"])
    assert reads.count("MASK") == 1 and checks.count("MASK") == 1, (reads, checks)
