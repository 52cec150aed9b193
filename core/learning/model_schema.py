"""The schema of a model file's metadata, as plain Python data: every field's type and range, checked before
anything is built from it.

The metadata is JSON a user may have edited, corrupted or crafted, so nothing in it is trusted until it has passed
:func:`check_metadata`. The schema is written here rather than with ``jsonschema``, which QGIS does not ship. No
torch: the checks run on the parsed JSON alone.

A refusal is a :class:`MetadataError` naming the field (``normalisation.scale[2]``, ``settings.dropout``) and what
it must be; :mod:`.model_file` turns it into the user's message.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Sequence, Tuple, Union

#: at most this many evidence bands, classes, and records in a training history
MAX_BANDS = 4096
MAX_CLASSES = 256
MAX_HISTORY = 10_000_000
#: at most this many quantiles per band (INPUT_TRANSFORM quantile stores 1,000)
MAX_QUANTILES = 100_000
#: whole numbers stored by the plugin fit in 64 bits; class values are raster values (32-bit)
INT64 = (-(2**63), 2**63 - 1)
INT32 = (-(2**31), 2**31 - 1)


class MetadataError(Exception):
    """A field of the metadata that is missing, of the wrong type or out of range."""

    def __init__(self, field_name: str, problem: str) -> None:
        self.field = field_name
        self.problem = problem
        super().__init__(f"{field_name} {problem}")


# -- the field types -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Int:
    """A whole number (JSON integer; not true/false, not 7.0) from ``low`` to ``high``; ``odd`` if it must be."""

    low: int
    high: int
    odd: bool = False

    def expected(self) -> str:
        return f"{'an odd' if self.odd else 'a'} whole number from {self.low:,} to {self.high:,}"


@dataclass(frozen=True)
class Number:
    """A finite number (never NaN or infinite) within the bounds; ``*_open``: the bound itself is excluded."""

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False

    def expected(self) -> str:
        parts = []
        if self.low > -math.inf:
            parts.append(f"{'greater than' if self.low_open else 'at least'} {self.low:g}")
        if self.high < math.inf:
            parts.append(f"{'less than' if self.high_open else 'at most'} {self.high:g}")
        return "a finite number" + (" " + " and ".join(parts) if parts else "")


@dataclass(frozen=True)
class Text:
    """A string: one of ``choices``, or matching ``pattern``, of at most ``max_length`` characters."""

    choices: Tuple[str, ...] = ()
    pattern: str = ""
    min_length: int = 0
    max_length: int = 1_000_000

    def expected(self) -> str:
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.pattern:
            return f"text of the form {self.pattern!r}"
        return "non-empty text" if self.min_length else "text"


@dataclass(frozen=True)
class Flag:
    """true or false."""

    def expected(self) -> str:
        return "true or false"


@dataclass(frozen=True)
class Nullable:
    """``inner``, or null."""

    inner: "Spec"

    def expected(self) -> str:
        return f"{self.inner.expected()}, or null"


@dataclass(frozen=True)
class ListOf:
    """A list of ``min_length`` to ``max_length`` items of one type; ``distinct``: no item twice."""

    item: "Spec"
    min_length: int = 0
    max_length: int = MAX_HISTORY
    distinct: bool = False

    def expected(self) -> str:
        return f"a list of {self.min_length:,} to {self.max_length:,} entries"


@dataclass(frozen=True)
class Record:
    """A JSON object with these ``fields`` (``required`` ones must be there). ``closed``: no other keys; otherwise
    other keys are kept unchecked (a model's notes, or what a later version adds)."""

    fields: Mapping[str, "Spec"] = field(default_factory=dict)
    required: Tuple[str, ...] = ()
    closed: bool = False

    def expected(self) -> str:
        return "a JSON object"


Spec = Union[Int, Number, Text, Flag, Nullable, ListOf, Record]


# -- the schema ------------------------------------------------------------------------------------------------

POSITIVE = Number(low=0.0, low_open=True)
NON_NEGATIVE = Number(low=0.0)
FRACTION = Number(0.0, 1.0)
PATCH_SIZE = Int(1, 65, odd=True)  # 3 is refused below: 1 (per cell) or 5 and more

#: ``settings``: the estimator's constructor arguments (PatchCNN / TrainingConfig), nothing else. A key missing from
#: an older file takes the constructor's default.
SETTINGS: Dict[str, Spec] = {
    "patch_size": PATCH_SIZE,
    "epochs": Int(1, 10_000_000),
    "batch_size": Int(2, 2**31 - 1),
    "learning_rate": Number(0.0, 1.0, low_open=True, high_open=True),
    "weight_decay": NON_NEGATIVE,
    "seed": Int(-(2**63), 2**64 - 1),  # what torch.manual_seed accepts
    "device": Text(pattern=r"auto|cpu|cuda(:[0-9]+)?"),
    "validation": Text(choices=("blocks", "clusters")),
    "block_size": Int(0, INT64[1]),
    "validation_fraction": FRACTION,
    "cluster_distance": NON_NEGATIVE,
    "semi_supervised": Nullable(Flag()),
    "consistency_weight": NON_NEGATIVE,
    "ema_decay": FRACTION,
    "patience": Int(0, 10_000_000),
    "width": Int(1, 1024),
    "hidden": Int(1, 4096),
    "dropout": Number(0.0, 1.0, high_open=True),  # p = 1 would drop every unit: an all-zero uncertainty
    "mc_samples": Int(0, 10_000),
    "class_balanced": Flag(),
    "early_stopping": Flag(),
    "ensemble": Int(1, 100),
    "training": Text(choices=("pseudolabels", "pu")),
    "class_prior": Number(0.0, 1.0, high_open=True),
    "pretrain_epochs": Int(0, 10_000_000),
    "coarse": Int(0, 51),  # 0 (or 1): no coarse view; else an odd factor, checked with the patch size below
    "barren_ratio": Number(0.0, 1000.0),  # 0: every barren cell every epoch (older files lack it: 1.0 is read)
    "input_transform": Text(choices=("robust", "quantile", "piecewise")),  # older files lack it: "robust" is read
    "teacher": Text(
        choices=("none", "gradient_boosting", "gradient_boosting_all")
    ),  # older files lack it: "none" is read
    "distil_weight": Number(0.0, 100.0),
    "band_sparsity": Number(0.0, 1000.0),  # the strength used (-1, chosen on validation, is stored as the choice)
    "distil_target": Text(choices=("probability", "log_odds")),
}

OPEN = Record()
CLASS_VALUE = Int(*INT32)

#: per band, the lowest and highest value of the training evidence (null for a band without any); files written
#: before 0.3.0 lack it. predict warns where the evidence it maps lies beyond (core.learning.training_range)
BAND_RANGE = ListOf(ListOf(Nullable(Number()), 2, 2), 1, MAX_BANDS)

#: the whole metadata; other top-level keys (a caller's ``extra``, e.g. ``provenance``) are allowed and kept
METADATA = Record(
    fields={
        "band_names": ListOf(Text(min_length=1, max_length=1000), 1, MAX_BANDS, distinct=True),
        "normalisation": Record(
            fields={
                "median": ListOf(Number(), 1, MAX_BANDS),
                "scale": ListOf(POSITIVE, 1, MAX_BANDS),
                "clip": POSITIVE,
                # INPUT_TRANSFORM quantile or piecewise: per band, its values at probabilities linspace(0, 1, n)
                # (non-decreasing; piecewise: the n - 1 bins of its encoding)
                "quantiles": ListOf(ListOf(Number(), 2, MAX_QUANTILES), 1, MAX_BANDS),
            },
            required=("median", "scale", "clip"),
            closed=True,
        ),
        "patch_size": PATCH_SIZE,
        "classes": ListOf(CLASS_VALUE, 2, MAX_CLASSES, distinct=True),
        "positive_class": CLASS_VALUE,
        "grid": Nullable(
            Record(
                fields={
                    "xmin": Number(),
                    "ymax": Number(),
                    "pixel_size": POSITIVE,
                    "width": Int(1, 2**31 - 1),
                    "height": Int(1, 2**31 - 1),
                    "crs_wkt": Nullable(Text()),
                }
            )
        ),
        "settings": Record(fields=SETTINGS, closed=True),
        "class_weights": ListOf(NON_NEGATIVE, 2, MAX_CLASSES),
        # how the networks are combined into one probability; absent (0.2.x files): mean probability, T = 1
        "calibration": Record(
            fields={
                "combine": Text(choices=("probabilities", "logits")),
                "temperature": Number(1e-3, 1e4),
                "validation_nll_at_1": Nullable(NON_NEGATIVE),
                "validation_nll": Nullable(NON_NEGATIVE),
                "validation_cells": Int(0, INT64[1]),
                "targets": Text(choices=("labels", "confidence")),
                "note": Text(max_length=1000),
            },
            required=("combine", "temperature"),
            closed=True,
        ),
        "metrics": OPEN,
        "history": ListOf(OPEN),
        "member_histories": ListOf(ListOf(OPEN), 0, 100),
        "data_hashes": Record(fields={k: Nullable(Text(max_length=200)) for k in ("bands", "labels", "weights")}),
        "uncertainty": Text(),
        "created_utc": Text(max_length=100),
        "torch_version": Text(max_length=100),
        "band_range": BAND_RANGE,
        "provenance": OPEN,
    },
    required=("band_names", "normalisation", "patch_size", "classes", "positive_class", "settings"),
)


# -- checking --------------------------------------------------------------------------------------------------


def shown(value: Any) -> str:
    """A value as the message shows it: JSON-like, short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return "a JSON object"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _finite(value: Union[int, float]) -> bool:
    try:
        return math.isfinite(float(value))
    except OverflowError:  # a JSON integer of hundreds of digits
        return False


def _bad(path: str, value: Any, spec: Spec) -> MetadataError:
    return MetadataError(path, f"is {shown(value)}, but it must be {spec.expected()}")


def check(spec: Spec, value: Any, path: str) -> None:
    """Raise a :class:`MetadataError` naming ``path`` (or the item within it) unless ``value`` fits ``spec``."""
    if isinstance(spec, Nullable):
        if value is not None:
            try:
                check(spec.inner, value, path)
            except MetadataError as exc:
                if exc.field != path or isinstance(spec.inner, (Record, ListOf)):
                    raise
                raise _bad(path, value, spec) from None
    elif isinstance(spec, Int):
        if not isinstance(value, int) or isinstance(value, bool):
            raise _bad(path, value, spec)
        if not spec.low <= value <= spec.high or (spec.odd and value % 2 == 0):
            raise _bad(path, value, spec)
    elif isinstance(spec, Number):
        if not _is_number(value) or not _finite(value):
            raise _bad(path, value, spec)
        v = float(value)
        if v < spec.low or v > spec.high or (spec.low_open and v == spec.low) or (spec.high_open and v == spec.high):
            raise _bad(path, value, spec)
    elif isinstance(spec, Text):
        if not isinstance(value, str):
            raise _bad(path, value, spec)
        if not spec.min_length <= len(value) <= spec.max_length:
            raise MetadataError(
                path, f"has {len(value):,} characters; it must have {spec.min_length} to {spec.max_length:,}"
            )
        if spec.choices and value not in spec.choices:
            raise _bad(path, value, spec)
        if spec.pattern and not re.fullmatch(spec.pattern, value):
            raise _bad(path, value, spec)
    elif isinstance(spec, Flag):
        if not isinstance(value, bool):
            raise _bad(path, value, spec)
    elif isinstance(spec, ListOf):
        if not isinstance(value, list) or not spec.min_length <= len(value) <= spec.max_length:
            raise _bad(path, value, spec)
        for i, item in enumerate(value):
            check(spec.item, item, f"{path}[{i}]")
        if spec.distinct:
            seen = set()
            for i, item in enumerate(value):
                if item in seen:
                    raise MetadataError(f"{path}[{i}]", f"is {shown(item)} a second time; the entries must differ")
                seen.add(item)
    elif isinstance(spec, Record):
        if not isinstance(value, dict):
            raise _bad(path, value, spec)
        prefix = f"{path}." if path else ""
        for key in spec.required:
            if key not in value:
                raise MetadataError(f"{prefix}{key}", "is missing")
        for key, item in value.items():
            if key in spec.fields:
                check(spec.fields[key], item, f"{prefix}{key}")
            elif spec.closed:
                known = ", ".join(sorted(spec.fields))
                raise MetadataError(f"{prefix}{key}", f"is not a known field of {path} (known: {known})")
    else:  # pragma: no cover - every Spec is handled above
        raise TypeError(f"unknown spec {spec!r}")


def _one_per_band(metadata: Dict[str, Any]) -> None:
    n = len(metadata["band_names"])
    for key in ("median", "scale"):
        values = metadata["normalisation"][key]
        if len(values) != n:
            raise MetadataError(
                f"normalisation.{key}", f"has {len(values)} values for {n} bands (band_names); it needs one per band"
            )


def one_range_per_band(metadata: Dict[str, Any]) -> None:
    """``band_range``, when present, has one ``[lowest, highest]`` per band, lowest first."""
    ranges, n = metadata.get("band_range"), len(metadata["band_names"])
    if ranges is None:
        return
    if len(ranges) != n:
        raise MetadataError("band_range", f"has {len(ranges)} rows for {n} bands (band_names); it needs one per band")
    for i, (low, high) in enumerate(ranges):
        if (low is None) != (high is None) or (low is not None and low > high):
            raise MetadataError(f"band_range[{i}]", "must be [lowest, highest] (or both null for an empty band)")


def _positive_among_classes(metadata: Dict[str, Any]) -> None:
    classes = metadata["classes"]
    if metadata["positive_class"] not in classes:
        raise MetadataError(
            "positive_class",
            f"is {shown(metadata['positive_class'])}, but it must be one of the classes "
            f"({', '.join(str(c) for c in classes)})",
        )


def _one_weight_per_class(metadata: Dict[str, Any]) -> None:
    weights = metadata.get("class_weights")
    if weights is not None and len(weights) != len(metadata["classes"]):
        raise MetadataError(
            "class_weights", f"has {len(weights)} values for {len(metadata['classes'])} classes; it needs one per class"
        )


def _one_patch_size(metadata: Dict[str, Any]) -> None:
    stored = metadata["settings"].get("patch_size", metadata["patch_size"])
    if stored != metadata["patch_size"]:
        raise MetadataError(
            "settings.patch_size", f"is {stored}, but patch_size is {metadata['patch_size']}; they must agree"
        )


def _no_patch_of_three(metadata: Dict[str, Any]) -> None:
    if metadata["patch_size"] == 3:
        raise MetadataError("patch_size", "is 3, but it must be 1 (a per-cell network) or an odd number from 5 to 65")


def _quantile_table(metadata: Dict[str, Any]) -> None:
    """Quantiles exactly when the settings ask for the normal-score transform or the piecewise-linear encoding:
    one non-decreasing row per band, all of one length."""
    transform = metadata["settings"].get("input_transform", "robust")
    wanted = transform in ("quantile", "piecewise")
    table = metadata["normalisation"].get("quantiles")
    if wanted and table is None:
        raise MetadataError(
            "normalisation.quantiles", f"is missing, but settings.input_transform is '{transform}', which needs them"
        )
    if table is None:
        return
    if not wanted:
        raise MetadataError(
            "normalisation.quantiles",
            "is present, but settings.input_transform is neither 'quantile' nor 'piecewise'; they must agree",
        )
    n = len(metadata["band_names"])
    if len(table) != n:
        raise MetadataError(
            "normalisation.quantiles", f"has {len(table)} rows for {n} bands (band_names); it needs one per band"
        )
    for i, row in enumerate(table):
        if len(row) != len(table[0]):
            raise MetadataError(
                f"normalisation.quantiles[{i}]", f"has {len(row)} values, but row 0 has {len(table[0])}; all must agree"
            )
        if any(b < a for a, b in zip(row, row[1:])):
            raise MetadataError(f"normalisation.quantiles[{i}]", "decreases somewhere; quantiles never decrease")


def _coarse_view(metadata: Dict[str, Any]) -> None:
    coarse = metadata["settings"].get("coarse", 0)
    if coarse >= 2 and (coarse % 2 == 0 or coarse * metadata["patch_size"] > 255 or metadata["patch_size"] == 1):
        raise MetadataError(
            "settings.coarse",
            f"is {coarse}, but it must be 0, 1 or an odd factor whose product with patch_size "
            f"({metadata['patch_size']}) is at most 255",
        )


#: checks across fields, run once every field has its type and range
CROSS_CHECKS: Sequence[Callable[[Dict[str, Any]], None]] = (
    _one_per_band,
    one_range_per_band,
    _positive_among_classes,
    _one_weight_per_class,
    _one_patch_size,
    _no_patch_of_three,
    _quantile_table,
    _coarse_view,
)


def check_metadata(metadata: Any, defaults: Mapping[str, Any]) -> Dict[str, Any]:
    """Check the whole metadata against :data:`METADATA` and :data:`CROSS_CHECKS`; return the complete settings
    (``defaults``, the constructor's, for keys an older file lacks; ``patch_size`` from the metadata)."""
    check(METADATA, metadata, "")
    for cross in CROSS_CHECKS:
        cross(metadata)
    return {**defaults, "patch_size": metadata["patch_size"], **metadata["settings"]}
