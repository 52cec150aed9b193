"""Ordinary kriging against brute-force solves, PyKrige and the lognormal unbiasedness it promises."""

import os

import numpy as np
import pandas as pd
import pytest

from geochem_prospector.core.errors import Cancelled, InputError
from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.interpolation.kriging import krige_points, kriging_grid
from geochem_prospector.core.interpolation.variogram import Variogram
from tests.conftest import TEST_DATA

DATA = TEST_DATA
#: the published Meuse log(zinc) variogram (gstat vignette)
MEUSE_VG = Variogram("spherical", 0.0507, 0.5906, 897.0)


@pytest.fixture(scope="module")
def meuse():
    d = pd.read_csv(os.path.join(DATA, "meuse", "meuse.csv"))
    xy = d[["x", "y"]].to_numpy(float)
    rng = np.random.default_rng(0)
    targets = np.column_stack([rng.uniform(178600, 181400, 60), rng.uniform(329700, 333600, 60)])
    return xy, np.log(d["zinc"].to_numpy(float)), targets


def brute_force_ok(xy, z, target, vg, k=None, radius=None, skip=None):
    """Textbook ordinary kriging at one point: semivariogram form, nearest k (and within radius), one solve."""
    d = np.hypot(*(xy - target).T)
    order = np.argsort(d, kind="stable")
    if skip is not None:
        order = order[order != skip]
    if k:
        order = order[:k]
    if radius is not None:
        order = order[d[order] <= radius]
    if len(order) == 0:
        return np.nan, np.nan
    pts = xy[order]
    n = len(order)
    a = np.ones((n + 1, n + 1))
    a[:n, :n] = vg(np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1]))
    a[n, n] = 0.0
    b = np.ones(n + 1)
    b[:n] = vg(d[order])
    sol = np.linalg.solve(a, b)
    return sol[:n] @ z[order], sol @ b


@pytest.mark.parametrize("k", [0, 16, 5])
def test_matches_brute_force(meuse, k):
    xy, z, targets = meuse
    est, var = krige_points(xy, z, targets, MEUSE_VG, neighbors=k)
    ref = np.array([brute_force_ok(xy, z, t, MEUSE_VG, k=k) for t in targets])
    np.testing.assert_allclose(est, ref[:, 0], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(var, ref[:, 1], rtol=1e-9, atol=1e-9)


def test_search_radius_pads_missing_neighbours(meuse):
    xy, z, targets = meuse
    targets = np.vstack([targets, [[170000.0, 320000.0]]])  # far from every sample
    vg = Variogram("exponential", 0.05, 0.6, 1200.0)
    est, var = krige_points(xy, z, targets, vg, neighbors=12, max_distance=250.0)
    ref = np.array([brute_force_ok(xy, z, t, vg, k=12, radius=250.0) for t in targets])
    np.testing.assert_allclose(est, ref[:, 0], rtol=1e-9, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(var, ref[:, 1], rtol=1e-9, atol=1e-9, equal_nan=True)
    assert np.isnan(est[-1]) and 20 < np.isfinite(est[:-1]).sum() < 60


@pytest.mark.parametrize("k", [0, 16])
def test_leave_one_out_matches_refits(meuse, k):
    xy, z, _ = meuse
    n = len(z)
    est, var = krige_points(xy, z, xy, MEUSE_VG, neighbors=k, exclude=np.arange(n))
    check = np.arange(0, n, 4)
    ref = np.array([brute_force_ok(xy, z, xy[i], MEUSE_VG, k=k, skip=i) for i in check])
    np.testing.assert_allclose(est[check], ref[:, 0], rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(var[check], ref[:, 1], rtol=1e-8, atol=1e-8)


def test_matches_pykrige(meuse):
    pykrige = pytest.importorskip("pykrige.ok", reason="pykrige (test-only reference) not installed")
    xy, z, targets = meuse
    ok = pykrige.OrdinaryKriging(
        xy[:, 0],
        xy[:, 1],
        z,
        variogram_model="spherical",
        variogram_parameters={"psill": MEUSE_VG.psill, "range": MEUSE_VG.range, "nugget": MEUSE_VG.nugget},
    )
    for k in (0, 16):
        est, var = krige_points(xy, z, targets, MEUSE_VG, neighbors=k)
        if k:
            p_est, p_var = ok.execute("points", targets[:, 0], targets[:, 1], n_closest_points=k, backend="loop")
        else:
            p_est, p_var = ok.execute("points", targets[:, 0], targets[:, 1])
        np.testing.assert_allclose(est, p_est, rtol=1e-8, atol=1e-8)
        np.testing.assert_allclose(var, p_var, rtol=1e-8, atol=1e-8)


def test_exact_at_samples_and_duplicates_refused_without_nugget(meuse):
    xy, z, _ = meuse
    est, var = krige_points(xy, z, xy[:10], MEUSE_VG, neighbors=16)
    np.testing.assert_allclose(est, z[:10], atol=1e-10)
    np.testing.assert_allclose(var, 0.0, atol=1e-10)
    dup_xy = np.vstack([xy[:20], xy[:1]])
    dup_z = np.append(z[:20], z[0] + 1)
    with pytest.raises(InputError, match="share a location"):
        krige_points(dup_xy, dup_z, xy[30:35], Variogram("spherical", 0.0, 1.0, 900.0), neighbors=8)


def test_duplicates_with_a_nugget_are_refused_as_duplicates_not_for_a_missing_nugget(meuse):
    """Two samples at one place give two equal rows of the covariance matrix, nugget or not (gamma(0) = 0 between
    them, as gstat counts it): the refusal named a missing nugget (VARIOGRAM_NUGGET, 'give a nugget, e.g. 1 % of the
    sill') for a variogram with 23 % of its sill in the nugget. It names the shared location and the averaging."""
    xy, z, _ = meuse
    dup_xy = np.vstack([xy[:20], xy[:1]])
    dup_z = np.append(z[:20], z[0] + 1)
    for k in (0, 8):
        with pytest.raises(InputError, match="share a location") as refused:
            krige_points(dup_xy, dup_z, xy[30:35], Variogram("spherical", 0.3, 1.0, 900.0), neighbors=k)
        assert refused.value.parameter == "INPUT" and "use a nugget" not in str(refused.value)


def test_lognormal_back_transform_is_unbiased():
    """Monte Carlo: mean of back-transformed estimates = E[Z]; plain exp(y*) is biased low.

    Each replicate is a copy of the same 12-sample layout placed far (>> range) from the others,
    so one call with 12 neighbours kriges every replicate independently.
    """
    rng = np.random.default_rng(7)
    base = rng.uniform(0, 1000, size=(12, 2))
    vg = Variogram("spherical", 0.8, 0.4, 300.0)
    c = vg.covariance(np.hypot(base[:, None, 0] - base[None, :, 0], base[:, None, 1] - base[None, :, 1]))
    chol = np.linalg.cholesky(c)
    reps, mean_log = 4000, 2.0
    offsets = np.column_stack([np.arange(reps) * 1e5, np.zeros(reps)])
    xy = (base[None, :, :] + offsets[:, None, :]).reshape(-1, 2)
    y = (mean_log + rng.normal(size=(reps, 12)) @ chol.T).ravel()
    targets = offsets + 500.0
    est, _ = krige_points(xy, np.exp(y), targets, vg, neighbors=12, log_transform=True)
    naive = np.exp(krige_points(xy, y, targets, vg, neighbors=12)[0])
    truth = np.exp(mean_log + vg.sill / 2)
    assert np.mean(est) == pytest.approx(truth, rel=0.04)
    assert np.mean(naive) < 0.8 * truth


def test_grid_equals_points_with_mask_and_cancel(meuse):
    xy, z, _ = meuse
    grid = GridSpec.from_extent(178600, 329700, 181400, 333600, 200.0)
    mask = np.zeros((grid.height, grid.width), dtype=bool)
    mask[3:12, 2:10] = True
    values = np.column_stack([np.exp(z), z])
    values[5, 1] = np.nan
    bands, variances = kriging_grid(
        xy, values, grid, [MEUSE_VG, MEUSE_VG], neighbors=16, mask=mask, log_transform=False, block_budget_bytes=2**12
    )
    cx, cy = grid.cell_centres()
    inside = mask.ravel()
    ok = np.isfinite(values[:, 1])
    est, var = krige_points(xy[ok], z[ok], np.column_stack([cx, cy])[inside], MEUSE_VG, neighbors=16)
    np.testing.assert_allclose(bands[1].ravel()[inside], est, rtol=1e-5)
    np.testing.assert_allclose(variances[1].ravel()[inside], var, rtol=1e-5)
    assert np.isnan(bands[:, ~mask]).all()
    with pytest.raises(Cancelled):
        kriging_grid(xy, z, grid, MEUSE_VG, is_cancelled=lambda: True)


def test_clip_to_sample_minimum_raises_undershoots_only():
    from geochem_prospector.core.interpolation.kriging import clip_to_sample_minimum

    bands = np.array([[[-2.0, 0.5, 3.0], [np.nan, 1.0, 9.0]]])
    counts = clip_to_sample_minimum(bands, np.array([1.0, 4.0, 8.0]))
    assert counts == [2]
    np.testing.assert_array_equal(bands[0, 0], [1.0, 1.0, 3.0])
    assert np.isnan(bands[0, 1, 0]) and bands[0, 1, 2] == 9.0


@pytest.mark.parametrize("angle, ratio", [(30.0, 2.5), (-70.0, 4.0)])
def test_anisotropic_kriging_matches_pykrige(meuse, angle, ratio):
    ok_mod = pytest.importorskip("pykrige.ok", reason="pykrige (test-only reference) not installed")
    xy, z, targets = meuse
    vg = Variogram("spherical", 0.0507, 0.5906, 897.0, angle=angle, ratio=ratio)
    ours, our_var = krige_points(xy, z, targets, vg, neighbors=0)
    reference = ok_mod.OrdinaryKriging(
        xy[:, 0],
        xy[:, 1],
        z,
        variogram_model="custom",
        variogram_parameters=[0.0],
        variogram_function=lambda _params, d: vg.isotropic()(d),
        anisotropy_scaling=ratio,
        anisotropy_angle=angle,
    )
    theirs, their_var = reference.execute("points", targets[:, 0], targets[:, 1], backend="vectorized")
    np.testing.assert_allclose(ours, theirs, rtol=1e-8)
    np.testing.assert_allclose(our_var, their_var, rtol=1e-6, atol=1e-10)
    # and the anisotropy matters: the isotropic model gives other estimates
    iso, _ = krige_points(xy, z, targets, vg.isotropic(), neighbors=0)
    assert np.max(np.abs(iso - ours)) > 0.01


@pytest.mark.parametrize("metal", ["zinc", "cadmium", "copper", "lead"])
def test_normal_score_kriging_of_meuse_cross_validates_as_well_as_log_kriging(metal):
    """Leave-one-out RMSE (mg/kg, k = 16) measured: normal scores / ln / IDW p=2 on log10: zinc 217.1 / 217.7 /
    274.7, cadmium 2.626 / 2.646 / 3.173, copper 14.67 / 15.05 / 18.55, lead 74.62 / 74.89 / 84.02; the
    normal-score mean error is the smallest of the three for every metal (cadmium -0.056 against ln +0.254)."""
    from geochem_prospector.core.interpolation import selection

    d = pd.read_csv(os.path.join(DATA, "meuse", "meuse.csv"))
    xy, z = d[["x", "y"]].to_numpy(float), d[metal].to_numpy(float)
    scores = {}
    for transform in ("log", "normal_score"):
        vg, _ = selection.fit_variogram_for(xy, z, transform)
        candidate = selection.Candidate("kriging", transform, variogram=vg)
        scores[transform] = selection.cross_validate_candidate(metal, candidate, xy, z, 16)
    idw = selection.cross_validate_candidate(metal, selection.Candidate("idw", "log", 2.0), xy, z, 16)
    assert scores["normal_score"].rmse <= 1.0 * scores["log"].rmse
    assert scores["normal_score"].rmse < 0.9 * idw.rmse
    assert abs(scores["normal_score"].me) <= abs(scores["log"].me) + 0.05 * abs(idw.me)


def test_global_kriging_of_too_many_samples_is_refused_with_their_count():
    # checked before any work by interpolate, with the layer's count (not a cross-validation fold's)
    from geochem_prospector.core.interpolation.kriging import MAX_GLOBAL_SAMPLES, check_global_kriging

    n = MAX_GLOBAL_SAMPLES + 1000
    with pytest.raises(InputError, match=rf"^NEIGHBORS: global kriging \(NEIGHBORS = 0\) of {n:,} samples"):
        check_global_kriging(n, 0, None)
    with pytest.raises(InputError, match=r"NEIGHBORS = 9000, every sample"):
        check_global_kriging(n, 9000, None)
    check_global_kriging(n, 16, None)  # local kriging
    check_global_kriging(n, 0, 500.0)  # a search radius: local neighbourhoods
    check_global_kriging(MAX_GLOBAL_SAMPLES, 0, None)
