"""The choice of every field's interpolator, and the lines of the log that say what was tried and why one won.

:func:`choose_interpolators` takes each field's candidates (:class:`.selection.Candidate`) and their
cross-validation scores and returns the interpolator of every field, the reason recorded with it, and the notes
(:class:`.sample_notes.Note`) to print, in order: the automatic choice and its runners-up, a best candidate that
predicts worse than the samples' mean, a variogram fitted to too few samples (only where kriging is chosen), and
:func:`.selection.kriging_warnings`.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from ..io.rasters import DETECTION_LIMITS_TAG, LOWEST_MEASURED_TAG
from ..io.values import ValueReport
from ..neighbours import sample_spacing
from ..reports.legend import readable_number
from . import crossval, selection
from .sample_notes import Note
from .selection import Candidate
from .variogram import MIN_VARIOGRAM_SAMPLES, Variogram

#: the units a variogram of each transform is fitted in, as the log names them
VARIOGRAM_UNITS = {"none": "value units squared", "log": "ln units", "normal_score": "normal-score units"}


def variogram_line(
    name: str,
    transform: str,
    variogram: Variogram,
    fits: Mapping[str, float],
    fixed: bool,
    estimator: str,
    length_unit: str = "",
) -> str:
    """The log's line for a field's variogram of ``transform``: the model kept (its range in ``length_unit``), how
    it was had (``fixed`` by the user; the Cressie-Hawkins ``estimator``), and the weighted SSE of every model
    fitted (``fits``, model -> SSE; empty for a fixed model)."""
    others = ", ".join(f"{m} {readable_number(c, 3)}" for m, c in fits.items())
    how = " (fixed)" if fixed else ""
    how += " (Cressie-Hawkins estimator)" if estimator == "cressie_hawkins" and not fixed else ""
    return f"{name}: variogram ({VARIOGRAM_UNITS[transform]}){how} {variogram.describe(length_unit)}" + (
        f" [weighted SSE: {others}]" if others else ""
    )


def few_samples_note(name: str, held: int) -> Optional[str]:
    """The warning for a variogram fitted to ``held`` samples, fewer than :data:`.variogram.MIN_VARIOGRAM_SAMPLES`
    (None for enough): too few pairs to tell its nugget, range and model apart. Given only where the field is
    kriged (:func:`choose_interpolators`): an automatic choice of IDW needs no variogram."""
    if held >= MIN_VARIOGRAM_SAMPLES:
        return None
    return (
        f"{name}: its variogram was fitted to {held} samples ({held * (held - 1) // 2} pairs), fewer than "
        f"{MIN_VARIOGRAM_SAMPLES}: too few to tell its nugget, range and model apart (Webster and Oliver "
        "advise 100 or more), so the kriged map and variance follow a guess. Give a variogram you know "
        "(VARIOGRAM_MODEL, VARIOGRAM_NUGGET, VARIOGRAM_SILL, VARIOGRAM_RANGE), or use IDW (METHOD 0)."
    )


def best_score_line(name: str, rows: Sequence[crossval.CvScore], unit: str = "") -> str:
    """The log's line for a field's cross-validation: the scheme and the best RMSE (in ``unit``, the field's), by
    which candidate; a candidate not run (NaN RMSE) never wins."""
    best = min(rows, key=lambda r: (not np.isfinite(r.rmse), r.rmse))
    shown = f" {unit}" if unit else ""
    return (
        f"{name}: cross-validation ({best.scheme}) best RMSE {best.rmse:.4g}{shown} by {best.method} ({best.settings})"
    )


def choose_interpolators(
    fields: Sequence[str],
    method: str,
    power: float,
    candidates: Sequence[Sequence[Candidate]],
    scores: Sequence[Sequence[crossval.CvScore]],
    spacings: Sequence[float],
    few_samples: Mapping[str, str],
    length_text: Callable[[float], str],
) -> Tuple[List[Candidate], Dict[str, str], List[Note]]:
    """The interpolator of every field, the reason for it (field -> text), and the notes to print.

    ``method`` is METHOD: "auto" keeps the candidate of smallest cross-validated RMSE (:func:`.selection.choose`),
    "idw" the IDW candidate at ``power``, "kriging" the kriging one. ``spacings``: each field's samples' median
    distance to their nearest neighbour, which a kriging variogram's structure must reach beyond;
    ``few_samples``: field -> :func:`few_samples_note`, said where the field is kriged."""
    chosen: List[Candidate] = []
    reasons: Dict[str, str] = {}
    notes: List[Note] = []
    for name, options, rows, spacing in zip(fields, candidates, scores, spacings):
        best: Optional[int] = None
        if method == "auto":
            best = selection.choose(options, rows)
            ranking = sorted(zip(options, rows), key=lambda pair: pair[1].rmse)
            runners = ", ".join(f"{c.label()} {r.rmse:.4g}" for c, r in ranking[1:4])
            reasons[name] = (
                f"lowest cross-validated RMSE {rows[best].rmse:.4g} ({rows[best].scheme}, R2 {rows[best].r2:.3g})"
                f" of {len(options)} candidates; next: {runners}"
            )
            notes.append(Note(f"{name}: automatic choice: {options[best].label()}: {reasons[name]}", warning=False))
            if rows[best].r2 < 0:  # every candidate predicts the samples worse than their mean does
                notes.append(
                    Note(
                        f"{name}: even the best interpolator predicts the samples worse than their mean does "
                        f"(cross-validated R2 {rows[best].r2:.3g}, {rows[best].n} samples): the map's highs and lows "
                        "are not supported by the samples around them. Read it as the samples' mean with spots, "
                        "sample more densely, or check the field."
                    )
                )
            chosen.append(options[best])
        elif method == "idw":
            chosen.append(next(c for c in options if c.method == "idw" and c.power == float(power)))
            reasons[name] = "METHOD = IDW"
        else:
            chosen.append(next(c for c in options if c.method == "kriging"))
            reasons[name] = "METHOD = ordinary kriging"
        few = few_samples.get(name)
        if few and chosen[-1].method == "kriging":
            notes.append(Note(few))
        # automatic: of the chosen candidate alone (a raw-value variogram left aside for the log one is no concern)
        for warning in selection.kriging_warnings(
            name, options, rows, only=best, spacing=spacing, length_text=length_text
        ):
            notes.append(Note(warning))
    return chosen, reasons, notes


def kriged_spacings(xy: np.ndarray, values: np.ndarray, candidates: Sequence[Sequence[Candidate]]) -> List[float]:
    """Per field (column of ``values``, NaN where a sample holds none), its samples' median distance to their
    nearest neighbour, which a kriging variogram's structure must reach beyond; 0 for a field with no kriging
    candidate. Fields every sample holds share one search."""
    shared: Optional[float] = None  # the spacing of all the samples, searched once
    out = []
    for j, options in enumerate(candidates):
        held = np.isfinite(values[:, j])
        if not any(c.method == "kriging" for c in options):
            out.append(0.0)
        elif held.all():
            shared = sample_spacing(xy) if shared is None else shared
            out.append(shared)
        else:
            out.append(sample_spacing(xy[held]))
    return out


def choice_record(c: Candidate, reason: str) -> Dict[str, Any]:
    """The provenance's record of a field's interpolator: its label, method, transform, the ``reason`` it was
    chosen, and its power (IDW) or variogram (kriging)."""
    out: Dict[str, Any] = {"interpolator": c.label(), "method": c.method, "transform": c.transform, "reason": reason}
    if c.method == "idw":
        out["power"] = c.power
    elif c.variogram is not None:
        out["variogram"] = c.variogram.as_dict()
    return out


def band_tags(
    fields: Sequence[str],
    chosen: Sequence[Candidate],
    reasons: Mapping[str, str],
    reports: Sequence[ValueReport],
    levelled: bool,
) -> List[Dict[str, str]]:
    """Each element band's tags: its interpolator, transform and why it was chosen; unless the values were
    ``levelled`` (onto another survey's scale, where the field's limits are not theirs), the field's detection limits
    (which anomalies warns of levels below) and, with them, its lowest measured value (a lower limit too)."""
    out = []
    for name, c, rep in zip(fields, chosen, reports):
        tags = {"interpolator": c.label(), "transform": c.transform, "choice": reasons[name]}
        if not levelled and rep.detection_limits:
            tags[DETECTION_LIMITS_TAG] = ",".join(f"{v:.15g}" for v in sorted(rep.detection_limits))
            if math.isfinite(rep.lowest_positive):
                tags[LOWEST_MEASURED_TAG] = f"{rep.lowest_positive:.15g}"
        out.append(tags)
    return out


def variance_units(c: Candidate) -> str:
    """The units of the variance band of a field gridded by ``c``: the square of the units it was kriged in."""
    if c.method == "idw":
        return "none (IDW gives no variance)"
    # a variance is in the square of the values' units: of ln values, of normal scores
    return {"none": "value units squared", "log": "ln units squared", "normal_score": "normal scores squared"}[
        c.transform
    ]


def recorded_variograms(
    fields: Sequence[str],
    chosen: Sequence[Candidate],
    candidates: Sequence[Sequence[Candidate]],
    transforms: Sequence[str],
) -> Dict[str, Dict[str, Any]]:
    """The variogram of every kriged field, else that of its kriging candidate in its own transform (field ->
    :meth:`.variogram.Variogram.as_dict`); a field with neither is left out."""
    out = {}
    for name, c, options, transform in zip(fields, chosen, candidates, transforms):
        if c.variogram is not None:
            out[name] = c.variogram.as_dict()
            continue
        for option in options:
            if option.variogram is not None and option.transform == transform:
                out[name] = option.variogram.as_dict()
    return out
