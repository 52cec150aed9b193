"""Evidence's line path on national fault maps: the search for copies (``near_duplicate_stretches``), crossings,
distance and density, timed part by part at 1,000, 5,000 and 20,000 faults on a 2,000 x 2,000-cell grid.

Two scenes: a synthetic fault network (long sinuous faults of 50-500 vertices, splays leaving them at 10-40°, many
crossings, 1 % of the faults digitised twice a few metres apart, some of those copies in short pieces) and the
bundled Lapland structures (`resources/sample_data/faults.gpkg`, GTK's 1:1M, 85 faults) tiled side by side to the same counts (skipped where
the file is absent). Printed per part: seconds, and the peak resident memory after it; then each part's seconds per
fault against the smallest size (1.0: linear).

Reference, in the same run: the copy search as it was before sweep 18b (every line another comes near buffered and
searched in GEOS: ``_possible_copies`` answering True for every line) on the smallest network; the two must give
the same geometries to the bit, and the ratio new / old is printed.
``BENCH_FAULTS_N`` (default 1000,5000,20000) and ``BENCH_FAULTS_SCENES`` (network,lapland) change the runs.
"""

from __future__ import annotations

import math
import os
import resource
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "build", "plugins"))
#: the bundled copy of the GTK 1:1M structures (the same 85 faults as shared/data/gtk_eis_iocg_lapland)
LAPLAND = os.path.join(os.path.dirname(HERE), "resources", "sample_data", "faults.gpkg")
CELLS = 2000


def sinuous(rng, start, heading, n, step):
    angle = heading + np.cumsum(rng.normal(0, 0.05, n - 1))
    steps = np.column_stack([np.cos(angle), np.sin(angle)]) * rng.uniform(0.5, 1.5, (n - 1, 1)) * step
    return np.vstack([start, start + np.cumsum(steps, axis=0)])


def fault_network(n: int, side: float, seed: int = 0) -> list:
    """``n`` faults in a ``side`` x ``side`` square: 70 % long sinuous faults (50-500 vertices 50-150 m apart, two
    strike families), 29 % splays leaving one of them at 10-40°, 1 % copies of a fault within 2 m (a third of them
    cut into 10 pieces)."""
    from shapely.geometry import LineString
    from shapely.ops import substring

    rng = np.random.default_rng(seed)
    n_main = max(1, int(0.7 * n))
    n_copy = int(0.01 * n)
    out = []
    for _ in range(n_main):
        heading = rng.choice([0.6, 2.2]) + rng.normal(0, 0.2)
        out.append(sinuous(rng, rng.uniform(0, side, 2), heading, int(rng.integers(50, 501)), 100.0))
    for _ in range(n - n_main - n_copy):
        parent = out[int(rng.integers(n_main))]
        k = int(rng.integers(1, len(parent) - 1))
        d = parent[k + 1] - parent[k]
        heading = math.atan2(d[1], d[0]) + rng.choice([-1, 1]) * math.radians(rng.uniform(10, 40))
        out.append(sinuous(rng, parent[k], heading, int(rng.integers(20, 101)), 100.0))
    lines = [LineString(xy) for xy in out]
    for c in range(n_copy):
        xy = np.asarray(lines[int(rng.integers(n_main))].coords)
        copy = LineString(xy + rng.uniform(-1.4, 1.4, xy.shape))
        lines += (
            [substring(copy, copy.length * k / 10, copy.length * (k + 1) / 10) for k in range(10)]
            if c % 3 == 0
            else [copy]
        )
    return lines[:n] if len(lines) > n else lines


def lapland_tiled(n: int) -> list:
    """The Lapland structures side by side in a square of tiles until ``n`` faults."""
    import geopandas as gpd
    from shapely.affinity import translate

    base = list(gpd.read_file(LAPLAND).geometry)
    x0, y0, x1, y1 = gpd.GeoSeries(base).total_bounds
    tiles = math.ceil(n / len(base))
    per_row = math.ceil(math.sqrt(tiles))
    out = []
    for t in range(tiles):
        dx, dy = (t % per_row) * (x1 - x0), (t // per_row) * (y1 - y0)
        out += [translate(g, dx - x0, dy - y0) for g in base]
    return out[:n]


def measure(name: str, lines: list, parts=("copies", "crossings", "distance", "density")) -> dict:
    from geochem_prospector.core.evidence.lines import (
        NEAR_CELLS,
        NEAR_LENGTH_CELLS,
        LineEvidence,
        intersections,
        near_duplicate_stretches,
    )
    from geochem_prospector.core.evidence.stack import tiles
    from geochem_prospector.core.grid import GridSpec

    bounds = np.array([g.bounds for g in lines])
    xmin, ymin = bounds[:, :2].min(axis=0)
    xmax, ymax = bounds[:, 2:].max(axis=0)
    px = max(xmax - xmin, ymax - ymin) / CELLS
    grid = GridSpec(float(xmin), float(ymax), float(px), CELLS, CELLS, "EPSG:3067")
    out = {}
    started = time.perf_counter()
    kept, changed, removed = near_duplicate_stretches(lines, NEAR_CELLS * px, NEAR_LENGTH_CELLS * px)
    out["copies"] = time.perf_counter() - started
    started = time.perf_counter()
    xy = intersections(kept)
    out["crossings"] = time.perf_counter() - started
    started = time.perf_counter()
    ev = LineEvidence("f", lines, grid)
    for r0, r1, c0, c1 in tiles(grid):
        ev.window(grid, r0, r1, c0, c1)
    out["distance"] = time.perf_counter() - started
    ev = LineEvidence("f", lines, grid)
    ev._counted_segments = ev.index.segments
    ev.density_radius = 2 * px * 4
    started = time.perf_counter()
    ev._density_pieces()
    from geochem_prospector.core.evidence.lines import line_density_window

    for r0, r1, c0, c1 in tiles(grid):
        line_density_window(ev.pieces, grid, ev.density_radius, r0, r1, c0, c1, order=ev._order, rows=ev._rows)
    out["density"] = time.perf_counter() - started
    vertices = sum(len(g.coords) for g in lines)
    print(
        f"{name} n={len(lines)} vertices={vertices} px={px:.0f} m: copies {out['copies']:.2f} s ({changed} features, "
        f"{removed / 1000:.1f} km), crossings {out['crossings']:.2f} s ({len(xy)}), distance {out['distance']:.2f} s, "
        f"density {out['density']:.2f} s; peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB",
        flush=True,
    )
    return out


def reference(n: int) -> None:
    """The copy search on ``n`` network faults, new against every line searched in GEOS (before sweep 18b)."""
    from geochem_prospector.core.evidence import lines as module

    lines = fault_network(n, 500_000.0 * math.sqrt(n / 20000))
    bounds = np.array([g.bounds for g in lines])
    px = max(bounds[:, 2].max() - bounds[:, 0].min(), bounds[:, 3].max() - bounds[:, 1].min()) / CELLS
    tolerance, shortest = module.NEAR_CELLS * px, module.NEAR_LENGTH_CELLS * px
    started = time.perf_counter()
    new = module.near_duplicate_stretches(lines, tolerance, shortest)
    t_new = time.perf_counter() - started
    prove = module._possible_copies
    module._possible_copies = lambda lines, *args, **kwargs: np.array([g is not None for g in lines])
    try:
        started = time.perf_counter()
        old = module.near_duplicate_stretches(lines, tolerance, shortest)
        t_old = time.perf_counter() - started
    finally:
        module._possible_copies = prove
    assert new[1:] == old[1:], "different copies"
    assert all(
        (a is None and b is None) or (a is not None and b is not None and a.wkb == b.wkb)
        for a, b in zip(new[0], old[0])
    )
    print(
        f"copy search n={n}: {new[1]} features lose {new[2] / 1000:.1f} km; proved in numpy first {t_new:.2f} s, "
        f"every line in GEOS (before) {t_old:.2f} s; time ratio {t_new / t_old:.3f}",
        flush=True,
    )


def main() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_FAULTS_N", "1000,5000,20000").split(",")]
    scenes = os.environ.get("BENCH_FAULTS_SCENES", "network,lapland").split(",")
    if "network" in scenes:
        reference(sizes[0])
    for scene in scenes:
        if scene == "lapland" and not os.path.exists(LAPLAND):
            print(f"lapland: {LAPLAND} absent, skipped")
            continue
        first = None
        for n in sizes:
            lines = fault_network(n, 500_000.0 * math.sqrt(n / 20000)) if scene == "network" else lapland_tiled(n)
            seconds = measure(scene, lines)
            if first is None:
                first = (n, seconds)
                continue
            growth = {k: (seconds[k] / n) / max(first[1][k] / first[0], 1e-9) for k in seconds}
            print(
                f"{scene} n={n}: seconds per fault against n={first[0]}: "
                + ", ".join(f"{k} {v:.2f}" for k, v in growth.items()),
                flush=True,
            )


if __name__ == "__main__":
    main()
