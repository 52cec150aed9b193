"""prospector:interpolate reads numbers as the table meant them: thousands separators, decimal commas, values
beyond float32. The rasters are compared with IDW computed by hand from the values as meant."""

import numpy as np
import pytest
import rasterio

#: a 3 x 3 grid of 100 m cells; the samples sit on three cell centres
EXTENT = "0,300,0,300 [EPSG:3067]"
XY = [(50.0, 250.0), (250.0, 250.0), (50.0, 50.0)]


class Log:
    """A feedback keeping its information and warning lines."""

    def __new__(cls):
        from qgis.core import QgsProcessingFeedback

        class _Feedback(QgsProcessingFeedback):
            def __init__(self):
                super().__init__()
                self.infos, self.warnings = [], []

            def pushInfo(self, info):  # noqa: N802 (QGIS API name)
                self.infos.append(info)
                super().pushInfo(info)

            def pushWarning(self, warning):  # noqa: N802 (QGIS API name)
                self.warnings.append(warning)
                super().pushWarning(warning)

        return _Feedback()


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    import geopandas as gpd

    columns = {
        "Cu": ["1,250", "2,400.5", "850"],  # '2,400.5' shows the comma groups thousands
        "Zn": ["1,250", "2,400", "850"],  # nothing decides: ambiguous, read by the point rule
        "Pb": ["12,5", "0,75", "1.250,5"],  # decimal commas, the point groups thousands
        "Ni": [1e39, 40.0, 10.0],  # a fill code beyond float32 beside two values (a number, not text)
    }
    path = tmp_path_factory.mktemp("numbers") / "samples.gpkg"
    frame = gpd.GeoDataFrame(columns, geometry=gpd.points_from_xy(*zip(*XY)), crs="EPSG:3067")
    frame.to_file(path, layer="samples", driver="GPKG")
    return str(path)


def interpolate(run_algorithm, samples, tmp_path, fields):
    feedback = Log()
    params = {
        "INPUT": samples,
        "FIELDS": fields,
        "PIXEL_SIZE": 100,
        "EXTENT": EXTENT,
        "NEIGHBORS": 0,  # every sample
        "POWER": 2.0,
        "LOG_TRANSFORM": False,  # the hand computation averages raw values (the default is log values)
        "OUTPUT": str(tmp_path / "out.tif"),
    }
    out = run_algorithm("prospector:interpolate", params, feedback=feedback)["OUTPUT"]
    with rasterio.open(out) as src:
        assert (src.width, src.height) == (3, 3) and list(src.descriptions) == fields
        return src.read(masked=True).astype(float).filled(np.nan), feedback


def by_hand(values):
    """IDW (power 2, every sample) at the 9 cell centres, from the values as the table meant them."""
    values = np.asarray(values, dtype=float)
    grid = np.empty((3, 3))
    for row, y in enumerate((250.0, 150.0, 50.0)):
        for col, x in enumerate((50.0, 150.0, 250.0)):
            d2 = np.array([(x - sx) ** 2 + (y - sy) ** 2 for sx, sy in XY])
            grid[row, col] = values[d2 == 0][0] if (d2 == 0).any() else (values / d2).sum() / (1 / d2).sum()
    return grid


def test_thousands_separators_and_decimal_commas_give_the_magnitudes_meant(run_algorithm, samples, tmp_path):
    bands, feedback = interpolate(run_algorithm, samples, tmp_path, ["Cu", "Zn", "Pb"])
    # by hand: the centre cell is equidistant from the three samples, the bottom-right one twice as far (d² 80,000
    # against 40,000) from the top-left sample as from the others
    cu = by_hand([1250.0, 2400.5, 850.0])
    assert cu[1, 1] == pytest.approx((1250 + 2400.5 + 850) / 3) and cu[2, 2] == pytest.approx(7751 / 5)
    np.testing.assert_allclose(bands[0], cu, rtol=1e-6)  # float32 output
    np.testing.assert_allclose(bands[1], by_hand([1250.0, 2400.0, 850.0]), rtol=1e-6)
    np.testing.assert_allclose(bands[2], by_hand([12.5, 0.75, 1250.5]), rtol=1e-6)
    assert bands[0, 0, 0] == 1250.0 and bands[0, 0, 2] == 2400.5  # not 1.25 and 2.4005
    assert (
        "Cu: comma read as thousands separator in 2 values (e.g. '1,250' = 1250), as the field writes decimals "
        "with a point (e.g. '2,400.5')." in feedback.infos
    )
    assert (
        "Pb: comma read as decimal comma in 3 values (e.g. '12,5' = 12.5); point read as thousands separator in "
        "1 value (e.g. '1.250,5' = 1250.5), as the field writes decimals with a comma (e.g. '12,5')." in feedback.infos
    )
    (zn,) = [w for w in feedback.warnings if w.startswith("Zn:")]
    assert zn.startswith(
        "Zn: comma read as thousands separator in 2 values (e.g. '1,250' = 1250); 2 of 3 values are ambiguous"
    )


def test_a_value_beyond_float32_is_left_out_not_a_hole(run_algorithm, samples, tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # numpy's raw 'overflow encountered in cast' fails the test
        bands, feedback = interpolate(run_algorithm, samples, tmp_path, ["Ni"])
    # the 1e39 sample is missing: every cell is IDW of the other two, none is nodata or infinite
    assert np.isfinite(bands).all()
    d2 = lambda x, y: np.array([(x - 250.0) ** 2 + (y - 250.0) ** 2, (x - 50.0) ** 2 + (y - 50.0) ** 2])  # noqa: E731
    w = 1 / d2(50.0, 250.0)  # the cell of the left-out sample
    assert bands[0, 0, 0] == pytest.approx((40.0 * w[0] + 10.0 * w[1]) / w.sum(), rel=1e-6)
    assert bands[0, 0, 0] == pytest.approx(25.0)  # equidistant from both
    assert any(
        w.startswith("Ni: 1 of 3 values are beyond the float32 range of the output rasters (±3.4e38, e.g. 1e+39)")
        for w in feedback.warnings
    )
