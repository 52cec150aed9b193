"""Probability limits that split a map by area (predict's classes: the top 10 % high, the next 20 % moderate).

The map is written tile by tile, so its values are never all in memory. The limits are found exactly in two passes
over the tiles, by the bits of the float32 values the file holds (a float32's bits, sign handled, sort as its
values do): the first pass counts the values per 65,536 leading-bit bins, which places each limit's cell in one
bin; the second counts the trailing bits of the values in those bins only, which gives the cell's value itself.
A histogram of fixed steps (0.0001 of probability) put every value below 0.00005 in its first bin: on a
positive-unlabelled map, where most of the area scores below that, the low/moderate limit came out 0 and no cell
was low.
"""

from __future__ import annotations

import math
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np

#: the area shares below the limits: 70 % of the cells under the first (low), 90 % under the second (high above)
AREA_SHARES: Tuple[float, float] = (0.70, 0.90)
_BINS = 1 << 16


def ordered_bits(values: np.ndarray) -> np.ndarray:
    """float32 ``values`` as uint32 keys in the same order (negative values below positive ones)."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    return np.where(bits >> 31 == 1, ~bits, bits | np.uint32(0x80000000)).astype(np.uint32)


def _value(key: int) -> float:
    """The float32 value of an :func:`ordered_bits` key."""
    bits = key & 0x7FFFFFFF if key >> 31 else ~key & 0xFFFFFFFF
    return float(np.array([bits], dtype=np.uint32).view(np.float32)[0])


class AreaLimits:
    """The values below which ``shares`` of the cells lie, from the values given tile by tile in two passes:
    :meth:`add` every tile, then :meth:`add_fine` every tile again, then :meth:`limits`. The limit of a share ``s``
    of ``n`` cells is the value of rank ``ceil(s n)`` (from 0, ascending): ``s n`` cells lie below it when no
    value is tied."""

    def __init__(self, shares: Sequence[float] = AREA_SHARES) -> None:
        self.shares = tuple(float(s) for s in shares)
        self.coarse = np.zeros(_BINS, dtype=np.int64)
        self._fine: Dict[int, np.ndarray] = {}

    @property
    def count(self) -> int:
        """The finite values counted."""
        return int(self.coarse.sum())

    @staticmethod
    def _finite(values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=np.float32)
        return values[np.isfinite(values)]

    def add(self, values: np.ndarray) -> None:
        """First pass: count the finite ``values`` (NaN = nodata) of one tile per leading-bit bin."""
        keys = ordered_bits(self._finite(values))
        self.coarse += np.bincount((keys >> 16).astype(np.int64), minlength=_BINS)

    def _ranks(self) -> list:
        n = self.count
        return [min(int(math.ceil(s * n)), n - 1) for s in self.shares]

    def _bins(self) -> list:
        cumulative = np.cumsum(self.coarse)
        return [int(np.searchsorted(cumulative, rank, side="right")) for rank in self._ranks()]

    def add_fine(self, values: np.ndarray) -> None:
        """Second pass: count the trailing bits of the values of one tile that lie in a limit's bin."""
        keys = ordered_bits(self._finite(values))
        for b in set(self._bins()):
            inside = keys[(keys >> 16) == b] & 0xFFFF
            fine = self._fine.setdefault(b, np.zeros(_BINS, dtype=np.int64))
            fine += np.bincount(inside.astype(np.int64), minlength=_BINS)

    def limits(self) -> Tuple[float, ...]:
        """The limit of each share, ascending (a tie can make two equal)."""
        if self.count == 0:
            raise ValueError("no finite value was counted")
        before = np.concatenate([[0], np.cumsum(self.coarse)])
        out = []
        for rank, b in zip(self._ranks(), self._bins()):
            fine = self._fine.get(b)
            if fine is None or fine.sum() != self.coarse[b]:
                raise ValueError("add_fine was not given every value of the first pass")
            low = int(np.searchsorted(np.cumsum(fine), rank - before[b], side="right"))
            out.append(_value((b << 16) | low))
        return tuple(out)


def separated_limits(low: float, high: float) -> Tuple[float, float]:
    """The limits by area with the high one above the low one: when one value holds the whole top 30 %, the cells
    above it are high and it is moderate (the next float32 up becomes the high limit)."""
    if high <= low:
        high = float(np.nextafter(np.float32(low), np.float32(np.inf)))
    return low, high


#: predict's classes, in the order of their codes 1, 2, 3
CLASS_NAMES = ("low", "moderate", "high")


def probability_classes(probability: np.ma.MaskedArray, limits: Sequence[float], nodata: int) -> np.ndarray:
    """The class code of each cell (uint8): 1 low, 2 moderate at or above ``limits[0]``, 3 high at or above
    ``limits[1]``; ``nodata`` where ``probability`` is masked."""
    classes = np.full(probability.shape, nodata, dtype=np.uint8)
    valid = ~np.ma.getmaskarray(probability)
    p = probability.filled(0)
    classes[valid] = 1 + (p[valid] >= limits[0]) + (p[valid] >= limits[1])
    return classes


def class_shares(counts: Union[Sequence[int], np.ndarray]) -> Tuple[float, ...]:
    """The percent of the classified cells in each class, from the cells counted per class (low, moderate, high)."""
    total = sum(int(c) for c in counts)
    return tuple(100.0 * int(c) / total if total else math.nan for c in counts)


def class_share_note(counts: Union[Sequence[int], np.ndarray], shares: Sequence[float] = AREA_SHARES) -> Optional[str]:
    """A warning when the classes made by area (the top 10 % high, the next 20 % moderate) hold other shares: a run
    of tied probabilities that a limit cuts through goes whole to one class. ``counts``: the cells written per
    class (low, moderate, high). None when each class holds its share, to a cell or a tenth of it."""
    from .calibration import share_is_off

    held = class_shares(counts)
    nominal = (100.0 * shares[0], 100.0 * (shares[1] - shares[0]), 100.0 * (1.0 - shares[1]))
    total = sum(int(c) for c in counts)
    if not total or not any(share_is_off(h, n, total) for h, n in zip(held, nominal)):
        return None
    said = ", ".join(f"{name} {h:.2f} % (asked {n:g} %)" for name, h, n in zip(CLASS_NAMES, held, nominal))
    return (
        f"OUTPUT_CLASSES: ties: the classes by area hold {said} of the {total:,} predicted cells: cells of one "
        "probability cannot be split between two classes, so a tie that a limit cuts through goes whole to one of "
        "them. Give CLASS_THRESHOLDS to choose the limits yourself, or read "
        "OUTPUT_RANK (ties there share one percentile)."
    )
