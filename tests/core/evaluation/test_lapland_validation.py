"""Held-out (leave-deposit-cluster-out) skill on the bundled GTK Central Lapland data, through
scripts/validate_lapland.py (the core of prospector:comparemodels); here only what is robust is asserted: the CNN
and logistic regression rank held-out deposits well above random cells. And the paired difference that the
comparison reports resamples both learners' scores of a deposit together."""

import os
import sys

import numpy as np
import pytest

from geochem_prospector.core.evaluation.compare import paired
from tests.conftest import REPO

sys.path.insert(0, os.path.join(REPO, "scripts"))

HAS_SAMPLES = os.path.exists(os.path.join(REPO, "resources", "sample_data", "deposits.gpkg"))


@pytest.mark.slow
@pytest.mark.skipif(not HAS_SAMPLES, reason="bundled sample data missing")
def test_cnn_ranks_held_out_lapland_deposits_above_random():
    pytest.importorskip("sklearn")
    torch = pytest.importorskip("torch")
    from validate_lapland import run

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small convolutions: one thread is fastest and avoids oversubscription
    try:
        saved = run(
            "geochemistry+magnetics", epochs=20, ensemble=3, learners=("logistic",), modes=("cnn",), iterations=200,
            log=lambda s: None,
        )  # fmt: skip
    finally:
        torch.set_num_threads(threads)
    for name in ("cnn", "logistic"):
        row = saved["summary"][name]
        assert row["auc_low"] <= row["auc"] <= row["auc_high"]
        assert row["auc"] > 0.6, (name, row["auc"])  # random ranking gives 0.5


def test_paired_difference_resamples_deposits_in_pairs():
    rng = np.random.default_rng(3)
    b = rng.uniform(0.2, 0.9, 17)  # deposits differ a lot from one another ...
    a = b + 0.05 + rng.normal(0, 0.005, 17)  # ... but learner a beats b by about 0.05 on every one
    a[2], b[5] = np.nan, np.nan  # a deposit one learner could not score drops out of the pair
    both = np.isfinite(a) & np.isfinite(b)
    groups = np.arange(17)
    mean, low, high = paired(a, b, groups, 2000, 0)
    assert mean == pytest.approx(np.mean(a[both] - b[both]))  # hand: the mean paired difference
    assert 0.04 < low < mean < high < 0.06
    # resampling each learner alone hides the gap in the deposits' spread
    zero = np.zeros(17)
    a_alone, b_alone = paired(a, zero, groups, 2000, 0), paired(b, zero, groups, 2000, 0)
    assert a_alone[1] - b_alone[2] < 0 < low


@pytest.mark.skipif(not HAS_SAMPLES, reason="bundled sample data missing")
def test_the_geology_evidence_set_holds_shapelys_distances_and_classes_at_cell_centres():
    gpd = pytest.importorskip("geopandas")
    from lapland import SAMPLES, load_gtk
    from shapely.geometry import Point
    from validate_lapland import evidence

    data = load_gtk(2000.0)  # coarse cells: the check is about the wiring, not the resolution
    bands, valid, names = evidence(data, "magnetics+geology")
    assert names[0] == "magnetics" and names[1] == "faults:distance_m" and names[-1] == "lithology:contact_distance_m"
    assert bands.shape[0] == len(names) and not np.isnan(bands[:, valid]).any()
    assert np.isnan(bands[:, ~data["mask"]]).all()
    grid = data["grid"]
    faults = gpd.read_file(os.path.join(SAMPLES, "faults.gpkg")).to_crs(grid.crs_wkt).geometry
    lithology = gpd.read_file(os.path.join(SAMPLES, "lithology.gpkg")).to_crs(grid.crs_wkt)
    rows, cols = np.nonzero(valid)
    pick = np.random.default_rng(0).choice(len(rows), 40, replace=False)
    for r, c in zip(rows[pick], cols[pick]):
        centre = Point(grid.xmin + (c + 0.5) * grid.pixel_size, grid.ymax - (r + 0.5) * grid.pixel_size)
        assert bands[1, r, c] == pytest.approx(faults.distance(centre).min(), rel=1e-4, abs=0.5)
        holding = lithology[lithology.contains(centre)]["GENERALI_1"].tolist()
        classes = [n.split(":", 1)[1] for n, v in zip(names, bands[:, r, c]) if n.startswith("lithology:") and v == 1]
        assert classes == holding[-1:], (r, c, classes, holding)  # the later polygon wins where two overlap
