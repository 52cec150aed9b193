"""Anomaly identification (thresholds, C-A fractal, contours) and screening (index, ranked areas)."""
