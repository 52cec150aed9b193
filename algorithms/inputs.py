"""The files behind the input parameters, read without writing anything beside them: the file a path, URI, layer
id or name stands for (:func:`input_file`, :func:`layer_file`, :func:`file_and_layer`, :func:`source_label`,
:func:`vector_layer_names`), the
raster files a step reads (:func:`layer_paths`, :func:`require_gdal_raster`, :func:`warn_model_outputs`), layer
parameters whose QGIS check opens a VRT on a memory copy (:func:`guarded_parameter`), and an input as provenance
records it (:func:`recorded_input`, :func:`absolute_file`)."""

from __future__ import annotations

import os
from typing import List, Sequence, Tuple

from qgis.core import QgsCoordinateReferenceSystem, QgsProcessingException, QgsRasterLayer, QgsVectorLayer

from ..core.io.inputs import memory_vrt, no_gdal_sidecars, release_memory_vrt
from ..core.io.rasters import layer_label, made_by
from .crs_checks import refuse_unrelated_crs, refuse_unrelated_rasters

#: custom property of a layer opened on a memory copy of a VRT: the VRT file it stands for
VRT_PROPERTY = "geochem_prospector/vrt_file"
#: custom property of a layer opened on a file inside an archive: the path it was given as (:func:`archive_layers`)
ARCHIVE_PROPERTY = "geochem_prospector/archive_path"


def file_and_layer(layer) -> Tuple[str, str]:
    """The file a layer reads and the layer within it (a GeoPackage's table), without filters or options."""
    from qgis.core import QgsProviderRegistry

    parts = QgsProviderRegistry.instance().decodeUri(layer.providerType(), layer.source())
    path = str(parts.get("path") or "")
    return (os.path.realpath(path) if path else layer.source()), str(parts.get("layerName") or "")


def source_label(source, parameters, name: str, context) -> str:
    """An input layer's name for provenance and reports: the layer's own, or its file's where it has none (a layer
    given as a URI, such as a CSV's ``delimitedtext://file:///…/chorizon.csv?…``, has an empty name, and the
    element rasters recorded their input as '')."""
    return source.sourceName() or os.path.splitext(os.path.basename(input_file(parameters, name, context)))[0]


def input_file(parameters, name: str, context) -> str:
    """The file behind input parameter ``name`` ('' when none: a memory layer, a database table)."""
    paths = input_paths(parameters.get(name), context)
    return paths[0] if paths else ""


def input_paths(value: object, context) -> List[str]:
    """The file an input parameter value names: a path (``|layername=…`` and other options dropped), a URI
    (``delimitedtext://file:///….csv?delimiter=,…``, ``file:///….csv?…``, any ``provider://uri``), a layer id or
    name in the context's project, or a layer. The files behind it (sidecars, a VRT's sources) are added by
    :func:`core.io.outputs.check_output_paths`."""
    from qgis.core import QgsMapLayer, QgsProcessingFeatureSourceDefinition, QgsProcessingUtils, QgsProperty

    if isinstance(value, (list, tuple)):
        return [p for item in value for p in input_paths(item, context)]
    if isinstance(value, QgsProcessingFeatureSourceDefinition):
        value = value.source
    if isinstance(value, QgsProperty):
        value, _ = value.valueAsString(context.expressionContext())
    path = ""
    if isinstance(value, QgsMapLayer):
        path = archive_file(value)
    elif isinstance(value, str) and value:
        path = _uri_path(value)
        if not path or not os.path.exists(path):
            layer = QgsProcessingUtils.mapLayerFromString(value, context, False)
            path = archive_file(layer) if layer is not None else path
    return [path] if path and os.path.isfile(path) else []


def vector_layer_names(path: str) -> List[str]:
    """The vector layers of a file, in the order OGR lists them (first: the one a bare path opens); [] if none."""
    if not os.path.isfile(path) or path.lower().endswith((".tif", ".tiff", ".vrt", ".csv", ".txt")):
        return []
    from osgeo import gdal

    with no_gdal_sidecars():
        try:
            dataset = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_READONLY)
        except RuntimeError:  # GDAL's exceptions on: not a vector file
            return []
        if dataset is None:
            return []
        return [dataset.GetLayerByIndex(i).GetName() for i in range(dataset.GetLayerCount())]


def _uri_path(value: str, provider: str = "") -> str:
    """The local file a layer URI names ('' if none): decoded by the provider QGIS would use."""
    from qgis.core import QgsProviderRegistry

    registry = QgsProviderRegistry.instance()
    plain = value.split("|")[0]
    if not provider and os.path.exists(plain):
        return plain
    if not provider and "://" in value:
        key, rest = value.split("://", 1)
        if key in registry.providerList():
            provider, value = key, rest
    if not provider:
        provider = "delimitedtext" if value.startswith("file:") else "ogr"
    try:
        decoded = registry.decodeUri(provider, value)
    except Exception:  # a provider that cannot decode: no file to protect
        return ""
    path = decoded.get("path") if isinstance(decoded, dict) else None
    return str(path) if path else ""


def layer_file(layer) -> str:
    """The file a layer reads (a VRT opened on its memory copy: the VRT file; a raster inside a zip, tar or gzip
    archive: its GDAL path, '/vsizip//data/survey.zip/mag.tif', which GDAL and rasterio open as they are); '' for
    non-file layers. :func:`archive_file` gives the archive itself, the file to keep outputs off."""
    stood_for = layer.customProperty(VRT_PROPERTY)
    if stood_for:
        return str(stood_for)
    path = _uri_path(layer.source(), layer.providerType())
    if path and layer.providerType() == "gdal":  # QGIS's decoder splits '/vsizip/', the archive and the member apart
        from qgis.core import QgsProviderRegistry

        parts = QgsProviderRegistry.instance().decodeUri("gdal", layer.source())
        if parts.get("vsiPrefix"):
            return f"{parts['vsiPrefix']}{path}{parts.get('vsiSuffix') or ''}"
    return path


def require_gdal_raster(layer, parameter: str) -> None:
    """Refuse a layer given where a raster file goes that is none: a vector layer (QGIS 3.22's check of a list of
    rasters lets a GeoPackage of points through), or a raster of another provider (a WMS, a memory raster)."""
    if isinstance(layer, QgsRasterLayer) and layer.providerType() == "gdal":
        return
    if isinstance(layer, QgsVectorLayer):
        raise QgsProcessingException(
            f"{parameter}: '{layer.name()}' is a vector layer, not a raster; give a raster file (e.g. a GeoTIFF), or "
            "rasterize the layer first (Raster › Conversion › Rasterize)."
        )
    raise QgsProcessingException(f"{parameter}: '{layer.name()}' is not a GDAL raster file; save it first.")


def layer_paths(layers, parameter: str, grid=None):
    """File paths and names of raster layers (GDAL files only). Layers whose CRS cannot be transformed into the
    first's, or into the CRS of ``grid`` (the evidence's, for labels and confidence read onto it), are refused."""
    paths, names = [], []
    for layer in layers:
        require_gdal_raster(layer, parameter)
        paths.append(layer_file(layer))
        names.append(layer_label(layer_file(layer)))
    refuse_unrelated_rasters(layers, parameter)
    if grid is not None and grid.crs_wkt:
        evidence = QgsCoordinateReferenceSystem.fromWkt(grid.crs_wkt)
        for layer in layers:
            refuse_unrelated_crs(layer.crs(), evidence, None, parameter, "the evidence rasters'", layer.name())
    return paths, names


def archive_file(layer) -> str:
    """The file on disk behind a layer: :func:`layer_file`, or for a raster inside an archive, the archive."""
    path = layer_file(layer)
    return _uri_path(layer.source(), layer.providerType()) if path.startswith("/vsi") else path


def _release_quietly(copy: str) -> None:
    """Free a memory VRT when its layer goes (possibly while the interpreter shuts down: never raise then)."""
    try:
        release_memory_vrt(copy)
    except Exception:  # noqa: BLE001 - nothing to report at that point
        pass


class _ReadsWithoutWriting:
    """Mixin for layer parameters: ``checkValueIsAcceptable`` (which loads the layer) with GDAL's PAM off and
    VRT files opened on memory copies (see :meth:`ProspectorAlgorithm.reading_inputs`)."""

    def checkValueIsAcceptable(self, value, context=None):  # noqa: N802 (QGIS API name)
        with no_gdal_sidecars():
            if context is not None:
                value = memory_vrt_layers(value, context)
            return super().checkValueIsAcceptable(value, context)  # type: ignore[misc]


def guarded_parameter(definition):
    """``definition`` as a parameter of the same type, name, flags, help and metadata whose check reads without
    writing (raster, map layer and multiple-layer parameters); other parameters are returned as they are."""
    from qgis.core import (
        QgsProcessingParameterMapLayer,
        QgsProcessingParameterMultipleLayers,
        QgsProcessingParameterRasterLayer,
    )

    if isinstance(definition, _ReadsWithoutWriting):
        return definition
    optional = bool(definition.flags() & definition.FlagOptional)
    name, description, default = definition.name(), definition.description(), definition.defaultValue()
    if isinstance(definition, QgsProcessingParameterRasterLayer):
        guarded = _RasterLayerParameter(name, description, default, optional)
    elif isinstance(definition, QgsProcessingParameterMultipleLayers):
        guarded = _MultipleLayersParameter(name, description, definition.layerType(), default, optional)
        guarded.setMinimumNumberInputs(definition.minimumNumberInputs())
    elif isinstance(definition, QgsProcessingParameterMapLayer):
        guarded = _MapLayerParameter(name, description, default, optional, definition.dataTypes())
    else:
        return definition
    guarded.setFlags(definition.flags())
    guarded.setHelp(definition.help())
    guarded.setMetadata(definition.metadata())
    return guarded


def _guarded_classes():
    from qgis.core import (
        QgsProcessingParameterMapLayer,
        QgsProcessingParameterMultipleLayers,
        QgsProcessingParameterRasterLayer,
    )

    class RasterLayer(_ReadsWithoutWriting, QgsProcessingParameterRasterLayer):
        pass

    class MultipleLayers(_ReadsWithoutWriting, QgsProcessingParameterMultipleLayers):
        pass

    class MapLayer(_ReadsWithoutWriting, QgsProcessingParameterMapLayer):
        pass

    return RasterLayer, MultipleLayers, MapLayer


_RasterLayerParameter, _MultipleLayersParameter, _MapLayerParameter = _guarded_classes()


def memory_vrt_layers(value: object, context) -> object:
    """``value`` with each VRT file path replaced by a layer on a memory copy (kept in the context's store)."""
    if isinstance(value, (list, tuple)):
        items = [memory_vrt_layers(item, context) for item in value]
        return items if any(a is not b for a, b in zip(items, value)) else value
    if not (isinstance(value, str) and value.lower().endswith(".vrt") and os.path.isfile(value)):
        return value
    from qgis.core import QgsRasterLayer
    from qgis.PyQt.QtCore import QFileInfo

    real = os.path.realpath(value)
    store = context.temporaryLayerStore()
    for layer in store.mapLayers().values():
        if layer.customProperty(VRT_PROPERTY) == real:
            return layer
    try:
        copy = memory_vrt(real)
    except Exception:  # not a VRT GDAL could read either: let QGIS report it as it would
        return value
    with no_gdal_sidecars():
        layer = QgsRasterLayer(copy, QFileInfo(value).completeBaseName(), "gdal", QgsRasterLayer.LayerOptions(False))
    layer.setCustomProperty(VRT_PROPERTY, real)
    layer.destroyed.connect(lambda *_: _release_quietly(copy))
    store.addMapLayer(layer)
    return layer


#: GDAL's virtual file systems for files inside archives ('/vsizip//data/survey.zip/mag.tif', '/vsitar/…', '/vsigzip/…')
ARCHIVE_PREFIXES = ("/vsizip/", "/vsitar/", "/vsigzip/", "/vsi7z/", "/vsirar/")


def archive_layers(value: object, context, kinds: Sequence[str]) -> object:
    """``value`` with each path to a file inside an archive ('/vsizip//data/survey.zip/mag.tif', as GDAL and QGIS's
    layer sources write it) replaced by a layer on it (kept in the context's store), of the first of ``kinds``
    ('raster', 'vector') it opens as: QGIS 3.22 loads a layer given as text only from a file that exists, so such a
    path was refused as 'no file', though the desktop opens it when the zip is dragged onto the map. A path that
    opens as none is left as it is, for QGIS to refuse."""
    if isinstance(value, (list, tuple)):
        items = [archive_layers(item, context, kinds) for item in value]
        return items if any(a is not b for a, b in zip(items, value)) else value
    if not (isinstance(value, str) and value.startswith(ARCHIVE_PREFIXES)):
        return value
    store = context.temporaryLayerStore()
    for layer in store.mapLayers().values():
        if layer.customProperty(ARCHIVE_PROPERTY) == value:
            return layer
    name = os.path.splitext(os.path.basename(value.split("|")[0]))[0]
    for kind in kinds:
        with no_gdal_sidecars():
            layer = (
                QgsRasterLayer(value, name, "gdal", QgsRasterLayer.LayerOptions(False))
                if kind == "raster"
                else QgsVectorLayer(value, name, "ogr", QgsVectorLayer.LayerOptions(False))
            )
        if layer.isValid():
            layer.setCustomProperty(ARCHIVE_PROPERTY, value)
            store.addMapLayer(layer)
            return layer
    return value


def absolute_file(value: object) -> object:
    """A file named relative to the working folder (qgis_process run from a project folder with 'OUTPUT=maps/cu.tif')
    as the absolute path it named, so that provenance read later, from anywhere, still points at the file; anything
    else (URIs, layer names, memory layers) as it is."""
    if isinstance(value, list):
        return [absolute_file(v) for v in value]
    if not isinstance(value, str) or not value or os.path.isabs(value) or "://" in value or ":" in value[:8]:
        return value
    path, bar, options = value.partition("|")
    folder = os.path.dirname(path) or "."
    if not os.path.exists(path) and not (os.path.splitext(path)[1] and os.path.isdir(folder)):
        return value  # a layer's name in the project, 'TEMPORARY_OUTPUT': not a file
    return os.path.abspath(path) + bar + options


def recorded_input(value: object, context) -> object:
    """An input as provenance records it, to be understood a year later: its file (absolute), not the layer id of a
    session (what the dialog passes), a layer's name in the project or a selection's definition; a memory layer
    (a scratch layer, one feature of "Iterate over this layer") by its name; only selected features or a feature
    limit said after the file."""
    from qgis.core import QgsMapLayer, QgsProcessingFeatureSourceDefinition, QgsProcessingUtils, QgsProperty

    if isinstance(value, (list, tuple)):
        return [recorded_input(item, context) for item in value]
    notes = []
    if isinstance(value, QgsProcessingFeatureSourceDefinition):
        if value.selectedFeaturesOnly:
            notes.append("selected features only")
        if value.featureLimit > 0:
            notes.append(f"first {value.featureLimit} features")
        value = value.source
    if isinstance(value, QgsProperty):
        value = value.staticValue() if context is None else value.valueAsString(context.expressionContext())[0]
    if isinstance(value, str) and value and context is not None:
        path = absolute_file(value)
        if not (isinstance(path, str) and os.path.exists(path.split("|")[0])):
            value = QgsProcessingUtils.mapLayerFromString(value, context, False) or value
    if isinstance(value, QgsMapLayer) and value.providerType() == "memory":
        text: object = f"memory layer '{value.name()}'"
    else:
        text = absolute_file(described_value(value))
    return f"{text} ({', '.join(notes)})" if notes else text


def project_layer_name(value: object, context) -> object:
    """The name the project shows for an input's layer ('' where it is not a layer of the project, or is named as
    its file is; a list for a list of layers), read beside :func:`recorded_input`: a step's temporary output is a
    file 'OUTPUT.tif' in a folder named by a hash, and a report that names it so says nothing of what it was."""
    from qgis.core import QgsMapLayer, QgsProcessingFeatureSourceDefinition, QgsProcessingUtils, QgsProperty

    if isinstance(value, (list, tuple)):
        return [project_layer_name(item, context) for item in value]
    if isinstance(value, QgsProcessingFeatureSourceDefinition):
        value = value.source
    if isinstance(value, QgsProperty):
        value = value.staticValue()
    layer = value if isinstance(value, QgsMapLayer) else None
    if layer is None and isinstance(value, str) and value and context is not None:
        layer = QgsProcessingUtils.mapLayerFromString(value, context, False)
    if layer is None:
        return ""
    stem = os.path.splitext(os.path.basename(layer_file(layer)))[0]
    return "" if layer.name() in ("", stem) else layer.name()


def described_value(value: object) -> object:
    """A JSON-friendly description of a parameter value (layers by source)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [described_value(v) for v in value]
    custom = getattr(value, "customProperty", None)
    if callable(custom) and custom(VRT_PROPERTY):
        return str(custom(VRT_PROPERTY))
    source = getattr(value, "source", None)
    if callable(source):
        return source()
    return str(value)


def warn_model_outputs(paths: Sequence[str], names: Sequence[str], feedback, parameter: str = "INPUT_RASTERS") -> None:
    """Warn when an evidence raster is a map predict or pseudolabel made (its provenance and band name say so): a
    learner fed an earlier model's answer learns that answer back, and its scores look better than they are
    (pseudolabel, traincnn, trainmodel, comparemodels)."""
    for path, name in zip(paths, names):
        made = made_by(path)
        if made.endswith(("by predict", "by pseudolabel")):
            feedback.pushWarning(
                f"{parameter}: '{name}' is {made}, not evidence: a model trained on it learns an earlier model's "
                "answer (and the deposits that model was trained on), so its scores look better than they are. "
                "Give the element and evidence rasters that model was made from instead."
            )
