"""An ensemble's networks trained side by side in threads (the default on the CPU) against one after another,
in the same run, on the same data and seed: wall time, CPU time, and the networks' validation AUC.

The data has the demo's shape (21 bands, 300 x 360 cells, ~40,000 labelled cells of which 2 % positive, the rest
unlabelled for the mean teacher); the settings are traincnn's (patch 9, batch 64, BARREN_RATIO 1) with the demo's
3 networks and 12 epochs. Usage (from the repository root):
    python bench/bench_ensemble.py [--ensemble 3] [--epochs 12] [--rounds 2]
Rounds alternate the order (side by side first, then one after another first) so a machine that warms up or gets
busier does not favour one.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np
from bench_cnn import _import_cnn


def _demo_like(seed: int = 0):
    """21 smooth bands, one carrying the signal; ~40,000 labelled cells, 2 % positive where the signal is high."""
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    bands = np.stack([ndimage.gaussian_filter(rng.normal(size=(300, 360)), 3) * 10 for _ in range(21)])
    bands = bands.astype(np.float32)
    labels = np.full((300, 360), np.nan)
    cells = rng.choice(300 * 360, 40_000, replace=False)
    r, c = np.divmod(cells, 360)
    signal = bands[0, r, c] + rng.normal(scale=0.5, size=r.size)
    labels[r, c] = (signal > np.quantile(signal, 0.98)).astype(float)
    return bands, labels


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _fit(cnn, ensemble_module, bands, labels, args, side_by_side: bool):
    """Wall and CPU seconds of one fit, and its validation ROC AUC."""
    real = ensemble_module.member_workers
    if not side_by_side:
        ensemble_module.member_workers = lambda n, device: (1, real(1, device)[1])
    try:
        model = cnn.PatchCNN(patch_size=9, epochs=args.epochs, ensemble=args.ensemble, seed=42, device="cpu")
        wall, cpu = time.perf_counter(), _cpu_seconds()
        model.fit(bands, labels)
        wall, cpu = time.perf_counter() - wall, _cpu_seconds() - cpu
    finally:
        ensemble_module.member_workers = real
    return wall, cpu, float(model.metadata_["metrics"]["validation_roc_auc"])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ensemble", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv or [])
    cnn = _import_cnn()
    import torch

    from geochem_prospector.core.learning import ensemble as ensemble_module

    bands, labels = _demo_like()
    workers, threads = ensemble_module.member_workers(args.ensemble, "cpu")
    print(
        f"{args.ensemble} networks, {args.epochs} epochs, torch {torch.get_num_threads()} threads: side by side = "
        f"{workers} at once with {threads} thread(s) each",
        flush=True,
    )
    times = {True: [], False: []}
    for round_ in range(args.rounds):
        for side_by_side in (True, False) if round_ % 2 == 0 else (False, True):
            wall, cpu, auc = _fit(cnn, ensemble_module, bands, labels, args, side_by_side)
            times[side_by_side].append(wall)
            name = "side by side" if side_by_side else "one after another"
            print(f"  {name}: {wall:.1f} s wall, {cpu:.1f} s CPU, validation AUC {auc:.4f}", flush=True)
    ratio = np.median(times[False]) / np.median(times[True])
    print(f"side by side is {ratio:.2f}x as fast as one after another (median wall time)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
