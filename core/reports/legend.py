"""Legend classes computed from a raster's values, as geochemical atlases and prospectivity maps draw them.

Element concentrations are skewed: a linear stretch paints the whole anomalous tail in one colour. Atlases class
them at percentiles of the data (25, 50, 75, 90, 95, 98 %) with rounded limits. Prospectivity is read by area:
the most prospective 1, 5, 10 and 20 % of the study area. Both return plain classes (upper limit, label) that
the desktop turns into a discrete colour ramp.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

#: percentiles of the class limits of element maps (geochemical atlases: quartiles, then the upper tail)
ATLAS_PERCENTILES = (25.0, 50.0, 75.0, 90.0, 95.0, 98.0)
#: shares of the area (%) of the prospectivity classes, most prospective first
AREA_TOPS = (1.0, 5.0, 10.0, 20.0)


@dataclass(frozen=True)
class LegendClass:
    """Cells with values up to ``upper`` (and above the previous class's) are drawn in this class."""

    upper: float
    label: str


def round_significant(value: float, digits: int = 3) -> float:
    """``value`` rounded to ``digits`` significant digits (12.7349 -> 12.7, 1049.6 -> 1050)."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - int(math.floor(math.log10(abs(value)))))


def format_number(value: float, digits: int = 3) -> str:
    """A rounded number as a legend shows it: no trailing zeros, no exponent for usual concentrations."""
    rounded = round_significant(value, digits)
    if rounded != 0 and (abs(rounded) >= 1e6 or abs(rounded) < 1e-3):
        return f"{rounded:.{digits - 1}e}"
    text = f"{rounded:,.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def readable_number(value: float, digits: int = 4) -> str:
    """A value as a report prints it: ``digits`` significant digits, thousands written out with separators
    (11,270, not 1.127e+04), an exponent only below 0.001 and from 1e15 (fill values); n/a when not finite."""
    if not math.isfinite(value):
        return "n/a"
    rounded = round_significant(float(value), digits)
    if rounded == 0:
        return "0"
    if abs(rounded) < 1e-3 or abs(rounded) >= 1e15:
        return f"{rounded:.{digits - 1}e}"
    if abs(rounded) >= 1e4:
        return f"{rounded:,.0f}"
    if abs(rounded) >= 10**digits:  # more whole digits than asked for: 'g' would write 160 as 1.6e+02
        return f"{rounded:.0f}"
    return f"{rounded:.{digits}g}"


def _valid(values: np.ndarray) -> np.ndarray:
    data = np.asarray(values, dtype=np.float64).ravel()
    return data[np.isfinite(data)]


def percentile_classes(
    values: np.ndarray, percentiles: Sequence[float] = ATLAS_PERCENTILES, unit: str = "", digits: int = 3
) -> List[LegendClass]:
    """Classes limited at ``percentiles`` of the finite ``values``, limits rounded to ``digits`` significant
    digits; limits that round to the same number are merged. Labels read '12.7 – 19.1 ppm (P25–P50)'; the last
    class is '> limit (above P98)'. Empty list when there are no finite values."""
    data = _valid(values)
    if data.size == 0:
        return []
    limits = [round_significant(float(v), digits) for v in np.percentile(data, list(percentiles))]
    suffix = f" {unit}" if unit else ""
    merged: List[Tuple[float, str]] = []  # (limit, the highest percentile rounding to it)
    for limit, p in zip(limits, percentiles):
        if merged and limit <= merged[-1][0]:
            merged[-1] = (merged[-1][0], f"P{p:g}")  # a tie (many equal values, coarse rounding): one class
        else:
            merged.append((limit, f"P{p:g}"))
    classes: List[LegendClass] = []
    lower: Optional[float] = None
    lower_p = ""
    for limit, p_text in merged:
        if lower is None:
            label = f"≤ {format_number(limit, digits)}{suffix} (≤ {p_text})"
        else:
            label = f"{format_number(lower, digits)} – {format_number(limit, digits)}{suffix} ({lower_p}–{p_text})"
        classes.append(LegendClass(limit, label))
        lower, lower_p = limit, p_text
    top = merged[-1][0]
    classes.append(LegendClass(math.inf, f"> {format_number(top, digits)}{suffix} (above {lower_p})"))
    return classes


def area_rank_classes(values: np.ndarray, tops: Sequence[float] = AREA_TOPS) -> List[LegendClass]:
    """Classes of the most prospective ``tops`` % of the area (valid cells), least prospective class first.

    The class 'Top 1 %' holds the cells whose value is at least the 99th percentile, and so on; the first class
    is the rest of the area. Limits are exact (unrounded) values so that the shares hold; ties at a limit go to
    the more prospective class. Empty list when there are no finite values.
    """
    data = _valid(values)
    if data.size == 0:
        return []
    ordered = sorted(tops, reverse=True)  # 20, 10, 5, 1
    limits = [float(np.percentile(data, 100.0 - top)) for top in ordered]
    classes: List[LegendClass] = []
    previous_top = 100.0
    for limit, top in zip(limits, ordered):
        below = float(np.nextafter(limit, -np.inf))  # cells equal to the limit belong to the class above
        if classes and below <= classes[-1].upper:
            continue  # ties: the two shares cannot be told apart
        if classes:
            label = f"Top {top:g}–{previous_top:g} % of the area"
        else:
            label = f"Rest of the area (lowest {100 - top:g} %)"
        classes.append(LegendClass(below, label))
        previous_top = top
    classes.append(LegendClass(math.inf, f"Top {previous_top:g} % of the area"))
    return classes
