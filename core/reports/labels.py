"""The pseudo-label summary (counts per class, settings) as JSON, CSV or HTML."""

from __future__ import annotations

import html
import io
import json
from typing import Any, Callable, Dict, List, Optional, Tuple

from ..io.outputs import write_text
from ..io.tables import SafeWriter
from ..labels.pseudolabel import PseudoLabelResult
from .cells import isolated


def summary_record(result: PseudoLabelResult, class_names: Optional[Dict[int, str]] = None) -> Dict[str, Any]:
    """Counts per class, class balance and settings as a JSON-friendly dict."""
    names = class_names or {}
    balance = result.class_balance
    rows = []
    for c, v in result.counts.items():
        rows.append(
            dict(
                class_id=int(c),
                name=names.get(int(c), {"0": "barren", "1": "mineralised"}.get(c, f"class {c}")),
                **v,
                share=round(balance[c], 6),
            )
        )
    labelled = sum(v["total"] for v in result.counts.values())
    return dict(
        classes=rows,
        valid_cells=result.valid_cells,
        labelled_cells=labelled,
        unlabelled_cells=result.valid_cells - labelled,
        settings=result.settings,
        history=result.history,
        warnings=result.warnings,
    )


def summary_lines(record: Dict[str, Any]) -> List[str]:
    """The log's account of a :func:`summary_record`: each class's seed and pseudo-labelled cells and its share of
    the labelled cells, then the valid cells left unlabelled."""
    lines = [
        f"class {row['class_id']} ({row['name']}): {row['seed']} seed + {row['pseudo']} pseudo-labelled cells = "
        f"{100 * row['share']:.1f} % of the labelled cells"
        for row in record["classes"]
    ]
    return lines + [f"{record['unlabelled_cells']} of {record['valid_cells']} valid cells left unlabelled."]


METHOD_WORDS = {"pu_bagging": "PU bagging", "label_spreading": "label spreading", "self_training": "self-training"}


def _distance(value: float) -> str:
    return f"{value:,g} map units (metres in a metric CRS)" if value else "0 (only the cell of the point)"


#: each setting in words, and its value with its unit
SETTING_WORDS: Dict[str, Tuple[str, Callable[[Any], str]]] = {
    "method": ("Method", lambda v: METHOD_WORDS.get(v, str(v))),
    "positive_radius": ("Cells labelled mineralised around each mineralised point, within", _distance),
    "negative_buffer": ("No cell labelled barren within this distance of a mineralised point", _distance),
    "confidence": ("Confidence a cell needs for a pseudo-label (share of votes or probability)", lambda v: f"{v:g}"),
    "iterations": ("Self-training rounds", lambda v: f"{v:d}"),
    "bags": ("PU bagging: classifiers trained on the positives against random cells", lambda v: f"{v:d}"),
    "neighbors": ("Label spreading: neighbours of each cell", lambda v: f"{v:d}"),
    "negative_quantile": ("Reliable barren cells: consistently among the lowest", lambda v: f"{100 * v:g} % of scores"),
    "alpha": ("Label spreading: weight of the neighbours' labels (alpha)", lambda v: f"{v:g}"),
    "growth": ("Self-training: most a class may grow in one round", lambda v: f"{100 * v:g} % of its size"),
    "seed": ("Random seed", str),
    "bands": ("Evidence bands the cells were compared on", lambda v: f"{v:,d}"),
    "labelled_points": ("Labelled points given (LABELS)", lambda v: f"{v:,d}"),
    "unlabelled_cells": ("Valid cells left unlabelled", lambda v: f"{v:,d}"),
}


def setting_in_words(key: str, value: Any) -> Tuple[str, str]:
    """(what the setting means, its value with a unit); unknown settings as they are."""
    label, formatter = SETTING_WORDS.get(key, (key, str))
    try:
        return label, formatter(value)
    except (TypeError, ValueError):
        return label, str(value)


def _round_in_words(entry: Dict[str, Any]) -> str:
    text = f"Round {entry.get('round', '?')}: {entry.get('added', 0):,} cells labelled"
    rest = {k: v for k, v in entry.items() if k not in ("round", "added")}
    if "note" in rest:
        text += f" ({rest.pop('note')})"
    held = rest.pop("held_back", None)
    if isinstance(held, dict) and sum(held.values()):
        text += f"; {sum(held.values()):,} more cells at CONFIDENCE or above held back by the growth limit"
    if rest:
        text += "; " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in rest.items())
    return text


def write_summary(
    path: str, record: Dict[str, Any], parameter: str = "OUTPUT_SUMMARY", thumbnail: str = "", data: str = ""
) -> str:
    """Write the summary atomically; ``.json``, ``.csv`` or (anything else) HTML, with ``thumbnail`` (an
    ``<svg>`` map of the labels) and ``data`` (HTML: what it was computed on, :func:`.training.data_sentence`) in
    the HTML. ``parameter`` names the output in error messages."""
    ext = path.lower().rsplit(".", 1)[-1] if "." in path else ""
    if ext == "json":
        text = json.dumps(record, indent=2, default=str)
    elif ext == "csv":
        buf = io.StringIO()
        writer = SafeWriter(buf)
        writer.writerow(["class_id", "name", "seed", "pseudo", "total", "share"])
        for r in record["classes"]:
            writer.writerow([r["class_id"], r["name"], r["seed"], r["pseudo"], r["total"], r["share"]])
        writer.writerow([])
        writer.writerow(["setting", "value"])
        for k, v in record["settings"].items():
            writer.writerow([k, v])
        text = buf.getvalue()
    else:
        esc = html.escape
        body = [
            data,
            "<table><tr><th>class</th><th>name</th><th>seed cells</th><th>pseudo-labelled</th>"
            "<th>total</th><th>share</th></tr>",
        ]
        for r in record["classes"]:
            body.append(
                f"<tr><td>{r['class_id']}</td><td>{isolated(r['name'])}</td><td>{r['seed']:,}</td>"
                f"<td>{r['pseudo']:,}</td><td>{r['total']:,}</td><td>{100 * r['share']:.1f} %</td></tr>"
            )
        body.append("</table>")
        body.append(
            f"<p>{record['labelled_cells']:,} of {record['valid_cells']:,} valid cells labelled; "
            f"{record['unlabelled_cells']:,} left unlabelled (nodata).</p>"
        )
        if thumbnail:
            body.append("<h2>Map</h2>" + thumbnail)
            body.append(
                "<p>Purple: mineralised, grey: barren, light grey: unlabelled cells of the study area, white: outside "
                "it or nodata; dots ringed in black: the labelled points, purple where mineralised, white where "
                "barren. A block of cells shows its highest class.</p>"
            )
        body.append("<h2>Settings</h2><table>")
        for k, v in record["settings"].items():
            label, value = setting_in_words(k, v)
            body.append(f"<tr><td>{esc(label)}</td><td>{esc(value)}</td></tr>")
        body.append("</table>")
        if record["history"]:
            body.append("<h2>Rounds</h2><ul>")
            body.extend(f"<li>{esc(_round_in_words(h))}</li>" for h in record["history"])
            body.append("</ul>")
        if record["warnings"]:
            body.append("<h2>Warnings</h2><ul>")
            body.extend(f"<li>{esc(str(w))}</li>" for w in record["warnings"])
            body.append("</ul>")
        text = (
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Pseudo-labelling summary</title>"
            "<style>body{font-family:sans-serif;overflow-wrap:anywhere}"
            "td,th{padding:2px 8px;border-bottom:1px solid #ccc}</style>"
            "</head><body><h1>Pseudo-labelling summary</h1>" + "".join(body) + "</body></html>"
        )
    return write_text(path, text, parameter)
