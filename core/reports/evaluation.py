"""The evaluation's HTML report (inline SVG plots) and CSV table."""

from __future__ import annotations

import datetime
import io
import math
from html import escape
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from ..evaluation.deposits import USED
from ..evaluation.evaluate import Evaluation
from ..io.outputs import write_text
from ..io.tables import SafeDictWriter
from .cells import Cell, isolated
from .legend import readable_number
from .svgplot import PALETTE, Marker, Series, line_plot

CSV_COLUMNS = ("kind", "name", "threshold", "area_percent", "deposit_percent", "value", "status")

#: curve points written to the CSV and drawn (the success-rate polyline stays exact, see SuccessCurve.downsample)
MAX_CURVE_POINTS = 2000


def _names(ev: Evaluation, deposit_names: Optional[Sequence[str]]) -> List[str]:
    n = ev.sample.status.size
    if deposit_names is None or len(deposit_names) != n:
        return [f"deposit {i + 1}" for i in range(n)]
    return [str(name) for name in deposit_names]


def _top_percent(ev: Evaluation) -> np.ndarray:
    """Per deposit: percent of the study area ranked above it (NaN for unused deposits)."""
    top = np.full(ev.sample.status.size, np.nan)
    top[ev.sample.status == USED] = 100.0 * (1.0 - ev.placements)
    return top


def summary(ev: Evaluation) -> Dict[str, float]:
    """The key numbers, by name (also the algorithm's numeric outputs)."""
    counts = ev.sample.counts
    numbers: Dict[str, float] = {
        "auc": ev.auc,
        "auc_bootstrap_low": ev.auc_bootstrap[0],
        "auc_bootstrap_high": ev.auc_bootstrap[1],
        "auc_bootstrap_units": float(ev.n_clusters),
        "auc_random_negatives_median": ev.auc_monte_carlo_median,
        "auc_random_negatives_low": ev.auc_monte_carlo[0],
        "auc_random_negatives_high": ev.auc_monte_carlo[1],
        "p_value_random": ev.p_value,
        "low_values_favourable": float(ev.low_values_favourable),  # 1: ranked lowest first (a distance band)
    }
    for percent, captured in ev.capture.items():
        numbers[f"capture_top_{percent:g}pct"] = captured
    numbers.update(
        pa_prediction_rate=ev.pa.prediction_rate,
        pa_area=ev.pa.area,
        pa_threshold=ev.pa.threshold,
        pa_normalized_density=ev.pa.normalized_density,
        pa_weight=ev.pa.weight,
        deposits_total=float(ev.sample.status.size),
        deposits_used=float(counts[USED]),
        study_area_cells=float(ev.n_cells),
        iterations=float(ev.iterations),
        confidence=ev.confidence,
    )
    for status, count in counts.items():
        if status != USED:
            numbers["deposits_" + status.replace(" ", "_")] = float(count)
    return numbers


def table_rows(ev: Evaluation, deposit_names: Optional[Sequence[str]] = None) -> List[Dict[str, Any]]:
    """Rows of the CSV: metrics, capture efficiency, P-A intersection, success-rate curve, deposits."""
    rows: List[Dict[str, Any]] = [{"kind": "metric", "name": k, "value": v} for k, v in summary(ev).items()]
    for percent, captured in ev.capture.items():
        rows.append(
            {
                "kind": "capture",
                "name": f"top {percent:g} %",
                "threshold": ev.curve.segment_value(percent / 100.0),
                "area_percent": percent,
                "deposit_percent": captured,
            }
        )
    rows.append(
        {
            "kind": "pa_intersection",
            "name": "normalized density",
            "threshold": ev.pa.threshold,
            "area_percent": ev.pa.area,
            "deposit_percent": ev.pa.prediction_rate,
            "value": ev.pa.normalized_density,
        }
    )
    keep = ev.curve.downsample(MAX_CURVE_POINTS)
    for k in keep:
        rows.append(
            {
                "kind": "success_curve",
                "name": int(k),
                "threshold": ev.curve.thresholds[k] if math.isfinite(ev.curve.thresholds[k]) else "",
                "area_percent": 100.0 * ev.curve.area[k],
                "deposit_percent": 100.0 * ev.curve.deposits[k],
            }
        )
    top = _top_percent(ev)
    for name, value, status, rank in zip(_names(ev, deposit_names), ev.sample.cell_values, ev.sample.status, top):
        rows.append(
            {
                "kind": "deposit",
                "name": name,
                "value": "" if not math.isfinite(value) else float(value),
                "area_percent": "" if not math.isfinite(rank) else float(rank),
                "status": status,
            }
        )
    return rows


def write_table(path: str, ev: Evaluation, deposit_names: Optional[Sequence[str]] = None) -> str:
    """Write the CSV atomically (``area_percent`` of a deposit row: share of the area ranked above it)."""
    rows = table_rows(ev, deposit_names)
    handle = io.StringIO(newline="")
    writer = SafeDictWriter(handle, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_number(k, row["kind"], v) for k, v in row.items()})
    return write_text(path, handle.getvalue(), "OUTPUT_TABLE")


def _csv_number(column: str, kind: str, value: Any) -> Any:
    """A float as the CSV writes it: the band's own values (thresholds, a deposit's value) in full (the shortest text
    that reads back as the same float), so that 'cells >= threshold' selects the row's cells; a float32 value
    rounded to 10 digits can round up past its own cell. Shares and statistics to 10 significant digits."""
    if not isinstance(value, float):
        return value
    if column == "threshold" or (column == "value" and kind == "deposit"):
        return repr(float(value))
    return f"{value:.10g}"


#: line colours of baseline maps in the success-rate plot (the evaluated map is PALETTE[0])
BASELINE_COLOURS = ("#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#7f7f7f")


def baseline_rows(main_name: str, ev: Evaluation, baselines: Sequence[Tuple[str, Evaluation]]) -> List[Tuple[str, ...]]:
    """One row per map, the evaluated one first: its name with which values rank first beneath it, AUC, interval,
    capture in the top 1/5/10/20 %, P-A point."""
    rows = []
    for name, item in [(main_name, ev), *baselines]:
        # no-break spaces: '75 %' stays on one line in the narrow columns of a 800 px window
        capture = [f"{item.capture.get(p, float('nan')):.0f}\u00a0%" for p in (1.0, 5.0, 10.0, 20.0)]
        rows.append(
            (
                Cell(f"{isolated(name)}<small>{_RANKED[item.low_values_favourable]}</small>", "map"),
                f"{item.auc:.3f}",
                item.interval_text(),
                *capture,
                f"{item.pa.prediction_rate:.0f}\u00a0% in {item.pa.area:.0f}\u00a0%",
                f"{item.sample.counts[USED]}",
            )
        )
    return rows


#: which end of a map ranks first, in the baseline table and the success-rate legend
_RANKED = {False: "high values first", True: "low values first (a distance)"}


def direction_sentence(ev: Evaluation, value_name: str) -> str:
    """How the cells were ranked, for the top of the report: a distance band ranks from the lowest value up."""
    if ev.low_values_favourable:
        return (
            f"Cells ranked from the lowest {value_name} up: low values are the prospective ones (a distance: near is "
            "prospective), so the AUC is the chance that a deposit's cell is lower than a random cell, and thresholds "
            "select the cells at or below them."
        )
    return f"Cells ranked from the highest {value_name} down: high values are taken as the prospective ones."


def format_p_value(p: float, iterations: int) -> str:
    """A Monte Carlo p-value as a reader takes it: '< 0.001 (1,000 resamples)' when no random placement did as
    well (the estimate (1 + 0) / (1 + n) only says p is below about 1/n), else '0.0123 (1,000 resamples)'."""
    resamples = f"({iterations:,} resamples)"
    if iterations > 0 and p <= 1.0 / (1 + iterations) + 1e-15:
        return f"< {1.0 / iterations:.2g} {resamples}"
    return f"{p:.3g} {resamples}"


def report_title(layer_name: str, band_name: str) -> str:
    """'Evaluation of <layer>', with the band evaluated when it says more than the layer's name (the demo's
    'Evaluation of prospectivity (prospectivity)' repeated it); an unnamed band ('band 1') keeps its name."""
    band = band_name.strip()
    if not band or band.casefold() == layer_name.strip().casefold():
        return f"Evaluation of {layer_name}"
    return f"Evaluation of {layer_name} ({band if band.casefold().startswith('band ') else 'band ' + band})"


def baseline_name(layer_name: str, band_name: str) -> str:
    """A baseline map as its table row and curve name it: the layer, with the band it evaluated when that says
    more ('evidence (faults:distance_m)': band 1 of an evidence stack)."""
    value = mapped_value_name(layer_name, band_name)
    return layer_name if value.casefold() == layer_name.strip().casefold() else f"{layer_name} ({value})"


def mapped_value_name(layer_name: str, band_name: str) -> str:
    """What the evaluated band holds, for axis labels: its name, or the layer's when the band has none of its own
    ('band 1')."""
    band = band_name.strip()
    return layer_name.strip() if not band or band.casefold().startswith("band ") else band


def _success_plot(
    ev: Evaluation, baselines: Sequence[Tuple[str, Evaluation]] = (), value_name: str = "prospectivity"
) -> str:
    keep = ev.curve.downsample(MAX_CURVE_POINTS)
    area, deposits = 100 * ev.curve.area[keep], 100 * ev.curve.deposits[keep]
    markers = [Marker(p, c, f"top {p:g} %: {c:.0f} %", PALETTE[1]) for p, c in ev.capture.items() if p in (10.0, 20.0)]
    markers.append(Marker(ev.pa.area, ev.pa.prediction_rate, f"P-A: {ev.pa.prediction_rate:.0f} %", PALETTE[2]))
    others = []
    for i, (name, other) in enumerate(baselines):  # the same deposits on each baseline map, thinner lines
        kept = other.curve.downsample(MAX_CURVE_POINTS)
        colour = BASELINE_COLOURS[i % len(BASELINE_COLOURS)]
        low = ", low values first" if other.low_values_favourable else ""
        label = f"{name} (AUC {other.auc:.3f}{low})"
        others.append(Series(100 * other.curve.area[kept], 100 * other.curve.deposits[kept], label, colour, width=1.5))
    first = "lowest" if ev.low_values_favourable else "highest"
    ranked = "each map's favourable values" if baselines else f"{first} {value_name}"
    return line_plot(
        [
            Series(area, deposits, f"success rate (AUC {ev.auc:.3f})", PALETTE[0]),
            *others,
            Series([0, 100], [0, 100], "random map", "#888888", dash="6 4", width=1.5),
            Series([0, 100], [100, 0], "P + A = 100 %", PALETTE[2], dash="2 3", width=1),
        ],
        "Success-rate curve",
        f"% of study area ({ranked} first)",
        "% of deposits",
        (0, 100),
        (0, 100),
        markers,
    )


def value_unit(unit: str) -> str:
    """The unit of the map's values as a label shows it: the band's unit, or 'band value' when the raster names
    none (a threshold of 1994 reads differently in nT and in a probability)."""
    return unit.strip() or "band value"


def _pa_plot(ev: Evaluation, value_name: str, unit: str) -> str:
    keep = ev.curve.downsample(MAX_CURVE_POINTS)
    keep = keep[keep >= 1]  # point 0 is the origin (threshold +inf)
    thresholds = ev.curve.thresholds[keep]
    x_log, x_range = pa_threshold_axis(thresholds)
    return line_plot(
        [
            Series(thresholds, 100 * ev.curve.deposits[keep], "prediction rate (% deposits, left)", PALETTE[0]),
            Series(thresholds, 100 * (1 - ev.curve.area[keep]), "occupied area (% of area, right)", PALETTE[1]),
        ],
        "Prediction-area (P-A) plot",
        f"{value_name} threshold, {value_unit(unit)}{', log scale' if x_log else ''} "
        f"(cells with value {'<=' if ev.low_values_favourable else '>='} threshold)",
        "% of deposits predicted",
        x_range,
        (0, 100),
        [Marker(ev.pa.threshold, ev.pa.prediction_rate, f"{ev.pa.prediction_rate:.0f} % / {ev.pa.area:.0f} %")],
        y2_label="% of area occupied",
        y2_tick_text=lambda t: f"{100 - t:.4g}",
        x_log=x_log,
    )


#: a threshold axis turns logarithmic when the values are positive and span at least this many decades
PA_LOG_DECADES = 2.0
#: and shows at most this many decades below the highest threshold (lower ones run off its left edge)
PA_MAX_DECADES = 8.0


def pa_threshold_axis(thresholds: np.ndarray) -> Tuple[bool, Optional[Tuple[float, float]]]:
    """Whether the P-A plot's threshold axis is logarithmic, and its range then. A probability map puts most of the
    area at values near 0 (the demo's P-A point lies at 0.0006 of a range up to 0.48), where a linear axis squeezes
    the area curve and the intersection against the frame; positive values over two decades or more are drawn on a
    log axis, as skewed geochemical values are."""
    t = np.asarray(thresholds, dtype=np.float64)
    t = t[np.isfinite(t)]
    if t.size < 2 or t.min() <= 0 or math.log10(t.max() / t.min()) < PA_LOG_DECADES:
        return False, None
    return True, (max(float(t.min()), float(t.max()) * 10.0**-PA_MAX_DECADES), float(t.max()))


def _table(rows: Sequence[Sequence[object]], header: Optional[Sequence[str]] = None, numbers: bool = False) -> str:
    """An HTML table; ``numbers``: every column after the first holds numbers, which never wrap (a long map or
    deposit name in the first column would otherwise squeeze them into '0.47' over '9')."""
    parts = ["<table class='numbers'>" if numbers else "<table>"]
    if header:
        parts.append("<tr>" + "".join(f"<th>{escape(str(h))}</th>" for h in header) + "</tr>")
    for row in rows:
        parts.append(
            "<tr>"
            + "".join(
                f'<td class="{c.css}">{c}</td>' if isinstance(c, Cell) else f"<td>{isolated(c)}</td>" for c in row
            )
            + "</tr>"
        )
    parts.append("</table>")
    return "".join(parts)


STYLE = """
body{font-family:sans-serif;max-width:1200px;margin:1em auto;padding:0 1em;color:#222;overflow-wrap:anywhere}
table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f0f0f0;overflow-wrap:break-word}table.numbers td:not(:first-child){white-space:nowrap}td small{display:block;color:#555;font-size:.85em}.big{font-size:1.4em}.note{background:#fff6d6;padding:.4em .8em;border-left:4px solid #e0b000}
.plots svg{width:100%;max-width:900px;height:auto;margin:0 0 1.5em 0;display:block}
"""


#: the ``inputs`` entries the report's first lines name, and how
_DATA_KEYS = (("prospectivity raster", "map"), ("deposits", "deposits"), ("study area mask", "study area"))


def report_html(
    ev: Evaluation,
    title: str = "Prospectivity evaluation",
    inputs: Optional[Mapping[str, str]] = None,
    deposit_names: Optional[Sequence[str]] = None,
    baselines: Sequence[Tuple[str, Evaluation]] = (),
    main_name: str = "evaluated map",
    value_name: str = "prospectivity",
    unit: str = "",
) -> str:
    """A self-contained HTML page: key numbers, the baselines side by side, plots, capture table, every deposit
    and its status. ``baselines``: (name, evaluation of that map against the same deposits); ``value_name`` and
    ``unit`` say what the evaluated band holds (thresholds and map values are in it; '' = unknown)."""
    units = value_unit(unit)
    level = f"{100 * ev.confidence:g} %"
    counts = ev.sample.counts
    key = [
        ("ROC AUC (deposits vs the whole study area)", f"{ev.auc:.3f}"),
        ("cells ranked", f"{ev.ranking} ({'low' if ev.low_values_favourable else 'high'} values prospective)"),
        (
            f"{level} interval, bootstrap over {ev.bootstrap_unit}",
            ev.interval_text(),
        ),
        (
            f"AUC against random negatives (ArcSDM Monte Carlo): median, {level} interval",
            f"{ev.auc_monte_carlo_median:.3f} ({ev.auc_monte_carlo[0]:.3f} – {ev.auc_monte_carlo[1]:.3f})",
        ),
        ("p-value: chance that as many random cells score as well", format_p_value(ev.p_value, ev.iterations)),
        (
            "P-A intersection: deposits predicted / area occupied",
            f"{ev.pa.prediction_rate:.1f} % in {ev.pa.area:.1f} % of the area (threshold {readable_number(ev.pa.threshold)} {units})",
        ),
        ("normalised density Nd (weight ln Nd)", f"{ev.pa.normalized_density:.2f} ({ev.pa.weight:.2f})"),
        ("deposits used / given", f"{counts[USED]} / {ev.sample.status.size}"),
        ("study-area cells", f"{ev.n_cells:,}"),
        ("resampling iterations", f"{ev.iterations:,}"),
    ]
    capture = [
        (f"top {p:g} %", f"{c:.1f} %", readable_number(ev.curve.segment_value(p / 100)), f"{c / p:.2f}")
        for p, c in ev.capture.items()
    ]
    top = _top_percent(ev)
    deposits = [
        (
            name,
            "" if not math.isfinite(v) else readable_number(v),
            "" if not math.isfinite(r) else f"{r:.1f} %",
            status,
        )
        for name, v, status, r in zip(_names(ev, deposit_names), ev.sample.cell_values, ev.sample.status, top)
    ]
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p class='big'>AUC <b>{ev.auc:.3f}</b> ({level} CI {ev.interval_text()}); top 10 % of the area holds <b>{ev.capture.get(10.0, float('nan')):.0f} %</b> "
        f"of the {counts[USED]} deposits.</p>",
    ]
    data = [f"{what} {inputs[key]}" for key, what in _DATA_KEYS if inputs and inputs.get(key)]
    if data:  # what the figures were computed on, before any of them (the Inputs table at the end has it all)
        parts.append(f"<p><b>Computed on</b> {escape('; '.join(data))}.</p>")
    parts.append(f"<p>{escape(direction_sentence(ev, value_name))}</p>")
    parts += [f"<p class='note'>{escape(note)}</p>" for note in ev.notes]
    parts += ["<h2>Key numbers</h2>", _table(key)]
    if baselines:
        parts += [
            "<h2>Against the baselines</h2>",
            "<p>The same deposits and study-area polygons on each map (each on its own grid and valid cells). A "
            "map that does not beat a simple baseline adds little.</p>",
            _table(
                baseline_rows(main_name, ev, baselines),
                [
                    "map, ranked",
                    "AUC",
                    f"{level} interval",
                    "top 1 %",
                    "top 5 %",
                    "top 10 %",
                    "top 20 %",
                    "P-A",
                    "deposits",
                ],
                numbers=True,
            ),
        ]
    parts += ["<div class='plots'>", _success_plot(ev, baselines, value_name), _pa_plot(ev, value_name, unit), "</div>"]
    parts += [
        "<h2>Capture efficiency</h2>",
        _table(
            capture,
            [f"share of area ({ev.ranking})", "deposits captured", f"threshold ({units})", "gain over random"],
            numbers=True,
        ),
        "<h2>Deposits</h2>",
        _table(deposits, ["deposit", f"map value ({units})", "share of area ranked above it", "status"], numbers=True),
        "<h2>How to read this</h2><ul>",
        "<li><b>AUC</b>: the chance that a deposit's cell scores higher than a random cell of the study area "
        "(ties count half); 0.5 is a random map, 1 a perfect one. It equals the area under the success-rate "
        "curve. The bootstrap interval reflects how few deposits there are (resample clusters of nearby deposits, "
        "CLUSTER_DISTANCE, when they are not independent); the random-negatives interval is "
        "what the ArcSDM ROC tool reports (AUC against as many random cells as deposits, repeated). A distance "
        "band (to faults, contacts: named '…distance…' or marked so by prospector:evidence) is ranked the other "
        "way, lowest first, so that a useful distance reads above 0.5 too.</li>",
        "<li><b>Success-rate curve</b>: cells sorted from the most to the least prospective; the curve shows "
        "which share of the deposits lies in the first x % of the area. Above the diagonal is better than "
        "random. Cells of equal value are spread evenly along the curve.</li>",
        "<li><b>P-A plot</b> (Yousefi &amp; Carranza 2015): the share of deposits predicted and the share of the "
        "area occupied, against the threshold. At the intersection P % of the deposits lie in 100 − P % of the "
        "area; a higher intersection is a better map. Nd = P / A, and ln Nd &gt; 0 means better than random. "
        "Positive values spanning two decades or more (a probability map) are drawn on a log threshold axis.</li>",
        "<li>Deposits off the raster, on nodata or outside the mask are listed above with their status and are "
        "not counted. Evaluate against deposits held out of training, or the numbers are optimistic.</li></ul>",
    ]
    if inputs:
        parts += ["<h2>Inputs</h2>", _table(list(inputs.items()))]
    parts.append(f"<p><small>Written {now} by GeoChem Prospector.</small></p></body></html>")
    return "\n".join(parts)


def write_report(
    path: str,
    ev: Evaluation,
    title: str = "Prospectivity evaluation",
    inputs: Optional[Mapping[str, str]] = None,
    deposit_names: Optional[Sequence[str]] = None,
    baselines: Sequence[Tuple[str, Evaluation]] = (),
    main_name: str = "evaluated map",
    value_name: str = "prospectivity",
    unit: str = "",
) -> str:
    """Write the HTML report atomically."""
    text = report_html(ev, title, inputs, deposit_names, baselines, main_name, value_name, unit)
    return write_text(path, text, "OUTPUT_REPORT")
