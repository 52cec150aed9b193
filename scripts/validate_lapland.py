"""Leave-cluster-out validation on the bundled GTK Central Lapland sample, through the core of
`prospector:comparemodels` (core/evaluation/compare.py): the same folds, labels, scores, intervals, paired
differences and recommendation as the algorithm, on the same learners, the CNN's training modes included.

One run per evidence set (they can run side by side, one CPU each), then one Markdown page from the saved runs:
    .venv/bin/python scripts/validate_lapland.py --features geochemistry --json geo.json
    .venv/bin/python scripts/validate_lapland.py --features geochemistry+magnetics --json mag.json
    .venv/bin/python scripts/validate_lapland.py --from-json geo.json mag.json --markdown docs/validation_lapland.md

Settings are fixed before the run (nothing is tuned on held-out deposits): 500 m cells, IDW log-geochemistry of 22
elements (scripts/lapland.py), 4 folds of whole clusters (3 km), 600 barren cells per fold; the classic learners with
the defaults of comparemodels; every CNN with patch 9, at most 40 epochs with early stopping on 10 km blocks, an
ensemble of --ensemble networks; the CNN variants: positive-unlabelled (class prior = share of positive cells),
masked-band pre-training (5 epochs), a coarse view (factor 3).

Issue #18's controlled experiments (--modes, over the default CNN's settings, same folds and labels; EXPERIMENTS):
"cnn_cell" (also a comparemodels mode), the same pipeline with a per-cell network (patch 1: no context);
"cnn_cell_quantile", that network on normal scores (INPUT_TRANSFORM quantile, also comparemodels' mode "cnn_quantile" with the default network); "cnn_supervised", the labelled cells alone (no mean teacher on the unlabelled cells), as the baselines learn;
then "cnn_patch5" (less context), "cnn_cell_fixed" (per cell, 20 epochs, no early stopping) and "cnn_cell_pu" (per
cell, positive-unlabelled); then, per cell, "cnn_cell_piecewise" (INPUT_TRANSFORM piecewise), "cnn_cell_decay"
(weight decay 1e-2) and "cnn_cell_small" (width 8, hidden 16); then, per cell, "cnn_cell_ens10" (10 networks),
"cnn_cell_slow" (learning rate 1e-4) and "cnn_cell_supervised" (no mean teacher); "cnn_cell_piecewise_slow" (both); "cnn_piecewise" (patch 9, encoded).
Then (bench/results/2026-12-04-cnn-distil) distillation from gradient boosting (TEACHER) and the band penalty
(BAND_SPARSITY): "cnn_cell_distil", "cnn_patch5_distil", "cnn_cell_sparse", "cnn_cell_distil_sparse"; after them
"cnn_cell_distil_fixed", "cnn_cell_distil_logodds", "cnn_patch5_distil_logodds"; then "cnn_cell_distil_all" (also
comparemodels' mode "cnn_distil").
Each is paired against the default CNN and the best other learner on the same deposits.

--nested adds "CNN, nested": in each outer fold a leave-cluster-out among that fold's training deposits alone
(core's nested_mapper: 3 inner folds, INNER_ENSEMBLE networks per candidate) chooses among CANDIDATES, declared
before any run, and the choice is trained on all of them; its outer score estimates "tune on your own deposits, then
map". It trains 8 x 3 x INNER_ENSEMBLE + ensemble networks per fold: hours on a loaded 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from lapland import ELEMENTS, load_geology, load_gtk  # noqa: E402 (after the path set-up above)

LEARNERS = ("woe", "logistic", "random_forest", "gradient_boosting")
CLASSIC = {
    "window": 0,
    "n_estimators": 200,
    "max_depth": 0,
    "min_samples_leaf": 5,
    "learning_rate": 0.1,
    "regularisation": 1.0,
    "seed": 0,
}
LINK_METRES = 3000.0
#: CNN settings the nested selection chooses among (declared before any run; never changed after seeing an outer
#: score): receptive field, capacity, and early stopping against a fixed number of epochs
CANDIDATES: List[Dict[str, Any]] = [
    {"patch_size": p, "width": w, "hidden": h, **stop}
    for p in (5, 9)
    for w, h in ((8, 16), (32, 64))
    for stop in ({"epochs": 40, "early_stopping": True}, {"epochs": 20, "early_stopping": False})
]
#: networks per candidate in the inner folds: fewer than the outer ensemble, to keep the run shorter
INNER_ENSEMBLE = 3
#: the evidence sets; the two with geology add prospector:evidence's bands of the bundled faults and lithology
#: (scripts/lapland.py load_geology: distance to faults, 10 lithology classes, distance to contacts), declared for
#: bench/results/2026-12-06-geology before its run
FEATURES = ("geochemistry", "geochemistry+magnetics", "geochemistry+magnetics+geology", "magnetics+geology")
#: issue #18's controlled variants of the default CNN (settings over it), declared before any run
EXPERIMENTS: Dict[str, Dict[str, Any]] = {
    "cnn_cell_quantile": {"patch_size": 1, "input_transform": "quantile"},
    "cnn_supervised": {"semi_supervised": False},
    # second round, declared after the first (per-cell beat the patch CNN, normal scores and the mean teacher did
    # not matter): how much context (patch 5), and the per-cell network with 20 fixed epochs or PU training
    "cnn_patch5": {"patch_size": 5},
    "cnn_cell_fixed": {"patch_size": 1, "early_stopping": False, "epochs": 20},
    "cnn_cell_pu": {"patch_size": 1, "training": "pu", "class_prior": 0.0},
    # third round, declared after the fold-2 analysis (bench/results/2026-12-04-cnn-why/fold2.txt: no held-out
    # deposit lies outside the training range, but the per-cell network's log-odds there are pushed down by the
    # tails of many correlated mafic bands that gradient boosting ignores): each band's piecewise-linear encoding
    # (bounded, threshold-like response per band), 100 x the weight decay (shrinkage), a narrower network
    "cnn_cell_piecewise": {"patch_size": 1, "input_transform": "piecewise"},
    "cnn_cell_decay": {"patch_size": 1, "weight_decay": 1e-2},
    "cnn_cell_small": {"patch_size": 1, "width": 8, "hidden": 16},
    # fourth round, declared after run3 (piecewise lost; early stopping keeps epoch 1-6 of 40, 9 Adam steps an
    # epoch, validation loss near ln 2: the ranking comes from barely trained networks whose members disagree):
    # more members (variance), a 10 x smaller learning rate (finer early stopping), no mean teacher (whose EMA
    # acts as a slower learner)
    "cnn_cell_ens10": {"patch_size": 1, "ensemble": 10},
    "cnn_cell_slow": {"patch_size": 1, "learning_rate": 1e-4},
    "cnn_cell_supervised": {"patch_size": 1, "semi_supervised": False},
    # fifth round, declared after run4 (nothing helped): does the encoding's threshold-like response pay once the
    # networks train more gradually than 9 Adam steps an epoch at 1e-3 allow? (two changes to cnn_cell: a
    # follow-up of cnn_cell_piecewise, not a new variant)
    "cnn_cell_piecewise_slow": {"patch_size": 1, "input_transform": "piecewise", "learning_rate": 1e-4},
    # sixth, the "patch 9 if cheap" (one epoch costs about the same as without the encoding): the default
    # CNN with the encoding
    "cnn_piecewise": {"input_transform": "piecewise"},
    # 2026-12-04-cnn-distil (declared before its run1): the two ideas the fold-2 analysis left untried, per cell
    # (and distillation with patch 5): soft targets of a gradient-boosting teacher (the fold's training cells
    # alone) on every valid cell; a group-lasso penalty per band on the first layer, its strength chosen on the
    # network's validation cells; both together
    "cnn_cell_distil": {"patch_size": 1, "teacher": "gradient_boosting"},
    "cnn_patch5_distil": {"patch_size": 5, "teacher": "gradient_boosting"},
    "cnn_cell_sparse": {"patch_size": 1, "band_sparsity": -1.0},
    "cnn_cell_distil_sparse": {"patch_size": 1, "teacher": "gradient_boosting", "band_sparsity": -1.0},
    # its run2, declared after run1 and fidelity.py (training labels only, no held-out deposit): early stopping on
    # the labelled validation cells kept epoch 1 of the distilled networks (they barely follow the teacher:
    # Spearman 0.16-0.60 with its map); 40 fixed epochs follow it better; matching its log-odds (not its
    # probabilities, near 0 on 91 % of the area) at a 3 x learning rate best (fold 2: 0.63 -> 0.77)
    "cnn_cell_distil_fixed": {"patch_size": 1, "teacher": "gradient_boosting", "early_stopping": False},
    "cnn_cell_distil_logodds": {
        "patch_size": 1,
        "teacher": "gradient_boosting",
        "distil_target": "log_odds",
        "early_stopping": False,
        "learning_rate": 3e-3,
    },
    # its run3, declared after run2 from fidelity.py's training-side figure alone: the teacher, trained on the
    # network's training cells (80 % of the fold's labels), correlates only 0.73 with gradient boosting on all of
    # them (Spearman over the area, fold 2), so the student copies a weaker teacher than the baseline it is
    # compared with; here the teacher learns from every labelled cell of the fold, as comparemodels' gradient
    # boosting does (the log-odds recipe of run2, which followed its teacher most closely)
    "cnn_cell_distil_all": {
        "patch_size": 1,
        "teacher": "gradient_boosting_all",
        "distil_target": "log_odds",
        "early_stopping": False,
        "learning_rate": 3e-3,
    },
    "cnn_patch5_distil_logodds": {
        "patch_size": 5,
        "teacher": "gradient_boosting",
        "distil_target": "log_odds",
        "early_stopping": False,
        "learning_rate": 3e-3,
    },
}


#: 2026-12-06-stacked (declared before its run): the network on the evidence plus one more band, gradient
#: boosting's log-odds (out-of-fold on the labelled cells it learns from, GB on all of them elsewhere); does the
#: network's context add to the trees? Per cell (no context) and patch 9, on the fold's labelled cells
STACKED: Dict[str, Dict[str, Any]] = {
    "cnn_cell_on_gb": {"patch_size": 1},
    "cnn_on_gb": {},
    # its run2, declared after run1 from the training side alone (oof_skill.py; no held-out deposit): the grouped
    # out-of-fold band ranks the labelled cells backwards (AUC 0.17-0.29 in folds 1-3; sklearn's GroupKFold
    # cross_val_predict gives 0.181 on fold 1), so the network learns the band upside down and inverts GB on the
    # map; here the inner folds are 5 random folds of the labelled cells (a deposit's cells on both sides: a band
    # that overstates its skill at new deposits, as the full fit does on the map)
    "cnn_cell_on_gb_random": {"patch_size": 1, "inner": "random"},
    "cnn_on_gb_random": {"inner": "random"},
}
#: inner folds of the out-of-fold log-odds: groups of labelled cells by 10 km blocks, a deposit's cells (and those
#: within the 3 km cluster distance) kept in one group
STACK_FOLDS = 5
STACK_CLIP = 1e-6


def gb_log_odds_band(
    bands: np.ndarray, labels: np.ndarray, names: Sequence[str], pixel: float, seed: int = 0, inner: str = "groups"
) -> Tuple[np.ndarray, np.ndarray]:
    """Gradient boosting's log-odds (comparemodels' settings) as two (H, W) bands: for training (out-of-fold at the
    labelled cells, every inner fold a whole group of blocks and deposits, or with ``inner`` "random" random cells),
    and for mapping (GB on every label)."""
    from scipy import ndimage

    from geochem_prospector.core.classic.learner import ClassicLearner

    def log_odds(p: np.ndarray) -> np.ndarray:
        q = np.clip(p, STACK_CLIP, 1.0 - STACK_CLIP)
        return np.log(q / (1.0 - q)).astype(np.float32)

    def fit_map(lab: np.ndarray) -> np.ndarray:
        return ClassicLearner("gradient_boosting", **CLASSIC).fit(bands, lab, list(names)).predict_proba(bands)

    full = log_odds(fit_map(labels))
    labelled = np.isfinite(labels)
    block = int(round(10000 / pixel))
    rows, cols = np.indices(labels.shape)
    group = (rows // block) * (labels.shape[1] // block + 1) + cols // block
    reach = int(np.ceil(LINK_METRES / pixel))
    deposits, n = ndimage.label(ndimage.binary_dilation(labels == 1, iterations=reach))
    for k in range(1, n + 1):  # a deposit's cells in the group of its first cell
        where = deposits == k
        group[where] = group[where].min()
    ids = np.unique(group[labelled])
    fold_of = dict(zip(ids, np.random.default_rng(seed).permutation(ids.size) % STACK_FOLDS))
    if inner == "random":
        fold_number = np.random.default_rng(seed).permutation(int(labelled.sum())) % STACK_FOLDS
    else:
        fold_number = np.vectorize(fold_of.get, otypes=[int])(group[labelled])
    out_of_fold = full.copy()
    r, c = np.nonzero(labelled)
    for f in range(STACK_FOLDS):
        held = fold_number == f
        lab = labels.copy()
        lab[r[held], c[held]] = np.nan
        if not np.any(lab == 1) or not np.any(lab == 0):
            continue  # the whole class in one group: the full fit stands for it (reported in the log)
        out_of_fold[r[held], c[held]] = log_odds(fit_map(lab))[r[held], c[held]]
    return out_of_fold, full


def stacked_mapper(settings: Dict[str, Any], names: Sequence[str], pixel: float):
    """A comparemodels map maker: the network trained on the evidence plus the out-of-fold log-odds band, mapping
    with GB's log-odds on every label."""
    from geochem_prospector.core.learning.estimator import PatchCNN

    inner = settings.get("inner", "groups")
    settings = {k: v for k, v in settings.items() if k != "inner"}

    def fit_and_map(b: np.ndarray, labels: np.ndarray, progress=None) -> np.ndarray:
        train_band, map_band = gb_log_odds_band(b, labels, names, pixel, inner=inner)
        valid = np.isfinite(b).all(axis=0)
        with_oof = np.concatenate([b, np.where(valid, train_band, np.nan)[None]])
        with_full = np.concatenate([b, np.where(valid, map_band, np.nan)[None]])
        net = PatchCNN(**settings).fit(with_oof, labels, band_names=[*names, "gb_log_odds"])
        return net.predict_score(with_full)

    return fit_and_map


def evidence(data: Dict[str, Any], features: str):
    """Bands (NaN off the study area), valid cells and band names of one evidence set."""
    if features not in FEATURES:
        raise SystemExit(f"--features: one of {', '.join(FEATURES)}")
    parts = features.split("+")
    stacked, names = [], []
    if "geochemistry" in parts:
        stacked.append(data["geo"])
        names += list(ELEMENTS)
    if "magnetics" in parts:
        stacked.append(data["mag"])
        names.append("magnetics")
    if "geology" in parts:
        geology = load_geology(data["grid"], data["mask"])
        stacked.append(geology["bands"])
        names += geology["names"]
    bands = np.concatenate(stacked)
    valid = np.isfinite(bands).all(axis=0) & data["mask"]
    return np.where(valid, bands, np.nan).astype(np.float32), valid, names


def run(
    features: str,
    pixel: float = 500.0,
    epochs: int = 40,
    ensemble: int = 3,
    folds: int = 4,
    learners: Sequence[str] = LEARNERS,
    modes: Sequence[str] = ("cnn", "cnn_pu", "cnn_pretrain", "cnn_coarse"),
    iterations: int = 2000,
    log=print,
    nested: bool = False,
) -> Dict[str, Any]:
    """One comparison (comparemodels' core) on one evidence set; the saved record of :func:`record`."""
    from geochem_prospector.core.evaluation.compare import (
        CNN_MODES,
        cnn_mode_settings,
        compare,
        make_mappers,
        nested_mapper,
        paired,
    )

    data = load_gtk(pixel)
    bands, valid, names = evidence(data, features)
    cnn = {
        "patch_size": 9,
        "epochs": epochs,
        "ensemble": ensemble,
        "seed": 0,
        "device": "cpu",
        "batch_size": 64,
        "block_size": int(round(10000 / pixel)),
    }
    unknown = [m for m in modes if m not in CNN_MODES and m not in EXPERIMENTS and m not in STACKED]
    if unknown:
        raise SystemExit(f"--modes: unknown {', '.join(unknown)}; use {', '.join([*CNN_MODES, *EXPERIMENTS])}")
    modes_settings = {
        m: cnn_mode_settings(m, cnn) if m in CNN_MODES else {**cnn, **EXPERIMENTS.get(m, STACKED.get(m, {}))}
        for m in modes
    }
    mappers = make_mappers(
        learners, CLASSIC, cnn, names, cnn_modes={m: v for m, v in modes_settings.items() if m not in STACKED}
    )
    for m in modes:
        if m in STACKED:
            mappers[m] = stacked_mapper(modes_settings[m], names, pixel)
    choices: List[Any] = []
    if nested:
        candidates = make_mappers(
            [], {}, cnn, names, cnn_modes={config_name(c): {**cnn, "ensemble": INNER_ENSEMBLE, **c} for c in CANDIDATES}
        )
        mappers["cnn (nested)"] = nested_mapper(candidates, 3, LINK_METRES / pixel, 600, 0, choices, log)
    started = time.perf_counter()
    result = compare(
        bands,
        valid,
        data["dep_rows"],
        data["dep_cols"],
        mappers,
        folds=folds,
        cluster_cells=LINK_METRES / pixel,
        negatives=600,
        seed=0,
        iterations=iterations,
        log=log,
        band_names=names,
    )
    total = time.perf_counter() - started
    if "cnn" in result.learners and not result.learners["cnn"].failed:  # the experiments against the default CNN
        for name in modes:
            if (name in EXPERIMENTS or name in STACKED) and not result.learners[name].failed:
                result.summary[name]["minus_cnn"] = paired(
                    result.learners[name].placement, result.learners["cnn"].placement, result.clusters, iterations, 0
                )
    saved = record(
        result,
        {
            "pixel": pixel,
            "epochs": epochs,
            "ensemble": ensemble,
            "seconds": total,
            "cnn": modes_settings,
            "classic": CLASSIC,
        },
    )
    saved["nested"] = [{"chosen": c.chosen, "inner_auc": c.inner_auc} for c in choices]
    return saved


def config_name(config: Dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in config.items())


def record(result, settings: Dict[str, Any]) -> Dict[str, Any]:
    """A :class:`Comparison` as JSON-able data: summary, per-deposit placements, folds, clusters, timings, notes."""
    return {
        "summary": result.summary,
        "recommended": result.recommended,
        "folds": result.folds.tolist(),
        "clusters": result.clusters.tolist(),
        "placements": {n: v.placement.tolist() for n, v in result.learners.items()},
        "seconds": {n: v.seconds for n, v in result.learners.items()},
        "failed": {n: v.failed for n, v in result.learners.items() if v.failed},
        "best_band": result.learners["best band"].notes,
        "settings": {**result.settings, **settings},
    }


def _interval(v, signed: bool = False) -> str:
    if v is None:
        return "—"
    f = "{:+.3f}" if signed else "{:.3f}"
    return f"{f.format(v[0])} [{f.format(v[1])}, {f.format(v[2])}]"


def markdown(saved: Dict[str, Dict[str, Any]]) -> str:
    """The tables of saved runs (evidence set -> :func:`record`) as Markdown: pooled AUC with its cluster interval,
    capture, paired differences against the best band and (CNN variants) the CNN on labelled cells (`cnn`), per fold, seconds."""
    from geochem_prospector.core.evaluation.compare import TITLES, paired

    lines: List[str] = []
    for features, run in saved.items():
        folds = np.asarray(run["folds"])
        clusters = np.asarray(run["clusters"])
        n_folds = int(folds.max()) + 1
        st = run["settings"]
        lines += [
            f"### {features}",
            "",
            f"{st['deposits']} deposits in {st['clusters']} clusters (3 km), {n_folds} folds, {st['pixel']:g} m cells, "
            f"each CNN an ensemble of {st.get('ensemble', 3)} (at most {st['epochs']} epochs)"
            + (f"; run took {st['seconds']:.0f} s" if "seconds" in st else "")
            + "; "
            f"recommended: **{TITLES.get(run['recommended'], run['recommended'])}**.",
            "",
            "| learner | held-out AUC [95 %, clusters] | capture 10 % | capture 20 % | minus best band, paired [95 %] "
            "| minus CNN on labelled cells, paired [95 %] | "
            + " | ".join(f"fold {f} ({int(np.sum(folds == f))})" for f in range(n_folds))
            + " | seconds |",
            "|---|---|---|---|---|---|" + "---|" * n_folds + "---|",
        ]
        for name, row in run["summary"].items():
            p = np.asarray(run["placements"][name], dtype=float)
            per_fold = " | ".join(
                f"{np.nanmean(p[folds == f]):.3f}" if np.isfinite(p[folds == f]).any() else "n/a"
                for f in range(n_folds)
            )
            auc = "n/a" if not np.isfinite(row["auc"]) else _interval((row["auc"], row["auc_low"], row["auc_high"]))
            lines.append(
                f"| {TITLES.get(name, name)} | {auc} | {row['capture_10']:.2f} | {row['capture_20']:.2f} | "
                f"{_interval(row['minus_best_band'], True)} | {_interval(row.get('minus_cnn'), True)} | {per_fold} | "
                f"{row['seconds']:.0f} |"
            )
        for name, why in run.get("failed", {}).items():
            lines += ["", f"{TITLES.get(name, name)}: left out, {why}."]
        lines += ["", "Best single band per fold: " + "; ".join(run["best_band"]) + ".", ""]
        if run.get("nested"):
            picks = run["nested"]
            lines += [
                "Nested selection: inner leave-cluster-out AUC on each outer fold's training deposits; bold = chosen:",
                "",
                "| candidate | " + " | ".join(f"fold {f}" for f in range(len(picks))) + " |",
                "|---|" + "---|" * len(picks),
            ]
            for name in picks[0]["inner_auc"]:
                cells = [
                    f"**{p['inner_auc'][name]:.3f}**" if p["chosen"] == name else f"{p['inner_auc'][name]:.3f}"
                    for p in picks
                ]
                lines.append(f"| {name} | " + " | ".join(cells) + " |")
            lines.append("")
        # each CNN against the best non-CNN learner of this run (issue #18's target), paired over the same deposits
        classic = [n for n in run["summary"] if not n.startswith("cnn") and np.isfinite(run["summary"][n]["auc"])]
        best = max(classic, key=lambda n: run["summary"][n]["auc"])
        cnns = [n for n in run["summary"] if n.startswith("cnn") and np.isfinite(run["summary"][n]["auc"])]
        if cnns:
            ref = np.asarray(run["placements"][best], dtype=float)
            lines += [
                f"Each CNN against the best other learner ({TITLES.get(best, best)}), paired over the same deposits, "
                "clusters resampled: "
                + "; ".join(
                    f"{TITLES.get(n, n)} {_interval(paired(np.asarray(run['placements'][n], float), ref, clusters, 2000, 0), True)}"
                    for n in cnns
                )
                + ".",
                "",
            ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", default="geochemistry", help=" or ".join(FEATURES))
    parser.add_argument("--pixel", type=float, default=500.0)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--ensemble", type=int, default=3, help="networks per CNN and fold")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--learners", nargs="*", default=list(LEARNERS))
    parser.add_argument(
        "--modes",
        nargs="*",
        default=["cnn", "cnn_pu", "cnn_pretrain", "cnn_coarse"],
        help="CNN variants: comparemodels' modes and the experiments " + ", ".join([*EXPERIMENTS, *STACKED]),
    )
    parser.add_argument("--nested", action="store_true", help="add the CNN with nested selection (slow)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--json", help="save the run (summary, per-deposit placements) to this file")
    parser.add_argument("--from-json", nargs="+", help="only write --markdown from these saved runs")
    parser.add_argument("--markdown", help="write the tables to this Markdown file (default: print them)")
    args = parser.parse_args()
    if args.from_json:
        saved: Dict[str, Any] = {}
        for path in args.from_json:
            with open(path, encoding="utf-8") as handle:
                saved.update(json.load(handle))
    else:
        if args.threads:
            import torch

            torch.set_num_threads(args.threads)
        saved = {
            args.features: run(
                args.features,
                args.pixel,
                args.epochs,
                args.ensemble,
                args.folds,
                args.learners,
                args.modes,
                log=lambda s: print(s, flush=True),
                nested=args.nested,
            )
        }
        if args.json:
            with open(args.json, "w", encoding="utf-8") as out:
                json.dump(saved, out, indent=1)
    text = markdown(saved)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
