"""Text that was not decoded: a file whose encoding is not declared (a shapefile without its .cpg file), declared
wrong (a .cpg saying UTF-8 over Latin-1 text), or a text file read in another encoding than it was written in."""

from __future__ import annotations

import os
from typing import Iterable, List, Tuple

from ..errors import InputError

#: the character a reader puts for bytes it cannot decode (U+FFFD)
REPLACEMENT = "\ufffd"
#: files QGIS reads as delimited text, whose encoding is a setting of the layer (UTF-8 unless told)
TEXT_FILES = (".csv", ".txt", ".tsv", ".tab", ".dat")


def _declared_encoding(path: str) -> str:
    """What a shapefile's .cpg file says its text is in ('' when the file is not a shapefile or has none)."""
    stem, extension = os.path.splitext(path)
    if extension.lower() not in (".shp", ".dbf"):
        return ""
    for cpg in (stem + ".cpg", stem + ".CPG"):
        try:
            with open(cpg, encoding="ascii", errors="replace") as handle:
                return handle.read(64).strip() or "(empty)"
        except OSError:
            continue
    return ""


def _why_and_how(path: str, layer: str) -> Tuple[str, str]:
    """Why the text could not be read, and how to give its encoding, for the kind of file behind the layer."""
    name = os.path.basename(path)
    if path and os.path.splitext(path)[1].lower() in TEXT_FILES:
        return (
            f"the text file '{name}' is not in the encoding it was read in (UTF-8, unless the layer names another)",
            "Give its encoding: in QGIS, Layer › Add Layer › Add Delimited Text Layer › Encoding (e.g. windows-1252 "
            "or ISO-8859-1); for qgis_process, add 'encoding=windows-1252' to the layer's URI "
            f"(delimitedtext://file:///…/{name}?encoding=windows-1252&…); or save the file as UTF-8.",
        )
    declared = _declared_encoding(path)
    if declared:
        stem = os.path.splitext(name)[0]
        return (
            f"the shapefile's '{stem}.cpg' says its text is in {declared}, but it is written in another encoding",
            "Give the encoding it was written in: in QGIS, Layer Properties › Source › Data source encoding (e.g. "
            f"windows-1252 or ISO-8859-1); for qgis_process, replace '{declared}' in '{stem}.cpg' by that name "
            "(e.g. '1252'); or save the layer as a GeoPackage with the right encoding.",
        )
    return (
        "the file does not say how its text is encoded (a shapefile without its .cpg file)",
        "Give the encoding: in QGIS, Layer Properties › Source › Data source encoding (e.g. windows-1252 or "
        f"ISO-8859-1); for qgis_process, a file '{layer}.cpg' holding '1252' beside the shapefile; or save the layer "
        "as a GeoPackage with the right encoding.",
    )


def refuse_undecoded_classes(values: Iterable[object], field: str, layer: str, parameter: str, path: str = "") -> None:
    """Refuse class values (a field's raw values; only text is looked at) holding undecoded characters
    ('Kivi �'): different words (ä, ö) then read alike and their classes are silently merged, so no class reading
    of the field can be trusted. ``path``, the file behind the layer, says which advice fits: a text file's
    encoding setting, a shapefile's .cpg that names the wrong encoding, or one that is missing."""
    bad: List[str] = sorted({v for v in values if isinstance(v, str) and REPLACEMENT in v})
    if not bad:
        return
    shown = ", ".join(repr(v) for v in bad[:3])
    layer = layer or os.path.splitext(os.path.basename(path))[0] or "the layer"
    why, how = _why_and_how(path, layer)
    raise InputError(
        f"{len(bad)} value(s) of '{field}' in '{layer}' hold characters that could not be read (e.g. {shown}): "
        f"{why}, so different classes (ä, ö …) may read alike and be merged. {how} Then run again.",
        parameter,
    )


def undecoded_names_warning(names: Iterable[str], field: str, layer: str, parameter: str, path: str = "") -> str:
    """A warning for names (a label field's text, e.g. deposit names) holding undecoded characters ('Kittil�'):
    they still label their rows, but the report, table and log show them garbled; '' when none does."""
    names = [v for v in names if isinstance(v, str)]
    bad: List[str] = sorted({v for v in names if REPLACEMENT in v})
    if not bad:
        return ""
    count = sum(REPLACEMENT in v for v in names)
    shown = ", ".join(repr(v) for v in bad[:3])
    layer = layer or os.path.splitext(os.path.basename(path))[0] or "the layer"
    why, how = _why_and_how(path, layer)
    alike = f"; {count} names read as {len(bad)}, so different letters read alike" if count > len(bad) else ""
    return (
        f"{parameter}: {count} name(s) in '{field}' of '{layer}' hold characters that could not be read (e.g. "
        f"{shown}{alike}), and the report, the table and the log show them so: {why}. {how}"
    )
