"""The plugin object QGIS creates: registers the Processing provider and the menu entries."""

from __future__ import annotations

import os

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from .algorithms.provider import ProspectorProvider

PLUGIN_DIR = os.path.dirname(__file__)
MENU = "&GeoChem Prospector"


class GeoChemProspectorPlugin:
    """Holds the provider (so Python keeps it alive) and the desktop actions."""

    def __init__(self, iface=None) -> None:
        self.iface = iface
        self.provider = None
        self.actions = []

    @staticmethod
    def tr(text: str) -> str:
        return QCoreApplication.translate("GeoChemProspector", text)

    def initProcessing(self) -> None:  # noqa: N802 (QGIS API name)
        if self.provider is None:
            provider = ProspectorProvider()
            # False when a provider with this id is already registered (the registry then deletes ours)
            if QgsApplication.processingRegistry().addProvider(provider):
                self.provider = provider

    def initGui(self) -> None:  # noqa: N802 (QGIS API name)
        self.initProcessing()
        if self.iface is None:
            return
        icon = QIcon(os.path.join(PLUGIN_DIR, "resources", "icons", "prospector.svg"))
        action = QAction(icon, self.tr("Interpolate geochemistry…"), self.iface.mainWindow())
        action.triggered.connect(lambda: self._open_algorithm("prospector:interpolate"))
        self.iface.addPluginToRasterMenu(MENU, action)
        self.actions.append(action)

    def _open_algorithm(self, algorithm_id: str) -> None:
        from processing import execAlgorithmDialog  # QGIS's own processing package

        execAlgorithmDialog(algorithm_id, {})

    def unload(self) -> None:
        if self.iface is not None:
            for action in self.actions:
                self.iface.removePluginRasterMenu(MENU, action)
        self.actions = []
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
