"""A variogram whose structure lies below the samples' spacing is as good as pure nugget (sweep 13b).

Values drawn at random (no spatial structure) on 36 sites: the weighted fit of their log variogram settles on a
gaussian with no nugget and a range of a few hundred metres, fitted to the few closest pairs, so the nugget test
(94 % of the sill) said nothing while kriging made a map of spots around the samples. The share of the sill the
model reaches at the samples' spacing is checked against the model's formula written out by hand and the spacing
against scipy's KD-tree; the truth is known, as the values are drawn independently of their places.
"""

import numpy as np
from scipy.spatial import cKDTree

from geochem_prospector.core.interpolation import crossval
from geochem_prospector.core.interpolation.selection import Candidate, kriging_warnings
from geochem_prospector.core.interpolation.variogram import Variogram, auto_variogram


def _random_survey():
    rng = np.random.default_rng(7)
    xy = np.column_stack([rng.uniform(500, 9500, 36), rng.uniform(500, 9500, 36)])
    return xy, np.log(np.round(np.exp(rng.normal(3, 0.8, 36)), 2))


def _rows():
    return [
        crossval.CvScore("Cu", "idw", "power=2", "loo", 36, 12.4, 8.0, 0.1, 0.0),
        crossval.CvScore("Cu", "ordinary kriging", "", "loo", 36, 12.6, 8.0, 0.1, 0.0),
    ]


def test_a_random_field_fits_a_structure_below_the_spacing_and_is_warned_about():
    xy, z = _random_survey()
    spacing = float(np.median(cKDTree(xy).query(xy, 2)[0][:, 1]))
    model, _, _ = auto_variogram(xy, z)
    assert model.nugget_share < 0.9  # the nugget test alone says nothing
    h = spacing / model.range
    by_hand = {
        "gaussian": 1 - np.exp(-3 * h * h),
        "exponential": 1 - np.exp(-3 * h),
        "spherical": 1.0 if h >= 1 else 1.5 * h - 0.5 * h**3,
    }[model.model]
    reached = (model.nugget + model.psill * by_hand) / model.sill
    assert reached > 0.9
    cands = [Candidate("idw", "log", 2.0), Candidate("kriging", "log", variogram=model)]
    (said,) = kriging_warnings("Cu", cands, _rows(), spacing=spacing, length_text=lambda v: f"{v:.1f} m")
    assert said.startswith(
        f"Cu: the variogram of log values ({model.model}, range {model.range:.1f} m) reaches {100 * reached:.0f} % of "
        f"its sill at the samples' spacing ({spacing:.1f} m, their median distance to the nearest other sample)"
    )


def test_a_structure_reaching_past_the_spacing_draws_no_word():
    cands = [
        Candidate("idw", "log", 2.0),
        Candidate("kriging", "log", variogram=Variogram("spherical", 0.05, 0.5, 900.0)),
    ]
    assert kriging_warnings("Cu", cands, _rows(), spacing=107.4) == []  # Meuse zinc: 24 % of the sill at 107 m
    # a nugget of 94 % gets the nugget warning alone, not this one as well
    nugget = [cands[0], Candidate("kriging", "log", variogram=Variogram("gaussian", 3.13, 0.2, 50.0))]
    (said,) = kriging_warnings("Cu", nugget, _rows(), spacing=600.0)
    assert "almost pure nugget (nugget 3.13 = 94 % of the sill)" in said


def test_too_few_samples_for_a_variogram_say_the_pairs_and_the_way_on():
    """Four or five samples spread over the area: the pairs within the largest lag (a third of the extent's
    diagonal, counted by brute force with scipy's pdist) fill fewer than 3 lags; the refusal says so and names IDW."""
    import pytest
    from scipy.spatial.distance import pdist

    from geochem_prospector.core.errors import InputError

    xy, z = _random_survey()
    for picks in ([0, 7, 20, 33], [0, 1, 2, 3, 4]):
        sub, values = xy[picks], z[picks]
        span = sub.max(axis=0) - sub.min(axis=0)
        pairs = int(np.sum(pdist(sub) <= np.hypot(*span) / 3.0))
        with pytest.raises(InputError) as err:
            auto_variogram(sub, values)
        said = str(err.value)
        assert err.value.parameter == "FIELDS"
        assert said.endswith("and a fit needs 3; add samples, or interpolate the field with METHOD idw.")
        if pairs:
            assert f"the {pairs} pair{'s' if pairs != 1 else ''} of samples within its largest lag" in said
        else:
            assert "no two samples lie within its largest lag" in said
    with pytest.raises(InputError, match="needs at least 3 samples with values, and the field has 2; add samples, or"):
        auto_variogram(xy[:2], z[:2])
