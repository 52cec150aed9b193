"""The demo's map rendering reads the bundled sample layers without touching them."""

import hashlib
import os
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(REPO, "resources", "sample_data")
sys.path.insert(0, os.path.join(REPO, "scripts"))


def _digests():
    return {
        name: hashlib.sha256(open(os.path.join(SAMPLES, name), "rb").read()).hexdigest()
        for name in sorted(os.listdir(SAMPLES))
        if name.endswith(".gpkg")
    }


def test_element_map_renders_and_leaves_the_sample_geopackages_byte_identical(qgis_app, tmp_path):
    import geopandas as gpd
    from render import render_element_map

    from geochem_prospector.core.grid import GridSpec
    from geochem_prospector.core.io.rasters import write_geotiff

    area = gpd.read_file(os.path.join(SAMPLES, "study_area.gpkg"))
    grid = GridSpec.from_extent(*area.total_bounds, pixel_size=2000.0, crs_wkt=area.crs.to_wkt())
    values = np.random.default_rng(0).lognormal(3, 1, (1, grid.height, grid.width))
    write_geotiff(str(tmp_path / "cu.tif"), values, grid, ["Cu"])
    before = _digests()
    png = render_element_map(str(tmp_path / "cu.tif"), "Cu", str(tmp_path / "map.png"))
    assert os.path.getsize(png) > 20_000  # a real layout, not an empty page
    # QGIS 3.22's setSubsetString() opened the deposits in update mode and bumped the GeoPackage's change counter
    assert _digests() == before


def test_element_map_legend_is_in_ppm_percentile_classes_of_the_chosen_band(qgis_app, tmp_path):
    """The demo's element map legend read 'Band 1: Cu (Gray)' over two bare numbers. The class limits are checked
    against numpy's percentiles of the band read with GDAL."""
    from osgeo import gdal
    from render import element_layer

    from geochem_prospector.algorithms.layers import TITLE_PROPERTY
    from geochem_prospector.core.grid import GridSpec
    from geochem_prospector.core.io.rasters import write_geotiff

    grid = GridSpec.from_extent(0, 0, 4000, 3000, pixel_size=100.0, crs_wkt="EPSG:3067")
    values = np.random.default_rng(1).lognormal(3, 1, (2, grid.height, grid.width))
    path = write_geotiff(str(tmp_path / "elements.tif"), values, grid, ["Ni", "Cu"])
    layer = element_layer(path, "Cu")
    assert layer.renderer().band() == 2 and layer.customProperty(TITLE_PROPERTY) == "Cu (ppm), percentile classes"
    items = layer.renderer().shader().rasterShaderFunction().colorRampItemList()
    dataset = gdal.Open(path)  # kept: a band outliving its dataset crashes
    cu = dataset.GetRasterBand(2).ReadAsArray()
    p25 = float(np.percentile(cu, 25))
    assert items[0].label.endswith(" ppm (≤ P25)") and abs(items[0].value / p25 - 1) < 5e-3  # 3 digits


def test_labels_use_a_font_the_system_has(qgis_app, tmp_path):
    """No missing-font warning on opening: the style names no family, and a saved project names one fontconfig
    (fc-list, the reference) has; offscreen Qt's default 'DejaVu LGC Sans' is rarely installed."""
    import re
    import shutil
    import subprocess

    import pytest
    from qgis.core import QgsProject, QgsVectorLayer
    from render import use_installed_label_font

    from geochem_prospector.algorithms.base import STYLES_DIR

    if shutil.which("fc-list") is None:
        pytest.skip("fc-list (fontconfig) is not installed")
    qml = os.path.join(STYLES_DIR, "anomaly_areas.qml")
    assert "fontFamily=" not in open(qml, encoding="utf-8").read()
    layer = QgsVectorLayer("Polygon?crs=EPSG:3067&field=rank:integer&field=score:double", "areas", "memory")
    layer.loadNamedStyle(qml)
    use_installed_label_font(layer)
    project = QgsProject()
    project.addMapLayer(layer)
    assert project.write(str(tmp_path / "p.qgs"))
    families = set(re.findall(r'fontFamily="([^"]*)"', (tmp_path / "p.qgs").read_text(encoding="utf-8")))
    installed = {
        name.strip()
        for line in subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout.splitlines()
        for name in line.split(",")
    }
    assert families and families <= installed, (families, sorted(installed))


def test_demo_project_opens_on_the_study_area_with_band_titled_legends(qgis_app, tmp_path):
    """Opened in QGIS desktop, the demo project showed an empty canvas at 1:1 (written without a map canvas, it had
    no view to open on) and legends titled 'Band 1: index (Gray)'. Built here from small stand-ins for the demo's
    outputs; the reference is the study area's extent as geopandas reads it."""
    import geopandas as gpd
    from qgis.core import QgsLayerTreeModel, QgsProject, QgsRasterLayer
    from qgis.PyQt.QtCore import Qt
    from render import build_demo_project
    from shapely.geometry import LineString, Point

    from geochem_prospector.core.grid import GridSpec
    from geochem_prospector.core.io.rasters import write_geotiff

    area = gpd.read_file(os.path.join(SAMPLES, "study_area.gpkg"))
    grid = GridSpec.from_extent(*area.total_bounds, pixel_size=4000.0, crs_wkt=area.crs.to_wkt())
    rng = np.random.default_rng(0)

    def raster(name, bands, integer=False):
        values = (
            rng.integers(0, 2, (len(bands), grid.height, grid.width))
            if integer
            else rng.random((len(bands), grid.height, grid.width))
        )
        return write_geotiff(str(tmp_path / f"{name}.tif"), values.astype(float), grid, bands)

    def vector(name, geometries, **fields):
        path = str(tmp_path / f"{name}.gpkg")
        gpd.GeoDataFrame(fields, geometry=geometries, crs=area.crs).to_file(path, layer=name)
        return path

    x0, y0, x1, y1 = area.total_bounds
    centre = Point((x0 + x1) / 2, (y0 + y1) / 2)
    layers = {
        "elements": raster("elements", ["Cu", "Ni"]),
        "anomalies": {
            "OUTPUT": raster("classes", ["Cu", "index"], integer=True),
            "OUTPUT_INDEX": raster("index", ["index"]),
            "OUTPUT_CONTOURS": vector(
                "contours", [LineString([(x0, y0), (x1, y1)])], element=["index"], level=["weak"], value=[1.0]
            ),
            "OUTPUT_ANOMALIES": vector("areas", [centre.buffer(3000)], rank=[1], score=[0.9]),
            "OUTPUT_POINTS": vector("points", [centre], max_level=[1], elements=["Cu"]),
        },
        "labels": {
            "OUTPUT": raster("labels", ["label"], integer=True),
            "OUTPUT_CONFIDENCE": raster("conf", ["confidence"]),
        },
        "training": vector("training", [centre], Name=["A"]),
        "held_out": vector("held_out", [centre], Name=["B"]),
        "prediction": {
            "OUTPUT": raster("p", ["prospectivity"]),
            "OUTPUT_UNCERTAINTY": raster("u", ["uncertainty"]),
            "OUTPUT_RANK": raster("rank", ["percentile of the study area"]),
        },
        "kriged": {"OUTPUT": raster("kriged", ["Cu", "Ni"]), "OUTPUT_VARIANCE": raster("var", ["Cu_variance"])},
        "evidence": raster("evidence", ["faults:distance_m", "lithology:Granit"]),
    }
    path = build_demo_project(layers, str(tmp_path / "demo.qgz"))
    project = QgsProject()
    assert project.read(path)
    view = project.viewSettings().defaultViewExtent()
    ax0, ay0, ax1, ay1 = area.total_bounds
    assert not view.isEmpty() and view.crs() == project.crs()
    assert view.xMinimum() <= ax0 and view.xMaximum() >= ax1 and view.yMinimum() <= ay0 and view.yMaximum() >= ay1
    assert view.width() <= 1.1 * (ax1 - ax0)  # the study area fills the view
    # the README: "prospectivity.qgz — a QGIS project with every layer": each file the demo wrote is a layer of it
    # (the evidence stack, the kriged map, its variance and the rank map were missing)
    written = {os.path.realpath(p) for p in _paths(layers) if p.endswith((".tif", ".gpkg"))}
    sources = {os.path.realpath(layer.source().split("|")[0]) for layer in project.mapLayers().values()}
    assert written - sources == set()
    classes = project.mapLayersByName("Anomaly classes (index band)")[0]  # as the plugin loads it
    assert classes.renderer().band() == classes.bandCount()
    model = QgsLayerTreeModel(project.layerTreeRoot())
    for node in project.layerTreeRoot().findLayers():
        if isinstance(node.layer(), QgsRasterLayer):
            title = model.layerLegendNodes(node)[0].data(Qt.DisplayRole)
            assert not str(title).startswith("Band "), (node.name(), title)


def _paths(value):
    """Every text in a nested dict of demo results (the files it wrote)."""
    if isinstance(value, dict):
        return [p for item in value.values() for p in _paths(item)]
    return [value] if isinstance(value, str) else []
