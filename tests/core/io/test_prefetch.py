"""core.io.windows.prefetched_tiles: reading the next tile on one background thread while a tile is computed.

References: the plain sequential loop ``write(i, compute(i, read(i)))`` (the same calls in the same order, the
same results), and the contract checked by instruments: a reader that records which threads are inside it at
once, windows that count themselves alive (weak references), and ``threading.enumerate()`` after every way out.
"""

import threading
import time
import weakref

import numpy as np
import pytest

from geochem_prospector.core.errors import Cancelled, InputError
from geochem_prospector.core.io.windows import READER_THREAD, prefetched_tiles


def reader_threads():
    return [t for t in threading.enumerate() if t.name.startswith(READER_THREAD)]


class Recorder:
    """A reader that records every entry: its thread, how many threads were inside at once, the tiles written
    and the windows alive when it was entered; it sleeps inside so that overlaps would show."""

    def __init__(self, fail_at=None, sleep=0.002):
        self.lock = threading.Lock()
        self.inside = 0
        self.most_inside = 0
        self.threads = set()
        self.calls = []
        self.alive = 0
        self.alive_at_entry = []
        self.written = []
        self.fail_at = fail_at
        self.raised = None
        self.sleep = sleep

    def _dead(self):
        with self.lock:
            self.alive -= 1

    def read(self, i):
        with self.lock:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
            self.threads.add(threading.current_thread().name)
            self.calls.append(i)
            self.alive_at_entry.append((i, self.alive, len(self.written)))
        try:
            time.sleep(self.sleep)
            if i == self.fail_at:
                self.raised = InputError(f"cannot read raster 'x.tif' (tile {i}); make it again.", "INPUT_RASTERS")
                raise self.raised
            window = np.full((2, 3, 3), float(i))
            with self.lock:
                self.alive += 1
            weakref.finalize(window, self._dead)
            return window
        finally:
            with self.lock:
                self.inside -= 1

    def compute(self, i, window):
        time.sleep(self.sleep)
        return float(window.sum()) + 1000 * i

    def write(self, i, result):
        self.written.append((i, result))


def sequential(count):
    """The reference: the loop without a thread."""
    rec = Recorder(sleep=0)
    return [(i, rec.compute(i, rec.read(i))) for i in range(count)]


def test_results_and_order_equal_the_sequential_loop_and_one_thread_reads():
    rec = Recorder()
    fractions = []
    times = prefetched_tiles(12, rec.read, rec.compute, rec.write, progress=fractions.append)
    assert rec.written == sequential(12)
    assert rec.calls == list(range(12))  # each window read once, in order
    assert rec.most_inside == 1  # never two reads at once
    assert len(rec.threads) == 1 and next(iter(rec.threads)).startswith(READER_THREAD)
    assert fractions == [(i + 1) / 12 for i in range(12)]
    assert times.tiles == 12 and times.read > 0 and times.computed > 0 and times.waited >= 0 and times.wrote >= 0
    assert "12 tiles" in times.line()
    assert reader_threads() == []


def test_at_most_one_window_is_read_ahead():
    rec = Recorder()
    prefetched_tiles(10, rec.read, rec.compute, rec.write)
    for i, alive, written in rec.alive_at_entry:
        # read(i) starts once tile i - 2 is written, while at most tile i - 1's window is held
        assert written >= i - 1, (i, written)
        assert alive <= 1, (i, alive)


@pytest.mark.parametrize("k", [0, 1, 4])
def test_a_read_error_surfaces_unchanged_at_its_tile_and_no_later_tile_is_written(k):
    rec = Recorder(fail_at=k)
    with pytest.raises(InputError) as caught:
        prefetched_tiles(8, rec.read, rec.compute, rec.write)
    assert caught.value is rec.raised  # the reader's own exception, not a wrapper
    assert str(caught.value) == f"INPUT_RASTERS: cannot read raster 'x.tif' (tile {k}); make it again."
    assert caught.value.parameter == "INPUT_RASTERS"
    assert [i for i, _ in rec.written] == list(range(k))
    assert max(rec.calls) == k  # nothing read after the failing tile
    assert reader_threads() == []


@pytest.mark.parametrize("k", [0, 2, 5])
def test_cancel_after_tile_k_stops_there_and_leaves_no_thread(k):
    rec = Recorder(sleep=0.01)
    with pytest.raises(Cancelled):
        prefetched_tiles(9, rec.read, rec.compute, rec.write, is_cancelled=lambda: len(rec.written) >= k)
    assert [i for i, _ in rec.written] == list(range(k))
    assert max(rec.calls, default=-1) <= k  # at most the next window was read
    assert reader_threads() == []


def test_an_error_while_computing_or_writing_leaves_no_thread():
    rec = Recorder(sleep=0.01)

    def compute(i, window):
        if i == 3:
            raise ValueError("boom")
        return rec.compute(i, window)

    with pytest.raises(ValueError, match="boom"):
        prefetched_tiles(9, rec.read, compute, rec.write)
    assert len(rec.written) == 3 and reader_threads() == []

    def write(i, result):
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        prefetched_tiles(9, rec.read, rec.compute, write)
    assert reader_threads() == []


def test_no_tiles_reads_nothing():
    rec = Recorder()
    times = prefetched_tiles(0, rec.read, rec.compute, rec.write)
    assert rec.calls == [] and times.tiles == 0 and reader_threads() == []
