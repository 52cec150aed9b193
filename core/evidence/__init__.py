"""Evidence layers on one grid: distances, densities, classes and resampled rasters, window by window.

Every source of evidence (:mod:`.lines`, :mod:`.polygons`, :mod:`.points`, :mod:`.rasters`) is an object whose
``bands`` say what it writes (:class:`.bands.BandSpec`: name, unit, kind) and whose ``window(grid, r0, r1, c0, c1)``
computes those bands for one window of the grid, reading nothing outside its own (read-only) data: the per-window
unit of work. :func:`.stack.write_stack` runs them tile by tile into one GeoTIFF, so memory is bounded by the tile
size, not the grid.
"""
