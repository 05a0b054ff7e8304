"""A tiny PDF writer for test and benchmark data: text pages, blank (scanned) pages, RC4 lock."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass

_PAD = bytes.fromhex("28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out = bytearray(len(data))
    i = j = 0
    for n, byte in enumerate(data):
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out[n] = byte ^ s[(s[i] + s[j]) % 256]
    return bytes(out)


def _padded(password: str) -> bytes:
    return (password.encode("latin-1") + _PAD)[:32]


class _Rc4Lock:
    """The standard security handler, revision 2 (40-bit RC4): enough for a locked file."""

    def __init__(self, user_password: str, file_id: bytes) -> None:
        self.permissions = -4  # everything allowed once opened
        self.owner = _rc4(
            hashlib.md5(_padded(user_password + "-owner")).digest()[:5], _padded(user_password)
        )
        seed = (
            _padded(user_password)
            + self.owner
            + self.permissions.to_bytes(4, "little", signed=True)
            + file_id
        )
        self.key = hashlib.md5(seed).digest()[:5]
        self.user = _rc4(self.key, _PAD)

    def encrypt(self, number: int, data: bytes) -> bytes:
        object_key = hashlib.md5(self.key + number.to_bytes(3, "little") + b"\0\0").digest()
        return _rc4(object_key[:10], data)

    def dictionary(self) -> bytes:
        return b"<< /Filter /Standard /V 1 /R 2 /Length 40 /P %d /O <%s> /U <%s> >>" % (
            self.permissions,
            self.owner.hex().encode(),
            self.user.hex().encode(),
        )


def _escape(line: str) -> bytes:
    raw = line.encode("cp1252", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def page_content(text: str | None) -> bytes:
    """A content stream: the text's lines in Helvetica, or a page-sized image when None."""
    if text is None:  # what a scanner makes: one picture, no text layer
        pixels = bytes((x * 37 + y * 11) % 256 for y in range(8) for x in range(8))
        return b"q 495 0 0 742 50 50 cm BI /W 8 /H 8 /CS /G /BPC 8 ID\n" + pixels + b"\nEI Q"
    lines = text.split("\n")
    ops = [b"BT /F1 10 Tf 12 TL 50 800 Td"]
    for n, line in enumerate(lines):
        ops.append((b"T* " if n else b"") + b"(" + _escape(line) + b") Tj")
    ops.append(b"ET")
    return b"\n".join(ops)


@dataclass(frozen=True)
class Picture:
    """A page that is one gray JPEG picture (a scan), drawn across the page's width."""

    jpeg: bytes
    width: int
    height: int


def _picture_object(picture: Picture) -> bytes:
    return (
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n%s\nendstream"
        % (picture.width, picture.height, len(picture.jpeg), picture.jpeg)
    )


def write_pdf(
    path: str | os.PathLike[str],
    pages: Sequence[str | Picture | None],
    *,
    user_password: str | None = None,
    title: str = "",
) -> None:
    """Write a PDF with one page per item: text lines, None for a scanned-looking page (a
    tiny gray picture), or a `Picture` (a real scan: JPEG, no text layer)."""
    file_id = hashlib.md5(repr((os.fspath(path), list(pages))).encode()).digest()
    lock = _Rc4Lock(user_password, file_id) if user_password is not None else None
    if lock is not None and any(isinstance(item, Picture) for item in pages):
        raise ValueError("a locked PDF with pictures is not supported by this writer")
    count = len(pages)
    numbers = []
    next_number = 4
    for item in pages:
        numbers.append(next_number)
        next_number += 3 if isinstance(item, Picture) else 2
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % n for n in numbers), count),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for number, item in zip(numbers, pages, strict=True):
        content_number = number + 1
        xobject = b""
        if isinstance(item, Picture):
            xobject = b" /XObject << /Im1 %d 0 R >>" % (number + 2)
            height = min(842, round(595 * item.height / item.width))  # page width, same shape
            stream = b"q 595 0 0 %d 0 %d cm /Im1 Do Q" % (height, 842 - height)
        else:
            stream = page_content(item)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >>%s >> /Contents %d 0 R >>"
            % (xobject, content_number)
        )
        if lock is not None:
            stream = lock.encrypt(content_number, stream)
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        if isinstance(item, Picture):
            objects.append(_picture_object(item))
    info = b"<< /Producer (rlm-desktop pdfwrite) >>"
    if title:
        info = b"<< /Title (" + _escape(title) + b") >>"
    objects.append(info)
    trailer_extra = b""
    if lock is not None:
        objects.append(lock.dictionary())
        trailer_extra = b" /Encrypt %d 0 R" % len(objects)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += (
        b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R /ID [<%s> <%s>]%s >>\n"
        b"startxref\n%d\n%%%%EOF\n"
        % (
            len(objects) + 1,
            len(objects) - (1 if lock else 0),
            file_id.hex().encode(),
            file_id.hex().encode(),
            trailer_extra,
            xref,
        )
    )
    with open(path, "wb") as handle:
        handle.write(out)
