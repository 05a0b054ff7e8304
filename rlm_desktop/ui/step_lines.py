"""The side pane's step lines wrap instead of being cut: in a narrow pane (a 1024 px window) a
long plain line ("Searched all documents for 'liability cap' → 4 matches (…)") takes two or
three lines, so it can be read whole without hovering. The other columns (tokens, time) stay
on one line.

QTreeView asks the delegate for a row's height without the column's width, so the delegate
works the width out from the header and the row's depth. When the column's width changes the
rows are laid out again, once, after the resize settles.

Rows of differing heights make every layout ask each row (and each column) for its height,
through Python: while a run adds rows several times a second that cost 50–80 ms a layout
(`bench ui`), and a tree of thousands of steps takes a fifth longer to open. So lines wrap
while no run is going and the tree has at most WRAP_MAX_NODES steps (`set_wrapping`); during a
run they are cut as before (the whole line is in the tooltip and the details' header).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QTimer
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QTreeView

Index = QModelIndex | QPersistentModelIndex
RELAYOUT_MS = 50  # after a resize: lay the rows out again once it has settled
WORD_WRAP = int(Qt.TextFlag.TextWordWrap)
SPARE_PX = 16  # margins around the text, as the style draws it
WRAP_MAX_NODES = 2000  # larger trees keep one line a row (uniform rows lay out at once)
HEIGHTS_KEPT = 20_000  # wrapped heights remembered by (text, width): each layout asks again


class OneLine(QStyledItemDelegate):
    """The tokens and time columns: always one line, the height asked of no one (the default
    delegate reads about ten roles of each cell to answer, through Python, for every row)."""

    def __init__(self, steps: WrappedSteps) -> None:
        super().__init__(steps)
        self.steps = steps

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        if self.steps.one_line is None:
            return super().sizeHint(option, index)
        return QSize(option.rect.width(), self.steps.one_line.height())


class WrappedSteps(QStyledItemDelegate):
    """Wraps the first column's text to the column's width; taller rows where needed."""

    def __init__(self, tree: QTreeView) -> None:
        super().__init__(tree)
        self.tree = tree
        self._relayout = QTimer(self)
        self._relayout.setSingleShot(True)
        self._relayout.setInterval(RELAYOUT_MS)
        self._relayout.timeout.connect(tree.doItemsLayout)
        self._width = -1
        self.wrapping = False
        self.one_line: QSize | None = None  # a row's height with one line of text
        self._heights: dict[tuple[str, int], QSize] = {}
        tree.setItemDelegateForColumn(0, self)
        self.others = OneLine(self)
        for column in range(1, tree.model().columnCount()):
            tree.setItemDelegateForColumn(column, self.others)
        tree.header().sectionResized.connect(self._resized)
        self.set_wrapping(True)

    def set_wrapping(self, on: bool) -> None:
        """Wrap long lines into taller rows (on), or one line a row, all rows alike (off)."""
        if on == self.wrapping:
            return
        self.wrapping, self.one_line = on, None
        self._heights.clear()
        self.tree.setWordWrap(on)
        self.tree.setUniformRowHeights(not on)  # a wrapped line is a taller row
        self.tree.doItemsLayout()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        if not self.wrapping:
            return super().sizeHint(option, index)
        width = self.text_width(index)
        if self.one_line is None:
            self.one_line = super().sizeHint(option, index)
        text = index.data()
        if not isinstance(text, str):
            return QSize(width, self.one_line.height())
        known = self._heights.get((text, width))
        if known is None:
            if len(self._heights) >= HEIGHTS_KEPT:
                self._heights.clear()
            line = self.one_line.height()
            known = self._heights[(text, width)] = self._height(text, width, line)
        return known

    def _height(self, text: str, width: int, line: int) -> QSize:
        """A row's size for `text` wrapped to `width`, one line being `line` pixels high."""
        room = width - line - SPARE_PX  # the icon is about a line high
        metrics = self.tree.fontMetrics()
        if metrics.horizontalAdvance(text) <= room:
            return QSize(width, line)  # fits on one line: no layout
        # one text layout (the style's own sizing reads ten roles per row through Python)
        wrapped = metrics.boundingRect(QRect(0, 0, room, 1 << 20), WORD_WRAP, text).height()
        return QSize(width, max(line, wrapped + line - metrics.height()))

    def text_width(self, index: Index) -> int:
        """The first column's width left for this row's icon and text."""
        depth = 0
        parent = index.parent()
        while parent.isValid():
            depth += 1
            parent = parent.parent()
        indent = self.tree.indentation() * (depth + int(self.tree.rootIsDecorated()))
        return max(self.tree.header().sectionSize(0) - indent, 40)

    def _resized(self, section: int, old: int, new: int) -> None:
        if section == 0 and new != self._width and self.wrapping:
            self._width = new
            self._relayout.start()
