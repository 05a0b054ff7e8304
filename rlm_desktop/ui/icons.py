"""Status icons (running, done, error, cancelled, budget, warning), painted at several sizes
so they stay crisp on high-DPI screens. Colours read on light and dark palettes alike.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

COLORS = {
    "running": "#2d7ff9",
    "done": "#2e9d55",
    "error": "#d64545",
    "cancelled": "#8a8f98",
    "budget": "#d98a1c",
    "warning": "#d98a1c",
}
SIZES = (16, 24, 32, 48)


def _mark(painter: QPainter, status: str, s: float) -> None:
    pen = QPen(QColor("white"), s * 0.12)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if status == "done":
        path = QPainterPath(QPointF(s * 0.30, s * 0.52))
        path.lineTo(s * 0.44, s * 0.66)
        path.lineTo(s * 0.70, s * 0.36)
        painter.drawPath(path)
    elif status == "error":
        painter.drawLine(QPointF(s * 0.35, s * 0.35), QPointF(s * 0.65, s * 0.65))
        painter.drawLine(QPointF(s * 0.65, s * 0.35), QPointF(s * 0.35, s * 0.65))
    elif status == "cancelled":
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("white"))
        painter.drawRoundedRect(QRectF(s * 0.34, s * 0.34, s * 0.32, s * 0.32), s * 0.04, s * 0.04)
    elif status in ("budget", "warning"):
        painter.drawLine(QPointF(s * 0.5, s * 0.28), QPointF(s * 0.5, s * 0.56))
        painter.drawPoint(QPointF(s * 0.5, s * 0.72))
    elif status == "running":
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("white"))
        for i, x in enumerate((0.30, 0.5, 0.70)):
            painter.setOpacity(0.55 + 0.2 * i)
            painter.drawEllipse(QPointF(s * x, s * 0.5), s * 0.075, s * 0.075)


def _pixmap(status: str, size: int) -> QPixmap:
    pixmap = QPixmap(size * 2, size * 2)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = float(size)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(COLORS.get(status, COLORS["cancelled"])))
    painter.drawEllipse(QRectF(s * 0.08, s * 0.08, s * 0.84, s * 0.84))
    _mark(painter, status, s)
    painter.end()
    return pixmap


class StatusIcons:
    """Icons by status name, painted once per instance (create after the QApplication)."""

    def __init__(self) -> None:
        self._icons: dict[str, QIcon] = {}

    def get(self, status: str) -> QIcon:
        icon = self._icons.get(status)
        if icon is None:
            icon = QIcon()
            for size in SIZES:
                icon.addPixmap(_pixmap(status, size))
            self._icons[status] = icon
        return icon


def _app_pixmap(size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = float(size)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#2d5fb8"))
    painter.drawRoundedRect(QRectF(s * 0.04, s * 0.04, s * 0.92, s * 0.92), s * 0.2, s * 0.2)
    pen = QPen(QColor("white"), max(1.0, s * 0.06))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    top, left, right = (
        QPointF(s * 0.5, s * 0.3),
        QPointF(s * 0.3, s * 0.7),
        QPointF(s * 0.7, s * 0.7),
    )
    painter.drawLine(top, left)
    painter.drawLine(top, right)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("white"))
    for point in (top, left, right):
        painter.drawEllipse(point, s * 0.1, s * 0.1)
    painter.end()
    return pixmap


def app_icon() -> QIcon:
    """The window icon: a small call tree on a blue tile."""
    icon = QIcon()
    for size in (16, 32, 64, 128, 256):
        icon.addPixmap(_app_pixmap(size))
    return icon
