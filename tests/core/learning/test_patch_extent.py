"""PATCH_SIZE counts cells: a warning when the window a network sees covers much of the study area."""

import pytest

from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.learning.patch_extent import patch_area_warning


def _grid(pixel: float, side: int) -> GridSpec:
    return GridSpec(400000.0, 7500000.0 + side * pixel, pixel, side, side, "EPSG:3067")


@pytest.mark.parametrize("pixel, side, warned", [(250.0, 40, False), (5000.0, 16, True), (5000.0, 8, True)])
def test_the_default_patch_warns_only_where_it_covers_over_a_quarter_of_the_area(pixel, side, warned):
    grid = _grid(pixel, side)
    text = patch_area_warning(grid, 9, 9, side * side, default=True)
    # the reference: the patch's ground area against the study area's, in km² by hand
    share = (9 * pixel / 1000) ** 2 / ((side * pixel / 1000) ** 2)
    assert (text is not None) == (share > 0.25) == warned
    if text:
        assert text.startswith("PATCH_SIZE: the 9 x 9-cell patch (PATCH_SIZE, its default) spans 45 x 45 km")
        assert ("more than the whole" in text) == (share > 1)


def test_the_advice_is_the_largest_odd_patch_over_a_sixteenth_of_the_area():
    text = patch_area_warning(_grid(5000.0, 16), 9, 9, 256, default=True)
    # brute force: the largest odd p with p * p <= 256 / 16
    best = max(p for p in range(1, 17, 2) if p * p <= 256 / 16)
    assert text is not None and f"set PATCH_SIZE {best} ({best * 5:g} km)" in text and "32 %" in text
    coarse = patch_area_warning(_grid(5000.0, 16), 3, 9, 256, default=False)
    assert coarse is not None and "PATCH_SIZE 3 x COARSE_VIEW 3" in coarse and "(and COARSE_VIEW 0)" in coarse
    assert "its default" not in coarse
    assert patch_area_warning(_grid(5000.0, 16), 9, 9, 0, default=True) is None
