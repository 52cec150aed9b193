"""Held-out (leave-deposit-cluster-out) skill on the bundled GTK Central Lapland data.

The full comparison with baselines and bootstrap intervals is scripts/validate_cnn_gtk.py; here only what is
robust is asserted: the CNN and a logistic-regression baseline (scikit-learn, test-only) rank held-out deposits
well above random cells.
"""

import os
import sys

import pytest
import torch

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "scripts"))

pytest.importorskip("sklearn")
if not os.path.exists(os.path.join(REPO, "resources", "sample_data", "deposits.gpkg")):
    pytest.skip("bundled sample data missing", allow_module_level=True)


@pytest.mark.slow
def test_cnn_ranks_held_out_deposits_above_random():
    from validate_cnn_gtk import run_validation

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small convolutions: one thread is fastest and avoids oversubscription
    try:
        results = run_validation(
            feature_sets=("geochemistry+magnetics",),
            methods=("cnn", "logistic"),
            epochs=20,
            ensemble=3,
            log=lambda s: None,
        )
    finally:
        torch.set_num_threads(threads)
    for method in ("cnn", "logistic"):
        mean, low, high = results["geochemistry+magnetics"][method]
        assert low <= mean <= high
        assert mean > 0.6, (method, mean)  # random ranking gives 0.5
