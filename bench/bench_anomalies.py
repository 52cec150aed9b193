"""prospector:anomalies core on a 1000 x 1000 grid: contours against contourpy, and the whole workflow.

Reference: contourpy (matplotlib's contour generator, compiled C++) on the same surface and levels; our
marching squares is numpy plus a Python chaining pass, so a ratio of a few is expected.
"""

import time

import numpy as np
from scipy import ndimage

from geochem_prospector.core.anomalies.contours import contour_lines
from geochem_prospector.core.anomalies.screening import identify_anomalies
from geochem_prospector.core.grid import GridSpec

N = 1000


def surface(seed: int) -> np.ndarray:
    field = ndimage.gaussian_filter(np.random.default_rng(seed).normal(size=(N, N)), 8)
    return 10 ** (1.0 + 2.4 * field / field.std() * 0.3)


def main() -> None:
    grid = GridSpec(0.0, N * 100.0, 100.0, N, N, None)
    z = surface(0)
    levels = list(np.percentile(z, [85, 95, 98]))
    started = time.perf_counter()
    ours = [contour_lines(z, level, grid) for level in levels]
    t_ours = time.perf_counter() - started
    print(f"contours, 3 levels on {N}x{N}: ours {t_ours:.2f} s, {sum(map(len, ours))} lines")
    try:
        import contourpy
    except ImportError:
        print("contourpy not installed: no reference timing")
    else:
        x = (np.arange(N) + 0.5) * 100.0
        y = N * 100.0 - x
        started = time.perf_counter()
        gen = contourpy.contour_generator(x, y, z, name="serial", corner_mask=False, line_type="Separate")
        ref = [gen.lines(level) for level in levels]
        t_ref = time.perf_counter() - started
        print(f"contourpy {t_ref:.2f} s, {sum(map(len, ref))} lines; ratio ours/contourpy = {t_ours / t_ref:.1f}")
    bands = np.stack([surface(seed) for seed in range(6)])
    deposits = np.random.default_rng(9).uniform(0, N * 100.0, (30, 2))
    for method in ("percentile", "ca"):
        started = time.perf_counter()
        result = identify_anomalies(bands, list("ABCDEF"), grid, method, None, "zscore", None, deposits, 3)
        print(
            f"identify_anomalies ({method}, 6 bands, {N}x{N}): {time.perf_counter() - started:.1f} s, "
            f"{len(result.areas)} areas, {len(result.contours)} contour lines"
        )


if __name__ == "__main__":
    main()
