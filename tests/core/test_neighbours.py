"""The k-nearest search against brute force, and pykdtree against scipy's cKDTree (the same answers)."""

import numpy as np
import pytest

from geochem_prospector.core.neighbours import NeighbourIndex


def brute_force(points, targets, k, radius=None):
    d = np.hypot(*(targets[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    order = np.argsort(d, axis=1, kind="stable")[:, :k]
    dist = np.take_along_axis(d, order, axis=1)
    if radius is not None:
        missing = dist >= radius
        dist[missing] = np.inf
        order[missing] = len(points)
    return dist, order


@pytest.mark.parametrize("use_pykdtree", [False, True])
@pytest.mark.parametrize("k, radius", [(1, None), (12, None), (12, 9.0), (40, 5.0)])
def test_matches_brute_force(use_pykdtree, k, radius):
    if use_pykdtree:
        pytest.importorskip("pykdtree", reason="python3-pykdtree is optional")
    rng = np.random.default_rng(k)
    points = rng.uniform(0, 100, (500, 2))
    targets = rng.uniform(-10, 110, (300, 2))  # some outside the samples' hull
    index = NeighbourIndex(points, use_pykdtree=use_pykdtree)
    assert index.backend == ("pykdtree" if use_pykdtree else "scipy cKDTree")
    dist, idx = index.query(targets, k, radius)
    ref_dist, ref_idx = brute_force(points, targets, k, radius)
    assert dist.shape == idx.shape == (300, k)
    np.testing.assert_allclose(dist, ref_dist, rtol=1e-12)
    np.testing.assert_array_equal(idx, ref_idx)  # random points: no ties
    if radius is not None:
        assert np.isinf(dist).any() and (idx == len(points)).any()  # the radius did cut


def test_radius_is_strict_in_both_libraries():
    pytest.importorskip("pykdtree", reason="python3-pykdtree is optional")
    points = np.array([[0.0, 0.0], [3.0, 4.0], [10.0, 0.0]])
    for use in (False, True):
        dist, idx = NeighbourIndex(points, use_pykdtree=use).query(np.zeros((1, 2)), 3, 5.0)
        assert dist[0].tolist() == [0.0, np.inf, np.inf] and idx[0].tolist() == [0, 3, 3]


def test_higher_dimensions_as_used_by_label_spreading():
    pytest.importorskip("pykdtree", reason="python3-pykdtree is optional")
    z = np.random.default_rng(3).normal(size=(2000, 4))
    fast = NeighbourIndex(z, use_pykdtree=True).query(z, 11)
    slow = NeighbourIndex(z, use_pykdtree=False).query(z, 11)
    np.testing.assert_array_equal(fast[1], slow[1])
    np.testing.assert_allclose(fast[0], slow[0], rtol=1e-12)
