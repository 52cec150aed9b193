"""What evidence says about a layer of classed polygons (lithology): the checks that read only its geometries, class
labels and field values.

Each function takes plain values (the layer's name, its shapely geometries, the class labels of
:func:`.polygons.class_label`, the grid) and returns the message to give, as text ("" for none), or the error to
raise: the adapter reads the layer and prints them in order.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..callbacks import CancelCallback
from ..errors import InputError
from ..grid import GridSpec
from .bands import clean_label
from .polygons import class_key, overlaps_between_classes, polygonal, uncovered_area, valid_polygon


def unclassed_note(name: str, field: str, labels: Sequence[Optional[str]]) -> str:
    """A warning for polygons of layer ``name`` with no class (None in ``labels``) beside classed ones: their cells
    are 0 in every class band. "" when none or all are unclassed (all is refused by :func:`.polygons.choose_classes`).
    """
    unclassed = sum(label is None for label in labels)
    if not unclassed or unclassed >= len(labels):
        return ""
    return (
        f"POLYGONS: {unclassed} of {len(labels)} polygons of '{name}' have no value in "
        f"'{field}' (NULL or empty): their cells are 0 in every class band, and their outlines are no "
        "contacts. Fill in their class, or leave them out of the layer, if that is not meant."
    )


def spelling_notes(name: str, field: str, merged: Dict[str, List[str]]) -> List[str]:
    """A warning per class spelled several ways (``merged``, from :func:`.polygons.one_spelling`), read as one."""
    return [
        f"CLASS_FIELD: {' and '.join(repr(s) for s in spellings)} in '{field}' of '{name}' "
        f"differ only in capitals: read as one class, '{spelling}' (one band, no contact between them)."
        for spelling, spellings in merged.items()
    ]


def wanted_classes(typed: str, labels: Sequence[Optional[str]]) -> List[str]:
    """The classes listed in CLASSES (``typed``, separated by ';' or the CJK '；'), each spelled as in ``labels`` when
    one matches it but for capitals and spacing (:func:`.polygons.class_key`), else as typed."""
    wanted = [c for c in typed.replace("\uff1b", ";").split(";") if c.strip()]
    keys = {class_key(label): label for label in labels if label is not None}
    return [keys.get(class_key(clean_label(c)), c) for c in wanted]


def class_fields(candidates: Sequence[Tuple[str, bool, Sequence[object]]], polygons: int) -> List[Tuple[str, int]]:
    """(name, number of values) of the fields (``candidates``: name, whether it holds text, and up to
    ``polygons // 2 + 1`` of its distinct values) whose values repeat (at least two values, fewer than half as many
    as ``polygons``): those that could hold the rock types, text fields first, then the most detailed."""
    found = []
    for name, text, raw in candidates:
        values = {v for v in raw if v is not None and str(v).strip() and str(v) != "NULL"}
        if 2 <= len(values) <= polygons // 2:
            found.append((not text, -len(values), name))
    return [(name, -count) for _, count, name in sorted(found)]


def single_class_note(name: str, labels: Sequence[Optional[str]]) -> str:
    """A warning when every classed polygon of layer ``name`` holds one class (a river, an intrusion): its outline is
    no contact between classes, so the stack gets no contact band. "" otherwise."""
    distinct = sorted({label for label in labels if label is not None})
    if len(distinct) != 1:
        return ""
    return (
        f"CONTACTS: every polygon of '{name}' holds one class ('{distinct[0]}'), so there are no contacts "
        "between classes (an outline is not a contact): the stack gets its class band and no "
        "contact_distance_m band. For the distance to the outline, give the polygons as LINES too "
        "(Vector › Geometry Tools › Polygons to Lines), and turn CONTACTS off to silence this warning."
    )


def no_contacts_error(name: str, labels: Sequence[Optional[str]], grid: GridSpec) -> InputError:
    """The refusal of CONTACTS for a layer whose polygons give none: one class only, or no polygons of different
    classes touching (gaps wider than half a cell)."""
    if len(set(labels)) < 2:
        return InputError(f"every polygon of '{name}' holds one class, so there are no contacts; turn CONTACTS off.",
                          "CONTACTS")  # fmt: skip
    return InputError(
        f"no polygons of different classes in '{name}' touch (the gaps between them are wider than "
        f"half a cell, {grid.length_text(grid.pixel_size / 2)}), so there are no contacts between classes; "
        "close the gaps between the units (Vector › Geometry Tools › Check Validity, or the Topology "
        "Checker's 'must not have gaps'), or turn CONTACTS off.",
        "CONTACTS",
    )


def uncovered_note(
    name: str, geometries: Sequence[Any], grid: GridSpec, mask: Optional[Sequence[Any]] = None
) -> Tuple[str, str]:
    """Say when part of the grid (within the polygons of ``mask``) lies in no polygon of ``geometries``: beyond a map
    that covers part of the area, or in gaps between its units (at least a cell, and 1 % of the area). Those cells
    are 0 in every class band, as if they were none of the rocks: evidence of something no map says.

    Returns (warning, debug): the warning ("" for none), and a debug line when the share could not be measured (a
    warning never stops a run: a MASK QGIS let through unchecked may hold a self-crossing polygon)."""
    from shapely.errors import ShapelyError
    from shapely.geometry import box
    from shapely.ops import unary_union

    area = box(grid.xmin, grid.ymin, grid.xmax, grid.ymax)
    try:
        if mask is not None:
            shapes = [s for s in (polygonal(g) for g in mask) if s is not None]
            area = area.intersection(unary_union([s if s.is_valid else valid_polygon(s) for s in shapes]))
        if area.is_empty:
            return "", ""
        uncovered = uncovered_area(geometries, area)
    except (ShapelyError, ValueError) as exc:
        return "", f"POLYGONS: the share of the grid outside the polygons was not measured ({exc})."
    cell = grid.pixel_size**2
    if uncovered < max(0.01 * area.area, cell):
        return "", ""
    return (
        f"POLYGONS: {100 * uncovered / area.area:.0f} % of the grid{' within the MASK' if mask else ''} (about "
        f"{uncovered / cell:,.0f} of its {area.area / cell:,.0f} cells) lies in no polygon of '{name}' (beyond the "
        "map, or in gaps between its units): those cells are 0 in every class band, as if they were none of "
        "these rocks. If the map does not cover them, give its outline as MASK (cells outside the MASK are "
        "nodata) or a map that covers the whole area; close gaps between units (Vector › Geometry Tools › "
        "Check Validity, or the Topology Checker's 'must not have gaps')."
    ), ""


def collections_note(name: str, not_polygons: int) -> str:
    """A warning for ``not_polygons`` features of layer ``name`` holding lines or points beside their polygons."""
    if not not_polygons:
        return ""
    return (
        f"POLYGONS: {not_polygons} feature(s) of '{name}' hold lines or points (a geometry "
        "collection, as overlays in a GIS leave them): only their polygons give class cells and contacts."
    )


def overlaps_note(
    name: str,
    geometries: Sequence[Any],
    labels: Sequence[Optional[str]],
    classes: Sequence[str],
    grid: GridSpec,
    is_cancelled: Optional[CancelCallback] = None,
) -> str:
    """A warning where polygons of different ``classes`` overlap by half a cell or more: a cell there takes the later
    polygon's class. "" for none."""
    wanted = set(classes)
    shapes = [polygonal(g) for g in geometries]
    pairs = overlaps_between_classes(
        shapes, [label if label in wanted else None for label in labels], 0.5 * grid.pixel_size**2, is_cancelled
    )
    if not pairs:
        return ""
    i, j, _ = pairs[0]
    cells = sum(area for _, _, area in pairs) / grid.pixel_size**2
    return (
        f"POLYGONS: {len(pairs)} pair(s) of polygons of different classes overlap in '{name}' (about "
        f"{cells:,.0f} cells in all, e.g. '{labels[j]}' over '{labels[i]}'): a cell there takes the class of "
        "the polygon that comes later in the layer. If the map should not overlap, fix it (Vector › "
        "Geometry Tools › Check Validity, or the Topology Checker) and run again."
    )


def classes_info(name: str, field: str, classes: Sequence[str]) -> str:
    """The information line naming the class bands of layer ``name``."""
    return f"{name}: {len(classes)} class band(s) from field '{field}': {'; '.join(classes)}"
