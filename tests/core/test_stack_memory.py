"""StackMemory: an evidence stack's bytes, its whole-stack peak, whether it fits and why it streams, by hand."""

from geochem_prospector.core.grid import StackMemory

MIB = 2**20


def test_sizes_by_hand():
    # 3 bands of 1,000 cells as float32: 12,000 bytes; read whole at 4 bytes a byte and 24 a cell: 72,000 bytes
    memory = StackMemory.of(3, 1000, 4.0, 24, None)
    assert (memory.size, memory.whole) == (12_000, 72_000)
    assert memory.fits  # memory unknown: taken to fit


def test_fits_up_to_80_percent_of_the_memory_available():
    assert StackMemory.of(3, 1000, 4.0, 24, 90_000).fits  # 72,000 is 80 % of 90,000
    assert not StackMemory.of(3, 1000, 4.0, 24, 89_999).fits


def test_why_stream():
    small = StackMemory.of(3, 1000, 4.0, 24, None)
    assert small.why_stream(12_000, distributed=False) is None  # not over the limit, fits, no scheduler
    assert small.why_stream(12_000, distributed=True) == "a scheduler is set"
    assert small.why_stream(11_999, distributed=True) == "it is large"
    # 1 band of 1 Mi cells: 4 MiB, read whole 16 + 24 = 40 MiB, over 80 % of 48 MiB
    tight = StackMemory.of(1, MIB, 4.0, 24, 48 * MIB)
    assert tight.why_stream(1 << 30, distributed=False) == (
        "read whole it would need about 40.0 MiB of the 48.0 MiB of memory available"
    )
