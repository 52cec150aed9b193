"""High-value samples and values below a detection limit (sweep 25b): a sample reported '<60', held as its
substitute 30, was listed at a weak level of 27 though its value is anything below 60. The reference: the samples
whose measured (not censored) value reaches a level, counted by hand with numpy."""

import numpy as np

from geochem_prospector.core.anomalies.screening import high_value_points
from geochem_prospector.core.anomalies.thresholds import compute_thresholds
from geochem_prospector.core.io.values import to_float_array


def test_censored_values_reach_no_level_and_measured_ones_do():
    rng = np.random.default_rng(6)
    measured = np.round(np.exp(rng.normal(np.log(10), 0.7, 200)), 1)
    raw = [f"{v:g}" for v in measured]
    for i in range(0, 200, 10):  # 20 samples of an older laboratory, '<60'
        raw[i] = "<60"
    values, rep = to_float_array(raw, censored_factor=0.5)
    assert sorted(rep.censored_at) == list(range(0, 200, 10)) and set(values[rep.censored_at]) == {30.0}
    censored = np.zeros((200, 1), dtype=bool)
    censored[rep.censored_at, 0] = True
    t = compute_thresholds(values, "Cu", "percentile", percentiles=[80, 90, 95])
    assert t.levels[0] < 30.0  # the substitute reaches the weak level: the case of the sweep
    xy = rng.uniform(0, 1000, (200, 2))
    points = high_value_points(xy, values[:, None], ["Cu"], [t], 1, censored=censored)
    expected = {i for i in range(200) if i % 10 and values[i] >= t.levels[0]}
    listed = {
        int(np.flatnonzero((xy[:, 0] == x) & (xy[:, 1] == y))[0]) for x, y in zip(points.geometry.x, points.geometry.y)
    }
    assert listed == expected and len(expected) > 10
    # without the mask the substitutes are listed, as before
    assert len(high_value_points(xy, values[:, None], ["Cu"], [t], 1)) == len(expected) + 20
