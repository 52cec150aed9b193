"""Candidates, their cross-validation against a hand-rolled leave-one-out loop, the automatic choice and the
warnings about kriging that does worse than IDW or fits pure nugget."""

import numpy as np
import pytest

from geochem_prospector.core.interpolation import crossval
from geochem_prospector.core.interpolation.selection import (
    Candidate,
    below_detection_share,
    choose,
    cross_validate_candidate,
    kriging_warnings,
)
from geochem_prospector.core.interpolation.variogram import Variogram


def test_idw_candidate_cv_equals_a_leave_one_out_loop():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 100, (40, 2))
    z = rng.lognormal(1, 0.5, 40)
    score = cross_validate_candidate("Cu", Candidate("idw", "log", 2.0), xy, z, neighbors=8)
    loo = np.array([10 ** np.sum(w * np.log10(z[o])) for w, o in (_weights(xy, i, 8) for i in range(40))])
    assert score.rmse == pytest.approx(np.sqrt(np.mean((loo - z) ** 2)), rel=1e-9)
    assert score.method == "idw" and score.settings == "power=2 k=8 transform=log"


def _weights(xy, i, k):
    """Normalised inverse-square-distance weights of the k nearest other samples of sample i, by brute force."""
    d = np.hypot(*(xy - xy[i]).T)
    d[i] = np.inf
    order = np.argsort(d)[:k]
    w = 1 / d[order] ** 2
    return w / w.sum(), order


def test_choice_is_the_smallest_rmse_and_nan_never_wins():
    cands = [Candidate("idw", "none", p) for p in (1.0, 2.0, 3.0)]
    rows = [crossval.CvScore("Cu", "idw", "", "loo", 10, r, 0, 0, 0) for r in (2.0, np.nan, 1.5)]
    assert choose(cands, rows) == 2


def test_kriging_much_worse_than_idw_and_pure_nugget_are_reported():
    vg = Variogram("gaussian", 3.13, 0.2, 611.0)  # nugget 94 % of the sill: explains nothing
    cands = [Candidate("idw", "log", 2.0), Candidate("kriging", "log", variogram=vg)]
    rows = [
        crossval.CvScore("Cu", "idw", "power=2", "loo", 1368, 1.27, 0.8, 0.1, 0.3),
        crossval.CvScore("Cu", "ordinary kriging", "", "loo", 1368, 2.93, 1.9, 1.5, -4.8),
    ]
    text = "\n".join(kriging_warnings("Cu", cands, rows))
    assert "Cu: ordinary kriging on log values cross-validates much worse than IDW: RMSE 2.93 against 1.27" in text
    assert "R2 -4.8" in text and "mean error +1.5" in text
    assert "almost pure nugget (nugget 3.13 = 94 % of the sill)" in text
    good = [rows[0], crossval.CvScore("Cu", "ordinary kriging", "", "loo", 1368, 1.3, 0.8, 0.0, 0.3)]
    assert (
        kriging_warnings(
            "Cu", [cands[0], Candidate("kriging", "log", variogram=Variogram("gaussian", 0.1, 1, 611.0))], good
        )
        == []
    )


def test_only_the_chosen_candidate_is_warned_about():
    """Automatic choice: a pure-nugget raw-value variogram that lost to kriging on log values is no concern of the
    map (Kola C-horizon Cu: 'the variogram of raw values is almost pure nugget' while the map used log values)."""
    raw = Candidate("kriging", "none", variogram=Variogram("gaussian", 331.0, 22.12, 112_400.0))  # nugget 94 %
    log = Candidate("kriging", "log", variogram=Variogram("exponential", 0.287, 0.2846, 106_000.0))  # nugget 50 %
    cands = [Candidate("idw", "log", 2.0), raw, log]
    rows = [
        crossval.CvScore("Cu", "idw", "power=2", "loo", 605, 16.61, 8.0, 0.1, 0.2),
        crossval.CvScore("Cu", "ordinary kriging", "", "loo", 605, 16.5, 8.0, 0.1, 0.2),
        crossval.CvScore("Cu", "ordinary kriging", "", "loo", 605, 16.22, 8.0, 0.1, 0.23),
    ]
    assert choose(cands, rows) == 2
    assert kriging_warnings("Cu", cands, rows, only=2) == []
    assert kriging_warnings("Cu", cands, rows, only=0) == []  # IDW chosen: nothing about kriging
    (said,) = kriging_warnings("Cu", cands, rows, only=1)
    assert said.startswith("Cu: the variogram of raw values is almost pure nugget (nugget 331 = 94 % of the sill)")
    assert len(kriging_warnings("Cu", cands, rows)) == 1  # without ``only`` every kriging candidate, as before


def test_below_detection_share_by_hand():
    # 3 censored entries (already substitutes), 2 zeros, 5 positive values, 1 missing
    values = np.array([0.5, 0.5, 0.5, 0.0, 0.0, 3, 4, 5, 6, 7, np.nan])
    assert below_detection_share(values, censored=3, censored_factor=0.5) == pytest.approx(5 / 10)
    # with a factor of 0 the censored entries are the zeros themselves: not counted twice
    values0 = np.array([0.0, 0.0, 0.0, 3, 4])
    assert below_detection_share(values0, censored=3, censored_factor=0.0) == pytest.approx(3 / 5)


def test_below_detection_share_of_a_field_with_real_negatives():
    # magnetics in nT: 3 negative values and a 0 are measurements; only the 1 '<5' entry is below detection
    values = np.array([-250.0, -12.5, -0.4, 0.0, 2.5, 40.0, 310.0, 1200.0, np.nan])
    assert below_detection_share(values, censored=1, censored_factor=0.5, signed=True) == pytest.approx(1 / 8)
    assert below_detection_share(values, censored=0, censored_factor=0.5, signed=True) == 0.0


def test_only_idw_over_every_sample_is_checked_at_a_subset(monkeypatch):
    """With NEIGHBORS 0 above the leave-one-out limit, IDW asked to (``every_sample``: a field whose candidates are
    all IDW) is left out one at a time at a random subset; IDW beside kriging and global kriging itself keep the
    k-fold, so a field's candidates are scored alike (kriging's subset checks would each solve an (n - 1)-sample
    system)."""
    monkeypatch.setattr(crossval, "MAX_LOO_SAMPLES", 20)
    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 1000, (60, 2))
    z = rng.lognormal(1, 0.5, 60)
    idw = Candidate("idw", "log", 2.0)
    kriging = Candidate("kriging", "log", variogram=Variogram("exponential", 0.1, 1.0, 300.0))
    alone = cross_validate_candidate("Cu", idw, xy, z, neighbors=0, every_sample=True)
    beside = cross_validate_candidate("Cu", idw, xy, z, neighbors=0, every_sample=False)
    kriged = cross_validate_candidate("Cu", kriging, xy, z, neighbors=0, every_sample=True)
    local = cross_validate_candidate("Cu", idw, xy, z, neighbors=8, every_sample=True)
    assert (alone.scheme, alone.n) == ("leave-one-out at 20 of 60 samples", 20)
    assert [(r.scheme, r.n) for r in (beside, kriged, local)] == [("10-fold", 60)] * 3
