"""Word, Excel, PowerPoint, OpenDocument and EPUB files built with their own libraries."""

from __future__ import annotations

import datetime
import struct
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from rlm_desktop.documents.ingest import IngestLimits, ingest_paths
from rlm_desktop.documents.model import IngestRecord


def read_one(path: Path, **kwargs: object) -> IngestRecord:
    records = ingest_paths([path], workers=0, **kwargs)  # type: ignore[arg-type]
    assert len(records) == 1
    return records[0]


def make_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "ACME Corp — confidential"
    document.sections[0].footer.paragraphs[0].text = "Page footer"
    document.add_heading("Service agreement", level=1)
    document.add_paragraph("This agreement is made between ACME and Bob.")
    document.add_heading("Payment", level=2)
    document.add_paragraph("First item", style="List Bullet")
    table = document.add_table(rows=2, cols=3)
    for r, row in enumerate([["Item", "Qty", "Price"], ["Widget", "3", "9.50"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("Signed in Paris.")
    document.save(path)
    return path


def test_docx_paragraphs_headings_tables_headers(tmp_path: Path) -> None:
    record = read_one(make_docx(tmp_path / "contract.docx"))
    assert record.ok and record.kind == "docx" and record.pages == 0
    assert record.document is not None
    assert record.document.text == (
        "[header] ACME Corp — confidential\n"
        "# Service agreement\n"
        "This agreement is made between ACME and Bob.\n"
        "## Payment\n"
        "- First item\n"
        "Item\tQty\tPrice\n"
        "Widget\t3\t9.50\n"
        "Signed in Paris.\n"
        "[footer] Page footer\n"
    )


def test_xlsx_one_section_per_sheet_rows_tabbed(tmp_path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sales = workbook.active
    sales.title = "Sales"
    sales.append(["Region", "Amount", "Date", "Paid"])
    sales.append(["North", 1200.0, datetime.datetime(2024, 3, 1), True])
    sales.append(["South\tEast", 0.1 + 0.2, None, False])
    sales.append([])
    sales.append([None, None])
    notes = workbook.create_sheet("Notes")
    notes["B2"] = "see line\nbelow"
    workbook.create_sheet("Empty")
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    record = read_one(path)
    assert record.ok and record.kind == "xlsx" and record.pages == 3
    doc = record.document
    assert doc is not None
    expected = (
        "--- sheet 1 of 3: Sales ---\n"
        "Region\tAmount\tDate\tPaid\n"
        "North\t1200\t2024-03-01\tTRUE\n"
        "South East\t0.3\t\tFALSE\n"
        "--- sheet 2 of 3: Notes ---\n"
        "\tsee line below\n"
        "--- sheet 3 of 3: Empty ---\n"
    )
    assert doc.text == expected
    assert doc.pages == [0, expected.index("--- sheet 2"), expected.index("--- sheet 3")]


def test_csv_and_tsv(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text('name,note\nAnn,"hello, world"\nBo,"two\nlines"\n')
    (tmp_path / "b.csv").write_text("x;y\n1;2\n")
    (tmp_path / "c.tsv").write_text("k\tv\nz\t26\n")
    records = ingest_paths([tmp_path], workers=0)
    texts = [r.document.text for r in records if r.document]
    assert texts == [
        "name\tnote\nAnn\thello, world\nBo\ttwo lines\n",
        "x\ty\n1\t2\n",
        "k\tv\nz\t26\n",
    ]
    assert [r.kind for r in records] == ["csv", "csv", "tsv"]


def test_pptx_slides_tables_and_notes(tmp_path: Path) -> None:
    import pptx
    from pptx.util import Inches

    presentation = pptx.Presentation()
    first = presentation.slides.add_slide(presentation.slide_layouts[1])
    first.shapes.title.text = "Roadmap 2025"
    first.placeholders[1].text = "Ship the app\nGrow users"
    first.notes_slide.notes_text_frame.text = "Mention the budget"
    second = presentation.slides.add_slide(presentation.slide_layouts[5])
    second.shapes.title.text = "Numbers"
    table = second.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(4), Inches(1)).table
    for r, row in enumerate([["Q1", "Q2"], ["10", "12"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    path = tmp_path / "deck.pptx"
    presentation.save(path)
    record = read_one(path)
    assert record.ok and record.kind == "pptx" and record.pages == 2
    doc = record.document
    assert doc is not None
    expected = (
        "--- slide 1 of 2 ---\nRoadmap 2025\nShip the app\nGrow users\n[notes] Mention the budget\n"
        "--- slide 2 of 2 ---\nNumbers\nQ1\tQ2\n10\t12\n"
    )
    assert doc.text == expected
    assert doc.pages == [0, expected.index("--- slide 2")]


def test_odt_ods_odp(tmp_path: Path) -> None:
    from odf import draw, table, text
    from odf.opendocument import (
        OpenDocumentPresentation,
        OpenDocumentSpreadsheet,
        OpenDocumentText,
    )
    from odf.style import MasterPage, PageLayout

    odt = OpenDocumentText()
    odt.text.addElement(text.H(outlinelevel=1, text="Minutes"))
    odt.text.addElement(text.P(text="We met on Monday."))
    grid = table.Table(name="T")
    row = table.TableRow()
    for value in ("Alice", "yes"):
        cell = table.TableCell()
        cell.addElement(text.P(text=value))
        row.addElement(cell)
    grid.addElement(row)
    odt.text.addElement(grid)
    odt.save(tmp_path / "minutes.odt")

    ods = OpenDocumentSpreadsheet()
    sheet = table.Table(name="Budget")
    row = table.TableRow()
    for value in ("Rent", "", "900"):
        cell = table.TableCell()
        if value:
            cell.addElement(text.P(text=value))
        row.addElement(cell)
    row.addElement(table.TableCell(numbercolumnsrepeated=16000))  # padding, as ODS writes
    sheet.addElement(row)
    sheet.addElement(table.TableRow(numberrowsrepeated=1048000))
    ods.spreadsheet.addElement(sheet)
    ods.save(tmp_path / "budget.ods")

    odp = OpenDocumentPresentation()
    layout = PageLayout(name="L")
    odp.automaticstyles.addElement(layout)
    master = MasterPage(name="M", pagelayoutname=layout)
    odp.masterstyles.addElement(master)
    for title in ("Intro", "Plan"):
        page = draw.Page(masterpagename=master)
        frame = draw.Frame(width="10cm", height="2cm", x="1cm", y="1cm")
        box = draw.TextBox()
        box.addElement(text.P(text=title))
        frame.addElement(box)
        page.addElement(frame)
        odp.presentation.addElement(page)
    odp.save(tmp_path / "talk.odp")

    records = {Path(r.path).suffix: r for r in ingest_paths([tmp_path], workers=0)}
    assert records[".odt"].document is not None
    assert records[".odt"].document.text == "# Minutes\nWe met on Monday.\nAlice\tyes\n"
    assert records[".ods"].document is not None
    assert records[".ods"].document.text == "--- sheet 1 of 1: Budget ---\nRent\t\t900\n"
    assert records[".odp"].document is not None
    assert records[".odp"].document.text == (
        "--- slide 1 of 2 ---\nIntro\n--- slide 2 of 2 ---\nPlan\n"
    )
    assert records[".odp"].document.pages == [0, len("--- slide 1 of 2 ---\nIntro\n")]
    assert [r.kind for r in records.values()] == ["ods", "odt", "odp"]


def make_epub(path: Path) -> Path:
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("id-1")
    book.set_title("A Small Book")
    book.set_language("en")
    chapters = []
    for n, body in enumerate(
        [
            "<h1>Chapter One</h1><p>It was a dark night.</p>",
            "<h1>Chapter Two</h1><p>Morning came.</p><script>x()</script>",
        ]
    ):
        chapter = epub.EpubHtml(title=f"c{n}", file_name=f"c{n}.xhtml", lang="en")
        chapter.content = f"<html><body>{body}</body></html>"
        book.add_item(chapter)
        chapters.append(chapter)
    book.toc = chapters
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = chapters
    epub.write_epub(str(path), book)
    return path


def test_epub_sections_in_reading_order(tmp_path: Path) -> None:
    record = read_one(make_epub(tmp_path / "book.epub"))
    assert record.ok and record.kind == "epub" and record.pages == 2
    doc = record.document
    assert doc is not None
    expected = (
        "--- section 1 of 2 ---\n# Chapter One\nIt was a dark night.\n"
        "--- section 2 of 2 ---\n# Chapter Two\nMorning came.\n"
    )
    assert doc.text == expected
    assert doc.pages == [0, expected.index("--- section 2")]


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("c.docx", "Word document"),
        ("c.xlsx", "Excel workbook"),
        ("c.pptx", "PowerPoint presentation"),
        ("c.odt", "OpenDocument file"),
        ("c.epub", "EPUB book"),
    ],
)
def test_corrupt_and_truncated_office_files(tmp_path: Path, name: str, what: str) -> None:
    corrupt = tmp_path / name
    corrupt.write_bytes(b"PK\x03\x04 not really a zip" * 20)
    truncated = tmp_path / f"t{name}"
    make_docx(tmp_path / "src.docx")
    truncated.write_bytes((tmp_path / "src.docx").read_bytes()[:3000])
    for path in (corrupt, truncated):
        record = read_one(path)
        assert not record.ok and record.document is None
        assert record.error == f"the file is damaged or is not a real {what}"


def test_a_real_zip_that_is_not_the_format(tmp_path: Path) -> None:
    path = tmp_path / "renamed.xlsx"
    make_docx(path)  # a Word file with the wrong extension
    record = read_one(path)
    assert record.error == "the file is damaged or is not a real Excel workbook"


def test_docx_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "bomb.docx")
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/filler.bin", b"\0" * (8 * 1024 * 1024))
    assert path.stat().st_size < 200_000  # 8 MB of zeros packs into a few KB
    record = read_one(path, limits=IngestLimits(max_decompressed_bytes=4_000_000))
    assert not record.ok
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(m.file_size for m in archive.infolist()) / 1e6  # decimal MB
    assert record.error == (
        f"the file unpacks to {unpacked:.1f} MB, over the 4 MB limit (it may be a zip bomb), "
        "so it was not read"
    )
    assert read_one(path).ok  # under the default limit the same file is fine


def _lie_about_size(path: Path, member: str, declared: int) -> None:
    """Patch `member`'s uncompressed size in its local header and the central directory."""
    raw = bytearray(path.read_bytes())
    name = member.encode()
    at = raw.find(name)
    while at >= 0:
        if raw[at - 30 : at - 26] == b"PK\x03\x04":
            struct.pack_into("<I", raw, at - 30 + 22, declared)
        elif raw[at - 46 : at - 42] == b"PK\x01\x02":
            struct.pack_into("<I", raw, at - 46 + 24, declared)
        at = raw.find(name, at + 1)
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("workers", [0, 1])
def test_zip_bomb_that_lies_about_its_size(tmp_path: Path, workers: int) -> None:
    """A part that declares 5 KB but unpacks to 48 MB is refused without unpacking it."""
    source = make_docx(tmp_path / "source.docx")
    path = tmp_path / "liar.docx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"</w:body>", b"<!--" + b" " * (48 << 20) + b"--></w:body>")
            out.writestr(info.filename, data)
    _lie_about_size(path, "word/document.xml", 5000)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("word/document.xml").file_size == 5000  # the lie
    tracemalloc.start()
    try:
        (record,) = ingest_paths([path], workers=workers)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not record.ok and record.document is None
    assert record.error == (
        "the file unpacks to more than it declares (it may be a zip bomb, or it is damaged), "
        "so it was not read"
    )
    assert peak < 8 << 20


def test_password_protected_office_file(tmp_path: Path) -> None:
    # Encrypted .docx/.xlsx files are OLE compound files, not zips.
    path = tmp_path / "locked.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000)
    record = read_one(path)
    assert record.error == (
        "password-protected or old-format Word document: save it again without a password "
        "in the current format"
    )


def test_office_files_through_the_pool(tmp_path: Path) -> None:
    make_docx(tmp_path / "a.docx")
    make_epub(tmp_path / "b.epub")
    pooled = ingest_paths([tmp_path], workers=2)
    inline = ingest_paths([tmp_path], workers=0)
    assert [r.to_json() for r in pooled] == [r.to_json() for r in inline]
    assert all(r.ok for r in pooled)
