"""The local Dask cluster the distributed tests share, one per test module."""

import pytest


@pytest.fixture(scope="module")
def cluster():
    """A started :class:`TaskRunner` on 2 local worker processes."""
    from geochem_prospector.core.distributed.runner import TaskRunner

    with TaskRunner("local:2") as runner:
        yield runner
