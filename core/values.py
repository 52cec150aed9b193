"""Turning attribute values as found in geochemistry tables into floats."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, List

import numpy as np


@dataclass
class ValueReport:
    """What happened while converting one field's values."""

    total: int = 0
    numeric: int = 0
    missing: int = 0  # NULL, empty, NaN
    unparsable: int = 0  # text that is not a number
    examples: List[str] = field(default_factory=list)


def to_float_array(raw: Iterable[object]) -> "tuple[np.ndarray, ValueReport]":
    """Convert raw attribute values to float64, NaN for anything missing or not a number."""
    values: List[float] = []
    rep = ValueReport()
    for item in raw:
        rep.total += 1
        number = _as_float(item)
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
        return float(item)  # e.g. Decimal
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
