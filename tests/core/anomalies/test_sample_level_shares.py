"""The high-value samples beside the cells: levels set on an interpolated surface are passed by more samples than
cells (sweeps 21a and 22a: Kola 210 of 605 samples 'moderate' or above, Jura 127 of 259, where 5 % of the cells
are), and the log now says both shares. Here the surface is an inverse-distance average of lognormal samples
(written here) and every share is counted with numpy on the samples and the cells."""

import numpy as np

from geochem_prospector.core.anomalies.screening import sample_level_shares
from geochem_prospector.core.anomalies.thresholds import CLASS_NODATA, classify, compute_thresholds


def _survey(seed=2):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 50, (300, 2))
    cu = rng.lognormal(3.0, 0.8, 300)
    gx, gy = np.meshgrid(np.arange(50) + 0.5, np.arange(50) + 0.5)
    d2 = (gx[..., None] - xy[:, 0]) ** 2 + (gy[..., None] - xy[:, 1]) ** 2
    w = 1.0 / np.maximum(d2, 0.25) ** 1.0  # power 2 on distances: a smooth surface, its highs averages
    grid = (w * cu).sum(-1) / w.sum(-1)
    grid[:3, :3] = np.nan  # a nodata corner
    return cu, grid


def test_shares_of_samples_and_cells_equal_numpy_counts():
    cu, grid = _survey()
    t = compute_thresholds(grid, "Cu", "percentile")
    classes = classify(grid, t.levels)
    values = np.column_stack([cu, np.r_[cu[:-5], [np.nan] * 5]])  # a second element with 5 samples unmeasured
    lines, warning = sample_level_shares(values, ["Cu", "Cu2"], [t, t], [classes, classes], 2)
    cells = grid[np.isfinite(grid)]
    cell_share = np.mean(cells >= t.levels[1])
    passed = int(np.sum(cu >= t.levels[1]))
    assert lines[0] == (
        f"Cu: {passed} of 300 samples ({100 * passed / 300:.1f} %) at the moderate level or above, "
        f"{100 * cell_share:.1f} % of the cells"
    )
    passed2 = int(np.sum(cu[:-5] >= t.levels[1]))
    assert lines[1].startswith(f"Cu2: {passed2} of 295 samples")
    assert passed / 300 > 2 * cell_share  # the smoothing this is about
    assert passed / 300 < 0.25 and warning == ""  # one element (Cu2 holds the same values): a list short enough


def test_a_short_list_says_nothing_and_a_long_one_warns_with_the_union_counted_by_numpy():
    """Levels set on the samples themselves: 5 % pass at moderate, no warning. Several elements of independent
    values at the weak level (15 % each) list most samples: the warning gives numpy's count of the union."""
    cu, _ = _survey()
    t = compute_thresholds(cu, "Cu", "percentile")
    cells = classify(cu.reshape(15, 20), t.levels)
    cells[0, 0] = CLASS_NODATA
    lines, warning = sample_level_shares(cu[:, None], ["Cu"], [t], [cells], 2)
    assert warning == "" and len(lines) == 1
    rng = np.random.default_rng(8)
    many = rng.lognormal(3.0, 0.8, (300, 4))
    levels = [compute_thresholds(many[:, j], f"E{j}", "percentile") for j in range(4)]
    _, warning = sample_level_shares(many, ["E0", "E1", "E2", "E3"], levels, [cells] * 4, 1)
    union = int(np.any([many[:, j] >= levels[j].levels[0] for j in range(4)], axis=0).sum())
    assert union / 300 > 0.25
    assert warning.startswith(f"POINTS_LEVEL: {union} of 300 samples ({100 * union / 300:.0f} %) reach the weak level")
