"""Classic learners: predictions from the saved arrays equal scikit-learn's predict_proba, weights of evidence equal
hand-computed tables, window features equal a brute-force window, and model files refuse tampering."""

import math
import os

import numpy as np
import pytest

from geochem_prospector.core.classic.features import cell_features, window_features
from geochem_prospector.core.classic.learner import ClassicLearner
from geochem_prospector.core.classic.woe import (
    QUANTILES,
    conditional_independence,
    fit_weights,
    two_class_weights,
    woe_logit,
)
from geochem_prospector.core.errors import InputError, ModelFileError

sklearn = pytest.importorskip("sklearn")


def synthetic(seed=0, shape=(40, 50)):
    """Three bands (one with a nodata hole) and a label raster driven by the first two, some cells unlabelled."""
    rng = np.random.default_rng(seed)
    bands = rng.normal(size=(3, *shape)).astype(np.float32)
    bands[0] += np.linspace(0, 2, shape[1])[None, :]
    bands[2, 5:8, 5:9] = np.nan
    logit = 1.5 * bands[0] - bands[1] - 2.0
    labels = (rng.random(shape) < 1 / (1 + np.exp(-logit))).astype(np.float64)
    labels[rng.random(shape) < 0.3] = np.nan
    confidence = rng.uniform(0.5, 1.0, shape)
    return bands, labels, confidence


@pytest.mark.parametrize("method", ["random_forest", "gradient_boosting", "logistic"])
@pytest.mark.parametrize("window", [0, 3])
def test_arrays_predict_like_sklearn(method, window, tmp_path):
    bands, labels, confidence = synthetic()
    model = ClassicLearner(method, window=window, n_estimators=25, seed=3).fit(bands, labels, sample_weight=confidence)
    feats = cell_features(bands, window, np.asarray(model.metadata_["shift"]))
    ok = np.isfinite(feats).all(axis=0)
    x = feats[:, ok].T
    if method == "logistic":
        scaler, logistic = model.estimator_
        reference = logistic.predict_proba(scaler.transform(x))[:, 1]
    else:
        reference = model.estimator_.predict_proba(x)[:, 1]
    np.testing.assert_allclose(model.predict_features(x), reference, rtol=0, atol=1e-6)
    # the whole map, tiled with a halo, and the same from the model file (read without pickle)
    prob = model.predict_proba(bands, tile=16)
    np.testing.assert_allclose(prob[ok], reference, rtol=0, atol=1e-6)
    assert np.isnan(prob[~ok]).all()
    path = model.save(str(tmp_path / "model.pt"))
    pytest.importorskip("torch")
    from geochem_prospector.core.learning.classic_file import load_model

    loaded = load_model(path)
    assert isinstance(loaded, ClassicLearner)
    np.testing.assert_array_equal(loaded.predict_proba(bands, tile=7), prob)


def test_window_features_equal_brute_force():
    bands, _, _ = synthetic(1, (12, 15))
    feats = cell_features(bands, 5)
    rng = np.random.default_rng(0)
    for r, c in zip(rng.integers(0, 12, 30), rng.integers(0, 15, 30)):
        block = bands[:, max(r - 2, 0) : r + 3, max(c - 2, 0) : c + 3].astype(np.float64)
        for b in range(3):
            if not np.isfinite(bands[:, r, c]).all():
                assert np.isnan(feats[:, r, c]).all()
                continue
            assert feats[b, r, c] == bands[b, r, c]
            assert feats[3 + b, r, c] == pytest.approx(np.nanmean(block[b]), abs=1e-9)
            assert feats[6 + b, r, c] == pytest.approx(np.nanstd(block[b]), abs=1e-9)


def test_tiles_do_not_change_window_features():
    bands, _, _ = synthetic(2, (20, 20))
    whole = cell_features(bands, 7, np.array([0.5, 0.1, 0.0]))
    padded = np.pad(bands.astype(np.float64), ((0, 0), (3, 3), (3, 3)), constant_values=np.nan)
    part = window_features(padded[:, 5 : 5 + 9 + 6, 2 : 2 + 11 + 6], 7, np.array([0.5, 0.1, 0.0]))
    np.testing.assert_array_equal(part, whole[:, 5:14, 2:13])


def test_two_class_weights_by_hand():
    # 40 deposit cells (30 on the pattern), 960 others (200 on the pattern)
    w = two_class_weights(30, 200, 40, 960)
    assert w.w_plus == pytest.approx(math.log((30 / 40) / (200 / 960)), abs=1e-12)  # 1.2809
    assert w.w_minus == pytest.approx(math.log((10 / 40) / (760 / 960)), abs=1e-12)  # -1.1527
    assert w.contrast == pytest.approx(1.2809338454620642 + 1.1526795099383855, abs=1e-9)
    assert w.s_contrast == pytest.approx(math.sqrt(1 / 30 + 1 / 200 + 1 / 10 + 1 / 760), abs=1e-12)
    assert w.studentised == pytest.approx(w.contrast / w.s_contrast)


def test_binary_evidence_table_and_posterior_by_hand():
    # a 0/1 evidence raster is categorical: the weight of 1 is W+, of 0 is W-
    x = np.zeros((1000, 1))
    y = np.zeros(1000, dtype=bool)
    x[:230, 0] = 1  # pattern on 230 cells
    y[:30] = True  # 30 deposits on the pattern
    y[230:240] = True  # 10 off it
    arrays, table = fit_weights(x, y, np.ones(1000), ["host rock"])
    by_value = {row["pattern"]: row for row in table}
    assert by_value["= 1"]["w_plus"] == pytest.approx(math.log((30 / 40) / (200 / 960)))
    assert by_value["= 0"]["w_plus"] == pytest.approx(math.log((10 / 40) / (760 / 960)))
    assert by_value["= 1"]["contrast"] == pytest.approx(
        math.log((30 / 40) / (200 / 960)) - math.log((10 / 40) / (760 / 960))
    )
    assert by_value["= 1"]["s_contrast"] == pytest.approx(math.sqrt(1 / 30 + 1 / 200 + 1 / 10 + 1 / 760))
    logit = woe_logit(arrays, np.array([[1.0], [0.0]]))
    prior = math.log(40 / 960)
    assert logit[0] == pytest.approx(prior + math.log((30 / 40) / (200 / 960)))
    assert logit[1] == pytest.approx(prior + math.log((10 / 40) / (760 / 960)))


def test_continuous_evidence_threshold_is_the_best_studentised_contrast():
    rng = np.random.default_rng(4)
    v = rng.normal(size=3000)
    y = rng.random(3000) < np.where(v < -0.8, 0.15, 0.02)  # deposits favour LOW values
    arrays, table = fit_weights(v[:, None], y, np.ones(3000), ["Cu"], max_categories=16)
    row = table[0]
    assert row["kind"] == "binary" and row["pattern"].startswith("<")
    best = 0.0
    for t in np.unique(np.quantile(v, QUANTILES)):  # brute force over the same candidates, by the formulas
        b = v < t
        a_, b_, c_, d_ = (b & y).sum(), (b & ~y).sum(), (~b & y).sum(), (~b & ~y).sum()
        c = math.log((a_ / (a_ + c_)) / (b_ / (b_ + d_))) - math.log((c_ / (a_ + c_)) / (d_ / (b_ + d_)))
        best = max(best, abs(c / math.sqrt(1 / a_ + 1 / b_ + 1 / c_ + 1 / d_)))
    assert abs(row["studentised_contrast"]) == pytest.approx(best)
    assert row["contrast"] > 0


def test_conditional_independence_by_hand():
    rng = np.random.default_rng(5)
    x = (rng.random((600, 2)) < [0.3, 0.5]).astype(float)
    y = rng.random(600) < 0.05 + 0.2 * x[:, 0] * x[:, 1]  # interaction: not conditionally independent
    arrays, _ = fit_weights(x, y, np.ones(600), ["a", "b"])
    ci = conditional_independence(arrays, x, y, np.ones(600))
    n = y.sum()
    weights = {}  # (feature, value) -> (W, s²) by the formulas
    for j in range(2):
        for value in (0.0, 1.0):
            on = x[:, j] == value
            a_, b_ = (on & y).sum(), (on & ~y).sum()
            weights[j, value] = (math.log((a_ / n) / (b_ / (~y).sum())), 1 / a_ + 1 / b_)
    prior = math.log(n / (~y).sum())
    t = var = 0.0
    for c0 in (0.0, 1.0):
        for c1 in (0.0, 1.0):
            count = np.sum((x[:, 0] == c0) & (x[:, 1] == c1))
            logit = prior + weights[0, c0][0] + weights[1, c1][0]
            p = 1 / (1 + math.exp(-logit))
            t += count * p
            var += (count * p) ** 2 * (1 / n + weights[0, c0][1] + weights[1, c1][1])
    assert ci["T"] == pytest.approx(t) and ci["n"] == n
    assert ci["s_T"] == pytest.approx(math.sqrt(var))
    assert ci["z"] == pytest.approx((t - n) / math.sqrt(var))
    assert ci["p_value"] == pytest.approx(0.5 * math.erfc(ci["z"] / math.sqrt(2)))


def test_woe_learner_maps_and_saves(tmp_path):
    bands, labels, confidence = synthetic(6)
    model = ClassicLearner("woe").fit(bands, labels, band_names=["a", "b", "c"], sample_weight=confidence)
    prob = model.predict_proba(bands)
    assert np.nanmean(prob[labels == 1]) > np.nanmean(prob[labels == 0])
    assert {r["feature"] for r in model.metadata_["summary"]["weights"]} == {"a", "b", "c"}
    pytest.importorskip("torch")
    from geochem_prospector.core.learning.classic_file import load_model

    np.testing.assert_array_equal(load_model(model.save(str(tmp_path / "w.pt"))).predict_proba(bands), prob)


def test_bad_settings_and_labels_name_the_parameter():
    bands, labels, _ = synthetic()
    with pytest.raises(InputError, match="WINDOW"):
        ClassicLearner(window=4).fit(bands, labels)
    with pytest.raises(InputError, match="METHOD"):
        ClassicLearner("svm").fit(bands, labels)
    with pytest.raises(InputError, match="LABELS"):
        ClassicLearner("logistic").fit(bands, np.zeros(labels.shape))


torch = pytest.importorskip("torch")


def _tampered(tmp_path, change, method="random_forest"):
    bands, labels, _ = synthetic()
    path = ClassicLearner(method, n_estimators=3).fit(bands, labels).save(str(tmp_path / "good.pt"))
    raw = torch.load(path, weights_only=True)
    import json

    meta = json.loads(raw["metadata"])
    change(meta, raw["weights"])
    raw["metadata"] = json.dumps(meta)
    bad = str(tmp_path / "bad.pt")
    torch.save(raw, bad)
    from geochem_prospector.core.learning.classic_file import load_model

    with pytest.raises(ModelFileError) as err:
        load_model(bad)
    return str(err.value)


def test_tree_pointing_back_is_refused(tmp_path):
    def loop(meta, weights):
        left = weights["left"]
        inner = int(torch.nonzero(left >= 0)[1])
        left[inner] = 0.0  # back to the root: a walk would never end

    assert "points back" in _tampered(tmp_path, loop)


def test_sizes_must_match_the_arrays(tmp_path):
    def more(meta, weights):
        meta["sizes"]["nodes"] += 1

    assert "shape" in _tampered(tmp_path, more)


def test_unknown_method_and_pickles_are_refused(tmp_path):
    def method(meta, weights):
        meta["method"] = "os.system"

    assert "method" in _tampered(tmp_path, method, "logistic")
    evil = tmp_path / "evil.pt"
    import pickle

    with open(evil, "wb") as handle:
        pickle.dump({"format": "geochem_prospector.classic"}, handle)
    from geochem_prospector.core.learning.classic_file import load_model

    with pytest.raises(ModelFileError):
        load_model(str(evil))
    assert os.path.exists(evil)


@pytest.mark.parametrize("method", ["random_forest", "logistic"])
def test_a_classic_file_of_a_newer_format_names_the_version_this_plugin_reads(method, tmp_path):
    """A trainmodel file from a newer plugin (format version one above what this one wrote) is refused naming the
    classic format's own newest version, the one its files carry (read back with torch), not the CNN's."""
    from geochem_prospector.core.learning.classic_file import load_model

    bands, labels, _ = synthetic()
    path = ClassicLearner(method, n_estimators=3).fit(bands, labels).save(str(tmp_path / "good.pt"))
    raw = torch.load(path, weights_only=True)
    written = raw["format_version"]
    raw["format_version"] = written + 1
    bad = str(tmp_path / "newer.pt")
    torch.save(raw, bad)
    with pytest.raises(ModelFileError) as err:
        load_model(bad)
    assert f"has model format version {written + 1}, newer than this plugin reads ({written}); update" in str(err.value)


DEBIAN_CHECK = """
import sys
sys.path.insert(0, {plugins!r})
import numpy as np, sklearn
from geochem_prospector.core.classic.learner import ClassicLearner
rng = np.random.default_rng(0)
bands = rng.normal(size=(3, 30, 30)).astype(np.float32)
labels = (rng.random((30, 30)) < 1 / (1 + np.exp(-(1.5 * bands[0] - bands[1] - 1)))).astype(float)
worst = 0.0
for method in ("random_forest", "gradient_boosting", "logistic"):
    m = ClassicLearner(method, n_estimators=20).fit(bands, labels)
    x = bands.reshape(3, -1).T.astype(np.float64)
    est = m.estimator_
    ref = est[1].predict_proba(est[0].transform(x))[:, 1] if method == "logistic" else est.predict_proba(x)[:, 1]
    worst = max(worst, float(np.abs(m.predict_features(x) - ref).max()))
print(sklearn.__version__, worst)
"""


def test_arrays_predict_like_debians_sklearn():
    """QGIS runs Debian's scikit-learn (1.2.1 on bookworm), older than the venv's: the export must fit both."""
    import subprocess

    from tests.conftest import REPO

    python = "/usr/bin/python3"
    if not os.path.exists(python):
        pytest.skip("no system Python")
    probe = subprocess.run([python, "-c", "import sklearn"], capture_output=True)
    if probe.returncode:
        pytest.skip("the system Python has no scikit-learn (python3-sklearn)")
    code = DEBIAN_CHECK.format(plugins=os.path.join(REPO, "build", "plugins"))
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert float(out[1]) < 1e-6, out


def test_model_file_is_what_torch_reads_and_torch_written_files_still_load(tmp_path):
    """Written without torch, the file is what torch.load(weights_only=True) reads: the same arrays and metadata.
    And a file laid out by torch.save itself (as 0.3 wrote them) reads without torch into the same model."""
    from geochem_prospector.core.learning.classic_file import load_model, read_classic

    bands, labels, _ = synthetic()
    model = ClassicLearner("gradient_boosting", n_estimators=4).fit(bands, labels)
    path = model.save(str(tmp_path / "gb.pt"))
    metadata, arrays = read_classic(path)
    raw = torch.load(path, weights_only=True)
    assert raw["format"] == "geochem_prospector.classic" and raw["format_version"] == 1
    assert sorted(raw["weights"]) == sorted(arrays)
    for name, tensor in raw["weights"].items():
        assert tensor.dtype == torch.float64
        np.testing.assert_array_equal(tensor.numpy(), arrays[name])
    import json

    assert json.loads(raw["metadata"]) == metadata
    torch.save(raw, str(tmp_path / "torch.pt"))
    np.testing.assert_array_equal(
        load_model(str(tmp_path / "torch.pt")).predict_proba(bands), model.predict_proba(bands)
    )


def test_non_finite_weights_are_refused(tmp_path):
    def nan(meta, weights):
        weights["value"][0] = float("nan")

    assert "NaN" in _tampered(tmp_path, nan)


def test_a_forest_grown_in_chunks_is_the_single_fit_forest():
    """trainmodel grows a forest in chunks to report progress and check a cancel between them: the trees are the
    ones scikit-learn grows in one fit with the same seed, bit for bit."""
    from sklearn.ensemble import RandomForestClassifier

    from geochem_prospector.core.classic.arrays import forest_arrays

    bands, labels, confidence = synthetic()
    progress = []
    model = ClassicLearner("random_forest", n_estimators=37, seed=3).fit(
        bands, labels, sample_weight=confidence, progress=progress.append
    )
    feats = cell_features(bands, 0, np.asarray(model.metadata_["shift"]))
    use = np.isfinite(feats).all(axis=0) & np.isfinite(labels)
    y = labels[use] >= 1
    c = confidence[use]  # each class weighted to the same total of confidence
    w = c * np.where(y, c.sum() / (2 * c[y].sum()), c.sum() / (2 * c[~y].sum()))
    single = RandomForestClassifier(n_estimators=37, min_samples_leaf=model.min_samples_leaf, random_state=3, n_jobs=1)
    single.fit(feats[:, use].T.astype(np.float64), y.astype(int), sample_weight=w)
    expected = forest_arrays(single)
    assert expected.keys() == model.arrays_.keys()
    for key, array in expected.items():
        np.testing.assert_array_equal(model.arrays_[key], array, err_msg=key)
    assert progress == sorted(progress) and len(progress) > 10 and progress[-1] == 1.0


@pytest.mark.parametrize("method", ["random_forest", "gradient_boosting"])
def test_a_cancel_stops_the_trees_within_a_chunk(method, monkeypatch):
    """A cancel asked while the trees grow stops the training within a chunk of trees (a forest of 200 grows 10 a
    chunk; boosting checks after every tree), raising Cancelled: the trees grown after the cancel are counted."""
    from sklearn.tree._classes import BaseDecisionTree

    from geochem_prospector.core.errors import Cancelled

    grown = {"before": 0, "after": 0}
    cancelled = []
    fit = BaseDecisionTree._fit

    def counted(self, *args, **kwargs):
        grown["after" if cancelled else "before"] += 1
        if grown["before"] == 15:
            cancelled.append(True)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(BaseDecisionTree, "_fit", counted)
    bands, labels, _ = synthetic()
    with pytest.raises(Cancelled):
        ClassicLearner(method, n_estimators=200).fit(bands, labels, is_cancelled=lambda: bool(cancelled))
    assert grown["before"] == 15 and grown["after"] <= (5 if method == "random_forest" else 0), grown


@pytest.mark.parametrize("method", ["random_forest", "gradient_boosting"])
def test_a_cancel_stops_a_tile_of_trees_within_a_chunk(method, monkeypatch):
    """predict checked a cancel between tiles only: a tile of 512 x 512 cells through a forest of 100 trees took
    5.5 s on the Lapland evidence (more trees, longer). The cells go down the trees in chunks, and a cancel is
    now seen before the next chunk: the chunks computed after it are counted (one tile here, of 2000 cells)."""
    from geochem_prospector.core.classic import arrays
    from geochem_prospector.core.errors import Cancelled
    from geochem_prospector.core.io.windows import array_window_reader

    bands, labels, _ = synthetic()
    model = ClassicLearner(method, n_estimators=20, seed=1).fit(bands, labels)
    monkeypatch.setattr(arrays, "_CHUNK_CELLS", 20 * 40)  # 40 cells a chunk: 50 chunks in the tile
    chunks = {"before": 0, "after": 0}
    cancelled = []

    class Counted(np.ndarray):
        def __getitem__(self, index):  # the leaf values, read once a chunk
            chunks["after" if cancelled else "before"] += 1
            if chunks["before"] == 3:
                cancelled.append(True)
            return np.asarray(self)[index]

    model._table.value = model._table.value.view(Counted)
    full = ClassicLearner(method, n_estimators=20, seed=1).fit(bands, labels).predict_proba(bands, tile=64)
    reader = array_window_reader(bands.astype(np.float64), np.float64)
    with pytest.raises(Cancelled):
        model.predict_tiled(reader, 40, 50, lambda *a: None, tile=64, is_cancelled=lambda: bool(cancelled))
    assert chunks == {"before": 3, "after": 0}
    cancelled.clear()
    chunks.update(before=-(10**6))  # no cancel: the same map as without the counting
    np.testing.assert_array_equal(model.predict_proba(bands, tile=64, is_cancelled=lambda: False), full)


@pytest.mark.parametrize("method", ["random_forest", "gradient_boosting"])
def test_a_tile_does_not_hold_every_trees_leaf_value(method, monkeypatch):
    """predict held a (cells, trees) table of leaf values per tile: 200 MB for a 512 x 512 tile through 100 trees,
    2 GB through 1000, beside the chunk's own work (130 MB at the default chunk). The trees' values are now summed
    chunk by chunk (here chunks of 100 cells, so the table would dominate); the map stays scikit-learn's."""
    import tracemalloc

    from geochem_prospector.core.classic import arrays

    bands, labels, _ = synthetic(shape=(120, 120))
    model = ClassicLearner(method, n_estimators=400, seed=1).fit(bands, labels)
    cells, trees = 120 * 120, 400
    monkeypatch.setattr(arrays, "_CHUNK_CELLS", 100 * trees)
    tracemalloc.start()
    prob = model.predict_proba(bands, tile=120)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < cells * trees * 8 / 4, peak  # the table alone: 46 MB; the tile's features a few MB
    ok = ~np.isnan(bands).any(axis=0)
    positive = list(model.estimator_.classes_).index(1)
    expected = model.estimator_.predict_proba(np.moveaxis(bands, 0, -1)[ok])[:, positive]
    np.testing.assert_allclose(prob[ok], expected, rtol=1e-6, atol=1e-7)


def test_balanced_learners_say_their_probability_overstates_and_woe_does_not():
    """A class-balanced logistic regression on labels with about 10 % mineralised cells: scikit-learn's own
    unweighted logistic regression (the reference, fitted here) averages the mineralised share over the training
    cells, as a fit with an intercept does; ours more than three times that, its two classes' means averaging one
    half. The note predict shows says
    so with the counts (numpy's), and weights of evidence, fitted on the classes as they are, draws none."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from geochem_prospector.core.classic.learner import balanced_probability_note

    rng = np.random.default_rng(5)
    bands = rng.normal(size=(2, 40, 50)).astype(np.float32)
    labels = (rng.random((40, 50)) < 1 / (1 + np.exp(-(1.5 * bands[0] - 3.0)))).astype(np.float64)
    model = ClassicLearner("logistic").fit(bands, labels)
    x = bands.reshape(2, -1).T.astype(np.float64)
    y = labels.ravel()
    share = y.mean()
    reference = LogisticRegression(C=1e6, max_iter=5000).fit(StandardScaler().fit_transform(x), y)
    assert abs(reference.predict_proba(StandardScaler().fit_transform(x))[:, 1].mean() - share) < 1e-3
    ours = model.predict_features(x)
    assert ours.mean() > 3 * share
    # balanced: as if half the cells were mineralised, the two classes' mean probabilities average one half
    assert abs((ours[y == 1].mean() + ours[y == 0].mean()) / 2 - 0.5) < 0.02
    note = balanced_probability_note(model.metadata_)
    cells, mineralised = y.size, int(y.sum())
    assert note.startswith("OUTPUT: the logistic regression was trained with both classes weighted to the same total")
    assert f"({mineralised:,} of its {cells:,} training cells, {100 * mineralised / cells:.1f} %, were)" in note
    assert "not as a probability" in note
    woe = ClassicLearner("woe").fit(bands, labels)
    assert balanced_probability_note(woe.metadata_) == ""


def test_report_says_the_fit_balanced_the_weights_it_lists():
    """trainmodel's report lists each class's confidences summed (numpy's sums here); for a learner scikit-learn
    fits it now says the fit weighted both classes to half their total each, and for weights of evidence (which
    uses them as they are) it says nothing of the kind."""
    from geochem_prospector.core.reports.classic import classic_report_html

    bands, labels, confidence = synthetic()
    usable = np.isfinite(labels) & np.isfinite(bands).all(axis=0)
    total = float(confidence[usable].sum())
    for method in ("logistic", "random_forest"):
        model = ClassicLearner(method, n_estimators=5, seed=1).fit(bands, labels, sample_weight=confidence)
        training = model.metadata_["training"]
        assert training["weight_mineralised"] + training["weight_barren"] == pytest.approx(total)
        page = classic_report_html(model.metadata_)
        assert f"the fit weighted both classes to the same total, {total / 2:,.1f} each" in page
        assert ("intercept is not" in page) == (method == "logistic")
    woe = ClassicLearner("woe").fit(bands, labels, sample_weight=confidence)
    assert "the fit weighted both classes" not in classic_report_html(woe.metadata_)
