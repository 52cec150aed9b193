"""Honest validation of the prospectivity CNN on the bundled GTK Central Lapland data (leave-cluster-out).

Deposits (in_study_area) are grouped into spatial clusters; each fold holds out whole clusters. Models are trained
on the other deposits (3 x 3 cells around each, positive) and random background cells more than 3 km from a
training deposit (negative), all other cells unlabelled. Each held-out deposit is scored by the fraction of
background cells (inside the study area, away from training deposits) that its cell outranks; the mean over all
held-out deposits is the held-out ROC AUC, with a bootstrap interval that resamples whole clusters of deposits
(deposits of one cluster are not independent).

Compared on the same folds: best single band (chosen and signed on the training labels), logistic regression and
random forest on the centre-cell values (scikit-learn, test-only). Usage:
    .venv/bin/python scripts/validate_cnn_gtk.py [--pixel 500] [--epochs 40] [--folds 4] [--ensemble 5] [--json F]
        [--markdown F] [--features geochemistry ...] [--methods cnn ...]
    .venv/bin/python scripts/validate_cnn_gtk.py --from-json A.json B.json --markdown docs/validation_gtk.md

"cnn (nested)" chooses the CNN's settings among CANDIDATES by an inner leave-cluster-out on each outer fold's
training deposits alone, then trains the chosen settings on all of them: its outer score is an honest estimate of
"tune on your own deposits, then map".
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SAMPLES = os.path.join(REPO, "resources", "sample_data")
sys.path.insert(0, os.path.join(REPO, "build", "plugins"))
os.environ.setdefault("PROJ_DATA", "/usr/share/proj")

from lapland import ELEMENTS, load_gtk  # noqa: E402 (after the path set-up above)


def deposit_clusters(rows: np.ndarray, cols: np.ndarray, link_cells: float) -> np.ndarray:
    """Cluster number per deposit: single linkage of deposits at most ``link_cells`` apart."""
    from geochem_prospector.core.evaluation.auc import deposit_clusters as clusters_of_points

    return clusters_of_points(np.column_stack([rows, cols]), link_cells)


def cluster_folds(rows: np.ndarray, cols: np.ndarray, n_folds: int, link_cells: float, seed: int) -> np.ndarray:
    """Fold number per deposit: single-linkage clusters (within ``link_cells``) spread over folds, whole."""
    cluster = deposit_clusters(rows, cols, link_cells)
    n = int(cluster.max()) + 1
    sizes = np.bincount(cluster)
    rng = np.random.default_rng(seed)
    order = sorted(range(n), key=lambda c: (-sizes[c], rng.random()))
    load = np.zeros(n_folds)
    fold_of_cluster = np.zeros(n, dtype=int)
    for c in order:  # biggest clusters first, each to the emptiest fold
        f = int(np.argmin(load))
        fold_of_cluster[c] = f
        load[f] += sizes[c]
    return fold_of_cluster[cluster]


def fold_labels(data, train: np.ndarray, valid: np.ndarray, rng, n_negative: int, exclusion_cells: float):
    """Label raster: 3 x 3 positives around training deposits, random negatives away from them; NaN elsewhere."""
    from scipy import ndimage

    shape = valid.shape
    pos = np.zeros(shape, dtype=bool)
    pos[data["dep_rows"][train], data["dep_cols"][train]] = True
    near = ndimage.distance_transform_edt(~pos) <= exclusion_cells
    pos = ndimage.binary_dilation(pos, np.ones((3, 3), bool)) & valid
    labels = np.full(shape, np.nan)
    candidates = np.flatnonzero((valid & ~near).ravel())
    neg = rng.choice(candidates, min(n_negative, candidates.size), replace=False)
    labels.ravel()[neg] = 0.0
    labels[pos] = 1.0
    return labels, near


def held_out_scores(score: np.ndarray, data, test: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Per held-out deposit: fraction of background cells it outranks (ties count half)."""
    bg = np.sort(score[background & np.isfinite(score)])
    out = []
    for r, c in zip(data["dep_rows"][test], data["dep_cols"][test]):
        s = score[r, c]
        if not np.isfinite(s):
            out.append(np.nan)
            continue
        below = np.searchsorted(bg, s, "left")
        equal = np.searchsorted(bg, s, "right") - below
        out.append((below + 0.5 * equal) / bg.size)
    return np.asarray(out)


def paired_difference(
    a: np.ndarray, b: np.ndarray, seed: int = 0, n: int = 2000, groups: Optional[np.ndarray] = None
) -> tuple:
    """Mean of a - b over the deposits both scored, with a 95 % bootstrap interval of that mean (deposits, or
    whole ``groups`` of deposits, resampled with both methods' scores together)."""
    ok = np.isfinite(a) & np.isfinite(b)
    return bootstrap_ci(a[ok] - b[ok], seed, n, None if groups is None else np.asarray(groups)[ok])


def bootstrap_ci(values: np.ndarray, seed: int = 0, n: int = 2000, groups: Optional[np.ndarray] = None) -> tuple:
    """Mean of the finite values and its 95 % percentile-bootstrap interval: deposits resampled one by one, or
    whole ``groups`` (spatial clusters, whose deposits are not independent) with all their deposits."""
    from geochem_prospector.core.evaluation.auc import resampled_means

    ok = np.isfinite(values)
    v = values[ok]
    means = resampled_means(v, n, np.random.default_rng(seed), None if groups is None else np.asarray(groups)[ok])
    return float(v.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


#: CNN settings that nested selection chooses among, declared before any run and never changed after seeing an
#: outer (held-out) score: receptive field, capacity, and early stopping against a fixed number of epochs.
CANDIDATES: List[Dict[str, object]] = [
    {"patch_size": p, "width": w, "hidden": h, **stop}
    for p in (5, 9)
    for w, h in ((8, 16), (32, 64))
    for stop in ({"epochs": 40, "early_stopping": True}, {"epochs": 20, "early_stopping": False})
]


#: networks per candidate in the inner (selection) folds: fewer than the outer ensemble, to keep the run short
INNER_ENSEMBLE = 3
#: deposits closer than this (metres) form one cluster: held out together, resampled together
LINK_METRES = 3000.0


#: the training modes of traincnn compared with the default CNN (issue #18), as settings over the default's
VARIANTS: Dict[str, Dict[str, object]] = {
    "cnn (pu)": {"training": "pu"},
    "cnn (coarse)": {"patch_size": 5, "coarse": 3},  # a 5 x 5 fine patch and 5 x 5 cells of 3 x 3: 15 cells
    "cnn (pretrain)": {"pretrain_epochs": 5},
}


def compared_pairs(methods: Sequence[str]) -> List[Tuple[str, str]]:
    """The paired comparisons reported: every CNN against every baseline, and nested selection against the default."""
    pairs = [(m, b) for m in methods if m.startswith("cnn") for b in methods if not b.startswith("cnn")]
    for variant in ("cnn (nested)", *VARIANTS):
        if "cnn" in methods and variant in methods:
            pairs.append((variant, "cnn"))
    return pairs


def config_name(config: Dict[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in config.items())


def cnn_score(bands: np.ndarray, labels: np.ndarray, config: Dict[str, object], base: Dict[str, object]) -> np.ndarray:
    """Prospectivity score (the ensemble's log-odds, which rank without the ties of saturated probabilities; NaN
    outside valid cells) of a CNN trained with ``base`` + ``config``."""
    from geochem_prospector.core.learning.estimator import PatchCNN

    score = PatchCNN(**{**base, **config}).fit(bands, labels).predict_score(bands, device="cpu")
    return np.asarray(score, dtype=float)


def select_config(
    data,
    bands: np.ndarray,
    valid: np.ndarray,
    outer_train: np.ndarray,
    base: Dict[str, object],
    seed: int,
    exclusion_cells: float,
    log=print,
    candidates: Sequence[Dict[str, object]] = tuple(CANDIDATES),
    inner_folds: int = 3,
    inner_ensemble: int = INNER_ENSEMBLE,
) -> Tuple[Dict[str, object], Dict[str, float]]:
    """Nested model selection: leave-cluster-out among the outer fold's *training* deposits only.

    The outer fold's held-out deposits take no part (their cells are ordinary unlabelled background here, as
    undiscovered deposits are), so the outer score of the chosen settings stays an honest estimate.
    Returns the candidate with the best inner held-out AUC (ties: the earlier one) and every candidate's inner AUC.
    """
    inner = cluster_folds(
        data["dep_rows"][outer_train], data["dep_cols"][outer_train], inner_folds, exclusion_cells, seed
    )
    fold_data = []
    for g in range(inner_folds):
        train, test = outer_train[inner != g], outer_train[inner == g]
        labels, near = fold_labels(
            data, train, valid, np.random.default_rng(1000 + 10 * seed + g), 600, exclusion_cells
        )
        background = valid & ~near
        background[data["dep_rows"][test], data["dep_cols"][test]] = False
        fold_data.append((labels, test, background))
    table: Dict[str, float] = {}
    best, best_auc = candidates[0], -np.inf
    for config in candidates:
        per_deposit = [
            held_out_scores(cnn_score(bands, labels, config, {**base, "ensemble": inner_ensemble}), data, test, bg)
            for labels, test, bg in fold_data
        ]
        auc = float(np.nanmean(np.concatenate(per_deposit)))
        table[config_name(config)] = auc
        log(f"    inner AUC {auc:.3f}  {config_name(config)}")
        if auc > best_auc:
            best, best_auc = config, auc
    return best, table


def run_validation(
    pixel: float = 500.0,
    n_folds: int = 4,
    epochs: int = 40,
    patch_size: int = 9,
    seed: int = 0,
    ensemble: int = 5,
    feature_sets=("geochemistry", "geochemistry+magnetics"),
    methods=("cnn", "cnn (nested)", "best band", "logistic", "random forest"),
    log=print,
    selections: Optional[List[Dict[str, object]]] = None,
    per_deposit: Optional[Dict[str, Dict[str, object]]] = None,
) -> Dict[str, Dict[str, tuple]]:
    """Held-out AUC (mean, 2.5 %, 97.5 %; whole deposit clusters resampled) per feature set and method.

    ``selections`` receives the nested selection's choices, ``per_deposit`` every method's per-deposit scores with
    each deposit's fold and cluster (all the report needs).
    """
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from geochem_prospector.core.learning.training import roc_auc

    started = time.perf_counter()
    data = load_gtk(pixel)
    log(f"data ready in {time.perf_counter() - started:.0f} s: grid {data['grid'].width} x {data['grid'].height}")
    link = LINK_METRES / pixel
    folds = cluster_folds(data["dep_rows"], data["dep_cols"], n_folds, link, seed)
    clusters = deposit_clusters(data["dep_rows"], data["dep_cols"], link)
    log(f"{len(folds)} deposits in folds {np.bincount(folds).tolist()}")
    base = {
        "batch_size": 64,
        "seed": seed,
        "device": "cpu",
        "validation": "blocks",
        "block_size": int(round(10000 / pixel)),
        "patience": 10,
        "ensemble": ensemble,
    }
    if selections is None:
        selections = []
    results: Dict[str, Dict[str, tuple]] = {}
    for fs in feature_sets:
        bands = data["geo"] if fs == "geochemistry" else np.concatenate([data["geo"], data["mag"]])
        valid = np.isfinite(bands).all(axis=0) & data["mask"]
        scores: Dict[str, List[np.ndarray]] = {m: [] for m in methods}
        for f in range(n_folds):
            rng = np.random.default_rng(seed + f)
            train, test = np.flatnonzero(folds != f), np.flatnonzero(folds == f)
            labels, near = fold_labels(data, train, valid, rng, 600, link)
            background = valid & ~near
            background[data["dep_rows"][test], data["dep_cols"][test]] = False
            rows, cols = np.nonzero(np.isfinite(labels))
            y = labels[rows, cols].astype(int)
            x = bands[:, rows, cols].T
            allx = bands.reshape(bands.shape[0], -1).T
            ok = np.isfinite(allx).all(axis=1)
            for m in methods:
                score = np.full(valid.size, np.nan)
                if m == "cnn":
                    score = cnn_score(bands, labels, {"patch_size": patch_size, "epochs": epochs}, base).ravel()
                elif m in VARIANTS:  # pu: the same positives against every other valid cell as unlabelled
                    config = {"patch_size": patch_size, "epochs": epochs, **VARIANTS[m]}
                    fold_labels_m = np.where(labels == 1, 1.0, np.nan) if config.get("training") == "pu" else labels
                    score = cnn_score(bands, fold_labels_m, config, base).ravel()
                elif m == "cnn (nested)":
                    choice, table = select_config(data, bands, valid, train, base, seed + f, link, log)
                    log(f"  {fs} fold {f}: inner selection picked {config_name(choice)}")
                    selections.append(
                        {
                            "features": fs,
                            "fold": f,
                            "chosen": config_name(choice),
                            "inner_auc": table,
                            "inner_ensemble": INNER_ENSEMBLE,
                        }
                    )
                    score = cnn_score(bands, labels, choice, base).ravel()
                elif m == "best band":
                    aucs = [roc_auc(y == 1, x[:, j]) for j in range(x.shape[1])]
                    j = int(np.argmax(np.abs(np.asarray(aucs) - 0.5)))
                    score[ok] = allx[ok, j] * (1 if aucs[j] >= 0.5 else -1)
                    name = (ELEMENTS + ["magnetics"])[j]
                    log(f"  fold {f}: best band {name} (training AUC {max(aucs[j], 1 - aucs[j]):.3f})")
                else:
                    est = (
                        make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=2000))
                        if m == "logistic"
                        else RandomForestClassifier(
                            300, min_samples_leaf=3, class_weight="balanced", random_state=seed, n_jobs=1
                        )
                    )
                    est.fit(x, y)
                    score[ok] = est.predict_proba(allx[ok])[:, 1]
                s = held_out_scores(score.reshape(valid.shape), data, test, background)
                scores[m].append(s)
                log(f"  {fs} fold {f} {m}: held-out AUC {np.nanmean(s):.3f} ({len(test)} deposits)")
        flat = {m: np.concatenate(scores[m]) for m in methods}
        order = np.concatenate([np.flatnonzero(folds == f) for f in range(n_folds)])  # the scores' deposit order
        results[fs] = {m: bootstrap_ci(flat[m], seed, groups=clusters[order]) for m in methods}
        for m in methods:
            mean, lo, hi = results[fs][m]
            _, dlo, dhi = bootstrap_ci(flat[m], seed)
            log(
                f"{fs:24s} {m:14s} held-out AUC {mean:.3f}  95% CI [{lo:.3f}, {hi:.3f}] clusters, [{dlo:.3f}, {dhi:.3f}] deposits"
            )
        for m, b in compared_pairs(methods):
            mean, lo, hi = paired_difference(flat[m], flat[b], seed, groups=clusters[order])
            log(f"{fs:24s} {m} - {b}: {mean:+.3f}  95% CI [{lo:+.3f}, {hi:+.3f}] (paired, clusters resampled)")
        if per_deposit is not None:
            per_deposit[fs] = {
                "deposit": order.tolist(),
                "fold": folds[order].tolist(),
                "cluster": clusters[order].tolist(),
                "scores": {m: v.tolist() for m, v in flat.items()},
            }
    log(f"total {time.perf_counter() - started:.0f} s")
    return results


def markdown_report(
    per_deposit: Dict[str, Dict[str, object]],
    selections: List[Dict[str, object]],
    settings: Dict[str, object],
    seed: int = 0,
    merged: bool = False,
) -> str:
    """The validation as a Markdown page, from the per-deposit scores: pooled AUCs with intervals over deposits
    and over whole deposit clusters, per-fold AUCs, paired differences, the nested selection's inner AUCs."""
    lines = [
        "# Leave-cluster-out validation on the GTK Central Lapland data",
        "",
        "Written by `scripts/validate_cnn_gtk.py "
        + " ".join(f"--{k} {settings[k]}" for k in ("pixel", "epochs", "folds", "patch", "seed", "ensemble"))
        + ("` (one run per feature set, merged with `--from-json`)" if merged else "`")
        + ". A held-out deposit's score is the fraction of "
        "background cells its cell outranks; the mean over deposits is the held-out ROC AUC (0.5 = random). "
        "Intervals are 95 % bootstraps, resampling deposits one by one or whole clusters of deposits (linked within "
        "3 km; their deposits share ground and are not independent, so the cluster interval is the safer one).",
        "",
    ]
    for fs, info in per_deposit.items():
        folds = np.asarray(info["fold"])
        clusters = np.asarray(info["cluster"])
        scores = {m: np.asarray(v, dtype=float) for m, v in info["scores"].items()}
        n_folds = int(folds.max()) + 1
        lines += [
            f"## {fs}",
            "",
            f"{folds.size} deposits in {np.unique(clusters).size} clusters.",
            "",
            "| method | held-out AUC | 95 % CI, deposits | 95 % CI, clusters | "
            + " | ".join(f"fold {f} ({int(np.sum(folds == f))} deposits)" for f in range(n_folds))
            + " |",
            "|---|---|---|---|" + "---|" * n_folds,
        ]
        for m, v in scores.items():
            mean, lo, hi = bootstrap_ci(v, seed)
            _, clo, chi = bootstrap_ci(v, seed, groups=clusters)
            per_fold = " | ".join(f"{np.nanmean(v[folds == f]):.3f}" for f in range(n_folds))
            lines.append(f"| {m} | {mean:.3f} | {lo:.3f}–{hi:.3f} | {clo:.3f}–{chi:.3f} | {per_fold} |")
        lines += ["", "Paired differences (the same held-out deposits scored by both methods):", ""]
        lines += ["| difference | mean | 95 % CI, deposits | 95 % CI, clusters |", "|---|---|---|---|"]
        for m, b in compared_pairs(list(scores)):
            mean, lo, hi = paired_difference(scores[m], scores[b], seed)
            _, clo, chi = paired_difference(scores[m], scores[b], seed, groups=clusters)
            lines.append(f"| {m} − {b} | {mean:+.3f} | {lo:+.3f} to {hi:+.3f} | {clo:+.3f} to {chi:+.3f} |")
        lines.append("")
        picks = [sel for sel in selections if sel["features"] == fs]
        if picks:
            lines += [
                "Nested selection: inner leave-cluster-out AUC on each outer fold's training deposits "
                f"({picks[0].get('inner_ensemble', INNER_ENSEMBLE)} networks per candidate); bold = chosen:",
                "",
                "| candidate | " + " | ".join(f"fold {sel['fold']}" for sel in picks) + " |",
                "|---|" + "---|" * len(picks),
            ]
            for name in picks[0]["inner_auc"]:
                cells = [
                    f"**{sel['inner_auc'][name]:.3f}**" if sel["chosen"] == name else f"{sel['inner_auc'][name]:.3f}"
                    for sel in picks
                ]
                lines.append(f"| {name} | " + " | ".join(cells) + " |")
            lines.append("")
    return "\n".join(lines) + "\n"


#: settings that must agree between the runs merged into one report
SHARED_SETTINGS = ("pixel", "epochs", "folds", "patch", "seed", "ensemble")


def write_merged_report(json_paths: Sequence[str], markdown_path: str) -> None:
    """One Markdown report from several --json runs (e.g. one per feature set, run in parallel)."""
    saved = []
    for path in json_paths:
        with open(path, encoding="utf-8") as handle:
            saved.append(json.load(handle))
    first = saved[0]["args"]
    per_deposit: Dict[str, Dict[str, object]] = {}
    for path, run in zip(json_paths, saved):
        differing = [k for k in SHARED_SETTINGS if run["args"][k] != first[k]]
        if differing:
            raise SystemExit(f"{path}: {', '.join(differing)} differ from {json_paths[0]}; merge runs of one setting.")
        for fs, info in run["per_deposit"].items():
            if fs in per_deposit:
                raise SystemExit(f"{path}: the feature set '{fs}' is already in an earlier file.")
            per_deposit[fs] = info
    if any("cluster" not in info for info in per_deposit.values()):  # runs written before clusters were recorded
        data = load_gtk(float(first["pixel"]))
        clusters = deposit_clusters(data["dep_rows"], data["dep_cols"], LINK_METRES / float(first["pixel"]))
        for info in per_deposit.values():
            info.setdefault("cluster", clusters[np.asarray(info["deposit"])].tolist())
    with open(markdown_path, "w", encoding="utf-8") as out:
        out.write(
            markdown_report(
                per_deposit,
                [sel for run in saved for sel in run["selections"]],
                first,
                first["seed"],
                merged=len(saved) > 1,
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pixel", type=float, default=500.0)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--patch", type=int, default=9)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ensemble", type=int, default=5, help="networks averaged (traincnn's ENSEMBLE)")
    parser.add_argument("--features", nargs="+", default=["geochemistry", "geochemistry+magnetics"])
    parser.add_argument(
        "--methods", nargs="+", default=["cnn", "cnn (nested)", "best band", "logistic", "random forest"]
    )
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--json", help="write the results and the nested selections to this JSON file")
    parser.add_argument("--markdown", help="write the validation report (tables) to this Markdown file")
    parser.add_argument(
        "--from-json", nargs="+", help="only write --markdown from these --json files (e.g. one per feature set)"
    )
    args = parser.parse_args()
    if args.from_json:
        if not args.markdown:
            parser.error("--from-json needs --markdown (the report to write)")
        write_merged_report(args.from_json, args.markdown)
        return
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    selections: List[Dict[str, object]] = []
    per_deposit: Dict[str, Dict[str, object]] = {}
    results = run_validation(
        args.pixel,
        args.folds,
        args.epochs,
        args.patch,
        args.seed,
        args.ensemble,
        feature_sets=tuple(args.features),
        methods=tuple(args.methods),
        log=lambda s: print(s, flush=True),
        selections=selections,
        per_deposit=per_deposit,
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(
                {"args": vars(args), "results": results, "selections": selections, "per_deposit": per_deposit},
                out,
                indent=1,
            )
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as out:
            out.write(markdown_report(per_deposit, selections, vars(args), args.seed))


if __name__ == "__main__":
    main()
