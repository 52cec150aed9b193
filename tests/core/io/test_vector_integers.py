"""Whole-number columns of vector outputs as GDAL writes and exports them (sweep 14b)."""

import numpy as np
import pandas as pd
import pytest

from geochem_prospector.core.io.vectors import write_vector

ogr = pytest.importorskip("osgeo.ogr", reason="GDAL's Python bindings read the fields back")
gdal = pytest.importorskip("osgeo.gdal")


def _field_types(path: str) -> dict:
    dataset = ogr.Open(path)  # kept while its layer is read
    definition = dataset.GetLayer(0).GetLayerDefn()
    return {
        definition.GetFieldDefn(i).GetName(): ogr.GetFieldTypeName(definition.GetFieldDefn(i).GetType())
        for i in range(definition.GetFieldCount())
    }


def test_whole_numbers_are_32_bit_integers_where_they_fit(tmp_path):
    """A rank or a cell count is a 32-bit integer field (OGR's Integer), in the GeoPackage and in a Shapefile made
    from it with GDAL's VectorTranslate (ogr2ogr); a value beyond 32 bits keeps its column 64-bit; NULLs stay NULL;
    real numbers stay real."""
    import geopandas as gpd

    frame = gpd.GeoDataFrame(
        {
            "rank": np.array([1, 2, 3], dtype=np.int64),
            "lab_no": pd.array([26000, None, 26002], dtype="Int64"),
            "big": np.array([1, 2**40, 3], dtype=np.int64),
            "score": [0.5, 1.0, 0.25],
        },
        geometry=gpd.points_from_xy([0.0, 1.0, 2.0], [0.0, 1.0, 2.0]),
        crs="EPSG:3067",
    )
    path = write_vector(str(tmp_path / "areas.gpkg"), frame, "areas")
    assert _field_types(path) == {"rank": "Integer", "lab_no": "Integer", "big": "Integer64", "score": "Real"}
    shapefile = str(tmp_path / "areas.shp")
    gdal.VectorTranslate(shapefile, path, format="ESRI Shapefile")
    assert _field_types(shapefile)["rank"] == "Integer" and _field_types(shapefile)["score"] == "Real"
    back = gpd.read_file(path)
    assert back["rank"].tolist() == [1, 2, 3] and back["big"].tolist() == [1, 2**40, 3]
    assert back["lab_no"].isna().tolist() == [False, True, False]


def test_an_empty_frame_is_written_as_before(tmp_path):
    """No rows: geopandas's own schema (nothing to infer a geometry type from) still writes the layer."""
    import geopandas as gpd

    frame = gpd.GeoDataFrame({"rank": np.array([], dtype=np.int64)}, geometry=[], crs="EPSG:3067")
    path = write_vector(str(tmp_path / "none.gpkg"), frame, "none")
    assert "rank" in _field_types(path)
