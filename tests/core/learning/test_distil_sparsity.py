"""TEACHER (distillation of gradient boosting over every valid cell) and BAND_SPARSITY (group lasso per band on
the first layer): against scikit-learn's gradient boosting, the losses and the proximal operator computed
independently (by hand, scipy's minimiser), and the bands a synthetic rule is known to use."""

import numpy as np
import pytest
import torch

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.learning.distil import distillation_loss, teacher_targets
from geochem_prospector.core.learning.estimator import PatchCNN
from geochem_prospector.core.learning.network import PatchNet
from geochem_prospector.core.learning.sparsity import (
    SPARSITY_GRID,
    band_norms,
    bands_in_use,
    group_soft_threshold,
)

sklearn_ensemble = pytest.importorskip("sklearn.ensemble")
scipy_optimize = pytest.importorskip("scipy.optimize")
scipy_stats = pytest.importorskip("scipy.stats")

CELL = dict(patch_size=1, batch_size=64, seed=0, device="cpu", width=16, hidden=16, ensemble=1)


def rule_data(seed: int = 0, size: int = 48, bands: int = 6, labelled: int = 400):
    """Bands of independent noise; mineralised where band 0 > 0.6 and band 1 > 0.2 (a tree's rule on two of six
    bands); ``labelled`` random cells labelled, the rest unlabelled (NaN); a few cells without evidence."""
    rng = np.random.default_rng(seed)
    stack = rng.normal(size=(bands, size, size)).astype(np.float32)
    truth = (stack[0] > 0.6) & (stack[1] > 0.2)
    labels = np.full((size, size), np.nan)
    pick = rng.choice(size * size, labelled, replace=False)
    r, c = np.divmod(pick, size)
    labels[r, c] = truth[r, c]
    stack[:, 0, :3] = np.nan
    return stack, labels, truth


def test_the_teacher_is_scikit_learns_gradient_boosting_on_the_cells_it_is_given():
    """comparemodels' settings (200 depth-3 trees, rate 0.1, 5 cells a leaf), each class weighted to the same
    total, fitted by scikit-learn on the given cells' values: the same probability at every valid cell."""
    stack, labels, _ = rule_data()
    rows, cols = np.nonzero(np.isfinite(labels) & np.isfinite(stack).all(axis=0))
    rows, cols = rows[:300], cols[:300]  # a subset: the teacher must learn from these cells only
    y = labels[rows, cols] == 1
    valid = np.isfinite(stack).all(axis=0)
    t_rows, t_cols, prob = teacher_targets(stack, rows, cols, y, np.ones(rows.size), valid, seed=4)
    assert t_rows.size == valid.sum()
    x = stack[:, rows, cols].T.astype(np.float64)
    w = np.where(y, y.size / (2.0 * y.sum()), y.size / (2.0 * (~y).sum()))
    reference = sklearn_ensemble.GradientBoostingClassifier(
        n_estimators=200, learning_rate=0.1, max_depth=3, min_samples_leaf=5, random_state=4
    ).fit(x, y.astype(int), sample_weight=w)
    expected = reference.predict_proba(stack[:, t_rows, t_cols].T.astype(np.float64))[:, 1]
    np.testing.assert_allclose(prob, expected, atol=1e-5)


def test_a_teacher_on_few_cells_keeps_leaves_of_half_of_them():
    """Under 10 training cells the teacher's 5 cells a leaf would leave every tree one leaf, and the learner refuses
    that naming MIN_SAMPLES_LEAF, which traincnn does not have: the teacher takes leaves of half its cells (4 of
    8) and equals scikit-learn's gradient boosting with that leaf."""
    stack, labels, _ = rule_data()
    rows, cols = np.nonzero(np.isfinite(labels) & np.isfinite(stack).all(axis=0))
    y_all = labels[rows, cols] == 1
    pick = np.concatenate([np.flatnonzero(y_all)[:4], np.flatnonzero(~y_all)[:4]])
    rows, cols, y = rows[pick], cols[pick], y_all[pick]
    valid = np.isfinite(stack).all(axis=0)
    t_rows, t_cols, prob = teacher_targets(stack, rows, cols, y, np.ones(rows.size), valid, seed=4)
    x = stack[:, rows, cols].T.astype(np.float64)
    reference = sklearn_ensemble.GradientBoostingClassifier(
        n_estimators=200, learning_rate=0.1, max_depth=3, min_samples_leaf=4, random_state=4
    ).fit(x, y.astype(int), sample_weight=np.ones(y.size))
    expected = reference.predict_proba(stack[:, t_rows, t_cols].T.astype(np.float64))[:, 1]
    np.testing.assert_allclose(prob, expected, atol=1e-5)


def test_the_distillation_losses_by_hand():
    """Log-odds z = logit[1] - logit[0]; "probability": -(p ln s(z) + (1 - p) ln(1 - s(z))), averaged (written
    max(z, 0) - z p + ln(1 + exp(-|z|)), exact at z = 30);
    "log_odds": (z - ln(p / (1 - p)))^2 / 8 averaged, p clipped to [1e-6, 1 - 1e-6]."""
    logits = torch.tensor([[0.0, 2.0], [1.0, -1.0], [0.5, 0.5], [0.0, 30.0]], dtype=torch.float64)
    p = torch.tensor([0.9, 0.2, 0.5, 0.0], dtype=torch.float64)
    z = np.array([2.0, -2.0, 0.0, 30.0])
    pn = p.numpy()
    bce = np.mean(np.maximum(z, 0) - z * pn + np.log1p(np.exp(-np.abs(z))))
    assert float(distillation_loss(logits, p)) == pytest.approx(bce, rel=1e-9)
    pc = np.clip(pn, 1e-6, 1 - 1e-6)
    mse = np.mean((z - np.log(pc / (1 - pc))) ** 2) / 8
    assert float(distillation_loss(logits, p, kind="log_odds")) == pytest.approx(mse, rel=1e-9)
    # class index 0 as the positive one flips the sign of z
    assert float(distillation_loss(logits.flip(1), p, positive=0)) == pytest.approx(bce, rel=1e-9)


@pytest.mark.parametrize("bins", [0, 3])
def test_the_proximal_step_solves_the_group_lasso_problem(bins):
    """The step minimises 0.5 ||W - V||^2 + t sum_b ||W_b|| over the first layer (checked against scipy's
    minimiser); with the piecewise encoding a band's group is all of its bins (band-major channels)."""
    torch.manual_seed(0)
    n_bands, t = 3, 0.6
    net = PatchNet(n_bands, 2, 1, width=2, hidden=4, bins=bins)
    if bins:
        net.set_edges(np.tile(np.linspace(-1, 1, bins + 1), (n_bands, 1)))
    layer = net.features[1 if bins else 0]
    with torch.no_grad():
        layer.weight.mul_(3.0)
        layer.weight[:, : max(bins, 1)] *= 0.05  # band 0 small: its whole group goes to zero
    v = layer.weight.detach().double().numpy().copy()
    per = max(bins, 1)

    def objective(w_flat):
        w = w_flat.reshape(v.shape)
        groups = [w[:, b * per : (b + 1) * per] for b in range(n_bands)]
        return 0.5 * np.sum((w - v) ** 2) + t * sum(np.sqrt(np.sum(g**2)) for g in groups)

    best = scipy_optimize.minimize(objective, v.ravel(), method="Powell", options={"xtol": 1e-10, "ftol": 1e-14})
    group_soft_threshold(net, n_bands, t)
    got = layer.weight.detach().double().numpy()
    assert objective(got.ravel()) <= best.fun + 1e-9  # at least as good as the minimiser's solution
    np.testing.assert_allclose(got, best.x.reshape(v.shape), atol=1e-3)
    assert np.all(got[:, :per] == 0.0)
    assert band_norms(net, n_bands)[0] == 0.0


def test_a_strong_penalty_keeps_the_bands_of_the_rule():
    """The rule uses bands 0 and 1 of six: with strength 4 (width 32: below sqrt(32) learning rates a step, so a
    band with a steady gradient can grow) the networks read those two and no noise band (a band is
    in use at 1 % of the largest band's first-layer norm); without the penalty they read all six."""
    stack, labels, truth = rule_data()
    settings = {**CELL, "width": 32, "epochs": 30, "early_stopping": False, "semi_supervised": False}
    sparse = PatchCNN(**settings, band_sparsity=4.0).fit(stack, labels)
    dense = PatchCNN(**settings).fit(stack, labels)
    assert bands_in_use(sparse.nets_[0], 6).tolist() == [True, True, False, False, False, False]
    assert bands_in_use(dense.nets_[0], 6).all()
    assert sparse.metadata_["metrics"]["bands_used"] == {f"band {i + 1}": float(i < 2) for i in range(6)}
    ok = np.isfinite(stack).all(axis=0)
    auc = scipy_stats.mannwhitneyu(
        sparse.predict_score(stack)[ok & truth], sparse.predict_score(stack)[ok & ~truth]
    ).statistic / ((ok & truth).sum() * (ok & ~truth).sum())
    assert auc > 0.9


def test_the_strength_is_chosen_on_the_validation_cells_and_stored():
    stack, labels, _ = rule_data()
    log = []
    model = PatchCNN(**CELL, epochs=4, band_sparsity=-1.0).fit(stack, labels, log=log.append)
    choice = model.metadata_["metrics"]["band_sparsity_choice"]
    assert list(choice) == [f"{s:g}" for s in SPARSITY_GRID]
    chosen = model.metadata_["settings"]["band_sparsity"]
    assert chosen in SPARSITY_GRID and choice[f"{chosen:g}"] == max(choice.values())
    assert any("band sparsity chosen on the validation cells" in line for line in log)


def test_a_distilled_network_follows_its_teacher_over_the_whole_area(tmp_path):
    """Trained on the teacher's probabilities over every valid cell, the network ranks the cells scikit-learn's
    gradient boosting (on the same labelled cells) puts in its top 10 % of the area above the rest almost
    perfectly, and better than the same network without the teacher; saved and read back with its settings."""
    stack, labels, _ = rule_data(labelled=250)
    ok = np.isfinite(stack).all(axis=0)
    rows, cols = np.nonzero(np.isfinite(labels) & ok)
    y = (labels[rows, cols] == 1).astype(int)
    w = np.where(y == 1, y.size / (2.0 * y.sum()), y.size / (2.0 * (y == 0).sum()))
    gb = sklearn_ensemble.GradientBoostingClassifier(
        n_estimators=200, learning_rate=0.1, max_depth=3, min_samples_leaf=5, random_state=0
    ).fit(stack[:, rows, cols].T, y, sample_weight=w)
    reference = gb.predict_proba(stack[:, ok].T)[:, 1]
    top = reference >= np.quantile(reference, 0.9)

    def top_auc(model):
        score = model.predict_score(stack)[ok]
        return scipy_stats.mannwhitneyu(score[top], score[~top]).statistic / (top.sum() * (~top).sum())

    settings = {**CELL, "epochs": 60, "early_stopping": False, "learning_rate": 3e-3}
    student = PatchCNN(**settings, teacher="gradient_boosting_all", distil_weight=10.0).fit(stack, labels)
    plain = PatchCNN(**settings).fit(stack, labels)
    assert top_auc(student) > 0.98 and top_auc(student) > top_auc(plain) + 0.02
    loaded = PatchCNN.load(student.save(str(tmp_path / "student.pt")))
    assert loaded.teacher == "gradient_boosting_all" and loaded.distil_weight == 10.0
    np.testing.assert_array_equal(loaded.predict_score(stack), student.predict_score(stack))


@pytest.mark.parametrize(
    "settings, parameter",
    [
        ({"teacher": "forest"}, "TEACHER"),
        ({"teacher": "gradient_boosting", "training": "pu"}, "TEACHER"),
        ({"distil_target": "rank"}, "DISTIL_TARGET"),
        ({"distil_weight": 101.0}, "DISTIL_WEIGHT"),
        ({"band_sparsity": -2.0}, "BAND_SPARSITY"),
    ],
)
def test_bad_settings_name_their_parameter(settings, parameter):
    stack, labels, _ = rule_data()
    with pytest.raises(InputError) as err:
        PatchCNN(**{**CELL, "epochs": 1, **settings}).fit(stack, labels)
    assert err.value.parameter == parameter


def test_a_teacher_needs_two_classes():
    stack, labels, _ = rule_data()
    three = labels.copy()
    rows, cols = np.nonzero(np.isfinite(labels))
    three[rows[:40], cols[:40]] = 2
    with pytest.raises(InputError, match="two classes") as err:
        PatchCNN(**CELL, epochs=1, teacher="gradient_boosting").fit(stack, three)
    assert err.value.parameter == "TEACHER"


def test_a_file_trained_without_them_leaves_them_out_and_reads_the_defaults_back(tmp_path):
    """Earlier versions' schema knows no teacher / band_sparsity keys and refuses unknown ones: a model trained
    without the options must not write them, and this version must read their defaults back."""
    stack, labels, _ = rule_data()
    model = PatchCNN(**CELL, epochs=2, semi_supervised=False).fit(stack, labels)
    added = {"teacher", "distil_weight", "band_sparsity", "distil_target"}
    assert not added & set(model.metadata_["settings"])
    path = str(tmp_path / "plain.pt")
    model.save(path)
    loaded = PatchCNN.load(path)
    assert (loaded.config_.teacher, loaded.config_.distil_weight) == ("none", 1.0)
    assert (loaded.config_.band_sparsity, loaded.config_.distil_target) == (0.0, "probability")
