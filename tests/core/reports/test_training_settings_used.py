"""The training report says which stored settings acted on the training (sweep 15b).

The demo's report (positive-unlabelled training, traincnn's default) read "Barren cells drawn per positive cell in
each epoch: 1 per positive cell" and "Classes weighted to balance them: yes", yet its own "Iterations" (2,184 over 12
epochs: 182 batches of 64 = its 11,642 training cells each epoch) show that every training cell was visited each
epoch. The reference here is the same count: a positive-unlabelled fit whose cap would bite (far more unlabelled
cells than positives + 2,048) runs epochs x ceil(training cells / batch size) iterations, counted by hand from the
split's cells, not the capped number.
"""

import math
import re

import numpy as np

from geochem_prospector.core.learning.estimator import PatchCNN
from geochem_prospector.core.reports.training import training_report_html


def _setting(page: str, key: str) -> str:
    row = re.search(rf'<code class="key">{key}</code></th><td>([^<]*)</td>', page)
    assert row, key
    return row.group(1)


def test_positive_unlabelled_training_visits_every_cell_and_the_report_says_the_cap_was_not_used():
    rng = np.random.default_rng(5)
    height, width = 100, 100
    bands = rng.normal(size=(2, height, width)).astype(np.float32)
    labels = np.full((height, width), np.nan)
    r, c = rng.integers(0, height, 260), rng.integers(0, width, 260)
    labels[r, c] = 1.0  # about 250 positive cells: 20 unlabelled cells each is ~5,000, far above 250 + 2,048
    batch, epochs = 64, 2
    settings = dict(patch_size=1, epochs=epochs, patience=epochs, batch_size=batch, seed=1, device="cpu")
    settings.update(width=4, hidden=8, ensemble=1, semi_supervised=False, training="pu", barren_ratio=1.0)
    model = PatchCNN(**settings).fit(bands, labels, band_names=["a", "b"])
    metrics = model.metadata_["metrics"]
    train_cells = metrics["split"]["train_cells"]
    positives = int(np.isfinite(labels).sum())
    capped = epochs * math.ceil((positives + 2048) / batch)
    assert train_cells > positives + 2048 + batch  # the cap would have bitten: the two counts differ
    assert metrics["iterations"] == epochs * math.ceil(train_cells / batch) != capped

    page = training_report_html(model.metadata_)
    assert _setting(page, "barren_ratio").startswith("not used: positive-unlabelled training visits every cell")
    assert _setting(page, "class_balanced").startswith("not used: the positive-unlabelled risk weighs")
    assert not _setting(page, "class_prior").startswith("not used")


def test_labelled_cell_training_uses_the_cap_and_has_no_class_prior():
    settings = {"training": "pseudolabels", "barren_ratio": 1.0, "class_balanced": True, "class_prior": 0.0}
    page = training_report_html({"settings": settings, "metrics": {}, "classes": []})
    assert _setting(page, "barren_ratio") == "1 per positive cell"
    assert _setting(page, "class_balanced") == "yes"
    assert _setting(page, "class_prior").startswith("not used: labelled-cell training has no class prior")


def test_a_model_file_without_a_training_mode_reads_as_before():
    """Model files of 0.2 store no 'training' (labelled cells was the only mode): nothing is marked unused."""
    page = training_report_html({"settings": {"barren_ratio": 1.0, "class_balanced": True}, "metrics": {}})
    assert _setting(page, "barren_ratio") == "1 per positive cell" and _setting(page, "class_balanced") == "yes"
