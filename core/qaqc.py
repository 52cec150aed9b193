"""Quality-control rows left in a table of field samples: certified reference materials (standards) and blanks,
which laboratories analyse beside the samples and databases often export with them. Their values are the reference
material's, not the ground's; they carry the coordinates of the sample they were inserted after, or none."""

import re
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .errors import InputError
from .reports.cells import ranked_counts

#: a value that names a standard or a blank: OREAS-45d, CRM-7, SRM 2711, STD, Standard, CDN-GS-1, GBM310-13,
#: AMIS0137, SARM-1, TILL-4, LKSD-2, STSD-3, BLK, Blank, BLK-2 (whole words, any case; a sample id such as
#: 'STD123A' is read as a standard, 'STREAM-4', 'BLACK' or a till survey's 'TILL-2019-001' is not: CANMET's
#: TILL, LKSD and STSD reference materials are numbered 1 to 4)
QC_VALUE = re.compile(
    r"^\s*((oreas|crm|srm|std|standard|cdn|gbm|amis|sarm|blk|blank)(?=$|[\s\-_#:./]|\d)"
    r"|(till|lksd|stsd)-[1-4](?![0-9]))",
    re.IGNORECASE,
)
#: the fields read for :data:`QC_VALUE`: a sample's identifier or its QC type (sample_id, SampleNo, qc_type,
#: Lab_ID, Name, Type …), not free text such as a remark ('standard sieving') or a lithology
QC_FIELD = re.compile(
    r"(^|[^a-z])(id|ids|no|num|number|name|code|label|sample|samples|samp|smp|qc|qaqc|qa|type|kind|class|"
    r"status|lab|standard|control)($|[^a-z])|sampleid|sampleno|samplename|samplenumber|samplecode|sampletype|"
    r"qctype|labid",
    re.IGNORECASE,
)


def quality_control_samples(columns: Dict[str, Sequence[object]]) -> Tuple[np.ndarray, Dict[str, Counter]]:
    """Which rows are standards or blanks (True), by a text value that names one (:data:`QC_VALUE`) in a field of
    ``columns`` (field name -> one value per row) that holds identifiers or QC types (:data:`QC_FIELD`), and per
    field the values that did (value -> rows)."""
    n = len(next(iter(columns.values()))) if columns else 0
    flagged = np.zeros(n, dtype=bool)
    found: Dict[str, Counter] = {}
    for name, column in columns.items():
        if not QC_FIELD.search(name.replace(" ", "_")):
            continue
        for i, value in enumerate(column):
            if isinstance(value, str) and QC_VALUE.match(value):
                flagged[i] = True
                found.setdefault(name, Counter())[value.strip()] += 1
    return flagged, found


def quality_control_note(flagged: np.ndarray, found: Dict[str, Counter], left_out: str) -> Optional[str]:
    """The warning for the standards and blanks :func:`quality_control_samples` found (``flagged``, ``found``),
    saying what was done with them (``left_out``: "they were left out"); None when there are none. Raises
    :class:`InputError` (INPUT) when every sample is one: there is no field sample to use."""
    if not flagged.any():
        return None
    if flagged.all():
        raise InputError(
            f"every sample is a standard or a blank by its {', '.join(found)} (e.g. "
            f"'{next(iter(next(iter(found.values()))))}'), not a field sample; choose the layer of field samples.",
            "INPUT",
        )
    named = "; ".join(
        f"'{name}': " + ", ".join(f"'{v}' {c}" for v, c in counts.most_common(4)) for name, counts in found.items()
    )
    return (
        f"INPUT: {int(flagged.sum())} of the {flagged.size} samples are quality-control samples, not field samples "
        f"({named}): certified standards and blanks hold the laboratory's reference values, not the ground's, "
        f"so {left_out}. If some are field samples after all, rename their values in that field."
    )


#: a field holding each sample's own identifier (sample_id, SampleNo, Lab_ID, Name …), not a category (type, class)
ID_FIELD = re.compile(
    r"(^|[^a-z])(id|no|num|number|name|code|label|sample)($|[^a-z])|sampleid|sampleno|samplename|samplenumber|"
    r"samplecode|labid",
    re.IGNORECASE,
)
#: the fewest rows, and sites, an identifier must be repeated over to be read as a laboratory's own standard
REPEATED_SITES = 3


def repeated_identifiers(
    columns: Dict[str, Sequence[object]], xy: np.ndarray, skip: Optional[np.ndarray] = None
) -> Dict[str, Dict[str, int]]:
    """Identifiers given to samples at :data:`REPEATED_SITES` or more different sites, in a field of ``columns``
    named as an identifier (:data:`ID_FIELD`) whose other values are each one sample's (nine in ten values unique,
    20 at least): a laboratory's own standard or blank ('GTK-1', 'LAB-STD'), which carries the coordinates of the
    sample it followed. Field duplicates share their sample's site, and are not. ``skip`` marks rows already known
    as QC samples. Per field: value -> how many sites."""
    pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    found: Dict[str, Dict[str, int]] = {}
    for name, column in columns.items():
        if not ID_FIELD.search(name.replace(" ", "_")):
            continue
        rows: Dict[str, list] = {}
        for i, value in enumerate(column):
            text = str(value).strip() if value is not None else ""
            if text and text.lower() not in ("null", "nan") and (skip is None or not skip[i]):
                rows.setdefault(text, []).append(i)
        filled = sum(len(r) for r in rows.values())
        if filled < 20 or len(rows) < 0.9 * filled:
            continue
        for value, where in rows.items():
            if len(where) < REPEATED_SITES:
                continue
            sites = len(np.unique(np.round(pts[where], 6), axis=0))
            if sites >= REPEATED_SITES:
                found.setdefault(name, {})[value] = sites
    return found


#: a field holding each row's unit (a laboratory export's 'unit' / 'UOM' column)
UNIT_FIELD = re.compile(
    r"^(units?|uom|unit_?of_?measure(ment)?|yksikk[oö]|einheit|unit[e\u00e9]s?)$|_units?$", re.IGNORECASE
)
#: unit words (lower case, spaces removed) and how many ppm one of each is, where it is a mass fraction
UNIT_PPM = {
    "%": 10_000.0, "pct": 10_000.0, "wt%": 10_000.0, "percent": 10_000.0,
    "ppm": 1.0, "mg/kg": 1.0, "g/t": 1.0, "µg/g": 1.0, "ug/g": 1.0,
    "ppb": 1e-3, "µg/kg": 1e-3, "ug/kg": 1e-3, "ng/g": 1e-3, "mg/t": 1e-3,
    "ppt": 1e-6, "ng/kg": 1e-6,
}  # fmt: skip


def mixed_units(columns: Dict[str, Sequence[object]]) -> Optional[Tuple[str, Counter]]:
    """The first unit field (:data:`UNIT_FIELD`) of ``columns`` whose rows give two or more different mass-fraction
    units (:data:`UNIT_PPM`: '%' and 'ppm', 'ppm' and 'ppb' …; the same unit written two ways, 'ppm' and 'mg/kg',
    is one): (field, unit as written -> rows), else None."""
    for name, column in columns.items():
        if not UNIT_FIELD.search(name):
            continue
        counts: Counter = Counter()
        for value in column:
            if isinstance(value, str) and value.strip():
                counts[value.strip()] += 1
        scales = {UNIT_PPM.get(unit.lower().replace(" ", "")) for unit in counts}
        if None not in scales and len(scales) >= 2:
            return name, counts
    return None


#: a field naming each sample's medium (till, soil, stream sediment, a soil horizon …)
MEDIUM_FIELD = re.compile(
    r"^(medium|media|sample_?medium|sample_?type|material|matrix|horizon|soil_?horiz\w*|sample_?media)$",
    re.IGNORECASE,
)


#: values of a sample-type field that name a sample's role in quality control, not its medium
QC_ROLE = re.compile(
    r"^\s*(routine|field|original|primary|regular|normal|sample|dup|duplicate|field[\s_-]?dup\w*|rep|repeat|"
    r"replicate|check|split|pulp|reject)\s*$",
    re.IGNORECASE,
)


def sample_media(columns: Dict[str, Sequence[object]]) -> Optional[Tuple[str, Counter]]:
    """The first medium field (:data:`MEDIUM_FIELD`) of ``columns`` holding two or more media (values that are no
    quality-control word, :data:`QC_VALUE`, nor a QC role such as 'routine' or 'duplicate', :data:`QC_ROLE`):
    (field, medium -> rows), else None."""
    for name, column in columns.items():
        if not MEDIUM_FIELD.search(name):
            continue
        counts: Counter = Counter(
            value.strip()
            for value in column
            if isinstance(value, str) and value.strip() and not QC_VALUE.match(value) and not QC_ROLE.match(value)
        )
        if len(counts) >= 2:
            return name, counts
    return None


def read_fields(name: str) -> bool:
    """Whether a field of this name is read by :func:`quality_control_samples`, :func:`mixed_units` or
    :func:`sample_media` (the only fields worth reading from a layer for them)."""
    return bool(QC_FIELD.search(name.replace(" ", "_")) or UNIT_FIELD.search(name) or MEDIUM_FIELD.search(name))


#: a value this many times the field's median (of its positive values) and ...
SPIKE_OVER_MEDIAN = 1000.0
#: ... this many times the next value below it stands alone: a nugget, or a unit or typing error
SPIKE_OVER_NEXT = 10.0
#: at most this many values are looked at from the top (a spike is one sample, or a few)
SPIKE_MOST = 5


def isolated_highs(values: np.ndarray) -> Optional[Tuple[float, float, float]]:
    """The lowest of the few highest values that stand alone above the rest of a field, as (that value, the
    median of the positive values, the next value below them), or None. A value stands alone when it is at least
    :data:`SPIKE_OVER_MEDIAN` x the median and :data:`SPIKE_OVER_NEXT` x the next value down (one of the top
    :data:`SPIKE_MOST`): a gold nugget, a grade in ppm typed into a ppb field, a misplaced decimal. A population of
    high values (ore samples) rises by steps and is not one."""
    finite = values[np.isfinite(values)]
    positive = finite[finite > 0]
    if positive.size < 3:
        return None
    median = float(np.median(positive))
    top = np.sort(positive)[::-1][: SPIKE_MOST + 1]
    for k in range(min(SPIKE_MOST, top.size - 1)):
        if top[k] >= SPIKE_OVER_MEDIAN * median and top[k] >= SPIKE_OVER_NEXT * top[k + 1]:
            return float(top[k]), median, float(top[k + 1])
    return None


def mixed_units_note(unit_field: str, units: Counter, element: str) -> str:
    """The warning for a unit field (:func:`mixed_units`: ``units``, unit as written -> rows) that gives the samples'
    values in two or more units: the factor between the most common and the first other, and the Field Calculator
    expression that converts ``element`` (the first element field) to one unit."""
    shown = ", ".join(f"'{u}' {c}" for u, c in units.most_common(4))

    def ppm(unit: str) -> float:
        return UNIT_PPM[unit.lower().replace(" ", "")]

    common = units.most_common(1)[0][0]
    other = next(u for u, _ in units.most_common() if ppm(u) != ppm(common))
    factor = ppm(other) / ppm(common)
    size = f"{factor:,.6g} times too small" if factor > 1 else f"{1 / factor:,.6g} times too large"
    return (
        f"INPUT: the field '{unit_field}' gives the samples' values in {len(units)} units ({shown}), but each "
        f"element field is gridded as one set of numbers: a value in '{other}' is read as if in '{common}', "
        f"{size}. Convert the values to one unit first (Field Calculator, e.g. for {element}: CASE WHEN "
        f'"{unit_field}" = \'{other}\' THEN "{element}" * {factor:g} ELSE "{element}" END), or '
        "interpolate each unit's samples apart."
    )


def table_notes(
    columns: Dict[str, Sequence[object]], xy: np.ndarray, element: str, survey_field: Optional[str] = None
) -> Tuple[np.ndarray, List[str]]:
    """The quality-control samples among the rows of ``columns`` (text fields, :func:`read_fields`; ``xy`` their
    places), True = a standard or blank to leave out (:func:`quality_control_samples`), and the warnings of the
    table, in order: values in several units (:func:`mixed_units_note`, ``element`` the first element field),
    samples of several media (unless the medium field is ``survey_field``, which levels them), one identifier at
    several sites (:func:`repeated_identifiers`), and the QC samples left out (:func:`quality_control_note`)."""
    notes = []
    mixed = mixed_units(columns)
    if mixed:
        notes.append(mixed_units_note(mixed[0], mixed[1], element))
    media = sample_media(columns)
    if media and media[0] != survey_field:
        medium_field, kinds = media
        shown, first = ranked_counts(kinds, "'{}' {}")
        notes.append(
            f"INPUT: the samples are of {len(kinds)} media by the field '{medium_field}' ({shown}), gridded "
            "together as one: each medium holds the elements at its own level, and samples of two media at one "
            "site are averaged. Interpolate one medium at a time (a layer filter such as "
            f"\"{medium_field}\" = '{first}'), or name the field in SURVEY_FIELD to level the media to each other."
        )
    flagged, found = quality_control_samples(columns)
    for field, repeated in repeated_identifiers(columns, xy, flagged).items():
        shown, first = ranked_counts(repeated, "'{}' at {} sites")
        notes.append(
            f"INPUT: the field '{field}' gives one sample's identifier to samples at several sites ({shown}), "
            "while its other values are each one sample's: a laboratory's own standard or blank, inserted after "
            "field samples and given their coordinates? Gridded, its reference values are averaged into the "
            f'field samples at those sites. If it is one, leave those rows out (a layer filter such as "{field}" '
            f"<> '{first}')."
        )
    note = quality_control_note(flagged, found, "they were left out")
    if note:
        notes.append(note)
    return flagged, notes
