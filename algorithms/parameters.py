"""Builders of the parameters several algorithms declare alike (the evidence rasters, the study-area mask, the
random seed, the model file, the PyTorch device), so that one definition serves them all. Each returns a new
definition with the public id, description, default and flags the algorithms have always had; the algorithm adds it
where it belongs in its dialog. SCHEDULER has its own module (:mod:`.scheduling`)."""

from __future__ import annotations

import math
import os
import re
import unicodedata
import zipfile
from typing import Any, Dict, Iterable

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
)

from ..common import tr
from ..core.parameter_text import DECIMAL_COMMA, listed, mistyped_path, no_value, option_number, shown_path

#: the two descriptions MASK has in the dialogs (kept as they were: the interpolation and evidence algorithms speak
#: of masking, the learning and evaluation ones of the study area)
MASK_DESCRIPTION = "Mask (study area polygons)"
STUDY_AREA_DESCRIPTION = "Study area (mask polygons)"

#: the extension of model files (traincnn, trainmodel), which predict reads
MODEL_EXTENSION = ".pt"
MODEL_FILTER = f"GeoChem Prospector model (*{MODEL_EXTENSION})"

#: the DEVICE choices, passed to PyTorch by name (static strings: a model or command line stores the word)
DEVICES = ["auto", "cpu", "cuda"]


def with_option_numbers(definitions: Iterable[Any], parameters: Dict[str, Any]) -> Dict[str, Any]:
    """``parameters`` with the enum values given as words (:func:`option_number`) replaced by their numbers, which
    QGIS 3.22's check and ``parameterAsEnum`` take; values that name no single option are left for that check to
    refuse (:func:`refused_value` lists the options)."""
    numbered = dict(parameters)
    for definition in definitions:
        name = definition.name()
        value = parameters.get(name)
        if definition.type() != "enum" or definition.usesStaticStrings() or not isinstance(value, (str, list)):
            continue
        if isinstance(value, list) and not definition.allowMultiple():
            continue  # QGIS refuses a list for a single option; taking its first item would drop the others
        if isinstance(value, list):
            items = value
        else:
            items = listed(definition.options(), value) if definition.allowMultiple() else [value]
        if not items or not all(isinstance(item, (str, int)) for item in items):
            continue
        numbers = [item if isinstance(item, int) else option_number(definition.options(), item) for item in items]
        words = [item for item in items if isinstance(item, str) and not item.strip().isdecimal()]
        if words and all(n is not None for n in numbers):
            numbered[name] = numbers if definition.allowMultiple() else numbers[0]
    return numbered


def evidence_rasters(name: str = "INPUT_RASTERS", description: str = "Evidence rasters"):
    """The required list of evidence rasters (bands in list order)."""
    return QgsProcessingParameterMultipleLayers(name, tr(description), QgsProcessing.TypeRaster)


def mask(description: str = MASK_DESCRIPTION, name: str = "MASK"):
    """The optional polygon layer outside which cells are nodata."""
    return QgsProcessingParameterFeatureSource(name, tr(description), [QgsProcessing.TypeVectorPolygon], optional=True)


def seed(name: str = "SEED"):
    """The integer seed of the random numbers, 0 by default."""
    return QgsProcessingParameterNumber(name, tr("Random seed"), QgsProcessingParameterNumber.Integer, 0)


def seed_value(algorithm, parameters, context, name: str = "SEED") -> int:
    """The seed as numpy's generators take it (0 to 2**32 - 1): a negative SEED, which the parameter allows,
    wrapped into that range, as the classic learners always have (numpy refuses -1 outright)."""
    return algorithm.parameterAsInt(parameters, name, context) % 2**32


def model_file(name: str, description: str, optional: bool = False):
    """A model-file destination (*.pt); an optional one is not created unless asked for."""
    if optional:
        return QgsProcessingParameterFileDestination(
            name, tr(description), tr(MODEL_FILTER), optional=True, createByDefault=False
        )
    return QgsProcessingParameterFileDestination(name, tr(description), tr(MODEL_FILTER))


def device(name: str = "DEVICE"):
    """Where PyTorch runs: 'auto' (a CUDA GPU when there is one, the default), 'cpu' or 'cuda'."""
    return QgsProcessingParameterEnum(name, tr("Device"), DEVICES, defaultValue="auto", usesStaticStrings=True)


def refused_value(definition, value, context) -> str:
    """What to tell a user whose ``value`` QGIS's own check of ``definition`` refuses, as 'NAME: what to give (got
    …).', for the parameters whose QGIS message says only 'Incorrect parameter value for NAME' (numbers out of
    range, an enum option that does not exist, a file of the wrong type); '' when the value passes or QGIS's
    message already explains (layers)."""
    from ..core.io.destinations import unopenable_escape

    name, kind = definition.name(), definition.type()
    if kind in ("source", "vector", "raster", "multilayer", "layer"):  # QGIS says '… not found' of a file that exists
        for item in value if isinstance(value, (list, tuple)) else [value]:
            escaped = unopenable_escape(item) if isinstance(item, str) and os.path.isfile(item.split("|")[0]) else ""
            if escaped:
                return (
                    f"{name}: QGIS cannot open the GeoPackage '{item.split('|')[0]}': its path holds '{escaped}', "
                    "which QGIS reads as an escaped character ('%' and two hex digits), so it finds no such file. "
                    f"Rename the folder or file without '{escaped}' (e.g. a space or '_'), or copy the GeoPackage to "
                    "a folder named without it."
                )
    if kind in ("source", "vector", "raster", "multilayer", "layer"):  # '… not found' of a file that exists
        for item in value if isinstance(value, (list, tuple)) else [value]:
            unopenable = unopenable_file(name, item, kind in ("raster", "layer")) if isinstance(item, str) else ""
            if unopenable:
                return unopenable
    if kind in ("source", "vector"):  # QGIS says '… not found' of a raster file given where polygons or points go
        for item in value if isinstance(value, (list, tuple)) else [value]:
            path = item.split("|")[0] if isinstance(item, str) else ""
            if os.path.isfile(path) and _raster_not_vector(path):
                polygons = list(definition.dataTypes()) == [QgsProcessing.TypeVectorPolygon]
                return f"{name}: '{os.path.basename(path)}' is a raster, but {name} takes a vector layer " + (
                    f"({definition.description()})."
                    if not polygons
                    else "of polygons. To use the area a raster covers, make polygons of it first (Raster › "
                    "Conversion › Polygonize, or Vector › Research Tools › Extract Layer Extent)."
                )
    if definition.checkValueIsAcceptable(value, context) and not unclear_value(definition, value):
        return ""
    if isinstance(value, (list, tuple)) and len(value) > 1 and not takes_several(definition):
        given = ", ".join(repr(item if isinstance(item, str) else str(item)) for item in value)
        return (
            f"{name}: give one value, not {len(value)} ({given}; a key repeated on the command line gives a list); "
            "keep one."
        )
    got = "nothing" if no_value(value) else repr(value if isinstance(value, str) else str(value))
    if kind in ("number", "distance"):
        whole = kind == "number" and definition.dataType() == QgsProcessingParameterNumber.Integer
        low, high = definition.minimum(), definition.maximum()
        span = ""  # QGIS's unbounded limits are ±DBL_MAX
        if low > -1e300 and high < 1e300:
            span = f" from {low:g} to {high:g}"
        elif low > -1e300:
            span = f" of at least {low:g}"
        elif high < 1e300:
            span = f" of at most {high:g}"
        typed = value.strip() if isinstance(value, str) else ""
        if typed and unicodedata.normalize("NFKC", typed) != typed:  # full-width digits ('２５０', a CJK input method)
            plain = unicodedata.normalize("NFKC", typed)
            if re.fullmatch(r"[-+]?[0-9]+(?:[.,][0-9]+)?", plain):
                return (
                    f"{name}: give {'a whole number' if whole else 'a number'}{span} (got {got}): write it in "
                    f"plain (half-width) digits, e.g. {plain.replace(',', '.')}."
                )
        meant = typed.replace(",", ".") if DECIMAL_COMMA.fullmatch(typed) else ""
        grouped = re.fullmatch(r"[-+]?[1-9][0-9]{0,2}(?:[ \u00a0\u202f'][0-9]{3})+(?:\.[0-9]+)?", typed)
        meant = meant or (re.sub(r"[ \u00a0\u202f']", "", typed) if grouped else "")
        how = (
            f": write it with a point as the decimal mark and no thousands separator, e.g. {meant} (Processing reads "
            "numbers so in every language)"
            if meant
            else ""
        )
        try:
            number = float(typed or value)
            beyond = whole and math.isfinite(number) and abs(number) > LARGEST_WHOLE
        except (TypeError, ValueError):
            beyond = False
        if beyond:  # read as it is, it would come back as another number (-2147483648), named by the step's checks
            how = f": QGIS reads whole numbers up to {LARGEST_WHOLE:,} only"
        percent = re.fullmatch(r"([-+]?[0-9]+(?:[.,][0-9]+)?)\s*%", typed)
        if percent:  # '90%': a fraction where the parameter runs to 1, the number itself elsewhere
            number = float(percent.group(1).replace(",", "."))
            how = f": write it without '%', as {number / 100 if high <= 1 else number:g}"
        return f"{name}: give {'a whole number' if whole else 'a number'}{span} (got {got}){how}."
    if kind == "enum":
        options = definition.options()
        if definition.usesStaticStrings():
            listed = ", ".join(options)
            how = "one or more of" if definition.allowMultiple() else "one of"
            return f"{name}: choose {how} {listed} (got {got})."
        listed = ", ".join(f"{i} ({option})" for i, option in enumerate(options))
        how = "one or more of (separated by commas)" if definition.allowMultiple() else "one of"
        return (
            f"{name}: choose {how} {listed}: by its number or by words that name one option, e.g. "
            f"'{options[-1].split(' (')[0]}' (got {got})."
        )
    if kind == "string" and not str(value or "").strip():  # a required text box left empty
        default = definition.defaultValue()
        return f"{name}: give a value{f', e.g. {default}' if default else ''} (got nothing)."
    if kind == "extent" and isinstance(value, str) and value.strip():
        parts = value.split("[")[0].split(",")  # more than four numbers: decimal commas among them
        hint = (
            "; the commas separate the four numbers, so write decimals with a point (400000.5, not 400000,5)"
            if len(parts) > 4 and all(re.fullmatch(r"\s*[-+]?[0-9.]+\s*", part) for part in parts)
            else ""
        )
        return (
            f"{name}: give the extent as xmin,xmax,ymin,ymax in the map units of its CRS, optionally followed by "
            f"that CRS, e.g. 400000,410000,7500000,7510000 [EPSG:3067] (got {got}){hint}."
        )
    if kind in ("raster", "multilayer", "layer"):
        unopened = unopened_layer(definition, value)
        if unopened:
            return unopened
    if kind in _DESTINATIONS and no_value(value):  # 'OUTPUT_CONTOURS=' on a command line
        return f"{name}: give the output a file name (got nothing)."
    if kind == "file" and definition.extension():
        hint = packed_or_renamed(value, definition.extension())
        return f"{name}: give a .{definition.extension()} file, the type this parameter reads (got {got}){hint}."
    if kind == "boolean":
        return f"{name}: give true or false (got {got}); QGIS reads any other text as true."
    return ""


#: the texts QGIS reads as a boolean meaning what they say ('no' and 'off' it reads as true: any text but '', '0'
#: and 'false' is true to it)
_BOOLEAN_WORDS = ("true", "false", "1", "0", "yes", "y", "on")


#: the largest whole number QGIS reads (``parameterAsInt`` holds a C int): a larger one comes back as another number
LARGEST_WHOLE = 2**31 - 1


def _whole(definition) -> bool:
    return definition.type() == "number" and definition.dataType() == QgsProcessingParameterNumber.Integer


def takes_several(definition) -> bool:
    """Whether ``definition`` takes a list: layers, a matrix, or fields, bands and options that allow several."""
    if definition.type() in ("multilayer", "matrix"):
        return True
    allow = getattr(definition, "allowMultiple", None)
    return bool(allow()) if callable(allow) else False


def unclear_value(definition, value: Any) -> bool:
    """Whether QGIS's own check passes ``value`` though it means nothing the parameter could use: a number that
    is not a number ('nan': every comparison with its limits is false, so QGIS 3.22 passes it, and reading it as
    a whole number gives -2147483648), or a boolean typed as a word QGIS reads as true ('no', 'off', 'maybe')."""
    kind = definition.type()
    if kind in ("number", "distance") and isinstance(value, (str, float, int)) and not no_value(value):
        try:
            number = float(value.strip() if isinstance(value, str) else value)
        except ValueError:
            return False  # not a number at all: QGIS's check refuses it
        return not math.isfinite(number) or (_whole(definition) and abs(number) > LARGEST_WHOLE)
    if kind == "boolean" and isinstance(value, str) and value.strip():
        return value.strip().lower() not in _BOOLEAN_WORDS
    return False


_DESTINATIONS = ("rasterDestination", "vectorDestination", "fileDestination", "folderDestination", "sink")


def unopened_layer(definition, value: Any) -> str:
    """What to tell a user whose raster or layer parameter QGIS refused with 'Incorrect parameter value for NAME':
    the first item given that is no file, a folder, or a file GDAL cannot open as what the parameter takes ('' when
    every item opens, or none is text)."""
    from qgis.core import QgsProcessing

    name, kind = definition.name(), definition.type()
    layer_type = definition.layerType() if kind == "multilayer" else None
    if kind == "raster" or layer_type == QgsProcessing.TypeRaster:
        noun, example = "raster", "a GeoTIFF"
    elif kind == "multilayer" and layer_type != QgsProcessing.TypeMapLayer:
        noun, example = "vector", "a GeoPackage"
    else:
        noun, example = "raster or vector", "a GeoTIFF or a GeoPackage"
    for item in value if isinstance(value, (list, tuple)) else [value]:
        if not isinstance(item, str) or not item.strip():
            continue
        path = item.split("|")[0]
        if os.path.isdir(path):
            return f"{name}: '{item}' is a folder; give a {noun} file in it, e.g. {example}."
        if not os.path.isfile(path):
            return (
                f"{name}: '{item}' is no file (nor a layer of the open project); give the path of an existing {noun} "
                f"file, e.g. {example}."
            )
        raster, vector = _opens_as(path)
        if (raster and noun != "vector") or (vector and noun != "raster"):
            continue
        if noun == "raster" and vector:
            return vector_not_raster(name, path)
        if noun == "vector" and raster:
            return raster_not_vector(name, path)
        return f"{name}: '{os.path.basename(path)}' is not a {noun} file GDAL can open; give one, e.g. {example}."
    return ""


def layer_of_another_kind(definition, value: Any) -> str:
    """The refusal of a raster file given where ``definition`` takes vector layers, or of a vector file where it
    takes rasters ('' if neither; a parameter of any layer, or no layer, passes). Decided by GDAL with its side files
    off, before QGIS loads anything: QGIS 3.22's own check of a list of line layers passes a raster, loading it with
    GDAL's PAM on, which writes ``<raster>.aux.xml`` beside it when the layer closes."""
    kind = definition.type()
    if kind == "multilayer":  # QGIS 3.22 passes these in a list, and loads a NetCDF of several as a mesh layer
        for item in value if isinstance(value, (list, tuple)) else [value]:
            rasters = definition.layerType() in (QgsProcessing.TypeRaster, QgsProcessing.TypeMapLayer)
            unopenable = unopenable_file(definition.name(), item, rasters) if isinstance(item, str) else ""
            if unopenable:
                return unopenable
    if kind == "multilayer" and definition.layerType() != QgsProcessing.TypeMapLayer:
        wants_raster = definition.layerType() == QgsProcessing.TypeRaster
    elif kind in ("source", "vector", "raster"):
        wants_raster = kind == "raster"
    else:
        return ""
    name = definition.name()
    return vector_not_raster(name, value) if wants_raster else raster_not_vector(name, value)


def vector_not_raster(name: str, value: Any) -> str:
    """The refusal of the first file among ``value`` that GDAL opens as a vector and not as a raster ('' if none)."""
    for item in value if isinstance(value, (list, tuple)) else [value]:
        path = item.split("|")[0] if isinstance(item, str) else ""
        if path and os.path.isfile(path) and _opens_as(path) == (False, True):
            return (
                f"{name}: '{os.path.basename(path)}' is a vector layer, not a raster; give a raster file (e.g. a "
                "GeoTIFF), or rasterize the layer first (Raster › Conversion › Rasterize)."
            )
    return ""


def raster_not_vector(name: str, value: Any) -> str:
    """The refusal of the first file among ``value`` that GDAL opens as a raster and not as a vector ('' if none)."""
    for item in value if isinstance(value, (list, tuple)) else [value]:
        path = item.split("|")[0] if isinstance(item, str) else ""
        if path and os.path.isfile(path) and _raster_not_vector(path):
            return (
                f"{name}: '{os.path.basename(path)}' is a raster, not a vector layer; give a vector file (e.g. a "
                "GeoPackage), or give the raster where rasters go."
            )
    return ""


#: GDAL's name of one dataset inside a file: 'NETCDF:"/data/survey.nc":Cu', 'HDF5:"/data/scene.h5"://grid/Cu'
_SUBDATASET = re.compile(r'^([A-Za-z0-9_]+):"?(.+?\.[A-Za-z0-9]+)"?:(.+)$')


#: text a sample table comes in (where a UTF-16 byte-order mark means text, not a binary raster's first cell)
TEXT_EXTENSIONS = (".csv", ".txt", ".tsv", ".tab")


def unopenable_file(name: str, item: str, raster_wanted: bool = True) -> str:
    """Why the existing file ``item`` names (a path, a layer URI, or GDAL's subdataset name) does not open, when that
    says what to do: a file of 0 bytes, a shapefile without its .shx, UTF-16 text (Excel's 'Unicode text') read
    without its encoding, a file of several subdatasets (NetCDF, HDF) given bare, or one of them by GDAL's
    subdataset name, which QGIS 3.22 does not load from a command line (``raster_wanted``: only where the parameter
    takes rasters); or, of a path that names no file, the slip
    that hides an existing one (a space or line break at an end, a file:// URL, '~'). '' otherwise."""
    why, meant = mistyped_path(item) if not os.path.exists(item.split("|")[0]) else ("", "")
    if why and os.path.isfile(meant.split("|")[0]):
        return f"{name}: '{shown_path(item)}' names no file: {why}. Give '{meant}' (that file exists)."
    sub = _SUBDATASET.match(item)
    if sub and os.path.isfile(sub.group(2)):
        return (
            f"{name}: '{item}' names one dataset inside '{os.path.basename(sub.group(2))}' in GDAL's subdataset "
            "syntax, which QGIS 3.22 loads in the desktop (Add Raster Layer) but not from a command line. Convert it "
            f"to a GeoTIFF first (gdal_translate '{item}' {sub.group(3).strip('/').replace('/', '_')}.tif) and give "
            "that."
        )
    path = item.split("|")[0]
    if not os.path.isfile(path) and "://" in item:
        from .inputs import _uri_path

        path = _uri_path(item)
    if not path or not os.path.isfile(path):
        return ""
    shown = os.path.basename(path)
    if os.path.getsize(path) == 0:
        return f"{name}: '{shown}' is empty (0 bytes): its copy or download stopped before anything was written. Copy or make it again."
    stem, extension = os.path.splitext(path)
    if extension.lower() == ".shp" and not any(os.path.isfile(stem + ext) for ext in (".shx", ".SHX")):
        return (
            f"{name}: the shapefile '{shown}' has no .shx beside it (the index of its shapes, one of the files that "
            f"travel with the .shp): copy it too, or rebuild it with ogr2ogr --config SHAPE_RESTORE_SHX YES "
            f"fixed.shp '{path}'."
        )
    with open(path, "rb") as handle:
        start = handle.read(2)
    text = item.startswith("delimitedtext://") or extension.lower() in TEXT_EXTENSIONS
    if text and start in (b"\xff\xfe", b"\xfe\xff") and "encoding=utf-16" not in item.lower():
        return (
            f"{name}: '{shown}' is UTF-16 text (what Excel saves as 'Unicode text'), which QGIS reads only when told: "
            "choose the encoding UTF-16 in Layer › Add Layer › Add Delimited Text Layer (in a URI: encoding=UTF-16), "
            "or save the table as 'CSV UTF-8' instead."
        )
    # a layer of a GeoPackage ('…|layername=faults') or a vector parameter: its other tables are not the matter
    subdatasets = _subdatasets(path) if raster_wanted and "|" not in item else []
    if subdatasets:
        listed_names = ", ".join(sub.rsplit(":", 1)[-1] for sub in subdatasets[:5]) + (
            ", …" if len(subdatasets) > 5 else ""
        )
        return (
            f"{name}: '{shown}' holds {len(subdatasets)} datasets ({listed_names}) and no raster of its own; convert "
            f"the one to use to a GeoTIFF first (gdal_translate '{subdatasets[0]}' out.tif) and give that."
        )
    return ""


def _subdatasets(path: str) -> "list[str]":
    """GDAL's names of the datasets inside the file at ``path`` (NetCDF variables, HDF grids; sidecars off)."""
    from osgeo import gdal

    from ..core.io.inputs import no_gdal_sidecars

    with no_gdal_sidecars():
        try:
            dataset = gdal.OpenEx(path, gdal.OF_RASTER | gdal.OF_READONLY)
        except RuntimeError:  # GDAL's exceptions on: not a raster
            return []
        if dataset is None or dataset.RasterCount:
            return []
        found = dataset.GetMetadata("SUBDATASETS") or {}
    return [v for k, v in sorted(found.items(), key=lambda kv: int(kv[0].split("_")[1])) if k.endswith("_NAME")]


def _opens_as(path: str) -> "tuple[bool, bool]":
    """Whether GDAL opens the file at ``path`` as a raster, and as a vector (sidecars off: nothing written)."""
    from osgeo import gdal

    from ..core.io.inputs import no_gdal_sidecars

    found = []
    with no_gdal_sidecars():
        for kind in (gdal.OF_RASTER, gdal.OF_VECTOR):
            try:
                found.append(gdal.OpenEx(path, kind | gdal.OF_READONLY) is not None)
            except RuntimeError:  # GDAL's exceptions on: not of that kind
                found.append(False)
    return found[0], found[1]


def _raster_not_vector(path: str) -> bool:
    """Whether GDAL opens the file at ``path`` as a raster and not as a vector (sidecars off: nothing written)."""
    return _opens_as(path) == (True, False)


def packed_or_renamed(value: Any, extension: str) -> str:
    """What a file given with the wrong extension is, when that says what to do ('' otherwise): a model file
    (a zip archive, as torch.save writes one) renamed to .zip by a mail filter or a download, or one compressed."""
    path = str(value or "")
    if extension != "pt" or not os.path.isfile(path):
        return ""
    with open(path, "rb") as handle:
        magic = handle.read(2)
    if magic == b"\x1f\x8b":
        return "; it is compressed with gzip: unpack it first (e.g. gunzip, or 7-Zip) and give the .pt file inside"
    if zipfile.is_zipfile(path):
        return (
            "; it is a zip archive, as a model file is: if it is a model renamed on the way (a mail filter or a "
            "download can rename .pt to .zip), give it its .pt name back"
        )
    return ""
