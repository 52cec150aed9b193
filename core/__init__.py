"""GeoChem Prospector science core.

Pure Python (numpy, scipy, rasterio, geopandas, shapely, torch). Nothing in this
package may import qgis or Qt: it must run under plain Python, on a GPU machine
without QGIS, and in unit tests.

Stage packages follow the workflow: ``interpolation`` (points to grids) ->
``anomalies`` (thresholds, screening) -> ``labels`` (pseudo-labels) -> ``learning``
(the CNN, the only torch user) -> ``evaluation`` (held-out deposits). ``io`` reads and
writes for every stage and imports none; ``reports`` renders the stages' results;
``errors``, ``callbacks``, ``grid`` and ``neighbours`` sit at the top. Imports inside
core are relative.
"""
