"""Builders of the parameters several algorithms declare alike (the evidence rasters, the study-area mask, the
random seed, the model file, the PyTorch device), so that one definition serves them all. Each returns a new definition with the
public id, description, default and flags the algorithms have always had; the algorithm adds it where it belongs in
its dialog. SCHEDULER has its own module (:mod:`.scheduling`)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
)

from ..common import tr

#: the two descriptions MASK has in the dialogs (kept as they were: the interpolation and evidence algorithms speak
#: of masking, the learning and evaluation ones of the study area)
MASK_DESCRIPTION = "Mask (study area polygons)"
STUDY_AREA_DESCRIPTION = "Study area (mask polygons)"

MODEL_FILTER = "GeoChem Prospector model (*.pt)"

#: the DEVICE choices, passed to PyTorch by name (static strings: a model or command line stores the word)
DEVICES = ["auto", "cpu", "cuda"]


def evidence_rasters(name: str = "INPUT_RASTERS", description: str = "Evidence rasters"):
    """The required list of evidence rasters (bands in list order)."""
    return QgsProcessingParameterMultipleLayers(name, tr(description), QgsProcessing.TypeRaster)


def mask(description: str = MASK_DESCRIPTION, name: str = "MASK"):
    """The optional polygon layer outside which cells are nodata."""
    return QgsProcessingParameterFeatureSource(name, tr(description), [QgsProcessing.TypeVectorPolygon], optional=True)


def seed(name: str = "SEED"):
    """The integer seed of the random numbers, 0 by default."""
    return QgsProcessingParameterNumber(name, tr("Random seed"), QgsProcessingParameterNumber.Integer, 0)


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
