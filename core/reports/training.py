"""HTML training report of a patch CNN: loss/accuracy against iteration as inline SVG, confusion matrix, metrics.

Pure string building (no matplotlib, no torch): the report opens in QGIS's results viewer and in any browser.
"""

from __future__ import annotations

import html
import json
import math
from typing import Any, Dict, List, Mapping, Sequence

from .svgplot import PALETTE, Series, line_plot


def _curves(history: Sequence[Mapping[str, float]], key: str, title: str, y_label: str) -> str:
    """Training and validation ``key`` ("loss" or "accuracy") against iteration, from the zero line up."""
    it = [h["iteration"] for h in history]
    train = [h[f"train_{key}"] for h in history]
    val = [h[f"val_{key}"] for h in history]
    finite = [v for v in train + val if isinstance(v, (int, float)) and math.isfinite(v)]
    top = 1.0 if key == "accuracy" else max(finite, default=1.0)
    return line_plot(
        [
            Series(it, train, f"training {key}", PALETTE[0]),
            Series(it, val, f"validation {key}", PALETTE[1]),
        ],
        title,
        "iteration",
        y_label,
        y_range=(0.0, max(top, 1e-9)),
    )


def training_report_html(metadata: Mapping[str, Any], title: str = "GeoChem Prospector: CNN training") -> str:
    """The full report for a trained model's metadata (as stored in the model file)."""
    history: List[Dict[str, float]] = list(metadata.get("history", []))
    metrics: Dict[str, Any] = dict(metadata.get("metrics", {}))
    loss_svg = _curves(history, "loss", "Loss (class-weighted cross-entropy)", "loss")
    acc_svg = _curves(history, "accuracy", "Accuracy", "accuracy")
    classes = list(metadata.get("classes", []))
    cm = metrics.get("confusion_matrix", [])
    cm_rows = "".join(
        f"<tr><th>true {html.escape(str(c))}</th>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>"
        for c, row in zip(classes, cm)
    )
    cm_head = "<tr><th></th>" + "".join(f"<th>predicted {html.escape(str(c))}</th>" for c in classes) + "</tr>"
    split = metrics.get("split", {}) or {}
    members = list(metrics.get("ensemble") or [])
    curves_note = (
        f'<p class="note">Network 1 of the ensemble of {len(members)}; the validation metrics below are those of '
        "the ensemble's mean probability.</p>"
        if len(members) > 1
        else ""
    )
    best_epochs = ", ".join(str(m.get("best_epoch")) for m in members) if members else metrics.get("best_epoch")
    epochs_run = ", ".join(str(m.get("epochs_run")) for m in members) if members else metrics.get("epochs_run")
    rows = [
        ("Validation ROC AUC", _fmt(metrics.get("validation_roc_auc"))),
        ("Validation accuracy", _fmt(metrics.get("validation_accuracy"))),
        ("Validation balanced accuracy", _fmt(metrics.get("validation_balanced_accuracy"))),
        ("Validation loss", _fmt(metrics.get("validation_loss"))),
        ("Networks in the ensemble", max(1, len(members))),
        ("Best epoch (weights kept)" + (", per network" if len(members) > 1 else ""), best_epochs),
        ("Epochs run" + (", per network" if len(members) > 1 else ""), epochs_run),
        ("Iterations (network 1)", metrics.get("iterations")),
        ("Validation split", html.escape(json.dumps(split))),
        ("Uncertainty", html.escape(str(metadata.get("uncertainty", "")))),
    ]
    metric_rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    settings = dict(metadata.get("settings", {}))
    settings_rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in sorted(settings.items())
    )
    bands = ", ".join(html.escape(str(b)) for b in metadata.get("band_names", []))
    hashes = "".join(
        f"<tr><th>{html.escape(k)}</th><td><code>{html.escape(str(v))}</code></td></tr>"
        for k, v in dict(metadata.get("data_hashes", {})).items()
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
<h2>Learning curves</h2>{curves_note}{loss_svg}{acc_svg}
<h2>Validation metrics</h2><table>{metric_rows}</table>
<h2>Confusion matrix (validation cells)</h2><table>{cm_head}{cm_rows}</table>
<h2>Inputs</h2><p>Bands ({len(metadata.get("band_names", []))}): {bands}</p>
<p>Patch size: {metadata.get("patch_size")} cells; classes: {html.escape(str(classes))}</p>
<table>{hashes}</table>
<h2>Settings</h2><table>{settings_rows}</table>
{_provenance_html(metadata)}
</body></html>
"""


def _provenance_html(metadata: Mapping[str, Any]) -> str:
    """How the model was made (the provenance record the algorithm stores in the model file), as a table."""
    provenance = metadata.get("provenance")
    if not isinstance(provenance, Mapping) or not provenance:
        return ""
    rows = [
        ("Algorithm", provenance.get("algorithm")),
        ("Plugin version", provenance.get("plugin_version")),
        ("QGIS version", provenance.get("qgis_version")),
        ("PyTorch version", metadata.get("torch_version")),
        ("Run at (UTC)", provenance.get("created_utc")),
    ]
    cells = [f"<tr><th>{k}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows if v is not None]
    inputs = provenance.get("inputs") or []
    if inputs:
        items = "<br>".join(html.escape(str(i)) for i in inputs)
        cells.append(f"<tr><th>Inputs</th><td>{items}</td></tr>")
    parameters = provenance.get("parameters") or {}
    for name, value in sorted(dict(parameters).items()):
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        cells.append(f"<tr><th>{html.escape(str(name))}</th><td>{html.escape(text)}</td></tr>")
    return "<h2>Provenance</h2><table>" + "".join(cells) + "</table>"


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return "n/a" if not math.isfinite(value) else f"{value:.3f}"
    return html.escape(str(value))
