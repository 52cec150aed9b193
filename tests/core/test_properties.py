"""Property-based tests (hypothesis) of core functions: random inputs, NaN, infinities, extreme values.

Each property either holds or the function raises one of the documented exceptions (InputError and
subclasses); never a crash. The budget is bounded: few examples, no deadline (CI machines are slow and shared).
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.evaluation.auc import roc_auc
from geochem_prospector.core.evaluation.curves import capture_efficiency, prediction_area, success_rate_curve
from geochem_prospector.core.evaluation.deposits import USED, valid_cells
from geochem_prospector.core.evaluation.evaluate import evaluate
from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.interpolation.idw import idw_grid

BUDGET = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)

any_float = st.floats(allow_nan=True, allow_infinity=True, width=64)
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
# values a prospectivity raster really holds: probabilities, scores, ppm; with heavy ties from rounding
map_value = st.one_of(
    st.floats(0, 1), st.integers(-5, 5).map(float), st.floats(-1e6, 1e6), st.sampled_from([0.0, -0.0, 5e-324, 1e300])
)


def brute_force_auc(p, b):
    p, b = np.asarray(p, float)[:, None], np.asarray(b, float)[None, :]
    return float(np.mean((p > b) + 0.5 * (p == b)))


# ---- metrics ------------------------------------------------------------------------------------------------------


@BUDGET
@given(
    st.lists(map_value, min_size=1, max_size=15),
    st.lists(map_value, min_size=1, max_size=60),
)
def test_auc_is_the_pairwise_probability(deposits, background):
    auc = roc_auc(deposits, background)
    assert 0.0 <= auc <= 1.0
    assert auc == pytest.approx(brute_force_auc(deposits, background), abs=1e-12)
    assert roc_auc(-np.array(deposits), -np.array(background)) == pytest.approx(1.0 - auc, abs=1e-12)


@BUDGET
@given(st.lists(map_value, min_size=2, max_size=80), st.data())
def test_curve_capture_and_pa_invariants(background, data):
    background = np.array(background)
    picks = data.draw(st.lists(st.integers(0, background.size - 1), min_size=1, max_size=12))
    deposits = background[picks]  # deposits lie on cells of the map
    curve = success_rate_curve(deposits, background)
    assert curve.area[0] == 0 and curve.area[-1] == 1 and curve.deposits[-1] == 1
    assert np.all(np.diff(curve.area) > 0) and np.all(np.diff(curve.deposits) >= 0)
    assert curve.auc() == pytest.approx(roc_auc(deposits, background), abs=1e-12)
    capture = list(capture_efficiency(curve, (1, 5, 10, 20, 50, 100)).values())
    assert all(0 <= c <= 100 for c in capture) and capture == sorted(capture) and capture[-1] == pytest.approx(100)
    pa = prediction_area(curve)
    assert pa.prediction_rate + pa.area == pytest.approx(100)
    assert 0 < pa.area < 100 and pa.normalized_density > 0 and np.isfinite(pa.weight)
    assert pa.threshold in set(background.tolist())


@BUDGET
@given(
    hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)), elements=any_float),
    hnp.arrays(np.float64, st.tuples(st.integers(0, 6), st.just(2)), elements=any_float),
    st.one_of(st.none(), hnp.arrays(np.bool_, 36)),
    st.sampled_from([1e-6, 1.0, 250.0, 1e6]),
    st.sampled_from([(0.0, 0.0), (500000.0, 7500000.0), (-1e12, 1e12)]),
)
def test_evaluate_never_crashes_and_accounts_for_every_deposit(raster, xy, mask, pixel, origin):
    grid = GridSpec(origin[0], origin[1], pixel, raster.shape[1], raster.shape[0])
    if mask is not None:
        mask = mask[: raster.size].reshape(raster.shape) if mask.size >= raster.size else None
    try:
        result = evaluate(raster, grid, xy, mask, iterations=20)
    except InputError as exc:  # documented: no usable deposit, no valid cell
        assert str(exc).startswith(("DEPOSITS:", "INPUT_RASTER:", "MASK:"))
        return
    counts = result.sample.counts
    assert sum(counts.values()) == xy.shape[0] and counts[USED] >= 1
    assert 0 <= result.auc <= 1
    low, high = result.auc_bootstrap  # no interval (NaN) when the deposits are one unit: one deposit, one cell
    assert low <= high if np.isfinite(low) else np.isnan(high) and result.notes[0].startswith("DEPOSITS: ")
    assert 0 <= result.auc_monte_carlo[0] <= result.auc_monte_carlo[1] <= 1
    assert 0 < result.p_value <= 1
    assert np.all(np.isfinite(result.sample.values))
    assert result.n_cells == int(np.count_nonzero(valid_cells(raster, mask)))


# ---- IDW ----------------------------------------------------------------------------------------------------------


@BUDGET
@given(
    st.integers(1, 25),
    st.sampled_from([1e-3, 1.0, 1e3, 1e6]),  # spacing of the samples: tiny to huge coordinates
    st.sampled_from([(0.0, 0.0), (3.5e5, 7.5e6), (-1e9, 1e9)]),
    st.floats(0.5, 4.0),
    st.integers(0, 8),
    st.data(),
)
def test_idw_stays_within_the_sample_range(n, scale, origin, power, neighbors, data):
    coords = data.draw(hnp.arrays(np.float64, (n, 2), elements=st.floats(0, 10)))
    values = data.draw(
        hnp.arrays(
            np.float64,
            n,
            elements=st.one_of(st.floats(-1e9, 1e9), st.just(np.nan), st.sampled_from([0.0, 1e-300, -1e-300])),
        )
    )
    xy = origin + coords * scale
    assume(np.isfinite(xy).all())
    grid = GridSpec(origin[0] - scale, origin[1] + 11 * scale, scale, 12, 12)
    try:
        out = idw_grid(xy, values, grid, power=power, neighbors=neighbors)[0]
    except InputError as exc:  # documented: a field without any numeric value
        assert np.isnan(values).all() and str(exc).startswith("FIELDS:")
        return
    finite_values = values[np.isfinite(values)]
    filled = out[np.isfinite(out)]
    assert filled.size == out.size, "every cell gets a value without a search radius"
    lo, hi = np.float32(finite_values.min()), np.float32(finite_values.max())
    tolerance = 1e-5 * max(abs(lo), abs(hi), 1e-30)
    assert np.all(filled >= lo - tolerance) and np.all(filled <= hi + tolerance)


@BUDGET
@given(hnp.arrays(np.float64, (5, 2), elements=any_float), hnp.arrays(np.float64, 5, elements=any_float))
def test_idw_bad_numbers_give_documented_errors(xy, values):
    grid = GridSpec(0.0, 10.0, 1.0, 10, 10)
    try:
        out = idw_grid(xy, values, grid, neighbors=3)
    except InputError as exc:
        assert str(exc).startswith(("INPUT:", "FIELDS:"))
        return
    assert out.shape == (1, 10, 10)
