"""trainmodel and traincnn given a layer of known deposits as LABELS and no LABEL_FIELD (sweep 31a: what a user has
first) were told only that point labels need a class field; the refusal now says where labels come from."""

import geopandas as gpd
import pytest
from shapely.geometry import Point

from tests.qgis.synthetic import GRID, training_parameters


@pytest.mark.parametrize("algorithm", ["prospector:trainmodel", "prospector:traincnn"])
def test_deposits_without_class_field_are_sent_to_pseudolabel(run_algorithm, data, tmp_path, algorithm):
    from qgis.core import QgsProcessingException

    deposits = str(tmp_path / "deposits.gpkg")
    points = [Point(GRID.xmin + 550 + 700 * i, GRID.ymax - 950 - 400 * i) for i in range(4)]
    gpd.GeoDataFrame({"name": list("abcd")}, geometry=points, crs="EPSG:3067").to_file(deposits, driver="GPKG")
    with pytest.raises(QgsProcessingException) as refused:
        run_algorithm(algorithm, training_parameters(data, tmp_path, LABELS=deposits))
    message = str(refused.value)
    assert message.startswith("LABEL_FIELD: point labels need the field holding the class")
    assert "prospector:pseudolabel" in message and "prospector:comparemodels" in message
    assert not (tmp_path / "model.pt").exists()
