"""The document viewer: a document opened at a passage. A PDF shows the rendered page with the
passage's lines highlighted (boxes from pdfium, `documents.pdfboxes`); text, Word, sheets and
every other kind show their extracted text, scrolled to the passage and highlighted.

API for the window: `DocumentViewer.open(document, page, start, end)` (page 1-based or None;
start/end character offsets in `document.text`, as in a citation), or
`open_citation(document, citation)` with a `Citation` or its JSON dict.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from rlm_desktop.documents import pdfboxes
from rlm_desktop.documents.model import Document

log = logging.getLogger(__name__)
HIGHLIGHT = QColor(255, 208, 0, 120)  # see-through yellow over the page or the text
OCR_NOTE_STYLE = "background: #fff4ce; color: #5c4400; padding: 4px 8px; border-radius: 3px;"
PDF_SCALE = 1.5  # pixels per point: 108 dpi


class DocumentViewer(QWidget):
    """One document at a time; `open` again to show another passage."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Document")
        self.document: Document | None = None
        self.mode = ""  # "pdf" | "text"
        self.page_index = 0  # 0-based, PDFs only
        self.page_total = 0
        self.boxes: list[pdfboxes.Box] = []
        self._span: tuple[int, int] | None = None
        self._image = QImage()
        self.title = QLabel()
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.ocr_note = QLabel()  # "read by OCR: check the wording" on such pages
        self.ocr_note.setStyleSheet(OCR_NOTE_STYLE)
        self.ocr_note.setWordWrap(True)
        self.ocr_note.setVisible(False)
        self.previous = QPushButton("Previous page")
        self.next = QPushButton("Next page")
        self.previous.clicked.connect(lambda: self.show_page(self.page_index - 1))
        self.next.clicked.connect(lambda: self.show_page(self.page_index + 1))
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.page = QLabel()
        self.page.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.page)
        self.scroll.setWidgetResizable(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.text)
        self.stack.addWidget(self.scroll)
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(self.previous)
        bar.addWidget(self.next)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.ocr_note)
        layout.addWidget(self.stack, 1)
        self.resize(820, 900)

    # --- the API -----------------------------------------------------------------------
    def open(
        self,
        document: Document,
        page: int | None = None,
        start: int | None = None,
        end: int | None = None,
    ) -> None:
        """Show `document` at the passage [start, end) of its text (highlighted), or at
        `page` (1-based) when there is no passage."""
        self.document = document
        has_span = start is not None and end is not None and end > start
        self._span = (int(start or 0), int(end or 0)) if has_span else None
        if self._is_pdf(document):
            try:
                self._open_pdf(document, page)
                return
            except Exception:  # a file changed or gone since reading: its text still shows
                log.warning("the PDF page could not be shown; showing its text", exc_info=True)
        self._open_text(document)

    def open_citation(self, document: Document, citation: Any) -> None:
        """`open` at a citation (`verify.citations.Citation` or its JSON dict)."""
        data = citation.to_json() if hasattr(citation, "to_json") else dict(citation)
        self.open(document, data.get("page"), data.get("start"), data.get("end"))

    def image(self) -> QImage:
        """The PDF page as shown, highlight included (an empty image for text)."""
        return self._image

    # --- PDFs --------------------------------------------------------------------------
    @staticmethod
    def _is_pdf(document: Document) -> bool:
        return document.kind == "pdf" and bool(document.pages) and os.path.isfile(document.path)

    def _open_pdf(self, document: Document, page: int | None) -> None:
        self.page_total = pdfboxes.page_count(document.path)
        index = (page - 1) if page else 0
        if self._span is not None:
            where = pdfboxes.page_span(document.text, document.pages, *self._span)
            if where is not None:
                index = where.page
        self.mode = "pdf"
        self.stack.setCurrentWidget(self.scroll)
        self.show_page(index)

    def show_page(self, index: int) -> None:
        """Show page `index` (0-based) of the PDF, with the passage's boxes if it is there."""
        doc = self.document
        if doc is None or self.mode != "pdf":
            return
        index = max(0, min(index, self.page_total - 1))
        self.page_index = index
        self.boxes = []
        if self._span is not None:
            where = pdfboxes.page_span(doc.text, doc.pages, *self._span)
            if where is not None and where.page == index:
                self.boxes = pdfboxes.passage_boxes(doc.path, index, where.start, where.end)
        rendered = pdfboxes.render_page(doc.path, index, PDF_SCALE)
        image = QImage(
            rendered.pixels,
            rendered.width,
            rendered.height,
            rendered.stride,
            QImage.Format.Format_RGBA8888,
        ).copy()  # own the pixels: the bytes object may go
        painter = QPainter(image)
        for box in self.boxes:
            painter.fillRect(self._to_pixels(box, rendered), HIGHLIGHT)
        painter.end()
        self._image = image
        self.page.setPixmap(QPixmap.fromImage(image))
        self.title.setText(f"{doc.name} — page {index + 1} of {self.page_total}")
        self._note_ocr(index + 1)
        self.previous.setEnabled(index > 0)
        self.next.setEnabled(index + 1 < self.page_total)
        self.previous.setVisible(True)
        self.next.setVisible(True)
        if self.boxes:
            top = self._to_pixels(self.boxes[0], rendered).top()
            self.scroll.verticalScrollBar().setValue(max(0, int(top) - 80))

    @staticmethod
    def _to_pixels(box: pdfboxes.Box, page: pdfboxes.RenderedPage) -> QRectF:
        s = page.scale
        pad = 1.0
        return QRectF(
            box.left * s - pad,
            (page.page_height - box.top) * s - pad,
            (box.right - box.left) * s + 2 * pad,
            (box.top - box.bottom) * s + 2 * pad,
        )

    # --- text --------------------------------------------------------------------------
    def _open_text(self, document: Document) -> None:
        self.mode = "text"
        self._image = QImage()
        self.boxes = []
        self.previous.setVisible(False)
        self.next.setVisible(False)
        self.stack.setCurrentWidget(self.text)
        self.text.setPlainText(document.text)
        self.title.setText(document.name)
        where = (
            pdfboxes.page_span(document.text, document.pages, *self._span) if self._span else None
        )
        self._note_ocr(where.page + 1 if where is not None else None)
        if self._span is None:
            self.text.setExtraSelections([])
            return
        start, end = self._span
        end = min(end, len(document.text))
        cursor = self.text.textCursor()
        cursor.setPosition(_utf16(document.text, min(start, end)))
        cursor.setPosition(_utf16(document.text, end), QTextCursor.MoveMode.KeepAnchor)
        marked = QTextEdit.ExtraSelection()
        marked.cursor = cursor
        fmt = QTextCharFormat()
        fmt.setBackground(HIGHLIGHT)
        marked.format = fmt
        self.text.setExtraSelections([marked])
        self.text.setTextCursor(cursor)
        self.text.centerCursor()

    def _note_ocr(self, page: int | None) -> None:
        """Say so when the page shown (or the passage's page) was read by text recognition."""
        doc = self.document
        pages = doc.ocr_pages if doc is not None else []
        note = ""
        if page is not None and page in pages:
            note = f"Page {page} was read by OCR from a scanned picture: check the wording."
            if len(doc.pages if doc else []) <= 1:
                note = "This text was read by OCR from a picture: check the wording."
            elif self.mode == "pdf" and self._span is not None and not self.boxes:
                note += " The passage cannot be marked on the picture itself."
        elif page is None and pages:
            note = f"Pages {', '.join(map(str, pages))} were read by OCR: check the wording."
        self.ocr_note.setText(note)
        self.ocr_note.setVisible(bool(note))

    def highlighted_text(self) -> str:
        """The text under the highlight (text mode)."""
        marks = self.text.extraSelections()
        return marks[0].cursor.selectedText().replace("\u2029", "\n") if marks else ""


def _utf16(text: str, offset: int) -> int:
    """A Python offset as Qt counts it (UTF-16 code units: characters beyond the BMP are two)."""
    head = text[:offset]
    return offset + sum(1 for ch in head if ord(ch) > 0xFFFF)
