"""Reading class values of labelled points: whole numbers as they are, or words (barren = 0)."""

from __future__ import annotations

import re
import unicodedata
from typing import Dict, List, Optional, Tuple

import numpy as np

from ..errors import InputError

#: the highest class id a label may hold (0 barren, 1 … mineralised): a model file holds at most 256 classes
MAX_CLASS_ID = 250

#: text labels read as the barren class (0), case-insensitive; 'n' and 'f' as spreadsheets abbreviate no / false
#: (a Y/N flag field made 'N' a mineralised class beside 'Y')
BARREN_WORDS = (
    "barren",
    "background",
    "negative",
    "no",
    "n",
    "false",
    "f",
    "unmineralised",
    "unmineralized",
    "non-mineralised",
    "non-mineralized",
    "waste",
    # 'no' in the languages of the surveys a geologist meets (a flag field written in Finnish, Swedish, German…)
    "ei",
    "nej",
    "nei",
    "nein",
    "non",
    "nee",
    "não",
    "nao",
    "nie",
    # and as flag fields are kept in Russian, Ukrainian, Turkish ('hayır', 'yok': none, as folded below) and Chinese
    "нет",
    "ні",
    "hayir",
    "yok",
    "否",
    "无",
    "無",
)
#: 'f' is barren only in a field of true / false flags, beside 't' or 'y': elsewhere it is the element symbol of a
#: commodity (fluorite, 'F' beside 'Cu' and 'Au'), a mineralised class
TRUE_FLAGS = ("t", "true", "y", "yes")


def latin_i(text: str) -> str:
    """``text`` with the Turkish dotted capital İ and dotless small ı as I and i, so that words compare alike in
    any case ('KRİGİNG' as a Turkish keyboard types KRIGING; 'İ'.casefold() is i and a combining dot)."""
    return text.replace("\u0130", "I").replace("\u0131", "i")


def _folded(word: str) -> str:
    """A class word as it is compared with the barren words: composed Unicode ('não' typed as n, a, combining
    tilde, o is 'não'), lower case, the Turkish İ and ı as I and i ('HAYIR' and 'hayır' are one word, 'hayir')."""
    return latin_i(unicodedata.normalize("NFC", word)).lower()


def _class_key(word: str) -> str:
    """A class word as classes are told apart: :func:`_folded`, and a list of commodities or elements the same
    whatever the order, spacing and separators of its members ('Au, Cu', 'Cu,Au', 'cu / au' and 'Cu-Au' are one
    class, 'au,cu'); a single word as :func:`_folded` gives it."""
    folded = _folded(word)
    members = [m for m in re.split(r"(?:[\s,;+&/-]|\band\b)+", folded) if m]
    return ",".join(sorted(members)) if len(members) > 1 else folded.strip()


def _point_decimal(text: str) -> str:
    """A number written with a decimal comma ('1,0', '0,0': a 0 / 1 field exported where the comma is the decimal
    mark) with a point, which float() reads; other text as it is."""
    return text.replace(",", ".") if re.fullmatch(r"[-+]?[0-9]+,[0-9]+", text) else text


def _number_name(value: int, whole: set) -> str:
    """How a class given as a number reads: 0 barren; 1 mineralised where the field's numbers are 0 and 1 (as the
    help and the label raster's legend say), else 'class N' (levels 1, 2, 3 …; the Meuse labels read 'class 1
    (class 1)' in the log and the summary, 'mineralised (1)' in the legend)."""
    if value == 0:
        return "barren"
    return "mineralised" if value == 1 and max(whole, default=0) <= 1 else f"class {value}"


def class_ids(raw: List[object]) -> Tuple[np.ndarray, Dict[int, str], np.ndarray]:
    """Class ids from a label field: ``(ids, names, usable)``.

    Whole numbers >= 0 are used as they are (0 = barren); negative whole numbers mean
    "unlabelled" (scikit-learn's -1 convention) and are not usable. Text values: the words
    in :data:`BARREN_WORDS` become 0, every other word the ids after the largest whole number
    of the field (1, 2, ... when there is none) in sorted order, but every spelling of 'yes'
    (:data:`TRUE_FLAGS`) is one class: class 1 when the field holds 1; a word however capitalised
    ('Mineralised', 'mineralised') is one class; whole numbers written as
    text keep their value. Empty values are not usable. Fractions (0.5) are refused
    (:class:`InputError`): they are grades or probabilities, not classes; unless the field has
    more distinct values than half its points, which callers refuse as a measurement or an id.
    """
    text: List[Optional[str]] = []
    numbers: List[Optional[float]] = []
    for value in raw:
        if value is None or (isinstance(value, float) and not np.isfinite(value)) or str(value).strip() in ("", "NULL"):
            text.append(None)
            numbers.append(None)
            continue
        text.append(str(value).strip())
        try:
            number = float(_point_decimal(str(value).strip()))
        except ValueError:
            numbers.append(None)
            continue
        if number < 0 and number.is_integer():  # -1 etc.: explicitly unlabelled
            text[-1] = None
            numbers.append(None)
            continue
        numbers.append(number)
    usable = np.array([t is not None for t in text], dtype=bool)
    ids = np.zeros(len(text), dtype=np.int64)
    present = [n for n, t in zip(numbers, text) if t is not None]
    fractions = sorted({n for n in present if n is not None and not float(n).is_integer()})
    # a field of many distinct values is a measurement or an id: left to the callers, which say so
    measurement = len(set(present)) > max(2, len(present) / 2)
    if fractions and not measurement:  # 0.5, 0.7: a grade or a probability; as words '0.0' became a mineralised class
        shown = ", ".join(f"{v:g}" for v in fractions[:5])
        raise InputError(
            f"class values must be whole numbers (0 = barren, 1, 2 … = mineralised) or words, but the field holds "
            f"{shown}{' …' if len(fractions) > 5 else ''}: a grade or a probability, not a class. Choose a class "
            "field, or leave it empty to take every point as mineralised.",
            "LABEL_FIELD",
        )
    if fractions:  # read every value as a word, as before: the callers name the field and refuse it
        numbers = [None] * len(numbers)
        present = [None] * len(present)
    whole = {int(n) for n in present if n is not None}
    if present and all(n is not None for n in present):
        for i, n in enumerate(numbers):
            if n is not None:
                ids[i] = int(n)
        names = {int(v): _number_name(int(v), whole) for v in set(ids[usable].tolist())}
        return ids, names, usable
    # words, possibly beside whole numbers ('1', '0', 'deposit'): the numbers keep their meaning (0 = barren), the
    # barren words are 0 and the other words take the ids after the largest number
    words = {_folded(t) for t, n in zip(text, numbers) if t is not None and n is None}
    barren = BARREN_WORDS if words & set(TRUE_FLAGS) else tuple(w for w in BARREN_WORDS if w != "f")
    others = sorted({t for t, n in zip(text, numbers) if t is not None and n is None and _folded(t) not in barren})
    others_text: List[str] = [w for w in others if w is not None]
    # 'yes', 'Y', 'true' are one answer however typed (a flag field kept by hand): one class, class 1 when the
    # field holds 1 too ('1', 'yes', 'Y', '0', 'barren'), else the id the first of them takes in the sorted order
    flags = [w for w in others_text if _folded(w) in TRUE_FLAGS]
    # a word however capitalised is one class ('Mineralised', 'mineralised', 'MINERALISED' as typed by hand or
    # by different people), named for every spelling it holds: 'MINERALISED / Mineralised / mineralised'; a list of
    # commodities in any order is one class too ('Au, Cu', 'Cu, Au'), named as first written (:func:`_class_key`)
    first: Dict[str, str] = {}  # each class's spelling as first met in the field
    listed = set(others_text)
    for t, n in zip(text, numbers):
        if t is not None and n is None and t in listed:
            first.setdefault(_class_key(t), t)
    mapping: Dict[str, int] = {}
    key_ids: Dict[str, int] = {}
    next_id = max(whole, default=0) + 1
    for word in others_text:
        if _class_key(word) in key_ids:
            mapping[word] = key_ids[_class_key(word)]
        elif word in flags and flags[0] in mapping:
            mapping[word] = mapping[flags[0]]
        elif word in flags and 1 in whole:
            mapping[word] = 1
        else:
            mapping[word] = next_id
            next_id += 1
        key_ids.setdefault(_class_key(word), mapping[word])
    names = {0: "barren"}
    for i, t in enumerate(text):
        if t is None:
            continue
        if numbers[i] is not None:
            ids[i] = int(numbers[i])  # type: ignore[arg-type]  # whole, >= 0: checked above
            names.setdefault(int(ids[i]), _number_name(int(ids[i]), whole))
            continue
        ids[i] = 0 if _folded(t) in barren else mapping[t]
        names[int(ids[i])] = first[_class_key(t)] if ids[i] else names[0]
    for word in first.values():
        spellings = [w for w in others_text if _folded(w) == _folded(word)]
        if len(spellings) > 1:
            names[mapping[word]] = " / ".join(spellings)
    if flags:  # the class named for every spelling it holds: '1 / Y / yes'
        spellings = (["1"] if mapping[flags[0]] == 1 and 1 in whole else []) + flags
        names[mapping[flags[0]]] = " / ".join(spellings)
    return ids, names, usable


def labelled_class_names(
    method: str, classes: Optional[np.ndarray], class_names: Optional[Dict[int, str]]
) -> Optional[Dict[int, str]]:
    """The names of the classes a pseudo-labelling by ``method`` writes: PU bagging merges every mineralised class
    into class 1, named for all it holds ('Au + Cu'), not the first; other methods keep ``class_names``."""
    kinds = sorted(set(classes[classes >= 1].tolist())) if classes is not None and class_names else []
    if method != "pu_bagging" or len(kinds) < 2 or not class_names:
        return class_names
    return {0: class_names.get(0, "barren"), 1: " + ".join(str(class_names[k]) for k in kinds)}
