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


def test_levels_below_the_detection_limit_are_said_with_the_percentile_of_the_limit():
    """Sweep 25b: 95 % of the samples '<1' ppb (substitute 0.5) and the cells between them and the few detected
    ones: the 85th and 95th percentiles lie below 1 ppb, the cells there anomalous though nothing near them was
    detected. The warning names those levels, the share of cells at or above the limit (a plain count), and
    percentiles from numpy's rank of the limit up, at which no level lies below it any more."""
    from geochem_prospector.core.anomalies.thresholds import below_detection_warning, compute_thresholds

    rng = np.random.default_rng(11)
    cells = np.concatenate([np.full(5000, 0.5), rng.uniform(0.5, 1.0, 4000), rng.uniform(1.0, 8.0, 300)])
    t = compute_thresholds(cells, "Au_ppb", "percentile", percentiles=[85, 95, 98])
    assert np.allclose(t.levels, np.percentile(cells, [85, 95, 98]))
    said = below_detection_warning(t, cells, [1.0], "ppb")
    share = np.count_nonzero(cells >= 1.0) / cells.size
    assert said.startswith(f"Au_ppb: its weak ({t.levels[0]:.4g}) and moderate ({t.levels[1]:.4g}) levels lie")
    assert f"{100 * share:.3g} % of the cells reach the limit" in said
    start = float(said.split("give PERCENTILES ")[1].rstrip(".").split(",")[0])
    assert np.percentile(cells, start) >= 1.0 > np.percentile(cells, start - 0.2)
    suggested = [float(v) for v in said.split("give PERCENTILES ")[1].rstrip(".").split(",")]
    again = compute_thresholds(cells, "Au_ppb", "percentile", percentiles=suggested)
    assert below_detection_warning(again, cells, [1.0]) == ""
    # every level above the limit, or no limit recorded below them: nothing said
    assert below_detection_warning(t, cells, [0.2]) == ""

    # two campaigns, limits 0.2 and 1: levels between them are said, with the higher limit
    mixed = below_detection_warning(t, cells, [0.2, 1.0], "ppb")
    assert mixed.startswith(f"Au_ppb: its weak ({t.levels[0]:.4g}) and moderate ({t.levels[1]:.4g}) levels lie below")
    assert "detection limit 1 ppb of some of its samples (limits 0.2, 1)" in mixed


@pytest.mark.parametrize("method", ["percentile", "ca"])
def test_levels_within_analytical_noise_of_the_median_are_said(method):
    """Sweep 25b: 0.1 % noise around 5 ppm got levels and 32 ranked anomaly areas from C-A without a word. The
    warning's spread is the largest |level / median - 1| (numpy's median of the cells, as the band is positive);
    a real field of majors (10 % around the median at its 98th percentile) draws none."""
    from geochem_prospector.core.anomalies.thresholds import compute_thresholds, flat_band_warning

    rng = np.random.default_rng(4)
    flat = 5 * (1 + 0.001 * rng.standard_normal(1600))
    t = compute_thresholds(flat, "Cu", method)
    said = flat_band_warning(t)
    spread = max(abs(v / np.median(flat) - 1) for v in t.levels if np.isfinite(v))
    assert spread < 0.005 and said.startswith("Cu: its levels (weak ")
    assert f"lie within {100 * spread:.2g} % of its median" in said
    majors = 68 * np.exp(0.05 * rng.standard_normal(1600))  # SiO2 %, 5 % spread
    assert flat_band_warning(compute_thresholds(majors, "SiO2", method)) == ""
