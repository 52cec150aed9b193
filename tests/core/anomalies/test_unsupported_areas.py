"""Ranked anomaly areas say how many samples lie in them and how far the nearest is (sweep 22a: at the Meuse
floodplain the third-ranked area lay about 700 m, 3.7 sample spacings, from every sample, across the river from the
survey). References: shapely for the samples inside each area's polygon, brute-force pairwise distances for the
nearest sample."""

import numpy as np
import pytest

from geochem_prospector.core.anomalies.screening import anomaly_areas, sample_support
from geochem_prospector.core.grid import GridSpec

geometry = pytest.importorskip("shapely.geometry")


def _scene():
    grid = GridSpec(xmin=1000.0, ymax=9000.0, pixel_size=50.0, width=60, height=50, crs_wkt="")
    index = np.zeros((50, 60))
    index[5:15, 5:20] = 3.0  # area A
    index[30:40, 40:55] = 2.5  # area B
    index[44:47, 2:5] = 2.0  # area C, small
    rng = np.random.default_rng(4)
    # samples: three in A, none in B or C, the others scattered over the left half of the grid
    inside_a = np.column_stack([1000 + rng.uniform(6, 19, 3) * 50, 9000 - rng.uniform(6, 14, 3) * 50])
    others = np.column_stack([1000 + rng.uniform(0, 30, 40) * 50, 9000 - rng.uniform(0, 28, 40) * 50])
    xy = np.vstack([inside_a, others])
    classes = np.zeros((1, 50, 60), dtype=np.int16)
    areas, labels = anomaly_areas(index, [1.0, 2.0, 2.9], grid, classes, ["Cu"], ["Cu"])
    return grid, areas, labels, xy


def test_counts_equal_shapely_and_distances_equal_brute_force():
    grid, areas, labels, xy = _scene()
    supported = sample_support(areas, labels, grid, xy)
    assert list(supported.columns[supported.columns.get_loc("deposit_km") + 1 :][:2]) == ["samples", "sample_m"]
    points = [geometry.Point(x, y) for x, y in xy]
    for _, area in supported.iterrows():
        inside = sum(area.geometry.covers(p) for p in points)
        assert area["samples"] == inside
        r, c = np.nonzero(labels == area["area_id"])
        centres = np.column_stack([1000 + (c + 0.5) * 50, 9000 - (r + 0.5) * 50])
        brute = np.sqrt(((centres[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)).min()
        assert area["sample_m"] == (0.0 if inside else pytest.approx(brute))
        if not inside:  # within half a cell's diagonal of the polygon's own distance to the nearest sample
            edge = min(area.geometry.distance(p) for p in points)
            assert edge <= area["sample_m"] <= edge + 50 * np.sqrt(2) / 2 + 1e-6
    assert (supported["samples"] > 0).sum() == 1  # only area A holds samples


def test_no_samples_leave_the_columns_empty():
    grid, areas, labels, _ = _scene()
    supported = sample_support(areas, labels, grid, np.empty((0, 2)))
    assert (supported["samples"] == 0).all() and supported["sample_m"].isna().all()
