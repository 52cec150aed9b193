"""What evidence says about a line layer (faults, contacts, dykes) before and after it reads it: the checks that
read only numbers, geometries and field values.

Each function takes plain values (the grid, the layer's name, its shapely geometries, the counts a
:class:`.lines.LineEvidence` found, a field's values) and returns the message to give, as text ("" for none), or
a list, or raises :class:`..errors.InputError`: the adapter reads the layer and prints them in order.
"""

from __future__ import annotations

import math
import re
from typing import Any, List, Sequence, Tuple

from ..errors import InputError
from ..grid import GridSpec

#: field names that say a kind (English, and Finnish 'tyyppi', 'luokka') and those that name single features
KIND_FIELD = re.compile(r"typ|kind|class|struct|categ|luokka|tyyppi|genre", re.IGNORECASE)
NAME_FIELD = re.compile(r"name|nimi|^id$|_id$|comment|remark|note|source|date", re.IGNORECASE)

#: most values a field may hold to sort lines into kinds (and the number of values read to tell more)
MAX_KINDS = 20


def check_density_radius(radius: float, grid: GridSpec) -> None:
    """Refuse a DENSITY_RADIUS (``radius`` > 0) smaller than a cell, or longer than the grid's whole diagonal: the
    window would also reach radius / pixel_size cells out, for a band of one value everywhere. 0 = no density."""
    if radius > 0 and radius < grid.pixel_size:
        raise InputError(
            f"{grid.length_text(radius)} is smaller than a cell ({grid.length_text(grid.pixel_size)}); "
            "use at least a few cells, or 0 for no density band.",
            "DENSITY_RADIUS",
        )
    diagonal = math.hypot(grid.width, grid.height) * grid.pixel_size
    if radius > diagonal:
        raise InputError(
            f"{grid.length_text(radius)} is more than the grid's whole diagonal ({grid.length_text(diagonal)}), so "
            "every cell's circle would hold the same lines and the density band would be one value everywhere; "
            "use a radius of a few cells up to a fraction of the area, or 0 for no density band.",
            "DENSITY_RADIUS",
        )


def zero_length_note(name: str, geometries: Sequence[Any]) -> str:
    """A warning for the lines of layer ``name`` of zero length (every vertex in one place): distances are measured
    to that point. "" when there are none."""
    drawn = [g for g in geometries if g is not None and not g.is_empty]
    points = sum(1 for g in drawn if g.length == 0)
    if not points:
        return ""
    return (
        f"LINES: {points} of the {len(drawn)} lines of '{name}' {'has' if points == 1 else 'have'} zero "
        "length (every vertex in one place), so distances are measured to that point; check how they "
        "were digitised (snapping can collapse a short fault), or remove them."
    )


def polygons_as_lines_note(name: str) -> str:
    """The warning for a layer of polygons given as LINES: distances are to their outlines."""
    return (
        f"LINES: layer '{name}' holds polygons: distances are measured to their outlines, so "
        "cells inside a polygon are not at 0. For fault zones drawn as polygons give their centre lines, "
        "or the polygons as POLYGONS (a band of 1 inside)."
    )


def could_hold_kinds(field: str) -> bool:
    """False for a text field named for single features (names, comments, sources): not kinds, and not worth a
    scan of the layer."""
    return not NAME_FIELD.search(field)


def kind_fields(candidates: Sequence[Tuple[str, Sequence[object]]], count: int) -> List[Tuple[str, List[str]]]:
    """(name, values) of the text fields (``candidates``: name and up to ``MAX_KINDS + 1`` distinct values, in layer
    order) of a line layer of ``count`` features whose values sort its features into a few kinds (2 to
    :data:`MAX_KINDS` values, one at least on two features), those named for a kind first, then the fewest values:
    a fault type (thrust, normal). None ([]) for a layer of fewer than three features."""
    if count < 3:
        return []
    found = []
    for name, raw in candidates:
        values = sorted({str(v).strip() for v in raw if v is not None and str(v).strip()})
        values = [v for v in values if v != "NULL"]
        if 2 <= len(values) <= min(MAX_KINDS, count - 1):
            found.append((not KIND_FIELD.search(name), len(values), name, values))
    return [(name, values) for _, _, name, values in sorted(found)]


def kind_field_note(name: str, kinds: Sequence[Tuple[str, Sequence[str]]]) -> str:
    """The information that the lines of layer ``name`` give one set of bands whatever their kind, naming the first
    field of :func:`kind_fields` (and the second); "" without one."""
    if not kinds:
        return ""
    field, values = kinds[0]
    shown = ", ".join(f"'{v}'" for v in values[:4]) + (", …" if len(values) > 4 else "")
    others = "".join(f" and '{f}'" for f, _ in kinds[1:2])
    return (
        f"LINES: all lines of '{name}' give one set of bands, whatever their kind: its field '{field}' "
        f"({len(values)} values: {shown}){others} {'are' if others else 'is'} not used. For bands of one "
        "kind (e.g. thrusts "
        "apart), give the layer filtered by that field (Layer Properties › Source › Query Builder, or "
        "Vector › Data Management Tools › Split Vector Layer) as one more LINES layer."
    )


def repeated_lines_note(name: str, features: int, segments: int, overlapping: int) -> str:
    """The warning for lines of layer ``name`` counted once in the density and the intersections: ``features``
    repeating another exactly, ``segments`` repeating one of another feature, ``overlapping`` sharing part of their
    length with another on one line (:class:`.lines.LineEvidence`'s counts). "" for none."""
    if not (features or segments or overlapping):
        return ""
    parts = [f"{features:,} feature(s) of '{name}' repeat another exactly"] if features else []
    parts += [f"{segments:,} segment(s) repeat one of another feature"] if segments else []
    parts += (
        [f"{overlapping:,} segment(s) of '{name}' share part of their length with another on one line"]
        if overlapping
        else []
    )
    return (
        f"LINES: {' and '.join(parts)} (the same fault twice, as merged map sheets or a copy pasted "
        "twice leave them): each is counted once in the density and the intersections. If they are "
        "distinct faults drawn on one trace, that is still one line on the ground."
    )


def near_duplicate_note(name: str, features: int, tolerance: float, length: float, grid: GridSpec) -> str:
    """The warning for ``features`` of layer ``name`` that run within ``tolerance`` (a tenth of a cell) of an earlier
    one over ``length`` in all: counted once in the density and the intersections. "" for none."""
    if not features:
        return ""
    return (
        f"LINES: {features:,} feature(s) of '{name}' run within "
        f"{grid.length_text(tolerance)} (a tenth of a cell) of an earlier one over "
        f"{grid.length_text(length)} in all (one fault digitised twice a few metres apart, "
        "as two compilations or map sheets leave it): those stretches are counted once in the density and "
        f"the intersections. Lines a cell ({grid.length_text(grid.pixel_size)}) or more apart count as "
        "two; to keep closer ones apart, use smaller cells (PIXEL_SIZE, or a finer raster)."
    )


def intersections_info(name: str, n: int) -> str:
    """The information line giving the number of intersections of the lines of layer ``name``."""
    return f"{name}: {n:,} intersection{'' if n == 1 else 's'} of lines"


#: a line reaching more than this many extents' diagonals from the grid gets the information line below
FAR_DIAGONALS = 100.0


def far_cut_info(name: str, cut: int, farthest: float, grid: GridSpec) -> str:
    """The information line when the lines of layer ``name`` reach ``farthest`` from the grid's extent, more than
    :data:`FAR_DIAGONALS` times its diagonal (a misplaced vertex, or a world map of faults), ``cut`` segments
    being cut where no farther part can matter to a cell; "" otherwise (a regional fault map is no news)."""
    diagonal = math.hypot(grid.xmax - grid.xmin, grid.ymax - grid.ymin)
    if not cut or farthest <= FAR_DIAGONALS * diagonal:
        return ""
    return (
        f"{name}: a line reaches {grid.length_text(farthest)} from the grid, whose extent is "
        f"{grid.length_text(diagonal)} across: a misplaced vertex? Its far part, too far to be any cell's nearest "
        "or within a density radius of one, is left out of the distance and density bands."
    )
