"""The training monitor parses the CNN's per-epoch log lines and draws them."""

import math

import pytest
from qgis.PyQt.QtGui import QColor

from geochem_prospector.ui.training_monitor import TrainingChart, parse_epoch_line


def test_parse_full_line():
    record = parse_epoch_line("Epoch 3/40 train_loss=0.512 val_loss=0.601 train_acc=0.78 val_acc=0.71")
    assert (record.epoch, record.total) == (3, 40)
    assert (record.train_loss, record.val_loss, record.train_acc, record.val_acc) == (0.512, 0.601, 0.78, 0.71)


def test_the_trainers_own_lines_are_read_with_and_without_accuracy():
    """The core trainer's lines as it writes them (epoch_line): labelled training gives loss and accuracy; under
    positive-unlabelled training there is no accuracy to chart, and the first epoch's note reads as no number."""
    from geochem_prospector.core.learning.training import epoch_line

    record = {"epoch": 1, "iteration": 30, "train_loss": 0.5049, "val_loss": 0.2685}
    parsed = parse_epoch_line(epoch_line({**record, "train_accuracy": 0.781, "val_accuracy": 0.712}, 8, False))
    assert (parsed.epoch, parsed.total, parsed.train_acc, parsed.val_acc) == (1, 8, 0.781, 0.712)
    parsed = parse_epoch_line(epoch_line(record, 8, True))
    assert (parsed.train_loss, parsed.val_loss) == (0.5049, 0.2685)
    assert (parsed.train_acc, parsed.val_acc) == (None, None)


@pytest.mark.parametrize(
    "line, epoch, total, values",
    [
        ("INFO: Epoch 12 / 600  val_acc=85.5%  train_loss=1e-3", 12, 600, {"val_acc": 0.855, "train_loss": 0.001}),
        ("epoch 2 train_loss: 0.9 train_acc: 64", 2, None, {"train_loss": 0.9, "train_acc": 0.64}),
        ("Epoch 5/10 train_loss=nan val_loss=0.4", 5, 10, {"val_loss": 0.4, "train_loss": None}),
        (  # the wording of core/cnn.py's training log
            "epoch 3/60 (iteration 12): train loss 0.5123 acc 0.781 | validation loss 0.6010 acc 0.712",
            3,
            60,
            {"train_loss": 0.5123, "train_acc": 0.781, "val_loss": 0.601, "val_acc": 0.712},
        ),
        ("Epoch 7/9 training_accuracy=0.5 interval 3 validation_loss: 2", 7, 9, {"train_acc": 0.5, "val_loss": 2.0}),
    ],
)
def test_parse_variants(line, epoch, total, values):
    record = parse_epoch_line(line)
    assert (record.epoch, record.total) == (epoch, total)
    for key, value in values.items():
        assert getattr(record, key) == (pytest.approx(value) if value is not None else None)


@pytest.mark.parametrize(
    "line", ["Reading 1112 samples", "Epoch 3/40 starting", "", "train_loss=0.5", "epoch 2/5 loss 0.3"]
)
def test_other_lines_are_ignored(line):
    assert parse_epoch_line(line) is None


def test_feed_text_handles_partial_lines_and_restarts(qgis_app):
    chart = TrainingChart()
    added = chart.feed_text("Model: 3 conv layers\nEpoch 1/3 train_loss=0.9 val_loss=1.0\nEpoch 2/3 train_lo")
    assert added == 1 and [r.epoch for r in chart.records] == [1]
    assert chart.feed_text("ss=0.7 val_loss=0.8 train_acc=0.6 val_acc=0.55\n") == 1
    assert [r.epoch for r in chart.records] == [1, 2] and chart.total_epochs == 3
    assert chart.records[1].train_loss == 0.7
    chart.add_epoch(2, 0.65, 0.75)  # the same epoch again replaces it
    assert [r.train_loss for r in chart.records] == [0.9, 0.65]
    chart.feed_line("Epoch 1/5 train_loss=2.0")  # a new run starts over
    assert [r.epoch for r in chart.records] == [1] and chart.total_epochs == 5


def _count(image, colour, tolerance=40):
    count = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            c = QColor(image.pixel(x, y))
            if (
                abs(c.red() - colour.red()) + abs(c.green() - colour.green()) + abs(c.blue() - colour.blue())
                < tolerance
            ):
                count += 1
    return count


def test_chart_draws_both_curves_in_their_panels(qgis_app):
    chart = TrainingChart()
    chart.resize(400, 300)
    empty = chart.grab().toImage()
    assert _count(empty, TrainingChart.COLOURS["train"]) == 0
    for epoch in range(1, 11):
        chart.add_epoch(epoch, train_loss=1.0 / epoch, val_loss=1.2 / epoch, train_acc=0.5 + epoch / 25)
    image = chart.grab().toImage()
    top = image.copy(0, 0, 400, 150)
    bottom = image.copy(0, 150, 400, 150)
    # training curves in both panels; validation only where there is a validation value (loss, top)
    assert _count(top, TrainingChart.COLOURS["train"]) > 20
    assert _count(bottom, TrainingChart.COLOURS["train"]) > 20
    assert _count(top, TrainingChart.COLOURS["val"]) > 10
    assert _count(bottom.copy(0, 25, 400, 125), TrainingChart.COLOURS["val"]) == 0


def test_a_log_without_accuracy_gives_the_loss_the_room_and_says_why(qgis_app):
    """Positive-unlabelled training logs no accuracy (core.learning.training.epoch_line): the accuracy panel stood
    empty. The loss now takes the chart, its training curve reaching into the lower half, and a line says why."""
    from geochem_prospector.core.learning.training import epoch_line

    chart = TrainingChart()
    chart.resize(400, 300)
    for epoch in range(1, 11):
        record = {"epoch": epoch, "iteration": 5 * epoch, "train_loss": 1.0 / epoch, "val_loss": 1.2 / epoch}
        chart.feed_line(epoch_line(record, 10, True))
    assert len(chart.records) == 10 and not chart.series("train_acc")
    image = chart.grab().toImage()
    # the training loss falls from 1.0 to 0.1 over the whole height: below the half where the accuracy panel
    # began (under its legend's line, where its empty plot was: no training colour there before)
    assert _count(image.copy(0, 170, 400, 80), TrainingChart.COLOURS["train"]) > 20
    assert _count(image.copy(0, 0, 400, 150), TrainingChart.COLOURS["train"]) > 10


@pytest.mark.parametrize("highest", [0.65, 0.0173, 3.7, 140.0])
def test_loss_axis_ends_on_a_round_tick(qgis_app, highest):
    """Sweep 24c: the loss axis was labelled 0.171, 0.341, 0.512, 0.683 (quarters of 1.05 times the highest loss).
    Its ticks are now round steps (1, 2, 2.5 or 5 times a power of ten, as a person would mark an axis), from 0 to
    the first tick at or above the highest loss; accuracy stays in quarters of 0-100 %."""
    chart = TrainingChart()
    for epoch in range(1, 6):
        chart.add_epoch(epoch, train_loss=highest / epoch, val_loss=0.9 * highest, train_acc=0.5)
    low, high, ticks = chart.value_axis("loss", None)
    steps = {round(b - a, 12) for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1 and 3 <= len(ticks) <= 6
    step = steps.pop()
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m) for m in (1, 2, 2.5, 5))
    assert low == ticks[0] == 0.0 and math.isclose(high, ticks[-1]) and highest <= high < highest + step
    assert all(math.isclose(t / step, round(t / step)) for t in ticks)
    assert chart.value_axis("acc", (0.0, 1.0)) == (0.0, 1.0, [0.0, 0.25, 0.5, 0.75, 1.0])


@pytest.mark.parametrize("loss", [1e309, float("nan"), 5e-324, 1e-200])
def test_loss_axis_of_an_overflowed_or_vanishing_loss_still_draws(qgis_app, loss):
    """Review of sweep 24c: an infinite loss (1e309) or a denormal one raised inside paintEvent."""
    chart = TrainingChart()
    chart.resize(300, 200)
    chart.add_epoch(1, train_loss=loss, val_loss=loss, train_acc=0.5)
    low, high, ticks = chart.value_axis("loss", None)
    assert math.isfinite(low) and math.isfinite(high) and high > low and len(ticks) >= 2
    assert chart.grab().width() == 300
