"""Anomaly areas resting on one sample (sweep 22b, from sweep 21a's Kola run).

Kola at 5 km cells, 605 samples about 17 km apart: 10 of the 22 ranked areas (3 to 7 cells, 75-175 km²) held one
sample each, one of them ranked 7th, and nothing said so: MIN_CELLS (3) counts cells, which says nothing of the
samples behind an area. Here a 5 km grid is interpolated (inverse distance, written here) from samples on a
jittered 17 km lattice; the areas are checked against scipy's connected components (8-neighbour, at least
MIN_CELLS cells), the samples in each against a count by shapely's point-in-polygon and by the cell arithmetic
written here, and the warning against the areas that count fewer than two.
"""

import numpy as np
import pytest
from scipy import ndimage
from shapely.geometry import Point

from geochem_prospector.core.anomalies.screening import (
    SUPPORTING_SAMPLES,
    anomaly_areas,
    sample_support,
    samples_per_area,
    single_sample_note,
    unsupported_areas_note,
)
from geochem_prospector.core.anomalies.thresholds import classify
from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.reports.legend import readable_number

CELL = 5000.0
SIZE = 40


def _survey():
    rng = np.random.default_rng(21)
    grid = GridSpec(500_000.0, 7_600_000.0, CELL, SIZE, SIZE, None)
    lattice = np.arange(8_500.0, SIZE * CELL, 17_000.0)
    gx, gy = np.meshgrid(lattice, lattice)
    xy = np.column_stack([grid.xmin + gx.ravel(), grid.ymin + gy.ravel()]) + rng.uniform(-4000, 4000, (gx.size, 2))
    values = rng.lognormal(3.0, 0.4, len(xy))
    values[rng.choice(len(xy), 8, replace=False)] *= 6  # a few high samples, alone
    # inverse distance (power 2) at the cell centres, from every sample
    cx = grid.xmin + (np.arange(SIZE) + 0.5) * CELL
    cy = grid.ymax - (np.arange(SIZE) + 0.5) * CELL
    px, py = np.meshgrid(cx, cy)
    d2 = (px[..., None] - xy[:, 0]) ** 2 + (py[..., None] - xy[:, 1]) ** 2
    w = 1.0 / np.maximum(d2, 1.0)
    field = np.log10((w * values).sum(-1) / w.sum(-1))
    return grid, xy, field


def test_samples_in_each_area_and_the_warning_match_a_brute_force_count():
    grid, xy, index = _survey()
    weak = float(np.percentile(index, 90))
    levels = [weak, np.nan, np.nan]
    areas, labels = anomaly_areas(index, levels, grid, classify(index, levels)[None], ["Cu"], ["Cu"], min_cells=3)
    # scipy's components of the cells at or above the weak level, kept from 3 cells
    components, n = ndimage.label(index >= weak, structure=np.ones((3, 3), dtype=int))
    sizes = np.bincount(components.ravel())[1:]
    kept = [k + 1 for k in range(n) if sizes[k] >= 3]
    assert sorted(areas["cells"]) == sorted(int(sizes[k - 1]) for k in kept)
    # each sample's cell by hand, and each area's samples by shapely's point-in-polygon on its outline
    cols = ((xy[:, 0] - grid.xmin) // CELL).astype(int)
    rows = ((grid.ymax - xy[:, 1]) // CELL).astype(int)
    by_component = {k: int(np.sum(components[rows, cols] == k)) for k in kept}
    counts = samples_per_area(labels, grid, xy)
    for _, area in areas.iterrows():
        inside = sum(area.geometry.contains(Point(x, y)) for x, y in xy)
        assert counts[area["area_id"] - 1] == inside
        component = int(np.bincount(components[labels == area["area_id"]]).argmax())
        assert by_component[component] == inside
    lonely = sorted(int(r) for r, c in zip(areas["rank"], counts[areas["area_id"] - 1]) if c < SUPPORTING_SAMPLES)
    assert lonely and len(lonely) < len(areas)  # some areas rest on one sample, some on more
    note = single_sample_note(sample_support(areas, labels, grid, xy), 3, grid)
    verb = "holds" if len(lonely) == 1 else "hold"
    assert note.startswith(f"OUTPUT_ANOMALIES: {len(lonely)} of the {len(areas)} anomaly areas {verb} a single sample")
    assert f"(rank {', '.join(str(r) for r in lonely)}" in note
    smallest = int(areas["cells"][counts[areas["area_id"] - 1] < SUPPORTING_SAMPLES].min())
    assert f"down to {smallest} cells ({smallest * 25:g} km²)" in note and "MIN_CELLS (3) counts cells" in note


def test_areas_of_two_samples_or_more_say_nothing():
    grid, xy, index = _survey()
    weak = float(np.percentile(index, 90))
    levels = [weak, np.nan, np.nan]
    areas, labels = anomaly_areas(index, levels, grid, classify(index, levels)[None], ["Cu"], ["Cu"], min_cells=3)
    supported = sample_support(areas, labels, grid, xy)
    assert single_sample_note(supported.assign(samples=np.maximum(supported["samples"], 2)), 3, grid) == ""
    assert single_sample_note(supported.iloc[:0], 3, grid) == ""


def test_samples_off_the_grid_count_for_no_area():
    grid = GridSpec(0.0, 10.0, 1.0, 10, 10, None)
    labels = np.zeros((10, 10), np.int32)
    labels[2:4, 2:4] = 1
    xy = np.array([[2.5, 7.5], [3.5, 6.5], [-5.0, 7.5], [2.5, 70.0], [np.nan, 1.0]])
    np.testing.assert_array_equal(samples_per_area(labels, grid, xy), [2])


def test_samples_sharing_a_cell_count_once():
    """A field duplicate (or a resample of one site) beside its sample confirms nothing about the ground around it:
    an area of one sampled cell is named whatever the samples on it (review of sweep 22b)."""
    grid = GridSpec(0.0, 10.0, 1.0, 10, 10, None)
    labels = np.zeros((10, 10), np.int32)
    labels[2:4, 2:4] = 1
    labels[6:8, 6:8] = 2
    duplicates = [[2.5, 7.5], [2.52, 7.49], [2.5, 7.5]]  # three samples in one cell of area 1
    two_sites = [[6.5, 3.5], [7.5, 2.5]]  # two cells of area 2
    np.testing.assert_array_equal(samples_per_area(labels, grid, np.array(duplicates + two_sites)), [1, 2])


def test_areas_far_from_every_sample_are_named_with_their_distance():
    """An area with no sample 3 km (12 spacings) from the nearest is named, with its distance by brute force from
    its cell centres; one among the samples is not; a sample with a NaN coordinate is left out."""
    grid = GridSpec(0.0, 10_000.0, 100.0, 100, 100, None)
    xy = np.random.default_rng(4).uniform(0, 5000, (400, 2))  # the western half: spacing 250 m
    high = np.zeros((100, 100))
    high[60:63, 80:83] = 2.0  # 3,000 m east of the samples
    high[60:63, 20:23] = 2.0  # among them
    levels = [1.0, np.nan, np.nan]
    areas, labels = anomaly_areas(high, levels, grid, classify(high, levels)[None], ["Cu"], ["Cu"], min_cells=3)
    supported = sample_support(areas, labels, grid, xy)
    east = supported.loc[[g.centroid.x > 7000 for g in supported.geometry]].iloc[0]
    rows, cols = np.nonzero(labels == east["area_id"])
    centres = np.column_stack([grid.xmin + (cols + 0.5) * 100, grid.ymax - (rows + 0.5) * 100])
    nearest = np.sqrt(((centres[:, None] - xy[None]) ** 2).sum(-1)).min()
    assert east["samples"] == 0 and east["sample_m"] == pytest.approx(nearest) and nearest > 2900
    note = unsupported_areas_note(supported, np.vstack([xy, [[np.nan, 1.0]]]), grid)
    assert note.startswith("OUTPUT_ANOMALIES: 1 of the 2 ranked areas holds no sample")
    assert f"rank {int(east['rank'])} ({readable_number(float(nearest))} m) from the nearest sample" in note
    assert unsupported_areas_note(supported.assign(samples=1), xy, grid) == ""
