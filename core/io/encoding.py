"""Text that was not decoded: a file whose encoding is not declared (a shapefile without its .cpg file)."""

from __future__ import annotations

from typing import Iterable, List

from ..errors import InputError

#: the character a reader puts for bytes it cannot decode (U+FFFD)
REPLACEMENT = "\ufffd"


def refuse_undecoded_classes(values: Iterable[object], field: str, layer: str, parameter: str) -> None:
    """Refuse class values (a field's raw values; only text is looked at) holding undecoded characters
    ('Kivi �'): different words (ä, ö) then read alike and their classes are silently merged, so no class reading
    of the field can be trusted."""
    bad: List[str] = sorted({v for v in values if isinstance(v, str) and REPLACEMENT in v})
    if not bad:
        return
    shown = ", ".join(repr(v) for v in bad[:3])
    raise InputError(
        f"{len(bad)} value(s) of '{field}' in '{layer}' hold characters that could not be read (e.g. {shown}): the "
        "file does not say how its text is encoded (a shapefile without its .cpg file), so different classes (ä, "
        "ö …) may read alike and be merged. Give the encoding: in QGIS, Layer Properties › Source › Data source "
        f"encoding (e.g. windows-1252 or ISO-8859-1); for qgis_process, a file '{layer}.cpg' holding '1252' "
        "beside the shapefile; or save the layer as a GeoPackage with the right encoding. Then run again.",
        parameter,
    )
