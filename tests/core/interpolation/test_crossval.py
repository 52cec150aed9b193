"""Cross-validation schemes and metrics against scikit-learn and explicit refits."""

import numpy as np
import pytest

from geochem_prospector.core.interpolation.crossval import cross_validate, metrics, score, write_csv
from geochem_prospector.core.interpolation.idw import idw_points


def test_metrics_match_scikit_learn():
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    obs = rng.normal(10, 3, 200)
    pred = obs + rng.normal(0.5, 1, 200)
    m = metrics(obs, pred)
    assert m["rmse"] == pytest.approx(np.sqrt(sk.mean_squared_error(obs, pred)))
    assert m["mae"] == pytest.approx(sk.mean_absolute_error(obs, pred))
    assert m["r2"] == pytest.approx(sk.r2_score(obs, pred))
    assert m["me"] == pytest.approx(np.mean(pred - obs)) and m["n"] == 200


def test_idw_leave_one_out_equals_refits():
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 100, size=(80, 2))
    z = rng.lognormal(2, 0.5, 80)

    def predict(txy, tz, targets, exclude):
        return idw_points(txy, tz, targets, 2.0, 8, None, exclude, True)

    pred, scheme = cross_validate(xy, z, predict)
    assert scheme == "leave-one-out"
    for i in range(80):
        keep = np.arange(80) != i
        ref = idw_points(xy[keep], z[keep], xy[i : i + 1], 2.0, 8, log_transform=True)[0]
        assert pred[i] == pytest.approx(ref, rel=1e-12)


def test_kfold_beyond_limit_predicts_each_sample_once_from_others(tmp_path):
    rng = np.random.default_rng(2)
    xy = rng.uniform(0, 100, size=(57, 2))
    z = rng.normal(size=57)
    seen = []

    def predict(txy, tz, targets, exclude):
        assert exclude is None
        # no training point may be a test point
        assert not (np.abs(txy[:, None, :] - targets[None, :, :]).sum(-1) == 0).any()
        seen.append(len(targets))
        return idw_points(txy, tz, targets, 2.0, 6)

    pred, scheme = cross_validate(xy, z, predict, max_loo=20, folds=5)
    assert scheme == "5-fold" and sum(seen) == 57 and len(seen) == 5 and np.isfinite(pred).all()
    path = tmp_path / "cv.csv"
    write_csv(str(path), [score("Cu", "idw", "power=2", scheme, z, pred)])
    lines = path.read_text().splitlines()
    assert lines[0] == "element,method,settings,scheme,n,rmse,mae,me,r2" and lines[1].startswith(
        "Cu,idw,power=2,5-fold,57,"
    )


def test_every_sample_search_beyond_limit_leaves_one_out_at_a_subset():
    """An interpolator over every sample (NEIGHBORS 0) is checked by leave-one-out at max_loo samples drawn at
    random, each equal to an explicit refit without it; the others stay NaN and are not scored."""
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 100, size=(90, 2))
    z = rng.lognormal(1, 0.4, 90)

    def predict(txy, tz, targets, exclude):
        return idw_points(txy, tz, targets, 2.0, 0, None, exclude)

    pred, scheme = cross_validate(xy, z, predict, max_loo=25, every_sample=True)
    checked = np.flatnonzero(np.isfinite(pred))
    assert scheme == "leave-one-out at 25 of 90 samples" and len(checked) == 25
    for i in checked:
        keep = np.arange(90) != i
        assert pred[i] == pytest.approx(idw_points(xy[keep], z[keep], xy[i : i + 1], 2.0, 0)[0], rel=1e-12)
    assert score("Cu", "idw", "power=2", scheme, z, pred).n == 25
