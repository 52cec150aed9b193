"""The files behind an input, and reading inputs without writing anything beside them.

An input named by one path may rest on several files: its sidecars (``.aux.xml`` statistics, ``.ovr``
overviews, a ``.prj``, a ``.qml`` style, a shapefile's ``.dbf`` and ``.shx``, a world file) and, for a VRT, its
source files (``SourceFilename``, relative to the VRT or not), which may be VRTs themselves. Outputs must touch
none of them (:func:`files_behind`).

Reading must write nothing either: GDAL's PAM saves computed statistics and histograms to ``<file>.aux.xml``
when a dataset closes, and a VRT whose statistics were computed rewrites itself. :func:`no_gdal_sidecars`
switches PAM off for the reads of this thread; :func:`memory_vrt` gives a VRT copy (in GDAL's memory file
system, sources made absolute) that can be opened by software that computes statistics, since a VRT rewrites
itself on close whatever the PAM setting.
"""

from __future__ import annotations

import os
import threading
import uuid
import xml.etree.ElementTree as ElementTree
from contextlib import contextmanager
from typing import Dict, Iterator, List, Set, Tuple

#: elements of a VRT's XML that name a source dataset
_SOURCE_TAGS = ("SourceFilename", "SourceDataset")


def input_sidecars(path: str) -> List[str]:
    """Files GDAL, OGR or QGIS read beside ``path`` as part of it (whether they exist or not)."""
    base, extension = os.path.splitext(path)
    ext = extension.lower()
    found = [path + ".aux.xml", path + ".ovr", path + ".msk", base + ".aux", base + ".qml", base + ".qmd"]
    found += [base + ".prj", base + ".wld"]
    if ext in (".tif", ".tiff"):
        found += [base + ".tfw", base + ".tifw", base + ".tiffw"]
    elif ext in (".jpg", ".jpeg"):
        found += [base + ".jgw"]
    elif ext == ".png":
        found += [base + ".pgw"]
    elif ext == ".shp":
        parts = (".shx", ".dbf", ".cpg", ".sbn", ".sbx", ".qix", ".fix", ".shp.xml")
        found += [base + p for p in parts] + [base + p.upper() for p in parts] + [base + ".PRJ"]
    elif ext == ".csv":
        found += [base + ".csvt", path + "t"]
    elif ext in (".gpkg", ".sqlite", ".db"):
        found += [path + "-wal", path + "-shm", path + "-journal"]
    return found


def output_sidecars(path: str) -> List[str]:
    """Sidecars of an output that describe the previous file only, moved aside with it on commit: statistics
    (``.aux.xml``), overviews (``.ovr``), masks (``.msk``), and a GeoPackage's SQLite journals."""
    found = [path + ".aux.xml", path + ".ovr", path + ".msk"]
    if os.path.splitext(path)[1].lower() in (".gpkg", ".sqlite"):
        found += [path + "-wal", path + "-shm", path + "-journal"]
    return found


def vrt_sources(path: str) -> List[str]:
    """Absolute paths of the datasets a VRT file names (``relativeToVRT`` resolved); [] if it cannot be parsed."""
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError):
        return []
    folder = os.path.dirname(os.path.abspath(path))
    sources: List[str] = []
    for element in root.iter():
        name = (element.text or "").strip()
        if element.tag not in _SOURCE_TAGS or not name:
            continue
        if name.startswith("/vsi") or "://" in name or name.startswith("<"):
            continue  # remote, archived or inline: not a file an output could overwrite here
        if element.get("relativeToVRT", "0") == "1" or not os.path.isabs(name):
            name = os.path.join(folder, name)
        if name not in sources:
            sources.append(os.path.normpath(name))
    return sources


def unreadable_raster(path: str, reason: object) -> str:
    """Why the raster at ``path`` could not be read, and what to do: a VRT whose source files are gone names them (it
    only points at its files, so making it again does not help); any other file may be truncated or corrupt."""
    missing = (
        [source for source in vrt_sources(path) if not os.path.exists(source)] if path.lower().endswith(".vrt") else []
    )
    if missing:
        return (
            f"cannot read raster '{path}': the VRT points at {len(missing)} file(s) that are missing "
            f"({', '.join(repr(m) for m in missing[:3])}{', …' if len(missing) > 3 else ''}); put them back where "
            "the VRT names them, or build the VRT again from the files where they are now (gdalbuildvrt)."
        )
    return f"cannot read raster '{path}' ({reason}); the file may be truncated or corrupt: make or download it again."


def files_behind(path: str) -> List[Tuple[str, str]]:
    """(file, how it relates to the input) for every file behind the input ``path``: the file itself
    ("input"), its sidecars, and for a VRT its sources with their sidecars, VRTs within VRTs included."""
    result: List[Tuple[str, str]] = []
    seen: Set[str] = set()

    def add(file: str, relation: str) -> None:
        key = os.path.normcase(os.path.realpath(file))
        if key not in seen:
            seen.add(key)
            result.append((file, relation))

    def walk(file: str, relation: str, sidecar_relation: str, depth: int) -> None:
        add(file, relation)
        for sidecar in input_sidecars(file):
            add(sidecar, sidecar_relation)
        if depth < 16 and file.lower().endswith(".vrt") and os.path.isfile(file):
            for source in vrt_sources(file):
                walk(source, "a source file", "a sidecar of a source file", depth + 1)

    walk(path.split("|")[0], "input", "a sidecar", 0)
    return result


# ---- reading without writing ------------------------------------------------------------------------------------

_local = threading.local()


@contextmanager
def no_gdal_sidecars() -> Iterator[None]:
    """GDAL's PAM off for datasets this thread opens in the block: computed statistics, histograms and
    metadata stay in memory instead of going to ``<file>.aux.xml`` when the dataset closes.

    Thread-local (GDAL's thread-local configuration), so other threads (a QGIS desktop rendering the user's
    layers) are not affected; GeoTIFF outputs keep band names, nodata and tags in the file itself.
    """
    try:
        from osgeo import gdal
    except ImportError:  # pragma: no cover - the bindings come with GDAL and QGIS
        yield
        return
    depth = getattr(_local, "depth", 0)
    if depth == 0:
        _local.previous = gdal.GetThreadLocalConfigOption("GDAL_PAM_ENABLED", None)
        gdal.SetThreadLocalConfigOption("GDAL_PAM_ENABLED", "NO")
    _local.depth = depth + 1
    try:
        yield
    finally:
        _local.depth -= 1
        if _local.depth == 0:
            gdal.SetThreadLocalConfigOption("GDAL_PAM_ENABLED", _local.previous)


#: memory copies made by :func:`memory_vrt`: copy -> the copies of VRTs inside it
_MEMORY: Dict[str, List[str]] = {}
_MEMORY_LOCK = threading.Lock()


def memory_vrt(path: str, _depth: int = 0) -> str:
    """A copy of the VRT ``path`` in GDAL's memory file system (``/vsimem/``), its sources made absolute and
    VRT sources copied the same way, so that statistics computed on it (and the rewrite of the VRT they cause
    on close) never reach the file. Free it with :func:`release_memory_vrt`."""
    from osgeo import gdal

    tree = ElementTree.parse(path)
    folder = os.path.dirname(os.path.abspath(path))
    inner: List[str] = []
    for element in tree.getroot().iter():
        name = (element.text or "").strip()
        if element.tag not in _SOURCE_TAGS or not name:
            continue
        if not (name.startswith("/vsi") or "://" in name or name.startswith("<")):
            if element.get("relativeToVRT", "0") == "1" or not os.path.isabs(name):
                name = os.path.normpath(os.path.join(folder, name))
            if name.lower().endswith(".vrt") and os.path.isfile(name) and _depth < 16:
                name = memory_vrt(name, _depth + 1)
                inner.append(name)
            element.text = name
            element.set("relativeToVRT", "0")
    copy = f"/vsimem/geochem_prospector/{uuid.uuid4().hex}/{os.path.basename(path)}"
    gdal.FileFromMemBuffer(copy, ElementTree.tostring(tree.getroot(), encoding="utf-8"))
    with _MEMORY_LOCK:
        _MEMORY[copy] = inner
    return copy


def release_memory_vrt(copy: str) -> None:
    """Remove a copy made by :func:`memory_vrt` (and what it rewrote on close) from GDAL's memory."""
    from osgeo import gdal

    with _MEMORY_LOCK:
        inner = _MEMORY.pop(copy, [])
    gdal.Unlink(copy)
    for name in inner:
        release_memory_vrt(name)
