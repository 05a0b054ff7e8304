"""CLI sub-commands. Each module has `add_parser(subparsers)` and `run(args) -> int`."""

COMMANDS: tuple[str, ...] = ("ask", "ingest", "models", "bench", "doctor", "history", "trace")
