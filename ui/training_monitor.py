"""Live chart of training / validation loss and accuracy per epoch (QPainter, no matplotlib).

The CNN training algorithm reports one line per epoch through its feedback, e.g.::

    Epoch 3/40 train_loss=0.512 val_loss=0.601 train_acc=0.78 val_acc=0.71

Keys may come in any order and any may be missing; accuracies are fractions (0-1) or percentages
(``val_acc=71.5%``). The core trainer's own wording is read too:
``epoch 3/40 (iteration 12): train loss 0.5123 acc 0.781 | validation loss 0.6010 acc 0.712``. :func:`parse_epoch_line`
reads such a line; :class:`TrainingChart` draws them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from qgis.PyQt.QtCore import QPointF, QRectF, QSize, Qt
from qgis.PyQt.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from qgis.PyQt.QtWidgets import QSizePolicy, QWidget

from ..common import tr
from ..core.reports.svgplot import nice_ticks

EPOCH_RE = re.compile(r"\bEpoch\s+(\d+)\s*(?:/\s*(\d+))?", re.IGNORECASE)
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan"
# "train_loss=0.5", "val_acc: 71%", "train loss 0.51 acc 0.78 | validation loss 0.60 acc 0.71" (a bare
# "loss"/"acc" belongs to the last "train"/"validation" before it)
TOKEN_RE = re.compile(
    r"(?<![A-Za-z])(?P<who>train(?:ing)?|val(?:idation)?)(?:[ _]+|(?=loss|acc))"
    rf"|(?<![A-Za-z])(?P<what>loss|acc(?:uracy)?)\s*[=:]?\s*(?P<num>{NUMBER})(?P<pct>%?)",
    re.IGNORECASE,
)
METRICS = ("train_loss", "val_loss", "train_acc", "val_acc")
#: what the chart says in place of the accuracy panel when the log gives no accuracy
NO_ACCURACY = (
    "No accuracy in this log: positive-unlabelled training gives none, as it would count unlabelled cells as barren."
)


@dataclass
class EpochRecord:
    """One epoch's metrics; None where the log did not give one."""

    epoch: int
    total: Optional[int] = None
    train_loss: Optional[float] = None
    val_loss: Optional[float] = None
    train_acc: Optional[float] = None
    val_acc: Optional[float] = None


def parse_epoch_line(line: str) -> Optional[EpochRecord]:
    """``Epoch N/M train_loss=.. val_loss=.. train_acc=.. val_acc=..`` -> EpochRecord; None for other lines."""
    match = EPOCH_RE.search(line or "")
    if not match:
        return None
    values: Dict[str, Optional[float]] = {}
    who = None
    for token in TOKEN_RE.finditer(line[match.end() :]):
        if token.group("who"):
            who = "train" if token.group("who").lower().startswith("train") else "val"
            continue
        value = float(token.group("num"))
        if who is None or math.isnan(value):
            continue
        kind = "loss" if token.group("what").lower() == "loss" else "acc"
        if kind == "acc" and (token.group("pct") or value > 1.0):
            value /= 100.0
        values[f"{who}_{kind}"] = value
    if not values:
        return None
    total = int(match.group(2)) if match.group(2) else None
    return EpochRecord(int(match.group(1)), total, **values)


class TrainingChart(QWidget):
    """Two stacked panels: loss (top) and accuracy (bottom), training solid, validation dashed."""

    COLOURS = {"train": QColor(31, 119, 180), "val": QColor(230, 120, 20)}

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.records: List[EpochRecord] = []
        self.total_epochs: Optional[int] = None
        self.setMinimumHeight(180)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self._pending = ""

    @staticmethod
    def tr(text: str) -> str:
        return tr(text)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API name)
        return QSize(320, 240)

    # ---- API ---------------------------------------------------------------------------------

    def clear(self) -> None:
        self.records = []
        self.total_epochs = None
        self._pending = ""
        self.update()

    def add_epoch(
        self,
        epoch: int,
        train_loss: Optional[float] = None,
        val_loss: Optional[float] = None,
        train_acc: Optional[float] = None,
        val_acc: Optional[float] = None,
        total: Optional[int] = None,
    ) -> None:
        """Add (or replace) one epoch's metrics and repaint."""
        record = EpochRecord(int(epoch), total, train_loss, val_loss, train_acc, val_acc)
        self.add_record(record)

    def add_record(self, record: EpochRecord) -> None:
        if record.epoch == 1 and any(r.epoch > 1 for r in self.records):
            self.records = []  # a new training run restarts at epoch 1: start a fresh chart
            self.total_epochs = None
        self.records = [r for r in self.records if r.epoch != record.epoch] + [record]
        self.records.sort(key=lambda r: r.epoch)
        if record.total:
            self.total_epochs = record.total
        self.update()

    def feed_text(self, text: str) -> int:
        """Parse log text (may hold several lines, the last maybe unfinished); returns epochs added."""
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        return sum(self.feed_line(line) for line in lines)

    def feed_line(self, line: str) -> bool:
        record = parse_epoch_line(line)
        if record is None:
            return False
        self.add_record(record)
        return True

    def series(self, key: str) -> List[QPointF]:
        return [QPointF(r.epoch, getattr(r, key)) for r in self.records if getattr(r, key) is not None]

    # ---- painting ------------------------------------------------------------------------------

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API name)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        painter.setFont(font)
        height = self.height()
        half = height / 2.0
        top = QRectF(0, 0, self.width(), half)
        bottom = QRectF(0, half, self.width(), height - half)
        if not self.records:
            painter.setPen(self.palette().text().color())
            painter.drawText(
                QRectF(self.rect()),
                Qt.AlignCenter | Qt.TextWordWrap,
                self.tr("Loss and accuracy per epoch appear here while Train CNN runs."),
            )
            painter.end()
            return
        if self.series("train_acc") or self.series("val_acc"):
            self._draw_panel(painter, top, self.tr("Loss"), "loss", None)
            self._draw_panel(painter, bottom, self.tr("Accuracy"), "acc", (0.0, 1.0))
        else:  # positive-unlabelled training logs none: the loss takes the room, and a line says why
            note_height = 2.5 * painter.fontMetrics().height()
            self._draw_panel(painter, QRectF(0, 0, self.width(), height - note_height), self.tr("Loss"), "loss", None)
            painter.setPen(self.palette().text().color())
            painter.drawText(
                QRectF(0, height - note_height, self.width(), note_height),
                Qt.AlignCenter | Qt.TextWordWrap,
                self.tr(NO_ACCURACY),
            )
        painter.end()

    def value_axis(self, kind: str, fixed: Optional[Tuple[float, float]]) -> Tuple[float, float, List[float]]:
        """(low, high, ticks) of a panel's value axis: ``fixed`` in quarters (accuracy, 0-100 %), else from 0 (or
        the lowest value) up to the first round tick at or above the highest value of ``kind``'s curves."""
        if fixed is not None:
            low, high = fixed
            return low, high, [low + (high - low) * i / 4 for i in range(5)]
        values = [v for key in (f"train_{kind}", f"val_{kind}") for v in (p.y() for p in self.series(key))]
        values = [v for v in values if math.isfinite(v) and abs(v) < 1e300]  # an overflowed loss: no scale to draw
        low, high = (min(values), max(values)) if values else (0.0, 1.0)
        low = min(0.0, low)
        if not high - low > 1e-12 * max(1.0, abs(high)):  # one value, or a span too small to mark (5e-324)
            high = low + 1.0
        ticks = nice_ticks(low, high, 4)
        step = ticks[1] - ticks[0] if len(ticks) > 1 else high - low
        top = math.ceil(high / step - 1e-9) * step  # the axis ends on a tick, not at 0.683 for a loss of 0.65
        return low, top, nice_ticks(low, top, 4)

    def _draw_panel(self, painter: QPainter, area: QRectF, title: str, kind: str, fixed) -> None:
        metrics = painter.fontMetrics()
        left, right, top, bottom = metrics.horizontalAdvance("0.000") + 10, 10, metrics.height() + 6, 20
        plot = QRectF(area.left() + left, area.top() + top, area.width() - left - right, area.height() - top - bottom)
        if plot.width() < 20 or plot.height() < 20:
            return
        text_colour = self.palette().text().color()
        grid_colour = QColor(text_colour)
        grid_colour.setAlpha(40)

        last_epoch = max([r.epoch for r in self.records] + [self.total_epochs or 0, 2])
        x_min, x_max = 1.0, float(last_epoch)
        y_min, y_max, y_ticks = self.value_axis(kind, fixed)

        def to_screen(x: float, y: float) -> QPointF:
            fx = (x - x_min) / (x_max - x_min) if x_max > x_min else 0.0
            fy = (y - y_min) / (y_max - y_min)
            return QPointF(plot.left() + fx * plot.width(), plot.bottom() - fy * plot.height())

        # title and legend
        painter.setPen(text_colour)
        painter.drawText(QPointF(plot.left(), area.top() + metrics.ascent() + 2), title)
        legend_x = plot.right()
        for name, label, style in (
            ("val", self.tr("validation"), Qt.DashLine),
            ("train", self.tr("training"), Qt.SolidLine),
        ):
            width = metrics.horizontalAdvance(label)
            legend_x -= width
            painter.setPen(text_colour)
            painter.drawText(QPointF(legend_x, area.top() + metrics.ascent() + 2), label)
            legend_x -= 22
            y = area.top() + metrics.height() / 2 + 2
            painter.setPen(QPen(self.COLOURS[name], 2, style))
            painter.drawLine(QPointF(legend_x, y), QPointF(legend_x + 18, y))
            legend_x -= 10

        # grid and ticks
        for y_value in y_ticks:
            point = to_screen(x_min, y_value)
            painter.setPen(QPen(grid_colour, 1))
            painter.drawLine(QPointF(plot.left(), point.y()), QPointF(plot.right(), point.y()))
            painter.setPen(text_colour)
            label = f"{y_value:.0%}" if fixed is not None else f"{y_value:g}"
            painter.drawText(
                QRectF(area.left(), point.y() - metrics.height() / 2, left - 4, metrics.height()),
                Qt.AlignRight | Qt.AlignVCenter,
                label,
            )
        step = max(1, int(math.ceil((x_max - x_min) / 8)))
        epoch = 1
        while epoch <= x_max:
            point = to_screen(epoch, y_min)
            painter.setPen(QPen(grid_colour, 1))
            painter.drawLine(QPointF(point.x(), plot.top()), QPointF(point.x(), plot.bottom()))
            painter.setPen(text_colour)
            painter.drawText(QRectF(point.x() - 20, plot.bottom() + 2, 40, bottom - 2), Qt.AlignHCenter, str(epoch))
            epoch += step
        painter.setPen(QPen(text_colour, 1))
        painter.drawRect(plot)

        for name, style in (("train", Qt.SolidLine), ("val", Qt.DashLine)):
            points = self.series(f"{name}_{kind}")
            if not points:
                continue
            path = QPainterPath(to_screen(points[0].x(), points[0].y()))
            for p in points[1:]:
                path.lineTo(to_screen(p.x(), p.y()))
            painter.setPen(QPen(self.COLOURS[name], 2, style))
            painter.drawPath(path)
            painter.setBrush(self.COLOURS[name])
            last = to_screen(points[-1].x(), points[-1].y())
            painter.drawEllipse(last, 2.5, 2.5)
            painter.setBrush(Qt.NoBrush)
