"""Leave-cluster-out comparison: folds never split a cluster (brute force), held-out AUCs equal scikit-learn's
roc_auc_score on an independently built background, the best band's sign comes from the training labels, and ties
go to the simpler learner."""

import itertools

import numpy as np
import pytest

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.evaluation.auc import deposit_clusters
from geochem_prospector.core.evaluation.compare import (
    LearnerScores,
    best_band,
    capture,
    cluster_folds,
    compare,
    summarise,
)

sklearn_metrics = pytest.importorskip("sklearn.metrics")


def scene(seed=0, shape=(60, 70), n=24):
    rng = np.random.default_rng(seed)
    bands = rng.normal(size=(3, *shape))
    valid = np.ones(shape, dtype=bool)
    valid[:5, :5] = False
    bands[:, ~valid] = np.nan
    centres = rng.integers(8, [shape[0] - 8, shape[1] - 8], size=(8, 2))
    pts = centres[rng.integers(0, 8, n)] + rng.integers(-3, 4, size=(n, 2))
    rows, cols = pts[:, 0], pts[:, 1]
    bands[1, rows, cols] -= 3.0  # deposits sit on LOW values of band 2
    return bands, valid, rows, cols


def test_folds_never_split_a_cluster():
    _, _, rows, cols = scene(1)
    link = 4.0
    clusters = deposit_clusters(np.column_stack([rows, cols]).astype(float), link)
    folds = cluster_folds(clusters, 4, seed=3)
    for i, j in itertools.combinations(range(rows.size), 2):  # every linked pair lies in one fold
        if np.hypot(rows[i] - rows[j], cols[i] - cols[j]) <= link:
            assert folds[i] == folds[j]
    assert set(folds) == {0, 1, 2, 3}
    with pytest.raises(InputError, match="FOLDS"):
        cluster_folds(clusters, int(clusters.max()) + 2)


def test_held_out_auc_equals_sklearn_on_a_brute_force_background():
    bands, valid, rows, cols = scene(2)
    fixed = np.nan_to_num(-bands[1], nan=np.nan)  # a mapper that ignores its labels
    result = compare(
        bands, valid, rows, cols, {"fixed": lambda b, labels: fixed}, folds=3, cluster_cells=4.0, iterations=200
    )
    for f in range(3):
        train, test = np.flatnonzero(result.folds != f), np.flatnonzero(result.folds == f)
        background = []
        for r in range(valid.shape[0]):
            for c in range(valid.shape[1]):
                far = np.all(np.hypot(rows[train] - r, cols[train] - c) > 4.0)
                held = np.any((rows[test] == r) & (cols[test] == c))
                if valid[r, c] and far and not held:
                    background.append(fixed[r, c])
        scores = np.r_[fixed[rows[test], cols[test]], background]
        truth = np.r_[np.ones(test.size), np.zeros(len(background))]
        expected = sklearn_metrics.roc_auc_score(truth, scores)
        assert result.per_fold("fixed")[f]["auc"] == pytest.approx(expected, abs=1e-12)
        # the best band is band 2 with its sign reversed, so it maps exactly the fixed score
        assert result.per_fold("best band")[f]["auc"] == pytest.approx(expected, abs=1e-12)
    assert result.summary["fixed"]["minus_best_band"][0] == pytest.approx(0.0)
    assert result.recommended == "best band"  # a tie goes to the simpler


def test_best_band_sign_comes_from_the_training_labels():
    bands, valid, rows, cols = scene(3)
    labels = np.full(valid.shape, np.nan)
    labels[rows, cols] = 1
    labels[30:40, 10:60] = 0
    j, sign, auc = best_band(bands, labels)
    assert (j, sign) == (1, -1.0) and auc < 0.2


def test_ties_go_to_the_simpler_learner_and_clear_wins_to_the_best():
    clusters = np.arange(10)
    p = np.linspace(0.5, 0.95, 10)
    learners = {
        "best band": LearnerScores("best band", p - 0.2, [0.0]),
        "random_forest": LearnerScores("random_forest", p + 0.004, [0.0]),
        "logistic": LearnerScores("logistic", p, [0.0]),
    }
    assert summarise(learners, clusters, 100, 0)[1] == "logistic"
    learners["random_forest"].placement = p + 0.03
    summary, recommended = summarise(learners, clusters, 100, 0)
    assert recommended == "random_forest"
    assert summary["random_forest"]["minus_best_band"][0] == pytest.approx(0.23)
    assert capture(np.array([0.95, 0.85, 0.5, np.nan]), 0.1) == pytest.approx(1 / 3)


def test_a_learner_that_cannot_train_in_one_fold_is_left_out_not_the_whole_comparison():
    """As the CNN when a fold's few deposits cannot be split for validation: the others are still compared."""
    from geochem_prospector.core.reports.comparison import report_html

    bands, valid, rows, cols = scene(2)
    calls = []

    def fragile(b, labels):
        calls.append(1)
        if len(calls) == 2:
            raise InputError("too few labelled cells to hold some out", "VALIDATION")
        return -b[1]

    def good(b, labels):
        return -b[1] + 0.01 * b[0]

    lines = []
    result = compare(
        bands, valid, rows, cols, {"fragile": fragile, "good": good}, folds=3, cluster_cells=4.0, iterations=100,
        log=lines.append,
    )  # fmt: skip
    assert len(calls) == 2  # not asked again after it failed
    assert np.isnan(result.learners["fragile"].placement).all()  # its first fold's scores are dropped too
    assert "fold 1" in result.learners["fragile"].failed and "VALIDATION" not in result.learners["fragile"].failed
    assert not np.isfinite(result.summary["fragile"]["auc"]) and result.recommended != "fragile"
    assert np.isfinite(result.summary["good"]["auc"])
    assert any("left out of the comparison" in line for line in lines)
    page = report_html(result, ["a", "b", "c"])
    assert "Left out:" in page
    # the failed learner is not counted among those the recommendation was chosen from
    assert "the highest of 2 learners scored on the same folds" in page


def test_cnn_variants_are_paired_against_the_default_cnn_and_ties_go_to_the_simpler_mode():
    clusters = np.repeat(np.arange(5), 2)
    p = np.linspace(0.5, 0.95, 10)
    learners = {
        "best band": LearnerScores("best band", p - 0.2, [0.0]),
        "cnn": LearnerScores("cnn", p, [0.0]),
        "cnn_pu": LearnerScores("cnn_pu", p + 0.005, [0.0]),
        "cnn_coarse": LearnerScores("cnn_coarse", p - 0.1, [0.0]),
    }
    learners["cnn_coarse"].placement[3] = np.nan  # a deposit one learner did not score: left out of the pair
    summary, recommended = summarise(learners, clusters, 200, 0)
    assert recommended == "cnn"  # the PU variant is within the tie margin: the labelled-cell CNN is simpler
    assert summary["cnn_pu"]["minus_cnn"][0] == pytest.approx(0.005)
    assert summary["cnn_coarse"]["minus_cnn"][0] == pytest.approx(-0.1)  # hand: every paired difference is -0.1
    assert summary["cnn"]["minus_cnn"] is None and summary["best band"]["minus_cnn"] is None
    lo, hi = summary["cnn_coarse"]["minus_cnn"][1:]
    assert lo == pytest.approx(-0.1) and hi == pytest.approx(-0.1)
    learners["cnn_coarse"].placement = p + 0.05
    assert summarise(learners, clusters, 200, 0)[1] == "cnn_coarse"  # a clear win goes to the best


def test_cnn_mode_settings_follow_traincnn_and_are_checked_before_training():
    pytest.importorskip("torch")
    from geochem_prospector.core.evaluation.compare import CNN_MODES, cnn_mode_settings

    base = {"patch_size": 5, "epochs": 2, "ensemble": 1, "seed": 0, "device": "cpu"}
    assert cnn_mode_settings("cnn", base) == base
    assert cnn_mode_settings("cnn_pu", base, class_prior=0.02) == {**base, "training": "pu", "class_prior": 0.02}
    assert cnn_mode_settings("cnn_pretrain", base, pretrain_epochs=7) == {**base, "pretrain_epochs": 7}
    assert cnn_mode_settings("cnn_coarse", base, coarse=5) == {**base, "coarse": 5}
    assert cnn_mode_settings("cnn_quantile", base) == {**base, "input_transform": "quantile"}
    assert cnn_mode_settings("cnn_cell", base) == {**base, "patch_size": 1}
    distil = {"teacher": "gradient_boosting_all", "distil_target": "log_odds", "early_stopping": False}
    assert cnn_mode_settings("cnn_distil", base) == {**base, "patch_size": 1, **distil, "learning_rate": 3e-3}
    assert CNN_MODES == (
        "cnn", "cnn_pu", "cnn_pretrain", "cnn_coarse", "cnn_quantile", "cnn_cell", "cnn_distil"
    )  # enum order: appended  # fmt: skip
    with pytest.raises(InputError, match="COARSE_VIEW"):
        cnn_mode_settings("cnn_coarse", base, coarse=4)
    with pytest.raises(InputError, match="CLASS_PRIOR"):
        cnn_mode_settings("cnn_pu", base, class_prior=1.5)
    with pytest.raises(InputError, match="CNN_MODES"):
        cnn_mode_settings("cnn_big", base)


def test_each_cnn_mode_maps_what_patchcnn_trained_with_its_settings_maps():
    """The mappers train the mode's own network: their maps equal PatchCNN fitted here with those settings."""
    pytest.importorskip("torch")
    from geochem_prospector.core.evaluation.compare import cnn_mode_settings, make_mappers, retrain
    from geochem_prospector.core.learning.estimator import PatchCNN
    from tests.core.learning.test_cnn import synthetic  # the CNN tests' scene: labels every block can split

    bands, labels = synthetic()
    base = {"patch_size": 5, "epochs": 1, "ensemble": 1, "seed": 0, "device": "cpu", "width": 8, "hidden": 16}
    base["block_size"] = 11  # the coarse view sees 15 cells: the automatic block would cover the whole scene
    modes = {m: cnn_mode_settings(m, base) for m in ("cnn", "cnn_pu", "cnn_coarse", "cnn_cell")}
    mappers = make_mappers([], {}, base, ["a", "b", "c"], cnn_modes=modes)
    assert list(mappers) == ["cnn", "cnn_pu", "cnn_coarse", "cnn_cell"]
    maps = {}
    for name, settings in modes.items():
        maps[name] = mappers[name](bands, labels)
        expected = PatchCNN(**settings).fit(bands, labels, band_names=["a", "b", "c"]).predict_score(bands)
        np.testing.assert_allclose(maps[name], expected, rtol=1e-6, equal_nan=True)
    assert not np.allclose(maps["cnn"], maps["cnn_pu"], equal_nan=True)
    model = retrain("cnn_pu", {}, base, bands, labels, modes, band_names=["a", "b", "c"])
    assert model.config_.training == "pu"
    assert list(make_mappers([], {}, base, ["a", "b", "c"])) == ["cnn"]  # without modes: the one labelled-cell CNN


def test_training_deposits_are_recovered_from_a_folds_labels():
    from geochem_prospector.core.evaluation.compare import fold_labels, training_deposits

    valid = np.ones((40, 50), dtype=bool)
    valid[:6, :6] = False  # a deposit beside nodata keeps only part of its 3 x 3 block
    rows, cols = np.array([6, 20, 30, 6, 39]), np.array([6, 25, 40, 30, 0])  # spaced; two on edges
    labels, _ = fold_labels(valid, rows, cols, 100, 3.0, np.random.default_rng(0))
    found = set(zip(*training_deposits(labels, valid)))
    assert found == set(zip(rows.tolist(), cols.tolist()))


def test_nested_selection_picks_on_the_training_deposits_alone():
    """The inner comparison sees only the outer fold's training deposits; it picks the candidate that ranks
    them, and the outer fold then maps with that candidate."""
    from geochem_prospector.core.evaluation.compare import nested_mapper

    bands, valid, rows, cols = scene(5, n=30)
    noise = np.random.default_rng(1).random(valid.shape)
    seen = []

    def signal(b, labels):
        seen.append(labels)
        return -b[1]

    choices = []
    nested = nested_mapper({"noise": lambda b, labels: noise, "signal": signal}, 3, 4.0, 200, 0, choices)
    outer = compare(
        bands, valid, rows, cols, {"nested": nested, "signal": signal}, folds=3, cluster_cells=4.0, iterations=50
    )
    assert [c.chosen for c in choices] == ["signal"] * 3
    assert all(c.inner_auc["signal"] > 0.9 > 0.7 > c.inner_auc["noise"] for c in choices)
    np.testing.assert_array_equal(outer.learners["nested"].placement, outer.learners["signal"].placement)
    for f in range(len(choices)):  # the outer fold's held-out deposits are never positive in the inner labels
        test = outer.folds == f
        inner_labels = seen[f * 5 : f * 5 + 3]  # per outer fold: 3 inner folds, the nested fit, the plain signal
        assert all(not np.any(lab[rows[test], cols[test]] == 1) for lab in inner_labels)


def test_user_labels_hide_the_held_out_deposits_ground_in_each_fold():
    """With a label raster, every fold learns from it with the labelled cells within the cluster distance of its
    held-out deposits hidden (brute force over cells and deposits); the rest are the user's classes."""
    from geochem_prospector.core.evaluation.compare import user_fold_labels

    bands, valid, rows, cols = scene(6, n=20)
    rng = np.random.default_rng(2)
    user = rng.choice([0.0, 1.0, 2.0, np.nan, -1.0], size=valid.shape)  # 2: a class above 1 is mineralised too
    seen = []
    result = compare(
        bands, valid, rows, cols, {"spy": lambda b, lab: seen.append(lab) or -b[1]}, folds=3, cluster_cells=4.0,
        iterations=20, labels=user,
    )  # fmt: skip
    assert result.settings["labels"] == "user" and len(seen) == 3
    for f, lab in enumerate(seen):
        test = result.folds == f
        for r in range(valid.shape[0]):
            for c in range(valid.shape[1]):
                hidden = np.any(np.hypot(rows[test] - r, cols[test] - c) <= 4.0) or not valid[r, c]
                expected = np.nan if hidden or not (user[r, c] >= 0) else min(user[r, c], 1.0)
                assert lab[r, c] == expected or (np.isnan(expected) and np.isnan(lab[r, c])), (f, r, c)
    with pytest.raises(InputError, match="LABELS"):
        user_fold_labels(np.zeros(valid.shape), valid, (rows[:2], cols[:2]), (rows[2:], cols[2:]), 4.0)


def test_progress_rises_within_each_learners_fold():
    """The bar moved once per learner and fold: a CNN's fold (minutes on a real grid) left it standing. Now each
    learner's training moves it within its step: the CNN by epoch, the forest by chunk of trees; every value lies
    in [0, 1], never goes back, and ends at 1."""
    pytest.importorskip("torch")
    from geochem_prospector.core.evaluation.compare import make_mappers

    bands, valid, rows, cols = scene(3)
    cnn = {"patch_size": 5, "epochs": 3, "ensemble": 1, "seed": 0, "device": "cpu", "width": 8, "hidden": 16,
           "early_stopping": False}  # fmt: skip
    classic = {"n_estimators": 300, "seed": 0}
    mappers = make_mappers(["random_forest"], classic, cnn, ["a", "b", "c"])
    seen = []
    compare(bands, valid, rows, cols, mappers, folds=2, cluster_cells=4.0, iterations=50, progress=seen.append)
    steps = 2 * 3  # 2 folds x (best band, forest, CNN)
    within = [v for v in seen if not np.isclose(v * steps, round(v * steps))]
    assert within, "no progress between the steps"
    assert all(0 <= v <= 1 for v in seen) and seen == sorted(seen) and seen[-1] == 1
    # within both the forest's and the CNN's step of the first fold (steps 1 and 2 of 6)
    assert any(1 / steps < v < 2 / steps for v in within) and any(2 / steps < v < 3 / steps for v in within)


def test_the_choice_is_checked_on_folds_it_did_not_see():
    """Each fold's pick is made on the other folds' scores only (worked by hand below), and the picks' own scores
    on their unseen folds give the figure: lower here than the winner's on all folds."""
    from geochem_prospector.core.evaluation.compare import check_choice

    folds = np.array([0, 0, 1, 1, 2, 2])
    clusters = np.arange(6)
    learners = {
        "logistic": LearnerScores("logistic", np.array([0.9, 0.9, 0.5, 0.5, 0.6, 0.6])),
        "gradient_boosting": LearnerScores("gradient_boosting", np.array([0.6, 0.6, 0.8, 0.8, 0.95, 0.95])),
        "random_forest": LearnerScores("random_forest", np.full(6, np.nan), failed="fold 0: too few cells"),
    }
    # fold 0 sees folds 1-2: logistic 0.55, boosting 0.875 -> boosting (0.6 on fold 0)
    # fold 1 sees folds 0, 2: logistic 0.75, boosting 0.775 -> boosting (0.8 on fold 1)
    # fold 2 sees folds 0-1: logistic 0.70, boosting 0.70 -> a tie: the simpler logistic (0.6 on fold 2)
    check = check_choice(learners, folds, clusters, 500, 0)
    assert check.chosen == ["gradient_boosting", "gradient_boosting", "logistic"]
    assert check.auc == pytest.approx((0.6 + 0.6 + 0.8 + 0.8 + 0.6 + 0.6) / 6)
    assert check.auc_low <= check.auc <= check.auc_high
    # chosen on all folds: boosting (4.7 / 6 = 0.783): the check reads lower, as a choice's worth should
    assert check.auc < np.mean(learners["gradient_boosting"].placement)
    assert check_choice(learners, np.zeros(6, dtype=int), clusters, 500, 0) is None  # one fold: nothing to check


def test_the_report_shows_the_checked_choice():
    from geochem_prospector.core.reports.comparison import report_html

    bands, valid, rows, cols = scene(2)
    result = compare(
        bands, valid, rows, cols, {"good": lambda b, labels: -b[1] + 0.01 * b[0]}, folds=3, cluster_cells=4.0,
        iterations=100,
    )  # fmt: skip
    assert result.choice is not None and len(result.choice.chosen) == 3
    page = report_html(result, ["a", "b", "c"])
    assert "The choice checked:" in page and f"{result.choice.auc:.3f}" in page


@pytest.mark.parametrize("k", [2, 3, 4, 5])
def test_few_clusters_bound_by_an_exact_bootstrap(k):
    """Every one of the k^k equally likely cluster resamples enumerated: with 3 or fewer clusters the interval's
    lower end (2.5 %) is the worst cluster's own difference, with 4 or more it lies above it."""
    from geochem_prospector.core.evaluation.compare import too_few_clusters

    differences = np.array([0.02, 0.10, 0.15, 0.22, 0.30][:k])
    means = [differences[list(draw)].mean() for draw in itertools.product(range(k), repeat=k)]
    lower = np.quantile(means, 0.025, method="inverted_cdf")
    assert (lower == differences.min()) == (k <= 3)
    assert (too_few_clusters(k) is not None) == (k <= 3)


def _oracle_comparison(centres):
    """Noise bands, deposits around ``centres`` (one cluster each), and a learner whose map marks every deposit."""
    rng = np.random.default_rng(8)
    shape = (60, 70)
    bands = rng.normal(size=(2, *shape))
    valid = np.ones(shape, dtype=bool)
    pts = np.vstack([np.asarray(c) + rng.integers(-1, 2, size=(3, 2)) for c in centres])
    oracle = rng.normal(size=shape) * 0.1
    oracle[pts[:, 0], pts[:, 1]] = 5.0
    return compare(
        bands, valid, pts[:, 0], pts[:, 1], {"oracle": lambda b, labels: oracle}, folds=len(centres),
        cluster_cells=4.0, iterations=300,
    )  # fmt: skip


def test_the_verdict_on_three_clusters_is_no_evidence():
    from geochem_prospector.core.reports.comparison import report_html

    three = _oracle_comparison([(10, 10), (30, 50), (50, 20)])
    assert three.settings["clusters"] == 3 and three.recommended == "oracle"
    assert three.summary["oracle"]["minus_best_band"][1] > 0  # each cluster favours it
    page = report_html(three, ["a", "b"])
    assert "at least 4 clusters are needed" in page and "beats the best single band on these folds" not in page
    five = _oracle_comparison([(10, 10), (30, 50), (50, 20), (10, 60), (45, 45)])
    page = report_html(five, ["a", "b"])
    assert "beats the best single band on these folds" in page and "clusters are needed" not in page


def test_the_report_lists_every_held_out_deposit_so_its_figures_can_be_recomputed():
    """The 'Held-out deposits' table, read with Python's HTML parser: each learner's column averages to the pooled
    AUC the report states, and folds and clusters are those of the comparison."""
    from html.parser import HTMLParser

    from geochem_prospector.core.reports.comparison import report_html

    bands, valid, rows, cols = scene(2)
    result = compare(
        bands, valid, rows, cols, {"good": lambda b, labels: -b[1] + 0.01 * b[0]}, folds=3, cluster_cells=4.0,
        iterations=100,
    )  # fmt: skip
    # cell centres of a 250 m grid in TM35FIN, as comparemodels gives them (sweep 21c: printed to 4 significant
    # digits, 7,511,625 read 7,512,000, a cell two rows away, and deposits a kilometre apart shared one northing)
    result.settings["deposit_xy"] = [(378_875.0 + 250 * c, 7_511_625.0 - 250 * r) for r, c in zip(rows, cols)]

    class LastTable(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tables, self.cell = [], None

        def handle_starttag(self, tag, attrs):
            if tag == "table":
                self.tables.append([])
            elif tag == "tr":
                self.tables[-1].append([])
            elif tag in ("td", "th"):
                self.cell = ""

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

        def handle_endtag(self, tag):
            if tag in ("td", "th"):
                self.tables[-1][-1].append(self.cell.strip())
                self.cell = None

    parser = LastTable()
    parser.feed(report_html(result, ["a", "b", "c"]))
    header, *body = parser.tables[-1]
    assert header[:4] == ["x", "y", "cluster", "fold"] and len(body) == rows.size
    assert [int(r[3]) for r in body] == result.folds.tolist()
    assert [int(r[2]) - 1 for r in body] == result.clusters.tolist()
    shown = [(float(r[0].replace(",", "")), float(r[1].replace(",", ""))) for r in body]
    assert shown == result.settings["deposit_xy"]  # each cell centre exactly: the table finds the cell
    for j, name in enumerate(header[4:]):
        learner = "best band" if name == "best single band" else name
        column = np.array([float(r[4 + j]) for r in body])
        assert column.mean() == pytest.approx(result.summary[learner]["auc"], abs=1e-3)


@pytest.mark.parametrize("folds, more", [(2, "more deposits (FOLDS is 2 already)"), (3, "fewer FOLDS")])
def test_a_learner_left_out_is_told_what_this_comparison_can_change(folds, more):
    """A CNN that cannot split a fold's labels raised traincnn's advice ("use smaller blocks (BLOCK_SIZE) … or change
    the validation method"), settings comparemodels does not have; the failure kept in the comparison now carries the
    split's own diagnosis (spatial_split's error, raised here by the real split) and the comparison's advice, which
    offers fewer FOLDS only where there are more than 2."""
    from geochem_prospector.core.learning.splits import spatial_split

    bands, valid, rows, cols = scene(4)

    def unsplittable(b, labels):
        y = np.array([0, 1])
        spatial_split(np.array([0, 1]), np.array([0, 1]), y, (2, 2), "blocks", 2, 0, np.random.default_rng(0))
        raise AssertionError("the split of two neighbouring cells should have been refused")

    result = compare(bands, valid, rows, cols, {"cnn": unsplittable}, folds=folds, cluster_cells=4.0, iterations=20)
    failed = result.learners["cnn"].failed
    assert failed.startswith("could not be trained on fold 0's") and "could not split the labels in space" in failed
    assert "BLOCK_SIZE" not in failed and "validation method" not in failed and more in failed


def _linear_capture(deposit_values, background, area):
    """evaluate's capture by brute force: each deposit counts for the part of its run of equal background cells
    that lies in the top ``area`` of the background (all of it when none ties with it)."""
    bg = np.asarray(background, dtype=np.float64)
    shares = []
    for x in deposit_values:
        above, equal = np.mean(bg > x), np.mean(bg == x)
        shares.append(float(above < area) if equal == 0 else min(max((area - above) / equal, 0.0), 1.0))
    return float(np.mean(shares))


def test_capture_of_a_tied_map_counts_the_tie_as_evaluate_does():
    """sweep 21c: a map of few values (weights of evidence, a shallow tree) ties deposits with whole runs of the
    background; comparemodels counted such a deposit wholly in or out of the top 10 / 20 % by its mid-rank, where
    evaluate counts the part of the run inside (a random order of the tied cells), so the two reports gave the same
    map different captures. Per fold and pooled, against a brute-force count on the background built cell by cell."""
    bands, valid, rows, cols = scene(2)
    tied = np.minimum(np.floor(-bands[1]), 1.0)  # a few values; the top 16 % of the cells, deposits too, tie at 1
    result = compare(
        bands, valid, rows, cols, {"tied": lambda b, labels: tied}, folds=3, cluster_cells=4.0, iterations=50
    )
    pooled_values, mid_rank_rule = [], []
    for f in range(3):
        train, test = np.flatnonzero(result.folds != f), np.flatnonzero(result.folds == f)
        background = [
            tied[r, c]
            for r in range(valid.shape[0])
            for c in range(valid.shape[1])
            if valid[r, c]
            and np.all(np.hypot(rows[train] - r, cols[train] - c) > 4.0)
            and not np.any((rows[test] == r) & (cols[test] == c))
        ]
        values = tied[rows[test], cols[test]]
        for area, key in ((0.10, "capture_10"), (0.20, "capture_20")):
            assert result.per_fold("tied")[f][key] == pytest.approx(_linear_capture(values, background, area))
        pooled_values.append((values, background))
        bg = np.asarray(background)
        mid_rank_rule.append(np.mean([np.mean(bg > x) + np.mean(bg == x) / 2 < 0.10 for x in values]))
    for area, key in ((0.10, "capture_10"), (0.20, "capture_20")):
        per_deposit = [_linear_capture([x], bg, area) for values, bg in pooled_values for x in values]
        assert result.summary["tied"][key] == pytest.approx(np.mean(per_deposit))
    # the case the test is about: the mid-rank rule gives another figure on this map
    assert any(abs(m - _linear_capture(v, bg, 0.10)) > 0.01 for m, (v, bg) in zip(mid_rank_rule, pooled_values))
    assert capture(np.array([0.95, 0.5]), 0.10) == pytest.approx(0.5)  # no ties known: by the mid-rank, as before


def test_a_fold_without_room_for_barren_cells_names_cluster_distance_and_the_cells_used():
    """Every valid cell within the exclusion distance of a training deposit (scipy's distance transform says so):
    the refusal names CLUSTER_DISTANCE, whose cells it used (NEGATIVES, which it named before, cannot help)."""
    from scipy import ndimage

    from geochem_prospector.core.evaluation.compare import fold_labels

    valid = np.ones((6, 6), bool)
    rows, cols = np.array([2]), np.array([3])
    deposit = np.zeros_like(valid)
    deposit[rows, cols] = True
    assert ndimage.distance_transform_edt(~deposit).max() <= 4.5  # no cell beyond 4.5 cells
    with pytest.raises(InputError, match=r"^CLUSTER_DISTANCE: no valid cell lies farther than 4.5 cells"):
        fold_labels(valid, rows, cols, 10, 4.5, np.random.default_rng(0))
