"""A label confidence raster from elsewhere: refused when any value lies outside 0..1 (checked cell by cell in
plain Python), and pseudolabel's own confidence, written as OUTPUT_CONFIDENCE, always passes."""

import math

import numpy as np
import pytest

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.labels.confidence import check_confidence
from geochem_prospector.core.labels.pseudolabel import METHODS, PseudoLabelSettings, pseudolabel


def _outside(values) -> bool:
    """Brute force: any finite cell below 0 or above 1 (float32 rounding of 1 allowed)."""
    return any(math.isfinite(v) and (v < -1e-6 or v > 1 + 1e-6) for v in np.asarray(values, float).ravel().tolist())


@pytest.mark.parametrize("seed", range(12))
def test_refused_exactly_when_a_value_lies_outside_0_1(seed):
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 1, size=(8, 9)).astype(np.float32)
    values[rng.random(values.shape) < 0.2] = np.nan
    kind = seed % 4  # as they come: a confidence, in percent, with an untagged fill, one value just over 1
    if kind == 1:
        values = values * 100
    elif kind == 2:
        values[0, 0] = -9999
    elif kind == 3:
        values[1, 1] = 1.01
    if _outside(values):
        with pytest.raises(InputError) as err:
            check_confidence(values, "conf")
        assert err.value.parameter == "CONFIDENCE"
        text = str(err.value)
        assert "a label's confidence runs from 0 to 1" in text
        assert ("divide it by 100" in text) == (kind == 1), text  # 0..100: percent is meant
        assert ("nodata" in text) == (kind == 2), text
    else:
        check_confidence(values, "conf")


@pytest.mark.parametrize("method", METHODS)
def test_pseudolabels_own_confidence_passes(method):
    rng = np.random.default_rng(3)
    grid = GridSpec(0.0, 30.0, 1.0, 30, 30)
    features = rng.normal(size=(2, 30, 30)).astype(np.float32)
    result = pseudolabel(
        features,
        grid,
        np.array([[5.5, 5.5], [20.5, 12.5]]),
        settings=PseudoLabelSettings(method=method, seed=5, confidence=0.7),
    )
    assert not _outside(result.confidence)
    check_confidence(result.confidence.astype(np.float32), "confidence")


def test_a_raster_without_any_value_is_refused_but_a_window_of_nodata_is_not():
    """All nodata, every label would weigh 1 (NaN counts as 1), as without a confidence raster, silently (sweep
    19a): the whole raster is refused; one window of a raster read in windows may be all nodata."""
    values = np.full((6, 7), np.nan, dtype=np.float32)
    with pytest.raises(InputError) as err:
        check_confidence(values, "conf")
    assert err.value.parameter == "CONFIDENCE" and "no cell with a value" in str(err.value)
    check_confidence(values, "conf", whole=False)
    values[2, 3] = 0.4  # one value is enough
    check_confidence(values, "conf")


def test_a_confidence_raster_without_a_value_at_any_label_is_refused():
    """Values elsewhere but nodata at every labelled cell: every label would weigh 1, as without a confidence
    raster. Refused by the classic learner as by the weights themselves; one labelled value is enough to run (the
    others count 1), and a streamed window alone is not judged."""
    from geochem_prospector.core.classic.learner import ClassicLearner
    from geochem_prospector.core.labels.confidence import confidence_weights

    rng = np.random.default_rng(3)
    bands = rng.normal(size=(2, 20, 20))
    labels = np.full((20, 20), np.nan)
    labels[2:6, 2:6] = 1
    labels[12:18, 12:18] = 0
    confidence = np.full((20, 20), np.nan)
    confidence[~np.isfinite(labels)] = 0.5  # values only where nothing is labelled
    rows, cols = np.nonzero(np.isfinite(labels))
    with pytest.raises(InputError) as err:
        confidence_weights(confidence, labels.shape, rows, cols)
    assert err.value.parameter == "CONFIDENCE"
    assert f"no value at any of the {rows.size} labelled cells" in str(err.value)
    with pytest.raises(InputError, match="OUTPUT_CONFIDENCE"):
        ClassicLearner(method="logistic").fit(bands, labels, sample_weight=confidence)
    np.testing.assert_array_equal(confidence_weights(confidence, labels.shape, rows, cols, whole=False), 1.0)
    confidence[3, 3] = 0.25  # one labelled cell with a value: weights as given, the rest 1
    expected = [0.25 if (r, c) == (3, 3) else 1.0 for r, c in zip(rows.tolist(), cols.tolist())]
    np.testing.assert_array_equal(confidence_weights(confidence, labels.shape, rows, cols), expected)
    ClassicLearner(method="logistic").fit(bands, labels, sample_weight=confidence)
