"""Deposits on the prospectivity raster: the value under each deposit, or why it was not used."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..errors import InputError
from ..grid import GridSpec, checked_mask

USED = "used"


OUTSIDE_RASTER = "outside raster"


NODATA = "nodata cell"


OUTSIDE_MASK = "outside mask"


NO_COORDINATES = "no valid coordinates"


STATUSES = (USED, OUTSIDE_RASTER, NODATA, OUTSIDE_MASK, NO_COORDINATES)


@dataclass
class DepositSample:
    """Raster values at deposits, and what happened to each deposit."""

    values: np.ndarray  # values of the deposits whose status is USED, in input order
    status: np.ndarray  # (n_deposits,) one of STATUSES per input deposit
    cell_values: np.ndarray  # (n_deposits,) raster value under each deposit (NaN off the raster)
    rows: np.ndarray
    cols: np.ndarray

    @property
    def counts(self) -> Dict[str, int]:
        """How many deposits have each status."""
        return {s: int(np.count_nonzero(self.status == s)) for s in STATUSES}

    @property
    def shared_cells(self) -> int:
        """How many used deposits share their cell with an earlier used deposit."""
        used = self.status == USED
        cells = np.stack([self.rows[used], self.cols[used]], axis=1)
        return int(cells.shape[0] - np.unique(cells, axis=0).shape[0]) if cells.size else 0


def valid_cells(raster: np.ndarray, mask: Optional[np.ndarray] = None) -> np.ndarray:
    """Boolean array: finite cells inside the mask (the study area)."""
    raster = np.asarray(raster)
    if raster.ndim != 2:
        raise InputError("the prospectivity raster must be a single 2-D band.", "INPUT_RASTER")
    valid = np.isfinite(raster)
    if mask is not None:
        valid &= checked_mask(mask, raster.shape)
    return valid


def sample_deposits(
    raster: np.ndarray, grid: GridSpec, deposits_xy: np.ndarray, mask: Optional[np.ndarray] = None
) -> DepositSample:
    """Value of the cell under each deposit, with a status saying whether it can be used."""
    raster = np.asarray(raster)
    valid = valid_cells(raster, mask)
    if raster.shape != (grid.height, grid.width):
        raise InputError("the raster array does not match its grid.", "INPUT_RASTER")
    xy = np.asarray(deposits_xy, dtype=np.float64).reshape(-1, 2)
    n = xy.shape[0]
    status = np.full(n, USED, dtype=object)
    rows = np.full(n, -1, dtype=np.int64)
    cols = np.full(n, -1, dtype=np.int64)
    cell_values = np.full(n, np.nan)
    finite = np.isfinite(xy).all(axis=1)
    status[~finite] = NO_COORDINATES
    frow, fcol = grid.cell_floor(xy[finite, 0], xy[finite, 1])
    on = grid.holds(frow, fcol)
    idx = np.flatnonzero(finite)
    status[idx[~on]] = OUTSIDE_RASTER
    on_idx = idx[on]
    rows[on_idx] = frow[on].astype(np.int64)
    cols[on_idx] = fcol[on].astype(np.int64)
    r, c = rows[on_idx], cols[on_idx]
    cell_values[on_idx] = raster[r, c]
    finite_value = np.isfinite(raster[r, c])
    status[on_idx[~finite_value]] = NODATA
    status[on_idx[finite_value & ~valid[r, c]]] = OUTSIDE_MASK
    used = status == USED
    return DepositSample(cell_values[used].copy(), status.astype(str), cell_values, rows, cols)


#: most training points a provenance record keeps: beyond, it says how many there were, not where
TRAINING_POINTS_KEPT = 5000


def training_points_record(xy: np.ndarray, crs_wkt: str, layer: str) -> Dict[str, Any]:
    """What a label raster or a model records of the mineralised points it was made from (in its provenance), so
    that evaluate can tell deposits used in training: their coordinates in ``crs_wkt`` to 1e-7 of its unit (about a
    centimetre in degrees; the centimetre rounding kept before put points in degrees up to a kilometre off), and the
    name of their layer. Past :data:`TRAINING_POINTS_KEPT` points only their count is kept."""
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    xy = xy[np.isfinite(xy).all(axis=1)]
    kept: List[List[float]] = np.round(xy, 7).tolist() if len(xy) <= TRAINING_POINTS_KEPT else []
    return {"layer": layer, "crs": crs_wkt, "count": int(len(xy)), "xy": kept}


def _cell_centres(rows: np.ndarray, cols: np.ndarray, transform: Sequence[float]) -> np.ndarray:
    """x, y of the centres of cells (``rows``, ``cols``) under an affine ``transform`` (a, b, c, d, e, f)."""
    a, b, c, d, e, f = transform[:6]
    r, k = rows + 0.5, cols + 0.5
    return np.column_stack([a * k + b * r + c, d * k + e * r + f])


def _cells_record(centres: List[np.ndarray], count: int, crs_wkt: str, layer: str) -> Dict[str, Any]:
    xy = np.vstack(centres) if centres and count <= TRAINING_POINTS_KEPT else np.zeros((0, 2))
    return {**training_points_record(xy, crs_wkt, layer), "count": int(count), "cells": True}


def labelled_cells_record(labels: np.ndarray, grid: GridSpec, layer: str) -> Dict[str, Any]:
    """What a model records of a label raster made elsewhere, which holds no record of the points behind it: the
    centres of its mineralised cells (class 1 and above) on the evidence ``grid`` it was read onto, as training
    points (:func:`training_points_record`), so that evaluate can tell deposits on them."""
    with np.errstate(invalid="ignore"):
        rows, cols = np.nonzero(np.isfinite(labels) & (labels >= 1))
    centres = [_cell_centres(rows, cols, tuple(grid.affine())[:6])] if len(rows) <= TRAINING_POINTS_KEPT else []
    return _cells_record(centres, len(rows), grid.crs_wkt or "", layer)


def labelled_cells_record_of_file(
    path: str, layer: str, band: int = 1, cells_per_read: int = 32 * 2**20
) -> Dict[str, Any]:
    """:func:`labelled_cells_record` of band ``band`` of a label raster read from ``path`` in blocks of whole rows of about
    ``cells_per_read`` cells (a raster too large to hold, trained on window by window); empty when it cannot be
    read (the record is an aid, never a reason to fail)."""
    import rasterio

    from ..io.inputs import no_gdal_sidecars
    from ..io.rasters import band_row_blocks

    centres: List[np.ndarray] = []
    count = 0
    try:
        with no_gdal_sidecars(), rasterio.open(path) as src:
            crs_wkt = src.crs.to_wkt() if src.crs else ""
            for top, values in band_row_blocks(src, band, cells_per_read):
                with np.errstate(invalid="ignore"):
                    rows, cols = np.nonzero(np.isfinite(values) & (values >= 1))
                count += len(rows)
                if count <= TRAINING_POINTS_KEPT and len(rows):
                    centres.append(_cell_centres(rows + top, cols, tuple(src.transform)[:6]))
    except (rasterio.errors.RasterioError, OSError, ValueError):
        return {}
    return _cells_record(centres, count, crs_wkt, layer)


def training_source(record: Dict[str, Any]) -> str:
    """How evaluate's warning names what a model was trained on (:func:`training_points_record` or
    :func:`labelled_cells_record`)."""
    layer = str(record.get("layer", "?"))
    return f"the mineralised cells of the label raster '{layer}'" if record.get("cells") else f"the points of '{layer}'"


def unplaced_training_count(record: Any) -> int:
    """How many training points a provenance ``record`` counts without their places (past
    :data:`TRAINING_POINTS_KEPT`); 0 when it places them, or holds none."""
    if not isinstance(record, dict) or record.get("xy"):
        return 0
    try:
        return max(0, int(record.get("count") or 0))
    except (TypeError, ValueError):
        return 0


def unplaced_training_warning(record: Any, map_name: str) -> str:
    """evaluate's warning when the model behind ``map_name`` was trained on more mineralised points or cells than
    a record places: whether the deposits are among them cannot be told, and silence would read as 'they are not'."""
    return (
        f"DEPOSITS: the model behind '{map_name}' was trained on {unplaced_training_count(record):,} mineralised "
        f"{'cells' if record.get('cells') else 'points'} ({training_source(record)}), more than the "
        f"{TRAINING_POINTS_KEPT:,} whose places a model records, so evaluate cannot tell whether the deposits used "
        "are among them. If they are, the figures measure how well the model fits its training, not how well it "
        "predicts: evaluate with deposits left out of the training labels, or compare learners with comparemodels, "
        "which holds deposits out."
    )


def on_training_cells(deposits_xy: np.ndarray, training_xy: np.ndarray, grid: GridSpec) -> np.ndarray:
    """Which deposits lie on a cell of ``grid`` that holds a training point (both in the grid's CRS): there the
    model was taught the answer, so the figures measure its fit to its training, not its prediction."""
    deposits = np.asarray(deposits_xy, dtype=np.float64).reshape(-1, 2)
    training = np.asarray(training_xy, dtype=np.float64).reshape(-1, 2)
    if not len(deposits) or not len(training):
        return np.zeros(len(deposits), dtype=bool)
    rows, cols = grid.rowcol(deposits[:, 0], deposits[:, 1])
    t_rows, t_cols = grid.rowcol(training[:, 0], training[:, 1])
    taught = {(r, c) for r, c in zip(t_rows.tolist(), t_cols.tolist())}
    on = grid.holds(rows, cols)
    return np.array([bool(o) and (r, c) in taught for o, r, c in zip(on, rows.tolist(), cols.tolist())], dtype=bool)


#: names of deposits on training cells the warning shows before '…'
TRAINED_ON_NAMES_SHOWN = 5


def on_training_warning(
    deposits_xy: np.ndarray,
    training_xy: np.ndarray,
    grid: GridSpec,
    status: Sequence[str],
    names: Sequence[str],
    map_name: str,
    trained_on: str,
) -> Tuple[int, str]:
    """How many deposits used (``status`` USED) lie on cells of ``grid`` holding a training point (``trained_on``
    says what they are: :func:`training_source`; :func:`on_training_cells`), and a warning naming them, for evaluate's
    log and report; (0, '') when none does."""
    used = np.asarray(status) == USED
    on = on_training_cells(np.asarray(deposits_xy, dtype=np.float64), training_xy, grid) & used
    if not on.any():
        return 0, ""
    shown = [name for name, hit in zip(names, on) if hit]
    listed = ", ".join(shown[:TRAINED_ON_NAMES_SHOWN]) + (" …" if len(shown) > TRAINED_ON_NAMES_SHOWN else "")
    verb = "lies" if len(shown) == 1 else "lie"
    return int(on.sum()), (
        f"DEPOSITS: {int(on.sum())} of the {int(used.sum())} deposits used ({listed}) {verb} on cells that the "
        f"model behind '{map_name}' was trained on as mineralised ({trained_on}): "
        "there the figures measure how well the model fits its training, not how well it predicts. Evaluate "
        "with deposits left out of the training labels, or compare learners with comparemodels, which holds "
        "deposits out."
    )
