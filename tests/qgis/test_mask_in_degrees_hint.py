"""A study-area outline in degrees given a projected CRS misses the grid (sweep 31a: the outline in EPSG:4326,
assigned EPSG:25829, on samples in UTM 29N). The refusal said only "check that the layers overlap"; it now says
where the polygons and the grid lie (checked against geopandas' bounds of the file) and that the polygons' numbers
look like degrees. A mask elsewhere in metres gets the places, not the degrees hint."""

import re

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box


@pytest.fixture
def survey(tmp_path):
    rng = np.random.default_rng(31)
    x, y = 600_000 + rng.uniform(0, 20_000, 40), 4_150_000 + rng.uniform(0, 20_000, 40)
    samples = gpd.GeoDataFrame({"Cu": rng.lognormal(3, 0.5, 40)}, geometry=[Point(a, b) for a, b in zip(x, y)])
    samples.set_crs("EPSG:32629").to_file(tmp_path / "samples.gpkg", driver="GPKG")
    outline = box(-7.86, 37.49, -7.53, 37.70)  # the area in degrees, with the samples' UTM CRS assigned
    gpd.GeoDataFrame(geometry=[outline], crs="EPSG:32629").to_file(tmp_path / "mask_degrees.gpkg", driver="GPKG")
    gpd.GeoDataFrame(geometry=[box(700_000, 4_300_000, 710_000, 4_310_000)], crs="EPSG:32629").to_file(
        tmp_path / "mask_elsewhere.gpkg", driver="GPKG"
    )
    return tmp_path


def _refusal(run_algorithm, algorithm, parameters):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException) as refused:
        run_algorithm(algorithm, parameters)
    return str(refused.value)


def _interpolate(run_algorithm, survey, mask):
    parameters = {"INPUT": str(survey / "samples.gpkg"), "FIELDS": ["Cu"], "PIXEL_SIZE": 500}
    parameters.update(MASK=str(survey / f"{mask}.gpkg"), OUTPUT=str(survey / "cu.tif"))
    return _refusal(run_algorithm, "prospector:interpolate", parameters)


def _numbers(text):
    return [float(v.replace(",", "")) for v in re.findall(r"-?[\d,]+\.?\d*", text)]


def test_mask_in_degrees_is_said_to_be_in_degrees(run_algorithm, survey):
    bounds = gpd.read_file(survey / "mask_degrees.gpkg").total_bounds
    message = _interpolate(run_algorithm, survey, "mask_degrees")
    assert message.startswith("MASK: the mask polygons do not cover any cell of the grid")
    placed = re.search(r"they lie at x (.+?) to (.+?), y (.+?) to (.+?);", message)
    assert placed, message
    assert np.allclose(_numbers(" ".join(placed.groups())), [bounds[0], bounds[2], bounds[1], bounds[3]], atol=1e-3)
    assert "look like longitudes and latitudes in degrees" in message and "Assign Projection" in message
    assert not (survey / "cu.tif").exists()


def test_mask_elsewhere_in_metres_gets_places_but_no_degrees_hint(run_algorithm, survey):
    message = _interpolate(run_algorithm, survey, "mask_elsewhere")
    assert "they lie at x 700,000 to 710,000, y 4,300,000 to 4,310,000" in message
    assert "degrees" not in message


def test_evidence_says_the_same(run_algorithm, survey):
    message = _refusal(
        run_algorithm,
        "prospector:evidence",
        {
            "EXTENT": "600000,620000,4150000,4170000 [EPSG:32629]",
            "PIXEL_SIZE": 500,
            "CRS": "EPSG:32629",
            "MASK": str(survey / "mask_degrees.gpkg"),
            "POINTS": [str(survey / "samples.gpkg")],
            "OUTPUT": str(survey / "evidence.tif"),
            "OUTPUT_TABLE": str(survey / "bands.csv"),
        },
    )
    assert message.startswith("MASK: the mask polygons do not cover the centre of any cell")
    assert "look like longitudes and latitudes in degrees" in message


def test_an_invalid_mask_elsewhere_is_refused_with_its_places_not_a_traceback(run_algorithm, survey):
    """A bow-tie and two overlapping parts, away from the grid: the places came from a union of the polygons, which
    GEOS refuses for a bow-tie, so the refusal became "Unexpected error" (review 33). The places are the polygons'
    own bounds, as geopandas gives them."""
    from shapely.geometry import Polygon

    bow_tie = Polygon([(700_000, 4_300_000), (710_000, 4_310_000), (710_000, 4_300_000), (700_000, 4_310_000)])
    parts = [bow_tie, box(705_000, 4_305_000, 712_000, 4_312_000), box(706_000, 4_306_000, 711_000, 4_311_000)]
    frame = gpd.GeoDataFrame(geometry=parts, crs="EPSG:32629")
    assert not frame.is_valid.all()
    frame.to_file(survey / "mask_invalid.gpkg", driver="GPKG")
    message = _interpolate(run_algorithm, survey, "mask_invalid")
    assert message.startswith("MASK: the mask polygons do not cover any cell of the grid"), message
    xmin, ymin, xmax, ymax = frame.total_bounds
    assert f"they lie at x {xmin:,.0f} to {xmax:,.0f}, y {ymin:,.0f} to {ymax:,.0f}" in message
