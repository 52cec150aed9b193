"""What anomalies says about its outlines and the samples it lists: the checks that read only numbers.

Each function takes plain values (the thresholds :func:`.screening.identify_anomalies` set, the index, the samples'
coordinates and the grid) and returns the message to give, as text ("" for none): the adapter prints them in order.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Dict, List, Mapping, Sequence, Tuple

import numpy as np

from ..grid import GridSpec
from .screening import INDEX_NAME, MIN_LOG_SCALE, AnomalyResult
from .thresholds import (
    LEVEL_NAMES,
    Thresholds,
    broad_weak_level_warning,
    flat_band_warning,
    lowest_tie_warning,
    plateau_warnings,
)

if TYPE_CHECKING:
    import pandas as pd

#: the threshold boxes and the methods that read them (the others ignore the box: a value given is warned about)
THRESHOLD_BOXES = {
    "PERCENTILES": ("percentile",),
    "MULTIPLIERS": ("mean_sd", "median_mad"),
    "CA_BREAKS": ("ca",),
}


def threshold_lines(thresholds: Sequence[Thresholds]) -> List[str]:
    """The log's line for each element's and the index's thresholds: the levels by name, and how they were set."""
    return [
        f"{t.name}: {', '.join(f'{n} {v:.4g}' for n, v in zip(LEVEL_NAMES, t.levels))} ({t.detail})" for t in thresholds
    ]


def broad_level_warnings(thresholds: Sequence[Thresholds], classes: Sequence[np.ndarray]) -> List[str]:
    """:func:`.thresholds.broad_weak_level_warning` of each band (``classes``: the bands classified), in order."""
    return [w for w in (broad_weak_level_warning(c, t) for t, c in zip(thresholds, classes)) if w]


def threshold_shape_warnings(thresholds: Sequence[Thresholds]) -> List[str]:
    """The warnings the shape of the values gives, in the log's order: each element's flat band (not the index's: it
    is in z-scores around 0), then for every band a tie at its lowest value and each C-A plateau left out."""
    said = [w for w in (flat_band_warning(t) for t in thresholds[:-1]) if w]
    for t in thresholds:
        tie = lowest_tie_warning(t)
        said += ([tie] if tie else []) + plateau_warnings(t)
    return said


def index_loadings_line(index_weights: Mapping[str, float]) -> str:
    """The log's line of the first principal component's loadings (index method pca)."""
    return "Index loadings: " + ", ".join(f"{k} {v:+.2f}" for k, v in index_weights.items())


#: a first-component loading below minus this (of a unit vector) is said: high values of its element lower the index
NEGATIVE_LOADING_NOTED = 0.1


def negative_loadings_note(index_weights: Mapping[str, float]) -> str:
    """A warning naming the elements whose loading on the first principal component (index method pca) is clearly
    negative: their high values lower the index, which a geologist reading it as 'more of the association' would not
    expect; '' when none is."""
    against = {k: v for k, v in index_weights.items() if v < -NEGATIVE_LOADING_NOTED}
    if not against:
        return ""
    listed = ", ".join(f"{k} {v:+.2f}" for k, v in against.items())
    return (
        f"INDEX_METHOD: on the first principal component {listed} load(s) against the other elements, so their high "
        "values lower the index (they vary against the rest of the association here). For an index to which every "
        "element adds, choose the mean of robust z-scores, or leave them out of ASSOCIATION_BANDS."
    )


def outline_notes(method: str, area_level: int, min_cells: int, result: AnomalyResult) -> List[str]:
    """Why OUTPUT_ANOMALIES is empty, when it is: no area of ``min_cells`` cells, no cell at the index's level
    ``area_level``, or no such level (:func:`min_cells_note`, :func:`unreached_level_note`,
    :func:`undefined_level_note`)."""
    index_thresholds = result.thresholds[-1]
    notes = (
        min_cells_note(min_cells, area_level, result.largest_area_cells),
        unreached_level_note(method, area_level, index_thresholds, result.index, len(result.areas)),
        undefined_level_note(area_level, index_thresholds),
    )
    return [note for note in notes if note]


def floored_scale_notes(floored_scales: Mapping[str, float]) -> List[str]:
    """A warning per band whose robust scale in the integrated index was raised to :data:`.screening.MIN_LOG_SCALE`
    (``floored_scales``: band -> its own scale)."""
    return [
        f"{band}: its robust scale in the integrated index (1.4826 MAD of log10 values, {scale:.2g}) is "
        f"below {MIN_LOG_SCALE:g} and was raised to it: the band is nearly constant (levelled flat, or "
        "only analytical noise) and would otherwise dominate the index."
        for band, scale in floored_scales.items()
    ]


def min_cells_note(min_cells: int, area_level: int, largest_area_cells: int) -> str:
    """A warning when no anomaly area reaches ``min_cells`` cells at level ``area_level`` (an index into
    :data:`.thresholds.LEVEL_NAMES`) of the index: the largest has ``largest_area_cells`` (0: there are areas)."""
    if not largest_area_cells:
        return ""
    return (
        f"MIN_CELLS: no anomaly area has {min_cells} cells or "
        f"more at the {LEVEL_NAMES[area_level]} level of the index, so OUTPUT_ANOMALIES is empty; the largest has "
        f"{largest_area_cells}. Lower MIN_CELLS (or AREA_LEVEL) to outline the anomalies."
    )


def unreached_level_note(method: str, area_level: int, index_thresholds: Thresholds, index: np.ndarray,
                         n_areas: int) -> str:  # fmt: skip
    """A warning when there are no anomaly areas (``n_areas`` 0) because no cell of ``index`` reaches the index's
    level ``area_level`` (thresholds set so high, MULTIPLIERS 100, that the outputs would be empty unsaid), naming
    the box of ``method`` to lower. "" otherwise, and for an undefined level (:func:`undefined_level_note`)."""
    outline = float(index_thresholds.levels[area_level])
    empty = n_areas == 0  # the index's maximum is read only then
    highest = float(np.nanmax(index)) if empty and np.isfinite(index).any() else math.nan
    if not (empty and math.isfinite(outline) and not highest >= outline):
        return ""
    box = next((name for name, methods in THRESHOLD_BOXES.items() if method in methods), "METHOD")
    # Tukey fences have no setting to lower (they read 'lower METHOD'): another method is the way; and at the weak
    # level AREA_LEVEL has no lower level to offer
    fix = (
        f"lower {box}"
        if box != "METHOD"
        else "choose another METHOD (percentiles or C-A set their levels among the cells)"
    )
    return (
        f"{box}: no cell of the index reaches its {LEVEL_NAMES[area_level]} level ({outline:.4g}; the highest "
        f"cell is {highest:.4g}), so OUTPUT_ANOMALIES is empty; {fix}"
        f"{' (or AREA_LEVEL)' if area_level > 0 else ''} to outline anomalies."
    )


def undefined_level_note(area_level: int, index_thresholds: Thresholds) -> str:
    """A warning when the index has no level ``area_level`` (NaN: tied levels undefined), naming those it has."""
    if math.isfinite(float(index_thresholds.levels[area_level])):
        return ""
    defined = [n for n, v in zip(LEVEL_NAMES, index_thresholds.levels) if math.isfinite(float(v))]
    instead = f"outline at the {' or '.join(defined)} level" if defined else "choose another METHOD"
    return (
        f"AREA_LEVEL: the index has no {LEVEL_NAMES[area_level]} level ({index_thresholds.detail}), so "
        f"OUTPUT_ANOMALIES is empty; {instead} (AREA_LEVEL)."
    )


def censored_mask(shape: Tuple[int, ...], censored_rows: Sequence[Sequence[int]]) -> np.ndarray:
    """True where a sample's value (row) of a field (column) was below a detection limit ('<50', held as 25): not
    known to reach any level. ``censored_rows``: per column, the rows censored."""
    censored = np.zeros(shape, dtype=bool)
    for j, rows in enumerate(censored_rows):
        censored[np.asarray(rows, dtype=np.intp), j] = True
    return censored


def samples_elsewhere_notes(xy: np.ndarray, grid: GridSpec, names: Sequence[str],
                            fields: Sequence[str]) -> Tuple[str, str]:  # fmt: skip
    """(warning, information): a warning when no sample (``xy``) lies on the raster (another survey, or a wrong
    CRS): the high-value samples are judged by their own values against the raster's levels, so such a layer still
    gives points, far from the map; and which bands (``names``) the samples have no field for (``fields``: those
    they have), in the warning, else as an information. "" for none."""
    on = (xy[:, 0] >= grid.xmin) & (xy[:, 0] <= grid.xmax) & (xy[:, 1] >= grid.ymin) & (xy[:, 1] <= grid.ymax)
    missing = [n for n in names if n not in fields]
    fewer = (
        f" The samples have no field for {', '.join(missing)}: they are judged on {', '.join(fields)} only."
        if missing
        else ""
    )
    if not on.any():
        return (
            f"INPUT: none of the {len(xy)} samples lies on the raster (its extent: {grid.xmin:.0f}, "
            f"{grid.ymin:.0f} – {grid.xmax:.0f}, {grid.ymax:.0f}); they are judged by their own values against its "
            f"levels, so check that they are its samples (and the layer's CRS).{fewer}"
        ), ""
    return "", ("INPUT:" + fewer if missing else "")


def thresholds_rows(thresholds: Sequence[Thresholds], index_weights: Mapping[str, float], index_method: str,
                    units: Mapping[str, str]) -> List[Dict[str, object]]:  # fmt: skip
    """The rows of OUTPUT_TABLE: the thresholds of every element and, last, of the index (its detail naming the index
    method and weights), with the unit of each element's thresholds (``units``: band name -> unit; the index has
    none: it is a mean of robust z-scores or a principal component)."""
    rows = [t.as_row() for t in thresholds]
    weights = "; ".join(f"{k} {v:.3f}" for k, v in index_weights.items())
    rows[-1]["detail"] = f"{rows[-1]['detail']}; index {index_method} of {weights}"
    for row in rows[:-1]:
        row["unit"] = units.get(str(row["element"]), "")
    rows[-1]["unit"] = ""
    return rows


def contours_with_units(contours: "pd.DataFrame", units: Mapping[str, str]) -> "pd.DataFrame":
    """A copy of the contour lines with a column 'unit' after 'value': each element's unit (``units``: band name ->
    unit), none for the index (a mean of robust z-scores)."""
    lines = contours.copy()
    lines.insert(
        lines.columns.get_loc("value") + 1,
        "unit",
        ["" if e == INDEX_NAME else units.get(str(e), "") for e in lines["element"]],
    )
    return lines
