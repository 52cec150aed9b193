"""Issue #18, step 1: why every network fails fold 2 of the Lapland leave-cluster-out folds where gradient boosting
does not. On fold 2's training labels (exactly comparemodels' : same clusters, folds, 3 x 3 positive cells, 600
barren cells, rng seed + fold), for both evidence sets:

- gradient boosting (comparemodels' settings): its feature importances, and where its partial dependence on the top
  bands steps (the thresholds it uses);
- the held-out deposits' own band values against the training labelled cells: their percentile among the training
  positives and the barren cells, and how many bands lie outside the training range (where a ReLU network
  extrapolates linearly and trees stay constant);
- the per-cell network (cnn_cell, ensemble of 3, early stopping: the standard settings): its held-out AUC on fold 2,
  and the same trained networks on the stack clamped band by band to the training labelled cells' range (what a
  tree sees): if clamping lifts the AUC, linear extrapolation is what costs it.

Usage (from the repository root; a few minutes, niced):
    nice -n 10 .venv/bin/python bench/results/2026-12-04-cnn-why/fold2.py > bench/results/2026-12-04-cnn-why/fold2.txt
"""

import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.join(HERE, "..", "..", "..")
sys.path.insert(0, os.path.join(REPO, "scripts"))

import torch  # noqa: E402
from lapland import load_gtk  # noqa: E402
from validate_lapland import CLASSIC, LINK_METRES, evidence  # noqa: E402

from geochem_prospector.core.classic.learner import ClassicLearner  # noqa: E402
from geochem_prospector.core.evaluation.auc import deposit_clusters, placements  # noqa: E402
from geochem_prospector.core.evaluation.compare import cluster_folds, fold_labels  # noqa: E402
from geochem_prospector.core.learning.estimator import PatchCNN  # noqa: E402

FOLD = int(os.environ.get("FOLD", "2"))
torch.set_num_threads(1)
PIXEL = 500.0
CNN = {"patch_size": 1, "epochs": 40, "ensemble": 3, "seed": 0, "device": "cpu", "batch_size": 64, "block_size": 20}


def held_out_auc(score, rows, cols, test, background):
    bg = np.sort(score[background & np.isfinite(score)])
    return float(np.mean(placements(score[rows[test], cols[test]], bg)))


data = load_gtk(PIXEL)
for features in ("geochemistry", "geochemistry+magnetics"):
    bands, valid, names = evidence(data, features)
    rows, cols = np.asarray(data["dep_rows"]), np.asarray(data["dep_cols"])
    cells = LINK_METRES / PIXEL
    clusters = deposit_clusters(np.column_stack([rows, cols]).astype(float), cells)
    fold = cluster_folds(clusters, 4, 0)
    train, test = np.flatnonzero(fold != FOLD), np.flatnonzero(fold == FOLD)
    labels, near = fold_labels(valid, rows[train], cols[train], 600, cells, np.random.default_rng(0 + FOLD))
    background = valid & ~near
    background[rows[test], cols[test]] = False
    pos, neg = labels == 1, labels == 0
    print(
        f"## {features}, fold {FOLD}: held-out deposits {test.tolist()} (clusters {clusters[test].tolist()}), "
        f"{int(pos.sum())} positive and {int(neg.sum())} barren training cells\n"
    )

    gb = ClassicLearner("gradient_boosting", **CLASSIC).fit(bands, labels, names)
    gb_score = gb.predict_proba(bands)
    print(f"gradient boosting held-out AUC {held_out_auc(gb_score, rows, cols, test, background):.3f}")
    imp = np.asarray(gb.estimator_.feature_importances_)
    order = np.argsort(-imp)
    print("importances: " + ", ".join(f"{names[j]} {imp[j]:.3f}" for j in order[:8]))
    # where its partial dependence (over the training cells) steps most: the thresholds it uses on the top bands
    from sklearn.inspection import partial_dependence

    x_train = bands[:, pos | neg].T.astype(np.float64)
    for j in order[:4]:
        pd = partial_dependence(gb.estimator_, x_train, [j], grid_resolution=50, kind="average")
        grid, avg = pd["grid_values"][0], pd["average"][0]
        k = int(np.argmax(np.abs(np.diff(avg))))
        print(
            f"  {names[j]}: partial dependence {avg.min():+.2f}..{avg.max():+.2f} (log-odds), largest step "
            f"{avg[k + 1] - avg[k]:+.2f} at {0.5 * (grid[k] + grid[k + 1]):.3f} (log10); training positives "
            f"{np.percentile(bands[j][pos], 10):.3f}..{np.percentile(bands[j][pos], 90):.3f} (10-90 %)"
        )

    print(
        "\nheld-out deposits' values against the training labelled cells (percentile among positives / barren; "
        "* outside the labelled cells' range):"
    )
    labelled = pos | neg
    lo, hi = np.nanmin(bands[:, labelled], axis=1), np.nanmax(bands[:, labelled], axis=1)
    header = "| band | importance | " + " | ".join(f"deposit {d}" for d in test) + " |"
    print(header)
    print("|---|---|" + "---|" * test.size)
    outside = np.zeros(test.size, int)
    for j in order:
        cells_txt = []
        for i, d in enumerate(test):
            v = bands[j, rows[d], cols[d]]
            p_pos = 100 * np.mean(bands[j][pos] < v)
            p_neg = 100 * np.mean(bands[j][neg] < v)
            out = v < lo[j] or v > hi[j]
            outside[i] += out
            cells_txt.append(f"{p_pos:.0f} / {p_neg:.0f}{' *' if out else ''}")
        print(f"| {names[j]} | {imp[j]:.3f} | " + " | ".join(cells_txt) + " |")
    print(f"bands outside the training range, per held-out deposit: {outside.tolist()}")
    area_out = np.mean(((bands < lo[:, None, None]) | (bands > hi[:, None, None])).any(axis=0)[valid])
    print(f"share of the study area with some band outside the labelled cells' range: {100 * area_out:.1f} %\n")

    net = PatchCNN(**CNN).fit(bands, labels, band_names=names)
    cnn_score = net.predict_score(bands)
    clamped = np.clip(bands, lo[:, None, None], hi[:, None, None])
    cnn_clamped = net.predict_score(clamped)
    gb_clamped = gb.predict_proba(clamped)
    print(
        f"per-cell network held-out AUC {held_out_auc(cnn_score, rows, cols, test, background):.3f}; the same "
        f"networks on the stack clamped to the labelled cells' range {held_out_auc(cnn_clamped, rows, cols, test, background):.3f}; "
        f"gradient boosting on the clamped stack {held_out_auc(gb_clamped, rows, cols, test, background):.3f}"
    )
    for name, s in (
        ("gradient boosting", gb_score),
        ("per-cell network", cnn_score),
        ("network, clamped", cnn_clamped),
    ):
        bg = np.sort(s[background & np.isfinite(s)])
        print(
            f"  {name}: held-out deposits' placements (share of background below) "
            + ", ".join(f"{p:.3f}" for p in placements(s[rows[test], cols[test]], bg))
        )
    # which bands move the network's log-odds at the held-out deposits: its gradient times the input (normalised)
    z = torch.tensor(
        (
            (bands[:, rows[test], cols[test]] - np.asarray(net.metadata_["normalisation"]["median"])[:, None])
            / np.asarray(net.metadata_["normalisation"]["scale"])[:, None]
        ).T[:, :, None, None],
        dtype=torch.float32,
        requires_grad=True,
    )
    total = sum(m(z)[:, 1] - m(z)[:, 0] for m in net.nets_)
    total.sum().backward()
    contrib = (z.grad * z).detach().numpy()[:, :, 0, 0] / len(net.nets_)
    # is the network a tree-like or a linear-like learner here? rank correlation of its map with logistic
    # regression's and gradient boosting's over the study area, and the epochs early stopping kept
    from scipy.stats import spearmanr

    lr = ClassicLearner("logistic", **CLASSIC).fit(bands, labels, names).predict_proba(bands)
    ok = valid & np.isfinite(cnn_score)
    print(
        f"  logistic regression held-out AUC {held_out_auc(lr, rows, cols, test, background):.3f}; Spearman "
        f"correlation of the network's map with logistic regression's {spearmanr(cnn_score[ok], lr[ok])[0]:.3f}, "
        f"with gradient boosting's {spearmanr(cnn_score[ok], gb_score[ok])[0]:.3f} (logistic regression with "
        f"gradient boosting: {spearmanr(lr[ok], gb_score[ok])[0]:.3f})"
    )
    histories = [net.metadata_["history"], *net.metadata_["member_histories"]]
    kept = [min(h, key=lambda r: r["val_loss"]) for h in histories]
    print(
        "  early stopping kept epochs "
        + ", ".join(f"{r['epoch']} (validation loss {r['val_loss']:.3f})" for r in kept)
        + f" of {CNN['epochs']}; ln 2 = {np.log(2):.3f}"
    )
    print("  network log-odds at the held-out deposits, largest gradient x input terms (normalised input z):")
    for i, d in enumerate(test):
        top = np.argsort(-np.abs(contrib[i]))[:5]
        print(
            f"    deposit {d}: "
            + ", ".join(f"{names[j]} {contrib[i, j]:+.2f} (z {z[i, j, 0, 0].item():+.1f})" for j in top)
        )
    print()
