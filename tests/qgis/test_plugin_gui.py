"""The plugin in a (mock) QGIS desktop: menu, toolbar, dock, and QGIS's real algorithm dialog pre-filled."""

from qgis.core import QgsProject
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication, QDockWidget


def test_init_gui_adds_menu_toolbar_and_dock(qgis_iface, qgis_processing):
    from qgis.core import QgsSettings

    from geochem_prospector.plugin import FIRST_RUN_KEY, GeoChemProspectorPlugin

    QgsSettings().remove(FIRST_RUN_KEY)
    first = GeoChemProspectorPlugin(qgis_iface)
    first.initGui()  # the first start shows the panel once
    assert first.panel_action.isChecked() and not first.dock.isHidden()
    first.unload()
    plugin = GeoChemProspectorPlugin(qgis_iface)
    plugin.initGui()
    assert isinstance(plugin.dock, QDockWidget) and plugin.dock.isHidden()  # later starts: as the user left it
    assert not plugin.panel_action.isChecked()
    try:
        texts = [a.text() for a in plugin.actions]
        assert texts[:3] == ["Workflow panel", "Load sample data", "Install dependencies…"]
        assert all(not a.icon().isNull() for a in plugin.actions)
        assert [a.text() for a in plugin.toolbar.actions()] == ["Workflow panel", "Load sample data"]
        # the tooltip counts the panel's step buttons (it said "six steps" beside seven buttons)
        plugin.panel_action.setChecked(True)
        buttons = len(plugin.dock.panel.rows)
        plugin.panel_action.setChecked(False)
        assert f" {buttons} steps" in plugin.panel_action.toolTip()
        plugin.panel_action.setChecked(True)
        assert isinstance(plugin.dock, QDockWidget) and not plugin.dock.isHidden()
        panel = plugin.dock.panel
        assert panel.step_state("interpolate")[0] in ("ready", "done")
        plugin.panel_action.setChecked(False)
        assert plugin.dock.isHidden()
    finally:
        plugin.unload()
    assert plugin.dock is None and plugin.provider is None and plugin.actions == []


def test_real_dialog_opens_with_previous_outputs(qgis_iface, prospector_provider, tmp_path, monkeypatch):
    """QGIS's own Processing dialog receives the pre-filled parameters (checked while it is open)."""
    from qgis.gui import QgsBrowserGuiModel

    browser = QgsBrowserGuiModel()
    monkeypatch.setattr(qgis_iface, "browserModel", lambda: browser, raising=False)
    from geochem_prospector.ui import sample_data
    from geochem_prospector.ui.workflow_panel import WorkflowPanel, run_algorithm_dialog

    project = QgsProject.instance()
    panel = WorkflowPanel(project=project, runner=run_algorithm_dialog)
    try:
        loaded = sample_data.load_sample_data(project)
        seen = {}

        tries = [0]

        def inspect():
            from qgis.gui import QgsProcessingAlgorithmDialogBase

            dialogs = [
                w
                for w in QApplication.topLevelWidgets()
                if isinstance(w, QgsProcessingAlgorithmDialogBase) and w.isVisible()
            ]
            tries[0] += 1
            if not dialogs:
                if tries[0] < 100:
                    QTimer.singleShot(50, inspect)
                return
            dialog = dialogs[0]
            try:  # an exception escaping a Qt slot would abort the test process
                wrappers = dialog.mainWidget().wrappers
                seen.update({name: wrappers[name].parameterValue() for name in ("INPUT", "MASK")})
            except Exception as exc:  # noqa: BLE001
                seen["error"] = repr(exc)
            dialog.reject()

        QTimer.singleShot(50, inspect)
        results = panel.open_step("interpolate")
        assert not results
        assert "error" not in seen, seen
        # the dialog's widgets show the sample layers the panel chose
        assert seen == {"INPUT": loaded["till_geochemistry"], "MASK": loaded["study_area"]}
        assert panel.outputs == {}
    finally:
        panel.teardown()
        project.clear()
