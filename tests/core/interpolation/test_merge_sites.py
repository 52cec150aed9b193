"""Field duplicates merged in the space each field is gridded in (:func:`selection.merge_sites`), against numpy and
scipy by hand: Hazen's plotting positions of scipy's ranks through scipy's normal quantile, averaged per site with
numpy and taken back through a piecewise-linear table (np.interp), not through the plugin's own anamorphosis."""

import numpy as np
from scipy.stats import gmean, norm, rankdata

from geochem_prospector.core.interpolation.selection import merge_sites


def _by_hand(xy, z):
    """One value per site: the mean normal score of the site's samples (scores of all of them, no ties), taken back
    through the (score, value) table of the samples."""
    n = len(z)
    scores = norm.ppf((rankdata(z) - 0.5) / n)
    sites, which = np.unique(xy, axis=0, return_inverse=True)
    which = which.ravel()
    means = np.array([scores[which == k].mean() for k in range(len(sites))])
    order = np.argsort(scores)
    return sites, np.interp(means, scores[order], z[order])


def test_normal_scores_averaged_by_rank_not_on_raw_values():
    rng = np.random.default_rng(16)
    xy = rng.uniform(0, 10_000, size=(40, 2))
    z = np.exp(rng.normal(3, 1, 40))
    # six field duplicates at the first six sites, 100 times the sample (a nugget effect)
    xy = np.vstack([xy, xy[:6]])
    z = np.concatenate([z, 100 * z[:6]])
    sites, expected = _by_hand(xy, z)
    merged_xy, merged, count = merge_sites(xy, z, ["normal_score"])
    assert count == 6
    order = np.lexsort(merged_xy.T[::-1])
    np.testing.assert_allclose(merged_xy[order], sites)
    np.testing.assert_allclose(merged[order], expected, rtol=1e-12)
    # a site of one sample keeps its own value, bit for bit
    single = np.array([np.sum(np.all(xy == s, axis=1)) == 1 for s in merged_xy])
    lookup = {tuple(p): v for p, v in zip(xy[:40], z[:40])}
    assert all(merged[i] == lookup[tuple(merged_xy[i])] for i in np.flatnonzero(single))
    # the raw mean would put each duplicated site above both of its analyses' ranks' middle: not what is gridded
    raw = np.array([(z[i] + z[40 + i]) / 2 for i in range(6)])
    at = [int(np.flatnonzero(np.all(merged_xy == xy[i], axis=1))[0]) for i in range(6)]
    assert np.all(merged[at] < raw)


def test_each_column_in_its_own_space():
    xy = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])
    values = np.array([[10.0, 10.0, 1.0], [1000.0, 1000.0, 5.0], [50.0, 50.0, 2.0], [200.0, 200.0, 3.0], [5, 5, 4.0]])
    _, merged, count = merge_sites(xy, values, ["none", "log", "normal_score"])
    assert count == 1
    assert merged[0, 0] == 505.0
    assert merged[0, 1] == gmean([10.0, 1000.0])
    _, expected = _by_hand(xy, values[:, 2])
    np.testing.assert_allclose(merged[:, 2], expected, rtol=1e-12)
    # scores of 1 and 5 (ranks 1 and 5 of 5) average to 0, the median's score: the value 3
    assert merged[0, 2] == 3.0


def test_no_duplicates_leaves_every_value():
    xy = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 1.0]])
    z = np.array([3.0, 1.0, 7.0])
    m_xy, m_z, count = merge_sites(xy, z, ["normal_score"])
    assert count == 0 and np.array_equal(m_z, z) and np.array_equal(m_xy, xy)
