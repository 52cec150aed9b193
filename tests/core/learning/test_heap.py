"""kept_heap: freed buffers are reused without page faults inside the block, in the main thread only, and glibc maps
(and faults) large blocks again afterwards. Page faults are counted by the kernel (getrusage of this thread)."""

from __future__ import annotations

import ctypes
import resource
import threading

import pytest

from geochem_prospector.core.learning.heap import glibc, kept_heap

pytestmark = pytest.mark.skipif(glibc() is None, reason="glibc's mallopt is needed (Linux with glibc)")

BLOCK = 48 * 2**20  # above glibc's largest dynamic mmap threshold (32 MiB): mapped afresh on every allocation
CYCLES = 6


def faults_of_cycles() -> int:
    """Minor page faults of this thread while a BLOCK-sized buffer is allocated, written and freed CYCLES times."""
    libc = glibc()
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    for _ in range(CYCLES):
        block = libc.malloc(BLOCK)  # glibc's malloc itself (numpy asks for huge pages, which fault differently)
        assert block
        ctypes.memset(block, 1, BLOCK)  # touch every page
        libc.free(block)
    return resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before


def test_freed_blocks_are_reused_without_faults_inside_and_mapped_again_after():
    with kept_heap() as kept:
        faults_inside = faults_of_cycles()
    faults_after = faults_of_cycles()
    assert kept
    # inside: the first cycle faults its pages in, the later ones reuse them; after: every cycle maps and faults the
    # block afresh, as glibc does by default (relative, as huge pages, where the kernel uses them, fault less)
    assert faults_after >= CYCLES
    assert faults_after > 3 * faults_inside


def test_does_nothing_in_another_thread():
    with kept_heap():
        faults_kept = faults_of_cycles()
    results = {}

    def run() -> None:
        with kept_heap() as kept:
            results["kept"] = kept
            results["faults"] = faults_of_cycles()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    assert results["kept"] is False
    assert results["faults"] > 3 * faults_kept  # not kept: faulted afresh every cycle
