"""The desktop window (PySide6). Thin: it turns engine events and ingest records into widgets.

Entry point: `rlm_desktop.ui.app.run_app`. Nothing below `rlm_desktop.ui` is imported by the
engine, the documents, the hub or the CLI's headless commands. Importing this package applies
`qt_compat.immortalize_singletons()` (a guard against a PySide6 6.12 bug on Python 3.11).
"""

from rlm_desktop.ui.qt_compat import immortalize_singletons

immortalize_singletons()
