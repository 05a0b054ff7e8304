"""Checks on zip-based files (.docx, .xlsx, .pptx, .odt, .epub) before any library unpacks them."""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from typing import BinaryIO

from rlm_desktop.documents.fileio import ReadError, open_readonly, read_head
from rlm_desktop.documents.limits import IngestLimits
from rlm_desktop.sizes import human_size

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile's own local file header layout
_STEP = 1024 * 1024


def _skip_local_header(fh: BinaryIO, member: zipfile.ZipInfo) -> bool:
    """Seek to the member's compressed bytes; False when its local header is not there."""
    fh.seek(member.header_offset)
    header = fh.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        return False
    fields = _LOCAL_HEADER.unpack(header)
    fh.seek(fields[10] + fields[11], os.SEEK_CUR)  # the name and extra field
    return True


def _unpacks_as_declared(fh: BinaryIO, member: zipfile.ZipInfo) -> bool:
    """True when the member's bytes unpack to exactly the size its header declares.

    Unpacked a megabyte at a time and stopped as soon as it runs over, so a member that lies
    about its size (a zip bomb aimed at readers that trust the header) costs no memory here.
    """
    if not _skip_local_header(fh, member):
        return False
    if member.compress_type == zipfile.ZIP_STORED:
        return member.compress_size == member.file_size
    if member.compress_type != zipfile.ZIP_DEFLATED:
        return False  # Office, OpenDocument and EPUB files only ever use these two
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    left, produced = member.compress_size, 0
    try:
        while left:
            data = fh.read(min(_STEP, left))
            if not data:
                return False
            left -= len(data)
            while data:
                produced += len(inflater.decompress(data, _STEP))
                if produced > member.file_size:
                    return False
                data = inflater.unconsumed_tail
        while out := inflater.decompress(b"", _STEP):
            produced += len(out)
            if produced > member.file_size:
                return False
    except zlib.error:
        return False
    return produced == member.file_size


def check_zip(path: str, limits: IngestLimits, what: str, required: str) -> None:
    """Refuse a damaged archive, a zip bomb or one lacking the part `required` names.

    The declared sizes are capped first; then every member is unpacked once, in bounded
    steps, to prove it unpacks to no more than it declares (zipfile inflates a member's whole
    compressed data in one call and only then trims it to the declared size).
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
        with os.fdopen(open_readonly(path), "rb") as fh:
            if not all(_unpacks_as_declared(fh, m) for m in members if not m.is_dir()):
                raise ReadError(
                    "the file unpacks to more than it declares (it may be a zip bomb, or it "
                    "is damaged), so it was not read"
                )
