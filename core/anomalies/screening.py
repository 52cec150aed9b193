"""Multi-element anomaly screening: the integrated index, connected anomaly areas with screening
attributes and a favourability score, high-value samples.

The integrated multi-element index combines the association elements: ``zscore`` the mean of robust z-scores
(median / MAD) of log10 values; ``clr`` the same on centred log-ratio values (the composition being every
element band given, so choose the association as a subset); ``pca`` the first principal component of the
robust z-scores (covariance estimated on z-scores winsorised at +-3, sign so that loadings sum positive).
The index is already on a log scale, so its thresholds are computed without a further log. The robust scale
of every band is floored at :data:`MIN_LOG_SCALE` log10 units: a near-constant band (levelled flat, or only
analytical noise) would otherwise get z-scores in the thousands and be the index alone.

Connected areas above one of the index's levels (the weak one by default; the moderate or strong one splits a
large weak area into its cores) are the anomalies; each gets screening attributes and a favourability score (see
:func:`anomaly_areas`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ..callbacks import CancelCallback, ProgressCallback, check_cancelled, report
from ..errors import InputError
from ..grid import GridSpec, checked_mask, on_shape
from ..lazy import lazy_function, lazy_module
from ..neighbours import area_spacing
from ..reports.legend import readable_number

if TYPE_CHECKING:
    import geopandas as gpd

from .thresholds import CLASS_NODATA, LEVEL_NAMES, MAD_SCALE, Thresholds, classify, compute_thresholds

ndimage = lazy_module("scipy.ndimage")  # scipy imported when used: the plugin loads without it
rankdata = lazy_function("scipy.stats", "rankdata")

INDEX_METHODS = ("zscore", "clr", "pca")


#: an element counts as anomalous inside an area when at least this share of the area's cells reach its weak level
ELEMENT_SHARE = 0.25


INDEX_NAME = "index"

#: the smallest robust scale (1.4826 MAD of log10 values, about 12 % relative variation) a band enters the
#: integrated index with: about the analytical precision of a geochemical method
MIN_LOG_SCALE = 0.05


def robust_scale(y: np.ndarray) -> Tuple[float, float]:
    """(median, 1.4826·MAD) over the finite cells; a zero MAD falls back to the SD (then 1)."""
    finite = y[np.isfinite(y)]
    median = float(np.median(finite))
    scale = float(MAD_SCALE * np.median(np.abs(finite - median)))
    if not scale > 0:
        scale = float(finite.std()) or 1.0
    return median, scale


def robust_z(y: np.ndarray, floor: float = 0.0) -> Tuple[np.ndarray, float]:
    """(y − median) / max(1.4826·MAD, ``floor``) over the finite cells (a zero MAD falls back to the SD), and the
    scale itself before the floor."""
    median, scale = robust_scale(y)
    return (y - median) / max(scale, floor), scale


def integrated_index(
    bands: np.ndarray,
    names: Sequence[str],
    association: Sequence[str],
    method: str = "zscore",
    scale_floor: float = MIN_LOG_SCALE,
    floored: Optional[Dict[str, float]] = None,
    progress: ProgressCallback = None,
    is_cancelled: CancelCallback = None,
) -> Tuple[np.ndarray, Dict[str, float]]:
    """Combine the association bands of (m, H, W) concentrations into one index; returns index and weights.

    Robust scales below ``scale_floor`` (log10 units) are raised to it; when ``floored`` is given, it receives
    each such band's own scale. ``progress`` moves and ``is_cancelled`` is checked per association band.
    """
    names = list(names)
    missing = [a for a in association if a not in names]
    if missing:
        raise InputError(f"association element(s) {', '.join(missing)} are not among the bands.", "ASSOCIATION")
    if not association:
        raise InputError("choose at least one association element.", "ASSOCIATION")
    if method not in INDEX_METHODS:
        raise InputError(f"unknown index method '{method}'; use one of {', '.join(INDEX_METHODS)}.", "INDEX_METHOD")
    data = np.asarray(bands, dtype=np.float64)
    rows = [names.index(a) for a in association]
    # the bands the index takes logarithms of: the association's, or every band for CLR
    used = range(len(names)) if method == "clr" else sorted(set(rows))
    lowest = {i: float(np.min(data[i], where=np.isfinite(data[i]), initial=np.inf)) for i in used}
    worst = min(lowest, key=lambda i: lowest[i])
    if lowest[worst] <= 0:
        raise InputError(
            f"the integrated index needs positive concentrations (it uses logarithms), but band '{names[worst]}' "
            f"goes down to {lowest[worst]:g}; if that marks missing data, set the raster's nodata value to it; if "
            "the band is not a concentration (magnetics, gravity, a log-ratio: real negative values), leave it out "
            "of ASSOCIATION_BANDS; otherwise interpolate the samples with LOG_TRANSFORM, or with IDW.",
            "INPUT_RASTER",
        )
    logs: Optional[np.ndarray] = None  # every band's log10 at once for CLR; else each band's in the loop below
    if method == "clr":
        with np.errstate(invalid="ignore", divide="ignore"):
            logs = np.log10(data)
        if len(names) < 3:
            raise InputError(
                "the centred log-ratio (CLR) index needs at least three association bands (ASSOCIATION_BANDS; "
                f"empty = every element band), but has {len(names)} ({', '.join(names)}); choose more bands, or "
                "another index.",
                "INDEX_METHOD",
            )
        cells = tuple(range(1, logs.ndim))
        spread = np.nanmax(logs, axis=cells) - np.nanmin(logs, axis=cells)
        logs = logs - logs.mean(axis=0, keepdims=True)  # NaN where any band is missing
        _refuse_constant_ratios(logs, spread, names, sorted(set(rows)))
    z_rows: Dict[int, np.ndarray] = {}
    distinct = sorted(set(rows))
    for done, r in enumerate(distinct):  # each band's median and MAD once
        check_cancelled(is_cancelled)
        if logs is None:
            with np.errstate(invalid="ignore", divide="ignore"):
                band = np.log10(data[r])
        else:
            band = logs[r]
        z_rows[r], scale = robust_z(band, scale_floor)
        if scale < scale_floor and floored is not None:
            floored[names[r]] = scale
        report(progress, 0.9 * (done + 1) / len(distinct))
    z = np.stack([z_rows[r] for r in rows])
    del z_rows
    valid = np.isfinite(z).all(axis=0)
    if not valid.any():
        raise InputError("no cell has every association element; check the bands and the mask.", "ASSOCIATION")
    if method in ("zscore", "clr"):
        weights = np.full(len(rows), 1.0 / len(rows))
    else:
        sample = np.clip(z[:, valid], -3.0, 3.0)
        if sample.shape[1] > 200_000:
            sample = sample[:, np.random.default_rng(0).choice(sample.shape[1], 200_000, replace=False)]
        if len(rows) == 1:
            weights = np.ones(1)
        else:
            eigval, eigvec = np.linalg.eigh(np.cov(sample))
            weights = eigvec[:, -1]
            if weights.sum() < 0:
                weights = -weights
    index = np.tensordot(weights, np.where(np.isfinite(z), z, 0.0), axes=1)
    index[~valid] = np.nan
    return index.astype(np.float64), {a: float(w) for a, w in zip(association, weights)}


#: a band's centred log-ratios spanning less than this share of its own log10 values' span are constant: rounding
#: (float32 rasters round at about 1e-7 of a value), far below any analytical precision (about 1e-2)
CLR_FLAT = 1e-4


def _refuse_constant_ratios(clr: np.ndarray, spread: np.ndarray, names: Sequence[str], rows: Sequence[int]) -> None:
    """Refuse a CLR index whose every association band has constant centred log-ratios (``clr``, (m, H, W)): all the
    bands are proportional to one another (copies, a band in ppm beside the same in %), every cell holds one
    composition, and what varies is rounding (1e-15), on which levels and anomaly areas would be drawn.
    ``spread``: each band's span of log10 values (the scale the rounding is measured against)."""
    flat = []
    for r in rows:
        finite = clr[r][np.isfinite(clr[r])]
        if finite.size and spread[r] > 0 and float(finite.max() - finite.min()) <= CLR_FLAT * float(spread[r]):
            flat.append(names[r])
    if flat and len(flat) == len(rows):
        raise InputError(
            f"the centred log-ratios of {', '.join(flat)} do not vary: the element bands ({', '.join(names)}) are "
            "proportional to one another (copies, or one band a multiple of another, such as one element in ppm and "
            "in %), so every cell holds the same composition and the CLR index has nothing to rank. Use INDEX_METHOD "
            "zscore (or pca), or leave the copies out of ELEMENT_BANDS.",
            "INDEX_METHOD",
        )


AREA_COLUMNS = [
    "area_id", "cells", "area_km2", "max_index", "mean_index", "nap", "max_class", "n_elements",
    "elements", "assoc_score", "deposit_km", "score", "rank",
]  # fmt: skip


def anomaly_areas(
    index: np.ndarray,
    index_levels: Union[Sequence[float], np.ndarray],
    grid: GridSpec,
    element_classes: np.ndarray,
    names: Sequence[str],
    association: Sequence[str],
    deposits_xy: Optional[np.ndarray] = None,
    min_cells: int = 1,
    outline: int = 0,
    progress: ProgressCallback = None,
    is_cancelled: CancelCallback = None,
) -> Tuple["gpd.GeoDataFrame", np.ndarray]:
    """Connected areas (8-neighbour) with index >= the level ``outline`` (0 weak, 1 moderate, 2 strong), with
    screening attributes; "the outline level" below is that level.

    Returns a GeoDataFrame (one row per area, sorted by rank) and the (H, W) int32 raster of area ids (0 = no
    area). Attributes: ``cells``, ``area_km2`` (map units converted to metres: :attr:`GridSpec.metres_per_unit`),
    ``max_index``, ``mean_index``, ``nap`` (normalised area product = area_km2 × mean excess of the index over the
    outline level),
    ``max_class``, ``n_elements`` / ``elements`` (elements with at least :data:`ELEMENT_SHARE` of the area at
    or above their weak level, with the highest class reached, e.g. ``Cu(3), Ni(2)``), ``assoc_score`` (share
    of the association elements anomalous inside), ``deposit_km`` (distance to the nearest deposit, 0 inside;
    empty without deposits), ``score`` (favourability = mean of the percentile rank of nap, the percentile
    rank of max_index and assoc_score, 0..1) and ``rank`` (1 = most favourable). Known deposits are not
    part of the score, so the distance can be used to check it.
    """
    import geopandas as gpd

    if outline not in (0, 1, 2):
        raise InputError(f"the outline level must be 0, 1 or 2 (weak, moderate, strong), not {outline}.", "AREA_LEVEL")
    weak = float(index_levels[outline])  # the outline level
    empty = gpd.GeoDataFrame(columns=AREA_COLUMNS, geometry=[], crs=grid.crs_wkt)
    if not np.isfinite(weak):  # e.g. C-A found no break (or fewer than asked) in the index: no anomaly areas
        return empty, np.zeros(index.shape, np.int32)
    labels, count = _connected_areas(index, weak, min_cells)
    if count == 0:
        return empty, labels
    check_cancelled(is_cancelled)
    report(progress, 0.2)
    ids = np.arange(1, count + 1)
    cells = ndimage.sum(np.ones_like(index), labels, ids)
    max_index = ndimage.maximum(index, labels, ids)
    mean_index = ndimage.mean(index, labels, ids)
    max_class = ndimage.maximum(classify(index, index_levels), labels, ids)
    cell_area = grid.cell_km2
    area_km2 = cells * cell_area
    nap = area_km2 * (mean_index - weak)

    names = list(names)
    check_cancelled(is_cancelled)
    report(progress, 0.35)
    shares, top = _element_shares(
        element_classes[: len(names)], labels, ids, cells, lambda f: report(progress, 0.35 + 0.4 * f), is_cancelled
    )
    anomalous = shares >= ELEMENT_SHARE
    assoc_rows = [names.index(a) for a in association if a in names]
    assoc_score = anomalous[assoc_rows].mean(axis=0) if assoc_rows else np.zeros(count)
    geometries = _area_polygons(labels, ids, grid, is_cancelled)
    report(progress, 0.95)
    deposit_km = _distance_km(geometries, deposits_xy) * grid.metres_per_unit

    n = float(count)
    score = (rankdata(nap) / n + rankdata(max_index) / n + assoc_score) / 3.0
    order = np.lexsort((-nap, -score))  # primary: score desc, then nap desc
    rank = np.empty(count, dtype=int)
    rank[order] = np.arange(1, count + 1)

    rows = []
    for k in range(count):
        listed = [m for m in range(len(names)) if anomalous[m, k]]
        listed.sort(key=lambda m: (-top[m, k], -shares[m, k]))
        rows.append(
            {
                "area_id": k + 1,
                "cells": int(cells[k]),
                "area_km2": float(area_km2[k]),
                "max_index": float(max_index[k]),
                "mean_index": float(mean_index[k]),
                "nap": float(nap[k]),
                "max_class": int(max_class[k]),
                "n_elements": len(listed),
                "elements": ", ".join(f"{names[m]}({top[m, k]})" for m in listed),
                "assoc_score": float(assoc_score[k]),
                "deposit_km": float(deposit_km[k]),
                "score": float(score[k]),
                "rank": int(rank[k]),
            }
        )
    gdf = gpd.GeoDataFrame(rows, columns=AREA_COLUMNS, geometry=geometries, crs=grid.crs_wkt)
    return gdf.sort_values("rank").reset_index(drop=True), labels


def _connected_areas(index: np.ndarray, weak: float, min_cells: int) -> Tuple[np.ndarray, int]:
    """8-connected areas of cells at or above ``weak`` with at least ``min_cells`` cells, numbered 1..count."""
    with np.errstate(invalid="ignore"):
        above = np.isfinite(index) & (index >= weak)
    labels, count = ndimage.label(above, structure=np.ones((3, 3), dtype=int))
    if count == 0:
        return labels, 0
    ids = np.arange(1, count + 1)
    cells = ndimage.sum(np.ones_like(index), labels, ids)
    keep = ids[cells >= max(1, min_cells)]
    relabel = np.zeros(count + 1, dtype=np.int32)
    relabel[keep] = np.arange(1, keep.size + 1)
    return relabel[labels], int(keep.size)


def largest_area_cells(index: np.ndarray, level: float) -> int:
    """Cells of the largest 8-connected area at or above ``level`` whatever its size (0 when no cell reaches it):
    what MIN_CELLS would have to be lowered to when it leaves no area."""
    labels, count = _connected_areas(index, level, 1)
    return int(np.bincount(labels.ravel())[1:].max()) if count else 0


#: an anomaly area holding fewer samples than this rests on one sample's value (or on none: the interpolation alone)
SUPPORTING_SAMPLES = 2


def samples_per_area(labels: np.ndarray, grid: GridSpec, xy: np.ndarray) -> np.ndarray:
    """The sampled cells (samples ``xy``, (n, 2) in the grid's CRS) in each anomaly area of ``labels`` (the area ids
    1..n of :func:`anomaly_areas`' raster), as an array indexed by id − 1; a sample counts for the cell holding it
    (:meth:`GridSpec.cell_floor`), samples off the grid for none, and samples sharing a cell once (a field duplicate
    or a resample of one site confirms nothing about the ground around it)."""
    count = int(labels.max()) if labels.size else 0
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    rows, cols = grid.rowcol(xy[:, 0], xy[:, 1])
    on = on_shape(rows, cols, labels.shape)
    cells = np.unique(rows[on].astype(np.int64) * labels.shape[1] + cols[on])
    return np.bincount(labels.ravel()[cells], minlength=count + 1)[1 : count + 1]


def single_sample_note(areas: "gpd.GeoDataFrame", min_cells: int, grid: GridSpec) -> str:
    """A warning when anomaly areas (``areas`` with their ``rank``, ``cells`` and :func:`sample_support`'s
    ``samples``) hold fewer than :data:`SUPPORTING_SAMPLES` samples; '' when none does.

    MIN_CELLS counts cells, which says nothing of the samples behind an area: on a 5 km grid over samples 17 km apart
    (Kola) a 4-cell area (100 km²) is the interpolation around one high sample, ranked among the first ten; on a
    50 m grid 3 cells are a fraction of one sample's ground. One high sample is worth following up (a new find often
    starts so), so such areas are kept, and named."""
    if len(areas) == 0:
        return ""
    by_id = areas["samples"].to_numpy(dtype=np.int64)
    weak = by_id < SUPPORTING_SAMPLES
    if not weak.any():
        return ""
    ranks = sorted(int(r) for r in areas["rank"].to_numpy()[weak])
    shown = ", ".join(str(r) for r in ranks[:12]) + (", …" if len(ranks) > 12 else "")
    none = int(np.count_nonzero(by_id == 0))
    nothing = f"; {none} hold none" if none else ""
    cells = int(areas["cells"].to_numpy()[weak].min())
    km2 = cells * grid.cell_km2
    return (
        f"OUTPUT_ANOMALIES: {int(weak.sum())} of the {len(areas)} anomaly areas "
        f"{'holds' if int(weak.sum()) == 1 else 'hold'} a single sample of INPUT or "
        f"none (rank {shown}{nothing}): each is the interpolation around one value that no second sample confirms, "
        f"down to {cells} cells ({km2:.3g} km²). Check those samples (one high value, a contaminated or mislabelled "
        f"sample) or resample around them before following them up as targets. MIN_CELLS ({min_cells}) counts "
        "cells, not samples."
    )


def _element_shares(
    element_classes: np.ndarray,
    labels: np.ndarray,
    ids: np.ndarray,
    cells: np.ndarray,
    progress: ProgressCallback = None,
    is_cancelled: CancelCallback = None,
) -> Tuple[np.ndarray, np.ndarray]:
    """Per element and area: the share of cells at or above the weak level, and the highest class reached."""
    shares = np.zeros((len(element_classes), ids.size))
    top = np.zeros((len(element_classes), ids.size), dtype=int)
    for m, cls in enumerate(element_classes):
        check_cancelled(is_cancelled)
        report(progress, m / len(element_classes))
        hit = (cls >= 1) & (cls != CLASS_NODATA)
        shares[m] = ndimage.sum(hit.astype(float), labels, ids) / cells
        top[m] = ndimage.maximum(np.where(cls == CLASS_NODATA, 0, cls), labels, ids)
    return shares, top


def _area_polygons(
    labels: np.ndarray, ids: np.ndarray, grid: GridSpec, is_cancelled: CancelCallback = None
) -> List[Any]:
    """One valid (multi)polygon per area id, traced from the area raster.

    An area joins cells that touch at a corner only (8-connected), but a ring through such a corner is not a valid
    polygon (GEOS: 'Ring Self-intersection', or 'Interior is disconnected' around a hole), and QGIS's overlay tools
    stop on it. So the pieces are traced edge to edge (4-connected) and united: an area whose pieces meet at corners
    is a MultiPolygon. Where any area is one, every area is written as a MultiPolygon, so that the layer has one
    geometry type (a GeoPackage of Polygons and MultiPolygons is of type 'Geometry', which ArcGIS refuses)."""
    from rasterio import features
    from shapely.geometry import MultiPolygon, Polygon, shape
    from shapely.ops import unary_union

    polygons: Dict[int, list] = {int(i): [] for i in ids}
    pieces = features.shapes(labels.astype(np.int32), mask=labels > 0, transform=grid.affine(), connectivity=4)
    for n, (geom, value) in enumerate(pieces):
        polygons[int(value)].append(shape(geom))
        if n % 1024 == 0:  # GDAL traces the whole raster before the first piece; then ~1,000 pieces a second
            check_cancelled(is_cancelled)
    areas = [unary_union(polygons[int(i)]) for i in ids]
    if any(not isinstance(area, Polygon) for area in areas):
        areas = [MultiPolygon([area]) if isinstance(area, Polygon) else area for area in areas]
    return areas


def _distance_km(geometries: Sequence[Any], deposits_xy: Optional[np.ndarray]) -> np.ndarray:
    """Distance in thousands of map units (km in a metric CRS) from each geometry to the nearest deposit (0 inside);
    NaN without deposits."""
    from shapely.geometry import Point

    if deposits_xy is None or not len(deposits_xy):
        return np.full(len(geometries), np.nan)
    points = [Point(float(x), float(y)) for x, y in np.asarray(deposits_xy)]
    return np.array([min(g.distance(p) for p in points) / 1000.0 for g in geometries])


#: the columns :func:`sample_support` adds to the anomaly areas when the samples are given
SUPPORT_COLUMNS = ("samples", "sample_m")


def sample_support(
    areas: "gpd.GeoDataFrame", labels: np.ndarray, grid: GridSpec, samples_xy: np.ndarray
) -> "gpd.GeoDataFrame":
    """``areas`` (:func:`anomaly_areas`, its ``labels`` raster of area ids on ``grid``) with
    :data:`SUPPORT_COLUMNS`: ``samples``, how many of the samples (``samples_xy``, in the grid's CRS) lie on the
    area's cells (samples sharing a cell once: :func:`samples_per_area`), and ``sample_m``, the distance in metres from
    the nearest of its cell centres to the nearest
    sample (0 when one lies on it; NaN without samples). An area no sample supports is drawn from samples around
    it: at the Meuse floodplain the third-ranked area lay 688 m (3.7 sample spacings) from every sample, across the
    river from the survey, and nothing said so."""
    from scipy.spatial import cKDTree

    out = areas.copy()
    ids = out["area_id"].to_numpy(dtype=np.int64) if len(out) else np.empty(0, np.int64)
    xy = np.asarray(samples_xy, dtype=np.float64).reshape(-1, 2)
    xy = xy[np.isfinite(xy).all(axis=1)]
    counts = np.zeros(len(ids), dtype=np.int64)
    distances = np.full(len(ids), np.nan)
    if len(xy) and len(ids):
        counts = samples_per_area(labels, grid, xy)[ids - 1]
        tree = cKDTree(xy)
        boxes = ndimage.find_objects(labels)  # each area's bounding box: no pass over the whole grid per area
        for k, area in enumerate(ids):
            box = boxes[area - 1]
            r, c = np.nonzero(labels[box] == area)
            r, c = r + box[0].start, c + box[1].start
            centres = np.column_stack(grid.centres_of(r, c))
            distances[k] = 0.0 if counts[k] else float(tree.query(centres)[0].min()) * grid.metres_per_unit
    out.insert(out.columns.get_loc("deposit_km") + 1, "samples", counts)
    out.insert(out.columns.get_loc("samples") + 1, "sample_m", distances)
    return out


def unsupported_areas_note(areas: "gpd.GeoDataFrame", samples_xy: np.ndarray, grid: GridSpec) -> str:
    """A warning naming the ranked areas (``areas`` with :func:`sample_support`'s columns) that hold no sample and lie
    farther than the samples' spacing (:func:`~..neighbours.area_spacing`, in metres) from every one: their index is
    extrapolated from samples elsewhere; '' when none does."""
    xy = np.asarray(samples_xy, dtype=np.float64).reshape(-1, 2)
    spacing = area_spacing(xy[np.isfinite(xy).all(axis=1)]) * grid.metres_per_unit
    if not len(areas) or spacing <= 0:
        return ""
    far = areas[(areas["samples"] == 0) & (areas["sample_m"] > spacing)]
    if not len(far):
        return ""
    one = len(far) == 1
    shown = ", ".join(f"rank {int(a['rank'])} ({readable_number(float(a['sample_m']))} m)" for _, a in far.iterrows())
    return (
        f"OUTPUT_ANOMALIES: {len(far)} of the {len(areas)} ranked areas {'holds' if one else 'hold'} no "
        f"sample and {'lies' if one else 'lie'} farther than the samples' spacing "
        f"({readable_number(spacing)} m) from every one: {shown} from the nearest sample. Their "
        "values are extrapolated from samples elsewhere, not measured: sample them before following them up, or "
        "keep the grid to the sampled ground (interpolate's MASK or MAX_DISTANCE). The columns samples and sample_m "
        "give every area's support."
    )


#: a list of high-value samples holding more than this share of the samples is no follow-up list: worth a word
CROWDED_SAMPLE_SHARE = 0.25


def sample_level_shares(
    values: np.ndarray,
    names: Sequence[str],
    thresholds: Sequence[Thresholds],
    cell_classes: Sequence[np.ndarray],
    level: int,
) -> Tuple[List[str], str]:
    """Per element (``names``, the columns of the samples' ``values``), the share of the samples with a value at or
    above ``level`` (1 weak, 2 moderate, 3 strong) of its ``thresholds``, beside the share of the grid's valid cells
    there (``cell_classes``: the element class rasters (H, W), one per name, :data:`CLASS_NODATA` off the grid), as
    log lines; and a warning when the samples passing in any element are more than :data:`CROWDED_SAMPLE_SHARE` of
    them ('' otherwise).

    The levels are set on the interpolated cells, whose highest values are averages of several samples: the samples
    themselves pass them more often (the bundled till: 7.5-10 % of the samples at moderate per element, 5 % of the
    cells), and over several elements the list grows to a third or a half of the survey (Kola 210 of 605 samples,
    Jura 127 of 259)."""
    values = np.asarray(values, dtype=np.float64)
    lines, over = [], []
    listed = np.zeros(len(values), dtype=bool)
    for j, (name, t) in enumerate(zip(names, thresholds)):
        measured = np.isfinite(values[:, j])
        sample_classes = classify(values[:, j], t.levels)
        passed = measured & (sample_classes >= level) & (sample_classes != CLASS_NODATA)
        listed |= passed
        cells = cell_classes[j]
        valid = cells != CLASS_NODATA
        cell_share = float(np.count_nonzero(valid & (cells >= level))) / max(int(np.count_nonzero(valid)), 1)
        sample_share = int(passed.sum()) / max(int(measured.sum()), 1)
        lines.append(
            f"{name}: {int(passed.sum())} of {int(measured.sum())} samples ({100 * sample_share:.1f} %) at the "
            f"{LEVEL_NAMES[level - 1]} level or above, {100 * cell_share:.1f} % of the cells"
        )
        if sample_share > cell_share:
            over.append(f"{name} {100 * sample_share:.0f} % against {100 * cell_share:.0f} %")
    share = float(listed.mean()) if len(values) else 0.0
    if share <= CROWDED_SAMPLE_SHARE:
        return lines, ""
    why = (
        f" More samples than cells pass the levels ({'; '.join(over)}): they are set on the interpolated cells, whose "
        "highest values are averages of several samples."
        if over
        else ""
    )
    return lines, (
        f"POINTS_LEVEL: {int(listed.sum())} of {len(values)} samples ({100 * share:.0f} %) reach the "
        f"{LEVEL_NAMES[level - 1]} level in at least one of the {len(names)} elements, too many to follow up one by "
        f"one.{why} Give POINTS_LEVEL strong, or fewer ELEMENT_BANDS, to list fewer."
    )


#: the columns :func:`high_value_points` writes after the element values
HIGH_VALUE_COLUMNS = ("max_level", "level", "n_elements", "elements")


def high_value_points(
    xy: np.ndarray,
    values: np.ndarray,
    names: Sequence[str],
    thresholds: Sequence[Thresholds],
    min_level: int = 1,
    attributes: Optional[Mapping[str, Sequence[object]]] = None,
    censored: Optional[np.ndarray] = None,
    reported: Optional[Mapping[str, Sequence[object]]] = None,
) -> "gpd.GeoDataFrame":
    """Samples reaching at least level ``min_level`` (1 weak, 2 moderate, 3 strong) of any element (same levels
    as the map), as a GeoDataFrame; ``elements`` lists the elements at that level or above. ``censored`` (bool,
    like ``values``): values below a detection limit, held as a substitute ('<50' as 25), which reach no level:
    the sample's value is unknown below the limit, so it is not known to be high (sweep 25b).

    Attributes: the samples' own ``attributes`` (column -> one value per sample, e.g. the sample number, so a
    listed sample can be found in the field and at the laboratory), then the element values, ``max_level``
    (1..3), ``level`` (its name), ``n_elements`` and ``elements`` (e.g. ``Ni(3), Cu(2)``). A column of
    ``attributes`` named like an element or one of those (case aside: GeoPackage column names are not case
    sensitive) or ``fid`` / ``geom`` / ``geometry`` is written as ``sample_<name>``. ``reported`` (element ->
    one value per sample, as the laboratory wrote it): where a listed sample's value was not written as a plain
    number ('<5' read as 2.5, '>10000' as 10000, '61,40'), the element's column is followed by ``<element>_reported``
    holding what was written, so the number used is never mistaken for a measurement (review 36).
    """
    import geopandas as gpd
    import pandas as pd

    values = np.asarray(values, dtype=np.float64)
    classes = np.stack([classify(values[:, j], t.levels) for j, t in enumerate(thresholds)], axis=1)
    classes[classes == CLASS_NODATA] = 0
    if censored is not None:
        classes[np.asarray(censored, dtype=bool)] = 0
    if min_level not in (1, 2, 3):
        raise InputError(f"the level must be 1, 2 or 3 (weak, moderate, strong), not {min_level}.", "POINTS_LEVEL")
    hit = classes.max(axis=1) >= min_level
    own = _own_columns(attributes or {}, names, len(values))
    rows = []
    for i in np.nonzero(hit)[0]:
        order = sorted((j for j in range(len(names)) if classes[i, j] >= min_level), key=lambda j: -int(classes[i, j]))
        row: Dict[str, object] = {column: column_values[i] for column, column_values in own.items()}
        row.update({name: float(values[i, j]) for j, name in enumerate(names)})
        row.update(
            max_level=int(classes[i].max()),
            level=LEVEL_NAMES[int(classes[i].max()) - 1],
            n_elements=len(order),
            elements=", ".join(f"{names[j]}({classes[i, j]})" for j in order),
        )
        rows.append(row)
    element_columns: List[str] = []
    listed = np.nonzero(hit)[0]
    for j, name in enumerate(names):
        element_columns.append(name)
        written = [(reported or {}).get(name, [None] * len(values))[i] for i in listed]
        if any(_written_otherwise(v, values[i, j]) for v, i in zip(written, listed)):
            taken = {c.lower() for c in [*own, *names, *element_columns]}  # GeoPackage names ignore case
            column = next(
                c
                for c in (f"{name}_reported", *(f"{name}_reported_{k}" for k in range(2, 100)))
                if c.lower() not in taken
            )
            element_columns.append(column)
            for row, text in zip(rows, written):
                row[column] = None if text is None else str(text)
    columns = list(own) + element_columns + list(HIGH_VALUE_COLUMNS)
    frame = gpd.GeoDataFrame(rows, columns=columns, geometry=gpd.points_from_xy(xy[hit, 0], xy[hit, 1]))
    for column, column_values in own.items():  # whole numbers with gaps (NULL) stay whole numbers, not 1234.0
        present = [v for v in column_values if v is not None]  # of every sample: the listed may all be NULL
        if present and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in present):
            frame[column] = pd.array([column_values[i] for i in np.nonzero(hit)[0]], dtype="Int64")
    return frame


def _own_columns(
    attributes: Mapping[str, Sequence[object]], names: Sequence[str], n: int
) -> Dict[str, Sequence[object]]:
    """The samples' own columns for :func:`high_value_points`, renamed ``sample_<name>`` where the name is taken
    (case aside) by an element, a column of the table, the GeoPackage's ``fid`` and ``geom`` or the frame's
    ``geometry``."""
    # fid and geom: a GeoPackage's own columns (a field 'geom', say WKT from a database export, failed the write)
    taken = {name.lower() for name in names} | set(HIGH_VALUE_COLUMNS) | {"fid", "geom", "geometry"}
    own: Dict[str, Sequence[object]] = {}
    for column, column_values in attributes.items():
        if len(column_values) != n:
            raise ValueError(f"attribute {column!r} has {len(column_values)} values for {n} samples")
        name = column
        while name.lower() in taken or name.lower() in {o.lower() for o in own}:
            name = f"sample_{name}"
        own[name] = column_values
    return own


@dataclass
class AnomalyResult:
    classes: np.ndarray  # (m + 1, H, W) uint8, last band = index
    class_names: List[str]
    thresholds: List[Thresholds]  # one per element, then the index
    index: np.ndarray
    index_weights: Dict[str, float]
    contours: "gpd.GeoDataFrame"
    areas: "gpd.GeoDataFrame"
    labels: np.ndarray
    floored_scales: Dict[str, float] = field(default_factory=dict)  # band -> its own robust scale, below the floor
    #: without any area of MIN_CELLS cells: the cells of the largest connected area at the outline level (0: none)
    largest_area_cells: int = 0


def memory_per_cell(n_bands: int) -> int:
    """Bytes per grid cell at the peak of :func:`identify_anomalies` for ``n_bands`` element bands, the float32
    read of the raster included: per band the read, the float64 working copy, the index's log10 values and robust
    z-scores (float64 each), the classes (listed, then stacked) and the thresholds' scratch; per cell the index,
    its classes, the contours' and the areas' work. numpy's allocations at the peak (tracemalloc) on the Lapland
    till grids at 50 m were 50, 124 and 238 bytes a cell for 1, 3 and 6 bands (about 38 x bands + 13)."""
    return 40 * n_bands + 40


def identify_anomalies(
    bands: np.ndarray,
    names: Sequence[str],
    grid: GridSpec,
    method: str = "percentile",
    association: Optional[Sequence[str]] = None,
    index_method: str = "zscore",
    mask: Optional[np.ndarray] = None,
    deposits_xy: Optional[np.ndarray] = None,
    min_cells: int = 1,
    percentiles: Sequence[float] = (85.0, 95.0, 98.0),
    multipliers: Sequence[float] = (1.0, 2.0, 3.0),
    ca_breaks: Optional[int] = None,
    contours: bool = True,
    area_level: int = 0,
    progress: ProgressCallback = None,
    is_cancelled: CancelCallback = None,
) -> AnomalyResult:
    """Thresholds, classes, integrated index, contours and screened anomaly areas for (m, H, W) bands; the areas
    are outlined at the index's level ``area_level`` (0 weak, 1 moderate, 2 strong)."""
    import geopandas as gpd

    from .contours import contour_lines

    names = list(names)
    bands = np.asarray(bands)
    if bands.ndim == 2:
        bands = bands[None]
    if bands.shape[0] != len(names):
        raise InputError("one name is needed per band.", "BANDS")
    outside = None if mask is None else ~checked_mask(mask, bands.shape[1:])
    data = np.empty(bands.shape, dtype=np.float64)  # the float64 working copy, band by band (seconds on 16 M cells)
    association = list(association) if association else names
    # shares of the progress, as measured on 4,000² x 10 bands: the elements' levels, the index, the contours,
    # the areas (each step reports, and stops when cancelled, within a few seconds at that size)
    share = {"elements": 0.35, "index": 0.6, "contours": 0.8}
    thresholds, classes = [], []
    for m, name in enumerate(names):
        check_cancelled(is_cancelled)
        data[m] = bands[m]
        if outside is not None:
            data[m][outside] = np.nan
        t = compute_thresholds(data[m], name, method, True, percentiles, multipliers, ca_breaks)
        thresholds.append(t)
        classes.append(classify(data[m], t.levels))
        report(progress, share["elements"] * (m + 1) / len(names))
    floored: Dict[str, float] = {}
    index_share = share["index"] - share["elements"]
    index, weights = integrated_index(
        data,
        names,
        association,
        index_method,
        floored=floored,
        progress=lambda f: report(progress, share["elements"] + 0.7 * index_share * f),
        is_cancelled=is_cancelled,
    )
    check_cancelled(is_cancelled)
    report(progress, share["elements"] + 0.85 * index_share)
    t_index = compute_thresholds(index, INDEX_NAME, method, False, percentiles, multipliers, ca_breaks)
    thresholds.append(t_index)
    classes.append(classify(index, t_index.levels))
    check_cancelled(is_cancelled)
    report(progress, share["index"])

    lines = []
    if contours:
        for m, t in enumerate(thresholds):
            surface = data[m] if m < len(names) else index
            for level_name, value in zip(LEVEL_NAMES, t.levels):
                check_cancelled(is_cancelled)
                if np.isfinite(value):
                    for line in contour_lines(surface, float(value), grid):
                        lines.append({"element": t.name, "level": level_name, "value": float(value), "geometry": line})
            report(progress, share["index"] + (share["contours"] - share["index"]) * (m + 1) / len(thresholds))
    contour_gdf = gpd.GeoDataFrame(
        lines, columns=["element", "level", "value", "geometry"], geometry="geometry", crs=grid.crs_wkt
    )
    report(progress, share["contours"])

    class_stack = np.stack(classes)
    del classes
    areas, labels = anomaly_areas(
        index,
        t_index.levels,
        grid,
        class_stack[:-1],
        names,
        association,
        deposits_xy,
        min_cells,
        area_level,
        progress=lambda f: report(progress, share["contours"] + (1.0 - share["contours"]) * f),
        is_cancelled=is_cancelled,
    )
    report(progress, 1.0)
    outline = float(t_index.levels[area_level])
    largest = largest_area_cells(index, outline) if len(areas) == 0 and np.isfinite(outline) else 0
    return AnomalyResult(
        class_stack, names + [INDEX_NAME], thresholds, index, weights, contour_gdf, areas, labels, floored, largest
    )


def _written_otherwise(written: object, used: float) -> bool:
    """Whether a value as a laboratory wrote it differs from the number used for it: text other than a plain
    number ('<5', '>10000', '61,40', 'n.d.'), or a number read otherwise (-5, a below-detection code, held as 2.5)."""
    if written is None:
        return False
    try:
        number = float(str(written).strip())
    except ValueError:
        return bool(str(written).strip())
    return not (number == used or (np.isnan(number) and np.isnan(used)))
