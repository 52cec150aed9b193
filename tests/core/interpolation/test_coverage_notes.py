"""The words interpolate gives about the cells no sample supports and the refusals of an extent the samples do not
support (:mod:`core.interpolation.coverage`), against distances measured here with shapely and scipy."""

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from shapely.geometry import Point, box

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.interpolation import coverage
from geochem_prospector.core.interpolation.coverage import Coverage, FieldGap, Gaps, Traverse
from geochem_prospector.core.reports.legend import readable_number

GRID = GridSpec.from_extent(0, 0, 10_000, 10_000, pixel_size=250)


def test_typed_number_keeps_three_digits_below_ten():
    assert [coverage.typed_number(v) for v in (0.3649, 9.994, 10.4, 6311.2)] == ["0.365", "9.99", "10", "6311"]


def test_gaps_and_margin_and_a_fields_own_gaps_each_say_their_figures():
    found = Coverage(Gaps(0.5, 2000.0, 6000.0), None, extrapolated=0.3, extrapolated_spacing=1500.0)
    gap = FieldGap(1, 12, Gaps(0.6, 2500.0, 7500.0))
    notes = coverage.coverage_notes(found, [gap], ["Cu", "Au"], 40, GRID, masked=True)
    assert len(notes) == 3
    assert notes[0].startswith(
        "INPUT: 50 % of the grid's cells lie more than 6000 map units from every sample (3 times the samples' "
        "spacing, 2000 map units)"
    )
    assert "Set MAX_DISTANCE (e.g. 6000) to leave those cells nodata, or give a MASK of the sampled area." in notes[0]
    assert notes[1].startswith("INPUT: 30 % of the grid's cells within the MASK lie beyond the sampled ground")
    assert notes[1].endswith("or set MAX_DISTANCE (e.g. 3000) to leave them nodata.")
    assert notes[2].startswith(
        "Au: only 12 of the 40 samples hold a value, and 60 % of the grid's cells lie more than 7500 map units"
    )


def test_below_the_shares_nothing_is_said_and_a_traverse_replaces_the_gaps():
    quiet = Coverage(Gaps(coverage.GAP_SHARE * 0.99, 2000.0, 6000.0), None, coverage.EXTRAPOLATED_SHARE * 0.99, 1.0)
    assert coverage.coverage_notes(quiet, [], ["Cu"], 40, GRID, masked=False) == []
    line = Traverse(25, 9000.0, 0.0, 375.0, 4500.0)
    notes = coverage.coverage_notes(Coverage(Gaps(0.9, 375.0, 1125.0), line), [], ["Cu"], 25, GRID, False)
    assert notes == [coverage.traverse_note(GRID, line)]
    assert notes[0].startswith("INPUT: the 25 samples lie on one line (9000 map units long, 0 map units wide")
    assert f"({4500 / 375:.0f} times their spacing along the line" in notes[0]
    assert "MAX_DISTANCE (e.g. 1125)" in notes[0]


def test_a_stray_sample_is_refused_with_its_distance_to_the_rest():
    rng = np.random.default_rng(2)
    xy = np.vstack([rng.uniform(400_000, 410_000, size=(60, 2)), [[0.0, 0.0]]])
    with pytest.raises(InputError) as raised:
        coverage.refuse_stray_samples(xy, "m")
    nearest = cdist(xy[-1:], xy[:-1]).min()  # brute force: the stray sample's nearest other
    message = str(raised.value)
    assert message.startswith("INPUT: 1 of the 61 sampled places lies far from all the others, at (0, 0): ")
    assert f": {readable_number(float(nearest))} m or more from the nearest other sample" in message
    coverage.refuse_stray_samples(xy[:-1], "m")  # the survey alone: nothing to refuse


def test_an_extent_beside_the_samples_is_refused_with_the_nearest_distance():
    rng = np.random.default_rng(4)
    xy = rng.uniform(0, 5000, size=(50, 2))
    bounds = (100_000.0, 100_000.0, 110_000.0, 110_000.0)
    nearest = min(box(*bounds).distance(Point(x, y)) for x, y in xy)  # shapely's distance to the extent
    with pytest.raises(InputError) as raised:
        coverage.refuse_extent_without_samples(bounds, xy, "EPSG:3067", "m")
    message = str(raised.value)
    assert message.startswith(
        "EXTENT: no sample lies in or near the extent (x 100,000 to 110,000, y 100,000 to 110,000 in EPSG:3067): "
        f"the nearest is {nearest:,.0f} m away"
    )
    coverage.refuse_extent_without_samples((1000.0, 1000.0, 2000.0, 2000.0), xy, "EPSG:3067", "m")  # samples inside
    coverage.refuse_extent_without_samples((5100.0, 0.0, 6000.0, 5000.0), xy, "EPSG:3067", "m")  # beside them


def test_a_band_nodata_everywhere_is_refused_naming_the_radius_or_the_field():
    bands = np.full((2, 3, 3), np.nan)
    bands[0, 1, 1] = 1.0
    xy = np.array([[0.0, 0.0], [300.0, 400.0], [1000.0, 0.0]])
    coverage.require_values(bands[:1], ["Cu"], None, xy, GRID)
    with pytest.raises(InputError, match=r"^FIELDS: the band of Pb would be nodata in every cell"):
        coverage.require_values(bands, ["Cu", "Pb"], None, xy, GRID)
    spacing = float(np.median(np.sort(cdist(xy, xy), axis=1)[:, 1]))  # 500: each sample's nearest other
    with pytest.raises(InputError) as raised:
        coverage.require_values(bands, ["Cu", "Pb"], 50.0, xy, GRID)
    assert str(raised.value).startswith("MAX_DISTANCE: no cell of the grid has a sample of Pb within 50 map units")
    assert f"nearest neighbour is {readable_number(spacing)} map units)" in str(raised.value)


def test_samples_apart_from_those_around_the_mask_are_told_apart():
    """A 10 km survey on a 1 km lattice and five samples 500 km east (a block in another zone's coordinates), MASK
    the survey's square: the five are apart. A MASK over part of the survey leaves every sample in (the survey is
    one group), and so does a MASK holding every sample."""
    from geochem_prospector.core.grid import distances_to_box
    from geochem_prospector.core.interpolation.coverage import far_from_mask

    gx, gy = np.meshgrid(np.arange(0.0, 10_001.0, 1000.0), np.arange(0.0, 10_001.0, 1000.0))
    survey = np.column_stack([gx.ravel(), gy.ravel()])
    far = survey[:5] + [500_000.0, 0.0]
    apart = far_from_mask(np.vstack([survey, far]), (0.0, 0.0, 10_000.0, 10_000.0))
    assert apart.sum() == 5 and apart[-5:].all()
    assert not far_from_mask(np.vstack([survey, far]), (2000.0, 2000.0, 4000.0, 4000.0))[: len(survey)].any()
    assert not far_from_mask(survey, (-1.0, -1.0, 10_001.0, 10_001.0)).any()
    assert distances_to_box(far, (0.0, 0.0, 10_000.0, 10_000.0)).max() == pytest.approx(494_000.0)  # x 504 km
