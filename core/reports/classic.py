"""HTML report of a classic learner (:mod:`..classic.learner`): what it learned — feature importances, standardised
coefficients or the weights-of-evidence table with the conditional-independence test — and its settings."""

from __future__ import annotations

import html
import math
import re
from typing import Any, List, Mapping, Sequence

from ..classic.learner import METHOD_TITLES
from .cells import Cell, isolated
from .legend import readable_number
from .training import _provenance_html, data_sentence

STYLE = (
    # a path or name without spaces wraps rather than widening the page
    "<style>body{font-family:sans-serif;max-width:1200px;margin:1em;overflow-wrap:anywhere}"
    " table{border-collapse:collapse;margin:0.5em 0}"
    " th,td{border:1px solid #bbb;padding:3px 8px;text-align:left} td.n{text-align:right} .note{color:#555}"
    # a number never wraps, nor a heading word, however long a name beside it: 0.973, not '0.' '97' '3'
    " td.n{white-space:nowrap} th{overflow-wrap:break-word}"
    " .bar{background:#3b6ea5;height:0.8em;display:inline-block} svg{width:100%;max-width:900px;height:auto}"
    # a weight over its standard deviation in one cell: the weights-of-evidence table fits 800 px without scrolling
    " td small{display:block;color:#555;white-space:nowrap} td.feature{overflow-wrap:break-word}"
    " td.pattern{white-space:nowrap}</style>"
)


def number(value: object, digits: int = 3) -> str:
    """A number for a table cell (n/a when not finite): ``digits`` decimals, one from 1,000 up, with thousands
    separators (weighted cell counts read 38,225.3, not 38225.282)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "n/a"
        return f"{value:,.1f}" if abs(value) >= 1000 else f"{value:.{digits}f}"
    return html.escape(str(value))


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """An HTML table; numbers right-aligned; a :class:`Cell` with its class."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{number(v)}</td>'
            if isinstance(v, (int, float)) and not isinstance(v, bool)
            else f'<td class="{v.css}">{v}</td>'
            if isinstance(v, Cell)
            else f"<td>{v}</td>"
            for v in row
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _with_sd(value: object, sd: object) -> Cell:
    """A weight and, below it in small type, its standard deviation ('± 0.238')."""
    return Cell(f"{number(value)}<small>± {number(sd)}</small>")


def _ranked(values: Mapping[str, float], title: str, note: str) -> str:
    items = sorted(values.items(), key=lambda kv: -abs(kv[1]))
    top = max((abs(v) for _, v in items), default=1.0) or 1.0
    rows: List[List[object]] = [
        [isolated(k), v, f'<span class="bar" style="width:{200 * abs(v) / top:.0f}px"></span>'] for k, v in items
    ]
    return f"<h2>{title}</h2><p class='note'>{note}</p>" + table(["feature", "value", ""], rows)


def what_it_learned(metadata: Mapping[str, Any]) -> str:
    """The learner's importances, coefficients or weights table, as HTML."""
    summary = dict(metadata.get("summary") or {})
    method = metadata.get("method")
    if method in ("random_forest", "gradient_boosting"):
        return _ranked(
            summary.get("importance", {}),
            "Feature importances",
            "Mean decrease in impurity over the trees (sums to 1); high for features the trees split on often and "
            "usefully. Correlated features share their importance.",
        )
    if method == "logistic":
        return _ranked(
            summary.get("coefficients", {}),
            "Coefficients",
            "Change in log-odds of mineralisation per standard deviation of the feature (positive: high values are "
            f"favourable); intercept {number(summary.get('intercept'))}.",
        )
    units = dict(metadata.get("band_units") or {})
    rows = [
        [
            Cell(_breakable(str(r["feature"])), "feature"),
            Cell(
                f"{_pattern(str(r['pattern']), _unit(str(r['feature']), r['kind'], units))}"
                f"<small>{html.escape(str(r['kind']))}</small>",
                "pattern",
            ),
            Cell(number(r["deposit_cells"], 1)),
            Cell(number(r["other_cells"], 1)),
            _with_sd(r["w_plus"], r["s_w_plus"]),
            _with_sd(r["w_minus"], r["s_w_minus"]),
            _with_sd(r["contrast"], r["s_contrast"]),
            r["studentised_contrast"],
        ]
        for r in summary.get("weights", [])
    ]
    ci = dict(summary.get("conditional_independence") or {})
    verdict = (
        "T exceeds n significantly (p < 0.05): the evidence is <b>not</b> conditionally independent; the "
        "posterior probabilities are inflated. Drop or combine correlated features."
        if ci.get("p_value", 1.0) < 0.05
        else "No significant excess of T over n at the 5 % level."
    )
    return (
        "<h2>Weights of evidence</h2><p class='note'>W+ applies to cells on the pattern, W- to the others (for a "
        "categorical value, W+ is that value's weight); C = W+ - W-. Under each weight, its standard deviation "
        "(± s); under each pattern, whether the feature was split in two at a threshold (binary) or taken class by "
        "class (categorical). Counts are training cells weighted by their confidence. A studentised contrast "
        "C/s(C) above about 2 is significant.</p>"
        + table(
            ["feature", "pattern", "deposit cells", "other cells", "W+", "W-", "C", "C/s(C)"],
            rows,
        )
        + "<h2>Conditional independence (Agterberg &amp; Cheng 2002)</h2>"
        + table(
            ["n (deposit cells)", "T (sum of posteriors)", "n/T", "s(T)", "z = (T - n)/s(T)", "p (one-sided)"],
            [[ci.get("n"), ci.get("T"), ci.get("ratio"), ci.get("s_T"), ci.get("z"), _p_value(ci.get("p_value"))]],
        )
        + f"<p>{verdict}</p>"
    )


def _breakable(name: str) -> str:
    """A band name that may wrap after its colons and underscores ('lithology:contact_distance_m'), so a long
    name does not widen the table."""
    breakable = "".join(html.escape(c) + ("<wbr>" if c in ":_" else "") for c in name)
    return f"<bdi>{breakable}</bdi>" if isolated(name).startswith("<bdi>") else breakable


def _unit(feature: str, kind: object, units: Mapping[str, str]) -> str:
    """The unit of a binary pattern's threshold: that of the feature's band (a window's mean and standard deviation
    are in the band's unit too); '' for a categorical value (a class code has none) or a band without one."""
    if kind != "binary":
        return ""
    band = re.sub(r" (mean|std) \d+x\d+$", "", feature)
    return str(units.get(band) or "")


def _pattern(text: str, unit: str = "") -> str:
    """A weights-of-evidence pattern ('>= 22319', '< 849.449', '= 1') for a table cell: the threshold to four
    significant digits with thousands separators, then its unit ('ppm', when the band has one), and the sign kept
    with its number on one line."""
    sign, _, value = text.partition(" ")
    try:
        number_text = readable_number(float(value))
    except ValueError:
        return html.escape(text)
    unit_text = f"&nbsp;{html.escape(unit)}" if unit else ""
    return f"{_SIGNS.get(sign, html.escape(sign))}&nbsp;{number_text}{unit_text}"


_SIGNS = {">=": "≥", "<": "&lt;", "=": "="}


#: the settings each learner uses, in words (a random forest's report listed a learning rate it never used)
_SETTINGS_USED = {
    "random_forest": ("n_estimators", "max_depth", "min_samples_leaf", "window", "seed"),
    "gradient_boosting": ("n_estimators", "learning_rate", "max_depth", "min_samples_leaf", "window", "seed"),
    "logistic": ("regularisation", "window"),
    "woe": ("window",),
}
_SETTING_WORDS = {
    "n_estimators": "trees",
    "max_depth": "largest tree depth",
    "min_samples_leaf": "fewest training cells in a leaf",
    "learning_rate": "learning rate (shrinkage of each tree)",
    "regularisation": "inverse regularisation strength C (L2; smaller is stronger)",
    "window": "window of each band's mean and standard deviation",
    "seed": "random seed",
}


def settings_rows(method: str, settings: Mapping[str, Any]) -> List[List[object]]:
    """The settings ``method`` uses, in words, with what a 0 means (those it ignores are left out); any setting
    this report does not know after them, as recorded."""
    rows: List[List[object]] = []
    for key in _SETTINGS_USED.get(method, ()):
        if key not in settings:
            continue
        value = settings[key]
        if key == "max_depth" and not value:
            value = "unlimited (0)" if method == "random_forest" else "3 (0: scikit-learn's default)"
        elif key == "window":
            value = f"{value} x {value} cells" if value else "none: the cell's own values only (0)"
        rows.append([html.escape(_SETTING_WORDS[key]), html.escape(str(value))])
    known = set(_SETTING_WORDS) | {"method"}  # the learner's own: shown above when it uses them
    rows += [[html.escape(k), html.escape(str(v))] for k, v in sorted(settings.items()) if k not in known]
    return rows


def _p_value(p: object) -> object:
    """A p-value as a reader takes it: '< 0.001' rather than 0.000."""
    return "&lt; 0.001" if isinstance(p, float) and 0 <= p < 0.001 else p


def _balanced_note(method: str, training: Mapping[str, Any]) -> str:
    """What the weights above became in the fit: the learners scikit-learn fits weight both classes to the same
    total (half the weights' sum each), so the weights shown are not those the fit used; weights of evidence
    uses them as they are."""
    try:
        total = float(training.get("weight_mineralised") or 0) + float(training.get("weight_barren") or 0)
    except (TypeError, ValueError):
        return ""
    if method == "woe" or method not in METHOD_TITLES or total <= 0:
        return ""
    intercept = " (and the intercept is not the training cells' log-odds)" if method == "logistic" else ""
    return (
        f'<p class="note">The weights above are the labels\' confidences summed; the fit weighted both classes to '
        f"the same total, {total / 2:,.1f} each, as if half the ground were mineralised: the model's probabilities "
        f"rank the cells but overstate the chance of mineralisation{intercept}.</p>"
    )


def classic_report_html(metadata: Mapping[str, Any]) -> str:
    """The full report of a classic model's metadata (as stored in the model file)."""
    method = str(metadata.get("method"))
    title = f"GeoChem Prospector: {METHOD_TITLES.get(method, method)}"
    training = dict(metadata.get("training") or {})
    settings = dict(metadata.get("settings") or {})
    features = ", ".join(isolated(f) for f in metadata.get("feature_names", []))
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>{STYLE}</head><body>
<h1>{html.escape(title)}</h1>
{data_sentence(metadata)}
<p class="note">These figures describe the fit to the training labels, not the map's skill: only deposits never
used in training tell that (prospector:comparemodels, prospector:evaluate).</p>
{what_it_learned(metadata)}
<h2>Training cells</h2>
{table(["mineralised cells", "barren cells", "weight, mineralised", "weight, barren"], [[training.get("mineralised_cells"), training.get("barren_cells"), training.get("weight_mineralised"), training.get("weight_barren")]])}
{_balanced_note(method, training)}
<h2>Features ({len(metadata.get("feature_names", []))})</h2><p>{features}</p>
<h2>Settings</h2>{table(["setting", "value"], settings_rows(method, settings))}
{_provenance_html(metadata)}
</body></html>
"""
