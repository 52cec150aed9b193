"""GeoTIFF reading and writing with rasterio: atomic writes (see :mod:`.outputs`), band names, provenance tags.

Inputs are read with GDAL's PAM off (:func:`.inputs.no_gdal_sidecars`): reading writes nothing beside them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np

from ..errors import InputError
from ..grid import GridSpec, check_memory
from .inputs import no_gdal_sidecars
from .outputs import atomic_output, check_output_folder, check_output_paths, output_group

__all__ = [
    "PROVENANCE_TAG",
    "RasterData",
    "atomic_output",
    "check_output_folder",
    "check_output_paths",
    "output_group",
    "rasterize_mask",
    "read_raster",
    "read_stack",
    "write_geotiff",
]

#: GeoTIFF metadata tag holding the JSON provenance record
PROVENANCE_TAG = "GEOCHEM_PROSPECTOR_PROVENANCE"


def write_geotiff(
    path: str,
    bands: np.ndarray,
    grid: GridSpec,
    band_names: Sequence[str],
    nodata: float = -9999.0,
    provenance: Optional[Mapping[str, Any]] = None,
    extra_tags: Optional[Mapping[str, str]] = None,
    dtype: str = "float32",
    parameter: str = "OUTPUT",
) -> str:
    """Write a (bands, rows, cols) array as a tiled, DEFLATE-compressed GeoTIFF, atomically.

    NaN cells are written as ``nodata``. Band descriptions carry ``band_names``;
    ``provenance`` is stored as JSON in the dataset tags. ``parameter`` names the output in errors.
    """
    import rasterio

    bands = np.asarray(bands)
    if bands.ndim == 2:
        bands = bands[None]
    if bands.shape[0] != len(band_names):
        raise ValueError("one band name is needed per band")
    data = bands.astype(dtype, copy=True)
    if np.issubdtype(data.dtype, np.floating):
        data[~np.isfinite(data)] = nodata
    profile = dict(
        driver="GTiff",
        width=grid.width,
        height=grid.height,
        count=data.shape[0],
        dtype=dtype,
        crs=grid.crs_wkt or None,
        transform=grid.affine(),
        nodata=nodata,
        compress="deflate",
        predictor=3 if np.issubdtype(data.dtype, np.floating) else 2,
        tiled=grid.width >= 256 and grid.height >= 256,
        interleave="band",
        num_threads="ALL_CPUS",  # GDAL compresses the tiles in parallel
    )
    if profile["tiled"]:
        profile.update(blockxsize=256, blockysize=256)
    with atomic_output(path, parameter) as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(data)
            for i, name in enumerate(band_names, start=1):
                dst.set_band_description(i, str(name))
            tags: Dict[str, str] = dict(extra_tags or {})
            if provenance is not None:
                tags[PROVENANCE_TAG] = json.dumps(provenance, default=str, sort_keys=True)
            if tags:
                dst.update_tags(**tags)
    return path


@dataclass
class RasterData:
    """Bands read from a raster, with their grid and names; NaN marks nodata."""

    bands: np.ndarray  # (count, height, width) float32
    grid: GridSpec
    band_names: list


def read_raster(
    path: str,
    band_names: Optional[Sequence[str]] = None,
    indexes: Optional[Sequence[int]] = None,
    parameter: str = "INPUT_RASTER",
    band_parameter: Optional[str] = None,
) -> RasterData:
    """Read a north-up raster as float32 with NaN for nodata; select bands by description or 1-based index.

    ``parameter`` names the raster in error messages, ``band_parameter`` (default: ``parameter``) the
    parameter that gave ``band_names``.

    The memory the read needs is estimated first: a raster too large is refused with the numbers
    (:class:`GridTooLargeError`) before anything is allocated.
    """
    import rasterio

    with no_gdal_sidecars():  # reading writes nothing beside the input (no .aux.xml)
        try:
            src = rasterio.open(path)
        except Exception as exc:  # rasterio raises RasterioIOError, a broad family
            raise InputError(f"cannot open raster '{path}': {exc}", parameter) from exc
        return _read_open(src, path, band_names, indexes, parameter, band_parameter)


def _read_open(
    src: Any,
    path: str,
    band_names: Optional[Sequence[str]],
    indexes: Optional[Sequence[int]],
    parameter: str,
    band_parameter: Optional[str],
) -> RasterData:
    import rasterio.errors

    with src:
        t = src.transform
        if t.b != 0 or t.d != 0 or t.e >= 0:
            raise InputError("the raster must be north-up (no rotation); warp it first.", parameter)
        if abs(abs(t.e) - t.a) > 1e-6 * t.a:
            raise InputError("the raster must have square cells; warp it to square cells first.", parameter)
        names = [d or f"band {i + 1}" for i, d in enumerate(src.descriptions)]
        if indexes is not None:
            bad = [i for i in indexes if not 1 <= int(i) <= src.count]
            if bad:
                raise InputError(
                    f"band {', '.join(str(b) for b in bad)} does not exist; the raster has {src.count} band(s).",
                    "BAND",
                )
            indexes = [int(i) for i in indexes]
        elif band_names is None:
            indexes = list(range(1, src.count + 1))
        else:
            missing = [b for b in band_names if b not in names]
            if missing:
                raise InputError(
                    f"band(s) {', '.join(missing)} not found; the raster has {', '.join(names)}.",
                    band_parameter or parameter,
                )
            indexes = [names.index(b) + 1 for b in band_names]
        # masked read: source values + mask byte, then the float32 copy and its filled copy
        per_value = np.dtype(src.dtypes[(indexes or [1])[0] - 1]).itemsize + 1 + 4 + 4
        check_memory(
            len(indexes) * src.width * src.height,
            per_value,
            parameter,
            f"reading {len(indexes)} band(s) of {src.width} x {src.height} cells",
            "use a coarser raster (Raster › Projections › Warp with a larger cell size) or clip it to the study area.",
        )
        try:
            data = src.read(indexes, masked=True).astype(np.float32).filled(np.nan)
        except (rasterio.errors.RasterioError, OSError) as exc:  # RasterioIOError is an OSError only
            raise InputError(
                f"cannot read raster '{path}' ({exc}); the file may be truncated or corrupt: make or download it "
                "again.",
                parameter,
            ) from None
        grid = GridSpec(t.c, t.f, t.a, src.width, src.height, src.crs.to_wkt() if src.crs else None)
        return RasterData(data, grid, [names[i - 1] for i in indexes])


def rasterize_mask(geometries: Sequence[Any], grid: GridSpec) -> np.ndarray:
    """Boolean (height, width) array, True where a cell centre lies in any of the shapely geometries."""
    from rasterio import features

    geoms = [g for g in geometries if g is not None and not g.is_empty]
    if not geoms:
        raise InputError("the mask layer has no polygons; choose a polygon layer or leave the mask empty.", "MASK")
    return features.rasterize(
        ((g, 1) for g in geoms), out_shape=(grid.height, grid.width), transform=grid.affine(), fill=0, dtype="uint8"
    ).astype(bool)


def read_stack(
    paths: Sequence[str],
    layer_names: Optional[Sequence[str]] = None,
    reference: Optional[GridSpec] = None,
    resampling: str = "bilinear",
    parameter: str = "INPUT_RASTERS",
) -> RasterData:
    """Read several rasters as one stack on a common grid.

    Every raster is reprojected/resampled onto ``reference`` (default: the
    first raster's grid). Bands are named ``<layer>:<band description>``, the
    layer name defaulting to the file name without extension. NaN is nodata.
    """
    import rasterio
    from rasterio.warp import Resampling, reproject

    if not paths:
        raise InputError("give at least one evidence raster.", parameter)
    names = list(layer_names) if layer_names is not None else [os.path.splitext(os.path.basename(p))[0] for p in paths]
    first = read_raster(paths[0], parameter=parameter) if reference is None else None
    grid = reference if reference is not None else first.grid  # type: ignore[union-attr]  # first is read then
    stacks: List[np.ndarray] = []
    band_names: List[str] = []
    for path, layer in zip(paths, names):
        if first is not None and path == paths[0]:
            data = first
        else:
            data = read_raster(path, parameter=parameter)
        if data.grid == grid or (
            data.grid.width == grid.width
            and data.grid.height == grid.height
            and np.allclose(data.grid.transform, grid.transform)
            and _same_crs(data.grid.crs_wkt, grid.crs_wkt)
        ):
            bands = data.bands
        else:
            bands = np.full((data.bands.shape[0], grid.height, grid.width), np.nan, dtype=np.float32)
            with rasterio.Env():
                for i in range(data.bands.shape[0]):
                    reproject(
                        source=data.bands[i],
                        destination=bands[i],
                        src_transform=data.grid.affine(),
                        src_crs=data.grid.crs_wkt,
                        src_nodata=np.nan,
                        dst_transform=grid.affine(),
                        dst_crs=grid.crs_wkt or data.grid.crs_wkt,
                        dst_nodata=np.nan,
                        resampling=getattr(Resampling, resampling),
                    )
        stacks.append(bands)
        band_names.extend(f"{layer}:{b}" for b in data.band_names)
    return RasterData(np.concatenate(stacks, axis=0), grid, band_names)


def _same_crs(a: Optional[str], b: Optional[str]) -> bool:
    if not a or not b:
        return a == b
    from rasterio.crs import CRS

    return CRS.from_wkt(a) == CRS.from_wkt(b)
