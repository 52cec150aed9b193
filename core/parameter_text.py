"""Text typed in a parameter box, read as the algorithms read it: lists of names and numbers (commas, semicolons with
decimal commas, percent signs, the separators and full-width digits of Chinese and Japanese input methods) and enum
options given by words. Pure text: the Processing adapters (``algorithms/parameters.py``) import it from here."""

from __future__ import annotations

import os
import re
import urllib.parse
from typing import Any, List, Optional, Sequence, Tuple

from .errors import InputError
from .labels.classes import latin_i

#: a number written with a decimal comma, as typed where that is the decimal mark ('97,5', '-0,25')
DECIMAL_COMMA = re.compile(r"[-+]?[0-9]*,[0-9]+")

#: list separators of Chinese and Japanese input methods: the full-width comma and semicolon, the ideographic comma
_CJK_SEPARATORS = {0xFF0C: ",", 0x3001: ",", 0xFF1B: ";"}


def folded(text: str) -> str:
    """``text`` as options are compared: white space folded, one space after each comma, any case, the Turkish
    dotted capital and dotless small i as I and i ('KRİGİNG' as a Turkish keyboard writes KRIGING in capitals)."""
    text = latin_i(text)
    return re.sub(r"\s*,\s*", ", ", " ".join(text.split())).casefold()


def listed(options: Sequence[str], text: str) -> List[str]:
    """The items of a comma-separated list of options, an option that holds a comma itself kept whole ('CNN,
    positive-unlabelled' is one option of CNN_MODES, not 'CNN' and 'positive-unlabelled')."""
    pieces, whole = text.split(","), {folded(option) for option in options}
    items: List[str] = []
    start = 0
    while start < len(pieces):
        end = next(
            (e for e in range(len(pieces), start + 1, -1) if folded(",".join(pieces[start:e])) in whole), start + 1
        )
        items.append(",".join(pieces[start:end]))
        start = end
    return items


def ascii_separators(text: str) -> str:
    """``text`` with the list separators of Chinese and Japanese input methods ('，', '、', '；') as ',' and ';'."""
    return text.translate(_CJK_SEPARATORS)


def number_list(text: str) -> Tuple[List[float], bool]:
    """The numbers typed in a text box, and whether any had a percent sign ('95 %'). Separated by commas ('85,95,98')
    or, where a semicolon is typed, by semicolons, each number then free to use a decimal comma ('90;95;97,5',
    '0,3;0,7': how lists are written where the comma is the decimal mark, in German, French, Russian, Turkish or
    Portuguese); full-width digits and the separators of Chinese and Japanese input methods ('８５，９５，９８',
    '85、95、98') as their ASCII forms. Raises ValueError for anything else."""
    text = ascii_separators(str(text or "")).strip()
    pieces = text.split(";") if ";" in text else text.split(",")
    numbers: List[float] = []
    percent = False
    for piece in pieces:
        piece = piece.strip()
        if piece.endswith("%"):
            piece, percent = piece[:-1].strip(), True
        if ";" in text and DECIMAL_COMMA.fullmatch(piece):
            piece = piece.replace(",", ".")
        numbers.append(float(piece))  # ValueError for text, '' or a comma left in a piece
    return numbers, percent


def decimal_comma_hint(text: str, semicolons: str = "90;95;97,5", points: str = "90,95,97.5") -> str:
    """For a comma-separated list whose commas may be decimal commas ('85,95,97,5'): how to type them so (the
    examples ``semicolons`` and ``points``); '' for any other text."""
    text = str(text or "")
    if ";" in text or "," not in text:
        return ""
    return (
        f" If a comma is meant as a decimal comma, separate the numbers with semicolons (e.g. {semicolons}) or "
        f"write the decimals with a point ({points})."
    )


def probability_limits(text: str, parameter: str) -> Optional[Tuple[float, float]]:
    """Two increasing probabilities between 0 and 1 typed in box ``parameter`` (read by :func:`number_list`: '0.3,0.7',
    '0,3;0,7', '30%,70%'), or None for an empty box. Raises InputError saying how to type them."""
    text = str(text or "").strip()
    if not text:
        return None
    try:
        numbers, percent = number_list(text)
        low, high = (v / 100 if percent else v for v in numbers)
    except ValueError:
        raise InputError(
            f"give two probabilities separated by a comma, e.g. 0.5,0.8 (got '{text}'; with decimal commas, "
            "separate them with a semicolon: 0,5;0,8).",
            parameter,
        ) from None
    if not 0 <= low < high <= 1:
        raise InputError("the limits must satisfy 0 <= low/moderate < moderate/high <= 1.", parameter)
    return low, high


def option_number(options: Sequence[str], text: str) -> Optional[int]:
    """The option of an enum parameter that ``text`` names, as a user types it in ``qgis_process``: its number
    ('1'), the option as the dialog lists it ('Ordinary kriging'), the start of it ('ordinary'), or words of it
    that occur in no other option ('kriging', 'IDW', 'CLR'), in any case. None when nothing fits, or when the
    words fit several options ('per cell' in 'CNN per cell (no context)' and 'CNN per cell, distilled …')."""
    typed = folded(str(text))
    if not typed:
        return None
    if typed.isdecimal():  # not isdigit(): '²' is a digit that int() cannot read
        return int(typed)  # QGIS checks that the option exists
    folded_options = [folded(option) for option in options]
    whole_words = re.compile(rf"(?<![\w]){re.escape(typed)}(?![\w])")
    for fits in (lambda o: o == typed, lambda o: o.startswith(typed), lambda o: whole_words.search(o) is not None):
        hits = [i for i, option in enumerate(folded_options) if fits(option)]
        if len(hits) == 1:
            return hits[0]
        if hits:
            return None  # ambiguous: a looser rule would not make it less so
    return None


def no_value(value: Any) -> bool:
    """Whether ``value`` is no value: None, '' or the NULL QVariant qgis_process hands over for 'NAME='."""
    if value is None or (isinstance(value, str) and value == ""):
        return True
    is_null = getattr(value, "isNull", None)
    return bool(is_null()) if callable(is_null) and not isinstance(value, str) else False


def mistyped_path(text: str) -> Tuple[str, str]:
    """Why the path ``text`` is not read as the file it was surely meant to name, and that file's path; ('', '') when
    nothing looks mistyped. Three slips QGIS reads literally: a space, tab or line break at either end (copied
    with the name, or a line of a list), a file:// URL (as a browser or file manager copies a file), and '~' for the
    home folder, which only a shell expands (and only unquoted)."""
    stripped = text.strip()
    if stripped and stripped != text:
        ends = text[len(text.rstrip()) :] or text[: len(text) - len(text.lstrip())]
        what = "a line break" if "\n" in ends or "\r" in ends else "a tab" if "\t" in ends else "a space"
        where = "ends" if text.rstrip() != text else "starts"
        return f"the path {where} with {what}", mistyped_path(stripped)[1] or stripped
    parts = urllib.parse.urlsplit(text)
    if text[:5].lower() == "file:" and not parts.query:  # with a query: a delimited-text layer's settings
        path = urllib.parse.unquote(parts.path)
        if parts.netloc not in ("", "localhost"):  # file://server/share/x.tif: a network share
            path = f"//{parts.netloc}{path}"
        return "it is a file:// URL, not a path (QGIS reads it as a file name)", path
    if text.startswith("~"):
        expanded = os.path.expanduser(text)
        if expanded != text:
            return "'~' (the home folder) is expanded only by a shell, and only when not in quotes", expanded
    return "", ""


def shown_path(text: str) -> str:
    """``text`` as a message quotes it: line breaks and tabs written as \\n, \\r and \\t."""
    return text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
