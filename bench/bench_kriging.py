"""Ordinary kriging speed: ours against PyKrige (n_closest_points, C and loop backends) and GSTools, same run.

Local kriging, k = 16 nearest samples, 10k and 100k synthetic samples onto a 500 x 500 grid, fixed
spherical variogram. PyKrige's C backend runs on the whole grid (its execute() also builds the full
n x n kriging matrix); its Python-loop backend takes minutes, so it runs on LOOP_CELLS random cells and
is scaled linearly. Predictions are compared (tolerance 1e-8 in float64, 1e-5 against our float32
raster; values are ~1). At 100k samples PyKrige would need a 100k x 100k matrix (80 GB): not run.
GSTools has no local neighbourhood: it is compared on global ordinary kriging (1,000 samples onto
2,000 points) against our global mode (NEIGHBORS = 0), pseudo-inverse off.
"""

from __future__ import annotations

import resource
import time

import numpy as np

from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.interpolation.kriging import krige_points, kriging_grid
from geochem_prospector.core.interpolation.variogram import Variogram

K = 16
EXTENT = 50_000.0
SIZE = 500
LOOP_CELLS = 3000
VARIOGRAM = Variogram("spherical", 0.1, 1.0, 8000.0)
TOLERANCE = 1e-8  # float64 predictions (values ~1)
TOLERANCE_F32 = 1e-5  # against our float32 raster


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def samples(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, EXTENT, size=(n, 2))
    z = np.sin(xy[:, 0] / 5000) + np.cos(xy[:, 1] / 7000) + rng.normal(0, 0.3, n)
    return xy, z


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def local_case(n: int) -> None:
    xy, z = samples(n)
    grid = GridSpec.from_extent(0, 0, EXTENT, EXTENT, EXTENT / SIZE)
    rss0 = peak_rss_mb()
    t_ours, (bands, _) = timed(lambda: kriging_grid(xy, z, grid, VARIOGRAM, neighbors=K))
    cells = grid.width * grid.height
    print(
        f"n={n:>7,}  ours: {t_ours:6.2f} s for {cells:,} cells ({1e6 * t_ours / cells:.1f} us/cell), "
        f"peak RSS +{peak_rss_mb() - rss0:.0f} MB (row blocks)",
        flush=True,
    )
    if n > 20_000:
        print(f"n={n:>7,}  pykrige: not run (its set-up builds an {n:,} x {n:,} matrix, {8 * n * n / 1e9:.0f} GB)")
        return
    try:
        from pykrige.ok import OrdinaryKriging
    except ImportError:
        print("pykrige not installed (pip install -r requirements/test.txt): no reference")
        return
    p = VARIOGRAM
    t_setup, ok = timed(
        lambda: OrdinaryKriging(
            xy[:, 0],
            xy[:, 1],
            z,
            variogram_model="spherical",
            variogram_parameters={"psill": p.psill, "range": p.range, "nugget": p.nugget},
            enable_statistics=False,
        )
    )
    xs = grid.xmin + (np.arange(grid.width) + 0.5) * grid.pixel_size
    ys = grid.ymax - (np.arange(grid.height) + 0.5) * grid.pixel_size
    # C backend: the whole grid, as a user would run it
    t_c, (ref, _) = timed(lambda: ok.execute("grid", xs, ys, n_closest_points=K, backend="C"))
    diff = float(np.abs(np.asarray(ref, dtype=np.float64) - bands[0]).max())
    print(
        f"n={n:>7,}  pykrige C   : {t_c:6.2f} s for the grid (+ {t_setup:.1f} s set-up); max |diff| to ours "
        f"{diff:.1e} (our raster is float32) {'OK' if diff <= TOLERANCE_F32 else 'MISMATCH'}",
        flush=True,
    )
    # loop backend: minutes for the grid, so a subset of cells, scaled. Its n x n matrix (built in
    # every execute) is timed once and then served from a cache so the per-cell cost is measured alone.
    pick = np.random.default_rng(1).choice(grid.width * grid.height, LOOP_CELLS, replace=False)
    cx, cy = grid.cell_centres()
    tx, ty = cx[pick], cy[pick]
    t_matrix, matrix = timed(lambda: ok._get_kriging_matrix(n))
    ok._get_kriging_matrix = lambda _n: matrix
    t_loop, (ref_loop, _) = timed(lambda: ok.execute("points", tx, ty, n_closest_points=K, backend="loop"))
    loop_total = t_matrix + t_loop * cells / LOOP_CELLS
    ours_here, _ = krige_points(xy, z, np.column_stack([tx, ty]), VARIOGRAM, neighbors=K)
    diff = float(np.abs(ours_here - ref_loop).max())
    print(
        f"n={n:>7,}  pykrige loop: ~{loop_total:5.0f} s for the grid (scaled from {LOOP_CELLS} cells); max |diff| "
        f"{diff:.1e} (float64) {'OK' if diff <= TOLERANCE else 'MISMATCH'}",
        flush=True,
    )
    fastest = min(t_c, loop_total)
    print(
        f"n={n:>7,}  RATIO pykrige (fastest backend) / ours: {fastest / t_ours:.1f}x "
        f"({(fastest + t_setup) / t_ours:.1f}x counting its set-up)",
        flush=True,
    )


def gstools_case(n: int = 1000, m: int = 2_000) -> None:
    try:
        import gstools as gs
    except ImportError:
        print("gstools not installed: skipped")
        return
    xy, z = samples(n, seed=3)
    targets = np.random.default_rng(4).uniform(0, EXTENT, size=(m, 2))
    p = VARIOGRAM
    # gstools' Spherical(len_scale) reaches the sill at len_scale, like ours
    model = gs.Spherical(dim=2, var=p.psill, len_scale=p.range, nugget=p.nugget)
    t_ours, (ours, _) = timed(lambda: krige_points(xy, z, targets, p, neighbors=0))

    def run_gstools():
        krige = gs.krige.Ordinary(model, cond_pos=[xy[:, 0], xy[:, 1]], cond_val=z, pseudo_inv=False, exact=True)
        return krige((targets[:, 0], targets[:, 1]), return_var=False, chunk_size=2000)

    t_ref, ref = timed(run_gstools)
    ref = np.asarray(ref).ravel()
    diff = float(np.abs(ours - ref).max())
    print(
        f"global OK n={n:,} onto {m:,} points: ours {t_ours:.2f} s, gstools {t_ref:.2f} s, "
        f"RATIO {t_ref / t_ours:.1f}x; max |diff| {diff:.1e} {'OK' if diff <= 1e-6 else 'MISMATCH'}",
        flush=True,
    )


def main() -> None:
    print(f"ordinary kriging, k={K}, {SIZE}x{SIZE} grid, spherical variogram ({VARIOGRAM.describe()})")
    for n in (10_000, 100_000):
        local_case(n)
    gstools_case()


if __name__ == "__main__":
    main()
