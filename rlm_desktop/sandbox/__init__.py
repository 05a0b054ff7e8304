"""The sandbox: model code runs in a separate worker process; the host talks to it over pipes."""
