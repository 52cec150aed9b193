"""Anomaly levels that fall in one run of equal values (sweep 13b).

A band of three values (1, 2 and 3 on 50, 30 and 20 % of the cells) has its 85th, 95th and 98th percentiles all at
3: classing by all three put the 20 % of the cells at 3 in the strong class, meant for the top 2 %. The repeated
levels are now undefined (NaN), the cells of the tie weak. The percentiles are checked against numpy's, the
classes against a count of the cells at or above them.

A band whose lowest 70 % of the cells hold a detection-limit substitute: the C-A curve started at that value, so its
first step dropped by the whole tie and the fit put the weak level just above the substitute (every detected cell
anomalous). The curve now starts at the first value above the tie; its counts are checked against numpy's.
"""

import numpy as np
import pytest

from geochem_prospector.core.anomalies.thresholds import ca_curve, classify, compute_thresholds, lowest_tie_warning


def _three_values() -> np.ndarray:
    values = np.r_[np.full(800, 1.0), np.full(480, 2.0), np.full(320, 3.0)]
    return np.random.default_rng(2).permutation(values).reshape(40, 40)


def test_percentiles_in_one_tie_leave_the_higher_levels_undefined():
    band = _three_values()
    p85, p95, p98 = np.percentile(band, [85, 95, 98])
    assert p85 == p95 == p98 == 3.0
    t = compute_thresholds(band, "Cu", "percentile", log=True)
    assert t.levels[0] == p85 and np.isnan(t.levels[1:]).all()
    assert "moderate, strong equal to the weak level 3, which 20 % of the cells hold" in t.detail
    classes = classify(band, t.levels)
    assert np.count_nonzero(classes == 1) == np.count_nonzero(band >= p85) == 320
    assert not np.any(classes >= 2)


def test_a_strong_level_in_the_moderate_tie_only():
    rng = np.random.default_rng(4)
    band = np.r_[rng.lognormal(2, 0.5, 1500), np.full(100, 500.0)]  # the top 6.25 % at one value
    p85, p95, p98 = np.percentile(band, [85, 95, 98])
    assert p85 < p95 == p98 == 500.0
    t = compute_thresholds(band, "Cu", "percentile")
    np.testing.assert_array_equal(t.levels[:2], [p85, p95])
    assert np.isnan(t.levels[2]) and "strong equal to the moderate level 500" in t.detail
    assert np.count_nonzero(classify(band, t.levels) == 2) == 100


def test_distinct_levels_are_unchanged():
    band = np.random.default_rng(5).lognormal(2, 0.5, (40, 40))
    t = compute_thresholds(band, "Cu", "percentile")
    np.testing.assert_allclose(t.levels, np.percentile(band, [85, 95, 98]))
    assert "undefined" not in t.detail


def _censored(share: float = 0.7) -> np.ndarray:
    """A log-normal band with its lowest ``share`` of the cells set to 2.5 (below a detection limit of 5)."""
    band = np.random.default_rng(6).lognormal(3.5, 0.8, 1600)
    return np.where(band <= np.quantile(band, share), 2.5, band)


def test_the_ca_curve_starts_above_a_substitute_holding_the_median():
    band = _censored()
    detected = np.sort(band[band > 2.5])
    levels, log_counts = ca_curve(band, log=True)
    assert np.isclose(10 ** levels[0], detected[0])  # the first value above the tie, not the tie itself
    brute = [np.count_nonzero(band >= 10**v * (1 - 1e-12)) for v in levels]  # every cell at or above each level
    np.testing.assert_array_equal(np.round(10**log_counts).astype(int), brute)
    assert brute[0] == detected.size  # no cliff of 1,120 cells at the start
    t = compute_thresholds(band, "Cu", "ca")
    assert t.levels[0] > detected[0]  # not a level just above the substitute, classing every detected cell
    assert "curve from" in t.detail and "above the 70 % of the cells at 2.5" in t.detail


def test_a_curve_without_a_tie_at_its_start_is_unchanged():
    band = np.random.default_rng(6).lognormal(3.5, 0.8, 1600)
    levels, _ = ca_curve(band, log=True)
    assert np.isclose(levels[0], np.percentile(np.log10(band), 50))
    assert "curve from" not in compute_thresholds(band, "Cu", "ca").detail


def test_moment_and_quartile_levels_over_a_substitute_are_warned_about():
    band = _censored()
    log = np.log10(band)
    q1, q3 = np.percentile(log, [25, 75])
    tukey = compute_thresholds(band, "Cu", "tukey")
    np.testing.assert_allclose(tukey.levels, 10 ** (q3 + np.array([1.5, 2.25, 3.0]) * (q3 - q1)))
    assert tukey.levels[0] > band.max()  # the fence measures the step from the substitute: nothing reaches it
    said = lowest_tie_warning(tukey, float(band.min()))
    assert said.startswith("METHOD: 70 % of the cells of 'Cu' hold its lowest value, 2.5 (values below detection")
    mean_sd = compute_thresholds(band, "Cu", "mean_sd")
    np.testing.assert_allclose(mean_sd.levels, 10 ** (log.mean() + np.array([1, 2, 3]) * log.std(ddof=1)))
    assert "the mean + k SD levels" in lowest_tie_warning(mean_sd, float(band.min()))
    # the percentiles and C-A read the upper tail whatever the lowest values are; a quarter at one value is no tie
    assert lowest_tie_warning(compute_thresholds(band, "Cu", "percentile"), 2.5) == ""
    assert lowest_tie_warning(compute_thresholds(band, "Cu", "ca"), 2.5) == ""
    quarter = _censored(0.2)
    assert lowest_tie_warning(compute_thresholds(quarter, "Cu", "tukey"), 2.5) == ""


def test_an_undefined_weak_level_leaves_the_higher_classes_their_own_numbers():
    """90 % of the cells at a substitute: the 85th percentile is the median, so the weak level is undefined. Cells
    at or above numpy's 95th percentile are moderate (2) and at or above its 98th strong (3); no cell is weak. Before,
    classify counted the defined levels a cell passed: the top 2 % came out moderate and the next 3 % weak."""
    band = np.r_[np.full(900, 2.5), np.random.default_rng(0).lognormal(3, 0.5, 100)]
    p85, p95, p98 = np.percentile(band, [85, 95, 98])
    t = compute_thresholds(band, "Cu", "percentile")
    assert np.isnan(t.levels[0]) and p85 == 2.5
    np.testing.assert_array_equal(t.levels[1:], [p95, p98])
    classes = classify(band, t.levels)
    assert not np.any(classes == 1)
    assert np.count_nonzero(classes == 3) == np.count_nonzero(band >= p98) == 20
    assert np.count_nonzero(classes == 2) == np.count_nonzero((band >= p95) & (band < p98)) == 30


def test_an_undefined_moderate_level_leaves_strong_cells_strong():
    """Weak and moderate in one tie (moderate undefined), strong above it: cells at or above the strong level are 3."""
    values = np.r_[np.arange(1.0, 81.0), np.full(15, 90.0), np.arange(91.0, 96.0)]
    classes = classify(values, [90.0, np.nan, 93.0])
    np.testing.assert_array_equal(classes, np.where(values >= 93.0, 3, np.where(values >= 90.0, 1, 0)))


def test_a_raster_of_fewer_than_ten_cells_is_refused_for_its_size_not_its_nodata():
    """A 1 x 1 raster was told to check its nodata value and the MASK (sweep 32b); its size is the matter. A band
    with enough cells but fewer than ten valid ones keeps the nodata advice."""
    from geochem_prospector.core.errors import InputError

    with pytest.raises(
        InputError, match=r"^INPUT_RASTER: band 'Cu' has only 1 cell\(s\) in all: anomaly thresholds need at least"
    ):
        compute_thresholds(np.array([[12.0]]), "Cu")
    with pytest.raises(InputError, match=r"only 9 cell\(s\) in all"):
        compute_thresholds(np.full((3, 3), 5.0), "Cu")
    holes = np.full((10, 10), np.nan)
    holes[0, :5] = [1.0, 2.0, 3.0, 4.0, 5.0]
    with pytest.raises(InputError, match=r"fewer than 10 valid cells inside the mask; check the raster's nodata"):
        compute_thresholds(holes, "Cu")
