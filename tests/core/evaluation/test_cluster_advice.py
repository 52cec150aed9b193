"""comparemodels refused a small district's deposits as 'a single cluster within CLUSTER_DISTANCE' without saying
which distance was used or which would split them (sweep 22a: 11 Meuse stand-in deposits over 3 x 4 km, the 3 km
default). The distances it now names are checked against scipy's single-linkage clustering."""

import re

import numpy as np
import pytest

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.evaluation.compare import compare, rounded_down, splitting_distances

hierarchy = pytest.importorskip("scipy.cluster.hierarchy")


def _clusters(points, t):
    """Clusters of single linkage cut at cophenetic distance t (scipy: points at most t apart are joined)."""
    return int(hierarchy.fcluster(hierarchy.linkage(points, "single"), t, criterion="distance").max())


@pytest.mark.parametrize("seed", range(5))
def test_splitting_distances_match_scipy_single_linkage(seed):
    points = np.random.default_rng(seed).uniform(0, 60, size=(12, 2))
    edges = splitting_distances(points)
    assert len(edges) == 11 and np.all(np.diff(edges) <= 0)
    for k in range(2, 8):
        assert _clusters(points, edges[k - 2] * (1 - 1e-9)) >= k  # under the (k-1)-th edge: k clusters or more
        assert _clusters(points, edges[k - 2]) < k  # at it: fewer


def test_rounded_down_stays_under():
    for value in (1249.6, 630.9, 3000.0, 0.0507, 1e-3 * 7.77):
        assert rounded_down(value) <= value
        assert rounded_down(value) >= 0.9 * value


def _scene(points):
    rows, cols = np.asarray(points, dtype=int).T
    valid = np.ones((80, 80), dtype=bool)
    bands = np.random.default_rng(0).normal(size=(2, 80, 80))
    return bands, valid, rows, cols


def test_one_cluster_refusal_names_the_distance_that_splits_the_deposits():
    # three groups of deposits, 20 and 35 cells apart; the length function says metres on 47 m cells
    points = [(10, 10), (12, 11), (11, 13), (30, 10), (31, 12), (30, 45), (32, 47)]
    bands, valid, rows, cols = _scene(points)
    length = lambda cells: f"{rounded_down(cells * 47.0):g} m"  # noqa: E731 (47 m cells)
    with pytest.raises(InputError) as refused:
        compare(bands, valid, rows, cols, {}, folds=3, cluster_cells=3000 / 47, length=length)
    message = str(refused.value)
    assert refused.value.parameter == "CLUSTER_DISTANCE" and "(3000 m)" in message
    found = re.search(r"Under ([\d.]+) m they form 2 clusters; under ([\d.]+) m, 3 \(the FOLDS asked for\)", message)
    assert found, message
    xy = np.asarray(points, dtype=float)
    two, three = (float(found.group(i)) / 47.0 for i in (1, 2))
    assert _clusters(xy, two) >= 2 and _clusters(xy, three) >= 3  # at the distances named, as many clusters
    # and the CLUSTER_DISTANCE named does give them: FOLDS 3 runs
    assert compare(bands, valid, rows, cols, {}, folds=3, cluster_cells=three, iterations=20).folds.max() == 2


def test_deposits_closer_than_the_label_window_get_no_distance_that_cannot_work():
    points = [(10, 10), (11, 11), (12, 10)]  # each within 1.5 cells of another: always linked
    bands, valid, rows, cols = _scene(points)
    with pytest.raises(
        InputError,
        match="No CLUSTER_DISTANCE gives 2 clusters on this grid: .* Add deposits from elsewhere in the area, or use evidence rasters with smaller cells",
    ):
        compare(bands, valid, rows, cols, {}, folds=2, cluster_cells=5.0)


def test_many_deposits_take_the_delaunay_edges_and_give_scipys_linkage_heights():
    """Above MST_ALL_PAIRS deposits (an occurrence database) the tree comes from the Delaunay edges, not every pair
    (20,000 points would take 3 GB): its edges equal the heights of scipy's single linkage, which works from the
    points itself."""
    rng = np.random.default_rng(3)
    points = np.vstack([rng.uniform(0, 500, (2300, 2)), np.column_stack([np.arange(50.0), np.zeros(50)])])
    edges = splitting_distances(points)
    heights = np.sort(hierarchy.linkage(np.unique(points, axis=0), "single")[:, 2])[::-1]
    np.testing.assert_allclose(edges, heights, rtol=1e-12)
