"""Legend classes: limits checked by hand and by counting cells (brute force), labels by hand."""

import math

import numpy as np
import pytest

from geochem_prospector.core.reports.legend import (
    area_rank_classes,
    format_number,
    percentile_classes,
    round_significant,
)


@pytest.mark.parametrize(
    "value, expected",
    [(12.7349, 12.7), (1049.6, 1050.0), (0.0123456, 0.0123), (-98.765, -98.8), (0.0, 0.0), (104.0, 104.0)],
)
def test_round_significant_by_hand(value, expected):
    assert round_significant(value) == pytest.approx(expected, rel=0, abs=1e-12)


def test_format_number_by_hand():
    assert format_number(12.7349) == "12.7"
    assert format_number(1049.6) == "1,050"
    assert format_number(104.0) == "104"
    assert format_number(0.5) == "0.5"
    assert format_number(2.5e-5) == "2.50e-05"


def test_percentile_classes_of_1_to_100_by_hand():
    """Linear percentiles of 1..100: P25 = 25.75, P50 = 50.5, P75 = 75.25, P90 = 90.1, P95 = 95.05, P98 = 98.02."""
    classes = percentile_classes(np.arange(1, 101, dtype=float), unit="ppm")
    assert [c.upper for c in classes[:-1]] == [25.8, 50.5, 75.2, 90.1, 95.0, 98.0]
    assert math.isinf(classes[-1].upper)
    assert [c.label for c in classes] == [
        "≤ 25.8 ppm (≤ P25)",
        "25.8 – 50.5 ppm (P25–P50)",
        "50.5 – 75.2 ppm (P50–P75)",
        "75.2 – 90.1 ppm (P75–P90)",
        "90.1 – 95 ppm (P90–P95)",
        "95 – 98 ppm (P95–P98)",
        "> 98 ppm (above P98)",
    ]


def test_percentile_classes_ignore_nodata_and_merge_ties():
    data = np.array([np.nan] * 50 + [0.0] * 60 + list(range(1, 41)), dtype=float)  # 60 % zeros among 100 values
    classes = percentile_classes(data)
    # P25 and P50 are both 0: one class; the next limit is P75 of 0..40 = 15.25 -> 15.2
    assert classes[0].label == "≤ 0 (≤ P50)" and classes[1].upper == 15.2
    assert classes[1].label == "0 – 15.2 (P50–P75)"
    assert percentile_classes(np.full(4, np.nan)) == []


def _class_of(value, classes):
    """Brute force: the first class whose upper limit is at least the value."""
    for i, c in enumerate(classes):
        if value <= c.upper:
            return i
    raise AssertionError(value)


def test_area_rank_classes_hold_the_stated_shares_of_the_area():
    rng = np.random.default_rng(7)
    values = rng.gamma(2.0, 1.0, size=(100, 120))  # 12,000 distinct cells
    values[:5] = np.nan  # 600 nodata cells are not area
    classes = area_rank_classes(values)
    assert [c.label for c in classes] == [
        "Rest of the area (lowest 80 %)",
        "Top 10–20 % of the area",
        "Top 5–10 % of the area",
        "Top 1–5 % of the area",
        "Top 1 % of the area",
    ]
    valid = values[np.isfinite(values)]
    counts = np.bincount([_class_of(v, classes) for v in valid], minlength=5)
    shares = 100.0 * counts / valid.size
    assert shares == pytest.approx([80, 10, 5, 4, 1], abs=100.0 / valid.size + 1e-9)


def test_area_rank_classes_merge_shares_that_ties_make_equal():
    values = np.concatenate([np.zeros(95), np.arange(1, 6)])  # 95 % of the area scores 0
    labels = [c.label for c in area_rank_classes(values)]
    assert labels[0] == "Rest of the area (lowest 80 %)" and "Top 10–20 % of the area" not in labels
    assert labels[-1] == "Top 1 % of the area"
