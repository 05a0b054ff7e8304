"""Checks on zip-based files (.docx, .xlsx, .pptx, .odt, .epub) before any library unpacks them."""

from __future__ import annotations

import zipfile

from rlm_desktop.documents.fileio import ReadError, read_head
from rlm_desktop.documents.limits import IngestLimits, human_size

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_zip(path: str, limits: IngestLimits, what: str, required: str) -> None:
    """Refuse a damaged archive, a zip bomb or one lacking the part `required` names.

    Python's zipfile never yields more than a member's declared size (and checks its CRC),
    so capping the sum of declared sizes caps what the readers can unpack.
    """
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        if read_head(path, 8) == _OLE_MAGIC:
            raise ReadError(
                f"password-protected or old-format {what}: save it again without a password "
                "in the current format"
            ) from None
        raise ReadError(f"the file is damaged or is not a real {what}") from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_zip_members:
            raise ReadError(
                f"the file holds {len(members):,} parts, over the limit of "
                f"{limits.max_zip_members:,} (it may be a zip bomb), so it was not read"
            )
        unpacked = sum(m.file_size for m in members)
        if unpacked > limits.max_decompressed_bytes:
            raise ReadError(
                f"the file unpacks to {human_size(unpacked)}, over the "
                f"{human_size(limits.max_decompressed_bytes)} limit (it may be a zip bomb), "
                "so it was not read"
            )
        names = {m.filename for m in members}
        if required not in names:
            raise ReadError(f"the file is damaged or is not a real {what}")
