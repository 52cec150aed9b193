"""A geological map with one ring touching itself, run as the desktop runs it (sweep 27b).

The Processing dialog and ``processing.run`` without a context make theirs with ``dataobjects.createContext``, whose
invalid-geometry setting defaults to "stop the algorithm": the bundled Lapland lithology (one 141 km² polygon whose
ring touches itself at a point) was refused with QGIS's "Feature (54) … has invalid geometry", and the setting's
other choice ("skip invalid features") left that unit out of its class band without a word. The error matrix runs
with a fresh ``QgsProcessingContext`` (no check), so it never saw this. The class band is compared with
``gdal_rasterize``'s burn of the same polygon (GDAL fills the ring as drawn)."""

import numpy as np
import pytest

X0, Y0, PIXEL = 400_000.0, 7_500_000.0, 100.0


def _ring(points):
    return "POLYGON ((" + ", ".join(f"{X0 + x} {Y0 + y}" for x, y in points) + "))"


# a square whose ring runs down into a notch and back up to the point it left: valid in GDAL's eyes, "Ring
# Self-intersection" in GEOS's, as digitised maps have them
GRANITE = _ring(
    [(0, 0), (4000, 0), (4000, 4000), (2000, 4000), (3000, 2000), (1000, 2000), (2000, 4000), (0, 4000), (0, 0)]
)
SCHIST = _ring([(4000, 0), (8000, 0), (8000, 4000), (4000, 4000), (4000, 0)])


@pytest.fixture
def lithology(tmp_path):
    from osgeo import ogr, osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(3067)
    path = str(tmp_path / "lithology_ring_touch.gpkg")
    dataset = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    layer = dataset.CreateLayer("lithology", srs, ogr.wkbPolygon)
    layer.CreateField(ogr.FieldDefn("rock", ogr.OFTString))
    for wkt, rock in ((GRANITE, "granite"), (SCHIST, "schist")):
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("rock", rock)
        feature.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        layer.CreateFeature(feature)
    dataset = None
    assert not ogr.CreateGeometryFromWkt(GRANITE).IsValid()
    return path


def _gdal_burn(wkt: str) -> np.ndarray:
    from osgeo import gdal, ogr

    target = gdal.GetDriverByName("MEM").Create("", 80, 40, 1, gdal.GDT_Byte)
    target.SetGeoTransform((X0, PIXEL, 0, Y0 + 4000, 0, -PIXEL))
    source = ogr.GetDriverByName("Memory").CreateDataSource("")
    layer = source.CreateLayer("p", None, ogr.wkbPolygon)
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
    layer.CreateFeature(feature)
    gdal.RasterizeLayer(target, [1], layer, burn_values=[1])
    return target.ReadAsArray()


@pytest.mark.parametrize("check", ["GeometryAbortOnInvalid", "GeometrySkipInvalid"])
def test_a_ring_touching_itself_is_mapped_under_the_desktop_setting(prospector_provider, lithology, tmp_path, check):
    import processing
    import rasterio
    from processing.tools import dataobjects
    from qgis.core import QgsFeatureRequest, QgsProcessingFeedback

    context = dataobjects.createContext()  # as the Processing dialog makes it
    context.setInvalidGeometryCheck(getattr(QgsFeatureRequest, check))
    output = str(tmp_path / "stack.tif")
    processing.run(
        "prospector:evidence",
        {"POLYGONS": lithology, "CLASS_FIELD": "rock", "CONTACTS": False, "PIXEL_SIZE": PIXEL,
         "EXTENT": f"{X0},{X0 + 8000},{Y0},{Y0 + 4000} [EPSG:3067]", "MASK": lithology, "OUTPUT": output},
        context=context,
        feedback=QgsProcessingFeedback(),
    )  # fmt: skip
    with rasterio.open(output) as stack:
        names = list(stack.descriptions)
        granite = stack.read(names.index("lithology_ring_touch:granite") + 1, masked=True)
    expected = _gdal_burn(GRANITE)
    assert 0 < expected.sum() < 40 * 40  # the notch is left out
    assert np.array_equal(granite.filled(0), expected)
    # the notch is in no polygon, so outside the MASK (the same layer): nodata, not 'not granite'
    assert np.array_equal(~granite.mask, (expected + _gdal_burn(SCHIST)) > 0)
