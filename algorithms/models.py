"""The graphical models shipped in resources/models, with a parameter check that reads without writing."""

from __future__ import annotations

from qgis.core import QgsProcessingModelAlgorithm

from ..core.io.inputs import no_gdal_sidecars
from .inputs import guarded_parameter
from .parameters import layer_of_another_kind


class ShippedModel(QgsProcessingModelAlgorithm):
    """A ``.model3`` workflow whose inputs are checked as the plugin's algorithms check theirs: a raster given where
    the model takes vector layers (or a vector where it takes rasters) is refused, naming the input, before anything
    is loaded; QGIS's own checks then open the layers with GDAL's PAM off, the algorithm's
    (:meth:`checkParameterValues`)
    and each parameter's (qgis_process checks every parameter itself first: its layer parameters are the plugin's
    guarded ones, :func:`.inputs.guarded_parameter`). QGIS 3.22's check of a list of line layers passes a raster,
    loading it with PAM on (so ``<raster>.aux.xml`` appeared beside the user's file when the layer closed), and the
    model then ran its first steps before the evidence step refused the raster."""

    def fromFile(self, path: str) -> bool:  # noqa: N802 (QGIS API name)
        loaded = super().fromFile(path)
        if loaded:
            self.guard_parameters()
        return loaded

    def createInstance(self):  # noqa: N802 (QGIS API name)
        model = ShippedModel()
        model.loadVariant(self.toVariant())
        model.setSourceFilePath(self.sourceFilePath())
        model.guard_parameters()
        return model

    def guard_parameters(self) -> None:
        """The model's layer parameters replaced, in their order, by guarded ones of the same type, name, flags,
        help and metadata (loading a layer to check it writes nothing beside it); the others by their copies."""
        definitions = list(self.parameterDefinitions())
        guarded = [guarded_parameter(definition) for definition in definitions]
        if all(new is old for new, old in zip(guarded, definitions)):
            return
        copies = [new if new is not old else old.clone() for new, old in zip(guarded, definitions)]
        for definition in definitions:
            self.removeParameter(definition.name())
        for copy in copies:
            self.addParameter(copy)  # a destination brings its output back, as when the model was loaded

    def checkParameterValues(self, parameters, context):  # noqa: N802 (QGIS API name)
        for definition in self.parameterDefinitions():
            message = layer_of_another_kind(definition, parameters.get(definition.name()))
            if message:
                return False, message
        with no_gdal_sidecars():
            return super().checkParameterValues(parameters, context)
