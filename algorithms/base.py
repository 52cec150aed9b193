"""The base class of the Processing algorithms, :class:`ProspectorAlgorithm`: clear errors instead of tracebacks,
parameter and output checks before any work, inputs read without writing, outputs committed together, provenance,
help pages and the style post-processor that keeps loaded layers styled and named. The helpers the algorithms share
live beside it: :mod:`.crs_checks`, :mod:`.inputs`, :mod:`.sinks`, :mod:`.point_reading`, :mod:`.geometries` and
:mod:`.layers`."""

from __future__ import annotations

import datetime
import html
import os
import re
import signal
import tempfile
import traceback
import uuid
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingParameterDefinition,
)
from qgis.PyQt.QtCore import QUrl
from qgis.PyQt.QtGui import QIcon

from ..common import ICONS_DIR, PLUGIN_DIR, STYLES_DIR, tr
from ..core.callbacks import check_cancelled, termination_as_cancel
from ..core.errors import Cancelled, ProspectorError, Terminated
from ..core.grid import check_memory
from ..core.io.destinations import (
    RASTER_EXTENSIONS,
    check_geopackage_output,
    check_output_extension,
    check_output_paths,
    filter_extensions,
)
from ..core.io.inputs import no_gdal_sidecars
from ..core.io.outputs import output_group, write_text
from ..core.io.vectors import DRIVERS as VECTOR_DRIVERS
from ..core.parameter_text import mistyped_path, shown_path
from ..core.reports.cells import plain
from . import help as algorithm_help
from .crs_checks import (
    REPROJECT_ADVICE,
    WARP_ADVICE,
    geographic_centre,
    refuse_coordinates_beyond_crs,
    require_projected,
    unreadable_crs,
    utm_advice,
)
from .inputs import (
    absolute_file,
    archive_layers,
    described_value,
    guarded_parameter,
    input_paths,
    memory_vrt_layers,
    project_layer_name,
    recorded_input,
    vector_layer_names,
)
from .layers import Placement, apply_legend, apply_style, distinct_layer_name, earlier_loads_of
from .parameters import MODEL_EXTENSION, with_option_numbers
from .sinks import destination_path, refuse_blank_name, refuse_database_sink, refuse_memory_sink, sink_text

ICON = os.path.join(ICONS_DIR, "prospector.svg")

GROUPS = {
    "geochemistry": "Geochemistry",
    "evidence": "Evidence",
    "machine learning": "Machine learning",
    "deep learning": "Deep learning",
}
#: parameter types whose value names a file an output must never overwrite (a model file is a "file")
INPUT_TYPES = {"source", "vector", "raster", "multilayer", "file", "layer", "mesh", "pointcloud"}
#: parameter types whose value may be a raster file QGIS opens (and computes statistics on) as a layer
RASTER_INPUT_TYPES = {"raster", "multilayer", "layer"}


def layer_kinds(definition) -> Tuple[str, ...]:
    """The kinds of layer ('raster', 'vector') a layer parameter takes, in the order to try them; () for others."""
    from qgis.core import QgsProcessing

    kind = definition.type()
    if kind == "raster":
        return ("raster",)
    if kind in ("source", "vector"):
        return ("vector",)
    if kind == "layer" or (kind == "multilayer" and definition.layerType() == QgsProcessing.TypeMapLayer):
        return ("raster", "vector")
    if kind == "multilayer":
        return ("raster",) if definition.layerType() == QgsProcessing.TypeRaster else ("vector",)
    return ()


def plugin_version() -> str:
    """The version in metadata.txt."""
    return metadata_value("version") or "unknown"


def metadata_value(key: str) -> str:
    """A value of metadata.txt ('' when absent)."""
    with open(os.path.join(PLUGIN_DIR, "metadata.txt"), encoding="utf-8") as handle:
        for line in handle:
            if line.startswith(f"{key}="):
                return line.split("=", 1)[1].strip()
    return ""


#: output types as the help page names them
_OUTPUT_KINDS = {
    "outputNumber": "number",
    "outputString": "text",
    "outputBoolean": "true or false",
    "outputHtml": "HTML file",
    "outputFile": "file",
    "outputRaster": "raster layer",
    "outputVector": "vector layer",
    "outputFolder": "folder",
    "outputLayer": "layer",
    "outputMultilayer": "layers",
}


def _default_text(definition) -> str:
    """A parameter's default as the help page shows it ('' for none)."""
    value = definition.defaultValue()
    if value is None or value == "" or definition.isDestination():
        return ""
    if definition.type() == "enum":  # its options are listed with their numbers beside
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def help_page_path(algorithm) -> str:
    """Writes the algorithm's help page (:func:`algorithms.help.help_page`) into the user's QGIS profile, or the
    temporary folder when the profile cannot be written, and returns its path ('' when neither can). Rewritten only
    when its text changed, so a plugin update refreshes it."""
    parameters = []
    destinations = set()
    for definition in algorithm.parameterDefinitions():
        flags = definition.flags()
        if flags & QgsProcessingParameterDefinition.FlagHidden:
            continue
        if definition.isDestination():
            destinations.add(definition.name())
        parameters.append(
            algorithm_help.ParameterEntry(
                name=definition.name(),
                label=definition.description(),
                kind=definition.type(),
                help=html.unescape(definition.help() or ""),
                default=_default_text(definition),
                optional=bool(flags & QgsProcessingParameterDefinition.FlagOptional),
                advanced=bool(flags & QgsProcessingParameterDefinition.FlagAdvanced),
                destination=definition.isDestination(),
                choices=tuple(definition.options()) if definition.type() == "enum" else (),
            )
        )
    outputs = [
        algorithm_help.ParameterEntry(
            name=o.name(), label=o.description(), kind=o.type(), help=_OUTPUT_KINDS.get(o.type(), o.type())
        )
        for o in algorithm.outputDefinitions()
        if o.name() not in destinations
    ]
    text = algorithm_help.help_page(
        algorithm.name(),
        algorithm.displayName(),
        html.unescape(algorithm.shortHelpString()),
        parameters,
        outputs,
        plugin_version(),
        QUrl.fromLocalFile(os.path.join(PLUGIN_DIR, "README.md")).toString(),
    )
    folders = [
        os.path.join(QgsApplication.qgisSettingsDirPath(), "geochem_prospector", "help"),
        os.path.join(tempfile.gettempdir(), f"geochem_prospector_help_{os.getuid() if hasattr(os, 'getuid') else 0}"),
    ]
    for folder in folders:
        path = os.path.join(folder, f"{algorithm.name()}.html")
        try:
            with open(path, encoding="utf-8") as handle:
                if handle.read() == text:
                    return path
        except OSError:
            pass
        try:
            os.makedirs(folder, exist_ok=True)
            return write_text(path, text, "HELP")  # atomic: another QGIS writing the page never leaves half of one
        except (OSError, ProspectorError):
            continue
    return ""


#: parameter types whose values :meth:`ProspectorAlgorithm.refuse_unchecked_values` checks: options, numbers,
#: booleans and vector layers (which the run opens anyway; QGIS keeps them open in the context). Rasters are left to
#: the steps: QGIS's check opens a VRT as it is, and a VRT rewrites itself when closed.
CHECKED_HERE = ("enum", "number", "distance", "boolean", "source", "vector")


#: the feedback methods that write text to the log (and qgis_process's terminal)
MESSAGE_METHODS = ("pushInfo", "pushWarning", "reportError", "pushDebugInfo", "pushCommandInfo", "pushConsoleInfo")


@contextmanager
def plain_messages(feedback) -> Iterator[None]:
    """While the block runs, every message the algorithm gives ``feedback`` goes through
    :func:`core.reports.cells.plain`:
    a field, layer or deposit name holding a direction control (U+202E) or another invisible format character
    shows it as ``\\u202e`` instead of reversing the rest of the line in a terminal. One place for the 185 messages
    that echo names; the feedback is as it was afterwards."""
    if feedback is None:
        yield
        return
    own = getattr(feedback, "__dict__", {})
    wrapped = []  # (name, the instance's own method before: a wrapper of an enclosing run, or None)
    for name in MESSAGE_METHODS:
        method = getattr(feedback, name, None)
        if method is None:
            continue

        def safe(text, *args, _method=method, **kwargs):
            return _method(plain(text), *args, **kwargs)

        before = own.get(name)
        try:
            setattr(feedback, name, safe)
        except (AttributeError, TypeError):  # a feedback that takes no attributes: its messages as they are
            continue
        wrapped.append((name, before))
    try:
        yield
    finally:
        for name, before in wrapped:
            try:
                if before is None:
                    delattr(feedback, name)
                else:  # a run inside a run on the same feedback: the enclosing run's wrapper back
                    setattr(feedback, name, before)
            except AttributeError:
                pass


class ProspectorAlgorithm(QgsProcessingAlgorithm):
    """Base class: turns core errors into clear Processing errors and keeps style post-processors alive."""

    group_id = "geochemistry"
    #: the deep-learning steps need PyTorch; the others must work without it
    needs_torch = False
    #: the steps that train classic learners also need scikit-learn
    needs_sklearn = False

    # Kept on the class: Processing may delete the algorithm instance before layers load, and a post-processor whose
    # Python object is collected is skipped (QGIS keeps only its C++ half). Each stays until it has run: QGIS loads
    # the layers of every run of "Iterate over this layer" at the end (dozens of runs, up to six layers each), so
    # keeping only the last few left the first runs' layers unstyled, unnamed and outside their group.
    _post_processors: List[QgsProcessingLayerPostProcessorInterface] = []
    #: post-processors kept at most (those of runs whose layers never load: a run that failed, a closed dialog)
    MAX_POST_PROCESSORS = 100_000

    def __init_subclass__(cls, **kwargs) -> None:
        """An algorithm's own help text names parameters by id (NEIGHBORS); the dialog shows it with the form's
        labels instead (see :func:`algorithms.help.with_labels`), escaped for the HTML QGIS renders it as, except in
        ``qgis_process help``, which prints it as written (:func:`algorithms.help.for_host`). Its display name starts
        with its workflow step (:func:`algorithms.help.numbered`)."""
        super().__init_subclass__(**kwargs)
        title = cls.__dict__.get("displayName")
        if title is not None:  # the workflow step first, so the toolbox lists a group's steps in workflow order

            def displayName(self) -> str:  # noqa: N802 (QGIS API name)
                return algorithm_help.numbered(self.name(), title(self))

            displayName.__doc__ = title.__doc__
            cls.displayName = displayName
        own = cls.__dict__.get("shortHelpString")
        if own is not None:

            def shortHelpString(self) -> str:  # noqa: N802 (QGIS API name)
                labels = {d.name(): d.description() for d in self.parameterDefinitions()}
                text = algorithm_help.with_labels(own(self), labels)
                return algorithm_help.for_host(text, QgsApplication.platform())

            shortHelpString.__doc__ = own.__doc__
            cls.shortHelpString = shortHelpString

    def tags(self) -> List[str]:
        """Words the toolbox search finds the algorithm by (algorithms/help.py)."""
        return [self.tr(tag) for tag in algorithm_help.TAGS.get(self.name(), ())]

    def helpUrl(self) -> str:  # noqa: N802 (QGIS API name)
        """The algorithm's help page, a file written from its definitions (the dialog's Help button): the plugin has
        no web site, and QGIS would otherwise open a page of its own manual that does not exist."""
        path = help_page_path(self)
        return QUrl.fromLocalFile(path).toString() if path else ""

    def tr(self, text: str) -> str:
        return tr(text)

    def createInstance(self):  # noqa: N802 (QGIS API name)
        return type(self)()

    def group(self) -> str:
        return self.tr(GROUPS[self.group_id])

    def groupId(self) -> str:  # noqa: N802 (QGIS API name)
        return self.group_id

    def icon(self) -> QIcon:
        return QIcon(self.svgIconPath())

    def svgIconPath(self) -> str:  # noqa: N802 (QGIS API name)
        """resources/icons/<algorithm id>.svg, or the plugin's icon."""
        own = os.path.join(ICONS_DIR, f"{self.name()}.svg")
        return own if os.path.isfile(own) else ICON

    def canExecute(self):  # noqa: N802 (QGIS API name)
        """(False, what is missing and how to install it) when scipy, rasterio, geopandas… are missing, or
        PyTorch / scikit-learn for the steps that need them; QGIS shows the message."""
        from ..core.dependencies import check_scientific, check_sklearn, check_torch

        for needed, check in (
            (True, check_scientific),
            (self.needs_torch, check_torch),
            (self.needs_sklearn, check_sklearn),
        ):
            if needed:
                ok, message = check()
                if not ok:
                    return ok, message
        return True, ""

    def addParameter(self, definition, createOutput=True):  # noqa: N802, N803 (QGIS API names)
        """Layer parameters become ones whose check (which opens the layer: QGIS computes statistics then) writes
        nothing beside the input; qgis_process runs that check itself, before any algorithm code. A parameter
        without help gets the text of algorithms/help.py (its tooltip in the dialog)."""
        text = algorithm_help.PARAMETER_HELP.get(self.name(), {}).get(definition.name())
        if text and not definition.help():
            definition.setHelp(algorithm_help.for_host(self.tr(text), QgsApplication.platform()))
        if definition.type() == "distance":
            # metres (the geographic-CRS check makes sure) until a layer gives its unit; the dialog showed
            # '<unknown>', and always did when the parent is a list of layers, which gives no unit
            from qgis.core import QgsUnitTypes

            definition.setDefaultUnit(QgsUnitTypes.DistanceMeters)
            parent = self.parameterDefinition(definition.parentParameterName() or "")
            if parent is not None and parent.type() == "multilayer":
                definition.setParentParameterName("")
        return super().addParameter(guarded_parameter(definition), createOutput)

    def checkParameterValues(self, parameters, context):  # noqa: N802 (QGIS API name)
        """QGIS's checks, which open the input layers, opened so that reading writes nothing beside them; then an
        input in a geographic CRS is refused before the run starts (the dialog says so without running)."""
        parameters = with_option_numbers(self.parameterDefinitions(), parameters)
        with no_gdal_sidecars():
            reading = self.reading_inputs(parameters, context)
            ok, message = super().checkParameterValues(reading, context)
            if not ok:  # QGIS says 'Incorrect parameter value for X'; say what X takes
                message = self.refused_value_message(reading, context) or message
            if ok:  # a number 'nan' or a boolean 'no', which QGIS's check passes (:func:`.parameters.unclear_value`)
                message = self.unclear_value_message(reading, context)
                ok = not message
            if ok:  # a vector file in a list of rasters, which QGIS 3.22's check passes
                message = self.vector_among_rasters(reading)
                ok = not message
            if ok:  # an extent's '[CRS]' QGIS cannot read is dropped silently: its numbers read in another CRS
                message = self.unreadable_extent_crs(reading)
                ok = not message
            if ok and self.name() in METRE_INPUTS:
                try:
                    self.check_projected(reading, context)
                except QgsProcessingException as exc:
                    return False, str(exc)
            return ok, message

    def unreadable_extent_crs(self, parameters) -> str:
        """The refusal of an extent typed with a CRS QGIS reads nothing from ('… [EPSG:4326+5773]', a compound
        code): QGIS would take its numbers in the layers' CRS instead, degrees as metres. '' when there is none."""
        for definition in self.parameterDefinitions():
            value = parameters.get(definition.name())
            if definition.type() != "extent" or not isinstance(value, str):
                continue
            # only an extent typed as numbers (a layer's name may end in brackets: 'faults [GTK]')
            suffix = re.search(r"^\s*(?:[-+.\deE]+\s*,\s*){3}[-+.\deE]+\s*\[(.*)\]\s*$", value)
            if suffix and suffix.group(1).strip() and not QgsCoordinateReferenceSystem(suffix.group(1)).isValid():
                return unreadable_crs(definition.name(), suffix.group(1)).replace(
                    "or leave it empty to use the layers' CRS", "in the brackets, or leave them out for the layers' CRS"
                )
        return ""

    def unclear_value_message(self, parameters, context) -> str:
        """For the first number or boolean QGIS's check passes though it means nothing the step could use ('nan',
        'no'): what the parameter takes (:func:`.parameters.refused_value`); '' when there is none."""
        from .parameters import refused_value, unclear_value

        for definition in self.parameterDefinitions():
            value = parameters.get(definition.name())
            if unclear_value(definition, value):
                return refused_value(definition, value, context)
        return ""

    def vector_among_rasters(self, parameters) -> str:
        """The refusal of a file GDAL opens as a vector and not as a raster, given in a list of rasters, or the
        reverse (QGIS 3.22 passes both, and the step met a vector layer where it reads a raster: 'Unexpected error
        … no attribute width', or a raster where it reads lines: '… no attribute wkbType'); '' when there is none."""
        from .parameters import layer_of_another_kind

        for definition in self.parameterDefinitions():
            if definition.type() != "multilayer":
                continue
            message = layer_of_another_kind(definition, parameters.get(definition.name()))
            if message:
                return message
        return ""

    def refused_value_message(self, parameters, context) -> str:
        """For the first parameter QGIS's check refuses: what it takes (:func:`.parameters.refused_value`)."""
        from .parameters import refused_value

        for definition in self.parameterDefinitions():
            message = refused_value(definition, parameters.get(definition.name()), context)
            if message:
                return message
        return ""

    def check_projected(self, parameters, context) -> None:
        """Refuse the input that must be in metres (METRE_INPUTS) when its CRS is geographic, or projected with map
        units far from the ground's over it (:func:`require_projected`)."""
        from qgis.core import QgsProcessingParameterFeatureSource, QgsProcessingParameterMultipleLayers

        name, why, advice = METRE_INPUTS[self.name()]
        definition = self.parameterDefinition(name)
        if definition is None or parameters.get(name) in (None, "", []):
            return
        extent = None
        if isinstance(definition, QgsProcessingParameterFeatureSource):
            source = self.parameterAsSource(parameters, name, context)
            crs, subject = (source.sourceCrs(), "the layer") if source is not None else (None, "")
            if source is not None:
                refuse_coordinates_beyond_crs(crs, source.sourceExtent(), name)
            if crs is not None and crs.isValid() and crs.isGeographic():
                advice += utm_advice(geographic_centre(source))
            extent = source.sourceExtent() if source is not None else None
        elif isinstance(definition, QgsProcessingParameterMultipleLayers):
            layers = self.parameterAsLayerList(parameters, name, context)
            crs, subject = (layers[0].crs(), f"'{layers[0].name()}'") if layers else (None, "")
            extent = layers[0].extent() if layers else None
        else:
            layer = self.parameterAsRasterLayer(parameters, name, context)
            crs, subject = (layer.crs(), "the raster") if layer is not None else (None, "")
            extent = layer.extent() if layer is not None else None
        if crs is not None:
            require_projected(crs, name, subject, why, advice, extent)

    def validateInputCrs(self, parameters, context):  # noqa: N802 (QGIS API name)
        with no_gdal_sidecars():
            return super().validateInputCrs(self.reading_inputs(parameters, context), context)

    def prepareAlgorithm(self, parameters, context, feedback) -> bool:  # noqa: N802 (QGIS API name)
        # the project's layers before the run (QGIS prepares on the main thread): an output QGIS hands back as one
        # of them is a re-run into a file the project shows, which must be read again (StylePostProcessor)
        project = context.project()
        self._layers_before = frozenset(project.mapLayers()) if project is not None else frozenset()
        # the project's layers are read here, on the main thread, not by processAlgorithm on a worker thread: the
        # files behind the inputs for the provenance, and a layer named where several of the project share its name
        inputs = [d.name() for d in self.parameterDefinitions() if d.type() in INPUT_TYPES and d.name() in parameters]
        self._recorded_inputs = {name: recorded_input(parameters[name], context) for name in inputs}
        self._input_layer_names = {name: project_layer_name(parameters[name], context) for name in inputs}
        with plain_messages(feedback):
            self.warn_same_named_layers(parameters, context, feedback)
        return super().prepareAlgorithm(parameters, context, feedback)

    def processAlgorithm(self, parameters, context, feedback) -> Dict[str, Any]:  # noqa: N802
        # qgis_process asked to end (SIGTERM, a closed terminal): clean up as on a cancel, then end as asked
        finished: List[bool] = []

        def ended_by(name: str) -> None:  # a signal that came as the outputs were put in place, or after
            outcome = (
                "the run had finished: its outputs are written and complete"
                if finished
                else "the run was ending: no output was written"
            )
            feedback.reportError(f"Stopped by {name} (the process was asked to end) as {outcome}.", True)

        # the signal cancels the run's feedback (its checks, direct or in the core, see it); the core's checks
        # raise Terminated, the run's own a cancel, which is reported as the stop it was
        with termination_as_cancel(
            QgsApplication.platform() == "qgis_process", ended_by, on_request=feedback.cancel
        ) as request:
            try:
                with plain_messages(feedback):  # names with direction controls shown escaped in every message
                    results = self.process_guarded(parameters, context, feedback)
                finished.append(True)
                return results
            except (Terminated, QgsProcessingException):
                if not request.received:
                    raise
                name = signal.Signals(request.signal_number or signal.SIGTERM).name
                feedback.reportError(
                    f"Stopped by {name} (the process was asked to end): no output was written, and this run's "
                    "temporary files were removed.",
                    True,
                )
                raise QgsProcessingException(f"Stopped by {name}: no output was written.") from None
            finally:
                # first thing on the way out: from here a signal is only recorded, and ends the process once the
                # block closes
                request.deferred = True

    def process_guarded(self, parameters, context, feedback) -> Dict[str, Any]:
        """processAlgorithm's body: every expected failure becomes one clear QgsProcessingException."""
        self._run_token, self._loaded = uuid.uuid4().hex, 0  # the layers this run loads are placed together
        try:
            parameters = with_option_numbers(self.parameterDefinitions(), parameters)  # 'kriging' for METHOD=1
            parameters = self.with_default_extensions(
                self.with_temporary_outputs(parameters, context, feedback), context
            )
            self.refuse_unchecked_values(parameters, context)
            if self.name() in METRE_INPUTS:  # the dialog's check, where none ran (a batch row, a model's step)
                with no_gdal_sidecars():
                    self.check_projected(self.reading_inputs(parameters, context), context)
            self.check_outputs(parameters, context)
            # inputs read with GDAL's PAM off (no .aux.xml beside them); several outputs: all of them or none
            self.warn_several_layers(parameters, feedback)
            with no_gdal_sidecars(), output_group():
                results = self.process(self.reading_inputs(parameters, context), context, feedback)
                # cancelled while the outputs were written (Ctrl+C in qgis_process, Cancel in the dialog): none of
                # them is put in place, as the message says, rather than a run that reports success
                check_cancelled(feedback.isCanceled)
                return results
        except Cancelled:
            raise QgsProcessingException(self.tr("Cancelled by the user: no output was written.")) from None
        except ProspectorError as exc:
            raise QgsProcessingException(plain(str(exc))) from None
        except OSError as exc:  # disk full, file vanished, network drive gone: not a bug, say what to check
            vanished = self.vanished_input(parameters, exc)
            if vanished:
                name, path = vanished
                raise QgsProcessingException(
                    f"{name}: '{path}' was moved, renamed or deleted while the run read it "
                    f"({exc.strerror or 'No such file or directory'}); nothing was written. Put the file back (or "
                    "choose it again where it is now) and run again."
                ) from None
            where = f" ({exc.filename})" if exc.filename else ""
            raise QgsProcessingException(
                self.tr(
                    "Could not read or write a file{}: {}. Check the path, free disk space and permissions."
                ).format(where, exc.strerror or exc)
            ) from None
        except MemoryError:
            raise QgsProcessingException(
                self.tr("Out of memory: use a larger PIXEL_SIZE, a smaller EXTENT or a MASK.")
            ) from None
        except QgsProcessingException as exc:
            text = str(exc)
            if plain(text) != text:  # a name with a direction control: shown escaped, as in the log
                raise QgsProcessingException(plain(text)) from None
            raise
        except Exception as exc:  # unexpected: keep the details in the log, give the user one clear line
            feedback.pushDebugInfo(traceback.format_exc())
            raise QgsProcessingException(
                self.tr("Unexpected error in {}: {}: {}. Details are in the log; please report it.").format(
                    self.id(), type(exc).__name__, exc
                )
            ) from None

    def refuse_unchecked_values(self, parameters, context) -> None:
        """Refuse an option or number QGIS's own check would refuse, where that check did not run: a graphical
        model hands its steps their values (from a model input, another step or an expression) unchecked, and so
        do the batch dialog's rows and ``alg.run()``. Read as they are, an option that does not exist is the
        first option, a number out of range is used as it is, and an optional layer that cannot be opened as a
        vector layer (a raster typed as MASK) is left out, as if none had been given."""
        from .parameters import refused_value, unclear_value

        for definition in self.parameterDefinitions():
            value = parameters.get(definition.name())
            if definition.type() not in CHECKED_HERE or value is None or value == "":
                continue
            with no_gdal_sidecars():
                acceptable = definition.checkValueIsAcceptable(value, context) and not unclear_value(definition, value)
            if acceptable:
                continue
            message = refused_value(definition, value, context)
            if not message and definition.type() in ("source", "vector"):
                message = (
                    f"{definition.name()}: '{described_value(value)}' could not be opened as a vector layer; choose a "
                    f"vector layer or file ({definition.description()})."
                )
            raise QgsProcessingException(message or f"{definition.name()}: {value!r} is not a value it takes.")

    def vanished_input(self, parameters, exc: OSError) -> Optional[Tuple[str, str]]:
        """(parameter, path) of an input file that ``exc`` names and that is no longer there: QGIS checked and
        opened it, then it was moved or deleted before the step read it. None for anything else."""
        from qgis.core import QgsMapLayer, QgsProcessingFeatureSourceDefinition

        said = f"{exc.filename or ''} {exc}"
        for definition in self.parameterDefinitions():
            if definition.isDestination():
                continue
            values = parameters.get(definition.name())
            for value in values if isinstance(values, (list, tuple)) else [values]:
                if isinstance(value, QgsProcessingFeatureSourceDefinition):
                    value = value.source.staticValue()
                if isinstance(value, QgsMapLayer):
                    value = value.source()
                if not isinstance(value, str) or not value:
                    continue
                path = os.path.abspath(value.split("|")[0])
                if path in said and not os.path.exists(path):
                    return definition.name(), path
        return None

    def process(self, parameters, context, feedback) -> Dict[str, Any]:
        """The algorithm body (not named run: QgsProcessingAlgorithm.run is a different, public method)."""
        raise NotImplementedError

    # ---- helpers shared by the algorithms -------------------------------------------------

    def warn_several_layers(self, parameters, feedback) -> None:
        """A vector input given as a bare path to a file of several layers (a GeoPackage) is read from its first
        layer, which need not be the one meant: name the layers and how to choose one."""
        for definition in self.parameterDefinitions():
            if definition.type() not in ("source", "vector", "layer", "multilayer"):
                continue
            values = parameters.get(definition.name())
            for value in values if isinstance(values, (list, tuple)) else [values]:
                names = vector_layer_names(value) if isinstance(value, str) and "|" not in value else []
                if len(names) > 1:
                    base = os.path.basename(value)
                    feedback.pushWarning(
                        f"{definition.name()}: '{base}' holds {len(names)} layers ({', '.join(names)}); the first, "
                        f"'{names[0]}', was read. To read another, choose it in the layer list or give "
                        f"'{base}|layername={names[1]}' (or another layer's name)."
                    )

    def warn_same_named_layers(self, parameters, context, feedback) -> None:
        """A layer given by its name (as the Python console, a script or ``qgis_process --PROJECT_PATH`` give one)
        when the project holds several layers of that name and kind: QGIS reads one of them, which need not be the
        one meant. Name the files and how to choose one."""
        from qgis.core import QgsMapLayerType, QgsProcessing, QgsProcessingUtils

        project = context.project()
        if project is None or feedback is None:
            return
        hints = {"raster": QgsProcessingUtils.LayerHint.Raster, "source": QgsProcessingUtils.LayerHint.Vector}
        hints["vector"] = hints["source"]
        for definition in self.parameterDefinitions():
            kind = definition.type()
            if kind == "multilayer":
                raster = definition.layerType() == QgsProcessing.TypeRaster
                hint = hints["raster" if raster else "source"]
            elif kind in hints:
                hint = hints[kind]
            else:
                continue
            values = parameters.get(definition.name())
            for value in values if isinstance(values, (list, tuple)) else [values]:
                if not isinstance(value, str) or not value or project.mapLayer(value) is not None:
                    continue
                used = QgsProcessingUtils.mapLayerFromString(value, context, False, hint)
                if used is None:
                    continue
                raster = used.type() == QgsMapLayerType.RasterLayer
                named = [layer for layer in project.mapLayersByName(value) if layer.type() == used.type()]
                if len(named) < 2 or used.id() not in {layer.id() for layer in named}:
                    continue
                others = [layer for layer in named if layer.id() != used.id()]
                feedback.pushWarning(
                    f"{definition.name()}: {len(named)} {'raster' if raster else 'vector'} layers of the project are "
                    f"named '{value}'; QGIS read '{used.source()}' (layer id {used.id()}), not "
                    f"{', '.join(repr(layer.source()) for layer in others)}. To choose one, give its layer id or its "
                    "file instead of the name, or rename the layers."
                )

    def reading_inputs(self, parameters, context) -> Dict[str, Any]:
        """``parameters`` with every VRT file given to a raster parameter replaced by a layer on a memory copy of
        it: QGIS computes statistics on the layers it opens, and a VRT stores them by rewriting itself on close
        (PAM off or not). The copy rewrites itself in memory; the file is never written."""
        swapped = dict(parameters)
        for definition in self.parameterDefinitions():
            name = definition.name()
            if definition.isDestination() or name not in parameters:
                continue
            kinds = layer_kinds(definition)
            if kinds:  # a file inside a zip given as '/vsizip/…' text: opened as the desktop opens it
                swapped[name] = archive_layers(parameters[name], context, kinds)
            if definition.type() in RASTER_INPUT_TYPES:
                swapped[name] = memory_vrt_layers(swapped[name], context)
        return swapped

    def with_temporary_outputs(self, parameters, context, feedback=None) -> Dict[str, Any]:
        """``parameters`` with each required output that has no value (missing, or an empty text) set to
        TEMPORARY_OUTPUT, as the dialog sets it. qgis_process runs a graphical model whose outputs are not named
        on its command line with those outputs missing from its steps' parameters (QGIS 3.22 checks no step's
        values): the step got '' as the file and refused it as "cannot write 'no extension' files", so the shipped
        workflow stopped at its second step unless every output was named. There, where QGIS deletes temporary
        files as the process ends, a warning says how to keep the output."""
        from qgis.core import QgsProcessing

        changed = dict(parameters)
        for definition in self.destinationParameterDefinitions():
            name = definition.name()
            if definition.flags() & definition.FlagOptional or sink_text(parameters.get(name), context):
                continue
            changed[name] = QgsProcessing.TEMPORARY_OUTPUT
            if feedback is not None and QgsApplication.platform() == "qgis_process":
                # the step is named: a model's log holds such lines from several steps (sweep 31a)
                feedback.pushWarning(
                    f"{name} of {self.id()}: no file is named for this output (a model's step whose output is left "
                    "off the qgis_process command line, or that the model does not offer), so it goes to a "
                    "temporary file that QGIS deletes when qgis_process ends. Where the model offers it "
                    "(qgis_process.bin help <model> lists its outputs), name it on the command line to keep it "
                    "(e.g. predict:prospectivity=/path/map.tif for prospectivity_workflow)."
                )
        return changed

    def with_default_extensions(self, parameters, context) -> Dict[str, Any]:
        """``parameters`` with each raster or vector destination given without an extension ending in the
        parameter's default one (.tif, .gpkg), as QGIS's own algorithms write them."""
        from qgis.core import QgsProcessingOutputLayerDefinition, QgsProperty

        changed = dict(parameters)
        for definition in self.destinationParameterDefinitions():
            name = definition.name()
            if definition.type() not in ("rasterDestination", "vectorDestination") or name not in parameters:
                continue
            path = destination_path(parameters[name], context)
            if not path or os.path.splitext(os.path.basename(path))[1] or os.path.isdir(path):
                continue
            target = f"{path}.{definition.defaultFileExtension()}"
            value = parameters[name]
            if isinstance(value, QgsProcessingOutputLayerDefinition):
                value = QgsProcessingOutputLayerDefinition(value)
                value.sink = QgsProperty.fromValue(target)
                changed[name] = value
            else:
                changed[name] = target
        return changed

    def check_outputs(self, parameters, context) -> None:
        """Before any work: refuse an output that is also an input, two outputs on one file, or an output
        folder that cannot be written (tested by writing, so it holds for root and read-only mounts)."""
        outputs: Dict[str, str] = {}
        inputs: Dict[str, str] = {}
        extensions: List[Tuple[str, Sequence[str], str, bool]] = []  # (path, extensions written, parameter, strict)
        geopackages: List[Tuple[str, str]] = []  # (path, parameter) of GeoPackage outputs
        for definition in self.parameterDefinitions():
            name = definition.name()
            value = parameters.get(name)
            if value is None:
                continue
            if definition.isDestination():
                refuse_database_sink(name, value, context)
                refuse_memory_sink(name, value, context)
                path = destination_path(value, context)
                if path:
                    refuse_blank_name(name, path, definition)
                    why, meant = mistyped_path(path)
                    if why:  # else written under a name no one meant: 'grid.tif\n', './file:/…', './~/…'
                        raise QgsProcessingException(f"{name}: '{shown_path(path)}': {why}. Give '{meant}' instead.")
                    outputs[name] = path
                    if definition.type() == "vectorDestination":
                        extension = os.path.splitext(path)[1].lower()
                        if extension == ".gpkg":
                            geopackages.append((path, name))
                        if extension not in VECTOR_DRIVERS:
                            why = (
                                " (a shapefile is several files that cannot be replaced together, and cuts field "
                                "names such as assoc_score to 10 characters)"
                                if extension == ".shp"
                                else ""
                            )
                            raise QgsProcessingException(
                                f"{name}: cannot write '{extension or 'no extension'}' files{why}; save as .gpkg "
                                "(GeoPackage, which QGIS and ArcGIS open) or .geojson, and convert afterwards if "
                                "needed (Processing › Vector general › Save vector features to file)."
                            )
                    elif definition.type() in ("rasterDestination", "fileDestination"):
                        raster = definition.type() == "rasterDestination"
                        allowed = RASTER_EXTENSIONS if raster else filter_extensions(definition.fileFilter())
                        # a model file of another extension is written, then refused by predict's MODEL
                        strict = raster or list(allowed) == [MODEL_EXTENSION]
                        extensions.append((path, allowed, name, strict))
            elif definition.type() in INPUT_TYPES:
                for i, path in enumerate(input_paths(value, context)):
                    inputs[name if i == 0 else f"{name} ({i + 1})"] = path
        check_output_paths(outputs, inputs)  # an output over an input first: the more important message
        for output, written, parameter, strict in extensions:
            check_output_extension(output, written, parameter, strict=strict)
        for output, parameter in geopackages:
            check_geopackage_output(output, parameter)

    def check_memory(
        self,
        cells: int,
        bytes_per_cell: float,
        parameter: str,
        what: str,
        advice: str = "resample the raster to larger cells (Raster › Projections › Warp) or clip it to the "
        "study area (Raster › Extraction › Clip Raster by Mask Layer).",
    ) -> None:
        """Refuse, with the numbers, a step whose estimated memory exceeds what is available."""
        check_memory(cells, bytes_per_cell, parameter, what, advice)

    #: stable names of each enum parameter's options, in option order: what model files and provenance store,
    #: so that a reordered or translated option list cannot change what a saved value means
    ENUM_NAMES: Dict[str, Sequence[str]] = {}

    def enum_name(self, parameters, name: str, context) -> str:
        """The stable name of the chosen option of enum parameter ``name``."""
        return self.ENUM_NAMES[name][self.parameterAsEnum(parameters, name, context)]

    def changed_setting(self, parameters, name: str, context) -> Optional[str]:
        """Parameter ``name``'s value as a message shows it (an option's label, a number, the text), when it is
        given and differs from its default; None when absent, empty or at its default, as the dialog and the
        modeler pass every parameter with its default: for warning of settings a run does not read."""
        if parameters.get(name) in (None, ""):
            return None
        definition = self.parameterDefinition(name)
        default = definition.defaultValue()
        if definition.type() == "enum":
            number, options = self.parameterAsEnum(parameters, name, context), definition.options()
            # a default given as an option's text (static strings, 'auto') or as its number
            at = options.index(default) if isinstance(default, str) and default in options else default
            return None if at is not None and str(number) == str(at).strip() else options[number]
        if definition.type() in ("number", "distance"):
            value = self.parameterAsDouble(parameters, name, context)
            return None if default is not None and value == float(default) else f"{value:g}"
        text = self.parameterAsString(parameters, name, context).strip()
        return None if text in ("", str(default if default is not None else "").strip()) else text

    def provenance(self, parameters, context, extra: Dict[str, Any] | None = None) -> Dict[str, Any]:
        """What made an output: algorithm, plugin and QGIS versions, parameters (enum choices by name), time."""
        described = {k: described_value(v) for k, v in parameters.items()}
        recorded = getattr(self, "_recorded_inputs", {})  # prepareAlgorithm's, read on the main thread
        for name, value in described.items():
            definition = self.parameterDefinition(name)
            if definition is not None and definition.type() in INPUT_TYPES:
                described[name] = recorded[name] if name in recorded else recorded_input(parameters[name], None)
            elif definition is not None and definition.isDestination():
                described[name] = absolute_file(value)
        for name in self.ENUM_NAMES:
            definition = self.parameterDefinition(name)
            if name in parameters and definition is not None:
                if definition.allowMultiple():  # every option chosen, not the first alone (LEARNERS 'logistic, woe')
                    names = self.ENUM_NAMES[name]
                    described[name] = [names[i] for i in self.parameterAsEnums(parameters, name, context)]
                else:
                    described[name] = self.enum_name(parameters, name, context)
        record: Dict[str, Any] = {
            "algorithm": f"prospector:{self.name()}",
            "plugin_version": plugin_version(),
            "qgis_version": Qgis.QGIS_VERSION,
            "created_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "parameters": described,
        }
        # the names the project showed the inputs by, where a file's name says less (a step's temporary output)
        shown_as = {
            k: v for k, v in getattr(self, "_input_layer_names", {}).items() if (any(v) if isinstance(v, list) else v)
        }
        if shown_as:
            record["input_names"] = shown_as
        if extra:
            record.update(extra)
        return record

    def style_on_load(
        self,
        context,
        output_path: str,
        style: str,
        name: str | None = None,
        stretch: bool = True,
        visible: bool = True,
        legend: str = "",
        unit: str = "",
        inverted: bool = False,
    ) -> None:
        """Load ``resources/styles/<style>.qml`` onto the output when the run finishes (desktop only), name the
        layer ``name`` and put it in the step's group (algorithms/help.py), shown or not (``visible``).

        ``stretch`` re-fits a pseudocolour ramp to the layer's 2-98 % range; leave it off for fixed
        scales such as probabilities; ``inverted`` turns the ramp round (a distance band shown). ``legend``
        classes the layer on its values instead (see :func:`algorithms.layers.apply_legend`: ``atlas``,
        ``area_rank``, ``present_classes``; ``unit`` in the labels).
        """
        processor = StylePostProcessor(os.path.join(STYLES_DIR, f"{style}.qml"), stretch, legend, unit, inverted)
        self.load_with(context, output_path, processor, name, visible)

    def load_with(self, context, output_path: str, processor, name: str | None = None, visible: bool = True) -> None:
        """Attach ``processor`` to the output's loading (when the run loads it), with the output's placement."""
        if not context.willLoadLayerOnCompletion(output_path):
            return
        details = context.layerToLoadOnCompletionDetails(output_path)
        if name:
            details.name = name
            details.forceName = True
        self._loaded = getattr(self, "_loaded", 0) + 1
        group = self.layer_group()
        processor.placement = Placement(self.tr(group) if group else "", visible, name or "", self._run, self._loaded)
        processor.layers_before = getattr(self, "_layers_before", frozenset())
        kept = ProspectorAlgorithm._post_processors[-(ProspectorAlgorithm.MAX_POST_PROCESSORS - 1) :]
        ProspectorAlgorithm._post_processors = kept + [processor]
        details.setPostProcessor(processor)

    def layer_group(self) -> str:
        """The layer-tree group this run's loaded outputs go into ('' for none)."""
        return algorithm_help.LAYER_GROUPS.get(self.name(), "")

    @property
    def _run(self) -> str:
        """One token per algorithm run: the layers of one run are ordered together."""
        if not getattr(self, "_run_token", ""):
            self._run_token = uuid.uuid4().hex
        return self._run_token


class StylePostProcessor(QgsProcessingLayerPostProcessorInterface):
    """Applies a .qml style (pseudocolour raster styles re-stretched to the layer's data, or classed on it), then
    names, groups and shows or hides the layer."""

    def __init__(
        self, qml_path: str, stretch: bool = True, legend: str = "", unit: str = "", inverted: bool = False
    ) -> None:
        super().__init__()
        self.qml_path = qml_path
        self.stretch = stretch
        self.inverted = inverted
        self.legend = legend
        self.unit = unit
        self.placement: Placement | None = None
        #: ids of the project's layers before the run (ProspectorAlgorithm.prepareAlgorithm)
        self.layers_before: frozenset = frozenset()

    def postProcessLayer(self, layer, context, feedback) -> None:  # noqa: N802 (QGIS API name)
        try:
            self._post_process(layer, context)
        finally:  # it has run: it need not be kept alive any longer (ProspectorAlgorithm._post_processors)
            kept = ProspectorAlgorithm._post_processors
            ProspectorAlgorithm._post_processors = [p for p in kept if p is not self]

    def _post_process(self, layer, context) -> None:
        from qgis.core import QgsDataProvider, QgsProject

        project = context.project() or QgsProject.instance()
        if layer.id() in self.layers_before:
            # a re-run into a file the project shows already: QGIS hands back the project's layer, still reading
            # the file this run replaced (its bands, size and values): read the new file before styling and naming it
            layer.setDataSource(layer.source(), layer.name(), layer.providerType(), QgsDataProvider.ProviderOptions())
        self.style(layer)
        # a layer an earlier run loaded from this file but QGIS did not hand back (its filter hides it from QGIS's
        # lookup by source, as the contours' is): it now shows this run's file under the old name, so it goes
        for earlier in earlier_loads_of(layer, project, self.placement.run if self.placement else ""):
            project.removeMapLayer(earlier.id())
        if self.placement is not None:
            if self.placement.name:
                # a second run's map of the same kind (another model, threshold, iteration) must not read alike
                self.placement.name = distinct_layer_name(self.placement.name, layer, project)
            self.placement.apply(layer, project)

    def style(self, layer) -> None:
        apply_style(layer, self.qml_path, self.stretch, self.inverted)
        apply_legend(layer, self.legend, self.unit)


#: per algorithm, the input whose distances must be metres: (parameter, why, how to fix); checked before a run
METRE_INPUTS: Dict[str, Tuple[str, str, str]] = {
    "interpolate": ("INPUT", "distances and pixel sizes must be in metres or feet", REPROJECT_ADVICE),
    "anomalies": (
        "INPUT_RASTER",
        "anomaly areas (km²) and distances to deposits need metres or feet",
        WARP_ADVICE + ", or interpolate from reprojected samples",
    ),
    "pseudolabel": ("INPUT_RASTERS", "radii and buffers are distances in metres or feet", WARP_ADVICE),
    "traincnn": ("INPUT_RASTERS", "the CNN's patches need cells of one ground size", WARP_ADVICE),
    "trainmodel": ("INPUT_RASTERS", "the neighbourhood window needs cells of one ground size", WARP_ADVICE),
    "predict": ("INPUT_RASTERS", "models are trained on cells of one size in metres or feet", WARP_ADVICE),
}
