"""The plugin object QGIS creates: the Processing provider, the workflow dock, menu and toolbar entries."""

from __future__ import annotations

import os

from qgis.core import Qgis, QgsApplication, QgsMessageLog, QgsSettings
from qgis.PyQt.QtCore import Qt, QTimer
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from .algorithms.provider import ProspectorProvider
from .common import ICONS_DIR, tr
from .core import dependencies
from .ui.steps import STEPS

MENU = "&GeoChem Prospector"
LOG_TAG = "GeoChem Prospector"
FIRST_RUN_KEY = "geochem_prospector/panel_shown_once"


def private_deps_dir() -> str:
    """``<QGIS profile>/python/geochem_prospector_deps/pyXY``: where Install dependencies puts torch."""
    return dependencies.deps_dir(QgsApplication.qgisSettingsDirPath())


def activate_private_deps() -> bool:
    """Append the plugin-private package folder to sys.path (after QGIS's own packages) when it exists."""
    return dependencies.add_deps_to_path(private_deps_dir())


class GeoChemProspectorPlugin:
    """Holds the provider (so Python keeps it alive) and the desktop actions and dock."""

    def __init__(self, iface=None) -> None:
        self.iface = iface
        self.provider = None
        self.actions = []
        self.toolbar = None
        self.dock = None
        self.panel_action = None
        self._dock_sized = False
        # before any algorithm checks for torch: qgis_process and the desktop both see a torch installed
        # by "Install dependencies"
        activate_private_deps()

    @staticmethod
    def tr(text: str) -> str:
        return tr(text)

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
        status = dependencies.torch_status()
        if not status.available:
            QgsMessageLog.logMessage(status.message, LOG_TAG, Qgis.Info)
        self.toolbar = self.iface.addToolBar(self.tr("GeoChem Prospector"))
        self.toolbar.setObjectName("GeoChemProspectorToolbar")

        self.panel_action = self._add_action(
            "workflow.svg", self.tr("Workflow panel"), self.toggle_panel, toolbar=True, checkable=True
        )
        self.panel_action.setToolTip(
            self.tr("Show the GeoChem Prospector workflow: {} steps, sample data, training monitor").format(len(STEPS))
        )
        self._add_action("sample_data.svg", self.tr("Load sample data"), self.load_sample_data, toolbar=True)
        self._add_action("install.svg", self.tr("Install dependencies…"), self.show_install_dialog)
        self._add_action(
            "prospector.svg",
            self.tr("Interpolate geochemistry…"),
            lambda: self._open_algorithm("prospector:interpolate"),
        )
        # The dock exists from the start (hidden) so QGIS restores it where the user left it; the very
        # first start shows it, so a new user sees the workflow without looking for it.
        self.ensure_dock().setVisible(False)
        settings = QgsSettings()
        if not settings.value(FIRST_RUN_KEY, False, type=bool):
            settings.setValue(FIRST_RUN_KEY, True)
            self.panel_action.setChecked(True)

    def _add_action(self, icon: str, text: str, slot, toolbar: bool = False, checkable: bool = False) -> QAction:
        action = QAction(QIcon(os.path.join(ICONS_DIR, icon)), text, self.iface.mainWindow())
        action.setCheckable(checkable)
        if checkable:
            action.toggled.connect(slot)
        else:
            action.triggered.connect(slot)
        self.iface.addPluginToMenu(MENU, action)
        if toolbar and self.toolbar is not None:
            self.toolbar.addAction(action)
        self.actions.append(action)
        return action

    # ---- dock --------------------------------------------------------------------------------------

    def ensure_dock(self):
        if self.dock is None:
            from .ui.workflow_panel import WorkflowDock

            self.dock = WorkflowDock(self.iface.mainWindow())
            self.dock.panel.install_requested.connect(self.show_install_dialog)
            self.dock.panel.sample_data_loaded.connect(self._sample_data_loaded)
            self.iface.addDockWidget(Qt.RightDockWidgetArea, self.dock)
            self.dock.visibilityChanged.connect(self._dock_visibility)
        return self.dock

    def toggle_panel(self, show: bool = True) -> None:
        if self.iface is None:
            return
        dock = self.ensure_dock()
        dock.setVisible(bool(show))
        if show:
            dock.raise_()
            dock.panel.refresh()
            if not self._dock_sized:
                self._dock_sized = True  # room for the step descriptions, once; the user may resize it
                self.iface.mainWindow().resizeDocks([dock], [380], Qt.Horizontal)

    def _dock_visibility(self, visible: bool) -> None:
        if self.panel_action is not None and self.panel_action.isChecked() != visible:
            self.panel_action.blockSignals(True)
            self.panel_action.setChecked(visible)
            self.panel_action.blockSignals(False)

    def load_sample_data(self) -> None:
        if self.dock is not None:
            self.dock.panel.load_sample_data()  # refreshes the panel, then _sample_data_loaded
            return
        from .ui.sample_data import load_sample_data

        try:
            load_sample_data()
        except RuntimeError as exc:
            self.iface.messageBar().pushMessage(LOG_TAG, str(exc), Qgis.Critical, 10)
            return
        self._sample_data_loaded()

    def _sample_data_loaded(self) -> None:
        from .ui.sample_data import zoom_to_study_area

        canvas = self.iface.mapCanvas()
        # after QGIS has set the project CRS from the first layer and drawn the full extent
        QTimer.singleShot(300, lambda: zoom_to_study_area(canvas))
        self.iface.messageBar().pushMessage(
            LOG_TAG,
            self.tr("Sample data loaded: Central Lapland till geochemistry and geology (GTK, CC BY 4.0)."),
            Qgis.Success,
            5,
        )

    def show_install_dialog(self) -> None:
        from .ui.install_dialog import InstallDependenciesDialog

        dialog = InstallDependenciesDialog(QgsApplication.qgisSettingsDirPath(), self.iface.mainWindow())
        dialog.installed.connect(self._torch_installed)
        dialog.exec_()
        dialog.deleteLater()

    def _torch_installed(self, version: str) -> None:
        activate_private_deps()
        if self.provider is not None:
            self.provider.refreshAlgorithms()
        if self.dock is not None:
            self.dock.panel.refresh()

    def _open_algorithm(self, algorithm_id: str) -> None:
        from processing import execAlgorithmDialog  # QGIS's own processing package

        execAlgorithmDialog(algorithm_id, {})

    def unload(self) -> None:
        if self.iface is not None:
            for action in self.actions:
                self.iface.removePluginMenu(MENU, action)
            if self.dock is not None:
                self.dock.panel.teardown()
                self.iface.removeDockWidget(self.dock)
                self.dock.deleteLater()
                self.dock = None
            if self.toolbar is not None:
                self.toolbar.deleteLater()
                self.toolbar = None
        self.actions = []
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
