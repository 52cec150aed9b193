"""CSV tables that are safe to open in a spreadsheet.

A text cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is read as a formula by
Excel and LibreOffice: a deposit named ``=HYPERLINK(...)`` would become a live link. Such cells get a leading
apostrophe, which spreadsheets show as plain text. Numbers, and text that reads as a number (``-0.5``), stay as
they are, so numeric columns stay numeric.
"""

from __future__ import annotations

import csv
import io
import math
from typing import IO, Any, Iterable, Mapping, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _reads_as_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def safe_cell(value: Any) -> Any:
    """``value`` unchanged, except text a spreadsheet would run as a formula, which gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _reads_as_number(value):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose rows pass through :func:`safe_cell`."""

    def __init__(self, handle: IO[str], **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter:
    """``csv.DictWriter`` whose values pass through :func:`safe_cell` (the header is ours, never user text)."""

    def __init__(self, handle: IO[str], fieldnames: Sequence[str], **options: Any) -> None:
        self._writer = csv.DictWriter(handle, fieldnames=fieldnames, **options)

    def writeheader(self) -> None:
        self._writer.writeheader()

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._writer.writerow({k: safe_cell(v) for k, v in row.items()})


def csv_text(header: Sequence[Any], rows: Iterable[Iterable[Any]], **options: Any) -> str:
    """CSV text of ``header`` then ``rows`` through :class:`SafeWriter` (``options`` as ``csv.writer`` takes
    them): the tables of cross-validation, survey levelling and evidence bands."""
    handle = io.StringIO(newline="")
    writer = SafeWriter(handle, **options)
    writer.writerow(header)
    writer.writerows(rows)
    return handle.getvalue()
