"""The hub's exceptions. Every message is one sentence a non-programmer can act on."""

from __future__ import annotations

from pathlib import Path


class HubError(RuntimeError):
    """Base class: something about models went wrong; `str(exc)` is the sentence to show."""


class ModelNotFoundError(HubError):
    """An id or path names no model file this app can find."""


class ModelImportError(HubError):
    """A local file could not be imported (not a valid GGUF, unreadable, no room)."""


class DownloadError(HubError):
    """A download failed. `retryable`: trying again may work (network, damaged file)."""

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class IntegrityError(DownloadError):
    """The downloaded bytes do not match the hub's checksum; the file was quarantined."""

    def __init__(self, message: str, quarantined: Path) -> None:
        super().__init__(message, retryable=True)
        self.quarantined = quarantined
