"""core.learning.area_limits against numpy's sort of all the values at once (the brute force the tiles avoid)."""

import math

import numpy as np
import pytest

from geochem_prospector.core.learning.area_limits import (
    AreaLimits,
    ordered_bits,
    probability_classes,
    separated_limits,
)


def _in_tiles(values: np.ndarray, shares=(0.70, 0.90), tile=37):
    limits = AreaLimits(shares)
    tiles = [values[i : i + tile] for i in range(0, values.size, tile)]
    for t in tiles:
        limits.add(t)
    for t in tiles:
        limits.add_fine(t)
    return limits.limits()


def _brute_force(values: np.ndarray, shares=(0.70, 0.90)):
    finite = np.sort(values[np.isfinite(values)].astype(np.float32))
    return tuple(float(finite[min(math.ceil(s * finite.size), finite.size - 1)]) for s in shares)


@pytest.mark.parametrize(
    "make",
    [
        # a positive-unlabelled map: most of the area far below 0.0001 (the old histogram's step), a few cells high
        lambda rng: np.concatenate([rng.uniform(1e-9, 4e-5, 8000), rng.uniform(0.001, 0.6, 1000)]),
        lambda rng: rng.uniform(0, 1, 5001),
        lambda rng: rng.integers(0, 5, 3000) / 4.0,  # four values and their ties (a classic model's few leaves)
        lambda rng: rng.normal(0, 3, 2000),  # negative values too (any score, not only probabilities)
        lambda rng: np.where(rng.uniform(size=4000) < 0.2, np.nan, rng.lognormal(-9, 3, 4000)),  # nodata cells
    ],
)
def test_limits_equal_the_sorted_values(make):
    values = make(np.random.default_rng(11)).astype(np.float32)
    assert _in_tiles(values) == _brute_force(values)


def test_the_shares_below_the_limits_on_a_positive_unlabelled_map():
    """80 % of the cells below 0.00005: the old 0.0001 histogram put the low/moderate limit at 0 and left no cell
    low; the limits now leave 70 % low, 20 % moderate and 10 % high (counted with numpy)."""
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.uniform(1e-9, 5e-5, 8000), rng.uniform(0.001, 0.6, 2000)]).astype(np.float32)
    lo, hi = _in_tiles(values)
    assert 0 < lo < 5e-5
    classes = 1 + (values >= lo).astype(int) + (values >= hi).astype(int)
    assert [np.mean(classes == k) for k in (1, 2, 3)] == [0.7, 0.2, 0.1]


def test_ordered_bits_sort_as_the_values():
    values = np.array([-np.inf, -3.5, -1e-30, -0.0, 0.0, 1e-45, 1e-30, 0.25, 1.0, 3e38, np.inf], dtype=np.float32)
    keys = ordered_bits(values)
    assert np.all(np.diff(keys.astype(np.int64)) >= 0)
    assert np.all(np.diff(keys.astype(np.int64))[[0, 1, 2, 4, 5, 6, 7, 8, 9]] > 0)


def test_a_second_pass_that_misses_values_is_refused():
    limits = AreaLimits()
    limits.add(np.arange(100, dtype=np.float32))
    limits.add_fine(np.arange(50, dtype=np.float32))
    with pytest.raises(ValueError, match="add_fine"):
        limits.limits()


def _classes_by_area(values: np.ndarray) -> np.ndarray:
    """The cells per class (low, moderate, high) that predict writes with the limits found in tiles."""
    lo, hi = _in_tiles(values)
    if hi <= lo:  # as predict: one value holds the top 30 %
        hi = float(np.nextafter(np.float32(lo), np.float32(np.inf)))
    v = values[np.isfinite(values)]
    return np.bincount(1 + (v >= lo).astype(int) + (v >= hi), minlength=4)[1:4]


def test_class_share_note_names_the_shares_the_classes_hold():
    """sweep 21c: predict logged 'by area: the highest 10 % high, the next 20 % moderate' for a map whose highest
    probability held 73 % of the area, where high held none of it and moderate 73 %. The note gives the shares
    counted cell by cell; a map without ties gets none."""
    from geochem_prospector.core.learning.area_limits import class_share_note, class_shares

    rng = np.random.default_rng(2)
    smooth = rng.uniform(0, 1, 5001).astype(np.float32)
    counts = _classes_by_area(smooth)
    assert class_share_note(counts) is None
    assert np.allclose(class_shares(counts), (70, 20, 10), atol=100 / smooth.size)
    tied = np.r_[rng.uniform(0, 0.1, 1165), np.full(3106, 0.1127)].astype(np.float32)
    counts = _classes_by_area(tied)
    by_hand = (np.sum(tied < 0.1127), np.sum(tied == np.float32(0.1127)), 0)  # the tie is moderate, none is high
    assert tuple(counts) == by_hand
    note = class_share_note(counts)
    assert note is not None and note.startswith("OUTPUT_CLASSES: ")
    assert f"moderate {100 * by_hand[1] / tied.size:.2f} % (asked 20 %), high 0.00 % (asked 10 %)" in note


def test_probability_classes_match_numpy_digitize():
    rng = np.random.default_rng(5)
    values = rng.uniform(0, 1, (30, 40)).astype(np.float32)
    values[:3] = 0.25  # ties on the limit go up: 0.25 is moderate
    masked = np.ma.masked_array(values, mask=rng.uniform(size=values.shape) < 0.1)
    classes = probability_classes(masked, (0.25, 0.8), 255)
    expected = np.where(masked.mask, 255, np.digitize(values, [0.25, 0.8]) + 1)
    assert classes.dtype == np.uint8
    np.testing.assert_array_equal(classes, expected)


def test_separated_limits_put_a_tied_top_in_moderate_and_the_cells_above_it_high():
    assert separated_limits(0.2, 0.7) == (0.2, 0.7)
    low, high = separated_limits(0.5, 0.5)
    # the next float32 above 0.5, from its bits: 0.5's bit pattern plus one
    next_up = float(np.array([np.float32(0.5).view(np.uint32) + np.uint32(1)], dtype=np.uint32).view(np.float32)[0])
    assert (low, high) == (0.5, next_up)
    values = np.ma.masked_array(np.array([0.1, 0.5, 0.5, 0.9], dtype=np.float32))
    assert probability_classes(values, (low, high), 255).tolist() == [1, 2, 2, 3]
