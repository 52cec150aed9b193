"""Anomaly thresholds, C-A fractal breaks, integrated index, anomaly areas and contours.

Every check compares with an independent computation: the standard library's statistics module, scipy.stats,
numpy.percentile, a brute-force flood fill, contourpy (matplotlib's contour generator, test-only), or a
synthetic field whose C-A break points are known by construction.
"""

import math
import statistics

import numpy as np
import pytest
from scipy.stats import median_abs_deviation

from geochem_prospector.core.anomalies.contours import contour_lines, contour_segments
from geochem_prospector.core.anomalies.screening import (
    anomaly_areas,
    high_value_points,
    identify_anomalies,
    integrated_index,
)
from geochem_prospector.core.anomalies.thresholds import (
    CLASS_NODATA,
    ca_fit,
    classify,
    compute_thresholds,
    threshold_ca,
    threshold_mean_sd,
    threshold_median_mad,
    threshold_percentile,
    threshold_tukey,
)
from geochem_prospector.core.errors import InputError
from geochem_prospector.core.grid import GridSpec

RNG = np.random.default_rng(42)
LOGNORMAL = 10 ** RNG.normal(1.3, 0.4, 3001)


def test_percentiles_match_numpy():
    levels = threshold_percentile(LOGNORMAL, (85, 95, 98))
    assert np.allclose(levels, np.percentile(LOGNORMAL, [85, 95, 98]))
    # and a hand computation of numpy's default (linear) rule for one level
    s = np.sort(LOGNORMAL)
    pos = 0.95 * (s.size - 1)
    lo = int(math.floor(pos))
    assert levels[1] == pytest.approx(s[lo] + (pos - lo) * (s[lo + 1] - s[lo]))


def test_mean_sd_of_logs_matches_statistics_module():
    logs = [math.log10(v) for v in LOGNORMAL]
    mu, sd = statistics.mean(logs), statistics.stdev(logs)
    expected = [10 ** (mu + k * sd) for k in (1, 2, 3)]
    assert np.allclose(threshold_mean_sd(LOGNORMAL, (1, 2, 3)), expected, rtol=1e-10)
    assert np.allclose(threshold_mean_sd(np.log10(LOGNORMAL), (2,), log=False), [mu + 2 * sd])


def test_median_mad_matches_scipy():
    logs = np.log10(LOGNORMAL)
    mad = median_abs_deviation(logs, scale="normal")
    expected = 10 ** (np.median(logs) + np.array([1, 2, 3]) * mad)
    assert np.allclose(threshold_median_mad(LOGNORMAL), expected, rtol=1e-4)  # 1.4826 vs 1/Phi^-1(3/4)


def test_tukey_fences_match_statistics_quantiles():
    logs = [math.log10(v) for v in LOGNORMAL]
    q1, _, q3 = statistics.quantiles(logs, n=4, method="inclusive")
    iqr = q3 - q1
    expected = [10 ** (q3 + 1.5 * iqr), 10 ** (q3 + 2.25 * iqr), 10 ** (q3 + 3 * iqr)]
    assert np.allclose(threshold_tukey(LOGNORMAL), expected, rtol=1e-10)
    # about 0.35 % of a lognormal sample lies above the inner fence
    assert 0.0 < np.mean(LOGNORMAL >= expected[0]) < 0.02


def power_law_field(breaks_log, slopes, n=200, seed=0):
    """A field whose C-A curve is exactly piecewise linear: log10 A(>=v) = sum of slopes between known breaks.

    Values are the quantiles of that area function, arranged as a noisy concentric anomaly.
    """
    count = n * n
    log_survival = np.log10((np.arange(count) + 0.5) / count)
    knots_x, knots_y = [0.0], [0.0]
    for b, slope in zip(list(breaks_log) + [None], slopes):
        step = 10.0 if b is None else b - knots_x[-1]
        knots_y.append(knots_y[-1] + slope * step)
        knots_x.append(knots_x[-1] + step)
    log_v = np.interp(-log_survival, -np.array(knots_y), np.array(knots_x))
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:n, 0:n]
    distance = np.hypot(yy - n / 2, xx - n / 2) + rng.normal(0, 3, (n, n))
    out = np.empty(count)
    out[np.argsort(distance.ravel())] = np.sort(10**log_v)[::-1]
    return out.reshape(n, n)


def test_ca_recovers_three_known_breaks():
    truth = np.array([1.2, 1.6, 2.0])  # log10 concentrations 15.8, 39.8, 100
    field = power_law_field(truth, [-0.5, -1.5, -3.0, -6.0])
    fit = ca_fit(field)
    assert fit.n_segments == 4  # chosen by BIC among 1..4 segments
    assert np.allclose(fit.breaks, truth, atol=0.02)  # within 0.02 log10 units (5 %)
    assert np.allclose(fit.slopes, [-0.5, -1.5, -3.0, -6.0], rtol=0.05)
    levels, _ = threshold_ca(field)
    assert np.allclose(np.log10(levels), truth, atol=0.02)


def test_ca_bi_population_gives_one_break_and_undefined_upper_levels():
    field = power_law_field([1.3], [-0.3, -2.5], seed=1)
    fit = ca_fit(field)
    assert fit.n_segments == 2
    assert fit.breaks[0] == pytest.approx(1.3, abs=0.02)
    thresholds = compute_thresholds(field, "X", "ca")
    assert thresholds.levels[0] == pytest.approx(10**1.3, rel=0.05)
    assert np.isnan(thresholds.levels[1:]).all()
    classes = classify(field, thresholds.levels)
    assert set(np.unique(classes)) == {0, 1}
    assert np.array_equal(classes == 1, field >= thresholds.levels[0])


def test_ca_fixed_number_of_breaks():
    truth = np.array([1.2, 1.6, 2.0])
    field = power_law_field(truth, [-0.5, -1.5, -3.0, -6.0])
    fit = ca_fit(field, n_breaks=1)
    assert fit.n_segments == 2 and fit.breaks.size == 1
    assert 1.1 < fit.breaks[0] < 2.1


def test_classify_matches_digitize_and_marks_nodata():
    values = LOGNORMAL.copy()
    values[::97] = np.nan
    levels = np.percentile(LOGNORMAL, [85, 95, 98])
    classes = classify(values, levels)
    finite = np.isfinite(values)
    assert np.array_equal(classes[finite], np.digitize(values[finite], levels))
    assert (classes[~finite] == CLASS_NODATA).all()


def test_log_methods_reject_nonpositive_values():
    with pytest.raises(InputError, match="INPUT_RASTER"):
        compute_thresholds(np.r_[LOGNORMAL, 0.0], "Cu", "mean_sd")
    # percentiles need no logarithm
    compute_thresholds(np.r_[LOGNORMAL, 0.0], "Cu", "percentile")


def test_integrated_index_methods():
    a = 10 ** RNG.normal(1, 0.3, (40, 50))
    noise = 10 ** RNG.normal(0, 0.05, (40, 50))
    b = a * noise  # b follows a closely
    c = 10 ** RNG.normal(0.5, 0.2, (40, 50))
    bands = np.stack([a, b, c])
    logs = np.log10(bands)
    z = [(y - np.median(y)) / median_abs_deviation(y, axis=None, scale="normal") for y in logs]
    index, weights = integrated_index(bands, ["A", "B", "C"], ["A", "B"], "zscore")
    assert np.allclose(index, (z[0] + z[1]) / 2, atol=1e-3)
    assert weights == {"A": 0.5, "B": 0.5}
    # first principal component of two nearly identical variables: equal positive loadings
    _, weights = integrated_index(bands, ["A", "B", "C"], ["A", "B"], "pca")
    assert weights["A"] == pytest.approx(weights["B"], abs=0.05) and weights["A"] == pytest.approx(0.707, abs=0.05)
    # CLR uses the whole composition: log(A) - mean(log A, log B, log C)
    index, _ = integrated_index(bands, ["A", "B", "C"], ["A"], "clr")
    clr = logs[0] - logs.mean(axis=0)
    expected = (clr - np.median(clr)) / median_abs_deviation(clr, axis=None, scale="normal")
    assert np.allclose(index, expected, atol=1e-3)
    with pytest.raises(InputError, match="ASSOCIATION"):
        integrated_index(bands, ["A", "B", "C"], ["Cu"], "zscore")


def test_the_index_refuses_non_positive_values_only_in_the_bands_it_takes_logarithms_of():
    a = 10 ** RNG.normal(1, 0.3, (20, 20))
    c = a.copy()
    c[:3, :3] = -9999.0  # a fill value used as data, in a band outside the association
    bands = np.stack([a, a * 1.1, c])
    index, _ = integrated_index(bands, ["A", "B", "C"], ["A", "B"], "zscore")
    assert np.isfinite(index).all()
    for association, method in ((["C"], "zscore"), (["A"], "clr")):  # CLR takes the logarithm of every band
        with pytest.raises(InputError, match=r"^INPUT_RASTER: .*but band 'C' goes down to -9999; if that marks"):
            integrated_index(bands, ["A", "B", "C"], association, method)


def flood_fill_sizes(mask):
    """Brute-force 8-connected component sizes (reference for scipy.ndimage.label)."""
    seen = np.zeros_like(mask, dtype=bool)
    sizes = []
    for start in zip(*np.nonzero(mask)):
        if seen[start]:
            continue
        stack, size = [start], 0
        seen[start] = True
        while stack:
            r, c = stack.pop()
            size += 1
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    rr, cc = r + dr, c + dc
                    if 0 <= rr < mask.shape[0] and 0 <= cc < mask.shape[1] and mask[rr, cc] and not seen[rr, cc]:
                        seen[rr, cc] = True
                        stack.append((rr, cc))
        sizes.append(size)
    return sorted(sizes)


def two_blob_grid():
    grid = GridSpec(0.0, 60_000.0, 1000.0, 60, 60, None)
    yy, xx = np.mgrid[0:60, 0:60]
    big = 3.0 * np.exp(-((yy - 20) ** 2 + (xx - 20) ** 2) / (2 * 6.0**2))  # strong, wide
    small = 1.5 * np.exp(-((yy - 45) ** 2 + (xx - 45) ** 2) / (2 * 3.0**2))  # weaker, narrow
    return grid, big + small


def test_anomaly_areas_screening_attributes():
    grid, index = two_blob_grid()
    levels = [0.5, 1.0, 2.0]
    element_classes = np.stack([classify(index, levels), np.zeros(index.shape, np.uint8)])
    deposits = np.array([[20_500.0, 60_000.0 - 20_500.0], [45_500.0 + 10_000.0, 60_000.0 - 45_500.0]])
    areas, labels = anomaly_areas(index, levels, grid, element_classes, ["Cu", "Zn"], ["Cu", "Zn"], deposits)
    assert len(areas) == 2
    assert sorted(areas["cells"]) == flood_fill_sizes(index >= 0.5)
    first, second = areas.iloc[0], areas.iloc[1]
    assert first["rank"] == 1 and first["max_index"] == pytest.approx(index.max())
    assert first["area_km2"] == pytest.approx(first["cells"] * 1.0)  # 1 km cells
    cells = index[labels == first["area_id"]]
    assert first["mean_index"] == pytest.approx(cells.mean())
    assert first["nap"] == pytest.approx(first["area_km2"] * (cells.mean() - 0.5))
    assert first["geometry"].area == pytest.approx(first["cells"] * 1e6)
    assert first["elements"] == "Cu(3)" and first["n_elements"] == 1 and first["assoc_score"] == 0.5
    assert second["elements"] == "Cu(2)"  # its peak, 1.5, is above the moderate level
    assert first["deposit_km"] == 0.0  # deposit inside the big anomaly
    # second deposit lies 10 km east of the small blob's centre; the blob edge is about 3.9 km from the centre
    edge = second["geometry"].bounds[2]
    assert second["deposit_km"] == pytest.approx((55_500.0 - edge) / 1000.0, abs=0.5)
    assert first["score"] > second["score"]


def test_anomaly_areas_of_a_grid_in_feet_are_in_km2_and_km():
    # the same blobs on a grid in US survey feet (EPSG:2277): 1000 ft cells are 0.0929 km², distances in km
    import rasterio.crs
    from shapely.geometry import Point

    foot = 1200 / 3937
    grid, index = two_blob_grid()
    grid = GridSpec(
        grid.xmin, grid.ymax, grid.pixel_size, grid.width, grid.height, rasterio.crs.CRS.from_epsg(2277).to_wkt()
    )
    levels = [0.5, 1.0, 2.0]
    classes = classify(index, levels)[None]
    deposits = np.array([[45_500.0 + 10_000.0, 60_000.0 - 45_500.0]])
    areas, _ = anomaly_areas(index, levels, grid, classes, ["Cu"], ["Cu"], deposits)
    for _, area in areas.iterrows():
        assert area["area_km2"] == pytest.approx(area["cells"] * (1000.0 * foot) ** 2 / 1e6)
        expected = area["geometry"].distance(Point(*deposits[0]))
        assert area["deposit_km"] == pytest.approx(expected * foot / 1000.0)


def test_min_cells_drops_small_areas():
    grid, index = two_blob_grid()
    levels = [1.4, 2.0, 2.5]
    classes = classify(index, levels)[None]
    all_areas, _ = anomaly_areas(index, levels, grid, classes, ["Cu"], ["Cu"])
    big_only, _ = anomaly_areas(index, levels, grid, classes, ["Cu"], ["Cu"], min_cells=int(all_areas.cells.min()) + 1)
    assert len(all_areas) == 2 and len(big_only) == 1


def cu_zn_levels():
    """Cu levels 40/100/150 and Zn levels 5/10/15, set by hand."""
    t_cu = compute_thresholds(LOGNORMAL, "Cu", "percentile")
    t_cu.levels = np.array([40.0, 100.0, 150.0])
    t_zn = compute_thresholds(LOGNORMAL, "Zn", "percentile")
    t_zn.levels = np.array([5.0, 10.0, 15.0])
    return t_cu, t_zn


def test_high_value_points_brute_force():
    values = np.array([[10.0, 1.0], [50.0, 1.0], [10.0, 9.0], [200.0, 20.0]])
    xy = np.arange(8, dtype=float).reshape(4, 2)
    t_cu, t_zn = cu_zn_levels()
    points = high_value_points(xy, values, ["Cu", "Zn"], [t_cu, t_zn])
    assert list(points["elements"]) == ["Cu(1)", "Zn(1)", "Cu(3), Zn(3)"]
    assert list(points["max_level"]) == [1, 1, 3] and list(points["level"]) == ["weak", "weak", "strong"]
    assert list(points.geometry.x) == [2.0, 4.0, 6.0]


def test_contours_match_contourpy_and_lie_on_the_level():
    contourpy = pytest.importorskip("contourpy", reason="contourpy (matplotlib) is the test-only reference")
    grid = GridSpec(1000.0, 5000.0, 50.0, 80, 70, None)
    yy, xx = np.mgrid[0:70, 0:80]
    z = np.sin(xx / 9.0) * np.cos(yy / 7.0) + 0.02 * xx
    z[30:36, 40:44] = np.nan
    x = grid.xmin + (np.arange(80) + 0.5) * grid.pixel_size
    y = grid.ymax - (np.arange(70) + 0.5) * grid.pixel_size
    for level in (-0.3, 0.25, 0.8):
        ours = contour_lines(z, level, grid)
        gen = contourpy.contour_generator(
            x, y, np.ma.masked_invalid(z), name="serial", corner_mask=False, line_type="Separate"
        )
        ref = gen.lines(level)
        length = sum(line.length for line in ours)
        ref_length = sum(np.hypot(*np.diff(seg, axis=0).T).sum() for seg in ref)
        assert length == pytest.approx(ref_length, rel=1e-6)
        assert len(ours) == len(ref)
    # every vertex lies on a cell edge where linear interpolation gives the level
    seg = contour_segments(z, 0.25, grid)
    for px, py in seg.reshape(-1, 2)[:200]:
        c = (px - grid.xmin) / grid.pixel_size - 0.5
        r = (grid.ymax - py) / grid.pixel_size - 0.5
        if abs(c - round(c)) < 1e-9:  # on a vertical edge
            c, r0 = int(round(c)), int(math.floor(r))
            value = z[r0, c] + (r - r0) * (z[r0 + 1, c] - z[r0, c])
        else:
            r, c0 = int(round(r)), int(math.floor(c))
            value = z[r, c0] + (c - c0) * (z[r, c0 + 1] - z[r, c0])
        assert value == pytest.approx(0.25, abs=1e-9)


def test_identify_anomalies_end_to_end_with_mask():
    grid, index = two_blob_grid()
    cu = 10 ** (1.0 + 0.3 * index + RNG.normal(0, 0.02, index.shape))
    zn = 10 ** (1.5 + RNG.normal(0, 0.1, index.shape))
    mask = np.ones(index.shape, bool)
    mask[:, :5] = False
    result = identify_anomalies(np.stack([cu, zn]), ["Cu", "Zn"], grid, "percentile", ["Cu"], mask=mask)
    assert result.class_names == ["Cu", "Zn", "index"]
    assert (result.classes[:, ~mask] == CLASS_NODATA).all()
    # 15 % of the masked cells are at least weak, by construction of the 85th percentile
    assert np.mean(result.classes[0][mask] >= 1) == pytest.approx(0.15, abs=0.01)
    assert set(result.contours["element"]) <= {"Cu", "Zn", "index"} and len(result.contours) > 0
    assert result.areas.iloc[0]["elements"].startswith("Cu(3)")
    assert [t.name for t in result.thresholds] == ["Cu", "Zn", "index"]


def test_contours_with_cells_exactly_at_the_level():
    """Ties (cells equal to the level count as above it) give the same lines as contourpy on z + 1e-9."""
    contourpy = pytest.importorskip("contourpy", reason="contourpy (matplotlib) is the test-only reference")
    z = np.random.default_rng(1).integers(0, 4, (30, 40)).astype(float)
    grid = GridSpec(0.0, 30.0, 1.0, 40, 30, None)
    x, y = np.arange(40) + 0.5, 30 - (np.arange(30) + 0.5)
    for level in (1.0, 2.0):
        ours = sum(line.length for line in contour_lines(z, level, grid))
        gen = contourpy.contour_generator(x, y, z + 1e-9, name="serial", corner_mask=False, line_type="Separate")
        ref = sum(np.hypot(*np.diff(seg, axis=0).T).sum() for seg in gen.lines(level))
        assert ours == pytest.approx(ref, rel=1e-6)


def test_cancel_stops_the_work():
    from geochem_prospector.core.errors import Cancelled

    grid, index = two_blob_grid()
    with pytest.raises(Cancelled):
        identify_anomalies(10 ** (1 + index[None]), ["Cu"], grid, is_cancelled=lambda: True)


def test_progress_moves_in_every_step_and_a_cancel_stops_at_each_check():
    """A national grid takes minutes (sweep 19c: 4,000² x 10 bands): progress moves through the elements, the
    index, each contoured surface and the areas, and every cancel check stops the run (the result of a full run
    is the same with the checks as without them)."""
    from geochem_prospector.core.errors import Cancelled

    grid, index = two_blob_grid()
    bands = np.stack([10 ** (1 + index), 10 ** (1.5 + 0.5 * index.T), 10 ** (2 + 0.2 * index[::-1])])
    names = ["Cu", "Zn", "Pb"]
    seen: list = []
    calls: list = []
    full = identify_anomalies(bands, names, grid, progress=seen.append, is_cancelled=lambda: calls.append(1) and False)
    assert seen == sorted(seen) and seen[-1] == 1.0
    # the elements (3), the index's bands (3), each contoured surface (4), the areas' steps: none left out
    assert len(seen) >= 3 + 3 + 4 + 3 and len(calls) >= 3 + 3 + 4 * 3 + 3
    plain = identify_anomalies(bands, names, grid)
    np.testing.assert_array_equal(full.labels, plain.labels)
    np.testing.assert_array_equal(full.index, plain.index)
    for k in range(len(calls)):
        checks: list = []
        with pytest.raises(Cancelled):
            identify_anomalies(bands, names, grid, is_cancelled=lambda k=k, c=checks: c.append(1) or len(c) > k)
        assert len(checks) == k + 1  # it stopped at the check that said so


def test_no_weak_level_gives_no_areas():
    grid, index = two_blob_grid()
    areas, labels = anomaly_areas(index, [np.nan] * 3, grid, classify(index, [np.nan] * 3)[None], ["Cu"], ["Cu"])
    assert len(areas) == 0 and not labels.any()


def test_a_near_constant_band_cannot_dominate_the_index():
    rng = np.random.default_rng(12)
    signal = rng.lognormal(2.0, 0.6, (40, 50))  # an informative band
    flat = 10 ** (1.0 + 1e-4 * rng.normal(size=(40, 50)))  # levelled flat: log10 MAD ~ 1e-4 ...
    flat[:5, :5] *= 2.0  # ... but for one small patch (a survey too small to level): z-scores near 3,000
    bands = np.stack([signal, flat])
    floored: dict = {}
    index, _ = integrated_index(bands, ["Cu", "Au"], ["Cu", "Au"], "zscore", floored=floored)
    # by hand: mean of the robust z-scores, the flat band's scale raised to 0.05 log10 units
    logs = np.log10(bands)
    med = np.median(logs, axis=(1, 2))
    mad = 1.4826 * np.median(np.abs(logs - med[:, None, None]), axis=(1, 2))
    assert mad[1] < 1e-3 and mad[0] > 0.05
    expected = 0.5 * ((logs[0] - med[0]) / mad[0] + (logs[1] - med[1]) / 0.05)
    np.testing.assert_allclose(index, expected, rtol=1e-10)
    assert list(floored) == ["Au"] and floored["Au"] == pytest.approx(mad[1])
    assert np.corrcoef(index.ravel(), logs[0].ravel())[0, 1] > 0.7  # the index still follows the informative band
    unfloored, _ = integrated_index(bands, ["Cu", "Au"], ["Cu", "Au"], "zscore", scale_floor=0.0)
    assert abs(np.corrcoef(unfloored.ravel(), logs[0].ravel())[0, 1]) < 0.2  # what the floor prevents


def test_outline_level_splits_areas_at_a_higher_level():
    """Outlined at the moderate level, the areas are the flood-filled regions of index >= moderate (reference:
    the test's own flood fill), and nap is the excess over that level."""
    grid, index = two_blob_grid()
    levels = [0.5, 1.0, 2.0]
    classes = classify(index, levels)[None]
    weak, _ = anomaly_areas(index, levels, grid, classes, ["Cu"], ["Cu"])
    moderate, labels = anomaly_areas(index, levels, grid, classes, ["Cu"], ["Cu"], outline=1)
    strong, _ = anomaly_areas(index, levels, grid, classes, ["Cu"], ["Cu"], outline=2)
    assert sorted(moderate["cells"]) == flood_fill_sizes(index >= 1.0)
    assert sorted(strong["cells"]) == flood_fill_sizes(index >= 2.0) and len(strong) == 1
    assert moderate["cells"].sum() < weak["cells"].sum()
    first = moderate.iloc[0]
    cells = index[labels == first["area_id"]]
    assert first["nap"] == pytest.approx(first["area_km2"] * (cells.mean() - 1.0))
    with pytest.raises(InputError, match="AREA_LEVEL"):
        anomaly_areas(index, levels, grid, classes, ["Cu"], ["Cu"], outline=3)


def test_high_value_points_from_a_higher_level():
    """min_level 2 keeps the samples with an element at its moderate level or above (by hand: rows 1 and 3), and
    lists only those elements."""
    values = np.array([[10.0, 1.0], [150.0, 6.0], [50.0, 9.0], [200.0, 12.0]])
    xy = np.arange(8, dtype=float).reshape(4, 2)
    t_cu, t_zn = cu_zn_levels()
    points = high_value_points(xy, values, ["Cu", "Zn"], [t_cu, t_zn], min_level=2)
    assert list(points["elements"]) == ["Cu(3)", "Cu(3), Zn(2)"]
    assert list(points.geometry.x) == [2.0, 6.0]
    with pytest.raises(InputError, match="POINTS_LEVEL"):
        high_value_points(xy, values, ["Cu", "Zn"], [t_cu, t_zn], min_level=0)


def test_a_min_cells_above_every_area_leaves_none_and_tells_the_largest():
    grid, index = two_blob_grid()
    cu = 10 ** (1.0 + 0.3 * index + RNG.normal(0, 0.02, index.shape))
    everything = identify_anomalies(cu[None], ["Cu"], grid, "percentile", min_cells=1)
    assert len(everything.areas) > 0 and everything.largest_area_cells == 0  # areas found: nothing to say
    weak = everything.thresholds[-1].levels[0]
    largest = max(flood_fill_sizes(np.isfinite(everything.index) & (everything.index >= weak)))
    assert largest == int(everything.areas["cells"].max())
    none = identify_anomalies(cu[None], ["Cu"], grid, "percentile", min_cells=largest + 1)
    assert len(none.areas) == 0 and none.largest_area_cells == largest
    just = identify_anomalies(cu[None], ["Cu"], grid, "percentile", min_cells=largest)
    assert len(just.areas) == 1 and just.largest_area_cells == 0


@pytest.mark.parametrize("n_bands", [1, 3, 6])
def test_the_memory_estimate_covers_the_peak_and_is_not_far_above_it(n_bands):
    """anomalies refuses a raster whose estimate exceeds the available memory: the estimate must cover the real
    peak (it was 14 x bands + 40 bytes a cell, half of the 238 bytes of 6 bands on the Lapland grid at 50 m) and
    not refuse rasters that fit (at most twice the peak). numpy's allocations, from the float32 read on, are
    measured with tracemalloc on smooth lognormal bands as interpolate writes them."""
    import tracemalloc

    from scipy import ndimage

    from geochem_prospector.core.anomalies.screening import memory_per_cell
    from geochem_prospector.core.grid import GridSpec

    height, width = 300, 280
    rng = np.random.default_rng(5)
    # as smooth as the Lapland till gridded at 50 m (46 areas in 2.2 million cells): the contours and area outlines,
    # which grow with the anomalies' boundaries rather than with the cells, stay small beside the grids
    fields = [np.exp(3 + ndimage.gaussian_filter(rng.normal(size=(height, width)), 15) * 20) for _ in range(n_bands)]
    names = [f"E{i}" for i in range(n_bands)]
    grid = GridSpec(400_000.0, 7_500_000.0, 50.0, width, height, None)
    small = GridSpec(400_000.0, 7_500_000.0, 50.0, 30, 20, None)
    identify_anomalies(np.stack(fields)[:, :20, :30], names, small, min_cells=2)  # imports are not the raster's
    tracemalloc.start()
    try:
        bands = np.stack(fields).astype(np.float32)  # the raster as read_raster returns it
        bands[:, :20, :30] = np.nan
        identify_anomalies(bands, names, grid, min_cells=2)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    estimate = memory_per_cell(n_bands) * height * width
    assert peak <= estimate <= 2 * peak, (peak / (height * width), memory_per_cell(n_bands))


def test_high_value_points_keep_the_samples_own_fields(tmp_path):
    """The samples' own fields go with the listed ones, row for row (the rows listed by hand, as in
    test_high_value_points_brute_force: samples 1, 2 and 3); names taken by the table (case aside, as GeoPackage
    compares them), 'fid' and 'geometry' get 'sample_'; whole numbers with a NULL stay whole numbers, written as
    integers (read back with GDAL's OGR)."""
    from osgeo import ogr

    values = np.array([[10.0, 1.0], [50.0, 1.0], [10.0, 9.0], [200.0, 20.0]])
    xy = np.arange(8, dtype=float).reshape(4, 2)
    t_cu, t_zn = cu_zn_levels()
    attributes = {
        "sample_no": ["A1", "A2", "A3", "A4"],
        "lab_no": [101, None, 103, 104],
        "Level": ["B", "C", "B", "C"],
        "fid": [7, 8, 9, 10],
        "cu": ["x", "y", "z", "w"],
        "geom": ["POINT (0 1)", "POINT (2 3)", "POINT (4 5)", "POINT (6 7)"],
    }
    points = high_value_points(xy, values, ["Cu", "Zn"], [t_cu, t_zn], attributes=attributes)
    assert list(points.columns[:6]) == ["sample_no", "lab_no", "sample_Level", "sample_fid", "sample_cu", "sample_geom"]
    assert list(points["sample_no"]) == ["A2", "A3", "A4"]
    assert list(points["sample_Level"]) == ["C", "B", "C"]
    assert list(points["sample_fid"]) == [8, 9, 10] and list(points["sample_cu"]) == ["y", "z", "w"]
    assert points["lab_no"].isna().tolist() == [True, False, False] and list(points["lab_no"][1:]) == [103, 104]
    assert list(points["Cu"]) == [50.0, 10.0, 200.0]
    with pytest.raises(ValueError, match="lab_no"):
        high_value_points(xy, values, ["Cu", "Zn"], [t_cu, t_zn], attributes={"lab_no": [1, 2]})
    path = str(tmp_path / "points.gpkg")
    points.set_crs("EPSG:3067").to_file(path, driver="GPKG", layer="points")
    dataset = ogr.Open(path)  # kept: a layer outlives its dataset only as a dangling pointer
    definition = dataset.GetLayer(0).GetLayerDefn()
    kind = definition.GetFieldDefn(definition.GetFieldIndex("lab_no")).GetType()
    assert kind in (ogr.OFTInteger, ogr.OFTInteger64)


def test_areas_joined_at_corners_are_valid_polygons_of_their_cells():
    """Areas of speckled index values (8-neighbour areas, many joined only at a corner, some around a hole) are
    valid geometries (GEOS), each covering exactly its cells: compared with the union of the cells' squares built
    with shapely, cell by cell, from scipy's labelling of the same cells; one geometry type for the layer."""
    from scipy import ndimage
    from shapely.geometry import box
    from shapely.ops import unary_union

    rng = np.random.default_rng(3)
    grid = GridSpec(1000.0, 5000.0, 50.0, 30, 20, None)
    index = rng.normal(size=(20, 30))
    index[5, 5], index[6, 4], index[6, 6], index[7, 5], index[6, 5] = 3, 3, 3, 3, -3  # four cells round a hole
    classes = np.zeros((1, 20, 30), dtype=np.uint8)
    areas, labels = anomaly_areas(index, [1.0, 2.0, 2.5], grid, classes, ["Cu"], ["Cu"])
    expected, count = ndimage.label(index >= 1.0, structure=np.ones((3, 3), dtype=int))
    assert count == len(areas) > 10
    assert len(set(areas.geom_type)) == 1
    joined_at_corners = 0
    for geometry, cells in zip(areas.geometry, areas["cells"]):
        assert geometry.is_valid
        rows, cols = np.nonzero(labels == labels[_cell_of(geometry, grid)])
        squares = unary_union(
            [box(grid.xmin + c * 50.0, 5000.0 - (r + 1) * 50.0, grid.xmin + (c + 1) * 50.0, 5000.0 - r * 50.0)
             for r, c in zip(rows, cols)]
        )  # fmt: skip
        assert len(rows) == cells and geometry.symmetric_difference(squares).area < 1e-6
        joined_at_corners += len(getattr(geometry, "geoms", [geometry])) > 1
    assert joined_at_corners > 0  # the case the test is about did occur
    assert np.array_equal(labels > 0, expected > 0)


def _cell_of(geometry, grid: GridSpec):
    """The (row, column) of a cell inside ``geometry``."""
    point = geometry.representative_point()
    return int((grid.ymax - point.y) // grid.pixel_size), int((point.x - grid.xmin) // grid.pixel_size)
