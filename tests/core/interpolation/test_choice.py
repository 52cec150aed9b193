"""The choice of each field's interpolator and the log's lines about it (:mod:`core.interpolation.choice`), against a
brute-force search of the scores, scipy's nearest-neighbour distances and pairs counted with itertools."""

import itertools

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from geochem_prospector.core.interpolation import choice
from geochem_prospector.core.interpolation.crossval import CvScore
from geochem_prospector.core.interpolation.selection import Candidate
from geochem_prospector.core.interpolation.variogram import MIN_VARIOGRAM_SAMPLES, Variogram

VG = Variogram("spherical", 0.1, 1.0, 2000.0)
OPTIONS = [
    Candidate("idw", "log", 1.0),
    Candidate("idw", "log", 2.0),
    Candidate("kriging", "log", variogram=VG),
    Candidate("kriging", "normal_score", variogram=VG),
]


def _score(name, rmse, r2=0.5, n=25):
    return CvScore(name, "m", "s", "leave-one-out", n, rmse, rmse, 0.0, r2)


@pytest.mark.parametrize("seed", range(6))
def test_the_automatic_choice_is_the_smallest_rmse_and_names_the_runners_up(seed):
    rng = np.random.default_rng(seed)
    rmse = rng.uniform(1, 2, len(OPTIONS))
    rows = [_score("Cu", r) for r in rmse]
    chosen, reasons, notes = choice.choose_interpolators(["Cu"], "auto", 2.0, [OPTIONS], [rows], [0.0], {}, str)
    order = sorted(range(len(OPTIONS)), key=lambda i: rmse[i])  # brute force: every candidate ranked
    assert chosen == [OPTIONS[order[0]]]
    runners = ", ".join(f"{OPTIONS[i].label()} {rmse[i]:.4g}" for i in order[1:4])
    assert reasons["Cu"].endswith(f"of 4 candidates; next: {runners}")
    assert notes[0].text == f"Cu: automatic choice: {OPTIONS[order[0]].label()}: {reasons['Cu']}"
    assert not notes[0].warning


def test_a_best_candidate_worse_than_the_mean_is_warned_of():
    rows = [_score("Cu", 2.0, r2=0.1), _score("Cu", 1.0, r2=-0.25, n=31), _score("Cu", 3.0), _score("Cu", 4.0)]
    _, _, notes = choice.choose_interpolators(["Cu"], "auto", 2.0, [OPTIONS], [rows], [0.0], {}, str)
    warned = [n.text for n in notes if n.warning and "worse than their mean" in n.text]
    assert warned and "(cross-validated R2 -0.25, 31 samples)" in warned[0]
    rows[1] = _score("Cu", 1.0, r2=0.2)
    _, _, notes = choice.choose_interpolators(["Cu"], "auto", 2.0, [OPTIONS], [rows], [0.0], {}, str)
    assert not any("worse than their mean" in n.text for n in notes)


def test_the_few_samples_warning_only_where_kriging_is_chosen():
    """Review 26's case without QGIS: IDW wins for Zn, kriging for Cu; only Cu hears of its variogram."""
    options = [Candidate("idw", "log", 2.0), Candidate("kriging", "log", variogram=VG)]
    few = {name: choice.few_samples_note(name, 25) for name in ("Zn", "Cu")}
    chosen, _, notes = choice.choose_interpolators(
        ["Zn", "Cu"], "auto", 2.0, [options, options],
        [[_score("Zn", 1.0), _score("Zn", 2.0)], [_score("Cu", 2.0), _score("Cu", 1.0)]], [10.0, 10.0], few, str,
    )  # fmt: skip
    assert [c.method for c in chosen] == ["idw", "kriging"]
    assert [n.text for n in notes if "variogram was fitted" in n.text] == [few["Cu"]]


def test_a_method_given_keeps_its_candidate():
    rows = [_score("Cu", r) for r in (4.0, 3.0, 2.0, 1.0)]
    chosen, reasons, notes = choice.choose_interpolators(["Cu"], "idw", 2, [OPTIONS], [rows], [0.0], {}, str)
    assert chosen == [OPTIONS[1]] and reasons == {"Cu": "METHOD = IDW"}
    chosen, reasons, _ = choice.choose_interpolators(["Cu"], "kriging", 2, [OPTIONS], [rows], [0.0], {}, str)
    assert chosen == [OPTIONS[2]] and reasons == {"Cu": "METHOD = ordinary kriging"}


def test_few_samples_note_counts_the_pairs():
    for held in (2, 8, MIN_VARIOGRAM_SAMPLES - 1):
        pairs = sum(1 for _ in itertools.combinations(range(held), 2))
        note = choice.few_samples_note("Cu", held)
        assert note is not None
        assert note.startswith(f"Cu: its variogram was fitted to {held} samples ({pairs} pairs), fewer than 30")
    assert choice.few_samples_note("Cu", MIN_VARIOGRAM_SAMPLES) is None


def test_best_score_line_skips_candidates_not_run():
    rows = [
        CvScore("Cu", "idw", "power=2", "leave-one-out", 30, 2.5, 2.0, 0.1, 0.4),
        CvScore("Cu", "ordinary kriging", "not run", "not run", 0, float("nan"), float("nan"), np.nan, np.nan),
        CvScore("Cu", "ordinary kriging", "spherical", "leave-one-out", 30, 2.25, 1.0, 0.0, 0.5),
    ]
    finite = [r for r in rows if np.isfinite(r.rmse)]
    best = finite[int(np.argmin([r.rmse for r in finite]))]
    assert choice.best_score_line("Cu", rows, "ppm") == (
        f"Cu: cross-validation (leave-one-out) best RMSE {best.rmse:.4g} ppm by ordinary kriging (spherical)"
    )
    assert choice.best_score_line("Cu", rows[:1]).endswith("best RMSE 2.5 by idw (power=2)")


def test_variogram_line_says_how_the_model_was_had():
    fitted = choice.variogram_line("Cu", "log", VG, {"spherical": 0.5, "gaussian": 0.75}, False, "cressie_hawkins", "m")
    assert fitted.startswith("Cu: variogram (ln units) (Cressie-Hawkins estimator) ")
    assert VG.describe("m") in fitted and fitted.endswith(" [weighted SSE: spherical 0.5, gaussian 0.75]")
    fixed = choice.variogram_line("Cu", "none", VG, {}, True, "cressie_hawkins", "m")
    assert fixed == f"Cu: variogram (value units squared) (fixed) {VG.describe('m')}"


def test_kriged_spacings_are_each_fields_median_nearest_neighbour_distance():
    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 5000, size=(40, 2))
    values = rng.lognormal(size=(40, 3))
    values[::3, 1] = np.nan  # Pb: two samples in three
    krige = [Candidate("idw", "log"), Candidate("kriging", "log", variogram=VG)]
    spacings = choice.kriged_spacings(xy, values, [krige, krige, [Candidate("idw", "log")]])

    def by_hand(points):
        d = cdist(points, points)
        np.fill_diagonal(d, np.inf)
        return float(np.median(d.min(axis=1)))

    held = np.isfinite(values[:, 1])
    assert spacings[0] == pytest.approx(by_hand(xy))
    assert spacings[1] == pytest.approx(by_hand(xy[held]))
    assert spacings[2] == 0.0  # no kriging candidate: not searched


def test_records_of_the_choice():
    idw, kriged = Candidate("idw", "log", 3.0), Candidate("kriging", "normal_score", variogram=VG)
    assert choice.choice_record(idw, "METHOD = IDW") == {
        "interpolator": "IDW power 3 on log values", "method": "idw", "transform": "log", "reason": "METHOD = IDW",
        "power": 3.0,
    }  # fmt: skip
    assert choice.choice_record(kriged, "r")["variogram"] == VG.as_dict()
    assert choice.variance_units(idw) == "none (IDW gives no variance)"
    assert choice.variance_units(kriged) == "normal scores squared"
    other = Variogram("gaussian", 0.0, 2.0, 900.0)
    recorded = choice.recorded_variograms(
        ["Cu", "Pb", "Zn"],
        [kriged, idw, idw],
        [[kriged], [Candidate("kriging", "none", variogram=VG), Candidate("kriging", "log", variogram=other)], [idw]],
        ["normal_score", "log", "log"],
    )
    assert recorded == {"Cu": VG.as_dict(), "Pb": other.as_dict()}  # Pb's in its own transform; Zn has none


def test_band_tags_hold_the_choice_and_the_sorted_limits_unless_the_values_were_levelled():
    from geochem_prospector.core.io.values import ValueReport

    chosen = [Candidate("idw", "log", 2.0), Candidate("kriging", "normal_score", variogram=VG)]
    reasons = {"Au": "METHOD = IDW", "Cu": "smallest RMSE"}
    # Au: two limits, a value measured below them; Cu: no limit; the tags written out by hand
    au = ValueReport(detection_limits=[5.0, 0.1], lowest_positive=0.05)
    cu = ValueReport(lowest_positive=3.0)
    expected = [
        {"interpolator": chosen[0].label(), "transform": "log", "choice": "METHOD = IDW",
         "detection_limits": "0.1,5", "lowest_measured": "0.05"},
        {"interpolator": chosen[1].label(), "transform": "normal_score", "choice": "smallest RMSE"},
    ]  # fmt: skip
    assert choice.band_tags(["Au", "Cu"], chosen, reasons, [au, cu], levelled=False) == expected
    # a limit and nothing measured: no lowest value; levelled: no limits at all
    limit_only = ValueReport(detection_limits=[0.5])
    assert choice.band_tags(["Au"], chosen[:1], reasons, [limit_only], False)[0]["detection_limits"] == "0.5"
    assert "lowest_measured" not in choice.band_tags(["Au"], chosen[:1], reasons, [limit_only], False)[0]
    assert choice.band_tags(["Au", "Cu"], chosen, reasons, [au, cu], levelled=True) == [
        {k: v for k, v in tags.items() if k in ("interpolator", "transform", "choice")} for tags in expected
    ]
