"""core.distributed: scheduler strings, and per-window tasks on a local Dask cluster of 2 workers compared bit for
bit with the same tasks in this process (itself checked against brute-force IDW)."""

import os

import numpy as np
import pytest

from geochem_prospector.core.distributed import scheduler as sched
from geochem_prospector.core.distributed.runner import TaskRunner
from geochem_prospector.core.errors import Cancelled, InputError
from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.interpolation.idw import idw_grid
from geochem_prospector.core.interpolation.kriging import kriging_grid
from geochem_prospector.core.interpolation.variogram import Variogram
from tests.core.interpolation.test_idw import brute_force_idw
from tests.helpers import free_port, run_killing_a_worker

pytest.importorskip("distributed", reason="Dask's distributed scheduler (python3-distributed) is not installed")


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


@pytest.mark.parametrize(
    "text,expected",
    [
        ("", sched.Scheduler()),
        ("  ", sched.Scheduler()),
        (None, sched.Scheduler()),
        ("local:2", sched.Scheduler("local", 2)),
        ("LOCAL: 4", sched.Scheduler("local", 4)),
        ("tcp://10.0.0.5:8786", sched.Scheduler("tcp", 0, "tcp://10.0.0.5:8786")),
        ("tcp://cluster-head.example.org:8786", sched.Scheduler("tcp", 0, "tcp://cluster-head.example.org:8786")),
    ],
)
def test_parse_scheduler(text, expected):
    assert sched.parse_scheduler(text) == expected


@pytest.mark.parametrize("text", ["local", "local:0", "local:x", "local:9999", "tcp://host", "http://h:8786", "4"])
def test_malformed_scheduler_named_with_the_forms(text):
    with pytest.raises(InputError) as err:
        sched.parse_scheduler(text)
    message = str(err.value)
    assert message.startswith("SCHEDULER: ") and repr(text.strip()) in message
    assert "local" in message


def test_tcp_port_out_of_range():
    with pytest.raises(InputError, match="SCHEDULER: .*port"):
        sched.parse_scheduler("tcp://localhost:70000")


def test_without_dask_a_scheduler_is_refused_with_what_to_install(monkeypatch):
    monkeypatch.setattr(sched, "dask_available", lambda: False)
    assert sched.check_dask(sched.Scheduler()) == (True, "")
    ok, message = sched.check_dask(sched.parse_scheduler("local:2"))
    assert not ok and message.startswith("SCHEDULER: ") and "python3-distributed" in message
    with pytest.raises(InputError, match="SCHEDULER: .*python3-distributed"):
        TaskRunner("local:2").__enter__()


def test_unreachable_tcp_scheduler(monkeypatch):
    monkeypatch.setattr(sched, "CONNECT_TIMEOUT_S", 2.0)
    port = free_port()
    with pytest.raises(InputError, match=f"SCHEDULER: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}"):
        with TaskRunner(f"tcp://127.0.0.1:{port}"):
            pass


@pytest.fixture(scope="module")
def samples():
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 1000, size=(250, 2))
    values = rng.lognormal(3, 1, size=(250, 2))
    values[::17, 1] = np.nan  # the second field has its own sample set (another task group)
    return xy, values


GRID = GridSpec(0.0, 1000.0, 10.0, 100, 100, None)


@pytest.mark.parametrize("neighbors,radius,log", [(8, None, False), (0, None, True), (12, 80.0, False)])
def test_idw_on_two_workers_is_bit_identical(cluster, samples, neighbors, radius, log):
    xy, values = samples
    mask = np.ones((GRID.height, GRID.width), bool)
    mask[:30, :50] = False
    kwargs = dict(neighbors=neighbors, max_distance=radius, log_transform=log, mask=mask, block_budget_bytes=2**16)
    here = idw_grid(xy, values, GRID, **kwargs)
    fractions = []
    there = idw_grid(xy, values, GRID, runner=cluster, progress=fractions.append, **kwargs)
    assert same_bits(here, there)
    assert len(fractions) > 4 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    # and both are IDW: the first field against the textbook formula, cell by cell
    cx, cy = GRID.cell_centres()
    z = np.log10(values[:, 0]) if log else values[:, 0]
    ref = brute_force_idw(xy, z, cx, cy, 2.0, k=neighbors or None, radius=radius)
    ref = 10**ref if log else ref
    inside = mask.ravel()
    got = there[0].ravel()[inside]
    np.testing.assert_allclose(got, ref[inside].astype(np.float32), rtol=1e-5, equal_nan=True)
    assert np.isnan(there[0].ravel()[~inside]).all()


@pytest.mark.parametrize("neighbors,radius", [(12, None), (0, None), (10, 150.0)])
def test_kriging_on_two_workers_is_bit_identical(cluster, samples, neighbors, radius):
    xy, values = samples
    variogram = Variogram("spherical", 0.1, 0.9, 300.0)
    kwargs = dict(neighbors=neighbors, max_distance=radius, log_transform=True, block_budget_bytes=2**16)
    est, var = kriging_grid(xy, values, GRID, variogram, **kwargs)
    est2, var2 = kriging_grid(xy, values, GRID, variogram, runner=cluster, **kwargs)
    assert same_bits(est, est2) and same_bits(var, var2)
    assert np.isfinite(est).sum() > 1000


def _fails_on_a_worker(i):
    if i == 3:
        raise InputError("sample 3 is bad; fix it.", "INPUT")
    return i


def test_a_task_error_reaches_the_caller_unchanged(cluster):
    got = []
    with pytest.raises(InputError, match="INPUT: sample 3 is bad"):
        cluster.map(_fails_on_a_worker, [(i, (i,)) for i in range(6)], lambda k, r: got.append(r))
    assert got == [0, 1, 2]


def test_cancel_stops_the_run(cluster, samples):
    xy, values = samples
    seen = []
    with pytest.raises(Cancelled):
        idw_grid(
            xy, values, GRID, block_budget_bytes=2**14, runner=cluster,
            progress=seen.append, is_cancelled=lambda: len(seen) >= 2,
        )  # fmt: skip
    assert len(seen) == 2
    # the cluster is still usable afterwards
    assert same_bits(idw_grid(xy, values, GRID, runner=cluster), idw_grid(xy, values, GRID))


def test_a_worker_killed_mid_run_is_replaced_and_the_output_is_complete(samples):
    xy, values = samples
    grid = GridSpec(0.0, 1000.0, 5.0, 200, 200, None)
    kwargs = dict(neighbors=0, block_budget_bytes=2**16)  # global IDW, ~100 small blocks
    here = idw_grid(xy, values, grid, **kwargs)
    there = run_killing_a_worker(
        lambda runner, progress: idw_grid(xy, values, grid, runner=runner, progress=progress, **kwargs)
    )
    assert same_bits(here, there)


def test_the_global_blas_of_a_process_is_found_for_the_workers():
    """qgis_process links the system BLAS, which then answers PyTorch's BLAS calls: local workers preload it."""
    import subprocess
    import sys

    from tests.conftest import PLUGINS

    blas = "/lib/x86_64-linux-gnu/libblas.so.3"
    if not os.path.exists(blas):
        pytest.skip("no system BLAS at /lib/x86_64-linux-gnu/libblas.so.3")
    code = (
        f"import sys; sys.path.insert(0, {PLUGINS!r})\n"
        "from geochem_prospector.core.distributed.scheduler import global_blas\n"
        "print(global_blas())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    plain = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert plain.stdout.strip() == "None"  # Python loads extensions' libraries locally
    env["LD_PRELOAD"] = blas
    linked = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert os.path.realpath(linked.stdout.strip()) == os.path.realpath(blas)


def test_the_workers_of_a_local_cluster_print_no_log_below_critical():
    """sweep 9a: after a run that succeeded, qgis_process printed the workers' ERROR logs at the cluster's close,
    tracebacks of heartbeats to the closed scheduler ('Scheduler was unaware of this worker … Shutting down',
    CommClosedError): a user reads a traceback after a good run. Task errors reach the caller through the client."""
    import logging

    def console_levels():
        handlers = logging.getLogger("distributed").handlers
        return [h.level for h in handlers if isinstance(h, logging.StreamHandler)]

    with sched.dask_client(sched.parse_scheduler("local:1")) as client:
        levels = client.run(console_levels)
    assert levels and all(found and min(found) >= logging.CRITICAL for found in levels.values()), levels


def _die() -> None:
    """A task whose worker process dies under it (as the kernel's out-of-memory killer stops one)."""
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


def test_a_task_every_worker_dies_on_is_refused_naming_the_scheduler():
    """sweep 9a: when Dask gave a task up (every worker that ran it died), the user read 'Unexpected error in
    prospector:predict: KilledWorker: Attempted to run task call_with_threads-f13e… on 3 different workers …
    Details are in the log; please report it.' and a traceback: now SCHEDULER and what to do."""
    with TaskRunner("local:1") as runner, pytest.raises(InputError) as raised:
        runner.map(_die, [(0, ())], lambda key, value: None)
    assert raised.value.parameter == "SCHEDULER"
    assert str(raised.value).startswith("SCHEDULER: the Dask workers died while running one of the run's tasks")
    assert "Use fewer workers (e.g. local:1), free memory, or leave SCHEDULER empty" in str(raised.value)
