"""Evidence's search for fault crossings (``intersections``, the ``<layer>:intersection_distance_m`` band) at 2,000
and 20,000 faults, against the search of one feature pair at a time in GEOS (what it did before sweep 17b, kept
for geometries other than lines), measured in the same run on the same faults.

The faults are random walks of 10 segments of 200-1500 m in a 158 x 158 km square (sweep 16b's scene): their
crossings grow as the square of their number (about 3,500 at 2,000 faults, 350,000 at 20,000). Printed: seconds
of each and the ratio new / pair by pair; both must give the same points, to the bit.
``BENCH_CROSSINGS_N`` (default 20000) sets the larger size.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "build", "plugins"))


def random_faults(n: int, side: float = 158_000.0, seed: int = 0) -> list:
    from shapely.geometry import LineString

    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        start = rng.uniform(0, side, 2)
        angle = rng.uniform(0, 2 * np.pi) + np.cumsum(rng.normal(0, 0.3, 10))
        length = rng.uniform(200, 1500, 10)
        steps = np.column_stack([np.cos(angle) * length, np.sin(angle) * length])
        out.append(LineString(np.vstack([start, start + np.cumsum(steps, axis=0)])))
    return out


def _pair_by_pair(lines: list) -> np.ndarray:
    """The search before sweep 17b: the end points' table, then every feature pair whose boxes overlap in GEOS."""
    from geochem_prospector.core.evidence import lines as module

    ends: dict = {}
    for i, g in enumerate(lines):
        coords = list(g.coords)
        for end in (coords[0][:2], coords[-1][:2]):
            ends.setdefault(module._key(end), set()).add(i)
    xy = module._crossings_pair_by_pair(lines, ends, None)
    return xy[np.sort(np.unique(np.round(xy / 1e-6), axis=0, return_index=True)[1])]  # duplicates once, as before


def main() -> None:
    from geochem_prospector.core.evidence.lines import intersections

    large = int(os.environ.get("BENCH_CROSSINGS_N", "20000"))
    for n in (large // 10, large):
        lines = random_faults(n)
        started = time.perf_counter()
        ours = intersections(lines)
        t_ours = time.perf_counter() - started
        started = time.perf_counter()
        old = _pair_by_pair(lines)
        t_old = time.perf_counter() - started
        same = np.array_equal(np.unique(ours, axis=0), np.unique(old, axis=0))
        assert same, "different crossings"
        print(
            f"crossings n={n}: {len(ours)} points; vectorised {t_ours:.2f} s, pair by pair {t_old:.2f} s; "
            f"time ratio {t_ours / t_old:.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
