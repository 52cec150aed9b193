"""Kriging refuses a numerically singular system (sweep 13b).

25 samples every 375 m on one traverse, a gaussian variogram without a nugget and a range of 4 km: the system's
condition number (numpy's, on the whole matrix) is about 1e17, and its solution is rounding noise: our kriging wrote
Cu up to 1.2 million from samples of 40-60, and PyKrige's solve of the same model gives -2 million to 16,000. The
check reads the neighbourhoods' condition numbers, which are no larger than the whole system's (interlacing); with
a nugget of 1 % of the sill the system is well conditioned and our estimates equal PyKrige's.
"""

import numpy as np
import pytest
from pykrige.ok import OrdinaryKriging
from scipy.spatial.distance import cdist

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.interpolation.kriging import MAX_CONDITION, krige_points, worst_condition
from geochem_prospector.core.interpolation.variogram import Variogram


def _traverse():
    x = np.linspace(500.0, 9500.0, 25)
    return np.column_stack([x, np.full(25, 5000.0)]), (50 + 10 * np.sin(x / 1500.0)).round(2)  # as a lab reports


def _grid():
    gx, gy = np.meshgrid(np.arange(125.0, 10000.0, 250.0), np.arange(125.0, 10000.0, 250.0))
    return np.column_stack([gx.ravel(), gy.ravel()])


def _pykrige(xy, z, targets, nugget):
    # PyKrige's gaussian: psill (1 - exp(-h^2 / (4/7 r)^2)), its 'sill' the whole sill; ours reaches 95 % at the
    # practical range R: (4/7 r)^2 = R^2 / 3
    r = 4000.0 / np.sqrt(3.0) * 7.0 / 4.0
    ok = OrdinaryKriging(
        xy[:, 0],
        xy[:, 1],
        z,
        variogram_model="gaussian",
        variogram_parameters={"sill": 50.0 + nugget, "range": r, "nugget": nugget},
    )
    est, _ = ok.execute("points", targets[:, 0], targets[:, 1])
    return np.asarray(est)


def test_a_gaussian_without_nugget_on_a_traverse_is_refused():
    xy, z = _traverse()
    vg = Variogram("gaussian", 0.0, 50.0, 4000.0)
    whole = np.ones((26, 26))
    whole[:25, :25] = vg.unit_covariance(cdist(xy, xy))
    whole[25, 25] = 0.0
    assert np.linalg.cond(whole[:25, :25]) > MAX_CONDITION
    assert worst_condition(xy, vg, 25) > MAX_CONDITION  # the same matrix (past 1e16 both are rounding themselves)
    noise = _pykrige(xy, z, _grid(), 0.0)
    assert np.abs(noise - z.mean()).max() > 5 * np.ptp(z)  # PyKrige's solve of the same system: rounding noise
    for neighbors in (0, 12):
        with pytest.raises(InputError, match="the kriging system is numerically singular") as err:
            krige_points(xy, z, _grid(), vg, neighbors=neighbors)
        assert err.value.parameter == "VARIOGRAM_NUGGET"
        assert "e.g. 1 % of the sill: 0.5" in str(err.value)


def test_with_a_small_nugget_the_estimates_equal_pykrige():
    xy, z = _traverse()
    vg = Variogram("gaussian", 0.5, 50.0, 4000.0)
    assert worst_condition(xy, vg, 25) < MAX_CONDITION
    est, _ = krige_points(xy, z, _grid(), vg, neighbors=0)
    np.testing.assert_allclose(est, _pykrige(xy, z, _grid(), 0.5), rtol=1e-6, atol=1e-6)
    assert z.min() - 5 < est.min() and est.max() < z.max() + 5


@pytest.mark.parametrize(("code", "unit"), [("EPSG:3067", "m"), ("EPSG:2277", "US ft"), ("", "map units")])
def test_the_refusal_gives_the_range_in_the_grids_unit(code, unit):
    # the range of the refusal is in the map's unit (the grid's CRS, read by pyproj's own axis-unit name here)
    from pyproj import CRS

    from geochem_prospector.core.grid import GridSpec
    from geochem_prospector.core.interpolation.kriging import kriging_grid

    if code:
        assert {"m": "metre", "US ft": "US survey foot"}[unit] == CRS.from_user_input(code).axis_info[0].unit_name
    xy, z = _traverse()
    grid = GridSpec(0.0, 10000.0, 250.0, 40, 40, CRS.from_user_input(code).to_wkt() if code else "")
    with pytest.raises(InputError, match=rf"range 4,000 {unit}\) makes samples well inside its range"):
        kriging_grid(xy, z, grid, Variogram("gaussian", 0.0, 50.0, 4000.0), neighbors=0)


def test_cross_validation_settings_and_refusal_give_the_range_in_the_unit_given():
    from geochem_prospector.core.interpolation.selection import Candidate, cross_validate_candidate

    xy, z = _traverse()
    kriging = Candidate("kriging", "none", variogram=Variogram("gaussian", 0.5, 50.0, 4000.0))
    score = cross_validate_candidate("Cu", kriging, xy, z, neighbors=8, length_unit="m")
    assert "range 4000 m k=8" in score.settings, score.settings
    singular = Candidate("kriging", "none", variogram=Variogram("gaussian", 0.0, 50.0, 4000.0))
    with pytest.raises(InputError, match=r"range 4,000 US ft\)"):
        cross_validate_candidate("Cu", singular, xy, z, neighbors=0, length_unit="US ft")


def test_a_field_that_cannot_be_kriged_is_refused_before_any_field_is_gridded():
    """Two fields, the second's variogram singular on the traverse: refused naming that field before a single block
    is kriged (progress never moves), not after the first field's grid (minutes on a national grid). With an
    anisotropic variogram the check reads the samples in its isotropic frame, as the gridding does."""
    from geochem_prospector.core.grid import GridSpec
    from geochem_prospector.core.interpolation.kriging import kriging_grid

    xy, z = _traverse()
    grid = GridSpec(0.0, 10000.0, 250.0, 40, 40, "")
    fine, singular = Variogram("gaussian", 0.5, 50.0, 4000.0), Variogram("gaussian", 0.0, 50.0, 4000.0)
    moves = []
    with pytest.raises(InputError, match=r"^VARIOGRAM_NUGGET: field 'Zn': the kriging system is numerically") as err:
        kriging_grid(
            xy, np.column_stack([z, z]), grid, [fine, singular], neighbors=12, field_names=["Cu", "Zn"],
            progress=moves.append,
        )  # fmt: skip
    assert err.value.parameter == "VARIOGRAM_NUGGET"
    assert moves == [] or max(moves) == 0.0, moves
    # an anisotropy that stretches the distances along the traverse 20-fold in its isotropic frame: the samples lie
    # beyond one another's range there, so the same gaussian without nugget is well conditioned and grids
    stretched = Variogram("gaussian", 0.0, 50.0, 4000.0, 90.0, 20.0)
    assert worst_condition(xy, singular, 12) > MAX_CONDITION
    est, _ = kriging_grid(xy, z, grid, stretched, neighbors=12)
    assert np.isfinite(est).all() and z.min() - 5 < est.min() and est.max() < z.max() + 5
