"""Label spreading (pseudolabel) at two sizes, 4 times apart, on two stacks:

- *repeated*: the error matrix's Cu and Pb (40 x 40 cells) tiled, as sweep 16b scaled them: each feature vector once
  per tile (625 times at 1 M cells), as bands resampled from coarser rasters give them;
- *distinct*: four smooth random fields (``bench_pseudolabel``'s scene), no vector repeated.

Printed per size: seconds of ``_label_spreading`` (since sweep 17b: a graph on the distinct feature vectors) and of
the k-nearest-neighbour graph on every cell (``knn_graph``, what the spreading built before sweep 17b, most of its
time at 10 M cells), measured in the same run on the same cells; then each one's growth (large / small) and the
ratio new / old graph at the larger size. ``BENCH_SPREADING_SIDE`` (default 1024) sets the smaller side in cells.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "build", "plugins"))

K = 10


def repeated(side: int) -> np.ndarray:
    rng = np.random.default_rng(7)
    size = 40
    yy, xx = np.mgrid[0:size, 0:size]
    hill = np.exp(-(((xx - 8) ** 2 + (yy - 31) ** 2) / 40.0)) + np.exp(-(((xx - 20) ** 2 + (yy - 15) ** 2) / 30.0))
    bands = np.stack([20 + 200 * hill, 5 + 40 * hill]) * rng.lognormal(0, 0.3, (2, size, size))
    reps = -(-side // size)
    return np.tile(bands, (1, reps, reps))[:, :side, :side]


def distinct(side: int) -> np.ndarray:
    from bench_pseudolabel import problem

    return problem(side)[0]


def _cells(bands: np.ndarray):
    from geochem_prospector.core.labels.seeds import _standardise

    valid = np.ones(bands.shape[1:], dtype=bool)
    x = _standardise(bands, valid)
    rng = np.random.default_rng(0)
    seeds = np.full(len(x), -1, dtype=np.int16)
    seeds[rng.choice(len(x), 40, replace=False)] = np.repeat([1, 0], 20)
    return x, seeds


def _time(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def main() -> None:
    from geochem_prospector.core.labels.methods import _label_spreading, knn_graph

    small = int(os.environ.get("BENCH_SPREADING_SIDE", "1024"))
    for name, make in (("repeated", repeated), ("distinct", distinct)):
        times = {}
        for side in (small, 2 * small):
            x, seeds = _cells(make(side))
            buffer = np.zeros(len(x), dtype=bool)
            new = _time(_label_spreading, x, seeds, buffer, 2, K, 0.9, 200, None, None)
            z = x.astype(np.float64)  # the old graph's input (the principal components: a rotation of these)
            old = _time(knn_graph, z, K)
            times[side] = (new, old)
            print(
                f"spreading {name} {len(x):,} cells: spreading {new:.1f} s, old graph on every cell {old:.1f} s",
                flush=True,
            )
        (n0, o0), (n1, o1) = times[small], times[2 * small]
        print(
            f"spreading {name}: growth for 4 x the cells: new {n1 / n0:.1f}, old graph {o1 / o0:.1f}; "
            f"new / old graph at {4 * small * small:,} cells {n1 / o1:.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
