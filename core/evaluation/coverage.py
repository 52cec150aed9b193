"""How much of the study area (the MASK polygons) a raster evaluated on it covers with values."""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from ..grid import GridSpec

#: a raster with values over less than this share of the MASK's area gets a warning: its figures are of part of it
COVERED_SHARE = 0.9


def covered_share(geometries: Sequence[Any], grid: GridSpec, covered: np.ndarray) -> Optional[float]:
    """The share of the polygons' area (their union, shapely, in the grid's CRS) that the ``covered`` cells (True
    where the raster has a value inside the polygons) make up, each cell counted whole; None when the polygons have
    no area."""
    return covered_share_of_count(geometries, grid, int(np.count_nonzero(covered)))


def covered_share_of_count(geometries: Sequence[Any], grid: GridSpec, cells: int) -> Optional[float]:
    """:func:`covered_share` for ``cells`` covered cells counted elsewhere (a map written tile by tile)."""
    from shapely.ops import unary_union

    from ..evidence.polygons import valid_polygon

    # a bow-tie made valid with every lobe, as the mask's rasterizing fills it (buffer(0) keeps one lobe)
    polygons = [g if g.is_valid else valid_polygon(g) for g in geometries if g is not None and not g.is_empty]
    area = float(unary_union(polygons).area) if polygons else 0.0
    if not area > 0:
        return None
    return min(1.0, float(cells) * grid.pixel_size**2 / area)


def partial_cover_warning(
    geometries: Optional[Sequence[Any]], grid: GridSpec, covered: np.ndarray, parameter: str, name: str, baseline: bool
) -> str:
    """A warning when the raster ``name`` has values over less than :data:`COVERED_SHARE` of the MASK: the AUC,
    capture and area shares are then those of the part it covers, not of the study area (and a baseline's are not
    comparable with the map's); '' otherwise or without a MASK."""
    share = covered_share(geometries, grid, covered) if geometries else None
    if share is None or share >= COVERED_SHARE:
        return ""
    compared = (
        " A baseline over other ground than the map's is not compared on the same area, so its AUC is not "
        "comparable with the map's."
        if baseline
        else ""
    )
    return (
        f"{parameter}: '{name}' has values over only {100 * share:.0f} % of the study area (the MASK's polygons); the "
        "rest lies beyond the raster or on its nodata. The AUC, the captures and the shares of the area below are "
        f"those of the part it covers, not of the whole study area.{compared} Give a map that covers the study area, "
        "or a MASK of the part it covers."
    )


#: without a MASK, a map's lowest value held by at least this share of its cells (beside many other values) is
#: warned of: a fill beyond the study area written without a nodata tag reads as ground without deposits
LOWEST_BLOCK_SHARE = 0.1
#: ... when the other cells hold at least this many distinct values (a map of classes ties by design)
LOWEST_BLOCK_OTHER_VALUES = 20


def lowest_value_block_note(values: np.ndarray, name: str, parameter: str = "INPUT_RASTER") -> str:
    """The warning for a map (evaluated without a MASK) whose lowest value fills a large share of its cells
    (:data:`LOWEST_BLOCK_SHARE`) while the rest spread over many values: most often 0 written beyond the study area
    without a nodata tag, which counts as ground without deposits and raises the AUC and the captures (review 36:
    0.928 against 0.895 with a third of the map so filled); else a plateau of tied scores. "" for none."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return ""
    lowest = finite.min()
    at_lowest = int(np.count_nonzero(finite == lowest))
    share = at_lowest / finite.size
    if share < LOWEST_BLOCK_SHARE:
        return ""
    others = finite[finite != lowest]
    others = others[:: max(1, others.size // 200_000)]  # enough to count 20 distinct values, at any map size
    if np.unique(others).size < LOWEST_BLOCK_OTHER_VALUES:
        return ""
    value = f"{float(lowest):.6g}"
    return (
        f"{parameter}: {100 * share:.0f} % of the cells of '{name}' ({at_lowest:,}) hold exactly its lowest value, "
        f"{value}. If they lie beyond the study area (a fill written without a nodata value), they count here as "
        "ground without deposits and raise the AUC and the captures: give the study area as MASK, or set the "
        f"file's nodata value to {value} (gdal_edit.py -a_nodata {value} FILE). If they are the map's own lowest "
        "score, they are tied: the AUC counts ties half."
    )
