"""Reading and writing rasters, vectors and values; outputs written atomically."""
