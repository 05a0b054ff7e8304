"""A JSON trace of a run: every event as one JSON line, written as it happens, so a crash
still leaves a trace. Streamed tokens are left out (each turn's whole text is in its
IterationFinished event); the last line is the run's result.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from rlm_desktop.engine.events import Event, TokenStreamed, event_from_json


class TraceWriter:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        # errors="replace": a lone surrogate in model text must not lose the trace
        self._file: IO[str] = open(self.path, "w", encoding="utf-8", errors="replace")  # noqa: SIM115

    def __call__(self, event: Event) -> None:
        if isinstance(event, TokenStreamed):
            return
        self._file.write(json.dumps(event.to_json(), ensure_ascii=False) + "\n")
        self._file.flush()

    def write_result(self, result: dict[str, Any]) -> None:
        self._file.write(json.dumps({"type": "Result", **result}, ensure_ascii=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_trace(path: str | Path) -> tuple[list[Event], dict[str, Any] | None]:
    """The events and the result recorded in a trace file."""
    events: list[Event] = []
    result = None
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        if data.get("type") == "Result":
            result = data
        else:
            events.append(event_from_json(data))
    return events, result
