"""core.interpolation.coverage's grid from the samples alone: the automatic pixel size against a hand computation
(shapely's convex hull area, brute-force nearest distances, the box), and the widening of bounds that span no area."""

import math

import numpy as np
import pytest
from shapely.geometry import MultiPoint

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.interpolation.coverage import automatic_pixel_size, spanning_bounds


def two_figures(x):
    """``x`` rounded to two significant figures, by hand."""
    exponent = math.floor(math.log10(abs(x))) - 1
    return round(x / 10**exponent) * 10**exponent


def test_pixel_size_from_the_hull_area_per_sample():
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 5000, (200, 2)) + [400_000, 7_000_000]
    xy = np.vstack([xy, xy[:5]])  # repeated places count once
    hull = MultiPoint([tuple(p) for p in np.unique(xy, axis=0)]).convex_hull.area
    spacing = math.sqrt(hull / 200)
    box = (xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max())
    pixel, got_spacing, how = automatic_pixel_size(xy, box)
    assert got_spacing == pytest.approx(spacing, rel=1e-9)
    assert pixel == pytest.approx(two_figures(spacing / 4), rel=1e-12)
    assert how == "the area of the samples' outline per sample"


def test_pixel_size_along_a_line_is_the_median_nearest_distance():
    xy = np.array([[0.0, 0.0], [100.0, 100.0], [250.0, 250.0], [600.0, 600.0], [700.0, 700.0]])
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    spacing = float(np.median(d.min(axis=1)))  # brute force
    pixel, got_spacing, how = automatic_pixel_size(xy, (-35.0, -35.0, 735.0, 735.0))
    assert got_spacing == pytest.approx(spacing)
    assert pixel == pytest.approx(two_figures(spacing / 4))
    assert how == "the median distance to the nearest sample, along their line"


def test_pixel_size_from_the_box_when_the_samples_share_one_place():
    xy = np.array([[10.0, 20.0], [10.0, 20.0]])
    bounds = (0.0, 0.0, 3000.0, 1200.0)  # an EXTENT around them
    pixel, spacing, how = automatic_pixel_size(xy, bounds)
    assert spacing == pytest.approx(math.sqrt(3000 * 1200 / 2))
    assert pixel == pytest.approx(two_figures(spacing / 4))
    assert how == "the area of the samples' box per sample"


def test_bounds_that_span_an_area_are_kept():
    bounds = (1.0, 2.0, 3.0, 4.0)
    assert spanning_bounds(bounds, np.array([[1.5, 2.5]]), 0.0) == bounds


def test_one_sample_is_given_a_margin_of_ten_pixels():
    xy = np.array([[500.0, 800.0]])
    assert spanning_bounds((500.0, 800.0, 500.0, 800.0), xy, 25.0) == (250.0, 550.0, 750.0, 1050.0)
    # a line-shaped EXTENT is held, and widened around the samples
    assert spanning_bounds((0.0, 800.0, 2000.0, 800.0), xy, 25.0) == (0.0, 550.0, 2000.0, 1050.0)


def test_no_pixel_size_without_an_area():
    with pytest.raises(InputError, match=r"^PIXEL_SIZE: the 1 sample\(s\) do not span an area, so no pixel size"):
        spanning_bounds((5.0, 5.0, 5.0, 5.0), np.array([[5.0, 5.0]]), 0.0)
