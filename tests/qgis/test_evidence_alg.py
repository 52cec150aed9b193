"""prospector:evidence in-process on the bundled Lapland data, against independent references (shapely distances,
gdal_rasterize, gdalwarp), and its refusals of bad input (nothing written)."""

from __future__ import annotations

import csv
import json
import os
import subprocess

import numpy as np
import pytest
import rasterio

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(REPO, "resources", "sample_data")
FAULTS = os.path.join(SAMPLES, "faults.gpkg")
LITHOLOGY = os.path.join(SAMPLES, "lithology.gpkg")
AREA = os.path.join(SAMPLES, "study_area.gpkg")
ROCK = "Quartzite, originally sands deposited in ocean's shore zone"
PIXEL = 1000.0


@pytest.fixture(scope="module")
def magnetics(tmp_path_factory):
    """A copy of the bundled magnetics: QGIS writes .aux.xml statistics beside rasters it opens."""
    import shutil

    return shutil.copy(os.path.join(SAMPLES, "magnetics_tmi_nT.tif"), tmp_path_factory.mktemp("mag"))


def base(tmp_path, **changes):
    params = {
        "LINES": [FAULTS],
        "POLYGONS": LITHOLOGY,
        "CLASS_FIELD": "GENERALI_1",
        "CLASSES": f"{ROCK};Granit",
        "PIXEL_SIZE": PIXEL,
        "MASK": AREA,
        "DENSITY_RADIUS": 5000,
        "INTERSECTIONS": True,
        "OUTPUT": str(tmp_path / "evidence.tif"),
        "OUTPUT_TABLE": str(tmp_path / "bands.csv"),
    }
    params.update(changes)
    return params


def centres(src, rows, cols):
    x = src.transform.c + (cols + 0.5) * src.transform.a
    y = src.transform.f + (rows + 0.5) * src.transform.e
    return x, y


def test_sample_data_stack_against_references(run_algorithm, magnetics, tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point
    from shapely.ops import unary_union

    result = run_algorithm("prospector:evidence", base(tmp_path, CONTINUOUS_RASTERS=[magnetics], CONTINUOUS_METHOD=1))
    names = [
        "faults:distance_m",
        "faults:density_km_per_km2",
        "faults:intersection_distance_m",
        f"lithology:{ROCK}",
        "lithology:Granit",
        "lithology:contact_distance_m",
        "magnetics_tmi_nT:band 1",
    ]
    with rasterio.open(result["OUTPUT"]) as src:
        assert list(src.descriptions) == names
        assert src.units == ("m", "km/km2", "m", "1", "1", "m", "nT")  # the magnetics' own unit, carried over
        assert src.res == (PIXEL, PIXEL) and src.crs.to_epsg() == 3067
        record = json.loads(src.tags()["GEOCHEM_PROSPECTOR_PROVENANCE"])
        assert record["algorithm"] == "prospector:evidence" and record["parameters"]["CONTINUOUS_METHOD"] == "average"
        data = src.read(masked=True)
        transform, shape = src.transform, (src.height, src.width)
        rng = np.random.default_rng(1)
        valid = np.argwhere(~data.mask[0])
        picks = valid[rng.choice(len(valid), 150, replace=False)]
        x, y = centres(src, picks[:, 0], picks[:, 1])
    # distance to faults: exact against shapely, up to float32
    faults = unary_union(list(gpd.read_file(FAULTS).geometry))
    reference = np.array([faults.distance(Point(a, b)) for a, b in zip(x, y)])
    np.testing.assert_allclose(data[0][picks[:, 0], picks[:, 1]], reference, rtol=1e-6, atol=0.01)
    # the mask: nodata outside the study area in every band, as gdal_rasterize burns it
    area_mask = _gdal_rasterize(tmp_path / "area.tif", AREA, transform, shape)
    np.testing.assert_array_equal(~data.mask[0], area_mask == 1)
    assert (data.mask == data.mask[0]).all()
    # class bands: gdal_rasterize of the same class, inside the mask
    for band, rock in ((3, ROCK), (4, "Granit")):
        burned = _gdal_rasterize(tmp_path / f"{band}.tif", LITHOLOGY, transform, shape, where=f'GENERALI_1 = "{rock}"')
        inside = area_mask == 1
        assert burned[inside].sum() > 50
        np.testing.assert_array_equal(data[band].data[inside], burned[inside])
    # magnetics: gdalwarp -r average onto the same grid
    warped = str(tmp_path / "warped.tif")
    bounds = rasterio.transform.array_bounds(shape[0], shape[1], transform)
    subprocess.run(
        ["gdalwarp", "-q", "-r", "average", "-te", *(str(b) for b in bounds),
         "-tr", str(PIXEL), str(PIXEL), "-dstnodata", "nan", magnetics, warped],
        check=True,
    )  # fmt: skip
    with rasterio.open(warped) as src:
        gdal = src.read(1)
    inside = ~data.mask[6]
    np.testing.assert_allclose(data[6].data[inside], gdal[inside], rtol=1e-5, atol=1e-3)
    # the band table
    with open(result["OUTPUT_TABLE"], newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["name"] for r in rows] == names
    assert rows[3]["class_value"] == ROCK and rows[3]["kind"] == "class" and rows[0]["unit"] == "m"


def _gdal_rasterize(path, vector, transform, shape, where=None):
    height, width = shape
    xmin, ymax, px = transform.c, transform.f, transform.a
    args = ["gdal_rasterize", "-q", "-burn", "1", "-init", "0", "-ot", "Byte",
            "-te", str(xmin), str(ymax - height * px), str(xmin + width * px), str(ymax), "-tr", str(px), str(px)]  # fmt: skip
    if where:
        args += ["-where", where]
    subprocess.run([*args, vector, str(path)], check=True)
    with rasterio.open(str(path)) as src:
        return src.read(1)


def test_reference_raster_grid_and_a_layer_in_another_crs(run_algorithm, magnetics, tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point
    from shapely.ops import unary_union

    utm = str(tmp_path / "faults_utm34.gpkg")
    gpd.read_file(FAULTS).to_crs("EPSG:32634").to_file(utm, driver="GPKG", layer="faults")
    out = tmp_path / "on_magnetics.tif"
    run_algorithm(
        "prospector:evidence",
        {"REFERENCE_RASTER": magnetics, "REFERENCE_BANDS": True, "LINES": [utm], "OUTPUT": str(out)},
    )
    with rasterio.open(magnetics) as ref, rasterio.open(out) as src:
        assert (src.transform, src.width, src.height, src.crs) == (ref.transform, ref.width, ref.height, ref.crs)
        # the layer names in QGIS: the files'
        assert src.descriptions == ("magnetics_tmi_nT:band 1", "faults_utm34:distance_m")
        copied, original = src.read(1, masked=True), ref.read(1, masked=True)
        np.testing.assert_array_equal(copied.mask, original.mask)
        np.testing.assert_array_equal(copied.compressed(), original.compressed())
        band = src.read(2)
        rows, cols = (
            np.random.default_rng(2).integers(0, src.height, 100),
            np.random.default_rng(3).integers(0, src.width, 100),
        )
        x, y = centres(src, rows, cols)
    # the reference: the UTM lines brought back to TM35FIN by geopandas (PROJ), measured by shapely
    back = unary_union(list(gpd.read_file(utm).to_crs("EPSG:3067").geometry))
    reference = np.array([back.distance(Point(a, b)) for a, b in zip(x, y)])
    np.testing.assert_allclose(band[rows, cols], reference, rtol=1e-5, atol=0.5)


@pytest.mark.parametrize(
    "changes, error",
    [
        ({"LINES": [], "POLYGONS": None, "CLASS_FIELD": None}, r"^LINES: no evidence given"),
        ({"CLASS_FIELD": "ROCK_TYPE"}, r"^CLASS_FIELD: ROCK_TYPE not found in the layer"),
        ({"CLASS_FIELD": None}, r"^CLASS_FIELD: choose the field of POLYGONS"),
        (
            {"CLASS_FIELD": "ROCK_ASS_1", "CLASSES": "", "MAX_CLASSES": 20},
            r"^CLASSES: field 'ROCK_ASS_1' has 23 different values, more than the 20 classes allowed .*list the "
            r"classes to use in CLASSES \(separated by ';'\), e\.g\. the most frequent: 'Quartzite",
        ),
        ({"CLASSES": "Basalt"}, r"^CLASSES: 'Basalt' not found in field 'GENERALI_1'"),
        ({"CRS": "EPSG:4326"}, r"^CRS: the grid's CRS is in a geographic CRS \(EPSG:4326, degrees\)"),
        (
            {"MASK": "far_mask", "EXTENT": "346000,414000,7458000,7540000 [EPSG:3067]"},
            r"^MASK: the mask polygons do not cover the centre of any cell",
        ),
        ({"LINES": ["far_lines"]}, r"^LINES: layer 'far_lines' has no features within the grid's extent"),
        ({"PIXEL_SIZE": 0}, r"^PIXEL_SIZE: give the cell size"),
        ({"DENSITY_RADIUS": 10}, r"^DENSITY_RADIUS: 10 m is smaller than a cell"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(run_algorithm, tmp_path, changes, error):
    import geopandas as gpd
    from qgis.core import QgsProcessingException
    from shapely.affinity import translate
    from shapely.geometry import box

    far = {
        "far_mask": lambda: gpd.GeoDataFrame({"id": [1]}, geometry=[box(0, 0, 1000, 1000)], crs="EPSG:3067"),
        "far_lines": lambda: gpd.read_file(FAULTS).set_geometry(
            gpd.read_file(FAULTS).geometry.apply(lambda g: translate(g, 0, -2_000_000))
        ),
    }
    for key, value in list(changes.items()):
        names = value if isinstance(value, list) else [value]
        if any(n in far for n in names):
            paths = []
            for n in names:
                path = str(tmp_path / f"{n}.gpkg")
                far[n]().to_file(path, driver="GPKG", layer=n)
                paths.append(path)
            changes[key] = paths if isinstance(value, list) else paths[0]
    params = {k: v for k, v in base(tmp_path, **changes).items() if v is not None}
    with pytest.raises(QgsProcessingException, match=error):
        run_algorithm("prospector:evidence", params)
    assert sorted(os.listdir(tmp_path)) == sorted(
        os.path.basename(p)
        for p in (changes.get("MASK"), *(changes.get("LINES") or []))
        if isinstance(p, str) and p.startswith(str(tmp_path))
    )


def test_a_self_crossing_mask_unchecked_by_qgis_still_runs(prospector_provider, tmp_path):
    """With Processing's invalid-features filtering off ("Do not filter", chosen for speed on national layers) a
    bow-tie MASK reaches the algorithm; the warning about cells outside every polygon overlaid it with shapely and
    stopped the run with "Unexpected error … TopologicalError" (found by review). The stack is written, and its
    cells follow the mask as gdal_rasterize burns it (the same bow-tie, rasterised by GDAL here)."""
    import processing
    from osgeo import gdal, ogr, osr
    from qgis.core import (
        QgsFeature,
        QgsFeatureRequest,
        QgsGeometry,
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsVectorLayer,
    )

    geology = QgsVectorLayer("Polygon?crs=EPSG:3067&field=rock:string", "geology", "memory")
    features = []
    for wkt, rock in (
        ("POLYGON((400000 7500000,403000 7500000,403000 7506000,400000 7506000,400000 7500000))", "granite"),
        ("POLYGON((403000 7500000,406000 7500000,406000 7506000,403000 7506000,403000 7500000))", "gabbro"),
    ):
        feature = QgsFeature(geology.fields())
        feature.setGeometry(QgsGeometry.fromWkt(wkt))
        feature.setAttributes([rock])
        features.append(feature)
    geology.dataProvider().addFeatures(features)
    bow_tie = "POLYGON((400000 7500000,406000 7506000,406000 7500000,400000 7506000,400000 7500000))"
    mask = QgsVectorLayer("Polygon?crs=EPSG:3067", "mask", "memory")
    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromWkt(bow_tie))
    mask.dataProvider().addFeatures([feature])
    assert not feature.geometry().isGeosValid()
    context = QgsProcessingContext()
    context.setInvalidGeometryCheck(QgsFeatureRequest.GeometryNoCheck)
    output = str(tmp_path / "stack.tif")
    processing.run(
        "prospector:evidence",
        {"POLYGONS": geology, "CLASS_FIELD": "rock", "PIXEL_SIZE": 100, "MASK": mask, "CONTACTS": False,
         "OUTPUT": output},
        context=context,
        feedback=QgsProcessingFeedback(),
    )  # fmt: skip
    with rasterio.open(output) as stack:
        written = ~stack.read(1, masked=True).mask
        transform, shape = stack.transform, (stack.height, stack.width)
    source = ogr.GetDriverByName("Memory").CreateDataSource("")
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(3067)
    layer = source.CreateLayer("mask", srs, ogr.wkbPolygon)
    burnt = ogr.Feature(layer.GetLayerDefn())
    burnt.SetGeometry(ogr.CreateGeometryFromWkt(bow_tie))
    layer.CreateFeature(burnt)
    target = gdal.GetDriverByName("MEM").Create("", shape[1], shape[0], 1, gdal.GDT_Byte)
    target.SetGeoTransform(transform.to_gdal())
    gdal.RasterizeLayer(target, [1], layer, burn_values=[1])
    expected = target.GetRasterBand(1).ReadAsArray() == 1
    assert written.sum() > 0
    assert np.mean(written == expected) > 0.98  # the mask's own reading of a self-crossing ring may differ at its edges


def test_rasters_opened_before_a_refusal_are_closed(run_algorithm, magnetics, tmp_path, monkeypatch):
    """Two rasters of one file name (their bands would share names) are refused after both were opened: each is
    closed then, not left open until Python's garbage collector comes by (a file held open is locked on
    Windows)."""
    import shutil

    from qgis.core import QgsProcessingException

    from geochem_prospector.core.evidence import rasters

    opened = []
    real_init = rasters.RasterEvidence.__init__

    def recording_init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        opened.append(self)

    monkeypatch.setattr(rasters.RasterEvidence, "__init__", recording_init)
    other = tmp_path / "other"
    other.mkdir()
    twin = shutil.copy(magnetics, other)  # the same file name in another folder
    with pytest.raises(QgsProcessingException, match="two files of one name"):
        run_algorithm("prospector:evidence", base(tmp_path, CONTINUOUS_RASTERS=[magnetics, twin]))
    assert opened, "the refusal came before any raster was opened: the test shows nothing"
    assert [source._ds for source in opened] == [None] * len(opened)
