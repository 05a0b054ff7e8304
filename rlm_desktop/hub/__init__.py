"""Models: the curated catalogue, hardware fit, installed models, and safe downloads.

No Qt here, and no network unless a download is asked for (huggingface_hub is imported lazily).
Entry points: `catalog.load_catalog`, `hardware.detect_hardware`, `fit.assess`/`fit.recommend`,
`installed.resolve_model`/`list_installed`/`import_model`/`remove_model`,
`download.Downloader`, and `service.HubService` which bundles them for the CLI and the GUI.
"""
