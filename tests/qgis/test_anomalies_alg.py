"""prospector:anomalies in-process: every output written, thresholds as computed independently, styles."""

import os

import numpy as np
import pandas as pd
import pytest
import rasterio

from tests.qgis.feedback import RecordingFeedback

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(REPO, "resources", "sample_data")
ELEMENTS = ["Cu", "Ni", "Co", "Zn", "Th", "La"]


@pytest.fixture(scope="module")
def element_raster(tmp_path_factory, prospector_provider):
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    out = str(tmp_path_factory.mktemp("anom") / "elements.tif")
    processing.run(
        "prospector:interpolate",
        {
            "INPUT": os.path.join(SAMPLES, "till_geochemistry.gpkg"),
            "FIELDS": ELEMENTS,
            "PIXEL_SIZE": 1000,
            "MASK": os.path.join(SAMPLES, "study_area.gpkg"),
            "LOG_TRANSFORM": True,
            "OUTPUT": out,
        },
        context=QgsProcessingContext(),
        feedback=QgsProcessingFeedback(),
    )
    return out


def outputs(tmp_path):
    return {
        "OUTPUT": str(tmp_path / "classes.tif"),
        "OUTPUT_CONTOURS": str(tmp_path / "contours.gpkg"),
        "OUTPUT_ANOMALIES": str(tmp_path / "anomalies.gpkg"),
        "OUTPUT_POINTS": str(tmp_path / "points.gpkg"),
        "OUTPUT_TABLE": str(tmp_path / "thresholds.csv"),
    }


def test_anomalies_all_outputs(run_algorithm, element_raster, tmp_path):
    import geopandas as gpd

    paths = outputs(tmp_path)
    result = run_algorithm(
        "prospector:anomalies",
        {
            "INPUT_RASTER": element_raster,
            "BANDS": "Cu, Ni, Th, La",
            "METHOD": 0,  # percentiles 85/95/98
            "ASSOCIATION": "Th,La",
            "MASK": os.path.join(SAMPLES, "study_area.gpkg"),
            "INPUT": os.path.join(SAMPLES, "till_geochemistry.gpkg"),
            "DEPOSITS": os.path.join(SAMPLES, "deposits.gpkg"),
            **paths,
        },
    )
    for key, path in paths.items():
        assert result[key] == path and os.path.exists(path), key

    with rasterio.open(element_raster) as src:
        cu = src.read(1, masked=True).compressed()  # band 1 = Cu; nodata outside the study area
    table = pd.read_csv(paths["OUTPUT_TABLE"])
    assert list(table["element"]) == ["Cu", "Ni", "Th", "La", "index"]
    row = table.iloc[0]
    assert np.allclose([row.weak, row.moderate, row.strong], np.percentile(cu, [85, 95, 98]), rtol=1e-5)

    with rasterio.open(paths["OUTPUT"]) as src:
        assert src.descriptions == ("Cu", "Ni", "Th", "La", "index") and src.dtypes[0] == "uint8"
        classes = src.read(1, masked=True)
        assert set(np.unique(classes.compressed())) == {0, 1, 2, 3}
        assert np.mean(classes.compressed() >= 1) == pytest.approx(0.15, abs=0.02)
        assert src.tags()["GEOCHEM_PROSPECTOR_PROVENANCE"]

    contours = gpd.read_file(paths["OUTPUT_CONTOURS"])
    assert {"element", "level", "value"} <= set(contours.columns) and len(contours) > 0
    assert set(contours["level"]) == {"weak", "moderate", "strong"}
    areas = gpd.read_file(paths["OUTPUT_ANOMALIES"])
    assert list(areas["rank"]) == list(range(1, len(areas) + 1))
    assert areas["deposit_km"].notna().all() and (areas["cells"] >= 3).all()
    assert areas.crs.to_epsg() == 3067
    import fiona

    with fiona.open(paths["OUTPUT_ANOMALIES"]) as layer:
        assert '"prospector:anomalies"' in layer.tags()["GEOCHEM_PROSPECTOR_PROVENANCE"]
    points = gpd.read_file(paths["OUTPUT_POINTS"])
    # by default a sample is listed from an element's moderate level up (the thresholds table's column)
    moderate = table.set_index("element")["moderate"]
    reached = np.column_stack([points[e] >= moderate[e] for e in ["Cu", "Ni", "Th", "La"]]).any(axis=1)
    assert len(points) > 0 and (points["max_level"] >= 2).all() and reached.all()
    # a sample listed as a strong Cu anomaly has Cu at or above the strong level
    strong_cu = points[points["elements"].str.contains(r"Cu\(3\)")]
    assert (strong_cu["Cu"] >= row.strong).all()


def test_ca_method_and_last_band_style(run_algorithm, element_raster, tmp_path):
    from qgis.core import QgsPalettedRasterRenderer, QgsProcessingContext, QgsRasterLayer

    from geochem_prospector.algorithms.anomalies import LastBandStyle
    from geochem_prospector.algorithms.base import STYLES_DIR

    paths = outputs(tmp_path)
    paths.pop("OUTPUT_POINTS")
    paths["OUTPUT_INDEX"] = str(tmp_path / "index.tif")
    result = run_algorithm("prospector:anomalies", {"INPUT_RASTER": element_raster, "METHOD": 1, **paths})
    table = pd.read_csv(result["OUTPUT_TABLE"])
    assert table["detail"].str.startswith("C-A").all() and len(table) == len(ELEMENTS) + 1
    with rasterio.open(result["OUTPUT_INDEX"]) as src, rasterio.open(result["OUTPUT"]) as classes:
        index = src.read(1, masked=True)
        index_class = classes.read(len(ELEMENTS) + 1, masked=True)
        weak = table.iloc[-1]["weak"]
        assert np.array_equal(index_class.filled(255) >= 1, (index >= weak).filled(False) | index.mask)
    layer = QgsRasterLayer(result["OUTPUT"], "classes")
    LastBandStyle(os.path.join(STYLES_DIR, "anomaly_classes.qml"), False).postProcessLayer(
        layer, QgsProcessingContext(), None
    )
    assert isinstance(layer.renderer(), QgsPalettedRasterRenderer)
    assert layer.renderer().band() == len(ELEMENTS) + 1


def test_unknown_band_is_a_clear_error(run_algorithm, element_raster, tmp_path):
    from qgis.core import QgsProcessingException

    paths = outputs(tmp_path)
    with pytest.raises(QgsProcessingException, match=r"^BANDS: band\(s\) Au not found"):
        run_algorithm("prospector:anomalies", {"INPUT_RASTER": element_raster, "BANDS": "Cu,Au", **paths})
    assert not any(os.path.exists(p) for p in paths.values())


def test_band_choosers_select_elements_and_association(run_algorithm, element_raster, tmp_path):
    """ELEMENT_BANDS as qgis_process gives it ('1;5;6'), ASSOCIATION_BANDS as the dialog gives it ([5, 6]): the
    thresholds are the percentiles of the chosen bands and the index the mean robust z-score of log10 Th and La,
    both computed here with numpy."""
    paths = outputs(tmp_path)
    paths.pop("OUTPUT_POINTS")
    paths["OUTPUT_INDEX"] = str(tmp_path / "index.tif")
    result = run_algorithm(
        "prospector:anomalies",
        {"INPUT_RASTER": element_raster, "ELEMENT_BANDS": "1;5;6", "ASSOCIATION_BANDS": [5, 6], **paths},
    )
    table = pd.read_csv(result["OUTPUT_TABLE"])
    assert list(table["element"]) == ["Cu", "Th", "La", "index"]
    with rasterio.open(element_raster) as src:
        assert src.descriptions[4:6] == ("Th", "La")
        bands = src.read([1, 5, 6], masked=True)
    expected = np.percentile(bands[2].compressed(), [85, 95, 98])
    assert np.allclose(table.iloc[2][["weak", "moderate", "strong"]].astype(float), expected, rtol=1e-5)

    def robust_z(band):
        y = np.log10(band.compressed())
        median = np.median(y)
        return (np.ma.log10(band) - median) / (1.4826 * np.median(np.abs(y - median)))

    with rasterio.open(result["OUTPUT_INDEX"]) as src:
        index = src.read(1, masked=True)
    reference = (robust_z(bands[1]) + robust_z(bands[2])) / 2
    assert np.array_equal(index.mask, reference.mask)
    assert np.allclose(index.compressed(), reference.compressed(), atol=1e-5)


@pytest.mark.parametrize(
    "given, message",
    [
        ({"ELEMENT_BANDS": [1, 2], "BANDS": "Cu,Ni"}, r"ELEMENT_BANDS and BANDS both choose bands"),
        ({"ASSOCIATION_BANDS": [5], "ASSOCIATION": "Th"}, r"ASSOCIATION_BANDS and ASSOCIATION both choose bands"),
        ({"ELEMENT_BANDS": [1, 2], "ASSOCIATION_BANDS": [5]}, r"ASSOCIATION_BANDS: band 5 \(Th\) is not among"),
        ({"ELEMENT_BANDS": [1, 9]}, r"ELEMENT_BANDS: band 9 does not exist; the raster has 6 band"),
        ({"ELEMENT_BANDS": "Cu;Ni"}, r"ELEMENT_BANDS: 'Cu' is not a band number"),
    ],
)
def test_band_choosers_refuse_clearly(run_algorithm, element_raster, tmp_path, given, message):
    from qgis.core import QgsProcessingException

    paths = outputs(tmp_path)
    with pytest.raises(QgsProcessingException, match=message):
        run_algorithm("prospector:anomalies", {"INPUT_RASTER": element_raster, **given, **paths})
    assert not any(os.path.exists(p) for p in paths.values())


@pytest.mark.parametrize(
    "method, boxes, warned",
    [
        (1, {"PERCENTILES": "80,90,99"}, ["PERCENTILES"]),  # C-A reads CA_BREAKS only
        (0, {"CA_BREAKS": 2, "MULTIPLIERS": "1.5,2,3"}, ["MULTIPLIERS", "CA_BREAKS"]),
        (4, {"PERCENTILES": "85,95,98", "MULTIPLIERS": "1,2,3", "CA_BREAKS": 0}, []),  # defaults: nothing said
        (2, {"MULTIPLIERS": "1.5,2,3"}, []),  # mean + k·SD reads MULTIPLIERS
    ],
)
def test_a_box_the_method_ignores_is_a_warning(run_algorithm, element_raster, tmp_path, method, boxes, warned):
    feedback = RecordingFeedback()
    paths = outputs(tmp_path)
    paths.pop("OUTPUT_POINTS")
    run_algorithm(
        "prospector:anomalies",
        {"INPUT_RASTER": element_raster, "ELEMENT_BANDS": [1, 2], "METHOD": method, **boxes, **paths},
        feedback,
    )
    ignored = [w.split(" ", 1)[0] for w in feedback.warnings if "ignores it" in w]
    assert sorted(ignored) == sorted(warned)
    assert all("only; the method chosen" in w for w in feedback.warnings if "ignores it" in w)


def test_areas_outlined_at_the_moderate_level(run_algorithm, element_raster, tmp_path):
    """AREA_LEVEL = moderate: every cell of every area has an index at or above the index's moderate threshold
    (read from the float index and the thresholds table), and the areas cover less ground than the weak outline."""
    import geopandas as gpd
    from rasterio.features import geometry_mask

    areas = {}
    for level in (0, 1):
        paths = outputs(tmp_path / str(level))
        os.makedirs(tmp_path / str(level))
        paths.pop("OUTPUT_POINTS")
        paths["OUTPUT_INDEX"] = str(tmp_path / str(level) / "index.tif")
        result = run_algorithm("prospector:anomalies", {"INPUT_RASTER": element_raster, "AREA_LEVEL": level, **paths})
        areas[level] = gpd.read_file(result["OUTPUT_ANOMALIES"])
    moderate = pd.read_csv(result["OUTPUT_TABLE"]).set_index("element").loc["index", "moderate"]
    with rasterio.open(result["OUTPUT_INDEX"]) as src:
        index = src.read(1, masked=True)
        inside = ~geometry_mask(list(areas[1].geometry), index.shape, src.transform)
    assert inside.any() and (index[inside] >= moderate - 1e-6).all()
    assert areas[1]["area_km2"].sum() < areas[0]["area_km2"].sum()


def test_the_pca_index_warns_of_an_element_loading_against_the_association(run_algorithm, tmp_path):
    """Zr falls where Cu and Ni rise: on the first principal component it loads against them, and the run says that
    its high values lower the index; the mean of z-scores (every element adds) says nothing of it."""
    from tests.error_cases import SIZE, _raster

    rng = np.random.default_rng(4)
    common = rng.normal(size=(SIZE, SIZE))
    logs = [1 + 0.3 * common + 0.05 * rng.normal(size=common.shape) for _ in range(2)]
    logs.append(2 - 0.2 * common + 0.05 * rng.normal(size=common.shape))
    raster = _raster(str(tmp_path / "elements.tif"), 10 ** np.stack(logs), ["Cu", "Ni", "Zr"])
    said = {}
    for index_method in (2, 0):
        feedback = RecordingFeedback()
        folder = tmp_path / f"index{index_method}"
        folder.mkdir()
        paths = {k: v for k, v in outputs(folder).items() if k != "OUTPUT_POINTS"}
        run_algorithm("prospector:anomalies", {"INPUT_RASTER": raster, "INDEX_METHOD": index_method, **paths}, feedback)
        said[index_method] = [w for w in feedback.warnings if w.startswith("INDEX_METHOD: on the first principal")]
    assert len(said[2]) == 1 and "Zr -" in said[2][0] and "Cu" not in said[2][0]
    assert said[0] == []
