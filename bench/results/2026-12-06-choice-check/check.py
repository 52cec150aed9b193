"""The recommendation of comparemodels checked on folds it did not see, from saved Lapland comparisons.

For each fold, the rule (highest pooled AUC, ties to the simpler) sees only the other folds' held-out scores; the
learner it picks is scored on that fold's deposits. No training is repeated: every learner was already scored on
every fold. Usage: python check.py RESULT.json [...]
"""

import json
import sys

import numpy as np

from geochem_prospector.core.evaluation.compare import TITLES, LearnerScores, check_choice

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
        print()
