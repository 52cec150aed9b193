"""The text parameters of the anomalies algorithm read and checked: band names (BANDS, ASSOCIATION), band numbers
(ELEMENT_BANDS, ASSOCIATION_BANDS as text), and the three levels of a threshold method (PERCENTILES, MULTIPLIERS).
Every refusal is an :class:`~..errors.InputError` that names the parameter and says what to type."""

from __future__ import annotations

import re
from typing import List, Optional, Sequence, Tuple

from ..errors import InputError
from ..io.rasters import band_choice_problem
from ..parameter_text import ascii_separators, decimal_comma_hint, no_value, number_list


def parse_names(text: str, known: Sequence[str] = ()) -> List[str]:
    """'Cu, Ni;Co' -> ['Cu', 'Ni', 'Co']. A name of ``known`` (the raster's bands) holding a comma or semicolon
    itself ('Zn,ppm', a field's name) is kept whole, and a name typed without the spaces a band's name has at its
    ends ('Zn ppm' for 'Zn ppm ') is given as the band spells it: else neither could be chosen by name."""
    text = ascii_separators(text or "")  # 'Cu，Pb、Zn' as a Chinese input method types the list
    cuts = [0] + [m.end() for m in re.finditer(r"[,;]", text)] + [len(text) + 1]  # where each piece starts
    trimmed = {name.strip(): name for name in known}
    names: List[str] = []
    first = 0
    while first < len(cuts) - 1:
        last = next(
            (e for e in range(len(cuts) - 1, first + 1, -1) if text[cuts[first] : cuts[e] - 1].strip() in trimmed),
            first + 1,
        )
        part = text[cuts[first] : cuts[last] - 1].strip()
        if part:
            names.append(part if part in known else trimmed.get(part, part))
        first = last
    return names


def parse_band_numbers(value: object, parameter: str) -> List[int]:
    """A band parameter's value (1-based numbers: a list, or text '1;3' as qgis_process and the modeler give it)
    as a list of ints; anything else is refused naming ``parameter`` (QGIS itself would read it as band 0)."""
    if no_value(value):  # qgis_process hands 'ASSOCIATION_BANDS=' over as a NULL QVariant
        return []
    parts = [str(v) for v in value] if isinstance(value, (list, tuple)) else [value]
    numbers = []
    for part in parts:
        for item in str(part).replace(",", ";").split(";"):
            item = item.strip()
            if not item:
                continue
            try:
                numbers.append(int(item))
            except ValueError:
                raise InputError(
                    f"'{item}' is not a band number; choose bands with the band chooser (1-based numbers such as "
                    "1;3), or give band names in the advanced text parameter.",
                    parameter,
                ) from None
    return numbers


def both_given(chooser: str, text: str) -> str:
    """The message for a band chooser and its text fallback both given."""
    return (
        f"{chooser} and {text} both choose bands; use the band chooser ({chooser}) and leave {text} (band names, "
        "advanced) empty."
    )


#: an example value of each list of three numbers, for the messages
NUMBER_EXAMPLES = {"PERCENTILES": "85,95,98", "MULTIPLIERS": "1,2,3"}


def parse_numbers(text: str, parameter: str) -> List[float]:
    """A threshold box's numbers (:func:`..parameter_text.number_list`: commas, or semicolons with decimal commas);
    percent signs only in PERCENTILES, and percentiles that read as fractions (0.9,0.95,0.98) refused."""
    example = NUMBER_EXAMPLES.get(parameter, "1,2,3")
    try:
        numbers, percent = number_list(text)
    except ValueError:
        raise InputError(
            f"'{text}' is not a comma-separated list of numbers, e.g. {example} (with decimal commas, separate them "
            "with semicolons: 1,5;2;2,5).",
            parameter,
        ) from None
    if percent and parameter != "PERCENTILES":
        raise InputError(f"give the numbers without '%', e.g. {example} (got '{text}').", parameter)
    return numbers


def check_percentiles(percentiles: Sequence[float], text: str) -> None:
    """Refuse percentiles that are not three, with how to type decimal commas where commas may have been meant so
    ('85,95,97,5'), and percentiles typed as fractions (0.9,0.95,0.98: the 0.9th percentile and up would class
    almost every cell anomalous)."""
    if len(percentiles) != 3:
        raise InputError(
            f"give three percentiles between 0 and 100, e.g. 85,95,98 (got '{text}')." + decimal_comma_hint(text),
            "PERCENTILES",
        )
    if max(percentiles) <= 1:
        listed, scaled = ", ".join(f"{v:g}" for v in percentiles), ",".join(f"{100 * v:g}" for v in percentiles)
        raise InputError(
            f"percentiles run from 0 to 100, so {listed} would class almost every cell anomalous (only the lowest "
            f"1 % as background). If {listed} are fractions, give {scaled}.",
            "PERCENTILES",
        )


def require_increasing(values: Sequence[float], parameter: str) -> None:
    """Refuse weak, moderate and strong settings that do not increase (they would give levels that do not), naming
    the parameter that holds them (the core can only say the levels came out of order)."""
    if len(values) == 3 and any(b <= a for a, b in zip(values, values[1:])):
        raise InputError(
            f"the levels must increase (weak < moderate < strong), but {', '.join(f'{v:g}' for v in values)} do "
            f"not; give them in that order, e.g. {NUMBER_EXAMPLES[parameter]}.",
            parameter,
        )


def checked_band_numbers(value: object, parameter: str, count: int, kept: Optional[Sequence[int]] = None) -> List[int]:
    """The 1-based bands chosen in band parameter ``parameter`` (:func:`parse_band_numbers`), each checked to exist
    in a raster of ``count`` bands, to hold values (``kept``, the bands that do; default all: the others are alpha
    bands, :func:`~..io.rasters.band_choice_problem`) and to be chosen once."""
    numbers = parse_band_numbers(value, parameter)
    problem = band_choice_problem(numbers, count, list(range(1, count + 1)) if kept is None else kept)
    if problem:
        raise InputError(problem, parameter)
    if len(set(numbers)) != len(numbers):
        raise InputError("a band is chosen twice; choose each band once.", parameter)
    return numbers


def threshold_levels(method: str, percentiles_text: str, multipliers_text: str) -> Tuple[List[float], List[float]]:
    """The weak, moderate and strong settings typed in PERCENTILES and MULTIPLIERS, read (:func:`parse_numbers`)
    and, for the ``method`` (a name of :data:`.thresholds.METHODS`) that uses them, checked: three of them, in
    increasing order, percentiles not given as fractions."""
    percentiles = parse_numbers(percentiles_text, "PERCENTILES")
    multipliers = parse_numbers(multipliers_text, "MULTIPLIERS")
    if method in ("mean_sd", "median_mad") and len(multipliers) != 3:
        raise InputError(
            "give three values of k, e.g. 1,2,3." + decimal_comma_hint(multipliers_text, "1,5;2;2,5", "1.5,2,2.5"),
            "MULTIPLIERS",
        )
    if method == "percentile":
        check_percentiles(percentiles, percentiles_text)
        require_increasing(percentiles, "PERCENTILES")
    elif method in ("mean_sd", "median_mad"):
        require_increasing(multipliers, "MULTIPLIERS")
    return percentiles, multipliers
