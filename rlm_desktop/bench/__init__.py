"""Benchmarks behind `rlm-desktop bench NAME`: each module has `add_arguments` and `run`.

`run(args)` returns one JSON-able dict; the CLI prints it (`--json`) or a readable summary.
Figures are ratios against the bare library measured in the same run wherever that applies.
"""


class BenchError(Exception):
    """A benchmark asked for something it cannot do (nothing to run): one line for the user."""


BENCHES: dict[str, str] = {
    "engine": "rlm_desktop.bench.engine",
    "backend": "rlm_desktop.bench.backend",
    "ingest": "rlm_desktop.bench.ingest",
    "ui": "rlm_desktop.bench.ui",
    "accuracy": "rlm_desktop.bench.accuracy",
    "startup": "rlm_desktop.bench.startup",
    "history": "rlm_desktop.bench.history",
    "ocr": "rlm_desktop.bench.ocr",
    "batch": "rlm_desktop.bench.batch",
}
