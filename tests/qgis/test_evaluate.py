"""prospector:evaluate in-process: hand-computed answers through processing.run, reprojection, reporting."""

import csv
import math

import numpy as np
import pytest
import rasterio

from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.io.rasters import write_geotiff

GRID = GridSpec(xmin=400000.0, ymax=7500020.0, pixel_size=10.0, width=5, height=2, crs_wkt="EPSG:3067")


def centre(row, col):
    return GRID.xmin + (col + 0.5) * GRID.pixel_size, GRID.ymax - (row + 0.5) * GRID.pixel_size


@pytest.fixture
def raster(tmp_path):
    """Band 1: values 1..10 (row 0: 1..5, row 1: 6..10); band 2: the same reversed."""
    path = str(tmp_path / "prospectivity.tif")
    values = np.arange(1, 11, dtype=np.float32).reshape(2, 5)
    write_geotiff(path, np.stack([values, 11 - values]), GRID, ["p", "reversed"])
    return path


def point_layer(points, crs="EPSG:3067"):
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer

    layer = QgsVectorLayer(f"Point?crs={crs}&field=name:string", "deposits", "memory")
    features = []
    for name, (x, y) in points:
        feature = QgsFeature(layer.fields())
        feature["name"] = name
        if x is not None:
            feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_hand_computed_answer_and_outputs(run_algorithm, raster, tmp_path):
    deposits = point_layer(
        [("ten", centre(1, 4)), ("seven", centre(1, 1)), ("lost", (None, None)), ("far", (0.0, 0.0))]
    )
    report, table = tmp_path / "report.html", tmp_path / "table.csv"
    result = run_algorithm(
        "prospector:evaluate",
        {
            "INPUT_RASTER": raster,
            "DEPOSITS": deposits,
            "NAME_FIELD": "name",
            "ITERATIONS": 100,
            "OUTPUT_REPORT": str(report),
            "OUTPUT_TABLE": str(table),
        },
    )
    # placements 0.95 and 0.65 (see tests/core/test_metrics.py): AUC 0.8; P-A at 2/3 of deposits in 1/3 of area
    assert result["AUC"] == pytest.approx(0.8)
    assert result["CAPTURE_10"] == pytest.approx(50.0) and result["CAPTURE_5"] == pytest.approx(25.0)
    assert result["PA_PREDICTION_RATE"] == pytest.approx(200 / 3)
    assert result["PA_NORMALIZED_DENSITY"] == pytest.approx(2.0) and result["PA_THRESHOLD"] == 7.0
    assert result["DEPOSITS_USED"] == 2 and result["DEPOSITS_SKIPPED"] == 2
    assert result["AUC_LOW"] <= 0.8 <= result["AUC_HIGH"]
    assert result["OUTPUT_REPORT"] == str(report) and result["OUTPUT_TABLE"] == str(table)
    statuses = {r["name"]: r["status"] for r in read_rows(table) if r["kind"] == "deposit"}
    assert statuses == {"ten": "used", "seven": "used", "lost": "no valid coordinates", "far": "outside raster"}
    html = report.read_text(encoding="utf-8")
    assert "<svg" in html and "far" in html and "outside raster" in html


def test_cluster_distance_resamples_nearby_deposits_together(run_algorithm, raster, tmp_path):
    deposits = point_layer([("ten", centre(1, 4)), ("seven", centre(1, 1))])  # 30 map units apart
    results = {}
    for distance in (0.0, 30.0):
        report = tmp_path / f"report{distance:g}.html"
        results[distance] = run_algorithm(
            "prospector:evaluate",
            {
                "INPUT_RASTER": raster,
                "DEPOSITS": deposits,
                "ITERATIONS": 200,
                "CLUSTER_DISTANCE": distance,
                "OUTPUT_REPORT": str(report),
                "OUTPUT_TABLE": str(tmp_path / f"table{distance:g}.csv"),
            },
        )
    # placements 0.95 and 0.65: one by one the bootstrap spans both; as one cluster it always draws both
    assert results[0.0]["BOOTSTRAP_UNITS"] == 2
    assert (results[0.0]["AUC_LOW"], results[0.0]["AUC_HIGH"]) == pytest.approx((0.65, 0.95))
    assert results[30.0]["BOOTSTRAP_UNITS"] == 1
    # as one cluster it always draws both: an interval of width 0, so none is given (sweep 13b)
    assert results[30.0]["AUC"] == pytest.approx(0.8)
    assert math.isnan(results[30.0]["AUC_LOW"]) and math.isnan(results[30.0]["AUC_HIGH"])
    assert "1 cluster of deposits (linked within 30 map units)" in (tmp_path / "report30.html").read_text("utf-8")


def test_band_mask_and_reprojected_deposits(run_algorithm, raster, tmp_path):
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsCoordinateTransform,
        QgsFeature,
        QgsGeometry,
        QgsPointXY,
        QgsProject,
        QgsRectangle,
        QgsVectorLayer,
    )

    to_wgs84 = QgsCoordinateTransform(
        QgsCoordinateReferenceSystem("EPSG:3067"), QgsCoordinateReferenceSystem("EPSG:4326"), QgsProject.instance()
    )
    points = []
    for name, (x, y) in [("a", centre(0, 0)), ("b", centre(0, 3)), ("c", centre(1, 4))]:
        p = to_wgs84.transform(QgsPointXY(x, y))
        points.append((name, (p.x(), p.y())))
    deposits = point_layer(points, "EPSG:4326")
    # mask: the western 4 columns only (cell c, in column 4, falls outside)
    mask = QgsVectorLayer("Polygon?crs=EPSG:3067", "mask", "memory")
    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromRect(QgsRectangle(GRID.xmin, GRID.ymin, GRID.xmin + 40.0, GRID.ymax)))
    mask.dataProvider().addFeatures([feature])
    result = run_algorithm(
        "prospector:evaluate",
        {
            "INPUT_RASTER": raster,
            "BAND": 2,
            "DEPOSITS": deposits,
            "MASK": mask,
            "ITERATIONS": 50,
            "OUTPUT_REPORT": str(tmp_path / "r.html"),
            "OUTPUT_TABLE": str(tmp_path / "t.csv"),
        },
    )
    # band 2 inside the mask: row 0 -> 10 9 8 7, row 1 -> 5 4 3 2 (8 cells). a = 10, b = 7:
    # placements (7 + 0.5) / 8 and (4 + 0.5) / 8 -> AUC = 12 / 16
    assert result["AUC"] == pytest.approx(0.75)
    assert result["DEPOSITS_USED"] == 2 and result["DEPOSITS_SKIPPED"] == 1
    statuses = [r["status"] for r in read_rows(tmp_path / "t.csv") if r["kind"] == "deposit"]
    assert statuses == ["used", "used", "outside mask"]


def test_report_is_an_html_output(prospector_provider):
    from qgis.core import QgsApplication

    alg = QgsApplication.processingRegistry().algorithmById("prospector:evaluate")
    assert alg.outputDefinition("OUTPUT_REPORT").type() == "outputHtml"  # shown in the Results Viewer
    assert alg.outputDefinition("AUC").type() == "outputNumber"


def test_no_usable_deposit_fails_clearly_and_writes_nothing(run_algorithm, raster, tmp_path):
    from qgis.core import QgsProcessingException

    deposits = point_layer([("far", (0.0, 0.0)), ("farther", (1e7, 1e7))])
    report, table = tmp_path / "r.html", tmp_path / "t.csv"
    with pytest.raises(QgsProcessingException, match=r"DEPOSITS: none of the 2 deposits.*2 outside raster"):
        run_algorithm(
            "prospector:evaluate",
            {"INPUT_RASTER": raster, "DEPOSITS": deposits, "OUTPUT_REPORT": str(report), "OUTPUT_TABLE": str(table)},
        )
    assert not report.exists() and not table.exists()
    assert not list(tmp_path.glob(".partial-*"))


def test_output_over_an_input_is_refused(run_algorithm, raster, tmp_path):
    from qgis.core import QgsProcessingException

    deposits = point_layer([("ten", centre(1, 4))])
    with pytest.raises(QgsProcessingException, match="OUTPUT_TABLE: the output would overwrite an input"):
        run_algorithm(
            "prospector:evaluate",
            {
                "INPUT_RASTER": raster,
                "DEPOSITS": deposits,
                "OUTPUT_REPORT": str(tmp_path / "r.html"),
                "OUTPUT_TABLE": raster,
            },
        )
    with rasterio.open(raster) as src:  # the input is untouched
        assert src.read(1).ravel().tolist() == list(range(1, 11))


def test_cancel_leaves_no_output(run_algorithm, raster, tmp_path):
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    feedback = QgsProcessingFeedback()
    feedback.cancel()
    report, table = tmp_path / "r.html", tmp_path / "t.csv"
    deposits = point_layer([("ten", centre(1, 4))])
    with pytest.raises(QgsProcessingException, match="Cancelled"):
        run_algorithm(
            "prospector:evaluate",
            {"INPUT_RASTER": raster, "DEPOSITS": deposits, "OUTPUT_REPORT": str(report), "OUTPUT_TABLE": str(table)},
            feedback=feedback,
        )
    assert not report.exists() and not table.exists() and not list(tmp_path.glob(".partial-*"))


def test_empty_deposit_layer_and_missing_band_are_named(run_algorithm, raster, tmp_path):
    from qgis.core import QgsProcessingException

    outputs = {"OUTPUT_REPORT": str(tmp_path / "r.html"), "OUTPUT_TABLE": str(tmp_path / "t.csv")}
    with pytest.raises(QgsProcessingException, match="DEPOSITS: the layer has no features"):
        run_algorithm("prospector:evaluate", {"INPUT_RASTER": raster, "DEPOSITS": point_layer([]), **outputs})
    deposits = point_layer([("ten", centre(1, 4))])
    with pytest.raises(QgsProcessingException, match="BAND: band 3 does not exist; the raster has 2"):
        run_algorithm("prospector:evaluate", {"INPUT_RASTER": raster, "BAND": 3, "DEPOSITS": deposits, **outputs})
    assert [p.name for p in tmp_path.iterdir()] == ["prospectivity.tif"]  # only the input


def test_baselines_side_by_side_with_hand_computed_aucs(run_algorithm, raster, tmp_path):
    """Baseline = the map reversed (11 - v), a separate raster: the deposits on 10 and 7 sit on 1 and 4 there.
    Placements (ties half) 0.05 and 0.35 by hand: AUC 0.2, beside the map's 0.8."""
    reversed_path = str(tmp_path / "reversed.tif")
    values = 11 - np.arange(1, 11, dtype=np.float32).reshape(2, 5)
    write_geotiff(reversed_path, values[None], GRID, ["reversed"])
    deposits = point_layer([("ten", centre(1, 4)), ("seven", centre(1, 1))])
    report = tmp_path / "report.html"
    result = run_algorithm(
        "prospector:evaluate",
        {
            "INPUT_RASTER": raster,
            "DEPOSITS": deposits,
            "ITERATIONS": 50,
            "BASELINES": [reversed_path],
            "OUTPUT_REPORT": str(report),
            "OUTPUT_TABLE": str(tmp_path / "table.csv"),
        },
    )
    assert result["AUC"] == pytest.approx(0.8)  # the main figures are the evaluated map's
    html = report.read_text(encoding="utf-8")
    section = html.split("<h2>Against the baselines</h2>")[1].split("<h2>")[0]
    rows = [r for r in section.split("<tr>")[2:]]
    high = "<small>high values first</small>"
    assert rows[0].startswith(f'<td class="map">prospectivity{high}</td><td>0.800</td>')
    assert rows[1].startswith(f'<td class="map">reversed{high}</td><td>0.200</td>')
    assert "reversed (AUC 0.200)" in html  # its curve in the success-rate plot


def test_deposits_named_from_a_name_field_and_thresholds_in_the_bands_unit(run_algorithm, raster, tmp_path):
    """The demo's baseline reports listed 'feature 1 … 8' (no NAME_FIELD given, though the layer has 'name') and
    drew the magnetics thresholds without a unit. The unit is the band's GDAL unit type, written here."""
    with rasterio.open(raster, "r+") as dst:
        dst.set_band_unit(1, "nT")
    deposits = point_layer([("Rautuvaara", centre(1, 4)), ("Hannukainen", centre(1, 1))])
    report, table = tmp_path / "report.html", tmp_path / "table.csv"
    parameters = {"INPUT_RASTER": raster, "DEPOSITS": deposits, "ITERATIONS": 20}
    run_algorithm("prospector:evaluate", {**parameters, "OUTPUT_REPORT": str(report), "OUTPUT_TABLE": str(table)})
    names = [r["name"] for r in read_rows(table) if r["kind"] == "deposit"]
    assert names == ["Rautuvaara", "Hannukainen"]
    html = report.read_text(encoding="utf-8")
    assert "<th>threshold (nT)</th>" in html and "<th>map value (nT)</th>" in html
    assert "p threshold, nT (cells with value &gt;= threshold)" in html  # the P-A axis, band 'p'
    run_algorithm(
        "prospector:evaluate",
        {**parameters, "BAND": 2, "OUTPUT_REPORT": str(report), "OUTPUT_TABLE": str(table)},
    )
    assert "<th>threshold (band value)</th>" in report.read_text(encoding="utf-8")  # band 2 names no unit


def test_evidence_distance_band_is_ranked_low_first(run_algorithm, tmp_path):
    """The reviewer's case: prospector:evidence's distance to the bundled faults, evaluated on the bundled deposits,
    read as if high values were prospective. Now it is ranked nearest first, automatically (band named and marked
    'distance'), as the main map and as a baseline; DIRECTION overrides it. Reference: scikit-learn's roc_auc_score
    on the band read with rasterio, each deposit's cell once against every valid cell."""
    import os

    from sklearn.metrics import roc_auc_score

    samples = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "resources", "sample_data")
    stack = run_algorithm(
        "prospector:evidence",
        {
            "LINES": [os.path.join(samples, "faults.gpkg")],
            "PIXEL_SIZE": 1000.0,
            "MASK": os.path.join(samples, "study_area.gpkg"),
            "OUTPUT": str(tmp_path / "evidence.tif"),
        },
    )["OUTPUT"]
    deposits = os.path.join(samples, "deposits.gpkg")
    with rasterio.open(stack) as src:
        assert src.descriptions[0] == "faults:distance_m" and src.tags(1)["KIND"] == "distance"
        band = src.read(1, masked=True)
        import geopandas as gpd

        points = gpd.read_file(deposits).to_crs(src.crs)
        cells = {src.index(p.x, p.y) for p in points.geometry}
    cells = {(r, c) for r, c in cells if 0 <= r < band.shape[0] and 0 <= c < band.shape[1] and not band.mask[r, c]}
    values = np.array([band[r, c] for r, c in sorted(cells)], float)
    background = band.compressed().astype(float)
    y = np.r_[np.ones(values.size), np.zeros(background.size)]
    near_first = roc_auc_score(y, -np.r_[values, background])
    parameters = {"INPUT_RASTER": stack, "DEPOSITS": deposits, "ITERATIONS": 20}
    report = tmp_path / "report.html"
    outputs = {"OUTPUT_REPORT": str(report), "OUTPUT_TABLE": str(tmp_path / "table.csv")}
    result = run_algorithm("prospector:evaluate", {**parameters, **outputs, "BASELINES": [stack]})
    assert result["DEPOSITS_USED"] == values.size >= 10
    assert result["AUC"] == pytest.approx(near_first, abs=1e-9) and result["LOW_VALUES_FIRST"] == 1
    assert near_first > 0.5  # the fault distance helps; scored high-first it read 1 - near_first
    html = report.read_text(encoding="utf-8")
    assert "Cells ranked from the lowest faults:distance_m up" in html
    section = html.split("<h2>Against the baselines</h2>")[1].split("<h2>")[0]
    low = "<small>low values first (a distance)</small></td>"
    assert section.count(f"{low}<td>{near_first:.3f}</td>") == 2
    assert f'<td class="map">evidence (faults:distance_m){low}' in section  # the baseline names its band
    forced = run_algorithm("prospector:evaluate", {**parameters, **outputs, "DIRECTION": 1})
    assert forced["AUC"] == pytest.approx(1 - near_first, abs=1e-9) and forced["LOW_VALUES_FIRST"] == 0


def test_unequal_cells_are_found_between_the_edges_of_a_conic_crs():
    """A Lambert conformal conic with standard parallels at 30° and 70° N keeps its scale at 1 along both, so a
    raster from 30° to 70° N has cells of the same ground area at its southern and northern edge, but 13 % larger
    at 50° N (its scale there is 0.94: a map metre spans more ground). Reading only the two edges missed it; the areas named are pyproj's
    geodesic polygon areas of those cells."""
    from pyproj import CRS, Geod, Transformer
    from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle

    from geochem_prospector.algorithms.crs_checks import warn_unequal_cells
    from tests.qgis.feedback import RecordingFeedback

    proj = "+proj=lcc +lat_1=30 +lat_2=70 +lat_0=50 +lon_0=25 +datum=WGS84 +units=m +no_defs"
    to_map = Transformer.from_crs("EPSG:4326", CRS.from_proj4(proj), always_xy=True)
    (_, south), (_, north) = to_map.transform(25, 30), to_map.transform(25, 70)
    cell = 10_000.0
    extent = QgsRectangle(-cell * 20, south, cell * 20, north)
    feedback = RecordingFeedback()
    warn_unequal_cells(QgsCoordinateReferenceSystem.fromProj(proj), extent, cell, "INPUT_RASTER", feedback)

    to_degrees = Transformer.from_crs(CRS.from_proj4(proj), "EPSG:4326", always_xy=True)

    def cell_km2(x: float, y: float) -> float:  # the ground area of the cell centred on (x, y)
        xs, ys = [x - cell / 2, x + cell / 2, x + cell / 2, x - cell / 2], [y - cell / 2] * 2 + [y + cell / 2] * 2
        return abs(Geod(ellps="WGS84").polygon_area_perimeter(*to_degrees.transform(xs, ys))[0]) / 1e6

    centre_y = (south + north) / 2
    [warning] = feedback.warnings
    # the smallest of the nine cells read is the south-west corner's (at 30° N the scale is 1 on the meridian only)
    largest, smallest = cell_km2(0.0, centre_y), cell_km2(-cell * 19.5, south + cell / 2)
    assert f"one covers {largest:,.4g} km² at 50.0° N, 25.0° E but {smallest:,.4g} km² at 30.0° N, 23.0° E" in warning
    assert largest / smallest > 1.1  # the reference itself says the centre's cells are larger
    assert "not of one ground size" in warning and "% apart" in warning


def test_unused_deposits_are_one_log_line_per_reason_not_one_per_deposit():
    from geochem_prospector.algorithms.evaluate import unused_deposit_lines

    names = [f"d{i}" for i in range(30)]
    statuses = ["used"] * 5 + ["outside mask"] * 23 + ["nodata"] * 2
    lines = unused_deposit_lines(names, statuses)
    assert lines == [
        "  not used, outside mask (23): "
        + ", ".join(names[5:15])
        + " and 13 more (the report and the table list each)",
        "  not used, nodata (2): d28, d29",
    ]
    assert unused_deposit_lines(names[:2], ["used", "used"]) == []


def test_a_harsh_scene_equals_sklearn_and_a_brute_force_count(run_algorithm, tmp_path):
    """sweep 21c, the audit's second case through processing.run: a map with a constant area (22 % of the grid tied
    at one value near its top), a nodata corner, a MASK polygon with two holes, and deposits on nodata, in a hole, on the
    grid's east and south edges (the last cell, as documented), off the raster, and two on one cell. The AUC equals
    scikit-learn's roc_auc_score of the deposits against every cell of the study area (cell centres tested against
    the polygon with shapely), the capture a brute-force count with ties spread linearly, and each status is the
    one the cell-by-cell test gives."""
    from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer
    from shapely.geometry import Point, Polygon
    from sklearn.metrics import roc_auc_score

    grid = GridSpec(xmin=400000.0, ymax=7500000.0, pixel_size=100.0, width=40, height=30, crs_wkt="EPSG:3067")
    rng = np.random.default_rng(3)
    values = (rng.normal(size=(30, 40)) + np.linspace(0, 2, 40)).astype(np.float32)
    values[5:20, 20:38] = 4.0  # the constant area, near the top of the values
    values[22:, :8] = np.nan  # nodata corner
    path = str(tmp_path / "harsh.tif")
    write_geotiff(path, values[None], grid, ["p"])
    x0, y0 = grid.xmin, grid.ymax
    outer = [(x0 + 200, y0 - 100), (x0 + 4000, y0 - 100), (x0 + 4000, y0 - 3000), (x0 + 200, y0 - 3000)]
    holes = [
        [(x0 + 1000, y0 - 1000), (x0 + 1500, y0 - 1000), (x0 + 1500, y0 - 1500), (x0 + 1000, y0 - 1500)],
        [(x0 + 2500, y0 - 2200), (x0 + 2900, y0 - 2200), (x0 + 2900, y0 - 2600), (x0 + 2500, y0 - 2600)],
    ]
    area = Polygon(outer, holes)
    mask = QgsVectorLayer("Polygon?crs=EPSG:3067", "mask", "memory")
    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromWkt(area.wkt))
    mask.dataProvider().addFeatures([feature])
    points = [
        ("tie a", (x0 + 2550, y0 - 750)), ("tie b", (x0 + 3250, y0 - 1850)), ("nodata", (x0 + 350, y0 - 2750)),
        ("east edge", (x0 + 4000, y0 - 2450)), ("south edge", (x0 + 1650, y0 - 3000)), ("hole", (x0 + 1250, y0 - 1250)),
        ("hole 2", (x0 + 2750, y0 - 2350)), ("one", (x0 + 650, y0 - 450)), ("one again", (x0 + 660, y0 - 460)),
        ("two", (x0 + 1850, y0 - 250)), ("three", (x0 + 850, y0 - 1950)), ("off", (x0 - 500, y0 + 500)),
    ]  # fmt: skip
    out = run_algorithm(
        "prospector:evaluate",
        {
            "INPUT_RASTER": path,
            "DEPOSITS": point_layer(points),
            "NAME_FIELD": "name",
            "MASK": mask,
            "ITERATIONS": 50,
            "OUTPUT_REPORT": str(tmp_path / "r.html"),
            "OUTPUT_TABLE": str(tmp_path / "t.csv"),
        },
    )
    rows, cols = np.indices(values.shape)
    cx, cy = x0 + (cols + 0.5) * 100.0, y0 - (rows + 0.5) * 100.0
    study = np.isfinite(values) & np.vectorize(lambda x, y: area.contains(Point(x, y)))(cx, cy)
    expected, used = {}, []
    for name, (x, y) in points:
        col, row = min(int((x - x0) // 100), 39 if x == x0 + 4000 else 40), min(int((y0 - y) // 100), 29)
        if not (0 <= row < 30 and 0 <= col < 40):
            expected[name] = "outside raster"
        elif not np.isfinite(values[row, col]):
            expected[name] = "nodata cell"
        elif not study[row, col]:
            expected[name] = "outside mask"
        else:
            expected[name] = "used"
            used.append(float(values[row, col]))
    table = read_rows(out["OUTPUT_TABLE"])
    assert {r["name"]: r["status"] for r in table if r["kind"] == "deposit"} == expected
    assert expected["east edge"] == expected["south edge"] == "used" and expected["hole"] == "outside mask"
    background = values[study].astype(np.float64)
    truth = np.r_[np.ones(len(used)), np.zeros(background.size)]
    assert out["AUC"] == pytest.approx(roc_auc_score(truth, np.r_[used, background]), abs=1e-12)
    assert out["DEPOSITS_USED"] == len(used)
    for q in (1, 5, 10, 20):
        shares = []
        for v in used:
            above, equal = np.mean(background > v), np.mean(background == v)
            shares.append(float(above < q / 100) if not equal else min(max((q / 100 - above) / equal, 0), 1))
        assert out[f"CAPTURE_{q}"] == pytest.approx(100 * np.mean(shares), abs=1e-9)
    assert 0 < out["CAPTURE_10"] < 100 * sum(v == 4.0 for v in used) / len(used)  # the tie counted in part
