"""What an evidence band holds: its name ``<layer>:<what>``, unit and kind, and the table listing them."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence

from ..errors import InputError
from ..io.tables import csv_text

#: kinds of band (stored in each band's metadata as KIND)
KINDS = ("distance", "density", "class", "continuous", "categorical")


@dataclass(frozen=True)
class BandSpec:
    """One output band: ``name`` (``faults:distance_m``), ``unit`` (``m``, ``km/km2``, ``1`` for 0/1 classes, or
    the source raster's), ``kind`` (one of :data:`KINDS`), the ``source`` layer, and for class bands the class
    ``value`` as it is in the attribute table."""

    name: str
    unit: str
    kind: str
    source: str
    value: Optional[str] = None
    description: str = ""


def band_name(layer: str, what: str) -> str:
    """``<layer>:<what>`` with the layer name's colons replaced (the first colon separates layer and band)."""
    return f"{clean_label(layer).replace(':', '_')}:{clean_label(what)}"


def clean_label(text: object) -> str:
    """A label on one line, without control characters, trimmed ('' stays '')."""
    return re.sub(r"\s+", " ", re.sub(r"[\x00-\x1f\x7f]", " ", str(text))).strip()


def table_csv(bands: Sequence[BandSpec]) -> str:
    """The band table as CSV text: band number, name, kind, unit, source layer, class value, description.

    Text cells that a spreadsheet would read as a formula get a leading apostrophe (:class:`..io.tables.SafeWriter`).
    """
    rows = ([i, b.name, b.kind, b.unit, b.source, b.value or "", b.description] for i, b in enumerate(bands, start=1))
    return csv_text(["band", "name", "kind", "unit", "source", "class_value", "description"], rows, lineterminator="\n")


def names(bands: Sequence[BandSpec]) -> List[str]:
    """The band names, in order."""
    return [b.name for b in bands]


def refuse_repeated_bands(sources: List[Any], given: List[str], files: Optional[List[str]] = None) -> None:
    """Refuse, naming the parameter of the later input, two inputs whose bands would have one name (the same layer
    twice, or two files of one name: each survey's grid delivered as 'mag.tif'), and the files when they are
    known (``files``, one per source, "" for none): the stack's bands are found by name later. Bands of one input
    are named apart when read (:func:`..io.rasters.band_labels`)."""
    files = list(files or [])
    files += [""] * (len(sources) - len(files))
    seen: dict = {}
    for source, parameter, file in zip(sources, given, files):
        own = [b.name for b in source.bands]
        repeated = [n for n in own if n in seen]
        if repeated:
            first, first_file = seen[repeated[0]]
            hint = (
                " REFERENCE_BANDS already copies the grid raster's bands into the stack."
                if first.startswith("REFERENCE_RASTER")
                else ""
            )
            if file and first_file and os.path.normpath(file) != os.path.normpath(first_file):
                what = (
                    f"two files of one name ({first_file} and {file}). Rename one file (or, in QGIS, one layer), "
                    "or leave one out."
                )
            else:
                what = "the same layer twice, or two files of one name. Leave one out, or rename one file."
            raise InputError(
                f"'{source.layer}' gives bands named like those of {first} ({', '.join(repeated)}): {what}{hint}",
                parameter.split(" ")[0],
            )
        seen.update({n: (parameter, file) for n in own})
