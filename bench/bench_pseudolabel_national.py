"""pseudolabel at national scale: one method on one grid size, 20 smooth bands (bench_pseudolabel's scene).

Prints seconds, peak resident memory (ru_maxrss), the longest gap between progress updates (and where it was), and,
with ``--cancel-at F``, how long the run took to stop after a cancel asked as progress passed F (at the progress
update: the time to the next check of the cancel). Run one size per
process (peak memory is per process): ``python bench/bench_pseudolabel_national.py METHOD SIDE [--bands 20]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "build", "plugins"))


def scene(side: int, bands: int, seed: int = 0):
    """``bands`` smooth random fields (float32), 6 deposits and 6 barren points on a ``side`` x ``side`` grid."""
    from scipy.ndimage import gaussian_filter

    from geochem_prospector.core.grid import GridSpec

    rng = np.random.default_rng(seed)
    out = np.empty((bands, side, side), dtype=np.float32)
    for b in range(bands):
        out[b] = gaussian_filter(rng.normal(size=(side, side)).astype(np.float32), side / 40)
    grid = GridSpec(0.0, float(side), 1.0, side, side)
    pts = rng.uniform(0, side, size=(12, 2))
    return out, grid, pts, np.array([1] * 6 + [0] * 6)


def settings_for(method: str, neighbors: int = 10):
    from geochem_prospector.core.labels.pseudolabel import PseudoLabelSettings

    if method == "label_spreading":  # deposits and barren points, as bench_pseudolabel
        return PseudoLabelSettings(method=method, confidence=0.6, neighbors=neighbors), True
    # the algorithm's defaults: deposits only, a radius and buffer of a few cells
    return PseudoLabelSettings(method=method, positive_radius=3.0, negative_buffer=20.0, seed=1), False


def main() -> None:
    from geochem_prospector.core.errors import Cancelled
    from geochem_prospector.core.labels.pseudolabel import pseudolabel

    parser = argparse.ArgumentParser()
    parser.add_argument("method")
    parser.add_argument("side", type=int)
    parser.add_argument("--bands", type=int, default=20)
    parser.add_argument("--cancel-at", type=float, default=None)
    parser.add_argument("--neighbors", type=int, default=10)
    args = parser.parse_args()
    bands, grid, pts, classes = scene(args.side, args.bands)
    settings, with_negatives = settings_for(args.method, args.neighbors)
    stamps = []
    asked = []

    def progress(f: float) -> None:
        stamps.append((time.perf_counter(), f))
        if args.cancel_at is not None and f >= args.cancel_at and not asked:
            asked.append(stamps[-1][0])  # the user clicks Cancel as the bar passes CANCEL_AT

    def cancelled() -> bool:
        return bool(asked)

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    started = time.perf_counter()
    stamps.append((started, 0.0))
    try:
        pseudolabel(
            bands,
            grid,
            pts if with_negatives else pts[:6],
            classes if with_negatives else None,
            settings=settings,
            progress=progress,
            is_cancelled=cancelled,
        )
        outcome = "done"
    except Cancelled:
        outcome = f"cancelled {time.perf_counter() - asked[0]:.2f} s after asked" if asked else "cancelled"
    ended = time.perf_counter()
    stamps.append((ended, 1.0))
    times = np.array([t for t, _ in stamps])
    gaps = np.diff(times)
    worst = int(np.argmax(gaps))
    top = np.argsort(-gaps)[:4]
    where = ", ".join(f"{gaps[i]:.1f} s at {stamps[i][1]:.3f}" for i in top)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(
        f"{args.method} {args.side * args.side:,} cells x {args.bands} bands: {ended - started:.1f} s, {outcome}; "
        f"peak RSS {rss:.2f} GiB (scene alone {base:.2f} GiB); {len(stamps)} progress updates, longest gap "
        f"{gaps[worst]:.1f} s (from {stamps[worst][1]:.3f} to {stamps[worst + 1][1]:.3f}); longest gaps: {where}",
        flush=True,
    )


if __name__ == "__main__":
    main()
