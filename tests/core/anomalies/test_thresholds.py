"""core.anomalies.thresholds: levels that assume one population, checked against plain counts."""

import numpy as np
import pytest


@pytest.mark.parametrize("method", ["mean_sd", "median_mad"])
def test_a_one_population_level_over_two_populations_is_flagged_with_the_share_counted(method):
    """Two log-normal populations (60 % around 10 ppm, 40 % around 300 ppm: two rock types): mean + SD and median +
    MAD put the weak level inside the upper population, which they then class anomalous; the warning gives the share
    numpy counts at or above the level. One population (the same values' lower part alone) draws no warning, nor
    the percentile and C-A methods on the two."""
    from geochem_prospector.core.anomalies.thresholds import broad_weak_level_warning, classify, compute_thresholds

    rng = np.random.default_rng(5)
    two = 10 ** np.concatenate([rng.normal(1.0, 0.15, 6000), rng.normal(2.5, 0.15, 4000)])
    t = compute_thresholds(two, "Cu", method)
    share = np.count_nonzero(two >= t.levels[0]) / two.size  # the reference: a plain count
    said = broad_weak_level_warning(classify(two, t.levels), t)
    assert share > 0.3 and said.startswith(f"METHOD: the weak level of 'Cu' ({t.levels[0]:.4g}; ")
    assert f"classes {100 * share:.0f} % of its cells anomalous" in said and "METHOD ca" in said
    one = two[:6000]
    t_one = compute_thresholds(one, "Cu", method)
    assert broad_weak_level_warning(classify(one, t_one.levels), t_one) == ""
    for other in ("percentile", "ca"):
        t_other = compute_thresholds(two, "Cu", other)
        assert broad_weak_level_warning(classify(two, t_other.levels), t_other) == ""
