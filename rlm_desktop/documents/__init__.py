"""Documents in: ingestion of files and folders into the `Context` the REPL sees (no Qt)."""
