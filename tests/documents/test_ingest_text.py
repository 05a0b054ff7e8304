"""Plain text, code and data files: encodings, BOMs, newlines, bad bytes, binaries, empties."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlm_desktop.documents.ingest import context_from_records, ingest_paths
from rlm_desktop.documents.model import IngestRecord


def one(path: Path, **kwargs: object) -> IngestRecord:
    records = ingest_paths([path], workers=0, **kwargs)  # type: ignore[arg-type]
    assert len(records) == 1
    return records[0]


def test_utf8_text_is_read_exactly(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("# Title\n\nNaïve café — 日本語 ✓\n", encoding="utf-8")
    record = one(path)
    assert record.ok and record.error is None and record.warnings == []
    assert record.kind == "text"
    assert record.document is not None
    assert record.document.text == "# Title\n\nNaïve café — 日本語 ✓\n"
    assert record.chars == len(record.document.text)
    assert record.document.name == "notes.md"
    assert record.document.path == str(path.resolve())
    assert record.to_json() == {
        "path": str(path),
        "ok": True,
        "kind": "text",
        "chars": record.chars,
        "pages": 0,
        "error": None,
        "warnings": [],
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"\xef\xbb\xbfbom line\r\nsecond\r\n", "bom line\nsecond\n"),
        (b"old mac\rlines\r", "old mac\nlines\n"),
        ("utf16 wörld\r\n".encode("utf-16"), "utf16 wörld\n"),
        ("utf32 ✓".encode("utf-32"), "utf32 ✓"),
    ],
)
def test_boms_and_newlines(tmp_path: Path, raw: bytes, expected: str) -> None:
    path = tmp_path / "file.txt"
    path.write_bytes(raw)
    record = one(path)
    assert record.ok, record.error
    assert record.document is not None and record.document.text == expected


def test_crlf_split_across_read_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rlm_desktop.documents.fileio as fileio
    import rlm_desktop.documents.text as text

    monkeypatch.setattr(text, "CHUNK_BYTES", 4)
    monkeypatch.setattr(fileio, "CHUNK_BYTES", 4)
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"abc\r\ndef\r\nghi\r\r\nj")
    record = one(path)
    assert record.document is not None and record.document.text == "abc\ndef\nghi\n\nj"


def test_legacy_encodings_are_detected(tmp_path: Path) -> None:
    samples = {
        "fr.txt": ("cp1252", "Café naïve, résumé à la française: très élégant, déjà vu.\n"),
        "ru.txt": ("cp1251", "Привет, как дела? Это проверка кодировки текста.\n" * 3),
    }
    for name, (encoding, content) in samples.items():
        (tmp_path / name).write_bytes(content.encode(encoding))
    records = ingest_paths(sorted(tmp_path.iterdir()), workers=0)
    for record in records:
        encoding, content = samples[Path(record.path).name]
        assert record.ok
        assert record.document is not None and record.document.text == content
        assert record.warnings == [f"the text is not UTF-8; it was read as {encoding}"]


def test_invalid_bytes_are_replaced_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "mostly.log"
    path.write_bytes(("ok line ✓\n" * 200).encode() + b"bad \xff\xfe byte\n" + b"tail\n")
    record = one(path)
    assert record.ok
    assert record.document is not None
    assert record.document.text.endswith("bad \ufffd\ufffd byte\ntail\n")
    assert len(record.warnings) == 1
    assert "2 invalid byte sequences were replaced" in record.warnings[0]


@pytest.mark.parametrize(
    ("name", "raw", "expected", "encoding"),
    [
        (
            "u16.txt",
            "\ufeffHello, UTF-16.\n".encode("utf-16-le")
            + b"\x00\xd8"  # a lone surrogate
            + "more text\n".encode("utf-16-le"),
            "Hello, UTF-16.\n\ufffdmore text\n",
            "utf-16",
        ),
        (
            "u8.txt",
            "Hello, UTF-8.\n".encode("utf-8-sig") + b"bad \xff byte\n",
            "Hello, UTF-8.\nbad \ufffd byte\n",
            "utf-8",
        ),
        (
            "page.html",
            "<p>Café menu</p>".encode("utf-8-sig") + b"<p>bad \xff byte</p>",
            "Café menu\nbad \ufffd byte\n",
            "utf-8",
        ),
    ],
)
def test_invalid_bytes_after_a_byte_order_mark_keep_its_encoding(
    tmp_path: Path, name: str, raw: bytes, expected: str, encoding: str
) -> None:
    """The BOM says what the file is: a bad byte later is replaced, not a reason to guess
    another encoding (which turned UTF-16 into NULs and a UTF-8 BOM into 'ï»¿')."""
    path = tmp_path / name
    path.write_bytes(raw)
    record = one(path)
    assert record.ok and record.document is not None
    assert record.document.text == expected
    assert record.warnings == [
        f"1 invalid byte sequence was replaced with \ufffd (the file is not valid {encoding})"
    ]


def test_source_code_and_data_files(tmp_path: Path) -> None:
    files = {
        "main.rs": "fn main() {}\n",
        "app.tsx": "export const A = () => <div/>;\n",
        "conf.toml": "[tool]\nx = 1\n",
        "Makefile": "all:\n\techo hi\n",
        "LICENSE": "Permission is hereby granted\n",
        "data.jsonl": '{"a": 1}\n',
        "data.json": '{"name": "ACME", "items": [1, 2]}\n',
        "conf.yaml": "name: ACME\nitems:\n  - 1\n",
        "feed.xml": '<?xml version="1.0"?>\n<feed><title>News</title></feed>\n',
        "setup.ini": "[server]\nport = 8080\n",
        "guide.rst": "Guide\n=====\n\nRead me.\n",
        "plain.txt": "plain words\n",
        "build.log": "12:00 started\n",
    }
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    records = ingest_paths([tmp_path], workers=0)
    by_name = {Path(r.path).name: r for r in records}
    assert set(by_name) == set(files)
    assert by_name["main.rs"].kind == "code" and by_name["Makefile"].kind == "code"
    assert by_name["conf.toml"].kind == "data" and by_name["LICENSE"].kind == "text"
    for name in ("data.json", "conf.yaml", "feed.xml", "setup.ini", "data.jsonl"):
        assert by_name[name].kind == "data", name
    for name in ("guide.rst", "plain.txt", "build.log"):
        assert by_name[name].kind == "text", name
    for name, content in files.items():
        document = by_name[name].document
        assert document is not None and document.text == content


@pytest.mark.parametrize("workers", [0, 1])
def test_empty_and_blank_files(tmp_path: Path, workers: int) -> None:
    (tmp_path / "blank.txt").write_bytes(b"  \n\n\t\n")
    for name in ("empty.txt", "empty.pdf", "empty.docx", "empty.xlsx", "empty.html"):
        (tmp_path / name).write_bytes(b"")
    records = {Path(r.path).name: r for r in ingest_paths([tmp_path], workers=workers)}
    for name in ("empty.txt", "empty.pdf", "empty.docx", "empty.xlsx", "empty.html"):
        assert not records[name].ok and records[name].error == "the file is empty", name
    assert records["empty.pdf"].kind == "pdf"
    assert not records["blank.txt"].ok
    assert records["blank.txt"].error == "the file holds only blank space, no text"
    assert context_from_records(list(records.values())).documents == []


def test_binary_with_a_text_extension(tmp_path: Path) -> None:
    path = tmp_path / "fake.txt"
    path.write_bytes(bytes(range(256)) * 40)
    record = one(path)
    assert not record.ok and record.document is None
    assert record.error == "the file's name says text, but it holds binary data"


def test_explicit_binary_and_unsupported_files(tmp_path: Path) -> None:
    (tmp_path / "blob").write_bytes(b"\x00\x01\x02\x03" * 100)
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    records = ingest_paths(
        [tmp_path / "blob", tmp_path / "photo.jpg", tmp_path / "old.doc"], workers=0
    )
    assert [r.error for r in records] == [
        "not a document the app can read (binary data)",
        "the picture is damaged or is not a picture format the app reads",
        "old Word .doc files are not supported; save it as .docx or PDF",
    ]
    assert not any(r.ok for r in records)
