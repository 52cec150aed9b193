"""prospector:evidence core: distance to 10,000 fault segments on a 10,000 x 10,000 grid, against gdal_proximity.

Reference, in the same run on the same grid: ``gdal_rasterize -at`` of the segments, then ``gdal_proximity.py
-distunits GEO`` (GDAL's two-pass raster proximity, compiled C++). Ours measures from each cell centre to the
segments themselves (exact), tile by tile into a GeoTIFF; GDAL measures to the centres of the burned cells, so the
two differ by at most half a cell diagonal, which is checked on 20,000 random cells. Each side runs in its own
process, whose peak resident memory (ru_maxrss) is printed: ours must stay bounded whatever the grid size.

``BENCH_EVIDENCE_SIZE`` (default 10000) and ``BENCH_EVIDENCE_SEGMENTS`` (default 10000) change the scene.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PLUGINS = os.path.join(os.path.dirname(HERE), "build", "plugins")
PIXEL = 10.0

#: ours, in a child process: writes the distance GeoTIFF, prints seconds and peak memory as JSON
CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
from shapely.geometry import LineString
from geochem_prospector.core.evidence.lines import LineEvidence
from geochem_prospector.core.evidence.stack import write_stack
from geochem_prospector.core.grid import GridSpec
segs = np.load(sys.argv[2]); size = int(sys.argv[4]); px = float(sys.argv[5])
started = time.perf_counter()
grid = GridSpec(0.0, size * px, px, size, size, "EPSG:3067")
source = LineEvidence("faults", [LineString([(a, b), (c, d)]) for a, b, c, d in segs], grid)
write_stack(sys.argv[3], grid, [source])
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "pieces": len(source.index.pieces)}))
"""

#: a command in a child process: prints its seconds and the command's peak memory as JSON
TIMED = r"""
import json, resource, subprocess, sys, time
started = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, capture_output=True)
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def faults(n: int, size: int, seed: int = 0) -> np.ndarray:
    """``n`` straight segments of 0.5 to 5 km in random directions, cut at the grid's edges (GDAL sees only the
    cells inside the grid)."""
    rng = np.random.default_rng(seed)
    extent = size * PIXEL
    start = rng.uniform(0, extent, (n, 2))
    angle = rng.uniform(0, np.pi, n)
    length = rng.uniform(500.0, 5000.0, n)
    end = np.clip(start + np.column_stack([np.cos(angle), np.sin(angle)]) * length[:, None], 0.0, extent)
    return np.column_stack([start, end])


def _json(args) -> dict:
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    return json.loads(out)


def main() -> None:
    os.environ.setdefault("PROJ_DATA", "/usr/share/proj")  # the venv hides Debian's PROJ data from pyproj
    import geopandas as gpd
    import rasterio
    from rasterio.windows import Window
    from shapely.geometry import LineString

    size = int(os.environ.get("BENCH_EVIDENCE_SIZE", "10000"))
    n = int(os.environ.get("BENCH_EVIDENCE_SEGMENTS", "10000"))
    segs = faults(n, size)
    extent = size * PIXEL
    with tempfile.TemporaryDirectory(prefix="bench-evidence-") as tmp:
        np.save(os.path.join(tmp, "segs.npy"), segs)
        vector = os.path.join(tmp, "faults.gpkg")
        lines = [LineString([(a, b), (c, d)]) for a, b, c, d in segs]
        gpd.GeoDataFrame({"id": np.arange(n)}, geometry=lines, crs="EPSG:3067").to_file(vector, driver="GPKG")
        ours_tif = os.path.join(tmp, "ours.tif")
        ours = _json([sys.executable, "-c", CHILD, PLUGINS, os.path.join(tmp, "segs.npy"), ours_tif, str(size),
                      str(PIXEL)])  # fmt: skip
        print(
            f"ours: exact distance to {n:,} segments ({ours['pieces']:,} pieces) on {size:,} x {size:,} cells: "
            f"{ours['seconds']:.1f} s, peak {ours['peak_mib']:,.0f} MiB"
        )
        burned, gdal_tif = os.path.join(tmp, "burned.tif"), os.path.join(tmp, "gdal.tif")
        te = ["-te", "0", "0", str(extent), str(extent), "-tr", str(PIXEL), str(PIXEL)]
        rasterize = _json([sys.executable, "-c", TIMED, "gdal_rasterize", "-q", "-at", "-burn", "1", "-init", "0",
                           "-ot", "Byte", "-co", "TILED=YES", "-co", "COMPRESS=DEFLATE", *te, vector, burned])  # fmt: skip
        proximity = _json([sys.executable, "-c", TIMED, "gdal_proximity.py", "-q", burned, gdal_tif, "-values", "1",
                           "-distunits", "GEO", "-ot", "Float32", "-co", "TILED=YES", "-co", "COMPRESS=DEFLATE"])  # fmt: skip
        t_gdal = rasterize["seconds"] + proximity["seconds"]
        print(
            f"gdal_rasterize -at {rasterize['seconds']:.1f} s + gdal_proximity.py {proximity['seconds']:.1f} s = "
            f"{t_gdal:.1f} s, peak {max(rasterize['peak_mib'], proximity['peak_mib']):,.0f} MiB"
        )
        print(f"ratio ours/GDAL = {ours['seconds'] / t_gdal:.2f}")
        rng = np.random.default_rng(1)
        rows, cols = rng.integers(0, size, 20_000), rng.integers(0, size, 20_000)
        worst = 0.0
        with rasterio.open(ours_tif) as a, rasterio.open(gdal_tif) as b:
            for r, c in zip(rows, cols):
                window = Window(int(c), int(r), 1, 1)
                worst = max(worst, abs(float(a.read(1, window=window)[0, 0]) - float(b.read(1, window=window)[0, 0])))
        bound = PIXEL * np.sqrt(2) / 2
        print(
            f"largest |ours - GDAL| on 20,000 random cells: {worst:.2f} m (bound: half a cell diagonal, {bound:.2f} m)"
        )


if __name__ == "__main__":
    main()
