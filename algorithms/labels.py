"""Reading LABELS as traincnn, trainmodel and comparemodels share it: a label raster (nearest cell on the evidence
grid) or points with a class field, and the mineralised points kept for the model's provenance."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Dict, Optional

import numpy as np
from qgis.core import QgsProcessingException, QgsRasterLayer, QgsVectorLayer, QgsWkbTypes

from ..core.evaluation.deposits import (
    labelled_cells_record,
    labelled_cells_record_of_file,
    training_points_record,
)
from ..core.io.encoding import refuse_undecoded_classes
from ..core.io.rasters import made_by, read_provenance, read_stack
from ..core.labels.classes import MAX_CLASS_ID, class_ids
from ..core.labels.confidence import check_confidence
from .base import ProspectorAlgorithm
from .inputs import input_file, layer_paths, source_label
from .point_reading import point_attributes, refuse_date_field


def warn_if_regridded(label_paths, label_names, labels: np.ndarray, grid, feedback) -> None:
    """Warn when the label raster is on another grid: each evidence cell took its nearest label cell, which moves
    labels by up to a cell and drops or repeats them; say how many labelled cells it had and has (traincnn,
    trainmodel and comparemodels read labels alike)."""
    from ..core.io.windows import band_table

    if band_table(label_paths, label_names)[2][0] == grid:
        return
    own = read_stack(label_paths, label_names, parameter="LABELS").bands[0]
    before, after = (int(np.count_nonzero(np.isfinite(a) & (a >= 0))) for a in (own, labels))
    feedback.pushWarning(
        f"LABELS: the label raster is on another grid than the evidence rasters (CRS, cell size or origin), so each "
        f"evidence cell took the label of the nearest label cell: {before:,} labelled cells in the raster, {after:,} "
        "on the evidence grid, each moved by up to a cell. To keep every label where it was, make the labels on the "
        "evidence grid (pseudolabel with these INPUT_RASTERS), or give them as points."
    )


#: fill values of byte and 16-bit label rasters made by hand (gdal_rasterize -init, a GIS's export) left undeclared
UNDECLARED_NODATA = (255.0, 32767.0, 65535.0)


def require_classes(labels: np.ndarray, name: str) -> None:
    """Refuse a label raster holding fractions (an element, probability or distance raster given as LABELS), or
    whole numbers above the highest class id (Int16 magnetics), or ids and codes (a value per deposit): its values
    would be read as classes (1 and above mineralised), and the message would say a class is missing, or the run
    would learn cells valued 1 as deposits."""
    distinct, counts = np.unique(labels[np.isfinite(labels)], return_counts=True)
    require_class_values(distinct, counts, name)


#: more mineralised classes than this in a label raster are ids or codes (deposit types are a handful)
MAX_MINERALISED_CLASSES = 20


def require_class_values(distinct: np.ndarray, counts: np.ndarray, name: str) -> None:
    """:func:`require_classes` of a label raster's ``distinct`` finite values and their cell ``counts`` (as a
    window-by-window reading gathers them)."""
    distinct = np.asarray(distinct, dtype=np.float64)
    fractions = distinct[distinct != np.round(distinct)]
    if fractions.size:
        examples = ", ".join(f"{v:g}" for v in fractions[:3])
        raise QgsProcessingException(
            f"LABELS: '{name}' holds values such as {examples} that are not classes: a label raster holds whole "
            "numbers (1 and above mineralised, 0 barren, nodata unlabelled), e.g. pseudolabel's output. Check that "
            "LABELS is the label raster, not an evidence or prospectivity raster."
        )
    top = distinct.max(initial=0)
    above = distinct[distinct > MAX_CLASS_ID]
    if above.size == 1 and top in UNDECLARED_NODATA:  # classes and one fill value: the file does not say it
        classes = ", ".join(f"{v:g}" for v in distinct[distinct <= MAX_CLASS_ID][:6])
        held = f"the classes {classes} and {top:g}" if classes else f"only {top:g}"
        raise QgsProcessingException(
            f"LABELS: '{name}' holds {held} in {int(np.sum(counts[distinct == top])):,} cells: "
            f"{top:g} is a fill value its file does not declare as nodata, and would be read as class {top:g} "
            "(mineralised). Write a copy that declares it (Raster › Conversion › Translate, 'Assign a specified "
            f"nodata value to output bands' {top:g}; gdal_translate -a_nodata {top:g} in.tif out.tif) and give that."
        )
    if top > MAX_CLASS_ID:  # whole numbers, but a measurement: Int16 magnetics, a DEM (QGIS's first raster)
        classes_count = int(np.sum(distinct >= 0))
        raise QgsProcessingException(
            f"LABELS: '{name}' holds whole numbers from {distinct.min():g} to {top:g} ({classes_count} different "
            f"values of 0 or more) that are not classes: a label raster holds a few classes (1 and above "
            f"mineralised, up to {MAX_CLASS_ID}; 0 barren; nodata or a negative number unlabelled), e.g. "
            "pseudolabel's output. Check that LABELS is the label raster, not an evidence raster such as magnetics "
            "or elevation (the dialog offers the first raster of the project)."
        )
    mineralised = distinct >= 1
    kinds, cells = int(mineralised.sum()), int(np.sum(counts[mineralised]))
    if kinds > MAX_MINERALISED_CLASSES or (kinds >= 5 and kinds > cells / 2):
        # about a value per deposit: ids, names or map codes burnt in (gdal_rasterize -a id), as a point field of
        # more values than half its points is refused (core.labels.classes)
        shown = ", ".join(f"{v:g}" for v in distinct[mineralised][:5]) + (" …" if kinds > 5 else "")
        raise QgsProcessingException(
            f"LABELS: '{name}' holds {kinds} different values of 1 and above ({shown}) on {cells:,} cells: ids or "
            "codes, as deposit ids or map codes burnt into a raster give, not classes; only class 1 would be learnt "
            "as mineralised. Give a label raster that burns the same value, 1, for every deposit (Raster › "
            "Conversion › Rasterize, 'A fixed value to burn' 1; gdal_rasterize -burn 1), or the deposits as point "
            "LABELS."
        )


def refuse_other_outputs(path: str, name: str) -> None:
    """Refuse as LABELS a raster this plugin wrote as something else (a prospectivity or element map)."""
    made = made_by(path)
    if made and not made.startswith("the label raster"):
        raise QgsProcessingException(
            f"LABELS: '{name}' is {made}, not labels: its values would be read as classes (1 and above "
            "mineralised, 0 barren). Give the label raster pseudolabel writes (its OUTPUT: 1 mineralised, "
            "0 barren, nodata unlabelled) or points with a class field (LABEL_FIELD)."
        )


@dataclass(frozen=True)
class LabelsRead:
    """LABELS as read: the labels, the words their classes were read from and what the model's provenance records
    of them."""

    labels: Any  # on the evidence grid; or, for the streamed reading, the points or the label raster's selection
    class_names: Dict[int, str]  # {1: 'Au', ...}; empty for a label raster
    provenance: Dict[str, Any]  # {"mineralised_points": record} of the points labelled mineralised, or empty


@dataclass(frozen=True)
class LabelPoints:
    """LABELS' points as read: their coordinates in the grid's CRS, their LABEL_FIELD values, the field, that CRS
    (WKT) and the layer's name as messages and the provenance give it."""

    xy: np.ndarray
    values: Any
    field: str
    crs_wkt: str
    label: str


def label_raster_points(
    path: str, name: str, labels: Optional[np.ndarray] = None, grid=None, band: int = 1
) -> Dict[str, Any]:
    """What the label raster at ``path`` was taught from, for the model's provenance and so for evaluate's
    training-deposit warning: the points pseudolabel grew it from (its provenance), or, for a raster made elsewhere
    (rasterised deposits, say), its mineralised cells, from ``labels`` as read onto the evidence ``grid`` where given
    (so in the grid's CRS), else from band ``band`` of the file; nothing when neither can be read."""
    points = read_provenance(path).get("mineralised_points")
    if not isinstance(points, dict):
        if labels is not None and grid is not None:
            points = labelled_cells_record(labels, grid, name)
        else:
            points = labelled_cells_record_of_file(path, name, band)
    return {"mineralised_points": points} if points else {}


class LabelReading(ProspectorAlgorithm):
    """Base of the algorithms with a LABELS parameter (and LABEL_FIELD where points are taken): they read labels
    alike, so a label layer that trains in one trains in the others."""

    LABELS = "LABELS"
    LABEL_FIELD = "LABEL_FIELD"
    CONFIDENCE = "CONFIDENCE"  # read by :meth:`_confidence`, where the algorithm declares it

    def _labels(self, parameters, context, feedback, grid) -> LabelsRead:
        """The label raster on the evidence grid: from a raster (nearest cell) or from points with a class field."""
        layer = self.parameterAsLayer(parameters, self.LABELS, context)
        if layer is None:
            raise QgsProcessingException("LABELS: choose a label raster or a point layer with a class field.")
        if isinstance(layer, QgsRasterLayer):
            label_paths, label_names = layer_paths([layer], self.LABELS, grid)
            data = read_stack(label_paths, label_names, reference=grid, resampling="nearest", parameter=self.LABELS)
            for warning in data.warnings:
                feedback.pushWarning(warning)
            refuse_other_outputs(label_paths[0], layer.name())
            labels = data.bands[0].astype(np.float64)
            require_classes(labels, layer.name())
            warn_if_regridded(label_paths, label_names, labels, grid, feedback)
            return LabelsRead(labels, {}, label_raster_points(label_paths[0], layer.name(), labels, grid))
        points = self._point_labels(parameters, context, feedback, grid)
        return replace(points, labels=points.labels.rasterise(0, grid.height, 0, grid.width))

    def _confidence(self, parameters, context, feedback, grid):
        """The CONFIDENCE raster on the evidence grid, checked (values 0-1), or None."""
        layer = self.parameterAsRasterLayer(parameters, self.CONFIDENCE, context)
        if layer is None:
            return None
        conf_paths, conf_names = layer_paths([layer], self.CONFIDENCE, grid)
        data = read_stack(conf_paths, conf_names, reference=grid, parameter=self.CONFIDENCE)
        for warning in data.warnings:
            feedback.pushWarning(warning)
        check_confidence(data.bands[0], layer.name())
        return data.bands[0]

    def _point_labels(self, parameters, context, feedback, grid) -> LabelsRead:
        """The labelled points as cells of the evidence grid (core.learning.streaming.PointLabels)."""
        from ..core.labels.seeds import left_out_points_warning, shared_cells_warning
        from ..core.learning.streaming import PointLabels

        points = self._label_points(parameters, context, feedback, grid)
        classes, class_names, usable = class_ids(points.values)
        if usable.any():
            feedback.pushInfo("Classes: " + ", ".join(f"{k} = {v}" for k, v in sorted(class_names.items())))
        rows, cols = grid.rowcol(points.xy[:, 0], points.xy[:, 1])
        on_grid = grid.holds(rows, cols)
        inside = on_grid & usable
        if not inside.any():
            raise QgsProcessingException(
                "LABELS: no labelled point with a class value lies on the evidence rasters; check that the points "
                "overlap the rasters (any CRS is reprojected) and that LABEL_FIELD holds their class."
            )
        for warning in (
            left_out_points_warning(on_grid, usable, points.field),
            shared_cells_warning(
                rows[inside], cols[inside], classes[inside], grid.length_text(grid.pixel_size), self.LABELS,
                points.xy[inside],
            ),
        ):  # fmt: skip
            if warning:
                feedback.pushWarning(warning)
        # the mineralised points, recorded in the model's provenance for evaluate to tell deposits trained on
        taught = inside & (classes >= 1)
        record = training_points_record(points.xy[taught], points.crs_wkt, points.label)
        # where points share a cell, the higher class wins
        cells = PointLabels(rows[inside], cols[inside], classes[inside].astype(np.float64))
        return LabelsRead(cells, dict(class_names), {"mineralised_points": record})

    def _label_points(self, parameters, context, feedback, grid) -> LabelPoints:
        """The LABELS points and their LABEL_FIELD values, in the grid's CRS; refused unless a point layer with a
        class field whose values read as classes."""
        layer = self.parameterAsLayer(parameters, self.LABELS, context)
        if not isinstance(layer, QgsVectorLayer) or layer.geometryType() != QgsWkbTypes.PointGeometry:
            raise QgsProcessingException(
                "LABELS: give a label raster (e.g. pseudolabel's) or a point layer with a class field (LABEL_FIELD), "
                "not lines or polygons. For deposits drawn as outlines, take a point inside each (Processing Toolbox "
                "› Vector geometry › Point on surface) and make a label raster from them with pseudolabel."
            )
        field = (self.parameterAsString(parameters, self.LABEL_FIELD, context) or "").strip()
        if not field:
            # a deposits layer alone is what a user has first (sweep 31a): say where its labels come from
            raise QgsProcessingException(
                "LABEL_FIELD: point labels need the field holding the class (1 or 'deposit' = mineralised, 0 or "
                "'barren' = barren). Known deposits alone (every point mineralised) are no labels to learn from "
                "yet: make a label raster of them with prospector:pseudolabel (LABEL_FIELD empty there) and give "
                "it as LABELS, or compare the learners on the deposits with prospector:comparemodels."
            )
        from qgis.core import QgsCoordinateReferenceSystem

        crs = QgsCoordinateReferenceSystem.fromWkt(grid.crs_wkt) if grid.crs_wkt else layer.crs()
        source = self.parameterAsSource(parameters, self.LABELS, context)
        refuse_date_field(source, field, self.LABEL_FIELD)
        xy, raw = point_attributes(
            source, [field], crs, context, feedback, parameter=self.LABELS, fields_parameter=self.LABEL_FIELD
        )
        label = source_label(source, parameters, self.LABELS, context)
        # the same reading of class values as pseudolabel: whole numbers as they are, or words ('barren' = 0)
        refuse_undecoded_classes(raw[0], field, label, self.LABEL_FIELD, input_file(parameters, self.LABELS, context))
        return LabelPoints(xy, raw[0], field, crs.toWkt(), label)
