"""The SCHEDULER parameter of the heavy algorithms: where their windows run (this process, or Dask); and the
Processing setting "Default Dask scheduler" used when SCHEDULER is left empty."""

from __future__ import annotations

from typing import Any, Optional

from qgis.core import QgsProcessingParameterDefinition, QgsProcessingParameterString, QgsSettings

from ..core.distributed.runner import TaskRunner
from ..core.distributed.scheduler import Scheduler, check_dask, global_blas, parse_scheduler
from ..core.errors import InputError

SCHEDULER = "SCHEDULER"

#: the Processing setting (Settings > Options > Processing > Providers > GeoChem Prospector) holding the scheduler
#: used when SCHEDULER is empty; stored by QGIS under Processing/Configuration/<name>
DEFAULT_SETTING = "PROSPECTOR_DEFAULT_SCHEDULER"
SETTING_LABEL = "Default Dask scheduler"
SETTING_PATH = "Settings › Options › Processing › Providers › GeoChem Prospector › " + SETTING_LABEL
_EMPTY_ADVICE = "leave SCHEDULER empty to run in this process"

HELP = (
    "SCHEDULER (advanced): where the {what} run. Empty (default): the Default Dask scheduler of the Processing "
    "settings (Settings › Options › Processing › Providers › GeoChem Prospector), itself empty unless set there: in "
    "this process, nothing to install. "
    "'local:N': N worker processes on this computer, started for the run. 'tcp://host:8786': an existing Dask "
    "cluster (dask-scheduler / dask-worker), whose workers must reach the input and output paths under the same "
    "names (a shared file system) and import this plugin (geochem_prospector on their PYTHONPATH) with the same "
    "Python, numpy, rasterio, scipy and PyTorch versions as QGIS. Needs Dask (python3-dask, python3-distributed). "
    "The result is bit-identical to the in-process run."
)


def scheduler_parameter(tr) -> QgsProcessingParameterString:
    """The advanced, optional SCHEDULER string parameter."""
    parameter = QgsProcessingParameterString(
        SCHEDULER,
        tr("Scheduler: empty = the default of the Processing options, local:N, tcp://host:8786 (Dask)"),
        "",
        optional=True,
    )
    parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
    return parameter


def _setting_validator(value: Any) -> None:
    """Refuses a malformed default in the options dialog (which shows a ValueError's message)."""
    parse_scheduler(str(value or ""), SETTING_LABEL)


def register_setting(group: str, icon: Any = None) -> bool:
    """Adds the "Default Dask scheduler" setting to the provider's page of the Processing options and reads its
    saved value; False (and nothing added) where QGIS's Processing framework cannot be imported."""
    try:
        from processing.core.ProcessingConfig import ProcessingConfig, Setting
    except ImportError:
        return False
    if icon is not None:
        ProcessingConfig.settingIcons[group] = icon
    ProcessingConfig.addSetting(
        Setting(
            group,
            DEFAULT_SETTING,
            f"{SETTING_LABEL} (empty = this process; local:N; tcp://host:8786), used when SCHEDULER is empty",
            "",
            valuetype=Setting.STRING,
            validator=_setting_validator,
            placeholder="local:4",
        )
    )
    ProcessingConfig.readSettings()
    return True


def unregister_setting() -> None:
    """Removes the setting added by :func:`register_setting` (its saved value stays in the QGIS settings)."""
    try:
        from processing.core.ProcessingConfig import ProcessingConfig
    except ImportError:
        return
    if DEFAULT_SETTING in ProcessingConfig.settings:
        ProcessingConfig.removeSetting(DEFAULT_SETTING)


def default_scheduler() -> str:
    """The "Default Dask scheduler" Processing setting ('' when unset): as the Processing options hold it, or
    as saved in the QGIS settings where the setting is not registered."""
    value: Optional[Any] = None
    try:
        from processing.core.ProcessingConfig import ProcessingConfig
    except ImportError:
        pass
    else:
        if DEFAULT_SETTING in ProcessingConfig.settings:
            value = ProcessingConfig.getSetting(DEFAULT_SETTING)
    if value is None:
        value = QgsSettings().value(f"Processing/Configuration/{DEFAULT_SETTING}", "")
    return str(value or "").strip()


def _from_setting(error: InputError) -> InputError:
    """``error`` about the default scheduler: says where it comes from, and where to clear it."""
    body = str(error).split(": ", 1)[1]
    body = body.replace(_EMPTY_ADVICE, f"clear the default in {SETTING_PATH} to run in this process")
    return InputError(f"empty, so the default Dask scheduler of the Processing settings is used: {body}", SCHEDULER)


class _DefaultRunner(TaskRunner):
    """A runner on the default scheduler: its connection errors say where that scheduler was set."""

    def __enter__(self) -> "TaskRunner":
        try:
            return super().__enter__()
        except InputError as error:
            raise _from_setting(error) from None


def task_runner(algorithm, parameters, context, feedback) -> TaskRunner:
    """A :class:`TaskRunner` for the SCHEDULER parameter, or for the "Default Dask scheduler" Processing setting
    when SCHEDULER is empty (not started: use it as a context manager); a malformed string or missing Dask raises
    an error naming SCHEDULER (and the setting, when it came from there) before any work."""
    text = (algorithm.parameterAsString(parameters, SCHEDULER, context) or "").strip()
    from_setting = not text and bool(default_scheduler())
    try:
        if from_setting:
            scheduler: Scheduler = parse_scheduler(default_scheduler(), SCHEDULER)
        else:
            scheduler = parse_scheduler(text, SCHEDULER)
        ok, message = check_dask(scheduler, SCHEDULER)
        if not ok:
            raise InputError(message.split(": ", 1)[1], SCHEDULER)
    except InputError as error:
        raise _from_setting(error) if from_setting else error from None
    if from_setting:
        feedback.pushInfo(
            f"Running on {scheduler.describe()} (SCHEDULER is empty: the {SETTING_LABEL} of the Processing settings)."
        )
    elif not scheduler.in_process:
        feedback.pushInfo(f"Running on {scheduler.describe()}.")
    blas = global_blas()
    if scheduler.kind == "tcp" and blas:
        feedback.pushInfo(
            f"This process computes with the BLAS library {blas}: start the workers with LD_PRELOAD={blas} for "
            "results bit-identical to a run in this process."
        )
    return (_DefaultRunner if from_setting else TaskRunner)(scheduler, SCHEDULER)
