"""The ``prospector`` Processing provider."""

from __future__ import annotations

import os

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .anomalies import AnomaliesAlgorithm
from .evaluate import EvaluateAlgorithm
from .interpolate import InterpolateAlgorithm
from .predict import PredictAlgorithm
from .pseudolabel import PseudoLabelAlgorithm
from .traincnn import TrainCnnAlgorithm

ICON = os.path.join(os.path.dirname(os.path.dirname(__file__)), "resources", "icons", "prospector.svg")


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

    def loadAlgorithms(self) -> None:  # noqa: N802 (QGIS API name)
        for algorithm_class in (
            InterpolateAlgorithm,
            AnomaliesAlgorithm,
            PseudoLabelAlgorithm,
            TrainCnnAlgorithm,
            PredictAlgorithm,
            EvaluateAlgorithm,
        ):
            self.addAlgorithm(algorithm_class())
