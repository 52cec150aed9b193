"""Checks before any work: every output folder writable, no output over an input, a file behind it, or another
output."""

from __future__ import annotations

import functools
import os
import re
import sqlite3
import tempfile
import urllib.parse
from typing import Dict, List, Mapping, Sequence, Tuple

from ..errors import InputError
from .inputs import files_behind, output_sidecars
from .temporaries import temporary_prefix


def check_output_folder(path: str, parameter: str = "OUTPUT") -> str:
    """The folder of ``path``, after proving a file can be created there; else :class:`InputError`.

    The proof is a real temporary file, not ``os.access``: permission bits say nothing for root, and a
    read-only mount, a full disk or a path under a regular file only show up when writing.
    """
    directory = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise InputError(f"'{directory}' is a file, not a folder; choose an existing folder.", parameter)
    if not os.path.isdir(directory):
        raise InputError(f"the folder '{directory}' does not exist; choose an existing folder.", parameter)
    name = os.path.basename(path.split("|")[0])
    try:
        longest = os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError):  # a file system that does not say: the common limit
        longest = 255
    if len(os.fsencode(name)) > longest:
        raise InputError(
            f"the file name '{name[:60]}…' is {len(os.fsencode(name))} bytes long, more than the {longest} the "
            "folder's file system allows in one name (a letter such as ä takes 2 bytes, a Cyrillic one 2, an emoji "
            "4); choose a shorter name.",
            parameter,
        )
    try:
        # named as the run's temporaries: a run killed before removing it leaves a file the next run removes
        fd, probe = tempfile.mkstemp(prefix=temporary_prefix(), suffix=".probe", dir=directory)
    except OSError as exc:
        raise InputError(_unwritable(directory, exc), parameter) from None
    os.close(fd)
    os.remove(probe)
    return directory


#: extensions of formats a GIS user meets, and what they name: an output named with one of these that its parameter
#: does not write would be mistaken for that format (and read back as it: "not recognized as a supported format")
FORMAT_EXTENSIONS = {
    ".tif": "GeoTIFF", ".tiff": "GeoTIFF", ".vrt": "VRT", ".img": "Erdas Imagine", ".asc": "ASCII grid",
    ".nc": "netCDF", ".gpkg": "GeoPackage", ".shp": "shapefile", ".geojson": "GeoJSON", ".kml": "KML",
    ".pt": "model", ".csv": "CSV", ".json": "JSON", ".html": "HTML", ".htm": "HTML", ".xlsx": "Excel",
    ".xls": "Excel", ".pdf": "PDF", ".png": "PNG",
}  # fmt: skip
#: the extensions of a raster output (always written as a GeoTIFF)
RASTER_EXTENSIONS = (".tif", ".tiff")


def filter_extensions(file_filter: str) -> List[str]:
    """The extensions a Qt file filter lists, in order: 'HTML files (*.html *.htm);;CSV files (*.csv)' ->
    ['.html', '.htm', '.csv'] ('.htm' is added beside '.html')."""
    found = [e.lower() for e in re.findall(r"\*(\.[A-Za-z0-9_.]+)", file_filter or "")]
    if ".html" in found and ".htm" not in found:
        found.append(".htm")
    return list(dict.fromkeys(found))


def check_output_extension(path: str, allowed: Sequence[str], parameter: str, strict: bool = False) -> None:
    """Refuse an output whose extension names another format than the one it is written in (``allowed``, the
    first being the usual one): a GeoTIFF named ``.shp``, a CSV table named ``.tif``. With ``strict`` any other
    extension is refused, otherwise only those of :data:`FORMAT_EXTENSIONS`; no extension is left to the caller."""
    extension = os.path.splitext(os.path.basename(path.split("|")[0]))[1].lower()
    if not extension or not allowed or extension in allowed:
        return
    # a .txt of HTML shows its tags in a text editor; a .txt of CSV is delimited text, which GIS and Excel read
    text_of_markup = extension == ".txt" and allowed[0] != ".csv"  # what a .txt of a summary becomes: HTML
    if not strict and extension not in FORMAT_EXTENSIONS and not text_of_markup:
        return
    written = FORMAT_EXTENSIONS.get(allowed[0], allowed[0].lstrip(".").upper())
    named = FORMAT_EXTENSIONS.get(extension, "plain text" if text_of_markup else "")
    suggestion = os.path.splitext(os.path.basename(path.split("|")[0]))[0] + allowed[0]
    raise InputError(
        f"'{os.path.basename(path)}' ends in '{extension}'{f' ({named})' if named else ''}, but this output is "
        f"written in {written} format ({', '.join(allowed)}); name it with that extension, e.g. '{suggestion}'.",
        parameter,
    )


def geopackage_tables(path: str) -> List[str]:
    """The tables (vector layers, raster tiles, attribute tables) a GeoPackage lists in ``gpkg_contents``, read
    through SQLite as an immutable file (no lock, no journal or -shm file written beside it); [] when ``path`` is
    not a readable GeoPackage."""
    if not os.path.isfile(path):
        return []
    uri = f"file:{urllib.parse.quote(os.path.abspath(path))}?mode=ro&immutable=1"
    try:
        connection = sqlite3.connect(uri, uri=True)
        try:
            return [str(row[0]) for row in connection.execute("SELECT table_name FROM gpkg_contents ORDER BY 1")]
        finally:
            connection.close()
    except sqlite3.Error:  # not a GeoPackage (or not SQLite at all): replacing it loses no layer of one
        return []


@functools.cache
def gdal_misreads_escapes() -> bool:
    """Whether this GDAL fails to open a GeoPackage whose path holds '%' and two hex digits ('%20', '%41') the way
    QGIS opens every GeoPackage layer (read-only, open option NOLOCK=YES): GDAL 3.6 then opens it through an SQLite
    URI without escaping the path, so '%41' is read as 'A' and the file is not found. Tried once on a GeoPackage
    of that name in a temporary folder."""
    from osgeo import gdal

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "probe %41.gpkg")
        dataset = gdal.GetDriverByName("GPKG").Create(path, 0, 0, 0, gdal.GDT_Unknown)
        if dataset is None:
            return False
        dataset.CreateLayer("probe")
        dataset = None
        gdal.PushErrorHandler("CPLQuietErrorHandler")
        try:
            opened = gdal.OpenEx(path, gdal.OF_VECTOR, open_options=["NOLOCK=YES"])
        finally:
            gdal.PopErrorHandler()
        return opened is None


def unopenable_escape(path: str) -> str:
    """The '%' and two hex digits ('%20') in the path of a GeoPackage that QGIS cannot open for them
    (:func:`gdal_misreads_escapes`); '' for any other path."""
    plain = path.split("|")[0]
    if os.path.splitext(plain)[1].lower() != ".gpkg":
        return ""
    escaped = re.search(r"%[0-9A-Fa-f]{2}", os.path.abspath(plain))
    return escaped.group(0) if escaped and gdal_misreads_escapes() else ""


def check_geopackage_output(path: str, parameter: str) -> None:
    """Refuse a GeoPackage output over an existing GeoPackage of several layers: the output replaces the whole
    file (as QGIS 3.22's own algorithms do), so a project GeoPackage chosen to 'add a layer to' would lose every
    other layer, the geology and faults a user keeps there. A file of one layer is replaced as any file is.
    Refuse as well a GeoPackage whose path holds '%' and two hex digits where QGIS could not open it
    (:func:`gdal_misreads_escapes`): it would be written, but never load nor feed the next step."""
    escaped = unopenable_escape(path)
    if escaped:
        raise InputError(
            f"QGIS cannot open a GeoPackage whose path holds '{escaped}' ('{path.split('|')[0]}'): it reads '%' and "
            "two hex digits as an escaped character, so the layer would be written but would neither load nor feed "
            f"the next step. Choose a folder and file name without '{escaped}', or save as .geojson.",
            parameter,
        )
    tables = geopackage_tables(path.split("|")[0])
    if len(tables) < 2:
        return
    shown = ", ".join(tables[:8]) + (f" and {len(tables) - 8} more" if len(tables) > 8 else "")
    raise InputError(
        f"'{os.path.basename(path.split('|')[0])}' is a GeoPackage holding {len(tables)} layers ({shown}); this "
        "output replaces the whole file, so they would all be lost. Give the output a new file name (copy the "
        "layer into your GeoPackage afterwards if you want it there: Processing › Vector general › Package layers, "
        "or drag it in the Browser).",
        parameter,
    )


def _unwritable(directory: str, exc: OSError) -> str:
    return f"cannot write in the folder '{directory}' ({exc.strerror or exc}); choose a folder you can write to."


def _key(path: str) -> str:
    return os.path.normcase(os.path.realpath(path.split("|")[0]))


def check_output_paths(outputs: Mapping[str, str], inputs: Mapping[str, str]) -> None:
    """Refuse, before any work, outputs that would touch a file behind an input, overwrite each other, stand
    where a folder is, or cannot be written.

    ``outputs`` and ``inputs`` map parameter names to file paths (empty values are skipped). Behind an input
    lie the file itself, its sidecars (``.aux.xml``, ``.ovr``, ``.prj``, ``.qml``, a shapefile's ``.dbf``...)
    and, for a VRT, every source file (see :func:`~.inputs.files_behind`). An output is also refused when one
    of its own sidecars, which the commit moves aside, is such a file.
    """
    behind: Dict[str, Tuple[str, str, str]] = {}  # key -> (input parameter, input path, how it relates)
    for name, path in inputs.items():
        if not path:
            continue
        for file, relation in files_behind(path):
            behind.setdefault(_key(file), (name, path, relation))
    sidecar_of: Dict[str, Tuple[str, str]] = {}  # key -> (output parameter, output path) whose sidecar it is
    for name, path in outputs.items():
        for sidecar in output_sidecars(path.split("|")[0]) if path else []:
            sidecar_of.setdefault(_key(sidecar), (name, path))
    seen_outputs: Dict[str, str] = {}
    for name, path in outputs.items():
        if not path:
            continue
        k = _key(path)
        if k in behind:
            raise InputError(_overwrite_message(path, *behind[k]), name)
        if k in sidecar_of and sidecar_of[k][0] != name:  # a table named 'classes.tif.aux.xml' beside classes.tif
            owner, owner_path = sidecar_of[k]
            raise InputError(
                f"'{os.path.basename(path)}' is a side file of {owner} ('{os.path.basename(owner_path)}'): GDAL would "
                f"read it as that raster's metadata, and writing {owner} moves it aside; choose another file name.",
                name,
            )
        for sidecar in output_sidecars(path):
            if _key(sidecar) in behind:
                input_name, input_path, _ = behind[_key(sidecar)]
                raise InputError(
                    f"writing '{path}' would move aside its sidecar '{sidecar}', which is the input {input_name} "
                    f"('{input_path}') or a file behind it; choose another file name.",
                    name,
                )
        if k in seen_outputs:
            raise InputError(f"the same file as {seen_outputs[k]} ('{path}'); give each output its own file.", name)
        seen_outputs[k] = name
        plain = path.split("|")[0]
        if os.path.isdir(plain):
            raise InputError(f"'{plain}' is a folder; give the output a file name.", name)
        check_output_folder(plain, name)
        # the commit renames over the old file, which its permissions do not stop; a shell's '>' or cp would be
        # refused. os.access asks what a write would (root may, as in a shell); no write bit at all says the file
        # was made read-only (an immutable one is left to the commit, which names why it fails)
        if os.path.isfile(plain) and not os.access(plain, os.W_OK) and not os.stat(plain).st_mode & 0o222:
            raise InputError(
                f"'{plain}' is read-only (its permissions forbid writing it), so it is not replaced; make it writable "
                "(chmod u+w, or uncheck Read-only in its properties) or choose another file name.",
                name,
            )


def _overwrite_message(path: str, input_name: str, input_path: str, relation: str) -> str:
    if relation == "input":
        return f"the output would overwrite an input ({input_name}: '{input_path}'); choose another file name."
    return (
        f"the output would overwrite '{path.split('|')[0]}', {relation} of the input {input_name} ('{input_path}'); "
        "choose another file name."
    )
