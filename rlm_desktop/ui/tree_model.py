"""`RunTreeModel`: a QAbstractItemModel that owns the run's `RunTree`, updated incrementally.

`apply(events)` applies a batch of engine events to its tree (within a time budget) and emits
the row changes itself: new nodes become rows with one beginInsertRows per parent and batch,
changed nodes one dataChanged each (napari's evented item models work the same way). Running
nodes' times tick through `tick()`. Rows are only ever appended within a run, so a node's row
is its place among its parent's children; a new run is one reset. Everything else reads the
tree through the model: `get`, `root_id`, `walk`, `node_count`, `node(index)`.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from rlm_desktop.engine.events import Event
from rlm_desktop.engine.narrate import narrate
from rlm_desktop.engine.summary import found_so_far, summarize
from rlm_desktop.engine.tree import RUNNING, RunTree, TreeNode
from rlm_desktop.ui.format import duration, tokens
from rlm_desktop.ui.icons import StatusIcons

NODE_ID_ROLE = int(Qt.ItemDataRole.UserRole) + 1
DISPLAY, DECORATION = int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.DecorationRole)
ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
ROLES = frozenset(
    {
        DISPLAY,
        DECORATION,
        ALIGNMENT,
        NODE_ID_ROLE,
        int(Qt.ItemDataRole.ToolTipRole),
        int(Qt.ItemDataRole.AccessibleTextRole),
    }
)
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
STATUS_WORDS = {
    "running": "running",
    "done": "done",
    "error": "stopped with an error",
    "cancelled": "stopped by the user",
    "budget": "out of budget",
    "interrupted": "interrupted: the app stopped first",
}
Index = QModelIndex | QPersistentModelIndex
NO_PARENT = QModelIndex()
KINDS_TOLD = ("cell", "subcall")  # kinds whose change also changes their parent's line


@dataclass
class Applied:
    """What one `apply` did."""

    steps: list[tuple[Event, TreeNode | None]] = field(default_factory=list)  # event, its node
    added: list[str] = field(default_factory=list)  # ids of new rows, in order
    changed: set[str] = field(default_factory=set)  # ids of nodes whose content changed
    line: str | None = None  # the newest plain-language progress line


class RunTreeModel(QAbstractItemModel):
    COLUMNS = ("Step", "Tokens", "Time")

    def __init__(self, icons: StatusIcons, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.icons = icons
        self._tree = RunTree()
        self._ids: list[str] = [""]  # internal id (int) → node id; 0 is never used
        self._num: dict[str, int] = {}
        self._row: dict[str, int] = {}
        self._shown: dict[str, int] = {}  # node id → children published as rows
        self._top = 0
        self._running: set[str] = set()  # rows whose clock may still be running
        self.plain = True  # plain-language lines; False: the technical labels ("Code 1: …")
        self._names: list[str] = []  # the documents' names, for the plain lines
        self._lines: dict[str, str] = {}  # node id → its plain line (dropped when it changes)

    def set_plain(self, plain: bool) -> None:
        """View ▸ Show code steps off (plain lines) or on (the technical labels)."""
        if plain != self.plain:
            self.plain = plain
            self._touch(set(self._num))

    def label(self, node: TreeNode) -> str:
        """The line the tree shows for `node`: what it did in words, or its technical label."""
        if not self.plain:
            return node.label
        line = self._lines.get(node.id)
        if line is None:
            line = self._lines[node.id] = summarize(node, self._tree, self._names)
        return line

    # --- updates (GUI thread, from the run controller) ----------------------------------------
    def reset(self, names: list[str] | None = None) -> None:
        self.beginResetModel()
        self._tree = RunTree()
        self._names, self._lines = list(names or []), {}
        self._ids, self._num, self._row, self._shown, self._top = [""], {}, {}, {}, 0
        self._running = set()
        self.endResetModel()

    def load(self, tree: RunTree) -> None:
        """Show a whole tree at once (an earlier question's, one from the history or an
        imported trace): one reset, every node a row. The model owns `tree` from now on."""
        self.beginResetModel()
        self._tree = tree
        self._ids, self._num, self._row, self._shown = [""], {}, {}, {}
        self._top, self._running = 0, set()
        root = tree.root
        if root is not None:
            self._register(root.id, 0)
            self._top = 1
            for node in tree.walk():
                for row, child in enumerate(node.children):
                    self._register(child, row)
                self._shown[node.id] = len(node.children)
        self._running = {n for n in self._running if tree.nodes[n].status == RUNNING}
        self.endResetModel()

    @property
    def tree(self) -> RunTree:
        """The tree shown (read it, never change it: `apply` does)."""
        return self._tree

    def apply(
        self, events: deque[Event], budget_s: float = float("inf"), rows: bool = True
    ) -> Applied:
        """Apply events from the front of `events` (taking them off it) until it is empty or
        `budget_s` has passed, then insert the new rows (unless `rows` is False: they wait for
        a later call) and signal the changed ones that are rows."""
        applied = Applied()
        tree, deadline = self._tree, time.perf_counter() + budget_s
        while events and time.perf_counter() < deadline:
            event = events.popleft()
            node = tree.apply(event)
            if node is not None:
                applied.changed.add(node.id)
            applied.steps.append((event, node))
            applied.line = narrate(event, tree) or applied.line
        applied.changed |= tree.closed  # steps a stop or a failure closed have changed too
        tree.closed.clear()
        applied.added = self._publish() if rows else []
        for node_id in list(applied.changed):  # a step's line also tells its parent's
            node = tree.nodes.get(node_id)
            self._lines.pop(node_id, None)
            if node is not None and node.parent_id in tree.nodes and node.kind in KINDS_TOLD:
                self._lines.pop(node.parent_id, None)
                applied.changed.add(node.parent_id)
        self._touch(applied.changed)
        return applied

    def publish_rows(self) -> list[str]:
        """Make every step applied so far a row now (the end of a run, a user's jump)."""
        return self.apply(deque()).added

    def _publish(self) -> list[str]:
        """Turn nodes added to the tree since the last call into rows; returns their ids."""
        added: list[str] = []
        root = self._tree.root
        if root is None:
            return added
        if self._top == 0:
            self.beginInsertRows(QModelIndex(), 0, 0)
            self._register(root.id, 0)
            self._top = 1
            self.endInsertRows()
            added.append(root.id)
        stack = [root.id]
        while stack:  # parents before children, so each parent is a row before its rows
            node = self._tree.nodes[stack.pop()]
            shown = self._shown.get(node.id, 0)
            if len(node.children) > shown:
                first, last = shown, len(node.children) - 1
                self.beginInsertRows(self.index_of(node.id), first, last)
                for row in range(first, last + 1):
                    self._register(node.children[row], row)
                self._shown[node.id] = last + 1
                self.endInsertRows()
                added.extend(node.children[first:])
            stack.extend(c for c in node.children if self._tree.nodes[c].children)
        return added

    def _register(self, node_id: str, row: int) -> None:
        self._running.add(node_id)
        self._num[node_id] = len(self._ids)
        self._ids.append(node_id)
        self._row[node_id] = row

    def _touch(self, node_ids: set[str]) -> None:
        """dataChanged for the nodes that changed and are already rows."""
        last = len(self.COLUMNS) - 1
        for node_id in node_ids:
            if node_id in self._num:
                row = self._row[node_id]
                num = self._num[node_id]
                self.dataChanged.emit(
                    self.createIndex(row, 0, num), self.createIndex(row, last, num)
                )

    def tick(self) -> None:
        """Refresh the time of running nodes (their clock moves without events)."""
        col = self.COLUMNS.index("Time")
        nodes = self._tree.nodes
        for node_id in [n for n in self._running if nodes[n].status == RUNNING]:
            index = self.createIndex(self._row[node_id], col, self._num[node_id])
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole])
        self._running = {n for n in self._running if nodes[n].status == RUNNING}

    # --- reading the tree -----------------------------------------------------------------------
    @property
    def root_id(self) -> str | None:
        return self._tree.root_id

    def get(self, node_id: str) -> TreeNode | None:
        return self._tree.nodes.get(node_id)

    def walk(self) -> Iterator[TreeNode]:
        """Every node, depth first from the root (also those not yet rows)."""
        return self._tree.walk()

    def found_so_far(self) -> str:
        """What the run had found when it stopped (Markdown lines), "" if nothing."""
        return found_so_far(self._tree, self._names)

    def node_count(self) -> int:
        return len(self._tree.nodes)

    def index_of(self, node_id: str, column: int = 0) -> QModelIndex:
        num = self._num.get(node_id)
        return QModelIndex() if num is None else self.createIndex(self._row[node_id], column, num)

    def node(self, index: Index) -> TreeNode | None:
        if not index.isValid():
            return None
        return self._tree.nodes.get(self._ids[index.internalId()])

    # --- QAbstractItemModel ---------------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = NO_PARENT) -> QModelIndex:
        if parent.isValid():
            node = self.node(parent)
            if node is None or not 0 <= row < self._shown.get(node.id, 0):
                return QModelIndex()
            child = node.children[row]
        elif row == 0 and self._top and self._tree.root_id:
            child = self._tree.root_id
        else:
            return QModelIndex()
        return self.createIndex(row, column, self._num[child])

    def parent(self, index: Index = NO_PARENT) -> QModelIndex:  # type: ignore[override]
        node = self.node(index)
        if node is None or node.parent_id is None or node.parent_id not in self._num:
            return QModelIndex()
        return self.index_of(node.parent_id)

    def rowCount(self, parent: Index = NO_PARENT) -> int:
        if parent.column() > 0:
            return 0
        if not parent.isValid():
            return self._top
        node = self.node(parent)
        return self._shown.get(node.id, 0) if node else 0

    def columnCount(self, parent: Index = NO_PARENT) -> int:
        return len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = DISPLAY) -> object:
        # Called for every visible cell and role on each repaint: plain ints, early exits.
        if role not in ROLES or not index.isValid():
            return None
        node = self._tree.nodes.get(self._ids[index.internalId()])
        if node is None:
            return None
        col = index.column()
        if role == DISPLAY:
            return (self.label(node), _tokens(node), _time(node))[col]
        if role == DECORATION:
            return self.icons.get(node.status) if col == 0 else None
        if role == ALIGNMENT:
            return RIGHT if col > 0 else None
        if role == NODE_ID_ROLE:
            return node.id
        return _describe(node, self.label(node))  # tool tip, accessible text


def _tokens(node: TreeNode) -> str:
    total = node.prompt_tokens + node.completion_tokens
    return tokens(total) if total else ""


def _time(node: TreeNode) -> str:
    if node.status == RUNNING and node.started:
        return duration(max(0.0, time.time() - node.started))
    return duration(node.seconds) if node.seconds or node.kind != "run" else ""


def _describe(node: TreeNode, line: str) -> str:
    parts = [f"{line} — {STATUS_WORDS.get(node.status, node.status)}"]
    if node.prompt_tokens or node.completion_tokens:
        parts.append(f"{node.prompt_tokens:,} tokens read, {node.completion_tokens:,} written")
    if node.error:
        parts.append(node.error)
    return "\n".join(parts)
