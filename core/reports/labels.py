"""The pseudo-label summary (counts per class, settings) as JSON, CSV or HTML."""

from __future__ import annotations

import html
import io
import json
from typing import Any, Dict, Optional

from ..io.outputs import write_text
from ..io.tables import SafeWriter
from ..labels.pseudolabel import PseudoLabelResult


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


def write_summary(path: str, record: Dict[str, Any], parameter: str = "OUTPUT_SUMMARY") -> str:
    """Write the summary atomically; ``.json``, ``.csv`` or (anything else) HTML. ``parameter`` names the output
    in error messages."""
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
            "<table><tr><th>class</th><th>name</th><th>seed cells</th><th>pseudo-labelled</th>"
            "<th>total</th><th>share</th></tr>"
        ]
        for r in record["classes"]:
            body.append(
                f"<tr><td>{r['class_id']}</td><td>{esc(str(r['name']))}</td><td>{r['seed']}</td>"
                f"<td>{r['pseudo']}</td><td>{r['total']}</td><td>{100 * r['share']:.1f} %</td></tr>"
            )
        body.append("</table>")
        body.append(
            f"<p>{record['labelled_cells']} of {record['valid_cells']} valid cells labelled; "
            f"{record['unlabelled_cells']} left unlabelled (nodata).</p>"
        )
        body.append("<h2>Settings</h2><table>")
        for k, v in record["settings"].items():
            body.append(f"<tr><td>{esc(str(k))}</td><td>{esc(str(v))}</td></tr>")
        body.append("</table>")
        if record["history"]:
            body.append("<h2>Rounds</h2><ul>")
            body.extend(f"<li>{esc(json.dumps(h))}</li>" for h in record["history"])
            body.append("</ul>")
        if record["warnings"]:
            body.append("<h2>Warnings</h2><ul>")
            body.extend(f"<li>{esc(str(w))}</li>" for w in record["warnings"])
            body.append("</ul>")
        text = (
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Pseudo-labelling summary</title>"
            "<style>body{font-family:sans-serif}td,th{padding:2px 8px;border-bottom:1px solid #ccc}</style>"
            "</head><body><h1>Pseudo-labelling summary</h1>" + "".join(body) + "</body></html>"
        )
    return write_text(path, text, parameter)
