"""The CNN steps of the demo's workflow through qgis_process (train, predict, evaluate on held-out deposits) at the
demo's settings, shared by demo.py and measure_training.py so that a measured run trains, maps and scores exactly as
the demo does. ``qp`` is demo.QgisProcess; ``extra`` parameters are added to (or override) the step's own."""

from __future__ import annotations

from typing import Any, Sequence

#: the figures of an evaluation worth keeping in a log or a comparison
SUMMARY = ("AUC", "AUC_LOW", "AUC_HIGH", "CAPTURE_10")


def train(
    qp: Any,
    inputs: Sequence[str],
    labels: dict,
    epochs: int,
    ensemble: int,
    model: str,
    report: str,
    **extra: Any,
) -> dict:
    """prospector:traincnn on ``inputs`` with pseudolabel's results ``labels`` (OUTPUT and OUTPUT_CONFIDENCE), seed
    42 on the CPU; writes ``model`` and ``report``."""
    return qp.run(
        "prospector:traincnn",
        {
            "INPUT_RASTERS": list(inputs),
            "LABELS": labels["OUTPUT"],
            "CONFIDENCE": labels["OUTPUT_CONFIDENCE"],
            "EPOCHS": epochs,
            "ENSEMBLE": ensemble,
            "SEED": 42,
            "DEVICE": "cpu",
            "OUTPUT_MODEL": model,
            "OUTPUT_REPORT": report,
            **extra,
        },
    )


def predict(qp: Any, inputs: Sequence[str], model: str, mask: str, output: str, **extra: Any) -> dict:
    """prospector:predict of ``model`` on ``inputs`` within ``mask``, on the CPU; writes ``output``."""
    return qp.run(
        "prospector:predict",
        {"INPUT_RASTERS": list(inputs), "MODEL": model, "MASK": mask, "DEVICE": "cpu", "OUTPUT": output, **extra},
    )


def evaluate(qp: Any, raster: str, deposits: str, mask: str, report: str, table: str, **extra: Any) -> dict:
    """prospector:evaluate of ``raster`` on the held-out ``deposits`` within ``mask`` (1,000 bootstrap iterations,
    seed 0); writes ``report`` and ``table``."""
    return qp.run(
        "prospector:evaluate",
        {
            "INPUT_RASTER": raster,
            "DEPOSITS": deposits,
            "MASK": mask,
            "ITERATIONS": 1000,
            "SEED": 0,
            "OUTPUT_REPORT": report,
            "OUTPUT_TABLE": table,
            **extra,
        },
    )
