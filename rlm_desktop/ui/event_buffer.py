"""The hand-over point between the engine thread and the window: a locked list of events.

The engine thread `push`es every event (cheap: an append under a lock; consecutive token
pieces of one node are merged into one event on the way in). The GUI thread `take`s
whatever has arrived on its ~30 ms timer, so the window sees at most one batch per tick
however fast the model streams. Qt-free.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from rlm_desktop.engine.events import Event, TokenStreamed


@dataclass
class Batch:
    events: list[Event] = field(default_factory=list)
    pieces: int = 0  # token pieces streamed since the last batch (before merging)


@dataclass
class _Pieces:
    """Consecutive token pieces of one node, joined only when taken (no quadratic copying)."""

    first: TokenStreamed
    parts: list[str]

    def event(self) -> TokenStreamed:
        e = self.first
        return TokenStreamed(e.node_id, e.parent_id, text="".join(self.parts), t=e.t)


class EventBuffer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Event | _Pieces] = []
        self._pieces = 0
        self.total = 0  # events pushed so far (the benchmark's rate)

    def push(self, event: Event) -> None:
        """Called on the engine thread for every event."""
        with self._lock:
            self.total += 1
            if isinstance(event, TokenStreamed):
                self._pieces += 1
                last = self._items[-1] if self._items else None
                if isinstance(last, _Pieces) and last.first.node_id == event.node_id:
                    last.parts.append(event.text)
                else:
                    self._items.append(_Pieces(event, [event.text]))
                return
            self._items.append(event)

    def take(self) -> Batch:
        """Everything pushed since the last call (GUI thread)."""
        with self._lock:
            items, pieces = self._items, self._pieces
            self._items, self._pieces = [], 0
        return Batch([i.event() if isinstance(i, _Pieces) else i for i in items], pieces)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
