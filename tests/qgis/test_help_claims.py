"""What the help says is what the algorithms do (sweep 15b: the documentation tells the truth).

Each statement checked here was read in a help text and then against the code that runs: a number the help gives
for a parameter against the values the parameter accepts (QGIS's own checkValueIsAcceptable), a name the help
quotes against the parameters' labels, a setting the help states against the setting the run uses.
"""

import re

import numpy as np

from geochem_prospector.algorithms.help import short_label


def _algorithms(provider):
    from qgis.core import QgsProcessingModelAlgorithm

    return [a for a in provider.algorithms() if not isinstance(a, QgsProcessingModelAlgorithm)]


def test_a_number_the_help_gives_a_parameter_is_one_it_accepts(prospector_provider):
    """ "‘CNN patch size’ 1" in comparemodels' help told the user to give PATCH_SIZE 1, which it refuses (5 to 65):
    the per-cell network is a mode of its own, whatever PATCH_SIZE says."""
    from qgis.core import QgsProcessingParameterNumber

    wrong = []
    for algorithm in _algorithms(prospector_provider):
        text = algorithm.shortHelpString()
        for definition in algorithm.parameterDefinitions():
            if not isinstance(definition, QgsProcessingParameterNumber):
                continue
            label = re.escape(f"‘{short_label(definition.description())}’")
            for match in re.finditer(rf"{label} (-?\d+(?:\.\d+)?)(?![\d,])", text):
                if not definition.checkValueIsAcceptable(float(match.group(1))):
                    wrong.append((algorithm.id(), definition.name(), match.group(0)))
    assert wrong == []


def test_the_distilled_cnn_learns_at_the_rate_the_help_states(prospector_provider):
    """comparemodels' help said the distilled CNN trains at "3 x ‘Boosting learning rate’" (0.3 at the default);
    it trains at 3 x the CNN's own default, 0.003, whatever LEARNING_RATE (the boosting's) says."""
    from geochem_prospector.core.evaluation.compare import cnn_mode_settings

    algorithm = prospector_provider.algorithm("comparemodels")
    text = algorithm.shortHelpString()
    stated = re.search(r"distilled from gradient boosting \([^)]*?learning rate of (\d+(?:\.\d+)?)", text)
    assert stated, "comparemodels' help gives no learning rate for the distilled CNN"
    # the CNN settings comparemodels passes (no learning rate of its own: LEARNING_RATE is the boosting's)
    cnn = {"patch_size": 9, "epochs": 1, "ensemble": 1, "seed": 0, "device": "cpu"}
    assert cnn_mode_settings("cnn_distil", cnn)["learning_rate"] == float(stated.group(1))
    boosting = algorithm.parameterDefinition("LEARNING_RATE")
    assert f"x ‘{short_label(boosting.description())}’" not in text


def test_a_parameter_help_quotes_only_names_the_form_shows(prospector_provider):
    """TRANSFORM's tooltip said "as given by 'Log transform'": no parameter has that label (it is ‘Interpolate
    log values’). A capitalised name a parameter's help quotes is a label of the same algorithm or (part of) an
    algorithm's display name, as the toolbox lists it."""
    names = {a.displayName() for a in _algorithms(prospector_provider)}
    wrong = []
    for algorithm in _algorithms(prospector_provider):
        labels = {short_label(d.description()) for d in algorithm.parameterDefinitions()}
        labels |= {d.description() for d in algorithm.parameterDefinitions()}
        for definition in algorithm.parameterDefinitions():
            for quoted in re.findall(r"(?<!\w)['‘]([A-Z][a-z]+(?: [A-Za-z-]+)+)['’](?!\w)", definition.help()):
                if quoted not in labels and not any(quoted in name for name in names):
                    wrong.append((algorithm.id(), definition.name(), quoted))
    assert wrong == []


def test_classes_by_area_are_the_shares_the_help_states(run_algorithm, tmp_path):
    """predict's help: "left empty, high is the most prospective 10 % of the predicted area and moderate the next
    20 %". On the demo's positive-unlabelled map (most cells below 0.00005) the class raster was 0 % low, 90 %
    moderate and 10 % high: the limits came from a histogram of 0.0001 steps, whose first bin held 70 % of the area,
    so the low/moderate limit was 0. Here a logistic regression whose intercept is lowered by 20 (probabilities of
    about 1e-9 to 1e-2, as a positive-unlabelled map's) is mapped; the classes are checked against the limits numpy
    finds by sorting the written probabilities."""
    import math

    import rasterio

    from geochem_prospector.core.classic.learner import ClassicLearner
    from geochem_prospector.core.io.rasters import write_geotiff
    from tests.qgis.synthetic import GRID

    rng = np.random.default_rng(7)
    bands = rng.normal(size=(1, GRID.height, GRID.width)).astype(np.float32)
    raster = write_geotiff(str(tmp_path / "scores.tif"), bands, GRID, ["Cu"])
    labels = np.where(rng.uniform(size=bands[0].shape) < 0.3, (bands[0] > 1.0).astype(float), np.nan)
    learner = ClassicLearner("logistic").fit(bands, labels, ["scores:Cu"])
    learner.arrays_["intercept"] = learner.arrays_["intercept"] - 20.0
    model = learner.save(str(tmp_path / "low.pt"))
    out = run_algorithm(
        "prospector:predict",
        {
            "INPUT_RASTERS": [raster],
            "MODEL": model,
            "OUTPUT": str(tmp_path / "p.tif"),
            "OUTPUT_CLASSES": str(tmp_path / "classes.tif"),
        },
    )
    with rasterio.open(out["OUTPUT"]) as src:
        prob = src.read(1, masked=True).compressed()
    with rasterio.open(out["OUTPUT_CLASSES"]) as src:
        classes = src.read(1, masked=True).compressed()
    ordered = np.sort(prob)
    assert ordered[int(0.7 * ordered.size)] < 5e-5  # the case: 70 % of the area in the old histogram's first bin
    lo, hi = (ordered[math.ceil(share * ordered.size)] for share in (0.7, 0.9))
    np.testing.assert_array_equal(classes, 1 + (prob >= lo).astype(int) + (prob >= hi).astype(int))
    shares = [np.mean(classes == k) for k in (1, 2, 3)]
    np.testing.assert_allclose(shares, [0.7, 0.2, 0.1], atol=1.5 / classes.size)


def test_weights_of_evidence_thresholds_are_given_in_the_bands_unit(run_algorithm, tmp_path):
    """trainmodel's weights-of-evidence table read "Cu < 33.39" and "faults:distance_m < 849" on the demo: the
    threshold now carries the unit GDAL records for the band (read back here with GDAL's GetUnitType)."""
    import html as html_module
    import re as re_module

    from osgeo import gdal

    from geochem_prospector.core.io.rasters import write_geotiff
    from tests.qgis.synthetic import GRID

    rng = np.random.default_rng(2)
    cu = rng.lognormal(3, 0.5, size=(GRID.height, GRID.width)).astype(np.float32)
    raster = write_geotiff(str(tmp_path / "elements.tif"), cu[None], GRID, ["Cu"], band_units=["ppm"])
    labels = np.where(rng.uniform(size=cu.shape) < 0.4, (cu > np.percentile(cu, 80)).astype(float), np.nan)
    label_raster = write_geotiff(str(tmp_path / "labels.tif"), labels[None].astype(np.float32), GRID, ["label"])
    out = run_algorithm(
        "prospector:trainmodel",
        {
            "INPUT_RASTERS": [raster],
            "LABELS": label_raster,
            "METHOD": 3,
            "OUTPUT_MODEL": str(tmp_path / "woe.pt"),
            "OUTPUT_REPORT": str(tmp_path / "woe.html"),
        },
    )
    dataset = gdal.Open(raster)  # kept referenced while its band is read (GDAL's Python bindings)
    unit = dataset.GetRasterBand(1).GetUnitType()
    dataset = None
    page = open(out["OUTPUT_REPORT"], encoding="utf-8").read()
    patterns = [html_module.unescape(p) for p in re_module.findall(r'<td class="pattern">(.*?)<small>', page)]
    assert unit == "ppm" and patterns and all(p.endswith(f"\xa0{unit}") for p in patterns), patterns


def test_the_kriging_log_gives_ranges_in_the_maps_unit_and_rmse_in_the_values(run_algorithm, tmp_path):
    """interpolate's log read "Cu: variogram (ln units) exponential, …, range 30,950" and "best RMSE 29.13": a
    length and a concentration without their units. The range is now in the layer CRS's unit (EPSG:3067: metres, as
    pyproj names its axis unit) and equals the provenance's fitted range; the RMSE is in UNITS (ppm)."""
    import json
    import os

    import pyproj
    import rasterio

    from geochem_prospector.core.reports.legend import readable_number
    from tests.qgis.feedback import RecordingFeedback

    samples = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "sample_data", "till_geochemistry.gpkg")
    feedback = RecordingFeedback()
    out = run_algorithm(
        "prospector:interpolate",
        {
            "INPUT": os.path.abspath(samples),
            "FIELDS": ["Cu"],
            "METHOD": 1,
            "PIXEL_SIZE": 2000,
            "OUTPUT": str(tmp_path / "cu.tif"),
        },
        feedback=feedback,
    )
    with rasterio.open(out["OUTPUT"]) as src:
        fitted = json.loads(src.tags()["GEOCHEM_PROSPECTOR_PROVENANCE"])["variograms"]["Cu"]["range"]
        unit = {"metre": "m"}[pyproj.CRS.from_wkt(src.crs.to_wkt()).axis_info[0].unit_name]
    (line,) = [i for i in feedback.infos if i.startswith("Cu: variogram")]
    assert f"range {readable_number(fitted)} {unit}" in line, line
    (line,) = [i for i in feedback.infos if i.startswith("Cu: cross-validation")]
    assert re.search(r"best RMSE [\d.]+ ppm by ", line), line


def test_the_thresholds_table_gives_each_elements_unit(run_algorithm, tmp_path):
    """anomalies' thresholds table gave "Cu, …, 60.58, 106.3, 164.1" with no unit anywhere (the element raster
    records it: interpolate's UNITS): a column 'unit' now holds each band's unit as GDAL reads it (GetUnitType), and
    nothing for the index (a mean of robust z-scores)."""
    import csv

    from osgeo import gdal

    from geochem_prospector.core.io.rasters import write_geotiff
    from tests.qgis.synthetic import GRID

    rng = np.random.default_rng(4)
    bands = rng.lognormal(3, 0.6, size=(2, GRID.height, GRID.width)).astype(np.float32)
    raster = write_geotiff(str(tmp_path / "elements.tif"), bands, GRID, ["Cu", "Au"], band_units=["ppm", "ppb"])
    out = run_algorithm(
        "prospector:anomalies",
        {
            "INPUT_RASTER": raster,
            "OUTPUT": str(tmp_path / "classes.tif"),
            "OUTPUT_CONTOURS": str(tmp_path / "contours.gpkg"),
            "OUTPUT_ANOMALIES": str(tmp_path / "areas.gpkg"),
            "OUTPUT_TABLE": str(tmp_path / "thresholds.csv"),
        },
    )
    dataset = gdal.Open(raster)
    expected = {dataset.GetRasterBand(i).GetDescription(): dataset.GetRasterBand(i).GetUnitType() for i in (1, 2)}
    dataset = None
    with open(out["OUTPUT_TABLE"], newline="", encoding="utf-8") as handle:
        units = {row["element"]: row["unit"] for row in csv.DictReader(handle)}
    assert units == {**expected, "index": ""} == {"Cu": "ppm", "Au": "ppb", "index": ""}


def test_the_automatic_grid_is_the_one_the_readme_describes(run_algorithm, tmp_path):
    """README (interpolate): "PIXEL_SIZE ... (0 = a quarter of the sample spacing, read as the area of the samples'
    outline, their convex hull, per sample); EXTENT defaults to the samples' extent plus 5 %". On the bundled till,
    against shapely's convex hull of the distinct sample points and geopandas' bounds (5 % of the larger side on
    every side, the grid snapped outward by less than a cell)."""
    import os

    import geopandas as gpd
    import rasterio
    from shapely.geometry import MultiPoint

    samples = os.path.abspath(
        os.path.join(os.path.dirname(__file__), "..", "..", "resources", "sample_data", "till_geochemistry.gpkg")
    )
    points = gpd.read_file(samples)
    xy = np.unique(np.column_stack([points.geometry.x, points.geometry.y]), axis=0)
    spacing = np.sqrt(MultiPoint([tuple(p) for p in xy]).convex_hull.area / len(xy))
    out = run_algorithm(
        "prospector:interpolate",
        {"INPUT": samples, "FIELDS": ["Cu"], "PIXEL_SIZE": 0, "OUTPUT": str(tmp_path / "cu.tif")},
    )
    with rasterio.open(out["OUTPUT"]) as src:
        (cell, height), bounds = src.res, src.bounds
    assert cell == height and abs(cell - spacing / 4) <= 0.01 * spacing / 4, (cell, spacing)
    x0, y0, x1, y1 = points.total_bounds
    margin = 0.05 * max(x1 - x0, y1 - y0)
    for grid, wanted, outward in (
        (bounds.left, x0 - margin, -1),
        (bounds.bottom, y0 - margin, -1),
        (bounds.right, x1 + margin, 1),
        (bounds.top, y1 + margin, 1),
    ):
        assert 0 <= (grid - wanted) * outward < cell + 1e-6, (grid, wanted)


def test_the_readmes_idw_cross_validation_figures_are_brute_force_leave_one_out(run_algorithm, tmp_path):
    """README (cross-validation): "On the bundled till data (leave-one-out, log, k = 16): Cu ... against IDW (power
    2) 29.4, −4.1, 0.31; Ni ... against IDW 16.6, −2.1, 0.26". Reference: leave-one-out IDW of log10 values written
    out here (the 16 nearest other samples, weights 1/d², the one Ni value at 0 set to half the smallest positive
    one, as the README says); OUTPUT_CV's rows equal it and the README's figures are it, rounded as printed."""
    import csv
    import os

    import geopandas as gpd

    samples = os.path.abspath(
        os.path.join(os.path.dirname(__file__), "..", "..", "resources", "sample_data", "till_geochemistry.gpkg")
    )
    table = tmp_path / "cv.csv"
    run_algorithm(
        "prospector:interpolate",
        {
            "INPUT": samples,
            "FIELDS": ["Cu", "Ni"],
            "PIXEL_SIZE": 2000,
            "NEIGHBORS": 16,
            "OUTPUT": str(tmp_path / "cu.tif"),
            "OUTPUT_CV": str(table),
        },
    )
    with open(table, newline="", encoding="utf-8") as handle:
        rows = {r["element"]: r for r in csv.DictReader(handle) if r["settings"].startswith("power=2 ")}
    readme = " ".join(
        open(os.path.join(os.path.dirname(samples), "..", "..", "README.md"), encoding="utf-8").read().split()
    )
    points = gpd.read_file(samples)
    xy = np.column_stack([points.geometry.x, points.geometry.y])
    distance = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(distance, np.inf)
    nearest = np.argsort(distance, axis=1)[:, :16]
    weights = 1.0 / np.take_along_axis(distance, nearest, axis=1) ** 2
    for element, stated in (("Cu", "IDW (power 2) {rmse}, {me}, {r2};"), ("Ni", "against IDW {rmse}, {me}, {r2} —")):
        values = points[element].to_numpy(dtype=float)
        values = np.where(values <= 0, values[values > 0].min() / 2, values)
        predicted = 10 ** ((weights * np.log10(values)[nearest]).sum(axis=1) / weights.sum(axis=1))
        error = predicted - values
        rmse, me = np.sqrt(np.mean(error**2)), error.mean()
        r2 = 1 - np.sum(error**2) / np.sum((values - values.mean()) ** 2)
        row = rows[element]
        assert row["scheme"] == "leave-one-out" and int(row["n"]) == len(values)
        np.testing.assert_allclose([float(row[k]) for k in ("rmse", "me", "r2")], [rmse, me, r2], rtol=1e-4)
        printed = stated.format(rmse=f"{rmse:.1f}", me=f"{me:.1f}".replace("-", "−"), r2=f"{r2:.2f}")
        assert printed in readme, printed


def test_magnetics_alone_scores_the_readmes_auc_on_the_demos_held_out_deposits(run_algorithm, tmp_path):
    """README (the demo map's caption, "Honest results"): "magnetics alone scores 0.995 on the same deposits", the
    8 southern deposits the demo holds out. evaluate on the bundled magnetics against a rank count written out here
    (each deposit's cell against every valid cell inside the study area, ties half, the study area rasterized at cell
    centres by rasterio)."""
    import importlib.util
    import os

    import geopandas as gpd
    import rasterio
    from rasterio.features import geometry_mask

    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    spec = importlib.util.spec_from_file_location("demo_split", os.path.join(repo, "scripts", "demo.py"))
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)  # for HOLDOUT_NORTHING; main() is not run
    sample = os.path.join(repo, "resources", "sample_data")
    deposits = gpd.read_file(os.path.join(sample, "deposits.gpkg"))
    deposits = deposits[deposits["in_study_area"].astype(bool)]
    held_out = deposits[deposits.geometry.y < demo.HOLDOUT_NORTHING]
    held_out.to_file(tmp_path / "held_out.gpkg", driver="GPKG")
    magnetics, area = os.path.join(sample, "magnetics_tmi_nT.tif"), os.path.join(sample, "study_area.gpkg")
    result = run_algorithm(
        "prospector:evaluate",
        {
            "INPUT_RASTER": magnetics,
            "DEPOSITS": str(tmp_path / "held_out.gpkg"),
            "MASK": area,
            "ITERATIONS": 20,
            "OUTPUT_REPORT": str(tmp_path / "report.html"),
            "OUTPUT_TABLE": str(tmp_path / "table.csv"),
        },
    )
    with rasterio.open(magnetics) as src:
        values = src.read(1, masked=True)
        polygons = gpd.read_file(area).to_crs(src.crs).geometry
        valid = ~geometry_mask(polygons, values.shape, src.transform) & ~np.ma.getmaskarray(values)
        background = values.data[valid]
        scores = [values.data[src.index(p.x, p.y)] for p in held_out.to_crs(src.crs).geometry]
    auc = np.mean([(np.sum(background < s) + 0.5 * np.sum(background == s)) / background.size for s in scores])
    assert len(scores) == 8 and result["DEPOSITS_USED"] == 8
    assert abs(result["AUC"] - auc) < 1e-9
    readme = " ".join(open(os.path.join(repo, "README.md"), encoding="utf-8").read().split())
    assert f"magnetics alone scores {auc:.3f} on the same deposits" in readme
    assert f"**magnetics alone {auc:.3f}**" in readme
