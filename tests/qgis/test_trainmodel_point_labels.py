"""prospector:trainmodel with point labels (a point layer and its class field), in-process.

They stopped working when traincnn's point reading moved into its own method (#20): trainmodel borrowed
``_labels`` but not the method it calls, so every point-label run ended in "Unexpected error … AttributeError".
The reference is the label raster: points placed at its labelled cells, in another CRS (EPSG:4326), must train
the same model as the raster itself.
"""

import numpy as np
import rasterio

from geochem_prospector.core.learning.classic_file import read_classic
from tests.qgis.synthetic import GRID


def test_point_labels_in_another_crs_train_the_model_of_the_label_raster(run_algorithm, data, tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    with rasterio.open(data / "labels.tif") as src:
        labels = src.read(1, masked=True)
    rows, cols = np.nonzero(~labels.mask)
    centres = [Point(GRID.xmin + (c + 0.5) * 100, GRID.ymax - (r + 0.5) * 100) for r, c in zip(rows, cols)]
    points = gpd.GeoDataFrame({"cls": labels[rows, cols].astype(int)}, geometry=centres, crs="EPSG:3067")
    points.to_crs("EPSG:4326").to_file(tmp_path / "points.gpkg", driver="GPKG")
    common = {"INPUT_RASTERS": [str(data / "elements.tif"), str(data / "mag.tif")], "METHOD": 2, "SEED": 1}
    files = {}
    for name, labels_given in (
        ("raster", {"LABELS": str(data / "labels.tif")}),
        ("points", {"LABELS": str(tmp_path / "points.gpkg"), "LABEL_FIELD": "cls"}),
    ):
        result = run_algorithm(
            "prospector:trainmodel",
            {**common, **labels_given, "OUTPUT_MODEL": str(tmp_path / f"{name}.pt"),
             "OUTPUT_REPORT": str(tmp_path / f"{name}.html")},
        )  # fmt: skip
        files[name] = read_classic(result["OUTPUT_MODEL"])
    (raster_meta, raster_arrays), (points_meta, points_arrays) = files["raster"], files["points"]
    assert points_meta["training"] == raster_meta["training"]
    assert raster_meta["training"]["mineralised_cells"] > 0 and raster_meta["training"]["barren_cells"] > 0
    assert sorted(points_arrays) == sorted(raster_arrays)
    for key, array in raster_arrays.items():
        assert np.array_equal(points_arrays[key], array), key
