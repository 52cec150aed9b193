"""evaluate's note on deposits crowding into camps while CLUSTER_DISTANCE is 0.

Fifty shafts of one mine within 1 km among three other deposits were bootstrapped as 53 independent finds: the
interval came out narrow (0.86-0.92 on the matrix's raster, against 0.38-0.92 with whole camps resampled) and only
'34 deposits share a cell with another deposit' was said. The groups are checked against scipy's connected
components of the points within 1 km.
"""

import numpy as np
from pyproj import CRS
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import cdist

from geochem_prospector.core.evaluation.evaluate import evaluate
from geochem_prospector.core.grid import GridSpec

X0, Y0 = 400_000.0, 7_500_000.0


def _grid(epsg: int, pixel: float = 250.0) -> GridSpec:
    return GridSpec(xmin=X0, ymax=Y0 + 40 * pixel, pixel_size=pixel, width=40, height=40, crs_wkt=CRS(epsg).to_wkt())


def _scene():
    rng = np.random.default_rng(3)
    raster = rng.lognormal(3, 0.5, (40, 40))
    camp = np.column_stack([X0 + 2500 + rng.uniform(0, 1000, 50), Y0 + 2500 + rng.uniform(0, 1000, 50)])
    others = np.array([[X0 + 8000, Y0 + 3000], [X0 + 5000, Y0 + 8000], [X0 + 8500, Y0 + 8500]])
    return raster, np.vstack([camp, others])


def _camp_notes(result):
    return [n for n in result.notes if n.startswith("CLUSTER_DISTANCE: the ")]


def test_a_camp_of_fifty_shafts_is_named_with_the_groups_scipy_finds():
    raster, xy = _scene()
    n_groups, labels = connected_components(cdist(xy, xy) <= 1000.0, directed=False)
    largest = np.bincount(labels).max()
    assert (n_groups, largest) == (4, 50)
    result = evaluate(raster, _grid(3067), xy, iterations=20, seed=1)
    assert _camp_notes(result) == [
        f"CLUSTER_DISTANCE: the 53 deposits form only {n_groups} group(s) within 1,000 m of one another (the largest "
        f"holds {largest}): they are not 53 independent finds, but with CLUSTER_DISTANCE 0 the bootstrap takes each as "
        "one, so its interval is too narrow. Give a CLUSTER_DISTANCE (e.g. 1,000 m) to resample whole groups."
    ]
    clustered = evaluate(raster, _grid(3067), xy, iterations=20, seed=1, cluster_distance=1000.0)
    assert _camp_notes(clustered) == []  # the camps are resampled whole: nothing to say
    assert clustered.auc_bootstrap[1] - clustered.auc_bootstrap[0] > result.auc_bootstrap[1] - result.auc_bootstrap[0]


def test_scattered_deposits_and_a_pair_in_one_pit_draw_no_note():
    raster, xy = _scene()
    scattered = np.vstack([xy[50:], xy[:2], [[X0 + 1000, Y0 + 9000], [X0 + 9000, Y0 + 1000]]])
    assert _camp_notes(evaluate(raster, _grid(3067), scattered, iterations=20, seed=1)) == []


def test_the_suggested_distance_is_in_the_grids_units_and_a_geographic_grid_gets_none():
    raster, xy = _scene()
    feet = 0.3048006096012192
    grid = _grid(2277, 250.0 / feet)  # NAD83 / Texas Central (ftUS): the same ground in US survey feet
    in_feet = X0 + (xy - X0) / feet
    in_feet[:, 1] = grid.ymax - (Y0 + 40 * 250.0 - xy[:, 1]) / feet
    (note,) = _camp_notes(evaluate(raster, grid, in_feet, iterations=20, seed=1))
    assert note.endswith("(e.g. 3,281 US ft) to resample whole groups.")
    degrees = GridSpec(xmin=24.0, ymax=68.0, pixel_size=0.01, width=40, height=40, crs_wkt=CRS(4326).to_wkt())
    near = np.column_stack([24.1 + np.linspace(0, 0.001, 10), np.full(10, 67.8)])
    assert _camp_notes(evaluate(raster, degrees, near, iterations=20, seed=1)) == []
