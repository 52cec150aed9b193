"""The schema of a classic model file's metadata (no torch): every field's type and range, and the sizes that
fix every array's length before any array is read."""

from __future__ import annotations

from typing import Any, Dict

from ..learning.model_schema import (
    BAND_RANGE,
    MAX_BANDS,
    Int,
    ListOf,
    MetadataError,
    Nullable,
    Number,
    Record,
    Spec,
    Text,
    check,
    one_range_per_band,
)
from .features import MAX_WINDOW
from .learner import ARRAY_SHAPES, METHODS, PARAM_NAMES, array_lengths

#: at most this many trees and nodes (4 GiB of float64 node tables is the model file's own limit)
MAX_TREES = 100_000
MAX_NODES = 2**31 - 1

SETTINGS: Dict[str, Spec] = {
    "method": Text(choices=METHODS),
    "window": Int(0, MAX_WINDOW),
    "n_estimators": Int(1, MAX_TREES),
    "max_depth": Int(0, 10_000),
    "min_samples_leaf": Int(1, 2**31 - 1),
    "learning_rate": Number(0.0, 1.0, low_open=True),
    "regularisation": Number(0.0, low_open=True),
    "seed": Int(-(2**63), 2**64 - 1),
}
assert set(SETTINGS) == set(PARAM_NAMES)

OPEN = Record()

METADATA = Record(
    fields={
        "method": Text(choices=METHODS),
        "band_names": ListOf(Text(min_length=1, max_length=1000), 1, MAX_BANDS, distinct=True),
        "feature_names": ListOf(Text(min_length=1, max_length=1100), 1, 3 * MAX_BANDS, distinct=True),
        "window": Int(0, MAX_WINDOW),
        "shift": ListOf(Number(), 1, MAX_BANDS),
        "settings": Record(fields=SETTINGS, required=tuple(SETTINGS), closed=True),
        "sizes": Record(
            fields={
                "features": Int(1, 3 * MAX_BANDS),
                "trees": Int(1, MAX_TREES),
                "nodes": Int(1, MAX_NODES),
                "rows": Int(1, 3 * MAX_BANDS * 64),
            },
            required=("features",),
            closed=True,
        ),
        "grid": Nullable(
            Record(
                fields={
                    "xmin": Number(),
                    "ymax": Number(),
                    "pixel_size": Number(0.0, low_open=True),
                    "width": Int(1, 2**31 - 1),
                    "height": Int(1, 2**31 - 1),
                    "crs_wkt": Nullable(Text()),
                }
            )
        ),
        "training": OPEN,
        "summary": OPEN,
        "created_utc": Text(max_length=100),
        "band_range": BAND_RANGE,
        "provenance": OPEN,
    },
    required=("method", "band_names", "feature_names", "window", "shift", "settings", "sizes"),
)


def check_classic_metadata(metadata: Any) -> Dict[str, int]:
    """Check the metadata against :data:`METADATA` and across fields; return every array's length."""
    check(METADATA, metadata, "")
    one_range_per_band(metadata)
    method, bands, window = metadata["method"], len(metadata["band_names"]), metadata["window"]
    settings, sizes = metadata["settings"], metadata["sizes"]
    if settings["method"] != method or settings["window"] != window:
        raise MetadataError("settings", "disagree with method or window")
    if len(metadata["shift"]) != bands:
        raise MetadataError("shift", f"has {len(metadata['shift'])} values for {bands} bands; it needs one per band")
    n_features = bands * (3 if window else 1)
    if len(metadata["feature_names"]) != n_features or sizes["features"] != n_features:
        raise MetadataError(
            "sizes.features", f"must be {n_features} ({bands} bands{', window mean and std' if window else ''})"
        )
    needed = {"random_forest": ("trees", "nodes"), "gradient_boosting": ("trees", "nodes"), "woe": ("rows",)}
    for key in needed.get(method, ()):
        if key not in sizes:
            raise MetadataError(f"sizes.{key}", f"is missing; a {method} model needs it")
    if "trees" in sizes and "nodes" in sizes and sizes["nodes"] < sizes["trees"]:
        raise MetadataError("sizes.nodes", "is smaller than the number of trees")
    assert method in ARRAY_SHAPES
    return array_lengths(method, sizes)
