"""A small map of a class raster with points over it, for HTML reports: a PNG (written here, zlib only) inside an
SVG that marks the points. Self-contained: the report stays one file that opens in any browser."""

from __future__ import annotations

import base64
import math
import struct
import zlib
from html import escape
from typing import Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ..grid import GridSpec

#: colours of label classes (0 barren, 1 mineralised, 2.. further classes): the pseudo-label layer's own palette
#: (resources/styles/pseudolabels.qml), so the report's map reads like the map layer beside it
CLASS_COLOURS = {0: (166, 166, 166), 1: (123, 50, 148), 2: (194, 165, 207), 3: (64, 0, 75)}
UNLABELLED_COLOUR = (235, 235, 235)
#: colour of cells outside the study area or on nodata (class -2): the page's white, so the area's edge shows
OUTSIDE_COLOUR = (255, 255, 255)
#: the class value :func:`class_image` draws as outside (below unlabelled, -1: a block with any inside cell shows it)
OUTSIDE = -2


def png_bytes(rgb: np.ndarray) -> bytes:
    """An 8-bit RGB PNG of a (height, width, 3) uint8 array."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    height, width, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[row].tobytes() for row in range(height))  # filter 0 (none) on every row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def class_image(labels: np.ndarray, max_cells: int = 400, colours: Optional[Mapping[int, Tuple[int, ...]]] = None):
    """RGB image of a class raster (-2 = outside the study area or nodata, other negative values = unlabelled), at
    most ``max_cells`` per side: a block shows its highest class, so that scattered mineralised cells stay visible
    and a block touching the study area shows as inside it. Returns (image, block size)."""
    colours = colours or CLASS_COLOURS
    labels = np.asarray(labels)
    step = max(1, int(math.ceil(max(labels.shape) / max_cells)))
    if step > 1:
        rows, cols = (math.ceil(n / step) for n in labels.shape)
        padded = np.full((rows * step, cols * step), OUTSIDE, dtype=np.int64)
        padded[: labels.shape[0], : labels.shape[1]] = labels
        labels = padded.reshape(rows, step, cols, step).max(axis=(1, 3))
    image = np.empty(labels.shape + (3,), dtype=np.uint8)
    image[:] = UNLABELLED_COLOUR
    image[labels <= OUTSIDE] = OUTSIDE_COLOUR
    for value, colour in colours.items():
        image[labels == value] = colour
    return image, step


def label_map_svg(
    labels: np.ndarray,
    grid: GridSpec,
    points_xy: Union[np.ndarray, Sequence[Tuple[float, float]]] = (),
    title: str = "Labels and deposits",
    size: int = 560,
    inside: Optional[np.ndarray] = None,
    point_classes: Optional[Sequence[int]] = None,
) -> str:
    """An ``<svg>`` of the class raster (``size`` px on its longer side) with each point as a dot ringed in black:
    filled in the mineralised purple where its class (``point_classes``, one per point; all mineralised when not
    given) is 1 or more, white where it is barren (0). The Meuse labelled samples (16 mineralised among 155) were
    all white dots: the map did not show which were the seeds. ``inside`` (bool, the raster's shape): the study
    area's valid cells; the others are drawn white, apart from the light grey of unlabelled cells inside."""
    labels = np.asarray(labels)
    if inside is not None:
        labels = np.where(np.asarray(inside, bool), labels, OUTSIDE)
    image, step = class_image(labels)
    height, width = image.shape[:2]
    scale = size / max(height, width)
    w, h = width * scale, height * scale
    data = base64.b64encode(png_bytes(image)).decode("ascii")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h + 24:.0f}" '
        f'viewBox="0 0 {w:.1f} {h + 24:.1f}" font-family="sans-serif" font-size="12" role="img">',
        f"<title>{escape(title)}</title>",
        f'<image x="0" y="24" width="{w:.1f}" height="{h:.1f}" preserveAspectRatio="none" '
        f'style="image-rendering:pixelated" href="data:image/png;base64,{data}"/>',
        f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>',
    ]
    cell = grid.pixel_size * step  # ground size of one image pixel
    mineralised = "#{:02x}{:02x}{:02x}".format(*CLASS_COLOURS[1])
    classes = [1] * len(points_xy) if point_classes is None else list(point_classes)
    # barren dots first, so that a mineralised one on the same spot is drawn on top
    for (x, y), c in sorted(zip(points_xy, classes), key=lambda item: item[1] >= 1):
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        px = (x - grid.xmin) / cell * scale
        py = 24 + (grid.ymax - y) / cell * scale
        if 0 <= px <= w and 24 <= py <= h + 24:
            fill = mineralised if c >= 1 else "#ffffff"
            parts.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4.5" fill="{fill}" stroke="#000000" stroke-width="1.5"/>'
            )
    parts.append("</svg>")
    return "\n".join(parts)
