"""Vector outputs: GeoDataFrames written atomically as GeoPackage layers with provenance tags."""

from __future__ import annotations

import json
import os
import warnings
from typing import Any, Dict, Mapping, Optional

from ..errors import InputError
from .outputs import atomic_output
from .rasters import PROVENANCE_TAG
from .verify import verify_vector

DRIVERS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON"}  # single-file formats only


def write_vector(
    path: str,
    frame,
    layer: str,
    provenance: Optional[Mapping[str, Any]] = None,
    parameter: str = "OUTPUT",
) -> str:
    """Write a GeoDataFrame to ``path`` (driver from the extension, GeoPackage preferred), atomically.

    The provenance record is stored as JSON in the layer's metadata (GeoPackage only).
    """
    import fiona

    extension = os.path.splitext(path)[1].lower()
    driver = DRIVERS.get(extension)
    if driver is None:
        raise InputError(f"cannot write '{extension or 'no extension'}' files; save as .gpkg (GeoPackage).", parameter)
    if driver == "GeoJSON" and frame.crs is not None:
        frame = _with_epsg_code(frame, parameter)
    count = len(frame)

    def check(tmp: str) -> None:
        verify_vector(tmp, layer if driver == "GPKG" else None, count)

    with atomic_output(path, parameter, verify=check) as tmp:
        os.remove(tmp)  # the drivers want to create the file themselves
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # empty frames are valid outputs
            # a GeoJSON file holds one layer and has no layer name: fiona refuses one ("does not have layers")
            frame.to_file(tmp, driver=driver, schema=_schema(frame), **({"layer": layer} if driver == "GPKG" else {}))
        if provenance is not None and driver == "GPKG":
            with fiona.open(tmp, "a", layer=layer) as collection:
                collection.update_tags({PROVENANCE_TAG: json.dumps(provenance, default=str, sort_keys=True)})
    return path


#: the range of a 32-bit integer field (OGR's Integer; Integer64 is a GeoPackage INTEGER)
INT32_RANGE = (-(2**31), 2**31 - 1)


def _schema(frame) -> Optional[Dict[str, Any]]:
    """The schema geopandas infers for ``frame``, whole-number columns whose values fit 32 bits written as 32-bit
    integers: geopandas writes every one as a 64-bit integer, which a Shapefile export turns into an 18-digit
    field (``ogr2ogr``) or a decimal one (QGIS's Save Features: rank 1 shown as 1.0). None for an empty frame (no
    geometry type to infer: geopandas's own handling)."""
    if len(frame) == 0:
        return None
    from geopandas.io.file import infer_schema

    schema = infer_schema(frame)
    properties = dict(schema["properties"])
    for name, kind in properties.items():
        if kind != "int":
            continue
        values = frame[name].dropna()
        if len(values) == 0 or (INT32_RANGE[0] <= int(values.min()) and int(values.max()) <= INT32_RANGE[1]):
            properties[name] = "int32"
    return {**schema, "properties": properties}


def _with_epsg_code(frame, parameter: str):
    """``frame`` with its CRS named by its EPSG code, as GDAL's GeoJSON writer needs to record it at all (it writes
    no CRS otherwise, and readers then take longitude and latitude): as it is when it has one; relabelled when the
    CRS is exactly an EPSG one under another name (an ESRI WKT from ArcGIS); refused when none matches exactly."""
    own = frame.crs.to_json_dict().get("id") or {}  # the CRS's own authority, not a guess from its definition
    if own.get("authority") == "EPSG":
        return frame
    code = frame.crs.to_epsg(min_confidence=100)
    if code is None:
        raise InputError(
            f"a GeoJSON file names its CRS by an EPSG code only, and this one has none ({frame.crs.name}): QGIS "
            "would read the file in longitude and latitude. Save as .gpkg (GeoPackage), which keeps any CRS.",
            parameter,
        )
    return frame.set_crs(epsg=code, allow_override=True)


def read_vector_provenance(path: str, layer: Optional[str] = None) -> Dict[str, Any]:
    """The provenance record a GeoPackage layer written here holds (``layer``, or the file's only layer); empty for
    any other file or layer, or one that cannot be read (the record is an aid, never a reason to fail)."""
    import fiona

    if os.path.splitext(path)[1].lower() != ".gpkg" or not os.path.isfile(path):
        return {}
    try:
        if not layer:
            layers = fiona.listlayers(path)
            if len(layers) != 1:
                return {}
            layer = layers[0]
        with fiona.open(path, layer=layer) as collection:
            record = json.loads(collection.tags().get(PROVENANCE_TAG, "{}"))
    except (fiona.errors.FionaError, ValueError, OSError):
        return {}
    return record if isinstance(record, dict) else {}
