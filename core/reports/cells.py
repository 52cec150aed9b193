"""Table cells that carry their own HTML and class, shared by the reports' tables."""

from __future__ import annotations

import html
import unicodedata
from typing import Iterable, Mapping, Tuple


class Cell(str):
    """Table-cell HTML, already escaped, with its own class (``n``: read as a number, right-aligned), e.g. a weight
    above its standard deviation or a map's name above how it was ranked."""

    css = "n"

    def __new__(cls, text: str, css: str = "n") -> "Cell":
        cell = super().__new__(cls, text)
        cell.css = css
        return cell


#: Unicode bidirectional classes that can reorder the text around them: right-to-left letters, Arabic numbers,
#: and the embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069)
_BIDI = frozenset(("R", "AL", "AN", "LRE", "LRO", "RLE", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"))


def isolated(text: object) -> str:
    """A name from the user's files (a band, feature, map, deposit or class name), escaped; set in its own
    bidirectional run (``<bdi>``) when it holds right-to-left letters or a direction control (U+202E reverses what
    follows until the paragraph ends), so that it shows as typed and cannot reorder the text after it."""
    name = str(text)
    escaped = html.escape(name)
    if any(unicodedata.bidirectional(c) in _BIDI for c in name):
        return f"<bdi>{escaped}</bdi>"
    return escaped


#: joiners Persian and Indic names need (zero-width non-joiner and joiner): format characters that reorder nothing
_KEPT_FORMAT = frozenset("\u200c\u200d")


def plain(text: object) -> str:
    """``text`` for a plain-text log line or message: invisible format characters (Unicode category Cf: the
    direction controls U+202A-U+202E and U+2066-U+2069, the marks U+200E, U+200F and U+061C, zero-width spaces) and
    control characters other than line breaks and tabs shown as ``\\uXXXX``, so that a name from the user's files
    (a field, layer or deposit name) cannot reverse or hide the rest of the line in a terminal: U+202E makes
    'Cu<U+202E>mpp' read 'Cuppm' and everything after it run backwards. Joiners (U+200C, U+200D) are kept."""
    out = str(text)
    if all(c.isprintable() or c in "\n\t" for c in out):  # the common case: nothing to look at
        return out
    return "".join(
        f"\\u{ord(c):04x}"
        if c not in "\n\t" and c not in _KEPT_FORMAT and unicodedata.category(c) in ("Cf", "Cc")
        else c
        for c in out
    )


def spoken_list(items: Iterable[str]) -> str:
    """Items as a sentence lists them: 'a', 'a and b', 'a, b and c'."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def ranked_counts(counts: Mapping[str, int], item: str, limit: int = 4) -> Tuple[str, str]:
    """Values and their counts for a message, most frequent first (ties by value), the first ``limit`` of them each
    as ``item`` formats them ("'{}' {}": 'till' 24), and the most frequent value quoted for a filter expression
    (its quotes doubled)."""
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    shown = ", ".join(item.format(v, n) for v, n in ranked[:limit]) + (", …" if len(ranked) > limit else "")
    return shown, ranked[0][0].replace("'", "''")
