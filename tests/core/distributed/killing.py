"""Killing a worker of a local Dask cluster mid-run, for the tests that show Dask recomputes its tasks."""

import os
import signal


def worker_killer(runner, after=0.1):
    """A progress callback that SIGKILLs one worker process of ``runner``'s cluster the first time the progress
    passes ``after``, and the list that receives the killed process id."""
    pids = runner.client.run(os.getpid)
    killed = []

    def kill_one(fraction):
        if not killed and fraction > after:
            victim = sorted(pids.values())[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    return kill_one, killed


def assert_replaced(runner, killed):
    """The worker was really killed (its process is gone; the nanny started another one)."""
    after = set(runner.client.run(os.getpid).values())
    assert killed and killed[0] not in after
