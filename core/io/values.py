"""Turning attribute values as found in geochemistry tables into floats."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Iterable, List, Optional

import numpy as np

from ..errors import InputError
from ..neighbours import linked_clusters


@dataclass
class ValueReport:
    """What happened while converting one field's values."""

    total: int = 0
    numeric: int = 0
    missing: int = 0  # NULL, empty, NaN
    unparsable: int = 0  # text that is not a number
    examples: List[str] = field(default_factory=list)
    censored: int = 0  # below-detection values ("<5", or negative codes) replaced by a substitute
    detection_limits: List[float] = field(default_factory=list)  # distinct limits met (at most 10 kept)


#: "<5", "< 0.5", "<0,5", "<DL 5" style below-detection entries
_CENSORED = re.compile(r"^\s*<\s*=?\s*(?:dl\s*)?([0-9]*[.,]?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*$", re.IGNORECASE)


def to_float_array(
    raw: Iterable[object], censored_factor: Optional[float] = None, negative_is_censored: bool = True
) -> "tuple[np.ndarray, ValueReport]":
    """Convert raw attribute values to float64, NaN for anything missing or not a number.

    With ``censored_factor`` (e.g. 0.5) below-detection entries are kept as
    ``censored_factor * detection limit``: text such as ``"<5"`` or ``"< 0.5"``
    and, when ``negative_is_censored``, the common laboratory code of a negative
    number ``-x`` meaning "below the detection limit x". Without it (the
    default) ``"<5"`` counts as text and negatives pass through unchanged.
    """
    if censored_factor is not None and not (censored_factor >= 0 and math.isfinite(censored_factor)):
        raise InputError("the below-detection substitute must be a fraction >= 0 (0.5 is usual).", "CENSORED_FACTOR")
    values: List[float] = []
    rep = ValueReport()
    for item in raw:
        rep.total += 1
        number = _as_float(item)
        if censored_factor is not None:
            limit = _detection_limit(item, number, negative_is_censored)
            if limit is not None:
                rep.censored += 1
                if limit not in rep.detection_limits and len(rep.detection_limits) < 10:
                    rep.detection_limits.append(limit)
                values.append(censored_factor * limit)
                continue
        if number is None:
            if item is None or (isinstance(item, str) and not item.strip()) or _is_null(item):
                rep.missing += 1
            else:
                rep.unparsable += 1
                if len(rep.examples) < 5:
                    rep.examples.append(str(item))
            values.append(math.nan)
        elif not math.isfinite(number):
            rep.missing += 1
            values.append(math.nan)
        else:
            rep.numeric += 1
            values.append(number)
    return np.asarray(values, dtype=np.float64), rep


def _detection_limit(item: object, number: Optional[float], negative_is_censored: bool) -> Optional[float]:
    """The detection limit if ``item`` is a below-detection entry, else None."""
    if number is None and isinstance(item, str):
        match = _CENSORED.match(item)
        if match:
            return float(match.group(1).replace(",", "."))
        return None
    if negative_is_censored and number is not None and math.isfinite(number) and number < 0:
        return -number
    return None


def _is_null(item: object) -> bool:
    # QVariant NULL arrives as an object whose isNull() is True; avoid importing Qt here.
    is_null = getattr(item, "isNull", None)
    return bool(is_null()) if callable(is_null) else False


def _as_float(item: object):
    if item is None or isinstance(item, bool):
        return None
    if isinstance(item, (int, float, np.integer, np.floating)):
        return float(item)
    if isinstance(item, str):
        text = item.strip().replace(",", ".") if item.count(",") == 1 and "." not in item else item.strip()
        try:
            return float(text)
        except ValueError:
            return None
    if _is_null(item):
        return None
    try:
        return float(item)  # type: ignore[arg-type]  # e.g. Decimal; anything else raises and is skipped
    except (TypeError, ValueError):
        return None


def substitute_nonpositive(values: np.ndarray) -> "tuple[np.ndarray, int, float]":
    """Replace values <= 0 (zero or 'below detection' codes) by half the smallest positive value.

    Needed before a log transform. Returns the new array, how many values were
    replaced and the substitute (NaN when nothing was replaced).
    """
    values = np.asarray(values, dtype=np.float64).copy()
    bad = np.isfinite(values) & (values <= 0)
    positive = values[np.isfinite(values) & (values > 0)]
    if not bad.any() or positive.size == 0:
        return values, 0, math.nan
    substitute = float(positive.min()) / 2.0
    values[bad] = substitute
    return values, int(bad.sum()), substitute


def average_duplicates(
    xy: np.ndarray, values: np.ndarray, tolerance: float = 0.0
) -> "tuple[np.ndarray, np.ndarray, int]":
    """Merge samples closer than ``tolerance`` (same location when 0) into one.

    Co-located samples (field duplicates, repeated analyses) make the kriging
    system singular and double-weight a site in IDW. Each group of co-located
    samples becomes one sample at the group's mean position whose value is the
    mean of its finite values per column (NaN if none). Returns the merged
    coordinates, values and how many samples were merged away (n_in - n_out).
    """
    xy = np.asarray(xy, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    one_d = values.ndim == 1
    if one_d:
        values = values[:, None]
    n = xy.shape[0]
    if n < 2:
        return xy.copy(), (values[:, 0] if one_d else values).copy(), 0
    labels = linked_clusters(xy, tolerance)
    n_groups = int(labels.max()) + 1
    if n_groups == n:
        return xy.copy(), (values[:, 0] if one_d else values).copy(), 0
    counts = np.bincount(labels, minlength=n_groups).astype(float)
    merged_xy = np.column_stack(
        [np.bincount(labels, weights=xy[:, 0]) / counts, np.bincount(labels, weights=xy[:, 1]) / counts]
    )
    merged = np.empty((n_groups, values.shape[1]))
    for j in range(values.shape[1]):
        finite = np.isfinite(values[:, j])
        total = np.bincount(labels[finite], weights=values[finite, j], minlength=n_groups)
        number = np.bincount(labels[finite], minlength=n_groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            merged[:, j] = np.where(number > 0, total / np.maximum(number, 1), np.nan)
    return merged_xy, (merged[:, 0] if one_d else merged), int(n - n_groups)
