"""The side pane's step lines wrap instead of being cut: in a narrow pane (a 1024 px window) a
long plain line ("Searched all documents for 'liability cap' → 4 matches (…)") takes two or
three lines, so it can be read whole without hovering. The other columns (tokens, time) stay
on one line.

QTreeView asks the delegate for a row's height without the column's width, so the delegate
works the width out from the header and the row's depth. When the column's width changes the
rows are laid out again, once, after the resize settles.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, QTimer
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTreeView

Index = QModelIndex | QPersistentModelIndex
RELAYOUT_MS = 50  # after a resize: lay the rows out again once it has settled


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
        tree.setWordWrap(True)
        tree.setUniformRowHeights(False)  # a wrapped line is a taller row
        tree.setItemDelegateForColumn(0, self)
        tree.header().sectionResized.connect(self._resized)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        opt = QStyleOptionViewItem(option)
        opt.rect = QRect(0, 0, self.text_width(index), 1)  # valid: wrap to this width
        opt.features |= QStyleOptionViewItem.ViewItemFeature.WrapText
        self.initStyleOption(opt, index)
        style = self.tree.style()
        return style.sizeFromContents(QStyle.ContentsType.CT_ItemViewItem, opt, QSize(), self.tree)

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
        if section == 0 and new != self._width:
            self._width = new
            self._relayout.start()
