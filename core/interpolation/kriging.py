"""Ordinary kriging: local neighbourhoods solved in vectorised batches, or one global system.

Local kriging takes the ``k`` nearest samples of every target (:mod:`.neighbours`)
and solves all the targets of a block at once with ``np.linalg.solve`` on a
stacked ``(m, k+1, k+1)`` array of covariance-form systems::

    [ C   1 ] [ w  ]   [ c0 ]
    [ 1'  0 ] [ mu ] = [ 1  ]     estimate = w' z,   variance = C(0) - w' c0 - mu

(normalised by the sill for conditioning). A neighbour missing because of the
search radius is padded with an identity row, so its weight is exactly 0. With
``neighbors = 0`` (or >= the number of samples) one global system is factorised
once and applied to every target.

Log transform (``log_transform=True``) kriges ``y = ln z`` and back-transforms
with the lognormal ordinary-kriging correction (Journel 1980)::

    z* = exp(y* + sigma2 / 2 + mu)

where ``sigma2`` and ``mu`` are the kriging variance and Lagrange multiplier of
the system above (``mu`` is minus the multiplier of the semivariogram form, so
this is the textbook ``exp(y* + sigma2/2 - psi)``). It makes the estimate
unbiased for a lognormal variable; ``exp(y*)`` alone estimates the median and
is biased low. The variance output stays in ln units.

An anisotropic variogram (:class:`.variogram.Variogram` ``angle``, ``ratio``) is applied by kriging in the
coordinates where it is isotropic (:func:`.variogram.anisotropic_coordinates`, PyKrige's convention); the
search radius and the nearest neighbours are then measured in those coordinates.

At a target that coincides with a sample the estimate is that sample's value
(kriging is an exact interpolator; the nugget shows only between samples).

A system too badly conditioned to solve in float64 (:data:`MAX_CONDITION`; a gaussian variogram without a nugget
over samples well inside its range) is refused before any estimate (:func:`worst_condition`).
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple, Union

import numpy as np

from ..callbacks import CancelCallback, ProgressCallback, check_cancelled
from ..distributed.runner import TaskRunner, run_tasks
from ..errors import InputError
from ..grid import GridSpec, checked_mask, unit_abbreviation
from ..lazy import lazy_function
from ..neighbours import NeighbourIndex
from ..threads import blas_threads
from .variogram import Variogram, anisotropic_coordinates

cKDTree = lazy_function("scipy.spatial", "cKDTree")  # noqa: N816 (scipy imported when used: loads without it)

#: global kriging above this many samples would need a huge dense system; use a neighbourhood instead
MAX_GLOBAL_SAMPLES = 5000


_SINGULAR = (
    "the kriging system is singular: samples share a location, which gives two equal rows of the kriging matrix "
    "whatever the nugget; average co-located samples first (core.io.values.average_duplicates)."
)


#: a kriging system whose condition number exceeds this gives weights that are rounding noise (float64 holds about
#: 16 digits: at 1e12 only 4 are left in the weights); a gaussian variogram without a nugget over samples well inside
#: its range reaches 1e16
MAX_CONDITION = 1e12
#: samples whose neighbourhood systems are checked for their condition (a fixed random subset beyond)
CONDITION_SAMPLES = 2000


def worst_condition(xy: np.ndarray, variogram: Variogram, k: int) -> float:
    """The largest condition number of the covariance matrices of each sample's ``k`` nearest samples (itself
    included; at most :data:`CONDITION_SAMPLES` samples, a fixed subset). A principal submatrix of a symmetric
    positive definite matrix is no better conditioned than the whole (its eigenvalues interlace), so a global
    system is at least this badly conditioned too."""
    xy = np.asarray(xy, dtype=np.float64)
    n = xy.shape[0]
    k = max(2, min(k, n, 32))
    if n < 2:
        return 1.0
    centres = np.arange(n)
    if n > CONDITION_SAMPLES:
        centres = np.sort(np.random.default_rng(0).choice(n, CONDITION_SAMPLES, replace=False))
    _, idx = cKDTree(xy).query(xy[centres], k)
    pts = xy[idx]  # (c, k, 2)
    d = np.sqrt(((pts[:, :, None, :] - pts[:, None, :, :]) ** 2).sum(axis=-1))
    cov = variogram.unit_covariance(d)
    with np.errstate(all="ignore"):
        cond = np.linalg.cond(cov)
    return float(np.nanmax(np.where(np.isfinite(cond), cond, np.inf)))


def _ill_conditioned(variogram: Variogram, condition: float, length_unit: str = "") -> str:
    """The refusal of an ill-conditioned system; the range in ``length_unit`` (the map's: 'm', 'US ft') when given."""
    share = variogram.nugget / variogram.sill if variogram.sill > 0 else 0.0
    reach = f"{variogram.range:,.6g} {length_unit}" if length_unit else f"{variogram.range:,.6g}"
    return (
        f"the kriging system is numerically singular (condition number {condition:.2g} among neighbouring samples): "
        f"the {variogram.model} variogram (nugget {100 * share:.2g} % of the sill, range {reach}) "
        "makes samples well inside its range almost copies of one another, and the kriging weights come out as "
        "rounding noise (estimates far outside the samples' values). Give a nugget (VARIOGRAM_NUGGET, e.g. 1 % of "
        f"the sill: {0.01 * variogram.sill:.3g}), or choose VARIOGRAM_MODEL spherical or exponential, or METHOD idw."
    )


def check_solvable(xy: np.ndarray, variogram: Variogram, k: int, length_unit: str = "", field: str = "") -> None:
    """Refuse kriging systems of ``k`` neighbouring samples (``xy`` already in the variogram's isotropic frame) that
    cannot be solved: co-located samples (INPUT; a nugget does not help, their covariance is C(0) with each other),
    or a condition number beyond :data:`MAX_CONDITION` (VARIOGRAM_NUGGET); ``field`` names the element."""
    which = f"field '{field}': " if field else ""
    if len(cKDTree(xy).query_pairs(r=0.0, output_type="ndarray")):
        raise InputError(which + _SINGULAR, "INPUT")
    condition = worst_condition(xy, variogram, k)
    if condition > MAX_CONDITION:
        raise InputError(which + _ill_conditioned(variogram, condition, length_unit), "VARIOGRAM_NUGGET")


def _block_size(k: int, budget_bytes: int) -> int:
    per_target = 8 * ((k + 1) ** 2 * 3 + k * k * 4 + 8 * k)
    return int(max(16, min(200_000, budget_bytes // per_target)))


def _triangle(k: int) -> Tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the strict upper triangle of a k x k matrix."""
    return np.triu_indices(k, 1)


def _neighbours(
    tree: NeighbourIndex,
    n: int,
    targets: np.ndarray,
    k: int,
    max_distance: Optional[float],
    exclude: Optional[np.ndarray],
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distances, indices and validity of the ``k`` nearest samples (minus the excluded one)."""
    kq = min(n, k + (1 if exclude is not None else 0))
    dist, idx = tree.query(targets, kq, max_distance)
    valid = idx < n
    if exclude is not None:
        valid &= idx != exclude[:, None]
        order = np.argsort(~valid, axis=1, kind="stable")[:, :k]
        dist = np.take_along_axis(dist, order, axis=1)
        idx = np.take_along_axis(idx, order, axis=1)
        valid = np.take_along_axis(valid, order, axis=1)
    return dist, idx, valid


def _solve_local(
    xy: np.ndarray,
    z: np.ndarray,
    dist: np.ndarray,
    idx: np.ndarray,
    valid: np.ndarray,
    variogram: Variogram,
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    kk = idx.shape[1]
    idx = np.where(valid, idx, 0)
    m = idx.shape[0]
    sill = variogram.sill
    # pairwise covariances from the upper triangle only (the matrix is symmetric)
    iu, ju = _triangle(kk)
    px, py = xy[idx, 0], xy[idx, 1]  # (m, k)
    dx = px[:, iu] - px[:, ju]
    dy = py[:, iu] - py[:, ju]
    dx *= dx
    dy *= dy
    dx += dy
    del dy
    cov = variogram.unit_covariance(np.sqrt(dx, out=dx))
    del dx
    a = np.empty((m, kk + 1, kk + 1))
    a[:, iu, ju] = cov
    a[:, ju, iu] = cov
    del cov
    diag = np.arange(kk)
    a[:, diag, diag] = 1.0
    all_valid = bool(valid.all())
    if not all_valid:
        a[:, :kk, :kk] *= valid[:, :, None] & valid[:, None, :]
        a[:, diag, diag] = 1.0  # a padded neighbour: identity row, weight 0
    a[:, :kk, kk] = valid
    a[:, kk, :kk] = valid
    a[:, kk, kk] = 0.0
    b = np.empty((m, kk + 1))
    b[:, :kk] = variogram.unit_covariance(np.where(valid, dist, 0.0))
    if not all_valid:
        b[:, :kk] *= valid
    # unit covariance at distance 0 is 1 (the sill): a target on a sample reproduces it exactly
    b[:, kk] = 1.0
    has = valid.any(axis=1)
    if not has.all():  # no neighbour in range: keep the system solvable, blank the result afterwards
        a[~has, kk, kk] = 1.0
    try:
        sol = np.linalg.solve(a, b[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        raise InputError(_SINGULAR, "INPUT") from None
    w = sol[:, :kk]
    mu = sol[:, kk]
    est = np.einsum("mk,mk->m", w, z[idx])
    var = sill * (1.0 - np.einsum("mk,mk->m", w, b[:, :kk]) - mu)
    est[~has] = np.nan
    var[~has] = np.nan
    return est, np.maximum(var, 0.0), mu * sill


def check_global_kriging(n: int, neighbors: int, max_distance: Optional[float]) -> None:
    """Refuse kriging of ``n`` samples that would solve one global system (``neighbors`` 0 or at least ``n``,
    without a search radius) when ``n`` exceeds :data:`MAX_GLOBAL_SAMPLES`. Called before any work, so a run is
    refused at once with the layer's sample count, not after minutes of cross-validation with a fold's."""
    if (neighbors <= 0 or neighbors >= n) and not max_distance and n > MAX_GLOBAL_SAMPLES:
        setting = "0" if neighbors <= 0 else f"{neighbors}, every sample"
        raise InputError(
            f"global kriging (NEIGHBORS = {setting}) of {n:,} samples needs a {n:,} x {n:,} system; "
            f"set NEIGHBORS to 16-32 (local kriging) for more than {MAX_GLOBAL_SAMPLES:,} samples.",
            "NEIGHBORS",
        )


class _GlobalSystem:
    """The full ordinary-kriging system of all samples, inverted once."""

    def __init__(self, xy: np.ndarray, z: np.ndarray, variogram: Variogram) -> None:
        from scipy.spatial.distance import cdist

        n = xy.shape[0]
        check_global_kriging(n, 0, None)
        self.xy, self.z, self.variogram, self.sill = xy, z, variogram, variogram.sill
        a = np.ones((n + 1, n + 1))
        a[:n, :n] = variogram.unit_covariance(cdist(xy, xy))
        a[n, n] = 0.0
        self.a = a
        try:
            self.inverse = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise InputError(_SINGULAR, "INPUT") from None

    def predict(self, targets: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        from scipy.spatial.distance import cdist

        n = self.xy.shape[0]
        b = np.ones((n + 1, targets.shape[0]))
        b[:n] = self.variogram.unit_covariance(cdist(self.xy, targets))
        sol = self.inverse @ b
        w, mu = sol[:n], sol[n]
        est = w.T @ self.z
        var = self.sill * (1.0 - np.einsum("nm,nm->m", w, b[:n]) - mu)
        return est, np.maximum(var, 0.0), mu * self.sill

    def leave_one_out(self) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every sample predicted from all the others, from the one inverse.

        Dropping sample i from the system gives the solution ``-A^-1[:, i] / A^-1[i, i]``
        with entry i set to 0 (block-inverse downdate; Dubrule 1983).
        """
        n = self.xy.shape[0]
        inv = self.inverse
        sol = -inv[:, :n] / np.diag(inv)[:n]
        sol[np.arange(n), np.arange(n)] = 0.0
        w, mu = sol[:n], sol[n]
        c0 = self.a[:n, :n].copy()
        np.fill_diagonal(c0, 0.0)
        est = w.T @ self.z
        var = self.sill * (1.0 - np.einsum("nm,nm->m", w, c0) - mu)
        return est, np.maximum(var, 0.0), mu * self.sill


def krige_points(
    xy: np.ndarray,
    z: np.ndarray,
    targets: np.ndarray,
    variogram: Variogram,
    neighbors: int = 16,
    max_distance: Optional[float] = None,
    exclude: Optional[np.ndarray] = None,
    log_transform: bool = False,
    block_budget_bytes: int = 8 * 2**20,
    is_cancelled: CancelCallback = None,
    _cache: Optional[dict] = None,
    length_unit: str = "",
) -> Tuple[np.ndarray, np.ndarray]:
    """Ordinary kriging of ``z`` (n,) at ``targets`` (m, 2): returns (estimate, variance).

    ``variogram`` is the model of ``z`` itself, or of ``ln z`` when
    ``log_transform``; the estimate is then back-transformed (module docstring)
    and the variance is that of ``ln z``. ``exclude`` (m,) gives, per target, a
    sample index to leave out (leave-one-out cross-validation). NaN where no
    sample lies within ``max_distance``. ``_cache`` (a dict kept by the caller
    across calls with the same samples) reuses the KD-tree / global inverse.
    ``length_unit`` names the coordinates' unit in a refusal that quotes the variogram's range.
    """
    cache: dict = {} if _cache is None else _cache
    xy = np.asarray(xy, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.float64).reshape(-1, 2)
    if xy.ndim != 2 or xy.shape[1] != 2 or z.shape != (xy.shape[0],):
        raise InputError("kriging needs (n, 2) coordinates and n values.", "INPUT")
    if not np.isfinite(z).all() or not np.isfinite(xy).all():
        raise InputError("kriging input has missing values; drop them first.", "FIELDS")
    if variogram.anisotropic:
        xy = anisotropic_coordinates(xy, variogram.angle, variogram.ratio)
        targets = anisotropic_coordinates(targets, variogram.angle, variogram.ratio)
        variogram = variogram.isotropic()
    if log_transform:
        if (z <= 0).any():
            raise InputError("values <= 0 have no logarithm; turn off the log transform.", "LOG_TRANSFORM")
        y = np.log(z)
    else:
        y = z
    n = xy.shape[0]
    if n < 2:
        raise InputError("kriging needs at least 2 samples.", "INPUT")
    k = n if neighbors <= 0 else min(neighbors, n - (1 if exclude is not None else 0))
    k = max(1, k)
    if "checked" not in cache:
        check_solvable(xy, variogram, k if exclude is None else k + 1, length_unit)
        cache["checked"] = True
    m = targets.shape[0]
    est = np.empty(m)
    var = np.empty(m)
    mu = np.empty(m)
    global_mode = (neighbors <= 0 or neighbors >= n) and max_distance is None
    if global_mode:
        if "system" not in cache:
            cache["system"] = _GlobalSystem(xy, y, variogram)
        system = cache["system"]
        if exclude is not None and m == n and np.array_equal(exclude, np.arange(n)):
            est, var, mu = system.leave_one_out()
        elif exclude is not None:
            global_mode = False
            k = n - 1
        else:
            step = max(1, max(block_budget_bytes, 64 * 2**20) // (8 * 3 * (n + 1)))
            for start in range(0, m, step):
                check_cancelled(is_cancelled)
                sl = slice(start, start + step)
                est[sl], var[sl], mu[sl] = system.predict(targets[sl])
    if not global_mode:
        if "tree" not in cache:
            cache["tree"] = NeighbourIndex(xy)
        tree = cache["tree"]
        # one neighbour query for many targets (thread start-up is per call), small batches to solve, each small
        # system on one BLAS thread (core.threads: BLAS's threads would only wait on each other)
        step = _block_size(k, block_budget_bytes)
        query_step = 64 * step
        with blas_threads(1):
            for qstart in range(0, m, query_step):
                check_cancelled(is_cancelled)
                qsl = slice(qstart, qstart + query_step)
                dist, idx, valid = _neighbours(
                    tree, n, targets[qsl], k, max_distance, None if exclude is None else exclude[qsl]
                )
                for start in range(0, dist.shape[0], step):
                    sl = slice(start, start + step)
                    out = slice(qstart + start, qstart + start + step)
                    est[out], var[out], mu[out] = _solve_local(xy, y, dist[sl], idx[sl], valid[sl], variogram)
    if log_transform:
        est = np.exp(est + 0.5 * var + mu)
    return est, var


def kriging_grid(
    points_xy: np.ndarray,
    values: np.ndarray,
    grid: GridSpec,
    variograms: Union[Variogram, Sequence[Variogram]],
    neighbors: int = 16,
    max_distance: Optional[float] = None,
    mask: Optional[np.ndarray] = None,
    log_transform: bool = False,
    nodata: float = np.nan,
    progress: ProgressCallback = None,
    is_cancelled: CancelCallback = None,
    block_budget_bytes: int = 8 * 2**20,
    field_names: Optional[Sequence[str]] = None,
    runner: Optional[TaskRunner] = None,
) -> Tuple[np.ndarray, np.ndarray]:
    """Ordinary kriging of every value column onto ``grid``, row block by row block (on ``runner``, a
    :class:`core.distributed.runner.TaskRunner`, when given; None = this process).

    ``values`` (n,) or (n, f) with NaN for missing (per column); one variogram
    per column (of ``ln`` values when ``log_transform``). Returns
    ``(estimates, variances)``, each (f, height, width) float32.
    """
    points_xy = np.asarray(points_xy, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    f = values.shape[1]
    names = list(field_names) if field_names is not None else [f"field {i + 1}" for i in range(f)]
    if isinstance(variograms, Variogram):
        variograms = [variograms] * f
    if len(variograms) != f:
        raise InputError("one variogram per field is needed.", "FIELDS")
    if mask is not None:
        mask = checked_mask(mask, (grid.height, grid.width))
    if max_distance is not None and not max_distance > 0:
        raise InputError("the search radius must be positive, or left empty for no limit.", "MAX_DISTANCE")
    out = np.full((f, grid.height, grid.width), np.float32(nodata), dtype=np.float32)
    out_var = np.full((f, grid.height, grid.width), np.float32(nodata), dtype=np.float32)
    k_est = max(1, neighbors) if neighbors > 0 else min(points_xy.shape[0], 200)
    # rows handed to krige_points at a time (cell centres, masks, results); it solves them in
    # smaller batches of ``block_budget_bytes`` (cache-sized systems are fastest)
    rows_per_block = grid.rows_per_block(8 * (12 + 4 * k_est), 8 * block_budget_bytes)
    here = runner is None or runner.in_process
    # every field's systems checked before any is gridded: a field that cannot be kriged is refused at once, not
    # after the fields before it (minutes on a national grid)
    for j in range(f):
        ok = np.isfinite(values[:, j])
        if ok.sum() < 2:
            raise InputError(f"field '{names[j]}' has fewer than 2 numeric values.", "FIELDS")
        xy = points_xy[ok]
        if variograms[j].anisotropic:
            xy = anisotropic_coordinates(xy, variograms[j].angle, variograms[j].ratio)
        k = max(1, min(neighbors, xy.shape[0]) if neighbors > 0 else xy.shape[0])
        check_solvable(xy, variograms[j].isotropic(), k, unit_abbreviation(grid.crs_wkt), names[j])
        check_cancelled(is_cancelled)
    tasks = []
    for j in range(f):
        ok = np.isfinite(values[:, j])
        xy, z = points_xy[ok], values[ok, j]
        # in this process the blocks of a field share its KD-tree / global system (checked above) and the cancel
        # check; each worker makes its own
        cache: Optional[dict] = {"checked": True} if here else None
        if runner is not None:
            xy, z = runner.share(xy), runner.share(z)
        for row0 in range(0, grid.height, rows_per_block):
            row1 = min(grid.height, row0 + rows_per_block)
            rows_mask = None if mask is None else mask[row0:row1]
            args = (xy, z, grid, row0, row1, rows_mask, variograms[j], neighbors, max_distance, log_transform)
            tasks.append(((j, row0, row1), args + (block_budget_bytes, nodata, cache, is_cancelled if here else None)))

    def consume(key, result: Optional[Tuple[np.ndarray, np.ndarray]]) -> None:
        j, row0, row1 = key
        if result is not None:
            out[j, row0:row1], out_var[j, row0:row1] = result

    run_tasks(runner, kriging_rows, tasks, consume, progress, is_cancelled)
    return out, out_var


def kriging_rows(
    xy: np.ndarray,
    z: np.ndarray,
    grid: GridSpec,
    row0: int,
    row1: int,
    rows_mask: Optional[np.ndarray],
    variogram: Variogram,
    neighbors: int,
    max_distance: Optional[float],
    log_transform: bool,
    block_budget_bytes: int,
    nodata: float,
    cache: Optional[dict] = None,
    is_cancelled: CancelCallback = None,
) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """Kriging estimate and variance of rows ``row0:row1`` of ``grid``, each (rows, width) float32 (``nodata``
    outside ``rows_mask`` and where no sample is in range; beyond float32: inf), or None when the mask leaves no
    cell. The unit of work of :func:`kriging_grid`, in this process and on Dask workers."""
    cx, cy = grid.cell_centres(row0, row1)
    inside = np.ones(cx.shape, dtype=bool) if rows_mask is None else rows_mask.ravel().astype(bool)
    if not inside.any():
        return None
    est, var = krige_points(
        xy,
        z,
        np.column_stack([cx[inside], cy[inside]]),
        variogram,
        neighbors=neighbors,
        max_distance=max_distance,
        log_transform=log_transform,
        block_budget_bytes=block_budget_bytes,
        is_cancelled=is_cancelled,
        _cache=cache,
        length_unit=unit_abbreviation(grid.crs_wkt),
    )
    est[~np.isfinite(est)] = nodata
    var[~np.isfinite(var)] = nodata
    block = np.full((2, row1 - row0, grid.width), np.float32(nodata), dtype=np.float32)
    with np.errstate(over="ignore"):  # beyond float32: inf, for the caller to count (clear_beyond_float32)
        block[0].reshape(-1)[inside] = est
        block[1].reshape(-1)[inside] = var
    return block[0], block[1]


def clip_to_sample_minimum(bands: np.ndarray, values: np.ndarray) -> list:
    """Raise kriged cells below a field's smallest sample value to that value, in place.

    Ordinary kriging weights can be negative, so estimates of skewed concentrations can
    undershoot, even below zero, which no concentration can be (and which later log-based
    steps refuse). Returns how many cells were raised, per field.
    """
    counts = []
    for band, column in zip(bands, np.asarray(values, dtype=np.float64).reshape(len(values), -1).T):
        lowest = np.nanmin(column)
        low = np.isfinite(band) & (band < lowest)
        band[low] = lowest
        counts.append(int(low.sum()))
    return counts
