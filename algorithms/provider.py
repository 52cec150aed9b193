"""The ``prospector`` Processing provider."""

from __future__ import annotations

import os

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..common import ICONS_DIR, MODELS_DIR
from ..core.io.destinations import RASTER_EXTENSIONS
from ..core.io.vectors import DRIVERS as VECTOR_DRIVERS
from .anomalies import AnomaliesAlgorithm
from .comparemodels import CompareModelsAlgorithm
from .evaluate import EvaluateAlgorithm
from .evidence import EvidenceAlgorithm
from .interpolate import InterpolateAlgorithm
from .models import ShippedModel
from .predict import PredictAlgorithm
from .pseudolabel import PseudoLabelAlgorithm
from .scheduling import register_setting, unregister_setting
from .traincnn import TrainCnnAlgorithm
from .trainmodel import TrainModelAlgorithm

ICON = os.path.join(ICONS_DIR, "prospector.svg")


class ProspectorProvider(QgsProcessingProvider):
    """Provider id ``prospector``: the permanent prefix of every algorithm id."""

    def id(self) -> str:
        return "prospector"

    def name(self) -> str:
        return "GeoChem Prospector"

    def longName(self) -> str:  # noqa: N802 (QGIS API name)
        return "GeoChem Prospector: geochemistry to mineral prospectivity"

    def icon(self) -> QIcon:
        return QIcon(ICON)

    def svgIconPath(self) -> str:  # noqa: N802 (QGIS API name)
        return ICON

    def supportedOutputRasterLayerExtensions(self):  # noqa: N802 (QGIS API name)
        """The raster outputs are GeoTIFFs: the dialog's file filter offers that format alone (QGIS's default
        lists every GDAL format, .vrt, .asc, .img, .nc, which the run then refuses)."""
        return [extension.lstrip(".") for extension in RASTER_EXTENSIONS]

    def supportedOutputVectorLayerExtensions(self):  # noqa: N802 (QGIS API name)
        """The vector outputs are written as GeoPackage or GeoJSON: the dialog offers those alone."""
        return [extension.lstrip(".") for extension in VECTOR_DRIVERS]

    def load(self) -> bool:
        """Registers the provider's Processing settings (Settings > Options > Processing > Providers), then the
        algorithms."""
        register_setting(self.name(), self.icon())
        self.refreshAlgorithms()
        return True

    def unload(self) -> None:
        unregister_setting()

    def loadAlgorithms(self) -> None:  # noqa: N802 (QGIS API name)
        for algorithm_class in (
            InterpolateAlgorithm,
            AnomaliesAlgorithm,
            EvidenceAlgorithm,
            PseudoLabelAlgorithm,
            TrainCnnAlgorithm,
            TrainModelAlgorithm,
            CompareModelsAlgorithm,
            PredictAlgorithm,
            EvaluateAlgorithm,
        ):
            self.addAlgorithm(algorithm_class())
        self._load_models()

    def _load_models(self) -> None:
        """Graphical-modeler workflows shipped in resources/models appear under this provider."""
        for name in sorted(os.listdir(MODELS_DIR)) if os.path.isdir(MODELS_DIR) else []:
            if not name.endswith(".model3"):
                continue
            model = ShippedModel()
            if model.fromFile(os.path.join(MODELS_DIR, name)):
                self.addAlgorithm(model)
