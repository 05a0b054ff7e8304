"""Plain text, markup, data and source code: encoding detection, BOMs, newlines, bad bytes."""

from __future__ import annotations

import codecs
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

from rlm_desktop.cancel import CancelToken
from rlm_desktop.documents.fileio import CHUNK_BYTES, ReadError, iter_chunks, opened
from rlm_desktop.documents.jobs import Extracted
from rlm_desktop.documents.kinds import SNIFF_BYTES, looks_like_text, utf16_without_bom

_BOM_ENCODINGS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_PLAIN_UTF8 = ("utf-8", "utf-8-sig", "ascii")


@dataclass
class _Plan:
    encoding: str
    errors: str  # "strict" on the first pass, "replace" once a guess was needed
    note: str | None = None


def _initial_plan(head: bytes) -> _Plan:
    for bom, encoding in _BOM_ENCODINGS:
        if head.startswith(bom):
            return _Plan(encoding, "strict")
    utf16 = utf16_without_bom(head[:SNIFF_BYTES])
    if utf16:
        return _Plan(utf16, "replace", f"the text has no byte-order mark; it was read as {utf16}")
    return _Plan("utf-8-sig", "strict")


_PREFERRED = ("cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1257")


def _mostly_utf8(sample: bytes) -> bool:
    """True when valid multi-byte UTF-8 outnumbers the invalid bytes (a damaged UTF-8 file)."""
    decoded = sample.decode("utf-8", "replace")
    bad = decoded.count("\ufffd")
    good = sum(1 for ch in decoded if ch > "\x7f") - bad
    return good >= bad


def _after_invalid_bytes(plan: _Plan, head: bytes, sample: bytes) -> _Plan:
    """The plan once strict decoding failed: a byte-order mark's encoding stands (the bad
    bytes are replaced); without one the encoding is guessed from `sample`."""
    if any(head.startswith(bom) for bom, _ in _BOM_ENCODINGS):
        return _Plan(plan.encoding, "replace")
    return _fallback_plan(sample)


def _fallback_plan(sample: bytes) -> _Plan:
    """After invalid UTF-8: guess the real encoding from a sample (charset-normalizer).

    Short samples fit several code pages almost equally well; among the near-best guesses the
    common Windows code pages win (Windows-1252 first).
    """
    if _mostly_utf8(sample):
        return _Plan("utf-8", "replace")
    from charset_normalizer import from_bytes

    results = from_bytes(sample, threshold=0.5)
    best = results.best()
    if best is None:
        return _Plan("utf-8", "replace")
    name = codecs.lookup(best.encoding).name
    near = [m for m in results if m.chaos <= best.chaos + 0.1]
    for preferred in _PREFERRED:
        if any(preferred in m.could_be_from_charset for m in near):
            name = preferred
            break
    if name in _PLAIN_UTF8:
        return _Plan("utf-8", "replace")
    return _Plan(name, "replace", f"the text is not UTF-8; it was read as {name}")


class _Newlines:
    """Turns CRLF and lone CR into LF across chunk boundaries."""

    def __init__(self) -> None:
        self._carry = ""

    def feed(self, piece: str, final: bool = False) -> str:
        if self._carry:
            piece, self._carry = self._carry + piece, ""
        if not final and piece.endswith("\r"):
            piece, self._carry = piece[:-1], "\r"
        if "\r" in piece:
            piece = piece.replace("\r\n", "\n").replace("\r", "\n")
        return piece


def _decode(chunks: Iterator[bytes], plan: _Plan, cancel: CancelToken | None) -> list[str]:
    decoder = codecs.getincrementaldecoder(plan.encoding)(plan.errors)
    newlines = _Newlines()
    parts: list[str] = []
    for data in chunks:
        if cancel is not None:
            cancel.raise_if_cancelled()
        parts.append(newlines.feed(decoder.decode(data)))
    parts.append(newlines.feed(decoder.decode(b"", final=True), final=True))
    return parts


def _hashing(chunks: Iterator[bytes], digest: hashlib.blake2b | None) -> Iterator[bytes]:
    for data in chunks:
        if digest is not None:
            digest.update(data)
        yield data


def read_text(
    path: str,
    max_bytes: int,
    *,
    want_digest: bool = False,
    cancel: CancelToken | None = None,
) -> Extracted:
    """Decode a text file in chunks; never holds more than its bytes' worth twice over."""
    with opened(path) as fd:
        head = os.read(fd, CHUNK_BYTES)
        if not head:
            raise ReadError("the file is empty")
        if not looks_like_text(head[:SNIFF_BYTES]):
            raise ReadError("the file's name says text, but it holds binary data")
        plan = _initial_plan(head)

        def chunks() -> Iterator[bytes]:
            yield head
            yield from iter_chunks(fd, max_bytes - len(head))

        digest = hashlib.blake2b(digest_size=20) if want_digest else None
        try:
            parts = _decode(_hashing(chunks(), digest), plan, cancel)
        except UnicodeDecodeError as exc:
            obj = exc.object if isinstance(exc.object, bytes) else b""
            sample = head[: 32 * 1024] + obj[max(0, exc.start - 1024) : exc.start + 32 * 1024]
            plan = _after_invalid_bytes(plan, head, sample)
            os.lseek(fd, 0, os.SEEK_SET)
            digest = hashlib.blake2b(digest_size=20) if want_digest else None
            more = iter_chunks(fd, max_bytes)
            parts = _decode(_hashing(more, digest), plan, cancel)
    text, warnings = _finish(parts, plan)
    if not text.strip():
        raise ReadError("the file holds only blank space, no text")
    return Extracted(text, warnings=warnings, digest=digest.digest() if digest else None)


def _finish(parts: list[str], plan: _Plan) -> tuple[str, list[str]]:
    text = "".join(parts)
    parts.clear()
    warnings = [plan.note] if plan.note else []
    if plan.errors == "replace":
        bad = text.count("\ufffd")
        if bad:
            warnings.append(
                f"{bad:,} invalid byte sequence{'s were' if bad != 1 else ' was'} replaced "
                f"with \ufffd (the file is not valid {plan.encoding.removesuffix('-sig')})"
            )
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, warnings


def _known_encoding(label: str) -> str | None:
    """Python's name for an encoding label; Latin-1 means Windows-1252, as in browsers."""
    try:
        name = codecs.lookup(label.strip()).name
    except LookupError:
        return None
    return "cp1252" if name in ("iso8859-1", "ascii") else name


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, list[str]]:
    """Decode text already in memory (BOM, then `declared`, then UTF-8, then a guess)."""
    plan = _initial_plan(data)
    name = _known_encoding(declared) if declared else None
    if name and name not in _PLAIN_UTF8 and plan.encoding == "utf-8-sig":
        plan = _Plan(name, "replace")
    try:
        parts = _decode(iter([data]), plan, None)
    except UnicodeDecodeError as exc:
        sample = data[: 32 * 1024] + data[max(0, exc.start - 1024) :][: 32 * 1024]
        plan = _after_invalid_bytes(plan, data, sample)
        parts = _decode(iter([data]), plan, None)
    return _finish(parts, plan)
