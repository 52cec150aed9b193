"""Outputs as the desktop loads them (processing.runAndLoadResults: the same Postprocessing code as the dialog's
Run): named for what they hold, one group per step, vectors above rasters, secondary outputs unchecked, legends
classed on the data.

References: cells counted per class with QGIS's own shader (what the map draws) and read with GDAL (osgeo.gdal),
against the shares the legend states; the pseudo-label classes against the values GDAL reads.
"""

import os

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(REPO, "resources", "sample_data")
TILL, AREA, DEPOSITS = (os.path.join(SAMPLES, f"{n}.gpkg") for n in ("till_geochemistry", "study_area", "deposits"))


def gdal_band(path, band=1):
    from osgeo import gdal

    dataset = gdal.Open(path)
    raster = dataset.GetRasterBand(band)
    values = raster.ReadAsArray().astype(np.float64)
    nodata = raster.GetNoDataValue()
    if nodata is not None:
        values[values == nodata] = np.nan
    return values[np.isfinite(values)]


def shares_by_colour(layer, values):
    """% of ``values`` QGIS's shader draws in each legend colour, in legend order."""
    function = layer.renderer().shader().rasterShaderFunction()
    colours = [item.color.name() for item in function.colorRampItemList()]
    counts = dict.fromkeys(colours, 0)
    for value in values:
        ok, red, green, blue, _ = function.shade(float(value))
        assert ok
        counts[f"#{red:02x}{green:02x}{blue:02x}"] += 1
    return [100.0 * counts[c] / len(values) for c in colours]


def tree(group):
    """[(name, checked, layer)] of a group's layers, top to bottom."""
    return [(n.name(), n.itemVisibilityChecked(), n.layer()) for n in group.children()]


@pytest.fixture
def loaded(prospector_provider, tmp_path):
    """Interpolate, anomalies and pseudo-labels run on a 2 km grid and loaded into the project as the dialog does."""
    import processing
    from qgis.core import QgsProject

    project = QgsProject.instance()
    project.clear()
    elements = processing.runAndLoadResults(
        "prospector:interpolate",
        {"INPUT": TILL, "FIELDS": ["Cu", "Fe", "Th"], "PIXEL_SIZE": 2000, "MASK": AREA, "OUTPUT": "TEMPORARY_OUTPUT"},
    )["OUTPUT"]
    temporary = {k: "TEMPORARY_OUTPUT" for k in ("OUTPUT", "OUTPUT_CONTOURS", "OUTPUT_ANOMALIES", "OUTPUT_POINTS")}
    processing.runAndLoadResults(
        "prospector:anomalies",
        {
            "INPUT_RASTER": elements,
            "INPUT": TILL,
            "DEPOSITS": DEPOSITS,
            "MASK": AREA,
            "OUTPUT_INDEX": "TEMPORARY_OUTPUT",
        }
        | temporary,
    )
    processing.runAndLoadResults(
        "prospector:pseudolabel",
        {
            "INPUT_RASTERS": [elements],
            "LABELS": DEPOSITS,
            "MASK": AREA,
            "OUTPUT": "TEMPORARY_OUTPUT",
            "OUTPUT_CONFIDENCE": "TEMPORARY_OUTPUT",
            "OUTPUT_SUMMARY": str(tmp_path / "summary.html"),
        },
    )
    yield project, elements
    project.clear()


def drawn_top_to_bottom(project):
    """The shown layers in drawing order, top first, as QGIS's renderer stacks them (QgsMapSettings' order)."""
    root = project.layerTreeRoot()
    return [node.layer() for node in root.findLayers() if node.isVisible()]


def test_rasters_of_each_step_load_under_the_points_lines_and_anomaly_polygons(prospector_provider, tmp_path):
    """With the sample data loaded (as a new user does), every step's shown raster draws under every shown vector
    layer but the sample lithology: the deposits, samples, faults and ranked anomalies stay in sight. The element map and the pseudo-labels
    loaded on top of the tree and hid the deposits and faults (and the anomaly polygons) under opaque cells.
    Reference: the layers' kinds by QgsMapLayer.type() in the drawing order, a brute-force pairwise check."""
    import processing
    from qgis.core import QgsMapLayerType, QgsProject

    from geochem_prospector.ui import sample_data

    project = QgsProject.instance()
    project.clear()
    try:
        loaded = sample_data.load_sample_data(project, str(tmp_path / "samples"))
        till, area, deposits = (loaded[k] for k in ("till_geochemistry", "study_area", "deposits"))
        elements = processing.runAndLoadResults(
            "prospector:interpolate",
            {"INPUT": till, "FIELDS": ["Cu", "Th"], "PIXEL_SIZE": 2000, "MASK": area, "OUTPUT": "TEMPORARY_OUTPUT"},
        )["OUTPUT"]
        temporary = {k: "TEMPORARY_OUTPUT" for k in ("OUTPUT", "OUTPUT_CONTOURS", "OUTPUT_ANOMALIES")}
        processing.runAndLoadResults(
            "prospector:anomalies",
            {"INPUT_RASTER": elements, "INPUT": till, "DEPOSITS": deposits, "MASK": area} | temporary,
        )
        processing.runAndLoadResults(
            "prospector:pseudolabel",
            {"INPUT_RASTERS": [elements], "LABELS": deposits, "MASK": area}
            | {"OUTPUT": "TEMPORARY_OUTPUT", "OUTPUT_CONFIDENCE": "TEMPORARY_OUTPUT"},
        )
        # the sample lithology is a background map, drawn translucent under the rasters on purpose
        order = [layer for layer in drawn_top_to_bottom(project) if layer.id() != loaded["lithology"]]
        kinds = [layer.type() for layer in order]
        names = [layer.name() for layer in order]
        assert "Known deposits" in names and "Ranked anomalies (1 = follow up first)" in names
        assert "Pseudo-labels" in names and any(n.startswith("Cu (ppm") for n in names)
        for i, upper in enumerate(kinds):
            for j in range(i + 1, len(kinds)):
                assert not (upper == QgsMapLayerType.RasterLayer and kinds[j] == QgsMapLayerType.VectorLayer), (
                    f"raster {names[i]!r} draws over vector {names[j]!r}: {names}"
                )
        # the sample magnetics stays under the step rasters (it would cover the element map otherwise)
        assert names[-1] == "Aeromagnetics TMI (nT)"
    finally:
        project.clear()


def test_a_raster_step_goes_above_the_sample_geology_when_the_magnetics_are_switched_off(prospector_provider, tmp_path):
    """With the sample magnetics unchecked no raster is shown; the element map's new group went to the very bottom,
    under the sample geology polygons (review 25). It now goes where it goes with the magnetics shown: just above
    the geology and magnetics group, under the sample points and lines. Reference: the top-level groups' order in
    QGIS's layer tree, and the same run with the magnetics checked."""
    import processing
    from qgis.core import QgsProject

    from geochem_prospector.ui import sample_data

    project = QgsProject.instance()
    orders = {}
    for magnetics_shown in (True, False):
        project.clear()
        try:
            loaded = sample_data.load_sample_data(project, str(tmp_path / f"samples_{magnetics_shown}"))
            root = project.layerTreeRoot()
            magnetics = next(n for n in root.findLayers() if n.layer().type() == n.layer().RasterLayer)
            magnetics.setItemVisibilityChecked(magnetics_shown)
            till, area = loaded["till_geochemistry"], loaded["study_area"]
            processing.runAndLoadResults(
                "prospector:interpolate",
                {"INPUT": till, "FIELDS": ["Cu"], "PIXEL_SIZE": 2000, "MASK": area, "OUTPUT": "TEMPORARY_OUTPUT"},
            )
            orders[magnetics_shown] = [child.name() for child in root.children()]
        finally:
            project.clear()
    background = sample_data.tr(sample_data.BACKGROUND_GROUP)
    assert orders[False] == orders[True]
    assert orders[False].index("Geochemistry") == orders[False].index(background) - 1, orders[False]


def test_each_step_loads_into_its_group_named_ordered_and_shown_as_in_the_demo(loaded):
    project, _ = loaded
    root = project.layerTreeRoot()
    # the anomaly polygons and contours above every raster, as in the demo (the pseudo-labels covered them)
    assert [g.name() for g in root.children()] == ["Anomalies", "Pseudo-labels", "Geochemistry"]
    anomalies = tree(root.findGroup("Anomalies"))
    assert [(name, checked) for name, checked, _ in anomalies] == [
        ("High-value samples", False),
        ("Anomaly contours of the index", True),
        ("Ranked anomalies (1 = follow up first)", True),
        ("Anomaly classes (index band)", False),
        ("Integrated anomaly index", False),
    ]
    contours = anomalies[1][2]
    assert {f["element"] for f in contours.getFeatures()} == {"index"}  # the filter shows the index's contours
    labels = tree(root.findGroup("Pseudo-labels"))
    assert [(name, checked) for name, checked, _ in labels] == [
        ("Pseudo-labels", True),
        ("Pseudo-label confidence", False),
    ]
    ((name, checked, _),) = tree(root.findGroup("Geochemistry"))
    assert name == "Cu (ppm, IDW): band 1 of Cu, Fe, Th" and checked


def test_element_legend_classes_hold_the_percentiles_they_state(loaded):
    project, elements = loaded
    layer = project.mapLayersByName("Cu (ppm, IDW): band 1 of Cu, Fe, Th")[0]
    items = layer.renderer().shader().rasterShaderFunction().colorRampItemList()
    labels = [item.label for item in items]
    assert labels[0].startswith("≤ ") and labels[0].endswith(" ppm (≤ P25)")
    assert labels[-1].endswith(" ppm (above P98)") and len(labels) == 7
    for item in items[:-1]:  # limits rounded to 3 significant digits, as printed
        number = item.label.split(" ppm")[0].split(" ")[-1].replace(",", "")
        assert float(number) == pytest.approx(item.value, rel=1e-9)
    from qgis.core import QgsLayerTreeModel
    from qgis.PyQt.QtCore import Qt

    model = QgsLayerTreeModel(project.layerTreeRoot())
    shown = [n.data(Qt.DisplayRole) for n in model.layerLegendNodes(project.layerTreeRoot().findLayer(layer.id()))]
    assert shown[0] == "Cu (ppm), percentile classes" and shown[1:] == labels  # not "Band 1: Cu (Gray)"
    shares = shares_by_colour(layer, gdal_band(elements, 1))
    # 25/25/25/15/5/3/2 % of the cells, give or take what rounding the limits to 3 digits moves (< 2 %)
    assert shares == pytest.approx([25, 25, 25, 15, 5, 3, 2], abs=2.0)


def test_pseudolabel_legend_lists_only_classes_in_the_raster(loaded):
    project, _ = loaded
    layer = project.mapLayersByName("Pseudo-labels")[0]
    present = set(np.unique(gdal_band(layer.source(), 1)).tolist())
    listed = {c.value for c in layer.renderer().classes()}
    assert listed == present and listed <= {0.0, 1.0}


def test_high_value_samples_legend_lists_only_the_levels_listed(loaded):
    """Listed from the moderate level (the default), the samples have no 'weak' one, and the legend lists none: its
    categories are the max_level values the layer holds, read with GDAL's OGR (sweep 14b; before: weak, moderate,
    strong whatever the layer held)."""
    from osgeo import ogr

    project, _ = loaded
    layer = project.mapLayersByName("High-value samples")[0]
    path = layer.source().split("|")[0]
    dataset = ogr.Open(path)  # kept while its layer is read
    held = {feature.GetField("max_level") for feature in dataset.GetLayer(0)}
    assert held and 1 not in held
    listed = {int(c.value()) for c in layer.renderer().categories()}
    labels = [c.label() for c in layer.renderer().categories()]
    assert listed == held and "weak" not in labels


def test_prospectivity_legend_is_by_share_of_the_area(qgis_app, tmp_path):
    """A probability raster with nodata outside a disc: QGIS draws 1/4/5/10/80 % of the valid cells per class."""
    from qgis.core import QgsRasterLayer

    from geochem_prospector.algorithms.layers import apply_legend
    from geochem_prospector.core.grid import GridSpec
    from geochem_prospector.core.io.rasters import write_geotiff

    grid = GridSpec.from_extent(0, 0, 12000, 10000, pixel_size=100.0, crs_wkt="EPSG:3067")
    rng = np.random.default_rng(3)
    probability = rng.beta(0.6, 3.0, size=(grid.height, grid.width))
    rows, cols = np.mgrid[: grid.height, : grid.width]
    probability[(rows - 50) ** 2 + (cols - 60) ** 2 > 45**2] = np.nan
    path = write_geotiff(str(tmp_path / "p.tif"), probability[None], grid, ["probability"])
    layer = QgsRasterLayer(path, "p")
    apply_legend(layer, "area_rank")
    labels = [i.label for i in layer.renderer().shader().rasterShaderFunction().colorRampItemList()]
    assert labels == [
        "Rest of the area (lowest 80 %)",
        "Top 10–20 % of the area",
        "Top 5–10 % of the area",
        "Top 1–5 % of the area",
        "Top 1 % of the area",
    ]
    valid = gdal_band(path)
    assert shares_by_colour(layer, valid) == pytest.approx([80, 10, 5, 4, 1], abs=100 / valid.size + 0.05)


def test_ramp_legends_read_rounded(loaded):
    """A continuous ramp's legend labels its ends with 3 significant figures (by hand: 1713.7013 -> 1,710)."""
    from qgis.core import QgsNumericFormatContext

    project, _ = loaded
    for name in ("Integrated anomaly index", "Pseudo-label confidence"):
        function = project.mapLayersByName(name)[0].renderer().shader().rasterShaderFunction()
        number = function.legendSettings().numericFormat()
        assert number.formatDouble(1713.7013434, QgsNumericFormatContext()) == "1,710"
        assert number.formatDouble(-0.0428123, QgsNumericFormatContext()) == "-0.0428"


def test_no_raster_legend_reads_qgis_band_title(loaded):
    """The demo project's 'Integrated anomaly index' and 'Pseudo-label confidence' were titled 'Band 1: index
    (Gray)' in the layers panel: a loaded raster without classes is titled with the name of the band it draws
    (GDAL's description, the reference), the anomaly classes with their last band's (the index), not band 1's."""
    from osgeo import gdal
    from qgis.core import QgsLayerTreeModel, QgsRasterLayer
    from qgis.PyQt.QtCore import Qt

    from geochem_prospector.algorithms.layers import TITLE_PROPERTY

    project, _ = loaded
    model = QgsLayerTreeModel(project.layerTreeRoot())
    rasters = [n for n in project.layerTreeRoot().findLayers() if isinstance(n.layer(), QgsRasterLayer)]
    unclassed = [n for n in rasters if not n.layer().customProperty(TITLE_PROPERTY)]
    assert len(rasters) >= 4 and {n.name() for n in unclassed} >= {
        "Integrated anomaly index",
        "Pseudo-label confidence",
    }
    for node in rasters:
        shown = [n.data(Qt.DisplayRole) for n in model.layerLegendNodes(node)]
        assert shown and not str(shown[0]).startswith("Band "), (node.name(), shown)
    for node in unclassed:
        dataset = gdal.Open(node.layer().source())
        band = node.layer().renderer().band()
        title = model.layerLegendNodes(node)[0].data(Qt.DisplayRole)
        assert title == dataset.GetRasterBand(band).GetDescription(), (node.name(), title)
    classes = next(n for n in rasters if n.name().startswith("Anomaly classes"))
    assert classes.layer().renderer().band() == classes.layer().bandCount()
    assert model.layerLegendNodes(classes)[0].data(Qt.DisplayRole) == "index"


def test_prospectivity_legend_title_does_not_repeat_the_layer_name(qgis_app, tmp_path):
    """The demo legend read 'Prospectivity' then 'prospectivity, by share of the study area'."""
    from qgis.core import QgsRasterLayer

    from geochem_prospector.algorithms.layers import TITLE_PROPERTY, apply_legend
    from geochem_prospector.core.grid import GridSpec
    from geochem_prospector.core.io.rasters import write_geotiff

    grid = GridSpec.from_extent(0, 0, 2000, 2000, pixel_size=100.0, crs_wkt="EPSG:3067")
    values = np.random.default_rng(0).random((1, grid.height, grid.width))
    path = write_geotiff(str(tmp_path / "p.tif"), values, grid, ["prospectivity"])
    same, other = QgsRasterLayer(path, "Prospectivity"), QgsRasterLayer(path, "CNN map")
    apply_legend(same, "area_rank")
    apply_legend(other, "area_rank")
    assert same.customProperty(TITLE_PROPERTY) == "By share of the study area"
    assert other.customProperty(TITLE_PROPERTY) == "prospectivity, by share of the study area"


def test_a_unit_in_the_field_name_is_the_bands_and_legends_unit(prospector_provider, tmp_path):
    """Laboratory tables mix units (Au in ppb, Cu in ppm) and say so in the field names: the layer of 'Au_ppb' is
    legended in ppb, not in UNITS' ppm, and says so in the log; its name does not repeat the unit. Each band carries
    its unit as GDAL's unit type (read back with GDAL), which evaluate and the evidence stack show."""
    import geopandas as gpd
    import processing
    from osgeo import gdal
    from qgis.core import QgsProject

    till = gpd.read_file(TILL)
    till["Au_ppb"] = till["Cu"]  # any positive values: the unit is what is tested
    samples = str(tmp_path / "lab.gpkg")
    till[["Au_ppb", "Cu", "geometry"]].to_file(samples, driver="GPKG")
    project = QgsProject.instance()
    project.clear()
    from tests.qgis.feedback import RecordingFeedback

    feedback = RecordingFeedback()
    output = processing.runAndLoadResults(
        "prospector:interpolate",
        {
            "INPUT": samples,
            "FIELDS": ["Au_ppb", "Cu"],
            "PIXEL_SIZE": 2000,
            "UNITS": "ppm",
            "OUTPUT": "TEMPORARY_OUTPUT",
        },
        feedback=feedback,
    )["OUTPUT"]
    try:
        layer = project.mapLayersByName("Au_ppb (IDW): band 1 of Au_ppb, Cu")[0]
        labels = [item.label for item in layer.renderer().shader().rasterShaderFunction().colorRampItemList()]
        assert labels[0].endswith(" ppb (≤ P25)") and labels[-1].endswith(" ppb (above P98)")
        # UNITS at its default ('ppm') is for the fields naming no unit: Au_ppb's own is said, not warned of
        assert not [w for w in feedback.warnings if w.startswith("UNITS:")]
        said = [i for i in feedback.infos if i.startswith("UNITS:")]
        assert len(said) == 1 and "the field 'Au_ppb' states its unit, ppb, and UNITS says 'ppm'" in said[0]
        dataset = gdal.Open(output)
        assert [dataset.GetRasterBand(i).GetUnitType() for i in (1, 2)] == ["ppb", "ppm"]
    finally:
        project.clear()


def test_a_unit_set_by_hand_that_a_field_name_contradicts_is_warned_of(run_algorithm, tmp_path):
    """UNITS typed by the user ('ppb') against a field naming ppm is a contradiction worth a warning; UNITS left at
    its default is not (the test above): there the field's own unit is said in an information line."""
    import geopandas as gpd

    from tests.qgis.feedback import RecordingFeedback

    till = gpd.read_file(TILL)
    samples = str(tmp_path / "lab.gpkg")
    till.rename(columns={"Cu": "Cu_ppm"})[["Cu_ppm", "geometry"]].to_file(samples, driver="GPKG")
    feedback = RecordingFeedback()
    run_algorithm(
        "prospector:interpolate",
        {
            "INPUT": samples,
            "FIELDS": ["Cu_ppm"],
            "PIXEL_SIZE": 2000,
            "UNITS": "ppb",
            "OUTPUT": str(tmp_path / "cu.tif"),
        },
        feedback=feedback,
    )
    warned = [w for w in feedback.warnings if w.startswith("UNITS:")]
    assert len(warned) == 1 and "the field 'Cu_ppm' states its unit, ppm, and UNITS says 'ppb'" in warned[0]


def test_a_rerun_into_a_loaded_file_shows_the_new_file(prospector_provider, tmp_path):
    """Re-run into the file of a layer the project shows (sweep 9b): QGIS hands the project's layer back to be
    styled; it must read the new file (one band of Th on 1 km cells), not the one the run replaced (Cu and Fe on
    2 km cells), which it went on drawing under the new name before."""
    import processing
    from osgeo import gdal
    from qgis.core import QgsProject

    project = QgsProject.instance()
    project.clear()
    out = str(tmp_path / "elements.tif")
    first = {"INPUT": TILL, "FIELDS": ["Cu", "Fe"], "PIXEL_SIZE": 2000, "MASK": AREA, "OUTPUT": out}
    processing.runAndLoadResults("prospector:interpolate", first)
    processing.runAndLoadResults("prospector:interpolate", first | {"FIELDS": ["Th"], "PIXEL_SIZE": 1000})
    try:
        (layer,) = project.mapLayers().values()
        dataset = gdal.Open(out)
        expected = dataset.GetRasterBand(1).ReadAsArray().astype(np.float64)
        assert (dataset.RasterCount, dataset.GetRasterBand(1).GetDescription()) == (1, "Th")
        assert layer.name().startswith("Th")
        assert (layer.bandCount(), layer.width(), layer.height()) == (1, dataset.RasterXSize, dataset.RasterYSize)
        block = layer.dataProvider().block(1, layer.extent(), layer.width(), layer.height())
        drawn = np.array(
            [[block.value(r, c) for c in range(block.width())] for r in range(block.height())], dtype=np.float64
        )
        valid = expected != dataset.GetRasterBand(1).GetNoDataValue()
        np.testing.assert_allclose(drawn[valid], expected[valid], rtol=1e-6)
    finally:
        project.clear()


def test_a_rerun_of_anomalies_into_loaded_files_shows_the_new_files(prospector_provider, tmp_path):
    """Anomalies re-run into the files it loaded (sweep 9b): the rasters are the project's layers again, reading the
    new files; the contours layer, loaded with a filter, is not found again, so QGIS adds a second one: the first
    run's goes (it drew the new file under the old run's name; before, both stayed). Every layer must show what
    GDAL/OGR read from the files now, one layer per file."""
    import processing
    from osgeo import gdal, ogr
    from qgis.core import QgsProject

    project = QgsProject.instance()
    project.clear()
    grid = {"INPUT": TILL, "FIELDS": ["Cu", "Fe"], "PIXEL_SIZE": 2000, "MASK": AREA, "OUTPUT": str(tmp_path / "el.tif")}
    elements = processing.run("prospector:interpolate", grid)["OUTPUT"]
    outputs = {k: str(tmp_path / f"{k.lower()}.gpkg") for k in ("OUTPUT_CONTOURS", "OUTPUT_ANOMALIES", "OUTPUT_POINTS")}
    outputs |= {"OUTPUT": str(tmp_path / "classes.tif"), "OUTPUT_INDEX": str(tmp_path / "index.tif")}
    params = {"INPUT_RASTER": elements, "INPUT": TILL, "DEPOSITS": DEPOSITS, "MASK": AREA} | outputs
    try:
        processing.runAndLoadResults("prospector:anomalies", params | {"MIN_CELLS": 1})
        processing.runAndLoadResults("prospector:anomalies", params | {"MIN_CELLS": 20, "ELEMENT_BANDS": [1]})
        seen = []
        for layer in project.mapLayers().values():
            path = layer.source().split("|")[0]
            seen.append(os.path.basename(path))
            if layer.type() == 0:  # vector: the features OGR reads under the layer's own filter
                dataset = ogr.Open(path)  # kept: its layer dies with it
                source = dataset.GetLayer(0)
                source.SetAttributeFilter(layer.subsetString() or None)
                assert sum(1 for _ in layer.getFeatures()) == source.GetFeatureCount(), layer.name()
            else:
                assert layer.bandCount() == gdal.Open(path).RasterCount, layer.name()
        assert sorted(seen) == sorted(os.path.basename(p) for p in outputs.values())
    finally:
        project.clear()


def test_a_first_load_reads_its_file_once_and_a_rerun_reads_it_again(prospector_provider, tmp_path):
    """Only a layer the project held before the run is pointed at its file again (the re-run case above); a layer
    QGIS has just opened reads the new file already, and opening it a second time cost a reopen per output."""
    import processing
    from qgis.core import QgsProject

    project = QgsProject.instance()
    project.clear()
    repointed = []

    def watch(layer):
        layer.dataSourceChanged.connect(lambda: repointed.append(layer.name()))

    project.layerWasAdded.connect(watch)
    out = str(tmp_path / "elements.tif")
    first = {"INPUT": TILL, "FIELDS": ["Cu", "Fe"], "PIXEL_SIZE": 2000, "MASK": AREA, "OUTPUT": out}
    try:
        processing.runAndLoadResults("prospector:interpolate", first)
        assert len(project.mapLayers()) == 1 and repointed == []
        processing.runAndLoadResults("prospector:interpolate", first | {"FIELDS": ["Th"]})
        assert len(project.mapLayers()) == 1 and len(repointed) == 1
    finally:
        project.layerWasAdded.disconnect(watch)
        project.clear()


def test_a_second_runs_map_of_the_same_kind_is_named_apart(prospector_provider, tmp_path):
    """Before, two predict-like runs (here pseudolabel into two files, then a third to a temporary output) loaded
    three layers all named 'Pseudo-labels': which map came from which run could only be read from its source."""
    import processing
    from qgis.core import QgsProject

    project = QgsProject.instance()
    project.clear()
    try:
        elements = processing.run(
            "prospector:interpolate",
            {"INPUT": TILL, "FIELDS": ["Cu"], "PIXEL_SIZE": 2000, "MASK": AREA, "OUTPUT": str(tmp_path / "cu.tif")},
        )["OUTPUT"]

        def labels(output):
            processing.runAndLoadResults(
                "prospector:pseudolabel",
                {
                    "INPUT_RASTERS": [elements],
                    "LABELS": DEPOSITS,
                    "MASK": AREA,
                    "OUTPUT": output,
                    "OUTPUT_CONFIDENCE": "TEMPORARY_OUTPUT",
                    "OUTPUT_SUMMARY": str(tmp_path / f"summary_{len(project.mapLayers())}.html"),
                },
            )

        labels(str(tmp_path / "labels_a.tif"))
        labels(str(tmp_path / "labels_b.tif"))
        labels("TEMPORARY_OUTPUT")
        names = sorted(layer.name() for layer in project.mapLayers().values())
        assert names == [
            "Pseudo-label confidence",
            "Pseudo-label confidence (2)",  # temporary outputs: their file names mean nothing
            "Pseudo-label confidence (3)",
            "Pseudo-labels",
            "Pseudo-labels (2)",
            "Pseudo-labels (labels_b)",
        ]
        sources = {layer.name(): layer.source() for layer in project.mapLayers().values()}
        assert sources["Pseudo-labels"].endswith("labels_a.tif")
        assert sources["Pseudo-labels (labels_b)"].endswith("labels_b.tif")
        # a re-run into a file the project shows keeps that layer's name: nothing to tell apart
        labels(str(tmp_path / "labels_b.tif"))
        assert sum(1 for layer in project.mapLayers().values() if layer.name() == "Pseudo-labels (labels_b)") == 1
        assert "Pseudo-labels (labels_b) (2)" not in {layer.name() for layer in project.mapLayers().values()}
    finally:
        project.clear()


def test_a_new_raster_never_goes_over_shown_points_or_lines_in_a_users_tree(prospector_provider, tmp_path):
    """Review 27: with no raster shown, the new group went above the first child holding a hidden raster wherever it
    lay (above the faults and geology); review 28: a shown raster in a group that also shows lines (anomaly classes
    beside their contours) pulled it to the top. Reference: QGIS's drawing order (shown layers top first) after
    the step's group is put where the rule says, checked pairwise: no raster over a shown point or line layer; and
    the new raster over the older shown one (the newest map on top of the rasters)."""
    import rasterio
    from qgis.core import QgsLayerTreeGroup, QgsLayerTreeLayer, QgsProject, QgsRasterLayer, QgsVectorLayer
    from rasterio.transform import from_origin

    from geochem_prospector.algorithms.layers import new_group_index

    path = str(tmp_path / "r.tif")
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32", crs="EPSG:3067",
                       transform=from_origin(0, 2, 1, 1)) as out:  # fmt: skip
        out.write(np.ones((1, 2, 2), dtype=np.float32))
    project = QgsProject.instance()
    made = []

    def layer(kind, name):
        made.append(
            QgsRasterLayer(path, name) if kind == "raster" else QgsVectorLayer(f"{kind}?crs=EPSG:3067", name, "memory")
        )
        project.addMapLayer(made[-1], False)
        return made[-1]

    def fill(parent, spec):
        for name, content in spec:
            if isinstance(content, list):
                fill(parent.addGroup(name), content)
            else:
                kind, shown = content
                parent.addLayer(layer(kind, name)).setItemVisibilityChecked(shown)

    trees = [
        [("samples", ("Point", True)), ("old map", ("raster", False)), ("faults", ("LineString", True)),
         ("geology", ("Polygon", True))],
        [("Anomalies", [("contours", ("LineString", True)), ("classes", ("raster", True))]),
         ("deposits", ("Point", True)),
         ("Background", [("lithology", ("Polygon", True)), ("magnetics", ("raster", True))])],
    ]  # fmt: skip
    try:
        for spec in trees:
            root = QgsLayerTreeGroup()
            fill(root, spec)
            new = layer("raster", "Cu")
            root.insertGroup(new_group_index(root, new, QgsLayerTreeLayer(new)), "Geochemistry").addLayer(new)
            shown = [n.layer() for n in root.findLayers() if n.isVisible()]
            names = [shown_layer.name() for shown_layer in shown]
            below_cu = shown[names.index("Cu") :]
            assert not any(
                isinstance(other, QgsVectorLayer) and other.geometryType() in (0, 1) for other in below_cu
            ), names
            if "magnetics" in names:
                assert names.index("Cu") < names.index("magnetics"), names
    finally:
        for made_layer in made:
            project.removeMapLayer(made_layer.id())


def test_a_steps_group_lands_in_one_place_whichever_output_loads_first(prospector_provider, tmp_path):
    """QGIS loads a run's outputs in the order of their paths (random folders for temporary ones): on the Kola table
    under Xvfb the anomaly class raster came first one run and the Anomalies group went below the user's samples
    and boundary; the next run a vector came first and it went on top. Reference: the same tree built with every
    load order, the vectors' rule (a group holding anomaly contours on top: no shown layer above the contours)."""
    import itertools

    import rasterio
    from qgis.core import QgsProject, QgsRasterLayer, QgsVectorLayer
    from rasterio.transform import from_origin

    from geochem_prospector.algorithms.layers import Placement

    path = str(tmp_path / "classes.tif")
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32", crs="EPSG:3067",
                       transform=from_origin(0, 2, 1, 1)) as out:  # fmt: skip
        out.write(np.ones((1, 2, 2), dtype=np.float32))
    project = QgsProject.instance()
    outcomes = set()
    try:
        # QGIS adds a result at the top, or (the desktop) beside the selected node: inside this run's group
        for order, into_group in itertools.product(
            itertools.permutations(["classes", "contours", "polygons"]), (False, True)
        ):
            project.removeAllMapLayers()
            project.layerTreeRoot().removeAllChildren()
            for kind, name in (("Point", "samples"), ("Polygon", "boundary")):
                project.addMapLayer(QgsVectorLayer(f"{kind}?crs=EPSG:3067", name, "memory"))
            root = project.layerTreeRoot()
            root.insertChildNode(0, root.findLayer(project.mapLayersByName("samples")[0].id()).clone())
            root.removeChildNode(root.children()[-1])  # samples above the boundary, as a user arranged them
            for sequence, name in enumerate(order, 1):
                if name == "classes":
                    layer = QgsRasterLayer(path, name)
                else:
                    kind = "LineString" if name == "contours" else "Polygon"
                    layer = QgsVectorLayer(f"{kind}?crs=EPSG:3067", name, "memory")
                group = project.layerTreeRoot().findGroup("Anomalies")
                if into_group and group is not None:
                    project.addMapLayer(layer, False)
                    group.insertLayer(0, layer)
                else:
                    project.addMapLayer(layer)  # at the top of the tree, as QGIS adds a result
                Placement("Anomalies", True, "", "run-1", sequence).apply(layer, project)
            top = [n.name() for n in root.children()]
            group = root.findGroup("Anomalies")
            outcomes.add((tuple(top), tuple(n.name() for n in group.children())))
            shown = [n.layer().name() for n in root.findLayers() if n.isVisible()]
            assert shown.index("contours") == 0, (order, into_group, shown)
            assert len(root.findLayers()) == 5, (order, into_group, [n.name() for n in root.findLayers()])
        assert len(outcomes) == 1, outcomes
    finally:
        project.removeAllMapLayers()
        project.layerTreeRoot().removeAllChildren()


def test_a_new_raster_draws_over_the_users_filled_polygons_not_their_outlines(prospector_provider, tmp_path):
    """Under Xvfb on a district of the user's own (sweep 32a: samples, deposits, faults, then a study area and a
    lithology in QGIS's default filled style, then magnetics) every step's raster went under the two polygon
    layers: the map showed a grey rectangle after each step. Reference: the map QGIS renders with the layer
    tree's order, read at the centre pixel: the element map's colour over filled polygons; an outline-only
    study area still draws its outline over the map."""
    import rasterio
    from qgis.core import (
        QgsFillSymbol,
        QgsLayerTreeGroup,
        QgsLayerTreeLayer,
        QgsMapRendererSequentialJob,
        QgsMapSettings,
        QgsPalettedRasterRenderer,
        QgsProject,
        QgsRasterLayer,
        QgsRectangle,
        QgsVectorLayer,
    )
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor
    from rasterio.transform import from_origin

    from geochem_prospector.algorithms.layers import new_group_index

    path = str(tmp_path / "cu.tif")
    with rasterio.open(path, "w", driver="GTiff", width=10, height=10, count=1, dtype="uint8", crs="EPSG:25829",
                       transform=from_origin(0, 10, 1, 1)) as out:  # fmt: skip
        out.write(np.ones((1, 10, 10), dtype=np.uint8))
    project = QgsProject.instance()
    made = []

    def add(layer):
        made.append(layer)
        project.addMapLayer(layer, False)
        return layer

    def polygon(name, fill):
        layer = add(QgsVectorLayer("Polygon?crs=EPSG:25829", name, "memory"))
        layer.dataProvider().addFeature(_square_feature(0, 10))  # the raster's extent: its outline on the map's edge
        style = {"color": "255,0,0,255" if fill else "0,0,0,0", "outline_color": "0,255,0,255", "outline_width": "2"}
        layer.renderer().setSymbol(QgsFillSymbol.createSimple(style))
        return layer

    def centre_and_edge(root):
        settings = QgsMapSettings()
        settings.setLayers(root.checkedLayers())
        settings.setDestinationCrs(made[0].crs())
        settings.setExtent(QgsRectangle(-6, -6, 16, 16))
        settings.setOutputSize(QSize(220, 220))
        job = QgsMapRendererSequentialJob(settings)
        job.start()
        job.waitForFinished()
        image = job.renderedImage()
        # the centre, and just inside the map's top edge (row 60), under the inner half of the outline
        return QColor(image.pixel(110, 110)).getRgb()[:3], QColor(image.pixel(110, 61)).getRgb()[:3]

    try:
        outcomes = {}
        for filled in (True, False):
            root = QgsLayerTreeGroup()
            for layer in (
                add(QgsVectorLayer("Point?crs=EPSG:25829", "samples", "memory")),
                add(QgsVectorLayer("LineString?crs=EPSG:25829", "faults", "memory")),
                polygon("study_area", filled),
                polygon("lithologie", True) if filled else None,
            ):
                if layer is not None:
                    root.addLayer(layer)
            cu = add(QgsRasterLayer(path, "Cu"))
            cu.setRenderer(QgsPalettedRasterRenderer(cu.dataProvider(), 1, [
                QgsPalettedRasterRenderer.Class(1, QColor(0, 0, 255), "1")]))  # fmt: skip
            root.insertGroup(new_group_index(root, cu, QgsLayerTreeLayer(cu)), "Geochemistry").addLayer(cu)
            outcomes[filled] = centre_and_edge(root)
        # filled polygons: the element map (blue) at the centre, not the red fill
        assert outcomes[True][0] == (0, 0, 255), outcomes
        # an outline-only study area: its green outline stays over the map at the square's edge
        assert outcomes[False][0] == (0, 0, 255) and outcomes[False][1] == (0, 255, 0), outcomes
    finally:
        for made_layer in made:
            project.removeMapLayer(made_layer.id())


def _square_feature(low, high):
    from qgis.core import QgsFeature, QgsGeometry, QgsRectangle

    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromRect(QgsRectangle(low, low, high, high)))
    return feature


def test_what_counts_as_filled_polygons_and_a_hidden_lithology(prospector_provider):
    """Review 34: a fill of zero opacity, a switched-off fill and a centroid fill (markers only) hide nothing; a
    filled lithology the user switched off still gets the new raster above it (switched on again, it would hide the
    map)."""
    from qgis.core import (
        QgsCentroidFillSymbolLayer,
        QgsFillSymbol,
        QgsLayerTreeGroup,
        QgsLayerTreeLayer,
        QgsRasterLayer,
        QgsVectorLayer,
    )

    from geochem_prospector.algorithms.layers import fills_polygons, new_group_index

    def filled(name):
        layer = QgsVectorLayer("Polygon?crs=EPSG:25829", name, "memory")
        layer.renderer().setSymbol(QgsFillSymbol.createSimple({"color": "255,0,0,255"}))
        return layer

    plain, transparent, switched_off, centroid = (filled(n) for n in ("plain", "transparent", "off", "centroid"))
    transparent.setOpacity(0.0)
    switched_off.renderer().symbol().symbolLayer(0).setEnabled(False)
    centroid.renderer().symbol().changeSymbolLayer(0, QgsCentroidFillSymbolLayer())
    assert [fills_polygons(layer) for layer in (plain, transparent, switched_off, centroid)] == [
        True, False, False, False
    ]  # fmt: skip
    root = QgsLayerTreeGroup()
    root.addLayer(QgsVectorLayer("Point?crs=EPSG:25829", "samples", "memory"))
    hidden = root.addLayer(plain)
    hidden.setItemVisibilityChecked(False)
    raster = QgsRasterLayer("", "cu", "gdal")
    assert new_group_index(root, raster, QgsLayerTreeLayer(raster)) == 1  # above the hidden lithology
