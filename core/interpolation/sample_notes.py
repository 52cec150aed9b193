"""What interpolate says about a sample table before it grids it: the checks that read only numbers.

Each function takes the samples' coordinates and values (one column per element field, NaN where a sample holds
no value) or plain figures, and returns what to say, in order: warnings as text, or :class:`Note` objects where a
function has information lines too (:func:`levelled_notes`); the adapter prints them. None of them changes the
values but :func:`substitute_for_log`, which returns the values it changed beside its notes.
"""

from __future__ import annotations

from typing import List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from ..io.values import same_unit, substitute_nonpositive
from ..qaqc import SPIKE_OVER_MEDIAN, isolated_highs
from . import levelling
from .selection import TRANSFORM_LABELS


class Note(NamedTuple):
    """A line for the log: a warning, or (``warning`` False) an information."""

    text: str
    warning: bool = True


def limit_spread_note(name: str, limits: Sequence[float]) -> Optional[str]:
    """A field whose detection limits lie :data:`.levelling.DISPARITY_FACTOR` x apart or more
    (:func:`.levelling.limit_spread`): two methods or laboratories, which SURVEY_FIELD could level."""
    spread = levelling.limit_spread(limits)
    if not spread:
        return None
    return (
        f"{name}: detection limits {spread[0]:g} and {spread[1]:g} ({spread[1] / spread[0]:.0f} x apart) "
        "in one field: the samples probably come from different methods or laboratories; name them in "
        "SURVEY_FIELD to level them."
    )


def spatial_median_notes(fields: Sequence[str], xy: np.ndarray, values: np.ndarray) -> List[str]:
    """Per field, a warning when the medians of two groups of samples lying apart (:func:`.levelling.spatial_groups`)
    differ more than :data:`.levelling.DISPARITY_FACTOR` x: surveys compiled side by side, unlevelled."""
    groups = levelling.spatial_groups(xy)
    out = []
    for j, name in enumerate(fields):
        found = levelling.median_disparity(values[:, j], groups)
        if found:
            out.append(
                f"{name}: the median of one group of samples ({found[3]:.4g}) is {found[3] / found[1]:.0f} x "
                f"that of another ({found[1]:.4g}), the groups lying apart: if they are different surveys "
                "or laboratories, name them in SURVEY_FIELD to level them before gridding."
            )
    return out


def one_survey_note(surveys: Sequence[str]) -> Optional[str]:
    """The warning for a SURVEY_FIELD (``surveys``: its distinct values, sorted) that names one survey only."""
    if len(surveys) != 1:
        return None
    return (
        f"SURVEY_FIELD: every sample is of one survey ('{surveys[0]}'), so there is nothing to level it onto "
        "and the values are gridded as they are; choose the field that tells the surveys or laboratories "
        "apart, or leave SURVEY_FIELD empty."
    )


def survey_median_note(name: str, values: np.ndarray, surveys: np.ndarray) -> Optional[str]:
    """A warning when the medians of two surveys of one field differ more than
    :data:`.levelling.DISPARITY_FACTOR` x before levelling."""
    found = levelling.median_disparity(values, surveys)
    if not found:
        return None
    return (
        f"{name}: survey medians differ {found[3] / found[1]:.0f} x (survey '{found[0]}' {found[1]:.4g}, "
        f"survey '{found[2]}' {found[3]:.4g}) before levelling."
    )


def levelled_notes(name: str, rows: Sequence[levelling.SurveyLevel]) -> List[Note]:
    """A field's levelling, survey by survey: a warning for a survey too small to level, the medians before and
    after for each survey levelled."""
    out = []
    for r in rows:
        if r.note.startswith("not levelled"):
            out.append(Note(f"{name}: survey '{r.survey}' {r.note} (too few to level)."))
        elif r.levelled:
            out.append(
                Note(
                    f"{name}: survey '{r.survey}' ({r.n} values) levelled: median {r.median_before:.4g} -> "
                    f"{r.median_after:.4g}",
                    warning=False,
                )
            )
    return out


def constant_notes(fields: Sequence[str], values: np.ndarray) -> List[str]:
    """A warning for each field whose samples (two or more) all hold one value (e.g. all below one detection limit):
    its band is that value everywhere, no evidence for the later steps, which warn again or refuse it."""
    out = []
    for j, name in enumerate(fields):
        finite = values[np.isfinite(values[:, j]), j]
        if finite.size > 1 and finite.min() == finite.max():
            out.append(
                f"{name}: every sample holds the same value ({finite[0]:g}), so its band is {finite[0]:g} "
                "everywhere: it shows no anomaly and carries no evidence for the later steps. Check the field "
                "(every value below one detection limit?), or leave it out."
            )
    return out


def isolated_high_notes(fields: Sequence[str], xy: np.ndarray, values: np.ndarray) -> List[str]:
    """A warning for a value, or a few, standing alone far above the rest of its field
    (:func:`..qaqc.isolated_highs`; the first three given with their places): gridded, it makes a bull's eye and
    sets the cross-validation's RMSE, whether it is a nugget or an error."""
    out = []
    for j, name in enumerate(fields):
        found = isolated_highs(values[:, j])
        if found is None:
            continue
        lowest, median, below = found
        where = np.flatnonzero(values[:, j] >= lowest)
        at = "; ".join(f"{values[i, j]:,.6g} at {xy[i, 0]:.0f}, {xy[i, 1]:.0f}" for i in where[:3])
        out.append(
            f"{name}: {where.size} sample(s) hold(s) values at least {SPIKE_OVER_MEDIAN:g} x the median "
            f"({median:.4g}) and {lowest / below:.0f} x the next value ({below:.4g}), standing alone ({at}): a "
            "nugget, or an error (a value in ppb or in % typed in ppm, a misplaced decimal)? Gridded, it makes a "
            "bull's eye of its own and dominates the cross-validation's RMSE. Check it against the laboratory's "
            f'certificate; to map the other samples without it, filter the layer (e.g. "{name}" < {below * 2:.4g}).'
        )
    return out


def zero_notes(fields: Sequence[str], values: np.ndarray, censored: Sequence[int], signed: Sequence[bool]) -> List[str]:
    """A warning for each field that writes below detection as '<x' (or -x: ``censored`` such entries, not
    ``signed``, whose negatives are real values) and holds zeros too: it has no need of 0 for below detection, so
    its zeros may be 'not analysed'. A field that writes no '<x' (the Lapland till's Ni, Co, Zr) uses 0 for below
    detection and is not warned of."""
    out = []
    for j, name in enumerate(fields):
        zeros = int(np.count_nonzero(values[:, j] == 0))
        if zeros and censored[j] > 0 and not signed[j]:
            out.append(
                f"{name}: {zeros} of {int(np.isfinite(values[:, j]).sum())} values are 0, read as at or "
                "below detection (the field's lowest values). Laboratories report no concentration as 0, "
                "but tables write 0 for 'not analysed' or an empty cell: if these are, set them to NULL "
                f'(Field Calculator: NULLIF("{name}", 0)) and run again, or they map as lows.'
            )
    return out


def field_transforms(
    fields: Sequence[str],
    shares: Sequence[float],
    choice: str,
    limit: float,
    log_transform: bool,
    fixed: bool,
    signed: Sequence[bool],
    constant: Sequence[bool],
) -> Tuple[List[str], List[str]]:
    """Per field, the transform it is gridded on ("none", "log" or "normal_score"), and the warnings of the choice.

    ``choice`` is TRANSFORM ("auto", "log_setting" or "normal_score"); ``limit`` the share of values at or below
    detection (``shares``, one per field) above which a field is heavily censored and "auto" moves it to normal
    scores, unless a ``fixed`` variogram is given (it is in the units TRANSFORM and LOG_TRANSFORM say). A ``signed``
    field (its negatives real values) has no logarithm: it is gridded on raw values. A ``constant`` field (one value,
    e.g. every sample below one detection limit) has no normal scores: its band is that value everywhere, as
    :func:`constant_notes` says."""
    base = "log" if log_transform else "none"
    out, notes = [], []
    for name, share, real_negatives, one_value in zip(fields, shares, signed, constant):
        if one_value:  # normal scores need two values; censored or not, the band is the one value
            out.append(base)
            continue
        transform = "normal_score" if choice == "normal_score" else base
        if transform == "log" and real_negatives:
            transform = "none"
            notes.append(
                f"{name}: its negative values are real values (see above) and have no logarithm, so it is "
                "interpolated on raw values, not on log values as LOG_TRANSFORM asks (setting them to a small "
                "positive substitute would erase every negative anomaly). For a skewed field set TRANSFORM to "
                "normal scores."
            )
        if share > limit:
            if choice == "auto" and fixed:
                how = (
                    f"it stays on {TRANSFORM_LABELS[transform]}, the units of the fixed variogram (set TRANSFORM "
                    "to normal scores, with a variogram of normal scores, for the censoring-aware transform)."
                )
            elif choice == "auto":
                transform = "normal_score"
                how = (
                    "so it is interpolated on normal scores, the censored values sharing one score, rather "
                    "than as one constant substitute (set TRANSFORM to 'As LOG_TRANSFORM' to override)."
                )
            else:
                how = f"it is interpolated on {TRANSFORM_LABELS[transform]} as TRANSFORM asks."
            notes.append(
                f"{name}: heavily censored: {100 * share:.0f} % of the values are at or below detection "
                f"(more than CENSORED_SHARE = {100 * limit:.0f} %); {how}"
            )
        out.append(transform)
    return out, notes


#: a substitute for values <= 0 this many times below the field's median gets the advice to give the limit
DEEP_SUBSTITUTE = 100.0


def substitute_for_log(
    fields: Sequence[str], values: np.ndarray, transforms: Sequence[str]
) -> Tuple[np.ndarray, List[str]]:
    """A copy of ``values`` where the values <= 0 of the fields gridded on logarithms are half the field's smallest
    positive value (:func:`..io.values.substitute_nonpositive`), and a warning for each field changed."""
    values = values.copy()
    notes = []
    for j, name in enumerate(fields):
        if transforms[j] != "log":
            continue
        column = values[:, j]
        positive = column[np.isfinite(column) & (column > 0)]
        values[:, j], replaced, substitute = substitute_nonpositive(column)
        if replaced:
            note = (
                f"{name}: {replaced} values <= 0 set to {substitute:g}, half the smallest positive value, "
                "before the log transform."
            )
            median = float(np.median(positive)) if positive.size else 0.0
            if substitute > 0 and median / substitute >= DEEP_SUBSTITUTE:
                # review 36: Zr's zeros at 0.0055 beside a median of 12 made lows 2,000 times below the data's
                note += (
                    f" That is {median / substitute:,.0f} times below the median ({median:g}), so the map dips "
                    "that deep around them. If 0 codes 'below detection', write those values as '<' and the "
                    "laboratory's limit (half the limit is then used), or set TRANSFORM to normal scores."
                )
            notes.append(note)
    return values, notes


def merged_sites_note(fields: Sequence[str], transforms: Sequence[str], samples: int, sites: int) -> str:
    """The warning that ``samples`` samples lie at ``sites`` sites and were averaged site by site, each field in the
    space it is gridded in (:func:`.selection.merge_sites`)."""
    spaces = []
    logs = [f for f, t in zip(fields, transforms) if t == "log"]
    scores = [f for f, t in zip(fields, transforms) if t == "normal_score"]
    raw = [f for f, t in zip(fields, transforms) if t not in ("log", "normal_score")]
    if logs:
        spaces.append(
            f"{', '.join(logs)} on log values (the geometric mean, "
            "as they are gridded on logarithms: 10 and 1000 give 100, not 505)"
        )
    if scores:
        spaces.append(
            f"{', '.join(scores)} on normal scores (as they are gridded on them: the mean of the samples' "
            "scores, taken back to the value of that score, so a site ranks where its samples rank together, "
            "not where the raw mean of a low value and a high duplicate would put it)"
        )
    if raw:
        spaces.append(f"{', '.join(raw)} on their values")
    return (
        f"INPUT: the {samples} samples lie at {sites} sites: samples sharing a site (field duplicates, "
        f"repeated analyses) were averaged, one value per field and site: {'; '.join(spaces)}."
    )


def stated_unit_notes(
    fields: Sequence[str], band_units: Sequence[str], given_units: Sequence[str], units_default: bool
) -> List[Note]:
    """A note for each field whose name states a unit (``band_units``) other than the one UNITS gives it
    (``given_units``, '' where UNITS names none for it: nothing to contradict); only information while UNITS is at
    its default ('ppm' for the fields that name no unit: Au_ppb beside it is no contradiction)."""
    return [
        Note(
            f"UNITS: the field '{name}' states its unit, {unit}, and UNITS says '{units}': its band and legend use "
            f"{unit}, the unit in the field's name. If its values are in {units or 'another unit'}, rename the field.",
            warning=not units_default,
        )
        for name, unit, units in zip(fields, band_units, given_units)
        if units and not same_unit(unit, units)
    ]
