"""Property-based tests (hypothesis) of anomaly thresholds and pseudo-labelling with hostile inputs.

NaN, infinities, zeros, negatives, constants, extreme magnitudes and tiny/huge coordinates: each call either
raises a documented InputError (message starting with the parameter it blames) or its invariants hold:
thresholds are monotonic and classes follow them; pseudo-labels come from the allowed set and no cell within
NEGATIVE_BUFFER of a mineralised point is ever barren. Bounded budget: few examples, no deadline.
"""

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from geochem_prospector.core.anomalies.thresholds import CLASS_NODATA, METHODS, classify, compute_thresholds
from geochem_prospector.core.errors import InputError
from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.labels.pseudolabel import METHODS as LABEL_METHODS
from geochem_prospector.core.labels.pseudolabel import UNLABELLED, PseudoLabelSettings, pseudolabel

BUDGET = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)

hostile = st.one_of(
    st.floats(1e-3, 1e4),  # ppm
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, -5.0, 1e-300, 1e300, np.nan, np.inf, -np.inf]),
    st.integers(1, 4).map(float),  # heavy ties, as from rounded lab values
)


@BUDGET
@given(
    hnp.arrays(np.float64, st.integers(0, 120), elements=hostile),
    st.sampled_from(METHODS),
    st.booleans(),
    st.sampled_from([None, 1, 2]),
)
def test_thresholds_are_monotonic_or_a_documented_error(values, method, log, ca_breaks):
    try:
        t = compute_thresholds(values, "Cu", method, log, ca_breaks=ca_breaks)
    except InputError as exc:
        assert str(exc).startswith(("INPUT_RASTER:", "CA_BREAKS:", "METHOD:")), str(exc)
        event(f"refused: {str(exc).split(':')[0]}")
        return
    event("thresholds")
    finite_data = values[np.isfinite(values)]
    assert finite_data.size >= 10 and finite_data.min() < finite_data.max()
    levels = t.levels[np.isfinite(t.levels)]
    assert np.all(np.diff(levels) >= 0), t.levels
    if method == "percentile":
        assert finite_data.min() <= levels.min() and levels.max() <= finite_data.max()
    # every defined level lies above the median: at most half the area is anomalous
    assert np.all(levels > np.median(finite_data))
    classes = classify(values, t.levels)
    finite = np.isfinite(values)
    assert np.all(classes[~finite] == CLASS_NODATA)
    assert set(np.unique(classes[finite])) <= {0, 1, 2, 3}
    assert np.mean(classes[finite] > 0) <= 0.5 + 1e-9
    # a higher value never gets a lower class
    ranked = classes[finite][np.argsort(values[finite], kind="stable")].astype(int)
    assert np.all(np.diff(ranked) >= 0)


@BUDGET
@given(
    st.integers(0, 10_000),
    st.sampled_from(LABEL_METHODS),
    st.sampled_from([1e-3, 1.0, 1e4]),  # pixel size: tiny to huge coordinates
    st.sampled_from([(0.0, 0.0), (3.5e5, 7.5e6), (-1e9, 1e9)]),
    st.lists(st.integers(0, 3), min_size=1, max_size=6),  # classes of the labelled points (0 = barren)
    st.floats(0.0, 3.0),
    st.floats(0.0, 6.0),
    st.sampled_from([0.0, 0.3, 0.95]),  # share of nodata / non-finite cells
)
def test_pseudolabels_in_the_allowed_set_and_never_barren_in_the_buffer(
    seed, method, pixel, origin, classes, radius, buffer, holes
):
    rng = np.random.default_rng(seed)
    n = 16
    grid = GridSpec(origin[0], origin[1] + n * pixel, pixel, n, n)
    features = rng.normal(size=(2, n, n))
    features[0] += np.linspace(-2, 2, n)[None, :]
    bad = rng.random((n, n)) < holes
    features[0][bad] = rng.choice([np.nan, np.inf, -np.inf], size=int(bad.sum()))
    classes = np.asarray(classes)
    # points in cell units, some outside the grid
    pts_cells = rng.uniform(-2, n + 2, size=(len(classes), 2))
    pts = np.column_stack([origin[0] + pts_cells[:, 0] * pixel, origin[1] + pts_cells[:, 1] * pixel])
    try:
        result = pseudolabel(
            features,
            grid,
            pts,
            classes,
            settings=PseudoLabelSettings(
                method=method,
                positive_radius=radius * pixel,
                negative_buffer=buffer * pixel,
                confidence=0.6,
                iterations=2,
                bags=4,
                seed=seed,
            ),
        )
    except InputError as exc:
        assert str(exc).startswith(("LABELS:", "INPUT_RASTERS:", "NEGATIVE_BUFFER:", "LABEL_FIELD:")), str(exc)
        event(f"refused: {str(exc).split(':')[0]}")
        return
    event("labelled")
    labels = result.labels
    allowed = {UNLABELLED, 0, 1} if method == "pu_bagging" else {UNLABELLED} | set(range(int(classes.max()) + 1))
    assert set(np.unique(labels)) <= allowed
    valid = np.isfinite(features).all(axis=0)
    assert np.all(labels[~valid] == UNLABELLED)
    cx, cy = grid.cell_centres()
    positives = pts[classes >= 1]
    if len(positives):
        d = np.sqrt(((np.column_stack([cx, cy])[:, None, :] - positives[None]) ** 2).sum(-1)).min(axis=1)
        near = d.reshape(n, n) <= buffer * pixel * (1 - 1e-9)
        assert not np.any((labels == 0) & near)
    conf = result.confidence[valid]
    assert np.all((conf >= 0) & (conf <= 1))
