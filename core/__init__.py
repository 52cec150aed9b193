"""GeoChem Prospector science core.

Pure Python (numpy, scipy, rasterio, geopandas, shapely, torch). Nothing in this
package may import qgis or Qt: it must run under plain Python, on a GPU machine
without QGIS, and in unit tests.
"""
