"""HTML, SVG, JSON and CSV reports."""
