"""Vector outputs: GeoDataFrames written atomically as GeoPackage layers with provenance tags."""

from __future__ import annotations

import json
import os
import warnings
from typing import Any, Mapping, Optional

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
    count = len(frame)

    def check(tmp: str) -> None:
        verify_vector(tmp, layer if driver == "GPKG" else None, count)

    with atomic_output(path, parameter, verify=check) as tmp:
        os.remove(tmp)  # the drivers want to create the file themselves
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # empty frames are valid outputs
            # a GeoJSON file holds one layer and has no layer name: fiona refuses one ("does not have layers")
            frame.to_file(tmp, driver=driver, **({"layer": layer} if driver == "GPKG" else {}))
        if provenance is not None and driver == "GPKG":
            with fiona.open(tmp, "a", layer=layer) as collection:
                collection.update_tags({PROVENANCE_TAG: json.dumps(provenance, default=str, sort_keys=True)})
    return path
