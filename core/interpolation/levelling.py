"""Levelling of compiled surveys, and the checks that find unlevelled ones.

Surveys compiled from several companies, laboratories or digests differ by method (a total digest next to a
weak partial leach differs by a factor 10-30 in Cu). Gridded as one, the survey boundaries become the
anomalies. Levelling brings every survey onto a **reference survey** (by default the one with most samples,
whose values are left as they are), per element, before gridding:

* ``median_iqr``: on log10 values, ``y' = med_ref + (y - med_s) * IQR_ref / IQR_s`` (a survey whose IQR is 0
  is only shifted). Values <= 0 (which have no logarithm) are left as they are.
* ``quantile``: quantile mapping: a value at plotting position ``p = (rank - 0.5) / n_s`` in its survey
  (average rank for ties) becomes the reference survey's ``p`` quantile (Hazen plotting positions, linear
  interpolation between them: a survey that is the reference times a factor maps onto it exactly).

A survey with fewer than ``min_samples`` values is not levelled (too few to estimate its median and spread)
and is reported. Levelling removes real regional differences between the surveys' areas too: use it where
the surveys overlap or sample comparable geology.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..errors import InputError
from ..neighbours import linked_clusters, sample_spacing

LEVELLING = ("median_iqr", "quantile")
#: surveys with fewer values are not levelled
MIN_SURVEY_SAMPLES = 10
#: medians or detection limits that differ by more than this factor between surveys (or clusters) are reported
DISPARITY_FACTOR = 10.0


@dataclass
class SurveyLevel:
    """One survey's figures for one element, before and after levelling (log10 IQR of the positive values)."""

    survey: str
    element: str
    n: int
    median_before: float
    median_after: float
    iqr_log10_before: float
    iqr_log10_after: float
    levelled: bool
    note: str = ""

    def row(self) -> List[object]:
        numbers = (self.median_before, self.median_after, self.iqr_log10_before, self.iqr_log10_after)
        return [self.survey, self.element, self.n] + [f"{v:.6g}" for v in numbers] + [self.levelled, self.note]


CSV_HEADER = [
    "survey",
    "element",
    "n",
    "median_before",
    "median_after",
    "iqr_log10_before",
    "iqr_log10_after",
    "levelled",
    "note",
]


def _median(z: np.ndarray) -> float:
    return float(np.median(z)) if z.size else math.nan


def _iqr_log10(z: np.ndarray) -> float:
    positive = z[z > 0]
    if positive.size < 2:
        return math.nan
    q1, q3 = np.percentile(np.log10(positive), [25, 75])
    return float(q3 - q1)


def reference_survey(values: np.ndarray, surveys: np.ndarray) -> str:
    """The survey with the most finite values (the first in sorted order on a tie)."""
    names = sorted(set(surveys.tolist()))
    counts = [int(np.sum(np.isfinite(values[surveys == s]))) for s in names]
    return names[int(np.argmax(counts))]


def level(
    values: np.ndarray,
    surveys: Sequence[str],
    element: str,
    method: str = "median_iqr",
    reference: Optional[str] = None,
    min_samples: int = MIN_SURVEY_SAMPLES,
) -> Tuple[np.ndarray, List[SurveyLevel]]:
    """Levelled copy of one element's ``values`` (NaN = missing) and one :class:`SurveyLevel` per survey."""
    if method not in LEVELLING:
        raise InputError(f"unknown levelling '{method}'; use one of {', '.join(LEVELLING)}.", "LEVELLING")
    values = np.asarray(values, dtype=np.float64)
    labels = np.asarray([str(s) for s in surveys])
    if labels.shape != values.shape:
        raise InputError("one survey name is needed per sample.", "SURVEY_FIELD")
    reference = reference if reference is not None else reference_survey(values, labels)
    out = values.copy()
    ref = values[(labels == reference) & np.isfinite(values)]
    if ref.size < min_samples:
        raise InputError(
            f"the reference survey '{reference}' has only {ref.size} values of {element}; at least {min_samples} "
            "are needed to level the others onto it.",
            "SURVEY_FIELD",
        )
    ref_positive = np.log10(ref[ref > 0])
    ref_median = float(np.median(ref_positive)) if ref_positive.size else math.nan
    ref_iqr = _iqr_log10(ref)
    rows = []
    for name in sorted(set(labels.tolist())):
        members = (labels == name) & np.isfinite(values)
        z = values[members]
        before = (_median(z), _iqr_log10(z))
        note = ""
        levelled = False
        if name == reference:
            note = "reference survey"
        elif z.size < min_samples:
            note = f"not levelled: {z.size} values, fewer than {min_samples}"
        elif method == "median_iqr":
            positive = z > 0
            if positive.sum() < min_samples or not math.isfinite(ref_median):
                note = f"not levelled: {int(positive.sum())} positive values, fewer than {min_samples}"
            else:
                y = np.log10(z[positive])
                median = float(np.median(y))
                spread = _iqr_log10(z)
                scale = ref_iqr / spread if spread > 0 and math.isfinite(ref_iqr) else 1.0
                z = z.copy()
                z[positive] = 10.0 ** (ref_median + (y - median) * scale)
                levelled = True
                if scale == 1.0 and not spread > 0:
                    note = "IQR 0: shifted only"
        else:
            from scipy.stats import rankdata

            p = (rankdata(z) - 0.5) / z.size
            z = np.quantile(ref, p, method="hazen")
            levelled = True
        out[members] = z
        rows.append(
            SurveyLevel(name, element, int(z.size), before[0], _median(z), before[1], _iqr_log10(z), levelled, note)
        )
    return out, rows


def median_disparity(
    values: np.ndarray, groups: np.ndarray, min_samples: int = 5, factor: float = DISPARITY_FACTOR
) -> Optional[Tuple[str, float, str, float]]:
    """(lowest group, its median, highest group, its median) when the medians of groups of at least
    ``min_samples`` finite values differ by more than ``factor``; None otherwise (or with no positive median)."""
    medians: Dict[str, float] = {}
    for name in sorted(set(np.asarray(groups).tolist())):
        z = values[(groups == name) & np.isfinite(values)]
        if z.size >= min_samples:
            medians[str(name)] = float(np.median(z))
    positive = {k: v for k, v in medians.items() if v > 0}
    if len(positive) < 2:
        return None
    low = min(positive, key=lambda k: positive[k])
    high = max(positive, key=lambda k: positive[k])
    if positive[high] > factor * positive[low]:
        return low, positive[low], high, positive[high]
    return None


def spatial_groups(xy: np.ndarray, spacing_factor: float = 5.0, neighbour: int = 5) -> np.ndarray:
    """Groups of samples separated by gaps wider than ``spacing_factor`` x the samples' spacing, their median
    distance to the ``neighbour``-th nearest other sample (single linkage): surveys compiled side by side with a gap
    between them fall into separate groups. The ``neighbour``-th, not the nearest, reads a survey's spacing through
    close pairs and nested designs: by its nearest sample (40 m) the Jura's one survey on a 250 m grid with nested
    pairs fell into 104 groups of up to 15 samples, whose medians then differed 13 times."""
    xy = np.asarray(xy, dtype=np.float64)
    if len(xy) < 3:
        return np.zeros(len(xy), dtype=np.int64)
    spacing = sample_spacing(np.unique(xy, axis=0), neighbour)  # samples sharing a site are not the spacing
    if spacing <= 0:
        return np.zeros(len(xy), dtype=np.int64)
    return linked_clusters(xy, spacing_factor * spacing)


def limit_spread(limits: Sequence[float], factor: float = DISPARITY_FACTOR) -> Optional[Tuple[float, float]]:
    """(smallest, largest) detection limit when they differ by ``factor`` or more (two methods or laboratories,
    e.g. gold at <5 and <0.5 ppb; one method's limit moves by a dilution of 2-5 times), else None."""
    positive = [v for v in limits if v > 0]
    if len(positive) < 2 or max(positive) < factor * min(positive) * (1 - 1e-9):
        return None
    return min(positive), max(positive)


def write_csv(path: str, rows: Sequence[SurveyLevel], parameter: str = "OUTPUT_SURVEYS") -> None:
    """One row per survey and element (see :data:`CSV_HEADER`)."""
    from ..io.outputs import write_text
    from ..io.tables import csv_text

    write_text(path, csv_text(CSV_HEADER, (r.row() for r in rows)), parameter)


def levelling_record(field: Optional[str], method: str, rows: Sequence[SurveyLevel]) -> Optional[Dict[str, object]]:
    """What the provenance records of the levelling: the survey ``field`` (None where no field was given, and no
    levelling), the ``method`` by name, and each survey's and element's figures (sample count, medians before and
    after, whether it was levelled, the note)."""
    if not field:
        return None
    return {
        "field": field,
        "method": method,
        "surveys": [
            {"survey": r.survey, "element": r.element, "n": r.n, "median_before": r.median_before,
             "median_after": r.median_after, "levelled": r.levelled, "note": r.note}
            for r in rows
        ],
    }  # fmt: skip
