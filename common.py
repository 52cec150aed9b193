"""Paths inside the plugin folder and the translation function, shared by the plugin, its algorithms and dialogs."""

from __future__ import annotations

import os

from qgis.PyQt.QtCore import QCoreApplication

PLUGIN_DIR = os.path.dirname(os.path.abspath(__file__))
RESOURCES_DIR = os.path.join(PLUGIN_DIR, "resources")
STYLES_DIR = os.path.join(RESOURCES_DIR, "styles")
ICONS_DIR = os.path.join(RESOURCES_DIR, "icons")
SAMPLE_DATA_DIR = os.path.join(RESOURCES_DIR, "sample_data")
MODELS_DIR = os.path.join(RESOURCES_DIR, "models")


def tr(text: str) -> str:
    """``text`` in the user's language, where a translation exists (context "GeoChemProspector")."""
    return QCoreApplication.translate("GeoChemProspector", text)
