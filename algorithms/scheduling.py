"""The SCHEDULER parameter of the heavy algorithms: where their windows run (this process, or Dask)."""

from __future__ import annotations

from qgis.core import QgsProcessingParameterDefinition, QgsProcessingParameterString

from ..core.distributed.runner import TaskRunner
from ..core.distributed.scheduler import check_dask, global_blas, parse_scheduler
from ..core.errors import InputError

SCHEDULER = "SCHEDULER"

HELP = (
    "SCHEDULER (advanced): where the {what} run. Empty (default): in this process, nothing to install. "
    "'local:N': N worker processes on this computer, started for the run. 'tcp://host:8786': an existing Dask "
    "cluster (dask-scheduler / dask-worker), whose workers must reach the input and output paths under the same "
    "names (a shared file system) and import this plugin (geochem_prospector on their PYTHONPATH) with the same "
    "Python, numpy, rasterio, scipy and PyTorch versions as QGIS. Needs Dask (python3-dask, python3-distributed). "
    "The result is bit-identical to the in-process run."
)


def scheduler_parameter(tr) -> QgsProcessingParameterString:
    """The advanced, optional SCHEDULER string parameter."""
    parameter = QgsProcessingParameterString(
        SCHEDULER, tr("Scheduler: empty = this process, local:N, tcp://host:8786 (Dask)"), "", optional=True
    )
    parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
    return parameter


def task_runner(algorithm, parameters, context, feedback) -> TaskRunner:
    """A :class:`TaskRunner` for the SCHEDULER parameter (not started: use it as a context manager); a malformed
    string or missing Dask raises an error naming SCHEDULER before any work."""
    scheduler = parse_scheduler(algorithm.parameterAsString(parameters, SCHEDULER, context), SCHEDULER)
    ok, message = check_dask(scheduler, SCHEDULER)
    if not ok:
        raise InputError(message.split(": ", 1)[1], SCHEDULER)
    if not scheduler.in_process:
        feedback.pushInfo(f"Running on {scheduler.describe()}.")
    blas = global_blas()
    if scheduler.kind == "tcp" and blas:
        feedback.pushInfo(
            f"This process computes with the BLAS library {blas}: start the workers with LD_PRELOAD={blas} for "
            "results bit-identical to a run in this process."
        )
    return TaskRunner(scheduler, SCHEDULER)
