"""Small self-contained SVG line plots for HTML reports (no matplotlib: nothing beyond numpy)."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from html import escape
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

_clip_ids = itertools.count(1)  # clip paths need ids unique within the HTML page

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")


@dataclass
class Series:
    """One polyline; ``dash`` is an SVG dash pattern such as ``"6 4"``."""

    x: Sequence[float]
    y: Sequence[float]
    label: str
    color: str = PALETTE[0]
    dash: Optional[str] = None
    width: float = 2.0


@dataclass
class Marker:
    """A labelled point."""

    x: float
    y: float
    label: str
    color: str = "#000000"


def nice_ticks(lo: float, hi: float, count: int = 5) -> List[float]:
    """About ``count`` round tick values covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    raw = (hi - lo) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks: List[float] = []
    value = first
    while value <= hi + 1e-9 * step and len(ticks) < 50:
        ticks.append(0.0 if abs(value) < 1e-12 * step else value)
        value += step
    return ticks


def log_ticks(lo: float, hi: float) -> List[float]:
    """Tick values for a log axis over [lo, hi] (both > 0): the powers of ten inside, with 2 and 5 times them when
    fewer than three powers fall inside."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo <= 0 or hi <= lo:
        return []
    first, last = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    steps = (1.0,) if last - first >= 3 else (1.0, 2.0, 5.0)
    ticks = [m * 10.0**k for k in range(first, last + 1) for m in steps]
    return [t for t in ticks if lo * (1 - 1e-9) <= t <= hi * (1 + 1e-9)]


def _fmt(value: float) -> str:
    """A tick label: 4 significant digits, but whole numbers from 10,000 up in full ('10,000', not '1e+04')."""
    if abs(value) >= 1e4 and abs(value) < 1e15 and float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.4g}"


def line_plot(
    series: Sequence[Series],
    title: str,
    x_label: str,
    y_label: str,
    x_range: Optional[Tuple[float, float]] = None,
    y_range: Optional[Tuple[float, float]] = None,
    markers: Sequence[Marker] = (),
    y2_label: Optional[str] = None,
    y2_tick_text: Optional[Callable[[float], str]] = None,
    width: int = 560,
    height: int = 380,
    x_log: bool = False,
) -> str:
    """An ``<svg>`` element with axes, ticks, a legend and the given series.

    A right-hand axis (``y2_label``) labels the same ticks through ``y2_tick_text``: it serves curves drawn on
    the left scale but read on a transformed one (e.g. a reversed percentage). ``x_log``: a logarithmic x axis
    (points at x <= 0 are left out; ``x_range``, when given, is in data units).
    """
    xs = np.concatenate([np.asarray(s.x, float) for s in series] + [np.array([m.x for m in markers], float)])
    ys = np.concatenate([np.asarray(s.y, float) for s in series] + [np.array([m.y for m in markers], float)])
    xs, ys = xs[np.isfinite(xs) & ((xs > 0) if x_log else True)], ys[np.isfinite(ys)]
    scale: Callable[[float], float] = math.log10 if x_log else float
    if x_range:
        x_range = (scale(x_range[0]), scale(x_range[1]))
    elif x_log and xs.size:
        xs = np.log10(xs)
    x0, x1 = x_range if x_range else ((xs.min(), xs.max()) if xs.size else (0.0, 1.0))
    y0, y1 = y_range if y_range else ((ys.min(), ys.max()) if ys.size else (0.0, 1.0))
    if x1 <= x0:
        x0, x1 = x0 - 0.5, x0 + 0.5
    if y1 <= y0:
        y0, y1 = y0 - 0.5, y0 + 0.5
    left, right, top, bottom = 62, (62 if y2_label else 18), 34, 52
    pw, ph = width - left - right, height - top - bottom
    height += 18 * len(series)  # the legend goes under the plot, where it hides no curve

    def px(x: float) -> float:  # x in data units
        position = (math.log10(x) if x > 0 else -math.inf) if x_log else x
        return left + (position - x0) / (x1 - x0) * pw

    def py(y: float) -> float:
        return top + (1.0 - (y - y0) / (y1 - y0)) * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12" role="img">',
        f"<title>{escape(title)}</title>",
        f'<text x="{width / 2:.1f}" y="20" text-anchor="middle" font-size="14" font-weight="bold">'
        f"{escape(title)}</text>",
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="#ffffff" stroke="#444444"/>',
    ]
    for t in log_ticks(10.0**x0, 10.0**x1) if x_log else nice_ticks(x0, x1):
        out.append(f'<line x1="{px(t):.1f}" y1="{top}" x2="{px(t):.1f}" y2="{top + ph}" stroke="#e5e5e5"/>')
        out.append(f'<text x="{px(t):.1f}" y="{top + ph + 16}" text-anchor="middle">{_fmt(t)}</text>')
    for t in nice_ticks(y0, y1):
        out.append(f'<line x1="{left}" y1="{py(t):.1f}" x2="{left + pw}" y2="{py(t):.1f}" stroke="#e5e5e5"/>')
        out.append(f'<text x="{left - 6}" y="{py(t) + 4:.1f}" text-anchor="end">{_fmt(t)}</text>')
        if y2_label:
            text = y2_tick_text(t) if y2_tick_text else _fmt(t)
            out.append(f'<text x="{left + pw + 6}" y="{py(t) + 4:.1f}">{escape(text)}</text>')
    out.append(
        f'<text x="{left + pw / 2:.1f}" y="{top + ph + 40}" text-anchor="middle">{escape(x_label)}</text>'
        f'<text transform="translate(16 {top + ph / 2:.1f}) rotate(-90)" text-anchor="middle">'
        f"{escape(y_label)}</text>"
    )
    if y2_label:
        out.append(
            f'<text transform="translate({width - 12} {top + ph / 2:.1f}) rotate(90)" text-anchor="middle">'
            f"{escape(y2_label)}</text>"
        )
    clip = f"plotarea{next(_clip_ids)}"
    out.append(f'<defs><clipPath id="{clip}"><rect x="{left}" y="{top}" width="{pw}" height="{ph}"/></clipPath></defs>')
    for s in series:
        x, y = np.asarray(s.x, float), np.asarray(s.y, float)
        ok = np.isfinite(x) & np.isfinite(y) & ((x > 0) if x_log else True)
        points = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(x[ok], y[ok]))
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        out.append(
            f'<polyline points="{points}" fill="none" stroke="{s.color}" stroke-width="{s.width}"{dash} '
            f'clip-path="url(#{clip})"/>'
        )
    shown = [m for m in markers if math.isfinite(m.x) and math.isfinite(m.y) and (m.x > 0 or not x_log)]
    # boxes a label must clear (left, right, baseline): the labels drawn so far, and every marker's dot (as a label
    # whose glyphs would cover it: a label pushed down off another's must not land on a third marker's point)
    placed: List[Tuple[float, float, float]] = [
        (float(px(m.x)) - MARKER_RADIUS, float(px(m.x)) + MARKER_RADIUS, float(py(m.y)) + DOT_BASELINE) for m in shown
    ]
    for m in shown:
        out.append(f'<circle cx="{px(m.x):.1f}" cy="{py(m.y):.1f}" r="{MARKER_RADIUS:g}" fill="{m.color}"/>')
        anchor = "end" if px(m.x) > left + 0.7 * pw else "start"
        lx = float(px(m.x)) + (-7 if anchor == "end" else 7)
        extent = LABEL_CHAR_WIDTH * len(m.label)
        span = (lx - extent, lx) if anchor == "end" else (lx, lx + extent)
        # 7 px above the point, but never above the frame's top + a line: the title sits there
        ly = label_baseline(span, max(float(py(m.y)) - 7, top + LABEL_LINE - 3), placed)
        placed.append((span[0], span[1], ly))
        out.append(f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" fill="{m.color}">{escape(m.label)}</text>')
    out.extend(_legend(series, left, top + ph + bottom + 4))  # under the x-axis label
    out.append("</svg>")
    return "\n".join(out)


#: width (px) of one character of a 12 px sans-serif label, generously: for telling whether two labels overlap
LABEL_CHAR_WIDTH = 7.0
#: height (px) a label line needs
LABEL_LINE = 15.0
#: a marker's dot (px), and the baseline below its centre of a label whose glyphs would cover it
MARKER_RADIUS, DOT_BASELINE = 4.0, 4.5


def label_baseline(span: Tuple[float, float], wanted: float, placed: Sequence[Tuple[float, float, float]]) -> float:
    """The baseline nearest below ``wanted`` at which a label covering ``span`` (left, right) overlaps none of the
    ``placed`` labels (left, right, baseline)."""
    y = wanted
    for _ in range(len(placed) + 1):
        clash = [b for lo, hi, b in placed if lo < span[1] and span[0] < hi and abs(b - y) < LABEL_LINE]
        if not clash:
            return y
        y = max(clash) + LABEL_LINE
    return y


def _legend(series: Sequence[Series], left: float, top: float) -> List[str]:
    """One line sample and label per series, 18 px apart from ``top`` down."""
    rows = []
    for i, s in enumerate(series):
        ly = top + 18 * i
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        rows.append(
            f'<line x1="{left}" y1="{ly}" x2="{left + 22}" y2="{ly}" stroke="{s.color}" stroke-width="{s.width}"{dash}/>'
            f'<text x="{left + 28}" y="{ly + 4}">{escape(s.label)}</text>'
        )
    return rows
