"""Independent check of oof_skill.py's fold 1 (geochemistry): scikit-learn's own GradientBoostingClassifier and
GroupKFold cross_val_predict on the same labelled cells (deposit regions and 10 km blocks as groups), against
random 5-fold. Run from the repository root."""

import sys

import numpy as np

sys.path.insert(0, "scripts")
sys.path.insert(0, "build/plugins")
import validate_lapland as v
from lapland import load_gtk
from scipy import ndimage
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold, cross_val_predict

from geochem_prospector.core.evaluation.auc import deposit_clusters
from geochem_prospector.core.evaluation.compare import cluster_folds, fold_labels

data = load_gtk(500.0)
bands, valid, names = v.evidence(data, "geochemistry")
rows, cols = np.asarray(data["dep_rows"]), np.asarray(data["dep_cols"])
fold = cluster_folds(deposit_clusters(np.column_stack([rows, cols]).astype(float), 6.0), 4, 0)
f = 1
train = np.flatnonzero(fold != f)
labels, _ = fold_labels(valid, rows[train], cols[train], 600, 6.0, np.random.default_rng(f))
at = np.isfinite(labels)
X = bands[:, at].T
y = labels[at]
r, c = np.nonzero(at)
# groups: deposit regions, barren by 10 km blocks
block = 20
g = (r // block) * 1000 + c // block
lab, n = ndimage.label(ndimage.binary_dilation(labels == 1, iterations=6))
dep = lab[r, c]
g = np.where(dep > 0, -dep, g)
w = np.where(y == 1, 0.5 / (y == 1).sum(), 0.5 / (y == 0).sum())
for name, clf in [
    (
        "sk GB depth3",
        GradientBoostingClassifier(
            n_estimators=200, max_depth=3, min_samples_leaf=5, learning_rate=0.1, random_state=0
        ),
    )
]:
    p = cross_val_predict(
        clf, X, y, groups=g, cv=GroupKFold(5), method="predict_proba", params={"sample_weight": w * len(y)}
    )[:, 1]
    print(name, "grouped OOF AUC", round(roc_auc_score(y, p), 3))
    p2 = cross_val_predict(clf, X, y, cv=5, method="predict_proba")[:, 1]
    print(name, "random 5-fold OOF AUC", round(roc_auc_score(y, p2), 3))
# leave-one-deposit-out only (barren cells random folds): positives vs barren
print("deposit groups", n, "positives", int(y.sum()))
