"""Set-up shared by the test suites (core, qgis, headless): small things several test files need alike."""

from __future__ import annotations

import os
import signal
import socket
from typing import Any, Callable, TypeVar

T = TypeVar("T")

#: the mission's workflow steps in order, written out: the reference the panel's step list is checked against
WORKFLOW_STEPS = ("interpolate", "anomalies", "evidence", "pseudolabel", "traincnn", "predict", "evaluate")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_killing_a_worker(run: Callable[[Any, Callable[[float], None]], T], after: float = 0.1) -> T:
    """``run(runner, progress)`` on a local Dask cluster of 2 worker processes, one of which is killed (SIGKILL) the
    first time ``progress`` passes ``after`` (10 %); checks that the worker really died (its nanny started another one) and
    returns what ``run`` returned."""
    from geochem_prospector.core.distributed.runner import TaskRunner

    killed = []
    with TaskRunner("local:2") as runner:
        pids = runner.client.run(os.getpid)

        def kill_one(fraction: float) -> None:
            if not killed and fraction > after:
                victim = sorted(pids.values())[0]
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        result = run(runner, kill_one)
        after = set(runner.client.run(os.getpid).values())
    assert killed and killed[0] not in after  # the worker really died (the nanny started another one)
    return result


def assert_same_networks(a: Any, b: Any) -> None:
    """Two trained PatchCNN models hold the same normalisation and the same networks, weight for weight, bit for bit
    (the reference of every "same model whatever the reading or scheduler" test)."""
    assert a.metadata_["normalisation"] == b.metadata_["normalisation"]
    for net_a, net_b in zip(a.nets_, b.nets_, strict=True):
        for (ka, va), (kb, vb) in zip(net_a.state_dict().items(), net_b.state_dict().items(), strict=True):
            assert ka == kb and va.numpy().tobytes() == vb.numpy().tobytes(), ka
