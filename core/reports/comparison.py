"""The comparison of learners (:mod:`..evaluation.compare`) as an HTML report and a CSV table."""

from __future__ import annotations

import html
import io
import math
from typing import Any, Dict, List, Mapping, Optional

from ..evaluation.compare import COMPLEXITY, TITLES, Comparison, success_curve, too_few_clusters
from ..io.outputs import write_text
from ..io.tables import SafeDictWriter
from .cells import Cell, isolated
from .classic import STYLE, table
from .legend import readable_number
from .svgplot import PALETTE, Series, line_plot
from .training import _provenance_html, data_sentence

CSV_COLUMNS = [
    "learner",
    "fold",
    "deposits",
    "auc",
    "auc_low",
    "auc_high",
    "capture_10",
    "capture_20",
    "minus_best_band",
    "minus_best_band_low",
    "minus_best_band_high",
    "seconds",
    "recommended",
    "minus_cnn",
    "minus_cnn_low",
    "minus_cnn_high",
]


def title(name: str) -> str:
    return TITLES.get(name, name)


def table_rows(comparison: Comparison) -> List[Dict[str, Any]]:
    """One row per learner and fold, then one pooled row per learner (fold ``all``, with intervals)."""
    rows: List[Dict[str, Any]] = []
    for name in comparison.learners:
        for f in comparison.per_fold(name):
            rows.append({"learner": name, **f, "recommended": ""})
    for name, s in comparison.summary.items():
        diff = s["minus_best_band"] or (None, None, None)
        diff_cnn = s.get("minus_cnn") or (None, None, None)
        rows.append(
            {
                "learner": name,
                "fold": "all",
                "deposits": int(comparison.folds.size),
                "auc": s["auc"],
                "auc_low": s["auc_low"],
                "auc_high": s["auc_high"],
                "capture_10": s["capture_10"],
                "capture_20": s["capture_20"],
                "minus_best_band": diff[0],
                "minus_best_band_low": diff[1],
                "minus_best_band_high": diff[2],
                "seconds": s["seconds"],
                "recommended": "yes" if name == comparison.recommended else "no",
                "minus_cnn": diff_cnn[0],
                "minus_cnn_low": diff_cnn[1],
                "minus_cnn_high": diff_cnn[2],
            }
        )
    return rows


def write_table(path: str, comparison: Comparison, parameter: str = "OUTPUT_TABLE") -> str:
    handle = io.StringIO(newline="")
    writer = SafeDictWriter(handle, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for row in table_rows(comparison):
        writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else ("" if v is None else v)) for k, v in row.items()})
    return write_text(path, handle.getvalue(), parameter)


def _interval(values: Any, signed: bool = False) -> str:
    """``mean [low, high]``, or n/a."""
    mean, lo, hi = values
    if mean is None or not math.isfinite(mean):
        return "n/a"
    f = "{:+.3f}" if signed else "{:.3f}"
    text = [f.format(v + 0.0 if round(v, 3) else 0.0) for v in (mean, lo, hi)]  # never '-0.000'
    return f"{text[0]} [{text[1]}, {text[2]}]"


def _distance(settings: Mapping[str, Any]) -> str:
    """The cluster distance, in map units when the caller recorded them (``cluster_distance``), else in cells."""
    if "cluster_distance" in settings:
        unit = settings.get("distance_unit") or "map units"
        return f"{readable_number(settings['cluster_distance'])} {unit}"
    return f"{settings['cluster_cells']:g} cells"


def _left_out(settings: Mapping[str, Any]) -> str:
    """' (9 more left out, without coordinates, off the rasters, on nodata or outside the mask: A, B, …)' when the
    caller listed any."""
    names = [str(n) for n in settings.get("left_out") or []]
    if not names:
        return ""
    shown = ", ".join(isolated(n) for n in names[:10]) + (" …" if len(names) > 10 else "")
    return (
        f" ({len(names)} more left out, without coordinates, off the rasters, on nodata or outside the mask: {shown})"
    )


def _opening(text: str) -> str:
    """``text`` to open a sentence: its first letter capitalised, the rest as it is ('CNN per cell' stays)."""
    return text[:1].upper() + text[1:]


def _percent(share: Optional[float]) -> str:
    """A share (0-1) of the held-out deposits as a percentage."""
    return "n/a" if share is None or not math.isfinite(share) else f"{100 * share:.0f} %"


def report_html(comparison: Comparison, band_names: List[str], provenance: Optional[Mapping[str, Any]] = None) -> str:
    """The whole report: pooled and per-fold held-out figures, paired differences, success-rate curves."""
    s = comparison.summary
    settings = comparison.settings
    variants = any(s[n].get("minus_cnn") is not None for n in s)  # CNN modes beside the labelled-cell CNN
    pooled = [
        [
            ("<b>" + html.escape(title(n)) + "</b>") if n == comparison.recommended else html.escape(title(n)),
            _interval((s[n]["auc"], s[n]["auc_low"], s[n]["auc_high"])),
            _percent(s[n]["capture_10"]),
            _percent(s[n]["capture_20"]),
            "—" if s[n]["minus_best_band"] is None else _interval(s[n]["minus_best_band"], signed=True),
            *([] if not variants else ["—" if s[n].get("minus_cnn") is None else _interval(s[n]["minus_cnn"], True)]),
            readable_number(s[n]["seconds"], 2),
        ]
        for n in comparison.learners
    ]
    pooled_columns = ["learner", "held-out AUC [95 %]", "capture 10 %", "capture 20 %"]
    pooled_columns += ["minus best band, paired [95 %]"] + (
        ["minus CNN (labelled cells), paired [95 %]"] if variants else []
    )
    folds = int(comparison.folds.max()) + 1
    per_fold = [
        [html.escape(title(n))] + [f"{r['auc']:.3f}" for r in comparison.per_fold(n)] for n in comparison.learners
    ]
    series = []
    for i, n in enumerate(comparison.learners):
        x, y = success_curve(comparison.learners[n].placement)
        series.append(
            Series(
                list(100 * x), list(100 * y), title(n), PALETTE[i % len(PALETTE)], "6 4" if n == "best band" else None
            )
        )
    series.append(Series([0, 100], [0, 100], "random", "#999999", "2 4", 1.0))
    plot = line_plot(
        series,
        "Success rate of held-out deposits",
        "% of area (highest first)",
        "% of held-out deposits",
        (0, 100),
        (0, 100),
    )
    rec = comparison.recommended
    diff = s[rec]["minus_best_band"]
    if rec == "best band":
        verdict = (
            "No learner beats the best single band by more than the tie margin: map with the band itself (its sign "
            "and name per fold are listed below), or collect more deposits."
        )
    elif diff is not None and diff[1] > 0 and too_few_clusters(int(comparison.settings["clusters"])):
        verdict = (
            f"{html.escape(_opening(title(rec)))} scores highest, and its paired interval against the best single band "
            f"lies above 0, but {html.escape(str(too_few_clusters(int(comparison.settings['clusters']))))}; collect "
            "deposits of more clusters before trusting the gap."
        )
    elif diff is not None and diff[1] > 0:
        verdict = (
            f"{html.escape(_opening(title(rec)))} beats the best single band on these folds (paired interval above 0)."
        )
    else:
        verdict = (
            f"{html.escape(_opening(title(rec)))} scores highest, but its paired difference to the best single band includes 0: "
            "with these few deposit clusters the gap is not resolved."
        )
    notes = "".join(f"<li>{html.escape(t)}</li>" for t in comparison.learners["best band"].notes)
    left_out = "".join(
        f"<li><b>{html.escape(title(n))}</b> {html.escape(scores.failed)}: not compared, never recommended.</li>"
        for n, scores in comparison.learners.items()
        if scores.failed
    )
    compared = sum(1 for n in comparison.learners if math.isfinite(s[n]["auc"]))
    if compared > 1:
        # the winner's curse: the best of several noisy scores on the same folds reads high
        verdict += (
            f" Its figure is the highest of {compared} learners scored on the same folds, so it flatters the"
            " recommended learner somewhat; its interval does not allow for the choice."
        )
        choice = comparison.choice
        if choice is not None:
            picks = ", ".join(f"{html.escape(title(n))} (fold {f})" for f, n in enumerate(choice.chosen))
            verdict += (
                f"</p><p><b>The choice checked:</b> the same rule, applied to each fold on the other folds' deposits"
                f" only, picks {picks}. Scored on the folds they did not see, those picks have a held-out AUC of"
                f" {_interval((choice.auc, choice.auc_low, choice.auc_high))}, against {s[rec]['auc']:.3f} for"
                f" {html.escape(title(rec))} chosen on all folds: that is what choosing a learner this way is worth on"
                " new ground."
                + (
                    " The picks differ between folds: these deposits do not settle which learner ranks first."
                    if len(set(choice.chosen)) > 1
                    else ""
                )
            )
    if left_out:
        verdict += f"</p><p><b>Left out:</b></p><ul>{left_out}</ul><p>"
    bands = ", ".join(f"{i + 1} = {isolated(b)}" for i, b in enumerate(band_names))
    if settings.get("labels") == "user":
        labels_note = (
            "the given label raster (LABELS), its labelled cells within the cluster distance of that fold's held-out "
            "deposits hidden"
        )
    else:
        labels_note = (
            f"labels made from the other folds' deposits only (3 x 3 cells each; {settings['negatives']} random "
            "barren cells beyond the cluster distance)"
        )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>GeoChem Prospector: learners compared</title>{STYLE}</head><body>
<h1>Learners compared on held-out deposits</h1>
{data_sentence({"provenance": provenance} if provenance else {})}
<p><b>Recommended: {html.escape(title(rec))}</b> (highest pooled held-out AUC; a learner within
{settings["tie"]:.3f} of the best that is simpler wins, simplest first: {"; ".join(html.escape(title(c)) for c in COMPLEXITY)}).
{verdict}</p>
<p class="note">Leave-cluster-out: {settings["deposits"]} deposits{_left_out(settings)} in {settings["clusters"]} clusters (linked within
{_distance(settings)}), {folds} folds of whole clusters. In each fold every learner was trained on {labels_note}
and scored on the held-out deposits against the background (valid cells away from the training deposits). Intervals: 95 % bootstrap resampling whole clusters ({settings["iterations"]:,} draws). Capture: share of
held-out deposits in the top 10 / 20 % of the background (a deposit tied with a run of background cells that the cut
goes through counts for the part of the run inside, as in evaluate).</p>
<h2>Pooled over folds</h2>
{table(pooled_columns + ["seconds, all folds"], pooled)}
<h2>Per fold</h2>
{table(["learner"] + [f"fold {f} ({_deposits(int((comparison.folds == f).sum()))})" for f in range(folds)], per_fold)}
<h2>Success-rate curves</h2>{plot}
<h2>Best single band, chosen on each fold's training labels</h2><ul>{notes}</ul><p class="note">Bands: {bands}</p>
{_deposit_table(comparison)}
{_provenance_html({"provenance": provenance} if provenance else {})}
</body></html>
"""


def _deposits(count: int) -> str:
    """'1 deposit', '3 deposits'."""
    return f"{count} deposit{'s' if count != 1 else ''}"


def _coordinate(value: float) -> str:
    """A cell centre's coordinate in full (to a millionth of a unit, no trailing zeros): a coordinate rounded to a
    few significant digits, as a report's other numbers are, points to another cell (7,511,625 as 7,512,000)."""
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _deposit_table(comparison: Comparison) -> str:
    """Each held-out deposit cell: where it is (``settings['deposit_xy']``, the cell centre, when the caller gave
    it), its cluster and fold, and each learner's placement there (the share of the fold's background scoring
    below it, ties half): the pooled AUC is their mean and the intervals resample them by cluster, so every figure
    above can be recomputed from this table."""
    names = [n for n in comparison.learners if not comparison.learners[n].failed]
    xy = comparison.settings.get("deposit_xy")
    rows = []
    for i in range(comparison.folds.size):
        where = [Cell(_coordinate(float(v))) for v in xy[i]] if xy is not None else [Cell(str(i + 1))]
        placements = [comparison.learners[n].placement[i] for n in names]
        rows.append(
            where
            + [Cell(str(int(comparison.clusters[i]) + 1)), Cell(str(int(comparison.folds[i])))]
            + [Cell(f"{v:.3f}" if math.isfinite(v) else "n/a") for v in placements]
        )
    first = ["x", "y"] if xy is not None else ["deposit cell"]
    return (
        '<h2>Held-out deposits</h2><p class="note">Each deposit cell, its cluster and the fold that held it out, '
        "and each learner's placement there: the share of that fold's background scoring below it (ties count "
        "half). A learner's pooled AUC is the mean of its column; the intervals resample the rows by cluster.</p>"
        + table(first + ["cluster", "fold"] + [title(n) for n in names], rows)
    )
