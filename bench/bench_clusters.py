"""Single-linkage clusters of a survey's samples (``linked_clusters``, used by interpolate's stray-sample check,
its survey groups and co-located samples, evaluate's districts and the CNN's spatial folds) at 10,000 and 100,000
samples, against the pairs a KD-tree lists within the distance (scipy's ``query_pairs``, what the function built
its graph from before sweep 16b), measured in the same run with the same points.

The distance is 20 times the samples' spacing, as ``stray_points`` links them: about 1,200 pairs per sample.
Printed: seconds and peak traced memory of each, and the ratios ours / reference; both must give the same clusters.
``BENCH_CLUSTERS_N`` (default 100000) sets the larger size.
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "build", "plugins"))


def _measure(fn, *args):
    tracemalloc.start()
    started = time.perf_counter()
    result = fn(*args)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, seconds, peak


def _reference(pts: np.ndarray, distance: float) -> np.ndarray:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    pairs = cKDTree(pts).query_pairs(distance, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(pts), len(pts)))
    return connected_components(graph, directed=False)[1]


def main() -> None:
    from geochem_prospector.core.neighbours import linked_clusters

    large = int(os.environ.get("BENCH_CLUSTERS_N", "100000"))
    for n in (large // 10, large):
        rng = np.random.default_rng(0)
        side = np.sqrt(n) * 500.0  # 500 m spacing
        pts = rng.uniform(0, side, (n, 2))
        distance = 20 * 700.0  # 20 x the 5th-neighbour spacing (about 700 m)
        ours, t_ours, m_ours = _measure(linked_clusters, pts, distance)
        ref, t_ref, m_ref = _measure(_reference, pts, distance)
        assert np.array_equal(ours, ref), "different clusters"
        print(
            f"clusters n={n}: ours {t_ours:.2f} s {m_ours / 2**20:.0f} MiB, query_pairs {t_ref:.2f} s "
            f"{m_ref / 2**20:.0f} MiB; time ratio {t_ours / t_ref:.3f}, memory ratio {m_ours / m_ref:.4f}"
        )


if __name__ == "__main__":
    main()
