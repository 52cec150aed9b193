"""core.learning.pu: the non-negative PU risk against a hand computation, and PU training of the patch CNN."""

import math
import re

import numpy as np
import pytest
import torch

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.learning.estimator import PatchCNN
from geochem_prospector.core.learning.pu import default_prior, nnpu_risk
from geochem_prospector.core.learning.training import roc_auc
from tests.core.learning.test_cnn import SMALL, synthetic


def softplus(x):
    return math.log1p(math.exp(x))


def hand_risk(g, positive, prior, weights):
    """Kiryo et al. (2017) eq. 6 and Algorithm 1 written out with the logistic loss, one cell at a time."""
    p = [(gi, wi) for gi, pi, wi in zip(g, positive, weights) if pi]
    u = [gi for gi, pi in zip(g, positive) if not pi]
    wsum = sum(w for _, w in p)
    r_p_plus = sum(w * softplus(-gi) for gi, w in p) / wsum  # positives labelled positive
    r_p_minus = sum(w * softplus(gi) for gi, w in p) / wsum  # positives labelled negative
    r_u_minus = sum(softplus(gi) for gi in u) / len(u)  # unlabelled labelled negative
    negative = r_u_minus - prior * r_p_minus
    risk = prior * r_p_plus + max(0.0, negative)
    objective = -negative if negative < 0 else prior * r_p_plus + negative
    return risk, objective, negative


@pytest.mark.parametrize(
    "g,positive,prior,weights",
    [
        ([2.0, 0.5, -1.0, -3.0, 0.2], [1, 1, 0, 0, 0], 0.3, [1, 1, 1, 1, 1]),  # the negative part stays positive
        ([4.0, 3.0, -6.0, -7.0, -5.0, -8.0], [1, 1, 0, 0, 0, 0], 0.4, [0.5, 1, 1, 1, 1, 1]),  # it goes negative
    ],
)
def test_the_risk_is_kiryos_written_out_by_hand(g, positive, prior, weights):
    risk, objective, negative = hand_risk(g, positive, prior, weights)
    got = nnpu_risk(
        torch.tensor(g, dtype=torch.float64),
        torch.tensor(positive, dtype=torch.bool),
        prior,
        torch.tensor(weights, dtype=torch.float64),
    )
    assert float(got.risk) == pytest.approx(risk, abs=1e-12)
    assert float(got.objective) == pytest.approx(objective, abs=1e-12)
    assert risk >= 0


def test_the_second_case_takes_the_defitting_step():
    _, objective, negative = hand_risk([4.0, 3.0, -6.0, -7.0, -5.0, -8.0], [1, 1, 0, 0, 0, 0], 0.4, [0.5] + [1] * 5)
    assert negative < 0 and objective == -negative  # gradient ascent on the negative part (Algorithm 1)
    g = torch.tensor([4.0, 3.0, -6.0, -7.0, -5.0, -8.0], dtype=torch.float64, requires_grad=True)
    nnpu_risk(g, torch.tensor([1, 1, 0, 0, 0, 0], dtype=torch.bool), 0.4).objective.backward()
    assert g.grad is not None and (g.grad[2:] < 0).all()  # pushes the unlabelled cells' scores *up*


def pu_labels(seed=0):
    """Positives only: the cells of the synthetic signal's top, no barren label anywhere."""
    bands, labels = synthetic(seed)
    pu = np.full(labels.shape, np.nan)
    pu[labels == 1] = 1.0
    return bands, pu, labels


def test_pu_training_learns_from_positives_alone():
    bands, pu, labels = pu_labels()
    assert not (pu == 0).any()
    model = PatchCNN(**{**SMALL, "epochs": 12, "patience": 12, "training": "pu"}).fit(bands, pu)
    prob = model.predict_proba(bands, device="cpu")
    known = np.isfinite(labels) & np.isfinite(prob)
    # judged on the barren *and* mineralised cells it never saw as such
    assert roc_auc(labels[known] == 1, prob[known]) > 0.85
    settings = model.metadata_["settings"]
    valid = np.isfinite(bands).all(axis=0)
    assert settings["training"] == "pu"
    n_positive = int(((pu == 1) & valid).sum())
    assert settings["class_prior"] == pytest.approx(default_prior(n_positive, int(valid.sum())))
    assert default_prior(n_positive, int(valid.sum())) == pytest.approx(n_positive / valid.sum())
    assert model.metadata_["calibration"]["temperature"] == 1.0


def test_pu_settings_are_checked():
    bands, pu, _ = pu_labels()
    with pytest.raises(InputError, match="^TRAINING:"):
        PatchCNN(**{**SMALL, "training": "magic"}).fit(bands, pu)
    with pytest.raises(InputError, match="^CLASS_PRIOR:"):
        PatchCNN(**{**SMALL, "training": "pu", "class_prior": 1.0}).fit(bands, pu)
    none = np.full(pu.shape, np.nan)
    none[3, 3] = 1
    with pytest.raises(InputError, match="^LABELS: positive-unlabelled training needs at least two"):
        PatchCNN(**{**SMALL, "training": "pu"}).fit(bands, none)


def test_other_mineralised_classes_are_named_with_their_counts():
    """Deposit types as classes 1 and 2: the warning says which class is learnt and how many cells of the others
    count as unlabelled (counted here with collections.Counter, independently of numpy's unique)."""
    from collections import Counter

    from geochem_prospector.core.learning.pu import other_classes_warning

    rng = np.random.default_rng(3)
    labels = rng.choice([np.nan, 0.0, 1.0, 2.0, 3.0], size=(30, 30), p=[0.6, 0.2, 0.1, 0.07, 0.03])
    counts = Counter(float(v) for v in labels.ravel() if v == v)
    text = other_classes_warning(labels, {1: "Au", 2: "Cu", 3: "Ni"})
    assert text is not None and text.startswith("LABELS: positive-unlabelled training learns the cells labelled 1")
    assert f"1 ('Au') ({counts[1.0]:,})" in text
    assert f"2 ('Cu'): {counts[2.0]:,} cell(s), 3 ('Ni'): {counts[3.0]:,} cell(s)" in text
    # barren and mineralised labels alone, or no names: nothing to say, or the numbers alone
    assert other_classes_warning(np.where(labels >= 2, 1.0, labels)) is None
    assert f"2: {counts[2.0]:,} cell(s)" in (other_classes_warning(labels) or "")


def test_the_log_says_how_long_the_epochs_take_and_how_to_train_faster(monkeypatch):
    """After each network's first epoch the log gives its pace: the epoch's cells (the positives and the whole
    unlabelled sample) and the bound on the network's epochs; past LONG_TRAINING_SECONDS it says how to go faster
    (made long here by a clock that moves 100 s a reading)."""
    from geochem_prospector.core.learning import training

    bands, pu, _ = pu_labels()
    lines = []
    model = PatchCNN(**{**SMALL, "epochs": 3, "patience": 3, "training": "pu", "ensemble": 2}).fit(
        bands, pu, log=lines.append
    )
    paces = [line for line in lines if "the first epoch (" in line]
    assert len(paces) == 2  # one per network
    cells = int(paces[0].split("the first epoch (")[1].split(" cells")[0].replace(",", ""))
    split = [line for line in lines if " training, " in line and "validation cells" in line][0]
    training_cells = int(re.search(r"(\d+) training, ", split).group(1))
    # positive-unlabelled: every epoch visits every training cell, the positives and the unlabelled sample
    assert cells == training_cells
    assert model.metadata_["metrics"]["ensemble"][0]["epochs_run"] == 3
    assert "3 epochs take up to about" in paces[0] and "to train faster" not in paces[0]

    readings = iter(np.arange(0.0, 1e6, 100.0))
    monkeypatch.setattr(training, "clock", lambda: float(next(readings)))
    lines.clear()
    PatchCNN(**{**SMALL, "epochs": 10, "patience": 10, "training": "pu", "ensemble": 1}).fit(
        bands, pu, log=lines.append
    )
    slow = [line for line in lines if "the first epoch (" in line][0]
    assert "took 100.0 s" in slow and "10 epochs take up to about 17 min" in slow
    assert "train on labelled cells (Train CNN's TRAINING 0" in slow


def test_the_pace_advice_fits_the_training():
    from geochem_prospector.core.learning.training import pace_note

    assert pace_note(2.0, 10, 500, True, 1.0).endswith("take up to about 20 s (early stopping may end them sooner)")
    assert "lower EPOCHS, ENSEMBLE or BARREN_RATIO" in pace_note(100.0, 10, 5000, False, 1.0)
    assert "set BARREN_RATIO 1 (0 visits every barren cell)" in pace_note(100.0, 10, 5000, False, 0.0)
    assert "take up to about 17 min" in pace_note(100.0, 10, 5000, False, 0.0)


def test_the_epoch_log_gives_no_accuracy_under_pu_training():
    """Under positive-unlabelled training the logged accuracy was the share of unlabelled cells (0.968 at every
    epoch here, whatever the network learnt), since it counts them as barren. The log now gives the PU risks alone,
    says so once, and they are the history's; trained on labelled cells the accuracy stays."""
    bands, pu, labels = pu_labels()
    lines = []
    model = PatchCNN(**{**SMALL, "epochs": 3, "patience": 3, "training": "pu"}).fit(bands, pu, log=lines.append)
    epochs = [line for line in lines if line.startswith("epoch ")]
    assert len(epochs) == 3 and not any(" acc " in line for line in epochs)
    assert "non-negative PU risk; no accuracy" in epochs[0] and "PU risk" not in epochs[1]
    for line, record in zip(epochs, model.metadata_["history"]):
        assert f"train loss {record['train_loss']:.4f} | validation loss {record['val_loss']:.4f}" in line
    lines.clear()
    PatchCNN(**{**SMALL, "epochs": 1, "patience": 1}).fit(bands, labels, log=lines.append)
    assert [line for line in lines if line.startswith("epoch ") and " acc " in line and "PU" not in line]
