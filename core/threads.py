"""The BLAS library's thread pool, limited where many small operations would only wait on each other.

numpy's stacked ``np.linalg.solve`` hands each small system (kriging's 13 x 13 for 12 neighbours) to the BLAS
library's LU factorisation, which OpenBLAS may split over its threads; those threads busy-wait between jobs. With
other work on the cores that is ruinous: ordinary kriging of the bundled till (2 fields, 150 m) took 4 s on the
2-core machine, more than 150 s with two busy processes beside it, and 4 s again with BLAS on one thread
(2026-12-03). Limits go through ``threadpoolctl`` (Debian's python3-threadpoolctl, which python3-sklearn
installs); without it nothing is limited.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Optional


@contextmanager
def blas_threads(limit: Optional[int]) -> Iterator[bool]:
    """BLAS on at most ``limit`` threads within the block (None: unchanged); yields whether a limit applies."""
    if limit is None:
        yield False
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield False
        return
    with threadpool_limits(limits=limit, user_api="blas"):
        yield True
