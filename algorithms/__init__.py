"""QGIS Processing adapters: one algorithm per module, no science here."""
