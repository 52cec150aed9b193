"""How much ground a network's patch covers: cells are what PATCH_SIZE counts, kilometres what a geologist reads.

PATCH_SIZE's default (9 cells) spans 2.25 km on 250 m cells, but 45 km on a national survey's 5 km cells: there a
patch can cover most of the study area, and the network classes each cell from where in the region it lies rather
than from the ground around it. Pure Python: no torch, no qgis.
"""

from __future__ import annotations

from typing import Optional

from ..grid import GridSpec
from ..reports.legend import readable_number

#: the share of the study area above which a patch is said to cover too much of it
MAX_PATCH_SHARE = 0.25


def patch_area_warning(
    grid: GridSpec, patch: int, window: int, study_cells: int, default: bool, where: str = "cells with evidence"
) -> Optional[str]:
    """A warning naming PATCH_SIZE when the ``window`` x ``window`` cells a network sees around each cell (the
    ``patch``, or patch x COARSE_VIEW) cover more than :data:`MAX_PATCH_SHARE` of the ``study_cells`` (the cells
    ``where`` says), with its side in km and the largest odd PATCH_SIZE covering at most a sixteenth of the area
    (a quarter of its side); None when the window is small enough. ``default``: PATCH_SIZE was left at its default."""
    if study_cells <= 0 or window * window <= MAX_PATCH_SHARE * study_cells:
        return None
    cell_km = grid.pixel_size * grid.metres_per_unit / 1000
    side = readable_number(window * cell_km)
    share = window * window / study_cells
    suggested = max(1, int((study_cells / 16) ** 0.5))
    suggested -= 0 if suggested % 2 else 1
    what = (
        f"the {patch} x {patch}-cell patch (PATCH_SIZE{', its default' if default else ''})"
        if window == patch
        else f"the {window} x {window} cells the network sees (PATCH_SIZE {patch}{', its default,' if default else ''}"
        f" x COARSE_VIEW {window // patch})"
    )
    covers = "more than the whole" if share > 1 else f"{share * 100:.0f} % of the"
    area = readable_number(study_cells * grid.cell_km2)
    advice = (
        f"set PATCH_SIZE {suggested} ({readable_number(suggested * cell_km)} km)"
        + (
            ", or 1 for a network that sees each cell alone"
            if suggested > 1
            else ", a network that sees each cell alone"
        )
        + (" (and COARSE_VIEW 0)" if window != patch else "")
    )
    return (
        f"PATCH_SIZE: {what} {'spans' if window == patch else 'span'} {side} x {side} km on these "
        f"{readable_number(cell_km)} km cells, {covers} study "
        f"area ({study_cells:,} {where}, {area} km²): each cell would be classed from most of the area at once, so "
        "the network learns where in the region a cell lies, not the ground around it, and the map blurs over "
        f"{side} km. PATCH_SIZE counts cells, not metres: for cells this large, {advice}."
    )
