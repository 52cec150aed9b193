"""Evidence from polygons with a class field (lithology): one 0/1 band per class, distance to the contacts."""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..callbacks import CancelCallback
from ..errors import Cancelled, InputError
from ..grid import GridSpec
from ..labels.classes import latin_i
from .bands import BandSpec, band_name, clean_label
from .geometry import SPACING_CELLS, SegmentIndex, distance_window, segments_of


def class_label(value: object) -> Optional[str]:
    """The class a field value stands for: its text, trimmed; None for NULL and empty values. Whole numbers
    stored as reals (3.0) read as 3."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        if value.is_integer():
            value = int(value)
    text = clean_label(value)
    if not text or text.upper() == "NULL":
        return None
    return text


def one_spelling(labels: Sequence[Optional[str]]) -> Tuple[List[Optional[str]], Dict[str, List[str]]]:
    """Labels whose classes differ only in capitals or Unicode composition ('Granite', 'granite', 'GRANITE', as
    people typing one map write them) as one class, spelled as most polygons spell it (ties: the first in sorted
    order): else each spelling was a band of its own and their shared outlines counted as contacts. Returns the
    labels and, for each class spelled several ways, its spelling -> every spelling it stands for."""
    counts = Counter(label for label in labels if label is not None)
    groups: Dict[str, List[str]] = {}
    for label in sorted(counts, key=lambda v: (-counts[v], v)):
        groups.setdefault(class_key(label), []).append(label)
    spelled = {label: group[0] for group in groups.values() for label in group}
    merged = {group[0]: group for group in groups.values() if len(group) > 1}
    return [spelled[label] if label is not None else None for label in labels], merged


def class_key(label: str) -> str:
    """What two spellings of one class share: composed Unicode, case folded, the Turkish dotted capital and dotless
    small i read as I and i ('GRANİT' as a Turkish map writes GRANIT: 'İ'.casefold() is i and a combining dot)."""
    return latin_i(unicodedata.normalize("NFC", label)).casefold()


def choose_classes(
    labels: Sequence[Optional[str]],
    wanted: Sequence[str],
    max_classes: int,
    field: str,
    classes_parameter: str = "CLASSES",
    field_parameter: str = "CLASS_FIELD",
    hint: str = "",
) -> List[str]:
    """The classes to write a band for: ``wanted`` (each must occur), or every class when it has at most
    ``max_classes`` of them, largest count first then by name. Refused with the list to pick from otherwise (and
    ``hint``, e.g. :func:`id_like_hint`'s, after it)."""
    counts = Counter(label for label in labels if label is not None)
    if not counts:
        raise InputError(f"field '{field}' has no values (all empty or NULL); choose the class field.", field_parameter)
    ranked = sorted(counts, key=lambda v: (-counts[v], v))
    if wanted:
        wanted = [clean_label(w) for w in wanted if clean_label(w)]
        missing = [w for w in wanted if w not in counts]
        if missing:
            raise InputError(
                f"{', '.join(repr(m) for m in missing)} not found in field '{field}'; its values include "
                f"{_listing(ranked, counts)}.",
                classes_parameter,
            )
        return list(dict.fromkeys(wanted))
    if len(ranked) > max_classes:
        raise InputError(
            f"field '{field}' has {len(ranked)} different values, more than the {max_classes} classes allowed "
            f"(one band each); list the classes to use in {classes_parameter} (separated by ';'), e.g. the most "
            f"frequent: {_listing(ranked, counts)}; or choose a field with fewer values (a generalised lithology), "
            "or raise MAX_CLASSES." + (f" {hint}" if hint else ""),
            classes_parameter,
        )
    return ranked


#: fewest polygons whose values, all different, read as an ID field (a small map may hold a few units once each)
ID_LIKE_POLYGONS = 10


def id_like_hint(labels: Sequence[Optional[str]], field: str, other_fields: Sequence[Tuple[str, int]] = ()) -> str:
    """A word when every polygon has its own value in ``field`` (at least :data:`ID_LIKE_POLYGONS` of them), as an
    ID field has (an OBJECTID, a polygon number chosen as the class field by mistake): each polygon would be a class
    of its own. ``other_fields``: (name, number of values) of the layer's fields that could hold the rock types.
    "" otherwise."""
    given = [label for label in labels if label is not None]
    if len(given) < ID_LIKE_POLYGONS or len(set(given)) < len(given):
        return ""
    text = (
        f"Every one of the {len(given):,} polygons has its own value in '{field}', as an ID field has, so each "
        "polygon would be a class of its own (its own band, and every boundary a contact)"
    )
    if other_fields:
        shown = ", ".join(f"'{name}' ({n} values)" for name, n in other_fields[:6])
        return f"{text}; choose the field that holds the rock types, e.g. {shown}."
    return f"{text}; choose the field that holds the rock types."


def uncovered_area(geometries: Sequence[Any], area: Any) -> float:
    """The part of the polygon ``area`` (the grid's extent, within the mask) that lies in none of ``geometries``
    (beyond a map that covers part of it, in the gaps between its units), in the CRS's square units."""
    from shapely.ops import unary_union

    shapes = [polygonal(g) for g in geometries]
    shapes = [g if g.is_valid else valid_polygon(g) for g in shapes if g is not None]
    if not shapes:
        return float(area.area)
    return float(area.difference(unary_union(shapes)).area)


def _listing(ranked: Sequence[str], counts: Dict[str, int], limit: int = 8) -> str:
    shown = "; ".join(f"'{v}' ({counts[v]})" for v in ranked[:limit])
    return shown + (f"; ... ({len(ranked) - limit} more)" if len(ranked) > limit else "")


def valid_polygon(geometry: Any) -> Any:
    """An invalid polygon (self-intersecting: a bow-tie) made valid with the area it covers as ``gdal_rasterize``
    fills it (every lobe), its polygonal parts only. ``buffer(0)``, the usual repair, keeps one lobe of a bow-tie."""
    from shapely.ops import unary_union
    from shapely.validation import make_valid

    fixed = make_valid(geometry)
    if fixed.geom_type in ("Polygon", "MultiPolygon"):
        return fixed
    parts = getattr(fixed, "geoms", [])
    return unary_union([p for p in parts if p.geom_type in ("Polygon", "MultiPolygon")])


def polygonal(geometry: Any) -> Any:
    """The polygons of ``geometry``: itself when it is a (multi)polygon, the polygon parts of a geometry collection
    merged (an overlay in a GIS leaves stray lines and points in them, which rasterizing would burn as cells of the
    class, and whose boundary GEOS cannot take), None when it holds no polygon (a line or a point only)."""
    from shapely.ops import unary_union

    if geometry is None or geometry.is_empty:
        return None
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [polygonal(p) for p in getattr(geometry, "geoms", [])]
    parts = [p for p in parts if p is not None]
    return unary_union(parts) if parts else None


def _holds_other_than_polygons(geometry: Any) -> bool:
    """Whether ``geometry`` holds a line or a point (at any depth of a collection)."""
    if geometry is None or geometry.is_empty or geometry.geom_type in ("Polygon", "MultiPolygon"):
        return False
    parts = getattr(geometry, "geoms", None)
    return parts is None or any(_holds_other_than_polygons(p) for p in parts)


def overlaps_between_classes(
    geometries: Sequence[Any],
    labels: Sequence[Optional[str]],
    min_area: float = 0.0,
    is_cancelled: Optional[CancelCallback] = None,
) -> List[Tuple[int, int, float]]:
    """(i, j, area) for each pair of polygons i < j of different classes (None: no class, left out) that overlap
    by more than ``min_area``: there the later polygon's class is the cell's (:class:`PolygonEvidence`).

    Candidates come from a sweep over the bounding boxes sorted by their west edge (a national map of 10⁵
    polygons is not compared pair by pair); neighbours that only share an edge, most of a map, are told by their
    interiors' relation before any intersection is computed; each invalid polygon is repaired once."""
    kept = [i for i, (g, label) in enumerate(zip(geometries, labels)) if label is not None and g is not None]
    bounds = np.array([geometries[i].bounds for i in kept], dtype=np.float64).reshape(-1, 4)
    order = np.argsort(bounds[:, 0], kind="stable")
    west = bounds[order, 0]
    repaired: Dict[int, Any] = {}

    def valid(i: int) -> Any:
        if i not in repaired:
            g = geometries[i]
            repaired[i] = g if g.is_valid else valid_polygon(g)
        return repaired[i]

    pairs = []
    for rank, a in enumerate(order):
        if is_cancelled is not None and rank % 256 == 0 and is_cancelled():
            raise Cancelled()
        b = bounds[a]
        stop = int(np.searchsorted(west, b[2], side="left"))  # boxes starting west of this one's east edge
        others = order[rank + 1 : stop]
        others = others[(bounds[others, 2] > b[0]) & (bounds[others, 1] < b[3]) & (bounds[others, 3] > b[1])]
        for c in others:
            i, j = sorted((kept[a], kept[c]))
            if labels[j] == labels[i]:
                continue
            gi, gj = valid(i), valid(j)
            if not gi.relate_pattern(gj, "2********"):  # interiors do not meet: a shared edge or corner at most
                continue
            area = gi.intersection(gj).area
            if area > min_area:
                pairs.append((i, j, float(area)))
    return sorted(pairs)


def contact_lines(geometries: Sequence[Any], labels: Sequence[Optional[str]], gap: float = 0.0) -> List[Any]:
    """The boundaries between polygons of different classes (NULL counts as a class of its own), without the
    outline of the map: each class's polygons are merged, their boundaries taken, and the parts on the outer
    boundary of all polygons removed.

    Gaps narrower than ``gap`` between polygons of different classes (the slivers of a digitised map, e.g. two
    units 1 m apart) are no outline: the edges on either side of such a gap are contacts. They are the map's edges
    that lie inside the polygons closed by a disc of diameter ``gap`` (buffered out and back in by half of it) and
    within ``gap`` of a polygon of another class; gaps and notches between polygons of one class stay outline.
    Where two classes meet the outline at a concave corner, the closing rounds it: outline within ``gap`` of the
    other class, near that corner, counts as contact too."""
    from shapely.ops import unary_union

    groups: Dict[Optional[str], List[Any]] = {}
    for geometry, label in zip(geometries, labels):
        if geometry is not None and not geometry.is_empty:
            groups.setdefault(label, []).append(geometry if geometry.is_valid else valid_polygon(geometry))
    if len(groups) < 2:
        return []
    merged = [unary_union(parts) for parts in groups.values()]
    union = unary_union(merged)
    outline = union.boundary
    xmin, ymin, xmax, ymax = outline.bounds
    tolerance = 1e-7 * max(xmax - xmin, ymax - ymin, 1.0)
    if gap > 0:
        outline = outline.difference(unary_union(_gap_sides(merged, union, outline, gap, tolerance)))
    rim = outline.buffer(tolerance)
    contacts = unary_union([m.boundary for m in merged]).difference(rim)
    return [] if contacts.is_empty else [contacts]


def _gap_sides(merged: Sequence[Any], union: Any, outline: Any, gap: float, tolerance: float) -> List[Any]:
    """The parts of the map's ``outline`` that are sides of gaps narrower than ``gap`` between classes: inside the
    map closed by a disc of diameter ``gap`` (a sliver, a narrow notch) and within ``gap`` of another class than
    the one whose edge they are (:func:`contact_lines`)."""
    closed = union.buffer(gap / 2, 16).buffer(-gap / 2, 16)
    inside = closed.buffer(-max(tolerance, 1e-4 * gap))
    candidates = outline.intersection(inside) if not inside.is_empty else None
    if candidates is None or candidates.is_empty:
        return []
    # only the classes' parts within ``gap`` of the candidates matter: clipping first keeps the buffers and overlays
    # to the slivers' surroundings, not the whole map (a national map of 90,000 polygons: 15 times slower unclipped).
    # The cut edges this adds lie well over ``gap`` from every candidate, so they never touch one.
    around = candidates.buffer(2 * gap, 4)  # twice: its facets cut corners of the true buffer
    local = [m.intersection(around) for m in merged]
    grown = [part.buffer(gap, 16) for part in local]
    boxes = np.array([g.bounds if not g.is_empty else (np.inf, np.inf, -np.inf, -np.inf) for g in grown])
    sides = []
    for i, own in enumerate(local):
        if own.is_empty:
            continue
        edges = candidates.intersection(own.boundary.buffer(tolerance))
        if edges.is_empty:
            continue
        x0, y0, x1, y1 = edges.bounds
        near = np.flatnonzero((boxes[:, 0] <= x1) & (boxes[:, 2] >= x0) & (boxes[:, 1] <= y1) & (boxes[:, 3] >= y0))
        sides += [edges.intersection(grown[j]) for j in near if j != i]
    return [s for s in sides if not s.is_empty]


class PolygonEvidence:
    """Bands from one polygon layer with a class field: ``<layer>:<class>`` (1 inside polygons of that class, 0
    elsewhere; a cell belongs to the polygon holding its centre, as ``gdal_rasterize`` decides, the later feature
    winning where polygons overlap) for each of ``classes``, and ``<layer>:contact_distance_m`` (distance to the
    boundaries between classes, :func:`contact_lines`, across gaps narrower than half a cell) with ``contacts``.

    ``geometries`` are shapely polygons in the grid's CRS, ``labels`` their classes (:func:`class_label`).
    """

    def __init__(
        self,
        layer: str,
        geometries: Sequence[Any],
        labels: Sequence[Optional[str]],
        classes: Sequence[str],
        grid: GridSpec,
        contacts: bool = True,
        field: str = "",
    ) -> None:
        self.layer = layer
        self.classes = list(classes)
        #: features whose lines or points beside (or instead of) polygons were left out: a geometry collection
        self.not_polygons = sum(_holds_other_than_polygons(g) for g in geometries)
        geometries = [polygonal(g) for g in geometries]
        code = {c: i + 1 for i, c in enumerate(self.classes)}
        self.shapes = [
            (g, code[label])
            for g, label in zip(geometries, labels)
            if label in code and g is not None and not g.is_empty
        ]
        self._bounds = np.array([g.bounds for g, _ in self.shapes], dtype=np.float64).reshape(-1, 4)
        self.bands: List[BandSpec] = [
            BandSpec(band_name(layer, c), "1", "class", layer, value=c, description=f"1 where {field or 'class'} = {c}")
            for c in self.classes
        ]
        self.contacts: Optional[SegmentIndex] = None
        if contacts:
            # gaps narrower than half a cell (slivers between units) are no outline
            segs = segments_of(contact_lines(geometries, labels, grid.pixel_size / 2))
            if len(segs) == 0:
                raise ValueError(f"{layer}: no contacts between classes")
            self.contacts = SegmentIndex(segs, SPACING_CELLS * grid.pixel_size)
            self.bands.append(
                BandSpec(
                    band_name(layer, "contact_distance_m"),
                    "m",
                    "distance",
                    layer,
                    description=f"distance to the boundaries between {field or 'class'} values",
                )
            )

    def codes_window(self, grid: GridSpec, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        """(rows, cols) uint16 class codes (1 = first class, 0 = none of the classes) for one window."""
        from affine import Affine
        from rasterio import features

        shape = (r1 - r0, c1 - c0)
        px = grid.pixel_size
        x0, x1 = grid.xmin + c0 * px, grid.xmin + c1 * px
        y1, y0 = grid.ymax - r0 * px, grid.ymax - r1 * px
        b = self._bounds
        near = np.flatnonzero((b[:, 2] >= x0) & (b[:, 0] <= x1) & (b[:, 3] >= y0) & (b[:, 1] <= y1))
        if not len(near):
            return np.zeros(shape, dtype=np.uint16)
        transform = grid.affine() * Affine.translation(c0, r0)
        # in feature order, so the later feature wins where polygons overlap, as in gdal_rasterize
        shapes = [self.shapes[i] for i in near]
        return features.rasterize(shapes, out_shape=shape, transform=transform, fill=0, dtype="uint16")

    def window(
        self, grid: GridSpec, r0: int, r1: int, c0: int, c1: int, is_cancelled: CancelCallback = None
    ) -> np.ndarray:
        """(bands, rows, cols) float32 for one window."""
        codes = self.codes_window(grid, r0, r1, c0, c1)
        out = [(codes == i + 1).astype(np.float32) for i in range(len(self.classes))]
        if self.contacts is not None:
            out.append(distance_window(self.contacts, grid, r0, r1, c0, c1, is_cancelled))
        return np.stack(out)
