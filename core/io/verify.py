"""Reading an output back before it replaces anything: a GeoTIFF block by block, a GeoPackage's features, a zip's
members."""

from __future__ import annotations

import os
import zipfile
from typing import Callable, Optional

from ..callbacks import ProgressCallback, report


def default_verifier(path: str) -> Optional[Callable[[str], None]]:
    """How to read an output back, from its extension: GeoTIFF (every block), GeoPackage (every layer), model
    (.pt: a zip archive); None for the rest (their writers check the size, see :func:`write_bytes`)."""
    extension = os.path.splitext(path)[1].lower()
    if extension in (".tif", ".tiff"):
        return verify_raster
    if extension == ".gpkg":
        return verify_vector
    if extension == ".pt":
        return verify_zip
    return None


def verify_raster(path: str, progress: ProgressCallback = None) -> None:
    """Open a raster and read every block of every band (one block at a time: bounded memory); ``progress`` moves
    per block (a third of a large GeoTIFF's write: its tiles are decompressed one by one)."""
    import rasterio

    with rasterio.open(path) as src:
        if src.count < 1 or src.width < 1 or src.height < 1:
            raise ValueError("the raster has no cells")
        windows = [(band, window) for band in range(1, src.count + 1) for _, window in src.block_windows(band)]
        every = max(1, len(windows) // 100)  # a hundred reports at most
        for done, (band, window) in enumerate(windows, start=1):
            src.read(band, window=window)
            if done % every == 0 or done == len(windows):
                report(progress, done / len(windows))


def verify_vector(path: str, layer: Optional[str] = None, features: Optional[int] = None) -> None:
    """Open every layer of a vector file and count its features; with ``features``, the count must match."""
    import fiona

    layers = [layer] if layer else fiona.listlayers(path)
    if not layers:
        raise ValueError("the file has no layer")
    for name in layers:
        with fiona.open(path, layer=name) as collection:
            count = len(collection)
        if features is not None and name == (layer or name) and count != features:
            raise ValueError(f"layer '{name}' has {count} features, {features} were written")


def verify_zip(path: str) -> None:
    """A model file is a zip archive (torch.save): it must open and every member's checksum must match."""
    with zipfile.ZipFile(path) as archive:
        bad = archive.testzip()
    if bad is not None:
        raise ValueError(f"member '{bad}' is damaged")
