"""Reading class values of labelled points: whole numbers as they are, or words (barren = 0)."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import numpy as np

#: text labels read as the barren class (0), case-insensitive
BARREN_WORDS = ("barren", "background", "negative", "no", "false", "unmineralised", "unmineralized", "waste")


def class_ids(raw: List[object]) -> Tuple[np.ndarray, Dict[int, str], np.ndarray]:
    """Class ids from a label field: ``(ids, names, usable)``.

    Whole numbers >= 0 are used as they are (0 = barren); negative whole numbers mean
    "unlabelled" (scikit-learn's -1 convention) and are not usable. Text values: the words
    in :data:`BARREN_WORDS` become 0, every other value 1, 2, ... in sorted order. Empty
    values are not usable.
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
            number = float(str(value).strip())
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
    if present and all(n is not None and n >= 0 and float(n).is_integer() for n in present):
        for i, n in enumerate(numbers):
            if n is not None:
                ids[i] = int(n)
        names = {int(v): ("barren" if v == 0 else f"class {int(v)}") for v in set(ids[usable].tolist())}
        return ids, names, usable
    others = sorted({t for t in text if t is not None and t.lower() not in BARREN_WORDS})
    mapping = {t: i + 1 for i, t in enumerate(others)}
    names = {0: "barren"}
    for i, t in enumerate(text):
        if t is None:
            continue
        ids[i] = 0 if t.lower() in BARREN_WORDS else mapping[t]
        names[int(ids[i])] = t if ids[i] else names[0]
    return ids, names, usable
