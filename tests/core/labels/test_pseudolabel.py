"""core.pseudolabel: real-data hold-out skill, the negative-buffer guarantee, and independent references.

References: brute-force distances (seeds, buffer, capture), scikit-learn (test-only) for the logistic
regression and label spreading.
"""

import json
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.labels.classes import class_ids
from geochem_prospector.core.labels.pseudolabel import METHODS, UNLABELLED, PseudoLabelSettings, capture, pseudolabel
from geochem_prospector.core.labels.softmax import SoftmaxRegression, _expand
from geochem_prospector.core.reports.labels import summary_record, write_summary
from tests.conftest import REPO

SAMPLES = os.path.join(REPO, "resources", "sample_data")
#: IOCG geochemical signature (Fe-Cu-Co with LREE and Th) plus aeromagnetics; chosen from the deposit model,
#: not from the deposits' values
ELEMENTS = ["Cu", "Fe", "Co", "La", "Th"]
#: spatially separate hold-out groups of the 17 deposits (each time the others label): north / south of the Kolari
#: cluster's centre line, east / west of it
SPLITS = {
    "north": lambda xy: xy[:, 1] > 7_497_000,
    "south": lambda xy: xy[:, 1] <= 7_497_000,
    "east": lambda xy: xy[:, 0] > 371_000,
    "west": lambda xy: xy[:, 0] <= 369_000,
}
RADIUS = 1000.0
BUFFER = 3000.0


# ---------------------------------------------------------------------------------------------
# real data: GTK Central Lapland


@pytest.fixture(scope="module")
def lapland(tmp_path_factory):
    gpd = pytest.importorskip("geopandas")
    from geochem_prospector.core.interpolation.idw import idw_grid
    from geochem_prospector.core.io.rasters import rasterize_mask, read_stack, write_geotiff

    till = gpd.read_file(os.path.join(SAMPLES, "till_geochemistry.gpkg"))
    area = gpd.read_file(os.path.join(SAMPLES, "study_area.gpkg"))
    deposits = gpd.read_file(os.path.join(SAMPLES, "deposits.gpkg"))
    deposits = deposits[deposits["in_study_area"].astype(bool)]
    grid = GridSpec.from_extent(*area.total_bounds, pixel_size=500.0, crs_wkt=till.crs.to_wkt())
    mask = rasterize_mask(list(area.geometry), grid)
    xy = np.column_stack([till.geometry.x, till.geometry.y])
    values = np.column_stack([till[e].astype(float).clip(lower=0.01) for e in ELEMENTS])
    bands = idw_grid(xy, values, grid, log_transform=True, mask=mask)
    path = str(tmp_path_factory.mktemp("lapland") / "till.tif")
    write_geotiff(path, bands, grid, ELEMENTS)
    # magnetics (200 m) is resampled onto the 500 m till grid by read_stack
    stack = read_stack([path, os.path.join(SAMPLES, "magnetics_tmi_nT.tif")])
    dxy = np.column_stack([deposits.geometry.x, deposits.geometry.y])
    assert len(dxy) == 17
    return stack, mask, dxy


@pytest.mark.parametrize("split", sorted(SPLITS))
@pytest.mark.parametrize("method", METHODS)
def test_held_out_deposits_are_captured_better_than_random(lapland, method, split):
    from scipy.stats import binom

    stack, mask, deposits = lapland
    assert stack.band_names[-1].startswith("magnetics_tmi_nT:") and stack.bands.shape[0] == 6
    hold = SPLITS[split](deposits)
    train, held = deposits[~hold], deposits[hold]
    assert 6 <= len(held) <= 11
    result = pseudolabel(
        stack.bands,
        stack.grid,
        train,
        mask=mask,
        settings=PseudoLabelSettings(
            method=method, positive_radius=RADIUS, negative_buffer=BUFFER, confidence=0.9, iterations=5, seed=1
        ),
    )
    valid = np.isfinite(stack.bands).all(axis=0) & mask
    captured, area = capture(result.labels, stack.grid, held, RADIUS, valid)
    hits = round(captured * len(held))
    # chance that a random labeller with the same positive area captures at least as many
    p_random = binom.sf(hits - 1, len(held), area)
    print(
        f"\n{method} / hold out {split} ({len(held)}): capture {captured:.2f}, pseudo-positive area (within "
        f"radius) {area:.3f}, p(random >= this) {p_random:.2g}, counts {result.counts}"
    )
    # a random labeller with the same positive area captures `area` of the deposits on average
    assert captured > area
    assert hits >= 2
    assert area < 0.5  # skill, not labelling everything positive
    # no training deposit cell is ever barren; seeds keep confidence 1
    r, c = stack.grid.rowcol(train[:, 0], train[:, 1])
    assert (result.labels[r, c] == 1).all() and (result.confidence[r, c] == 1).all()


# ---------------------------------------------------------------------------------------------
# property: no barren label within the buffer of a positive; every cell within the radius is positive


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    method=st.sampled_from(METHODS),
    n_pos=st.integers(1, 4),
    radius=st.floats(0.0, 2.5),
    buffer=st.floats(0.0, 6.0),
)
def test_no_negative_within_buffer_and_radius_cells_positive(seed, method, n_pos, radius, buffer):
    rng = np.random.default_rng(seed)
    grid = GridSpec(0.0, 24.0, 1.0, 24, 24)
    features = rng.normal(size=(3, 24, 24)).astype(np.float32)
    features[0] += np.linspace(-2, 2, 24)[None, :]  # some structure to learn
    features[1, rng.integers(0, 24, 5), rng.integers(0, 24, 5)] = np.nan  # nodata cells
    pts = rng.uniform(1, 23, size=(n_pos, 2))
    cx, cy = grid.cell_centres()
    d = np.sqrt(((np.column_stack([cx, cy])[:, None, :] - pts[None]) ** 2).sum(-1)).min(axis=1).reshape(24, 24)
    valid = np.isfinite(features).all(axis=0)
    r, c = grid.rowcol(pts[:, 0], pts[:, 1])
    if not (valid & (d <= radius)).any() and not valid[r, c].any():
        with pytest.raises(InputError, match="LABELS"):  # every positive point on a nodata cell, radius too small
            pseudolabel(features, grid, pts, settings=PseudoLabelSettings(method=method, positive_radius=radius))
        return
    result = pseudolabel(
        features,
        grid,
        pts,
        settings=PseudoLabelSettings(
            method=method,
            positive_radius=radius,
            negative_buffer=buffer,
            confidence=0.6,
            iterations=3,
            bags=6,
            seed=seed,
        ),
    )
    labels = result.labels
    assert not ((labels == 0) & (d <= buffer)).any()
    assert (labels[valid & (d <= radius)] == 1).all()
    assert (labels[r, c][valid[r, c]] == 1).all()
    assert (labels[~valid] == UNLABELLED).all() and np.isnan(result.confidence[~valid]).all()
    conf = result.confidence[valid]
    assert ((conf >= 0) & (conf <= 1)).all()
    assert (result.confidence[labels != UNLABELLED] >= 0.6).all()
    total = sum(v["total"] for v in result.counts.values())
    assert total == int((labels != UNLABELLED).sum())


def test_deterministic_with_seed():
    rng = np.random.default_rng(3)
    grid = GridSpec(0.0, 30.0, 1.0, 30, 30)
    features = rng.normal(size=(2, 30, 30)).astype(np.float32)
    pts = np.array([[5.5, 5.5], [20.5, 12.5]])
    for method in METHODS:
        a = pseudolabel(features, grid, pts, settings=PseudoLabelSettings(method=method, seed=5, confidence=0.7))
        b = pseudolabel(features, grid, pts, settings=PseudoLabelSettings(method=method, seed=5, confidence=0.7))
        assert np.array_equal(a.labels, b.labels) and np.array_equal(a.confidence, b.confidence, equal_nan=True)


# ---------------------------------------------------------------------------------------------
# independent references (scikit-learn, test-only)


def test_softmax_regression_matches_scikit_learn():
    linear_model = pytest.importorskip("sklearn.linear_model")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    y = np.argmax(x @ rng.normal(size=(3, 3)) + rng.normal(scale=0.5, size=(300, 3)), axis=1)
    l2 = 0.05
    ours = SoftmaxRegression(3, l2=l2, max_iter=1000).fit(x, y).predict_proba(x)
    # ours minimises mean loss + l2/2 |W|^2; scikit-learn C * sum loss + 1/2 |W|^2: C = 1 / (n l2)
    ref = linear_model.LogisticRegression(C=1 / (len(x) * l2), max_iter=5000, tol=1e-10)
    ref.fit(_expand(x), y)
    assert np.abs(ours - ref.predict_proba(_expand(x))).max() < 2e-3


def test_label_spreading_agrees_with_scikit_learn_on_clusters():
    semi = pytest.importorskip("sklearn.semi_supervised")
    rng = np.random.default_rng(1)
    # two feature populations laid out as the west and east halves of a 20 x 20 grid
    grid = GridSpec(0.0, 20.0, 1.0, 20, 20)
    features = rng.normal(scale=0.3, size=(2, 20, 20)).astype(np.float32)
    features[:, :, 10:] += 3.0
    pts = np.array([[2.5, 17.5], [15.5, 3.5]])  # one barren point in the west, one mineralised in the east
    result = pseudolabel(
        features, grid, pts, np.array([0, 1]), settings=PseudoLabelSettings(method="label_spreading", confidence=0.6)
    )
    x = features.reshape(2, -1).T
    y = np.full(400, -1)
    r, c = grid.rowcol(pts[:, 0], pts[:, 1])
    y[r * 20 + c] = [0, 1]
    ref = semi.LabelSpreading(kernel="knn", n_neighbors=10, alpha=0.9).fit(x, y).transduction_.reshape(20, 20)
    labelled = result.labels != UNLABELLED
    assert labelled.mean() > 0.95
    assert (result.labels[labelled] == ref[labelled]).mean() > 0.99
    assert (ref[:, 10:] == 1).all() and (ref[:, :10] == 0).all()


# ---------------------------------------------------------------------------------------------
# details


def test_capture_against_brute_force():
    grid = GridSpec(0.0, 10.0, 1.0, 10, 10)
    labels = np.full((10, 10), UNLABELLED, dtype=np.int16)
    labels[2, 3] = 1
    labels[7, 7] = 0
    pts = np.array([[3.5, 7.5], [5.5, 7.5], [6.9, 2.1], [0.5, 0.5]])
    captured, area = capture(labels, grid, pts, 2.0)
    cx, cy = grid.cell_centres()
    near = np.hypot(cx - 3.5, cy - 7.5) <= 2.0
    assert area == pytest.approx(near.mean())
    assert captured == pytest.approx(2 / 4)  # the first two are within 2 of the positive cell centre


def test_class_ids_numbers_and_text():
    ids, names, usable = class_ids([0, 1, 2.0, None, "1"])
    assert ids[usable].tolist() == [0, 1, 2, 1] and usable.tolist() == [True, True, True, False, True]
    assert names[0] == "barren"
    ids, names, usable = class_ids(["Barren", "Au", "Cu", "", "background", "Au"])
    assert ids[usable].tolist() == [0, 1, 2, 0, 1]
    assert names == {0: "barren", 1: "Au", 2: "Cu"}


def test_known_negatives_pu_multiclass_and_errors():
    rng = np.random.default_rng(2)
    grid = GridSpec(0.0, 20.0, 1.0, 20, 20)
    features = rng.normal(size=(2, 20, 20)).astype(np.float32)
    negatives = np.zeros((20, 20), dtype=bool)
    negatives[0, :] = True  # top row barren, but its west end lies within the buffer of the first point
    pts = np.array([[0.5, 19.5], [10.5, 10.5]])
    result = pseudolabel(
        features,
        grid,
        pts,
        np.array([1, 2]),
        negative_cells=negatives,
        settings=PseudoLabelSettings(method="pu_bagging", negative_buffer=3.0, bags=5),
    )
    assert any("merged" in w for w in result.warnings) and any("NEGATIVE_BUFFER" in w for w in result.warnings)
    assert set(np.unique(result.labels)) <= {UNLABELLED, 0, 1}
    assert (result.labels[0, 4:] == 0).all() and (result.labels[0, :3] != 0).all()
    with pytest.raises(InputError, match="LABELS"):
        pseudolabel(features, grid, np.array([[100.0, 100.0]]))
    with pytest.raises(InputError, match="METHOD"):
        pseudolabel(features, grid, pts, settings=PseudoLabelSettings(method="magic"))


def test_every_cell_mineralised_is_refused_naming_what_made_it():
    """A radius reaching every cell names POSITIVE_RADIUS; at radius 0 (the default) a point in every cell of a
    4 x 4 grid names LABELS, with no advice about a radius that is not set."""
    grid = GridSpec(0.0, 4.0, 1.0, 4, 4)
    features = np.arange(32, dtype=np.float32).reshape(2, 4, 4)
    with pytest.raises(InputError, match="within 10 map units of a mineralised point") as wide:
        pseudolabel(features, grid, np.array([[0.5, 0.5]]), settings=PseudoLabelSettings(positive_radius=10.0))
    assert wide.value.parameter == "POSITIVE_RADIUS"
    every = np.array([[x + 0.5, y + 0.5] for x in range(4) for y in range(4)])
    with pytest.raises(InputError, match="every one of the 16 cells with evidence holds a mineralised point") as full:
        pseudolabel(features, grid, every)
    assert full.value.parameter == "LABELS" and "radius" not in str(full.value)


def test_summary_formats(tmp_path):
    rng = np.random.default_rng(4)
    grid = GridSpec(0.0, 15.0, 1.0, 15, 15)
    result = pseudolabel(
        rng.normal(size=(2, 15, 15)), grid, np.array([[4.5, 4.5]]), settings=PseudoLabelSettings(method="self_training")
    )
    record = summary_record(result)
    assert record["labelled_cells"] + record["unlabelled_cells"] == 225
    assert abs(sum(r["share"] for r in record["classes"]) - 1) < 1e-4
    loaded = json.loads(open(write_summary(str(tmp_path / "s.json"), record)).read())
    assert loaded["settings"]["method"] == "self_training"
    csv_text = open(write_summary(str(tmp_path / "s.csv"), record)).read()
    assert csv_text.splitlines()[0] == "class_id,name,seed,pseudo,total,share"
    assert "<table>" in open(write_summary(str(tmp_path / "s.html"), record)).read()


def test_class_ids_read_negative_whole_numbers_as_unlabelled():
    from geochem_prospector.core.labels.classes import class_ids

    ids, names, usable = class_ids([-1, 0, 1, "-1", None, 1])
    assert usable.tolist() == [False, True, True, False, False, True]
    assert ids[usable].tolist() == [0, 1, 1]
    assert names == {0: "barren", 1: "mineralised"}


def test_labels_without_a_barren_cell_say_so_and_what_to_do():
    """Nine deposits spread over a small grid with a NEGATIVE_BUFFER that leaves a few cells outside it: no cell was
    labelled barren, and the label raster then stopped trainmodel ("LABELS: no valid cell is labelled barren") with
    nothing said here. Now a warning says how much the buffer holds and names the ways out; with a narrower buffer
    barren cells are labelled and nothing is said."""
    rng = np.random.default_rng(0)
    grid = GridSpec(0.0, 30.0, 1.0, 30, 30)
    features = rng.normal(size=(3, 30, 30)).astype(np.float32)
    pts = np.array([[x, y] for x in (5.5, 15.5, 25.5) for y in (5.5, 15.5, 25.5)])
    cx, cy = grid.cell_centres()
    near = np.hypot(cx[:, None] - pts[:, 0], cy[:, None] - pts[:, 1]).min(axis=1) <= 7.0  # brute force
    wide = pseudolabel(features, grid, pts, settings=PseudoLabelSettings(negative_buffer=7.0, seed=1))
    assert wide.counts["0"]["total"] == 0 == int((wide.labels == 0).sum())
    said = [w for w in wide.warnings if w.startswith("no cell was labelled barren")]
    assert len(said) == 1, wide.warnings
    assert f"which holds {near.mean():.0%} of the valid cells" in said[0]
    assert all(words in said[0] for words in ("NEGATIVES", "a smaller NEGATIVE_BUFFER", "lower CONFIDENCE"))
    narrow = pseudolabel(features, grid, pts, settings=PseudoLabelSettings(negative_buffer=3.0, seed=1))
    assert narrow.counts["0"]["total"] > 0
    assert not any(w.startswith("no cell was labelled barren") for w in narrow.warnings)


def test_mineralised_labels_over_much_of_the_area_are_flagged_with_the_share_counted():
    """Evidence that does not set the points apart: one band high over the whole western half (where the four
    points lie), low over the east. PU bagging then labels most of the west mineralised, and a warning gives the
    share that a brute-force count of the label raster finds. Evidence that does (a peak of a few cells at each
    point) labels a few cells around them and says nothing."""
    rng = np.random.default_rng(3)
    grid = GridSpec(0.0, 40.0, 1.0, 40, 40)
    cx, cy = (c.reshape(40, 40) for c in grid.cell_centres())
    pts = np.array([[5.5, 5.5], [15.5, 30.5], [8.5, 20.5], [12.5, 12.5]])
    noise = rng.normal(scale=0.05, size=(40, 40))
    plateau = (np.where(cx < 20, 1.0, 0.0) + noise)[None].astype(np.float32)
    settings = PseudoLabelSettings(method="pu_bagging", negative_buffer=2.0, bags=20, seed=2)
    broad = pseudolabel(plateau, grid, pts, settings=settings)
    pseudo = int((broad.labels >= 1).sum()) - 4  # the four seed cells
    said = [w for w in broad.warnings if w.startswith("CONFIDENCE:")]
    assert pseudo > 0.1 * 1600 and len(said) == 1, broad.warnings
    assert said[0].startswith(f"CONFIDENCE: {pseudo:,} cells ({100 * pseudo / 1600:.0f} % of the valid cells")
    assert "from 4 seed cells" in said[0] and "Raise CONFIDENCE (now 0.9)" in said[0]
    distance = np.hypot(cx[..., None] - pts[:, 0], cy[..., None] - pts[:, 1]).min(axis=-1)
    peaks = (np.exp(-(distance**2) / 2.0) + noise)[None].astype(np.float32)
    sharp = pseudolabel(peaks, grid, pts, settings=settings)
    assert int((sharp.labels >= 1).sum()) - 4 <= 0.1 * 1600
    assert not any(w.startswith("CONFIDENCE:") for w in sharp.warnings), sharp.warnings


def test_cells_held_back_by_the_growth_limit_are_counted_and_said():
    """Self-training grows each class by at most 50 % a round: after one round, unlabelled cells still scoring
    CONFIDENCE or more are left by the limit, not by the evidence. The warning's count equals numpy's count of the
    unlabelled cells at or above CONFIDENCE in the output rasters (no buffer, so no barren cell is held back
    otherwise); with rounds enough the labels reach them and nothing is said."""
    import re

    rng = np.random.default_rng(7)
    grid = GridSpec(0.0, 30.0, 1.0, 30, 30)
    features = rng.normal(size=(2, 30, 30)).astype(np.float32)
    features[:, :, :12] += 4.0  # a western population like the point's
    point = np.array([[3.5, 25.5]])
    settings = PseudoLabelSettings(method="self_training", iterations=1, confidence=0.9, positive_radius=1.0)
    result = pseudolabel(features, grid, point, settings=settings)
    unlabelled = result.labels == UNLABELLED
    counted = int(np.sum(unlabelled & (result.confidence >= 0.9)))
    said = [w for w in result.warnings if w.startswith("ITERATIONS:")]
    assert counted > 0 and len(said) == 1, result.warnings
    number = int(re.search(r"still scores ([\d,]+) unlabelled cells", said[0]).group(1).replace(",", ""))
    assert number == counted
    assert f"({100 * counted / 900:.0f} % of the valid cells)" in said[0]
    enough = pseudolabel(features, grid, point, settings=PseudoLabelSettings(**{**settings.__dict__, "iterations": 40}))
    assert not any(w.startswith("ITERATIONS:") for w in enough.warnings)
    assert int(np.sum((enough.labels == UNLABELLED) & (enough.confidence >= 0.9))) == 0


def test_barren_ground_over_every_cell_outside_the_buffer_names_negatives():
    """PU bagging with every cell outside NEGATIVE_BUFFER known barren (a geological map given as NEGATIVES) has
    nothing unlabelled to learn from: the refusal names NEGATIVES, not the buffer (sweep 19a); with no barren cell
    and everything in the buffer it still names the buffer."""
    from geochem_prospector.core.labels.methods import _pu_bagging
    from geochem_prospector.core.labels.seeds import UNLABELLED

    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 2))
    seeds = np.zeros(20, dtype=np.int64)
    seeds[:3] = 1
    in_buffer = np.zeros(20, dtype=bool)
    in_buffer[:5] = True
    with pytest.raises(InputError) as err:
        _pu_bagging(x, seeds, in_buffer, 3, 0.1, rng, None, None)
    assert err.value.parameter == "NEGATIVES"
    seeds[3:] = UNLABELLED
    with pytest.raises(InputError) as err:
        _pu_bagging(x, seeds, np.ones(20, dtype=bool), 3, 0.1, rng, None, None)
    assert err.value.parameter == "NEGATIVE_BUFFER"


@pytest.mark.parametrize("method", ["pu_bagging", "self_training", "label_spreading"])
def test_a_buffer_over_every_cell_is_refused_with_the_farthest_distance(method):
    """Sweep 22a: the workflow's 3 km NEGATIVE_BUFFER over a small floodplain was refused 'reduce the buffer'
    with no figure. The distance named is checked by brute force over the cell centres; a buffer under it runs."""
    import re

    grid = GridSpec(xmin=0.0, ymax=2000.0, pixel_size=50.0, width=40, height=40, crs_wkt="")
    features = np.random.default_rng(0).normal(size=(2, 40, 40))
    points = np.array([[500.0, 500.0], [1500.0, 1400.0], [900.0, 1700.0]])
    settings_ = PseudoLabelSettings(method=method, negative_buffer=3000.0, positive_radius=0.0, bags=5, iterations=2)
    with pytest.raises(InputError) as refused:
        pseudolabel(features, grid, points, settings=settings_)
    assert refused.value.parameter == "NEGATIVE_BUFFER"
    found = re.search(
        r"farthest cell lies ([\d.]+) map units from one\), .* e\.g\. ([\d.]+) map units", str(refused.value)
    )
    assert found, str(refused.value)
    xs = (np.arange(40) + 0.5) * 50.0
    cx, cy = np.meshgrid(xs, 2000.0 - xs)
    brute = np.sqrt((cx.ravel()[:, None] - points[:, 0]) ** 2 + (cy.ravel()[:, None] - points[:, 1]) ** 2).min(1).max()
    assert 0.99 * brute <= float(found.group(1)) <= brute
    suggested = float(found.group(2))
    assert suggested < brute
    done = pseudolabel(
        features,
        grid,
        points,
        settings=PseudoLabelSettings(
            method=method, negative_buffer=suggested, positive_radius=0.0, bags=5, iterations=2
        ),
    )
    assert (done.labels == 0).any()


def test_deposits_on_cells_one_band_leaves_empty_are_told_which_band():
    """Sweep 27b: with magnetics over one corner of the stack, the deposits elsewhere were told they lay on no
    evidence ('check that the points overlap the rasters'), though every other band covered them. The band named
    is the one a brute-force look at the deposits' cells finds empty."""
    grid = GridSpec(0.0, 5_000.0, 100.0, 50, 50, "")
    rng = np.random.default_rng(4)
    features = rng.normal(size=(3, 50, 50)).astype(np.float32)
    features[1, :, 10:] = np.nan  # the survey covers the western fifth
    deposits = np.array([[2_550.0, 2_550.0], [4_050.0, 1_050.0]])
    rows, cols = grid.rowcol(deposits[:, 0], deposits[:, 1])
    assert np.isnan(features[1, rows, cols]).all() and np.isfinite(features[[0, 2]][:, rows, cols]).all()
    names = ["Cu", "corner_survey:tmi", "Th"]
    with pytest.raises(InputError) as refusal:
        pseudolabel(features, grid, deposits, settings=PseudoLabelSettings(method="label_spreading"), band_names=names)
    assert refusal.value.parameter == "INPUT_RASTERS"
    assert "the mineralised points (LABELS) lie on evidence, but corner_survey:tmi has no value in any of" in str(
        refusal.value
    )
    with pytest.raises(InputError, match="but band 2 has no value"):  # names shorter than the bands: numbered
        pseudolabel(features, grid, deposits, settings=PseudoLabelSettings(method="label_spreading"), band_names=[])
    # review 28: deposits outside the MASK are not told to drop a raster (dropping it would not bring them in)
    outside = np.ones((50, 50), dtype=bool)
    outside[rows, cols] = False
    with pytest.raises(InputError) as refusal:
        pseudolabel(features, grid, deposits, mask=outside, settings=PseudoLabelSettings(method="label_spreading"))
    assert refusal.value.parameter == "LABELS"
    # points off every band's cover keep the plain advice
    with pytest.raises(InputError, match="check that the points overlap the rasters"):
        pseudolabel(
            features, grid, deposits + 1e6, settings=PseudoLabelSettings(method="label_spreading"), band_names=names
        )


def test_labels_from_fewer_than_five_mineralised_points_say_they_cannot_be_tested():
    """Two smelters of the Kola atlas as 'deposits' on 4.6 km cells grew 37 mineralised cells without a word, and
    traincnn then trained on 39 positives. The warning gives the pseudo-labelled count, checked against the label
    raster (cells of class 1 that are not the points' own); five points or more are not warned about."""
    grid = GridSpec(0.0, 5_000.0, 100.0, 50, 50, "")
    rng = np.random.default_rng(6)
    features = rng.normal(size=(3, 50, 50)).astype(np.float32)
    features[:, 20:30, 20:30] += 3.0  # ground like the points
    points = np.array([[2_250.0, 2_750.0], [2_750.0, 2_250.0]])
    settings = PseudoLabelSettings(method="label_spreading")
    result = pseudolabel(features, grid, points, settings=settings)
    rows, cols = grid.rowcol(points[:, 0], points[:, 1])
    beyond = int((result.labels == 1).sum()) - len(set(zip(rows.tolist(), cols.tolist())))
    (note,) = [w for w in result.warnings if w.startswith("LABELS: the mineralised points lie in only 2 places")]
    assert f"the {beyond:,} cells labelled mineralised beyond them" in note
    more = np.array([[2_050.0 + 150 * i, 2_950.0 - 150 * i] for i in range(5)])
    assert not [w for w in pseudolabel(features, grid, more, settings=settings).warnings if "only" in w]
    # review 27: one deposit entered five times, and rows off the grid, are no more places to learn from
    repeated = np.vstack([points, np.repeat(points[:1], 4, axis=0), points + 1e6])
    places = {(r, c) for r, c in zip(*grid.rowcol(repeated[:, 0], repeated[:, 1])) if 0 <= r < 50 and 0 <= c < 50}
    assert len(places) == 2
    warned = pseudolabel(features, grid, repeated, settings=settings).warnings
    assert [w for w in warned if w.startswith("LABELS: the mineralised points lie in only 2 places")]
    # review 28: deposits on nodata cells label the ground within POSITIVE_RADIUS; they count when they did
    reaching = PseudoLabelSettings(method="label_spreading", positive_radius=250.0)
    twelve = np.array([[2_050.0 + 100 * i, 2_950.0 - 100 * i] for i in range(12)])
    rows, cols = grid.rowcol(twelve[:, 0], twelve[:, 1])
    holed = features.copy()
    holed[1, rows[2:], cols[2:]] = np.nan
    assert not [w for w in pseudolabel(holed, grid, twelve, settings=reaching).warnings if "only" in w]
    three = twelve[:3]
    holed = features.copy()
    holed[1, rows[:3], cols[:3]] = np.nan  # all three on nodata cells, their neighbours labelled
    (note,) = [w for w in pseudolabel(holed, grid, three, settings=reaching).warnings if "lie in only" in w]
    assert note.startswith("LABELS: the mineralised points lie in only 3 places")
