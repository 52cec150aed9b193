"""Turning attribute values as found in geochemistry tables into floats.

Text values are read per field, the way the table was written (see :func:`to_float_array`): thousands
separators, decimal commas, below-detection entries, NULL and other text.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from ..errors import InputError
from ..neighbours import linked_clusters

#: the largest magnitude a float32 band can hold (about 3.4e38); outputs are float32 GeoTIFFs
FLOAT32_MAX = float(np.finfo(np.float32).max)

#: a laboratory reports few detection limits: a field with more distinct negative values than this (and than
#: a tenth of its negative values) holds real negative values (levelled or centred data), not codes
MAX_NEGATIVE_CODES = 5


def is_fill_code(value: float) -> bool:
    """Whether a number is a missing-data code rather than a measurement or a below-detection code: -999, -9999,
    -99999 … (a minus sign and three or more nines). Tables and databases fill empty cells with these; read as
    "below the detection limit 9999" they would become a substitute of thousands of ppm, the largest value of
    the field."""
    if not (math.isfinite(value) and value <= -999 and float(value).is_integer()):
        return False
    digits = str(int(-value))
    return set(digits) == {"9"}


#: field names that hold identifiers, dates or quality flags rather than concentrations (matched case-insensitively)
NON_ELEMENT_FIELD = re.compile(
    r"^(fid|ogc_fid|id|objectid|gid|year|date|time|datetime)$|_flag$|^flag_|_id$|^id_|_date$|_year$",
    re.IGNORECASE,
)


def non_element_fields(names: Iterable[str]) -> List[str]:
    """The names among ``names`` that are plainly not element concentrations (``fid``, ``Year``, ``Cu_flag``,
    ``sample_id``…): QGIS's field chooser offers every field, and gridding one of these makes a meaningless band."""
    return [name for name in names if NON_ELEMENT_FIELD.search(name.strip())]


#: a word after a unit saying the field holds something derived from the concentration, in no unit ('Cu_pct_rank',
#: 'Au_ppb_log', 'Cu_ppm_z', 'ppm_flag')
_DERIVED = r"rank|pctl|percentile|log|log10|ln|z|zscore|score|flag|ratio|count|norm|normali[sz]ed|class"
#: a concentration unit written in a field name ('Au_ppb', 'Cu (ppm)', 'Fe2O3 wt%', 'Au_g/t', 'Au:ppb', 'Au.ppb' as R
#: writes 'Au ppb'), between separators
#: Russian laboratories write 'г/т' (g/t), 'мг/т' (mg/t = ppb), 'мг/кг', 'мкг/г'; Chinese tables head columns with the
#: mass fraction, 'Au(×10⁻⁹)', 'Cu/10⁻⁶', 'Au 10^-9' (ppb, ppm), and 'ng/g' for gold (ppb)
_UNIT_IN_NAME = re.compile(
    r"(?:^|[\s_\-(\[:,./])(ppm|ppb|pct|wt ?%|wt_pct|%|g/t|gpt|mg/kg|[uµ]g/kg|[uµ]g/g|ng/g"
    r"|мкг/кг|мкг/г|мг/кг|мг/т|г/т"
    r"|(?:[×x*·]\s?)?10\s?\^?\s?[-⁻−](?:12|6|9|2|¹²|⁶|⁹|²))(?=$|[\s_\-)\]])"
    rf"(?![\s_\-)\]]+(?:{_DERIVED})(?:$|[\s_\-)\]]))",
    re.IGNORECASE,
)


#: spellings of one unit: a field 'Fe2O3_pct' agrees with UNITS '%'
#: (1 g/t = 1e-6 by mass = 1 ppm; 1 mg/t = 1 ng/g = 1e-9 = 1 ppb)
_SAME_UNIT = {"pct": "%", "wt%": "%", "wt %": "%", "wt_pct": "%", "gpt": "ppm", "g/t": "ppm", "mg/kg": "ppm",
              "ug/g": "ppm", "µg/g": "ppm", "ug/kg": "ppb", "µg/kg": "ppb", "ng/g": "ppb", "mg/t": "ppb",
              "г/т": "ppm", "мг/т": "ppb", "мг/кг": "ppm", "мкг/г": "ppm", "мкг/кг": "ppb",
              "10-6": "ppm", "10-9": "ppb", "10-2": "%", "10-12": "ppt"}  # fmt: skip


def same_unit(a: str, b: str) -> bool:
    """Whether two unit spellings name one unit ('pct' and '%', 'mg/kg' and 'ppm'), in any case."""
    # casefold() turns the micro sign of 'µg/g' into a Greek mu, which the table does not spell: both read as 'u'
    a, b = (_unit_key(u) for u in (a, b))
    return _SAME_UNIT.get(a, a) == _SAME_UNIT.get(b, b)


def _unit_key(unit: str) -> str:
    """A unit's spelling as :data:`_SAME_UNIT` looks it up: any case, one mu, and a mass fraction written as a power
    of ten ('×10⁻⁹', '10^-9', 'x10-9') as '10-9'."""
    key = unit.strip().casefold().replace("\u03bc", "u").replace("\u00b5", "u")
    power = re.fullmatch(r"(?:[×x*·]\s?)?10\s?\^?\s?-(\d+)", unicodedata.normalize("NFKC", key).replace("\u2212", "-"))
    return f"10-{power.group(1)}" if power else key


def unit_in_name(name: str) -> str:
    """The concentration unit a field's name states, as written ('Au_ppb' -> 'ppb', 'Cu (ppm)' -> 'ppm'); ''
    when it states none. Laboratories' tables name fields so, and mix units across them (Au in ppb, Cu in ppm)."""
    match = _UNIT_IN_NAME.search(name.strip())
    return match.group(1) if match else ""


def field_units(text: str, fields: Sequence[str]) -> List[str]:
    """The unit of each of ``fields`` from UNITS: one unit for all ('ppm'), or that unit and ``field=unit`` pairs
    separated by ';' for the fields in another ('ppm; Au=ppb; Pd=ppb', as a multi-element table gives gold and the
    platinum metals in ppb beside the rest in ppm); a pair alone ('Au=ppb') leaves the other fields without a unit.
    A field is named as in ``fields`` (any case where that is unambiguous); a pair naming none of them is refused."""
    default, given = "", {}
    parts = [part.strip() for part in str(text).split(";")]
    for part in (p for p in parts if p):
        if "=" not in part:
            if default:
                raise InputError(
                    f"'{text}' gives two units for all fields ('{default}' and '{part}'); give one unit, then "
                    "field=unit pairs for the fields in another, e.g. 'ppm; Au=ppb'.",
                    "UNITS",
                )
            default = part
            continue
        name, unit = (side.strip() for side in part.split("=", 1))
        matches = [f for f in fields if f == name] or [f for f in fields if f.casefold() == name.casefold()]
        if len(matches) != 1 or not unit:
            raise InputError(
                f"'{part}' names no single field of FIELDS ({', '.join(fields)}) with a unit; write one unit for "
                "every field ('ppm'), then field=unit pairs for the fields in another, e.g. 'ppm; Au=ppb'.",
                "UNITS",
            )
        given[matches[0]] = unit
    return [given.get(f, default) for f in fields]


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
    over_limit: int = 0  # values above the upper detection limit (">10000") read as that limit
    upper_limits: List[float] = field(default_factory=list)  # distinct upper limits met (at most 10 kept)
    # how the separators in text values were read (see to_float_array)
    decimal_mark: str = ""  # "point", "comma", "mixed" (both seen), "" (no text value shows which)
    comma_thousands: int = 0  # values read with the comma as thousands separator ("1,250" = 1250)
    comma_decimal: int = 0  # values read with a decimal comma ("12,75" = 12.75)
    point_thousands: int = 0  # values read with the point as thousands separator ("1.250,5" = 1250.5)
    space_thousands: int = 0  # values whose digits were grouped by spaces or apostrophes ("1 250,5", "1'250.5")
    ambiguous: int = 0  # values such as "1,250" read by the default rule, nothing in the field deciding
    separator_examples: Dict[str, Tuple[str, float]] = field(default_factory=dict)  # reading -> (text, value)
    beyond_range: int = 0  # finite values larger in magnitude than ``max_abs``, read as missing
    beyond_examples: List[float] = field(default_factory=list)
    # how negative numbers were read: "below detection" (-x = below x), "values", "" (none met)
    negative_reading: str = ""
    negatives: int = 0  # negative numbers met
    negative_distinct: int = 0  # distinct negative numbers met
    fill_codes: int = 0  # missing-data codes (-999, -9999 …; :func:`is_fill_code`) read as missing
    fill_examples: List[float] = field(default_factory=list)  # the distinct codes met (at most 5 kept)
    # below-detection words without a limit ('bdl', '<DL', 'not detected'; :data:`_BELOW_WORD`): read at the
    # field's one detection limit (counted in ``censored`` too), or left out where the field has none or several
    word_censored: int = 0
    word_unlimited: int = 0
    word_examples: List[str] = field(default_factory=list)  # the distinct words met (at most 3 kept)
    censored_at: List[int] = field(default_factory=list)  # the positions of the values counted in ``censored``
    lowest_positive: float = math.inf  # the smallest positive number read as a value (a measured one)
    # entries that say the element was not analysed ('n.d.', 'ND', 'n.a.', 'N/A', '-'; :data:`_NOT_ANALYSED`): missing
    not_analysed: int = 0
    not_analysed_examples: List[str] = field(default_factory=list)  # the distinct entries met (at most 3 kept)

    def separator_notes(self, name: str) -> "tuple[list[str], list[str]]":
        """(information, warnings): how the separators in field ``name``'s text values were read, for the log."""
        ex = self.separator_examples
        parts = [
            f"{label} in {_count(n)}{_eg(ex, key)}"
            for label, n, key in (
                ("comma read as thousands separator", self.comma_thousands, "comma_thousands"),
                ("comma read as decimal comma", self.comma_decimal, "comma_decimal"),
                ("point read as thousands separator", self.point_thousands, "point_thousands"),
                ("space or apostrophe read as thousands separator", self.space_thousands, "space_thousands"),
            )
            if n
        ]
        read = "; ".join(parts)
        infos: List[str] = []
        warnings: List[str] = []
        if self.decimal_mark == "mixed":
            warnings.append(
                f"{name}: the field mixes decimal points{_eg(ex, 'point', value=False)} and decimal commas"
                f"{_eg(ex, 'comma', value=False)}; each value was read by its own form"
                + (f": {read}" if read else "")
                + ". Check where the values came from (two tables merged?)."
            )
        if self.ambiguous:
            why = (
                "the field mixes both forms, so it does not show"
                if self.decimal_mark == "mixed"
                else "nothing else in the field shows"
            )
            advice = []
            if "ambiguous_comma" in ex:
                advice.append(
                    "If the laboratory wrote decimal commas, replace the commas by points in the field (Field "
                    f"Calculator: replace(\"{name}\", ',', '.'))"
                )
            if "ambiguous_point" in ex:
                advice.append(
                    f"If the points separate thousands, remove them (Field Calculator: replace(\"{name}\", '.', ''))"
                )
            examples = ", ".join(
                f"'{ex[k][0]}' = {ex[k][1]:.15g}" for k in ("ambiguous_comma", "ambiguous_point") if k in ex
            )
            warnings.append(
                f"{name}: "
                + (f"{read}; " if read and self.decimal_mark != "mixed" else "")
                + f"{self.ambiguous} of {self.total} values are ambiguous (e.g. {examples}): {why} whether their "
                "separator marks thousands or decimals. They were read with the point as decimal mark and the comma "
                "as thousands separator ('1,250' = 1250, '1.250' = 1.25). " + ". ".join(advice) + ". Then run again."
            )
        elif read and self.decimal_mark != "mixed":
            mark = {"point": "a point", "comma": "a comma"}.get(self.decimal_mark)
            reason = (
                f", as the field writes decimals with {mark}{_eg(ex, self.decimal_mark, value=False)}" if mark else ""
            )
            infos.append(f"{name}: {read}{reason}.")
        return infos, warnings


def not_analysed_warning(parameter: str, fields: Sequence[str], reports: Sequence[ValueReport]) -> Optional[str]:
    """One warning naming ``parameter`` for the entries of ``fields`` that say there is no result ('n.d.', 'n.a.',
    '-': :data:`_NOT_ANALYSED`), read as missing: how many in each field, and how to say 'below detection' if that
    is what the laboratory meant; None when there are none."""
    counted = [(name, rep) for name, rep in zip(fields, reports) if rep.not_analysed]
    if not counted:
        return None
    met = list(dict.fromkeys(w for _, rep in counted for w in rep.not_analysed_examples))[:3]
    words = ", ".join(f"'{w}'" for w in met)
    counts = ", ".join(f"{name} {rep.not_analysed} of {rep.total}" for name, rep in counted)
    name, rep = counted[0]
    return (
        f"{parameter}: values that give no result (e.g. {words}: not determined, not analysed) were left out as "
        f"missing, not read as 0 or as below detection: {counts}; only the analysed samples are used. 'n.d.' and 'ND' "
        f'mean "not '
        'determined" as often as "not detected": if the laboratory meant below detection, write them as '
        f"'<limit' with its detection limit (Field Calculator, e.g. CASE WHEN \"{name}\" = "
        f"'{rep.not_analysed_examples[0]}' THEN '<0.5' ELSE \"{name}\" END) and run again."
    )


def _count(n: int) -> str:
    return f"{n} value" if n == 1 else f"{n} values"


def _eg(examples: Dict[str, Tuple[str, float]], key: str, value: bool = True) -> str:
    if key not in examples:
        return ""
    text, number = examples[key]
    return f" (e.g. '{text}' = {number:.15g})" if value else f" (e.g. '{text}')"


#: "<5", "< 0.5", "<0,5", "<1,000", "<DL 5" style below-detection entries (the number is read like the others)
_CENSORED = re.compile(r"^\s*<\s*=?\s*(?:dl\s*)?([0-9.,]*[0-9][0-9.,]*(?:[eE][-+]?[0-9]+)?)\s*$", re.IGNORECASE)
#: ">10000", "> 5,5", ">=200" style entries above the upper detection limit (over-limit results of a laboratory)
#: a below-detection entry that names no limit ('bdl', 'BDL', 'b.d.l.', '<DL', '<LOD', 'below detection limit',
#: 'not detected'); not 'n.d.' or 'ND', which as often mean "not determined" (not analysed)
_BELOW_WORD = re.compile(
    r"^\s*(?:b\.?\s?d\.?\s?l\.?|bld|<\s*(?:d\.?\s?l\.?|l\.?o\.?d\.?|lld)"
    r"|below\s+(?:the\s+)?(?:detection(?:\s+limit)?|d\.?l\.?|lod)|not\s+detected)\s*$",
    re.IGNORECASE,
)
#: an entry saying there is no result: 'n.d.', 'ND', 'n/d' (not determined, or not detected: the tables use it
#: for both), 'n.a.', 'NA', 'N/A' (not analysed, not available), 'n.s.' (not sampled), a dash or two, and the
#: words 'not determined', 'not analysed' ('analyzed'), 'not available', 'not sampled'. Read as missing: never as
#: zero or below detection, which 'n.d.' as "not determined" is not
_NOT_ANALYSED = re.compile(
    r"^\s*(?:n\.?\s?[das]\.?|n\s?/\s?[da]|[-\u2013\u2014]{1,3}"
    r"|not\s+(?:determined|analy[sz]ed|available|sampled))\s*$",
    re.IGNORECASE,
)
_OVER_LIMIT = re.compile(r"^\s*>\s*=?\s*([0-9.,]*[0-9][0-9.,]*(?:[eE][-+]?[0-9]+)?)\s*$")
#: a number as tables write it: sign, digits with points and commas, exponent
_NUMBER = re.compile(r"^([-+]?)([0-9.,]*[0-9][0-9.,]*)([eE][-+]?[0-9]+)?$")
_GROUPED = {".": re.compile(r"^[1-9][0-9]{0,2}(?:\.[0-9]{3})+$"), ",": re.compile(r"^[1-9][0-9]{0,2}(?:,[0-9]{3})+$")}


def _read_number(text: str, decimal: str) -> Optional[float]:
    """``text`` read with ``decimal`` ('.' or ',') as decimal mark and the other one as thousands separator
    (only in well-formed groups of three digits: '1,250,000', not '12,50'); None if it cannot be read so."""
    match = _NUMBER.match(text)
    if not match:
        return None
    sign, mantissa, exponent = match.groups()
    if mantissa.count(decimal) > 1:
        return None
    whole, _, fraction = mantissa.partition(decimal)
    thousands = "," if decimal == "." else "."
    if not fraction.isdigit() and fraction:
        return None
    if thousands in whole:
        if not _GROUPED[thousands].match(whole):
            return None
        whole = whole.replace(thousands, "")
    elif whole and not whole.isdigit():
        return None
    if not whole and not fraction:
        return None
    return float(f"{sign}{whole or '0'}.{fraction or '0'}{exponent or ''}")


#: characters of other scripts' and locales' number writing, read as their ASCII forms: full-width digits, signs
#: and separators (U+FF0B-U+FF19, as Chinese and Japanese tables write them), the minus sign (U+2212) and the
#: spaces that French, Russian, Finnish and German locales put between thousands (no-break, narrow no-break,
#: thin and figure spaces)
_ASCII_FORMS = {
    **{code: code - 0xFEE0 for code in range(0xFF0B, 0xFF1A)},
    0xFF1C: ord("<"),
    0xFF1E: ord(">"),
    0xFF45: ord("e"),
    0xFF25: ord("E"),
    0x2212: ord("-"),
    0x00A0: ord(" "),
    0x202F: ord(" "),
    0x2009: ord(" "),
    0x2007: ord(" "),
}
#: digits grouped by threes with spaces or apostrophes ('1 250', '12 500 000', Swiss "1'250"): one number
_SPACE_GROUPED = re.compile(r"(?<![0-9.,])[1-9][0-9]{0,2}(?:[ '\u2019][0-9]{3})+(?![0-9])")


def _ascii_number(text: str) -> "tuple[str, bool]":
    """``text`` with numbers written in another script's or locale's forms made plain: full-width digits and
    separators, the minus sign, and thousands grouped by spaces or apostrophes ('1 250,5' -> '1250,5'); and
    whether a space or apostrophe was read as a thousands separator. Other text is left as it is."""
    plain = unicodedata.normalize("NFC", text).translate(_ASCII_FORMS)
    ungrouped = _SPACE_GROUPED.sub(lambda m: re.sub(r"[ '\u2019]", "", m.group(0)), plain)
    return ungrouped, ungrouped != plain


def _number_text(item: object) -> Optional[str]:
    """The number part of a text value (stripped; the limit of a '<5' entry), None for other values."""
    if not isinstance(item, str):
        return None
    match = _CENSORED.match(item) or _OVER_LIMIT.match(item)
    return match.group(1) if match else item.strip()


def _readings(text: str) -> "tuple[Optional[float], Optional[float]]":
    """``text`` read with a decimal point and with a decimal comma (None where that reading is impossible)."""
    if "," not in text and "." not in text:
        plain = _read_number(text, ".")
        return plain, plain
    return _read_number(text, "."), _read_number(text, ",")


def decimal_mark(raw: Iterable[object]) -> "tuple[str, Dict[str, str]]":
    """How a field's text values write decimals: 'point', 'comma', 'mixed' or '' (nothing shows), with an
    example of each form seen.

    A value decides when only one reading of it is possible: '2.5', '1,250.5', '1,250,000' and '0.125' can only
    have a decimal point; '0,5', '12,75', '1250,5', '0,125' and '1.250,5' only a decimal comma (a thousands
    group never starts with 0 and always has three digits). '1,250' and '1.250' can be read both ways and
    decide nothing.
    """
    seen: Dict[str, str] = {}
    for item in raw:
        text = _number_text(item)
        if text is None or ("," not in text and "." not in text):
            continue
        point, comma = _readings(text)
        if (point is None) != (comma is None):
            seen.setdefault("point" if point is not None else "comma", text)
    if len(seen) == 2:
        return "mixed", seen
    return (next(iter(seen)) if seen else ""), seen


def to_float_array(
    raw: Iterable[object],
    censored_factor: Optional[float] = None,
    negative_is_censored: Optional[bool] = None,
    max_abs: Optional[float] = None,
) -> "tuple[np.ndarray, ValueReport]":
    """Convert raw attribute values to float64, NaN for anything missing or not a number.

    Numbers (int, float, Decimal) are kept as they are. Text values are read per field, from all of the
    field's text values (:func:`decimal_mark`):

    - a value with both separators shows which is which: '1,250.5' (comma = thousands), '1.250,5'
      (point = thousands);
    - a comma followed by other than three digits ('0,5', '12,75'), or after a leading 0 ('0,125'), is a
      decimal comma; commas in groups of three ('1,250,000'), or a point in '2.5', mean the field writes
      decimal points, so its commas are thousands separators;
    - values such as '1,250' or '1.250' (one separator, then three digits, no leading 0) fit both readings and
      follow the field's other values. When nothing in the field decides, or the field mixes both forms, the
      rule is: **the point is the decimal mark**, so '1,250' is 1250 and '1.250' is 1.25. Why: '1.250' = 1.25 is
      how QGIS, GDAL and Python read it (and how this plugin always has), and '1,250' = 1250 follows; a field
      written with decimal commas shows no decisive value only if every value has exactly three decimals and
      none is below 1, while thousands separators always give three digits; and reading 1250 as 1.25 would
      hide the very high values an anomaly map is made to find. Such values are counted in
      ``ValueReport.ambiguous`` and the log says how to read them the other way.

    With ``censored_factor`` (e.g. 0.5) below-detection entries are kept as
    ``censored_factor * detection limit``: text such as ``"<5"``, ``"< 0.5"`` or ``"<0,5"`` and, when
    ``negative_is_censored``, the common laboratory code of a negative number ``-x`` meaning "below the
    detection limit x". Without it (the default) ``"<5"`` counts as text and negatives pass through unchanged.
    ``negative_is_censored=None`` (the default) decides per field (:func:`negatives_are_codes`): negatives are
    codes only where that reading is consistent, i.e. the field has few distinct negative values; a field of
    levelled or centred values keeps its negatives. ``ValueReport.negative_reading`` says which was used.

    With ``censored_factor`` given, over-limit entries (``">10000"``, ``">= 5,5"``: above the laboratory's upper
    detection limit) are read as that limit and counted in ``ValueReport.over_limit``: they are at least that
    high, and read as missing they would drop the highest samples of a survey, those an anomaly map is for.

    With ``max_abs`` (e.g. :data:`FLOAT32_MAX`) values whose magnitude exceeds it are read as missing and
    counted in ``ValueReport.beyond_range``: no concentration is that large, they are fill codes.

    Missing-data codes (-999, -9999, -99999 …: :func:`is_fill_code`) are read as missing, whatever the other
    settings, and counted in ``ValueReport.fill_codes``.
    """
    if censored_factor is not None and not (censored_factor >= 0 and math.isfinite(censored_factor)):
        raise InputError("the below-detection substitute must be a fraction >= 0 (0.5 is usual).", "CENSORED_FACTOR")
    originals = list(raw)
    # numbers in another script's or locale's forms ('１２,５', '−5', '1 250,5') read as the ASCII forms they mean
    plain = [_ascii_number(item) if isinstance(item, str) else (item, False) for item in originals]
    items = [item for item, _ in plain]
    rep = ValueReport()
    rep.decimal_mark, decisive = decimal_mark(items)
    for key, text in decisive.items():
        reading = _readings(text)[0 if key == "point" else 1]
        rep.separator_examples[key] = (text, math.nan if reading is None else reading)
    numbers = [_as_float(item, ValueReport()) for item in items]  # '<5' entries are text, not numbers
    # missing-data codes (-9999) are neither values nor detection limits, and do not decide how negatives read
    negatives = [v for v in numbers if v is not None and math.isfinite(v) and v < 0 and not is_fill_code(v)]
    if negatives:
        rep.negatives, rep.negative_distinct = len(negatives), len(set(negatives))
        if negative_is_censored is None:
            negative_is_censored = negatives_are_codes(negatives, numbers)
        read_as_codes = negative_is_censored and censored_factor is not None
        rep.negative_reading = "below detection" if read_as_codes else "values"
    # a below-detection word ('bdl') is read at the field's detection limit when the field gives exactly one
    word_limit = None
    if censored_factor is not None and any(isinstance(i, str) and _BELOW_WORD.match(i) for i in items):
        limits = {
            _detection_limit(
                item, number, negative_is_censored is not False, ValueReport(decimal_mark=rep.decimal_mark)
            )
            for item, number in zip(items, numbers)
            if number is None or not is_fill_code(number)
        } - {None}
        word_limit = limits.pop() if len(limits) == 1 else None
    values: List[float] = []
    for item, (_, grouped), original in zip(items, plain, originals):
        rep.total += 1
        number = _as_float(item, rep)
        if grouped and number is not None and math.isfinite(number):
            rep.separator_examples.setdefault("space_thousands", (str(original), number))
        if number is not None and is_fill_code(number):
            rep.fill_codes += 1
            if number not in rep.fill_examples and len(rep.fill_examples) < 5:
                rep.fill_examples.append(number)
            values.append(math.nan)
            continue
        if censored_factor is not None:
            limit = _detection_limit(item, number, negative_is_censored is not False, rep)
            if limit is not None:
                value = _at_limit(censored_factor * limit, limit, rep.detection_limits, max_abs, rep)
                if not math.isnan(value):
                    rep.censored += 1
                    rep.censored_at.append(len(values))
                values.append(value)
                continue
            if isinstance(item, str) and _BELOW_WORD.match(item):
                if item.strip() not in rep.word_examples and len(rep.word_examples) < 3:
                    rep.word_examples.append(item.strip())
                value = (
                    math.nan
                    if word_limit is None
                    else _at_limit(censored_factor * word_limit, word_limit, [], max_abs, rep)
                )
                if math.isnan(value):
                    rep.word_unlimited += 1
                else:
                    rep.censored += 1
                    rep.censored_at.append(len(values))
                    rep.word_censored += 1
                values.append(value)
                continue
            over = _OVER_LIMIT.match(item) if isinstance(item, str) else None
            limit = _read_text(over.group(1), rep) if over else None
            if limit is not None:
                value = _at_limit(limit, limit, rep.upper_limits, max_abs, rep)
                if not math.isnan(value):
                    rep.over_limit += 1
                values.append(value)
                continue
        if number is None:
            if item is None or (isinstance(item, str) and not item.strip()) or _is_null(item):
                rep.missing += 1
            elif isinstance(item, str) and _NOT_ANALYSED.match(item):
                rep.not_analysed += 1
                if item.strip() not in rep.not_analysed_examples and len(rep.not_analysed_examples) < 3:
                    rep.not_analysed_examples.append(item.strip())
            else:
                rep.unparsable += 1
                if len(rep.examples) < 5:
                    rep.examples.append(str(original))
            values.append(math.nan)
        elif not math.isfinite(number):
            rep.missing += 1
            values.append(math.nan)
        elif not _within(number, max_abs, rep):
            values.append(math.nan)
        else:
            rep.numeric += 1
            if 0 < number < rep.lowest_positive:
                rep.lowest_positive = number
            values.append(number)
    rep.space_thousands = sum(g and math.isfinite(v) for (_, g), v in zip(plain, values))
    return np.asarray(values, dtype=np.float64), rep


def negatives_are_codes(negatives: List[float], numbers: List[Optional[float]]) -> bool:
    """Whether a field's negative numbers read consistently as below-detection codes: at most
    :data:`MAX_NEGATIVE_CODES` distinct ones, or at most a tenth as many distinct as there are negatives, all
    no larger in magnitude than the median of the field's positive numbers (detection limits lie below the
    values detected)."""
    distinct = set(negatives)
    if len(distinct) <= MAX_NEGATIVE_CODES:
        return True
    if len(distinct) > 0.1 * len(negatives):
        return False
    positive = [v for v in numbers if v is not None and math.isfinite(v) and v > 0]
    return bool(positive) and -min(distinct) <= float(np.median(positive))


def _within(value: float, max_abs: Optional[float], rep: ValueReport) -> bool:
    """False (and counted) for a value beyond ``max_abs``."""
    if max_abs is None or abs(value) <= max_abs:
        return True
    rep.beyond_range += 1
    if len(rep.beyond_examples) < 5:
        rep.beyond_examples.append(value)
    return False


def _read_text(text: str, rep: ValueReport) -> Optional[float]:
    """A number's text read as the field writes numbers (``rep.decimal_mark``); the reading is counted."""
    point, comma = _readings(text)
    if point is None and comma is None:
        try:
            return float(text)  # 'nan', 'inf', '1_000': what Python reads, as before
        except ValueError:
            return None
    if point is not None and comma is not None and point != comma:  # '1,250' or '1.250': both readings fit
        use_comma = rep.decimal_mark == "comma"
        if rep.decimal_mark not in ("point", "comma"):  # nothing decides (or both forms seen): the point rule
            rep.ambiguous += 1
            rep.separator_examples.setdefault("ambiguous_comma" if "," in text else "ambiguous_point", (text, point))
    else:
        use_comma = point is None
    chosen = comma if use_comma else point
    if chosen is None:  # not reached: at least one reading exists here
        return None
    if not use_comma and "," in text:
        rep.comma_thousands += 1
        rep.separator_examples.setdefault("comma_thousands", (text, chosen))
    elif use_comma:
        if "," in text:
            rep.comma_decimal += 1
            rep.separator_examples.setdefault("comma_decimal", (text, chosen))
        if "." in text:
            rep.point_thousands += 1
            rep.separator_examples.setdefault("point_thousands", (text, chosen))
    return chosen


def _at_limit(value: float, limit: float, limits: List[float], max_abs: Optional[float], rep: ValueReport) -> float:
    """The value substituted for an entry at a detection ``limit`` (below or above it), the limit noted in
    ``limits`` (at most 10 distinct); NaN when the value lies beyond ``max_abs`` (counted there)."""
    if not _within(value, max_abs, rep):
        return math.nan
    if limit not in limits and len(limits) < 10:
        limits.append(limit)
    return value


def _detection_limit(
    item: object, number: Optional[float], negative_is_censored: bool, rep: ValueReport
) -> Optional[float]:
    """The detection limit if ``item`` is a below-detection entry, else None."""
    if number is None and isinstance(item, str):
        match = _CENSORED.match(item)
        if match:
            return _read_text(match.group(1), rep)
        return None
    if negative_is_censored and number is not None and math.isfinite(number) and number < 0:
        return -number
    return None


def _is_null(item: object) -> bool:
    # QVariant NULL arrives as an object whose isNull() is True; avoid importing Qt here.
    is_null = getattr(item, "isNull", None)
    return bool(is_null()) if callable(is_null) else False


def _as_float(item: object, rep: Optional[ValueReport] = None) -> Optional[float]:
    if item is None or isinstance(item, bool):
        return None
    if isinstance(item, (int, float, np.integer, np.floating)):
        return float(item)
    if isinstance(item, str):
        return _read_text(item.strip(), rep if rep is not None else ValueReport())
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
    xy: np.ndarray, values: np.ndarray, tolerance: float = 0.0, log_columns: "Optional[Sequence[bool]]" = None
) -> "tuple[np.ndarray, np.ndarray, int]":
    """Merge samples closer than ``tolerance`` (same location when 0) into one.

    Co-located samples (field duplicates, repeated analyses) make the kriging
    system singular and double-weight a site in IDW. Each group of co-located
    samples becomes one sample at the group's mean position whose value is the
    mean of its finite values per column (NaN if none). A column flagged in
    ``log_columns`` (one that is gridded on logarithms) is averaged on its
    logarithms, the geometric mean: the mean the gridding then works with (10 and
    1000 give 100, not 505); its values must be > 0. Returns the merged
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
    logs = [False] * values.shape[1] if log_columns is None else [bool(flag) for flag in log_columns]
    if len(logs) != values.shape[1]:
        raise ValueError(f"log_columns has {len(logs)} flags for {values.shape[1]} columns")
    merged = np.empty((n_groups, values.shape[1]))
    for j in range(values.shape[1]):
        finite = np.isfinite(values[:, j])
        column = values[finite, j]
        total = np.bincount(labels[finite], weights=column, minlength=n_groups)
        number = np.bincount(labels[finite], minlength=n_groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            merged[:, j] = np.where(number > 0, total / np.maximum(number, 1), np.nan)
        if logs[j]:
            if (column <= 0).any():
                raise ValueError(f"column {j} is averaged on logarithms but holds values <= 0")
            log_total = np.bincount(labels[finite], weights=np.log(column), minlength=n_groups)
            # a site of one sample keeps its value as it was (exp(log(v)) may differ from v in the last bit)
            several = number > 1
            merged[several, j] = np.exp(log_total[several] / number[several])
    return merged_xy, (merged[:, 0] if one_d else merged), int(n - n_groups)
