"""A C-A curve over a plateau above the median (sweep 22b, from sweep 21c's harsh scene).

A smooth Cu field with 22 % of its cells set to one high value (5.0: a fill, an interpolation plateau): the count
of cells at or above a level drops by the whole plateau at 5.0, a vertical step in the curve, and the fit put the
weak level just under it (4.992), so the whole plateau was anomalous because of its own step. The plateau is now
left out of the curve. The levels are checked against a brute-force fit written here (every segmentation of the
curve, np.polyfit, the documented BIC), on a curve of the other cells counted with numpy.
"""

import itertools

import numpy as np

from geochem_prospector.core.anomalies.thresholds import (
    CA_PLATEAU_SHARE,
    ca_curve,
    classify,
    compute_thresholds,
    plateau_warnings,
)


def _field_with_plateau() -> np.ndarray:
    """sweep 21c's harsh Cu: 60 x 80 cells of 3 + sin + cos + noise, a 30 x 35 block at 5.0, a nodata corner."""
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:60, 0:80]
    cu = (np.sin(xx / 9.0) + np.cos(yy / 7.0) + 0.3 * rng.standard_normal((60, 80))).astype(np.float32) + 3
    cu[10:40, 40:75] = 5.0
    cu = cu.astype(np.float64)
    cu[45:60, 0:15] = np.nan
    return cu


def _brute_force_levels(log_values: np.ndarray, start: float, max_breaks: int = 3, n_levels: int = 64) -> np.ndarray:
    """C-A levels by exhaustive search: the curve from ``start`` (the median of every cell) to the 10th highest
    value of ``log_values`` (the cells the curve is drawn from), every split into 1-4 segments of >= 4 points."""
    y = np.sort(log_values)
    x = np.linspace(start, y[y.size - 10], n_levels)
    c = np.log10(np.array([np.count_nonzero(y >= t) for t in x], dtype=float))
    n = x.size
    sse = {}
    for i in range(n):
        for j in range(i + 3, n):
            p = np.polyfit(x[i : j + 1], c[i : j + 1], 1)
            sse[i, j] = float(np.sum((np.polyval(p, x[i : j + 1]) - c[i : j + 1]) ** 2))
    best = {}
    for nb in range(max_breaks + 1):
        top: tuple = (np.inf, None)
        for b in itertools.combinations(range(4, n - 3), nb):
            e = [0, *b, n]
            if any(e[q + 1] - e[q] < 4 for q in range(len(e) - 1)):
                continue
            total = sum(sse[e[q], e[q + 1] - 1] for q in range(len(e) - 1))
            if total < top[0]:
                top = (total, e)
        best[nb] = top
    bic = {nb: n * np.log(max(t / n, 0.01**2)) + (3 * (nb + 1) - 1) * np.log(n) for nb, (t, _) in best.items()}
    e = best[min(bic, key=bic.__getitem__)][1]
    lines = [np.polyfit(x[a:b], c[a:b], 1) for a, b in zip(e[:-1], e[1:])]
    breaks = []
    for q, b in enumerate(e[1:-1]):
        (m1, c1), (m2, c2) = lines[q], lines[q + 1]
        xb = (c2 - c1) / (m1 - m2) if m1 != m2 else (x[b - 1] + x[b]) / 2
        breaks.append(float(np.clip(xb, x[b - 1], x[b])))
    levels = np.full(3, np.nan)
    levels[: len(breaks[-3:])] = 10 ** np.array(breaks[-3:])
    return levels


def test_a_plateau_above_the_median_is_left_out_of_the_curve():
    cu = _field_with_plateau()
    cu = cu[np.isfinite(cu)]
    logs = np.log10(cu)
    plateau = cu == 5.0
    share = plateau.mean()
    assert share > CA_PLATEAU_SHARE and np.median(cu) < 5.0
    # the step: with the plateau in the curve, the brute force puts the weak level just under 5.0 (4.992, as the
    # plugin did before and sweep 21c saw)
    median = float(np.percentile(logs, 50.0))
    with_step = _brute_force_levels(logs, median)
    assert 4.9 < with_step[0] < 5.0
    # the plateau left out: the curve from the median of every cell, over the other cells
    expected = _brute_force_levels(np.log10(cu[~plateau]), median)
    t = compute_thresholds(cu, "Cu", "ca")
    np.testing.assert_allclose(t.levels, expected, rtol=1e-9)
    assert t.levels[0] < 4.9  # no longer a level pushed against the plateau by its own step
    levels, log_counts = ca_curve(cu, log=True)
    others = np.sort(logs[~plateau])
    counts = others.size - np.searchsorted(others, levels, side="left")
    np.testing.assert_array_equal(log_counts, np.log10(counts.astype(float)))
    assert t.plateaus == ((5.0, share),)
    assert "23 % of the cells at 5 left out of the curve" in t.detail
    (said,) = plateau_warnings(t)
    klass = ("background", "weak", "moderate", "strong")[int(classify(np.array([5.0]), t.levels)[0])]
    assert said.startswith("METHOD: 23 % of the cells of 'Cu' hold one value, 5 ")
    assert f"classed {klass}" in said and "nodata" in said


def test_a_field_without_plateau_is_unchanged():
    cu = _field_with_plateau()
    cu[10:40, 40:75] += np.random.default_rng(9).uniform(-0.3, 0.3, (30, 35))  # the block, no longer one value
    t = compute_thresholds(cu, "Cu", "ca")
    assert t.plateaus == () and plateau_warnings(t) == [] and "left out" not in t.detail
    logs = np.log10(cu[np.isfinite(cu)])
    np.testing.assert_allclose(t.levels, _brute_force_levels(logs, float(np.percentile(logs, 50.0))), rtol=1e-9)


def test_a_tie_at_the_start_is_not_a_plateau():
    # a detection-limit substitute holding the median: the curve starts above it (the older guard), nothing left out
    band = np.random.default_rng(6).lognormal(3.5, 0.8, 1600)
    band = np.where(band <= np.quantile(band, 0.7), 2.5, band)
    t = compute_thresholds(band, "Cu", "ca")
    assert t.plateaus == () and "curve from" in t.detail


def test_a_band_of_few_distinct_values_keeps_every_value_on_its_curve():
    """A band of the integers 1-10 (codes, or contents recorded as whole numbers) holds each value on ~10 % of its
    cells: no value is a plateau among the others' steps. Leaving them out as plateaus left no curve, and the band was
    refused as constant; the curve is now the numpy count of cells at or above each level over every cell."""
    rng = np.random.default_rng(0)
    values = rng.integers(1, 11, (80, 80)).astype(float)
    thresholds = compute_thresholds(values, "Cu", "ca")
    assert thresholds.plateaus == () and plateau_warnings(thresholds) == []
    levels, log_counts = ca_curve(values, log=True)
    y = np.sort(np.log10(values.ravel()))
    assert np.allclose(log_counts, np.log10([np.count_nonzero(y >= t) for t in levels]))
    assert np.isfinite(thresholds.levels).any()


def test_values_recorded_in_whole_units_are_steps_of_the_curve_not_plateaus():
    """Pb in whole ppm (median 10): 12 and 13 ppm hold 6 % and 5 % of the cells, as their neighbours 11 and 14 hold
    about as many. The review found them left out as 'plateaus' and warned about as fills, moving the weak level;
    they stay on the curve, whose counts are numpy's over every cell; the same band with a block of cells set to
    one value between two whole numbers (a fill) still has it left out."""
    rng = np.random.default_rng(7)
    pb = np.round(rng.lognormal(np.log(10.0), 0.35, (90, 90)))
    counts = {v: np.mean(pb == v) for v in (12.0, 13.0)}
    assert all(c > CA_PLATEAU_SHARE for c in counts.values()), counts  # the scene the review described
    thresholds = compute_thresholds(pb, "Pb", "ca")
    assert thresholds.plateaus == () and plateau_warnings(thresholds) == []
    levels, log_counts = ca_curve(pb, log=True)
    y = np.sort(np.log10(pb.ravel()))
    assert np.allclose(log_counts, np.log10([np.count_nonzero(y >= t) for t in levels]))
    filled = pb + rng.uniform(-0.4, 0.4, pb.shape)  # continuous values around the whole numbers
    filled[:30, :40] = 15.5  # 15 % of the cells at one value: a fill
    assert compute_thresholds(filled, "Pb", "ca").plateaus == ((15.5, 1200 / 8100),)
