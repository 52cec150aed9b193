"""Progress while the inputs are read and checked (sweep 17a).

On 100,000 samples interpolate read and checked them for about 20 s with the progress at 0 %, and evidence searched
the faults for copies and crossings at 0 %: the bar did not move, as if the run had hung. The first few per cent
now move through those steps (interpolate's first 5 %: reading features, parsing fields, the checks; evidence's
first 10 %: each line layer's search), and a cancel there stops the run within a second.
"""

import time

import numpy as np
import pytest


def _recording_feedback(cancel_above=None):
    from qgis.core import QgsProcessingFeedback

    class Recording(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.values, self.cancelled_at = [], None

        def setProgress(self, value):  # noqa: N802
            self.values.append(float(value))
            if cancel_above is not None and self.cancelled_at is None and value > cancel_above:
                self.cancelled_at = time.process_time()  # CPU time: a busy machine does not count
                self.cancel()
            super().setProgress(value)

    return Recording()


def _before(values, share):
    """The progress values given before the first one past ``share`` (the preparation's values)."""
    out = []
    for v in values:
        if v > share:
            break
        out.append(v)
    return out


@pytest.fixture(scope="module")
def many_samples(tmp_path_factory):
    import geopandas as gpd

    rng = np.random.default_rng(17)
    n = 20_000
    xy = rng.uniform([500_000, 7_000_000], [560_000, 7_060_000], (n, 2))
    path = str(tmp_path_factory.mktemp("progress") / "samples.gpkg")
    gpd.GeoDataFrame(
        {"Cu": rng.lognormal(3, 1, n), "Pb": rng.lognormal(2, 1, n)},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs="EPSG:3067",
    ).to_file(path, driver="GPKG")
    return path


@pytest.fixture(scope="module")
def many_faults(tmp_path_factory):
    import geopandas as gpd
    import rasterio
    from rasterio.transform import from_origin
    from shapely.geometry import LineString

    folder = tmp_path_factory.mktemp("faults")
    rng = np.random.default_rng(17)
    starts = rng.uniform([500_000, 7_000_000], [510_000, 7_010_000], (1500, 2))
    ends = starts + rng.normal(0, 400, (1500, 2))
    lines = str(folder / "faults.gpkg")
    gpd.GeoDataFrame(
        {"kind": ["fault"] * 1500}, geometry=[LineString([a, b]) for a, b in zip(starts, ends)], crs="EPSG:3067"
    ).to_file(lines, driver="GPKG")
    raster = str(folder / "grid.tif")
    with rasterio.open(
        raster, "w", driver="GTiff", width=100, height=100, count=1, dtype="float32", crs="EPSG:3067",
        transform=from_origin(500_000, 7_010_000, 100, 100),
    ) as dst:  # fmt: skip
        dst.write(np.ones((1, 100, 100), dtype="float32"))
        dst.set_band_description(1, "ones")
    return lines, raster


def test_interpolate_progress_moves_while_the_samples_are_read_and_checked(run_algorithm, many_samples, tmp_path):
    from geochem_prospector.algorithms.interpolate import PREPARE_SHARE

    feedback = _recording_feedback()
    params = {"INPUT": many_samples, "FIELDS": ["Cu", "Pb"], "METHOD": 0, "PIXEL_SIZE": 1000}
    run_algorithm("prospector:interpolate", {**params, "OUTPUT": str(tmp_path / "out.tif")}, feedback)
    preparing = _before(feedback.values, PREPARE_SHARE)
    # 20 reports while the 20,000 features are read, the fields parsed, then each check: the bar moves
    assert len({v for v in preparing if 0 < v <= PREPARE_SHARE}) >= 10, preparing
    assert preparing == sorted(preparing) and feedback.values[-1] == 100
    assert len(preparing) < len(feedback.values)  # the gridding's progress follows


def test_interpolate_stops_within_a_second_when_cancelled_while_reading(run_algorithm, many_samples, tmp_path):
    from qgis.core import QgsProcessingException

    feedback = _recording_feedback(cancel_above=1.0)
    params = {"INPUT": many_samples, "FIELDS": ["Cu", "Pb"], "METHOD": 0, "PIXEL_SIZE": 1000}
    with pytest.raises(QgsProcessingException, match="Cancelled"):
        run_algorithm("prospector:interpolate", {**params, "OUTPUT": str(tmp_path / "out.tif")}, feedback)
    # the work done after the cancel, in this process's CPU seconds (tiers run side by side on two cores)
    assert feedback.cancelled_at is not None and time.process_time() - feedback.cancelled_at < 1.0
    assert not (tmp_path / "out.tif").exists()


def test_evidence_progress_moves_while_the_faults_are_searched(run_algorithm, many_faults, tmp_path):
    from geochem_prospector.algorithms.evidence import PREPARE_SHARE

    lines, raster = many_faults
    feedback = _recording_feedback()
    params = {"REFERENCE_RASTER": raster, "LINES": [lines], "INTERSECTIONS": True, "DENSITY_RADIUS": 500}
    run_algorithm("prospector:evidence", {**params, "OUTPUT": str(tmp_path / "ev.tif")}, feedback)
    preparing = _before(feedback.values, PREPARE_SHARE)
    # the search for copies, then for crossings: a report every 64 of the 1,500 faults in each
    assert len({v for v in preparing if 0 < v < PREPARE_SHARE}) >= 20, preparing
    assert preparing == sorted(preparing) and feedback.values[-1] == 100
