"""HTML training report of a patch CNN: loss/accuracy against iteration as inline SVG, confusion matrix, metrics.

Pure string building (no matplotlib, no torch): the report opens in QGIS's results viewer and in any browser.
"""

from __future__ import annotations

import html
import json
import math
from typing import Dict, List, Mapping, Sequence, Tuple

Series = Tuple[str, Sequence[float], Sequence[float], str]  # label, x, y, colour


def svg_line_chart(
    series: Sequence[Series], title: str, x_label: str, y_label: str, width: int = 640, height: int = 300
) -> str:
    """A small, self-contained SVG line chart with axes, ticks and a legend."""
    left, right, top, bottom = 60, 150, 30, 45
    xs = [x for _, sx, sy, _ in series for x, y in zip(sx, sy) if _finite(x) and _finite(y)]
    ys = [y for _, sx, sy, _ in series for x, y in zip(sx, sy) if _finite(x) and _finite(y)]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="13">{html.escape(title)}</text>',
    ]
    if not xs:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">no data</text></svg>')
        return "".join(parts)
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(min(ys), 0.0), max(ys)
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y1 = y0 + 1
    pw, ph = width - left - right, height - top - bottom

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * pw

    def py(y: float) -> float:
        return top + ph - (y - y0) / (y1 - y0) * ph

    parts.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>')
    for t in _ticks(y0, y1):
        parts.append(f'<line x1="{left}" x2="{left + pw}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 5}" y="{py(t) + 4:.1f}" text-anchor="end">{t:g}</text>')
    for t in _ticks(x0, x1):
        parts.append(f'<text x="{px(t):.1f}" y="{top + ph + 15}" text-anchor="middle">{t:g}</text>')
    parts.append(f'<text x="{left + pw / 2}" y="{height - 8}" text-anchor="middle">{html.escape(x_label)}</text>')
    parts.append(
        f'<text x="14" y="{top + ph / 2}" text-anchor="middle" transform="rotate(-90 14 {top + ph / 2})">'
        f"{html.escape(y_label)}</text>"
    )
    for i, (label, sx, sy, colour) in enumerate(series):
        points = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(sx, sy) if _finite(x) and _finite(y))
        if points:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        ly = top + 12 + 15 * i
        parts.append(f'<line x1="{left + pw + 10}" x2="{left + pw + 30}" y1="{ly}" y2="{ly}" stroke="{colour}" ')
        parts.append(f'stroke-width="2"/><text x="{left + pw + 35}" y="{ly + 4}">{html.escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _finite(v: object) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def _ticks(lo: float, hi: float, n: int = 5) -> List[float]:
    step = 10 ** math.floor(math.log10((hi - lo) / n))
    for m in (1, 2, 5, 10):
        if (hi - lo) / (step * m) <= n:
            step *= m
            break
    start = math.ceil(lo / step) * step
    return [round(start + i * step, 10) for i in range(int((hi - start) / step + 1e-9) + 1)]


def training_report_html(metadata: Mapping[str, object], title: str = "GeoChem Prospector: CNN training") -> str:
    """The full report for a trained model's metadata (as stored in the model file)."""
    history: List[Dict[str, float]] = list(metadata.get("history", []))  # type: ignore[arg-type]
    metrics: Dict[str, object] = dict(metadata.get("metrics", {}))  # type: ignore[arg-type]
    it = [h["iteration"] for h in history]
    loss_svg = svg_line_chart(
        [
            ("training loss", it, [h["train_loss"] for h in history], "#1f77b4"),
            ("validation loss", it, [h["val_loss"] for h in history], "#d62728"),
        ],
        "Loss (class-weighted cross-entropy)",
        "iteration",
        "loss",
    )
    acc_svg = svg_line_chart(
        [
            ("training accuracy", it, [h["train_accuracy"] for h in history], "#1f77b4"),
            ("validation accuracy", it, [h["val_accuracy"] for h in history], "#d62728"),
        ],
        "Accuracy",
        "iteration",
        "accuracy",
    )
    classes = list(metadata.get("classes", []))  # type: ignore[arg-type]
    cm = metrics.get("confusion_matrix", [])
    cm_rows = "".join(
        f"<tr><th>true {html.escape(str(c))}</th>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>"
        for c, row in zip(classes, cm)  # type: ignore[arg-type]
    )
    cm_head = "<tr><th></th>" + "".join(f"<th>predicted {html.escape(str(c))}</th>" for c in classes) + "</tr>"
    split = metrics.get("split", {}) or {}
    rows = [
        ("Validation ROC AUC", _fmt(metrics.get("validation_roc_auc"))),
        ("Validation accuracy", _fmt(metrics.get("validation_accuracy"))),
        ("Validation balanced accuracy", _fmt(metrics.get("validation_balanced_accuracy"))),
        ("Validation loss", _fmt(metrics.get("validation_loss"))),
        ("Best epoch (weights kept)", metrics.get("best_epoch")),
        ("Epochs run / iterations", f"{metrics.get('epochs_run')} / {metrics.get('iterations')}"),
        ("Validation split", html.escape(json.dumps(split))),
        ("Uncertainty", html.escape(str(metadata.get("uncertainty", "")))),
    ]
    metric_rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    settings = dict(metadata.get("settings", {}))  # type: ignore[arg-type]
    settings_rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in sorted(settings.items())
    )
    bands = ", ".join(html.escape(str(b)) for b in metadata.get("band_names", []))  # type: ignore[union-attr]
    hashes = "".join(
        f"<tr><th>{html.escape(k)}</th><td><code>{html.escape(str(v))}</code></td></tr>"
        for k, v in dict(metadata.get("data_hashes", {})).items()  # type: ignore[arg-type]
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:1200px;margin:1em}} table{{border-collapse:collapse;margin:0.5em 0}}
th,td{{border:1px solid #bbb;padding:3px 8px;text-align:left}} .note{{color:#555}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="note">Validation cells are separated in space from training cells ({html.escape(str(split.get("method")))};
training cells closer than a patch width to a validation cell are dropped), never a random cell split. They also
chose the early-stopping epoch, so these figures are somewhat optimistic: check the map against deposits that were
never used in training (prospector:evaluate).</p>
<h2>Learning curves</h2>{loss_svg}{acc_svg}
<h2>Validation metrics</h2><table>{metric_rows}</table>
<h2>Confusion matrix (validation cells)</h2><table>{cm_head}{cm_rows}</table>
<h2>Inputs</h2><p>Bands ({len(metadata.get("band_names", []))}): {bands}</p>
<p>Patch size: {metadata.get("patch_size")} cells; classes: {html.escape(str(classes))}</p>
<table>{hashes}</table>
<h2>Settings</h2><table>{settings_rows}</table>
</body></html>
"""


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return "n/a" if not math.isfinite(value) else f"{value:.3f}"
    return html.escape(str(value))
