"""What the Processing toolbox and dialogs tell a user about each algorithm, in one place.

Read by :class:`algorithms.base.ProspectorAlgorithm`: search tags (``tags()``), the README section a Help button
opens (``helpUrl()``), the help shown as each parameter's tooltip (``setHelp``), and the help text with the
parameters named by the labels the form shows rather than by their ids. Algorithm files only declare parameters;
an algorithm or a parameter missing here simply gets no tags or tooltip text. QGIS shows the help text and the
tooltips as HTML, so both are given to it through :func:`as_html`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Dict, List, Mapping, Sequence, Tuple

#: toolbox search words per algorithm id (QGIS matches them besides the display name)
TAGS: Dict[str, Tuple[str, ...]] = {
    "interpolate": (
        "interpolation", "gridding", "grid", "IDW", "inverse distance weighting", "kriging", "ordinary kriging",
        "variogram", "geostatistics", "cross-validation", "geochemistry", "soil", "till", "stream sediment",
        "below detection", "censored", "element", "raster",
    ),
    "anomalies": (
        "anomaly", "anomalies", "geochemical anomaly", "threshold", "percentile", "C-A fractal",
        "concentration-area", "fractal", "MAD", "Tukey", "contour", "contours", "high-value", "index",
        "CLR", "PCA", "screening", "ranking", "geochemistry",
    ),
    "pseudolabel": (
        "pseudo-label", "pseudolabel", "semi-supervised", "PU learning", "positive-unlabelled", "bagging",
        "label spreading", "self-training", "deposits", "training data", "labels",
    ),
    "traincnn": (
        "CNN", "convolutional neural network", "deep learning", "neural network", "machine learning", "train",
        "training", "mean teacher", "semi-supervised", "ensemble", "PyTorch", "prospectivity",
    ),
    "predict": (
        "predict", "prediction", "prospectivity", "mineral prospectivity", "probability", "CNN",
        "uncertainty", "MC dropout", "ensemble", "map",
    ),
    "evaluate": (
        "evaluation", "validation", "ROC", "AUC", "success-rate", "success rate", "capture efficiency",
        "prediction-area", "P-A plot", "bootstrap", "held-out", "deposits", "baseline",
    ),
    "evidence": (
        "evidence", "evidence layers", "faults", "structure", "distance", "proximity", "density", "lithology",
        "geology", "contacts", "one-hot", "geophysics", "magnetics", "resample", "stack", "align",
    ),
    "trainmodel": (
        "random forest", "gradient boosting", "logistic regression", "weights of evidence", "WofE",
        "machine learning", "classifier", "train", "scikit-learn", "prospectivity", "ArcSDM",
    ),
    "comparemodels": (
        "compare", "model comparison", "cross-validation", "spatial cross-validation", "leave-cluster-out",
        "held-out", "ROC", "AUC", "random forest", "CNN", "baseline", "which model",
    ),
}  # fmt: skip

#: README heading documenting each algorithm: the help page (the Help button) points to that section
README_HEADINGS: Dict[str, str] = {
    "interpolate": "### `prospector:interpolate`",
    "anomalies": "### `prospector:anomalies`",
    "pseudolabel": "### `prospector:pseudolabel`",
    "traincnn": "### `prospector:traincnn`",
    "predict": "### `prospector:traincnn`",
    "evaluate": "### `prospector:evaluate`",
    "evidence": "### `prospector:evidence`",
    "trainmodel": "### `prospector:trainmodel`",
    "comparemodels": "### `prospector:comparemodels`",
}

#: each algorithm's step in the workflow (README's table), shown before its display name: the toolbox sorts the
#: algorithms of a group by display name, which listed the steps alphabetically (the reverse of the workflow); ids
#: are public API and stay. One digit each, so a locale-aware sort cannot put 10 between 1 and 2.
WORKFLOW_STEPS: Dict[str, int] = {
    "interpolate": 1,
    "anomalies": 2,
    "evidence": 3,
    "pseudolabel": 4,
    "traincnn": 5,
    "trainmodel": 6,
    "comparemodels": 7,
    "predict": 8,
    "evaluate": 9,
}


def numbered(algorithm_id: str, name: str) -> str:
    """'Interpolate geochemistry to rasters' -> '1 · Interpolate geochemistry to rasters' (unchanged when the
    algorithm is not a workflow step)."""
    step = WORKFLOW_STEPS.get(algorithm_id)
    return f"{step} · {name}" if step else name


#: the layer-tree group each step's loaded outputs go into (as in `make demo`'s project)
LAYER_GROUPS: Dict[str, str] = {
    "interpolate": "Geochemistry",
    "anomalies": "Anomalies",
    "pseudolabel": "Pseudo-labels",
    "predict": "Prospectivity (CNN)",
    "evidence": "Evidence",
}

_ELEMENT_FIELDS = (
    "Element concentrations of the sample points, one raster band each (named after the field). In qgis_process "
    "repeat FIELDS for each field (FIELDS=Cu FIELDS=Ni) or give them as one value separated by semicolons "
    "(FIELDS='Cu;Ni'). Identifier, date and flag fields (fid, Year, Cu_flag, sample_id) are refused."
)
_MASK = "Polygons of the study area: cells outside are nodata and not used. Optional."
_SEED = "Seed of the random numbers: the same seed gives the same result."
_SCHEDULER = (
    "Where the work runs. Empty (default): the Default Dask scheduler of the Processing options, in QGIS unless set "
    "there. 'local:N': N worker processes on this computer. "
    "'tcp://host:8786': an existing Dask cluster whose workers see the same paths. The result is identical."
)
_CLASSIC = {
    "WINDOW": "Adds each band's mean and standard deviation over this window (odd, cells) as features, so the "
    "learner sees some context. 0 = the cell alone.",
    "N_ESTIMATORS": "Random forest and gradient boosting: number of trees.",
    "MAX_DEPTH": "Random forest and gradient boosting: how deep a tree may grow. 0 = unlimited (boosting: 3).",
    "MIN_SAMPLES_LEAF": "Random forest and gradient boosting: fewest training cells in a leaf; larger is smoother.",
    "LEARNING_RATE": "Gradient boosting: how much each tree corrects the previous ones (0.05-0.2 is usual).",
    "REGULARISATION": "Logistic regression: inverse strength C of the L2 penalty; smaller is more regularised.",
    "SEED": "Seed of the random numbers: the same seed gives the same result.",
}

#: tooltip help per algorithm id and parameter id: what the value means, its unit and a sensible value
PARAMETER_HELP: Dict[str, Dict[str, str]] = {
    "interpolate": {
        "INPUT": "Point layer of soil, till or stream-sediment samples in a projected CRS (metres or feet).",
        "FIELDS": _ELEMENT_FIELDS,
        "PIXEL_SIZE": "Cell size in the layer's map units (metres, or feet in a CRS in feet). 0 = a quarter of the "
        "sample spacing (the area of the samples' outline per sample; for samples on one line, their spacing along "
        "it).",
        "EXTENT": "Area to grid. Empty = the extent of the samples plus a 5 % margin.",
        "MASK": _MASK,
        "POWER": "Inverse distance weighting: weight = 1 / distance^power. 2 is usual; higher is more local.",
        "NEIGHBORS": "How many of the nearest samples each cell uses (IDW and kriging). 0 = all samples.",
        "MAX_DISTANCE": "Only samples within this distance (map units) are used; cells with none are nodata. "
        "0 = no limit.",
        "LOG_TRANSFORM": "Interpolate logarithms (the usual choice for skewed, lognormal concentrations); the "
        "rasters are back-transformed to concentrations. On by default: it cross-validated better for 20 of the "
        "sample data's 22 elements.",
        "METHOD": "Inverse distance weighting (fast, no model) or ordinary kriging (fits a variogram per element, "
        "gives a kriging variance).",
        "CENSORED_FACTOR": "Values below detection ('<5', or -5 for 'below 5') become this fraction of the "
        "detection limit. 0.5 (half the limit) is usual.",
        "VARIOGRAM_MODEL": "Kriging only: the variogram model; Automatic fits spherical, exponential and gaussian "
        "and keeps the best.",
        "VARIOGRAM_NUGGET": "Kriging only, with a fixed range: the nugget (in squared concentration units, or ln "
        "units with log values).",
        "VARIOGRAM_SILL": "Kriging only, with a fixed range: the partial sill (same units as the nugget).",
        "VARIOGRAM_RANGE": "Kriging only: a fixed practical range in map units instead of fitting the variogram. "
        "Empty or 0 = fit.",
        "OUTPUT": "Multi-band GeoTIFF, one band per element field, in the fields' units.",
        "OUTPUT_VARIANCE": "Kriging variance per band (kriging only). Optional.",
        "UNITS": "Unit of the element values, shown in the layer name and legend (e.g. ppm, ppb, %); for fields in "
        "another unit add field=unit pairs after it, separated by ';' (e.g. 'ppm; Au=ppb; Pd=ppb'). Empty = none.",
        "OUTPUT_CV": "CSV of the cross-validation (RMSE, MAE, ME, R²) of IDW at several powers and of kriging. "
        "Optional.",
        "TRANSFORM": "Values gridded as 'Interpolate log values' says (log or raw values), or as normal scores "
        "(Gaussian anamorphosis, "
        "robust for skewed and heavily censored fields). Automatic uses normal scores only for heavily censored "
        "fields.",
        "SURVEY_FIELD": "Field naming the survey, batch or laboratory of each sample: the surveys are levelled to "
        "each other before gridding. Optional.",
        "LEVELLING": "How surveys are levelled: by the median and IQR of log values, or by mapping quantiles onto "
        "the reference survey.",
        "CENSORED_SHARE": "Share (0-1) of values at or below detection above which a field counts as heavily "
        "censored: it is then gridded as normal scores with tied ranks, with a warning.",
        "REFERENCE_SURVEY": "Levelling: the survey the others are levelled onto. Empty = the survey with most samples.",
        "VARIOGRAM_ESTIMATOR": "Kriging: the classical (Matheron) estimator, or Cressie-Hawkins, robust to a few "
        "extreme values.",
        "ANISOTROPY": "Kriging: one range in every direction, a direction and ratio fitted from directional "
        "variograms, or the ones given below.",
        "ANISOTROPY_ANGLE": "Kriging, given anisotropy: direction of the longest range, degrees counter-clockwise "
        "from east.",
        "ANISOTROPY_RATIO": "Kriging, given anisotropy: longest range / shortest range (1 = isotropic).",
        "SCHEDULER": _SCHEDULER,
        "OUTPUT_SURVEYS": "CSV of each survey's sample count and median before and after levelling. Optional.",
    },
    "anomalies": {
        "INPUT_RASTER": "The element raster made by 'Interpolate geochemistry to rasters' (bands named after the "
        "elements).",
        "ELEMENT_BANDS": "Element bands to classify. Empty = all bands.",
        "BANDS": "The element bands by band name, comma separated (e.g. Cu, Ni), for scripts written before the "
        "band chooser. Leave empty when bands are chosen above.",
        "METHOD": "How the weak, moderate and strong thresholds are set for each element and for the index.",
        "PERCENTILES": "Percentile method: the weak, moderate and strong thresholds as percentiles of the cells, "
        "e.g. 85,95,98.",
        "MULTIPLIERS": "Mean + k·SD and median + k·MAD methods: k for weak, moderate and strong, e.g. 1,2,3.",
        "CA_BREAKS": "Concentration-area fractal: number of break points (1-3). 0 = chosen by BIC.",
        "ASSOCIATION_BANDS": "Element bands combined in the integrated index (e.g. Ag, Pb, Zn, Cu); each must be "
        "among the element bands. Empty = all element bands.",
        "ASSOCIATION": "The association by band name, comma separated (e.g. Ag, Pb, Zn), for scripts written "
        "before the band chooser. Leave empty when association bands are chosen above.",
        "INDEX_METHOD": "How the association elements are combined into one anomaly index.",
        "MASK": _MASK,
        "INPUT": "The sample points, to list the high-value samples. Optional.",
        "DEPOSITS": "Known deposits: each anomaly area gets its distance to the nearest one (not used in the "
        "score). Optional.",
        "MIN_CELLS": "Anomaly areas smaller than this many cells are dropped.",
        "AREA_LEVEL": "The index level that outlines the ranked anomalies: weak (the default) gives the whole "
        "anomalous ground, moderate or strong split a large area into its cores (on the sample data the moderate "
        "outline leaves every known deposit outside the areas).",
        "POINTS_LEVEL": "High-value samples: the level an element must reach. Moderate by default; at the weak "
        "level half or more of the samples were listed on the sample data.",
        "OUTPUT": "Classes per element and for the index: 0 background, 1 weak, 2 moderate, 3 strong.",
        "OUTPUT_CONTOURS": "Contour lines at the thresholds, with element, level, value and unit (the element band's "
        "unit; none for the index).",
        "OUTPUT_ANOMALIES": "Connected anomalous areas of the index, with area (km²), score and rank (1 = follow up "
        "first).",
        "OUTPUT_POINTS": "The samples at or above the chosen level (moderate by default) of any element.",
        "OUTPUT_TABLE": "CSV of the thresholds of every element (in its band's unit, column unit) and of the index. "
        "Optional.",
        "OUTPUT_INDEX": "The integrated anomaly index as a float raster (e.g. evidence for pseudo-labels). Optional.",
    },
    "pseudolabel": {
        "INPUT_RASTERS": "Evidence rasters (element rasters, anomaly index, geophysics), aligned on the first one's "
        "grid.",
        "LABELS": "Known deposits or labelled samples (points).",
        "LABEL_FIELD": "Field with the class of each point (0 = barren, 1 = mineralised, or text such as "
        "'barren'). Empty = every point is mineralised.",
        "NEGATIVES": "Places known to be barren (points or polygons). Optional.",
        "MASK": _MASK,
        "METHOD": "How the few labels are extended: PU bagging (deposits only), label spreading or self-training.",
        "POSITIVE_RADIUS": "Cells within this distance (map units: metres, or feet in a CRS in feet) of a mineralised "
        "point are labelled "
        "mineralised. 0 = only the cell of the point.",
        "NEGATIVE_BUFFER": "No cell within this distance (map units: metres, or feet in a CRS in feet) of a "
        "mineralised point is labelled "
        "barren.",
        "CONFIDENCE": "Share of votes or class probability (0.5-1) a cell needs to get a pseudo-label.",
        "ITERATIONS": "Self-training: number of rounds.",
        "BAGS": "PU bagging: number of classifiers, each trained on the positives against random cells.",
        "NEIGHBORS": "Label spreading: number of neighbours of each cell in the similarity graph.",
        "SEED": _SEED,
        "OUTPUT": "Label raster: 1 mineralised, 0 barren, nodata = unlabelled.",
        "OUTPUT_CONFIDENCE": "Confidence (0-1) of the label of every cell.",
        "OUTPUT_SUMMARY": "Counts per class and the settings, as HTML, JSON or CSV (by the extension).",
    },
    "traincnn": {
        "INPUT_RASTERS": "Evidence rasters; the model remembers their band names, which Predict needs again.",
        "LABELS": "A label raster (1 mineralised, 0 barren, nodata unlabelled; from Pseudo-labels) or points with "
        "a class field.",
        "LABEL_FIELD": "Point labels only: the field holding 1 (mineralised) or 0 (barren).",
        "CONFIDENCE": "Raster of label confidence (0-1) weighting each labelled cell; with labelled-cell TRAINING, "
        "between 0.5 and 1 it is also what the temperature is fitted to, so probabilities are no surer than the "
        "labels. Optional.",
        "PATCH_SIZE": "Width of the square window (cells, odd) the network sees around each cell; 1 = a per-cell "
        "network (no context).",
        "EPOCHS": "Most passes over the training cells; training stops earlier when validation stops improving.",
        "BATCH_SIZE": "Patches per optimisation step.",
        "LEARNING_RATE": "Step size of the Adam optimiser.",
        "SEED": _SEED,
        "DEVICE": "Where to train: auto uses a CUDA GPU when there is one.",
        "VALIDATION": "How cells are held out for validation: whole spatial blocks, or whole clusters of deposits.",
        "BLOCK_SIZE": "Side of a validation block, in the rasters' map units (metres, or feet in a CRS in feet). 0 = "
        "automatic.",
        "SEMI_SUPERVISED": "Also learn from unlabelled cells (mean-teacher consistency).",
        "ENSEMBLE": "Networks trained from different seeds, their logits averaged (with labelled-cell TRAINING "
        "divided by a temperature fitted on the validation cells): steadier with few deposits, slower.",
        "TRAINING": "Positive-unlabelled (the default: the cells labelled 1 against every other valid cell as "
        "unlabelled, no barren label needed), or labelled cells (class-balanced cross-entropy; needed for a "
        "TEACHER and to tell several mineralised classes apart).",
        "CLASS_PRIOR": "Positive-unlabelled only: the share of positive ground among all cells. 0 = the share of "
        "cells labelled 1 (a lower bound).",
        "COARSE_VIEW": "Odd factor k: a second view of k x k averaged cells, so the network sees k x the patch "
        "(e.g. faults at kilometre scale). 0 = none.",
        "PRETRAIN_EPOCHS": "Epochs of self-supervised pre-training (hidden bands predicted from the others, on "
        "every valid cell) before training on the labels. 0 = none.",
        "BARREN_RATIO": "Labelled-cell TRAINING only: barren cells each epoch draws per positive training cell "
        "(at least 2048; a fresh draw "
        "each epoch, cycling through all of them): training time grows with the positives, not the barren ground. "
        "0 = every barren cell in every epoch.",
        "INPUT_TRANSFORM": "Median / IQR normalisation, or normal scores first: each band through its own "
        "distribution on the training stack (quantiles stored in the model, applied by Predict).",
        "TEACHER": "Distillation: gradient boosting trained on the training cells (or every labelled cell) scores "
        "every valid cell; the network also learns those scores, so it sees the whole area through the teacher's "
        "eyes (and inherits its errors). Two classes only. None = labels only.",
        "DISTIL_TARGET": "What the network matches of the teacher: its probability (cross-entropy) or its log-odds "
        "(squared difference; keeps its ranking where it is near 0).",
        "DISTIL_WEIGHT": "Weight of the teacher's targets beside the labels' loss (1 is usual).",
        "BAND_SPARSITY": "Group lasso per band on the first layer: whole bands set to zero, so the network reads "
        "few bands. 0 = none; -1 = strength chosen on the validation cells (0.25-4).",
        "SCHEDULER": "Where the patches are cut: empty = the Default Dask scheduler of the Processing options, "
        "in QGIS unless set there; 'local:N' or 'tcp://host:8786' (Dask): workers read the evidence window by "
        "window and cut the patches, training stays in QGIS. Same networks when both runs read window by window "
        "(see the help).",
        "OUTPUT_MODEL": "Safe model file (.pt: tensors and JSON, no code).",
        "OUTPUT_REPORT": "HTML report: loss and accuracy per epoch, confusion matrix, validation ROC AUC.",
    },
    "predict": {
        "INPUT_RASTERS": "Rasters holding the bands the model was trained on (matched by band name).",
        "MODEL": "Model file made by 'Train prospectivity CNN' (traincnn) or 'Train prospectivity model' (trainmodel).",
        "DEVICE": "Where to predict: auto uses a CUDA GPU when there is one.",
        "MASK": _MASK,
        "MC_SAMPLES": "Random dropout passes for the uncertainty raster. 0 = no uncertainty.",
        "TILE_SIZE": "Cells per tile side; smaller uses less memory. 0 = chosen from the cache and memory (logged).",
        "CLASS_THRESHOLDS": "Probabilities separating low/moderate and moderate/high, e.g. 0.3,0.6. Empty = by "
        "area (high = top 10 %, moderate = next 20 %).",
        "OUTPUT": "Probability of mineralisation (0-1).",
        "OUTPUT_UNCERTAINTY": "Standard deviation of the probability (ensemble and dropout). Optional.",
        "OUTPUT_CLASSES": "3 high, 2 moderate, 1 low. Optional.",
        "OUTPUT_RANK": "Percentile of the study area (0-100): 99 = the top 1 % of the area; ranks by log-odds, "
        "which do not saturate. About 12 bytes of memory per cell. Optional.",
        "SCHEDULER": _SCHEDULER,
    },
    "evaluate": {
        "INPUT_RASTER": "Prospectivity raster (higher = more prospective), e.g. from Predict.",
        "BAND": "Band of the raster to evaluate.",
        "DEPOSITS": "Deposits NOT used in training (held out), or the figures are optimistic.",
        "NAME_FIELD": "Field naming each deposit in the report. Optional: by default a field called 'name' (any "
        "case) when the layer has one, else the feature id.",
        "MASK": "Polygons of the study area: only cells inside count as area. Optional.",
        "ITERATIONS": "Resamples for the confidence intervals and the p-value (e.g. 1000).",
        "SEED": _SEED,
        "CLUSTER_DISTANCE": "Deposits closer than this (map units: metres, or feet in a CRS in feet) are resampled "
        "together as one cluster. "
        "0 = each deposit alone.",
        "OUTPUT_REPORT": "HTML report with the ROC, success-rate and prediction-area plots.",
        "OUTPUT_TABLE": "CSV of the metrics, capture per area share and deposits.",
        "BASELINES": "Simple maps to beat (e.g. the magnetics, the anomaly index), band 1 of each: evaluated "
        "against the same deposits and shown side by side in the report. A distance band is ranked lowest first. "
        "Optional.",
        "DIRECTION": "Which end of the band is prospective. Automatic: low values for a distance band (to faults, "
        "contacts: named '…distance…' or marked so by Evidence), else high values. The report says which.",
    },
    "evidence": {
        "REFERENCE_RASTER": "The stack takes this raster's grid (extent, cells, CRS), e.g. the element rasters. "
        "Or give an extent, pixel size and CRS below.",
        "REFERENCE_BANDS": "Also copy that raster's own bands into the stack first, so one file holds all the "
        "evidence.",
        "EXTENT": "Area of the grid when no raster is given.",
        "PIXEL_SIZE": "Cell size in the CRS's map units (metres, or feet in a CRS in feet) when no raster is given.",
        "CRS": "Projected CRS (metres or feet) of the grid when no raster is given; other layers are reprojected to "
        "it.",
        "MASK": _MASK,
        "LINES": "Faults, contacts, dykes: one band of distance (m) to the nearest line per layer.",
        "DENSITY_RADIUS": "Also a band of line length per km² within this radius (map units: metres, or feet in a CRS "
        "in feet). 0 = no density band. Distance bands are in metres and densities in km per km² whatever the "
        "CRS's unit.",
        "INTERSECTIONS": "Also a band of distance (m) to where lines cross, a classic structural control.",
        "POLYGONS": "Lithology polygons: one 0/1 band per class of the class field.",
        "CLASS_FIELD": "Field of the polygons holding the class (rock type).",
        "CLASSES": "Classes to make bands of, separated by ';'. Empty = every class, up to the most below.",
        "MAX_CLASSES": "Most classes (bands) when all are used; a field with more is refused with its most "
        "frequent classes listed.",
        "CONTACTS": "Also a band of distance (m) to the polygons' boundaries (lithological contacts).",
        "POINTS": "Points used as evidence (intrusion centres, occurrences): distance (m) to the nearest.",
        "CONTINUOUS_RASTERS": "Magnetics, gravity, radiometrics, DEM: resampled onto the grid.",
        "CONTINUOUS_METHOD": "Resampling of continuous rasters: bilinear, average (when the cells get coarser) or "
        "cubic.",
        "CATEGORICAL_RASTERS": "Classified rasters (codes): resampled onto the grid without mixing codes.",
        "CATEGORICAL_METHOD": "Resampling of categorical rasters: nearest cell, or the most frequent code.",
        "OUTPUT": "One GeoTIFF, a band per evidence layer, named for what it holds and with its unit; it loads showing "
        "band 1, a distance band coloured warm near the features.",
        "OUTPUT_TABLE": "CSV of the bands: number, name, unit, source and class codes. Optional.",
        "SCHEDULER": _SCHEDULER,
    },
    "trainmodel": {
        "INPUT_RASTERS": "Evidence rasters; the model remembers their band names, which Predict needs again.",
        "LABELS": "A label raster (1 mineralised, 0 barren, nodata unlabelled; from Pseudo-labels) or points with "
        "a class field.",
        "LABEL_FIELD": "Point labels only: the field holding 1 (mineralised) or 0 (barren).",
        "CONFIDENCE": "Raster of label confidence (0-1) weighting each labelled cell. Optional.",
        "METHOD": "The learner: random forest, gradient boosting, logistic regression or weights of evidence.",
        **_CLASSIC,
        "OUTPUT_MODEL": "Safe model file (.pt: arrays and JSON, no code), read by Predict.",
        "OUTPUT_REPORT": "HTML report of what the model learned: importances, coefficients or the weights table.",
    },
    "comparemodels": {
        "INPUT_RASTERS": "Evidence rasters the learners are compared on.",
        "DEPOSITS": "All known deposits: each fold holds out whole clusters of them.",
        "MASK": _MASK,
        "LEARNERS": "Learners to compare; the CNN and the best single band always run.",
        "FOLDS": "Number of folds; each holds out whole clusters of deposits.",
        "CLUSTER_DISTANCE": "Deposits closer than this (map units: metres, or feet in a CRS in feet) form one "
        "cluster, never split between folds. The default, 3000, is 3 km in metres; in feet give 9842 for 3 km.",
        "NEGATIVES": "Random cells labelled barren in each fold, away from the training deposits.",
        "LABELS": "Optional label raster (1 mineralised, 0 barren, nodata unlabelled; e.g. from Pseudo-labels) to "
        "learn from instead of labels made from the deposits; in each fold its cells within the cluster distance of "
        "the held-out deposits are hidden.",
        **_CLASSIC,
        "PATCH_SIZE": "CNN: width of the square window (cells, odd) the network sees around each cell.",
        "EPOCHS": "CNN: most passes over the training cells.",
        "ENSEMBLE": "CNN: networks averaged per fold.",
        "ITERATIONS": "Resamples of whole clusters for the confidence intervals (e.g. 1000).",
        "CNN_MODES": "CNN training modes compared side by side, each as a learner on the same folds: "
        "positive-unlabelled (the default, as Train CNN trains), labelled cells, masked-band pre-training, coarse "
        "second view, normal scores, per "
        "cell (patch 1: does context pay?), per cell distilled from gradient boosting (TEACHER), as in Train CNN. "
        "Each mode trains its own ensemble per fold.",
        "CLASS_PRIOR": "Positive-unlabelled CNN: share of positive ground among all cells. 0 = the share labelled "
        "mineralised (a lower bound).",
        "PRETRAIN_EPOCHS": "Pre-trained CNN: epochs of masked-band reconstruction on every valid cell before "
        "training on the labels (e.g. 5).",
        "COARSE_VIEW": "Coarse-view CNN: odd factor k; the network also sees the bands averaged over k x k cells, "
        "over k x patch size cells in all (e.g. 3).",
        "OUTPUT_REPORT": "HTML report: held-out AUC and capture per learner and fold, intervals, paired "
        "differences against the best band (CNN modes: also against the labelled-cell CNN when it is among them), "
        "success-rate curves, the "
        "recommended learner.",
        "OUTPUT_TABLE": "CSV of the same figures.",
        "OUTPUT_MODEL": "The recommended learner retrained on all deposits (none when the best band wins). Optional.",
    },
}

_ID = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*\b")
_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")


def short_label(description: str) -> str:
    """A parameter's form label without its trailing note: 'Search radius (0 = unlimited)' -> 'Search radius'."""
    shorter = _TRAILING_NOTE.sub("", description).strip()
    return shorter or description


def with_labels(text: str, labels: Mapping[str, str]) -> str:
    """``text`` with every parameter id in ``labels`` (id -> form label) replaced by the label in quotes, as
    the form shows it: 'NEIGHBORS nearest samples' -> '‘Nearest samples per cell’ nearest samples'."""

    def label(match: re.Match) -> str:
        word = match.group(0)
        return f"‘{short_label(labels[word])}’" if word in labels else word

    return _ID.sub(label, text)


def as_html(text: str) -> str:
    """Plain help text as the HTML QGIS renders it as (the dialog's help panel, parameter tooltips): ``<``, ``>``
    and ``&`` escaped, so '(<layer>:<what>)' or '<5' shows as written instead of being taken for a tag."""
    return html.escape(text, quote=False)


def for_host(text: str, platform: str) -> str:
    """Help text for where it is shown: ``qgis_process help`` prints it as written; every other host (the
    desktop's dialogs and tooltips, the modeler) renders it as HTML, so there it goes through :func:`as_html`."""
    return text if platform == "qgis_process" else as_html(text)


@dataclass(frozen=True)
class ParameterEntry:
    """One parameter or output of an algorithm, as its help page lists it."""

    name: str  #: the id qgis_process and processing.run take
    label: str  #: the form's label
    kind: str  #: QGIS's type name ('raster', 'enum', 'outputNumber'…)
    help: str = ""  #: plain text
    default: str = ""  #: '' when there is none
    optional: bool = False
    advanced: bool = False
    destination: bool = False  #: a file the algorithm writes
    choices: Tuple[str, ...] = ()  #: an enum's options, by index


#: what a value of each input type looks like on the qgis_process command line
_VALUE_HINTS: Dict[str, str] = {
    "raster": "raster file",
    "vector": "vector file",
    "source": "vector file",
    "multilayer": "file, repeatable",
    "file": "file",
    "layer": "vector or raster file",
    "field": "field name",
    "band": "band number",
    "number": "number",
    "distance": "number, map units",
    "boolean": "true or false",
    "string": "text",
    "extent": "xmin,xmax,ymin,ymax [EPSG:code]",
    "crs": "EPSG:code",
    "enum": "option number or words of it",
}


def _paragraphs(text: str) -> List[str]:
    """Plain help text as HTML blocks: blank lines part paragraphs, lines starting '- ' are list items."""
    blocks: List[str] = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        items: List[str] = []
        prose: List[str] = []
        for line in lines:
            if line.startswith("- "):
                items.append(line[2:])
            elif items:  # a wrapped list item
                items[-1] += " " + line
            else:
                prose.append(line)
        if prose:
            blocks.append("<p>" + html.escape(" ".join(prose)) + "</p>")
        if items:
            blocks.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>")
    return blocks


def _value_hint(entry: ParameterEntry) -> str:
    if entry.destination:
        return "output file"
    return _VALUE_HINTS.get(entry.kind, entry.kind)


def help_page(
    algorithm_id: str,
    title: str,
    help_text: str,
    parameters: Sequence[ParameterEntry],
    outputs: Sequence[ParameterEntry],
    version: str,
    readme_url: str,
) -> str:
    """The page the Help button of ``algorithm_id``'s dialog opens: what it does, every parameter with the id
    ``qgis_process`` takes, its type, default and help (an option list's numbers, which ``qgis_process`` takes besides
    words), the values it returns, and a command line with the parameters that have no default. Written from
    the algorithm's own definitions, so it cannot drift from them; it needs no network."""
    esc = html.escape
    rows = []
    for entry in parameters:
        notes = [w for w, flag in (("optional", entry.optional), ("advanced", entry.advanced)) if flag]
        choices = ""
        if entry.choices:
            choices = "<br>" + "; ".join(f"<code>{i}</code> = {esc(c)}" for i, c in enumerate(entry.choices))
        rows.append(
            "<tr>"
            f"<td>{esc(entry.label)}</td>"
            f"<td><code>{esc(entry.name)}</code></td>"
            f"<td>{esc(_value_hint(entry))}{' (' + ', '.join(notes) + ')' if notes else ''}</td>"
            f"<td>{esc(entry.default) if entry.default else ''}</td>"
            f"<td>{esc(entry.help)}{choices}</td>"
            "</tr>"
        )
    output_rows = [
        f"<tr><td>{esc(o.label)}</td><td><code>{esc(o.name)}</code></td><td>{esc(o.help)}</td></tr>" for o in outputs
    ]
    required = [p for p in parameters if not p.optional and not p.default]  # qgis_process fills in defaults
    command = " ".join(
        [f"qgis_process run prospector:{algorithm_id} --"]
        + [f"{p.name}=&lt;{esc(_value_hint(p))}&gt;" for p in required]
    )
    readme = esc(README_HEADINGS.get(algorithm_id, "").lstrip("# "))
    section = f" (section {readme})" if readme else ""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{esc(title)} · GeoChem Prospector</title>",
            "<style>body{font-family:sans-serif;max-width:60rem;margin:1.5rem auto;padding:0 1rem;line-height:1.45}"
            "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3rem .45rem;"
            "vertical-align:top;text-align:left}th{background:#f0f0f0}code,pre{background:#f4f4f4}"
            "pre{padding:.6rem;white-space:pre-wrap;word-break:break-word}.id{color:#555}</style>",
            "</head><body>",
            f"<h1>{esc(title)}</h1>",
            f'<p class="id"><code>prospector:{esc(algorithm_id)}</code> · GeoChem Prospector {esc(version)}</p>',
            *_paragraphs(help_text),
            "<h2>Parameters</h2>",
            "<table><tr><th>Label in the dialog</th><th>Name (qgis_process, processing.run)</th><th>Value</th>"
            "<th>Default</th><th>Help</th></tr>",
            *rows,
            "</table>",
            *(
                ["<h2>Values returned</h2>", "<table><tr><th>Output</th><th>Name</th><th>Type</th></tr>"]
                + output_rows
                + ["</table>"]
                if outputs
                else []
            ),
            "<h2>From the command line</h2>",
            f"<pre>{command}</pre>",
            "<p>Option lists take their numbers there (above), or words that name one option "
            "(<code>METHOD=kriging</code>). <code>qgis_process help "
            f"prospector:{esc(algorithm_id)}</code> prints this reference too. On Debian 12's QGIS 3.22 packages "
            "the <code>qgis_process</code> wrapper fails (it passes <code>--noversioncheck</code>, which that "
            "version does not know): run <code>qgis_process.bin</code> instead.</p>",
            f'<p>The whole workflow, with its validation: <a href="{esc(readme_url)}">README.md</a> in the plugin '
            f"folder{section}.</p>",
            "</body></html>",
            "",
        ]
    )
