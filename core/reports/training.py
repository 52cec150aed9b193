"""HTML training report of a patch CNN: what its figures do not measure (first), loss/accuracy against iteration
for every network as inline SVG, confusion matrix, metrics, calibration.

Pure string building (no matplotlib, no torch): the report opens in QGIS's results viewer and in any browser.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
import urllib.parse
from typing import Any, Dict, List, Mapping, Sequence, Tuple

from .cells import isolated
from .svgplot import PALETTE, Series, line_plot


def majority_share(confusion: Sequence[Sequence[float]]) -> float:
    """The accuracy on the validation cells of a network that calls every cell the commonest class (rows of the
    confusion matrix: true classes); NaN when it is empty."""
    totals = [float(sum(row)) for row in confusion]
    return max(totals) / sum(totals) if totals and sum(totals) > 0 else float("nan")


def _curves(
    histories: Sequence[Sequence[Mapping[str, float]]],
    key: str,
    title: str,
    y_label: str,
    reference: float = float("nan"),
) -> str:
    """Training (solid) and validation (dashed) ``key`` ("loss" or "accuracy") against iteration for every network
    of the ensemble, one colour per network; loss from the zero line up. Accuracy (against ``reference``, the
    share of the commonest class, drawn as a grey line) spans the curves and that line: on labels that are 98 %
    barren a 0-1 axis squeezes every curve into its top pixels."""
    series = []
    finite: List[float] = []
    for i, history in enumerate(histories):
        it = [h["iteration"] for h in history]
        train = [h[f"train_{key}"] for h in history]
        val = [h[f"val_{key}"] for h in history]
        finite += [v for v in train + val if isinstance(v, (int, float)) and math.isfinite(v)]
        name = f"network {i + 1}: " if len(histories) > 1 else ""
        colour = PALETTE[i % len(PALETTE)] if len(histories) > 1 else PALETTE[0]
        series += [
            Series(it, train, f"{name}training {key}", colour),
            Series(it, val, f"{name}validation {key}", colour if len(histories) > 1 else PALETTE[1], dash="6 4"),
        ]
    if key == "accuracy":
        its = [h["iteration"] for history in histories for h in history]
        if math.isfinite(reference) and its:
            series.append(Series([min(its), max(its)], [reference, reference], _MAJORITY_LABEL, "#888888", "2 3"))
            finite.append(reference)
        low = math.floor(20 * min(finite, default=0.0)) / 20  # down to a multiple of 0.05
        return line_plot(series, title, "iteration", y_label, y_range=(max(0.0, min(low, 0.95)), 1.0))
    return line_plot(series, title, "iteration", y_label, y_range=(0.0, max(max(finite, default=1.0), 1e-9)))


_MAJORITY_LABEL = "every validation cell called the commonest class"


#: the report's first lines: what its figures measure and what they do not
NOT_MAP_SKILL = (
    '<p class="warning"><strong>Agreement with the training labels is not map skill.</strong> The figures below '
    "compare the network with labels held out in space from its training cells; when those labels are "
    "pseudo-labels grown from the same evidence (prospector:pseudolabel), a validation ROC AUC near 1 says only "
    "that the network reproduces the pseudo-labeller. How good the map is shows only against deposits never used "
    "in training or labelling: run <b>prospector:evaluate</b> on held-out deposits (with its baselines), and "
    "<b>prospector:comparemodels</b> to compare learners on the same leave-cluster-out folds.</p>"
)


def _is_pu(metadata: Mapping[str, Any]) -> bool:
    """Whether the model was trained positive-unlabelled (TRAINING pu)."""
    return dict(metadata.get("settings", {}) or {}).get("training") == "pu"


def training_report_html(metadata: Mapping[str, Any], title: str = "GeoChem Prospector: CNN training") -> str:
    """The full report for a trained model's metadata (as stored in the model file)."""
    history: List[Dict[str, float]] = list(metadata.get("history", []))
    histories = [history] + [list(h) for h in metadata.get("member_histories", []) or []]
    metrics: Dict[str, Any] = dict(metadata.get("metrics", {}))
    pu = _is_pu(metadata)
    # under positive-unlabelled training both curves are the PU risk, and accuracy counts unlabelled as barren
    loss_title = "Loss (non-negative PU risk)" if pu else "Loss (class-weighted cross-entropy)"
    loss_svg = _curves(histories, "loss", loss_title, "loss")
    classes = list(metadata.get("classes", []))
    cm = metrics.get("confusion_matrix", [])
    majority = majority_share(cm)
    acc_title = "Accuracy (unlabelled cells counted as barren)" if pu else "Accuracy"
    acc_svg = _curves(histories, "accuracy", acc_title, "accuracy", majority)
    # positive-unlabelled: the true 0 row is the unlabelled sample, not cells labelled barren
    kinds = {0: " (unlabelled)", 1: " (positive)"} if pu else {}
    cm_rows = "".join(
        f"<tr><th>true {html.escape(str(c))}{kinds.get(c, '')}</th>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>"
        for c, row in zip(classes, cm)
    )
    cm_head = "<tr><th></th>" + "".join(f"<th>predicted {html.escape(str(c))}</th>" for c in classes) + "</tr>"
    split = metrics.get("split", {}) or {}
    members = list(metrics.get("ensemble") or [])
    calibration = dict(metadata.get("calibration") or {})
    combined = (
        f"the ensemble's mean logit divided by the temperature T = {_fmt(float(calibration['temperature']))}"
        if calibration.get("combine") == "logits"
        else "the ensemble's mean probability"
    )
    curves_note = (
        f'<p class="note">Every network of the ensemble of {len(histories)}: solid lines training, dashed lines '
        f"validation, one colour per network. The validation metrics below are those of {combined}.</p>"
        if len(histories) > 1
        else ""
    )
    best_epochs = ", ".join(str(m.get("best_epoch")) for m in members) if members else metrics.get("best_epoch")
    epochs_run = ", ".join(str(m.get("epochs_run")) for m in members) if members else metrics.get("epochs_run")
    # positive-unlabelled: the validation cells are positives and unlabelled cells, and unlabelled is not barren
    against = " (positive cells against unlabelled ones)" if pu else ""
    counted = " (unlabelled cells counted as barren)" if against else ""
    rows = [
        ("Validation ROC AUC" + against + _positive_cells(metrics), _fmt(metrics.get("validation_roc_auc"))),
        ("Validation accuracy" + counted, _fmt(metrics.get("validation_accuracy"))),
        ("Accuracy of calling every validation cell the commonest class (for comparison)", _fmt(majority)),
        ("Validation balanced accuracy" + counted, _fmt(metrics.get("validation_balanced_accuracy"))),
        ("Validation loss" + (" (non-negative PU risk)" if against else ""), _fmt(metrics.get("validation_loss"))),
        ("Networks in the ensemble", max(1, len(members))),
        ("Best epoch (weights kept)" + (", per network" if len(members) > 1 else ""), best_epochs),
        ("Epochs run" + (", per network" if len(members) > 1 else ""), epochs_run),
        ("Iterations (network 1)", metrics.get("iterations")),
        ("Validation split", html.escape(split_sentence(split))),
        ("Uncertainty", html.escape(str(metadata.get("uncertainty", "")))),
    ]
    if calibration:
        rows += [
            ("Networks combined by", html.escape(str(calibration.get("combine")))),
            ("Temperature T", _fmt(calibration.get("temperature"))),
            ("Validation NLL at T = 1 / at T", f"{_fmt(calibration.get('validation_nll_at_1'))} / "
             f"{_fmt(calibration.get('validation_nll'))}"),
            ("Temperature fit", html.escape(str(calibration.get("note", "")))),
        ]  # fmt: skip
        if calibration.get("validation_nll_at_1") is None:  # not fitted (positive-unlabelled): no NLL to give
            rows = [row for row in rows if not row[0].startswith("Validation NLL")]
    settings_used = dict(metadata.get("settings", {}))
    if settings_used.get("teacher", "none") != "none":
        rows.append(("Teacher (distillation)", html.escape(_teacher(settings_used))))
    used = metrics.get("bands_used")
    if isinstance(used, Mapping) and used:
        rows.append(
            (
                "Bands read (share of the networks), band sparsity",
                html.escape(_bands_read(used, settings_used, metrics.get("band_sparsity_choice"))),
            )
        )
    reading = metadata.get("reading")
    if isinstance(reading, Mapping) and reading:
        rows.append(("Evidence read", html.escape(_reading(reading))))
    metric_rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    settings_rows = "".join(
        f'<tr title="{html.escape(f"{key} = {raw!r}")}"><th>{html.escape(label)} <code class="key">'
        f"{html.escape(key)}</code></th><td>{html.escape(value)}</td></tr>"
        for key, label, value, raw in settings_in_words(dict(metadata.get("settings", {})), metadata.get("grid"))
    )
    bands = ", ".join(isolated(b) for b in metadata.get("band_names", []))
    hashes = "".join(
        f"<tr><th>{html.escape(k)}</th><td><code>{html.escape(str(v))}</code></td></tr>"
        for k, v in dict(metadata.get("data_hashes", {})).items()
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:1200px;margin:1em;overflow-wrap:anywhere}} table{{border-collapse:collapse;margin:0.5em 0}}
th,td{{border:1px solid #bbb;padding:3px 8px;text-align:left}} .note{{color:#555}}
code.key{{display:block;font-size:0.75em;font-weight:normal;color:#666}}
.warning{{border-left:4px solid #d62728;padding:4px 10px;background:#fff4f4}}</style></head><body>
<h1>{html.escape(title)}</h1>
{data_sentence(metadata)}
{NOT_MAP_SKILL}
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
<h2>Settings</h2><p class="note">As the Processing form names them; under each, the key the model file stores it
under (hover a row for the value as stored).</p><table>{settings_rows}</table>
{_provenance_html(metadata)}
</body></html>
"""


def _yes_no(value: Any) -> str:
    return "yes" if value else "no"


def _cells(value: Any, grid: Any) -> str:
    """A number of cells, with the ground distance where the model file records the cell size."""
    cells = float(value)
    pixel = grid.get("pixel_size") if isinstance(grid, Mapping) else None
    ground = f" ({cells * float(pixel):,.0f} map units)" if isinstance(pixel, (int, float)) and pixel > 0 else ""
    return f"{cells:,g} cells{ground}"


def _none_if_zero(words: str) -> Any:
    return lambda v, grid: words if not v else f"{v:g}"


#: each setting of a model file (``PatchCNN``'s constructor arguments, ``TrainingConfig``'s fields), in the report's
#: order: the words a geologist reads (the Processing form's label of the parameter that sets it, without its
#: trailing note, where there is one: tests/qgis/test_cnn_algorithms.py keeps them equal) and its value in words
SETTING_WORDS: Dict[str, Any] = {
    "patch_size": ("Patch size", lambda v, grid: f"{v} x {v} cells" if v != 1 else "1 cell (no neighbourhood)"),
    "epochs": ("Epochs", lambda v, grid: f"{v} at most"),
    "early_stopping": ("Stop early when validation stops improving", lambda v, grid: _yes_no(v)),
    "patience": ("Epochs without improvement before stopping", lambda v, grid: f"{v}"),
    "batch_size": ("Batch size", lambda v, grid: f"{v} patches"),
    "learning_rate": ("Learning rate", lambda v, grid: f"{v:g}"),
    "weight_decay": ("Weight decay (L2 penalty on the weights)", lambda v, grid: f"{v:g}"),
    "seed": ("Random seed", lambda v, grid: f"{v}"),
    "device": ("Device", lambda v, grid: {"auto": "automatic (a CUDA GPU if there is one)"}.get(v, str(v))),
    "validation": (
        "Validation",
        lambda v, grid: {"blocks": "Spatial blocks", "clusters": "Leave positive clusters out"}.get(v, str(v)),
    ),
    "block_size": ("Validation block size", _cells),
    "validation_fraction": (
        "Labelled cells held out for validation (mineralised cells, leaving clusters out)",
        lambda v, grid: f"{100 * v:g} %",
    ),
    "cluster_distance": (
        "Mineralised cells within this distance form one cluster",
        lambda v, grid: _cells(v, grid) if v else "automatic: about a patch width (0)",
    ),
    "semi_supervised": (
        "Semi-supervised",
        lambda v, grid: "no" if v is False else "yes: mean teacher on the unlabelled cells",
    ),
    "consistency_weight": ("Weight of the mean teacher's consistency loss", lambda v, grid: f"{v:g}"),
    "ema_decay": ("Mean teacher's averaging decay", lambda v, grid: f"{v:g}"),
    "ensemble": ("Ensemble: networks trained and averaged", lambda v, grid: f"{v}"),
    "training": (
        "Training",
        lambda v, grid: {
            "pseudolabels": "Labelled cells (cross-entropy)",
            "pu": "Positive-unlabelled (non-negative PU risk)",
        }.get(v, str(v)),
    ),
    "class_prior": (
        "Class prior for positive-unlabelled training",
        lambda v, grid: f"{v:g}" if v else "share of cells labelled 1 (0)",
    ),
    "class_balanced": ("Classes weighted to balance them", lambda v, grid: _yes_no(v)),
    "barren_ratio": (
        "Barren cells drawn per positive cell in each epoch",
        lambda v, grid: f"{v:g} per positive cell" if v else "all: every barren cell in every epoch (0)",
    ),
    "coarse": (
        "Coarse second view: odd factor k",
        lambda v, grid: f"{v}: a patch of {v} x {v}-cell averages" if v and v != 1 else f"none ({v})",
    ),
    "pretrain_epochs": ("Self-supervised pre-training epochs", _none_if_zero("none (0)")),
    "input_transform": (
        "Input transform",
        lambda v, grid: {
            "robust": "Median / IQR",
            "quantile": "Normal scores (quantiles of the training stack)",
            "piecewise": "Piecewise-linear encoding (bins at the training quantiles)",
        }.get(v, str(v)),
    ),
    "width": ("Convolution filters per layer", lambda v, grid: f"{v}"),
    "hidden": ("Units of the fully connected layer", lambda v, grid: f"{v}"),
    "dropout": ("Dropout (share of units dropped while training)", lambda v, grid: f"{100 * v:g} %"),
    "mc_samples": (
        "Monte Carlo dropout passes per network (uncertainty)",
        lambda v, grid: f"{v}" if v else "none (0)",
    ),
    "teacher": (
        "Teacher",
        lambda v, grid: {
            "none": "None",
            "gradient_boosting": "Gradient boosting on the training cells",
            "gradient_boosting_all": "Gradient boosting on every labelled cell (validation cells included)",
        }.get(v, str(v)),
    ),
    "distil_target": (
        "What the network matches of the teacher",
        lambda v, grid: {
            "probability": "Its probability (cross-entropy)",
            "log_odds": "Its log-odds (squared difference)",
        }.get(v, str(v)),
    ),
    "distil_weight": ("Weight of the teacher's targets beside the labels", lambda v, grid: f"{v:g}"),
    "band_sparsity": (
        "Band sparsity: group lasso per band on the first layer",
        lambda v, grid: "none (0)" if v == 0 else "chosen on the validation cells (-1)" if v == -1 else f"{v:g}",
    ),
}


def _not_used(key: str, settings: Mapping[str, Any]) -> str:
    """Why a stored setting did not act on this training ('' when it did): positive-unlabelled training draws no
    barren cells and weights no class to balance (the PU risk weighs positives by the class prior, and every cell of
    its unlabelled sample is visited each epoch: core.learning.training.EpochSampler gets no cap and
    core.learning.ensemble balances only without a prior); labelled-cell training has no class prior."""
    training = settings.get("training")
    if training == "pu" and key == "barren_ratio":
        return "positive-unlabelled training visits every cell of its unlabelled sample in each epoch"
    if training == "pu" and key == "class_balanced":
        return "the positive-unlabelled risk weighs the positive cells by the class prior"
    if training is not None and training != "pu" and key == "class_prior":
        return "labelled-cell training has no class prior"
    return ""


def settings_in_words(settings: Mapping[str, Any], grid: Any = None) -> List[Tuple[str, str, str, Any]]:
    """(key, words, value in words, value as stored) for every setting of a model file, in :data:`SETTING_WORDS`'
    order; a setting this report does not know comes last under its key, its value as stored. ``grid`` (the model
    file's) turns cells into map units."""
    rows = []
    for key, (words, say) in SETTING_WORDS.items():
        if key in settings:
            value = settings[key]
            try:
                shown = say(value, grid)
            except (TypeError, ValueError):  # a value of another type than this version writes: as it is
                shown = str(value)
            unused = _not_used(key, settings)
            if unused:
                shown = f"not used: {unused} (set: {shown})"
            rows.append((key, words, shown, value))
    rows += [(k, k, str(v), v) for k, v in sorted(settings.items()) if k not in SETTING_WORDS]
    return rows


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
        if isinstance(value, (list, tuple)):  # several layers: one per line, not a JSON list
            text = "\n".join(str(v) for v in value)
        else:
            text = value if isinstance(value, str) else json.dumps(value, default=str)
        shown = html.escape(text).replace("\n", "<br>")
        cells.append(f"<tr><th>{html.escape(str(name))}</th><td>{shown}</td></tr>")
    return "<h2>Provenance</h2><table>" + "".join(cells) + "</table>"


def _teacher(settings: Mapping[str, Any]) -> str:
    """What the network was distilled from, in words."""
    cells = "training" if settings.get("teacher") == "gradient_boosting" else "labelled (training and validation)"
    target = "log-odds" if settings.get("distil_target") == "log_odds" else "probability"
    return (
        f"gradient boosting trained on the {cells} cells; the networks also learnt its {target} on every valid cell "
        f"(weight {settings.get('distil_weight')}): they inherit its view of the area"
    )


def _bands_read(used: Mapping[str, Any], settings: Mapping[str, Any], choice: Any = None) -> str:
    """The bands the networks' first layer reads, and the group-lasso strength (with the validation AUC of every
    candidate when it was chosen)."""
    read = [f"{name} ({float(share):.0%})" for name, share in used.items() if float(share) > 0]
    unread = [str(name) for name, share in used.items() if float(share) == 0]
    return (
        ", ".join(read)
        + (f"; unused: {', '.join(unread)}" if unread else "; every band read")
        + f"; strength {settings.get('band_sparsity')}"
        + (
            " (chosen by the validation cells' ROC AUC: "
            + ", ".join(f"{k}: {_fmt(v)}" for k, v in choice.items())
            + ")"
            if isinstance(choice, Mapping) and choice
            else ""
        )
    )


#: the data parameters a report names at its top, in this order, and what each holds
_DATA_PARAMETERS = (
    ("LABELS", "labels"),
    ("CONFIDENCE", "label confidence"),
    ("DEPOSITS", "deposits"),
    ("MASK", "study area"),
)


def data_sentence(metadata: Mapping[str, Any], provenance_below: bool = True) -> str:
    """What the figures were computed on, by file name, from the provenance record ('' when there is none): the
    evidence rasters (its inputs, or its INPUT_RASTERS), then labels, confidence, deposits and study area where given. Full paths are in the
    Provenance table at the end (``provenance_below``). Only file names count: pseudolabel's CONFIDENCE is a
    number, not a raster."""
    provenance = metadata.get("provenance")
    if not isinstance(provenance, Mapping):
        return ""
    parameters = dict(provenance.get("parameters") or {})
    shown_as = dict(provenance.get("input_names") or {})
    rasters = parameters.get("INPUT_RASTERS") or []
    inputs = [str(i) for i in provenance.get("inputs") or (rasters if isinstance(rasters, list) else [rasters])]
    names = shown_as.get("INPUT_RASTERS") or []
    names = names if isinstance(names, list) and len(names) == len(inputs) else [""] * len(inputs)
    parts = [f"evidence {', '.join(_named_file(i, n) for i, n in zip(inputs, names))}"] if inputs else []
    given = [(what, parameters.get(key), shown_as.get(key)) for key, what in _DATA_PARAMETERS]
    parts += [f"{what} {_named_file(str(value), name)}" for what, value, name in given if _is_source(value)]
    if not parts:
        return ""
    below = " (full paths under Provenance)" if provenance_below else ""
    return f'<p class="data"><b>Computed on</b> {html.escape("; ".join(parts))}{below}.</p>'


def _is_source(value: object) -> bool:
    """Whether a recorded parameter value names a layer's source (a path, a URI, a file name with an extension):
    pseudolabel's CONFIDENCE is recorded as '0.9', a number."""
    text = str(value or "")
    return bool(re.search(r"[/\\|]|\.[A-Za-z][A-Za-z0-9]*$", text)) if isinstance(value, str) else False


def _named_file(path: str, layer_name: object) -> str:
    """A file as a report names it: by the layer name the project showed it by, when there was one (``layer_name``,
    provenance's ``input_names``), with the file's name beside it ('Evidence (OUTPUT.tif)': a step's temporary
    output says nothing by its file name alone)."""
    name = _file_name(path)
    return f"{layer_name} ({name})" if isinstance(layer_name, str) and layer_name else name


def _file_name(path: str) -> str:
    """The file name of a path or data source URI ('/data/deposits.gpkg|layername=x' -> 'deposits.gpkg';
    'delimitedtext://file:///data/my%20samples.csv?delimiter=,&crs=EPSG:28992' -> 'my samples.csv': a URI's query
    and escapes are no part of the name, and a report read 'labels samples.csv?delimiter=,&xField=x…')."""
    plain = path.split("|")[0]
    if "://" in plain or plain.startswith("file:"):  # a URI: its query is the provider's options
        plain = urllib.parse.unquote(plain.split("?")[0])
    return os.path.basename(plain.rstrip("/\\")) or path


def _reading(reading: Mapping[str, Any]) -> str:
    """How the evidence was read for training (the ``reading`` record of a model trained window by window)."""
    if reading.get("mode") != "window by window":
        return str(reading.get("mode", ""))
    return (
        f"window by window on {reading.get('scheduler')}: {reading.get('windows_scanned')} windows of "
        f"{reading.get('window')} cells scanned, {reading.get('windows_read_for_patches')} read for patches "
        f"({reading.get('patch_cells')} cells, {reading.get('patch_mib')} MiB of patches)"
    )


_SPLIT_METHODS = {
    "blocks": "square blocks of cells",
    "clusters": "clusters of mineralised cells (leave-cluster-out)",
}


def split_sentence(split: Mapping[str, Any]) -> str:
    """The validation split (:func:`..learning.splits.spatial_split`'s record) as a sentence: 'Whole square blocks
    of cells: 7 of 40 held out for validation; 26,575 training and 8,610 validation cells, 5,034 training cells
    dropped in the gap between them.' Unknown records are listed key by key."""
    known = ("method", "groups", "validation_groups", "train_cells", "validation_cells", "dropped_in_gap")
    if not split:
        return "not recorded"
    if set(split) != set(known) or not all(isinstance(split[k], int) for k in known[1:]):
        return "; ".join(f"{str(k).replace('_', ' ')}: {v}" for k, v in split.items())
    what = _SPLIT_METHODS.get(str(split["method"]), f"groups ({split['method']})")
    return (
        f"Whole {what}: {split['validation_groups']:,} of {split['groups']:,} held out for validation; "
        f"{split['train_cells']:,} training and {split['validation_cells']:,} validation cells, "
        f"{split['dropped_in_gap']:,} training cells dropped in the gap between them (closer than a patch width)."
    )


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return "n/a" if not math.isfinite(value) else f"{value:.3f}"
    return html.escape(str(value))


def _positive_cells(metrics: dict) -> str:
    """' (from 3 positive validation cells)': what the validation AUC rests on, where the model file records it."""
    n = metrics.get("validation_positive_cells")
    if n is None:  # a model file written before the count was recorded
        return ""
    return f" (from {n:,} positive validation cell{'s' if n != 1 else ''})"
