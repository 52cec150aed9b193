"""What a destination parameter names, and the outputs refused before any work: the file a destination will write
(``destination_path``, ``sink_text``), and refusals of a blank file name, a table of a GeoPackage or database and a
memory layer, as every output is a file of its own, written whole and replaced as one. Used by
:meth:`algorithms.base.ProspectorAlgorithm.check_outputs` and the output defaults beside it."""

from __future__ import annotations

import os
import re

from qgis.core import QgsProcessingException


def destination_path(value: object, context) -> str:
    """The file a destination parameter will write, without resolving it (resolving queues a layer load);
    '' for temporary outputs and non-file sinks."""
    from qgis.core import QgsProcessing

    value = sink_text(value, context)
    if not value or value == QgsProcessing.TEMPORARY_OUTPUT:
        return ""
    if value.startswith(("memory:",) + DATABASE_SINKS):
        return ""
    return value


#: destinations that are a table in a database, not a file: QGIS's 'Save to GeoPackage…' (ogr:dbname='….gpkg'
#: table="…" (geom)) and 'Save to Database Table…'
DATABASE_SINKS = ("ogr:", "postgres:", "postgis:", "spatialite:", "mssql:", "oracle:", "hana:", "db2:")


def refuse_blank_name(name: str, path: str, definition) -> None:
    """Refuse an output whose file name is spaces only ('OUTPUT= ' on a command line, a stray key in a batch row):
    QGIS takes it as a file name, and the step would write ' ' or ' .tif', a file one cannot see, in whatever folder
    the run started in."""
    stem, extension = os.path.splitext(os.path.basename(path))
    if (stem + extension).strip() and stem.strip():
        return
    default = getattr(definition, "defaultFileExtension", lambda: "")() or extension.lstrip(".") or "csv"
    raise QgsProcessingException(
        f"{name}: the file name {os.path.basename(path)!r} is blank (spaces only); give the output a name, e.g. "
        f"{os.path.join(os.path.dirname(path) or '', name.lower() + '.' + default)}."
    )


def sink_text(value: object, context) -> str:
    """A destination parameter's value as the text QGIS writes to ('' when it is none)."""
    from qgis.core import QgsProcessingOutputLayerDefinition, QgsProperty

    if isinstance(value, QgsProcessingOutputLayerDefinition):
        value = value.sink
    if isinstance(value, QgsProperty):
        value, _ = value.valueAsString(context.expressionContext())
    return value if isinstance(value, str) else ""


def refuse_database_sink(name: str, value: object, context) -> None:
    """Refuse an output saved as a table of a GeoPackage or a database ('Save to GeoPackage…', 'Save to Database
    Table…'): every output is a file of its own, written whole and replaced as one, which a table inside a file
    holding other tables cannot be. Before, the sink text was taken for a file name and refused as
    "cannot write '.gpkg' table="contours" (geom)' files; save as .gpkg"."""
    sink = sink_text(value, context)
    if not sink.startswith(DATABASE_SINKS):
        return
    match = re.search(r"dbname='([^']*)'", sink)
    table = re.search(r'table="([^"]*)"', sink)
    folder = os.path.dirname(match.group(1)) if match else ""
    example = os.path.join(folder, f"{table.group(1) if table else name.lower()}.gpkg")
    raise QgsProcessingException(
        f"{name}: cannot save into a table of a GeoPackage or database ({sink}): each output is a file of its own, "
        "written whole and replaced as one (other tables in that file would be at risk). Choose 'Save to File…' "
        f"instead, e.g. '{example}', and copy the layer into the GeoPackage afterwards if needed (drag it onto "
        "the GeoPackage in the Browser)."
    )


def refuse_memory_sink(name: str, value: object, context) -> None:
    """Refuse an output given as a memory layer ('memory:', as PyQGIS scripts ask QGIS's own algorithms for one):
    every output of this plugin is a file, written whole and read back before it is put in place. Before, the text
    was taken for a file name and refused as "cannot write 'no extension' files"."""
    sink = sink_text(value, context)
    if not sink.lower().startswith("memory:"):
        return
    raise QgsProcessingException(
        f"{name}: cannot write a memory layer ({sink}): every output is written to a file. Give a file name "
        "ending in .gpkg (or .geojson), or TEMPORARY_OUTPUT for a temporary file that QGIS deletes when it closes "
        "(processing.run returns its path; open it with QgsVectorLayer(path))."
    )
