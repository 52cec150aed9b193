"""The recommendation of comparemodels checked on folds it did not see, from saved Lapland comparisons.

For each fold, the rule (highest pooled AUC, ties to the simpler) sees only the other folds' held-out scores; the
learner it picks is scored on that fold's deposits. No training is repeated: every learner was already scored on
every fold. Usage: python check.py RESULT.json [...]
"""

import json
import sys

import numpy as np

from geochem_prospector.core.evaluation.compare import CNN_MODES, TITLES, LearnerScores, check_choice, paired

for path in sys.argv[1:]:
    for name, run in json.load(open(path)).items():
        settings = run["settings"]
        learners = {
            k: LearnerScores(k, np.array(v, dtype=float), failed=run["failed"].get(k, ""))
            for k, v in run["placements"].items()
        }
        folds, clusters = np.array(run["folds"]), np.array(run["clusters"])
        check = check_choice(learners, folds, clusters, settings["iterations"], settings["seed"], settings["tie"])
        rec = run["recommended"]
        print(f"## {name} ({path})")
        print(f"recommended on all folds: {TITLES.get(rec, rec)}, AUC {run['summary'][rec]['auc']:.3f}")
        print("picked per fold on the other folds: " + ", ".join(TITLES.get(n, n) for n in check.chosen))
        print(f"the picks on their unseen folds: AUC {check.auc:.3f} [{check.auc_low:.3f}, {check.auc_high:.3f}]")
        # issue #18's comparison, with the baseline chosen blind: the rule among the baselines only
        baselines = {k: v for k, v in learners.items() if k not in CNN_MODES}
        blind = check_choice(baselines, folds, clusters, settings["iterations"], settings["seed"], settings["tie"])
        picked = np.full(folds.size, np.nan)
        for f, pick in enumerate(blind.chosen):
            picked[folds == f] = baselines[pick].placement[folds == f]
        print(
            "baselines only: "
            + ", ".join(TITLES.get(n, n) for n in blind.chosen)
            + f", AUC {blind.auc:.3f} [{blind.auc_low:.3f}, {blind.auc_high:.3f}]"
        )
        if "cnn_pu" in learners:
            d = paired(learners["cnn_pu"].placement, picked, clusters, settings["iterations"], settings["seed"])
            print(f"CNN, positive-unlabelled minus that blind choice, paired: {d[0]:+.3f} [{d[1]:+.3f}, {d[2]:+.3f}]")
        print()
