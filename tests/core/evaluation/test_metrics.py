"""Evaluation metrics against hand-computed cases and scikit-learn (an independent reference, test-only)."""

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.evaluation.auc import (
    bootstrap_auc,
    deposit_clusters,
    monte_carlo_auc,
    placements,
    placements_and_ties,
    random_placement_p_value,
    resampled_means,
    roc_auc,
)
from geochem_prospector.core.evaluation.curves import capture_efficiency, prediction_area, success_rate_curve
from geochem_prospector.core.evaluation.deposits import (
    NO_COORDINATES,
    NODATA,
    OUTSIDE_MASK,
    OUTSIDE_RASTER,
    USED,
    sample_deposits,
)
from geochem_prospector.core.evaluation.evaluate import evaluate
from geochem_prospector.core.grid import GridSpec


def centre(grid, row, col):
    return grid.xmin + (col + 0.5) * grid.pixel_size, grid.ymax - (row + 0.5) * grid.pixel_size


def sklearn_auc(deposits, background):
    """AUC of deposits (label 1) against background cells (label 0), computed by scikit-learn."""
    deposits, background = np.asarray(deposits, float), np.asarray(background, float)
    y = np.r_[np.ones(deposits.size), np.zeros(background.size)]
    return roc_auc_score(y, np.r_[deposits, background])


# ---- a 2 x 5 raster with values 1..10 and deposits on the 10 and the 7: every number by hand ----------------------


@pytest.fixture
def ten_cells():
    grid = GridSpec(xmin=0.0, ymax=20.0, pixel_size=10.0, width=5, height=2)
    raster = np.arange(1, 11, dtype=np.float32).reshape(2, 5)  # row 0: 1..5, row 1: 6..10
    deposits = np.array([centre(grid, 1, 4), centre(grid, 1, 1)])  # values 10 and 7
    return raster, grid, deposits


def test_hand_computed_ten_cells(ten_cells):
    raster, grid, deposits = ten_cells
    result = evaluate(raster, grid, deposits, iterations=200)
    # placements: 10 -> (9 below + 1/2 tie) / 10 = 0.95; 7 -> (6 + 1/2) / 10 = 0.65; mean 0.8
    assert result.auc == pytest.approx(0.8)
    assert result.sample.values.tolist() == [10.0, 7.0]
    assert result.n_cells == 10
    # success-rate curve: one point per cell, deposits reached at the 1st and 4th cell
    np.testing.assert_allclose(result.curve.area, np.arange(11) / 10)
    np.testing.assert_allclose(result.curve.deposits, [0, 0.5, 0.5, 0.5, 1, 1, 1, 1, 1, 1, 1])
    assert result.curve.thresholds[1:].tolist() == list(range(10, 0, -1))
    # top 1 % and 5 % lie inside the first cell (linear): 5 % and 25 %; top 10 % and 20 %: 50 %
    assert result.capture == pytest.approx({1.0: 5.0, 5.0: 25.0, 10.0: 50.0, 20.0: 50.0})
    # P + A = 100 % between the 3rd (A = 30 %, P = 50 %) and 4th cell (A = 40 %, P = 100 %): A = 1/3, P = 2/3
    assert result.pa.area == pytest.approx(100 / 3)
    assert result.pa.prediction_rate == pytest.approx(200 / 3)
    assert result.pa.normalized_density == pytest.approx(2.0)
    assert result.pa.weight == pytest.approx(math.log(2.0))
    assert result.pa.threshold == 7.0
    assert result.auc_bootstrap[0] <= result.auc <= result.auc_bootstrap[1]
    assert result.sample.counts[USED] == 2


def test_hand_computed_ties_binary_map():
    """30 of 100 cells are 1, the rest 0; three deposits on 1, one on 0."""
    background = np.r_[np.ones(30), np.zeros(70)]
    deposits = np.array([1.0, 1.0, 1.0, 0.0])
    # value 1: (70 below + 30/2 ties) / 100 = 0.85; value 0: (0 + 70/2) / 100 = 0.35 -> (3 * 0.85 + 0.35) / 4
    assert roc_auc(deposits, background) == pytest.approx(0.725)
    curve = success_rate_curve(deposits, background)
    np.testing.assert_allclose(curve.area, [0, 0.3, 1.0])
    np.testing.assert_allclose(curve.deposits, [0, 0.75, 1.0])
    assert curve.auc() == pytest.approx(0.725)
    assert capture_efficiency(curve, (10, 20, 30, 65)) == pytest.approx(
        {10.0: 25.0, 20.0: 50.0, 30.0: 75.0, 65.0: 87.5}
    )
    pa = prediction_area(curve)
    # on the first segment P = 2.5 A, and P + A = 1 -> A = 1 / 3.5
    assert pa.area == pytest.approx(100 / 3.5)
    assert pa.prediction_rate == pytest.approx(250 / 3.5)
    assert pa.normalized_density == pytest.approx(2.5)
    assert pa.threshold == 1.0
    assert curve.segment_value(0.2) == 1.0 and curve.segment_value(0.5) == 0.0


def test_constant_map_is_random():
    background = np.full(50, 3.0)
    curve = success_rate_curve([3.0, 3.0], background)
    assert roc_auc([3.0, 3.0], background) == 0.5 == curve.auc()
    pa = prediction_area(curve)
    assert pa.prediction_rate == pytest.approx(50.0) and pa.weight == pytest.approx(0.0)


# ---- scikit-learn as the reference ----------------------------------------------------------------------------------


@pytest.mark.parametrize("decimals", [None, 1, 0])  # continuous values, some ties, heavy ties
def test_auc_matches_sklearn(decimals):
    rng = np.random.default_rng(7)
    background = rng.normal(size=3000)
    deposits = rng.normal(0.7, 1.0, size=25)
    if decimals is not None:
        background, deposits = np.round(background, decimals), np.round(deposits, decimals)
    ours = roc_auc(deposits, background)
    assert ours == pytest.approx(sklearn_auc(deposits, background), abs=1e-12)
    # deposits lie on cells of the map: the success-rate curve's area is the same number
    on_cells = np.r_[np.sort(background)[-40::4], rng.choice(background, 15)]
    auc = roc_auc(on_cells, background)
    assert auc == pytest.approx(sklearn_auc(on_cells, background), abs=1e-12)
    assert success_rate_curve(on_cells, background).auc() == pytest.approx(auc, abs=1e-12)


def test_bootstrap_resamples_match_sklearn():
    rng = np.random.default_rng(3)
    background = np.round(rng.gamma(2.0, size=500), 1)
    deposits = np.round(rng.gamma(3.0, size=12), 1)
    (lo, hi), aucs = bootstrap_auc(deposits, background, 40, rng=np.random.default_rng(11))
    draws = np.random.default_rng(11).integers(0, deposits.size, size=(40, deposits.size))
    expected = [sklearn_auc(deposits[i], background) for i in draws]
    np.testing.assert_allclose(aucs, expected, atol=1e-12)
    assert (lo, hi) == pytest.approx(tuple(np.percentile(expected, [2.5, 97.5])))


def test_monte_carlo_negatives_match_sklearn():
    rng = np.random.default_rng(4)
    background = np.round(rng.normal(size=800), 1)
    deposits = np.round(rng.normal(1.0, size=9), 1)
    (lo, hi), aucs = monte_carlo_auc(deposits, background, 30, rng=np.random.default_rng(5))
    draws = np.random.default_rng(5).integers(0, background.size, size=(30, deposits.size))
    expected = [roc_auc_score(np.r_[np.ones(9), np.zeros(9)], np.r_[deposits, background[i]]) for i in draws]
    np.testing.assert_allclose(aucs, expected, atol=1e-12)
    assert lo <= np.median(aucs) <= hi


def test_intervals_and_p_value_behave():
    rng = np.random.default_rng(8)
    background = rng.uniform(size=20000)
    random_deposits = rng.choice(background, 40)
    good_deposits = np.sort(background)[-200:][::5]  # all in the top 1 % of the area
    auc_random = roc_auc(random_deposits, background)
    (lo, hi), _ = bootstrap_auc(random_deposits, background, 500)
    assert lo < 0.5 < hi and lo < auc_random < hi
    (mlo, mhi), _ = monte_carlo_auc(random_deposits, background, 500)
    assert mlo < auc_random < mhi
    assert random_placement_p_value(roc_auc(good_deposits, background), background, 40, 500) == (pytest.approx(1 / 501))
    assert random_placement_p_value(auc_random, background, 40, 500) > 0.05


def test_downsampled_curve_is_exact():
    rng = np.random.default_rng(9)
    background = rng.normal(size=50000)
    deposits = rng.choice(background, 30)
    curve = success_rate_curve(deposits, background)
    keep = curve.downsample(500)
    assert keep.size < 700 and keep[0] == 0 and keep[-1] == curve.area.size - 1
    np.testing.assert_allclose(np.interp(curve.area, curve.area[keep], curve.deposits[keep]), curve.deposits)


# ---- deposits that cannot be used are reported ----------------------------------------------------------------------


def test_deposit_statuses():
    grid = GridSpec(xmin=100.0, ymax=50.0, pixel_size=10.0, width=4, height=3)
    raster = np.arange(12, dtype=np.float64).reshape(3, 4)
    raster[0, 0] = np.nan
    mask = np.ones((3, 4), bool)
    mask[2, 3] = False
    xy = np.array(
        [
            centre(grid, 1, 1),  # used (5)
            centre(grid, 0, 0),  # nodata
            centre(grid, 2, 3),  # outside mask
            (99.0, 45.0),  # just west of the raster
            (140.0, 45.0),  # on the grid's east edge: its last cell (QgsRectangle.contains is inclusive there)
            (140.0 + 1e-6, 45.0),  # just east of it
            (np.nan, 45.0),
            centre(grid, 1, 1),  # same cell as the first
            (1e300, -1e300),  # far away, must not overflow
        ]
    )
    sample = sample_deposits(raster, grid, xy, mask)
    assert sample.status.tolist() == [
        USED,
        NODATA,
        OUTSIDE_MASK,
        OUTSIDE_RASTER,
        USED,
        OUTSIDE_RASTER,
        NO_COORDINATES,
        USED,
        OUTSIDE_RASTER,
    ]
    assert sample.values.tolist() == [5.0, 3.0, 5.0]
    assert sample.shared_cells == 1
    assert sample.counts == {
        USED: 3,
        OUTSIDE_RASTER: 3,
        NODATA: 1,
        OUTSIDE_MASK: 1,
        NO_COORDINATES: 1,
    }
    result = evaluate(raster, grid, xy, mask, iterations=50)
    assert result.n_cells == 10  # 12 cells - 1 nodata - 1 outside the mask
    assert any("6 of 9 deposits not used" in note for note in result.notes)


def test_no_usable_deposit_is_a_clear_error():
    grid = GridSpec(xmin=0.0, ymax=10.0, pixel_size=1.0, width=10, height=10)
    raster = np.ones((10, 10))
    with pytest.raises(InputError, match="DEPOSITS: none of the 2 deposits.*2 outside raster"):
        evaluate(raster, grid, np.array([[50.0, 50.0], [-5.0, 5.0]]))
    with pytest.raises(InputError, match="INPUT_RASTER"):
        evaluate(np.full((10, 10), np.nan), grid, np.array([[5.0, 5.0]]))
    with pytest.raises(InputError, match="MASK"):
        evaluate(raster, grid, np.array([[5.0, 5.0]]), mask=np.zeros((10, 10), bool))


# ---- clustered deposits: the bootstrap resamples whole clusters ------------------------------------------------------


def brute_force_clusters(xy, link):
    """Single linkage by union-find over every pair (the reference for deposit_clusters)."""
    parent = list(range(len(xy)))

    def root(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(xy)):
        for j in range(i + 1, len(xy)):
            if math.dist(xy[i], xy[j]) <= link:
                parent[root(i)] = root(j)
    return [root(i) for i in range(len(xy))]


@pytest.mark.parametrize("link", [0.0, 3.0, 8.0, 25.0])
def test_deposit_clusters_equal_single_linkage_by_brute_force(link):
    xy = np.random.default_rng(5).uniform(0, 100, (60, 2))
    xy[7] = xy[3]  # coincident points share a cluster even at distance 0
    ours, reference = deposit_clusters(xy, link), brute_force_clusters(xy, link)
    # same partition: two points share a cluster in one labelling exactly when they do in the other
    assert np.array_equal(ours[:, None] == ours[None, :], np.equal.outer(reference, reference))
    assert ours[3] == ours[7]


def test_resampled_means_by_group():
    values = np.array([0.2, 0.9, 0.4, 0.7, 0.6])
    plain = resampled_means(values, 300, np.random.default_rng(1))
    singletons = resampled_means(values, 300, np.random.default_rng(1), groups=np.arange(5))
    np.testing.assert_allclose(singletons, plain)  # one deposit per cluster: the ordinary bootstrap, draw for draw
    assert np.allclose(resampled_means(values, 50, np.random.default_rng(1), groups=np.zeros(5)), 0.56)
    # clusters {0.2, 0.9, 0.4} and {0.7, 0.6}: every resample is one of three weighted means
    grouped = resampled_means(values, 300, np.random.default_rng(1), groups=[4, 4, 4, 9, 9])
    possible = [0.5, 0.56, 0.65]
    assert np.all(np.isclose(grouped[:, None], possible).any(axis=1))
    assert {round(g, 6) for g in grouped} == {round(p, 6) for p in possible}


def test_evaluate_bootstraps_clusters_of_deposits(ten_cells):
    raster, grid, deposits = ten_cells  # placements 0.95 and 0.65, 30 map units apart
    alone = evaluate(raster, grid, deposits, iterations=400)
    assert alone.n_clusters == 2 and alone.bootstrap_unit == "deposits"
    assert alone.auc_bootstrap == pytest.approx((0.65, 0.95))
    one_cluster = evaluate(raster, grid, deposits, iterations=400, cluster_distance=30.0)
    assert one_cluster.n_clusters == 1 and one_cluster.bootstrap_unit.startswith("1 cluster of deposits")
    assert one_cluster.auc == pytest.approx(0.8)
    # the only cluster is always drawn whole: an interval of width 0, so none is given (sweep 13b)
    assert np.isnan(one_cluster.auc_bootstrap).all()
    assert any("only 1 cluster(s)" in note for note in one_cluster.notes)
    assert evaluate(raster, grid, deposits, iterations=400, cluster_distance=29.0).n_clusters == 2
    with pytest.raises(InputError, match="cluster distance") as err:
        evaluate(raster, grid, deposits, cluster_distance=-1.0)
    assert err.value.parameter == "CLUSTER_DISTANCE"


# ---- distance bands: low values are the prospective ones ------------------------------------------------------------


@pytest.fixture
def distance_band():
    """Distances (m, with ties) to a fault along row 15, deposits on cells near it: a useful band whose high-values
    AUC would read well below 0.5."""
    grid = GridSpec(xmin=0.0, ymax=1000.0, pixel_size=25.0, width=40, height=40)
    rows = np.arange(40)[:, None] * np.ones((1, 40))
    rng = np.random.default_rng(7)
    distance = (np.abs(rows - 15) * 25 + rng.integers(0, 3, (40, 40)) * 10).astype(np.float32)
    distance[0, :5] = np.nan  # nodata
    cells = [(15, 3), (16, 20), (14, 33), (18, 8), (13, 27), (30, 30), (15, 12)]
    xy = np.array([centre(grid, r, c) for r, c in cells])
    return distance, grid, xy, cells


def test_distance_band_ranked_low_first_matches_sklearn(distance_band):
    distance, grid, xy, cells = distance_band
    result = evaluate(distance, grid, xy, iterations=100, low_values_favourable=True)
    deposits = np.array([distance[r, c] for r, c in cells], float)
    background = distance[np.isfinite(distance)].astype(float)
    y = np.r_[np.ones(deposits.size), np.zeros(background.size)]
    assert result.auc == pytest.approx(roc_auc_score(y, -np.r_[deposits, background]), abs=1e-12)
    assert result.auc > 0.8 and result.low_values_favourable and result.ranking == "lowest values first"
    high_first = evaluate(distance, grid, xy, iterations=100)
    assert high_first.auc == pytest.approx(roc_auc_score(y, np.r_[deposits, background]), abs=1e-12)
    assert high_first.auc < 0.2  # what the report showed for a useful distance band before
    # the values reported are the band's own distances, not their negatives
    np.testing.assert_array_equal(result.sample.values, deposits)
    np.testing.assert_array_equal(result.sample.cell_values, deposits)


def test_distance_band_curve_thresholds_in_metres_by_brute_force(distance_band):
    """Success-rate points, capture thresholds and the P-A threshold against a brute-force walk from the smallest
    distance up: the share of the area and of the deposits at or below each distinct value."""
    distance, grid, xy, cells = distance_band
    result = evaluate(distance, grid, xy, iterations=20, low_values_favourable=True)
    deposits = np.array([distance[r, c] for r, c in cells], float)
    background = distance[np.isfinite(distance)].astype(float)
    values = np.unique(background)  # ascending: the order a distance is read in
    area = np.array([np.mean(background <= v) for v in values])
    found = np.array([np.mean(deposits <= v) for v in values])
    np.testing.assert_array_equal(result.curve.thresholds[1:], values)
    np.testing.assert_allclose(result.curve.area[1:], area, atol=1e-12)
    np.testing.assert_allclose(result.curve.deposits[1:], found, atol=1e-12)
    assert result.curve.thresholds[0] == -np.inf
    first = int(np.argmax(found + area >= 1.0))  # the P-A crossing lies on the way to this value
    assert result.pa.threshold == values[first]
    for percent in (5, 10, 20):
        reach = int(np.argmax(area >= percent / 100 - 1e-12))  # smallest distance whose cells reach that share
        assert result.curve.segment_value(percent / 100) == values[reach]


@pytest.mark.parametrize(
    "name, kind, low",
    [
        ("faults:distance_m", "", True),
        ("lithology:contact_distance_m", "", True),
        ("faults:intersection_distance_m", "", True),
        ("Distance to faults", "", True),
        ("occurrences:distances", "", True),
        ("band 1", "distance", True),  # the evidence algorithm's KIND item, whatever the name
        ("faults:density_km_per_km2", "density", False),
        ("lithology:Granit", "class", False),
        ("magnetics_tmi_nT:band 1", "continuous", False),
        ("prospectivity", "", False),
        ("Cu", "", False),
        ("equidistant_index", "", False),  # a word that only contains 'distan…'
    ],
)
def test_which_bands_favour_low_values(name, kind, low):
    from geochem_prospector.core.evaluation.evaluate import favours_low_values

    assert favours_low_values(name, kind) is low


def test_a_cut_inside_a_wide_tie_is_said_and_the_run_ends_are_given():
    """A 4-class map (25 cells of each value on 10 x 10): the top 10 % of the area lies inside the top class, which
    cannot be ranked within; the note gives the figure the map does tell, at the end of that class (2 of the 3
    deposits in the top 25 %). A map of distinct values gets no such note."""
    grid = GridSpec(xmin=0.0, ymax=100.0, pixel_size=10.0, width=10, height=10)
    classes = np.repeat([4.0, 3.0, 2.0, 1.0], 25).reshape(10, 10)  # rows 0-1 and half of row 2: class 4
    deposits = np.array([centre(grid, 0, 0), centre(grid, 1, 5), centre(grid, 6, 0)])  # classes 4, 4, 2
    result = evaluate(classes, grid, deposits, iterations=50)
    assert result.capture[10.0] == pytest.approx(100 * (2 / 3) * (10 / 25))  # linear within the class
    tie = [n for n in result.notes if "distinct values" in n]
    assert len(tie) == 1 and tie[0].startswith("the raster has 4 distinct values: the top 1, 5, 10, 20 % of the area")
    assert "66.7 % of the deposits in the top 25.0 % of the area" in tie[0]
    distinct = np.arange(100, dtype=float).reshape(10, 10)
    assert not [n for n in evaluate(distinct, grid, deposits, iterations=50).notes if "distinct values" in n]


def test_a_tie_holding_no_deposit_gets_no_note():
    """The same 4-class map with every deposit in class 2: the top 1-20 % lie inside class 4, which holds none, so
    any order of its cells gives the capture 0 found; no note is due."""
    grid = GridSpec(xmin=0.0, ymax=100.0, pixel_size=10.0, width=10, height=10)
    classes = np.repeat([4.0, 3.0, 2.0, 1.0], 25).reshape(10, 10)
    deposits = np.array([centre(grid, 6, 0), centre(grid, 6, 5), centre(grid, 7, 2)])  # all class 2
    result = evaluate(classes, grid, deposits, iterations=50)
    assert all(result.capture[q] == 0.0 for q in (1.0, 5.0, 10.0, 20.0))
    assert not [n for n in result.notes if "distinct values" in n and "top 1, 5, 10, 20 %" in n]


@pytest.mark.parametrize("n_deposits", [7, 400])  # a few deposits, and more than the sorted-query path's 256
def test_placements_and_ties_count_lower_and_tied_cells_as_brute_force(n_deposits):
    rng = np.random.default_rng(n_deposits)
    background = np.sort(rng.integers(0, 50, 3000).astype(float))  # many ties, as on a saturated map
    deposits = rng.integers(-5, 55, n_deposits).astype(float)
    placed, tied = placements_and_ties(deposits, background)
    lower = np.array([(background < d).mean() for d in deposits])
    np.testing.assert_allclose(tied, [(background == d).mean() for d in deposits])
    np.testing.assert_allclose(placed, lower + 0.5 * tied)
    np.testing.assert_array_equal(placed, placements(deposits, background))  # to the bit: compare's and evaluate's
    # the middle of the span is the AUC's placement: sklearn's AUC of deposits against the background
    truth = np.r_[np.ones(n_deposits), np.zeros(background.size)]
    assert np.mean(placed) == pytest.approx(roc_auc_score(truth, np.r_[deposits, background]), abs=1e-12)
