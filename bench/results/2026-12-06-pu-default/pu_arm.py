"""Train the demo's CNN with TRAINING=pu (or 0, labelled cells) on a finished demo's evidence and pseudo-labels,
map it and evaluate it on the same 8 held-out deposits (the demo's settings otherwise: 12 epochs, 3 networks, seed
42, CPU).

Usage: python pu_arm.py DEMO_OUTPUT OUT [TRAINING]   (TRAINING 1 = positive-unlabelled, the default; 0 = labelled)
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts"))
import cnn_steps  # noqa: E402
import demo  # noqa: E402


def main() -> None:
    base, out = sys.argv[1], sys.argv[2]
    training = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    os.makedirs(out, exist_ok=True)
    qp = demo.QgisProcess()
    evidence = [os.path.join(base, "elements.tif"), os.path.join(base, "evidence.tif")]
    labels = {
        "OUTPUT": os.path.join(base, "pseudolabels.tif"),
        "OUTPUT_CONFIDENCE": os.path.join(base, "pseudolabel_confidence.tif"),
    }
    started = time.monotonic()
    model = cnn_steps.train(
        qp, evidence, labels, 12, 3, os.path.join(out, "model.pt"), os.path.join(out, "training_report.html"),
        TRAINING=training,
    )  # fmt: skip
    trained = time.monotonic()
    mask = demo.sample("study_area.gpkg")
    prediction = cnn_steps.predict(
        qp, evidence, model["OUTPUT_MODEL"], mask, os.path.join(out, "prospectivity.tif"),
        OUTPUT_UNCERTAINTY=os.path.join(out, "prospectivity_uncertainty.tif"),
        OUTPUT_RANK=os.path.join(out, "prospectivity_rank.tif"),
    )  # fmt: skip
    evaluation = cnn_steps.evaluate(
        qp, prediction["OUTPUT"], os.path.join(base, "deposits_heldout.gpkg"), mask,
        os.path.join(out, "evaluation.html"), os.path.join(out, "evaluation.csv"), NAME_FIELD="Name",
    )  # fmt: skip
    print(json.dumps({"train_s": round(trained - started, 1), "evaluation": evaluation}, indent=1, default=str))


if __name__ == "__main__":
    main()
